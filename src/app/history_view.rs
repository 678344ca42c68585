//! The trainee's record in the app: each marked attempt is saved (attempt file and a line of
//! `history.jsonl`), and the panel shows the progress on the open scene.

use super::case::Case;
use super::session::{NeedleUpdate, SessionState};
use crate::sim::history::{self, Entry, History};
use bevy::prelude::*;

#[derive(Resource, Debug)]
pub struct HistoryStore {
    pub history: History,
    /// Every entry so far, oldest first.
    pub entries: Vec<Entry>,
    /// What happened to the last marked attempt: where it was saved, or why it was not.
    pub last: Option<Result<Entry, String>>,
    /// Show the record without adding to it (screenshots of a replayed attempt).
    pub read_only: bool,
}

impl HistoryStore {
    pub fn open(dir: std::path::PathBuf) -> HistoryStore {
        let history = History::new(dir);
        let (entries, last) = match history.entries() {
            Ok((entries, _)) => (entries, None),
            Err(e) => (Vec::new(), Some(Err(e))),
        };
        HistoryStore {
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
}

pub fn plugin(app: &mut App) {
    app.add_systems(
        Update,
        record_scored
            .after(NeedleUpdate)
            .run_if(resource_exists::<HistoryStore>.and_then(resource_exists::<SessionState>)),
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
    let result = store
        .history
        .record(&session.0.attempt(), score, scene_file, history::now());
    match &result {
        Ok(entry) => {
            info!(
                "attempt saved to {}",
                store.history.attempt_path(entry).display()
            );
            store.entries.push(entry.clone());
        }
        Err(e) => warn!("the attempt could not be saved: {e}"),
    }
    store.last = Some(result);
}
