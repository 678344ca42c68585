//! Whether an attempt can be graded against a scene at all: it must have been made in that
//! scene, on a patient the scene gives, by a needle that could really have moved so. An
//! attempt that fails is refused with the reason and the place in the file, not graded: a
//! score for an impossible attempt, or one made on another patient, would mean nothing.

use crate::anatomy::Anatomy;
use crate::records::attempt::Attempt;
use crate::scenario::locate::Step;
use crate::scenario::{PatientSpec, Scenario};

/// How far inside the skin the first sample's entry may lie: the app places the needle on the
/// skin (within a few hundredths of a millimetre), and feasibility's straight insertions
/// within 1 mm. Deeper, the needle did not start outside the body.
pub const START_INSIDE_SKIN_MM: f32 = 2.0;
/// The fastest plausible movement of the tip while it is in the body. A trocar is pushed
/// through skin and cortex at a few millimetres a second; even a brisk withdrawal through
/// soft tissue stays well under 100 mm/s.
pub const MAX_TIP_SPEED_MM_S: f32 = 100.0;
/// Movement allowed on top of the speed limit between two samples. The app stamps samples with
/// the frame's time, and at 2 frames a second on a software renderer one frame can carry a
/// dozen key-repeat steps of 1 mm, or a tilt of the shaft; 20 mm covers that and no more.
pub const STEP_SLACK_MM: f32 = 20.0;

/// Why an attempt is refused, and where in the attempt file.
#[derive(Clone, Debug, PartialEq)]
pub struct Refusal {
    pub path: Vec<Step>,
    pub message: String,
}

fn refuse(path: Vec<Step>, message: String) -> Result<(), Refusal> {
    Err(Refusal { path, message })
}

/// The attempt was made on a patient this scene gives, and in this scene (by its title).
pub fn belongs(scenario: &Scenario, attempt: &Attempt) -> Result<(), Refusal> {
    use Step::Field;
    let p = &attempt.patient;
    let wrong = |what: &str, field: &'static str, theirs: String, ours: String| {
        refuse(
            vec![Field("patient"), Field(field)],
            format!(
                "the patient does not match the scene: {what} {theirs} in the attempt, {ours} in the scene"
            ),
        )
    };
    match &scenario.patient {
        PatientSpec::Fixed { .. } => {
            // A fixed scene's "new patient" keeps the preset, BMI and size and draws new
            // anatomy, so any seed is one the scene can give.
            let want = scenario.patient(0);
            if p.preset != want.preset {
                return wrong("preset", "preset", p.preset.clone(), want.preset);
            }
            if p.sex != want.sex {
                return wrong(
                    "sex",
                    "sex",
                    format!("{:?}", p.sex),
                    format!("{:?}", want.sex),
                );
            }
            if p.bmi != want.bmi {
                return wrong("BMI", "bmi", p.bmi.to_string(), want.bmi.to_string());
            }
            if p.scale != want.scale {
                return wrong("size", "scale", p.scale.to_string(), want.scale.to_string());
            }
        }
        PatientSpec::Random {
            presets,
            bmi,
            scale,
        } => {
            if !presets.contains(&p.preset) {
                return wrong(
                    "preset",
                    "preset",
                    p.preset.clone(),
                    format!("one of {presets:?}"),
                );
            }
            if !(bmi.0..=bmi.1).contains(&p.bmi) {
                return wrong(
                    "BMI",
                    "bmi",
                    p.bmi.to_string(),
                    format!("{}–{}", bmi.0, bmi.1),
                );
            }
            if !(scale.0..=scale.1).contains(&p.scale) {
                return wrong(
                    "size",
                    "scale",
                    p.scale.to_string(),
                    format!("{}–{}", scale.0, scale.1),
                );
            }
        }
    }
    if attempt.scene != scenario.title {
        return refuse(
            vec![Field("scene")],
            format!(
                "the attempt was made in \"{}\", not in this scene (\"{}\")",
                attempt.scene, scenario.title
            ),
        );
    }
    Ok(())
}

/// Every site's needle starts outside the body and moves no faster than a hand can move it.
pub fn possible(anatomy: &Anatomy, attempt: &Attempt) -> Result<(), Refusal> {
    use Step::{Field, Index};
    for (i, site) in attempt.sites.iter().enumerate() {
        let at = |j: usize, field: &'static str| {
            vec![
                Field("sites"),
                Index(i),
                Field("timeline"),
                Index(j),
                Field(field),
            ]
        };
        let Some(first) = site.timeline.first() else {
            continue;
        };
        let entry = first.pose().entry;
        if first.depth > 0.0 || anatomy.skin_sdf(entry) < -START_INSIDE_SKIN_MM {
            return refuse(
                at(0, "depth"),
                format!(
                    "site {}: the needle starts {:.1} mm deep, {:.1} mm under the skin; it must start outside the body",
                    site.site,
                    first.depth,
                    (-anatomy.skin_sdf(entry)).max(0.0)
                ),
            );
        }
        for (j, w) in site.timeline.windows(2).enumerate() {
            let (a, b) = (w[0].pose(), w[1].pose());
            // Taking the needle out (back to the skin) is always possible; going in is not
            // faster than the limit.
            if b.depth == 0.0 {
                continue;
            }
            let moved = a.tip().distance(b.tip());
            let dt = (w[1].t - w[0].t).max(0.0);
            let allowed = MAX_TIP_SPEED_MM_S * dt + STEP_SLACK_MM;
            if moved > allowed {
                return refuse(
                    at(j + 1, "t"),
                    format!(
                        "site {}: the tip jumps {moved:.0} mm in {dt:.2} s at t = {} s; a needle moves at most {MAX_TIP_SPEED_MM_S:.0} mm/s",
                        site.site, w[1].t
                    ),
                );
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::needle::{Pose, Sample};
    use crate::records::attempt::{SiteAttempt, VERSION};
    use crate::scenario::default_scenario;
    use glam::Vec3;

    fn attempt(scenario: &Scenario, timeline: Vec<Sample>) -> Attempt {
        Attempt {
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
                timeline,
                events: Vec::new(),
                pulls: Vec::new(),
                palpations: Vec::new(),
                turns: Vec::new(),
            }],
        }
    }

    fn setup() -> (Scenario, Anatomy, Vec3, Vec3) {
        let scenario = default_scenario();
        let anatomy = Anatomy::build(&scenario.patient(0)).unwrap();
        let zone = scenario.resolve(0, &anatomy).unwrap();
        let entry = zone.ideal_track(&anatomy).0;
        (scenario, anatomy, entry, zone.aim)
    }

    fn at(t: f32, entry: Vec3, direction: Vec3, depth: f32) -> Sample {
        Sample::new(
            t,
            Pose {
                entry,
                direction,
                depth,
            },
        )
    }

    #[test]
    fn a_needle_that_starts_in_the_marrow_is_refused() {
        let (scenario, anatomy, entry, aim) = setup();
        let teleport = attempt(&scenario, vec![at(0.0, entry, aim, 45.0)]);
        let e = possible(&anatomy, &teleport).unwrap_err();
        assert!(e.message.contains("must start outside the body"), "{e:?}");
        let inside = attempt(&scenario, vec![at(0.0, entry + aim * 30.0, aim, 0.0)]);
        assert!(
            possible(&anatomy, &inside).is_err(),
            "entry 30 mm under the skin"
        );
    }

    #[test]
    fn a_jump_faster_than_a_hand_is_refused_and_a_steady_push_is_not() {
        let (scenario, anatomy, entry, aim) = setup();
        let steady: Vec<Sample> = (0..=25)
            .map(|k| at(k as f32, entry, aim, 2.0 * k as f32))
            .collect();
        assert_eq!(possible(&anatomy, &attempt(&scenario, steady)), Ok(()));
        let jump = vec![at(0.0, entry, aim, 0.0), at(0.1, entry, aim, 45.0)];
        let e = possible(&anatomy, &attempt(&scenario, jump)).unwrap_err();
        assert!(e.message.contains("jumps 45 mm"), "{e:?}");
        let out_again = vec![
            at(0.0, entry, aim, 0.0),
            at(20.0, entry, aim, 40.0),
            at(20.0, entry + Vec3::X * 30.0, aim, 0.0),
        ];
        assert_eq!(
            possible(&anatomy, &attempt(&scenario, out_again)),
            Ok(()),
            "taking the needle out and placing it again is possible"
        );
    }

    #[test]
    fn another_scene_or_patient_is_refused() {
        let (scenario, _, entry, aim) = setup();
        let mut a = attempt(&scenario, vec![at(0.0, entry, aim, 0.0)]);
        assert_eq!(belongs(&scenario, &a), Ok(()));
        a.patient.seed = Some(99);
        assert_eq!(
            belongs(&scenario, &a),
            Ok(()),
            "a new draw of the same patient"
        );
        a.patient.bmi = 42.0;
        let e = belongs(&scenario, &a).unwrap_err();
        assert!(e.message.contains("patient does not match"), "{e:?}");
        assert_eq!(e.path, vec![Step::Field("patient"), Step::Field("bmi")]);
        a.patient = scenario.patient(0);
        a.scene = "Another scene".into();
        assert!(belongs(&scenario, &a).is_err());
    }
}
