//! Skin, subcutaneous fat and muscle: layers laid over a smooth envelope of the skeleton.

use super::pelvis::TubeShape;
use crate::geometry::sdf;
use glam::Vec3;

/// Layer thickness at one place, already adjusted for the patient's BMI.
#[derive(Clone, Copy, Debug)]
pub struct Layers {
    pub skin: f32,
    pub fat: f32,
    pub muscle: f32,
}

impl Layers {
    pub fn total(&self) -> f32 {
        self.skin + self.fat + self.muscle
    }
}

/// exp(-9): an anchor's weight at three blend radii, where it is dropped.
const CUTOFF_WEIGHT: f32 = 1.2341e-4;
/// Anchors this close to the midline (mm) are the midline's own and have no mirror image.
const MIDLINE_MM: f32 = 1.0;
/// Even under a dimple some fat is left (mm).
const MIN_FAT: f32 = 1.0;

#[derive(Clone, Debug)]
pub struct SoftTissue {
    /// Left-side and midline anchors in reference coordinates, with their layers.
    pub anchors: Vec<(Vec3, Layers)>,
    pub background: Layers,
    pub inv_radius2: f32,
    pub trunk_centre: Vec3,
    pub trunk_radii: Vec3,
    pub thigh: TubeShape,
    pub blend: f32,
    pub dimple: Option<Tether>,
    pub cleft: Option<Cleft>,
}

/// The natal cleft as the patient has it (reference millimetres, depth already scaled for
/// the fat): a wedge about the midline whose floor follows the skin `depth` under it.
#[derive(Clone, Copy, Debug)]
pub struct Cleft {
    pub top_z: f32,
    pub ramp: f32,
    pub depth: f32,
    pub cos: f32,
    pub sin: f32,
    /// The cleft fades in behind this y, so the belly's midline keeps its skin.
    pub front_y: f32,
}

/// Over this many mm behind `front_y` the cleft comes to its full depth.
const CLEFT_FADE_MM: f32 = 30.0;

impl Cleft {
    /// Signed distance (a bound) to the groove, negative inside it, and the groove's depth
    /// there; none where it has no depth. `skin` is the skin's signed distance without the
    /// cleft and `scale` turns reference into patient mm.
    pub fn sdf(&self, q: Vec3, skin: f32, scale: f32) -> Option<(f32, f32)> {
        let down = ((self.top_z - q.z) / self.ramp).clamp(0.0, 1.0);
        let back = ((self.front_y - q.y) / CLEFT_FADE_MM).clamp(0.0, 1.0);
        let depth = self.depth * down * down * (3.0 - 2.0 * down) * back;
        (depth > 0.0).then(|| {
            // Across the groove (u) and up from its floor (t). Below the floor the nearest
            // point of the wedge is its apex, not its walls drawn on past it: without that,
            // the field inside the body jumped where the cleft begins.
            let (u, t) = (q.x.abs() * scale, depth + skin);
            let d = if u * self.sin + t * self.cos >= 0.0 {
                u * self.cos - t * self.sin
            } else {
                u.hypot(t)
            };
            (d, depth)
        })
    }
}

/// A dimple as the patient has it: centre on the bone, outward axis, 1/radius², depth (mm,
/// already faded for BMI).
#[derive(Clone, Copy, Debug)]
pub struct Tether {
    pub centre: Vec3,
    pub axis: Vec3,
    pub inv_radius2: f32,
    pub depth: f32,
}

impl Tether {
    /// How much thinner the fat is at `p` (mm).
    fn thinning(&self, p: Vec3) -> f32 {
        let d = p - self.centre;
        let along = d.dot(self.axis);
        // Behind the bone (the axis runs on through the pelvis) there is no dimple.
        if along < -20.0 {
            return 0.0;
        }
        let r2 = (d - self.axis * along).length_squared() * self.inv_radius2;
        if r2 > 9.0 {
            return 0.0;
        }
        self.depth * ((-r2).exp() - CUTOFF_WEIGHT)
    }
}

impl SoftTissue {
    /// Layer thicknesses at a (left-side, reference) point: a Gaussian blend of the anchors.
    pub fn layers(&self, p: Vec3) -> Layers {
        let mut wsum = 0.02;
        let mut fat = self.background.fat * wsum;
        let mut muscle = self.background.muscle * wsum;
        // `p` is folded onto the left; the right side's anchors still reach it across the
        // midline, and counting them keeps the layers smooth there instead of creasing.
        let mirrored = Vec3::new(-p.x, p.y, p.z);
        for (a, l) in &self.anchors {
            let own = (p - *a).length_squared();
            let other = if a.x < -MIDLINE_MM {
                (mirrored - *a).length_squared()
            } else {
                f32::INFINITY
            };
            for d2 in [own, other] {
                let d2 = d2 * self.inv_radius2;
                if d2 > 9.0 {
                    continue;
                }
                // Shifted so that the weight reaches zero at the cut-off, keeping the field
                // continuous.
                let w = (-d2).exp() - CUTOFF_WEIGHT;
                wsum += w;
                fat += l.fat * w;
                muscle += l.muscle * w;
            }
        }
        let thinning = self.dimple.map(|t| t.thinning(p)).unwrap_or(0.0);
        Layers {
            skin: self.background.skin,
            fat: (fat / wsum - thinning).max(MIN_FAT),
            muscle: muscle / wsum,
        }
    }

    /// The natal cleft's signed distance at `q`, given the skin's without it, and its depth
    /// there (none where the preset has no cleft or the cleft no depth).
    pub fn cleft(&self, q: Vec3, skin: f32, scale: f32) -> Option<(f32, f32)> {
        self.cleft.and_then(|c| c.sdf(q, skin, scale))
    }

    /// The body's deep envelope: bones, trunk and thighs blended into one smooth shape.
    pub fn envelope(&self, bones: f32, p: Vec3) -> f32 {
        let trunk = sdf::ellipsoid(p, self.trunk_centre, self.trunk_radii);
        let thigh = self.thigh.sdf(p, 200.0);
        let deep = sdf::smooth_min(trunk, thigh, self.blend);
        sdf::smooth_min(bones, deep, self.blend)
    }
}
