//! The technique as clinicians do it, through the core's session: feel for the PSIS, go
//! straight down to bone, walk the tip to the entry zone, swing the hub toward the ASIS and
//! twist into the marrow. The app's headless test drives the same moves through its keys.

use glam::Vec3;
use marrowsim_core::anatomy::Anatomy;
use marrowsim_core::anatomy::palpation::sweep_for_psis;
use marrowsim_core::grading::scoring::{self, Verdict};
use marrowsim_core::needle::session::Session;
use marrowsim_core::needle::technique::{Contact, Refusal};
use marrowsim_core::records::attempt::Attempt;
use marrowsim_core::scenario::Scenario;
use std::path::PathBuf;
use std::sync::Arc;

fn ws(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

fn session(scene: &str, patient: usize) -> Session {
    let scenario = Scenario::load(&ws(scene)).expect("scene");
    let anatomy = Arc::new(Anatomy::build(&scenario.patient(patient as u64)).unwrap());
    Session::new(scenario, anatomy)
}

/// Pushes in 1 mm steps under a hand's push until the tip stops on the bone.
fn down_to_bone(s: &mut Session, t: &mut f32) {
    for _ in 0..120 {
        *t += 0.5;
        s.push(1.0, 250.0, false, *t);
        if s.contact() == Contact::OnBone {
            return;
        }
    }
    panic!("never reached bone: {:?}", s.contact());
}

/// Walks the tip in 1 mm steps toward the entry zone's centre until it is within 2 mm. Where
/// the bone rises too steeply to walk up, or the tip slips off an edge, it does what the
/// notice says: withdraws 2 mm, re-aims 3° toward the zone and goes down to the bone again.
fn walk_to_zone(s: &mut Session, t: &mut f32) -> Result<usize, String> {
    for steps in 0..120 {
        let (lat, ceph, _, _) = s.tip_from_entry_zone().unwrap();
        let off = (lat * lat + ceph * ceph).sqrt();
        if off < 2.0 {
            return Ok(steps);
        }
        let k = off.min(1.0) / off;
        *t += 0.5;
        match s.walk(-lat * k, -ceph * k, *t) {
            Ok(()) if s.contact() == Contact::OnBone => {}
            Ok(()) | Err(Refusal::BoneRises) => {
                s.push(-2.0, 250.0, false, *t + 0.2);
                s.tilt(-lat / off * 3.0, -ceph / off * 3.0, *t + 0.4)
                    .map_err(|e| format!("re-aiming after {steps} steps: {e}"))?;
                down_to_bone(s, t);
            }
            Err(e) => {
                return Err(format!(
                    "after {steps} steps, {:?} from the zone: {e}",
                    (lat, ceph)
                ));
            }
        }
    }
    Err(format!(
        "never reached the zone: {:?}",
        s.tip_from_entry_zone()
    ))
}

/// Pushes firmly with a twist, 1 mm at a time, until the tip is 20 mm past the cortex.
fn twist_into_marrow(s: &mut Session, t: &mut f32) {
    for _ in 0..80 {
        *t += 0.5;
        s.push(1.0, 500.0, true, *t);
        if s.readout()
            .and_then(|r| r.2)
            .is_some_and(|past| past > 20.0)
        {
            return;
        }
    }
}

/// Swings the hub in 1° steps, each the one that brings the needle closest to the aim.
fn swing_to_aim(s: &mut Session, t: &mut f32) {
    for _ in 0..80 {
        let now = s.angle_to_aim().unwrap();
        if now < 1.0 {
            return;
        }
        let best = [(-1.0, 0.0), (1.0, 0.0), (0.0, 1.0), (0.0, -1.0)]
            .into_iter()
            .filter_map(|(l, c)| {
                let mut trial = s.clone();
                trial.tilt(l, c, 0.0).ok()?;
                Some((trial.angle_to_aim().unwrap(), l, c))
            })
            .min_by(|a, b| a.0.total_cmp(&b.0));
        match best {
            Some((a, l, c)) if a < now => {
                *t += 0.3;
                s.tilt(l, c, *t).unwrap();
                assert_eq!(s.contact(), Contact::OnBone, "the tip stays on the bone");
            }
            _ => return,
        }
    }
}

#[test]
fn palpate_down_to_bone_walk_swing_and_reach_the_marrow() {
    let mut s = session("scenes/psis_standard.ron", 0);
    let (pressed, found) = sweep_for_psis(&s.anatomy, true, 2.0);
    assert!(pressed.len() > 20);
    let mut t = 0.0;
    for p in &pressed {
        t += 0.1;
        s.palpate(*p, t);
    }
    let feel = s.palpate(found, t);
    assert!(feel.clarity > 0.8 && feel.depth.is_some(), "{feel:?}");
    // A finger's width off the dimple, as a needle is placed beside the palpating finger.
    s.place(found + Vec3::new(-11.0, 0.0, -8.0), t);
    down_to_bone(&mut s, &mut t);
    let before = s.tip_from_entry_zone().unwrap();
    let steps = walk_to_zone(&mut s, &mut t).unwrap();
    assert!(steps > 0, "the tip started off the zone: {before:?}");
    let straight_in = s.angle_to_aim().unwrap();
    swing_to_aim(&mut s, &mut t);
    assert!(
        s.angle_to_aim().unwrap() < 4.0,
        "from {straight_in:.0}° the swing reached {:.1}°",
        s.angle_to_aim().unwrap()
    );
    twist_into_marrow(&mut s, &mut t);
    let score = s.submit(t + 1.0).unwrap().unwrap().clone();
    assert_eq!(score.verdict, Verdict::Pass, "{:#?}", score.feedback);
    let swept = score
        .components
        .iter()
        .find(|c| c.key == "tissue_damage")
        .unwrap();
    assert_eq!(
        swept.points, swept.max_points,
        "the published swing costs nothing: {swept:?}"
    );

    let file = Attempt::parse(&s.attempt().to_ron().unwrap(), "technique.ron").unwrap();
    let again = scoring::score(&s.scenario, &s.anatomy, &file).unwrap();
    assert_eq!(again.total, score.total);
    let touches = &file.sites[0].palpations;
    assert!(touches.len() > 20, "{} touches recorded", touches.len());
    assert_eq!(
        touches[0].t, 0.0,
        "the attempt's clock starts at the first touch"
    );
    assert!(
        file.sites[0]
            .timeline
            .windows(2)
            .any(|w| w[0].entry != w[1].entry && w[0].depth > 5.0),
        "the walk and the swing move the needle's entry in the timeline"
    );
}

/// Goes straight down `offset` (mm, patient axes) from the skin over the PSIS, walks
/// to the entry zone, swings toward the ASIS and twists into the marrow. Returns the verdict
/// and how far short of the aim the swing stopped.
fn clinician(scene: &str, patient: usize, offset: Vec3) -> Result<(Verdict, f32), String> {
    let mut s = session(scene, patient);
    let psis = s.anatomy.landmark("psis_left").unwrap();
    let over = s
        .anatomy
        .raycast_skin(psis - Vec3::Y * 100.0, Vec3::Y, 200.0)
        .unwrap();
    let mut t = 0.0;
    s.place(over + offset, t);
    down_to_bone(&mut s, &mut t);
    walk_to_zone(&mut s, &mut t)?;
    swing_to_aim(&mut s, &mut t);
    let short = s.angle_to_aim().unwrap();
    twist_into_marrow(&mut s, &mut t);
    let score = s.submit(t + 1.0).unwrap().unwrap().clone();
    match score.verdict {
        Verdict::Pass if short <= 4.0 => Ok((score.verdict, short)),
        v => Err(format!("{v:?}, {short:.1}° short: {:?}", score.feedback)),
    }
}

/// The published move is possible on every posterior scene's patient: landing up to 6 mm from
/// the palpated point, the walk and the swing stay within the soft tissue's give.
#[test]
fn the_clinicians_move_reaches_the_marrow_on_every_posterior_patient() {
    let offsets = [
        Vec3::ZERO,
        Vec3::new(-6.0, 0.0, 0.0),
        Vec3::new(4.0, 0.0, -4.0),
        Vec3::new(0.0, 0.0, 6.0),
    ];
    let mut failures = Vec::new();
    for (scene, patients) in [
        ("scenes/psis_standard.ron", 1),
        ("scenes/psis_small_female.ron", 1),
        ("scenes/psis_obese.ron", 1),
        ("scenes/assessment_random.ron", 4),
    ] {
        for patient in 0..patients {
            for offset in offsets {
                if let Err(why) = clinician(scene, patient, offset) {
                    failures.push(format!("{scene} #{patient} {offset}: {why}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_skin_holds_a_swing_too_far_and_the_bone_holds_a_tilt() {
    let mut s = session("scenes/psis_standard.ron", 0);
    let (_, found) = sweep_for_psis(&s.anatomy, true, 2.0);
    let mut t = 0.0;
    s.place(found, t);
    down_to_bone(&mut s, &mut t);
    let tip = s.pose().unwrap().tip();
    let mut refused = None;
    for i in 0..60 {
        if let Err(e) = s.tilt(1.0, 0.0, t + i as f32) {
            refused = Some((i, e));
            break;
        }
        assert!(
            (s.pose().unwrap().tip() - tip).length() < 1e-3,
            "the tip stays put"
        );
    }
    let (degrees, why) = refused.expect("the skin stops the swing");
    assert!(
        (15..45).contains(&degrees),
        "{degrees}° before the skin held"
    );
    assert!(matches!(why, Refusal::SkinHolds { .. }));
    assert!(
        s.notice
            .as_deref()
            .unwrap()
            .contains("withdraw and re-enter")
    );

    // Straight into the bone, a tilt of 5° turns the needle by 1°.
    t += 1.0;
    s.place(found, t);
    down_to_bone(&mut s, &mut t);
    for _ in 0..10 {
        t += 0.5;
        s.push(1.0, 500.0, true, t);
    }
    assert_eq!(s.contact(), Contact::InBone);
    let d0 = s.pose().unwrap().direction;
    s.tilt(-5.0, 0.0, t + 1.0).unwrap();
    let turned = d0.angle_between(s.pose().unwrap().direction).to_degrees();
    assert!((0.8..1.2).contains(&turned), "{turned}");
    assert!(s.notice.as_deref().unwrap().contains("bone holds"));
}

#[test]
fn a_walk_needs_the_tip_on_the_bone() {
    let mut s = session("scenes/psis_standard.ron", 0);
    let (_, found) = sweep_for_psis(&s.anatomy, true, 2.0);
    s.place(found, 0.0);
    s.push(5.0, 250.0, false, 1.0);
    assert_eq!(s.contact(), Contact::Soft);
    assert_eq!(s.walk(1.0, 0.0, 2.0), Err(Refusal::NotOnBone));
}

#[test]
fn palpations_need_version_3_and_a_place_on_a_patient() {
    let mut s = session("scenes/psis_standard.ron", 0);
    let (_, found) = sweep_for_psis(&s.anatomy, true, 2.0);
    s.palpate(found, 0.0);
    s.place(found, 1.0);
    s.push(30.0, 500.0, true, 2.0);
    s.submit(3.0).unwrap();
    let text = s.attempt().to_ron().unwrap();
    assert!(text.contains("palpations"), "{text}");
    let v2 = text.replacen(
        &format!("version: {}", marrowsim_core::records::attempt::VERSION),
        "version: 2",
        1,
    );
    let e = Attempt::parse(&v2, "a.ron").unwrap_err().to_string();
    assert!(e.contains("palpations need attempt version 3"), "{e}");
    assert!(e.starts_with("a.ron:"), "{e}");
    let at = s.attempt().sites[0].palpations[0].at;
    let far = text.replacen(&format!("{:?}", at.0), "900.0", 1);
    let e = Attempt::parse(&far, "a.ron").unwrap_err().to_string();
    assert!(e.contains("mm from the origin"), "{e}");
}
