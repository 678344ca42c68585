//! The aspiration yield model: properties that hold for any plan, and its parsers under
//! mutation.

use marrowsim_core::harvest::model::{AspirationStep, HarvestSite, YieldModel};
use marrowsim_core::harvest::plan::HarvestPlan;
use proptest::prelude::*;

fn step() -> impl Strategy<Value = AspirationStep> {
    prop_oneof![
        6 => (0.1f64..10.0).prop_map(|ml| AspirationStep::Pull { ml }),
        1 => Just(AspirationStep::Redirect),
        1 => Just(AspirationStep::Turn),
        1 => prop_oneof![
            Just(HarvestSite::PosteriorIliacCrest),
            Just(HarvestSite::AnteriorIliacCrest)
        ]
        .prop_map(AspirationStep::NewSite),
    ]
}

fn site() -> impl Strategy<Value = HarvestSite> {
    prop_oneof![
        Just(HarvestSite::PosteriorIliacCrest),
        Just(HarvestSite::AnteriorIliacCrest)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn every_pull_is_finite_and_bounded_by_a_fresh_pool(
        site in site(),
        steps in prop::collection::vec(step(), 0..60),
        last in 0.1f64..10.0,
    ) {
        let mut steps = steps;
        steps.push(AspirationStep::Pull { ml: last });
        let m = YieldModel::shipped();
        let h = m.harvest(site, &steps, true);
        let pulls = steps.iter().filter(|s| matches!(s, AspirationStep::Pull { .. })).count();
        prop_assert_eq!(h.pulls.len(), pulls);
        for p in &h.pulls {
            prop_assert!(p.progenitors.is_finite() && p.progenitors > 0.0);
            prop_assert!(p.progenitors_per_ml <= m.progenitors.pool + 1e-9);
            prop_assert!(p.nucleated_per_ul <= m.nucleated.pool + 1e-9);
            prop_assert!(p.nucleated_per_ul >= m.nucleated.sustained - 1e-9);
            prop_assert!((0.0..=m.blood_sustained + 1e-12).contains(&p.blood_share));
        }
        let sum: f64 = h.pulls.iter().map(|p| p.progenitors).sum();
        prop_assert!((sum - h.aspirate.progenitors).abs() <= 1e-9 * sum.max(1.0));
        let c = h.concentrate.unwrap();
        prop_assert!(c.progenitors < h.aspirate.progenitors);
        prop_assert!(c.ml < h.aspirate.ml);
    }

    /// What the reference teaches: splitting a pull never draws fewer progenitors, and a
    /// redirection before it never either.
    #[test]
    fn smaller_pulls_and_redirections_never_lower_the_yield(
        ml in 0.5f64..50.0,
        parts in 2usize..10,
        before in prop::collection::vec(step(), 0..10),
    ) {
        let m = YieldModel::shipped();
        let site = HarvestSite::PosteriorIliacCrest;
        let total = |tail: &[AspirationStep]| {
            let mut s = before.clone();
            s.extend_from_slice(tail);
            m.harvest(site, &s, false).aspirate.progenitors
        };
        let whole = total(&[AspirationStep::Pull { ml }]);
        let split = total(&vec![AspirationStep::Pull { ml: ml / parts as f64 }; parts]);
        prop_assert!(split >= whole * (1.0 - 1e-9), "{} < {}", split, whole);
        let redirected = total(&[AspirationStep::Redirect, AspirationStep::Pull { ml }]);
        prop_assert!(redirected >= whole * (1.0 - 1e-9));
        let turned = total(&[AspirationStep::Turn, AspirationStep::Pull { ml }]);
        prop_assert!(turned >= whole * (1.0 - 1e-9));
    }

    #[test]
    fn plans_round_trip_through_ron(
        site in site(),
        steps in prop::collection::vec(step(), 1..40),
    ) {
        let mut steps = steps;
        steps.push(AspirationStep::Pull { ml: 1.0 });
        let plan = HarvestPlan { version: 1, site, syringe_ml: 10.0, steps, process: true };
        let text = ron::ser::to_string_pretty(&plan, ron::ser::PrettyConfig::default()).unwrap();
        let back = HarvestPlan::parse(&text, "p.ron").unwrap();
        prop_assert_eq!(back, plan);
    }

    /// Any text: an error or a plan, never a panic.
    #[test]
    fn any_text_is_a_plan_or_an_error(text in "\\PC{0,200}") {
        let _ = HarvestPlan::parse(&text, "p.ron");
        let _ = YieldModel::parse(&text, "y.ron");
    }
}

/// The shipped plans and model, mutated: every one that still parses runs to finite figures.
#[test]
fn mutated_plans_and_models_parse_or_fail_cleanly() {
    let ws = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut texts: Vec<String> = std::fs::read_dir(ws.join("plans"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    texts.sort();
    let model_text = std::fs::read_to_string(ws.join("assets/harvest/yield.ron")).unwrap();
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    const SWAPS: [&str; 9] = ["0", "-1", "1e30", "NaN", "60.0", "0.0001", "(", ",", ""];
    let (mut plans, mut models) = (0, 0);
    for i in 0..4000 {
        let base = if i % 2 == 0 {
            &texts[(next() as usize) % texts.len()]
        } else {
            &model_text
        };
        let mut s = base.clone();
        for _ in 0..1 + next() % 3 {
            let at = s.floor_char_boundary((next() as usize) % s.len());
            let end = s.ceil_char_boundary((at + 1 + (next() as usize) % 6).min(s.len()));
            s.replace_range(at..end, SWAPS[(next() as usize) % SWAPS.len()]);
        }
        if let Ok(plan) = HarvestPlan::parse(&s, "p.ron") {
            plans += 1;
            let h = YieldModel::shipped().harvest(plan.site, &plan.steps, plan.process);
            assert!(h.aspirate.progenitors.is_finite(), "{s}");
        }
        if let Ok(model) = YieldModel::parse(&s, "y.ron") {
            models += 1;
            let h = model.harvest(
                HarvestSite::PosteriorIliacCrest,
                &[AspirationStep::Pull { ml: 4.0 }],
                true,
            );
            assert!(h.concentrate.unwrap().progenitors_per_ml.is_finite(), "{s}");
        }
    }
    assert!(
        plans > 100 && models > 100,
        "{plans} plans and {models} models still parsed"
    );
}

mod whole_harvest {
    use marrowsim_core::anatomy::Anatomy;
    use marrowsim_core::grading::scoring::{ScoreError, Verdict, score};
    use marrowsim_core::records::attempt::{Attempt, Pull};
    use marrowsim_core::scenario::Scenario;

    fn ws(p: &str) -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(p)
    }

    /// The expert's placement at the standard PSIS, with `pulls` as (mL, withdrawn mm) in
    /// order: each pull happens after the tip is withdrawn that far from the expert's depth.
    pub fn expert_with(scene: &Scenario, pulls: &[(f32, f32)]) -> Attempt {
        let mut a = Attempt::load(&ws("tests/golden/expert_psis_to_asis.ron")).unwrap();
        a.version = marrowsim_core::records::attempt::VERSION;
        a.scene = scene.title.clone();
        let site = &mut a.sites[0];
        let last = *site.timeline.last().unwrap();
        let mut t = last.t;
        for &(ml, back) in pulls {
            t += 20.0;
            let mut s = last;
            s.t = t;
            s.depth = last.depth - back;
            site.timeline.push(s);
            site.pulls.push(Pull { t, ml });
        }
        a
    }

    pub fn bmac() -> (Scenario, Anatomy) {
        let scene = Scenario::load(&ws("scenes/bmac_standard.ron")).unwrap();
        let anatomy = Anatomy::build(&scene.patient(0)).unwrap();
        (scene, anatomy)
    }

    /// Four pulls a position at three positions 8 mm apart along the track.
    pub fn twelve_small() -> Vec<(f32, f32)> {
        (0..12).map(|i| (4.0, (i / 4) as f32 * 8.0)).collect()
    }

    #[test]
    fn the_whole_harvest_table() {
        let (scene, anatomy) = bmac();
        let good = score(&scene, &anatomy, &expert_with(&scene, &twelve_small())).unwrap();
        let h = good.harvest.as_ref().unwrap();
        assert_eq!(h.harvest.aspirate.positions, 3, "{:?}", h.harvest.pulls);
        assert_eq!(good.verdict, Verdict::Pass, "{:#?}", good.feedback);

        let mut fifty = scene.clone();
        fifty.aspiration.as_mut().unwrap().syringe_ml = 50.0;
        let one_large = score(&fifty, &anatomy, &expert_with(&fifty, &[(50.0, 0.0)])).unwrap();
        assert_eq!(one_large.verdict, Verdict::Fail);
        assert!(
            one_large.total <= scene.pass_mark - 10.0,
            "a failed harvest never looks like a near-pass: {}",
            one_large.total
        );
        assert!(
            one_large
                .feedback
                .iter()
                .any(|f| f.contains("mostly blood")),
            "{:#?}",
            one_large.feedback
        );

        let none = score(&scene, &anatomy, &expert_with(&scene, &[])).unwrap();
        assert_eq!(none.verdict, Verdict::Fail);
        eprintln!(
            "| twelve 4 mL pulls, three positions | {:.1} | {:?} |\n| one 50 mL pull | {:.1} | {:?} |\n| no pull | {:.1} | {:?} |",
            good.total, good.verdict, one_large.total, one_large.verdict, none.total, none.verdict
        );
    }

    #[test]
    fn pulls_outside_the_marrow_or_the_syringe_are_marked_or_refused() {
        let (scene, anatomy) = bmac();
        let mut pulls = twelve_small();
        // Withdrawn 60 mm: the tip is back in the soft tissue.
        pulls.push((2.0, 60.0));
        let s = score(&scene, &anatomy, &expert_with(&scene, &pulls)).unwrap();
        let h = s.harvest.as_ref().unwrap();
        assert_eq!(h.wasted.len(), 1);
        assert_eq!(s.verdict, Verdict::Fail);

        let big = expert_with(&scene, &[(20.0, 0.0)]);
        assert!(matches!(
            score(&scene, &anatomy, &big),
            Err(ScoreError::PullTooLarge { .. })
        ));
        let standard = Scenario::load(&ws("scenes/psis_standard.ron")).unwrap();
        let mut a = expert_with(&scene, &[(2.0, 0.0)]);
        a.scene = standard.title.clone();
        assert!(matches!(
            score(&standard, &anatomy, &a),
            Err(ScoreError::NoAspiration(0))
        ));
    }

    #[test]
    fn an_attempt_with_pulls_reads_back_and_scores_the_same() {
        let (scene, anatomy) = bmac();
        let a = expert_with(&scene, &twelve_small());
        let text = a.to_ron().unwrap();
        assert!(text.contains("pulls"), "{text}");
        let back = Attempt::parse(&text, "a.ron").unwrap();
        let (x, y) = (
            score(&scene, &anatomy, &a).unwrap(),
            score(&scene, &anatomy, &back).unwrap(),
        );
        assert_eq!(x.total, y.total);
        let backwards = text.replacen("pulls: [", "pulls: [(t: 9000.0, ml: 1.0), ", 1);
        let e = Attempt::parse(&backwards, "a.ron").unwrap_err().to_string();
        assert!(e.contains("goes backwards"), "{e}");
        let current = format!("version: {}", marrowsim_core::records::attempt::VERSION);
        assert!(text.contains(&current));
        let v1 = text.replacen(&current, "version: 1", 1);
        assert!(
            Attempt::parse(&v1, "a.ron").is_ok(),
            "version 1 still reads"
        );
    }
}

#[test]
fn an_empty_harvest_reads_zero_not_minus_zero() {
    let m = YieldModel::shipped();
    let h = m.harvest(
        HarvestSite::PosteriorIliacCrest,
        &[AspirationStep::Redirect],
        true,
    );
    let json = serde_json::to_string(&h).unwrap();
    assert!(!json.contains("-0.0"), "{json}");
}

#[test]
fn a_turn_in_place_gives_back_part_of_the_pool_and_a_redirection_all_of_it() {
    let m = YieldModel::shipped();
    let site = HarvestSite::PosteriorIliacCrest;
    let second = |between: &[AspirationStep]| {
        let mut steps = vec![AspirationStep::Pull { ml: 2.0 }];
        steps.extend_from_slice(between);
        steps.push(AspirationStep::Pull { ml: 2.0 });
        m.aspirate(site, &steps)[1].progenitors
    };
    let stay = second(&[]);
    let turn = second(&[AspirationStep::Turn]);
    let moved = second(&[AspirationStep::Redirect]);
    assert!(stay < turn && turn < moved, "{stay} {turn} {moved}");
    let share = (turn - stay) / (moved - stay);
    assert!(
        (0.3..0.7).contains(&share),
        "a turn gives back {share} of a fresh pool"
    );
}

#[test]
fn the_session_counts_a_quarter_turn_between_pulls_and_not_a_smaller_one() {
    use marrowsim_core::anatomy::Anatomy;
    use marrowsim_core::needle::session::Session;
    use marrowsim_core::scenario::Scenario;
    use marrowsim_core::tissue::Tissue;
    use std::sync::Arc;
    let path =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenes/bmac_standard.ron");
    let scene = Scenario::load(&path).unwrap();
    let anatomy = Arc::new(Anatomy::build(&scene.patient(0)).unwrap());
    let second_pull = |turns: &[f32]| {
        let mut s = Session::new(scene.clone(), anatomy.clone());
        let zone = scene.resolve(0, &anatomy).unwrap();
        let (skin, end) = zone.ideal_track(&anatomy);
        s.place(skin, 0.0);
        let n = s.needle.as_mut().unwrap();
        n.entry = skin;
        n.direction = (end - skin).normalize();
        assert!(
            s.turn(90.0, 0.5).is_err(),
            "no turn before the trocar is in"
        );
        let mut t = 1.0;
        let mut in_marrow = 0;
        while in_marrow < 15 && t < 200.0 {
            s.push(1.0, 500.0, true, t);
            t += 1.0;
            if s.readout().is_some_and(|r| r.0 == Tissue::Marrow) {
                in_marrow += 1;
            }
        }
        s.toggle_stylet();
        s.pull(2.0, t).unwrap();
        for (k, deg) in turns.iter().enumerate() {
            s.turn(*deg, t + 1.0 + k as f32).unwrap();
        }
        s.pull(2.0, t + 10.0).unwrap();
        let h = s.harvest_so_far().unwrap().harvest;
        assert_eq!(h.pulls[1].position, 1, "a turn is not a new position");
        h.pulls[1].progenitors
    };
    let none = second_pull(&[]);
    let small = second_pull(&[45.0]);
    let quarter = second_pull(&[45.0, -45.0]);
    assert_eq!(none, small, "an eighth of a turn does not count");
    assert!(quarter > none * 1.2, "{quarter} against {none}");
}
