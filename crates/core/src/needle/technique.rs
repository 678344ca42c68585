//! How a clinician moves the trocar once it is in the soft tissue (docs/technique.md): straight
//! down to bone; with the tip on the periosteum, the hub swings about the tip and the tip walks
//! along the bone; once in bone, the needle barely tilts.
//!
//! The soft tissue lets the shaft move sideways, but not without limit: the point where the
//! shaft crosses the skin may drift from the puncture by `SKIN_GIVE_MM` plus `SHAFT_GIVE` of the
//! soft tissue's depth. Beyond that the skin holds the needle, and the trainee must withdraw
//! and re-enter.

use crate::anatomy::Anatomy;
use crate::needle::{Pose, skin_depth};
use glam::Vec3;

/// The tip counts as resting on the bone within this distance of its surface (mm).
pub const CONTACT_MM: f32 = 0.6;
/// How far the skin slides over the fascia with the needle (mm). Estimate.
pub const SKIN_GIVE_MM: f32 = 5.0;
/// How far the shaft may move sideways at the skin per mm of soft tissue it crosses. Estimate,
/// chosen so that the published move can be made: over the PSIS (20–25 mm of soft tissue)
/// a tip walked a few millimetres to the medial point and then swung 24° toward the ASIS moves
/// the skin crossing about 15 mm, and the hub swings up to about 35° about the tip (30° with
/// 40 mm of soft tissue). A 7° swing turns the ASIS aim into the perpendicular one (Reed 2018).
pub const SHAFT_GIVE: f32 = 0.5;
/// A needle in bone turns by this share of the tilt asked for, about the point where it
/// entered the bone: the cortex holds it. Estimate.
pub const IN_BONE_TILT_SHARE: f32 = 0.2;

/// Where the tip is, for the technique.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Contact {
    /// The tip is outside the body.
    Outside,
    /// In the soft tissue, away from bone.
    Soft,
    /// Resting on the bone's surface, not in it.
    OnBone,
    /// In bone (cortex, marrow, sacrum, joint).
    InBone,
}

impl Contact {
    pub fn of(anatomy: &Anatomy, pose: &Pose) -> Contact {
        let tip = pose.tip();
        let tissue = anatomy.tissue_at(tip);
        if pose.depth <= 0.0 || tissue == crate::tissue::Tissue::Air {
            Contact::Outside
        } else if tissue.is_bone() {
            Contact::InBone
        } else if anatomy.bone_sdf(tip) < CONTACT_MM {
            Contact::OnBone
        } else {
            Contact::Soft
        }
    }
}

/// Where the shaft crosses the skin.
pub fn skin_crossing(anatomy: &Anatomy, pose: &Pose) -> Option<Vec3> {
    skin_depth(anatomy, pose).map(|d| pose.entry + pose.direction * d)
}

/// How far the skin crossing may drift from the puncture with the shaft at `pose` (mm).
pub fn drift_limit(anatomy: &Anatomy, pose: &Pose) -> f32 {
    let soft = skin_depth(anatomy, pose)
        .map(|d| (pose.depth - d).max(0.0))
        .unwrap_or(0.0);
    SKIN_GIVE_MM + SHAFT_GIVE * soft
}

/// Why a move was not made.
#[derive(Clone, Debug, PartialEq)]
pub enum Refusal {
    /// The skin would have to move further than it can.
    SkinHolds { drift: f32, limit: f32 },
    /// A walk needs the tip on the bone.
    NotOnBone,
    /// The bone rises too steeply for the tip to walk up it.
    BoneRises,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::SkinHolds { drift, limit } => write!(
                f,
                "the skin holds the needle: the shaft would move {drift:.0} mm at the skin, \
                 and the soft tissue gives {limit:.0} mm here; withdraw and re-enter"
            ),
            Refusal::NotOnBone => write!(
                f,
                "the tip is not on the bone: go straight down to it first"
            ),
            Refusal::BoneRises => write!(
                f,
                "the bone rises too steeply to walk the tip up it: withdraw a little and re-aim"
            ),
        }
    }
}

/// Checks that the shaft at `pose` crosses the skin within the soft tissue's give of
/// `puncture`.
pub fn within_give(anatomy: &Anatomy, pose: &Pose, puncture: Vec3) -> Result<(), Refusal> {
    let Some(crossing) = skin_crossing(anatomy, pose) else {
        return Ok(());
    };
    let drift = (crossing - puncture).length();
    let limit = drift_limit(anatomy, pose);
    if drift > limit {
        return Err(Refusal::SkinHolds { drift, limit });
    }
    Ok(())
}

/// The pose turned to `direction` about a fixed point `pivot` on the shaft, the tip staying
/// `pose.depth` from the new entry point.
pub fn pivot(pose: &Pose, pivot: Vec3, direction: Vec3) -> Pose {
    let along = (pivot - pose.entry).dot(pose.direction);
    let entry = pivot - direction * along;
    Pose {
        entry,
        direction,
        depth: pose.depth,
    }
}

/// What a step of a walk did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Step {
    /// The tip moved and rests on the bone again.
    OnBone(Pose),
    /// The bone fell away more steeply than the tip can follow: it slipped off the edge into
    /// the soft tissue, at the same depth.
    SlippedOff(Pose),
    /// The bone rises more steeply than the tip can climb: it stays where it was.
    Blocked,
}

/// Moves the tip along the bone by about `step` (mm, perpendicular to the needle), the shaft
/// turning about where it crosses the skin: a clinician walks the tip by small redirections,
/// so the skin stays where it was punctured. The tip follows the surface where it rises or
/// falls by at most `FOLLOW_SLOPE` times the step.
pub fn walk(anatomy: &Anatomy, pose: &Pose, step: Vec3) -> Step {
    let d = pose.direction;
    let sideways = step - d * step.dot(d);
    let hinge = skin_crossing(anatomy, pose).unwrap_or(pose.entry);
    let target = pose.tip() + sideways;
    let reach = (target - hinge).length();
    let Some(nd) = ((target - hinge) / reach).try_normalize() else {
        return Step::Blocked;
    };
    let turned = pivot(pose, hinge, nd);
    let window = FOLLOW_SLOPE * sideways.length() + CONTACT_MM * 0.5;
    let from = hinge + nd * (reach - window).max(0.0);
    let iv = anatomy.intervals(from, hinge + nd * (reach + window), 0.05);
    let along_to_hinge = (hinge - turned.entry).dot(nd);
    let Some(bone) = iv.iter().find(|i| i.tissue.is_bone()) else {
        return Step::SlippedOff(Pose {
            depth: along_to_hinge + reach,
            ..turned
        });
    };
    if bone.start <= 0.0 {
        return Step::Blocked;
    }
    let tip = from + nd * (bone.start - CONTACT_MM * 0.5).max(0.0);
    Step::OnBone(Pose {
        depth: (tip - turned.entry).dot(nd).max(0.0),
        ..turned
    })
}

/// How steep a surface the tip follows in a walk (depth change per mm of step): about 56°.
/// Steeper, the bone is felt to drop away. Estimate.
const FOLLOW_SLOPE: f32 = 1.5;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::anatomy::{Patient, Sex};

    fn on_bone(a: &Anatomy) -> Pose {
        let psis = a.landmark("psis_left").unwrap();
        let n = a.bone_normal(psis);
        let skin = a.raycast_skin(psis + n * 100.0, -n, 200.0).unwrap();
        let hit = a.raycast_bone(skin, -n, 100.0).unwrap();
        Pose {
            entry: skin,
            direction: -n,
            depth: (hit - skin).length() - 0.2,
        }
    }

    #[test]
    fn a_tip_pushed_to_the_bone_rests_on_it() {
        let a = Anatomy::build(&Patient::average("adult_male", Sex::Male)).unwrap();
        let p = on_bone(&a);
        assert_eq!(Contact::of(&a, &p), Contact::OnBone);
        let back = Pose {
            depth: p.depth - 5.0,
            ..p
        };
        assert_eq!(Contact::of(&a, &back), Contact::Soft);
        let into = Pose {
            depth: p.depth + 5.0,
            ..p
        };
        assert_eq!(Contact::of(&a, &into), Contact::InBone);
    }

    #[test]
    fn a_pivot_about_the_tip_keeps_the_tip_and_moves_the_skin_crossing() {
        let a = Anatomy::build(&Patient::average("adult_male", Sex::Male)).unwrap();
        let p = on_bone(&a);
        let d = (p.direction + Vec3::X * 0.2).normalize();
        let q = pivot(&p, p.tip(), d);
        assert!((q.tip() - p.tip()).length() < 1e-3);
        let moved = (skin_crossing(&a, &q).unwrap() - skin_crossing(&a, &p).unwrap()).length();
        assert!(moved > 2.0, "{moved}");
        assert!(within_give(&a, &q, skin_crossing(&a, &p).unwrap()).is_ok());
        let far = pivot(&p, p.tip(), (p.direction + Vec3::X * 1.5).normalize());
        assert!(matches!(
            within_give(&a, &far, skin_crossing(&a, &p).unwrap()),
            Err(Refusal::SkinHolds { .. })
        ));
    }

    #[test]
    fn a_walk_keeps_the_tip_on_the_bone_and_slips_off_an_edge() {
        let a = Anatomy::build(&Patient::average("adult_male", Sex::Male)).unwrap();
        let start = on_bone(&a);
        let mut p = start;
        for _ in 0..5 {
            match walk(&a, &p, Vec3::NEG_X) {
                Step::OnBone(q) => {
                    assert_eq!(Contact::of(&a, &q), Contact::OnBone, "{q:?}");
                    p = q;
                }
                other => panic!("laterally the PSIS goes on: {other:?}"),
            }
        }
        assert!((p.tip() - start.tip()).length() > 4.0);
        // Medially, the PSIS drops away to the gap beside the sacrum.
        let mut q = start;
        let mut slipped = None;
        for i in 0..30 {
            match walk(&a, &q, Vec3::X) {
                Step::OnBone(next) => q = next,
                Step::SlippedOff(off) => {
                    assert_eq!(Contact::of(&a, &off), Contact::Soft);
                    slipped = Some(i);
                    break;
                }
                Step::Blocked => panic!("nothing rises medially"),
            }
        }
        assert!(slipped.is_some_and(|i| i < 15), "{slipped:?}");
    }
}
