//! The tissue grid classifies exactly as the analytic field: on ten million points around
//! the pelvis of four patients, and along every shipped scene's tracks.

use glam::Vec3;
use marrowsim_core::anatomy::{Anatomy, Patient, Sex};
use marrowsim_core::scenario::Scenario;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn patients() -> Vec<Patient> {
    let seeded = |preset: &str, sex, bmi, scale, seed| Patient {
        preset: preset.into(),
        sex,
        bmi,
        scale,
        seed: Some(seed),
    };
    vec![
        Patient::average("adult_male", Sex::Male),
        seeded("adult_female", Sex::Female, 19.0, 0.9, 11),
        seeded("adult_male", Sex::Male, 40.0, 1.1, 3),
        seeded("adult_female", Sex::Female, 31.0, 1.0, 29),
    ]
}

/// Points in the body's box, three in five of them within 40 mm of a landmark (where the
/// bone, the layers and the hazards are), the rest anywhere in the box.
fn point(a: &Anatomy, landmarks: &[Vec3], rng: &mut ChaCha8Rng) -> Vec3 {
    let (lo, hi) = a.body_bounds();
    if rng.random_range(0..5) < 3 {
        let l = landmarks[rng.random_range(0..landmarks.len())];
        l + Vec3::new(
            rng.random_range(-40.0..40.0),
            rng.random_range(-40.0..40.0),
            rng.random_range(-40.0..40.0),
        )
    } else {
        Vec3::new(
            rng.random_range(lo.x..hi.x),
            rng.random_range(lo.y..hi.y),
            rng.random_range(lo.z..hi.z),
        )
    }
}

#[test]
fn ten_million_points_are_classified_as_the_analytic_field_classifies_them() {
    const POINTS: usize = 10_000_000;
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let patients = patients();
    let per_patient = POINTS / patients.len();
    let mut checked = 0;
    let mut mismatches = Vec::new();
    for patient in &patients {
        let a = Anatomy::build(patient).unwrap();
        let landmarks: Vec<Vec3> = a.landmarks().values().copied().collect();
        let per_thread = per_patient.div_ceil(threads);
        let found: Vec<(usize, Vec<(Vec3, String)>)> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    let (a, landmarks) = (&a, &landmarks);
                    s.spawn(move || {
                        let mut rng = ChaCha8Rng::seed_from_u64(1000 + t as u64);
                        let mut wrong = Vec::new();
                        let n = per_thread.min(per_patient - (t * per_thread).min(per_patient));
                        for _ in 0..n {
                            let p = point(a, landmarks, &mut rng);
                            let (fast, exact) = (a.tissue_at(p), a.probe_analytic(p).tissue);
                            if fast != exact && wrong.len() < 20 {
                                wrong.push((p, format!("{fast:?} where the field has {exact:?}")));
                            }
                        }
                        (n, wrong)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for (n, wrong) in found {
            checked += n;
            mismatches.extend(wrong.into_iter().map(|w| (patient.clone(), w)));
        }
        let (bricks, with_cells) = a.grid_filled();
        assert!(
            with_cells > 1000,
            "the points reached the bone: {bricks} bricks"
        );
    }
    assert_eq!(checked, POINTS);
    assert!(mismatches.is_empty(), "{mismatches:#?}");
}

fn shipped_scenes() -> Vec<(String, Scenario)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenes");
    let mut out: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "ron"))
        .map(|p| {
            let s = Scenario::load(&p).unwrap();
            (p.file_name().unwrap().to_string_lossy().into_owned(), s)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn every_scene_track_reads_the_same_tissues_from_the_grid_and_from_the_field() {
    let mut tracks = 0;
    for (name, scene) in shipped_scenes() {
        for seed in 0..3 {
            let a = Anatomy::build(&scene.patient(seed)).unwrap();
            for site in 0..scene.sites.len() {
                let zone = scene.resolve(site, &a).unwrap();
                let (from, to) = zone.ideal_track(&a);
                // From 30 mm outside the skin, every 5 µm of the track.
                let from = from - zone.aim * 30.0;
                let length = (to - from).length();
                let dir = (to - from) / length;
                let steps = (length / 0.005) as usize;
                for i in 0..=steps {
                    let p = from + dir * (i as f32 * 0.005);
                    assert_eq!(
                        a.tissue_at(p),
                        a.probe_analytic(p).tissue,
                        "{name}, patient {seed}, site {site}, {:.3} mm along the track",
                        i as f32 * 0.005
                    );
                }
                let fast = a.intervals(from, to, 0.25);
                let exact = a.intervals_analytic(from, to, 0.25);
                assert_eq!(
                    fast.iter().map(|i| i.tissue).collect::<Vec<_>>(),
                    exact.iter().map(|i| i.tissue).collect::<Vec<_>>(),
                    "{name}, patient {seed}, site {site}"
                );
                for (f, e) in fast.iter().zip(&exact) {
                    assert!(
                        (f.start - e.start).abs() <= 0.02,
                        "{name}, patient {seed}, site {site}: {f:?} against {e:?}"
                    );
                }
                tracks += 1;
            }
        }
    }
    assert!(tracks >= 40, "{tracks} tracks");
}

/// Points within 0.05 mm of every boundary that random lines through the landmarks cross,
/// every 1.25 µm: where the grid's interpolants decide a tissue, and where an error bound
/// that is too tight would show first.
#[test]
fn points_beside_every_boundary_are_classified_as_the_field_classifies_them() {
    const LINES: usize = 4000;
    let mut checked = 0usize;
    let mut mismatches = Vec::new();
    for patient in patients() {
        let a = Anatomy::build(&patient).unwrap();
        let landmarks: Vec<Vec3> = a.landmarks().values().copied().collect();
        let mut rng = ChaCha8Rng::seed_from_u64(77);
        for _ in 0..LINES {
            let centre = landmarks[rng.random_range(0..landmarks.len())];
            let dir = Vec3::new(
                rng.random_range(-1.0..1.0),
                rng.random_range(-1.0..1.0),
                rng.random_range(-1.0..1.0),
            )
            .normalize_or(Vec3::Z);
            let from = centre - dir * 40.0;
            let line = a.intervals_analytic(from, centre + dir * 40.0, 0.25);
            for boundary in line.iter().skip(1).map(|i| i.start) {
                for k in -40..=40 {
                    let p = from + dir * (boundary + k as f32 * 0.00125);
                    let (fast, exact) = (a.tissue_at(p), a.probe_analytic(p).tissue);
                    checked += 1;
                    if fast != exact && mismatches.len() < 20 {
                        mismatches.push(format!(
                            "{}: {fast:?} where the field has {exact:?} at {p}",
                            patient.preset
                        ));
                    }
                }
            }
        }
    }
    assert!(checked > 1_000_000, "{checked} points");
    assert!(mismatches.is_empty(), "{mismatches:#?}");
}
