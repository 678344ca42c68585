//! `marrowsim demo`: the workshop's demonstration on a projector, and `shot --demo` of one of
//! its moments. Each scene's programme (the expert's harvest and the classic errors, with
//! captions) is prepared here, before the window opens.

use super::QualityArg;
use clap::Args;
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
            let acts = marrowsim_core::demo::programme(&scenario, None)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            Ok(marrowsim_app::DemoScene {
                path: Some(path.clone()),
                title: scenario.title.clone(),
                acts,
            })
        })
        .collect()
}

pub fn run(args: &DemoArgs) -> Result<(), String> {
    let scenes = prepare(&args.scenes)?;
    marrowsim_app::demo(
        marrowsim_app::DemoPlan {
            scenes,
            at: None,
            out: None,
        },
        args.quality.profile(),
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
        quality.profile(),
        width,
        height,
    )
}
