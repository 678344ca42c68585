//! The evaluation before the needle, through the app: the needle waits for a plan, a plan to
//! go ahead opens the harvest, and a plan not to go ahead today ends and marks the attempt.

use super::{place_at_ideal_entry, ws};
use crate::plan_view::ConfirmPlan;
use crate::session::SessionState;
use crate::testing::headless_app;
use bevy::prelude::*;
use marrowsim_core::evaluation::{Decision, Plan};
use marrowsim_core::grading::scoring::Verdict;
use marrowsim_core::scenario::Scenario;

fn session(app: &App) -> &marrowsim_core::needle::session::Session {
    &app.world().resource::<SessionState>().0
}

#[test]
fn the_needle_waits_for_the_plan_and_then_goes_where_it_says() {
    let scenario = Scenario::load(&ws("scenes/evaluation_site_change.ron")).unwrap();
    let answer = scenario.evaluation.as_ref().unwrap().answer.clone();
    let mut app = headless_app(scenario).unwrap();
    app.update();
    assert!(session(&app).awaiting_plan());
    place_at_ideal_entry(&mut app);
    assert!(session(&app).needle.is_none(), "no needle before a plan");
    assert!(session(&app).notice.as_deref().unwrap().contains("plan"));

    app.world_mut().write_message(ConfirmPlan(answer.clone()));
    app.update();
    assert!(!session(&app).awaiting_plan());
    assert_eq!(session(&app).evaluation.as_ref().unwrap().plan, answer);
    place_at_ideal_entry(&mut app);
    assert!(session(&app).needle.is_some());
    assert_eq!(
        session(&app).attempt().evaluation.unwrap().t,
        0.0,
        "the attempt's clock starts at the plan"
    );
}

#[test]
fn not_today_ends_the_attempt_with_a_pass_and_the_reason() {
    let scenario = Scenario::load(&ws("scenes/evaluation_not_today.ron")).unwrap();
    let mut app = headless_app(scenario).unwrap();
    app.update();
    app.world_mut().write_message(ConfirmPlan(Plan {
        decision: Decision::Defer,
        ..Plan::default()
    }));
    app.update();
    let score = session(&app).score.clone().expect("marked at once");
    assert_eq!(score.verdict, Verdict::Pass);
    assert!(score.feedback[0].contains("INR"), "{:?}", score.feedback);
}

/// The keys of the local anaesthetic: A picks up the thin needle, W takes it down, I injects,
/// A puts it down; the trocar then meets numb skin only after the onset.
#[test]
fn the_anaesthetic_needle_by_keyboard_numbs_the_way() {
    use super::tap;
    use marrowsim_core::needle::session::Tool;
    use marrowsim_core::needle::technique::Contact;
    let scenario = Scenario::load(&ws("scenes/bmac_full.ron")).unwrap();
    let answer = scenario.evaluation.as_ref().unwrap().answer.clone();
    let mut app = headless_app(scenario).unwrap();
    app.update();
    app.world_mut().write_message(ConfirmPlan(answer));
    app.update();
    tap(&mut app, KeyCode::KeyA, &[]);
    assert_eq!(session(&app).tool, Tool::Anaesthetic);
    place_at_ideal_entry(&mut app);
    for _ in 0..3 {
        tap(&mut app, KeyCode::KeyW, &[]);
    }
    tap(&mut app, KeyCode::KeyI, &[]);
    for _ in 0..80 {
        tap(&mut app, KeyCode::KeyW, &[KeyCode::KeyF]);
        if session(&app).contact() == Contact::OnBone {
            break;
        }
    }
    assert_eq!(session(&app).contact(), Contact::OnBone);
    tap(&mut app, KeyCode::KeyI, &[]);
    tap(&mut app, KeyCode::KeyI, &[KeyCode::ShiftLeft]);
    let given: f32 = session(&app).deposits().iter().map(|d| d.ml).sum();
    assert_eq!(given, 2.5);
    tap(&mut app, KeyCode::KeyA, &[]);
    assert_eq!(session(&app).tool, Tool::Trocar);
    assert!(session(&app).needle.is_none());

    // Straight away, the skin is not numb yet.
    place_at_ideal_entry(&mut app);
    for _ in 0..3 {
        tap(&mut app, KeyCode::KeyW, &[]);
    }
    let felt = &session(&app).felt;
    assert_eq!(felt.len(), 1, "{felt:?}");
    assert!(
        felt[0].contains("at the skin") && felt[0].contains("more"),
        "{felt:?}"
    );
}
