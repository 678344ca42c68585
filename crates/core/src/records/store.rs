//! One small trait over the places a marked attempt is kept: the station's SQLite file
//! (`history::History`) and the room's PostgreSQL server (the `marrowsim-room` crate). Both
//! pass the same test suite.
//!
//! An attempt is kept once: its identity is the BLAKE3 of its canonical RON, whatever format
//! version it was written in, so the same
//! attempt sent twice (a station that retries after a lost reply, an instructor importing a
//! folder again) adds nothing the second time.

use super::attempt::Attempt;
use super::history::{ComponentRow, Entry, Identity, hash_text};
use crate::anatomy::Sex;
use crate::grading::scoring::{Score, Severity, Verdict};
use crate::scenario::Scenario;
use std::path::Path;

/// One marked attempt, ready to be kept anywhere: everything a record's rows hold.
#[derive(Clone, Debug, PartialEq)]
pub struct Recorded {
    /// Seconds since 1970 (UTC), when it was marked.
    pub when: u64,
    pub scene: String,
    pub scene_file: Option<String>,
    /// The scene as marked (RON), which `score` re-parses to grade again.
    pub scene_ron: Option<String>,
    pub attempt_ron: String,
    /// `attempt_hash`: the attempt's identity in every store.
    pub attempt_hash: String,
    pub preset: String,
    pub sex: Sex,
    pub bmi: f32,
    pub scale: f32,
    pub seed: Option<u64>,
    pub total: f32,
    pub pass_mark: f32,
    pub verdict: Verdict,
    /// The rubric that marked it (`scoring::RUBRIC`); `None` for attempts recorded before
    /// records kept it.
    pub rubric: Option<u32>,
    /// `app` (marked as it happened), `import` (an older folder) or `collected` (`marrowsim
    /// import`, graded again).
    pub source: String,
    pub who: Identity,
    pub components: Vec<Marked>,
}

/// One component as a record keeps it.
#[derive(Clone, Debug, PartialEq)]
pub struct Marked {
    pub key: String,
    pub label: String,
    pub value: f32,
    pub unit: String,
    pub points: f32,
    pub max_points: f32,
    /// `None` for attempts recorded before schema 3.
    pub severity: Option<Severity>,
}

/// The identity of an attempt: BLAKE3 of its canonical RON (the form `to_ron` writes) with
/// the version set to 0. The version says which format the file was written in, not what
/// happened: `history --export` writes an older record's attempt in the current format, and
/// the station's record (or the room's, which the station filled) must know it as the same
/// attempt when an instructor imports the file.
pub fn attempt_hash(attempt: &Attempt) -> Result<String, String> {
    let mut a = attempt.clone();
    a.version = 0;
    Ok(hash_text(&canonical(&a)?))
}

/// The attempt as a record keeps it: without `who` and `when`, which the record holds in
/// columns of its own, so an exported file (which names them) and its record share one hash.
fn canonical(attempt: &Attempt) -> Result<String, String> {
    let mut a = attempt.clone();
    a.who = None;
    a.when = None;
    a.to_ron().map_err(|e| format!("the attempt: {e}"))
}

impl Recorded {
    /// The record of `attempt` as `score` marked it against `scenario`.
    pub fn new(
        attempt: &Attempt,
        score: &Score,
        scenario: &Scenario,
        scene_file: Option<&Path>,
        who: &Identity,
        when: u64,
        source: &str,
    ) -> Result<Recorded, String> {
        let attempt_ron = canonical(attempt)?;
        let scene_ron = scenario.to_ron().map_err(|e| format!("the scene: {e}"))?;
        let p = &attempt.patient;
        Ok(Recorded {
            when,
            scene: scenario.title.clone(),
            scene_file: scene_file.map(|p| p.display().to_string()),
            scene_ron: Some(scene_ron),
            attempt_hash: attempt_hash(attempt)?,
            attempt_ron,
            preset: p.preset.clone(),
            sex: p.sex,
            bmi: p.bmi,
            scale: p.scale,
            seed: p.seed,
            total: score.total,
            pass_mark: score.pass_mark,
            verdict: score.verdict,
            rubric: Some(score.rubric),
            source: source.to_string(),
            who: who.clone(),
            components: score
                .components
                .iter()
                .map(|c| Marked {
                    key: c.key.clone(),
                    label: c.label.clone(),
                    value: c.value,
                    unit: c.unit.to_string(),
                    points: c.points,
                    max_points: c.max_points,
                    severity: Some(c.severity),
                })
                .collect(),
        })
    }

    /// The entry this record has under `id` in a store.
    pub fn entry(&self, id: i64) -> Entry {
        Entry {
            id,
            when: self.when,
            scene: self.scene.clone(),
            scene_file: self.scene_file.clone(),
            scene_hash: self.scene_ron.as_deref().map(hash_text),
            preset: self.preset.clone(),
            sex: self.sex,
            bmi: self.bmi,
            scale: self.scale,
            seed: self.seed,
            total: self.total,
            pass_mark: self.pass_mark,
            verdict: self.verdict,
            rubric: self.rubric,
            source: self.source.clone(),
            trainee: self.who.trainee.clone(),
            station: self.who.station.clone(),
            course: self.who.course.clone(),
            attempt_hash: Some(self.attempt_hash.clone()),
        }
    }
}

/// Entries that are the same attempt as an earlier entry (the same identity), by id, each
/// with the earliest entry's id. A record gets them only from before identities left out the
/// format version (an older export imported again); they count twice until removed.
pub fn twins(entries: &[Entry]) -> std::collections::BTreeMap<i64, i64> {
    let mut first = std::collections::HashMap::new();
    let mut out = std::collections::BTreeMap::new();
    for e in entries {
        if let Some(hash) = &e.attempt_hash {
            let earliest = *first.entry(hash.as_str()).or_insert(e.id);
            if earliest != e.id {
                out.insert(e.id, earliest);
            }
        }
    }
    out
}

/// What `Store::add` did.
#[derive(Clone, Debug, PartialEq)]
pub struct Added {
    pub entry: Entry,
    /// `false` when the store already held this attempt (same hash): nothing was added.
    pub new: bool,
}

/// Which attempts to list. Empty fields select everything.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Filter {
    pub trainee: Option<String>,
    pub course: Option<String>,
    /// Scenes whose title contains this text.
    pub scene: Option<String>,
}

impl Filter {
    pub fn everything() -> Filter {
        Filter::default()
    }

    /// Whether an entry passes the filter (the stores filter in SQL; this is for tests and
    /// in-memory lists).
    pub fn admits(&self, e: &Entry) -> bool {
        self.trainee
            .as_ref()
            .is_none_or(|t| e.trainee.as_ref() == Some(t))
            && self
                .course
                .as_ref()
                .is_none_or(|c| e.course.as_ref() == Some(c))
            && self.scene.as_ref().is_none_or(|s| e.scene.contains(s))
    }
}

/// How a station's queue for the room's shared record stands.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sharing {
    /// The room's server, without a password.
    pub address: String,
    /// Attempts recorded here and not yet on the server.
    pub waiting: usize,
    /// Attempts this station has sent since it started.
    pub sent: usize,
    /// Why the last send failed, while it keeps failing.
    pub error: Option<String>,
}

/// A place that keeps marked attempts.
pub trait Store: Send + std::fmt::Debug {
    /// Where the attempts are kept, for messages (never with a password).
    fn describe(&self) -> String;
    /// Keeps one attempt and its components in one transaction, unless the store already
    /// holds an attempt with the same hash.
    fn add(&mut self, record: &Recorded) -> Result<Added, String>;
    /// The attempts the filter selects, in the order they were kept.
    fn entries(&mut self, filter: &Filter) -> Result<Vec<Entry>, String>;
    /// The components of those attempts, in attempt and component order.
    fn components(&mut self, filter: &Filter) -> Result<Vec<ComponentRow>, String>;
    /// The attempt as recorded (RON).
    fn attempt_text(&mut self, id: i64) -> Result<String, String>;
    /// The scene the attempt was marked against (RON), if kept.
    fn scene_text(&mut self, id: i64) -> Result<Option<String>, String>;
    /// Every trainee with an attempt, by name.
    fn trainees(&mut self) -> Result<Vec<String>, String>;
    /// Corrects who made an attempt (the instructor's right in a shared record).
    fn set_trainee(&mut self, id: i64, trainee: Option<&str>) -> Result<(), String>;
    /// Removes an attempt and its components (the instructor's right in a shared record).
    fn remove(&mut self, id: i64) -> Result<(), String>;
    /// The trainee this station last named (a station's own setting; a server has none).
    fn remembered_trainee(&mut self) -> Result<Option<String>, String> {
        Ok(None)
    }
    /// Remembers the trainee at this station; returns the name as cleaned.
    fn remember_trainee(&mut self, name: &str) -> Result<String, String> {
        super::history::clean_name(name)
    }
    /// The queue for a room's shared record, if this store feeds one.
    fn sharing(&self) -> Option<Sharing> {
        None
    }
}

/// The pass/fail word a record stores.
pub fn verdict_text(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "pass",
        Verdict::Fail => "fail",
        Verdict::Unsafe => "unsafe",
    }
}

/// The verdict a record's word names (anything unknown reads as a fail, never a pass).
pub fn verdict_of(s: &str) -> Verdict {
    match s {
        "pass" => Verdict::Pass,
        "unsafe" => Verdict::Unsafe,
        _ => Verdict::Fail,
    }
}

pub fn sex_text(s: Sex) -> &'static str {
    match s {
        Sex::Male => "male",
        Sex::Female => "female",
    }
}

pub fn sex_of(s: &str) -> Sex {
    if s == "female" {
        Sex::Female
    } else {
        Sex::Male
    }
}
