//! The needle: its pose, the timeline of an insertion, and what happened along it; how it
//! feels going in (`insertion`), and one attempt as it happens (`session`).

pub mod insertion;
pub mod session;
pub mod technique;

use crate::anatomy::{Anatomy, Hazard};
use crate::tissue::Tissue;
use glam::Vec3;
use serde::{Deserialize, Serialize};

/// Where the needle is: its skin entry point, its unit direction and how far it is in (mm).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Pose {
    pub entry: Vec3,
    pub direction: Vec3,
    pub depth: f32,
}

impl Pose {
    pub fn tip(&self) -> Vec3 {
        self.entry + self.direction * self.depth
    }
}

/// One moment of the timeline.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    /// Seconds from the start of the attempt.
    pub t: f32,
    pub entry: (f32, f32, f32),
    pub direction: (f32, f32, f32),
    pub depth: f32,
}

impl Sample {
    pub fn new(t: f32, pose: Pose) -> Sample {
        let d = pose.direction.normalize_or(Vec3::Y);
        Sample {
            t,
            entry: pose.entry.into(),
            direction: d.into(),
            depth: pose.depth,
        }
    }

    pub fn pose(&self) -> Pose {
        Pose {
            entry: self.entry.into(),
            direction: Vec3::from(self.direction).normalize_or(Vec3::Y),
            depth: self.depth,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum EventKind {
    SkinPuncture,
    CortexContact,
    CortexPenetration,
    MarrowEntry,
    Withdrawal,
    Reinsertion,
    HazardContact(Hazard),
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub t: f32,
    pub kind: EventKind,
    /// Needle depth (mm past the entry point) when it happened.
    pub depth: f32,
}

/// What the timeline adds up to.
#[derive(Clone, Debug, Default)]
pub struct Replay {
    pub events: Vec<Event>,
    /// Distance the tip travelled inside the body (mm).
    pub path_in_tissue: f32,
    /// Area swept by the shaft inside the body (mm², as PerkTutor computes it).
    pub tissue_damage: f32,
    pub elapsed: f32,
}

impl Replay {
    pub fn count(&self, kind: EventKind) -> usize {
        self.events.iter().filter(|e| e.kind == kind).count()
    }
}

/// Depth changes smaller than this are hand tremor, not a withdrawal or a reinsertion (mm).
const MOTION_THRESHOLD: f32 = 2.0;

pub fn hazard_of(t: Tissue) -> Option<Hazard> {
    Some(match t {
        Tissue::SciaticNerve => Hazard::SciaticNerve,
        Tissue::SuperiorGlutealArtery => Hazard::SuperiorGlutealArtery,
        Tissue::Lfcn => Hazard::Lfcn,
        Tissue::PelvicCavity => Hazard::PelvicCavity,
        Tissue::SiJoint => Hazard::SiJoint,
        Tissue::Sacrum | Tissue::SacralCanal => Hazard::Sacrum,
        _ => return None,
    })
}

/// Where the shaft first meets the body, as a distance from the entry point.
pub fn skin_depth(anatomy: &Anatomy, pose: &Pose) -> Option<f32> {
    let iv = anatomy.intervals(pose.entry, pose.tip(), 0.25);
    iv.iter().find(|i| i.tissue != Tissue::Air).map(|i| i.start)
}

/// Replays a timeline against the anatomy: events, path in tissue and tissue damage.
pub fn replay(anatomy: &Anatomy, timeline: &[Sample]) -> Replay {
    let mut out = Replay::default();
    let Some(first) = timeline.first() else {
        return out;
    };
    out.elapsed = timeline.last().map(|s| s.t - first.t).unwrap_or(0.0);
    let mut prev = first.pose();
    let mut prev_t = first.t;
    let mut prev_tissue = anatomy.tissue_at(prev.tip());
    let mut inserted = prev_tissue != Tissue::Air;
    let mut max_depth = prev.depth;
    let mut withdrawn = false;
    let mut punctured_skin = inserted;
    if inserted {
        out.events.push(Event {
            t: first.t,
            kind: EventKind::SkinPuncture,
            depth: prev.depth,
        });
    }
    let mut prev_base = shaft_base(anatomy, &prev);
    let mut prev_on_bone = technique::Contact::of(anatomy, &prev) == technique::Contact::OnBone;

    for s in &timeline[1..] {
        let pose = s.pose();
        let moved_entry = (pose.entry - prev.entry).length() > MOTION_THRESHOLD;
        let (a, b) = (prev.tip(), pose.tip());
        let step = (b - a).length();
        let iv = anatomy.intervals(a, b, 0.25);
        for piece in &iv {
            let t = piece.tissue;
            if t != Tissue::Air {
                out.path_in_tissue += piece.length();
            }
            if t == prev_tissue {
                continue;
            }
            let frac = if step > 0.0 { piece.start / step } else { 1.0 };
            let depth = prev.depth + (pose.depth - prev.depth) * frac;
            let at = prev_t + (s.t - prev_t) * frac;
            let mut push = |kind| out.events.push(Event { t: at, kind, depth });
            if prev_tissue == Tissue::Air && t != Tissue::Air {
                if punctured_skin && (withdrawn || moved_entry) {
                    push(EventKind::Reinsertion);
                    withdrawn = false;
                    max_depth = depth;
                }
                push(EventKind::SkinPuncture);
                punctured_skin = true;
            }
            if t == Tissue::Cortex && !prev_tissue.is_bone() {
                push(EventKind::CortexContact);
            }
            if prev_tissue == Tissue::Cortex && t != Tissue::Cortex && pose.depth > prev.depth {
                push(EventKind::CortexPenetration);
            }
            if t == Tissue::Marrow {
                push(EventKind::MarrowEntry);
            }
            if let Some(h) = hazard_of(t) {
                push(EventKind::HazardContact(h));
            }
            prev_tissue = t;
        }
        inserted = prev_tissue != Tissue::Air;
        if pose.depth < max_depth - MOTION_THRESHOLD && !withdrawn {
            withdrawn = true;
            out.events.push(Event {
                t: s.t,
                kind: EventKind::Withdrawal,
                depth: pose.depth,
            });
        }
        if withdrawn && inserted && pose.depth > prev.depth + MOTION_THRESHOLD * 0.5 {
            let last_withdraw = out
                .events
                .iter()
                .rev()
                .find(|e| e.kind == EventKind::Withdrawal)
                .map(|e| e.depth)
                .unwrap_or(0.0);
            if pose.depth > last_withdraw + MOTION_THRESHOLD {
                out.events.push(Event {
                    t: s.t,
                    kind: EventKind::Reinsertion,
                    depth: pose.depth,
                });
                withdrawn = false;
            }
        }
        max_depth = if withdrawn {
            max_depth
        } else {
            max_depth.max(pose.depth)
        };

        let base = shaft_base(anatomy, &pose);
        let on_bone = technique::Contact::of(anatomy, &pose) == technique::Contact::OnBone;
        if let (Some(b0), Some(b1), false) = (prev_base, base, on_bone && prev_on_bone) {
            let (t0, t1) = (prev.tip(), pose.tip());
            let area =
                0.5 * (t0 - b0).cross(t1 - b0).length() + 0.5 * (t1 - b0).cross(b1 - b0).length();
            out.tissue_damage += area;
        }
        prev_base = base;
        prev_on_bone = on_bone;
        prev = pose;
        prev_t = s.t;
    }
    out
}

/// Where the shaft enters the body, if the tip is inside it.
fn shaft_base(anatomy: &Anatomy, pose: &Pose) -> Option<Vec3> {
    let d = skin_depth(anatomy, pose)?;
    Some(pose.entry + pose.direction * d)
}

/// Closest approach (mm, negative inside) of the shaft to each of `hazards`, to within
/// 0.25 mm: the shaft is sphere-traced by the nearest of them.
pub fn closest_approaches(anatomy: &Anatomy, hazards: &[Hazard], pose: &Pose) -> Vec<f32> {
    // A 0.25 mm step along the longest needle a scene allows is 800 steps; the cap only
    // stops a pose no scene allows from spinning.
    const MAX_STEPS: usize = 1 << 14;
    let index: Vec<usize> = hazards
        .iter()
        .map(|h| Hazard::ALL.iter().position(|x| x == h).unwrap_or(0))
        .collect();
    let (a, len) = (pose.entry, pose.depth.max(0.0));
    let mut best = vec![f32::INFINITY; hazards.len()];
    if hazards.is_empty() {
        return best;
    }
    let mut t: f32 = 0.0;
    for _ in 0..MAX_STEPS {
        let all = anatomy.hazard_sdf_all(a + pose.direction * t);
        let mut near = f32::INFINITY;
        for (b, &i) in best.iter_mut().zip(&index) {
            *b = b.min(all[i]);
            near = near.min(all[i].abs());
        }
        let next = (t + (near * 0.8).max(0.25)).min(len);
        if t >= len || next <= t {
            break;
        }
        t = next;
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::default_scenario;

    fn setup() -> (Anatomy, Vec3, Vec3) {
        let scenario = default_scenario();
        let anatomy = Anatomy::build(&scenario.patient(0)).unwrap();
        let zone = scenario.resolve(0, &anatomy).unwrap();
        let entry = zone.ideal_track(&anatomy).0;
        (anatomy, entry, zone.aim)
    }

    fn timeline(entry: Vec3, steps: &[(f32, Vec3, f32)]) -> Vec<Sample> {
        steps
            .iter()
            .map(|&(t, direction, depth)| {
                Sample::new(
                    t,
                    Pose {
                        entry,
                        direction,
                        depth,
                    },
                )
            })
            .collect()
    }

    #[test]
    fn a_withdrawal_and_a_reinsertion_are_found_and_travel_is_counted_both_ways() {
        let (anatomy, entry, aim) = setup();
        let straight = replay(
            &anatomy,
            &timeline(entry, &[(0.0, aim, 0.0), (10.0, aim, 15.0)]),
        );
        assert_eq!(straight.count(EventKind::Withdrawal), 0);
        assert_eq!(straight.count(EventKind::Reinsertion), 0);
        assert!(
            (straight.path_in_tissue - 15.0).abs() < 0.5,
            "{}",
            straight.path_in_tissue
        );
        assert!(straight.tissue_damage < 1.0, "{}", straight.tissue_damage);

        let back_and_in = replay(
            &anatomy,
            &timeline(
                entry,
                &[
                    (0.0, aim, 0.0),
                    (5.0, aim, 15.0),
                    (8.0, aim, 5.0),
                    (12.0, aim, 15.0),
                ],
            ),
        );
        assert_eq!(back_and_in.count(EventKind::Withdrawal), 1);
        assert_eq!(back_and_in.count(EventKind::Reinsertion), 1);
        assert!(
            (back_and_in.path_in_tissue - 35.0).abs() < 1.0,
            "15 in, 10 out, 10 in: {}",
            back_and_in.path_in_tissue
        );
        assert_eq!(back_and_in.elapsed, 12.0);
    }

    #[test]
    fn steering_a_deep_needle_sweeps_tissue() {
        let (anatomy, entry, aim) = setup();
        let side = aim.any_orthonormal_vector();
        let bent = (aim + side * 0.2).normalize();
        let r = replay(
            &anatomy,
            &timeline(
                entry,
                &[(0.0, aim, 0.0), (5.0, aim, 15.0), (6.0, bent, 15.0)],
            ),
        );
        // The shaft pivots about the skin: about half of 15 mm times the tip's 3 mm sweep.
        assert!(
            r.tissue_damage > 10.0 && r.tissue_damage < 60.0,
            "{}",
            r.tissue_damage
        );
    }
}
