//! Known-groups evidence that the score measures skill, as VR needle simulators are validated
//! (Johnson, Br J Radiol 2012): two simulated cohorts on the scene's own patients, scored by
//! the real `score`, compared by their score distributions, pass rates and the AUC (the
//! chance that an expert outscores a novice), for the total and for every component.
//!
//! The cohorts, per subject, seeded and reproducible:
//! - experts: the needle on the skin where the ideal track enters, moved by N(0, 1 mm) in each
//!   direction across the track; the aim off by |N(0, 1.5°)| in a random direction; the tip
//!   placed uniformly in the middle half of the depth window (as far as the marrow runs on
//!   that line and the needle reaches); one clean push at 2 mm/s.
//! - novices: the entry moved by N(0, 15 mm) across the track; the aim off by |N(0, 15°)|;
//!   the push to a uniformly random depth of 15–90 mm, and half of them withdraw 10 mm on the
//!   way and push again (a reinsertion).
//!
//! Where the scene has an aspiration phase, both then draw the scene's target volume where
//! the placement ended: experts in pulls of 2–4 mL, redirecting 8 mm along the track while the
//! tip stays in the marrow; novices in pulls of 4 mL up to the whole syringe, without moving.

use crate::anatomy::Anatomy;
use crate::evaluation::{Decision, EvaluationSpec, HarvestSite, Plan};
use crate::grading::scoring::{Verdict, score};
use crate::needle::{Pose, Sample};
use crate::records::attempt::{Attempt, Evaluated, SiteAttempt, VERSION};
use crate::scenario::{Position, Scenario};
use crate::tissue::Tissue;
use glam::{Quat, Vec3};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use std::collections::BTreeMap;

/// One cohort's totals, and each component's points per subject.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Cohort {
    pub totals: Vec<f32>,
    pub pass_rate: f32,
    #[serde(skip)]
    components: BTreeMap<String, Vec<f32>>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Validity {
    pub scene: String,
    pub subjects: usize,
    pub seed: u64,
    pub auc: f32,
    pub expert_pass_rate: f32,
    pub novice_pass_rate: f32,
    /// Each component's own AUC (experts against novices, on the points it gave).
    pub components: BTreeMap<String, f32>,
    pub expert: Cohort,
    pub novice: Cohort,
}

/// The chance that a value from `a` beats one from `b`, ties counting half (Mann–Whitney).
pub fn auc(a: &[f32], b: &[f32]) -> f32 {
    if a.is_empty() || b.is_empty() {
        return 0.5;
    }
    let mut wins = 0.0f64;
    for x in a {
        for y in b {
            wins += if x > y {
                1.0
            } else if x == y {
                0.5
            } else {
                0.0
            };
        }
    }
    (wins / (a.len() * b.len()) as f64) as f32
}

fn normal(rng: &mut ChaCha8Rng) -> f32 {
    let u1: f32 = rng.random_range(f32::EPSILON..1.0);
    let u2: f32 = rng.random_range(0.0..1.0);
    (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
}

/// How a simulated subject works: an expert's habits or a novice's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Skill {
    Expert,
    Novice,
}

/// Where the line along `dir` through `target` meets the skin, sphere-traced from outside.
fn skin_on_line(anatomy: &Anatomy, target: Vec3, dir: Vec3) -> Option<Vec3> {
    anatomy.raycast_skin(target - dir * 200.0, dir, 400.0)
}

/// One subject's timeline at one site.
fn subject(
    anatomy: &Anatomy,
    zone: &crate::scenario::ResolvedSite,
    needle_len: f32,
    skill: Skill,
    rng: &mut ChaCha8Rng,
) -> Vec<Sample> {
    let (entry_sd, aim_sd) = match skill {
        Skill::Expert => (1.0, 1.5),
        Skill::Novice => (15.0, 15.0),
    };
    let u = zone.aim.any_orthonormal_vector();
    let v = zone.aim.cross(u);
    let spin = rng.random_range(0.0..std::f32::consts::TAU);
    let axis = u * spin.cos() + v * spin.sin();
    let tilt = (normal(rng) * aim_sd).abs().to_radians();
    let dir = (Quat::from_axis_angle(axis, tilt) * zone.aim).normalize();
    let ideal = zone.ideal_track(anatomy).0;
    let shifted = ideal + u * normal(rng) * entry_sd + v * normal(rng) * entry_sd;
    let entry = skin_on_line(anatomy, shifted + dir * 5.0, dir).unwrap_or(shifted);
    let start = Pose {
        entry,
        direction: dir,
        depth: 0.0,
    };
    let at = |t: f32, depth: f32| Sample::new(t, Pose { depth, ..start });
    match skill {
        Skill::Expert => {
            let shaft = anatomy.intervals(entry, entry + dir * 150.0, 0.25);
            let cortex = shaft
                .iter()
                .position(|i| i.tissue == Tissue::Cortex)
                .unwrap_or(0);
            let (marrow_start, marrow_len) = shaft[cortex..]
                .iter()
                .find(|i| i.tissue == zone.tissue)
                .map_or((30.0, 0.0), |i| (i.start, i.length()));
            // An expert stays in the marrow: the window's middle half, as far as the marrow
            // runs along this line and the needle reaches.
            let hi = zone
                .max_mm
                .min(marrow_len - 1.0)
                .min(needle_len - marrow_start);
            let past = if hi > zone.min_mm {
                zone.min_mm + (hi - zone.min_mm) * rng.random_range(0.25..0.75)
            } else {
                (marrow_len * 0.5).max(0.0)
            };
            let depth = (marrow_start + past).min(needle_len);
            vec![at(0.0, 0.0), at(depth / 2.0, depth)]
        }
        Skill::Novice => {
            let depth: f32 = rng.random_range(15.0..90.0f32.min(needle_len));
            if rng.random_range(0.0..1.0) < 0.5 {
                let back = (depth * 0.6 - 10.0).max(0.0);
                vec![
                    at(0.0, 0.0),
                    at(depth * 0.3, depth * 0.6),
                    at(depth * 0.3 + 5.0, back),
                    at(depth * 0.3 + 10.0 + depth / 2.0, depth),
                ]
            } else {
                vec![at(0.0, 0.0), at(depth / 2.0, depth)]
            }
        }
    }
}

/// Experts make the scene's plan. Novices read half the case: half of them make it, and the
/// rest go ahead at the left posterior crest, prone, with no precautions.
fn evaluation_habit(skill: Skill, spec: &EvaluationSpec, rng: &mut ChaCha8Rng) -> Plan {
    match skill {
        Skill::Expert => spec.answer.clone(),
        Skill::Novice if rng.random_bool(0.5) => spec.answer.clone(),
        Skill::Novice => Plan {
            decision: Decision::Proceed,
            sites: vec![HarvestSite::PosteriorLeft],
            position: Some(Position::Prone),
            precautions: Vec::new(),
        },
    }
}

/// Experts take every step, let the skin dry and enter at their mark. Novices each leave out
/// the time-out and the drape half the time and the consent or the antisepsis one time in ten,
/// puncture wet skin half the time, and mark the site half the time, up to 20 mm off.
fn preparation_habit(skill: Skill, rng: &mut ChaCha8Rng) -> super::preparation::Habit {
    use crate::preparation::PrepStep;
    match skill {
        Skill::Expert => super::preparation::Habit::careful(),
        Skill::Novice => {
            let mut skip = Vec::new();
            for (step, p) in [
                (PrepStep::TimeOut, 0.5),
                (PrepStep::Drape, 0.5),
                (PrepStep::Consent, 0.1),
                (PrepStep::Antisepsis, 0.1),
            ] {
                if rng.random_bool(p) {
                    skip.push(step);
                }
            }
            super::preparation::Habit {
                skip,
                dry: rng.random_bool(0.5),
                mark_off_mm: rng.random_bool(0.5).then(|| rng.random_range(0.0..20.0)),
            }
        }
    }
}

/// How a subject aspirates, where the scene has an aspiration phase: the pull (mL) and
/// whether they redirect between pulls. Experts pull 2–4 mL and redirect; novices fill most
/// of the syringe (at least 4 mL, up to all of it) where the placement ended.
fn harvest_habit(skill: Skill, syringe_ml: f32, rng: &mut ChaCha8Rng) -> (f32, bool) {
    match skill {
        Skill::Expert => (rng.random_range(2.0..=4.0f32.min(syringe_ml)), true),
        Skill::Novice => {
            let low = 4.0f32.min(syringe_ml);
            (rng.random_range(low..=syringe_ml), false)
        }
    }
}

/// `n` simulated subjects of one skill on the scene's patients, each with its anatomy: the
/// cohorts' attempts, deterministic for a seed. Also a class's practice data (docs, demos).
pub fn subjects(
    scenario: &Scenario,
    skill: Skill,
    n: usize,
    seed: u64,
) -> Result<Vec<(Anatomy, Attempt)>, String> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(((skill == Skill::Novice) as u64) << 32 | i as u64);
        // The scene's own patients: a random scene draws, a fixed one redraws its anatomy.
        let patient = scenario.another_patient(1 + i as u64);
        let anatomy = Anatomy::build(&patient).map_err(|e| e.to_string())?;
        let mut sites = Vec::new();
        for site in 0..scenario.sites.len() {
            let zone = scenario
                .resolve(site, &anatomy)
                .ok_or("the scenario's landmarks are missing on this patient")?;
            let mut timeline = subject(&anatomy, &zone, scenario.needle.length_mm, skill, &mut rng);
            let pulls = match &scenario.aspiration {
                Some(spec) => {
                    let (ml, redirect) = harvest_habit(skill, spec.syringe_ml, &mut rng);
                    let share = spec.target_ml / scenario.sites.len() as f32;
                    super::aspiration::planned_harvest(
                        &anatomy,
                        spec,
                        &mut timeline,
                        share,
                        ml,
                        redirect,
                    )
                }
                None => Vec::new(),
            };
            sites.push(SiteAttempt {
                site,
                timeline,
                events: Vec::new(),
                pulls,
                palpations: Vec::new(),
                turns: Vec::new(),
            });
        }
        // Experts give the standard 5 mL along the track they take and wait the standard
        // 5 minutes; novices numb the skin only and start after half a minute.
        let anaesthetic = match &scenario.anaesthesia {
            Some(_) => {
                let (periosteum, wait) = match skill {
                    Skill::Expert => (true, 300.0),
                    Skill::Novice => (rng.random_bool(0.3), 30.0),
                };
                let mut deposits = Vec::new();
                for s in &mut sites {
                    if let Some(last) = s.timeline.last() {
                        deposits.extend(super::anaesthesia::planned_infiltration(
                            &anatomy,
                            &last.pose(),
                            0.0,
                            periosteum,
                        ));
                    }
                    super::anaesthesia::delay(s, wait);
                }
                deposits
            }
            None => Vec::new(),
        };
        let evaluation = scenario.evaluation.as_ref().map(|e| Evaluated {
            t: 0.0,
            plan: evaluation_habit(skill, e, &mut rng),
        });
        let mut attempt = Attempt {
            version: VERSION,
            scene: scenario.title.clone(),
            patient,
            evaluation,
            anaesthetic,
            preparation: Vec::new(),
            marks: Vec::new(),
            who: None,
            when: None,
            shots: Vec::new(),
            sites,
        };
        if scenario.preparation.is_some() {
            super::preparation::rehearse(&mut attempt, &preparation_habit(skill, &mut rng));
        }
        out.push((anatomy, attempt));
    }
    Ok(out)
}

fn cohort(scenario: &Scenario, skill: Skill, n: usize, seed: u64) -> Result<Cohort, String> {
    let mut out = Cohort::default();
    let mut passes = 0;
    for (anatomy, attempt) in subjects(scenario, skill, n, seed)? {
        let s = score(scenario, &anatomy, &attempt).map_err(|e| e.to_string())?;
        passes += usize::from(s.verdict == Verdict::Pass);
        out.totals.push(s.total);
        for c in &s.components {
            out.components
                .entry(c.key.clone())
                .or_default()
                .push(c.points);
        }
    }
    out.pass_rate = passes as f32 / n.max(1) as f32;
    Ok(out)
}

/// Scores `n` experts and `n` novices on the scene's patients.
pub fn run(scenario: &Scenario, n: usize, seed: u64) -> Result<Validity, String> {
    let expert = cohort(scenario, Skill::Expert, n, seed)?;
    let novice = cohort(scenario, Skill::Novice, n, seed)?;
    let components = expert
        .components
        .iter()
        .filter_map(|(k, e)| Some((k.clone(), auc(e, novice.components.get(k)?))))
        .collect();
    Ok(Validity {
        scene: scenario.title.clone(),
        subjects: n,
        seed,
        auc: auc(&expert.totals, &novice.totals),
        expert_pass_rate: expert.pass_rate,
        novice_pass_rate: novice.pass_rate,
        components,
        expert,
        novice,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_is_the_chance_of_winning_with_ties_as_half() {
        assert_eq!(auc(&[3.0, 4.0], &[1.0, 2.0]), 1.0);
        assert_eq!(auc(&[1.0], &[1.0]), 0.5);
        assert_eq!(auc(&[1.0, 3.0], &[2.0]), 0.5);
        assert_eq!(auc(&[], &[1.0]), 0.5);
    }

    /// The separation asked of every scene: AUC ≥ 0.95, experts pass ≥ 90%, novices ≤ 30%.
    fn assert_separates(v: &Validity) {
        assert!(v.auc >= 0.95, "AUC {}", v.auc);
        assert!(
            v.expert_pass_rate >= 0.9,
            "experts pass {}",
            v.expert_pass_rate
        );
        assert!(
            v.novice_pass_rate <= 0.3,
            "novices pass {}",
            v.novice_pass_rate
        );
    }

    #[test]
    fn the_standard_scene_separates_experts_from_novices() {
        let v = run(&crate::scenario::default_scenario(), 20, 1).unwrap();
        assert_separates(&v);
        let again = run(&crate::scenario::default_scenario(), 20, 1).unwrap();
        assert_eq!(v.expert.totals, again.expert.totals, "seeded");
    }

    #[test]
    fn the_harvest_scene_separates_them_on_the_harvest_too() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../scenes/bmac_standard.ron"
        );
        let scene = Scenario::load(std::path::Path::new(path)).unwrap();
        let v = run(&scene, 20, 1).unwrap();
        assert_separates(&v);
        for k in ["harvest.pull_size", "harvest.concentrate"] {
            assert!(v.components[k] >= 0.9, "{k}: AUC {}", v.components[k]);
        }
    }
}
