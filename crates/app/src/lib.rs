//! The Bevy front end: it shows the core's anatomy and feeds it input.
//!
//! One plugin per feature file; `plugin` wires them in frame order.

mod anaesthesia_view;
mod anatomy_view;
mod aspiration_view;
mod camera;
mod case;
mod charts;
mod class_view;
mod demo_view;
mod editor;
mod fluoroscopy_view;
mod help;
mod history_view;
mod hud;
mod input_guard;
mod labels;
mod live_section;
mod needle_view;
mod pace;
mod palpation;
mod perf;
mod plan_view;
mod preparation_view;
mod render_profile;
mod replay_view;
mod scaled_view;
mod scene_watch;
mod score_card;
mod screenshot;
mod section_image;
mod session;
mod success_map_view;
mod testing;
#[cfg(test)]
mod tests;
mod viewport;
mod work;

pub use camera::ViewPreset;
pub use case::SceneSource;
pub use demo_view::{DemoPlan, DemoScene};
pub use history_view::RecordOpener;
pub use perf::{FrameProbe, IdleProbe, IdleReport, WindowReport, headless_budget};
pub use render_profile::RenderProfile;

/// How the 3D view is drawn, as the command line asked.
#[derive(Clone, Copy, Debug, Default)]
pub struct Graphics {
    /// The render profile; `None` chooses by the adapter (software on a CPU renderer).
    pub profile: Option<RenderProfile>,
    /// The 3D view's resolution as a share of the window's; `None` lets the profile choose
    /// (the software profile adapts it to hold 15 fps).
    pub render_scale: Option<f32>,
}

use bevy::prelude::*;
use marrowsim_core::anatomy::{Anatomy, Patient};
use marrowsim_core::scenario::Scenario;
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
    /// Where the scenario came from (a file is watched and listed with its neighbours).
    pub source: case::SceneSource,
    /// A session to start from instead of a fresh one (screenshots of a finished attempt).
    pub session: Option<marrowsim_core::needle::session::Session>,
    /// The view to start from; `None` picks the one that suits the scene's approach.
    pub view: Option<camera::ViewPreset>,
    pub screenshot: Option<PathBuf>,
    pub width: u32,
    pub height: u32,
    /// Time the frames and print a report instead of waiting for the user.
    pub probe: Option<perf::FrameProbe>,
    pub idle: Option<perf::IdleProbe>,
    /// Only the meshes, camera and lights (the baseline the frame rate is compared with).
    pub bare: bool,
    /// Start with the landmark labels shown.
    pub labels: bool,
    /// Start with the scene editor open.
    pub editor: bool,
    /// Open the panel's success map.
    pub success_map: bool,
    /// The skin's opacity to start with (0 shows the bones alone); `None` keeps the default.
    pub skin: Option<f32>,
    /// Where marked attempts are saved and the progress read from; `None` keeps no record.
    pub history: Option<PathBuf>,
    /// How to open the record in `history` (a station sharing with a room's server, or the
    /// SQLite file alone when `None`).
    pub record: Option<history_view::RecordOpener>,
    pub graphics: Graphics,
    /// The trainee at this station; `None` uses the remembered one, or asks.
    pub trainee: Option<String>,
    /// The course the attempts belong to.
    pub course: Option<String>,
    /// Replay this attempt on a timeline (with `session` its review).
    pub replay: Option<marrowsim_core::records::attempt::Attempt>,
    /// Play this demonstration (`marrowsim demo`).
    pub demo: Option<std::sync::Arc<demo_view::DemoPlan>>,
}

impl AppOptions {
    /// Options to show a scenario's patient.
    pub fn for_scenario(scenario: &Scenario, source: case::SceneSource) -> AppOptions {
        AppOptions {
            patient: scenario.patient(0),
            scenario: Some(scenario.clone()),
            source,
            session: None,
            ..AppOptions::default()
        }
    }
}

impl Default for AppOptions {
    fn default() -> Self {
        AppOptions {
            patient: Patient::average("adult_male", marrowsim_core::anatomy::Sex::Male),
            scenario: None,
            source: case::SceneSource::BuiltIn,
            session: None,
            view: None,
            screenshot: None,
            width: 1280,
            height: 800,
            probe: None,
            idle: None,
            bare: false,
            labels: false,
            editor: false,
            success_map: false,
            skin: None,
            history: None,
            record: None,
            trainee: None,
            course: None,
            replay: None,
            demo: None,
            graphics: Graphics::default(),
        }
    }
}

/// A screenshot without a user: what to show and where to write it.
#[derive(Clone, Debug)]
pub struct Shot {
    pub out: PathBuf,
    /// Camera view (default: the one that suits the scene's approach, or posterior).
    pub view: Option<camera::ViewPreset>,
    pub width: u32,
    pub height: u32,
    /// Show this scene's needle, guides and panel; without one, `patient`'s anatomy alone.
    pub scene: Option<PathBuf>,
    pub patient: Patient,
    /// Put the needle where this attempt ended (needs a scene).
    pub attempt: Option<PathBuf>,
    /// Also mark the attempt and show the score card.
    pub scorecard: bool,
    pub labels: bool,
    /// Open the scene editor on the scene (needs a scene).
    pub editor: bool,
    /// Open the panel's success map (needs a scene in practice mode).
    pub success_map: bool,
    /// The skin's opacity (0 to 1; 0 shows the bones alone). Assessment keeps it opaque.
    pub skin: Option<f32>,
    /// Show the progress recorded in this data folder (read only).
    pub data: Option<PathBuf>,
    pub graphics: Graphics,
}

/// The frame's phases in `Update`, in this order. The phases that need the trainee's session
/// run only while there is one.
#[derive(SystemSet, Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum AppSystems {
    /// Keys and the mouse become commands for the case, the needle and the panels.
    Input,
    /// The case changes: retry, new patient, next scene, the scene file reloaded.
    Case,
    /// The needle commands drive the core's session.
    Needle,
    /// What follows from the session: the record, the tracks, the live section, the figures,
    /// the needle and its guides.
    Follow,
    /// The camera and the anatomy follow the case and the input.
    View,
}

/// The panels' phases in `EguiPrimaryContextPass`: draw, then record what they claimed.
#[derive(SystemSet, Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum UiSystems {
    Draw,
    Claim,
}

fn configure_sets(app: &mut App) {
    let session = resource_exists::<session::SessionState>;
    app.configure_sets(
        Update,
        (
            AppSystems::Input.run_if(session),
            AppSystems::Case.run_if(session),
            AppSystems::Needle.run_if(session),
            AppSystems::Follow.run_if(session),
            AppSystems::View,
        )
            .chain(),
    );
}

/// The simulation and view plugins, without windowing or rendering plugins.
fn plugin(app: &mut App) {
    configure_sets(app);
    app.add_plugins((
        anatomy_view::plugin,
        camera::plugin,
        screenshot::plugin,
        case::plugin,
        scene_watch::plugin,
        session::plugin,
        history_view::plugin,
        needle_view::plugin,
        anaesthesia_view::plugin,
        palpation::plugin,
        plan_view::plugin,
        preparation_view::plugin,
        replay_view::plugin,
        demo_view::plugin,
        class_view::plugin,
    ));
}

/// The panels and windows (egui): trainee panel, score card, labels, editor.
fn ui_plugin(app: &mut App) {
    let session = resource_exists::<session::SessionState>;
    app.configure_sets(
        bevy_egui::EguiPrimaryContextPass,
        (
            UiSystems::Draw.run_if(session),
            UiSystems::Claim.run_if(session),
        )
            .chain(),
    );
    app.add_plugins((
        viewport::plugin,
        scaled_view::plugin,
        hud::plugin,
        live_section::plugin,
        help::plugin,
        score_card::plugin,
        labels::plugin,
        editor::plugin,
        success_map_view::plugin,
        fluoroscopy_view::plugin,
    ));
}

/// The scene directory the picker lists for a source.
fn catalogue_for(source: &case::SceneSource) -> case::Catalogue {
    let dir = match source {
        case::SceneSource::File(p) => p.parent().map(std::path::Path::to_path_buf),
        case::SceneSource::BuiltIn => Some(PathBuf::from("scenes")),
    };
    dir.filter(|d| d.is_dir())
        .map(|d| case::Catalogue::of_dir(&d))
        .unwrap_or_default()
}

fn build_anatomy(patient: &Patient) -> Result<Arc<Anatomy>, String> {
    Anatomy::build(patient)
        .map(Arc::new)
        .map_err(|e| e.to_string())
}

/// The longest frame the clock counts in full.
const MAX_FRAME: std::time::Duration = std::time::Duration::from_secs(3);

pub fn run(options: AppOptions) -> Result<(), String> {
    let title = if options.demo.is_some() {
        "marrowsim — demonstration"
    } else {
        "marrowsim — bone marrow harvest simulator"
    };
    run_with(options, title, |_| {})
}

/// The window, with `setup` adding what a mode of its own needs (the class board). The
/// title names the mode, so that a room's projector and its stations tell their windows apart.
fn run_with(options: AppOptions, title: &str, setup: impl FnOnce(&mut App)) -> Result<(), String> {
    let anatomy = build_anatomy(&options.patient)?;
    let mut app = App::new();
    let present_mode = if options.probe.is_some() {
        bevy::window::PresentMode::AutoNoVsync
    } else {
        bevy::window::PresentMode::AutoVsync
    };
    app.add_plugins(DefaultPlugins.set(WindowPlugin {
        primary_window: Some(Window {
            title: title.into(),
            resolution: (options.width, options.height).into(),
            present_mode,
            ..default()
        }),
        ..default()
    }))
    .insert_resource(ClearColor(Color::srgb(0.09, 0.10, 0.12)))
    // Bevy's clock ignores all of a frame past 250 ms. A software renderer takes about 500 ms a
    // frame, which would run the attempt's clock, the lidocaine's onset and the antiseptic's
    // drying at half speed; a stall longer than this is still not counted.
    .insert_resource(Time::<Virtual>::from_max_delta(MAX_FRAME))
    .insert_resource(CurrentAnatomy(anatomy.clone()))
    .add_plugins(render_profile::plugin)
    .insert_resource(render_profile::ProfileChoice(options.graphics.profile))
    .insert_resource(render_profile::RenderScale::new(
        options.graphics.render_scale,
        options.screenshot.is_none(),
    ))
    .insert_resource(camera::StartView(options.view.unwrap_or_else(|| {
        options
            .scenario
            .as_ref()
            .map(|s| camera::ViewPreset::for_approach(s.approach))
            .unwrap_or(camera::ViewPreset::Posterior)
    })));
    if let Some(probe) = options.probe.clone() {
        app.insert_resource(probe).add_plugins(perf::plugin);
    }
    if let Some(alpha) = options.skin {
        app.insert_resource(anatomy_view::SkinOpacity(alpha));
    }
    if options.bare {
        if let Some(scenario) = &options.scenario {
            app.insert_resource(anatomy_view::PatientFrame::for_position(scenario.position));
        }
        configure_sets(&mut app);
        app.add_plugins((anatomy_view::plugin, camera::plugin, screenshot::plugin));
        return finish(app);
    }
    app.add_plugins(bevy_egui::EguiPlugin::default())
        .add_plugins(ui_plugin)
        .insert_resource(labels::LabelsOn(options.labels));
    if let Some(scenario) = &options.scenario {
        let case = case::Case::new(options.source.clone());
        let mut editor = editor::EditorState::default();
        if options.editor {
            editor.toggle(Some(&case));
        }
        if options.success_map {
            let mut maps = success_map_view::SuccessMapView::default();
            maps.panel.force_open = true;
            app.insert_resource(maps);
        }
        app.insert_resource(anatomy_view::PatientFrame::for_position(scenario.position))
            .insert_resource(catalogue_for(&options.source))
            .insert_resource(case)
            .insert_resource(editor);
    }
    if let Some(s) = options.session.clone() {
        if let Some(attempt) = options.replay.clone() {
            app.insert_resource(replay_view::Replay::new(attempt, &s.anatomy));
        }
        app.insert_resource(session::SessionState(s));
    } else if let Some(scenario) = options.scenario.clone() {
        app.insert_resource(session::SessionState(
            marrowsim_core::needle::session::Session::new(scenario, anatomy),
        ));
    }
    if let Some(dir) = options.history.clone() {
        let mut store = history_view::HistoryStore::open(
            dir,
            &options
                .record
                .clone()
                .unwrap_or_else(history_view::RecordOpener::local),
            options.trainee.as_deref(),
            options.course.clone(),
        );
        store.read_only = options.screenshot.is_some();
        app.insert_resource(store);
    }
    if let Some(plan) = &options.demo {
        let demo = demo_view::Demo::new(plan.scenes.clone());
        app.insert_resource(match plan.at {
            Some(at) => demo.at(at),
            None => demo,
        });
    }
    if let Some(path) = options.screenshot.clone() {
        app.insert_resource(screenshot::ShotRequest::new(path));
    }
    let always = options.idle.as_ref().is_some_and(|i| i.always);
    if options.probe.is_none() && options.screenshot.is_none() && !always {
        app.add_plugins(pace::plugin);
    }
    if let Some(idle) = options.idle.clone() {
        app.insert_resource(idle).add_plugins(perf::idle_plugin);
    }
    app.add_plugins(plugin);
    setup(&mut app);
    finish(app)
}

fn finish(mut app: App) -> Result<(), String> {
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
) -> Result<marrowsim_core::needle::session::Session, String> {
    let attempt =
        marrowsim_core::records::attempt::Attempt::load(attempt_path).map_err(|e| e.to_string())?;
    let anatomy = Arc::new(Anatomy::build(&attempt.patient).map_err(|e| e.to_string())?);
    let score = if scorecard {
        Some(
            marrowsim_core::grading::scoring::score(&scenario, &anatomy, &attempt)
                .map_err(|e| e.to_string())?,
        )
    } else {
        None
    };
    marrowsim_core::needle::session::Session::review(scenario, anatomy, &attempt, score)
        .ok_or_else(|| format!("{}: the attempt has no samples", attempt_path.display()))
}

/// Opens the window on `attempt` marked against `scenario`, with the score card and a
/// timeline to play it back (`marrowsim replay`).
pub fn replay(
    scenario: Scenario,
    source: case::SceneSource,
    attempt_path: &std::path::Path,
    graphics: Graphics,
) -> Result<(), String> {
    let attempt =
        marrowsim_core::records::attempt::Attempt::load(attempt_path).map_err(|e| e.to_string())?;
    let mut options = AppOptions::for_scenario(&scenario, source);
    let session = replayed_session(scenario, attempt_path, true)?;
    options.patient = session.anatomy.patient.clone();
    options.session = Some(session);
    options.replay = Some(attempt);
    options.graphics = graphics;
    run(options)
}

/// Opens the instructor's live board on a class's record (`marrowsim class`), over the
/// scene in `scenario` (where its attempts are replayed).
pub fn class(
    store: Box<dyn marrowsim_core::records::store::Store>,
    filter: marrowsim_core::records::store::Filter,
    graphics: Graphics,
    width: u32,
    height: u32,
) -> Result<(), String> {
    let scenario = marrowsim_core::scenario::default_scenario();
    let mut options = AppOptions::for_scenario(&scenario, case::SceneSource::BuiltIn);
    options.graphics = graphics;
    options.width = width;
    options.height = height;
    run_with(options, "marrowsim — class board", move |app| {
        app.insert_resource(class_view::ClassBoard::new(store, filter));
    })
}

/// Opens the window on a demonstration (`marrowsim demo`): its first scene on the table.
pub fn demo(plan: DemoPlan, graphics: Graphics, width: u32, height: u32) -> Result<(), String> {
    let first = plan
        .scenes
        .first()
        .ok_or("the demonstration has no scene")?;
    let scenario = match &first.path {
        Some(p) => Scenario::load(p).map_err(|e| marrowsim_core::scenario::errors_text(&e))?,
        None => marrowsim_core::scenario::default_scenario(),
    };
    let source = match &first.path {
        Some(p) => case::SceneSource::File(p.clone()),
        None => case::SceneSource::BuiltIn,
    };
    let mut options = AppOptions::for_scenario(&scenario, source);
    if let Some(act) = first.acts.first() {
        options.patient = act.attempt.patient.clone();
    }
    options.graphics = graphics;
    options.width = width;
    options.height = height;
    if plan.at.is_some() {
        options.screenshot = plan.out.clone();
    }
    options.demo = Some(std::sync::Arc::new(plan));
    run(options)
}

pub fn shot(args: &Shot) -> Result<(), String> {
    if args.scene.is_none() && (args.attempt.is_some() || args.editor || args.success_map) {
        return Err(
            "--attempt, --editor and --success-map need a scene: marrowsim shot SCENE ...".into(),
        );
    }
    let mut options = match &args.scene {
        Some(scene) => {
            let scenario = Scenario::load(scene)
                .map_err(|errors| marrowsim_core::scenario::errors_text(&errors))?;
            let mut options =
                AppOptions::for_scenario(&scenario, case::SceneSource::File(scene.clone()));
            options.editor = args.editor;
            options.success_map = args.success_map;
            options.history = args.data.clone();
            if let Some(attempt) = &args.attempt {
                let session = replayed_session(scenario, attempt, args.scorecard)?;
                options.patient = session.anatomy.patient.clone();
                options.session = Some(session);
            }
            options
        }
        None => AppOptions {
            patient: args.patient.clone(),
            ..AppOptions::default()
        },
    };
    if let Some(alpha) = args.skin
        && !(0.0..=1.0).contains(&alpha)
    {
        return Err(format!(
            "--skin {alpha}: the skin's opacity runs from 0 (hidden) to 1 (opaque)"
        ));
    }
    options.skin = args.skin;
    options.view = args.view;
    options.screenshot = Some(args.out.clone());
    options.width = args.width;
    options.height = args.height;
    options.labels = args.labels;
    options.graphics = args.graphics;
    run(options)?;
    if args.out.exists() {
        Ok(())
    } else {
        Err(format!("{}: no screenshot was written", args.out.display()))
    }
}
