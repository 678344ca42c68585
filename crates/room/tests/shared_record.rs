//! One suite for both stores: three trainees on two stations record 30 attempts; the class
//! board agrees with the database; an attempt sent twice is kept once; corrections work for
//! whoever may make them. Then what only a shared record has: the roles' guard, a server
//! killed midway while a station keeps recording, and a false mark a station sent in its own
//! row, found by verification.

mod common;

use common::Cluster;
use marrowsim_core::anatomy::Anatomy;
use marrowsim_core::grading::scoring::score;
use marrowsim_core::records::attempt::{Attempt, Touch};
use marrowsim_core::records::class::Board;
use marrowsim_core::records::history::{History, Identity};
use marrowsim_core::records::store::{Filter, Recorded, Store};
use marrowsim_core::scenario::Scenario;
use marrowsim_room::server::{Role, Server};
use marrowsim_room::station::Station;
use std::path::{Path, PathBuf};

const TRAINEES: [&str; 3] = ["Ada", "Ben", "Cleo"];
const STATIONS: [&str; 2] = ["station-1", "station-2"];
const COURSE: &str = "BMAC workshop";

fn ws(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

/// 30 attempts: three golden attempts (a pass, an unsafe one, a fail) in turn, each made new
/// by a pen mark the standard scene ignores, for three trainees on two stations.
fn class_attempts() -> Vec<Recorded> {
    let path = ws("scenes/psis_standard.ron");
    let scenario = Scenario::load(&path).expect("scene");
    let golden: Vec<Attempt> = [
        "expert_psis_to_asis",
        "perpendicular_into_sacrum",
        "shallow_in_cortex",
    ]
    .iter()
    .map(|g| Attempt::load(&ws(&format!("tests/golden/{g}.ron"))).expect("golden"))
    .collect();
    let anatomy = Anatomy::build(&golden[0].patient).unwrap();
    (0..30)
        .map(|k| {
            let mut a = golden[k % 3].clone();
            a.version = marrowsim_core::records::attempt::VERSION;
            a.marks.push(Touch {
                t: k as f32,
                at: (0.0, 0.0, 0.0),
            });
            let s = score(&scenario, &anatomy, &a).expect("scores");
            // Rotated, so that each trainee makes each of the three golden attempts.
            let who = Identity {
                trainee: Some(TRAINEES[(k / 3 + k) % 3].to_string()),
                station: Some(STATIONS[k / 15].to_string()),
                course: Some(COURSE.to_string()),
            };
            Recorded::new(
                &a,
                &s,
                &scenario,
                Some(&path),
                &who,
                1_800_000_000 + k as u64,
                "app",
            )
            .unwrap()
        })
        .collect()
}

/// What the database says, counted in its own SQL: (trainee, attempts, passes) by name.
type Counts = Vec<(String, i64, i64)>;

/// The suite both stores pass. `counts` asks the database directly.
fn suite(store: &mut dyn Store, counts: &mut dyn FnMut() -> Counts) {
    let attempts = class_attempts();
    let mut ids = Vec::new();
    for r in &attempts {
        let added = store.add(r).expect("records");
        assert!(added.new, "attempt {} is new", r.attempt_hash);
        ids.push(added.entry.id);
    }
    let entries = store.entries(&Filter::everything()).unwrap();
    assert_eq!(entries.len(), 30);
    for (e, r) in entries.iter().zip(&attempts) {
        assert_eq!(e, &r.entry(e.id), "read back as written");
    }

    // Sent again (a lost reply, a second import): kept once.
    for (r, id) in attempts.iter().zip(&ids).take(5) {
        let again = store.add(r).unwrap();
        assert!(!again.new);
        assert_eq!(again.entry.id, *id);
    }
    assert_eq!(store.entries(&Filter::everything()).unwrap().len(), 30);

    let components = store.components(&Filter::everything()).unwrap();
    let expected: usize = attempts.iter().map(|r| r.components.len()).sum();
    assert_eq!(components.len(), expected);
    assert!(components.iter().all(|c| c.severity.is_some()));

    // The board against the database's own counts.
    let board = Board::build(&entries, &components);
    let from_db = counts();
    let from_board: Counts = board
        .trainees
        .iter()
        .map(|t| (t.name.clone(), t.attempts as i64, t.passes as i64))
        .collect();
    assert_eq!(from_board, from_db);
    assert_eq!(board.trainees.len(), 3);
    assert!(
        board
            .trainees
            .iter()
            .all(|t| t.attempts == 10 && t.curve.len() == 10)
    );
    assert!(board.trainees.iter().all(|t| t.stations.len() == 2));
    assert_eq!(board.passes, 10, "one golden attempt in three passes");
    assert_eq!(board.scenes.len(), 1);
    assert!((board.scenes[0].pass_rate() - 1.0 / 3.0).abs() < 1e-6);
    let worst = board
        .most_frequent_error()
        .expect("failed attempts have an error");
    // Both failing golden attempts stop short of the marrow, as the score's feedback says first.
    assert_eq!(
        (worst.label.as_str(), worst.attempts),
        ("Tip depth in marrow", 20),
        "{:?}",
        board.errors
    );

    for (i, name) in TRAINEES.iter().enumerate() {
        let f = Filter {
            trainee: Some(name.to_string()),
            ..Filter::default()
        };
        let mine = store.entries(&f).unwrap();
        assert_eq!(mine.len(), 10, "{name}");
        assert!(mine.iter().all(|e| f.admits(e)));
        let theirs = store.components(&f).unwrap();
        assert!(
            theirs
                .iter()
                .all(|c| mine.iter().any(|e| e.id == c.attempt))
        );
        assert_eq!(board.trainees[i].name, *name);
    }
    let f = Filter {
        course: Some("another course".into()),
        ..Filter::default()
    };
    assert!(store.entries(&f).unwrap().is_empty());
    let f = Filter {
        scene: Some("PSIS".into()),
        ..Filter::default()
    };
    assert_eq!(store.entries(&f).unwrap().len(), 30);

    // The attempt as recorded grades again to its total.
    let text = store.attempt_text(ids[0]).unwrap();
    let scene = store.scene_text(ids[0]).unwrap().expect("scene kept");
    let a = Attempt::parse(&text, "record").unwrap();
    let s = score(
        &Scenario::parse(&scene, "record").unwrap(),
        &Anatomy::build(&a.patient).unwrap(),
        &a,
    )
    .unwrap();
    assert_eq!(s.total, entries[0].total);
    assert_eq!(
        store.trainees().unwrap(),
        TRAINEES.map(String::from).to_vec()
    );
}

/// The owner's (or the instructor's) corrections.
fn corrections(store: &mut dyn Store) {
    let entries = store.entries(&Filter::everything()).unwrap();
    let (first, second) = (entries[0].id, entries[1].id);
    store.set_trainee(first, Some("Ada Lovelace")).unwrap();
    assert!(store.set_trainee(first, Some("")).is_err());
    store.remove(second).unwrap();
    assert!(store.remove(second).is_err(), "already gone");
    let after = store.entries(&Filter::everything()).unwrap();
    assert_eq!(after.len(), 29);
    assert_eq!(after[0].trainee.as_deref(), Some("Ada Lovelace"));
    assert!(
        !store
            .components(&Filter::everything())
            .unwrap()
            .iter()
            .any(|c| c.attempt == second)
    );
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("marrowsim-room-{name}-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn the_suite_holds_for_sqlite() {
    let dir = scratch("sqlite");
    let mut h = History::open(&dir).unwrap();
    let db = History::db_path(&dir);
    suite(&mut h, &mut || sqlite_counts(&db));
    corrections(&mut h);
    std::fs::remove_dir_all(&dir).ok();
}

fn sqlite_counts(db: &Path) -> Counts {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT trainee, count(*), sum(verdict = 'pass')
             FROM attempts GROUP BY trainee ORDER BY trainee",
        )
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn pg_counts(cluster: &Cluster) -> Counts {
    cluster
        .sql()
        .query(
            "SELECT trainee, count(*), count(*) FILTER (WHERE verdict = 'pass')
             FROM attempts GROUP BY trainee ORDER BY trainee",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect()
}

/// A room's server with the two roles, two station logins and an instructor.
fn room(name: &str) -> Cluster {
    let cluster = Cluster::new(name);
    Server::setup(&cluster.admin()).expect("setup");
    Server::setup(&cluster.admin()).expect("setup runs twice without harm");
    for (login, role) in [
        ("station1", Role::Station),
        ("station2", Role::Station),
        ("teacher", Role::Instructor),
    ] {
        Server::add_login(&cluster.admin(), login, role, &format!("{login}-password")).unwrap();
    }
    cluster
}

#[test]
fn the_suite_holds_for_postgresql() {
    if common::skipped() {
        return;
    }
    let cluster = room("suite");
    let mut teacher = Server::connect(&cluster.remote("teacher", "teacher-password")).unwrap();
    suite(&mut teacher, &mut || pg_counts(&cluster));
    corrections(&mut teacher);
}

#[test]
fn a_station_cannot_alter_another_trainees_attempt() {
    if common::skipped() {
        return;
    }
    let cluster = room("roles");
    let attempts = class_attempts();
    let mut one = Server::connect(&cluster.remote("station1", "station1-password")).unwrap();
    let mut two = Server::connect(&cluster.remote("station2", "station2-password")).unwrap();
    let theirs = one.add(&attempts[0]).unwrap().entry.id;
    two.add(&attempts[1]).unwrap();
    assert_eq!(
        two.entries(&Filter::everything()).unwrap().len(),
        2,
        "stations read the board"
    );

    let e = two.set_trainee(theirs, Some("Mallory")).unwrap_err();
    assert!(e.contains("permission denied"), "{e}");
    let e = two.remove(theirs).unwrap_err();
    assert!(e.contains("permission denied"), "{e}");

    // Beneath the trait, as a hostile client would try.
    let mut raw = postgres::Config::new()
        .host("127.0.0.1")
        .port(cluster.port)
        .user("station2")
        .password("station2-password")
        .dbname(common::DATABASE)
        .connect(postgres::NoTls)
        .unwrap();
    for statement in [
        format!("UPDATE attempts SET total = 100 WHERE id = {theirs}"),
        format!("DELETE FROM components WHERE attempt_id = {theirs}"),
        format!("UPDATE components SET points = max_points WHERE attempt_id = {theirs}"),
        format!(
            "INSERT INTO components (attempt_id, position, key, label, unit, points, max_points)
             VALUES ({theirs}, 99, 'bonus', 'bonus', '', 50, 50)"
        ),
        "INSERT INTO attempts (recorded_at, scene_title, preset, sex, bmi, scale, total,
             pass_mark, verdict, attempt_ron, source, attempt_hash, sent_by)
         VALUES (1, 'x', 'p', 'male', 25, 1, 100, 70, 'pass', 'x', 'app', 'h', 'station1')"
            .to_string(),
        "TRUNCATE attempts CASCADE".to_string(),
    ] {
        let e = raw.batch_execute(&statement).unwrap_err();
        let code = e.code().map(|c| c.code().to_string()).unwrap_or_default();
        assert!(
            code == "42501",
            "a station could run `{statement}`: {e} ({code})"
        );
    }
    let mut teacher = Server::connect(&cluster.remote("teacher", "teacher-password")).unwrap();
    let rows = teacher.entries(&Filter::everything()).unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].total, attempts[0].total, "untouched");
    let sent_by: Vec<String> = cluster
        .sql()
        .query("SELECT sent_by FROM attempts ORDER BY id", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(sent_by, ["station1", "station2"]);
    teacher.set_trainee(theirs, Some("Ada L.")).unwrap();
    teacher.remove(theirs).unwrap();

    let wrong = Server::connect(&cluster.remote("station1", "not-the-password")).unwrap_err();
    assert!(!wrong.contains("not-the-password"), "{wrong}");
}

/// A station's login may insert its own rows, but not a mark that no rubric gives: a total
/// or pass mark outside 0–100, or NaN, which the board and the report would show as marks.
#[test]
fn a_station_cannot_record_a_mark_outside_the_rubric_s_range() {
    if common::skipped() {
        return;
    }
    let cluster = room("ranges");
    let mut raw = postgres::Config::new()
        .host("127.0.0.1")
        .port(cluster.port)
        .user("station1")
        .password("station1-password")
        .dbname(common::DATABASE)
        .connect(postgres::NoTls)
        .unwrap();
    let insert = |hash: &str, total: &str, pass_mark: &str| {
        format!(
            "INSERT INTO attempts (recorded_at, scene_title, preset, sex, bmi, scale, total,
                 pass_mark, verdict, attempt_ron, source, attempt_hash)
             VALUES (1, 'x', 'p', 'male', 25, 1, {total}, {pass_mark}, 'pass', 'x', 'app', '{hash}')"
        )
    };
    for (hash, total, pass_mark) in [
        ("a", "250", "70"),
        ("b", "-1", "70"),
        ("c", "'NaN'", "70"),
        ("d", "'Infinity'", "70"),
        ("e", "80", "101"),
    ] {
        let statement = insert(hash, total, pass_mark);
        let e = raw.batch_execute(&statement).unwrap_err();
        let code = e.code().map(|c| c.code().to_string()).unwrap_or_default();
        assert_eq!(code, "23514", "a station could run `{statement}`: {e}");
    }
    raw.batch_execute(&insert("f", "100", "0"))
        .expect("the same row with marks in range is recorded");
}

#[test]
fn killing_the_server_midway_loses_nothing_and_doubles_nothing() {
    if common::skipped() {
        return;
    }
    let cluster = room("kill");
    let attempts = class_attempts();
    let dirs = [scratch("kill-station1"), scratch("kill-station2")];
    let mut stations: Vec<Station> = ["station1", "station2"]
        .iter()
        .zip(&dirs)
        .map(|(login, dir)| {
            Station::open(
                dir.clone(),
                cluster.remote(login, &format!("{login}-password")),
                false,
            )
            .unwrap()
        })
        .collect();
    let mut board = Server::connect(&cluster.remote("teacher", "teacher-password")).unwrap();
    for (k, r) in attempts.iter().enumerate() {
        if k == 10 {
            cluster.kill();
            assert!(
                board.entries(&Filter::everything()).is_err(),
                "no server, no board"
            );
        }
        if k == 22 {
            cluster.start();
        }
        let s = &mut stations[k / 15];
        let added = s
            .add(r)
            .expect("a station records whether or not the server answers");
        assert!(added.new);
        let sharing = s.sharing().unwrap();
        if (10..22).contains(&k) {
            assert!(sharing.error.is_some(), "attempt {k}: {sharing:?}");
            assert!(sharing.waiting > 0);
        }
    }
    // The first station's queue (attempts 10–14) waited for its next send. Attempt 12
    // reaches the server first by another way, as if the station's send had been committed
    // and its reply lost.
    let mut teacher = Server::connect(&cluster.remote("teacher", "teacher-password")).unwrap();
    assert!(teacher.add(&attempts[12]).unwrap().new);
    let f = stations[0].flush().unwrap();
    assert_eq!((f.sent, f.already_there, f.waiting), (5, 1, 0));
    // The second station's adds after the restart fell within its back-off (10 s after the
    // last failure), so its queue holds every attempt since the kill: 15 to 29.
    let f = stations[1].flush().unwrap();
    assert_eq!((f.sent, f.waiting), (15, 0));
    for s in &stations {
        let sharing = s.sharing().unwrap();
        assert_eq!((sharing.waiting, sharing.error.clone()), (0, None));
    }
    let on_server = teacher.entries(&Filter::everything()).unwrap();
    assert_eq!(
        board.entries(&Filter::everything()).unwrap(),
        on_server,
        "a board connected before the kill reads again after the restart"
    );
    assert_eq!(on_server.len(), 30, "none lost, none doubled");
    let mut hashes: Vec<_> = on_server.iter().map(|e| e.attempt_hash.clone()).collect();
    hashes.dedup();
    assert_eq!(hashes.len(), 30);
    let mut sent: Vec<_> = attempts
        .iter()
        .map(|r| Some(r.attempt_hash.clone()))
        .collect();
    sent.sort();
    hashes.sort();
    assert_eq!(hashes, sent);
    let components = teacher.components(&Filter::everything()).unwrap();
    assert_eq!(
        components.len(),
        attempts.iter().map(|r| r.components.len()).sum::<usize>()
    );
    for dir in dirs {
        std::fs::remove_dir_all(dir).ok();
    }
}

#[test]
fn a_server_without_the_record_is_named_as_such() {
    if common::skipped() {
        return;
    }
    let cluster = Cluster::new("bare");
    let e = Server::connect(&cluster.admin()).unwrap_err();
    assert!(e.contains("marrowsim room setup"), "{e}");
    assert!(!e.contains(common::ADMIN_PASSWORD));
}

/// A room set up before rubric versions (schema 1) keeps taking attempts from a station of
/// this build, without the rubric; `setup` run again adds the column, and from then on each
/// attempt keeps the rubric that marked it.
#[test]
fn a_room_of_schema_1_takes_attempts_until_setup_upgrades_it() {
    if common::skipped() {
        return;
    }
    let cluster = room("schema1");
    cluster
        .sql()
        .batch_execute(
            "ALTER TABLE attempts DROP COLUMN rubric;
             UPDATE meta SET value = '1' WHERE key = 'schema';",
        )
        .unwrap();
    let attempts = class_attempts();
    let station = cluster.remote("station1", "station1-password");
    let mut one = Server::connect(&station).expect("a schema 1 room is read");
    let first = one.add(&attempts[0]).expect("and written").entry;
    assert_eq!(first.rubric, attempts[0].rubric);
    let listed = one.entries(&Filter::everything()).unwrap();
    assert_eq!(listed[0].rubric, None, "a schema 1 room does not keep it");
    // As an older marrowsim identified attempts (with the format version), and the same
    // attempt again, as its export in a newer format was imported.
    let mut twice = attempts[0].clone();
    twice.attempt_hash = "exported".into();
    let second = one.add(&twice).unwrap().entry.id;
    drop(one);
    cluster
        .sql()
        .batch_execute(&format!(
            "UPDATE attempts SET attempt_hash = 'older' WHERE id = {}",
            first.id
        ))
        .unwrap();

    let upgraded = Server::setup(&cluster.admin()).expect("setup upgrades the room");
    assert_eq!(upgraded.rehashed, 1);
    assert_eq!(upgraded.duplicates, vec![second], "listed, not removed");
    let hashes: Vec<String> = cluster
        .sql()
        .query("SELECT attempt_hash FROM attempts ORDER BY id", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(
        hashes,
        vec![attempts[0].attempt_hash.clone(), "exported".into()]
    );
    let again = Server::setup(&cluster.admin()).unwrap();
    assert_eq!(
        again,
        Default::default(),
        "once upgraded, setup changes nothing"
    );
    let schema: String = cluster
        .sql()
        .query_one("SELECT value FROM meta WHERE key = 'schema'", &[])
        .unwrap()
        .get(0);
    assert_eq!(schema, marrowsim_room::server::SCHEMA_VERSION.to_string());
    let mut one = Server::connect(&station).unwrap();
    one.add(&attempts[1]).unwrap();
    assert!(
        !one.add(&attempts[0]).unwrap().new,
        "known by its new identity"
    );
    let listed = one.entries(&Filter::everything()).unwrap();
    assert_eq!(listed.len(), 3);
    assert_eq!(listed[0].rubric, None, "the older attempt stays unknown");
    assert_eq!(
        listed[2].rubric,
        Some(marrowsim_core::grading::scoring::RUBRIC)
    );
}

/// Row-level security keeps a station out of other stations' rows, not from writing a false
/// mark in its own: here station 1 sends a fail as a pass. The instructor's verification
/// marks each attempt again from what the room keeps and names that one, and only that one.
#[test]
fn verification_finds_a_mark_a_station_changed_before_sending() {
    use marrowsim_core::grading::scoring::Verdict;
    use marrowsim_core::records::regrade::{Now, mismatches, verify};
    if common::skipped() {
        return;
    }
    let cluster = room("verify");
    let attempts = class_attempts();
    let mut one = Server::connect(&cluster.remote("station1", "station1-password")).unwrap();
    let honest = one.add(&attempts[0]).unwrap().entry.id;
    let (fail, total) = (&attempts[2], attempts[2].total);
    assert_eq!(fail.verdict, Verdict::Fail);
    let mut forged = fail.clone();
    forged.total = 95.0;
    forged.verdict = Verdict::Pass;
    let changed = one.add(&forged).unwrap().entry.id;
    let mut teacher = Server::connect(&cluster.remote("teacher", "teacher-password")).unwrap();
    let entries = teacher.entries(&Filter::everything()).unwrap();
    let now = verify(&mut teacher, &entries);
    assert_eq!(mismatches(&entries, &now), vec![changed]);
    assert_eq!(
        now[&changed],
        Now::Marked {
            total,
            verdict: Verdict::Fail
        }
    );
    assert!(!now[&honest].differs(&entries[0]));
}
