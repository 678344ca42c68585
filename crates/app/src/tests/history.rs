//! The trainee's record: attempts marked in the app are in the database, and each grades
//! again to the same score from what the record holds.

use super::ws;
use super::{headless_app_on_file, place_at_ideal_entry, tap};
use crate::history_view::HistoryStore;
use crate::session::SessionState;
use bevy::prelude::*;
use marrowsim_core::anatomy::Anatomy;
use marrowsim_core::grading::scoring::score;
use marrowsim_core::records::attempt::Attempt;
use marrowsim_core::records::history::History;
use marrowsim_core::scenario::Scenario;

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("marrowsim-hist-{name}-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The standard scene in a headless app that records into `data` as Ada.
fn recording_app(data: &std::path::Path) -> App {
    let mut app = headless_app_on_file(&ws("scenes/psis_standard.ron")).unwrap();
    app.insert_resource(HistoryStore::open(
        data.to_path_buf(),
        &crate::history_view::RecordOpener::local(),
        Some("Ada"),
        None,
    ));
    app
}

/// Places the needle at the ideal entry, pushes it in and submits.
fn mark_an_attempt(app: &mut App) {
    place_at_ideal_entry(app);
    for _ in 0..3 {
        tap(app, KeyCode::KeyW, &[]);
    }
    tap(app, KeyCode::Enter, &[]);
    app.update();
}

#[test]
fn a_marked_attempt_is_recorded_and_graded_again_from_the_record() {
    let data = scratch("app");
    let mut app = recording_app(&data);

    for round in 0..2 {
        mark_an_attempt(&mut app);
        let store = app.world().resource::<HistoryStore>();
        assert_eq!(
            store.entries.len(),
            round + 1,
            "one entry per marked attempt"
        );
        let saved = store.last.clone().expect("recorded").expect("saved");
        let session_score = app
            .world()
            .resource::<SessionState>()
            .0
            .score
            .clone()
            .unwrap();
        assert_eq!(saved.total, session_score.total);
        tap(&mut app, KeyCode::KeyR, &[]);
    }

    let history = History::open(&data).unwrap();
    let entries = history.entries().unwrap();
    assert_eq!(entries.len(), 2);
    assert_ne!(entries[0].id, entries[1].id);
    assert!(
        entries.iter().all(|e| e.trainee.as_deref() == Some("Ada")),
        "every attempt carries the trainee"
    );
    assert!(
        entries[0]
            .scene_file
            .as_deref()
            .is_some_and(|f| f.ends_with("scenes/psis_standard.ron"))
    );
    for e in &entries {
        let attempt = Attempt::parse(&history.attempt_text(e.id).unwrap(), "record").unwrap();
        let scene = history
            .scene_text(e.id)
            .unwrap()
            .expect("the scene is kept");
        let scenario = Scenario::parse(&scene, "record").expect("the kept scene loads");
        let anatomy = Anatomy::build(&attempt.patient).unwrap();
        let again = score(&scenario, &anatomy, &attempt).unwrap();
        assert_eq!(again.total, e.total, "attempt {} grades the same", e.id);
        assert_eq!(again.verdict, e.verdict);
    }
    let components = history.components().unwrap();
    assert!(
        components
            .iter()
            .filter(|c| c.attempt == entries[0].id)
            .count()
            >= 5,
        "every component is recorded"
    );
    std::fs::remove_dir_all(&data).ok();
}

/// A recorded attempt replayed from the panel's list: the session becomes its review, marked
/// again against the open scene, a replay starts, and nothing is recorded twice. Retry ends
/// the replay.
#[test]
fn an_attempt_from_the_record_replays_without_being_recorded_again() {
    use crate::replay_view::{Replay, ReplayRequest};
    let data = scratch("replay");
    let mut app = recording_app(&data);
    app.add_plugins(crate::replay_view::plugin);
    mark_an_attempt(&mut app);
    let entry = app.world().resource::<HistoryStore>().entries[0].clone();
    tap(&mut app, KeyCode::KeyR, &[]);
    assert!(app.world().resource::<SessionState>().0.score.is_none());

    app.world_mut()
        .write_message(ReplayRequest::Recorded(entry.id));
    for _ in 0..3 {
        app.update();
    }
    let replay = app.world().get_resource::<Replay>().expect("a replay");
    assert!(!replay.moments().is_empty());
    let review = &app.world().resource::<SessionState>().0;
    assert_eq!(review.score.as_ref().map(|s| s.total), Some(entry.total));
    assert_eq!(
        History::open(&data).unwrap().entries().unwrap().len(),
        1,
        "the replay is not a new attempt"
    );
    tap(&mut app, KeyCode::KeyR, &[]);
    app.update();
    assert!(
        app.world().get_resource::<Replay>().is_none(),
        "Retry ends it"
    );
}
