//! Render smoke test: the real app, under Xvfb with Mesa's software Vulkan, must put the
//! pelvis on screen. CI installs xvfb and mesa-vulkan-drivers (see .ci/run).

use std::path::Path;
use std::process::{Command, Output};
use std::sync::RwLock;

/// The screenshots share the machine; a test that counts frames has it to itself.
static MACHINE: RwLock<()> = RwLock::new(());

/// The app with `args`, in the X server there is or under xvfb-run.
fn windowed(args: &[String]) -> Output {
    let exe = env!("CARGO_BIN_EXE_marrowsim");
    if std::env::var_os("DISPLAY").is_some() {
        Command::new(exe).args(args).output()
    } else {
        Command::new("xvfb-run")
            .args(["-a", "-s", "-screen 0 1280x800x24", exe])
            .args(args)
            .output()
    }
    .expect("xvfb-run (apt-get install xvfb mesa-vulkan-drivers) or a DISPLAY is needed for the render test")
}

fn shot(out: &Path, extra: &[&str]) {
    let _shared = MACHINE.read().unwrap_or_else(|e| e.into_inner());
    let mut args: Vec<String> = vec!["shot".into(), "--out".into(), out.display().to_string()];
    args.extend(extra.iter().map(|s| s.to_string()));
    let o = windowed(&args);
    assert!(
        o.status.success(),
        "marrowsim shot failed: {}\n{}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Frames a second drawn by the window left alone for `seconds`.
fn idle_fps(seconds: f32, always: bool) -> f64 {
    let mut args: Vec<String> = ["perf", "idle-window", "--quality", "low", "--seconds"]
        .into_iter()
        .map(String::from)
        .collect();
    args.push(seconds.to_string());
    if always {
        args.push("--always".into());
    }
    let o = windowed(&args);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "perf idle-window failed: {stdout}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let line = stdout.lines().rev().find(|l| l.starts_with('{')).unwrap();
    let report: serde_json::Value = serde_json::from_str(line).unwrap();
    report["fps"].as_f64().unwrap()
}

#[test]
fn a_window_left_alone_sleeps_between_its_twice_a_second_frames() {
    let _alone = MACHINE.write().unwrap_or_else(|e| e.into_inner());
    let paced = idle_fps(3.0, false);
    let always = idle_fps(2.0, true);
    assert!(
        paced <= 2.5,
        "an idle window drew {paced:.1} frames a second; it should wake twice a second"
    );
    assert!(
        always > 2.0 * paced,
        "drawing every frame ({always:.1} fps) should draw far more than sleeping ({paced:.1} fps)"
    );
}

fn load_rgb(path: &Path) -> (usize, usize, Vec<u8>) {
    let img = image::open(path)
        .expect("the screenshot is a PNG")
        .to_rgb8();
    (img.width() as usize, img.height() as usize, img.into_raw())
}

fn is_bone(px: &[u8]) -> bool {
    let (r, g, b) = (px[0] as i32, px[1] as i32, px[2] as i32);
    r > 150 && g > 140 && b > 120 && r >= b && r - b < 70
}

#[test]
fn posterior_view_shows_the_pelvis() {
    let dir = std::env::temp_dir().join(format!("marrowsim-render-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let out = dir.join("posterior.png");
    shot(
        &out,
        &["--view", "posterior", "--width", "960", "--height", "600"],
    );
    let (w, h, rgb) = load_rgb(&out);
    assert_eq!((w, h), (960, 600));

    let fraction = |x0: f32, x1: f32, y0: f32, y1: f32| {
        let (mut bone, mut all) = (0usize, 0usize);
        for y in (y0 * h as f32) as usize..(y1 * h as f32) as usize {
            for x in (x0 * w as f32) as usize..(x1 * w as f32) as usize {
                all += 1;
                if is_bone(&rgb[(y * w + x) * 3..]) {
                    bone += 1;
                }
            }
        }
        bone as f32 / all as f32
    };
    let centre = fraction(0.3, 0.7, 0.25, 0.75);
    let corners = fraction(0.0, 0.12, 0.0, 0.15);
    assert!(
        centre > 0.15,
        "only {:.1}% bone-coloured pixels in the centre",
        centre * 100.0
    );
    assert!(
        corners < 0.01,
        "bone colour in the corner ({:.1}%): the view is off",
        corners * 100.0
    );
    let left = fraction(0.3, 0.5, 0.25, 0.6);
    let right = fraction(0.5, 0.7, 0.25, 0.6);
    assert!(
        (left - right).abs() < 0.1,
        "the pelvis should be symmetric: {left} vs {right}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_placed_needle_is_drawn_with_its_handle() {
    let dir = std::env::temp_dir().join(format!("marrowsim-render-needle-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let out = dir.join("needle.png");
    shot(
        &out,
        &[
            "scenes/psis_standard.ron",
            "--attempt",
            "tests/golden/expert_psis_to_asis.ron",
            "--view",
            "superior",
        ],
    );
    let (w, h, rgb) = load_rgb(&out);
    let is_handle = |px: &[u8]| {
        let (r, g, b) = (px[0] as i32, px[1] as i32, px[2] as i32);
        b > 120 && b > r + 50 && b > g + 20
    };
    let (mut handle, mut bone) = (0, 0);
    for y in 0..h {
        for x in 0..(w * 7 / 10) {
            let px = &rgb[(y * w + x) * 3..];
            if is_handle(px) {
                handle += 1;
            }
            if is_bone(px) {
                bone += 1;
            }
        }
    }
    assert!(
        handle > 500,
        "the needle's blue handle should be on screen: {handle} pixels"
    );
    assert!(
        bone > 20_000,
        "the pelvis should be on screen: {bone} pixels"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_score_card_draws_the_ideal_track_beside_the_trainees() {
    let dir = std::env::temp_dir().join(format!("marrowsim-render-card-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let out = dir.join("card.png");
    shot(
        &out,
        &[
            "scenes/psis_standard.ron",
            "--attempt",
            "tests/golden/perpendicular_into_sacrum.ron",
            "--scorecard",
        ],
    );
    let (w, h, rgb) = load_rgb(&out);
    let count = |want: [u8; 3]| {
        (0..h)
            .flat_map(|y| (w / 2..w).map(move |x| (y * w + x) * 3))
            .filter(|&i| {
                rgb[i..i + 3]
                    .iter()
                    .zip(want)
                    .all(|(a, b)| (*a as i32 - b as i32).abs() <= 12)
            })
            .count()
    };
    // The track colours of app::section_image, in the score card on the right.
    let green = count([60, 240, 110]);
    let cyan = count([40, 230, 255]);
    assert!(green > 80, "the ideal track (green): {green} pixels");
    assert!(cyan > 80, "the trainee's track (cyan): {cyan} pixels");
    std::fs::remove_dir_all(&dir).ok();
}

/// The software profile, as a machine without a GPU draws it: the see-through skin is not
/// drawn, so more bone shows, and the pelvis is as whole as at full quality.
#[test]
fn the_software_profile_keeps_the_pelvis_whole() {
    let dir = std::env::temp_dir().join(format!("marrowsim-render-low-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let bone_share = |name: &str, graphics: &[&str]| {
        let out = dir.join(format!("{name}.png"));
        let mut args = vec![
            "scenes/psis_standard.ron",
            "--width",
            "960",
            "--height",
            "600",
        ];
        args.extend_from_slice(graphics);
        shot(&out, &args);
        let (_, _, rgb) = load_rgb(&out);
        rgb.chunks_exact(3).filter(|px| is_bone(px)).count() as f32 / (rgb.len() / 3) as f32
    };
    let full = bone_share("full", &["--quality", "full"]);
    // The software profile's shot is drawn at its starting render scale, 0.5; 0.35 is the
    // lowest it adapts to.
    for (name, graphics) in [
        ("low", &["--quality", "low"][..]),
        ("floor", &["--quality", "low", "--render-scale", "0.35"][..]),
    ] {
        let low = bone_share(name, graphics);
        assert!(low > 0.05, "only {:.1}% bone at {name}", low * 100.0);
        assert!(
            low >= full * 0.9 && low <= full * 1.6,
            "{name} shows {:.1}% bone against {:.1}% at full",
            low * 100.0,
            full * 100.0
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}
