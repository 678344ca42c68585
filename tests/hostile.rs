//! Input a hostile or careless user gives the command line: it must end within 5 s with a
//! clear error (or a score), never hang, panic or eat the memory.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const LIMIT: Duration = Duration::from_secs(5);

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("marrowsim-hostile-{name}-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs the binary and kills it if it is still running after the limit.
fn run_bounded(args: &[&str], env: &[(&str, &Path)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_marrowsim"));
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("starts");
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if start.elapsed() > LIMIT {
            child.kill().ok();
            let out = child.wait_with_output().unwrap();
            panic!(
                "marrowsim {args:?} ran over {LIMIT:?}; stderr: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `marrowsim score` of an attempt file against the standard scene.
fn score(attempt: &Path) -> Output {
    run_bounded(
        &[
            "score",
            "--scene",
            "scenes/psis_standard.ron",
            "--attempt",
            attempt.to_str().unwrap(),
        ],
        &[],
    )
}

fn assert_clear_error(out: &Output, mentions: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "exit 1: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        err.contains(mentions),
        "the error should mention {mentions:?}: {err}"
    );
}

/// The golden expert attempt with its text changed by `edit`.
fn golden_with(dir: &Path, name: &str, edit: impl Fn(&str) -> String) -> PathBuf {
    let text = std::fs::read_to_string("tests/golden/expert_psis_to_asis.ron").unwrap();
    let path = dir.join(format!("{name}.ron"));
    std::fs::write(&path, edit(&text)).unwrap();
    path
}

/// Replaces the first sample's entry point.
fn first_entry(text: &str, entry: &str) -> String {
    let i = text.find("entry: (").expect("an entry");
    let j = i + text[i..].find(')').unwrap() + 1;
    format!("{}entry: {entry}{}", &text[..i], &text[j..])
}

#[test]
fn the_hang_corpus_ends_with_a_reason() {
    let dir = scratch("corpus");
    let cases = [
        golden_with(&dir, "far_1e6", |t| first_entry(t, "(1e6, 0.0, 0.0)")),
        golden_with(&dir, "far_1e9", |t| first_entry(t, "(1e9, 0.0, 0.0)")),
        golden_with(&dir, "far_1e30", |t| first_entry(t, "(1e30, 0.0, 0.0)")),
        golden_with(&dir, "deep_1e9", |t| {
            let i = t.find("depth: ").unwrap() + "depth: ".len();
            let j = i + t[i..].find([',', ')', '\n']).unwrap();
            format!("{}1e9{}", &t[..i], &t[j..])
        }),
    ];
    for attempt in &cases {
        let out = score(attempt);
        assert_clear_error(&out, &attempt.display().to_string());
    }

    // A million samples: refused by the sample limit or the file limit, quickly.
    let million = dir.join("million.ron");
    let mut text = String::from(
        "Attempt(version: 1, scene: \"x\", patient: (preset: \"adult_male\", sex: Male, bmi: 25.0, scale: 1.0, seed: None), sites: [(site: 0, timeline: [",
    );
    for i in 0..1_000_000 {
        text.push_str(&format!("(t:{i},entry:(0,0,0),direction:(0,1,0),depth:0),"));
    }
    text.push_str("])])");
    std::fs::write(&million, text).unwrap();
    let out = score(&million);
    assert_clear_error(&out, "million.ron");
    std::fs::remove_dir_all(&dir).ok();
}

#[cfg(unix)]
#[test]
fn fifos_and_devices_are_refused_as_every_kind_of_input() {
    let dir = scratch("fifo");
    let fifo = dir.join("pipe.ron");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success(),
        "mkfifo"
    );
    let zero = dir.join("zero.ron");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    for (bad, kind) in [(&fifo, "FIFO"), (&zero, "character device")] {
        let b = bad.to_str().unwrap();
        let as_scene = run_bounded(&["validate", b], &[]);
        assert_clear_error(&as_scene, kind);
        let as_attempt = run_bounded(
            &[
                "score",
                "--scene",
                "scenes/psis_standard.ron",
                "--attempt",
                b,
            ],
            &[],
        );
        assert_clear_error(&as_attempt, kind);
        let as_preset = run_bounded(&["anatomy", "--preset", b], &[]);
        assert_clear_error(&as_preset, kind);
        let as_plan = run_bounded(&["yield", "--plan", b], &[]);
        assert_clear_error(&as_plan, kind);
        let as_model = run_bounded(&["yield", "--pull-ml", "2", "--model", b], &[]);
        assert_clear_error(&as_model, kind);

        let data = dir.join(format!("data-{kind}").replace(' ', "-"));
        std::fs::create_dir_all(&data).unwrap();
        std::fs::remove_file(data.join("history.jsonl")).ok();
        std::os::unix::fs::symlink(bad, data.join("history.jsonl")).unwrap();
        let as_import = run_bounded(&["history", "--data", data.to_str().unwrap()], &[]);
        assert_clear_error(&as_import, kind);
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_is_an_error_not_a_panic() {
    let out = Command::new(env!("CARGO_BIN_EXE_marrowsim"))
        .args(["validate", "scenes/psis_standard.ron"])
        .stdout(std::fs::File::create("/dev/full").unwrap())
        .output()
        .unwrap();
    assert_clear_error(&out, "cannot write the output");
}

#[cfg(target_os = "linux")]
#[test]
fn feasibility_prints_the_same_on_one_core_and_on_all() {
    let args = [
        "feasibility",
        "scenes/psis_bilateral.ron",
        "--samples",
        "1500",
        "--seed",
        "11",
    ];
    let all = Command::new(env!("CARGO_BIN_EXE_marrowsim"))
        .args(args)
        .output()
        .unwrap();
    let one = Command::new("taskset")
        .args(["-c", "0", env!("CARGO_BIN_EXE_marrowsim")])
        .args(args)
        .output()
        .unwrap();
    assert!(
        all.status.success(),
        "{}",
        String::from_utf8_lossy(&all.stderr)
    );
    assert!(
        one.status.success(),
        "{}",
        String::from_utf8_lossy(&one.stderr)
    );
    assert!(!all.stdout.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&one.stdout),
        String::from_utf8_lossy(&all.stdout)
    );
}

#[test]
fn a_byte_order_mark_is_accepted_and_version_zero_named() {
    let dir = scratch("bom");
    let text = std::fs::read_to_string("scenes/psis_standard.ron").unwrap();
    let bom = dir.join("notepad.ron");
    std::fs::write(&bom, format!("\u{feff}{text}")).unwrap();
    let out = run_bounded(&["validate", bom.to_str().unwrap()], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let zero = dir.join("zero.ron");
    std::fs::write(&zero, text.replacen("version: 1", "version: 0", 1)).unwrap();
    let out = run_bounded(&["validate", zero.to_str().unwrap()], &[]);
    assert_clear_error(&out, "unknown scenario version 0");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn errors_in_an_attempt_name_the_attempt_file() {
    let dir = scratch("attempt-errors");
    let bad_patient = golden_with(&dir, "bmi", |t| t.replacen("bmi: 25.0", "bmi: 90.0", 1));
    let out = score(&bad_patient);
    assert_clear_error(&out, &format!("{}:", bad_patient.display()));
    let bad_site = golden_with(&dir, "site", |t| t.replacen("site: 0", "site: 4", 1));
    let out = score(&bad_site);
    assert_clear_error(&out, &format!("{}:", bad_site.display()));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("psis_standard.ron"), "not the scene: {err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn an_attempt_from_another_scene_or_patient_is_refused_unless_lenient() {
    let golden = "tests/golden/expert_psis_to_asis.ron";
    let args = [
        "score",
        "--scene",
        "scenes/psis_obese.ron",
        "--attempt",
        golden,
    ];
    let out = run_bounded(&args, &[]);
    assert_clear_error(&out, "the patient does not match");
    assert_clear_error(&out, &format!("{golden}:"));

    let mut lenient = args.to_vec();
    lenient.push("--lenient");
    let out = run_bounded(&lenient, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("NOT ADMISSIBLE"), "{text}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("warning: the patient does not match"));

    // The single-sample teleport: already in the marrow at t = 0.
    let dir = scratch("teleport");
    let teleport = golden_with(&dir, "teleport", |t| {
        let i = t.find("timeline: [").unwrap() + "timeline: [".len();
        let last = t[i..].rfind("Sample(").unwrap() + i;
        let end = t[last..].find(")]").unwrap() + last + 1;
        format!(
            "{}{}{}",
            &t[..i],
            &t[last..end].replace("t: 26.0", "t: 0.0"),
            &t[end..]
        )
    });
    let out = score(&teleport);
    assert_clear_error(&out, "must start outside the body");
    std::fs::remove_dir_all(&dir).ok();
}
