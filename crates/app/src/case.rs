//! The case on the table: which scene, which patient. Retry, new patient, next scene, opening
//! another scene from the picker, and hot reload of the scene file an instructor is editing.

use super::AppSystems;
use super::CurrentAnatomy;
use super::anatomy_view::PatientFrame;
use super::input_guard::keyboard_free;
use super::session::SessionState;
use bevy::prelude::*;
use marrowsim_core::anatomy::{Anatomy, Patient};
use marrowsim_core::needle::session::Session;
use marrowsim_core::scenario::Scenario;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

/// Where the scene came from: a file (watched for changes) or the copy built into the binary.
#[derive(Clone, Debug, PartialEq)]
pub enum SceneSource {
    BuiltIn,
    File(PathBuf),
}

/// The open scene and how its patient was drawn.
#[derive(Resource, Clone, Debug)]
pub struct Case {
    pub source: SceneSource,
    /// 0 is the scene's own patient; any other value a different one (see
    /// [`Scenario::another_patient`]).
    pub draw: u64,
    /// The errors of the last reload that failed, as `file:line:col: message`; the previous
    /// version of the scene stays in use until the file is fixed.
    pub errors: Vec<String>,
    modified: Option<SystemTime>,
}

impl Case {
    pub fn new(source: SceneSource) -> Case {
        let modified = source_modified(&source);
        Case {
            source,
            draw: 0,
            errors: Vec::new(),
            modified,
        }
    }

    /// The file as it is now counts as seen: a save from the editor is not reloaded again.
    pub fn mark_seen(&mut self) {
        self.modified = source_modified(&self.source);
    }

    /// Whether the file changed since it was last seen (and counts it as seen now).
    pub(super) fn changed_on_disk(&mut self) -> bool {
        let now = source_modified(&self.source);
        let changed = now != self.modified;
        self.modified = now;
        changed
    }

    pub fn path(&self) -> Option<&Path> {
        match &self.source {
            SceneSource::File(p) => Some(p),
            SceneSource::BuiltIn => None,
        }
    }
}

fn source_modified(source: &SceneSource) -> Option<SystemTime> {
    match source {
        SceneSource::File(p) => std::fs::metadata(p).and_then(|m| m.modified()).ok(),
        SceneSource::BuiltIn => None,
    }
}

/// The scene files beside the open one (or in `scenes/`), sorted by name: the picker's list
/// and the order of "next scene".
#[derive(Resource, Clone, Debug, Default)]
pub struct Catalogue {
    pub scenes: Vec<CatalogueEntry>,
}

#[derive(Clone, Debug)]
pub struct CatalogueEntry {
    pub path: PathBuf,
    /// The scene's title, or why it cannot be opened.
    pub title: Result<String, String>,
}

impl Catalogue {
    pub fn of_dir(dir: &Path) -> Catalogue {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "ron"))
                    .collect()
            })
            .unwrap_or_default();
        paths.sort();
        let scenes = paths
            .into_iter()
            .map(|path| {
                let title = Scenario::load(&path)
                    .map(|s| s.title)
                    .map_err(|errors| marrowsim_core::scenario::errors_text(&errors));
                CatalogueEntry { path, title }
            })
            .collect();
        Catalogue { scenes }
    }

    /// The scene after `current` in the list, wrapping round; the first if `current` is not
    /// in it. Scenes that do not load are skipped.
    pub fn after(&self, current: Option<&Path>) -> Option<&Path> {
        let usable: Vec<&Path> = self
            .scenes
            .iter()
            .filter(|e| e.title.is_ok())
            .map(|e| e.path.as_path())
            .collect();
        let at = current.and_then(|c| usable.iter().position(|p| same_file(p, c)));
        match at {
            Some(i) => usable.get((i + 1) % usable.len()).copied(),
            None => usable.first().copied(),
        }
    }
}

/// The same file, however the two paths spell it.
pub fn same_file(a: &Path, b: &Path) -> bool {
    a == b || matches!((a.canonicalize(), b.canonicalize()), (Ok(x), Ok(y)) if x == y)
}

pub(crate) fn error_lines(errors: &[marrowsim_core::scenario::ScenarioError]) -> Vec<String> {
    errors.iter().map(|e| e.to_string()).collect()
}

/// What the trainee (or the instructor's editor) asked of the case.
#[derive(Message, Clone, Debug)]
pub enum CaseCommand {
    /// The same scene and patient, a fresh attempt.
    Retry,
    /// The same scene with another patient, drawn from this number.
    NewPatient(u64),
    /// The next scene in the catalogue.
    NextScene,
    /// Open a scene file.
    Open(PathBuf),
    /// Use this version of the open scene (the editor's Apply, or a reload).
    Replace(Box<Scenario>),
}

/// How often the open scene file is checked for changes.
pub(super) fn plugin(app: &mut App) {
    app.add_message::<CaseCommand>().add_systems(
        Update,
        (
            case_keys
                .run_if(keyboard_free)
                .run_if(not(resource_exists::<super::demo_view::Demo>))
                // The instructor's board reviews trainees' attempts: not a case to retry.
                .run_if(not(resource_exists::<super::class_view::ClassBoard>))
                .in_set(AppSystems::Input),
            apply_case_commands.in_set(AppSystems::Case),
        )
            .run_if(resource_exists::<Case>),
    );
}

/// A seed for a new patient that differs from launch to launch.
pub fn fresh_draw() -> u64 {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(1);
    (nanos ^ 0x9E37_79B9_7F4A_7C15).wrapping_mul(0xBF58_476D_1CE4_E5B9) | 1
}

fn case_keys(keys: Option<Res<ButtonInput<KeyCode>>>, mut out: MessageWriter<CaseCommand>) {
    let Some(keys) = keys else { return };
    if keys.just_pressed(KeyCode::KeyR) {
        out.write(CaseCommand::Retry);
    }
    if keys.just_pressed(KeyCode::KeyN) {
        out.write(CaseCommand::NewPatient(fresh_draw()));
    }
    if keys.just_pressed(KeyCode::PageDown) {
        out.write(CaseCommand::NextScene);
    }
}

/// The patient a case shows.
pub fn case_patient(scenario: &Scenario, draw: u64) -> Patient {
    if draw == 0 {
        scenario.patient(0)
    } else {
        scenario.another_patient(draw)
    }
}

pub(super) fn apply_case_commands(
    mut commands: Commands,
    mut commands_in: MessageReader<CaseCommand>,
    mut case: ResMut<Case>,
    mut session: ResMut<SessionState>,
    mut anatomy: ResMut<CurrentAnatomy>,
    mut frame: ResMut<PatientFrame>,
    mut catalogue: Option<ResMut<Catalogue>>,
) {
    for c in commands_in.read() {
        let old = &session.0;
        let (scenario, draw, source) = match c {
            CaseCommand::Retry => (old.scenario.clone(), case.draw, case.source.clone()),
            CaseCommand::NewPatient(d) => (old.scenario.clone(), *d, case.source.clone()),
            CaseCommand::Replace(s) => ((**s).clone(), case.draw, case.source.clone()),
            CaseCommand::NextScene | CaseCommand::Open(_) => {
                let path = match c {
                    CaseCommand::Open(p) => Some(p.clone()),
                    _ => catalogue
                        .as_deref()
                        .and_then(|cat| cat.after(case.path()))
                        .map(Path::to_path_buf),
                };
                let Some(path) = path else { continue };
                match Scenario::load(&path) {
                    Ok(s) => (s, 0, SceneSource::File(path)),
                    Err(errors) => {
                        case.errors = error_lines(&errors);
                        continue;
                    }
                }
            }
        };
        let patient = case_patient(&scenario, draw);
        let body = if patient == old.anatomy.patient {
            old.anatomy.clone()
        } else {
            match Anatomy::build(&patient) {
                Ok(a) => Arc::new(a),
                Err(e) => {
                    case.errors = vec![format!("the patient could not be built: {e}")];
                    continue;
                }
            }
        };
        if source != case.source {
            if let (Some(cat), SceneSource::File(p)) = (catalogue.as_deref_mut(), &source)
                && let Some(dir) = p.parent()
            {
                *cat = Catalogue::of_dir(dir);
            }
            *case = Case::new(source);
        }
        case.draw = draw;
        case.errors.clear();
        if !Arc::ptr_eq(&body, &anatomy.0) {
            anatomy.0 = body.clone();
        }
        let new_frame = PatientFrame::for_position(scenario.position);
        if new_frame.0 != frame.0 {
            *frame = new_frame;
        }
        session.0 = Session::new(scenario, body);
        // A replay belongs to the attempt it shows; a new case ends it.
        commands.remove_resource::<super::replay_view::Replay>();
    }
}
