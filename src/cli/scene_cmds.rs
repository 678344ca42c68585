//! `marrowsim validate`, `score` and `feasibility`: the scenario core, headless.

use clap::{Args, ValueEnum};
use marrowsim_core::grading::feasibility;
use marrowsim_core::grading::scoring::{self, Score};
use marrowsim_core::scenario::Scenario;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct ValidateArgs {
    /// Scenario files to check.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

#[derive(Args, Debug)]
pub struct ScoreArgs {
    #[arg(long)]
    pub scene: PathBuf,
    #[arg(long)]
    pub attempt: PathBuf,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Grade an attempt made in another scene, on another patient, or that no needle could
    /// have made, with a warning instead of refusing it (for research).
    #[arg(long)]
    pub lenient: bool,
}

#[derive(Args, Debug)]
pub struct FeasibilityArgs {
    pub scene: PathBuf,
    /// Insertions sampled per site.
    #[arg(long, default_value_t = 2000)]
    pub samples: usize,
    /// Seed for the sampling (and for the patient of a random scene).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Write the best insertion found as an attempt file.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Draw each site's success map (the skin seen along the approach, each entry point
    /// coloured by the share of directions in the cone that pass) to this PNG.
    #[arg(long)]
    pub map: Option<PathBuf>,
    /// Entry points per side of the map.
    #[arg(long, default_value_t = 32)]
    pub map_size: usize,
}

fn load_scene(path: &std::path::Path) -> Result<Scenario, String> {
    Scenario::load(path).map_err(|errors| marrowsim_core::scenario::errors_text(&errors))
}

pub fn validate(args: &ValidateArgs) -> Result<(), String> {
    let mut bad = 0;
    for file in &args.files {
        match Scenario::load(file) {
            Ok(s) => out!(
                "ok    {}  ({}, {})",
                file.display(),
                s.title,
                super::count(s.sites.len(), "site")
            ),
            Err(errors) => {
                bad += 1;
                for e in errors {
                    eprintln!("{e}");
                }
            }
        }
    }
    if bad > 0 {
        Err(format!(
            "{bad} of {} scenario files are invalid",
            args.files.len()
        ))
    } else {
        Ok(())
    }
}

pub fn score(args: &ScoreArgs) -> Result<(), String> {
    let admission = if args.lenient {
        scoring::Admission::Lenient
    } else {
        scoring::Admission::Strict
    };
    let (score, warnings) = scoring::score_files_with(&args.scene, &args.attempt, admission)?;
    for w in &warnings {
        eprintln!("{w}");
    }
    match args.format {
        Format::Json => {
            // Through the text, so that f32 values print as they do without warnings.
            let text = serde_json::to_string(&score).map_err(|e| e.to_string())?;
            let mut v: serde_json::Value =
                serde_json::from_str(&text).map_err(|e| e.to_string())?;
            if let Some(obj) = v.as_object_mut()
                && !warnings.is_empty()
            {
                obj.insert("warnings".into(), warnings.clone().into());
            }
            out!(
                "{}",
                serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?
            )
        }
        Format::Text => {
            if !warnings.is_empty() {
                out!("NOT ADMISSIBLE, graded with --lenient:");
                for w in &warnings {
                    out!("  {w}");
                }
                out!("");
            }
            print_score(&score)?
        }
    }
    Ok(())
}

fn print_score(score: &Score) -> Result<(), String> {
    out!(
        "{:?}: {:.1} / 100 (pass mark {:.0}; rubric {})",
        score.verdict,
        score.total,
        score.pass_mark,
        score.rubric
    );
    out!("");
    let width = |f: fn(&marrowsim_core::grading::scoring::Component) -> usize, least: usize| {
        score.components.iter().map(f).fold(least, usize::max)
    };
    let label_w = width(|c| c.label.chars().count(), 44);
    let unit_w = width(|c| c.unit.chars().count(), 5);
    for c in &score.components {
        let shown = c.shown_value();
        let (value, unit) = shown.split_once(' ').unwrap_or((&shown, ""));
        out!(
            "  {:<label_w$} {:>8} {:<unit_w$} {:>5.1}/{:<5.1}",
            c.label,
            value,
            unit,
            c.points,
            c.max_points
        );
    }
    for note in score.sites.iter().filter_map(|s| s.cap_note()) {
        out!("\n  {note}");
    }
    if let Some(h) = &score.harvest {
        out!("");
        for line in h.report() {
            out!("  {line}");
        }
    }
    out!("\nWhat to work on:");
    for f in &score.feedback {
        out!("  - {f}");
    }
    Ok(())
}

pub fn feasibility(args: &FeasibilityArgs) -> Result<(), String> {
    if args.samples == 0 || args.samples > 10_000_000 {
        return Err(format!("--samples {} must be 1–10000000", args.samples));
    }
    if args.map.is_some() && !(4..=256).contains(&args.map_size) {
        return Err(format!("--map-size {} must be 4–256", args.map_size));
    }
    let scenario = load_scene(&args.scene)?;
    // Before the sampling and the maps, which can take a while.
    for out in args.out.iter().chain(&args.map) {
        marrowsim_core::files::writable(out)
            .map_err(|e| format!("{}: cannot write: {e}", out.display()))?;
    }
    let start = std::time::Instant::now();
    let f = feasibility::run(&scenario, args.seed, args.samples, args.seed)?;
    let secs = start.elapsed().as_secs_f32();
    let total: usize = f.sites.iter().map(|s| s.samples).sum();
    out!("{}: {} insertions", scenario.title, total);
    // The time goes to stderr, so that the same seed prints the same stdout on any machine.
    eprintln!(
        "{} insertions in {:.2} s ({:.0}/s)",
        total,
        secs,
        total as f32 / secs.max(1e-6)
    );
    for s in &f.sites {
        let (lo, hi) = s.interval();
        out!(
            "  site {} ({}): {} of {} pass ({:.1}%; 95% interval {:.1}–{:.1}%), best {:.1}",
            s.site,
            scenario.sites[s.site].name,
            s.passes,
            s.samples,
            100.0 * s.passes as f32 / s.samples.max(1) as f32,
            100.0 * lo,
            100.0 * hi,
            s.best_total
        );
    }
    out!("success rate {:.1}%", 100.0 * f.success_rate());
    if let (Some(out), Some(best)) = (&args.out, &f.best_attempt) {
        best.save(out)
            .map_err(|e| format!("{}: cannot write: {e}", out.display()))?;
        out!("best attempt written to {}", out.display());
    }
    if let Some(path) = &args.map {
        success_maps(&scenario, args, path)?;
    }
    if f.success_rate() <= 0.0 {
        return Err(format!(
            "{}: no sampled insertion passes",
            args.scene.display()
        ));
    }
    Ok(())
}

/// `feasibility --map`: every site's success map side by side, with what they say.
fn success_maps(
    scenario: &Scenario,
    args: &FeasibilityArgs,
    path: &std::path::Path,
) -> Result<(), String> {
    use marrowsim_core::anatomy::Anatomy;
    use marrowsim_core::grading::success_map::{self, DIRECTIONS};
    let anatomy = Anatomy::build(&scenario.patient(args.seed)).map_err(|e| e.to_string())?;
    let mut maps = Vec::new();
    for site in 0..scenario.sites.len() {
        let start = std::time::Instant::now();
        let map = success_map::success_map(scenario, &anatomy, site, args.map_size)?;
        eprintln!(
            "success map of site {site}: {} entry points × {DIRECTIONS} directions in {:.2} s",
            map.cells.len(),
            start.elapsed().as_secs_f32()
        );
        let centroid = match map.pass_centroid() {
            Some((_, d)) => format!("the passes centre {d:.1} mm from the zone's centre"),
            None => "no entry point passes".into(),
        };
        out!(
            "  map of site {} ({}): {:.0}% of directions pass inside the zone; {:.0}% of the map passes from some direction; {centroid}",
            site,
            scenario.sites[site].name,
            100.0 * map.zone_share(),
            100.0 * map.passable_share()
        );
        out!(
            "    inside the zone, by tilt from the aim: {}",
            map.ring_summary()
        );
        maps.push(map);
    }
    let canvas = draw_maps(scenario, &maps);
    canvas
        .save_png(path)
        .map_err(|e| format!("{}: cannot write: {e}", path.display()))?;
    out!("success map written to {}", path.display());
    Ok(())
}

fn draw_maps(
    scenario: &Scenario,
    maps: &[marrowsim_core::grading::success_map::SuccessMap],
) -> super::raster::Canvas {
    use marrowsim_core::grading::success_map::{DIRECTIONS, MapCell};
    const SIDE: usize = 432;
    const PAD: usize = 24;
    let (text, dim) = ([235, 235, 235], [170, 170, 178]);
    let width = PAD + maps.len() * (SIDE + PAD);
    let mut c = super::raster::Canvas::new(width.max(560), SIDE + 220, [24, 26, 30]);
    let title_room = (c.width - 2 * PAD) as f32;
    c.text_fitted(
        PAD as f32,
        12.0,
        &format!("Success map: {}", scenario.title),
        22.0,
        title_room,
        text,
    );
    for (i, map) in maps.iter().enumerate() {
        let scale = (SIDE / map.size).max(1);
        let side = map.size * scale;
        let x0 = PAD + i * (SIDE + PAD);
        let y0 = 74;
        let site = &scenario.sites[map.site];
        c.text(
            x0 as f32,
            46.0,
            &format!("site {}: {}", map.site, site.name),
            16.0,
            text,
        );
        for (k, px) in map.pixels(scale).into_iter().enumerate() {
            c.set((x0 + k % side) as i64, (y0 + k / side) as i64, px);
        }
        let (up, right) = map.orientation();
        let label = match right {
            "patient's right" | "patient's left" if map.medial_on_right() => {
                "medial: right".to_string()
            }
            "patient's right" | "patient's left" => "medial: left".to_string(),
            other => format!("{other}: right"),
        };
        let (sx, sy) = (x0 as f32, (y0 + side) as f32 + 8.0);
        c.text(sx, sy, &format!("{up}: up"), 14.0, dim);
        c.text(sx + side as f32 - 90.0, sy, &label, 14.0, dim);
        let px_per_mm = side as f32 / (2.0 * map.half_width);
        let bar = 10.0 * px_per_mm;
        let by = sy + 26.0;
        c.line(sx, by, sx + bar, by, text, 2.0);
        c.text(sx + bar + 8.0, by - 9.0, "10 mm", 14.0, dim);
        c.text(
            sx,
            by + 14.0,
            &format!(
                "white: the entry zone (r {:.0} mm); {:.0}% pass inside it",
                map.zone.entry_radius,
                100.0 * map.zone_share()
            ),
            14.0,
            dim,
        );
    }
    // The legend: the share of directions that pass, and a hazard met.
    let ly = (SIDE + 74 + 96) as f32;
    c.text(
        PAD as f32,
        ly,
        &format!("share of the {DIRECTIONS} directions in the cone that pass:"),
        14.0,
        dim,
    );
    let lx = PAD as f32 + 330.0;
    for k in 0..=DIRECTIONS {
        let cell = MapCell {
            skin: Some(glam::Vec3::ZERO),
            passes: k as u8,
            facing: 1.0,
            ..MapCell::default()
        };
        c.fill_rect(
            (lx + k as f32 * 10.0) as i64,
            ly as i64,
            10,
            16,
            cell.colour(),
        );
    }
    c.text(lx - 6.0, ly + 18.0, "0%", 12.0, dim);
    c.text(
        lx + DIRECTIONS as f32 * 10.0 - 10.0,
        ly + 18.0,
        "100%",
        12.0,
        dim,
    );
    let red = MapCell {
        skin: Some(glam::Vec3::ZERO),
        unsafe_count: DIRECTIONS as u8,
        facing: 1.0,
        ..MapCell::default()
    };
    c.fill_rect(PAD as i64, ly as i64 + 36, 16, 16, red.colour());
    c.text(
        PAD as f32 + 24.0,
        ly + 36.0,
        "a direction's push meets a hazard (unsafe)",
        14.0,
        dim,
    );
    c
}
