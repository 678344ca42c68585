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
