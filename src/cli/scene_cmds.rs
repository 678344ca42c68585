//! `marrowsim validate`, `score` and `feasibility`: the scenario core, headless.

use crate::sim::anatomy::Anatomy;
use crate::sim::attempt::Attempt;
use crate::sim::feasibility;
use crate::sim::scenario::Scenario;
use crate::sim::scoring::{self, Score};
use clap::{Args, ValueEnum};
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
    Scenario::load(path).map_err(|errors| crate::app::case::errors_text(&errors).join("\n"))
}

pub fn validate(args: &ValidateArgs) -> Result<(), String> {
    let mut bad = 0;
    for file in &args.files {
        match Scenario::load(file) {
            Ok(s) => println!(
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

pub fn score_files(scene: &std::path::Path, attempt: &std::path::Path) -> Result<Score, String> {
    let scenario = load_scene(scene)?;
    let attempt = Attempt::load(attempt).map_err(|e| e.to_string())?;
    let anatomy =
        Anatomy::build(&attempt.patient).map_err(|e| format!("{}: {e}", scene.display()))?;
    scoring::score(&scenario, &anatomy, &attempt).map_err(|e| format!("{}: {e}", scene.display()))
}

pub fn score(args: &ScoreArgs) -> Result<(), String> {
    let score = score_files(&args.scene, &args.attempt)?;
    match args.format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&score).map_err(|e| e.to_string())?
        ),
        Format::Text => print_score(&score),
    }
    Ok(())
}

pub fn print_score(score: &Score) {
    println!(
        "{:?}: {:.1} / 100 (pass mark {:.0})",
        score.verdict, score.total, score.pass_mark
    );
    println!();
    for c in &score.components {
        println!(
            "  {:<44} {:>8.1} {:<5} {:>5.1}/{:<5.1}",
            c.label, c.value, c.unit, c.points, c.max_points
        );
    }
    println!("\nWhat to work on:");
    for f in &score.feedback {
        println!("  - {f}");
    }
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
    println!(
        "{}: {} insertions in {:.2} s ({:.0}/s)",
        scenario.title,
        total,
        secs,
        total as f32 / secs.max(1e-6)
    );
    for s in &f.sites {
        println!(
            "  site {} ({}): {} of {} pass ({:.1}%), best {:.1}",
            s.site,
            scenario.sites[s.site].name,
            s.passes,
            s.samples,
            100.0 * s.passes as f32 / s.samples.max(1) as f32,
            s.best_total
        );
    }
    println!("success rate {:.1}%", 100.0 * f.success_rate());
    if let (Some(out), Some(best)) = (&args.out, &f.best_attempt) {
        best.save(out)
            .map_err(|e| format!("{}: cannot write: {e}", out.display()))?;
        println!("best attempt written to {}", out.display());
    }
    if f.success_rate() <= 0.0 {
        return Err(format!(
            "{}: no sampled insertion passes",
            args.scene.display()
        ));
    }
    Ok(())
}
