//! `marrowsim perf`: the app's frame budget headless, frame rate and start-up time in a
//! window against a bare scene with the same meshes, what an idle window costs against
//! one that draws every frame, where a feasibility insertion's time goes, and how much of
//! feasibility's sample space could be decided a cell at a time.

use clap::{Args, Subcommand};
use marrowsim_app::AppOptions;
use marrowsim_app::SceneSource;
use marrowsim_app::{FrameProbe, IdleProbe, IdleReport, WindowReport, headless_budget};
use marrowsim_core::scenario::Scenario;
use marrowsim_core::scenario::default_scenario;
use marrowsim_core::tissue::Tissue;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct PerfArgs {
    #[command(subcommand)]
    pub what: PerfCommand,
}

#[derive(Subcommand, Debug)]
pub enum PerfCommand {
    /// Time the app's own systems and panel per frame, with no window (JSON).
    Headless {
        /// A scenario file (default: the built-in standard scene).
        scene: Option<PathBuf>,
        #[arg(long, default_value_t = 1000)]
        frames: u32,
    },
    /// Open a window, play the scripted attempt and time the frames (one JSON line).
    Window {
        #[command(flatten)]
        run: WindowRun,
        /// Only the meshes, camera and lights.
        #[arg(long)]
        bare: bool,
    },
    /// Run `window` bare and full, one after the other, and compare them.
    Compare {
        #[command(flatten)]
        run: WindowRun,
    },
    /// Open the window as a trainee gets it, touch nothing, and count the frames it draws
    /// and the CPU it takes (one JSON line).
    IdleWindow {
        #[command(flatten)]
        run: IdleRun,
        /// Draw every frame, as the window did before it learned to sleep.
        #[arg(long)]
        always: bool,
    },
    /// Run `idle-window` drawing every frame and as shipped, one after the other, and
    /// compare them.
    Idle {
        #[command(flatten)]
        run: IdleRun,
    },
    /// Time feasibility's insertions on a built patient, and count what each costs: the
    /// path's probes, the analytic ones among them, skid tests and scoring.
    Lines {
        /// A scenario file (default: the built-in standard scene).
        scene: Option<PathBuf>,
        /// Insertions a run, per site.
        #[arg(long, default_value_t = 20_000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
        samples: u32,
        /// Timed runs; the median is reported.
        #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=100))]
        runs: u32,
        /// The patient's and the sampling's seed, as `marrowsim feasibility --seed`.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// How much of feasibility's sample space a design that decides whole cells at once
    /// could decide: the space cut into cells of equal probability, a few insertions
    /// marked exactly in each, and the cells where they disagree counted.
    Coherence {
        /// A scenario file (default: the built-in standard scene).
        scene: Option<PathBuf>,
        /// Cells along each of the four draws (entry radius and angle, tilt and spin).
        #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=48))]
        cells: u32,
        /// Insertions marked in each cell.
        #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=256))]
        per_cell: u32,
        /// The patient's and the sampling's seed, as `marrowsim feasibility --seed`.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

/// Insertions `perf coherence` marks at most, about ten minutes on two cores.
const COHERENCE_LIMIT: usize = 20_000_000;

fn coherence(
    scene: Option<&PathBuf>,
    per_axis: usize,
    per_cell: usize,
    seed: u64,
) -> Result<(), String> {
    use marrowsim_core::grading::feasibility;
    let (scenario, _, name) = scene_of(scene)?;
    let wanted = per_axis.pow(4) * per_cell * scenario.sites.len();
    if wanted > COHERENCE_LIMIT {
        return Err(format!(
            "{per_axis}⁴ cells of {per_cell} insertions on {} would mark {wanted} insertions; at most {COHERENCE_LIMIT} are allowed",
            super::count(scenario.sites.len(), "site")
        ));
    }
    let anatomy = marrowsim_core::anatomy::Anatomy::build(&scenario.patient(seed))
        .map_err(|e| e.to_string())?;
    let start = std::time::Instant::now();
    let c = feasibility::coherence(&scenario, &anatomy, per_axis, per_cell, seed)?;
    let secs = start.elapsed().as_secs_f64();
    out!(
        "{}: {} cells ({per_axis} along each of the four draws, on {}), {} insertions marked in each, {} in all, {:.1} s",
        scenario.title,
        c.cells,
        super::count(scenario.sites.len(), "site"),
        per_cell,
        c.samples,
        secs
    );
    out!(
        "  {:.1}% of the insertions pass; {:.1}% of the cells agree ({} all pass, {} all fail); the verdict changes in {:.1}%",
        100.0 * c.passes as f64 / c.samples.max(1) as f64,
        100.0 * (1.0 - c.mixed_share()),
        c.all_pass,
        c.all_fail,
        100.0 * c.mixed_share()
    );
    out!(
        "  a cell that agrees in {per_cell} insertions may still hide the other verdict: the shares of agreement are upper bounds"
    );
    out!(
        "{}",
        serde_json::to_string(
            &serde_json::json!({ "scene": name, "seconds": secs, "coherence": c })
        )
        .map_err(|e| e.to_string())?
    );
    Ok(())
}

/// What `perf lines` measured.
#[derive(serde::Serialize)]
struct LinesReport<'a> {
    scene: &'a str,
    samples: usize,
    threads: usize,
    runs: Vec<f64>,
    median_s: f64,
    per_second: f64,
    tally: marrowsim_core::grading::feasibility::LineTally,
    phases: marrowsim_core::grading::feasibility::Phases,
}

fn lines(scene: Option<&PathBuf>, samples: usize, runs: u32, seed: u64) -> Result<(), String> {
    use marrowsim_core::grading::feasibility;
    let (scenario, _, name) = scene_of(scene)?;
    let anatomy = marrowsim_core::anatomy::Anatomy::build(&scenario.patient(seed))
        .map_err(|e| e.to_string())?;
    // The first run fills the grid where the insertions go; the timed ones find it warm.
    feasibility::run_on(&scenario, &anatomy, samples, seed)?;
    let mut times = Vec::new();
    for _ in 0..runs {
        let start = std::time::Instant::now();
        feasibility::run_on(&scenario, &anatomy, samples, seed)?;
        times.push(start.elapsed().as_secs_f64());
    }
    let mut sorted = times.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    let tally = feasibility::tally(&scenario, &anatomy, samples, seed)?;
    let phases = feasibility::phases(&scenario, &anatomy, samples, seed)?;
    let n = tally.samples.max(1) as f64;
    let each = |count: usize| count as f64 / n;
    let p = &tally.path;
    let threads = feasibility::threads();
    out!(
        "{}: {} insertions a run on {}, the grid warm",
        scenario.title,
        tally.samples,
        super::count(threads, "thread")
    );
    out!(
        "  median of {} runs: {:.1} ms, {:.0} insertions/s",
        runs,
        median * 1e3,
        n / median.max(1e-9)
    );
    out!(
        "  each insertion: {:.1} stepping probes and {:.1} bracketing probes along its line, of them {:.1} and {:.1} analytic; {:.1} exact field reads; {:.2} skid tests; {:.2} scored",
        each(p.steps),
        each(p.bracket_probes),
        each(p.analytic_in_steps),
        each(p.analytic_in_brackets),
        each(p.field_reads),
        each(tally.skid_tests),
        each(tally.scored)
    );
    let us = |ns: u64| ns as f64 / 1e3 / phases.samples.max(1) as f64;
    out!(
        "  each insertion, in µs of one core (a timed run of the same insertions): path {:.1}, skid test and push {:.1}, scoring {:.1}, drawing and the rest {:.1}; 1,000,000 insertions/s on {} would leave {:.1} µs for all of it",
        us(phases.path_ns),
        us(phases.push_ns),
        us(phases.score_ns),
        us(phases
            .all_ns
            .saturating_sub(phases.path_ns + phases.push_ns + phases.score_ns)),
        super::count(threads, "thread"),
        threads as f64
    );
    let by_tissue: Vec<String> = Tissue::ALL
        .iter()
        .zip(p.steps_in)
        .filter(|(_, n)| *n > 0)
        .map(|(t, n)| format!("{} {:.1}", t.name(), each(n)))
        .collect();
    out!(
        "  stepping probes per insertion, by the tissue each found: {}",
        by_tissue.join(", ")
    );
    out!(
        "  boundaries, per insertion: crossed; placed by the grid alone; exact evaluations; the interpolant's uncertain band (median half-width)"
    );
    let mut boundaries: Vec<_> = p.boundaries.iter().collect();
    boundaries.sort_by_key(|b| std::cmp::Reverse(b.crossings));
    for b in boundaries {
        let from_to = format!("{} → {}", b.from.name(), b.to.name());
        out!(
            "    {:<42} {:>6.3}  {:>4.0}%  {:>6.3}  {}",
            from_to,
            each(b.crossings),
            100.0 * b.by_grid as f64 / b.crossings.max(1) as f64,
            each(b.exact),
            b.median_band()
                .map_or("no interpolant".into(), |w| format!("{w:.4} mm"))
        );
    }
    let report = LinesReport {
        scene: &name,
        samples: tally.samples,
        threads,
        runs: times,
        median_s: median,
        per_second: n / median.max(1e-9),
        tally,
        phases,
    };
    out!(
        "{}",
        serde_json::to_string(&report).map_err(|e| e.to_string())?
    );
    Ok(())
}

/// What an idle window shows, and for how long it is watched.
#[derive(Args, Debug)]
pub struct IdleRun {
    /// A scenario file (default: the built-in standard scene).
    scene: Option<PathBuf>,
    /// Seconds watched, after the launch and a moment for the window to settle.
    #[arg(long, default_value_t = 10.0, value_parser = idle_seconds)]
    seconds: f32,
    #[command(flatten)]
    quality: super::QualityArg,
}

fn idle_seconds(s: &str) -> Result<f32, String> {
    let v: f32 = s.parse().map_err(|e| format!("{e}"))?;
    if (0.5..=600.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("{s} is not between 0.5 and 600 seconds"))
    }
}

/// The process's CPU time so far, user and system.
fn cpu_time() -> Option<std::time::Duration> {
    #[cfg(unix)]
    {
        // SAFETY: getrusage only writes the struct it is given, which is plain data.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
            return None;
        }
        let t = |v: libc::timeval| {
            std::time::Duration::from_secs(v.tv_sec.max(0) as u64)
                + std::time::Duration::from_micros(v.tv_usec.max(0) as u64)
        };
        Some(t(usage.ru_utime) + t(usage.ru_stime))
    }
    #[cfg(not(unix))]
    None
}

/// Runs this program again with `args` and reads the JSON line it prints last.
fn child_report<T: serde::de::DeserializeOwned>(args: &[String]) -> Result<T, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = std::process::Command::new(exe)
        .args(args)
        .output()
        .map_err(|e| e.to_string())?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .ok_or_else(|| {
            format!(
                "the window run printed no report:\n{}",
                String::from_utf8_lossy(&out.stderr)
            )
        })?;
    serde_json::from_str(line).map_err(|e| e.to_string())
}

fn quality_args(quality: &super::QualityArg) -> Vec<String> {
    let q = match quality.quality {
        super::Quality::Auto => "auto",
        super::Quality::Full => "full",
        super::Quality::Low => "low",
    };
    let mut args = vec!["--quality".to_string(), q.to_string()];
    if let Some(scale) = quality.render_scale {
        args.extend(["--render-scale".to_string(), scale.to_string()]);
    }
    args
}

/// What a timed window shows, and for how long.
#[derive(Args, Debug)]
pub struct WindowRun {
    /// A scenario file (default: the built-in standard scene).
    scene: Option<PathBuf>,
    #[arg(long, default_value_t = 600)]
    frames: u32,
    #[arg(long, default_value_t = 1280)]
    width: u32,
    #[arg(long, default_value_t = 720)]
    height: u32,
    /// The full app's render profile (the bare scene is always drawn at full quality).
    #[command(flatten)]
    quality: super::QualityArg,
}

fn scene_of(path: Option<&PathBuf>) -> Result<(Scenario, SceneSource, String), String> {
    match path {
        None => Ok((
            default_scenario(),
            SceneSource::BuiltIn,
            marrowsim_core::scenario::DEFAULT_SCENE_PATH.into(),
        )),
        Some(p) => Scenario::load(p)
            .map(|s| (s, SceneSource::File(p.clone()), p.display().to_string()))
            .map_err(|e| marrowsim_core::scenario::errors_text(&e)),
    }
}

pub fn run(args: &PerfArgs) -> Result<(), String> {
    match &args.what {
        PerfCommand::Lines {
            scene,
            samples,
            runs,
            seed,
        } => lines(scene.as_ref(), *samples as usize, *runs, *seed),
        PerfCommand::Coherence {
            scene,
            cells,
            per_cell,
            seed,
        } => coherence(scene.as_ref(), *cells as usize, *per_cell as usize, *seed),
        PerfCommand::Headless { scene, frames } => {
            let (scenario, _, _) = scene_of(scene.as_ref())?;
            let budget = headless_budget(scenario, *frames)?;
            out!(
                "{}",
                serde_json::to_string_pretty(&budget).map_err(|e| e.to_string())?
            );
            Ok(())
        }
        PerfCommand::Window { run, bare } => {
            let (scenario, source, name) = scene_of(run.scene.as_ref())?;
            let mut options = AppOptions::for_scenario(&scenario, source);
            options.width = run.width;
            options.height = run.height;
            options.bare = *bare;
            options.graphics = if *bare {
                marrowsim_app::Graphics {
                    profile: Some(marrowsim_app::RenderProfile::Full),
                    render_scale: None,
                }
            } else {
                run.quality.graphics()
            };
            options.probe = Some(FrameProbe::new(
                super::launched(),
                run.frames,
                &name,
                (run.width, run.height),
                *bare,
            ));
            marrowsim_app::run(options)
        }
        PerfCommand::Compare { run } => {
            let WindowRun {
                scene,
                frames,
                width,
                height,
                quality,
            } = run;
            let run_one = |bare: bool| -> Result<WindowReport, String> {
                let mut args: Vec<String> = ["perf", "window", "--frames"]
                    .into_iter()
                    .map(String::from)
                    .collect();
                args.extend([
                    frames.to_string(),
                    "--width".into(),
                    width.to_string(),
                    "--height".into(),
                    height.to_string(),
                ]);
                if bare {
                    args.push("--bare".into());
                } else {
                    args.extend(quality_args(quality));
                }
                if let Some(s) = scene {
                    args.push(s.display().to_string());
                }
                child_report(&args)
            };
            let bare = run_one(true)?;
            let full = run_one(false)?;
            for r in [&bare, &full] {
                let scale = match r.render_scale {
                    Some(s) if s < 1.0 => format!(", 3D view at {:.0}%", s * 100.0),
                    _ => String::new(),
                };
                out!(
                    "{:5} {}x{}{scale}: median frame {:.2} ms ({:.1} fps), p95 {:.2} ms; first frame {:.0} ms, interactive {:.0} ms after launch",
                    if r.bare { "bare" } else { "full" },
                    r.width,
                    r.height,
                    r.frame.median_ms,
                    r.fps_median,
                    r.frame.p95_ms,
                    r.launch_to_first_frame_ms,
                    r.launch_to_interactive_ms
                );
            }
            out!(
                "full/bare median frame time: {:.2}",
                full.frame.median_ms / bare.frame.median_ms
            );
            Ok(())
        }
        PerfCommand::IdleWindow { run, always } => {
            let (scenario, source, _) = scene_of(run.scene.as_ref())?;
            let mut options = AppOptions::for_scenario(&scenario, source);
            options.graphics = run.quality.graphics();
            options.idle = Some(IdleProbe::new(run.seconds, *always, cpu_time));
            marrowsim_app::run(options)
        }
        PerfCommand::Idle { run } => {
            let run_one = |always: bool| -> Result<IdleReport, String> {
                let mut args: Vec<String> = vec![
                    "perf".into(),
                    "idle-window".into(),
                    "--seconds".into(),
                    run.seconds.to_string(),
                ];
                args.extend(quality_args(&run.quality));
                if always {
                    args.push("--always".into());
                }
                if let Some(s) = &run.scene {
                    args.push(s.display().to_string());
                }
                child_report(&args)
            };
            let always = run_one(true)?;
            let paced = run_one(false)?;
            let cpu = |r: &IdleReport| {
                r.cpu_share
                    .map(|c| format!("{:.0}% of a core", c * 100.0))
                    .unwrap_or_else(|| "CPU time unknown here".into())
            };
            for (name, r) in [("every frame", &always), ("as shipped", &paced)] {
                out!(
                    "{name:11}: {} frames in {:.1} s ({:.1} fps), {}",
                    r.frames,
                    r.seconds,
                    r.fps,
                    cpu(r)
                );
            }
            if let (Some(a), Some(p)) = (always.cpu_share, paced.cpu_share) {
                out!("as shipped / every frame, CPU: {:.2}", p / a);
            }
            Ok(())
        }
    }
}
