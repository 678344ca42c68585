//! `marrowsim replay`: a finished attempt on a timeline, with its score card.

use super::QualityArg;
use clap::Args;
use marrowsim_core::records::attempt::Attempt;
use marrowsim_core::scenario::{Scenario, errors_text};
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct ReplayArgs {
    /// The attempt file (RON), as the app, `feasibility --out` or `history --export` write it.
    pub attempt: PathBuf,
    /// The scene it was made in; without it, the scene in `scenes/` with the attempt's title.
    #[arg(long)]
    pub scene: Option<PathBuf>,
    #[command(flatten)]
    pub quality: QualityArg,
}

/// The `.ron` file in `dir` whose scene has `title`.
fn scene_titled(dir: &Path, title: &str) -> Option<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .collect();
    files.sort();
    files
        .into_iter()
        .find(|p| Scenario::load(p).is_ok_and(|s| s.title == title))
}

pub fn run(args: &ReplayArgs) -> Result<(), String> {
    let attempt = Attempt::load(&args.attempt).map_err(|e| e.to_string())?;
    let scene = match &args.scene {
        Some(s) => s.clone(),
        None => scene_titled(Path::new("scenes"), &attempt.scene).ok_or_else(|| {
            format!(
                "{}: no scene in scenes/ is titled \"{}\"; name it with --scene",
                args.attempt.display(),
                attempt.scene
            )
        })?,
    };
    let scenario = Scenario::load(&scene).map_err(|e| errors_text(&e))?;
    marrowsim_app::replay(
        scenario,
        marrowsim_app::SceneSource::File(scene),
        &args.attempt,
        args.quality.graphics(),
    )
}
