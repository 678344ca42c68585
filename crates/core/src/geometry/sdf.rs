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
    cells: EdgeCells,
}

/// A grid over the polygon's box that lists, for each square cell, the edges that can be the
/// nearest to a point in it, and the sign where no edge can cross it. The wing's outline has
/// 24 edges; a cell lists one to three. The distance is the minimum of the same per-edge
/// values over a set that holds the nearest edge, so it is the brute-force result to the bit.
#[derive(Clone, Debug, Default)]
struct EdgeCells {
    origin: Vec2,
    size: [usize; 2],
    /// Per cell: the range of its edges in `edges`, and its sign (0: an edge may cross it,
    /// so the crossing number must be counted).
    cells: Vec<(u32, u16, i8)>,
    edges: Vec<u16>,
}

/// The index's cell side and how far beyond the polygon's box it reaches (mm).
const EDGE_CELL_MM: f32 = 2.0;
const EDGE_CELLS_MARGIN_MM: f32 = 24.0;

impl Polygon {
    pub fn new(vertices: Vec<Vec2>) -> Polygon {
        let n = vertices.len();
        let edges = (0..n)
            .map(|i| {
                let e = vertices[(i + n - 1) % n] - vertices[i];
                (e, 1.0 / e.length_squared().max(1e-12))
            })
            .collect();
        let mut polygon = Polygon {
            vertices,
            edges,
            cells: EdgeCells::default(),
        };
        polygon.cells = polygon.index();
        polygon
    }

    pub fn vertices(&self) -> &[Vec2] {
        &self.vertices
    }

    fn index(&self) -> EdgeCells {
        let n = self.vertices.len();
        if n < 3 || n > u16::MAX as usize {
            return EdgeCells::default();
        }
        let (lo, hi) = self.vertices.iter().fold(
            (Vec2::splat(f32::INFINITY), Vec2::splat(f32::NEG_INFINITY)),
            |(lo, hi), &v| (lo.min(v), hi.max(v)),
        );
        let origin = lo - Vec2::splat(EDGE_CELLS_MARGIN_MM);
        let span = (hi - lo + Vec2::splat(2.0 * EDGE_CELLS_MARGIN_MM)) / EDGE_CELL_MM;
        if !span.is_finite() || span.max_element() > 4096.0 {
            return EdgeCells::default();
        }
        let size = [span.x.ceil() as usize, span.y.ceil() as usize];
        let half_diagonal = EDGE_CELL_MM * std::f32::consts::FRAC_1_SQRT_2;
        let mut out = EdgeCells {
            origin,
            size,
            cells: Vec::with_capacity(size[0] * size[1]),
            edges: Vec::new(),
        };
        let mut near = Vec::with_capacity(n);
        for y in 0..size[1] {
            for x in 0..size[0] {
                let centre = origin + (Vec2::new(x as f32, y as f32) + 0.5) * EDGE_CELL_MM;
                near.clear();
                near.extend((0..n).map(|i| {
                    let a = self.vertices[i];
                    segment_2d(centre, a, a + self.edges[i].0)
                }));
                let first = out.edges.len() as u32;
                if near.iter().any(|&d| d <= half_diagonal + 1e-3) {
                    // An edge may cross the cell: `distance` counts crossings over every edge.
                    out.cells.push((first, 0, 0));
                    continue;
                }
                // Every point of the cell is within `upper` of some edge, and an edge whose
                // distance from the centre exceeds `upper` plus the half-diagonal cannot be
                // the nearest to any of them (the millimetre's thousandth is for rounding).
                let upper = near.iter().fold(f32::INFINITY, |m, &d| m.min(d)) + half_diagonal;
                out.edges.extend(
                    (0..n)
                        .filter(|&i| near[i] - half_diagonal <= upper + 1e-3)
                        .map(|i| i as u16),
                );
                let sign = if self.distance_all(centre) < 0.0 {
                    -1
                } else {
                    1
                };
                out.cells
                    .push((first, (out.edges.len() as u32 - first) as u16, sign));
            }
        }
        out
    }

    /// Exact signed distance: through the cell index where the point is in a cell no edge
    /// crosses, otherwise [`Polygon::distance_all`].
    pub fn distance(&self, p: Vec2) -> f32 {
        let c = &self.cells;
        let rel = (p - c.origin) / EDGE_CELL_MM;
        if rel.x >= 0.0 && rel.y >= 0.0 {
            let (x, y) = (rel.x as usize, rel.y as usize);
            if x < c.size[0] && y < c.size[1] {
                let (first, count, sign) = c.cells[x + c.size[0] * y];
                if sign != 0 {
                    let mut d = f32::INFINITY;
                    for &i in &c.edges[first as usize..first as usize + count as usize] {
                        d = d.min(self.edge_distance2(i as usize, p));
                    }
                    return sign as f32 * d.sqrt();
                }
            }
        }
        self.distance_all(p)
    }

    #[inline]
    fn edge_distance2(&self, i: usize, p: Vec2) -> f32 {
        let (e, inv) = self.edges[i];
        let w = p - self.vertices[i];
        let b = w - e * (w.dot(e) * inv).clamp(0.0, 1.0);
        b.length_squared()
    }

    /// Exact signed distance over every edge (Inigo Quilez's crossing-number method).
    fn distance_all(&self, p: Vec2) -> f32 {
        let mut d = f32::INFINITY;
        let mut s = 1.0f32;
        let n = self.vertices.len();
        for i in 0..n {
            let vi = self.vertices[i];
            let vj = self.vertices[(i + n - 1) % n];
            let (e, _) = self.edges[i];
            let w = p - vi;
            d = d.min(self.edge_distance2(i, p));
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

    /// The wing's outline (adult male, reference mm): the indexed distance must be the
    /// brute-force one to the bit, inside, outside, near the edges and past the index.
    #[test]
    fn the_edge_index_gives_the_brute_force_distance_to_the_bit() {
        let outline = [
            (0.0, 10.0),
            (6.0, 24.0),
            (22.0, 38.0),
            (50.0, 50.0),
            (80.0, 54.0),
            (108.0, 48.0),
            (132.0, 34.0),
            (150.0, 18.0),
            (158.0, 8.0),
            (160.6, 0.0),
            (157.0, -10.0),
            (152.0, -22.0),
            (153.0, -38.0),
            (146.0, -52.0),
            (132.0, -64.0),
            (110.0, -72.0),
            (88.0, -76.0),
            (66.0, -76.0),
            (55.0, -74.0),
            (40.0, -38.0),
            (22.0, -34.0),
            (5.0, -30.0),
            (1.0, -18.0),
            (0.0, -10.0),
        ];
        let wing = Polygon::new(outline.iter().map(|&(u, v)| Vec2::new(u, v)).collect());
        let signed = wing.cells.cells.iter().filter(|c| c.2 != 0).count();
        assert!(
            signed * 10 > wing.cells.cells.len() * 8,
            "most cells should be answered from the index: {signed} of {}",
            wing.cells.cells.len()
        );
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 40) as f32 / (1u64 << 24) as f32
        };
        let (mut inside, mut outside) = (0, 0);
        for _ in 0..200_000 {
            let p = Vec2::new(-60.0 + 280.0 * next(), -130.0 + 220.0 * next());
            let (fast, all) = (wing.distance(p), wing.distance_all(p));
            assert_eq!(
                fast.to_bits(),
                all.to_bits(),
                "at {p}: {fast} against {all}"
            );
            if all < 0.0 {
                inside += 1;
            } else {
                outside += 1;
            }
        }
        assert!(
            inside > 20_000 && outside > 20_000,
            "{inside} in, {outside} out"
        );
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
