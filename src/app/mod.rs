//! The Bevy front end: it shows the core's anatomy and feeds it input.
//!
//! One plugin per feature file; `plugin` wires them in frame order.

pub mod anatomy_view;
pub mod camera;
pub mod hud;
pub mod needle_view;
pub mod screenshot;
pub mod session;
pub mod testing;

use crate::sim::anatomy::{Anatomy, Patient};
use crate::sim::scenario::Scenario;
use bevy::prelude::*;
use clap::Args;
use std::path::PathBuf;
use std::sync::Arc;

/// The patient the app shows.
#[derive(Resource, Clone)]
pub struct CurrentAnatomy(pub Arc<Anatomy>);

/// How the app was asked to start.
#[derive(Clone, Debug)]
pub struct AppOptions {
    pub patient: Patient,
    /// The scenario the trainee works in; `None` shows the anatomy only.
    pub scenario: Option<Scenario>,
    /// A session to start from instead of a fresh one (screenshots of a finished attempt).
    pub session: Option<crate::sim::session::Session>,
    pub view: camera::ViewPreset,
    pub screenshot: Option<PathBuf>,
    pub width: u32,
    pub height: u32,
}

/// The scene the app opens with no argument: the standard PSIS harvest, built into the binary.
pub fn default_scenario() -> Scenario {
    Scenario::parse(
        include_str!("../../scenes/psis_standard.ron"),
        "scenes/psis_standard.ron",
    )
    .unwrap_or_else(|errors| panic!("the embedded default scene is invalid: {errors:?}"))
}

impl AppOptions {
    /// Options to show a scenario's patient.
    pub fn for_scenario(scenario: &Scenario) -> AppOptions {
        AppOptions {
            patient: scenario.patient(0),
            scenario: Some(scenario.clone()),
            session: None,
            ..AppOptions::default()
        }
    }
}

impl Default for AppOptions {
    fn default() -> Self {
        AppOptions {
            patient: Patient::average("adult_male", crate::sim::anatomy::Sex::Male),
            scenario: None,
            session: None,
            view: camera::ViewPreset::Posterior,
            screenshot: None,
            width: 1280,
            height: 800,
        }
    }
}

#[derive(Args, Debug)]
pub struct ShotArgs {
    /// Where to write the PNG.
    #[arg(long)]
    pub out: PathBuf,
    /// Camera view: posterior, lateral, superior, anterior.
    #[arg(long, value_enum, default_value = "posterior")]
    pub view: camera::ViewPreset,
    #[arg(long, default_value_t = 1280)]
    pub width: u32,
    #[arg(long, default_value_t = 800)]
    pub height: u32,
    #[command(flatten)]
    pub patient: crate::cli::PatientArgs,
    /// Show this scene's needle, guides and panel (its patient replaces --preset/--seed).
    #[arg(long)]
    pub scene: Option<PathBuf>,
    /// Put the needle where this attempt ended (needs --scene).
    #[arg(long, requires = "scene")]
    pub attempt: Option<PathBuf>,
    /// Also mark the attempt and show the score card.
    #[arg(long, requires = "attempt")]
    pub scorecard: bool,
}

/// The simulation and view plugins, without windowing or rendering plugins.
pub fn plugin(app: &mut App) {
    app.add_plugins((
        anatomy_view::plugin,
        camera::plugin,
        screenshot::plugin,
        session::plugin,
        needle_view::plugin,
    ));
}

fn build_anatomy(patient: &Patient) -> Result<Arc<Anatomy>, String> {
    Anatomy::build(patient)
        .map(Arc::new)
        .map_err(|e| e.to_string())
}

pub fn run(options: AppOptions) -> Result<(), String> {
    let anatomy = build_anatomy(&options.patient)?;
    let mut app = App::new();
    app.add_plugins(DefaultPlugins.set(WindowPlugin {
        primary_window: Some(Window {
            title: "marrowsim — bone marrow harvest simulator".into(),
            resolution: (options.width, options.height).into(),
            ..default()
        }),
        ..default()
    }))
    .insert_resource(ClearColor(Color::srgb(0.09, 0.10, 0.12)))
    .insert_resource(CurrentAnatomy(anatomy.clone()))
    .insert_resource(camera::StartView(options.view));
    app.add_plugins(bevy_egui::EguiPlugin::default())
        .add_plugins(hud::plugin);
    if let Some(scenario) = &options.scenario {
        app.insert_resource(anatomy_view::PatientFrame::for_position(scenario.position));
    }
    if let Some(s) = options.session.clone() {
        app.insert_resource(session::SessionState(s));
    } else if let Some(scenario) = options.scenario.clone() {
        app.insert_resource(session::SessionState(crate::sim::session::Session::new(
            scenario, anatomy,
        )));
    }
    if let Some(path) = options.screenshot.clone() {
        app.insert_resource(screenshot::ShotRequest::new(path));
    }
    app.add_plugins(plugin);
    match app.run() {
        AppExit::Success => Ok(()),
        AppExit::Error(code) => Err(format!("the app exited with code {code}")),
    }
}

/// A session showing where an attempt ended, with its force trace and, if asked, its score.
fn replayed_session(
    scenario: Scenario,
    attempt_path: &std::path::Path,
    scorecard: bool,
) -> Result<crate::sim::session::Session, String> {
    use crate::sim::session::{Needle, Session};
    let attempt = crate::sim::attempt::Attempt::load(attempt_path).map_err(|e| e.to_string())?;
    let anatomy = Arc::new(Anatomy::build(&attempt.patient).map_err(|e| e.to_string())?);
    let mut session = Session::new(scenario.clone(), anatomy.clone());
    let last = attempt
        .sites
        .first()
        .and_then(|s| s.timeline.last())
        .ok_or_else(|| format!("{}: the attempt has no samples", attempt_path.display()))?
        .pose();
    session.needle = Some(Needle {
        entry: last.entry,
        base: last.direction,
        lateral_deg: 0.0,
        cephalad_deg: 0.0,
        depth: last.depth,
    });
    session.trace =
        crate::sim::insertion::force_profile(&anatomy, last.entry, last.direction, last.depth, 0.5);
    if scorecard {
        let score =
            crate::sim::scoring::score(&scenario, &anatomy, &attempt).map_err(|e| e.to_string())?;
        session.score = Some(score);
    }
    Ok(session)
}

pub fn shot(args: &ShotArgs) -> Result<(), String> {
    if let Some(scene) = &args.scene {
        let scenario = Scenario::load(scene).map_err(|errors| {
            errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        })?;
        let mut options = AppOptions::for_scenario(&scenario);
        options.view = args.view;
        options.screenshot = Some(args.out.clone());
        options.width = args.width;
        options.height = args.height;
        if let Some(attempt) = &args.attempt {
            let session = replayed_session(scenario, attempt, args.scorecard)?;
            options.patient = session.anatomy.patient.clone();
            options.session = Some(session);
        }
        run(options)?;
        return if args.out.exists() {
            Ok(())
        } else {
            Err(format!("{}: no screenshot was written", args.out.display()))
        };
    }
    let anatomy = args.patient.build()?;
    let options = AppOptions {
        patient: anatomy.patient.clone(),
        scenario: None,
        session: None,
        view: args.view,
        screenshot: Some(args.out.clone()),
        width: args.width,
        height: args.height,
    };
    run(options)?;
    if !args.out.exists() {
        return Err(format!("{}: no screenshot was written", args.out.display()));
    }
    Ok(())
}
