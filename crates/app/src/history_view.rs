//! The trainee's record in the app: each marked attempt is saved in the data folder's
//! database (and, on a station in a room, queued for the room's shared record), and the panel
//! shows the progress on the open scene.

use super::AppSystems;
use super::case::Case;
use super::session::SessionState;
use bevy::prelude::*;
use bevy::tasks::{Task, block_on, futures_lite::future::poll_once};
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};
use marrowsim_core::records::history::{self, Entry, History, Identity};
use marrowsim_core::records::regrade::{self, Now};
use marrowsim_core::records::store::{Filter, Recorded, Sharing, Store};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// A function from the data folder to the record opened there.
pub type OpenRecord = dyn Fn(std::path::PathBuf) -> Result<Box<dyn Store>, String> + Send + Sync;

/// Opens the record a station writes to, given the data folder. The binary supplies one that
/// shares with a room's server; without it, the data folder's SQLite file alone.
#[derive(Clone)]
pub struct RecordOpener(pub Arc<OpenRecord>);

impl std::fmt::Debug for RecordOpener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecordOpener")
    }
}

impl RecordOpener {
    /// The data folder's SQLite file alone.
    pub fn local() -> RecordOpener {
        RecordOpener(Arc::new(|dir| {
            Ok(Box::new(History::open(dir)?) as Box<dyn Store>)
        }))
    }
}

#[derive(Resource, Debug)]
pub struct HistoryStore {
    pub dir: std::path::PathBuf,
    /// The open record; `None` if it could not be opened (the reason is in `last`).
    /// Shared with the task that marks older attempts again, which reads their text.
    history: Option<Arc<Mutex<Box<dyn Store>>>>,
    /// Every entry so far, oldest first.
    pub entries: Vec<Entry>,
    /// What the current rubric gives the entries an older one marked, by id, once marked.
    pub now: BTreeMap<i64, Now>,
    /// The marking of those entries, on its way.
    regrading: Option<Task<BTreeMap<i64, Now>>>,
    /// What happened to the last marked attempt: its entry, or why it was not saved.
    pub last: Option<Result<Entry, String>>,
    /// Show the record without adding to it (screenshots of a replayed attempt).
    pub read_only: bool,
    /// Who is at this station: recorded with every attempt.
    pub identity: Identity,
    /// Every trainee the record knows, for the picker.
    pub trainees: Vec<String>,
    /// The name being typed in the picker.
    draft: String,
}

impl HistoryStore {
    /// Opens the record in `dir`. The trainee is `trainee` (remembered for next time), or the
    /// one this station remembers; with neither, the app asks.
    pub fn open(
        dir: std::path::PathBuf,
        opener: &RecordOpener,
        trainee: Option<&str>,
        course: Option<String>,
    ) -> HistoryStore {
        let opened = (opener.0)(dir.clone()).and_then(|mut h| {
            let name = match trainee {
                Some(t) => Some(h.remember_trainee(t)?),
                None => h.remembered_trainee()?,
            };
            let mut known = h.trainees()?;
            if let Some(n) = name.as_ref().filter(|n| !known.contains(n)) {
                known.push(n.clone());
            }
            let entries = h.entries(&Filter::everything())?;
            Ok((entries, known, name, h))
        });
        let (history, entries, trainees, name, last) = match opened {
            Ok((entries, trainees, name, h)) => {
                (Some(Arc::new(Mutex::new(h))), entries, trainees, name, None)
            }
            Err(e) => (None, Vec::new(), Vec::new(), None, Some(Err(e))),
        };
        // Reading older attempts and marking them again takes about 25 ms each: not on the
        // launch's path.
        let older: Vec<Entry> = entries
            .iter()
            .filter(|e| !regrade::is_current(e))
            .cloned()
            .collect();
        let regrading = history
            .as_ref()
            .filter(|_| !older.is_empty())
            .map(|shared| {
                let shared = Arc::clone(shared);
                super::work::pool().spawn(async move { regrade_older(&shared, &older) })
            });
        HistoryStore {
            dir,
            history,
            entries,
            now: BTreeMap::new(),
            regrading,
            last,
            read_only: false,
            identity: Identity::here(name, course),
            trainees,
            draft: String::new(),
        }
    }

    /// Names the trainee at this station and remembers the name.
    pub fn set_trainee(&mut self, name: &str) -> Result<(), String> {
        let h = self.history.as_ref().ok_or("the record is not open")?;
        let name = h
            .lock()
            .map_err(|_| "the record is unavailable after an earlier failure".to_string())?
            .remember_trainee(name)?;
        if !self.trainees.contains(&name) {
            self.trainees.push(name.clone());
        }
        self.identity.trainee = Some(name);
        Ok(())
    }

    /// This trainee's entries for one scene (by title), oldest first, with those recorded
    /// before the record kept names (a personal station's earlier attempts).
    pub fn for_scene<'a>(&'a self, title: &'a str) -> impl Iterator<Item = &'a Entry> + 'a {
        self.entries.iter().filter(move |e| {
            e.scene == title && (e.trainee.is_none() || e.trainee == self.identity.trainee)
        })
    }

    /// Whether older attempts are still being marked by the current rubric.
    pub fn busy(&self) -> bool {
        self.regrading.is_some()
    }

    /// The database the record lives in.
    pub fn db_path(&self) -> std::path::PathBuf {
        History::db_path(&self.dir)
    }

    /// A recorded attempt's text (RON), to replay it.
    pub fn attempt_text(&self, id: i64) -> Result<String, String> {
        self.history
            .as_ref()
            .ok_or("the record is not open")?
            .lock()
            .map_err(|_| "the record is unavailable after an earlier failure".to_string())?
            .attempt_text(id)
    }

    /// How the queue for a room's shared record stands, on a station that shares.
    pub fn sharing(&self) -> Option<Sharing> {
        self.history
            .as_ref()
            .and_then(|h| h.lock().ok().and_then(|h| h.sharing()))
    }
}

pub(super) fn plugin(app: &mut App) {
    app.add_systems(
        Update,
        (record_scored.in_set(AppSystems::Follow), take_regrades)
            .run_if(resource_exists::<HistoryStore>),
    )
    .add_systems(
        EguiPrimaryContextPass,
        ask_who
            .in_set(super::UiSystems::Draw)
            .run_if(resource_exists::<HistoryStore>),
    );
}

/// Asks once who is practising, when neither `--trainee` nor an earlier answer names them.
fn ask_who(mut contexts: EguiContexts, mut store: ResMut<HistoryStore>) -> Result {
    if store.identity.trainee.is_some() || store.read_only || store.history.is_none() {
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?;
    let mut chosen: Option<String> = None;
    let mut draft = std::mem::take(&mut store.draft);
    egui::Window::new("Who is practising?")
        .collapsible(false)
        .resizable(false)
        .anchor(egui::Align2::CENTER_CENTER, egui::vec2(-190.0, 0.0))
        .show(ctx, |ui| {
            ui.label("Your attempts are recorded under your name on this station.");
            if !store.trainees.is_empty() {
                ui.label("Pick your name:");
                ui.horizontal_wrapped(|ui| {
                    for t in &store.trainees {
                        if ui.button(t).clicked() {
                            chosen = Some(t.clone());
                        }
                    }
                });
                ui.label("or type it:");
            }
            let field = ui.add(egui::TextEdit::singleline(&mut draft).hint_text("your name"));
            let entered = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            if ui.button("This is me").clicked() || entered {
                chosen = Some(draft.clone());
            }
            if let Some(station) = &store.identity.station {
                ui.weak(format!("Station: {station}"));
            }
        });
    store.draft = draft;
    if let Some(name) = chosen {
        match store.set_trainee(&name) {
            Ok(()) => store.draft.clear(),
            Err(e) => warn!("{e}"),
        }
    }
    Ok(())
}

/// The current rubric's marks of `older`, from their text in the record.
fn regrade_older(shared: &Mutex<Box<dyn Store>>, older: &[Entry]) -> BTreeMap<i64, Now> {
    let stale = match shared.lock() {
        Ok(mut h) => regrade::stale(h.as_mut(), older),
        Err(_) => return BTreeMap::new(),
    };
    regrade::mark(&stale)
}

/// Takes the current rubric's marks of older attempts once they are ready.
fn take_regrades(mut store: ResMut<HistoryStore>) {
    if let Some(task) = store.regrading.as_mut()
        && let Some(now) = block_on(poll_once(task))
    {
        store.regrading = None;
        store.now = now;
    }
}

fn record_scored(
    session: Res<SessionState>,
    case: Option<Res<Case>>,
    mut store: ResMut<HistoryStore>,
    mut recorded: Local<bool>,
    replay: Option<Res<super::replay_view::Replay>>,
) {
    let Some(score) = session.0.score.as_ref() else {
        *recorded = false;
        return;
    };
    // A replayed attempt is already in the record.
    if *recorded || store.read_only || replay.is_some() {
        return;
    }
    *recorded = true;
    let scene_file = case.as_ref().and_then(|c| c.path());
    let result = match &store.history {
        Some(h) => h
            .lock()
            .map_err(|_| "the record is unavailable after an earlier failure".to_string())
            .and_then(|mut h| {
                let record = Recorded::new(
                    &session.0.attempt(),
                    score,
                    &session.0.scenario,
                    scene_file,
                    &store.identity,
                    history::now(),
                    "app",
                )?;
                Ok(h.add(&record)?.entry)
            }),
        None => Err(format!(
            "{}: the record is not open",
            store.db_path().display()
        )),
    };
    match &result {
        Ok(entry) => {
            info!(
                "attempt {} saved in {}",
                entry.id,
                store.db_path().display()
            );
            store.entries.push(entry.clone());
        }
        Err(e) => warn!("the attempt could not be saved: {e}"),
    }
    store.last = Some(result);
}
