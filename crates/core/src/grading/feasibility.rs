//! Proof that a scenario can be passed: sample entry points and directions inside its zones,
//! mark each straight insertion, and keep the best as an attempt file.

use crate::anatomy::{Anatomy, Interval, PathTally, Patient};
use crate::grading::scoring::{self, Verdict};
use crate::needle::{Pose, Sample};
use crate::records::attempt::{self, Attempt, SiteAttempt};
use crate::scenario::Scenario;
use crate::tissue::Tissue;
use glam::{Quat, Vec3};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

#[derive(Clone, Debug)]
pub struct SiteFeasibility {
    pub site: usize,
    pub samples: usize,
    pub passes: usize,
    pub best_total: f32,
    pub best: Option<Pose>,
}

impl SiteFeasibility {
    /// The 95% Wilson score interval of the share of insertions that pass: where the site's
    /// rate lies, given how many were sampled. Unlike the normal approximation it stays
    /// within 0 and 1 and is honest at 0 or all passes.
    pub fn interval(&self) -> (f32, f32) {
        if self.samples == 0 {
            return (0.0, 1.0);
        }
        const Z: f64 = 1.959_964;
        let n = self.samples as f64;
        let p = self.passes as f64 / n;
        let z2 = Z * Z;
        let denom = 1.0 + z2 / n;
        let centre = (p + z2 / (2.0 * n)) / denom;
        let half = Z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denom;
        (
            (centre - half).max(0.0) as f32,
            (centre + half).min(1.0) as f32,
        )
    }
}

#[derive(Clone, Debug)]
pub struct Feasibility {
    pub patient: Patient,
    pub sites: Vec<SiteFeasibility>,
    /// The best insertion of every site, as an attempt that `marrowsim score` accepts.
    pub best_attempt: Option<Attempt>,
}

impl Feasibility {
    /// The share of sampled insertions that pass, for the hardest site.
    pub fn success_rate(&self) -> f32 {
        self.sites
            .iter()
            .map(|s| s.passes as f32 / s.samples.max(1) as f32)
            .fold(1.0, f32::min)
    }
}

/// One sampled insertion: a bone entry point in the zone, a direction in the cone, and the
/// skin point and depth that make it a straight push into the depth window. `None` when no
/// such push exists (no marrow within reach, or the tip would skid off the bone).
fn sample_pose(
    anatomy: &Anatomy,
    zone: &crate::scenario::ResolvedSite,
    needle_len: f32,
    rng: &mut ChaCha8Rng,
    tally: Option<&mut LineTally>,
    clock: Option<&mut Phases>,
) -> Option<(Pose, Vec<Interval>)> {
    let line = sample_line(zone, rng);
    pose_along(
        anatomy,
        zone,
        needle_len,
        line,
        |lo, hi| rng.random_range(lo..hi),
        tally,
        clock,
    )
}

/// [`sample_pose`] on a given line, the push's depth in the window given by `pick(min, max)`.
fn pose_along(
    anatomy: &Anatomy,
    zone: &crate::scenario::ResolvedSite,
    needle_len: f32,
    (target, dir): (Vec3, Vec3),
    pick: impl FnOnce(f32, f32) -> f32,
    mut tally: Option<&mut LineTally>,
    clock: Option<&mut Phases>,
) -> Option<(Pose, Vec<Interval>)> {
    let on = clock.is_some();
    let mut idle = Phases::default();
    let clock = clock.unwrap_or(&mut idle);
    let path = tally.as_deref_mut().map(|t| &mut t.path);
    let (entry, shaft) = lap(on, &mut clock.path_ns, || {
        skin_and_shaft(anatomy, zone, target, dir, needle_len, path)
    })?;
    if let Some(t) = tally {
        t.skid_tests += usize::from(shaft.iter().any(|i| i.tissue == Tissue::Cortex));
    }
    lap(on, &mut clock.push_ns, || {
        push_to_window(anatomy, zone, entry, dir, shaft, pick)
    })
}

/// Runs `f`, and adds the time it took to `into` when the clock is `on`.
#[inline]
fn lap<T>(on: bool, into: &mut u64, f: impl FnOnce() -> T) -> T {
    if !on {
        return f();
    }
    let start = std::time::Instant::now();
    let r = f();
    *into += start.elapsed().as_nanos() as u64;
    r
}

/// An entry point in the zone's disc and a direction in its cone, uniform over both.
fn sample_line(zone: &crate::scenario::ResolvedSite, rng: &mut ChaCha8Rng) -> (Vec3, Vec3) {
    let radius = rng.random_range(0.0f32..1.0);
    let angle = rng.random_range(0.0..std::f32::consts::TAU);
    let tilt = rng.random_range(0.0f32..1.0);
    let spin = rng.random_range(0.0..std::f32::consts::TAU);
    line_at(zone, [radius, angle, tilt, spin])
}

/// The line that `[radius², angle, tilt², spin]` name: the squares as shares of the zone's
/// radius and tolerance (so that uniform draws are uniform over the disc and the cone), the
/// angles in radians.
fn line_at(
    zone: &crate::scenario::ResolvedSite,
    [radius, a, tilt, spin]: [f32; 4],
) -> (Vec3, Vec3) {
    let aim = zone.aim;
    let helper = if aim.x.abs() < 0.9 { Vec3::X } else { Vec3::Y };
    let u = aim.cross(helper).normalize();
    let v = aim.cross(u);
    let r = zone.entry_radius * radius.sqrt();
    let target = zone.entry_centre + (u * a.cos() + v * a.sin()) * r;
    let tilt = zone.tolerance_deg.to_radians() * tilt.sqrt();
    let axis = u * spin.cos() + v * spin.sin();
    let dir = (Quat::from_axis_angle(axis, tilt) * aim).normalize();
    (target, dir)
}

/// A push stops at least this far (mm) short of the far end of the marrow.
const MARROW_MARGIN: f32 = 0.5;

/// What [`push_to_window`] reads of a line, as a reach for [`Anatomy::intervals_reaching`]:
/// the line up to its first marrow after a cortex, and the deepest push into it. The line
/// past that point costs a third of a line's probes and changes no push.
pub(super) fn marrow_reach(
    zone: &crate::scenario::ResolvedSite,
) -> impl FnMut(Tissue, f32) -> Option<f32> {
    let deepest = zone.max_mm + MARROW_MARGIN + 0.01;
    let mut past_cortex = false;
    move |tissue, at| {
        past_cortex |= tissue == Tissue::Cortex;
        (past_cortex && tissue == Tissue::Marrow).then_some(at + deepest)
    }
}

/// The straight push from `entry` along `dir` (whose tissues are `shaft`) that stops
/// `pick(min, max)` mm past the cortex, within the site's depth window and the marrow. `None`
/// when there is none: no marrow within reach, or a tip that would skid off the bone.
pub(super) fn push_to_window(
    anatomy: &Anatomy,
    zone: &crate::scenario::ResolvedSite,
    entry: Vec3,
    dir: Vec3,
    mut shaft: Vec<Interval>,
    pick: impl FnOnce(f32, f32) -> f32,
) -> Option<(Pose, Vec<Interval>)> {
    let cortex = shaft.iter().position(|i| i.tissue == Tissue::Cortex)?;
    // A needle meeting the bone at a glancing angle skids off it (as in the app): not a
    // placement a trainee could make.
    let contact = entry + dir * (shaft[cortex].start + 0.05);
    let normal = anatomy.bone_normal(contact);
    if dir.angle_between(-normal).to_degrees() > crate::needle::insertion::SKID_ANGLE_DEG {
        return None;
    }
    let marrow = shaft[cortex..]
        .iter()
        .find(|i| i.tissue == Tissue::Marrow)?;
    let hi = zone.max_mm.min(marrow.length() - MARROW_MARGIN);
    if hi <= zone.min_mm {
        return None;
    }
    let depth = marrow.start + pick(zone.min_mm, hi);
    shaft.retain(|i| i.start < depth);
    if let Some(last) = shaft.last_mut() {
        last.end = depth;
    }
    Some((
        Pose {
            entry,
            direction: dir,
            depth,
        },
        shaft,
    ))
}

/// Where the line reaching `target` along `dir` crosses the skin, coming from 200 mm outside,
/// and the tissues of a needle of `needle_len` mm pushed in from there, from one path query
/// (whose cost is added to `tally`, if given).
pub(super) fn skin_and_shaft(
    anatomy: &Anatomy,
    zone: &crate::scenario::ResolvedSite,
    target: Vec3,
    dir: Vec3,
    needle_len: f32,
    tally: Option<&mut PathTally>,
) -> Option<(Vec3, Vec<Interval>)> {
    const OUTSIDE: f32 = 200.0;
    let start = target - dir * OUTSIDE;
    let end = target + dir * needle_len;
    let line = match tally {
        Some(tally) => anatomy.intervals_tallied(start, end, 0.25, marrow_reach(zone), tally),
        None => anatomy.intervals_reaching(start, end, 0.25, marrow_reach(zone)),
    };
    skin_and_shaft_of(line, start, dir, needle_len)
}

/// The skin point and the needle's shaft, from the tissues of a line from `start` along `dir`.
fn skin_and_shaft_of(
    line: Vec<Interval>,
    start: Vec3,
    dir: Vec3,
    needle_len: f32,
) -> Option<(Vec3, Vec<Interval>)> {
    let skin = line.iter().position(|i| i.tissue != Tissue::Air)?;
    if skin == 0 {
        return None;
    }
    // The needle starts a hair outside the skin, as a trainee's does.
    let at = line[skin].start - 0.05;
    let shaft = line[skin - 1..]
        .iter()
        .filter(|i| i.start < at + needle_len)
        .map(|i| Interval {
            tissue: i.tissue,
            start: (i.start - at).max(0.0),
            end: (i.end - at).min(needle_len),
        })
        .collect();
    Some((start + dir * at, shaft))
}

/// A straight insertion at a steady 2 mm/s, as a timeline.
pub fn straight_insertion(pose: &Pose) -> Vec<Sample> {
    let secs = (pose.depth / 2.0).max(1.0);
    vec![
        Sample::new(
            0.0,
            Pose {
                depth: 0.0,
                ..*pose
            },
        ),
        Sample::new(secs, *pose),
    ]
}

/// Samples in a chunk: small enough to share the work evenly, large enough that handing
/// chunks out costs nothing.
pub(super) const CHUNK: usize = 256;

#[derive(Default)]
struct ChunkResult {
    samples: usize,
    passes: usize,
    best: Option<(f32, Pose)>,
}

/// What a chunk of one site's samples is drawn from.
struct Chunk<'a> {
    scenario: &'a Scenario,
    anatomy: &'a Anatomy,
    site: usize,
    zone: crate::scenario::ResolvedSite,
    seed: u64,
}

impl<'a> Chunk<'a> {
    /// The draw for `site`, on a patient whose landmarks place its zone.
    fn new(
        scenario: &'a Scenario,
        anatomy: &'a Anatomy,
        site: usize,
        seed: u64,
    ) -> Result<Chunk<'a>, String> {
        let zone = scenario
            .resolve(site, anatomy)
            .ok_or("the scenario's landmarks are missing on this patient")?;
        Ok(Chunk {
            scenario,
            anatomy,
            site,
            zone,
            seed,
        })
    }

    /// Samples `n` insertions of chunk number `chunk` and scores each, counting their cost
    /// in `tally` and timing its phases on `clock`, if given.
    fn sample(
        &self,
        chunk: usize,
        n: usize,
        mut tally: Option<&mut LineTally>,
        mut clock: Option<&mut Phases>,
    ) -> ChunkResult {
        let whole = std::time::Instant::now();
        // Each chunk has its own stream, fixed by the seed, the site and the chunk's number,
        // so the result does not depend on how many cores share the work.
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(((self.site as u64) << 40) | chunk as u64);
        let mut r = ChunkResult {
            samples: n,
            ..ChunkResult::default()
        };
        let needle = self.scenario.needle.length_mm;
        for _ in 0..n {
            let Some((pose, shaft)) = sample_pose(
                self.anatomy,
                &self.zone,
                needle,
                &mut rng,
                tally.as_deref_mut(),
                clock.as_deref_mut(),
            ) else {
                continue;
            };
            let on = clock.is_some();
            let mut spare = 0;
            let score_ns = clock.as_deref_mut().map_or(&mut spare, |c| &mut c.score_ns);
            let (total, verdict) = lap(on, score_ns, || {
                scoring::quick_with(
                    self.scenario,
                    self.anatomy,
                    self.site,
                    &self.zone,
                    &pose,
                    shaft,
                )
            });
            if let Some(t) = tally.as_deref_mut() {
                t.scored += 1;
            }
            if verdict == Verdict::Pass {
                r.passes += 1;
            }
            if r.best.is_none_or(|(b, _)| total > b) {
                r.best = Some((total, pose));
            }
        }
        if let Some(c) = clock {
            c.samples += n;
            c.all_ns += whole.elapsed().as_nanos() as u64;
        }
        r
    }
}

/// Where the cores' time goes in [`run_on`]'s insertions, in nanoseconds summed over the
/// threads (see [`phases`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize)]
pub struct Phases {
    pub samples: usize,
    /// The path query: the skin point and the tissues of the shaft.
    pub path_ns: u64,
    /// The skid test at the bone and the push into the depth window.
    pub push_ns: u64,
    /// Scoring each push.
    pub score_ns: u64,
    /// Everything, the drawing of the lines among it.
    pub all_ns: u64,
}

/// [`run_on`]'s sampling on its own fast path, timed by phase: the same samples and work,
/// and a clock read around each phase (tens of nanoseconds against tens of microseconds).
pub fn phases(
    scenario: &Scenario,
    anatomy: &Anatomy,
    samples: usize,
    seed: u64,
) -> Result<Phases, String> {
    let chunks = every_chunk(scenario, anatomy, samples, seed, |draw, chunk, n| {
        let mut p = Phases::default();
        draw.sample(chunk, n, None, Some(&mut p));
        p
    })?;
    Ok(chunks.iter().fold(Phases::default(), |all, p| Phases {
        samples: all.samples + p.samples,
        path_ns: all.path_ns + p.path_ns,
        push_ns: all.push_ns + p.push_ns,
        score_ns: all.score_ns + p.score_ns,
        all_ns: all.all_ns + p.all_ns,
    }))
}

/// `work(draw, chunk, samples_in_it)` on every chunk of every site's samples, shared over
/// the threads, in site and then chunk order.
fn every_chunk<T: Send>(
    scenario: &Scenario,
    anatomy: &Anatomy,
    samples: usize,
    seed: u64,
    work: impl Fn(&Chunk, usize, usize) -> T + Sync,
) -> Result<Vec<T>, String> {
    let mut all = Vec::new();
    for site in 0..scenario.sites.len() {
        let draw = Chunk::new(scenario, anatomy, site, seed)?;
        all.extend(run_chunks(samples, threads(), |chunk, n| {
            work(&draw, chunk, n)
        })?);
    }
    Ok(all)
}

/// What [`run_on`]'s insertions cost, counted (see [`tally`]).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct LineTally {
    pub samples: usize,
    pub passes: usize,
    /// The path queries, one a sample.
    pub path: PathTally,
    /// Samples whose needle met a cortex: each takes the bone's normal there (six
    /// evaluations of the bones) to test for a skid.
    pub skid_tests: usize,
    /// Insertions pushed into the depth window and scored.
    pub scored: usize,
}

/// [`run_on`]'s sampling, counted: the same samples and passes, and what their path queries,
/// skid tests and scoring cost. Tally a patient whose grid is warm (after a [`run_on`]), or
/// the cells filled on the way count too.
pub fn tally(
    scenario: &Scenario,
    anatomy: &Anatomy,
    samples: usize,
    seed: u64,
) -> Result<LineTally, String> {
    let chunks = every_chunk(scenario, anatomy, samples, seed, |draw, chunk, n| {
        let mut t = LineTally::default();
        let r = draw.sample(chunk, n, Some(&mut t), None);
        (t.samples, t.passes) = (r.samples, r.passes);
        t
    })?;
    let mut all = LineTally::default();
    for t in chunks {
        all.samples += t.samples;
        all.passes += t.passes;
        all.path.add(&t.path);
        all.skid_tests += t.skid_tests;
        all.scored += t.scored;
    }
    Ok(all)
}

/// How much of the sample space a design that decides whole cells of it at once could
/// decide: the space cut into `per_axis`⁴ cells of equal probability (on the four uniform
/// draws of [`sample_line`]), `per_cell` insertions marked exactly in each, and the cells
/// whose insertions all pass or all fail counted. Few insertions a cell miss small pockets
/// of the other verdict, so the shares are upper bounds.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Coherence {
    pub per_axis: usize,
    pub per_cell: usize,
    /// Over every site: `per_axis`⁴ a site.
    pub cells: usize,
    pub all_pass: usize,
    pub all_fail: usize,
    pub samples: usize,
    pub passes: usize,
}

impl Coherence {
    /// The share of cells in which the verdict changes.
    pub fn mixed_share(&self) -> f64 {
        (self.cells - self.all_pass - self.all_fail) as f64 / self.cells.max(1) as f64
    }
}

/// Measures [`Coherence`] on a built patient: deterministic for a seed, whatever the
/// thread count.
pub fn coherence(
    scenario: &Scenario,
    anatomy: &Anatomy,
    per_axis: usize,
    per_cell: usize,
    seed: u64,
) -> Result<Coherence, String> {
    let per_axis = per_axis.max(1);
    let per_cell = per_cell.max(1);
    let cells = per_axis
        .checked_pow(4)
        .filter(|c| c.checked_mul(per_cell).is_some())
        .ok_or_else(|| {
            format!("{per_axis}⁴ cells of {per_cell} insertions are too many to count")
        })?;
    let mut all = Coherence {
        per_axis,
        per_cell,
        ..Coherence::default()
    };
    let needle = scenario.needle.length_mm;
    for site in 0..scenario.sites.len() {
        let draw = Chunk::new(scenario, anatomy, site, seed)?;
        let chunks = run_chunks(cells, threads(), |chunk, n| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            rng.set_stream((1 << 63) | ((site as u64) << 40) | chunk as u64);
            let mut c = Coherence::default();
            for cell in chunk * CHUNK..chunk * CHUNK + n {
                let at = [0, 1, 2, 3].map(|axis| (cell / per_axis.pow(axis)) % per_axis);
                let mut passes = 0;
                for _ in 0..per_cell {
                    let q =
                        at.map(|i| (i as f32 + rng.random_range(0.0f32..1.0)) / per_axis as f32);
                    let share: f32 = rng.random_range(0.0..1.0);
                    let line = line_at(
                        &draw.zone,
                        [
                            q[0],
                            q[1] * std::f32::consts::TAU,
                            q[2],
                            q[3] * std::f32::consts::TAU,
                        ],
                    );
                    let pick = |lo: f32, hi: f32| lo + share * (hi - lo);
                    let pass = pose_along(anatomy, &draw.zone, needle, line, pick, None, None)
                        .is_some_and(|(pose, shaft)| {
                            scoring::quick_with(scenario, anatomy, site, &draw.zone, &pose, shaft).1
                                == Verdict::Pass
                        });
                    passes += usize::from(pass);
                }
                c.samples += per_cell;
                c.passes += passes;
                c.all_pass += usize::from(passes == per_cell);
                c.all_fail += usize::from(passes == 0);
            }
            c
        })?;
        all.cells += cells;
        for c in chunks {
            all.samples += c.samples;
            all.passes += c.passes;
            all.all_pass += c.all_pass;
            all.all_fail += c.all_fail;
        }
    }
    Ok(all)
}

/// Runs `work(chunk, samples_in_it)` for every chunk of `samples` on up to `threads` threads
/// and returns the results in chunk order, whichever thread did them. A worker that panics
/// is reported as an error.
pub(super) fn run_chunks<T: Send>(
    samples: usize,
    threads: usize,
    work: impl Fn(usize, usize) -> T + Sync,
) -> Result<Vec<T>, String> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let count = samples.div_ceil(CHUNK);
    let next = AtomicUsize::new(0);
    let per_thread: Vec<std::thread::Result<Vec<(usize, T)>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads.clamp(1, count.max(1)))
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let c = next.fetch_add(1, Ordering::Relaxed);
                        if c >= count {
                            return done;
                        }
                        done.push((c, work(c, CHUNK.min(samples - c * CHUNK))));
                    }
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join()).collect()
    });
    let mut all = Vec::with_capacity(count);
    for r in per_thread {
        match r {
            Ok(done) => all.extend(done),
            Err(panic) => {
                let why = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "no message".into());
                return Err(format!("a feasibility worker failed: {why}"));
            }
        }
    }
    all.sort_by_key(|(c, _)| *c);
    Ok(all.into_iter().map(|(_, t)| t).collect())
}

/// The cores to share sampling over (at most 8).
pub fn threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(8)
}

pub fn run(
    scenario: &Scenario,
    patient_seed: u64,
    samples: usize,
    seed: u64,
) -> Result<Feasibility, String> {
    let patient = scenario.patient(patient_seed);
    let anatomy = Anatomy::build(&patient).map_err(|e| e.to_string())?;
    run_on(scenario, &anatomy, samples, seed)
}

/// [`run`] on a patient already built.
pub fn run_on(
    scenario: &Scenario,
    anatomy: &Anatomy,
    samples: usize,
    seed: u64,
) -> Result<Feasibility, String> {
    let patient = anatomy.patient.clone();
    let threads = threads();
    let mut sites = Vec::new();
    for site in 0..scenario.sites.len() {
        let draw = Chunk::new(scenario, anatomy, site, seed)?;
        let chunks = run_chunks(samples, threads, |chunk, n| {
            draw.sample(chunk, n, None, None)
        })?;
        let mut f = SiteFeasibility {
            site,
            samples: 0,
            passes: 0,
            best_total: f32::MIN,
            best: None,
        };
        for c in chunks {
            f.samples += c.samples;
            f.passes += c.passes;
            if let Some((total, pose)) = c.best
                && total > f.best_total
            {
                f.best_total = total;
                f.best = Some(pose);
            }
        }
        sites.push(f);
    }
    let best_attempt = sites.iter().all(|s| s.best.is_some()).then(|| {
        let mut a = best_attempt(scenario, anatomy, &patient, &sites);
        // The standard infiltration along the chosen track, and the standard wait.
        if scenario.anaesthesia.is_some() {
            for s in &mut a.sites {
                if let Some(last) = s.timeline.last() {
                    a.anaesthetic
                        .extend(crate::grading::anaesthesia::planned_infiltration(
                            anatomy,
                            &last.pose(),
                            0.0,
                            true,
                        ));
                }
                crate::grading::anaesthesia::delay(s, 300.0);
            }
        }
        if scenario.preparation.is_some() {
            crate::grading::preparation::rehearse(
                &mut a,
                &crate::grading::preparation::Habit::careful(),
            );
        }
        a
    });
    Ok(Feasibility {
        patient,
        sites,
        best_attempt,
    })
}

fn best_attempt(
    scenario: &Scenario,
    anatomy: &Anatomy,
    patient: &crate::anatomy::Patient,
    sites: &[SiteFeasibility],
) -> Attempt {
    Attempt {
        version: attempt::VERSION,
        scene: scenario.title.clone(),
        patient: patient.clone(),
        evaluation: scenario.evaluation.as_ref().map(|e| attempt::Evaluated {
            t: 0.0,
            plan: e.answer.clone(),
        }),
        anaesthetic: Vec::new(),
        preparation: Vec::new(),
        marks: Vec::new(),
        who: None,
        when: None,
        shots: Vec::new(),
        sites: sites
            .iter()
            .filter_map(|s| {
                let mut timeline = straight_insertion(&s.best?);
                // The harvest a careful hand draws there: the placement is what was sampled.
                let pulls = match &scenario.aspiration {
                    Some(spec) => crate::grading::aspiration::planned_harvest(
                        anatomy,
                        spec,
                        &mut timeline,
                        spec.target_ml / scenario.sites.len() as f32,
                        crate::harvest::review::LARGEST_GOOD_PULL_ML as f32,
                        true,
                    ),
                    None => Vec::new(),
                };
                Some(SiteAttempt {
                    site: s.site,
                    events: crate::needle::replay(anatomy, &timeline).events,
                    timeline,
                    pulls,
                    palpations: Vec::new(),
                    turns: Vec::new(),
                })
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Smaller cells agree more often: the measure sees where the verdict changes, and a
    /// single insertion a cell is always one verdict.
    #[test]
    fn coherence_grows_as_the_cells_shrink() {
        let scenario = crate::scenario::default_scenario();
        let anatomy = Anatomy::build(&scenario.patient(1)).unwrap();
        let coarse = coherence(&scenario, &anatomy, 1, 64, 2).unwrap();
        let fine = coherence(&scenario, &anatomy, 4, 8, 2).unwrap();
        assert_eq!((coarse.cells, fine.cells, fine.samples), (1, 256, 2048));
        assert_eq!(coarse.mixed_share(), 1.0, "{coarse:?}");
        assert!(fine.mixed_share() < 0.6, "{fine:?}");
        let rate = fine.passes as f64 / fine.samples as f64;
        let sampled = run_on(&scenario, &anatomy, 2048, 2).unwrap().success_rate() as f64;
        assert!((rate - sampled).abs() < 0.05, "{rate} against {sampled}");
        let single = coherence(&scenario, &anatomy, 3, 1, 2).unwrap();
        assert_eq!(single.all_pass + single.all_fail, single.cells);
        assert_eq!(single.all_pass, single.passes);
        assert!(coherence(&scenario, &anatomy, 1 << 16, 2, 2).is_err());
    }

    /// Wilson intervals as published (Newcombe 1998, Statistics in Medicine 17:857, the
    /// score method: 1 of 29 is 0.0061–0.1718, 81 of 263 is 0.2553–0.3662), and at the
    /// ends, where the bound is z²/(n + z²).
    #[test]
    fn a_site_s_interval_is_the_wilson_score_interval() {
        let site = |passes, samples| SiteFeasibility {
            site: 0,
            samples,
            passes,
            best_total: 0.0,
            best: None,
        };
        for (passes, samples, lo, hi) in [
            (0, 10, 0.0, 0.2775),
            (1, 29, 0.0061, 0.1718),
            (81, 263, 0.2553, 0.3662),
            (10, 10, 0.7225, 1.0),
        ] {
            let (l, h) = site(passes, samples).interval();
            assert!(
                (l - lo).abs() < 5e-4 && (h - hi).abs() < 5e-4,
                "{passes} of {samples}: {l}–{h}"
            );
        }
        assert_eq!(site(0, 0).interval(), (0.0, 1.0));
    }

    #[test]
    fn chunks_come_back_in_order_whatever_the_thread_count() {
        let one = run_chunks(1000, 1, |c, n| (c, n)).unwrap();
        let many = run_chunks(1000, 7, |c, n| (c, n)).unwrap();
        assert_eq!(one, many);
        assert_eq!(one.iter().map(|(_, n)| n).sum::<usize>(), 1000);
        assert_eq!(one.last(), Some(&(3, 1000 - 3 * CHUNK)));
    }

    /// Cutting the line short at the marrow must not change one sampled push: the same
    /// entry, the same depth, the same shaft.
    #[test]
    fn the_marrow_reach_changes_no_push() {
        let scenario = crate::scenario::default_scenario();
        let anatomy = Anatomy::build(&scenario.patient(3)).unwrap();
        let zone = scenario.resolve(0, &anatomy).unwrap();
        let needle = scenario.needle.length_mm;
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let (mut pushes, mut cut) = (0, 0);
        for _ in 0..300 {
            let mut again = rng.clone();
            let reached = sample_pose(&anatomy, &zone, needle, &mut rng, None, None);
            let (target, dir) = sample_line(&zone, &mut again);
            let start = target - dir * 200.0;
            let whole = anatomy.intervals(start, target + dir * needle, 0.25);
            let short =
                anatomy.intervals_reaching(start, target + dir * needle, 0.25, marrow_reach(&zone));
            cut += usize::from(short.last().unwrap().end < whole.last().unwrap().end - 1.0);
            let full = skin_and_shaft_of(whole, start, dir, needle).and_then(|(e, s)| {
                push_to_window(&anatomy, &zone, e, dir, s, |lo, hi| {
                    again.random_range(lo..hi)
                })
            });
            assert_eq!(reached, full);
            pushes += usize::from(full.is_some());
        }
        assert!(
            pushes > 100 && cut > 100,
            "{pushes} pushes, {cut} lines cut"
        );
    }

    /// The phases' clocks run: every sample counted, each phase some time, and the phases
    /// within the whole.
    #[test]
    fn the_phases_of_a_run_add_up_within_its_time() {
        let scenario = crate::scenario::default_scenario();
        let anatomy = Anatomy::build(&scenario.patient(3)).unwrap();
        let p = phases(&scenario, &anatomy, 600, 5).unwrap();
        assert_eq!(p.samples, 600 * scenario.sites.len());
        assert!(p.path_ns > 0 && p.push_ns > 0 && p.score_ns > 0, "{p:?}");
        assert!(p.path_ns + p.push_ns + p.score_ns <= p.all_ns, "{p:?}");
    }

    /// A tally draws the samples a run draws (the same passes, one path each) and counts
    /// the work of each path; on a warm grid, twice the same.
    #[test]
    fn a_tally_samples_what_a_run_samples_and_counts_its_work() {
        let scenario = crate::scenario::default_scenario();
        let anatomy = Anatomy::build(&scenario.patient(3)).unwrap();
        let run = run_on(&scenario, &anatomy, 600, 5).unwrap();
        let t = tally(&scenario, &anatomy, 600, 5).unwrap();
        assert_eq!(t.samples, 600 * scenario.sites.len());
        assert_eq!(t.passes, run.sites.iter().map(|s| s.passes).sum::<usize>());
        assert_eq!(t.path.paths, t.samples);
        assert!(
            t.passes > 0 && t.scored >= t.passes && t.skid_tests >= t.scored,
            "{t:?}"
        );
        // A line crosses skin, fat, muscle and cortex into the marrow: steps through each,
        // and a bracket at each boundary.
        let p = &t.path;
        assert!(
            p.steps > 20 * t.samples && p.bracket_probes > 4 * t.samples,
            "{p:?}"
        );
        assert_eq!(p.steps_in.iter().sum::<usize>(), p.steps, "{p:?}");
        for layer in [
            Tissue::Air,
            Tissue::Skin,
            Tissue::Fat,
            Tissue::Muscle,
            Tissue::Cortex,
        ] {
            assert!(p.steps_in[layer as usize] >= t.samples, "{layer:?}: {p:?}");
        }
        // Every exact evaluation made in a bracket is charged to the boundary it placed, and
        // every line comes in through the skin.
        let boundaries = &p.boundaries;
        assert_eq!(
            boundaries.iter().map(|b| b.exact).sum::<usize>(),
            p.analytic_in_brackets + p.field_reads,
            "{boundaries:?}"
        );
        let skin = boundaries
            .iter()
            .find(|b| (b.from, b.to) == (Tissue::Air, Tissue::Skin))
            .expect("the skin");
        assert_eq!(skin.crossings, t.samples, "{boundaries:?}");
        assert!(
            boundaries
                .iter()
                .all(|b| b.by_grid <= b.crossings && b.bands.len() <= b.crossings),
            "{boundaries:?}"
        );
        assert!(p.field_reads > 0, "{p:?}");
        let analytic = p.analytic_in_steps + p.analytic_in_brackets;
        assert!(
            analytic > 0 && analytic * 4 < p.steps + p.bracket_probes,
            "{p:?}"
        );
        assert_eq!(tally(&scenario, &anatomy, 600, 5).unwrap(), t);
    }

    #[test]
    fn a_panicking_worker_is_an_error_not_a_silent_loss() {
        let r = run_chunks(1000, 2, |c, _| {
            assert!(c != 2, "chunk two is broken");
            c
        });
        let e = r.unwrap_err();
        assert!(e.contains("chunk two is broken"), "{e}");
    }
}
