//! The published figures, measured on an instance the way the studies measured them.

use super::{Anatomy, Interval};
use crate::tissue::Tissue;
use glam::Vec3;
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct Dimensions {
    pub inter_asis: f32,
    pub inter_psis: f32,
    pub inter_aiis: f32,
    pub intercristal: f32,
    pub interspinous: f32,
    pub true_conjugate: f32,
    pub asis_psis_tilt_deg: f32,
    /// The same on the right side: the sides differ by the patient's innominate rotation.
    pub asis_psis_tilt_right_deg: f32,
    /// Angle of the PSIS→ASIS line lateral of straight-in (anterior), seen from above.
    pub psis_to_asis_lateral_deg: f32,
    pub psis_table_width: f32,
    pub marrow_run_psis_to_asis: f32,
    pub narrowest_marrow_gap: f32,
    pub notch_from_psis: f32,
    pub si_joint_from_psis: f32,
    pub straight_in_to_si_joint: f32,
    pub soft_tissue_psis: f32,
    pub soft_tissue_asis: f32,
}

/// Length of the first run of `tissue` after the first bone contact, and where it starts.
pub fn first_run_after_bone(intervals: &[Interval], tissue: Tissue) -> Option<(f32, f32)> {
    let bone_start = intervals.iter().position(|i| i.tissue.is_bone())?;
    intervals[bone_start..]
        .iter()
        .find(|i| i.tissue == tissue)
        .map(|i| (i.start, i.length()))
}

impl Anatomy {
    /// Outward normal of the bone at a point (the distance field's gradient).
    pub fn bone_normal(&self, p: Vec3) -> Vec3 {
        let e = 0.25;
        let d = |o: Vec3| self.bone_sdf(p + o) - self.bone_sdf(p - o);
        Vec3::new(d(Vec3::X * e), d(Vec3::Y * e), d(Vec3::Z * e)).normalize_or(Vec3::Y)
    }

    /// The wing's lateral normal on one side, in patient space.
    pub fn wing_normal(&self, left: bool) -> Vec3 {
        let n = self.pelvis.wing.e_n;
        let n = if left { n } else { Vec3::new(-n.x, n.y, n.z) };
        (self.rotation_quat() * (n / self.scale_vec())).normalize()
    }

    /// Straight-line distance from `p` to the nearest point of `tissue` (searched over 600
    /// directions up to `max` mm); `max` when none is found.
    pub fn nearest(&self, p: Vec3, tissue: Tissue, max: f32) -> f32 {
        let n = 600;
        let golden = std::f32::consts::PI * (3.0 - 5f32.sqrt());
        let mut best = max;
        for i in 0..n {
            let z = 1.0 - 2.0 * (i as f32 + 0.5) / n as f32;
            let r = (1.0 - z * z).sqrt();
            let a = golden * i as f32;
            let dir = Vec3::new(r * a.cos(), r * a.sin(), z);
            let iv = self.intervals(p, p + dir * best, 0.25);
            if let Some(hit) = iv.iter().find(|i| i.tissue == tissue) {
                best = best.min(hit.start);
            }
        }
        best
    }

    /// Skin-to-bone depth along the bone's outward normal at a landmark.
    pub fn soft_tissue_depth(&self, landmark: Vec3) -> f32 {
        let n = self.bone_normal(landmark);
        let iv = self.intervals(landmark + n * 0.3, landmark + n * 150.0, 0.25);
        iv.iter()
            .find(|i| i.tissue == Tissue::Air)
            .map(|i| i.start + 0.3)
            .unwrap_or(150.0)
    }

    /// The true (obstetric) conjugate: the shortest line in the midsagittal plane from the
    /// sacral promontory to the back of the pubic symphysis. Rays fan out from the promontory
    /// 40° either side of the line to the symphysis's centre; the nearest pubic bone they meet
    /// is the symphysis's upper posterior border.
    pub fn true_conjugate(&self) -> f32 {
        let (Some(promontory), Some(symphysis)) = (
            self.landmark("sacral_promontory"),
            self.landmark("pubic_symphysis"),
        ) else {
            return f32::NAN;
        };
        let to = (symphysis - promontory).normalize_or_zero();
        let mut best = (symphysis - promontory).length();
        for k in -40..=40 {
            let dir = glam::Quat::from_rotation_x((k as f32).to_radians()) * to;
            let from = promontory + dir * 3.0;
            let iv = self.intervals(from, from + dir * 200.0, 0.25);
            let hit = iv
                .iter()
                .find(|i| {
                    matches!(
                        i.tissue,
                        Tissue::Cortex | Tissue::Marrow | Tissue::Symphysis
                    )
                })
                .map(|i| from + dir * i.start);
            if let Some(h) = hit.filter(|h| (*h - symphysis).length() < 40.0) {
                best = best.min((h - promontory).length());
            }
        }
        best
    }

    pub fn dimensions(&self) -> Dimensions {
        let l = |n: &str| self.landmark(n).unwrap_or(Vec3::ZERO);
        let (asis, psis) = (l("asis_left"), l("psis_left"));
        let dir = (asis - psis).normalize();
        let horiz = Vec3::new(asis.x - psis.x, asis.y - psis.y, 0.0).length();
        let run = {
            let iv = self.intervals(psis - dir * 40.0, psis + dir * 140.0, 0.25);
            first_run_after_bone(&iv, Tissue::Marrow)
        };
        let marrow_run = run.map(|r| r.1).unwrap_or(0.0);
        let normal = self.wing_normal(true);
        let gap = |p: Vec3| -> f32 {
            let iv = self.intervals(p - normal * 40.0, p + normal * 40.0, 0.1);
            iv.iter()
                .find(|i| i.tissue == Tissue::Marrow && i.start <= 40.0 && i.end >= 40.0)
                .map(|i| i.length())
                .unwrap_or(0.0)
        };
        let narrowest = match run {
            Some((start, len)) if len > 12.0 => {
                let from = start - 40.0;
                let mut best = f32::INFINITY;
                // The first 10 mm are the PSIS's narrow tip (its table width, measured apart).
                let mut s = from + 10.0;
                while s < from + len - 5.0 {
                    best = best.min(gap(psis + dir * s));
                    s += 2.0;
                }
                best
            }
            _ => 0.0,
        };
        let table = {
            let p = psis + dir * 2.0;
            let iv = self.intervals(p - normal * 30.0, p + normal * 30.0, 0.1);
            let bone: f32 = iv
                .iter()
                .filter(|i| matches!(i.tissue, Tissue::Cortex | Tissue::Marrow))
                .map(|i| i.length())
                .sum();
            bone
        };
        let straight = {
            let iv = self.intervals(psis - Vec3::Y * 20.0, psis + Vec3::Y * 80.0, 0.25);
            let bone = iv.iter().find(|i| i.tissue.is_bone()).map(|i| i.start);
            let joint = iv
                .iter()
                .find(|i| matches!(i.tissue, Tissue::SiJoint | Tissue::Sacrum))
                .map(|i| i.start);
            match (bone, joint) {
                (Some(b), Some(j)) => j - b,
                _ => f32::INFINITY,
            }
        };
        Dimensions {
            inter_asis: (l("asis_left") - l("asis_right")).length(),
            inter_psis: (l("psis_left") - l("psis_right")).length(),
            inter_aiis: (l("aiis_left") - l("aiis_right")).length(),
            intercristal: (l("iliac_tubercle_left") - l("iliac_tubercle_right")).length(),
            interspinous: (l("ischial_spine_left") - l("ischial_spine_right")).length(),
            true_conjugate: self.true_conjugate(),
            asis_psis_tilt_deg: (psis.z - asis.z).atan2(horiz).to_degrees(),
            asis_psis_tilt_right_deg: {
                let (asis, psis) = (l("asis_right"), l("psis_right"));
                let horiz = Vec3::new(asis.x - psis.x, asis.y - psis.y, 0.0).length();
                (psis.z - asis.z).atan2(horiz).to_degrees()
            },
            psis_to_asis_lateral_deg: (psis.x - asis.x).abs().atan2(asis.y - psis.y).to_degrees(),
            psis_table_width: table,
            marrow_run_psis_to_asis: marrow_run,
            narrowest_marrow_gap: narrowest,
            notch_from_psis: (l("sciatic_notch_left") - psis).length(),
            si_joint_from_psis: self.nearest(psis, Tissue::SiJoint, 80.0),
            straight_in_to_si_joint: straight,
            soft_tissue_psis: self.soft_tissue_depth(psis),
            soft_tissue_asis: self.soft_tissue_depth(asis),
        }
    }
}
