//! The trainee's record: every marked attempt in one SQLite database (`marrowsim.db`) under
//! the data folder. Each attempt is one transaction holding the attempt itself (its RON
//! text, which `marrowsim score` grades again), the scene it was marked against and that
//! scene's hash, the patient, the total, the verdict and every component.
//!
//! The database runs in WAL mode with full sync: a process killed at any moment leaves every
//! committed attempt readable, and several processes can record into one folder at once.
//! A folder written by older versions (`history.jsonl` and `attempts/`) is imported once.
//!
//! A station that shares a room's record keeps its own here too: each attempt it marks is
//! also queued in `outbox`, in the same transaction, until the room's server has it.

use crate::anatomy::Sex;
use crate::grading::scoring::{Score, Severity};
use crate::records::attempt::{self, Attempt};
use crate::records::store::{
    self, Added, Filter, Marked, Recorded, Store, sex_of, sex_text, verdict_of, verdict_text,
};
use crate::scenario::Scenario;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The database's file name inside the data folder.
pub const DB_FILE: &str = "marrowsim.db";
/// The schema this build writes (`PRAGMA user_version`); older ones are upgraded on open.
pub const SCHEMA_VERSION: i32 = 4;
/// A trainee's or course's name longer than this is refused (characters).
pub const MAX_NAME_CHARS: usize = 80;
/// A `history.jsonl` from the older versions larger than this is not imported.
const MAX_LEGACY_LOG_BYTES: u64 = 64 * 1024 * 1024;

/// One marked attempt, as listed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The attempt's number in this record.
    pub id: i64,
    /// Seconds since 1970 (UTC).
    pub when: u64,
    pub scene: String,
    /// The scene file, if the scene came from one.
    pub scene_file: Option<String>,
    /// BLAKE3 of the scene as it was marked (its RON), if the record holds it.
    pub scene_hash: Option<String>,
    pub preset: String,
    pub sex: Sex,
    pub bmi: f32,
    pub scale: f32,
    pub seed: Option<u64>,
    pub total: f32,
    pub pass_mark: f32,
    pub verdict: crate::grading::scoring::Verdict,
    /// The rubric that marked it (schema 4; `None` before, and for attempts imported from an
    /// older folder).
    #[serde(default)]
    pub rubric: Option<u32>,
    /// `app` for attempts marked as they happened, `import` for those read from an older
    /// folder, `collected` for those `marrowsim import` graded again.
    pub source: String,
    /// Who made it, on which machine, in which course (schema 2; `None` before).
    #[serde(default)]
    pub trainee: Option<String>,
    #[serde(default)]
    pub station: Option<String>,
    #[serde(default)]
    pub course: Option<String>,
    /// `store::attempt_hash` of the attempt (schema 3; without the format version since
    /// schema 4): its identity in every store.
    #[serde(default)]
    pub attempt_hash: Option<String>,
}

/// Who is at the station: recorded with every attempt.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    #[serde(default)]
    pub trainee: Option<String>,
    /// The machine's host name.
    #[serde(default)]
    pub station: Option<String>,
    #[serde(default)]
    pub course: Option<String>,
}

impl Identity {
    /// This machine, with the trainee and course given.
    pub fn here(trainee: Option<String>, course: Option<String>) -> Identity {
        Identity {
            trainee,
            station: host_name(),
            course,
        }
    }
}

/// The machine's host name, from the kernel or the environment.
pub fn host_name() -> Option<String> {
    crate::files::read_text(Path::new("/proc/sys/kernel/hostname"), 256, "host names")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
}

/// A trainee's or course's name as typed: trimmed, not empty, at most `MAX_NAME_CHARS`, no
/// control characters.
pub fn clean_name(name: &str) -> Result<String, String> {
    let n = name.trim();
    if n.is_empty() {
        return Err("a name cannot be empty".into());
    }
    if n.chars().count() > MAX_NAME_CHARS {
        return Err(format!("a name has at most {MAX_NAME_CHARS} characters"));
    }
    if n.chars().any(char::is_control) {
        return Err("a name cannot hold control characters".into());
    }
    Ok(n.to_string())
}

/// One component of a recorded score (PerkTutor's metric table: one row per metric).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ComponentRow {
    pub attempt: i64,
    pub key: String,
    pub label: String,
    /// `NaN` where the value was not a finite number.
    pub value: f32,
    pub unit: String,
    pub points: f32,
    pub max_points: f32,
    /// `None` for attempts recorded before schema 3.
    pub severity: Option<Severity>,
}

/// What the import of an older folder found.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Imported {
    pub attempts: usize,
    /// Lines of `history.jsonl` that could not be read (cut short, edited, not UTF-8).
    pub bad_lines: usize,
    /// Attempt files in `attempts/` that no history line names; left where they are.
    pub unlisted_files: usize,
}

/// The record in one data folder.
pub struct History {
    pub dir: PathBuf,
    conn: Connection,
    /// What was imported from an older folder when this record was opened, if anything.
    pub imported: Option<Imported>,
    /// Queue each new attempt in `outbox` for the room's shared record.
    pub queue_for_sharing: bool,
}

impl std::fmt::Debug for History {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("History").field("dir", &self.dir).finish()
    }
}

fn sql(path: &Path) -> impl Fn(rusqlite::Error) -> String + '_ {
    move |e| format!("{}: {e}", path.display())
}

/// Runs `f` again while SQLite reports the database busy or locked, for up to 30 s. Switching
/// a new database to WAL takes a lock that SQLite does not wait for, so two apps opening a
/// fresh data folder at the same moment would otherwise fail.
fn retry_busy<T>(mut f: impl FnMut() -> rusqlite::Result<T>) -> rusqlite::Result<T> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let mut wait = std::time::Duration::from_millis(5);
    loop {
        match f() {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if matches!(
                    e.code,
                    rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                ) && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(wait);
                wait = (wait * 2).min(std::time::Duration::from_millis(200));
            }
            result => return result,
        }
    }
}

/// Seconds since 1970, now.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// BLAKE3 of a text, in hex.
pub fn hash_text(text: &str) -> String {
    blake3::hash(text.as_bytes()).to_hex().to_string()
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    recorded_at INTEGER NOT NULL,
    scene_title TEXT NOT NULL,
    scene_file TEXT,
    scene_ron TEXT,
    scene_hash TEXT,
    preset TEXT NOT NULL,
    sex TEXT NOT NULL CHECK (sex IN ('male', 'female')),
    bmi REAL NOT NULL,
    scale REAL NOT NULL,
    seed INTEGER,
    total REAL NOT NULL,
    pass_mark REAL NOT NULL,
    verdict TEXT NOT NULL CHECK (verdict IN ('pass', 'fail', 'unsafe')),
    attempt_ron TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT 'app',
    trainee TEXT,
    station TEXT,
    course TEXT,
    attempt_hash TEXT,
    rubric INTEGER
);
CREATE TABLE IF NOT EXISTS components (
    attempt_id INTEGER NOT NULL REFERENCES attempts(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    key TEXT NOT NULL,
    label TEXT NOT NULL,
    value REAL,
    unit TEXT NOT NULL,
    points REAL NOT NULL,
    max_points REAL NOT NULL,
    severity TEXT,
    PRIMARY KEY (attempt_id, position)
);
CREATE TABLE IF NOT EXISTS outbox (
    attempt_id INTEGER PRIMARY KEY REFERENCES attempts(id) ON DELETE CASCADE,
    queued_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS attempts_by_scene ON attempts (scene_title, recorded_at);
CREATE INDEX IF NOT EXISTS attempts_by_trainee ON attempts (trainee, recorded_at);
CREATE INDEX IF NOT EXISTS attempts_by_hash ON attempts (attempt_hash);
";

/// Schema 1 to 2: who made each attempt. Earlier attempts have no trainee.
const TO_SCHEMA_2: &str = "
ALTER TABLE attempts ADD COLUMN trainee TEXT;
ALTER TABLE attempts ADD COLUMN station TEXT;
ALTER TABLE attempts ADD COLUMN course TEXT;
";

/// Schema 2 to 3: each attempt's identity (filled in by `fill_hashes` on the way to schema 4)
/// and each component's severity (unknown for earlier attempts).
const TO_SCHEMA_3: &str = "
ALTER TABLE attempts ADD COLUMN attempt_hash TEXT;
ALTER TABLE components ADD COLUMN severity TEXT;
";

/// Schema 3 to 4: the rubric that marked each attempt (unknown for earlier attempts). Every
/// identity is computed again (`fill_hashes`): since schema 4 it leaves out the attempt's
/// format version.
const TO_SCHEMA_4: &str = "
ALTER TABLE attempts ADD COLUMN rubric INTEGER;
";

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

    /// The database file of a data folder.
    pub fn db_path(dir: &Path) -> PathBuf {
        dir.join(DB_FILE)
    }

    /// Opens (or creates) the record in `dir`, importing an older folder's files the first
    /// time.
    pub fn open(dir: impl Into<PathBuf>) -> Result<History, String> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let path = Self::db_path(&dir);
        if let Ok(meta) = std::fs::symlink_metadata(&path)
            && !meta.file_type().is_file()
        {
            return Err(format!(
                "{}: is not a regular file; the record must be a database file",
                path.display()
            ));
        }
        let mut conn = Connection::open(&path).map_err(sql(&path))?;
        conn.busy_timeout(std::time::Duration::from_secs(30))
            .map_err(sql(&path))?;
        // WAL lets readers and one writer work at once; FULL syncs every commit to disk.
        retry_busy(|| conn.pragma_update(None, "journal_mode", "WAL")).map_err(sql(&path))?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(sql(&path))?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(sql(&path))?;
        let version: i32 =
            retry_busy(|| conn.pragma_query_value(None, "user_version", |r| r.get(0)))
                .map_err(sql(&path))?;
        if version > SCHEMA_VERSION {
            return Err(format!(
                "{}: the record was written by a newer marrowsim (schema {version}; this one reads up to {SCHEMA_VERSION})",
                path.display()
            ));
        }
        let imported = {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(sql(&path))?;
            if version == 1 {
                tx.execute_batch(TO_SCHEMA_2).map_err(sql(&path))?;
            }
            if (1..=2).contains(&version) {
                tx.execute_batch(TO_SCHEMA_3).map_err(sql(&path))?;
            }
            if (1..=3).contains(&version) {
                tx.execute_batch(TO_SCHEMA_4).map_err(sql(&path))?;
                fill_hashes(&tx).map_err(sql(&path))?;
            }
            tx.execute_batch(SCHEMA).map_err(sql(&path))?;
            tx.pragma_update(None, "user_version", SCHEMA_VERSION)
                .map_err(sql(&path))?;
            let done: Option<String> = tx
                .query_row(
                    "SELECT value FROM meta WHERE key = 'legacy_import'",
                    [],
                    |r| r.get(0),
                )
                .optional()
                .map_err(sql(&path))?;
            let imported = if done.is_none() {
                let imported = import_legacy(&tx, &dir)?;
                tx.execute(
                    "INSERT INTO meta (key, value) VALUES ('legacy_import', ?1)",
                    params![format!(
                        "{} attempts, {} bad lines, {} unlisted files",
                        imported.attempts, imported.bad_lines, imported.unlisted_files
                    )],
                )
                .map_err(sql(&path))?;
                (imported != Imported::default()).then_some(imported)
            } else {
                None
            };
            tx.commit().map_err(sql(&path))?;
            imported
        };
        Ok(History {
            dir,
            conn,
            imported,
            queue_for_sharing: false,
        })
    }

    fn path(&self) -> PathBuf {
        Self::db_path(&self.dir)
    }

    /// Records one marked attempt in a single transaction and returns its entry (the
    /// earlier one, if this attempt is already recorded).
    pub fn record(
        &mut self,
        attempt: &Attempt,
        score: &Score,
        scenario: &Scenario,
        scene_file: Option<&Path>,
        who: &Identity,
        when: u64,
    ) -> Result<Entry, String> {
        let record = Recorded::new(attempt, score, scenario, scene_file, who, when, "app")?;
        Ok(self.add(&record)?.entry)
    }

    /// Attempts queued for the room's shared record, oldest first.
    pub fn queued(&self) -> Result<Vec<i64>, String> {
        let path = self.path();
        let mut stmt = self
            .conn
            .prepare("SELECT attempt_id FROM outbox ORDER BY attempt_id")
            .map_err(sql(&path))?;
        let rows = stmt.query_map([], |r| r.get(0)).map_err(sql(&path))?;
        rows.collect::<Result<Vec<i64>, _>>().map_err(sql(&path))
    }

    /// Takes an attempt off the queue once the shared record holds it.
    pub fn mark_sent(&mut self, id: i64) -> Result<(), String> {
        let path = self.path();
        retry_busy(|| {
            self.conn
                .execute("DELETE FROM outbox WHERE attempt_id = ?1", params![id])
        })
        .map_err(sql(&path))?;
        Ok(())
    }

    /// One recorded attempt as it would be kept elsewhere (to send it to the shared record).
    pub fn recorded(&self, id: i64) -> Result<Recorded, String> {
        let path = self.path();
        let mut entries = self.select_entries("WHERE id = ?1", params![id])?;
        let entry = entries
            .pop()
            .ok_or_else(|| format!("{}: there is no attempt {id}", path.display()))?;
        let attempt_ron = self.attempt_text(id)?;
        let scene_ron = self.scene_text(id)?;
        let components = self
            .select_components("WHERE attempt_id = ?1", params![id])?
            .into_iter()
            .map(|c| Marked {
                key: c.key,
                label: c.label,
                value: c.value,
                unit: c.unit,
                points: c.points,
                max_points: c.max_points,
                severity: c.severity,
            })
            .collect();
        Ok(Recorded {
            when: entry.when,
            scene: entry.scene,
            scene_file: entry.scene_file,
            scene_ron,
            attempt_hash: entry
                .attempt_hash
                .unwrap_or_else(|| hash_text(&attempt_ron)),
            attempt_ron,
            preset: entry.preset,
            sex: entry.sex,
            bmi: entry.bmi,
            scale: entry.scale,
            seed: entry.seed,
            total: entry.total,
            pass_mark: entry.pass_mark,
            verdict: entry.verdict,
            rubric: entry.rubric,
            source: entry.source,
            who: Identity {
                trainee: entry.trainee,
                station: entry.station,
                course: entry.course,
            },
            components,
        })
    }

    /// The trainee this station last named, if any.
    pub fn remembered_trainee(&self) -> Result<Option<String>, String> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = 'trainee'", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(sql(&self.path()))
    }

    /// Remembers the trainee at this station, so the app need not ask again.
    pub fn remember_trainee(&mut self, name: &str) -> Result<String, String> {
        let name = clean_name(name)?;
        self.conn
            .execute(
                "INSERT INTO meta (key, value) VALUES ('trainee', ?1)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![name],
            )
            .map_err(sql(&self.path()))?;
        Ok(name)
    }

    /// Every trainee with an attempt in this record, by name.
    pub fn trainees(&self) -> Result<Vec<String>, String> {
        let path = self.path();
        let mut stmt = self
            .conn
            .prepare(
                "SELECT DISTINCT trainee FROM attempts WHERE trainee IS NOT NULL ORDER BY trainee",
            )
            .map_err(sql(&path))?;
        let rows = stmt.query_map([], |r| r.get(0)).map_err(sql(&path))?;
        rows.collect::<Result<Vec<String>, _>>().map_err(sql(&path))
    }

    /// Every entry, oldest first.
    pub fn entries(&self) -> Result<Vec<Entry>, String> {
        self.select_entries("", [])
    }

    /// Every component of every attempt, in attempt and component order.
    pub fn components(&self) -> Result<Vec<ComponentRow>, String> {
        self.select_components("", [])
    }

    fn select_entries(
        &self,
        condition: &str,
        args: impl rusqlite::Params,
    ) -> Result<Vec<Entry>, String> {
        let path = self.path();
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT id, recorded_at, scene_title, scene_file, scene_hash, preset, sex, bmi,
                        scale, seed, total, pass_mark, verdict, source, trainee, station, course,
                        attempt_hash, rubric
                 FROM attempts {condition} ORDER BY id"
            ))
            .map_err(sql(&path))?;
        let rows = stmt
            .query_map(args, |r| {
                Ok(Entry {
                    id: r.get(0)?,
                    when: r.get::<_, i64>(1)?.max(0) as u64,
                    scene: r.get(2)?,
                    scene_file: r.get(3)?,
                    scene_hash: r.get(4)?,
                    preset: r.get(5)?,
                    sex: sex_of(&r.get::<_, String>(6)?),
                    bmi: r.get::<_, f64>(7)? as f32,
                    scale: r.get::<_, f64>(8)? as f32,
                    seed: r.get::<_, Option<i64>>(9)?.map(|s| s as u64),
                    total: r.get::<_, f64>(10)? as f32,
                    pass_mark: r.get::<_, f64>(11)? as f32,
                    verdict: verdict_of(&r.get::<_, String>(12)?),
                    source: r.get(13)?,
                    trainee: r.get(14)?,
                    station: r.get(15)?,
                    course: r.get(16)?,
                    attempt_hash: r.get(17)?,
                    rubric: r
                        .get::<_, Option<i64>>(18)?
                        .and_then(|v| u32::try_from(v).ok()),
                })
            })
            .map_err(sql(&path))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(sql(&path))
    }

    fn select_components(
        &self,
        condition: &str,
        args: impl rusqlite::Params,
    ) -> Result<Vec<ComponentRow>, String> {
        let path = self.path();
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT attempt_id, key, label, value, unit, points, max_points, severity
                 FROM components {condition} ORDER BY attempt_id, position"
            ))
            .map_err(sql(&path))?;
        let rows = stmt
            .query_map(args, |r| {
                Ok(ComponentRow {
                    attempt: r.get(0)?,
                    key: r.get(1)?,
                    label: r.get(2)?,
                    value: r.get::<_, Option<f64>>(3)?.map_or(f32::NAN, |v| v as f32),
                    unit: r.get(4)?,
                    points: r.get::<_, f64>(5)? as f32,
                    max_points: r.get::<_, f64>(6)? as f32,
                    severity: r
                        .get::<_, Option<String>>(7)?
                        .and_then(|s| Severity::from_key(&s)),
                })
            })
            .map_err(sql(&path))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(sql(&path))
    }

    /// The attempt as it was recorded (RON), which `marrowsim score` grades again.
    pub fn attempt_text(&self, id: i64) -> Result<String, String> {
        self.text_column(id, "attempt_ron")?
            .ok_or_else(|| format!("attempt {id} has no text"))
    }

    /// The scene the attempt was marked against (RON), if the record holds it.
    pub fn scene_text(&self, id: i64) -> Result<Option<String>, String> {
        self.text_column(id, "scene_ron")
    }

    fn text_column(&self, id: i64, column: &str) -> Result<Option<String>, String> {
        let path = self.path();
        self.conn
            .query_row(
                &format!("SELECT {column} FROM attempts WHERE id = ?1"),
                params![id],
                |r| r.get::<_, Option<String>>(0),
            )
            .optional()
            .map_err(sql(&path))?
            .ok_or_else(|| format!("{}: there is no attempt {id}", path.display()))
    }

    /// Checks the database file's integrity (`PRAGMA integrity_check`).
    pub fn check(&self) -> Result<(), String> {
        let path = self.path();
        let result: String = self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .map_err(sql(&path))?;
        if result == "ok" {
            Ok(())
        } else {
            Err(format!("{}: {result}", path.display()))
        }
    }
}

impl Store for History {
    fn describe(&self) -> String {
        format!("SQLite {}", self.path().display())
    }

    fn add(&mut self, record: &Recorded) -> Result<Added, String> {
        let path = self.path();
        let queue = self.queue_for_sharing;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql(&path))?;
        let earlier: Option<i64> = tx
            .query_row(
                "SELECT id FROM attempts WHERE attempt_hash = ?1 ORDER BY id LIMIT 1",
                params![record.attempt_hash],
                |r| r.get(0),
            )
            .optional()
            .map_err(sql(&path))?;
        if let Some(id) = earlier {
            drop(tx);
            let entry = self
                .select_entries("WHERE id = ?1", params![id])?
                .pop()
                .ok_or_else(|| format!("{}: attempt {id} vanished", path.display()))?;
            return Ok(Added { entry, new: false });
        }
        let id = insert(&tx, record).map_err(sql(&path))?;
        if queue {
            tx.execute(
                "INSERT INTO outbox (attempt_id, queued_at) VALUES (?1, ?2)",
                params![id, now() as i64],
            )
            .map_err(sql(&path))?;
        }
        tx.commit().map_err(sql(&path))?;
        Ok(Added {
            entry: record.entry(id),
            new: true,
        })
    }

    fn entries(&mut self, filter: &Filter) -> Result<Vec<Entry>, String> {
        self.select_entries(
            "WHERE (?1 IS NULL OR trainee = ?1) AND (?2 IS NULL OR course = ?2)
               AND (?3 IS NULL OR instr(scene_title, ?3) > 0)",
            params![filter.trainee, filter.course, filter.scene],
        )
    }

    fn components(&mut self, filter: &Filter) -> Result<Vec<ComponentRow>, String> {
        self.select_components(
            "WHERE attempt_id IN (SELECT id FROM attempts
               WHERE (?1 IS NULL OR trainee = ?1) AND (?2 IS NULL OR course = ?2)
                 AND (?3 IS NULL OR instr(scene_title, ?3) > 0))",
            params![filter.trainee, filter.course, filter.scene],
        )
    }

    fn attempt_text(&mut self, id: i64) -> Result<String, String> {
        History::attempt_text(self, id)
    }

    fn scene_text(&mut self, id: i64) -> Result<Option<String>, String> {
        History::scene_text(self, id)
    }

    fn trainees(&mut self) -> Result<Vec<String>, String> {
        History::trainees(self)
    }

    fn remembered_trainee(&mut self) -> Result<Option<String>, String> {
        History::remembered_trainee(self)
    }

    fn remember_trainee(&mut self, name: &str) -> Result<String, String> {
        History::remember_trainee(self, name)
    }

    fn set_trainee(&mut self, id: i64, trainee: Option<&str>) -> Result<(), String> {
        let name = trainee.map(clean_name).transpose()?;
        let path = self.path();
        let n = self
            .conn
            .execute(
                "UPDATE attempts SET trainee = ?1 WHERE id = ?2",
                params![name, id],
            )
            .map_err(sql(&path))?;
        if n == 0 {
            return Err(format!("{}: there is no attempt {id}", path.display()));
        }
        Ok(())
    }

    fn remove(&mut self, id: i64) -> Result<(), String> {
        let path = self.path();
        let n = self
            .conn
            .execute("DELETE FROM attempts WHERE id = ?1", params![id])
            .map_err(sql(&path))?;
        if n == 0 {
            return Err(format!("{}: there is no attempt {id}", path.display()));
        }
        Ok(())
    }
}

/// Inserts one attempt and its components; returns its id.
fn insert(tx: &Transaction<'_>, r: &Recorded) -> Result<i64, rusqlite::Error> {
    tx.execute(
        "INSERT INTO attempts (recorded_at, scene_title, scene_file, scene_ron, scene_hash,
            preset, sex, bmi, scale, seed, total, pass_mark, verdict, attempt_ron, source,
            trainee, station, course, attempt_hash, rubric)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,
            ?20)",
        params![
            r.when.min(i64::MAX as u64) as i64,
            r.scene,
            r.scene_file,
            r.scene_ron,
            r.scene_ron.as_deref().map(hash_text),
            r.preset,
            sex_text(r.sex),
            r.bmi as f64,
            r.scale as f64,
            r.seed.map(|s| s as i64),
            r.total as f64,
            r.pass_mark as f64,
            verdict_text(r.verdict),
            r.attempt_ron,
            r.source,
            r.who.trainee,
            r.who.station,
            r.who.course,
            r.attempt_hash,
            r.rubric,
        ],
    )?;
    let id = tx.last_insert_rowid();
    for (i, c) in r.components.iter().enumerate() {
        tx.execute(
            "INSERT INTO components (attempt_id, position, key, label, value, unit, points,
                max_points, severity)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                id,
                i as i64,
                c.key,
                c.label,
                c.value.is_finite().then_some(c.value as f64),
                c.unit,
                c.points as f64,
                c.max_points as f64,
                c.severity.map(Severity::key),
            ],
        )?;
    }
    Ok(id)
}

/// Gives every attempt of an older record its identity: the hash of its canonical RON, or of
/// its text as kept when that no longer parses.
fn fill_hashes(tx: &Transaction<'_>) -> Result<(), rusqlite::Error> {
    let rows: Vec<(i64, String)> = {
        let mut stmt = tx.prepare("SELECT id, attempt_ron FROM attempts")?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?
    };
    for (id, text) in rows {
        let hash = Attempt::parse(&text, "the record")
            .ok()
            .and_then(|a| store::attempt_hash(&a).ok())
            .unwrap_or_else(|| hash_text(&text));
        tx.execute(
            "UPDATE attempts SET attempt_hash = ?1 WHERE id = ?2",
            params![hash, id],
        )?;
    }
    Ok(())
}

/// A line of the older `history.jsonl`.
#[derive(Deserialize)]
struct LegacyLine {
    when: u64,
    scene: String,
    scene_file: Option<String>,
    total: f32,
    pass_mark: f32,
    verdict: crate::grading::scoring::Verdict,
    attempt_file: String,
}

impl LegacyLine {
    /// Whether the line names a file inside the folder (a path of plain names: not
    /// absolute, no `..`) and marks a rubric could give.
    fn in_range(&self) -> bool {
        let inside = Path::new(&self.attempt_file)
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)));
        let mark = |m: f32| (0.0..=100.0).contains(&m);
        inside && !self.attempt_file.is_empty() && mark(self.total) && mark(self.pass_mark)
    }
}

/// Reads `history.jsonl` and the attempt files it names into the record. Lines that cannot be
/// read are counted, never fatal; nothing in the old folder is changed.
fn import_legacy(tx: &Transaction<'_>, dir: &Path) -> Result<Imported, String> {
    let mut out = Imported::default();
    let log = dir.join("history.jsonl");
    let bytes = match crate::files::read_bytes(&log, MAX_LEGACY_LOG_BYTES, "history logs") {
        Ok(b) => b,
        Err(crate::files::ReadError::Io { source, .. })
            if source.kind() == std::io::ErrorKind::NotFound =>
        {
            Vec::new()
        }
        Err(e) => return Err(format!("{e} (the older record could not be imported)")),
    };
    let mut listed = std::collections::HashSet::new();
    for line in bytes.split(|&b| b == b'\n') {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let Some(line) = std::str::from_utf8(line).ok() else {
            out.bad_lines += 1;
            continue;
        };
        let legacy = match serde_json::from_str::<LegacyLine>(line) {
            Ok(l) => l,
            Err(_) => {
                // The older version wrote a line and its newline in two writes, so a kill
                // between them glued the next whole line onto a torn one: keep the whole one.
                out.bad_lines += 1;
                match line
                    .rfind("{\"when\"")
                    .filter(|&i| i > 0)
                    .and_then(|i| serde_json::from_str::<LegacyLine>(&line[i..]).ok())
                {
                    Some(l) => l,
                    None => continue,
                }
            }
        };
        if !legacy.in_range() {
            out.bad_lines += 1;
            continue;
        }
        let file = dir.join(&legacy.attempt_file);
        listed.insert(file.clone());
        let Some((attempt, text)) =
            crate::files::read_text(&file, attempt::MAX_FILE_BYTES, "attempt files")
                .ok()
                .and_then(|t| Some((Attempt::parse(&t, &file.display().to_string()).ok()?, t)))
        else {
            out.bad_lines += 1;
            continue;
        };
        let p = &attempt.patient;
        let record = Recorded {
            when: legacy.when,
            scene: legacy.scene,
            scene_file: legacy.scene_file,
            scene_ron: None,
            attempt_hash: store::attempt_hash(&attempt).unwrap_or_else(|_| hash_text(&text)),
            attempt_ron: text,
            preset: p.preset.clone(),
            sex: p.sex,
            bmi: p.bmi,
            scale: p.scale,
            seed: p.seed,
            total: legacy.total,
            pass_mark: legacy.pass_mark,
            verdict: legacy.verdict,
            rubric: None,
            source: "import".into(),
            who: Identity::default(),
            components: Vec::new(),
        };
        insert(tx, &record).map_err(sql(&History::db_path(dir)))?;
        out.attempts += 1;
    }
    if let Ok(files) = std::fs::read_dir(dir.join("attempts")) {
        out.unlisted_files = files
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "ron") && !listed.contains(p))
            .count();
    }
    Ok(out)
}
