//! Writes the golden attempts in tests/golden/ from the standard PSIS scene's patient.
//! Run: `cargo run --example make_goldens`; the scoring tests then pin their verdicts.

use glam::Vec3;
use marrowsim_core::anatomy::{Anatomy, Hazard};
use marrowsim_core::demo::{depth_into, skin_entry, steady_timeline as timeline};
use marrowsim_core::needle::{EventKind, replay};
use marrowsim_core::records::attempt::{Attempt, SiteAttempt, VERSION};
use marrowsim_core::scenario::Scenario;
use marrowsim_core::tissue::Tissue;

/// A path from the workspace root (the tests run in their own crate's folder).
fn ws(path: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

fn write(a: &Anatomy, scene: &Scenario, name: &str, entry: Vec3, dir: Vec3, depth: f32) {
    let tl = timeline(entry, dir, depth);
    let events = replay(a, &tl).events;
    let attempt = Attempt {
        version: VERSION,
        scene: scene.title.clone(),
        patient: a.patient.clone(),
        evaluation: None,
        anaesthetic: Vec::new(),
        preparation: Vec::new(),
        marks: Vec::new(),
        who: None,
        when: None,
        shots: Vec::new(),
        sites: vec![SiteAttempt {
            site: 0,
            timeline: tl,
            events,
            pulls: Vec::new(),
            palpations: Vec::new(),
            turns: Vec::new(),
        }],
    };
    let path = ws("tests/golden").join(format!("{name}.ron"));
    attempt.save(&path).expect("write golden");
    println!("wrote {}", path.display());
}

fn main() {
    let scene = Scenario::load(&ws("scenes/psis_standard.ron")).expect("standard scene loads");
    let a = Anatomy::build(&scene.patient(0)).expect("patient builds");
    std::fs::create_dir_all(ws("tests/golden")).expect("golden dir");
    let psis = a.landmark("psis_left").expect("psis");
    let asis = a.landmark("asis_left").expect("asis");
    let to_asis = (asis - psis).normalize();

    let entry = skin_entry(&a, psis, to_asis);
    write(
        &a,
        &scene,
        "expert_psis_to_asis",
        entry,
        to_asis,
        depth_into(&a, entry, to_asis, Tissue::Marrow, 25.0),
    );

    let straight = Vec3::Y;
    let entry = skin_entry(&a, psis + Vec3::new(0.0, 0.0, -3.0), straight);
    write(
        &a,
        &scene,
        "perpendicular_into_sacrum",
        entry,
        straight,
        depth_into(&a, entry, straight, Tissue::Sacrum, 6.0),
    );

    // Low and lateral, about 60 mm below the PSIS, toward the greater sciatic foramen:
    // the first aim below the notch whose track meets the nerve or the artery.
    let low = psis + Vec3::new(-22.0, 18.0, -58.0);
    let notch = a.landmark("sciatic_notch_left").expect("notch");
    for drop in (0..16).map(|k| 4.0 + 3.0 * k as f32) {
        let dir = (notch + Vec3::new(0.0, 0.0, -drop) - low).normalize();
        let entry = skin_entry(&a, low, dir);
        let tl = timeline(entry, dir, 95.0);
        let hits = replay(&a, &tl).events.iter().any(|e| {
            matches!(
                e.kind,
                EventKind::HazardContact(Hazard::SciaticNerve | Hazard::SuperiorGlutealArtery)
            )
        });
        if hits {
            write(&a, &scene, "low_lateral_toward_notch", entry, dir, 95.0);
            break;
        }
    }

    // Aimed ever more medially from the PSIS until a push within the 100 mm needle goes out
    // through the inner table into the pelvic cavity.
    for k in 1..40 {
        let dir = (to_asis + Vec3::X * (0.02 * k as f32)).normalize();
        let entry = skin_entry(&a, psis, dir);
        let tl = timeline(entry, dir, 95.0);
        let events = replay(&a, &tl).events;
        let breach = events
            .iter()
            .find(|e| matches!(e.kind, EventKind::HazardContact(Hazard::PelvicCavity)));
        if let Some(b) = breach {
            write(
                &a,
                &scene,
                "inner_table_breach",
                entry,
                dir,
                (b.depth + 4.0).min(95.0),
            );
            break;
        }
    }

    let entry = skin_entry(&a, psis, to_asis);
    write(
        &a,
        &scene,
        "shallow_in_cortex",
        entry,
        to_asis,
        depth_into(&a, entry, to_asis, Tissue::Cortex, 1.0),
    );
}
