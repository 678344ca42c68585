//! The trainee's record: every marked attempt is saved as an attempt file (which
//! `marrowsim score` grades again) and summed up in one line of `history.jsonl`.

use crate::sim::attempt::Attempt;
use crate::sim::scoring::{Score, Verdict};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// One marked attempt.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// Seconds since 1970 (UTC).
    pub when: u64,
    pub scene: String,
    /// The scene file, if the scene came from one.
    pub scene_file: Option<String>,
    pub preset: String,
    pub seed: Option<u64>,
    pub total: f32,
    pub pass_mark: f32,
    pub verdict: Verdict,
    /// The saved attempt, relative to the history folder.
    pub attempt_file: String,
}

/// A folder holding `history.jsonl` and `attempts/`.
#[derive(Clone, Debug)]
pub struct History {
    pub dir: PathBuf,
}

impl History {
    /// `$MARROWSIM_DATA`, else `$XDG_DATA_HOME/marrowsim`, else `~/.local/share/marrowsim`.
    pub fn default_dir() -> PathBuf {
        let env = |k: &str| {
            std::env::var_os(k)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        env("MARROWSIM_DATA")
            .or_else(|| env("XDG_DATA_HOME").map(|d| d.join("marrowsim")))
            .or_else(|| env("HOME").map(|h| h.join(".local/share/marrowsim")))
            .unwrap_or_else(|| PathBuf::from("marrowsim-data"))
    }

    pub fn new(dir: impl Into<PathBuf>) -> History {
        History { dir: dir.into() }
    }

    fn log(&self) -> PathBuf {
        self.dir.join("history.jsonl")
    }

    /// Saves the attempt and appends its line; returns the entry.
    pub fn record(
        &self,
        attempt: &Attempt,
        score: &Score,
        scene_file: Option<&Path>,
        when: u64,
    ) -> Result<Entry, String> {
        let stem = scene_file
            .and_then(|p| p.file_stem())
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "scene".into());
        let attempts = self.dir.join("attempts");
        std::fs::create_dir_all(&attempts).map_err(|e| format!("{}: {e}", attempts.display()))?;
        let mut name = format!("{when}-{stem}.ron");
        let mut n = 1;
        while attempts.join(&name).exists() {
            n += 1;
            name = format!("{when}-{stem}-{n}.ron");
        }
        let file = attempts.join(&name);
        attempt
            .save(&file)
            .map_err(|e| format!("{}: {e}", file.display()))?;
        let entry = Entry {
            when,
            scene: attempt.scene.clone(),
            scene_file: scene_file.map(|p| p.display().to_string()),
            preset: attempt.patient.preset.clone(),
            seed: attempt.patient.seed,
            total: score.total,
            pass_mark: score.pass_mark,
            verdict: score.verdict,
            attempt_file: format!("attempts/{name}"),
        };
        let line = serde_json::to_string(&entry).map_err(|e| e.to_string())?;
        let log = self.log();
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .and_then(|mut f| writeln!(f, "{line}"))
            .map_err(|e| format!("{}: {e}", log.display()))?;
        Ok(entry)
    }

    /// Every entry, oldest first. Lines that do not parse (a file cut short, a hand edit) are
    /// skipped and counted, not fatal.
    pub fn entries(&self) -> Result<(Vec<Entry>, usize), String> {
        let log = self.log();
        let text = match std::fs::read_to_string(&log) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), 0)),
            Err(e) => return Err(format!("{}: {e}", log.display())),
        };
        let mut bad = 0;
        let entries = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .filter_map(|l| serde_json::from_str(l).map_err(|_| bad += 1).ok())
            .collect();
        Ok((entries, bad))
    }

    pub fn attempt_path(&self, entry: &Entry) -> PathBuf {
        self.dir.join(&entry.attempt_file)
    }
}

/// Seconds since 1970, now.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
