//! The case in the running app: retry, new patient, next scene, hot reload and the editor,
//! driven headless as the keys and buttons drive them.

use super::ws;
use super::{headless_app_on_file, place_at_ideal_entry, tap};
use crate::case::{Case, CaseCommand};
use crate::editor::EditorState;
use crate::session::SessionState;
use crate::{CurrentAnatomy, case::SceneSource};
use bevy::prelude::*;
use std::path::PathBuf;

fn session(app: &App) -> &marrowsim_core::needle::session::Session {
    &app.world().resource::<SessionState>().0
}

fn case(app: &App) -> &Case {
    app.world().resource::<Case>()
}

/// A scratch directory with copies of some shipped scenes.
fn scratch(name: &str, scenes: &[&str]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("marrowsim-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for s in scenes {
        std::fs::copy(ws("scenes").join(s), dir.join(s)).unwrap();
    }
    dir
}

fn place_on_entry(app: &mut App) {
    place_at_ideal_entry(app);
    tap(app, KeyCode::KeyW, &[]);
    assert!(session(app).needle.is_some_and(|n| n.depth > 0.0));
}

#[test]
fn retry_new_patient_and_next_scene() {
    let path = &ws("scenes/psis_standard.ron");
    let mut app = headless_app_on_file(path).expect("app");
    let first = session(&app).anatomy.patient.clone();

    place_on_entry(&mut app);
    tap(&mut app, KeyCode::KeyR, &[]);
    assert!(
        session(&app).needle.is_none(),
        "retry starts a fresh attempt"
    );
    assert_eq!(
        session(&app).anatomy.patient,
        first,
        "...on the same patient"
    );

    app.world_mut().write_message(CaseCommand::NewPatient(42));
    app.update();
    let other = session(&app).anatomy.patient.clone();
    assert_eq!(other.seed, Some(42));
    assert_eq!(
        (other.preset.as_str(), other.bmi),
        (first.preset.as_str(), first.bmi)
    );
    assert_ne!(
        session(&app).anatomy.landmark("psis_left"),
        Anatomy::build(&first).unwrap().landmark("psis_left"),
        "a new patient has other anatomy"
    );
    assert!(
        Arc::ptr_eq(
            &app.world().resource::<CurrentAnatomy>().0,
            &session(&app).anatomy
        ),
        "the view shows the session's patient"
    );

    tap(&mut app, KeyCode::KeyN, &[]);
    assert_ne!(
        session(&app).anatomy.patient.seed,
        Some(42),
        "N draws again"
    );

    // Page Down: the next scene in file-name order; psis_standard.ron is the last, so it
    // wraps round to the first.
    tap(&mut app, KeyCode::PageDown, &[]);
    let SceneSource::File(now) = &case(&app).source else {
        panic!("a file scene")
    };
    assert_eq!(now.file_name().unwrap(), "anterior_crest.ron");
    assert_eq!(case(&app).draw, 0);
    assert_eq!(session(&app).scenario.title, {
        marrowsim_core::scenario::Scenario::load(now).unwrap().title
    });
    assert_eq!(
        app.world()
            .resource::<crate::anatomy_view::PatientFrame>()
            .0,
        crate::anatomy_view::PatientFrame::for_position(marrowsim_core::scenario::Position::Supine)
            .0,
        "the anterior crest scene turns the patient supine"
    );
    tap(&mut app, KeyCode::PageDown, &[]);
    let SceneSource::File(now) = &case(&app).source else {
        panic!("a file scene")
    };
    assert_eq!(now.file_name().unwrap(), "assessment_random.ron");
}

use marrowsim_core::anatomy::Anatomy;
use std::sync::Arc;

#[test]
fn hot_reload_applies_a_good_file_and_reports_a_broken_one() {
    let dir = scratch("reload", &["psis_standard.ron"]);
    let file = dir.join("psis_standard.ron");
    let mut app = headless_app_on_file(&file).expect("app");
    assert_eq!(session(&app).scenario.pass_mark, 70.0);

    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains("pass_mark: 70.0"),
        "the scene sets its pass mark"
    );
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(&file, text.replace("pass_mark: 70.0", "pass_mark: 85.0")).unwrap();
    let took = update_until(&mut app, |app| session(app).scenario.pass_mark == 85.0);
    assert_eq!(session(&app).scenario.pass_mark, 85.0, "the edit is live");
    assert!(case(&app).errors.is_empty());
    eprintln!("hot reload: the edit was live after {took:?}");

    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(&file, text.replace("pass_mark: 70.0", "pass_mark: 85.0,,")).unwrap();
    update_until(&mut app, |app| !case(app).errors.is_empty());
    let errors = &case(&app).errors;
    assert_eq!(errors.len(), 1, "{errors:?}");
    let shown = &errors[0];
    assert!(
        shown.starts_with(&format!("{}:", file.display())),
        "the error names the file: {shown}"
    );
    let line = text.lines().position(|l| l.contains("pass_mark")).unwrap() + 1;
    assert!(
        shown.contains(&format!(":{line}:")),
        "the error names line {line}: {shown}"
    );
    assert_eq!(
        session(&app).scenario.pass_mark,
        85.0,
        "the last good version stays in use"
    );

    // A scene saved beside it (as the editor's "save as" or another program does) joins the
    // picker's list.
    std::fs::write(dir.join("another.ron"), &text).unwrap();
    update_until(&mut app, |app| catalogue_len(app) == 2);
    assert_eq!(catalogue_len(&app), 2, "the new scene is listed");
    std::fs::remove_dir_all(&dir).ok();
}

fn catalogue_len(app: &App) -> usize {
    app.world()
        .resource::<crate::case::Catalogue>()
        .scenes
        .len()
}

/// Runs frames until `done` holds, for at most 5 s of real time: file notifications arrive
/// from another thread, whatever the frames' own clock says.
fn update_until(app: &mut App, done: impl Fn(&App) -> bool) -> std::time::Duration {
    let start = std::time::Instant::now();
    while !done(app) && start.elapsed() < std::time::Duration::from_secs(5) {
        app.update();
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    start.elapsed()
}

#[test]
fn the_editor_checks_applies_and_saves() {
    let dir = scratch("editor", &["psis_standard.ron", "anterior_crest.ron"]);
    let file = dir.join("psis_standard.ron");
    let mut app = headless_app_on_file(&file).expect("app");
    let mut editor = EditorState::default();
    editor.toggle(Some(case(&app)));
    assert!(editor.open);
    assert_eq!(editor.text, std::fs::read_to_string(&file).unwrap());
    assert!(editor.result().is_ok());

    editor.text = editor.text.replace("psis_left", "psis_middle");
    let errors = editor.result().expect_err("unknown landmark").to_vec();
    assert!(
        errors.iter().any(|e| e.contains("psis_middle")),
        "{errors:?}"
    );
    assert!(
        editor.save(Some(case(&app))).is_err(),
        "an invalid scene is not saved"
    );
    assert!(
        !std::fs::read_to_string(&file)
            .unwrap()
            .contains("psis_middle")
    );

    editor.text = editor
        .text
        .replace("psis_middle", "psis_left")
        .replace("pass_mark: 70.0", "pass_mark: 60.0");
    let cmd = editor.save(Some(case(&app))).expect("saved");
    assert!(matches!(cmd, CaseCommand::Replace(_)));
    app.world_mut().write_message(cmd);
    app.update();
    assert_eq!(session(&app).scenario.pass_mark, 60.0);

    editor.path = dir.join("copy.ron").display().to_string();
    let cmd = editor.save(Some(case(&app))).expect("saved as");
    assert!(matches!(&cmd, CaseCommand::Open(p) if p.ends_with("copy.ron")));
    app.world_mut().write_message(cmd);
    app.update();
    assert!(matches!(&case(&app).source, SceneSource::File(p) if p.ends_with("copy.ron")));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn opening_a_broken_scene_keeps_the_current_one() {
    let dir = scratch("open", &["psis_standard.ron"]);
    let broken = dir.join("broken.ron");
    std::fs::write(&broken, "Scenario(version: 1, title: \"x\",").unwrap();
    let mut app = headless_app_on_file(&dir.join("psis_standard.ron")).expect("app");
    let title = session(&app).scenario.title.clone();
    app.world_mut()
        .write_message(CaseCommand::Open(broken.clone()));
    app.update();
    assert_eq!(session(&app).scenario.title, title);
    assert!(
        case(&app).errors[0].starts_with(&broken.display().to_string()),
        "{:?}",
        case(&app).errors
    );
    // Next scene skips the broken file: the only good one is the current one.
    tap(&mut app, KeyCode::PageDown, &[]);
    assert_eq!(session(&app).scenario.title, title);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_editor_refuses_a_scene_path_that_is_not_a_file() {
    let dir = scratch("editor-dir", &[]);
    let case = Case::new(SceneSource::File(dir.clone()));
    let mut editor = EditorState::default();
    editor.toggle(Some(&case));
    assert!(editor.open);
    assert!(editor.text.is_empty());
    assert!(
        editor.status.contains("not a regular file"),
        "{}",
        editor.status
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// E opens the editor on a practice scene. On an assessment scene it stays closed (its map
/// would show where the scene passes from), and an editor left open closes when the case
/// turns to an assessment.
#[test]
fn the_editor_stays_closed_in_an_assessment() {
    let practice = ws("scenes/psis_standard.ron");
    let mut app = headless_app_on_file(&practice).expect("app");
    app.add_plugins(crate::editor::plugin);
    tap(&mut app, KeyCode::KeyE, &[]);
    assert!(app.world().resource::<EditorState>().open, "practice: open");

    let assessment = ws("scenes/assessment_random.ron");
    app.world_mut()
        .write_message(CaseCommand::Open(assessment.clone()));
    app.update();
    app.update();
    assert_eq!(
        session(&app).scenario.mode,
        marrowsim_core::scenario::Mode::Assessment
    );
    assert!(
        !app.world().resource::<EditorState>().open,
        "the editor closed when the assessment opened"
    );
    tap(&mut app, KeyCode::KeyE, &[]);
    assert!(
        !app.world().resource::<EditorState>().open,
        "E leaves it closed in an assessment"
    );
}
