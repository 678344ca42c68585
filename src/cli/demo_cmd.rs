//! `marrowsim demo`: the workshop's demonstration on a projector, and `shot --demo` of one of
//! its moments. Each scene's programme (the expert's harvest and the classic errors, with
//! captions) is prepared here, before the window opens.

use super::QualityArg;
use clap::Args;
use marrowsim_core::records::attempt::Attempt;
use marrowsim_core::scenario::{Scenario, errors_text};
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// The scenes to demonstrate, in turn (default: scenes/psis_standard.ron).
    pub scenes: Vec<PathBuf>,
    #[command(flatten)]
    pub quality: QualityArg,
    /// The window's size; F11 makes it fullscreen.
    #[arg(long, default_value_t = 1920)]
    pub width: u32,
    #[arg(long, default_value_t = 1080)]
    pub height: u32,
    /// Print the programme (each attempt's captions and their times) instead of opening the
    /// window.
    #[arg(long)]
    pub list: bool,
}

/// Each scene with its programme.
pub fn prepare(scenes: &[PathBuf]) -> Result<Vec<marrowsim_app::DemoScene>, String> {
    let defaults = [PathBuf::from(marrowsim_core::scenario::DEFAULT_SCENE_PATH)];
    let scenes = if scenes.is_empty() {
        &defaults[..]
    } else {
        scenes
    };
    scenes
        .iter()
        .map(|path| {
            let scenario = Scenario::load(path).map_err(|e| errors_text(&e))?;
            let expert = scenario
                .expert
                .as_ref()
                .map(|file| expert(path, &scenario, file))
                .transpose()?;
            let acts = marrowsim_core::demo::programme(&scenario, expert)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            Ok(marrowsim_app::DemoScene {
                path: Some(path.clone()),
                title: scenario.title.clone(),
                acts,
            })
        })
        .collect()
}

/// The scene's authored expert attempt (`expert:`, beside the scene), refused unless it
/// belongs to the scene and could have happened, as `marrowsim score` would.
fn expert(scene: &std::path::Path, scenario: &Scenario, file: &str) -> Result<Attempt, String> {
    let path = scene
        .parent()
        .unwrap_or(std::path::Path::new("."))
        .join(file);
    let attempt = Attempt::load(&path).map_err(|e| format!("{}: expert: {e}", scene.display()))?;
    let refuse = |r: marrowsim_core::grading::admit::Refusal| {
        format!("{}: the expert's attempt: {}", path.display(), r.message)
    };
    marrowsim_core::grading::admit::belongs(scenario, &attempt).map_err(refuse)?;
    let anatomy = marrowsim_core::anatomy::Anatomy::build(&attempt.patient)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    marrowsim_core::grading::admit::possible(&anatomy, &attempt).map_err(refuse)?;
    Ok(attempt)
}

pub fn run(args: &DemoArgs) -> Result<(), String> {
    let scenes = prepare(&args.scenes)?;
    if args.list {
        for scene in &scenes {
            for act in &scene.acts {
                out!(
                    "{}{}",
                    act.title,
                    if act.error { " (an error)" } else { "" }
                );
                for c in &act.captions {
                    out!(
                        "  {:7.1} s  {}{}",
                        c.t,
                        if c.error { "! " } else { "" },
                        c.text
                    );
                }
            }
        }
        return Ok(());
    }
    marrowsim_app::demo(
        marrowsim_app::DemoPlan {
            scenes,
            at: None,
            out: None,
        },
        args.quality.graphics(),
        args.width,
        args.height,
    )
}

/// `shot --demo SCENE --at SECONDS`: the demonstration paused at that moment, as a PNG.
pub fn shot(
    scene: PathBuf,
    at: f32,
    out: PathBuf,
    width: u32,
    height: u32,
    quality: QualityArg,
) -> Result<(), String> {
    if !(at.is_finite() && (0.0..=86_400.0).contains(&at)) {
        return Err(format!(
            "--at {at}: give the seconds into the demonstration, 0–86400"
        ));
    }
    let scenes = prepare(&[scene])?;
    marrowsim_app::demo(
        marrowsim_app::DemoPlan {
            scenes,
            at: Some(at),
            out: Some(out),
        },
        quality.graphics(),
        width,
        height,
    )
}
