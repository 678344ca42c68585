//! The hot path: what tissue is at a point, and which layers a needle segment crosses.

use super::Anatomy;
use super::field::{Ahead, Split};
use crate::tissue::Tissue;
use glam::Vec3;
use serde::{Deserialize, Serialize};

/// The tissue at a point and how far one can move before it may change (mm).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Probe {
    pub tissue: Tissue,
    pub clearance: f32,
}

/// One stretch of a segment inside one tissue, in mm from the segment's start.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    pub tissue: Tissue,
    pub start: f32,
    pub end: f32,
}

impl Interval {
    pub fn length(&self) -> f32 {
        self.end - self.start
    }
}

/// What path queries cost, counted (see [`Anatomy::intervals_tallied`]): where a line's time
/// goes, without a profiler.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PathTally {
    pub paths: usize,
    /// Probes that step along a line, each with how far its tissue holds ahead.
    pub steps: usize,
    /// [`PathTally::steps`] by the tissue each found, in the order of [`Tissue::ALL`].
    pub steps_in: [usize; Tissue::ALL.len()],
    /// Probes that narrow a bracket around a boundary.
    pub bracket_probes: usize,
    /// Analytic probes made for the steps: outside the grid, in cells it cannot model, and
    /// where a step lands within an interpolant's error of its surface.
    pub analytic_in_steps: usize,
    /// Analytic probes made for the brackets.
    pub analytic_in_brackets: usize,
    /// Every field read exactly, for a bracket's Newton step.
    pub field_reads: usize,
    /// The boundaries bracketed, by the tissues on either side, in the order first met.
    pub boundaries: Vec<BoundaryTally>,
}

/// The brackets of one kind of boundary (see [`PathTally::boundaries`]): how many, what
/// exact work they took, and how well the grid's interpolants placed them on their own.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BoundaryTally {
    pub from: Tissue,
    pub to: Tissue,
    pub crossings: usize,
    /// Analytic probes and exact field reads made in these brackets.
    pub exact: usize,
    /// Brackets closed to the tolerance with no exact evaluation at all.
    pub by_grid: usize,
    /// Per bracket that an interpolant split, half the width (mm along the line) of the
    /// band around its root in which the interpolant cannot tell the sign. A boundary is
    /// placed without an exact evaluation only where this is within half the tolerance.
    #[serde(skip)]
    pub bands: Vec<f32>,
}

impl BoundaryTally {
    /// The median of [`BoundaryTally::bands`], if any bracket had one.
    pub fn median_band(&self) -> Option<f32> {
        let mut b = self.bands.clone();
        b.sort_by(f32::total_cmp);
        b.get(b.len() / 2).copied()
    }
}

impl PathTally {
    pub fn add(&mut self, other: &PathTally) {
        self.paths += other.paths;
        self.steps += other.steps;
        for (mine, theirs) in self.steps_in.iter_mut().zip(other.steps_in) {
            *mine += theirs;
        }
        self.bracket_probes += other.bracket_probes;
        self.analytic_in_steps += other.analytic_in_steps;
        self.analytic_in_brackets += other.analytic_in_brackets;
        self.field_reads += other.field_reads;
        for b in &other.boundaries {
            let mine = self.boundary(b.from, b.to);
            mine.crossings += b.crossings;
            mine.exact += b.exact;
            mine.by_grid += b.by_grid;
            mine.bands.extend_from_slice(&b.bands);
        }
    }

    fn boundary(&mut self, from: Tissue, to: Tissue) -> &mut BoundaryTally {
        let at = match self
            .boundaries
            .iter()
            .position(|b| (b.from, b.to) == (from, to))
        {
            Some(at) => at,
            None => {
                self.boundaries.push(BoundaryTally {
                    from,
                    to,
                    crossings: 0,
                    exact: 0,
                    by_grid: 0,
                    bands: Vec::new(),
                });
                self.boundaries.len() - 1
            }
        };
        &mut self.boundaries[at]
    }
}

/// Boundaries are located to this precision (mm).
const BOUNDARY_TOLERANCE: f32 = 0.01;
/// The soft-tissue thickness field is smooth but not a distance: step this much less.
const LAYER_SAFETY: f32 = 0.7;

/// Within this (reference mm) of a hazard, [`Anatomy::fields_at`] gives its exact distance;
/// further out, its box's distance, a lower bound that keeps the sign and only shortens a
/// clearance. The grid interpolates a field only in a cell whose centre is within about
/// 1.3 mm of its surface, from points at most 1.7 mm from that centre, so it never reads
/// the bound where it would need the distance.
const HAZARD_EXACT_MM: f32 = 8.0;

/// The fields of [`Anatomy::fields_at`]: the bones', the cortex's inner surface, the
/// hazards', the cleft's and the soft layers'.
pub(super) const FIELDS: usize = 15;
pub(super) type Fields = [f32; FIELDS];
/// How far one may move per unit of each field's value: the bones', the hazards' and the
/// cavity's are distances, the cleft's and the layers' (the last five) are not.
pub(super) const FIELD_REACH: Fields = {
    let mut reach = [1.0; FIELDS];
    let mut i = 10;
    while i < FIELDS {
        reach[i] = LAYER_SAFETY;
        i += 1;
    }
    reach
};

impl super::field::Exact for Anatomy {
    fn probe(&self, p: Vec3) -> Probe {
        self.probe_analytic(p)
    }

    fn fields(&self, p: Vec3) -> Fields {
        self.fields_at(p)
    }

    /// How much the twist of the right side can shorten a distance: a field's clearance in
    /// the patient is at least its value over this.
    fn stretch(&self) -> f32 {
        self.twist.stretch()
    }
}

/// The fields that, where negative, are their tissue, in the order
/// [`Anatomy::probe_analytic`] tests them: the bones before the hip bone (index 3), the
/// canal, hazards and cavity after it.
const BONES_FIRST: [(usize, Tissue); 3] = [
    (0, Tissue::SiJoint),
    (1, Tissue::Sacrum),
    (2, Tissue::Symphysis),
];
const THEN_INSIDE: [(usize, Tissue); 5] = [
    (5, Tissue::SacralCanal),
    (6, Tissue::SciaticNerve),
    (7, Tissue::SuperiorGlutealArtery),
    (8, Tissue::Lfcn),
    (9, Tissue::PelvicCavity),
];

/// The tissue the signs of the fields give, in the order [`Anatomy::probe_analytic`] tests
/// them.
pub(super) fn classify(v: &Fields) -> Tissue {
    let below = |i: usize| v[i] < 0.0;
    let first = |table: &[(usize, Tissue)]| table.iter().find(|&&(i, _)| below(i)).map(|t| t.1);
    if let Some(tissue) = first(&BONES_FIRST) {
        return tissue;
    }
    if below(3) {
        // `hip > -cortex` is the cortex; their sum is zero only where they are equal.
        return if v[4] <= 0.0 {
            Tissue::Marrow
        } else {
            Tissue::Cortex
        };
    }
    if let Some(tissue) = first(&THEN_INSIDE) {
        return tissue;
    }
    // The cleft (10, 11) and the layers (12 to 14), as the probe tests them.
    if below(10) {
        Tissue::Air
    } else if below(11) && below(14) {
        Tissue::Skin
    } else if below(12) {
        Tissue::Muscle
    } else if below(13) {
        Tissue::Fat
    } else if below(14) {
        Tissue::Skin
    } else {
        Tissue::Air
    }
}

/// A boundary bracketed along a line: `lo` (mm along it) is still in `tissue`, `hi` is not.
struct Bracket {
    tissue: Tissue,
    lo: f32,
    lo_clear: f32,
    hi: f32,
    hi_probe: Probe,
}

impl Bracket {
    fn inside(&self, at: f32) -> bool {
        self.lo < at && at < self.hi
    }

    /// Narrows the bracket to `at`, where the field gave `probe`; true if `at` is still in
    /// the bracket's first tissue.
    fn take(&mut self, at: f32, probe: Probe) -> bool {
        let near = probe.tissue == self.tissue;
        if near {
            (self.lo, self.lo_clear) = (at, probe.clearance);
        } else {
            (self.hi, self.hi_probe) = (at, probe);
        }
        near
    }
}

/// What a path query asks of the tissue field.
trait Along {
    fn probe(&self, p: Vec3) -> Probe;
    /// The probe at `p`, and how far along the unit `dir` its tissue holds.
    fn probe_ahead(&self, p: Vec3, dir: Vec3) -> (Probe, Ahead);
    /// Where between `a` and `b` the boundary between their tissues may lie, if the field
    /// can tell cheaply.
    fn split(&self, a: Vec3, b: Vec3) -> Option<Split>;
    fn fields(&self, p: Vec3) -> Fields;
    /// A bracket from `from` into `to` has closed; `band` is half the width (mm) of the band
    /// that its split left, if it had one.
    #[inline]
    fn crossed(&self, _from: Tissue, _to: Tissue, _band: Option<f32>) {}
}

/// The grid, with the analytic field where it cannot tell.
struct Fast<'a>(&'a Anatomy);
/// The analytic field alone.
struct Analytic<'a>(&'a Anatomy);

impl Along for Fast<'_> {
    #[inline]
    fn probe(&self, p: Vec3) -> Probe {
        self.0.probe(p)
    }

    #[inline]
    fn probe_ahead(&self, p: Vec3, dir: Vec3) -> (Probe, Ahead) {
        self.0.grid.probe_ahead(p, dir, self.0)
    }

    fn split(&self, a: Vec3, b: Vec3) -> Option<Split> {
        self.0.grid.split(a, b, self.0)
    }

    fn fields(&self, p: Vec3) -> Fields {
        self.0.fields_at(p)
    }
}

impl Along for Analytic<'_> {
    fn probe(&self, p: Vec3) -> Probe {
        self.0.probe_analytic(p)
    }

    fn probe_ahead(&self, p: Vec3, _: Vec3) -> (Probe, Ahead) {
        let probe = self.0.probe_analytic(p);
        (probe, Ahead::clearance(probe))
    }

    fn split(&self, _: Vec3, _: Vec3) -> Option<Split> {
        None
    }

    fn fields(&self, p: Vec3) -> Fields {
        self.0.fields_at(p)
    }
}

/// The analytic field, counting what is asked of it.
struct Counting<'a> {
    anatomy: &'a Anatomy,
    probes: std::cell::Cell<usize>,
}

impl super::field::Exact for Counting<'_> {
    fn probe(&self, p: Vec3) -> Probe {
        self.probes.set(self.probes.get() + 1);
        self.anatomy.probe_analytic(p)
    }

    fn fields(&self, p: Vec3) -> Fields {
        self.anatomy.fields_at(p)
    }

    fn stretch(&self) -> f32 {
        self.anatomy.twist.stretch()
    }
}

/// [`Fast`], tallying its probes and the analytic probes each kind makes.
struct Tallied<'a> {
    exact: Counting<'a>,
    tally: std::cell::RefCell<PathTally>,
    /// Exact evaluations made in brackets since the last boundary was tallied.
    in_bracket: std::cell::Cell<usize>,
}

impl Tallied<'_> {
    /// Runs `query`, and tallies it and the analytic probes it made with `count`.
    fn count<T>(&self, query: impl FnOnce() -> T, count: impl FnOnce(&mut PathTally, usize)) -> T {
        let before = self.exact.probes.get();
        let out = query();
        count(
            &mut self.tally.borrow_mut(),
            self.exact.probes.get() - before,
        );
        out
    }
}

impl Along for Tallied<'_> {
    fn probe(&self, p: Vec3) -> Probe {
        self.count(
            || self.exact.anatomy.grid.probe(p, &self.exact),
            |t, analytic| {
                t.bracket_probes += 1;
                t.analytic_in_brackets += analytic;
                self.in_bracket.set(self.in_bracket.get() + analytic);
            },
        )
    }

    fn probe_ahead(&self, p: Vec3, dir: Vec3) -> (Probe, Ahead) {
        let out = self.count(
            || self.exact.anatomy.grid.probe_ahead(p, dir, &self.exact),
            |t, analytic| {
                t.steps += 1;
                t.analytic_in_steps += analytic;
            },
        );
        self.tally.borrow_mut().steps_in[out.0.tissue as usize] += 1;
        out
    }

    fn split(&self, a: Vec3, b: Vec3) -> Option<Split> {
        self.exact.anatomy.grid.split(a, b, &self.exact)
    }

    fn fields(&self, p: Vec3) -> Fields {
        self.count(
            || self.exact.anatomy.fields_at(p),
            |t, _| {
                t.field_reads += 1;
                self.in_bracket.set(self.in_bracket.get() + 1);
            },
        )
    }

    fn crossed(&self, from: Tissue, to: Tissue, band: Option<f32>) {
        let exact = self.in_bracket.replace(0);
        let mut tally = self.tally.borrow_mut();
        let b = tally.boundary(from, to);
        b.crossings += 1;
        b.exact += exact;
        b.by_grid += usize::from(exact == 0);
        b.bands.extend(band);
    }
}

impl Anatomy {
    pub fn tissue_at(&self, p: Vec3) -> Tissue {
        self.probe(p).tissue
    }

    /// The tissue at `p` and its clearance, from the grid where it can tell (see
    /// [`field`](super::field)); it classifies exactly as [`Anatomy::probe_analytic`].
    pub fn probe(&self, p: Vec3) -> Probe {
        self.grid.probe(p, self)
    }

    /// The tissue at `p` from the anatomy's distance fields, with no grid.
    pub fn probe_analytic(&self, p: Vec3) -> Probe {
        let (q, x) = self.folded_x(p);
        let probe = self.probe_folded(q);
        Probe {
            clearance: self.bound(probe.clearance, x),
            ..probe
        }
    }

    fn probe_folded(&self, q: Vec3) -> Probe {
        let s = self.distance_scale;
        let b = self.pelvis.sample(q);
        let hip = b.hip_bone * s;
        let sacrum = b.sacrum * s;
        let joint = b.si_joint * s;
        let symphysis = b.symphysis * s;
        let cortex = self.instance.cortex;
        let mut clearance = hip
            .abs()
            .min((hip + cortex).abs())
            .min(sacrum.abs())
            .min(joint.abs())
            .min(symphysis.abs());

        let bone_tissue = if joint < 0.0 {
            Some(Tissue::SiJoint)
        } else if sacrum < 0.0 {
            Some(Tissue::Sacrum)
        } else if symphysis < 0.0 {
            Some(Tissue::Symphysis)
        } else if hip < 0.0 {
            Some(if hip > -cortex {
                Tissue::Cortex
            } else {
                Tissue::Marrow
            })
        } else {
            None
        };
        if let Some(tissue) = bone_tissue {
            return Probe { tissue, clearance };
        }

        let cutoff = clearance / s;
        let h = &self.hazards;
        let canal = b.canal * s;
        if canal < 0.0 {
            return Probe {
                tissue: Tissue::SacralCanal,
                clearance: clearance.min(-canal),
            };
        }
        clearance = clearance.min(canal);
        let bones_ref = b.hip_bone.min(b.sacrum);
        for (d, tissue) in [
            (h.sciatic(bones_ref, q, cutoff), Tissue::SciaticNerve),
            (h.artery.sdf(q, cutoff), Tissue::SuperiorGlutealArtery),
            (h.lfcn.sdf(q, cutoff), Tissue::Lfcn),
        ] {
            let d = d * s;
            if d < 0.0 {
                return Probe {
                    tissue,
                    clearance: clearance.min(-d),
                };
            }
            clearance = clearance.min(d);
        }
        let cavity = h.cavity(bones_ref, b.inner_offset, q) * s;
        clearance = clearance.min(cavity.abs());
        if cavity < 0.0 {
            return Probe {
                tissue: Tissue::PelvicCavity,
                clearance,
            };
        }

        let env = self.soft.envelope(bones_ref, q) * s;
        let l = self.soft.layers(q);
        let m = l.muscle;
        let f = m + l.fat;
        let sk = f + l.skin;
        let layer_clearance = (env - m).abs().min((env - f).abs()).min((env - sk).abs());
        clearance = clearance.min(layer_clearance * LAYER_SAFETY);
        // The cleft's walls are lined with skin, thinner where the groove is shallower than it.
        let (cleft, lining) = match self.soft.cleft(q, env - sk, s) {
            Some((cleft, depth)) => {
                let lining = l.skin.min(depth);
                let wall = cleft.abs().min((cleft - lining).abs());
                clearance = clearance.min(wall * LAYER_SAFETY);
                (cleft, lining)
            }
            None => (f32::INFINITY, 0.0),
        };
        let tissue = if cleft < 0.0 {
            Tissue::Air
        } else if cleft < lining && env < sk {
            Tissue::Skin
        } else if env < m {
            Tissue::Muscle
        } else if env < f {
            Tissue::Fat
        } else if env < sk {
            Tissue::Skin
        } else {
            Tissue::Air
        };
        Probe { tissue, clearance }
    }

    /// Every scalar field whose sign decides the tissue at `p` (patient mm), so that
    /// [`classify`] of them is the analytic probe's tissue. Each is exact, but for a hazard
    /// further than [`HAZARD_EXACT_MM`] from `p`, which gives a lower bound of its distance.
    pub(super) fn fields_at(&self, p: Vec3) -> Fields {
        let q = self.folded_x(p).0;
        let s = self.distance_scale;
        let b = self.pelvis.sample(q);
        let h = &self.hazards;
        let bones_ref = b.hip_bone.min(b.sacrum);
        let hip = b.hip_bone * s;
        let env = self.soft.envelope(bones_ref, q) * s;
        let l = self.soft.layers(q);
        let (m, f) = (l.muscle, l.muscle + l.fat);
        let sk = f + l.skin;
        let (cleft, lining) = match self.soft.cleft(q, env - sk, s) {
            Some((cleft, depth)) => (cleft, l.skin.min(depth)),
            None => (f32::INFINITY, 0.0),
        };
        [
            b.si_joint * s,
            b.sacrum * s,
            b.symphysis * s,
            hip,
            hip + self.instance.cortex,
            b.canal * s,
            h.sciatic(bones_ref, q, HAZARD_EXACT_MM) * s,
            h.artery.sdf(q, HAZARD_EXACT_MM) * s,
            h.lfcn.sdf(q, HAZARD_EXACT_MM) * s,
            h.cavity(bones_ref, b.inner_offset, q) * s,
            cleft,
            cleft - lining,
            env - m,
            env - f,
            env - sk,
        ]
    }

    /// The ordered tissue intervals along the segment `a`→`b`.
    ///
    /// Steps are at least `min_step` mm, longer where the probe proves no boundary is near;
    /// each boundary found is then bisected to 0.01 mm. Layers thinner than `min_step` may
    /// be missed, as they would be by sampling at that step.
    pub fn intervals(&self, a: Vec3, b: Vec3, min_step: f32) -> Vec<Interval> {
        self.intervals_by(a, b, min_step, &Fast(self), |_, _| None)
    }

    /// [`Anatomy::intervals`] for a caller that may not need all of the segment: each time
    /// the segment is found in a tissue (the first at 0 mm, then at each boundary), `reach`
    /// is told the tissue and where it starts, and may return a shorter length to stop at.
    /// Up to where it stops, the intervals are those [`Anatomy::intervals`] gives.
    pub fn intervals_reaching(
        &self,
        a: Vec3,
        b: Vec3,
        min_step: f32,
        reach: impl FnMut(Tissue, f32) -> Option<f32>,
    ) -> Vec<Interval> {
        self.intervals_by(a, b, min_step, &Fast(self), reach)
    }

    /// [`Anatomy::intervals`] with every probe analytic: the baseline the grid is checked
    /// and timed against.
    pub fn intervals_analytic(&self, a: Vec3, b: Vec3, min_step: f32) -> Vec<Interval> {
        self.intervals_by(a, b, min_step, &Analytic(self), |_, _| None)
    }

    /// [`Anatomy::intervals_reaching`], adding what it cost to `tally`. The grid's bricks
    /// that it fills on the way count as they are filled, so a tally of a warm grid is the
    /// one to read.
    pub fn intervals_tallied(
        &self,
        a: Vec3,
        b: Vec3,
        min_step: f32,
        reach: impl FnMut(Tissue, f32) -> Option<f32>,
        tally: &mut PathTally,
    ) -> Vec<Interval> {
        let field = Tallied {
            exact: Counting {
                anatomy: self,
                probes: std::cell::Cell::new(0),
            },
            tally: std::cell::RefCell::new(PathTally {
                paths: 1,
                ..PathTally::default()
            }),
            in_bracket: std::cell::Cell::new(0),
        };
        let out = self.intervals_by(a, b, min_step, &field, reach);
        tally.add(&field.tally.borrow());
        out
    }

    fn intervals_by(
        &self,
        a: Vec3,
        b: Vec3,
        min_step: f32,
        field: &impl Along,
        mut reach: impl FnMut(Tissue, f32) -> Option<f32>,
    ) -> Vec<Interval> {
        const MAX_STEPS: usize = 1 << 16;
        let whole = (b - a).length();
        let mut out = Vec::new();
        if whole <= 0.0 || !whole.is_finite() {
            return out;
        }
        let dir = (b - a) / whole;
        // Where to stop, which `reach` may bring closer. Steps are still those the whole
        // segment would take, so that every boundary before the stop is found as it would
        // be without one.
        let mut length = whole;
        let min_step = min_step.max(BOUNDARY_TOLERANCE);
        let mut t = 0.0;
        let mut start = 0.0;
        let (mut here, mut ahead) = field.probe_ahead(a, dir);
        if let Some(l) = reach(here.tissue, 0.0) {
            length = length.min(l.max(0.0));
        }
        let mut steps = 0;
        while t < length {
            // Where a boundary is near, land just past it, if that leaps no further past
            // what is sure than a plain step would.
            let step = if ahead.sure < ahead.past && ahead.past <= ahead.sure + min_step {
                ahead.past
            } else {
                ahead.sure.max(min_step)
            };
            let next_t = (t + step).min(whole);
            steps += 1;
            // Far from the origin an f32 step can fall below one ULP and stop moving; no
            // segment the scenes allow needs anywhere near this many steps.
            if next_t <= t || steps > MAX_STEPS {
                break;
            }
            let (next, next_ahead) = field.probe_ahead(a + dir * next_t, dir);
            if next.tissue == here.tissue {
                t = next_t;
                (here, ahead) = (next, next_ahead);
                continue;
            }
            let mut b = Bracket {
                tissue: here.tissue,
                lo: t,
                lo_clear: here.clearance,
                hi: next_t,
                hi_probe: next,
            };
            // Where the grid's interpolants put the boundary, probe just either side of the
            // band in which they cannot tell: often that alone brackets it to the tolerance.
            // Where it does not, the field itself at the interpolant's root, less its value
            // over the interpolant's slope, puts the boundary within a few microns: one more
            // probe past that closes the bracket.
            let split = field.split(a + dir * b.lo, a + dir * b.hi);
            let band = split.map(|s| s.half * (b.hi - b.lo));
            if let Some(split) = split {
                let gap = b.hi - b.lo;
                let (mid, half) = (b.lo + gap * split.share, gap * split.half);
                for at in [mid - half, mid + half] {
                    if b.inside(at) {
                        b.take(at, field.probe(a + dir * at));
                    }
                }
                if b.hi - b.lo > BOUNDARY_TOLERANCE && b.inside(mid) {
                    let values = field.fields(a + dir * mid);
                    let root = mid - values[split.field] * gap / split.slope;
                    // The field's values are not distances: this end carries no clearance.
                    let tissue = classify(&values);
                    let nudge = 0.4 * BOUNDARY_TOLERANCE;
                    let at = if b.take(
                        mid,
                        Probe {
                            tissue,
                            clearance: 0.0,
                        },
                    ) {
                        root + nudge
                    } else {
                        root - nudge
                    };
                    if b.inside(at) {
                        b.take(at, field.probe(a + dir * at));
                    }
                }
            }
            // Bracket the rest of the way. The clearances on either side are distances to
            // the boundary, so it lies where they divide the bracket (exact for a plane,
            // whatever the angle). Each probe aims a little past that point, toward the side
            // that moved last, so that the next probe brackets it from the other side; a
            // probe that fails to move the far side falls back to halving.
            let mut moved_lo = true;
            let mut stalled = 0;
            while b.hi - b.lo > BOUNDARY_TOLERANCE {
                let (lo, hi) = (b.lo, b.hi);
                let gap = hi - lo;
                let (cl, ch) = (b.lo_clear.max(0.0), b.hi_probe.clearance.max(0.0));
                let at = if stalled >= 2 || cl + ch <= 0.0 {
                    0.5 * (lo + hi)
                } else {
                    let aim = lo + gap * (cl / (cl + ch));
                    let nudge = 0.4 * BOUNDARY_TOLERANCE;
                    let margin = 0.25 * BOUNDARY_TOLERANCE;
                    let aim = if moved_lo { aim + nudge } else { aim - nudge };
                    aim.clamp(lo + margin.min(0.5 * gap), hi - margin.min(0.5 * gap))
                };
                if !b.inside(at) {
                    break;
                }
                let lo_side = b.take(at, field.probe(a + dir * at));
                stalled = if lo_side == moved_lo { stalled + 1 } else { 0 };
                moved_lo = lo_side;
            }
            let (hi, hi_probe) = (b.hi, b.hi_probe);
            field.crossed(here.tissue, hi_probe.tissue, band);
            if hi > length {
                break;
            }
            out.push(Interval {
                tissue: here.tissue,
                start,
                end: hi,
            });
            start = hi;
            t = hi;
            (here, ahead) = (hi_probe, Ahead::clearance(hi_probe));
            if let Some(l) = reach(here.tissue, hi) {
                length = length.min(l.max(hi));
            }
        }
        out.push(Interval {
            tissue: here.tissue,
            start,
            end: length,
        });
        out
    }

    /// First point where the ray from `origin` along `dir` meets the skin, within `max` mm.
    pub fn raycast_skin(&self, origin: Vec3, dir: Vec3, max: f32) -> Option<Vec3> {
        march(|p| self.skin_sdf(p), origin, dir, max)
    }

    /// First point where the ray from `origin` along `dir` meets bone, within `max` mm.
    pub fn raycast_bone(&self, origin: Vec3, dir: Vec3, max: f32) -> Option<Vec3> {
        march(|p| self.bone_sdf(p), origin, dir, max)
    }

    /// Tissue sampled every `step` mm along `a`→`b`: the plain reference the intervals are checked against.
    pub fn sample_path(&self, a: Vec3, b: Vec3, step: f32) -> Vec<Tissue> {
        let length = (b - a).length();
        let n = (length / step).floor() as usize + 1;
        let dir = if length > 0.0 {
            (b - a) / length
        } else {
            Vec3::ZERO
        };
        (0..n)
            .map(|i| self.tissue_at(a + dir * (i as f32 * step)))
            .collect()
    }
}

/// Sphere-traces a distance field (half steps: the fields are bounds, not exact distances).
fn march(sdf: impl Fn(Vec3) -> f32, origin: Vec3, dir: Vec3, max: f32) -> Option<Vec3> {
    let dir = dir.normalize_or_zero();
    if dir == Vec3::ZERO {
        return None;
    }
    let mut t = 0.0;
    for _ in 0..2000 {
        let p = origin + dir * t;
        let d = sdf(p);
        if d < 0.05 {
            return Some(p);
        }
        t += (d * 0.5).max(0.05);
        if t > max {
            return None;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::anatomy::{Patient, Sex};
    use rand::{RngExt, SeedableRng};

    #[test]
    fn a_tallied_path_is_the_path_and_counts_each_boundary_it_crosses() {
        let a = Anatomy::build(&Patient::average("adult_male", Sex::Male)).unwrap();
        let psis = a.landmark("psis_left").unwrap();
        let (from, to) = (
            psis + Vec3::new(0.0, -150.0, 40.0),
            psis + Vec3::new(0.0, 60.0, -10.0),
        );
        let mut tally = PathTally::default();
        let tallied = a.intervals_tallied(from, to, 0.25, |_, _| None, &mut tally);
        let plain = a.intervals(from, to, 0.25);
        assert_eq!(tallied, plain);
        assert!(plain.len() >= 5, "{plain:?}");
        let crossings: usize = tally.boundaries.iter().map(|b| b.crossings).sum();
        assert_eq!(crossings, plain.len() - 1, "{:?}", tally.boundaries);
        for w in plain.windows(2) {
            assert!(
                tally
                    .boundaries
                    .iter()
                    .any(|b| (b.from, b.to) == (w[0].tissue, w[1].tissue)),
                "{:?} into {:?} is not tallied",
                w[0].tissue,
                w[1].tissue
            );
        }
    }

    #[test]
    fn the_fields_signs_give_the_analytic_tissue() {
        let a = Anatomy::build(&Patient::average("adult_female", Sex::Female)).unwrap();
        let landmarks: Vec<Vec3> = a.landmarks().values().copied().collect();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..200_000 {
            let l = landmarks[rng.random_range(0..landmarks.len())];
            let p = l + Vec3::new(
                rng.random_range(-30.0..30.0),
                rng.random_range(-30.0..30.0),
                rng.random_range(-30.0..30.0),
            );
            let tissue = a.probe_analytic(p).tissue;
            assert_eq!(classify(&a.fields_at(p)), tissue, "at {p}");
            seen.insert(tissue as usize);
        }
        assert!(seen.len() >= 9, "the points met {} tissues", seen.len());
    }
}
