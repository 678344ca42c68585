//! `marrowsim report` in a real browser: a class of three trainees on two stations with 30
//! attempts is recorded, the report is written, and headless Chromium opens it. The page must
//! draw one learning curve per trainee, with the record's numbers, and log nothing to the
//! console (a script error, a resource it tried to fetch).
//!
//! Needs Debian's `chromium` (installed by .ci/run); `MARROWSIM_SKIP_BROWSER=1` skips the
//! browser half explicitly. `MARROWSIM_REPORT_SHOT=path` keeps the page's screenshot.

use marrowsim_core::grading::scoring::{Verdict, score};
use marrowsim_core::grading::validity::{Skill, subjects};
use marrowsim_core::records::history::{History, Identity};
use marrowsim_core::scenario::Scenario;
use std::path::{Path, PathBuf};
use std::process::Command;

const TRAINEES: [(&str, usize); 3] = [("Ada", 3), ("Ben", 5), ("Cleo", 8)];

/// Each trainee's first attempts are a novice's and the rest an expert's (from `validity`'s
/// simulated subjects), so the curves rise where each one learns.
fn record_class(data: &Path) -> Vec<(String, Verdict)> {
    let path = Path::new("scenes/psis_standard.ron");
    let scenario = Scenario::load(path).unwrap();
    let novices = subjects(&scenario, Skill::Novice, 30, 11).unwrap();
    let experts = subjects(&scenario, Skill::Expert, 30, 11).unwrap();
    let mut history = History::open(data).unwrap();
    let mut made = Vec::new();
    for k in 0..10 {
        for (j, (name, learns_after)) in TRAINEES.iter().enumerate() {
            let i = k * 3 + j;
            let (anatomy, attempt) = if k < *learns_after {
                &novices[i]
            } else {
                &experts[i]
            };
            let s = score(&scenario, anatomy, attempt).unwrap();
            let who = Identity {
                trainee: Some(name.to_string()),
                station: Some(format!("station-{}", 1 + (i % 2))),
                course: Some("BMAC workshop".into()),
            };
            history
                .record(
                    attempt,
                    &s,
                    &scenario,
                    Some(path),
                    &who,
                    1_796_083_200 + i as u64 * 60,
                )
                .unwrap();
            made.push((name.to_string(), s.verdict));
        }
    }
    made
}

fn marrowsim(args: &[&str]) -> (bool, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_marrowsim"))
        .args(args)
        .output()
        .unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn chromium(profile: &Path, args: &[String]) -> (String, String) {
    let o = Command::new("chromium")
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "chromium does not run ({e}): install Debian's `chromium` (as .ci/run does), \
                 or set MARROWSIM_SKIP_BROWSER=1 to skip"
            )
        });
    assert!(
        o.status.success(),
        "chromium: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn console_lines(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| l.contains(":CONSOLE")).collect()
}

#[test]
fn the_report_draws_a_learning_curve_per_trainee_in_a_real_browser() {
    let root = std::env::temp_dir().join(format!("marrowsim-report-{}", std::process::id()));
    std::fs::remove_dir_all(&root).ok();
    let data = root.join("data");
    let made = record_class(&data);
    let passes = made.iter().filter(|m| m.1 == Verdict::Pass).count();
    assert!(
        passes > 5 && passes < 30,
        "a class that learns: {passes} passes"
    );
    let html = root.join("report.html");
    let (ok, out, err) = marrowsim(&[
        "report",
        "--data",
        data.to_str().unwrap(),
        "--course",
        "BMAC workshop",
        "--out",
        html.to_str().unwrap(),
    ]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("30 attempts by 3 trainees"), "{out}");
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "self-contained"
    );
    assert!(
        page.contains(&format!("Passed<b>{passes}</b>")),
        "the record's pass count"
    );

    let (ok, csv, _) = marrowsim(&[
        "report",
        "--data",
        data.to_str().unwrap(),
        "--format",
        "csv",
    ]);
    assert!(ok);
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    let attempts: std::collections::BTreeSet<&str> =
        rows.iter().map(|r| r.split(',').next().unwrap()).collect();
    assert_eq!(attempts.len(), 30, "the metric table holds every attempt");

    if std::env::var("MARROWSIM_SKIP_BROWSER").is_ok_and(|v| v == "1") {
        eprintln!("MARROWSIM_SKIP_BROWSER=1: the browser half is skipped");
        return;
    }
    let url = format!("file://{}", html.display());
    let profile = root.join("chromium");
    let (dom, err) = chromium(&profile, &["--dump-dom".into(), url.clone()]);
    assert!(
        console_lines(&err).is_empty(),
        "console: {:?}",
        console_lines(&err)
    );
    for (name, _) in TRAINEES {
        let at = dom
            .find(&format!(r#"<svg class="curve" data-trainee="{name}""#))
            .unwrap_or_else(|| panic!("no learning curve for {name}"));
        let chart = &dom[at..at + dom[at..].find("</svg>").unwrap()];
        let line = chart
            .split(r#"<polyline points=""#)
            .nth(1)
            .expect("a curve");
        let points = line[..line.find('"').unwrap()].split(' ').count();
        assert_eq!(points, 10, "{name}'s ten attempts");
        assert!(chart.contains(r#"class="pass-mark""#));
    }
    assert_eq!(dom.matches(r#"<svg class="curve""#).count(), 3);

    let shot = root.join("report.png");
    let (_, err) = chromium(
        &profile,
        &[
            "--window-size=1280,2600".into(),
            format!("--screenshot={}", shot.display()),
            url,
        ],
    );
    assert!(
        console_lines(&err).is_empty(),
        "console: {:?}",
        console_lines(&err)
    );
    let img = image::open(&shot).unwrap().to_rgb8();
    // The curves' own colour (svg::CURVE, #1f5fa8) where the charts were drawn.
    let curve = img
        .pixels()
        .filter(|p| {
            (p[0] as i32 - 0x1f).abs() < 12
                && (p[1] as i32 - 0x5f).abs() < 12
                && (p[2] as i32 - 0xa8).abs() < 12
        })
        .count();
    assert!(
        curve > 1500,
        "the learning curves are drawn: {curve} pixels of their colour"
    );
    if let Ok(keep) = std::env::var("MARROWSIM_REPORT_SHOT") {
        std::fs::copy(&shot, PathBuf::from(keep)).unwrap();
    }
    std::fs::remove_dir_all(&root).ok();
}

/// An attempt an older rubric passed, which the current rubric fails: the report keeps the
/// mark as given, says so at the top, and shows the current rubric's mark beside it.
#[test]
fn the_report_shows_what_the_current_rubric_gives_an_older_mark() {
    use marrowsim_core::grading::scoring::RUBRIC;
    use marrowsim_core::records::store::{Recorded, Store};
    let root = std::env::temp_dir().join(format!("marrowsim-report-old-{}", std::process::id()));
    std::fs::remove_dir_all(&root).ok();
    let data = root.join("data");
    let path = Path::new("scenes/psis_standard.ron");
    let scenario = Scenario::load(path).unwrap();
    let novices = subjects(&scenario, Skill::Novice, 12, 11).unwrap();
    let (attempt, s) = novices
        .iter()
        .map(|(anatomy, attempt)| (attempt, score(&scenario, anatomy, attempt).unwrap()))
        .find(|(_, s)| s.verdict == Verdict::Fail)
        .expect("a novice who fails");
    let who = Identity {
        trainee: Some("Dora".into()),
        station: None,
        course: Some("Old course".into()),
    };
    let mut old = Recorded::new(
        attempt,
        &s,
        &scenario,
        Some(path),
        &who,
        1_796_083_200,
        "app",
    )
    .unwrap();
    old.rubric = None;
    old.total = 82.0;
    old.verdict = Verdict::Pass;
    let mut history = History::open(&data).unwrap();
    history.add(&old).unwrap();
    drop(history);
    let html = root.join("report.html");
    let (ok, out, err) = marrowsim(&[
        "report",
        "--data",
        data.to_str().unwrap(),
        "--out",
        html.to_str().unwrap(),
    ]);
    assert!(ok, "{out}{err}");
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.contains("Passed<b>1</b>"),
        "the count is the mark as given"
    );
    assert!(
        page.contains(&format!(
            "1 attempt was marked by an older rubric, or before records kept one. The counts and curves above are the marks as given. This marrowsim's rubric (version {RUBRIC}) gives 1 of them another mark"
        )),
        "the notice"
    );
    assert!(
        page.contains(&format!(
            r#"<td class="n">82.0</td><td class="pass">pass</td><td class="fail">fail {:.1}</td>"#,
            s.total
        )),
        "the row shows both marks"
    );
    let (ok, out, _) = marrowsim(&["history", "--data", data.to_str().unwrap()]);
    assert!(ok);
    assert!(
        out.contains(&format!("pass   * now fail {:.1}", s.total)),
        "{out}"
    );
    assert!(out.contains(&format!("rubric (version {RUBRIC})")), "{out}");
    std::fs::remove_dir_all(&root).ok();
}

/// A mark changed after marking (here a fail rewritten as a pass, as a station's login or a
/// hand on the database could): `--verify` marks every attempt again from what the record
/// keeps, names the one whose mark its attempt does not give, and fails, in the report and
/// in `history`. Before the change, both pass verification.
#[test]
fn verification_names_a_mark_that_its_attempt_does_not_give() {
    use marrowsim_core::records::store::{Recorded, Store};
    let root = std::env::temp_dir().join(format!("marrowsim-report-verify-{}", std::process::id()));
    std::fs::remove_dir_all(&root).ok();
    let data = root.join("data");
    let d = data.to_str().unwrap().to_string();
    let path = Path::new("scenes/psis_standard.ron");
    let scenario = Scenario::load(path).unwrap();
    let novices = subjects(&scenario, Skill::Novice, 12, 11).unwrap();
    let mut fails = novices
        .iter()
        .map(|(anatomy, attempt)| (attempt, score(&scenario, anatomy, attempt).unwrap()))
        .filter(|(_, s)| s.verdict == Verdict::Fail);
    let who = Identity {
        trainee: Some("Eve".into()),
        station: None,
        course: None,
    };
    let mut history = History::open(&data).unwrap();
    let (honest, s) = fails.next().expect("a novice who fails");
    let rec = |a, s| Recorded::new(a, s, &scenario, Some(path), &who, 1_796_083_200, "app");
    history.add(&rec(honest, &s).unwrap()).unwrap();
    let html = root.join("report.html");
    let h = html.to_str().unwrap().to_string();
    let (ok, out, err) = marrowsim(&["history", "--data", &d, "--verify"]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("each mark is what its attempt gives"), "{out}");
    let (ok, out, err) = marrowsim(&["report", "--data", &d, "--verify", "--out", &h]);
    assert!(ok, "{out}{err}");
    assert!(
        std::fs::read_to_string(&html)
            .unwrap()
            .contains(r#"id="verified""#)
    );

    let (changed, s) = fails.next().expect("a second novice who fails");
    let mut forged = rec(changed, &s).unwrap();
    forged.total = 88.0;
    forged.verdict = Verdict::Pass;
    let id = history.add(&forged).unwrap().entry.id;
    drop(history);
    let (ok, out, err) = marrowsim(&["history", "--data", &d, "--verify"]);
    assert!(!ok, "verification fails: {out}");
    assert!(
        err.contains(&format!("1 mark is not what its attempt gives: #{id}")),
        "{err}"
    );
    let row = out
        .lines()
        .find(|l| l.trim_start().starts_with(&format!("{id} ")))
        .expect("its row");
    assert!(
        row.ends_with(&format!("pass   ! the attempt gives fail {:.1}", s.total)),
        "{row}"
    );
    let (ok, _, _) = marrowsim(&["history", "--data", &d]);
    assert!(ok, "without --verify, the listing alone");
    let (ok, out, err) = marrowsim(&["report", "--data", &d, "--verify", "--out", &h]);
    assert!(!ok, "{out}");
    assert!(
        err.contains("1 mark is not what its attempt gives"),
        "{err}"
    );
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.contains(&format!(
            "Of the 2 marks given by this rubric (version {}), 1 mark is not what its attempt gives under the same rubric: #{id} is recorded as pass 88.0; its attempt gives fail {:.1}.",
            marrowsim_core::grading::scoring::RUBRIC,
            s.total
        )),
        "the notice names it"
    );
    std::fs::remove_dir_all(&root).ok();
}
