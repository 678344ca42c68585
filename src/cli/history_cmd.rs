//! `marrowsim history`: the marked attempts in the record, oldest first; their components as
//! CSV; and any attempt exported back to a file for `marrowsim score`.

use clap::{Args, ValueEnum};
use marrowsim_core::records::history::{Entry, History};
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A table, one attempt a line.
    Text,
    /// One JSON object per attempt, a line each.
    Json,
    /// One row per component of every attempt: attempt, scene, metric, unit, value, points.
    Csv,
}

#[derive(Args, Debug)]
pub struct HistoryArgs {
    /// The data folder (default: $MARROWSIM_DATA, $XDG_DATA_HOME/marrowsim or
    /// ~/.local/share/marrowsim).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Only attempts on scenes whose title contains this text.
    #[arg(long)]
    pub scene: Option<String>,
    /// Only this trainee's attempts (the name as recorded).
    #[arg(long)]
    pub trainee: Option<String>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// The same as --format json.
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
    /// Write this attempt (by its number) to --out as an attempt file.
    #[arg(long, requires = "out")]
    pub export: Option<i64>,
    /// Where --export writes the attempt.
    #[arg(long, requires = "export")]
    pub out: Option<PathBuf>,
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

pub fn run(args: &HistoryArgs) -> Result<(), String> {
    let history = History::open(args.data.clone().unwrap_or_else(History::default_dir))?;
    if let Some(imported) = &history.imported {
        eprintln!(
            "imported {} attempts from the older record in {}{}{}",
            imported.attempts,
            history.dir.display(),
            if imported.bad_lines > 0 {
                format!(
                    "; {} damaged line(s) of history.jsonl were skipped",
                    imported.bad_lines
                )
            } else {
                String::new()
            },
            if imported.unlisted_files > 0 {
                format!(
                    "; {} attempt file(s) no line names were left in attempts/",
                    imported.unlisted_files
                )
            } else {
                String::new()
            }
        );
    }
    if let (Some(id), Some(out)) = (args.export, &args.out) {
        let text = history.attempt_text(id)?;
        marrowsim_core::files::write_atomic(out, text.as_bytes())
            .map_err(|e| format!("{}: cannot write: {e}", out.display()))?;
        out!("attempt {id} written to {}", out.display());
        return Ok(());
    }
    let entries = history.entries()?;
    let mine: Vec<&Entry> = entries
        .iter()
        .filter(|e| {
            args.scene
                .as_ref()
                .is_none_or(|s| e.scene.contains(s.as_str()))
                && args
                    .trainee
                    .as_ref()
                    .is_none_or(|t| e.trainee.as_deref() == Some(t.trim()))
        })
        .collect();
    let format = if args.json { Format::Json } else { args.format };
    match format {
        Format::Json => {
            for e in &mine {
                out!("{}", serde_json::to_string(e).map_err(|e| e.to_string())?);
            }
        }
        Format::Csv => {
            out!("attempt,scene,metric,unit,value,points,max_points,trainee");
            let titles: std::collections::HashMap<i64, &Entry> =
                mine.iter().map(|e| (e.id, *e)).collect();
            for c in history.components()? {
                let Some(e) = titles.get(&c.attempt) else {
                    continue;
                };
                out!(
                    "{},{},{},{},{},{},{},{}",
                    c.attempt,
                    csv_field(&e.scene),
                    csv_field(&c.key),
                    csv_field(&c.unit),
                    if c.value.is_finite() {
                        c.value.to_string()
                    } else {
                        String::new()
                    },
                    c.points,
                    c.max_points,
                    csv_field(e.trainee.as_deref().unwrap_or(""))
                );
            }
        }
        Format::Text if mine.is_empty() => {
            out!("no marked attempts in {}", history.dir.display());
        }
        Format::Text => {
            out!(
                "{:>5} {:<12} {:<20} {:<40} {:>6} {:>5}  verdict",
                "#",
                "when (unix)",
                "trainee",
                "scene",
                "total",
                "pass"
            );
            for e in &mine {
                out!(
                    "{:>5} {:<12} {:<20} {:<40} {:>6.1} {:>5.0}  {}",
                    e.id,
                    e.when,
                    e.trainee.as_deref().unwrap_or("-"),
                    e.scene,
                    e.total,
                    e.pass_mark,
                    format!("{:?}", e.verdict).to_lowercase(),
                );
            }
        }
    }
    Ok(())
}
