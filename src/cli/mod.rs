//! The command line: the same core, headless and scriptable.

/// `println!` that reports a failed write (a full disk, a closed file) as an error to return,
/// rather than panicking.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)
            .map_err(|e| format!("cannot write the output: {e}"))?
    }};
}

mod anatomy_cmd;
mod class_cmd;
mod demo_cmd;
mod history_cmd;
mod import_cmd;
mod perf_cmd;
mod raster;
mod records;
mod replay_cmd;
mod report;
mod room_cmd;
mod scene_cmds;
mod shot_cmd;
mod slice;
mod validity_cmd;
mod xray;
mod yield_cmd;

use clap::{Args, Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "marrowsim",
    version,
    about = "Bone marrow harvest simulator: practise needle placement at the iliac crest"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Open the simulator window on a scene (the default when no command is given).
    Run {
        /// A scenario file; without one, the built-in standard PSIS scene.
        scene: Option<std::path::PathBuf>,
        #[command(flatten)]
        quality: QualityArg,
        #[command(flatten)]
        who: WhoArgs,
    },
    /// Print an anatomy instance's landmarks and measured dimensions.
    Anatomy(anatomy_cmd::AnatomyArgs),
    /// Write a tissue-coloured section image with a legend.
    Slice(slice::SliceArgs),
    /// Render the 3D view to a PNG without anyone at the keyboard.
    Shot(shot_cmd::ShotArgs),
    /// A workshop's demonstration on a projector: the expert's harvest layer by layer, then
    /// the classic errors, with captions.
    Demo(demo_cmd::DemoArgs),
    /// Play a finished attempt back on a timeline, beside its score card.
    Replay(replay_cmd::ReplayArgs),
    /// Check scenario files; exits 1 and lists every error (file:line:col) if any is bad.
    Validate(scene_cmds::ValidateArgs),
    /// Score an attempt file against its scenario.
    Score(scene_cmds::ScoreArgs),
    /// Sample insertions in a scenario's zones to prove it can be passed.
    Feasibility(scene_cmds::FeasibilityArgs),
    /// Score simulated expert and novice cohorts: do experts outscore novices on this scene?
    Validity(validity_cmd::ValidityArgs),
    /// Measure the app: frame budget headless, frame rate and start-up time in a window.
    Perf(perf_cmd::PerfArgs),
    /// List the marked attempts the simulator has saved.
    History(history_cmd::HistoryArgs),
    /// Write the class's record as a self-contained HTML report (or its metric table as CSV).
    Report(report::ReportArgs),
    /// The instructor's live board of the class's record, on a projector.
    Class(class_cmd::ClassArgs),
    /// Grade collected attempt files again and record each once.
    Import(import_cmd::ImportArgs),
    /// A room's shared record: set it up, give logins, see this station's queue.
    Room(room_cmd::RoomArgs),
    /// Predict an aspiration's yield (cells, progenitors, blood) and its concentrate.
    Yield(yield_cmd::YieldArgs),
    /// Take a fluoroscopy shot (a radiograph through the anatomy), with an attempt's needle.
    Xray(xray::XrayArgs),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Quality {
    /// The software profile on a CPU renderer (lavapipe, llvmpipe), full quality on a GPU.
    Auto,
    Full,
    /// Coarser meshes and no see-through skin: for a machine without a GPU.
    Low,
}

#[derive(Args, Debug, Clone, Copy)]
pub struct QualityArg {
    /// How much the 3D view draws (the panel can switch it too).
    #[arg(long, value_enum, default_value_t = Quality::Auto)]
    pub quality: Quality,
    /// The 3D view's resolution as a share of the window's, 0.25 to 1 (default: full on a
    /// GPU; the software profile adapts it to hold 15 fps).
    #[arg(long, value_parser = render_scale)]
    pub render_scale: Option<f32>,
}

impl QualityArg {
    pub fn profile(self) -> Option<marrowsim_app::RenderProfile> {
        match self.quality {
            Quality::Auto => None,
            Quality::Full => Some(marrowsim_app::RenderProfile::Full),
            Quality::Low => Some(marrowsim_app::RenderProfile::Software),
        }
    }

    pub fn graphics(self) -> marrowsim_app::Graphics {
        marrowsim_app::Graphics {
            profile: self.profile(),
            render_scale: self.render_scale,
        }
    }
}

pub fn render_scale(text: &str) -> Result<f32, String> {
    let scale: f32 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number"))?;
    if (0.25..=1.0).contains(&scale) {
        Ok(scale)
    } else {
        Err(format!(
            "{scale}: the render scale runs from 0.25 (a quarter of the width) to 1 (full)"
        ))
    }
}

static LAUNCHED: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

/// When this process started (as near as `main` can tell).
/// `n` and the noun, plural unless `n` is one: "1 attempt", "2 attempts".
pub(crate) use marrowsim_core::words::count;

pub fn launched() -> std::time::Instant {
    *LAUNCHED.get_or_init(std::time::Instant::now)
}

/// The patient options shared by the commands that build an anatomy.
#[derive(Args, Debug, Clone)]
pub struct PatientArgs {
    /// Anatomy preset: adult_male, adult_female, or a path to a preset .ron file.
    #[arg(long, default_value = "adult_male")]
    pub preset: String,
    /// Body-mass index (kg/m²); soft tissue thickens with it.
    #[arg(long, default_value_t = 25.0)]
    pub bmi: f32,
    /// Draw a patient from the published ranges with this seed (default: the mean patient).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Overall size relative to the preset's mean adult.
    #[arg(long, default_value_t = 1.0)]
    pub scale: f32,
}

impl PatientArgs {
    /// The patient these options describe (the preset is read to learn the sex).
    pub fn patient(&self) -> Result<marrowsim_core::anatomy::Patient, String> {
        Ok(self.with_preset()?.1)
    }

    fn with_preset(
        &self,
    ) -> Result<
        (
            marrowsim_core::anatomy::AnatomyPreset,
            marrowsim_core::anatomy::Patient,
        ),
        String,
    > {
        use marrowsim_core::anatomy::{AnatomyPreset, Patient};
        let preset = AnatomyPreset::named(&self.preset).map_err(|e| e.to_string())?;
        let patient = Patient {
            preset: self.preset.clone(),
            sex: preset.sex,
            bmi: self.bmi,
            scale: self.scale,
            seed: self.seed,
        };
        Ok((preset, patient))
    }

    pub fn build(&self) -> Result<marrowsim_core::anatomy::Anatomy, String> {
        let (preset, patient) = self.with_preset()?;
        marrowsim_core::anatomy::Anatomy::from_preset(preset, &patient).map_err(|e| e.to_string())
    }
}

/// Who is at the station; recorded with every attempt.
#[derive(clap::Args, Debug, Default)]
pub struct WhoArgs {
    /// The trainee's name (remembered on this station; without it, the app asks once)
    #[arg(long)]
    trainee: Option<String>,
    /// The course the attempts belong to, if any (default: the settings file's `course`)
    #[arg(long)]
    course: Option<String>,
    /// A room's shared record, postgres://user@host:port/database (default: the settings
    /// file's `records`); attempts are kept here too, and sent when it answers.
    #[arg(long, value_name = "URL")]
    records: Option<String>,
}

fn run_scene(
    path: Option<&std::path::Path>,
    quality: QualityArg,
    who: WhoArgs,
) -> Result<(), String> {
    use marrowsim_core::records::history::clean_name;
    let trainee = who
        .trainee
        .as_deref()
        .map(clean_name)
        .transpose()
        .map_err(|e| format!("--trainee: {e}"))?;
    let settings = marrowsim_room::settings::Settings::here()?;
    let remote = marrowsim_room::settings::Remote::configured(who.records.as_deref(), &settings)?;
    let course = who
        .course
        .as_deref()
        .or(settings.course.as_deref())
        .map(clean_name)
        .transpose()
        .map_err(|e| format!("--course: {e}"))?;
    use marrowsim_app::SceneSource;
    use marrowsim_core::scenario::Scenario;
    let on_disk = std::path::Path::new(marrowsim_core::scenario::DEFAULT_SCENE_PATH);
    let (scenario, source) = match path {
        Some(p) => (
            Scenario::load(p).map_err(|errors| marrowsim_core::scenario::errors_text(&errors))?,
            SceneSource::File(p.to_path_buf()),
        ),
        None => match Scenario::load(on_disk) {
            Ok(s) => (s, SceneSource::File(on_disk.to_path_buf())),
            Err(errors) => {
                if on_disk.exists() {
                    eprintln!(
                        "warning: {} does not load; using the built-in copy:\n{}",
                        on_disk.display(),
                        marrowsim_core::scenario::errors_text(&errors)
                    );
                }
                (
                    marrowsim_core::scenario::default_scenario(),
                    SceneSource::BuiltIn,
                )
            }
        },
    };
    let mut options = marrowsim_app::AppOptions::for_scenario(&scenario, source);
    options.history = Some(marrowsim_core::records::history::History::default_dir());
    options.record = Some(marrowsim_app::RecordOpener(std::sync::Arc::new(
        move |dir| marrowsim_room::open_station(dir, remote.clone(), true),
    )));
    options.graphics = quality.graphics();
    options.trainee = trainee;
    options.course = course;
    marrowsim_app::run(options)
}

pub fn main() -> ExitCode {
    launched();
    let cli = Cli::parse();
    let default = Command::Run {
        scene: None,
        quality: QualityArg {
            quality: Quality::Auto,
            render_scale: None,
        },
        who: WhoArgs::default(),
    };
    let result = match cli.command.unwrap_or(default) {
        Command::Run {
            scene,
            quality,
            who,
        } => run_scene(scene.as_deref(), quality, who),
        Command::Anatomy(args) => anatomy_cmd::run(&args),
        Command::Slice(args) => slice::run(&args),
        Command::Shot(args) => shot_cmd::run(&args),
        Command::Replay(args) => replay_cmd::run(&args),
        Command::Demo(args) => demo_cmd::run(&args),
        Command::Validate(args) => scene_cmds::validate(&args),
        Command::Score(args) => scene_cmds::score(&args),
        Command::Feasibility(args) => scene_cmds::feasibility(&args),
        Command::Validity(args) => validity_cmd::run(&args),
        Command::Perf(args) => perf_cmd::run(&args),
        Command::History(args) => history_cmd::run(&args),
        Command::Import(args) => import_cmd::run(&args),
        Command::Class(args) => class_cmd::run(&args),
        Command::Report(args) => report::run(&args),
        Command::Room(args) => room_cmd::run(&args),
        Command::Yield(args) => yield_cmd::run(&args),
        Command::Xray(args) => xray::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
