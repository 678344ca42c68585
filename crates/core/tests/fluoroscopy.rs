//! Fluoroscopic guidance through the whole score: the shipped scene, its C-arm, the shots an
//! attempt records, the dose's share, and the attempts and scenes that are refused.

use marrowsim_core::anatomy::Anatomy;
use marrowsim_core::geometry::radiograph::{drr, to_grey, with_needle};
use marrowsim_core::grading::feasibility;
use marrowsim_core::grading::scoring::{ScoreError, Verdict, score};
use marrowsim_core::needle::session::Session;
use marrowsim_core::records::attempt::{Attempt, XrayShot};
use marrowsim_core::scenario::{Guidance, Scenario};
use std::path::PathBuf;
use std::sync::Arc;

fn ws(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

fn scene() -> Scenario {
    Scenario::load(&ws("scenes/psis_fluoroscopy.ron")).expect("the fluoroscopy scene loads")
}

fn best(scene: &Scenario) -> (Anatomy, Attempt) {
    let f = feasibility::run(scene, 0, 300, 7).expect("feasibility runs");
    let a = f.best_attempt.expect("the scene can be passed");
    (Anatomy::build(&a.patient).unwrap(), a)
}

fn shots(n: usize, views: usize) -> Vec<XrayShot> {
    (0..n)
        .map(|i| XrayShot {
            t: i as f32,
            view: i % views,
        })
        .collect()
}

#[test]
fn the_dose_takes_its_share_beyond_the_shots_an_expert_needs() {
    let scene = scene();
    assert_eq!(scene.guidance(), Guidance::Fluoroscopy);
    let c_arm = scene.c_arm().expect("a C-arm");
    let (anatomy, mut a) = best(&scene);
    a.shots = shots(c_arm.free_shots as usize, c_arm.views.len());
    let economical = score(&scene, &anatomy, &a).unwrap();
    assert_eq!(
        economical.verdict,
        Verdict::Pass,
        "{:#?}",
        economical.feedback
    );
    let dose = economical
        .components
        .iter()
        .find(|c| c.key == "fluoroscopy.shots")
        .expect("the dose is a component");
    assert_eq!((dose.points, dose.max_points), (10.0, 10.0));

    a.shots = shots(2 * c_arm.free_shots as usize, c_arm.views.len());
    let lavish = score(&scene, &anatomy, &a).unwrap();
    let lost = economical.total - lavish.total;
    assert!(
        (lost - 10.0).abs() < 0.01,
        "twice the expert's shots lose the dose's whole 10%: {lost}"
    );
    assert!(
        lavish
            .feedback
            .iter()
            .any(|f| f.contains("6 more than the 6 an expert needs")),
        "{:#?}",
        lavish.feedback
    );

    a.shots = shots(c_arm.max_shots as usize + 1, c_arm.views.len());
    assert!(matches!(
        score(&scene, &anatomy, &a),
        Err(ScoreError::Shots(_))
    ));
    a.shots = vec![XrayShot { t: 1.0, view: 3 }];
    let e = score(&scene, &anatomy, &a).unwrap_err().to_string();
    assert!(e.contains("view 3") && e.contains("has 3"), "{e}");
}

#[test]
fn shots_on_a_scene_without_a_c_arm_are_refused() {
    let scene = Scenario::load(&ws("scenes/psis_standard.ron")).unwrap();
    assert!(scene.c_arm().is_none());
    let (anatomy, mut a) = best(&scene);
    a.shots = shots(1, 1);
    let e = score(&scene, &anatomy, &a).unwrap_err().to_string();
    assert!(e.contains("no C-arm"), "{e}");
    let mut session = Session::new(scene, Arc::new(anatomy));
    assert!(session.shoot(0, 1.0).is_err());
}

#[test]
fn a_session_counts_its_shots_to_the_scenes_most_and_saves_them() {
    let scene = scene();
    let c_arm = scene.c_arm().unwrap();
    let anatomy = Arc::new(Anatomy::build(&scene.patient(0)).unwrap());
    let mut session = Session::new(scene.clone(), anatomy);
    assert!(
        session.shoot(c_arm.views.len(), 1.0).is_err(),
        "no such view"
    );
    for i in 0..c_arm.max_shots {
        session
            .shoot(i as usize % 2, 10.0 + i as f32)
            .expect("a shot");
    }
    let e = session.shoot(0, 100.0).unwrap_err();
    assert!(e.contains("most"), "{e}");
    let attempt = session.attempt();
    assert_eq!(attempt.shots.len(), c_arm.max_shots as usize);
    assert_eq!(
        attempt.shots[0].t, 0.0,
        "the clock starts at the first shot"
    );

    let dir = std::env::temp_dir().join(format!("marrowsim-fluoro-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("a.ron");
    attempt.save(&file).unwrap();
    let back = Attempt::load(&file).unwrap();
    assert_eq!(back.shots, attempt.shots);

    // Shots in an attempt older than the format that carries them are refused at their line.
    let text = std::fs::read_to_string(&file).unwrap().replacen(
        &format!("version: {}", marrowsim_core::records::attempt::VERSION),
        "version: 6",
        1,
    );
    std::fs::write(&file, &text).unwrap();
    let e = Attempt::load(&file).unwrap_err().to_string();
    let line = text.lines().position(|l| l.contains("shots:")).unwrap() + 1;
    assert!(
        e.contains(&format!(":{line}:")) && e.contains("version 7"),
        "{e}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn c_arm_scenes_are_checked_and_older_scenes_are_refused_the_c_arm() {
    let text = std::fs::read_to_string(ws("scenes/psis_fluoroscopy.ron")).unwrap();
    for (from, to, says) in [
        ("version: 7", "version: 6", "needs `version: 7`"),
        ("free_shots: 6", "free_shots: 0", "free shots is 0"),
        ("max_shots: 30", "max_shots: 8", "the most shots is 8"),
        ("orbit_deg: 30.0", "orbit_deg: 120.0", "the orbit is 120"),
        (
            "guidance: Fluoroscopy,",
            "guidance: Ultrasound,",
            "needs `guidance: Fluoroscopy`",
        ),
    ] {
        assert!(text.contains(from), "{from}");
        let bad = text.replacen(from, to, 1);
        let errors = Scenario::parse(&bad, "bad.ron").unwrap_err();
        let all = marrowsim_core::scenario::errors_text(&errors);
        assert!(all.contains(says), "{to}: {all}");
        assert!(all.contains("bad.ron:"), "{all}");
    }
}

#[test]
fn a_shot_shows_the_needle_over_the_views_anatomy() {
    let scene = scene();
    let (anatomy, a) = best(&scene);
    let pose = a.sites[0].timeline.last().unwrap().pose();
    let view = &scene.c_arm().unwrap().views[0];
    let p = view.projection(&anatomy, scene.side, 96);
    let base = drr(&anatomy, &p, None);
    let shot = with_needle(&base, &p, pose.entry, pose.tip());
    let changed = base.iter().zip(&shot).filter(|(x, y)| x != y).count();
    assert!(changed > 10, "the needle shows: {changed} pixels");
    let grey = to_grey(&shot);
    let (col, row) = p.pixel(pose.tip()).expect("the tip is in the field");
    let tip = grey[row * p.width + col];
    let median = {
        let mut g = grey.clone();
        g.sort();
        g[g.len() / 2]
    };
    assert!(
        tip > median,
        "the tip ({tip}) shows whiter than the median ({median})"
    );
}
