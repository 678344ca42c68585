//! Every phase of `bmac_full` through the app: the plan, the checklist and the pen, the skin
//! drying, the local anaesthetic, the trocar, and pulls with quarter turns between them. It
//! passes, and scores as the CLI does; a puncture on wet skin is told at once.

use super::attempts::{aim_with_arrows, assert_scores_as_the_cli_does, push_into_marrow};
use super::{place_at_ideal_entry, tap, ws};
use crate::plan_view::ConfirmPlan;
use crate::session::{NeedleCommand, SessionState};
use crate::testing::headless_app;
use bevy::prelude::*;
use marrowsim_core::grading::scoring::Verdict;
use marrowsim_core::needle::session::{Session, Tool};
use marrowsim_core::needle::technique::Contact;
use marrowsim_core::preparation::PrepStep;
use marrowsim_core::scenario::Scenario;

fn session(app: &App) -> &Session {
    &app.world().resource::<SessionState>().0
}

fn send(app: &mut App, c: NeedleCommand) {
    app.world_mut().write_message(c);
    app.update();
}

/// Lets `secs` of the app's clock pass (a tenth of a second a frame).
fn wait(app: &mut App, secs: f32) {
    for _ in 0..(secs * 10.0).ceil() as usize {
        app.update();
    }
}

/// The app on `scene`, its case's plan confirmed.
fn planned(scene: &std::path::Path) -> App {
    let scenario = Scenario::load(scene).unwrap();
    let answer = scenario.evaluation.as_ref().unwrap().answer.clone();
    let mut app = headless_app(scenario).unwrap();
    app.update();
    app.world_mut().write_message(ConfirmPlan(answer));
    app.update();
    app
}

fn ideal_entry(app: &App) -> Vec3 {
    let s = session(app);
    let zone = s.scenario.resolve(s.site, &s.anatomy).unwrap();
    zone.ideal_track(&s.anatomy).0
}

#[test]
fn every_phase_of_the_full_harvest_passes_and_scores_as_the_cli_does() {
    let scene = &ws("scenes/bmac_full.ron");
    let mut app = planned(scene);

    for step in [PrepStep::Consent, PrepStep::Position, PrepStep::TimeOut] {
        send(&mut app, NeedleCommand::Prepare(step));
    }
    send(&mut app, NeedleCommand::Prepare(PrepStep::Consent));
    assert!(
        session(&app).notice.as_deref().unwrap().contains("already"),
        "a step is taken once"
    );
    let entry = ideal_entry(&app);
    send(&mut app, NeedleCommand::Mark(entry));
    send(&mut app, NeedleCommand::Prepare(PrepStep::Antisepsis));
    let t = app.world().resource::<Time>().elapsed_secs();
    assert!(session(&app).antisepsis_wet(t).is_some());
    wait(&mut app, 61.0);
    let t = app.world().resource::<Time>().elapsed_secs();
    assert_eq!(session(&app).antisepsis_wet(t), None, "dry after a minute");
    send(&mut app, NeedleCommand::Prepare(PrepStep::Drape));

    tap(&mut app, KeyCode::KeyA, &[]);
    assert_eq!(session(&app).tool, Tool::Anaesthetic);
    place_at_ideal_entry(&mut app);
    aim_with_arrows(&mut app);
    for _ in 0..2 {
        tap(&mut app, KeyCode::KeyW, &[]);
    }
    tap(&mut app, KeyCode::KeyI, &[]);
    for _ in 0..80 {
        tap(&mut app, KeyCode::KeyW, &[KeyCode::KeyF]);
        if session(&app).contact() == Contact::OnBone {
            break;
        }
        if session(&app).readout().is_some_and(|r| r.1 > 12.0)
            && session(&app).deposits().len() == 1
        {
            tap(&mut app, KeyCode::KeyI, &[KeyCode::ShiftLeft]);
        }
    }
    assert_eq!(session(&app).contact(), Contact::OnBone);
    for _ in 0..3 {
        tap(&mut app, KeyCode::KeyI, &[]);
    }
    tap(&mut app, KeyCode::KeyA, &[]);
    wait(&mut app, 125.0);

    place_at_ideal_entry(&mut app);
    aim_with_arrows(&mut app);
    push_into_marrow(&mut app, 30.0);
    assert!(session(&app).felt.is_empty(), "{:?}", session(&app).felt);
    tap(&mut app, KeyCode::KeyX, &[]);
    tap(&mut app, KeyCode::Equal, &[]);
    assert_eq!(app.world().resource::<crate::session::PullVolume>().0, 4.0);
    // Three positions 8 mm apart; at each, two pulls, a quarter turn, and two more.
    for position in 0..3 {
        if position > 0 {
            for _ in 0..8 {
                tap(&mut app, KeyCode::KeyS, &[]);
            }
        }
        for pull in 0..4 {
            if pull == 2 {
                tap(&mut app, KeyCode::KeyO, &[]);
            }
            tap(&mut app, KeyCode::KeyP, &[]);
        }
    }
    assert_eq!(session(&app).turns().len(), 3);
    let live = session(&app).harvest_so_far().unwrap();
    assert_eq!(live.harvest.pulls.len(), 12);
    assert_eq!(live.harvest.aspirate.positions, 3);
    tap(&mut app, KeyCode::Enter, &[]);
    let score = session(&app).score.clone().expect("scored");
    assert_eq!(score.verdict, Verdict::Pass, "{:#?}", score.feedback);
    let p = score.preparation.as_ref().unwrap();
    assert!(
        (p.points - p.max_points).abs() < 1e-3,
        "{:#?}",
        p.components
    );
    assert!(score.anaesthesia.as_ref().unwrap().pain.is_empty());
    assert_scores_as_the_cli_does(&app, scene, "full");
}

#[test]
fn a_puncture_on_wet_skin_costs_the_antisepsis_and_says_to_let_it_dry() {
    let scene = &ws("scenes/bmac_full.ron");
    let mut app = planned(scene);
    send(&mut app, NeedleCommand::Prepare(PrepStep::Antisepsis));
    wait(&mut app, 10.0);
    let t = app.world().resource::<Time>().elapsed_secs();
    let left = session(&app).antisepsis_wet(t).unwrap();
    assert!((45.0..=51.0).contains(&left), "{left}");
    place_at_ideal_entry(&mut app);
    for _ in 0..3 {
        tap(&mut app, KeyCode::KeyW, &[]);
    }
    tap(&mut app, KeyCode::Enter, &[]);
    let score = session(&app).score.clone().expect("scored");
    let c = score
        .components
        .iter()
        .find(|c| c.key == "preparation.antisepsis")
        .unwrap();
    assert_eq!(c.points, 0.0, "{}", c.feedback);
    assert!(c.feedback.contains("to dry"), "{}", c.feedback);
    assert_scores_as_the_cli_does(&app, scene, "wet");
}
