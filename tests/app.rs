//! The app's simulation plugins, headless: a whole attempt driven by key presses, whose score
//! must equal what `marrowsim score` gives for the recorded attempt.

use bevy::prelude::*;
use marrowsim::app::session::{NeedleCommand, SessionState};
use marrowsim::app::testing::{headless_app, tap};
use marrowsim::sim::scenario::Scenario;
use marrowsim::sim::scoring::Verdict;
use marrowsim::sim::tissue::Tissue;
use std::path::Path;

fn session(app: &App) -> &marrowsim::sim::session::Session {
    &app.world().resource::<SessionState>().0
}

#[test]
fn a_whole_psis_attempt_by_keyboard_scores_as_the_cli_does() {
    let scene = Path::new("scenes/psis_standard.ron");
    let scenario = Scenario::load(scene).expect("scene");
    let mut app = headless_app(scenario).expect("app");

    // Choose the entry: the skin over the PSIS (what a ctrl-click there sends).
    let (psis, asis) = {
        let a = &session(&app).anatomy;
        (
            a.landmark("psis_left").unwrap(),
            a.landmark("asis_left").unwrap(),
        )
    };
    let aim = (asis - psis).normalize();
    let skin = session(&app)
        .anatomy
        .raycast_skin(psis - aim * 80.0, aim, 200.0)
        .expect("skin above the PSIS");
    app.world_mut().write_message(NeedleCommand::Place(skin));
    app.update();
    assert!(session(&app).needle.is_some());

    // Angle it with the arrow keys until it points at the ASIS.
    for _ in 0..120 {
        let now = session(&app).angle_to_aim().unwrap();
        if now < 1.5 {
            break;
        }
        let mut best = (now, KeyCode::ArrowLeft);
        for key in [
            KeyCode::ArrowLeft,
            KeyCode::ArrowRight,
            KeyCode::ArrowUp,
            KeyCode::ArrowDown,
        ] {
            let mut trial = session(&app).clone();
            let (l, c) = match key {
                KeyCode::ArrowLeft => (-2.0, 0.0),
                KeyCode::ArrowRight => (2.0, 0.0),
                KeyCode::ArrowUp => (0.0, 2.0),
                _ => (0.0, -2.0),
            };
            trial.tilt(l, c, 0.0);
            let a = trial.angle_to_aim().unwrap();
            if a < best.0 {
                best = (a, key);
            }
        }
        tap(&mut app, best.1, &[]);
    }
    assert!(
        session(&app).angle_to_aim().unwrap() < 3.0,
        "the arrows should bring the needle onto the aim"
    );

    // Advance with W: the cortex stops a plain push...
    let mut held = false;
    for _ in 0..80 {
        tap(&mut app, KeyCode::KeyW, &[]);
        if session(&app).last.is_some_and(|o| o.held_by_cortex) {
            held = true;
            break;
        }
    }
    assert!(held, "a plain push must stop at the cortex");
    // ...and twisting (T) carries it through into the marrow, 20 mm deep.
    for _ in 0..60 {
        tap(&mut app, KeyCode::KeyW, &[KeyCode::KeyT]);
        if let Some((Tissue::Marrow, _, Some(past))) = session(&app).readout()
            && past >= 20.0
        {
            break;
        }
    }
    let (tip, _, past) = session(&app).readout().unwrap();
    assert_eq!(tip, Tissue::Marrow);
    assert!(past.unwrap() >= 20.0);

    tap(&mut app, KeyCode::Enter, &[]);
    let score = session(&app).score.clone().expect("submitted and scored");
    assert_eq!(score.verdict, Verdict::Pass, "{:?}", score.feedback);

    let dir = std::env::temp_dir().join(format!("marrowsim-app-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("attempt.ron");
    session(&app).attempt().save(&file).unwrap();
    let cli = marrowsim::cli::scene_cmds::score_files(scene, &file).expect("CLI scores it");
    assert_eq!(cli.total, score.total);
    assert_eq!(cli.verdict, score.verdict);
    assert_eq!(
        serde_json::to_string(&cli.components).unwrap(),
        serde_json::to_string(&score.components).unwrap()
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn commands_after_the_score_change_nothing() {
    let scenario = Scenario::load(Path::new("scenes/psis_standard.ron")).expect("scene");
    let mut app = headless_app(scenario).expect("app");
    tap(&mut app, KeyCode::Enter, &[]);
    let total = session(&app).score.as_ref().map(|s| s.total);
    assert!(total.is_some(), "an empty attempt is still marked");
    tap(&mut app, KeyCode::KeyW, &[]);
    assert_eq!(session(&app).score.as_ref().map(|s| s.total), total);
    assert!(session(&app).needle.is_none());
}
