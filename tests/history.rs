//! The trainee's record: attempts saved by the app can be listed and graded again.

use bevy::prelude::*;
use marrowsim::app::history_view::HistoryStore;
use marrowsim::app::session::SessionState;
use marrowsim::app::testing::{headless_app_on_file, place_at_ideal_entry, tap};
use marrowsim::sim::history::History;
use std::path::Path;

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("marrowsim-hist-{name}-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_marked_attempt_is_saved_listed_and_graded_again() {
    let data = scratch("app");
    let scene = Path::new("scenes/psis_standard.ron");
    let mut app = headless_app_on_file(scene).unwrap();
    app.insert_resource(HistoryStore::open(data.clone()));

    for round in 0..2 {
        place_at_ideal_entry(&mut app);
        for _ in 0..3 {
            tap(&mut app, KeyCode::KeyW, &[]);
        }
        tap(&mut app, KeyCode::Enter, &[]);
        app.update();
        let store = app.world().resource::<HistoryStore>();
        assert_eq!(
            store.entries.len(),
            round + 1,
            "one entry per marked attempt"
        );
        let saved = store.last.clone().expect("recorded").expect("saved");
        let score = app
            .world()
            .resource::<SessionState>()
            .0
            .score
            .clone()
            .unwrap();
        assert_eq!(saved.total, score.total);
        let file = store.history.attempt_path(&saved);
        let again = marrowsim::cli::scene_cmds::score_files(scene, &file).expect("grades");
        assert_eq!(
            again.total, score.total,
            "the saved attempt grades the same"
        );
        tap(&mut app, KeyCode::KeyR, &[]);
    }

    let (entries, bad) = History::new(&data).entries().unwrap();
    assert_eq!((entries.len(), bad), (2, 0));
    assert_ne!(entries[0].attempt_file, entries[1].attempt_file);
    assert_eq!(
        entries[0].scene_file.as_deref(),
        Some("scenes/psis_standard.ron")
    );

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_marrowsim"))
        .args(["history", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert_eq!(
        text.lines().filter(|l| l.contains("PSIS harvest")).count(),
        2,
        "{text}"
    );
    std::fs::remove_dir_all(&data).ok();
}

#[test]
fn a_damaged_history_line_is_skipped_not_fatal() {
    let data = scratch("bad");
    std::fs::write(
        data.join("history.jsonl"),
        "{\"when\": 1, \"scene\"\nnot json\n\n",
    )
    .unwrap();
    let (entries, bad) = History::new(&data).entries().unwrap();
    assert_eq!((entries.len(), bad), (0, 2));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_marrowsim"))
        .args(["history", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("history.jsonl: 2 line(s)"), "{err}");
    std::fs::remove_dir_all(&data).ok();
}
