//! The bones of the reference pelvis (left side; the right is its mirror image).

use super::preset::{AnatomyPreset, SacralBase, Tube};
use super::wing::{Wing, WingLocal};
use crate::geometry::sdf;
use glam::Vec3;

#[derive(Clone, Debug)]
pub struct TubeShape {
    pub points: Vec<Vec3>,
    pub radii: Vec<f32>,
    min: Vec3,
    max: Vec3,
}

impl TubeShape {
    pub fn new(t: &Tube) -> TubeShape {
        TubeShape::from_points(
            t.points.iter().map(|&p| Vec3::from(p)).collect(),
            t.radii.clone(),
        )
    }

    pub fn from_points(points: Vec<Vec3>, radii: Vec<f32>) -> TubeShape {
        let r = radii.iter().cloned().fold(0.0, f32::max);
        let min = points.iter().fold(Vec3::splat(f32::MAX), |m, &p| m.min(p)) - Vec3::splat(r);
        let max = points.iter().fold(Vec3::splat(f32::MIN), |m, &p| m.max(p)) + Vec3::splat(r);
        TubeShape {
            points,
            radii,
            min,
            max,
        }
    }

    pub fn bounds(&self) -> (Vec3, Vec3) {
        (self.min, self.max)
    }

    /// Distance, or a cheap lower bound once the point is farther than `cutoff`.
    pub fn sdf(&self, p: Vec3, cutoff: f32) -> f32 {
        let bound = sdf::aabb_distance(p, self.min, self.max);
        if bound > cutoff {
            return bound;
        }
        sdf::tapered_tube(p, &self.points, &self.radii)
    }
}

/// The sacral base (`SacralBase`) in the midline frame of the S1 endplate.
#[derive(Clone, Debug)]
struct Base {
    /// The endplate's front edge before rounding.
    corner: Vec3,
    /// The endplate's normal (up and forward) and the direction along it toward the back.
    up: Vec3,
    back: Vec3,
    body_centre: Vec3,
    body_half: Vec3,
    rounding: f32,
    ala_drop: f32,
    canal: TubeShape,
    articular: (Vec3, Vec3),
}

impl Base {
    fn new(b: &SacralBase) -> Base {
        let slope = b.slope_deg.to_radians();
        let up = Vec3::new(0.0, slope.sin(), slope.cos());
        let back = Vec3::new(0.0, -slope.cos(), slope.sin());
        let corner = Vec3::new(0.0, b.promontory[0], b.promontory[1]);
        Base {
            corner,
            up,
            back,
            body_centre: corner + back * (b.body_depth * 0.5) - up * (b.body_height * 0.5),
            body_half: Vec3::new(b.body_half_width, b.body_depth * 0.5, b.body_height * 0.5),
            rounding: b.body_rounding,
            ala_drop: b.ala_drop,
            canal: TubeShape::new(&b.canal),
            articular: (
                Vec3::from(b.articular_process.centre),
                Vec3::from(b.articular_process.radii),
            ),
        }
    }

    /// The point where the rounded edge meets the bisector of the corner.
    fn promontory(&self) -> Vec3 {
        let inset = self.rounding * (1.0 - std::f32::consts::FRAC_1_SQRT_2);
        self.corner + (self.back - self.up) * inset
    }

    fn body(&self, p: Vec3) -> f32 {
        let r = p - self.body_centre;
        let local = Vec3::new(r.x, r.dot(self.back), r.dot(self.up));
        let q = local.abs() - self.body_half + Vec3::splat(self.rounding);
        q.max(Vec3::ZERO).length() + q.max_element().min(0.0) - self.rounding
    }

    /// The canal's contents: the tube below the endplate's plane, outside the bone.
    fn canal_contents(&self, p: Vec3, sacrum: f32) -> f32 {
        if sacrum < -1.0 {
            return -sacrum;
        }
        self.canal
            .sdf(p, 10.0)
            .max((p - self.corner).dot(self.up))
            .max(-sacrum)
    }

    /// The swept sacrum `rest` with its top cut at the alae, the S1 body and the articular
    /// processes added, and the canal hollowed out.
    fn shape(&self, p: Vec3, rest: f32) -> f32 {
        let alae = (p - self.corner).dot(self.up) + self.ala_drop;
        let mut d = rest.max(alae);
        d = sdf::smooth_min(d, self.body(p), 3.0);
        let (c, r) = self.articular;
        d = sdf::smooth_min(d, sdf::ellipsoid(p, c, r), 3.0);
        d.max(-self.canal.sdf(p, -d + 1.0))
    }
}

/// One piece of the sacrum between two centreline points: a rounded box swept along it,
/// with the frame that does not depend on the point computed once.
#[derive(Clone, Debug)]
struct SacralSegment {
    a: Vec3,
    ab: Vec3,
    len: f32,
    t_dir: Vec3,
    depth_dir: Vec3,
    half_width: (f32, f32),
    half_depth: (f32, f32),
}

impl SacralSegment {
    fn new(a: Vec3, b: Vec3, half_width: (f32, f32), half_depth: (f32, f32)) -> SacralSegment {
        let ab = b - a;
        let len = ab.length();
        let t_dir = ab / len;
        SacralSegment {
            a,
            ab,
            len,
            t_dir,
            depth_dir: Vec3::new(0.0, t_dir.z, -t_dir.y),
            half_width,
            half_depth,
        }
    }

    fn sdf(&self, p: Vec3) -> f32 {
        let (len, (w0, w1), (d0, d1)) = (self.len, self.half_width, self.half_depth);
        let t = (p - self.a).dot(self.t_dir) / len;
        let tc = t.clamp(0.0, 1.0);
        let hw = w0 + (w1 - w0) * tc;
        let hd = d0 + (d1 - d0) * tc;
        let c = self.a + self.ab * tc;
        let rel = p - c;
        let along = if t < 0.0 {
            -t * len
        } else if t > 1.0 {
            (t - 1.0) * len
        } else {
            -1e3
        };
        let round = hw.min(hd) * 0.8;
        let q = Vec3::new(
            rel.x.abs() - hw + round,
            rel.dot(self.depth_dir).abs() - hd + round,
            along,
        );
        q.max(Vec3::ZERO).length() + q.max_element().min(0.0) - round
    }
}

/// Distances from one point to each bony part, in reference millimetres.
#[derive(Clone, Copy, Debug)]
pub struct BoneSample {
    /// Ilium, pubis and ischium together (the hip bone), trimmed at the SI joint.
    pub hip_bone: f32,
    pub sacrum: f32,
    /// Signed distance to the SI joint space (negative inside it).
    pub si_joint: f32,
    pub symphysis: f32,
    /// Signed distance to the sacral canal's contents (below the S1 endplate; infinite when
    /// the preset's sacrum has no base).
    pub canal: f32,
    /// Wing coordinates of the point, for the pelvic cavity test.
    pub wing: WingLocal,
    pub inner_offset: f32,
}

#[derive(Clone, Debug)]
pub struct Pelvis {
    pub wing: Wing,
    pub hip_centre: Vec3,
    acetabulum_radius: f32,
    acetabulum_wall: f32,
    acetabulum_opening: Vec3,
    acetabulum_rim: f32,
    joint_point: Vec3,
    joint_normal: Vec3,
    joint_tangent: Vec3,
    joint_gap: f32,
    joint_extent: f32,
    sacrum: Vec<SacralSegment>,
    foramina: Vec<(Vec3, Vec3, f32)>,
    median_crest: TubeShape,
    base: Option<Base>,
    pubis_centre: Vec3,
    pubis_half: Vec3,
    symphysis_gap: f32,
    rami: Vec<TubeShape>,
    ischium: TubeShape,
    spine: TubeShape,
    tuberosity_centre: Vec3,
    tuberosity_radii: Vec3,
    blend: f32,
    pub sacrum_min: Vec3,
    pub sacrum_max: Vec3,
}

impl Pelvis {
    pub fn new(p: &AnatomyPreset, thickness_scale: f32) -> Pelvis {
        let psis = Vec3::from(p.reference.psis);
        let asis = Vec3::from(p.reference.asis);
        let hip = Vec3::from(p.reference.hip_centre);
        let wing = Wing::new(psis, asis, hip, &p.wing, thickness_scale);
        let j = &p.si_joint;
        let a = j.angle_deg.to_radians();
        let joint_point = psis + Vec3::Y * j.depth_from_psis;
        let joint_normal = Vec3::new(-a.cos(), -a.sin(), 0.0);
        let joint_tangent = Vec3::new(-a.sin(), a.cos(), 0.0);
        let s = &p.sacrum;
        let sacrum_centre: Vec<Vec3> = s.centreline.iter().map(|&c| Vec3::from(c)).collect();
        let hw = s.half_width.iter().cloned().fold(0.0, f32::max);
        let hd = s.half_depth.iter().cloned().fold(0.0, f32::max);
        let sacrum_min = sacrum_centre
            .iter()
            .fold(Vec3::splat(f32::MAX), |m, &c| m.min(c))
            - Vec3::new(hw, hd, hd);
        let sacrum_max = sacrum_centre
            .iter()
            .fold(Vec3::splat(f32::MIN), |m, &c| m.max(c))
            + Vec3::new(hw, hd, hd);
        let foramina = s
            .foramina
            .iter()
            .map(|&(z, x, r)| {
                let y0 = sacrum_min.y - 5.0;
                let y1 = sacrum_max.y + 5.0;
                (Vec3::new(-x, y0, z), Vec3::new(-x, y1, z), r)
            })
            .collect();
        let median_crest = {
            let n = sacrum_centre.len().min(4);
            let points = (0..n)
                .map(|i| {
                    let c = sacrum_centre[i];
                    let next = sacrum_centre[(i + 1).min(sacrum_centre.len() - 1)];
                    let prev = sacrum_centre[i.saturating_sub(1)];
                    let t = (next - prev).normalize_or(Vec3::NEG_Z);
                    let back = Vec3::new(0.0, -t.z, t.y) * s.half_depth[i];
                    c + if back.y > 0.0 { -back } else { back }
                })
                .collect();
            let radii = (0..n).map(|i| 6.0 - i as f32 * 1.3).collect();
            TubeShape::from_points(points, radii)
        };
        Pelvis {
            wing,
            median_crest,
            base: s.base.as_ref().map(Base::new),
            hip_centre: hip,
            acetabulum_radius: p.acetabulum.radius,
            acetabulum_wall: p.acetabulum.wall,
            acetabulum_opening: Vec3::from(p.acetabulum.opening).normalize(),
            acetabulum_rim: p.acetabulum.rim_offset,
            joint_point,
            joint_normal,
            joint_tangent,
            joint_gap: j.gap,
            joint_extent: j.extent,
            sacrum: sacrum_centre
                .windows(2)
                .enumerate()
                .map(|(i, c)| {
                    SacralSegment::new(
                        c[0],
                        c[1],
                        (s.half_width[i], s.half_width[i + 1]),
                        (s.half_depth[i], s.half_depth[i + 1]),
                    )
                })
                .collect(),
            foramina,
            pubis_centre: Vec3::from(p.pubis.body_centre),
            pubis_half: Vec3::from(p.pubis.body_half_size),
            symphysis_gap: p.pubis.symphysis_gap,
            rami: vec![
                TubeShape::new(&p.pubis.superior_ramus),
                TubeShape::new(&p.pubis.inferior_ramus),
            ],
            ischium: TubeShape::new(&p.ischium.body),
            spine: TubeShape::new(&p.ischium.spine),
            tuberosity_centre: Vec3::from(p.ischium.tuberosity_centre),
            tuberosity_radii: Vec3::from(p.ischium.tuberosity_radii),
            blend: 6.0,
            sacrum_min,
            sacrum_max,
        }
    }

    /// The sacral promontory on the bone's surface, when the preset gives the sacrum a base.
    pub fn promontory(&self) -> Option<Vec3> {
        self.base.as_ref().map(Base::promontory)
    }

    /// Point on the SI joint met by a needle straight in from the PSIS.
    pub fn joint_point(&self) -> Vec3 {
        self.joint_point
    }

    /// Signed distance to the joint plane: positive on the ilium's side.
    fn joint_side(&self, p: Vec3) -> f32 {
        (p - self.joint_point).dot(self.joint_normal)
    }

    fn acetabulum(&self, p: Vec3) -> f32 {
        let q = p - self.hip_centre;
        let r = q.length();
        let shell =
            (r - self.acetabulum_radius - self.acetabulum_wall).max(self.acetabulum_radius - r);
        shell.max(q.dot(self.acetabulum_opening) - self.acetabulum_rim)
    }

    fn pubic_body(&self, p: Vec3) -> f32 {
        let q = (p - self.pubis_centre).abs() - self.pubis_half + Vec3::splat(4.0);
        q.max(Vec3::ZERO).length() + q.max_element().min(0.0) - 4.0
    }

    /// The sacrum before it is trimmed at the SI joint.
    fn sacrum_raw(&self, p: Vec3) -> f32 {
        let mut best = f32::INFINITY;
        for seg in &self.sacrum {
            best = best.min(seg.sdf(p));
        }
        best = sdf::smooth_min(best, self.median_crest.sdf(p, best + 4.0), 4.0);
        if let Some(base) = &self.base {
            best = base.shape(p, best);
        }
        for &(a, b, r) in &self.foramina {
            let (d, _) = sdf::segment(p, a, b);
            best = best.max(r - d);
        }
        best
    }

    /// All bony distances at a left-side reference point.
    pub fn sample(&self, p: Vec3) -> BoneSample {
        let wl = self.wing.local(p);
        let (wing, inner_offset) = self.wing.sdf_and_inner_offset(wl);
        let k = self.blend;
        let mut hip = wing;
        hip = sdf::smooth_min(hip, self.acetabulum(p), k);
        hip = sdf::smooth_min(hip, self.ischium.sdf(p, hip + k), k);
        hip = sdf::smooth_min(hip, self.spine.sdf(p, hip + k), k * 0.5);
        hip = sdf::smooth_min(
            hip,
            sdf::ellipsoid(p, self.tuberosity_centre, self.tuberosity_radii),
            k,
        );
        for ramus in &self.rami {
            hip = sdf::smooth_min(hip, ramus.sdf(p, hip + k), k);
        }
        let pubic = self.pubic_body(p);
        hip = sdf::smooth_min(hip, pubic, k);

        let side = self.joint_side(p);
        let along = (p - self.joint_point).dot(self.joint_tangent);
        let sacrum_raw = self.sacrum_raw(p);
        // The ilium gives way to the joint only where the sacrum meets it.
        let trimmed = (side - self.joint_gap * 0.5)
            .max(along - self.joint_extent)
            .max(sacrum_raw - 4.0);
        let hip_bone = hip.max(-trimmed);

        let sacrum = sacrum_raw.max(side + self.joint_gap * 0.5);
        let si_joint = (side.abs() - self.joint_gap * 0.5)
            .max(hip - 0.5)
            .max(sacrum_raw - 0.5)
            .max(along - self.joint_extent);

        let symphysis = {
            let q = Vec3::new(p.x.abs(), p.y, p.z);
            let c = Vec3::new(0.0, self.pubis_centre.y, self.pubis_centre.z);
            let half = Vec3::new(
                self.symphysis_gap * 0.5,
                self.pubis_half.y - 2.0,
                self.pubis_half.z - 2.0,
            );
            let d = (q - c).abs() - half;
            d.max(Vec3::ZERO).length() + d.max_element().min(0.0)
        };
        let canal = match &self.base {
            Some(base) => base.canal_contents(p, sacrum_raw),
            None => f32::INFINITY,
        };
        BoneSample {
            hip_bone,
            sacrum,
            si_joint,
            symphysis,
            canal,
            wing: wl,
            inner_offset,
        }
    }
}
