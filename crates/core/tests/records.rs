//! The trainee's record under stress: processes killed while recording, and two processes
//! recording into one data folder at once. The children are this test binary run again with
//! `CHILD` set, so they record exactly as the app does, through `History::record`.

use marrowsim_core::anatomy::Anatomy;
use marrowsim_core::grading::scoring::{Score, score};
use marrowsim_core::records::attempt::{Attempt, Touch};
use marrowsim_core::records::history::{History, Identity};
use marrowsim_core::scenario::Scenario;
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

const CHILD: &str = "MARROWSIM_RECORDS_CHILD";

fn ws(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

/// The standard scene and three golden attempts with their scores: a pass, an unsafe one and
/// a fail, so that a mixed-up row would re-grade differently.
fn fixtures() -> (Scenario, Vec<(Attempt, Score)>) {
    let scenario = Scenario::load(&ws("scenes/psis_standard.ron")).expect("scene");
    let attempts = [
        "expert_psis_to_asis",
        "perpendicular_into_sacrum",
        "shallow_in_cortex",
    ]
    .iter()
    .map(|name| {
        let a = Attempt::load(&ws(&format!("tests/golden/{name}.ron"))).expect("golden");
        let anatomy = Anatomy::build(&a.patient).expect("patient");
        let s = score(&scenario, &anatomy, &a).expect("scores");
        (a, s)
    })
    .collect();
    (scenario, attempts)
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("marrowsim-records-{name}-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The attempt with one pen mark that scenes without a preparation phase ignore, so the
/// record (which keeps each attempt once) sees a new attempt with the same score.
fn variant(attempt: &Attempt, base: u32, i: usize) -> Attempt {
    let mut a = attempt.clone();
    a.version = marrowsim_core::records::attempt::VERSION;
    a.marks.push(Touch {
        t: i as f32 * 0.01,
        at: (base as f32, 0.0, 0.0),
    });
    a
}

/// Not a test of its own: the body of a child process, which records `count` attempts into
/// `dir` (each a `variant` under its `base`) and prints `committed ID` after each commit.
#[test]
fn child_records_in_a_loop() {
    let Ok(spec) = std::env::var(CHILD) else {
        return;
    };
    let mut parts = spec.split('|');
    let (dir, count, base) = (
        parts.next().expect("DIR"),
        parts
            .next()
            .expect("COUNT")
            .parse::<usize>()
            .expect("count"),
        parts.next().expect("BASE").parse::<u32>().expect("base"),
    );
    let (scenario, attempts) = fixtures();
    let mut history = History::open(dir).expect("opens");
    let stdout = std::io::stdout();
    for i in 0..count {
        let (attempt, score) = &attempts[i % attempts.len()];
        let e = history
            .record(
                &variant(attempt, base, i),
                score,
                &scenario,
                None,
                &Identity::default(),
                i as u64,
            )
            .expect("records");
        let mut out = stdout.lock();
        writeln!(out, "committed {}", e.id).unwrap();
        out.flush().unwrap();
    }
}

fn spawn_child(dir: &Path, count: usize, base: u32) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_records_in_a_loop",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, format!("{}|{count}|{base}", dir.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the child starts")
}

fn committed(child: &mut Child) -> BTreeSet<i64> {
    committed_lines(BufReader::new(child.stdout.take().unwrap()))
}

fn committed_lines(out: impl BufRead) -> BTreeSet<i64> {
    out.lines()
        .map_while(Result::ok)
        .filter_map(|l| committed_id(&l))
        .collect()
}

/// The id a child's line reports committed. With --nocapture the harness's "test NAME ... "
/// leads the first line.
fn committed_id(line: &str) -> Option<i64> {
    line.split("committed ").nth(1)?.trim().parse().ok()
}

/// Every recorded attempt grades again, from the record alone, to the score it was recorded
/// with.
fn regrade_all(history: &History) -> usize {
    let entries = history.entries().expect("entries");
    let mut anatomies = std::collections::HashMap::new();
    for e in &entries {
        let attempt = Attempt::parse(&history.attempt_text(e.id).unwrap(), "record")
            .unwrap_or_else(|err| panic!("attempt {}: {err}", e.id));
        let scene = history.scene_text(e.id).unwrap().expect("scene kept");
        let scenario = Scenario::parse(&scene, "record").expect("scene loads");
        let anatomy = anatomies
            .entry(format!("{:?}", attempt.patient))
            .or_insert_with(|| Anatomy::build(&attempt.patient).unwrap());
        let again = score(&scenario, anatomy, &attempt).unwrap();
        assert_eq!(again.total, e.total, "attempt {} re-grades the same", e.id);
        assert_eq!(again.verdict, e.verdict);
    }
    entries.len()
}

#[test]
fn attempts_committed_before_a_kill_survive_it() {
    let dir = scratch("kill");
    let mut rng = 0x9E37_79B9_7F4A_7C15_u64;
    let mut all = BTreeSet::new();
    let kills = 60;
    for k in 0..kills {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let mut child = spawn_child(&dir, 100_000, k);
        let pause = std::time::Duration::from_micros(rng % 60_000);
        if k % 2 == 0 {
            // From before the record is opened to well into the loop.
            std::thread::sleep(pause);
            child.kill().expect("SIGKILL");
            all.extend(committed(&mut child));
        } else {
            // Within the loop, however long the child took to start on a loaded machine.
            let mut out = BufReader::new(child.stdout.take().unwrap());
            let mut line = String::new();
            while out.read_line(&mut line).unwrap_or(0) > 0 {
                if let Some(id) = committed_id(&line) {
                    all.insert(id);
                    break;
                }
                line.clear();
            }
            std::thread::sleep(pause);
            child.kill().expect("SIGKILL");
            all.extend(committed_lines(out));
        }
        child.wait().unwrap();
    }
    let history = History::open(&dir).expect("the record opens after the kills");
    history.check().expect("integrity");
    let ids: BTreeSet<i64> = history.entries().unwrap().iter().map(|e| e.id).collect();
    let lost: Vec<_> = all.difference(&ids).collect();
    assert!(lost.is_empty(), "committed but lost: {lost:?}");
    assert!(
        all.len() >= 20,
        "the kills should land among commits: only {} committed",
        all.len()
    );
    let n = regrade_all(&history);
    assert!(n >= all.len());
    eprintln!(
        "{kills} kills: {} attempts reported committed, {n} in the record, all re-graded",
        all.len()
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn two_processes_recording_at_once_lose_nothing() {
    let dir = scratch("two");
    let mut a = spawn_child(&dir, 200, 1);
    let mut b = spawn_child(&dir, 200, 2);
    let (ids_a, ids_b) = std::thread::scope(|s| {
        let ha = s.spawn(|| committed(&mut a));
        let hb = s.spawn(|| committed(&mut b));
        (ha.join().unwrap(), hb.join().unwrap())
    });
    assert!(a.wait().unwrap().success());
    assert!(b.wait().unwrap().success());
    assert_eq!((ids_a.len(), ids_b.len()), (200, 200));
    assert!(ids_a.is_disjoint(&ids_b), "no attempt overwrote another");
    let history = History::open(&dir).unwrap();
    assert_eq!(history.entries().unwrap().len(), 400);
    assert_eq!(regrade_all(&history), 400);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn an_older_folder_is_imported_once_whatever_its_damage() {
    let dir = scratch("legacy");
    std::fs::create_dir_all(dir.join("attempts")).unwrap();
    std::fs::copy(
        ws("tests/golden/expert_psis_to_asis.ron"),
        dir.join("attempts/1-psis.ron"),
    )
    .unwrap();
    std::fs::copy(
        ws("tests/golden/shallow_in_cortex.ron"),
        dir.join("attempts/9-unlisted.ron"),
    )
    .unwrap();
    let good = r#"{"when":1,"scene":"PSIS harvest","scene_file":null,"preset":"adult_male","seed":null,"total":91.5,"pass_mark":70.0,"verdict":"pass","attempt_file":"attempts/1-psis.ron"}"#;
    let mut log = Vec::new();
    log.extend_from_slice(good.as_bytes());
    log.extend_from_slice(b"\n{\"when\": 2, \"scene\"");
    // A torn line glued to a whole one, a line with a byte that is not UTF-8, and a line
    // naming an attempt file that is gone.
    log.extend_from_slice(good.as_bytes());
    log.extend_from_slice(b"\n\xff\xfe not text\n");
    log.extend_from_slice(good.replace("1-psis", "2-gone").as_bytes());
    log.extend_from_slice(b"\n");
    log.extend_from_slice(good.as_bytes());
    std::fs::write(dir.join("history.jsonl"), log).unwrap();

    let history = History::open(&dir).unwrap();
    let imported = history.imported.clone().expect("imported");
    assert_eq!(
        imported.attempts, 3,
        "the whole line glued to a torn one is kept"
    );
    assert_eq!(imported.bad_lines, 3, "{imported:?}");
    assert_eq!(imported.unlisted_files, 1, "{imported:?}");
    let entries = history.entries().unwrap();
    assert_eq!(entries.len(), 3);
    assert!(
        entries
            .iter()
            .all(|e| e.source == "import" && e.total == 91.5)
    );
    drop(history);
    let again = History::open(&dir).unwrap();
    assert!(again.imported.is_none(), "imported once");
    assert_eq!(again.entries().unwrap().len(), 3);
    std::fs::remove_dir_all(&dir).ok();
}

/// An older folder's log can only bring in attempts from inside the folder, with totals and
/// pass marks a rubric could give: a line naming a file elsewhere, by an absolute path or by
/// `..`, or carrying a total over 100 is a bad line.
#[test]
fn an_older_folder_brings_in_only_its_own_attempts_and_marks_in_range() {
    let dir = scratch("legacy-bounds");
    let elsewhere = scratch("legacy-elsewhere");
    std::fs::create_dir_all(dir.join("attempts")).unwrap();
    for d in [&dir.join("attempts"), &elsewhere] {
        std::fs::copy(
            ws("tests/golden/expert_psis_to_asis.ron"),
            d.join("1-psis.ron"),
        )
        .unwrap();
    }
    let line = |file: &str, total: &str, pass_mark: &str| {
        format!(
            r#"{{"when":1,"scene":"PSIS harvest","scene_file":null,"total":{total},"pass_mark":{pass_mark},"verdict":"pass","attempt_file":{}}}"#,
            serde_json::to_string(file).unwrap()
        )
    };
    let outside = elsewhere.join("1-psis.ron");
    let up = format!(
        "../{}/1-psis.ron",
        elsewhere.file_name().unwrap().to_string_lossy()
    );
    let log = [
        line("attempts/1-psis.ron", "91.5", "70.0"),
        line(outside.to_str().unwrap(), "91.5", "70.0"),
        line(&up, "91.5", "70.0"),
        line("attempts/1-psis.ron", "250.0", "70.0"),
        line("attempts/1-psis.ron", "91.5", "-1.0"),
    ]
    .join("\n");
    std::fs::write(dir.join("history.jsonl"), log).unwrap();

    let history = History::open(&dir).unwrap();
    let imported = history.imported.clone().expect("imported");
    assert_eq!(imported.attempts, 1, "{imported:?}");
    assert_eq!(imported.bad_lines, 4, "{imported:?}");
    let entries = history.entries().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!((entries[0].total, entries[0].pass_mark), (91.5, 70.0));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::remove_dir_all(&elsewhere).ok();
}

#[cfg(unix)]
#[test]
fn a_record_that_is_not_a_file_is_refused() {
    let dir = scratch("notfile");
    std::fs::create_dir_all(dir.join("marrowsim.db")).unwrap();
    let e = History::open(&dir).unwrap_err();
    assert!(
        e.contains("marrowsim.db") && e.contains("not a regular file"),
        "{e}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// A record written by schema 1 (before trainees) opens: its attempts stay, with no trainee,
/// and new ones carry the trainee, the station and the course.
#[test]
fn a_schema_1_record_gains_trainees_and_keeps_its_attempts() {
    let dir = scratch("schema1");
    {
        let conn = rusqlite::Connection::open(History::db_path(&dir)).unwrap();
        conn.execute_batch(
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
             INSERT INTO meta VALUES ('legacy_import', '0 attempts');
             CREATE TABLE attempts (
                id INTEGER PRIMARY KEY AUTOINCREMENT, recorded_at INTEGER NOT NULL,
                scene_title TEXT NOT NULL, scene_file TEXT, scene_ron TEXT, scene_hash TEXT,
                preset TEXT NOT NULL, sex TEXT NOT NULL, bmi REAL NOT NULL, scale REAL NOT NULL,
                seed INTEGER, total REAL NOT NULL, pass_mark REAL NOT NULL, verdict TEXT NOT NULL,
                attempt_ron TEXT NOT NULL, source TEXT NOT NULL DEFAULT 'app');
             CREATE TABLE components (attempt_id INTEGER NOT NULL, position INTEGER NOT NULL,
                key TEXT NOT NULL, label TEXT NOT NULL, value REAL, unit TEXT NOT NULL,
                points REAL NOT NULL, max_points REAL NOT NULL, PRIMARY KEY (attempt_id, position));
             INSERT INTO attempts (recorded_at, scene_title, preset, sex, bmi, scale, total,
                pass_mark, verdict, attempt_ron)
                VALUES (5, 'old', 'adult_male', 'male', 25, 1, 88, 70, 'pass', 'x');
             PRAGMA user_version = 1;",
        )
        .unwrap();
    }
    let (scenario, attempts) = fixtures();
    let mut h = History::open(&dir).expect("a schema 1 record opens");
    assert_eq!(h.entries().unwrap()[0].trainee, None);
    assert_eq!(h.remembered_trainee().unwrap(), None);
    assert_eq!(
        h.remember_trainee("  Ada Lovelace ").unwrap(),
        "Ada Lovelace"
    );
    assert!(h.remember_trainee(" ").is_err());
    assert!(h.remember_trainee(&"x".repeat(81)).is_err());
    let who = Identity {
        trainee: Some("Ada Lovelace".into()),
        station: Some("station-3".into()),
        course: Some("BMAC workshop".into()),
    };
    let (a, s) = &attempts[0];
    let e = h.record(a, s, &scenario, None, &who, 10).unwrap();
    assert_eq!(e.trainee.as_deref(), Some("Ada Lovelace"));
    drop(h);
    let h = History::open(&dir).unwrap();
    let entries = h.entries().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[1].station.as_deref(), Some("station-3"));
    assert_eq!(entries[1].course.as_deref(), Some("BMAC workshop"));
    assert_eq!(h.trainees().unwrap(), vec!["Ada Lovelace".to_string()]);
    assert_eq!(
        h.remembered_trainee().unwrap().as_deref(),
        Some("Ada Lovelace"),
        "remembered across openings"
    );
    // Schema 3: the older attempt has an identity, and the same attempt is kept once.
    assert_eq!(
        entries[0].attempt_hash.as_deref(),
        Some(marrowsim_core::records::history::hash_text("x").as_str())
    );
    let mut h = h;
    let again = h.record(a, s, &scenario, None, &who, 11).unwrap();
    assert_eq!(again.id, entries[1].id, "recorded once");
    assert_eq!(h.entries().unwrap().len(), 2);
    std::fs::remove_dir_all(&dir).ok();
}

/// A record of schema 3 (before rubric versions) opens as schema 4: its attempts have no
/// rubric, and each is marked again by the current rubric beside the mark it keeps. An old
/// pass that the current rubric fails says so; an attempt without its scene cannot be marked
/// again, and says why. Attempts recorded now carry the current rubric and are not marked
/// again.
#[test]
fn marks_given_by_an_older_rubric_are_shown_beside_the_current_rubrics() {
    use marrowsim_core::grading::scoring::{RUBRIC, Verdict};
    use marrowsim_core::records::regrade::{Now, mark_stale};
    let dir = scratch("rubric");
    let (scenario, attempts) = fixtures();
    let who = Identity::default();
    {
        let mut h = History::open(&dir).unwrap();
        for (i, (a, s)) in attempts.iter().enumerate() {
            h.record(a, s, &scenario, None, &who, i as u64).unwrap();
        }
    }
    {
        // As a schema 3 record held them: no rubric column. The fail is kept as an older
        // rubric's pass, and the unsafe one has lost its scene (an older folder's import).
        let conn = rusqlite::Connection::open(History::db_path(&dir)).unwrap();
        conn.execute_batch(
            "ALTER TABLE attempts DROP COLUMN rubric;
             UPDATE attempts SET total = 82, verdict = 'pass' WHERE id = 3;
             UPDATE attempts SET scene_ron = NULL WHERE id = 2;
             UPDATE attempts SET attempt_hash = 'older' || id;
             INSERT INTO attempts (recorded_at, scene_title, scene_file, scene_ron, scene_hash,
                preset, sex, bmi, scale, seed, total, pass_mark, verdict, attempt_ron, source,
                trainee, station, course, attempt_hash)
                SELECT recorded_at + 60, scene_title, scene_file, scene_ron, scene_hash, preset,
                    sex, bmi, scale, seed, total, pass_mark, verdict,
                    replace(attempt_ron, 'version: 1,', 'version: 7,'), 'collected', trainee,
                    station, course, 'exported'
                FROM attempts WHERE id = 1;
             PRAGMA user_version = 3;",
        )
        .unwrap();
    }
    let mut h = History::open(&dir).expect("a schema 3 record opens");
    let entries = h.entries().unwrap();
    assert!(entries.iter().all(|e| e.rubric.is_none()));
    assert_eq!(
        marrowsim_core::records::store::twins(&entries),
        [(4, 1)].into(),
        "the same attempt in an older format, kept twice"
    );
    assert!(h.attempt_text(4).unwrap().contains("version: 7,"));
    for e in &entries {
        let a = Attempt::parse(&h.attempt_text(e.id).unwrap(), "record").unwrap();
        assert_eq!(
            e.attempt_hash,
            Some(marrowsim_core::records::store::attempt_hash(&a).unwrap()),
            "schema 4 computes every identity again"
        );
    }
    let (a, s) = &attempts[0];
    let mut again = a.clone();
    again.version = marrowsim_core::records::attempt::VERSION;
    again.marks.push(Touch {
        t: 0.5,
        at: (1.0, 2.0, 3.0),
    });
    let new = h.record(&again, s, &scenario, None, &who, 9).unwrap();
    assert_eq!(new.rubric, Some(RUBRIC));
    let entries = h.entries().unwrap();
    assert_eq!(entries[4].rubric, Some(RUBRIC), "kept across openings");
    let now = mark_stale(&mut h, &entries);
    assert_eq!(now.keys().copied().collect::<Vec<_>>(), vec![1, 2, 3, 4]);
    assert_eq!(
        now[&1],
        Now::Marked {
            total: attempts[0].1.total,
            verdict: Verdict::Pass
        }
    );
    assert!(!now[&1].differs(&entries[0]));
    assert!(
        matches!(&now[&2], Now::Unmarkable { reason } if reason.contains("no scene")),
        "{:?}",
        now[&2]
    );
    assert!(now[&2].differs(&entries[1]));
    assert_eq!(
        entries[2].verdict,
        Verdict::Pass,
        "the record keeps its mark"
    );
    assert_eq!(
        now[&3],
        Now::Marked {
            total: attempts[2].1.total,
            verdict: Verdict::Fail
        }
    );
    assert!(now[&3].differs(&entries[2]));
    std::fs::remove_dir_all(&dir).ok();
}

/// A replay's clock: nothing before the first sample, a straight push between two samples
/// shown part of the way, and the moments in time order with the needle's events among them.
#[test]
fn an_attempt_replays_between_its_samples_and_lists_its_moments() {
    let a = Attempt::load(&ws("tests/golden/expert_psis_to_asis.ron")).unwrap();
    let anatomy = Anatomy::build(&a.patient).unwrap();
    let (start, end) = a.span();
    let tl = &a.sites[0].timeline;
    assert_eq!((start, end), (tl[0].t, tl.last().unwrap().t));
    assert!(a.pose_at(start - 1.0).is_none());
    let (x, y) = (&tl[0], &tl[1]);
    let mid = (x.t + y.t) / 2.0;
    let (site, pose) = a.pose_at(mid).unwrap();
    assert_eq!(site, 0);
    assert!(
        (pose.depth - (x.depth + y.depth) / 2.0).abs() < 1e-3,
        "halfway between {} and {} mm: {}",
        x.depth,
        y.depth,
        pose.depth
    );
    assert_eq!(
        a.pose_at(end + 5.0).unwrap().1.depth,
        tl.last().unwrap().depth
    );
    let moments = a.moments(&anatomy);
    assert!(moments.windows(2).all(|w| w[0].t <= w[1].t));
    let names: Vec<&str> = moments.iter().map(|m| m.what.as_str()).collect();
    assert_eq!(names[0], "skin", "{names:?}");
    assert!(
        names.iter().any(|n| n.starts_with("marrow at")),
        "{names:?}"
    );
}

/// The time an attempt was marked travels in its file (version 8), range-checked, and leaves
/// the attempt's identity alone: the same attempt with and without it hashes the same.
#[test]
fn an_attempt_file_carries_when_it_was_marked() {
    use marrowsim_core::records::attempt::{MAX_WHEN, VERSION};
    use marrowsim_core::records::store::attempt_hash;
    let mut a = Attempt::load(&ws("tests/golden/expert_psis_to_asis.ron")).unwrap();
    let plain = attempt_hash(&a).unwrap();
    a.version = VERSION;
    a.when = Some(1_796_083_200);
    let text = a.to_ron().unwrap();
    let back = Attempt::parse(&text, "a.ron").unwrap();
    assert_eq!(back.when, Some(1_796_083_200));
    assert_eq!(attempt_hash(&back).unwrap(), plain, "the same attempt");
    let v7 = text.replacen(&format!("version: {VERSION}"), "version: 7", 1);
    let e = Attempt::parse(&v7, "a.ron").unwrap_err().to_string();
    assert!(e.contains("needs attempt version 8"), "{e}");
    assert!(e.starts_with("a.ron:"), "{e}");
    let late = text.replacen("1796083200", &(MAX_WHEN + 1).to_string(), 1);
    let e = Attempt::parse(&late, "a.ron").unwrap_err().to_string();
    assert!(e.contains("after the year 9999"), "{e}");
}

/// One damaged row (its text no longer UTF-8, as a failing disk can leave it) makes that
/// attempt unmarkable, with the reason; the others are still marked again, and the views
/// that call this (`history`, `report`, the app's panel and board) still open.
#[test]
fn a_damaged_row_is_unmarkable_and_the_rest_are_still_marked() {
    use marrowsim_core::records::regrade::{Now, mark_stale};
    let dir = scratch("damaged");
    let (scenario, attempts) = fixtures();
    let who = Identity::default();
    let mut h = History::open(&dir).unwrap();
    for (i, (a, s)) in attempts.iter().enumerate() {
        h.record(a, s, &scenario, None, &who, i as u64).unwrap();
    }
    rusqlite::Connection::open(History::db_path(&dir))
        .unwrap()
        .execute_batch(
            "UPDATE attempts SET rubric = NULL;
             UPDATE attempts SET attempt_ron = CAST(x'ff00' AS BLOB) WHERE id = 2;",
        )
        .unwrap();
    let entries = h.entries().unwrap();
    let now = mark_stale(&mut h, &entries);
    assert_eq!(now.len(), attempts.len());
    assert!(
        matches!(&now[&2], Now::Unmarkable { reason } if reason.contains("could not give its text back")),
        "{:?}",
        now[&2]
    );
    for (id, (_, s)) in [(1, &attempts[0]), (3, &attempts[2])] {
        assert_eq!(
            now[&id],
            Now::Marked {
                total: s.total,
                verdict: s.verdict
            }
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}
