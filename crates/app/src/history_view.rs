//! The trainee's record in the app: each marked attempt is saved in the data folder's
//! database, and the panel shows the progress on the open scene.

use super::AppSystems;
use super::case::Case;
use super::session::SessionState;
use bevy::prelude::*;
use marrowsim_core::records::history::{self, Entry, History};
use std::sync::Mutex;

#[derive(Resource, Debug)]
pub struct HistoryStore {
    pub dir: std::path::PathBuf,
    /// The open record; `None` if it could not be opened (the reason is in `last`).
    history: Option<Mutex<History>>,
    /// Every entry so far, oldest first.
    pub entries: Vec<Entry>,
    /// What happened to the last marked attempt: its entry, or why it was not saved.
    pub last: Option<Result<Entry, String>>,
    /// Show the record without adding to it (screenshots of a replayed attempt).
    pub read_only: bool,
}

impl HistoryStore {
    pub fn open(dir: std::path::PathBuf) -> HistoryStore {
        let opened = History::open(&dir).and_then(|h| Ok((h.entries()?, h)));
        let (history, entries, last) = match opened {
            Ok((entries, h)) => (Some(Mutex::new(h)), entries, None),
            Err(e) => (None, Vec::new(), Some(Err(e))),
        };
        HistoryStore {
            dir,
            history,
            entries,
            last,
            read_only: false,
        }
    }

    /// The entries for one scene (by title), oldest first.
    pub fn for_scene<'a>(&'a self, title: &'a str) -> impl Iterator<Item = &'a Entry> + 'a {
        self.entries.iter().filter(move |e| e.scene == title)
    }

    /// The database the record lives in.
    pub fn db_path(&self) -> std::path::PathBuf {
        History::db_path(&self.dir)
    }
}

pub(super) fn plugin(app: &mut App) {
    app.add_systems(
        Update,
        record_scored
            .in_set(AppSystems::Follow)
            .run_if(resource_exists::<HistoryStore>),
    );
}

fn record_scored(
    session: Res<SessionState>,
    case: Option<Res<Case>>,
    mut store: ResMut<HistoryStore>,
    mut recorded: Local<bool>,
) {
    let Some(score) = session.0.score.as_ref() else {
        *recorded = false;
        return;
    };
    if *recorded || store.read_only {
        return;
    }
    *recorded = true;
    let scene_file = case.as_ref().and_then(|c| c.path());
    let result = match &store.history {
        Some(h) => h
            .lock()
            .map_err(|_| "the record is unavailable after an earlier failure".to_string())
            .and_then(|mut h| {
                h.record(
                    &session.0.attempt(),
                    score,
                    &session.0.scenario,
                    scene_file,
                    history::now(),
                )
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
