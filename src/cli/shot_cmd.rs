//! `marrowsim shot`: the 3D view rendered to a PNG without anyone at the keyboard.

use super::PatientArgs;
use clap::{Args, ValueEnum};
use marrowsim_app::ViewPreset;
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum View {
    Posterior,
    Lateral,
    Superior,
    Anterior,
    /// Down the needle's axis, from behind its handle.
    NeedleEye,
}

impl From<View> for ViewPreset {
    fn from(v: View) -> ViewPreset {
        match v {
            View::Posterior => ViewPreset::Posterior,
            View::Lateral => ViewPreset::Lateral,
            View::Superior => ViewPreset::Superior,
            View::Anterior => ViewPreset::Anterior,
            View::NeedleEye => ViewPreset::NeedleEye,
        }
    }
}

#[derive(Args, Debug)]
pub struct ShotArgs {
    /// Where to write the PNG.
    #[arg(long)]
    pub out: PathBuf,
    /// Camera view (default: the one that suits the scene's approach, or posterior).
    #[arg(long, value_enum)]
    pub view: Option<View>,
    /// The render profile: full (the default, for documentation) or low, as a machine without
    /// a GPU draws it; auto chooses by the adapter, as the app does.
    #[arg(long, value_enum, default_value_t = super::Quality::Full)]
    pub quality: super::Quality,
    /// The 3D view's resolution as a share of the window's, 0.25 to 1 (default: full, or
    /// the software profile's starting 0.5).
    #[arg(long, value_parser = super::render_scale)]
    pub render_scale: Option<f32>,
    #[arg(long, default_value_t = 1280)]
    pub width: u32,
    #[arg(long, default_value_t = 800)]
    pub height: u32,
    #[command(flatten)]
    pub patient: PatientArgs,
    /// Show this scene's needle, guides and panel (its patient replaces --preset/--seed).
    #[arg(value_name = "SCENE")]
    pub scene_file: Option<PathBuf>,
    /// The same as SCENE.
    #[arg(long, conflicts_with = "scene_file")]
    pub scene: Option<PathBuf>,
    /// Put the needle where this attempt ended (needs a scene).
    #[arg(long)]
    pub attempt: Option<PathBuf>,
    /// Also mark the attempt and show the score card.
    #[arg(long, requires = "attempt")]
    pub scorecard: bool,
    /// Show the landmark labels.
    #[arg(long)]
    pub labels: bool,
    /// The skin's opacity, 0 (the bones alone) to 1 (opaque); the app's default otherwise.
    #[arg(long, value_name = "OPACITY")]
    pub skin: Option<f32>,
    /// Open the scene editor on the scene (needs a scene).
    #[arg(long)]
    pub editor: bool,
    /// Open the panel's success map: where the site passes from (needs a practice scene).
    #[arg(long)]
    pub success_map: bool,
    /// Show the progress recorded in this data folder (read only).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Render a moment of the scene's demonstration (`marrowsim demo`) instead.
    #[arg(long, requires = "at")]
    pub demo: bool,
    /// With --demo: seconds into the demonstration.
    #[arg(long, requires = "demo")]
    pub at: Option<f32>,
}

pub fn run(args: &ShotArgs) -> Result<(), String> {
    let scene = args.scene_file.clone().or_else(|| args.scene.clone());
    if args.demo {
        return super::demo_cmd::shot(
            scene.ok_or("--demo needs a scene: marrowsim shot --demo SCENE --at SECONDS")?,
            args.at.unwrap_or(0.0),
            args.out.clone(),
            args.width,
            args.height,
            super::QualityArg {
                quality: args.quality,
                render_scale: args.render_scale,
            },
        );
    }
    let patient = args.patient.patient()?;
    marrowsim_app::shot(&marrowsim_app::Shot {
        out: args.out.clone(),
        view: args.view.map(ViewPreset::from),
        width: args.width,
        height: args.height,
        scene,
        patient,
        attempt: args.attempt.clone(),
        scorecard: args.scorecard,
        labels: args.labels,
        editor: args.editor,
        success_map: args.success_map,
        skin: args.skin,
        data: args.data.clone(),
        graphics: super::QualityArg {
            quality: args.quality,
            render_scale: args.render_scale,
        }
        .graphics(),
    })
}
