//! Signed-distance primitives and operators, in millimetres.
//!
//! Negative inside, positive outside. Every primitive here is a true distance or a
//! conservative bound on it, so that callers may skip work when a point is far away.

use glam::{Vec2, Vec3};

/// Ellipsoid bound (Inigo Quilez's approximation; exact on the axes, a bound elsewhere).
pub fn ellipsoid(p: Vec3, centre: Vec3, radii: Vec3) -> f32 {
    let q = p - centre;
    let k0 = (q / radii).length();
    let k1 = (q / (radii * radii)).length();
    if k1 == 0.0 {
        return -radii.min_element();
    }
    k0 * (k0 - 1.0) / k1
}

/// Distance from `p` to the segment `a`–`b`, and the segment parameter in [0, 1].
pub fn segment(p: Vec3, a: Vec3, b: Vec3) -> (f32, f32) {
    let ab = b - a;
    let len2 = ab.length_squared();
    let t = if len2 > 0.0 {
        ((p - a).dot(ab) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    ((p - (a + ab * t)).length(), t)
}

pub fn segment_2d(p: Vec2, a: Vec2, b: Vec2) -> f32 {
    segment(p.extend(0.0), a.extend(0.0), b.extend(0.0)).0
}

/// A tube of varying radius along a polyline: `points[i]` carries `radii[i]`.
pub fn tapered_tube(p: Vec3, points: &[Vec3], radii: &[f32]) -> f32 {
    let mut best = f32::INFINITY;
    for i in 0..points.len().saturating_sub(1) {
        let (d, t) = segment(p, points[i], points[i + 1]);
        let r = radii[i] + (radii[i + 1] - radii[i]) * t;
        best = best.min(d - r);
    }
    best
}

/// A simple polygon with its edges precomputed, for repeated distance queries.
#[derive(Clone, Debug)]
pub struct Polygon {
    vertices: Vec<Vec2>,
    /// Edge from each vertex to the previous one, and 1 / its squared length.
    edges: Vec<(Vec2, f32)>,
}

impl Polygon {
    pub fn new(vertices: Vec<Vec2>) -> Polygon {
        let n = vertices.len();
        let edges = (0..n)
            .map(|i| {
                let e = vertices[(i + n - 1) % n] - vertices[i];
                (e, 1.0 / e.length_squared().max(1e-12))
            })
            .collect();
        Polygon { vertices, edges }
    }

    pub fn vertices(&self) -> &[Vec2] {
        &self.vertices
    }

    /// Exact signed distance (Inigo Quilez's crossing-number method).
    pub fn distance(&self, p: Vec2) -> f32 {
        let mut d = f32::INFINITY;
        let mut s = 1.0f32;
        let n = self.vertices.len();
        for i in 0..n {
            let vi = self.vertices[i];
            let vj = self.vertices[(i + n - 1) % n];
            let (e, inv) = self.edges[i];
            let w = p - vi;
            let b = w - e * (w.dot(e) * inv).clamp(0.0, 1.0);
            d = d.min(b.length_squared());
            let c0 = p.y >= vi.y;
            let c1 = p.y < vj.y;
            let c2 = e.x * w.y > e.y * w.x;
            if (c0 && c1 && c2) || (!c0 && !c1 && !c2) {
                s = -s;
            }
        }
        s * d.sqrt()
    }
}

/// Polynomial smooth minimum; `k` is the blend width in mm.
pub fn smooth_min(a: f32, b: f32, k: f32) -> f32 {
    if k <= 0.0 {
        return a.min(b);
    }
    let h = (k - (a - b).abs()).max(0.0) / k;
    a.min(b) - h * h * k * 0.25
}

/// Intersection of two fields with the corner rounded by `r`.
pub fn round_intersect(a: f32, b: f32, r: f32) -> f32 {
    let u = Vec2::new((a + r).max(0.0), (b + r).max(0.0));
    u.length() + (a + r).max(b + r).min(0.0) - r
}

/// Distance from `p` to an axis-aligned box, zero inside. A cheap lower bound for culling.
pub fn aabb_distance(p: Vec3, min: Vec3, max: Vec3) -> f32 {
    let q = (min - p).max(p - max).max(Vec3::ZERO);
    q.length()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polygon_sign_and_distance() {
        let sq = Polygon::new(vec![
            Vec2::new(0.0, 0.0),
            Vec2::new(10.0, 0.0),
            Vec2::new(10.0, 10.0),
            Vec2::new(0.0, 10.0),
        ]);
        assert!((sq.distance(Vec2::new(5.0, 5.0)) + 5.0).abs() < 1e-5);
        assert!((sq.distance(Vec2::new(13.0, 5.0)) - 3.0).abs() < 1e-5);
        assert!((sq.distance(Vec2::new(5.0, -2.0)) - 2.0).abs() < 1e-5);
        let notch = Polygon::new(vec![
            Vec2::new(0.0, 0.0),
            Vec2::new(10.0, 0.0),
            Vec2::new(5.0, 4.0),
            Vec2::new(10.0, 10.0),
            Vec2::new(0.0, 10.0),
        ]);
        assert!(
            notch.distance(Vec2::new(8.0, 5.0)) > 0.0,
            "inside the notch is outside"
        );
        assert!(notch.distance(Vec2::new(2.0, 5.0)) < 0.0);
    }

    #[test]
    fn tube_tapers_along_its_length() {
        let pts = [Vec3::ZERO, Vec3::new(100.0, 0.0, 0.0)];
        let r = [10.0, 2.0];
        assert!((tapered_tube(Vec3::new(0.0, 20.0, 0.0), &pts, &r) - 10.0).abs() < 1e-4);
        assert!((tapered_tube(Vec3::new(100.0, 20.0, 0.0), &pts, &r) - 18.0).abs() < 1e-4);
    }

    #[test]
    fn smooth_min_never_exceeds_min() {
        for (a, b) in [(1.0, 2.0), (-3.0, 0.5), (4.0, 4.0)] {
            assert!(smooth_min(a, b, 5.0) <= a.min(b));
        }
        assert_eq!(smooth_min(0.0, 50.0, 5.0), 0.0);
    }
}
