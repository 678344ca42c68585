//! The command line, run as a user would.

use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_marrowsim"))
        .args(args)
        .output()
        .expect("marrowsim runs")
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn anatomy_json_has_landmarks_and_dimensions() {
    let o = run(&[
        "anatomy",
        "--preset",
        "adult_male",
        "--bmi",
        "30",
        "--seed",
        "3",
        "--json",
    ]);
    assert!(o.status.success(), "{:?}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    for name in [
        "psis_left",
        "psis_right",
        "asis_left",
        "asis_right",
        "aiis_left",
        "iliac_tubercle_right",
        "sciatic_notch_left",
        "si_joint_right",
    ] {
        let p = &v["landmarks"][name];
        assert_eq!(
            p.as_array().map(|a| a.len()),
            Some(3),
            "landmark {name}: {p}"
        );
    }
    let asis = v["dimensions"]["inter_asis"].as_f64().expect("inter_asis");
    assert!((190.0..=265.0).contains(&asis), "inter_asis {asis}");
    assert_eq!(v["patient"]["seed"], 3);
}

#[test]
fn anatomy_is_deterministic_across_runs() {
    let a = run(&["anatomy", "--seed", "11", "--json"]);
    let b = run(&["anatomy", "--seed", "11", "--json"]);
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn slice_writes_a_png_with_the_requested_plane() {
    let dir = std::env::temp_dir().join(format!("marrowsim-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    for (plane, at) in [
        ("axial", "psis_left"),
        ("sagittal", "-60"),
        ("coronal", "-110"),
        ("psis-asis", "0"),
    ] {
        let out = dir.join(format!("{plane}.png"));
        let o = run(&[
            "slice",
            "--plane",
            plane,
            "--at",
            at,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{plane}: {:?}", text(&o));
        let bytes = std::fs::read(&out).expect("png written");
        assert_eq!(&bytes[1..4], b"PNG");
        assert!(bytes.len() > 20_000, "{plane}: suspiciously small image");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_arguments_give_clear_errors() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["anatomy", "--preset", "adult_giraffe"],
            "unknown anatomy preset 'adult_giraffe'",
        ),
        (&["anatomy", "--bmi", "5"], "BMI 5 is outside"),
        (&["anatomy", "--scale", "3"], "scale 3 is outside"),
        (
            &["anatomy", "--preset", "/nonexistent/p.ron"],
            "/nonexistent/p.ron: cannot read",
        ),
        (
            &["slice", "--at", "kneecap", "--out", "/tmp/x.png"],
            "--at 'kneecap' is neither a number nor a landmark",
        ),
        (
            &["slice", "--plane", "oblique", "--out", "/tmp/x.png"],
            "invalid value 'oblique'",
        ),
        (
            &["slice", "--out", "/nonexistent-dir/x.png"],
            "/nonexistent-dir/x.png: cannot write",
        ),
    ];
    for (args, expected) in cases {
        let o = run(args);
        let (_, err) = text(&o);
        assert!(!o.status.success(), "{args:?} should fail");
        assert!(err.contains(expected), "{args:?}: stderr was {err}");
        assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
    }
}

#[test]
fn broken_preset_file_names_file_line_and_column() {
    let dir = std::env::temp_dir().join(format!("marrowsim-preset-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("broken.ron");
    std::fs::write(
        &path,
        "AnatomyPreset(\n    name: \"x\",\n    sex: Robot,\n)",
    )
    .unwrap();
    let o = run(&["anatomy", "--preset", path.to_str().unwrap()]);
    let (_, err) = text(&o);
    assert!(!o.status.success());
    assert!(
        err.contains(&format!("{}:3:", path.display())),
        "stderr: {err}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn every_subcommand_has_help() {
    for sub in ["anatomy", "slice", "shot", "run"] {
        let o = run(&[sub, "--help"]);
        assert!(o.status.success(), "{sub} --help");
        assert!(
            String::from_utf8_lossy(&o.stdout).contains("Usage"),
            "{sub} --help"
        );
    }
}
