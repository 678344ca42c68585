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
    let mut history = history;
    let checked = marrowsim_core::records::regrade::verify(&mut history, &entries);
    assert_eq!(
        marrowsim_core::records::regrade::mismatches(&entries, &checked),
        Vec::<i64>::new(),
        "`--verify` admits what the app records and finds each mark: {checked:?}"
    );
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

/// `golden`, marked against `scenario` by the current rubric, as a record keeps it for
/// `trainee`, and its score.
fn recorded_golden(
    scenario: &Scenario,
    golden: &str,
    trainee: &str,
) -> (
    marrowsim_core::records::store::Recorded,
    marrowsim_core::grading::scoring::Score,
) {
    use marrowsim_core::records::history::Identity;
    let a = Attempt::load(&ws(&format!("tests/golden/{golden}.ron"))).unwrap();
    let s = score(scenario, &Anatomy::build(&a.patient).unwrap(), &a).unwrap();
    let who = Identity {
        trainee: Some(trainee.into()),
        ..Identity::default()
    };
    let r = marrowsim_core::records::store::Recorded::new(&a, &s, scenario, None, &who, 5, "app")
        .unwrap();
    (r, s)
}

/// Runs `app` until the older attempts are marked again (at most 10 s).
fn wait_for_regrading(app: &mut App) {
    for _ in 0..2000 {
        app.update();
        if !app.world().resource::<HistoryStore>().busy() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    panic!("older attempts not marked within 10 s");
}

/// An attempt an older rubric passed, which the current rubric fails: the app marks it again
/// in the background after launch and shows both marks; the progress lists only the trainee
/// at the station (and attempts from before names were kept), not another trainee's.
#[test]
fn the_panel_shows_what_the_current_rubric_gives_an_older_mark() {
    use marrowsim_core::grading::scoring::Verdict;
    use marrowsim_core::records::regrade::Now;
    use marrowsim_core::records::store::Store;
    let data = scratch("rubric");
    let scenario = Scenario::load(&ws("scenes/psis_standard.ron")).unwrap();
    let (mut old, fails) = recorded_golden(&scenario, "shallow_in_cortex", "Ada");
    assert_eq!(fails.verdict, Verdict::Fail);
    old.rubric = None;
    old.total = 82.0;
    old.verdict = Verdict::Pass;
    let (other, _) = recorded_golden(&scenario, "expert_psis_to_asis", "Ben");
    {
        let mut h = History::open(&data).unwrap();
        h.add(&old).unwrap();
        h.add(&other).unwrap();
    }
    let mut app = recording_app(&data);
    wait_for_regrading(&mut app);
    let store = app.world().resource::<HistoryStore>();
    let ada = store.entries[0].clone();
    assert_eq!(
        store.now.get(&ada.id),
        Some(&Now::Marked {
            total: fails.total,
            verdict: Verdict::Fail
        })
    );
    assert!(store.now[&ada.id].differs(&ada));
    assert_eq!(
        store.now.len(),
        1,
        "Ben's attempt carries the current rubric"
    );
    let mine: Vec<i64> = store.for_scene(&scenario.title).map(|e| e.id).collect();
    assert_eq!(mine, vec![ada.id], "Ada's progress, not Ben's");
    std::fs::remove_dir_all(&data).ok();
}

/// An older attempt whose text the record cannot give back (a damaged row) neither keeps the
/// record from opening nor keeps its old mark silently: the panel says it cannot be marked
/// again, and why. The text is read after launch, with the marking, not on the launch's path.
#[test]
fn an_older_attempt_that_cannot_be_read_is_said_to_be_unmarkable() {
    use marrowsim_core::records::regrade::Now;
    use marrowsim_core::records::store::Store;
    let data = scratch("unreadable");
    let scenario = Scenario::load(&ws("scenes/psis_standard.ron")).unwrap();
    let (mut old, _) = recorded_golden(&scenario, "shallow_in_cortex", "Ada");
    old.rubric = None;
    let id = History::open(&data).unwrap().add(&old).unwrap().entry.id;
    rusqlite::Connection::open(History::db_path(&data))
        .unwrap()
        .execute(
            "UPDATE attempts SET attempt_ron = CAST(x'ff00' AS BLOB) WHERE id = ?1",
            [id],
        )
        .unwrap();
    let mut app = recording_app(&data);
    {
        let store = app.world().resource::<HistoryStore>();
        assert!(store.last.is_none(), "the record opened: {:?}", store.last);
        assert_eq!(store.entries.len(), 1);
    }
    wait_for_regrading(&mut app);
    let store = app.world().resource::<HistoryStore>();
    match store.now.get(&id) {
        Some(Now::Unmarkable { reason }) => {
            assert!(reason.contains("could not give its text back"), "{reason}")
        }
        other => panic!("expected unmarkable, got {other:?}"),
    }
    std::fs::remove_dir_all(&data).ok();
}
