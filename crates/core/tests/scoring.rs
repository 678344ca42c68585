//! Scoring goldens and feasibility of every shipped scene.

use marrowsim_core::anatomy::Anatomy;
use marrowsim_core::grading::feasibility;
use marrowsim_core::grading::scoring::{Objective, Score, Verdict, score};
use marrowsim_core::records::attempt::Attempt;
use marrowsim_core::scenario::Scenario;

/// A path from the workspace root (the tests run in their own crate's folder).
fn ws(path: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

fn grade(scene: &str, attempt: &str) -> Score {
    let scenario = Scenario::load(&ws(scene)).expect("scene loads");
    let attempt = Attempt::load(&ws(attempt)).expect("attempt loads");
    let anatomy = Anatomy::build(&attempt.patient).expect("patient builds");
    score(&scenario, &anatomy, &attempt).expect("scores")
}

fn component<'a>(s: &'a Score, key: &str) -> &'a marrowsim_core::grading::scoring::Component {
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
        s.feedback[0].starts_with("Objective not met"),
        "{:?}",
        s.feedback
    );
    assert!(
        s.feedback[1].contains("sacrum"),
        "the sacrum should explain the miss next: {:?}",
        s.feedback
    );
    assert!(component(&s, "angle").value > 20.0);
}

/// Straight down at the PSIS, never tilted toward the ASIS, the tip lands in marrow: the
/// marrow was reached on another approach's track (26.2° off the aim, tolerance 10°), 2.2 mm
/// from the SI joint. It fails, counted 10 under the pass mark, and says why first.
#[test]
fn straight_down_into_marrow_fails_on_the_angle() {
    let s = grade(SCENE, "tests/golden/straight_down_into_marrow.ron");
    assert_eq!(s.verdict, Verdict::Fail, "{:#?}", s.feedback);
    assert_eq!(s.total, 60.0);
    let site = &s.sites[0];
    assert!(site.earned > 80.0, "earned {}", site.earned);
    let angle = component(&s, "angle");
    assert!(angle.value > 20.0 && angle.value < 30.0, "{}", angle.value);
    assert!(
        angle.points > 0.0,
        "the angle is still graded: {}",
        angle.points
    );
    assert_eq!(
        component(&s, "depth").points,
        component(&s, "depth").max_points
    );
    assert!(
        s.feedback[0].contains("more than twice"),
        "{:?}",
        s.feedback
    );
    let note = site.cap_note().expect("the cap is explained");
    assert!(note.contains("off the aim"), "{note}");
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
        s.feedback[1].contains("sciatic nerve")
            || s.feedback[1].contains("superior gluteal artery"),
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
    assert!(s.feedback[1].contains("pelvic cavity"), "{:?}", s.feedback);
    assert!(
        s.total <= 0.5 * s.pass_mark,
        "an unsafe placement sits far from passing: {}",
        s.total
    );
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
    assert_eq!(s.sites[0].objective, Objective::OnBone);
    assert!(
        s.total <= 0.6 * s.pass_mark,
        "a tip stuck in the cortex is capped well below the pass mark: {}",
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
    let mut scenes: Vec<_> = std::fs::read_dir(ws("scenes"))
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

/// An entry on the tubercle's outer lip, aimed at the hip, meets the bone almost tangentially:
/// the needle would skid, so feasibility must not count such insertions (the shipped scene
/// enters on the crest top, on the wing's mid-surface, over the iliac pillar).
#[test]
fn feasibility_does_not_count_insertions_that_would_skid() {
    let text = std::fs::read_to_string(ws("scenes/anterior_crest.ron")).unwrap();
    let on_lip = text.replace("\"iliac_tubercle_crest_left\"", "\"iliac_tubercle_left\"");
    assert_ne!(on_lip, text, "the shipped scene enters on the crest top");
    let lip = Scenario::parse(&on_lip, "lip.ron").expect("still valid");
    let top = Scenario::parse(&text, "top.ron").expect("valid");
    let rate = |s: &Scenario| feasibility::run(s, 0, 600, 3).unwrap().success_rate();
    let (lip, top) = (rate(&lip), rate(&top));
    assert!(
        top >= 0.75,
        "the crest top over the pillar is a fair entry: {top}"
    );
    assert!(lip < top - 0.1, "more of the lip skids: {lip} vs {top}");
}

/// What feasibility counts as a pass must be a placement the app's needle can make: pushed
/// along the best pose from the skin, it must not skid and must end in marrow.
#[test]
fn the_best_feasible_insertion_can_be_pushed_in_the_app() {
    use marrowsim_core::needle::Pose;
    use marrowsim_core::needle::insertion::push;
    use marrowsim_core::tissue::Tissue;
    for entry in std::fs::read_dir(ws("scenes")).unwrap() {
        let path = entry.unwrap().path();
        let scenario = Scenario::load(&path).unwrap();
        let f = feasibility::run(&scenario, 1, 300, 7).unwrap();
        let anatomy = Anatomy::build(&f.patient).unwrap();
        for site in &f.sites {
            let best = site.best.expect("a best insertion");
            let mut pose = Pose { depth: 0.0, ..best };
            while pose.depth < best.depth - 1e-3 {
                let step = (best.depth - pose.depth).min(1.0);
                let out = push(&anatomy, &mut pose, step, 500.0, true);
                assert!(
                    !out.skidded && out.advanced > 0.0,
                    "{}: site {} stopped at {:.1} mm: {out:?}",
                    path.display(),
                    site.site,
                    pose.depth
                );
            }
            assert_eq!(
                anatomy.tissue_at(pose.tip()),
                Tissue::Marrow,
                "{}",
                path.display()
            );
        }
    }
}

/// A miss never looks like a near-pass: the gate on the objective, for the attempts the
/// rubric's table in docs/scoring.md lists. `never_reached_bone` was made in the app (ctrl+click
/// on the entry circle, straight down 42 mm of muscle beside the ilium); `never_entered` and
/// `short_of_the_window` are the expert golden with its depths set to 0, and cut 8 mm past the
/// cortex (the window starts at 10).
#[test]
fn the_objective_gates_the_total() {
    let cases = [
        ("expert_psis_to_asis", Objective::Reached, Verdict::Pass),
        (
            "short_of_the_window",
            Objective::MissedTarget,
            Verdict::Fail,
        ),
        ("shallow_in_cortex", Objective::OnBone, Verdict::Fail),
        ("never_reached_bone", Objective::NoBone, Verdict::Fail),
        ("never_entered", Objective::NotEntered, Verdict::Fail),
    ];
    let mut last = f32::INFINITY;
    for (name, objective, verdict) in cases {
        let s = grade(SCENE, &format!("tests/golden/{name}.ron"));
        assert_eq!(
            (s.sites[0].objective, s.verdict),
            (objective, verdict),
            "{name}"
        );
        assert!(
            s.total < last,
            "{name} ranks below the one before: {}",
            s.total
        );
        last = s.total;
    }
    let muscle = grade(SCENE, "tests/golden/never_reached_bone.ron");
    assert!(muscle.total <= 40.0);
    let note = muscle.sites[0]
        .cap_note()
        .expect("the card says why the total is lower");
    assert!(
        muscle.sites[0].earned > muscle.total && note.contains("never reached bone"),
        "{note}"
    );
    assert!(grade(SCENE, "tests/golden/never_entered.ron").total <= 10.0);
    let short = grade(SCENE, "tests/golden/short_of_the_window.ron");
    assert!(short.total < short.pass_mark && short.total > 40.0);
}

/// Numbers equal to a part in 10⁵ (the maths is f32, and libm may round the last bit
/// differently elsewhere); everything else exactly.
fn same(a: &serde_json::Value, b: &serde_json::Value, at: &str) -> Result<(), String> {
    use serde_json::Value::*;
    match (a, b) {
        (Number(x), Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            if (x - y).abs() <= 1e-5 * x.abs().max(1.0) {
                Ok(())
            } else {
                Err(format!("{at}: {x} now, {y} in the snapshot"))
            }
        }
        (Array(x), Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .try_for_each(|(i, (x, y))| same(x, y, &format!("{at}[{i}]"))),
        (Object(x), Object(y)) if x.len() == y.len() => x.iter().try_for_each(|(k, v)| {
            y.get(k)
                .ok_or_else(|| format!("{at}.{k}: not in the snapshot"))
                .and_then(|w| same(v, w, &format!("{at}.{k}")))
        }),
        _ if a == b => Ok(()),
        _ => Err(format!("{at}: {a} now, {b} in the snapshot")),
    }
}

/// A snapshot's total or verdict that changed while the rubric's version did not: a record
/// would then show a mark the current rubric no longer gives, without saying so.
fn mark_moved_within_a_rubric(
    before: &serde_json::Value,
    now: &serde_json::Value,
    name: &str,
) -> Option<String> {
    if before.get("rubric") != now.get("rubric") {
        return None;
    }
    let moved = ["total", "verdict"]
        .into_iter()
        .find(|k| before.get(k) != now.get(k))?;
    Some(format!(
        "{name}: the {moved} moved from {} to {} under rubric {}; raise \
         marrowsim_core::grading::scoring::RUBRIC and say why under \"Rubric versions\" in \
         docs/scoring.md before blessing",
        before[moved], now[moved], now["rubric"]
    ))
}

#[test]
fn a_mark_cannot_move_without_a_new_rubric() {
    let snapshot = |rubric: u32, total: f32, verdict: &str| serde_json::json!({"rubric": rubric, "total": total, "verdict": verdict});
    let moved =
        mark_moved_within_a_rubric(&snapshot(1, 82.0, "pass"), &snapshot(1, 61.0, "fail"), "g");
    assert!(moved.is_some_and(|e| e.contains("total moved from 82.0 to 61.0 under rubric 1")));
    assert!(
        mark_moved_within_a_rubric(&snapshot(1, 82.0, "pass"), &snapshot(2, 61.0, "fail"), "g")
            .is_none()
    );
    assert!(
        mark_moved_within_a_rubric(&snapshot(1, 82.0, "pass"), &snapshot(1, 82.0, "pass"), "g")
            .is_none()
    );
}

/// Every golden's whole score, pinned. A change to the rubric shows here as a diff to review;
/// after a change made on purpose, `MARROWSIM_BLESS=1 cargo test -p marrowsim-core --test
/// scoring` rewrites the snapshots in tests/snapshots/. It refuses to where a total or a
/// verdict moved and `RUBRIC` did not.
#[test]
fn every_golden_scores_as_its_snapshot() {
    let bless = std::env::var_os("MARROWSIM_BLESS").is_some();
    let snapshots = ws("tests/snapshots");
    std::fs::create_dir_all(&snapshots).unwrap();
    let mut goldens: Vec<_> = std::fs::read_dir(ws("tests/golden"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .collect();
    goldens.sort();
    assert!(goldens.len() >= 8);
    let mut problems = Vec::new();
    for golden in goldens {
        let name = golden.file_stem().unwrap().to_string_lossy().into_owned();
        let s = grade(SCENE, &format!("tests/golden/{name}.ron"));
        let now: serde_json::Value =
            serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
        let file = snapshots.join(format!("{name}.json"));
        if bless {
            let before = std::fs::read_to_string(&file)
                .ok()
                .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok());
            if let Some(e) = before.and_then(|b| mark_moved_within_a_rubric(&b, &now, &name)) {
                problems.push(e);
                continue;
            }
            std::fs::write(&file, serde_json::to_string_pretty(&now).unwrap() + "\n").unwrap();
            continue;
        }
        let text = std::fs::read_to_string(&file)
            .unwrap_or_else(|e| panic!("{}: {e} (run with MARROWSIM_BLESS=1)", file.display()));
        let pinned: serde_json::Value = serde_json::from_str(&text).unwrap();
        if let Err(e) = same(&now, &pinned, &name) {
            problems.push(e);
        }
    }
    assert!(
        problems.is_empty(),
        "scores moved:\n{}",
        problems.join("\n")
    );
}

mod quick_agrees {
    use super::*;
    use glam::{Quat, Vec3};
    use marrowsim_core::needle::Pose;
    use marrowsim_core::records::attempt::{SiteAttempt, VERSION};
    use proptest::prelude::*;
    use std::sync::OnceLock;

    fn case() -> &'static (Scenario, Anatomy) {
        static CASE: OnceLock<(Scenario, Anatomy)> = OnceLock::new();
        CASE.get_or_init(|| {
            let scenario = Scenario::load(&ws(SCENE)).unwrap();
            let anatomy = Anatomy::build(&scenario.patient(0)).unwrap();
            (scenario, anatomy)
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Feasibility trusts `quick`; it must give what `score` gives the same straight push.
        #[test]
        fn quick_equals_score_of_the_straight_insertion(
            dx in -12.0f32..12.0, dz in -12.0f32..12.0,
            tilt in 0.0f32..20.0, spin in 0.0f32..std::f32::consts::TAU, depth in 5.0f32..95.0,
        ) {
            let (scenario, anatomy) = case();
            let zone = scenario.resolve(0, anatomy).unwrap();
            let (ideal_entry, _) = zone.ideal_track(anatomy);
            let axis = zone.aim.any_orthonormal_vector();
            let axis = Quat::from_axis_angle(zone.aim, spin) * axis;
            let direction = (Quat::from_axis_angle(axis, tilt.to_radians()) * zone.aim).normalize();
            let pose = Pose { entry: ideal_entry + Vec3::new(dx, 0.0, dz), direction, depth };
            let (total, verdict) = marrowsim_core::grading::scoring::quick(scenario, anatomy, 0, &pose);
            let attempt = Attempt {
                version: VERSION,
                scene: scenario.title.clone(),
                patient: scenario.patient(0),
                evaluation: None,
        anaesthetic: Vec::new(),
        preparation: Vec::new(),
        marks: Vec::new(),
        who: None,
        when: None,
        shots: Vec::new(),
                sites: vec![SiteAttempt {
                    site: 0,
                    timeline: feasibility::straight_insertion(&pose),
                    events: Vec::new(),
                    pulls: Vec::new(),
                    palpations: Vec::new(),
                    turns: Vec::new(),
                }],
            };
            let full = score(scenario, anatomy, &attempt).unwrap();
            prop_assert_eq!(verdict, full.verdict, "quick {} vs score {}", total, full.total);
            prop_assert!((total - full.total).abs() <= 0.11, "quick {} vs score {}", total, full.total);
        }
    }
}

#[test]
fn a_site_recorded_twice_or_a_needle_past_its_hub_is_refused() {
    let text = std::fs::read_to_string(ws("tests/golden/expert_psis_to_asis.ron")).unwrap();
    let start = text.find("        SiteAttempt(").unwrap();
    let end = text.rfind("    ],\n)").unwrap();
    let twice = format!("{}{}{}", &text[..end], &text[start..end], &text[end..]);
    let e = Attempt::parse(&twice, "twice.ron").unwrap_err().to_string();
    assert!(
        e.contains("twice.ron:") && e.contains("recorded twice"),
        "{e}"
    );

    let scenario = Scenario::load(&ws(SCENE)).unwrap();
    let mut deep = Attempt::parse(&text, "deep.ron").unwrap();
    let last = deep.sites[0].timeline.last_mut().unwrap();
    last.depth = scenario.needle.length_mm + 5.0;
    let anatomy = Anatomy::build(&deep.patient).unwrap();
    let e = score(&scenario, &anatomy, &deep).unwrap_err().to_string();
    assert!(e.contains("deeper than the scene's 100 mm needle"), "{e}");
}

/// The greater sciatic foramen holds the sacral plexus and the gluteal vessels: a needle
/// entering 60 mm below the PSIS and going straight in to the notch's depth is unsafe even
/// with the scene's margins around the nerve and the artery set to 0 mm (issue 10).
#[test]
fn straight_in_low_through_the_sciatic_foramen_is_unsafe_without_margins() {
    use glam::Vec3;
    use marrowsim_core::anatomy::{Anatomy, Patient};
    use marrowsim_core::grading::scoring::{Verdict, quick};
    use marrowsim_core::needle::Pose;
    let text = std::fs::read_to_string(ws("scenes/psis_standard.ron")).unwrap();
    let bare = text
        .replace(
            "(structure: \"sciatic_nerve\", margin_mm: 10.0",
            "(structure: \"sciatic_nerve\", margin_mm: 0.0",
        )
        .replace(
            "(structure: \"superior_gluteal_artery\", margin_mm: 10.0",
            "(structure: \"superior_gluteal_artery\", margin_mm: 0.0",
        );
    assert_eq!(bare.matches("margin_mm: 0.0").count(), 2);
    let scene = Scenario::parse(&bare, "no-margins.ron").expect("valid");
    let mut unsafe_ = 0;
    for seed in 0..30 {
        let a = Anatomy::build(&Patient {
            seed: Some(seed),
            ..scene.patient(0)
        })
        .unwrap();
        let psis = a.landmark("psis_left").unwrap();
        let notch = a.landmark("sciatic_notch_left").unwrap();
        let from = Vec3::new(psis.x, psis.y - 150.0, psis.z - 60.0);
        let skin = a.raycast_skin(from, Vec3::Y, 300.0).unwrap();
        let pose = Pose {
            entry: skin,
            direction: Vec3::Y,
            depth: notch.y - skin.y,
        };
        unsafe_ += usize::from(quick(&scene, &a, 0, &pose).1 == Verdict::Unsafe);
    }
    assert!(
        unsafe_ >= 20,
        "only {unsafe_} of 30 through the foramen were unsafe"
    );
}
