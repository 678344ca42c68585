//! The evaluation phase through the whole score: the two shipped cases, right and wrong plans,
//! and the attempt file that carries the plan.

use marrowsim_core::anatomy::Anatomy;
use marrowsim_core::evaluation::{Decision, HarvestSite, Plan, Precaution};
use marrowsim_core::grading::feasibility;
use marrowsim_core::grading::scoring::{Verdict, score};
use marrowsim_core::records::attempt::{Attempt, Evaluated};
use marrowsim_core::scenario::{Position, Scenario};
use std::path::PathBuf;

fn ws(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

/// The feasibility's best placement for the scene, with `plan` as the trainee's evaluation.
fn attempt_with(scene: &Scenario, plan: Plan) -> (Anatomy, Attempt) {
    let f = feasibility::run(scene, 0, 300, 7).expect("feasibility runs");
    let mut a = f.best_attempt.expect("the scene can be passed");
    a.evaluation = Some(Evaluated { t: 0.0, plan });
    (Anatomy::build(&a.patient).unwrap(), a)
}

fn site_change() -> Scenario {
    Scenario::load(&ws("scenes/evaluation_site_change.ron")).expect("scene")
}

#[test]
fn the_right_plan_and_a_good_placement_pass_the_site_change_case() {
    let scene = site_change();
    let answer = scene.evaluation.as_ref().unwrap().answer.clone();
    let (anatomy, a) = attempt_with(&scene, answer);
    let s = score(&scene, &anatomy, &a).unwrap();
    assert_eq!(s.verdict, Verdict::Pass, "{:#?}", s.feedback);
    let ev = s.evaluation.as_ref().unwrap();
    assert!((ev.points - 30.0).abs() < 1e-3, "{}", ev.points);
    assert!(s.components.iter().any(|c| c.key == "evaluation.site"));
}

#[test]
fn the_posterior_crest_that_gave_graft_fails_and_says_why() {
    let scene = site_change();
    let plan = Plan {
        decision: Decision::Proceed,
        sites: vec![HarvestSite::PosteriorLeft],
        position: Some(Position::Prone),
        precautions: vec![Precaution::ProlongedPressure],
    };
    let (anatomy, a) = attempt_with(&scene, plan);
    let s = score(&scene, &anatomy, &a).unwrap();
    assert_eq!(s.verdict, Verdict::Fail);
    assert!(s.total <= s.pass_mark - 10.0, "{}", s.total);
    assert!(
        s.feedback[0].contains("left posterior crest") && s.feedback[0].contains("bone graft"),
        "{:#?}",
        s.feedback
    );
    let mut unique = s.feedback.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        s.feedback.len(),
        "each reason once: {:#?}",
        s.feedback
    );
}

#[test]
fn a_missed_precaution_costs_points_but_not_the_pass() {
    let scene = site_change();
    let mut plan = scene.evaluation.as_ref().unwrap().answer.clone();
    plan.precautions.clear();
    let (anatomy, a) = attempt_with(&scene, plan);
    let s = score(&scene, &anatomy, &a).unwrap();
    let c = s
        .components
        .iter()
        .find(|c| c.key == "evaluation.precautions")
        .unwrap();
    assert_eq!(c.points, 0.0);
    assert!(c.feedback.contains("Bain 2003"), "{}", c.feedback);
    assert!(
        s.feedback
            .iter()
            .any(|f| f.contains("ten minutes of pressure"))
    );
}

#[test]
fn not_today_passes_when_deferred_and_is_unsafe_when_done() {
    let scene = Scenario::load(&ws("scenes/evaluation_not_today.ron")).unwrap();
    let anatomy = Anatomy::build(&scene.patient(0)).unwrap();
    let deferred = Attempt {
        version: 4,
        scene: scene.title.clone(),
        patient: scene.patient(0),
        evaluation: Some(Evaluated {
            t: 0.0,
            plan: Plan {
                decision: Decision::Defer,
                ..Plan::default()
            },
        }),
        anaesthetic: Vec::new(),
        preparation: Vec::new(),
        marks: Vec::new(),
        who: None,
        when: None,
        shots: Vec::new(),
        sites: Vec::new(),
    };
    let s = score(&scene, &anatomy, &deferred).unwrap();
    assert_eq!(s.verdict, Verdict::Pass, "{:#?}", s.feedback);
    assert_eq!(s.total, 100.0);

    let went_ahead = Plan {
        decision: Decision::Proceed,
        sites: vec![HarvestSite::PosteriorLeft],
        position: Some(Position::Prone),
        precautions: vec![Precaution::ProlongedPressure],
    };
    let (anatomy, a) = attempt_with(&scene, went_ahead);
    let s = score(&scene, &anatomy, &a).unwrap();
    assert_eq!(
        s.verdict,
        Verdict::Unsafe,
        "a perfect placement does not save it"
    );
    assert!(s.total < s.pass_mark / 2.0 + 0.01, "{}", s.total);
    assert!(
        s.feedback[0].contains("INR above 3.0") && s.feedback[0].contains("SIR 2019"),
        "{:#?}",
        s.feedback
    );

    let nothing = Attempt {
        evaluation: None,
        anaesthetic: Vec::new(),
        preparation: Vec::new(),
        marks: Vec::new(),
        who: None,
        when: None,
        shots: Vec::new(),
        ..deferred
    };
    let s = score(&scene, &anatomy, &nothing).unwrap();
    assert_eq!(s.verdict, Verdict::Fail);
    assert!(s.feedback[0].contains("No plan"), "{:#?}", s.feedback);
}

#[test]
fn the_plan_reads_back_and_needs_attempt_version_4() {
    let scene = site_change();
    let answer = scene.evaluation.as_ref().unwrap().answer.clone();
    let (_, a) = attempt_with(&scene, answer.clone());
    let text = a.to_ron().unwrap();
    let back = Attempt::parse(&text, "a.ron").unwrap();
    assert_eq!(back.evaluation.unwrap().plan, answer);
    let v3 = text.replacen(
        &format!("version: {}", marrowsim_core::records::attempt::VERSION),
        "version: 3",
        1,
    );
    let e = Attempt::parse(&v3, "a.ron").unwrap_err().to_string();
    assert!(e.contains("evaluation needs attempt version 4"), "{e}");
    assert!(e.starts_with("a.ron:"), "{e}");
}

#[test]
fn placement_scenes_without_a_case_score_as_before() {
    let scene = Scenario::load(&ws("scenes/psis_standard.ron")).unwrap();
    assert!(scene.evaluation.is_none());
    let f = feasibility::run(&scene, 0, 100, 7).unwrap();
    let a = f.best_attempt.unwrap();
    assert!(a.evaluation.is_none());
    let anatomy = Anatomy::build(&a.patient).unwrap();
    let s = score(&scene, &anatomy, &a).unwrap();
    assert!(s.evaluation.is_none());
    assert!(!s.components.iter().any(|c| c.key.starts_with("evaluation")));
}
