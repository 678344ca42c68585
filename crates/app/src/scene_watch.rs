//! Hot reload: the open scene's folder is watched by the system's file notifications
//! (inotify on Linux, through `notify`), so an instructor's save is applied within a fraction
//! of a second and a broken one is reported with file, line and column. A scene added to or
//! removed from the folder appears in the picker. Where the system cannot watch the folder,
//! the file's modification time is checked every half second instead.

use super::case::{Case, CaseCommand, Catalogue, error_lines};
use bevy::prelude::*;
use bevy::winit::{EventLoopProxyWrapper, WinitUserEvent};
use marrowsim_core::scenario::Scenario;
use notify_debouncer_full::notify::{RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache, new_debouncer};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

/// Saves that come as several writes (or a write and a rename) are one change.
const DEBOUNCE: Duration = Duration::from_millis(100);
const POLL_SECONDS: f32 = 0.5;

struct Watch {
    _debouncer: Debouncer<RecommendedWatcher, RecommendedCache>,
    events: Receiver<DebounceEventResult>,
}

#[derive(Resource, Default)]
struct SceneWatcher {
    /// The folder being watched.
    folder: Option<PathBuf>,
    watch: Option<Mutex<Watch>>,
    /// Set when the folder could not be watched: poll the file instead.
    poll: Option<Timer>,
}

/// Watches `folder`; each change also wakes a window that sleeps while idle (see
/// [`pace`](super::pace)), so that the save shows at once.
fn watch(folder: &Path, wake: Option<&EventLoopProxyWrapper>) -> Result<Watch, String> {
    let (tx, events) = channel();
    let wake = wake.map(|w| (**w).clone());
    let handler = move |result: DebounceEventResult| {
        if tx.send(result).is_ok()
            && let Some(wake) = &wake
        {
            // A window that has closed needs no waking.
            let _ = wake.send_event(WinitUserEvent::WakeUp);
        }
    };
    let mut debouncer = new_debouncer(DEBOUNCE, None, handler).map_err(|e| e.to_string())?;
    debouncer
        .watch(folder, RecursiveMode::NonRecursive)
        .map_err(|e| e.to_string())?;
    Ok(Watch {
        _debouncer: debouncer,
        events,
    })
}

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<SceneWatcher>().add_systems(
        Update,
        watch_scene_folder
            .in_set(super::AppSystems::Case)
            .before(super::case::apply_case_commands)
            .run_if(resource_exists::<Case>),
    );
}

/// What the events since the last frame touched.
#[derive(Default)]
struct Touched {
    scene: bool,
    folder: bool,
}

fn drain(watch: &Watch, scene: &Path) -> Touched {
    let mut touched = Touched::default();
    while let Ok(result) = watch.events.try_recv() {
        let Ok(events) = result else {
            // The watcher lost track (an overflow): look at everything again.
            return Touched {
                scene: true,
                folder: true,
            };
        };
        for path in events.iter().flat_map(|e| e.paths.iter()) {
            if path.extension().is_some_and(|x| x == "ron") {
                touched.folder = true;
            }
            if path.file_name() == scene.file_name() {
                touched.scene = true;
            }
        }
    }
    touched
}

fn watch_scene_folder(
    time: Res<Time>,
    mut watcher: ResMut<SceneWatcher>,
    mut case: ResMut<Case>,
    catalogue: Option<ResMut<Catalogue>>,
    mut out: MessageWriter<CaseCommand>,
    wake: Option<Res<EventLoopProxyWrapper>>,
) {
    let Some(scene) = case.path().map(Path::to_path_buf) else {
        return;
    };
    let folder = scene
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    if watcher.folder.as_ref() != Some(&folder) {
        watcher.folder = Some(folder.clone());
        match watch(&folder, wake.as_deref()) {
            Ok(w) => {
                watcher.watch = Some(Mutex::new(w));
                watcher.poll = None;
            }
            Err(e) => {
                warn!(
                    "{}: cannot watch the folder ({e}); checking the scene every {POLL_SECONDS} s",
                    folder.display()
                );
                watcher.watch = None;
                watcher.poll = Some(Timer::from_seconds(POLL_SECONDS, TimerMode::Repeating));
            }
        }
    }
    let watcher = &mut *watcher;
    let touched = match (&watcher.watch, &mut watcher.poll) {
        (Some(w), _) => w.lock().map(|w| drain(&w, &scene)).unwrap_or_default(),
        (None, Some(timer)) => Touched {
            scene: timer.tick(time.delta()).just_finished(),
            folder: false,
        },
        (None, None) => Touched::default(),
    };
    if touched.folder
        && let Some(mut catalogue) = catalogue
    {
        *catalogue = Catalogue::of_dir(&folder);
    }
    if touched.scene && case.changed_on_disk() {
        match Scenario::load(&scene) {
            Ok(s) => {
                info!("{}: reloaded", scene.display());
                case.errors.clear();
                out.write(CaseCommand::Replace(Box::new(s)));
            }
            Err(errors) => {
                case.errors = error_lines(&errors);
                warn!("{}", case.errors.join("\n"));
            }
        }
    }
}
