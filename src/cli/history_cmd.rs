//! `marrowsim history`: the marked attempts the app has saved, oldest first.

use crate::sim::history::History;
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct HistoryArgs {
    /// The history folder (default: $MARROWSIM_DATA, $XDG_DATA_HOME/marrowsim or
    /// ~/.local/share/marrowsim).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Only attempts on scenes whose title contains this text.
    #[arg(long)]
    pub scene: Option<String>,
    /// Print JSON lines instead of a table.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &HistoryArgs) -> Result<(), String> {
    let history = History::new(args.data.clone().unwrap_or_else(History::default_dir));
    let (entries, bad) = history.entries()?;
    let mine: Vec<_> = entries
        .iter()
        .filter(|e| {
            args.scene
                .as_ref()
                .is_none_or(|s| e.scene.contains(s.as_str()))
        })
        .collect();
    if args.json {
        for e in &mine {
            println!("{}", serde_json::to_string(e).map_err(|e| e.to_string())?);
        }
    } else if mine.is_empty() {
        println!("no marked attempts in {}", history.dir.display());
    } else {
        println!(
            "{:<12} {:<40} {:>6} {:>5}  {:<7} attempt",
            "when (unix)", "scene", "total", "pass", "verdict"
        );
        for e in &mine {
            println!(
                "{:<12} {:<40} {:>6.1} {:>5.0}  {:<7} {}",
                e.when,
                e.scene,
                e.total,
                e.pass_mark,
                format!("{:?}", e.verdict).to_lowercase(),
                history.attempt_path(e).display()
            );
        }
    }
    if bad > 0 {
        eprintln!(
            "warning: {}: {bad} line(s) could not be read and were skipped",
            history.dir.join("history.jsonl").display()
        );
    }
    Ok(())
}
