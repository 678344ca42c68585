//! Scoring goldens and feasibility of every shipped scene.

use marrowsim::sim::anatomy::Anatomy;
use marrowsim::sim::attempt::Attempt;
use marrowsim::sim::feasibility;
use marrowsim::sim::scenario::Scenario;
use marrowsim::sim::scoring::{Score, Verdict, score};
use std::path::Path;

fn grade(scene: &str, attempt: &str) -> Score {
    let scenario = Scenario::load(Path::new(scene)).expect("scene loads");
    let attempt = Attempt::load(Path::new(attempt)).expect("attempt loads");
    let anatomy = Anatomy::build(&attempt.patient).expect("patient builds");
    score(&scenario, &anatomy, &attempt).expect("scores")
}

fn component<'a>(s: &'a Score, key: &str) -> &'a marrowsim::sim::scoring::Component {
    s.components
        .iter()
        .find(|c| c.key == key)
        .unwrap_or_else(|| {
            panic!(
                "no component {key}: {:?}",
                s.components.iter().map(|c| &c.key).collect::<Vec<_>>()
            )
        })
}

const SCENE: &str = "scenes/psis_standard.ron";

#[test]
fn expert_psis_to_asis_passes_high() {
    let s = grade(SCENE, "tests/golden/expert_psis_to_asis.ron");
    assert_eq!(s.verdict, Verdict::Pass, "{:#?}", s.feedback);
    assert!(s.total >= 85.0, "total {}", s.total);
    let depth = component(&s, "depth");
    assert_eq!(depth.points, depth.max_points);
    assert!(
        (depth.value - 25.0).abs() < 1.0,
        "tip {} mm past the cortex",
        depth.value
    );
    assert_eq!(component(&s, "cortex_penetrations").value, 1.0);
}

#[test]
fn perpendicular_path_into_the_sacrum_fails() {
    let s = grade(SCENE, "tests/golden/perpendicular_into_sacrum.ron");
    assert_eq!(s.verdict, Verdict::Fail);
    let depth = component(&s, "depth");
    assert_eq!(depth.points, 0.0);
    assert!(depth.feedback.contains("sacrum"), "{}", depth.feedback);
    assert!(
        s.feedback[0].contains("sacrum"),
        "the sacrum should explain the fail first: {:?}",
        s.feedback
    );
    assert!(component(&s, "angle").value > 20.0);
}

#[test]
fn low_lateral_entry_toward_the_notch_is_unsafe() {
    let s = grade(SCENE, "tests/golden/low_lateral_toward_notch.ron");
    assert_eq!(s.verdict, Verdict::Unsafe);
    let nerve = component(&s, "hazard.sciatic_nerve");
    let artery = component(&s, "hazard.superior_gluteal_artery");
    assert!(
        nerve.points == 0.0 || artery.points == 0.0,
        "a notch structure must be reached"
    );
    assert!(
        s.feedback[0].contains("sciatic nerve")
            || s.feedback[0].contains("superior gluteal artery"),
        "{:?}",
        s.feedback
    );
}

#[test]
fn inner_table_breach_is_unsafe() {
    let s = grade(SCENE, "tests/golden/inner_table_breach.ron");
    assert_eq!(s.verdict, Verdict::Unsafe);
    let cavity = component(&s, "hazard.pelvic_cavity");
    assert_eq!(cavity.points, 0.0);
    assert!(s.feedback[0].contains("pelvic cavity"), "{:?}", s.feedback);
}

#[test]
fn shallow_tip_in_the_cortex_fails() {
    let s = grade(SCENE, "tests/golden/shallow_in_cortex.ron");
    assert_eq!(s.verdict, Verdict::Fail);
    let depth = component(&s, "depth");
    assert!(
        depth.feedback.contains("cortical bone"),
        "{}",
        depth.feedback
    );
    assert!(
        s.total >= s.pass_mark,
        "it fails on the tip, not on points: {}",
        s.total
    );
}

#[test]
fn scoring_is_deterministic() {
    let a = grade(SCENE, "tests/golden/inner_table_breach.ron");
    let b = grade(SCENE, "tests/golden/inner_table_breach.ron");
    assert_eq!(
        serde_json::to_string(&a).unwrap(),
        serde_json::to_string(&b).unwrap()
    );
}

#[test]
fn every_shipped_scene_is_feasible() {
    let mut scenes: Vec<_> = std::fs::read_dir("scenes")
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    scenes.sort();
    for path in scenes {
        let scenario = Scenario::load(&path).expect("scene loads");
        let f = feasibility::run(&scenario, 1, 300, 7).expect("feasibility runs");
        assert!(
            f.success_rate() > 0.0,
            "{}: no sampled insertion passes",
            path.display()
        );
        let best = f.best_attempt.expect("a best attempt");
        let anatomy = Anatomy::build(&best.patient).expect("patient");
        let s = score(&scenario, &anatomy, &best).expect("scores");
        assert_eq!(
            s.verdict,
            Verdict::Pass,
            "{}: best attempt {:?}",
            path.display(),
            s.feedback
        );
    }
}
