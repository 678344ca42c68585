//! A class's attempts summed up: per trainee (attempts, passes, the learning curve), per scene
//! (pass rate), and the errors that failed attempts most often. The instructor's board and
//! the HTML report both show this, from any store's entries and components.

use super::history::{ComponentRow, Entry};
use crate::grading::scoring::{Severity, Verdict};
use std::collections::BTreeMap;

/// What a trainee's attempts are listed under when the record has no name for them.
pub const UNNAMED: &str = "(no name)";

/// One point of a learning curve.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    /// The trainee's attempt number, from 1.
    pub n: usize,
    pub id: i64,
    pub scene: String,
    pub total: f32,
    pub pass_mark: f32,
    pub verdict: Verdict,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TraineeRow {
    pub name: String,
    pub attempts: usize,
    pub passes: usize,
    pub unsafe_attempts: usize,
    /// Every attempt in the order recorded.
    pub curve: Vec<Point>,
    /// Each component's share of its points over the trainee's attempts (key, label, share
    /// 0–1), in the order the components first appear.
    pub components: Vec<(String, String, f32)>,
    /// The stations the trainee worked at.
    pub stations: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SceneRow {
    pub scene: String,
    pub attempts: usize,
    pub passes: usize,
}

impl SceneRow {
    pub fn pass_rate(&self) -> f32 {
        if self.attempts == 0 {
            0.0
        } else {
            self.passes as f32 / self.attempts as f32
        }
    }
}

/// An error and how many attempts it failed.
#[derive(Clone, Debug, PartialEq)]
pub struct ErrorCount {
    pub label: String,
    pub attempts: usize,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Board {
    /// By name.
    pub trainees: Vec<TraineeRow>,
    /// By title.
    pub scenes: Vec<SceneRow>,
    /// Most frequent first (ties by label).
    pub errors: Vec<ErrorCount>,
    pub attempts: usize,
    pub passes: usize,
}

/// The component that decided a failed attempt: the most serious, and of those the one that
/// lost the most points. Attempts recorded before severities were kept fall back to points.
pub fn deciding_error<'a>(components: &[&'a ComponentRow]) -> Option<&'a ComponentRow> {
    components
        .iter()
        .copied()
        .filter(|c| c.points < c.max_points || c.severity > Some(Severity::Met))
        .max_by(|a, b| {
            a.severity
                .cmp(&b.severity)
                .then((a.max_points - a.points).total_cmp(&(b.max_points - b.points)))
        })
}

impl Board {
    pub fn build(entries: &[Entry], components: &[ComponentRow]) -> Board {
        let mut by_attempt: BTreeMap<i64, Vec<&ComponentRow>> = BTreeMap::new();
        for c in components {
            by_attempt.entry(c.attempt).or_default().push(c);
        }
        let mut trainees: BTreeMap<String, TraineeRow> = BTreeMap::new();
        let mut shares: BTreeMap<String, Vec<(String, String, f32, f32)>> = BTreeMap::new();
        let mut scenes: BTreeMap<String, SceneRow> = BTreeMap::new();
        let mut errors: BTreeMap<String, usize> = BTreeMap::new();
        let mut board = Board::default();
        for e in entries {
            let passed = e.verdict == Verdict::Pass;
            board.attempts += 1;
            board.passes += passed as usize;
            let name = e.trainee.clone().unwrap_or_else(|| UNNAMED.to_string());
            let row = trainees.entry(name.clone()).or_insert_with(|| TraineeRow {
                name: name.clone(),
                attempts: 0,
                passes: 0,
                unsafe_attempts: 0,
                curve: Vec::new(),
                components: Vec::new(),
                stations: Vec::new(),
            });
            row.attempts += 1;
            row.passes += passed as usize;
            row.unsafe_attempts += (e.verdict == Verdict::Unsafe) as usize;
            row.curve.push(Point {
                n: row.attempts,
                id: e.id,
                scene: e.scene.clone(),
                total: e.total,
                pass_mark: e.pass_mark,
                verdict: e.verdict,
            });
            if let Some(s) = &e.station
                && !row.stations.contains(s)
            {
                row.stations.push(s.clone());
            }
            let scene = scenes.entry(e.scene.clone()).or_insert_with(|| SceneRow {
                scene: e.scene.clone(),
                attempts: 0,
                passes: 0,
            });
            scene.attempts += 1;
            scene.passes += passed as usize;
            let own = by_attempt.get(&e.id).map(Vec::as_slice).unwrap_or(&[]);
            let sums = shares.entry(name).or_default();
            for c in own {
                match sums.iter_mut().find(|s| s.0 == c.key) {
                    Some(s) => {
                        s.2 += c.points;
                        s.3 += c.max_points;
                    }
                    None => sums.push((c.key.clone(), c.label.clone(), c.points, c.max_points)),
                }
            }
            if !passed && let Some(c) = deciding_error(own) {
                *errors.entry(c.label.clone()).or_default() += 1;
            }
        }
        for (name, sums) in shares {
            if let Some(row) = trainees.get_mut(&name) {
                row.components = sums
                    .into_iter()
                    .filter(|s| s.3 > 0.0)
                    .map(|(k, l, p, m)| (k, l, p / m))
                    .collect();
            }
        }
        board.trainees = trainees.into_values().collect();
        board.scenes = scenes.into_values().collect();
        board.errors = errors
            .into_iter()
            .map(|(label, attempts)| ErrorCount { label, attempts })
            .collect();
        board
            .errors
            .sort_by(|a, b| b.attempts.cmp(&a.attempts).then(a.label.cmp(&b.label)));
        board
    }

    /// The error that failed the most attempts.
    pub fn most_frequent_error(&self) -> Option<&ErrorCount> {
        self.errors.first()
    }
}
