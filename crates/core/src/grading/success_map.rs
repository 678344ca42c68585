//! Where a scene can be passed from: the skin around a site's entry zone seen along the
//! approach, each entry point marked by the share of the directions in the scene's cone whose
//! straight push passes. Scene authors see a badly placed zone at a glance.

use super::feasibility::{
    CHUNK, marrow_reach, push_to_window, run_chunks, skin_and_shaft, threads,
};
use super::scoring::{self, Verdict};
use crate::anatomy::Anatomy;
use crate::scenario::{ResolvedSite, Scenario};
use glam::{Quat, Vec3};

/// The directions tried from every entry point: the aim, and rings of five at equal-area
/// tilts out to the cone's edge.
const RINGS: usize = 3;
const PER_RING: usize = 5;
pub const DIRECTIONS: usize = 1 + RINGS * PER_RING;

/// The map reaches this many zone radii from the zone's centre: the entry component's ramp
/// gives nothing beyond three.
const REACH_RADII: f32 = 3.0;
const MIN_HALF_WIDTH_MM: f32 = 20.0;
/// An aim this close to vertical (cosine) is seen with the patient's front up, not the head.
const STEEP: f32 = 0.8;

#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MapCell {
    /// Where the line along the aim through this cell crosses the skin; `None` off the body.
    pub skin: Option<Vec3>,
    pub passes: u8,
    /// The passes by tilt from the aim: the aim itself, then each ring outward.
    pub passes_by_ring: [u8; RINGS + 1],
    pub unsafe_count: u8,
    /// How the skin faces the viewer (0 edge-on, 1 square to the aim), for shading.
    pub facing: f32,
}

#[derive(Clone, Debug)]
pub struct SuccessMap {
    pub site: usize,
    /// Cells per side.
    pub size: usize,
    /// Half the map's width (mm), on the plane square to the aim through the zone's centre.
    pub half_width: f32,
    pub zone: ResolvedSite,
    /// The map's right and up on that plane, as the operator sees it along the aim; up is
    /// the patient's head.
    pub right: Vec3,
    pub up: Vec3,
    /// Row by row from the top.
    pub cells: Vec<MapCell>,
}

impl SuccessMap {
    pub fn cell(&self, col: usize, row: usize) -> &MapCell {
        &self.cells[row * self.size + col]
    }

    /// The plane point at the centre of a cell.
    pub fn point(&self, col: usize, row: usize) -> Vec3 {
        let step = 2.0 * self.half_width / self.size as f32;
        let x = (col as f32 + 0.5) * step - self.half_width;
        let y = self.half_width - (row as f32 + 0.5) * step;
        self.zone.entry_centre + self.right * x + self.up * y
    }

    /// Where a point falls on the map, in cells from the top left (fractional), if it does.
    pub fn locate(&self, p: Vec3) -> Option<(f32, f32)> {
        let rel = p - self.zone.entry_centre;
        let step = 2.0 * self.half_width / self.size as f32;
        let col = (rel.dot(self.right) + self.half_width) / step;
        let row = (self.half_width - rel.dot(self.up)) / step;
        let inside =
            (0.0..self.size as f32).contains(&col) && (0.0..self.size as f32).contains(&row);
        inside.then_some((col, row))
    }

    /// The patient's direction nearest the map's up, and the one nearest its right (RAS).
    pub fn orientation(&self) -> (&'static str, &'static str) {
        fn name(v: Vec3) -> &'static str {
            let a = v.abs();
            if a.z >= a.x && a.z >= a.y {
                if v.z > 0.0 { "cranial" } else { "caudal" }
            } else if a.y >= a.x {
                if v.y > 0.0 { "anterior" } else { "posterior" }
            } else if v.x > 0.0 {
                "patient's right"
            } else {
                "patient's left"
            }
        }
        (name(self.up), name(self.right))
    }

    /// Whether the midline lies to the map's right: the zone is on one side of it.
    pub fn medial_on_right(&self) -> bool {
        self.right.x * -self.zone.entry_centre.x.signum() >= 0.0
    }

    /// The share of directions that pass, over the cells whose centre lies inside the zone.
    pub fn zone_share(&self) -> f32 {
        let (mut passes, mut tried) = (0usize, 0usize);
        for row in 0..self.size {
            for col in 0..self.size {
                let off = self.point(col, row) - self.zone.entry_centre;
                if off.length() <= self.zone.entry_radius {
                    passes += self.cell(col, row).passes as usize;
                    tried += DIRECTIONS;
                }
            }
        }
        passes as f32 / tried.max(1) as f32
    }

    /// Inside the zone, each ring's tilt from the aim (degrees) and the share of its
    /// directions that pass: where in the cone the failures lie.
    pub fn zone_share_by_ring(&self) -> Vec<(f32, f32)> {
        let mut passes = [0usize; RINGS + 1];
        let mut cells = 0usize;
        for row in 0..self.size {
            for col in 0..self.size {
                let off = self.point(col, row) - self.zone.entry_centre;
                if off.length() <= self.zone.entry_radius {
                    cells += 1;
                    for (sum, &p) in passes.iter_mut().zip(&self.cell(col, row).passes_by_ring) {
                        *sum += p as usize;
                    }
                }
            }
        }
        (0..=RINGS)
            .map(|ring| {
                let per_cell = if ring == 0 { 1 } else { PER_RING };
                (
                    ring_tilt(self.zone.tolerance_deg, ring),
                    passes[ring] as f32 / (cells * per_cell).max(1) as f32,
                )
            })
            .collect()
    }

    /// [`Self::zone_share_by_ring`] in words: "0.0° 82%, 5.8° 75%, ...".
    pub fn ring_summary(&self) -> String {
        self.zone_share_by_ring()
            .iter()
            .map(|(tilt, share)| format!("{tilt:.1}° {:.0}%", 100.0 * share))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The share of entry points on the map from which at least one direction passes.
    pub fn passable_share(&self) -> f32 {
        let n = self.cells.iter().filter(|c| c.passes > 0).count();
        n as f32 / self.cells.len().max(1) as f32
    }

    /// The centre of the passes, weighted by their share, and its distance from the zone's
    /// centre (mm): where an author might move the zone.
    pub fn pass_centroid(&self) -> Option<(Vec3, f32)> {
        let mut sum = Vec3::ZERO;
        let mut weight = 0.0;
        for row in 0..self.size {
            for col in 0..self.size {
                let w = self.cell(col, row).passes as f32;
                sum += self.point(col, row) * w;
                weight += w;
            }
        }
        (weight > 0.0).then(|| {
            let c = sum / weight;
            (c, (c - self.zone.entry_centre).length())
        })
    }
}

const OFF_BODY: [u8; 3] = [38, 40, 46];
const SKIN: [u8; 3] = [200, 164, 142];
const PASS: [u8; 3] = [24, 160, 72];
const UNSAFE: [u8; 3] = [214, 38, 38];
const ZONE: [u8; 3] = [255, 255, 255];

fn mix(a: [u8; 3], b: [u8; 3], t: f32) -> [u8; 3] {
    std::array::from_fn(|k| (a[k] as f32 + (b[k] as f32 - a[k] as f32) * t).round() as u8)
}

impl MapCell {
    /// The skin shaded as seen along the aim, greener with the share that passes and redder
    /// with the share that meets a hazard; the body's edge is dark.
    pub fn colour(&self) -> [u8; 3] {
        if self.skin.is_none() {
            return OFF_BODY;
        }
        let mut c = mix([0, 0, 0], SKIN, 0.55 + 0.45 * self.facing);
        if self.passes > 0 {
            c = mix(
                c,
                PASS,
                0.35 + 0.65 * self.passes as f32 / DIRECTIONS as f32,
            );
        }
        if self.unsafe_count > 0 {
            c = mix(
                c,
                UNSAFE,
                0.35 + 0.65 * self.unsafe_count as f32 / DIRECTIONS as f32,
            );
        }
        c
    }
}

impl SuccessMap {
    /// The map as `scale`×`scale` pixels a cell, row by row, with the entry zone's circle
    /// and its centre in white.
    pub fn pixels(&self, scale: usize) -> Vec<[u8; 3]> {
        let side = self.size * scale;
        let mut out = vec![OFF_BODY; side * side];
        for row in 0..self.size {
            for col in 0..self.size {
                let c = self.cell(col, row).colour();
                for y in row * scale..(row + 1) * scale {
                    out[y * side + col * scale..y * side + (col + 1) * scale].fill(c);
                }
            }
        }
        let px_per_mm = side as f32 / (2.0 * self.half_width);
        let radius = self.zone.entry_radius * px_per_mm;
        let centre = side as f32 * 0.5;
        for y in 0..side {
            for x in 0..side {
                let (dx, dy) = (x as f32 + 0.5 - centre, y as f32 + 0.5 - centre);
                let ring = ((dx * dx + dy * dy).sqrt() - radius).abs() < 1.0;
                let cross = (dx.abs() < 1.0 || dy.abs() < 1.0) && dx.abs().max(dy.abs()) < 5.0;
                if ring || cross {
                    out[y * side + x] = ZONE;
                }
            }
        }
        out
    }
}

/// A ring's tilt from the aim (degrees): equal areas of the cone out to the tolerance.
fn ring_tilt(tolerance_deg: f32, ring: usize) -> f32 {
    tolerance_deg * (ring as f32 / RINGS as f32).sqrt()
}

/// The directions tried from each entry point, about `aim`: the aim, then each ring's, in
/// ring order.
fn directions(zone: &ResolvedSite) -> Vec<Vec3> {
    let aim = zone.aim;
    let u = aim.any_orthonormal_vector();
    let mut out = vec![aim];
    for ring in 1..=RINGS {
        let tilt = ring_tilt(zone.tolerance_deg, ring).to_radians();
        for k in 0..PER_RING {
            let spin = (k as f32 + 0.5 * ring as f32) / PER_RING as f32 * std::f32::consts::TAU;
            let axis = Quat::from_axis_angle(aim, spin) * u;
            out.push((Quat::from_axis_angle(axis, tilt) * aim).normalize());
        }
    }
    out
}

/// The success map of one site on one patient, `size`² entry points.
pub fn success_map(
    scenario: &Scenario,
    anatomy: &Anatomy,
    site: usize,
    size: usize,
) -> Result<SuccessMap, String> {
    if !(4..=256).contains(&size) {
        return Err(format!("a map of {size}² cells: it must be 4–256 a side"));
    }
    let zone = scenario
        .resolve(site, anatomy)
        .ok_or("the scenario's landmarks are missing on this patient")?;
    let aim = zone.aim;
    // The head is up, unless the approach is from above or below (the anterior crest's runs
    // down the pillar): then the front is.
    let toward = if aim.z.abs() < STEEP {
        Vec3::Z
    } else {
        Vec3::Y
    };
    let up = (toward - aim * aim.dot(toward))
        .try_normalize()
        .unwrap_or_else(|| aim.any_orthonormal_vector());
    let right = aim.cross(up).normalize();
    let mut map = SuccessMap {
        site,
        size,
        half_width: (zone.entry_radius * REACH_RADII).max(MIN_HALF_WIDTH_MM),
        zone,
        right,
        up,
        cells: Vec::new(),
    };
    let dirs = directions(&map.zone);
    let needle = scenario.needle.length_mm;
    let chunks = run_chunks(size * size, threads(), |chunk, n| {
        (chunk * CHUNK..chunk * CHUNK + n)
            .map(|i| cell(scenario, anatomy, &map, &dirs, needle, i % size, i / size))
            .collect::<Vec<_>>()
    })?;
    map.cells = chunks.into_iter().flatten().collect();
    Ok(map)
}

fn cell(
    scenario: &Scenario,
    anatomy: &Anatomy,
    map: &SuccessMap,
    dirs: &[Vec3],
    needle: f32,
    col: usize,
    row: usize,
) -> MapCell {
    let zone = &map.zone;
    let Some((entry, along_aim)) =
        skin_and_shaft(anatomy, zone, map.point(col, row), zone.aim, needle, None)
    else {
        return MapCell::default();
    };
    let surface = entry + zone.aim * 0.05;
    let normal = skin_normal(anatomy, surface);
    let mut out = MapCell {
        skin: Some(surface),
        facing: normal.dot(-zone.aim).clamp(0.0, 1.0),
        ..MapCell::default()
    };
    // The first direction is the aim, whose shaft the skin's query already gave.
    let mut along_aim = Some(along_aim);
    for (k, &dir) in dirs.iter().enumerate() {
        let shaft = along_aim.take().unwrap_or_else(|| {
            anatomy.intervals_reaching(entry, entry + dir * needle, 0.25, marrow_reach(zone))
        });
        let Some((pose, shaft)) =
            push_to_window(anatomy, zone, entry, dir, shaft, |lo, hi| 0.5 * (lo + hi))
        else {
            continue;
        };
        match scoring::quick_with(scenario, anatomy, map.site, zone, &pose, shaft).1 {
            Verdict::Pass => {
                out.passes += 1;
                out.passes_by_ring[k.div_ceil(PER_RING)] += 1;
            }
            Verdict::Unsafe => out.unsafe_count += 1,
            Verdict::Fail => {}
        }
    }
    out
}

fn skin_normal(anatomy: &Anatomy, p: Vec3) -> Vec3 {
    let e = 0.5;
    let d = |o: Vec3| anatomy.skin_sdf(p + o) - anatomy.skin_sdf(p - o);
    Vec3::new(d(Vec3::X * e), d(Vec3::Y * e), d(Vec3::Z * e)).normalize_or(Vec3::Y)
}
