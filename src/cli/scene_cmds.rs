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
}

fn load_scene(path: &std::path::Path) -> Result<Scenario, String> {
    Scenario::load(path).map_err(|errors| marrowsim_core::scenario::errors_text(&errors))
}

pub fn validate(args: &ValidateArgs) -> Result<(), String> {
    let mut bad = 0;
    for file in &args.files {
        match Scenario::load(file) {
            Ok(s) => out!(
                "ok    {}  ({}, {} site{})",
                file.display(),
                s.title,
                s.sites.len(),
                if s.sites.len() == 1 { "" } else { "s" }
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
        "{:?}: {:.1} / 100 (pass mark {:.0})",
        score.verdict,
        score.total,
        score.pass_mark
    );
    out!("");
    let width = |f: fn(&marrowsim_core::grading::scoring::Component) -> usize, least: usize| {
        score.components.iter().map(f).fold(least, usize::max)
    };
    let label_w = width(|c| c.label.chars().count(), 44);
    let unit_w = width(|c| c.unit.chars().count(), 5);
    for c in &score.components {
        out!(
            "  {:<label_w$} {:>8.1} {:<unit_w$} {:>5.1}/{:<5.1}",
            c.label,
            c.value,
            c.unit,
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
    let scenario = load_scene(&args.scene)?;
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
        out!(
            "  site {} ({}): {} of {} pass ({:.1}%), best {:.1}",
            s.site,
            scenario.sites[s.site].name,
            s.passes,
            s.samples,
            100.0 * s.passes as f32 / s.samples.max(1) as f32,
            s.best_total
        );
    }
    out!("success rate {:.1}%", 100.0 * f.success_rate());
    if let (Some(out), Some(best)) = (&args.out, &f.best_attempt) {
        best.save(out)
            .map_err(|e| format!("{}: cannot write: {e}", out.display()))?;
        out!("best attempt written to {}", out.display());
    }
    if f.success_rate() <= 0.0 {
        return Err(format!(
            "{}: no sampled insertion passes",
            args.scene.display()
        ));
    }
    Ok(())
}
