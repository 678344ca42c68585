//! The room's record on a PostgreSQL server: the same rows as a station's SQLite file, and
//! two group roles that guard them.
//!
//! - `marrowsim_station` may read everything and add attempts, but may change or delete none.
//!   An attempt remembers the login that sent it (`sent_by`, filled by the server, which a
//!   station may not set), and a station may add components only to its own attempts (row
//!   level security).
//! - `marrowsim_instructor` may also correct and remove attempts.
//!
//! Logins are members of one of them (`add_login`). `setup` creates the tables and the roles;
//! it runs once, as the database's owner.

use crate::settings::{Remote, describe};
use marrowsim_core::grading::scoring::Severity;
use marrowsim_core::records::attempt::Attempt;
use marrowsim_core::records::history::{ComponentRow, Entry, clean_name};
use marrowsim_core::records::store::{
    Added, Filter, Recorded, Store, attempt_hash, sex_of, sex_text, verdict_of, verdict_text,
};
use postgres::Client;

/// The schema `setup` writes (in `meta`); a server with a newer one is refused.
pub const SCHEMA_VERSION: i32 = 2;

/// The two roles a login can be given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Station,
    Instructor,
}

impl Role {
    pub fn group(self) -> &'static str {
        match self {
            Role::Station => "marrowsim_station",
            Role::Instructor => "marrowsim_instructor",
        }
    }
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS attempts (
    id BIGSERIAL PRIMARY KEY,
    recorded_at BIGINT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    scene_title TEXT NOT NULL,
    scene_file TEXT,
    scene_ron TEXT,
    scene_hash TEXT,
    preset TEXT NOT NULL,
    sex TEXT NOT NULL CHECK (sex IN ('male', 'female')),
    bmi DOUBLE PRECISION NOT NULL,
    scale DOUBLE PRECISION NOT NULL,
    seed BIGINT,
    total DOUBLE PRECISION NOT NULL,
    pass_mark DOUBLE PRECISION NOT NULL,
    verdict TEXT NOT NULL CHECK (verdict IN ('pass', 'fail', 'unsafe')),
    attempt_ron TEXT NOT NULL,
    source TEXT NOT NULL,
    trainee TEXT,
    station TEXT,
    course TEXT,
    attempt_hash TEXT NOT NULL UNIQUE,
    sent_by TEXT NOT NULL DEFAULT current_user
);
-- Schema 2: the rubric that marked each attempt (unknown for earlier attempts).
ALTER TABLE attempts ADD COLUMN IF NOT EXISTS rubric INTEGER;
CREATE TABLE IF NOT EXISTS components (
    attempt_id BIGINT NOT NULL REFERENCES attempts(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    key TEXT NOT NULL,
    label TEXT NOT NULL,
    value DOUBLE PRECISION,
    unit TEXT NOT NULL,
    points DOUBLE PRECISION NOT NULL,
    max_points DOUBLE PRECISION NOT NULL,
    severity TEXT,
    PRIMARY KEY (attempt_id, position)
);
-- Marks a rubric can give: a station's login cannot record a total or a pass mark outside
-- 0-100, nor NaN (which PostgreSQL orders above every number). NOT VALID leaves rows
-- already recorded alone; older marrowsim versions only ever send marks in range.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_constraint WHERE conname = 'attempts_marks_in_range') THEN
        ALTER TABLE attempts ADD CONSTRAINT attempts_marks_in_range
            CHECK (total BETWEEN 0 AND 100 AND pass_mark BETWEEN 0 AND 100) NOT VALID;
    END IF;
END
$$;
CREATE INDEX IF NOT EXISTS attempts_by_trainee ON attempts (trainee, id);
CREATE INDEX IF NOT EXISTS attempts_by_course ON attempts (course, id);
";

const ROLES: &str = "
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'marrowsim_station') THEN
        CREATE ROLE marrowsim_station NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'marrowsim_instructor') THEN
        CREATE ROLE marrowsim_instructor NOLOGIN;
    END IF;
END
$$;
REVOKE ALL ON meta, attempts, components FROM PUBLIC;
GRANT SELECT ON meta, attempts, components TO marrowsim_station, marrowsim_instructor;
GRANT INSERT (recorded_at, scene_title, scene_file, scene_ron, scene_hash, preset, sex, bmi,
              scale, seed, total, pass_mark, verdict, attempt_ron, source, trainee, station,
              course, attempt_hash, rubric)
    ON attempts TO marrowsim_station;
GRANT INSERT ON components TO marrowsim_station;
GRANT SELECT, INSERT, UPDATE, DELETE ON attempts, components TO marrowsim_instructor;
GRANT USAGE ON SEQUENCE attempts_id_seq TO marrowsim_station, marrowsim_instructor;
ALTER TABLE components ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS components_read ON components;
CREATE POLICY components_read ON components FOR SELECT USING (true);
DROP POLICY IF EXISTS components_own ON components;
CREATE POLICY components_own ON components FOR INSERT TO marrowsim_station
    WITH CHECK (EXISTS (SELECT 1 FROM attempts a
                        WHERE a.id = attempt_id AND a.sent_by = current_user));
DROP POLICY IF EXISTS components_instructor ON components;
CREATE POLICY components_instructor ON components FOR ALL TO marrowsim_instructor
    USING (true) WITH CHECK (true);
";

const ENTRY_COLUMNS: &str = "id, recorded_at, scene_title, scene_file, scene_hash, preset, sex,
    bmi, scale, seed, total, pass_mark, verdict, source, trainee, station, course, attempt_hash,
    rubric";
/// The same on a server set up before schema 2, which has no rubric column until `setup`
/// runs again.
const ENTRY_COLUMNS_1: &str = "id, recorded_at, scene_title, scene_file, scene_hash, preset, sex,
    bmi, scale, seed, total, pass_mark, verdict, source, trainee, station, course, attempt_hash,
    NULL::integer";

const FILTER: &str = "($1::text IS NULL OR trainee = $1) AND ($2::text IS NULL OR course = $2)
    AND ($3::text IS NULL OR strpos(scene_title, $3) > 0)";

/// A connection to the room's record.
pub struct Server {
    client: Client,
    address: String,
    /// The schema the server was set up with (an older one keeps working, without the newer
    /// columns).
    schema: i32,
    /// To connect again after the server went away (a board open through a restart).
    remote: Remote,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("address", &self.address)
            .finish()
    }
}

fn err(address: &str) -> impl Fn(postgres::Error) -> String + '_ {
    move |e| format!("{address}: {}", describe(&e))
}

impl Server {
    /// Connects, and checks that the server holds a record this build reads.
    pub fn connect(remote: &Remote) -> Result<Server, String> {
        let mut client = remote.connect()?;
        let address = remote.address.clone();
        let version: Option<String> = client
            .query_opt("SELECT value FROM meta WHERE key = 'schema'", &[])
            .map_err(|e| {
                format!(
                    "{}: {} (has `marrowsim room setup` been run on it?)",
                    address,
                    describe(&e)
                )
            })?
            .map(|r| r.get(0));
        match version.and_then(|v| v.parse::<i32>().ok()) {
            Some(v) if v <= SCHEMA_VERSION => Ok(Server {
                client,
                address,
                schema: v,
                remote: remote.clone(),
            }),
            Some(v) => Err(format!(
                "{address}: the record was set up by a newer marrowsim (schema {v}; this one reads up to {SCHEMA_VERSION})"
            )),
            None => Err(format!(
                "{address}: holds no marrowsim record; run `marrowsim room setup` on it first"
            )),
        }
    }

    /// Creates the tables and the two roles (once, as the database's owner; running it again
    /// changes nothing, except to bring a room set up by an older marrowsim up to date).
    pub fn setup(remote: &Remote) -> Result<Upgraded, String> {
        let mut client = remote.connect()?;
        let address = remote.address.clone();
        let mut tx = client.transaction().map_err(err(&address))?;
        let has_meta: bool = tx
            .query_one("SELECT to_regclass('meta') IS NOT NULL", &[])
            .map_err(err(&address))?
            .get(0);
        let before: Option<i32> = if has_meta {
            tx.query_opt("SELECT value FROM meta WHERE key = 'schema'", &[])
                .map_err(err(&address))?
                .and_then(|r| r.get::<_, String>(0).parse().ok())
        } else {
            None
        };
        tx.batch_execute(SCHEMA).map_err(err(&address))?;
        tx.batch_execute(ROLES).map_err(err(&address))?;
        let upgraded = if before.is_some_and(|v| v < 2) {
            rehash(&mut tx).map_err(err(&address))?
        } else {
            Upgraded::default()
        };
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('schema', $1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[&SCHEMA_VERSION.to_string()],
        )
        .map_err(err(&address))?;
        tx.commit().map_err(err(&address))?;
        Ok(upgraded)
    }

    /// Creates a login in one of the roles, or gives an existing one a new password. The
    /// password travels as a SCRAM-SHA-256 verifier, never in clear.
    pub fn add_login(
        remote: &Remote,
        name: &str,
        role: Role,
        password: &str,
    ) -> Result<(), String> {
        let name = login_name(name)?;
        if password.len() < 8 {
            return Err("a login's password needs at least 8 characters".into());
        }
        let verifier = postgres_protocol::password::scram_sha_256(password.as_bytes());
        let mut client = remote.connect()?;
        let address = remote.address.clone();
        let exists = client
            .query_opt("SELECT 1 FROM pg_roles WHERE rolname = $1", &[&name])
            .map_err(err(&address))?
            .is_some();
        let verb = if exists { "ALTER" } else { "CREATE" };
        client
            .batch_execute(&format!(
                "{verb} ROLE \"{name}\" LOGIN PASSWORD '{verifier}';
                 GRANT {} TO \"{name}\";",
                role.group()
            ))
            .map_err(err(&address))
    }
}

/// What `setup` changed in a room set up by an older marrowsim.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Upgraded {
    /// Attempts whose identity was computed again (schema 2 leaves out the format version).
    pub rehashed: usize,
    /// Attempts that, so computed, are the same attempt as an earlier one: kept twice because
    /// an older marrowsim's export changed the version. Each keeps its old identity; an
    /// instructor can remove it (`history --remove ID`).
    pub duplicates: Vec<i64>,
}

/// Computes every attempt's identity again, oldest first; a later attempt whose identity an
/// earlier one already holds keeps its old one and is listed.
fn rehash(tx: &mut postgres::Transaction<'_>) -> Result<Upgraded, postgres::Error> {
    let rows = tx.query("SELECT id, attempt_ron FROM attempts ORDER BY id", &[])?;
    let mut out = Upgraded::default();
    for row in rows {
        let (id, text): (i64, String) = (row.get(0), row.get(1));
        let Some(hash) = Attempt::parse(&text, "the record")
            .ok()
            .and_then(|a| attempt_hash(&a).ok())
        else {
            continue;
        };
        let updated = tx.execute(
            "UPDATE attempts SET attempt_hash = $1 WHERE id = $2
               AND NOT EXISTS (SELECT 1 FROM attempts WHERE attempt_hash = $1 AND id <> $2)",
            &[&hash, &id],
        )?;
        if updated == 1 {
            out.rehashed += 1;
        } else {
            out.duplicates.push(id);
        }
    }
    Ok(out)
}

/// A login's name: letters, digits, `_` and `-`, as PostgreSQL identifiers allow unquoted
/// (quoted here, so no other character can reach the statement).
fn login_name(name: &str) -> Result<String, String> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if ok {
        Ok(name.to_string())
    } else {
        Err(format!(
            "`{}`: a login's name is 1–63 letters, digits, `_` or `-`",
            name.chars().take(63).collect::<String>()
        ))
    }
}

fn entry(r: &postgres::Row) -> Entry {
    Entry {
        id: r.get(0),
        when: r.get::<_, i64>(1).max(0) as u64,
        scene: r.get(2),
        scene_file: r.get(3),
        scene_hash: r.get(4),
        preset: r.get(5),
        sex: sex_of(r.get::<_, &str>(6)),
        bmi: r.get::<_, f64>(7) as f32,
        scale: r.get::<_, f64>(8) as f32,
        seed: r.get::<_, Option<i64>>(9).map(|s| s as u64),
        total: r.get::<_, f64>(10) as f32,
        pass_mark: r.get::<_, f64>(11) as f32,
        verdict: verdict_of(r.get::<_, &str>(12)),
        source: r.get(13),
        trainee: r.get(14),
        station: r.get(15),
        course: r.get(16),
        attempt_hash: r.get(17),
        rubric: r
            .get::<_, Option<i32>>(18)
            .and_then(|v| u32::try_from(v).ok()),
    }
}

impl Server {
    fn entry_columns(&self) -> &'static str {
        if self.schema >= 2 {
            ENTRY_COLUMNS
        } else {
            ENTRY_COLUMNS_1
        }
    }

    /// The connection, made again if the server closed the last one.
    fn live(&mut self) -> Result<&mut Client, String> {
        if self.client.is_closed() {
            self.client = self.remote.connect()?;
        }
        Ok(&mut self.client)
    }

    /// A read, tried once more on a new connection if the server had closed the old one (a
    /// restart while a board was open).
    fn read<T>(
        &mut self,
        query: impl Fn(&mut Client) -> Result<T, postgres::Error>,
    ) -> Result<T, String> {
        let first = query(self.live()?);
        match first {
            Err(_) if self.client.is_closed() => query(self.live()?).map_err(err(&self.address)),
            other => other.map_err(err(&self.address)),
        }
    }
}

impl Store for Server {
    fn describe(&self) -> String {
        format!("PostgreSQL {}", self.address)
    }

    fn add(&mut self, r: &Recorded) -> Result<Added, String> {
        let address = self.address.clone();
        let columns = self.entry_columns();
        let rubric = r.rubric.and_then(|v| i32::try_from(v).ok());
        // A server of schema 1 has no rubric column; the rubric is then not kept there.
        let (rubric_column, rubric_value, count) = if self.schema >= 2 {
            (", rubric", ", $20", 20)
        } else {
            ("", "", 19)
        };
        let insert = format!(
            "INSERT INTO attempts (recorded_at, scene_title, scene_file, scene_ron, scene_hash,
                preset, sex, bmi, scale, seed, total, pass_mark, verdict, attempt_ron, source,
                trainee, station, course, attempt_hash{rubric_column})
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
                $17, $18, $19{rubric_value})
             ON CONFLICT (attempt_hash) DO NOTHING
             RETURNING id"
        );
        let mut tx = self.live()?.transaction().map_err(err(&address))?;
        let values: [&(dyn postgres::types::ToSql + Sync); 20] = [
            &(r.when.min(i64::MAX as u64) as i64),
            &r.scene,
            &r.scene_file,
            &r.scene_ron,
            &r.scene_ron
                .as_deref()
                .map(marrowsim_core::records::history::hash_text),
            &r.preset,
            &sex_text(r.sex),
            &(r.bmi as f64),
            &(r.scale as f64),
            &r.seed.map(|s| s as i64),
            &(r.total as f64),
            &(r.pass_mark as f64),
            &verdict_text(r.verdict),
            &r.attempt_ron,
            &r.source,
            &r.who.trainee,
            &r.who.station,
            &r.who.course,
            &r.attempt_hash,
            &rubric,
        ];
        let inserted = tx
            .query_opt(&insert, &values[..count])
            .map_err(err(&address))?;
        let Some(row) = inserted else {
            let row = tx
                .query_one(
                    &format!("SELECT {columns} FROM attempts WHERE attempt_hash = $1"),
                    &[&r.attempt_hash],
                )
                .map_err(err(&address))?;
            tx.commit().map_err(err(&address))?;
            return Ok(Added {
                entry: entry(&row),
                new: false,
            });
        };
        let id: i64 = row.get(0);
        let statement = tx
            .prepare(
                "INSERT INTO components (attempt_id, position, key, label, value, unit, points,
                    max_points, severity)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .map_err(err(&address))?;
        for (i, c) in r.components.iter().enumerate() {
            tx.execute(
                &statement,
                &[
                    &id,
                    &(i as i32),
                    &c.key,
                    &c.label,
                    &c.value.is_finite().then_some(c.value as f64),
                    &c.unit,
                    &(c.points as f64),
                    &(c.max_points as f64),
                    &c.severity.map(Severity::key),
                ],
            )
            .map_err(err(&address))?;
        }
        tx.commit().map_err(err(&address))?;
        Ok(Added {
            entry: r.entry(id),
            new: true,
        })
    }

    fn entries(&mut self, f: &Filter) -> Result<Vec<Entry>, String> {
        let columns = self.entry_columns();
        let sql = format!("SELECT {columns} FROM attempts WHERE {FILTER} ORDER BY id");
        let rows = self.read(|c| c.query(&sql, &[&f.trainee, &f.course, &f.scene]))?;
        Ok(rows.iter().map(entry).collect())
    }

    fn components(&mut self, f: &Filter) -> Result<Vec<ComponentRow>, String> {
        let sql = format!(
            "SELECT attempt_id, key, label, value, unit, points, max_points, severity
             FROM components
             WHERE attempt_id IN (SELECT id FROM attempts WHERE {FILTER})
             ORDER BY attempt_id, position"
        );
        let rows = self.read(|c| c.query(&sql, &[&f.trainee, &f.course, &f.scene]))?;
        Ok(rows
            .iter()
            .map(|r| ComponentRow {
                attempt: r.get(0),
                key: r.get(1),
                label: r.get(2),
                value: r.get::<_, Option<f64>>(3).map_or(f32::NAN, |v| v as f32),
                unit: r.get(4),
                points: r.get::<_, f64>(5) as f32,
                max_points: r.get::<_, f64>(6) as f32,
                severity: r.get::<_, Option<&str>>(7).and_then(Severity::from_key),
            })
            .collect())
    }

    fn attempt_text(&mut self, id: i64) -> Result<String, String> {
        self.read(|c| c.query_opt("SELECT attempt_ron FROM attempts WHERE id = $1", &[&id]))?
            .map(|r| r.get(0))
            .ok_or_else(|| format!("{}: there is no attempt {id}", self.address))
    }

    fn scene_text(&mut self, id: i64) -> Result<Option<String>, String> {
        self.read(|c| c.query_opt("SELECT scene_ron FROM attempts WHERE id = $1", &[&id]))?
            .map(|r| r.get(0))
            .ok_or_else(|| format!("{}: there is no attempt {id}", self.address))
    }

    fn trainees(&mut self) -> Result<Vec<String>, String> {
        let rows = self.read(|c| {
            c.query(
                "SELECT DISTINCT trainee FROM attempts WHERE trainee IS NOT NULL ORDER BY trainee",
                &[],
            )
        })?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    fn set_trainee(&mut self, id: i64, trainee: Option<&str>) -> Result<(), String> {
        let name = trainee.map(clean_name).transpose()?;
        let address = self.address.clone();
        let n = self
            .live()?
            .execute(
                "UPDATE attempts SET trainee = $1 WHERE id = $2",
                &[&name, &id],
            )
            .map_err(err(&address))?;
        if n == 0 {
            return Err(format!("{address}: there is no attempt {id}"));
        }
        Ok(())
    }

    fn remove(&mut self, id: i64) -> Result<(), String> {
        let address = self.address.clone();
        let n = self
            .live()?
            .execute("DELETE FROM attempts WHERE id = $1", &[&id])
            .map_err(err(&address))?;
        if n == 0 {
            return Err(format!("{address}: there is no attempt {id}"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_names_cannot_reach_the_statement() {
        assert!(login_name("station-1").is_ok());
        for bad in ["", "a\"; DROP TABLE attempts; --", "x y", &"a".repeat(64)] {
            assert!(login_name(bad).is_err(), "{bad}");
        }
    }
}
