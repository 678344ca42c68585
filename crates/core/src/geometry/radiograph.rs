//! Digitally reconstructed radiographs: X-rays projected through the anatomy as a C-arm takes
//! them, the first step of fluoroscopic guidance (docs/technique.md). Each pixel is the line
//! integral of attenuation along a parallel beam; the needle's steel is added where it lies.

use crate::anatomy::Anatomy;
use crate::tissue::Tissue;
use glam::{Quat, Vec3};

/// Linear attenuation at 60 keV (per mm), from the NIST mass attenuation coefficients and
/// ICRU densities: water 0.0206, adipose 0.0186, muscle 0.0215, cortical bone 0.0604.
/// Cancellous bone with red marrow (0.028) and the sacrum's mix of both (0.04) are estimates.
pub fn attenuation(t: Tissue) -> f32 {
    match t {
        Tissue::Air => 0.0,
        Tissue::Fat => 0.0186,
        Tissue::Cortex => 0.0604,
        Tissue::Sacrum => 0.04,
        Tissue::Marrow => 0.028,
        Tissue::PelvicCavity => 0.0206,
        _ => 0.0215,
    }
}
/// The needle's steel (per mm), over a chord of its 3 mm shaft.
const STEEL: f32 = 0.9;

/// The C-arm's classic views of the pelvis for a prone or supine patient.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    /// Front to back.
    Ap,
    /// From the patient's left.
    Lateral,
    /// Tilted 40° toward the feet: the pelvic ring seen from above.
    Inlet,
    /// Tilted 40° toward the head: the sacrum and its foramina face on.
    Outlet,
}

/// A detector: its centre, axes and size; the beam runs along `beam`.
#[derive(Clone, Copy, Debug)]
pub struct Projection {
    pub centre: Vec3,
    pub right: Vec3,
    pub up: Vec3,
    pub beam: Vec3,
    pub width: usize,
    pub height: usize,
    pub mm_per_px: f32,
}

impl Projection {
    /// A view of the pelvis centred between the hip joints.
    pub fn of(anatomy: &Anatomy, view: View, width: usize, height: usize) -> Projection {
        let centre = match (
            anatomy.landmark("acetabulum_left"),
            anatomy.landmark("acetabulum_right"),
        ) {
            (Some(l), Some(r)) => (l + r) * 0.5 + Vec3::Z * 20.0,
            _ => Vec3::ZERO,
        };
        let (beam, up) = match view {
            View::Ap => (Vec3::NEG_Y, Vec3::Z),
            View::Lateral => (Vec3::X, Vec3::Z),
            View::Inlet => tilt(40.0),
            View::Outlet => tilt(-40.0),
        };
        Projection {
            centre,
            // Radiographs are read as if facing the patient: their right on the image's left.
            right: beam.cross(up).normalize(),
            up,
            beam,
            width,
            height,
            mm_per_px: 300.0 / width.max(1) as f32,
        }
    }

    /// A C-arm's view: the AP beam turned `orbit_deg` about the body's long axis (the source
    /// toward the patient's left for a positive angle) and tilted `tilt_deg` toward the feet
    /// (an inlet view; negative for an outlet view), centred as [`Projection::of`] is.
    pub fn c_arm(
        anatomy: &Anatomy,
        orbit_deg: f32,
        tilt_deg: f32,
        width: usize,
        height: usize,
    ) -> Projection {
        let r = Quat::from_rotation_z(orbit_deg.to_radians())
            * Quat::from_rotation_x(tilt_deg.to_radians());
        let (beam, up) = (r * Vec3::NEG_Y, r * Vec3::Z);
        Projection {
            right: beam.cross(up).normalize(),
            up,
            beam,
            ..Projection::of(anatomy, View::Ap, width, height)
        }
    }

    /// The pixel (column, row) a point projects to, if it is on the detector.
    pub fn pixel(&self, p: Vec3) -> Option<(usize, usize)> {
        let d = p - self.centre;
        let col = d.dot(self.right) / self.mm_per_px + self.width as f32 * 0.5;
        let row = self.height as f32 * 0.5 - d.dot(self.up) / self.mm_per_px;
        (col >= 0.0 && row >= 0.0 && col < self.width as f32 && row < self.height as f32)
            .then_some((col as usize, row as usize))
    }

    fn ray(&self, col: usize, row: usize) -> (Vec3, Vec3) {
        let x = (col as f32 + 0.5 - self.width as f32 * 0.5) * self.mm_per_px;
        let y = (self.height as f32 * 0.5 - row as f32 - 0.5) * self.mm_per_px;
        let at = self.centre + self.right * x + self.up * y;
        (at - self.beam * REACH_MM, at + self.beam * REACH_MM)
    }
}

/// The beam tilted `deg` toward the feet from front to back, the detector's up turning with it.
fn tilt(deg: f32) -> (Vec3, Vec3) {
    let r = Quat::from_rotation_x(deg.to_radians());
    (r * Vec3::NEG_Y, r * Vec3::Z)
}

/// The finest step along a ray (mm): a layer thinner than this may be missed, as a
/// radiograph's resolution would blur it anyway.
const STEP_MM: f32 = 1.0;
/// How far either side of the detector's plane the beam is followed (mm).
const REACH_MM: f32 = 180.0;

/// The line integrals of attenuation, row by row, with the needle's cannula (hub end to tip)
/// if given.
/// Rows are shared out over the machine's cores; every pixel is its own, so the image is the
/// same on any number of them.
pub fn drr(anatomy: &Anatomy, p: &Projection, needle: Option<(Vec3, Vec3)>) -> Vec<f32> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(p.height.max(1));
    let rows_each = p.height.div_ceil(threads);
    let mut out = vec![0.0; p.width * p.height];
    std::thread::scope(|scope| {
        for (k, chunk) in out.chunks_mut(rows_each * p.width).enumerate() {
            scope.spawn(move || {
                for (i, v) in chunk.iter_mut().enumerate() {
                    let (row, col) = (k * rows_each + i / p.width, i % p.width);
                    let (a, b) = p.ray(col, row);
                    let mut sum: f32 = anatomy
                        .intervals(a, b, STEP_MM)
                        .iter()
                        .map(|iv| attenuation(iv.tissue) * iv.length())
                        .sum();
                    if let Some((hub, tip)) = needle {
                        sum += steel_along(a, b, hub, tip);
                    }
                    *v = sum;
                }
            });
        }
    });
    out
}

/// The anatomy's line integrals `base` (from [`drr`] without a needle) with the needle's
/// steel from `hub` to `tip` added: a shot costs only the needle once its view is known.
pub fn with_needle(base: &[f32], p: &Projection, hub: Vec3, tip: Vec3) -> Vec<f32> {
    let mut out = base.to_vec();
    for (i, v) in out.iter_mut().enumerate() {
        let (a, b) = p.ray(i % p.width.max(1), i / p.width.max(1));
        *v += steel_along(a, b, hub, tip);
    }
    out
}

/// Where the cannula of a needle `length` mm long ends at the hub, for a pose: a shot shows
/// the whole of it, the part still outside the skin too.
pub fn hub_of(pose: &crate::needle::Pose, length: f32) -> Vec3 {
    pose.tip() - pose.direction.normalize_or_zero() * length
}

/// Steel the ray `a`→`b` crosses in the needle's cannula, a cylinder of 1.5 mm radius from
/// `hub` to `tip`: the length of the ray inside it. A ray along the needle crosses all of it,
/// so a needle aimed down the beam shows as a bright dot, as on a C-arm's monitor.
fn steel_along(a: Vec3, b: Vec3, hub: Vec3, tip: Vec3) -> f32 {
    const RADIUS: f32 = 1.5;
    let (ray, axis) = (b - a, tip - hub);
    let (reach, len) = (ray.length(), axis.length());
    if reach < 1e-6 || len < 1e-3 {
        return 0.0;
    }
    let (d, u) = (ray / reach, axis / len);
    let (mut lo, mut hi) = (0.0f32, reach);
    // Between the planes square to the axis at the hub and the tip.
    let (w, du) = ((a - hub).dot(u), d.dot(u));
    if du.abs() < 1e-7 {
        if !(0.0..=len).contains(&w) {
            return 0.0;
        }
    } else {
        let (s0, s1) = (-w / du, (len - w) / du);
        (lo, hi) = (lo.max(s0.min(s1)), hi.min(s0.max(s1)));
    }
    // Within the radius of the axis: a quadratic in the distance along the ray.
    let (m, e) = ((a - hub) - u * w, d - u * du);
    let (qa, qb, qc) = (e.dot(e), 2.0 * m.dot(e), m.dot(m) - RADIUS * RADIUS);
    if qa < 1e-12 {
        if qc > 0.0 {
            return 0.0;
        }
    } else {
        let disc = qb * qb - 4.0 * qa * qc;
        if disc <= 0.0 {
            return 0.0;
        }
        let root = disc.sqrt();
        lo = lo.max((-qb - root) / (2.0 * qa));
        hi = hi.min((-qb + root) / (2.0 * qa));
    }
    STEEL * (hi - lo).max(0.0)
}

/// 8-bit grey levels as a radiograph shows them (bone and steel white), windowed between the
/// 2nd and the 99.8th percentile of the line integrals.
pub fn to_grey(sums: &[f32]) -> Vec<u8> {
    let mut sorted: Vec<f32> = sums.to_vec();
    sorted.sort_by(f32::total_cmp);
    let at = |q: f32| sorted[((sorted.len() - 1) as f32 * q) as usize];
    let (lo, hi) = (at(0.02), at(0.998));
    let span = (hi - lo).max(1e-3);
    sums.iter()
        .map(|&v| (255.0 * ((v - lo) / span).clamp(0.0, 1.0)) as u8)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::anatomy::{Patient, Sex};

    #[test]
    fn bone_shows_whiter_than_soft_tissue_and_the_needle_shows_at_all() {
        let a = Anatomy::build(&Patient::average("adult_male", Sex::Male)).unwrap();
        let p = Projection::of(&a, View::Ap, 60, 50);
        let plain = drr(&a, &p, None);
        let pixel = |v: Vec3| {
            let d = v - p.centre;
            let col = (d.dot(p.right) / p.mm_per_px + p.width as f32 * 0.5) as usize;
            let row = (p.height as f32 * 0.5 - d.dot(p.up) / p.mm_per_px) as usize;
            row * p.width + col
        };
        let wing = pixel(a.landmark("iliac_crest_top_left").unwrap() + Vec3::NEG_Z * 30.0);
        let (col, row) = (wing % p.width, wing / p.width);
        let (from, to) = p.ray(col, row);
        let iv = a.intervals(from, to, 0.5);
        assert!(
            iv.iter().any(|i| i.tissue == Tissue::Cortex),
            "the ray crosses the wing"
        );
        let bone_as_muscle: f32 = iv
            .iter()
            .map(|i| match i.tissue {
                t if t.is_bone() => attenuation(Tissue::Muscle) * i.length(),
                t => attenuation(t) * i.length(),
            })
            .sum();
        assert!(
            plain[wing] > bone_as_muscle + 0.1,
            "{} vs {bone_as_muscle}",
            plain[wing]
        );
        let grey = to_grey(&plain);
        assert!(grey.contains(&255) && grey.contains(&0));
        let psis = a.landmark("psis_left").unwrap();
        let asis = a.landmark("asis_left").unwrap();
        let (entry, tip) = (
            psis + Vec3::NEG_Y * 30.0,
            psis + (asis - psis).normalize() * 40.0,
        );
        let close = Projection {
            centre: (entry + tip) * 0.5,
            width: 60,
            height: 60,
            mm_per_px: 1.0,
            ..p
        };
        let without = drr(&a, &close, None);
        let with = drr(&a, &close, Some((entry, tip)));
        let changed = without.iter().zip(&with).filter(|(x, y)| x != y).count();
        assert!(
            changed > 40,
            "the needle shows along its shadow: {changed} pixels"
        );
        assert_eq!(
            with,
            drr(&a, &close, Some((entry, tip))),
            "the same every time"
        );
        assert_eq!(
            with_needle(&without, &close, entry, tip),
            with,
            "a shot is the view's anatomy plus the needle"
        );
    }

    /// The steel a ray crosses is its length inside the cannula: the shaft's width across it,
    /// the whole needle along it (the bull's-eye of a needle aimed down the beam), nothing
    /// beside it or past its ends.
    #[test]
    fn steel_is_the_ray_inside_the_cannula() {
        let (hub, tip) = (Vec3::new(0.0, 0.0, 100.0), Vec3::ZERO);
        let through = |a: Vec3, b: Vec3| steel_along(a, b, hub, tip) / STEEL;
        let close = |x: f32, want: f32| assert!((x - want).abs() < 1e-3, "{x} vs {want}");
        // Across the shaft at its middle, through the axis and 1 mm off it.
        let across = |y: f32| through(Vec3::new(-50.0, y, 50.0), Vec3::new(50.0, y, 50.0));
        close(across(0.0), 3.0);
        close(across(1.0), 2.0 * (1.5f32 * 1.5 - 1.0).sqrt());
        close(across(1.6), 0.0);
        // Down the axis, either way, and just beside the shaft.
        let down = |x: f32| through(Vec3::new(x, 0.0, 300.0), Vec3::new(x, 0.0, -300.0));
        close(down(0.0), 100.0);
        close(
            through(Vec3::new(0.5, 0.0, -300.0), Vec3::new(0.5, 0.0, 300.0)),
            100.0,
        );
        close(down(1.6), 0.0);
        // At 45° through the middle of the axis: the chord over the sine.
        let s = std::f32::consts::FRAC_1_SQRT_2;
        let slant = through(
            Vec3::new(-100.0 * s, 0.0, 50.0 - 100.0 * s),
            Vec3::new(100.0 * s, 0.0, 50.0 + 100.0 * s),
        );
        close(slant, 3.0 / s);
        // Past the tip, and a ray stopping short of the needle.
        close(
            through(Vec3::new(-50.0, 0.0, -5.0), Vec3::new(50.0, 0.0, -5.0)),
            0.0,
        );
        close(
            through(Vec3::new(0.0, 0.0, 300.0), Vec3::new(0.0, 0.0, 150.0)),
            0.0,
        );
        // A needle of no length is not there.
        assert_eq!(steel_along(Vec3::ZERO, Vec3::X, tip, tip), 0.0);
    }

    #[test]
    fn a_c_arm_at_zero_is_the_ap_view_and_turns_as_its_angles_say() {
        let a = Anatomy::build(&Patient::average("adult_male", Sex::Male)).unwrap();
        let ap = Projection::of(&a, View::Ap, 40, 40);
        let zero = Projection::c_arm(&a, 0.0, 0.0, 40, 40);
        assert!((zero.beam - ap.beam).length() < 1e-6 && (zero.right - ap.right).length() < 1e-6);
        let inlet = Projection::c_arm(&a, 0.0, 40.0, 40, 40);
        let reference = Projection::of(&a, View::Inlet, 40, 40);
        assert!((inlet.beam - reference.beam).length() < 1e-6);
        // Orbiting toward the left brings the source to the patient's left (x < 0).
        let source = -Projection::c_arm(&a, 30.0, 0.0, 40, 40).beam;
        assert!(source.x < -0.4 && source.y > 0.8, "{source}");
        let psis = a.landmark("psis_left").unwrap();
        let (col, row) = ap.pixel(psis).expect("the PSIS is in the field");
        assert!(
            col > 20,
            "the patient's left is on the image's right: column {col}"
        );
        assert!(row < 40 && ap.pixel(psis + Vec3::X * 1000.0).is_none());
    }
}
