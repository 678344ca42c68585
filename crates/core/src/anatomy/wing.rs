//! The ilium's wing as a bounded, bent shell with a thickness map.
//!
//! The wing lives in its own frame: origin at the PSIS, `u` toward the ASIS, `v` up in the
//! wing's plane (toward the crest, away from the acetabulum), `w` out of the lateral
//! (gluteal) surface. Its distance is the rounded intersection of a 2D outline in (u, v)
//! with a slab in w whose mid-surface bends and whose thickness varies over (u, v).

use super::preset::{Anchor, WingShape};
use crate::geometry::sdf;
use glam::{Vec2, Vec3};

#[derive(Clone, Debug)]
pub struct Wing {
    pub origin: Vec3,
    pub e_u: Vec3,
    pub e_v: Vec3,
    pub e_n: Vec3,
    pub chord: f32,
    outline: sdf::Polygon,
    shape: WingShape,
    thickness_scale: f32,
    bend_ends: (f32, f32),
}

/// Local wing coordinates of a point.
#[derive(Clone, Copy, Debug)]
pub struct WingLocal {
    pub u: f32,
    pub v: f32,
    pub w: f32,
}

impl Wing {
    /// `psis`, `asis`, `hip` are left-side reference positions.
    pub fn new(psis: Vec3, asis: Vec3, hip: Vec3, shape: &WingShape, thickness_scale: f32) -> Wing {
        let chord_vec = asis - psis;
        let chord = chord_vec.length();
        let e_u = chord_vec / chord;
        let to_hip = hip - psis;
        let perp = to_hip - e_u * to_hip.dot(e_u);
        let e_v = -perp.normalize();
        let mut e_n = e_u.cross(e_v);
        if e_n.x > 0.0 {
            e_n = -e_n;
        }
        let g = |u: f32| {
            let t = (u - shape.bend.centre) / shape.bend.width;
            shape.bend.amplitude * (-t * t).exp()
        };
        Wing {
            origin: psis,
            e_u,
            e_v,
            e_n,
            chord,
            outline: sdf::Polygon::new(
                shape
                    .outline
                    .iter()
                    .map(|&(u, v)| Vec2::new(u, v))
                    .collect(),
            ),
            shape: shape.clone(),
            thickness_scale,
            bend_ends: (g(0.0), g(chord)),
        }
    }

    pub fn local(&self, p: Vec3) -> WingLocal {
        let d = p - self.origin;
        WingLocal {
            u: d.dot(self.e_u),
            v: d.dot(self.e_v),
            w: d.dot(self.e_n),
        }
    }

    pub fn point(&self, u: f32, v: f32, w: f32) -> Vec3 {
        self.origin + self.e_u * u + self.e_v * v + self.e_n * w
    }

    /// Offset of the mid-surface along `e_n`, zero at the PSIS and the ASIS.
    pub fn mid(&self, u: f32, v: f32) -> f32 {
        let b = &self.shape.bend;
        let t = (u - b.centre) / b.width;
        let g = b.amplitude * (-t * t).exp();
        let s = (u / self.chord).clamp(0.0, 1.0);
        let bulge = g - (self.bend_ends.0 + (self.bend_ends.1 - self.bend_ends.0) * s);
        let f = &self.shape.anterior_flare;
        let front = ((u - f.from_u) / (self.chord - f.from_u)).clamp(0.0, 1.0);
        let front = front * front * (3.0 - 2.0 * front);
        bulge + f.per_mm * v.min(0.0) * front
    }

    /// Half-thickness toward the lateral and the medial side of the mid-surface.
    pub fn half_thickness(&self, u: f32, v: f32) -> (f32, f32) {
        let s = &self.shape;
        let uv = Vec2::new(u, v);
        let thin = &s.thin_spot;
        let r2 = (uv - Vec2::new(thin.centre.0, thin.centre.1)).length_squared()
            / (thin.radius * thin.radius);
        let base =
            s.base_half_thickness - (s.base_half_thickness - thin.half_thickness) * (-r2).exp();
        let (mut out, mut inn) = (base, base);

        let fv = 1.0 - (v / s.corridor_half_height).powi(2);
        if fv > 0.0 {
            let (co, ci) = corridor_at(&s.corridor, u);
            out = out.max(base + (co - base) * fv);
            inn = inn.max(base + (ci - base) * fv);
        }

        let (top, crest_h) = crest_at(&s.crest, u);
        let depth = (top - v) / s.crest_depth;
        let fc = (-depth * depth).exp();
        let hc = base + (crest_h - base) * fc;
        out = out.max(hc);
        inn = inn.max(hc);

        for b in std::iter::once(&s.buttress).chain(&s.pillar) {
            let db = sdf::segment_2d(uv, Vec2::new(b.from.0, b.from.1), Vec2::new(b.to.0, b.to.1))
                / b.width;
            let hb = base + (b.half_thickness - base) * (-db * db).exp();
            out = out.max(hb);
            inn = inn.max(hb);
        }

        (out * self.thickness_scale, inn * self.thickness_scale)
    }

    pub fn sdf(&self, p: Vec3) -> f32 {
        self.sdf_and_inner_offset(self.local(p)).0
    }

    /// The wing's distance and the signed offset from its medial (inner) table, negative
    /// medial of it: one evaluation of the thickness and the mid-surface serves both.
    pub fn sdf_and_inner_offset(&self, l: WingLocal) -> (f32, f32) {
        let outline = self.outline.distance(Vec2::new(l.u, l.v));
        let (h_out, h_in) = self.half_thickness(l.u, l.v);
        let wm = l.w - self.mid(l.u, l.v);
        let slab = (wm - h_out).max(-wm - h_in);
        (
            sdf::round_intersect(outline, slab, self.shape.edge_rounding),
            wm + h_in,
        )
    }

    /// The position of an anchor; `None` for a landmark name, which the caller resolves.
    pub fn anchor(&self, a: &Anchor) -> Option<Vec3> {
        Some(match *a {
            Anchor::At(p) => Vec3::from(p),
            Anchor::Mid(u, v) => self.point(u, v, self.mid(u, v)),
            Anchor::Landmark(_) => return None,
            Anchor::Outer(u, v, off) => {
                let (h_out, _) = self.half_thickness(u, v);
                self.point(u, v, self.mid(u, v) + h_out + off)
            }
            Anchor::Inner(u, v, off) => {
                let (_, h_in) = self.half_thickness(u, v);
                self.point(u, v, self.mid(u, v) - h_in - off)
            }
        })
    }

    pub fn outline(&self) -> &[Vec2] {
        self.outline.vertices()
    }
}

fn corridor_at(table: &[(f32, f32, f32)], u: f32) -> (f32, f32) {
    let first = table[0];
    if u <= first.0 {
        return (first.1, first.2);
    }
    for w in table.windows(2) {
        let (u0, o0, i0) = w[0];
        let (u1, o1, i1) = w[1];
        if u <= u1 {
            let t = (u - u0) / (u1 - u0);
            return (o0 + (o1 - o0) * t, i0 + (i1 - i0) * t);
        }
    }
    let last = table[table.len() - 1];
    (last.1, last.2)
}

fn crest_at(table: &[(f32, f32, f32)], u: f32) -> (f32, f32) {
    corridor_at(table, u)
}
