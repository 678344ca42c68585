//! The feel of the needle: how hard each tissue resists, when the cortex gives, and when the
//! tip skids off bone met at a glancing angle. Bevy-free; the app feeds it the trainee's push.
//!
//! Forces follow the reference: clinicians push 400–600 N; the cortex needs firm pressure with
//! alternating twists; entering the marrow is felt as a sudden ease; shaft friction in bone
//! grows with depth (Heiner 2001).

use crate::anatomy::Anatomy;
use crate::needle::Pose;
use crate::tissue::Tissue;
use glam::Vec3;

/// Resistance to advancing the tip through a tissue (N), before shaft friction.
pub fn tip_resistance(t: Tissue) -> f32 {
    match t {
        Tissue::Air => 0.0,
        Tissue::Skin => 12.0,
        Tissue::Fat => 3.0,
        Tissue::Muscle => 8.0,
        Tissue::Cortex => CORTEX_FORCE,
        Tissue::Marrow => 25.0,
        Tissue::Sacrum => 300.0,
        Tissue::SiJoint => 60.0,
        Tissue::Symphysis => 80.0,
        Tissue::SciaticNerve | Tissue::Lfcn => 10.0,
        Tissue::SuperiorGlutealArtery => 4.0,
        Tissue::PelvicCavity | Tissue::SacralCanal => 2.0,
    }
}

/// Push needed to pass the cortex without twisting (N).
pub const CORTEX_FORCE: f32 = 450.0;
/// Twisting lowers the push the cortex needs to this share.
pub const TWIST_FACTOR: f32 = 0.5;
/// Friction along the shaft per mm of needle in bone (N/mm).
pub const BONE_FRICTION: f32 = 4.0;
/// Friction along the shaft per mm in soft tissue (N/mm).
pub const SOFT_FRICTION: f32 = 0.15;
/// Beyond this angle between the needle and the bone's normal, pushing makes the tip skid.
pub const SKID_ANGLE_DEG: f32 = 65.0;

/// Resistance the needle feels at a pose: the tip's tissue plus friction along the shaft.
pub fn resistance(anatomy: &Anatomy, pose: &Pose) -> (Tissue, f32) {
    let iv = anatomy.intervals(pose.entry, pose.tip(), 0.25);
    let tip = iv.last().map(|i| i.tissue).unwrap_or(Tissue::Air);
    let mut friction = 0.0;
    for i in &iv {
        friction += i.length()
            * match i.tissue {
                Tissue::Air => 0.0,
                t if t.is_bone() => BONE_FRICTION,
                _ => SOFT_FRICTION,
            };
    }
    (tip, tip_resistance(tip) + friction)
}

/// What one push did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PushOutcome {
    /// How far the tip went (mm).
    pub advanced: f32,
    /// The resistance met at the end (N).
    pub force: f32,
    pub tip: Tissue,
    /// The tip stopped at the cortex: push harder or twist.
    pub held_by_cortex: bool,
    /// The tip met bone at a glancing angle and slid along it instead of entering.
    pub skidded: bool,
}

/// Advances (or withdraws, for negative `mm`) the needle under a push of `force` newtons.
///
/// The tip moves in steps of at most 0.25 mm and stops where the resistance exceeds the push;
/// the cortex yields to `CORTEX_FORCE`, or half of it while twisting. On bone met at more than
/// `SKID_ANGLE_DEG` from its normal, the entry point slides along the surface instead.
pub fn push(
    anatomy: &Anatomy,
    pose: &mut Pose,
    mm: f32,
    force: f32,
    twisting: bool,
) -> PushOutcome {
    if mm < 0.0 {
        pose.depth = (pose.depth + mm).max(0.0);
        let (tip, f) = resistance(anatomy, pose);
        return PushOutcome {
            advanced: mm,
            force: f,
            tip,
            held_by_cortex: false,
            skidded: false,
        };
    }
    let start = pose.depth;
    let mut remaining = mm;
    let mut tip = anatomy.tissue_at(pose.tip());
    let mut outcome = PushOutcome {
        advanced: 0.0,
        force: 0.0,
        tip,
        held_by_cortex: false,
        skidded: false,
    };
    while remaining > 1e-4 {
        let step = remaining.min(0.25);
        let next = pose.tip() + pose.direction * step;
        let next_tissue = anatomy.tissue_at(next);
        if next_tissue == Tissue::Cortex && !tip.is_bone() {
            let normal = anatomy.bone_normal(next);
            let angle = pose.direction.angle_between(-normal).to_degrees();
            if angle > SKID_ANGLE_DEG {
                let along =
                    (pose.direction - normal * pose.direction.dot(normal)).normalize_or(Vec3::ZERO);
                pose.entry += along * step;
                outcome.skidded = true;
                remaining -= step;
                continue;
            }
            let needed = CORTEX_FORCE * if twisting { TWIST_FACTOR } else { 1.0 };
            if force < needed {
                outcome.held_by_cortex = true;
                break;
            }
        }
        if next_tissue == Tissue::Sacrum && force < tip_resistance(Tissue::Sacrum) {
            break;
        }
        pose.depth += step;
        remaining -= step;
        tip = next_tissue;
    }
    let (t, f) = resistance(anatomy, pose);
    outcome.advanced = pose.depth - start;
    outcome.tip = t;
    outcome.force = f;
    outcome
}

/// Resistance against depth along a straight insertion, every `step` mm: the force–depth
/// curve the trainee's plot shows, with the drop on entering the marrow.
pub fn force_profile(
    anatomy: &Anatomy,
    entry: Vec3,
    direction: Vec3,
    max_depth: f32,
    step: f32,
) -> Vec<(f32, f32, Tissue)> {
    let mut out = Vec::new();
    let mut d = 0.0;
    while d <= max_depth {
        let pose = Pose {
            entry,
            direction,
            depth: d,
        };
        let (t, f) = resistance(anatomy, &pose);
        out.push((d, f, t));
        d += step;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::anatomy::{Patient, Sex};

    fn setup() -> (Anatomy, Pose) {
        let a = Anatomy::build(&Patient::average("adult_male", Sex::Male)).unwrap();
        let psis = a.landmark("psis_left").unwrap();
        let dir = (a.landmark("asis_left").unwrap() - psis).normalize();
        let iv = a.intervals(psis - dir * 80.0, psis, 0.25);
        let skin = iv.iter().find(|i| i.tissue != Tissue::Air).unwrap().start;
        let entry = psis - dir * 80.0 + dir * skin;
        (
            a,
            Pose {
                entry,
                direction: dir,
                depth: 0.5,
            },
        )
    }

    #[test]
    fn the_cortex_holds_a_light_push_and_yields_to_a_twist() {
        let (a, mut pose) = setup();
        let out = push(&a, &mut pose, 60.0, 200.0, false);
        assert!(out.held_by_cortex, "{out:?}");
        assert!(!out.tip.is_bone());
        let held_at = pose.depth;
        let out = push(&a, &mut pose, 10.0, 300.0, true);
        assert!(
            !out.held_by_cortex,
            "a 300 N push with twisting passes: {out:?}"
        );
        assert!(pose.depth > held_at + 5.0);
        assert_eq!(out.tip, Tissue::Marrow);
    }

    #[test]
    fn entering_the_marrow_is_a_loss_of_resistance() {
        let (a, pose) = setup();
        let profile = force_profile(&a, pose.entry, pose.direction, 45.0, 0.25);
        let cortex_peak = profile
            .iter()
            .filter(|p| p.2 == Tissue::Cortex)
            .map(|p| p.1)
            .fold(0.0, f32::max);
        let first_marrow = profile
            .iter()
            .find(|p| p.2 == Tissue::Marrow)
            .expect("reaches marrow")
            .1;
        assert!(
            cortex_peak > 2.0 * first_marrow,
            "cortex {cortex_peak} N vs marrow {first_marrow} N"
        );
        let deep = profile
            .iter()
            .rev()
            .find(|p| p.2 == Tissue::Marrow)
            .unwrap()
            .1;
        assert!(
            deep > first_marrow,
            "shaft friction grows with depth in bone"
        );
    }

    #[test]
    fn a_glancing_needle_skids_off_the_bone() {
        let a = Anatomy::build(&Patient::average("adult_male", Sex::Male)).unwrap();
        let psis = a.landmark("psis_left").unwrap();
        let along = (a.landmark("asis_left").unwrap() - psis).normalize();
        let lateral = a.wing_normal(true);
        let mut surface = psis + along * 40.0;
        while a.bone_sdf(surface) < 0.0 {
            surface += lateral * 0.1;
        }
        let normal = a.bone_normal(surface);
        let tangent = (along - normal * along.dot(normal)).normalize();
        let dir = (tangent * 0.95 - normal * 0.31).normalize();
        let mut pose = Pose {
            entry: surface + normal * 2.0 - dir * 4.0,
            direction: dir,
            depth: 0.0,
        };
        let before = pose.entry;
        let out = push(&a, &mut pose, 15.0, 500.0, false);
        assert!(out.skidded, "{out:?}");
        assert!((pose.entry - before).length() > 1.0);
        assert!(
            !out.tip.is_bone(),
            "a skidding tip stays out of the bone: {out:?}"
        );
    }

    #[test]
    fn withdrawing_never_goes_behind_the_entry_point() {
        let (a, mut pose) = setup();
        pose.depth = 5.0;
        let out = push(&a, &mut pose, -20.0, 0.0, false);
        assert_eq!(pose.depth, 0.0);
        assert!(out.advanced < 0.0);
    }
}
