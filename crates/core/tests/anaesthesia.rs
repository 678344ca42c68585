//! Local anaesthesia through the score and the session: the standard infiltration and wait
//! numb the trocar's way, a skipped periosteum or an early start hurts and costs points, and a
//! dose over the weight-based maximum fails.

use marrowsim_core::anaesthesia::Deposit;
use marrowsim_core::anatomy::Anatomy;
use marrowsim_core::grading::scoring::{Verdict, score};
use marrowsim_core::needle::session::{Session, Tool};
use marrowsim_core::needle::technique::Contact;
use marrowsim_core::records::attempt::Attempt;
use std::sync::Arc;

mod common;
use common::{best, component, scene};

#[test]
fn the_standard_infiltration_numbs_the_way_and_the_whole_harvest_passes() {
    let scene = scene();
    let (anatomy, a) = best(&scene);
    assert_eq!(a.anaesthetic.iter().map(|d| d.ml).sum::<f32>(), 5.0);
    let s = score(&scene, &anatomy, &a).unwrap();
    assert_eq!(s.verdict, Verdict::Pass, "{:#?}", s.feedback);
    let an = s.anaesthesia.as_ref().unwrap();
    assert!(an.pain.is_empty(), "{:?}", an.pain);
    assert!((an.points - 15.0).abs() < 1e-3);
    assert!(s.evaluation.is_some() && s.harvest.is_some());
}

#[test]
fn skipping_the_periosteum_hurts_there_and_costs_its_share() {
    let scene = scene();
    let (anatomy, mut a) = best(&scene);
    a.anaesthetic.truncate(2);
    let s = score(&scene, &anatomy, &a).unwrap();
    let c = component(&s, "anaesthesia.periosteum");
    assert_eq!(c.points, 0.0);
    assert!(
        c.feedback.contains("no lidocaine reached it"),
        "{}",
        c.feedback
    );
    assert_eq!(component(&s, "anaesthesia.skin").points, 0.35 * 15.0);
    assert!(s.feedback.iter().any(|f| f.contains("periosteum")));
}

#[test]
fn starting_before_the_onset_hurts_and_says_how_long_to_wait() {
    let scene = scene();
    let (anatomy, mut a) = best(&scene);
    for s in &mut a.sites {
        marrowsim_core::grading::anaesthesia::delay(s, -270.0);
    }
    let s = score(&scene, &anatomy, &a).unwrap();
    let c = component(&s, "anaesthesia.skin");
    assert_eq!(c.points, 0.0);
    assert!(c.feedback.contains("more to take"), "{}", c.feedback);
}

#[test]
fn a_dose_over_the_weight_based_maximum_fails() {
    let scene = scene();
    let (anatomy, mut a) = best(&scene);
    let at = a.anaesthetic[0].at;
    a.anaesthetic.extend((0..4).map(|_| Deposit {
        t: 0.0,
        at,
        ml: 8.0,
    }));
    let s = score(&scene, &anatomy, &a).unwrap();
    assert_eq!(s.verdict, Verdict::Fail);
    assert!(s.total <= s.pass_mark - 10.0, "{}", s.total);
    let c = component(&s, "anaesthesia.dose");
    assert!(
        c.feedback.contains("over this patient's maximum of 300 mg"),
        "{}",
        c.feedback
    );
}

#[test]
fn the_thin_needle_stops_on_the_bone_and_leaves_its_deposits_in_the_attempt() {
    let scene = scene();
    let anatomy = Arc::new(Anatomy::build(&scene.patient(0)).unwrap());
    let mut s = Session::new(scene.clone(), anatomy.clone());
    let answer = scene.evaluation.as_ref().unwrap().answer.clone();
    s.plan(answer, 0.0).unwrap();
    assert!(s.inject(1.0, 0.5).is_err(), "no syringe in the hand");
    s.toggle_anaesthetic(1.0).unwrap();
    assert_eq!(s.tool, Tool::Anaesthetic);
    let zone = scene.resolve(0, &anatomy).unwrap();
    s.place(zone.ideal_track(&anatomy).0, 2.0);
    s.push(3.0, 250.0, false, 3.0);
    s.inject(1.0, 4.0).unwrap();
    for i in 0..120 {
        s.push(1.0, 500.0, true, 5.0 + i as f32);
    }
    assert_eq!(
        s.contact(),
        Contact::OnBone,
        "a 22 G needle does not cross a cortex"
    );
    s.inject(2.0, 130.0).unwrap();
    assert_eq!(s.deposits().len(), 2);
    s.toggle_anaesthetic(131.0).unwrap();
    assert_eq!(s.tool, Tool::Trocar);
    assert!(s.needle.is_none(), "the thin needle is put down");
    let a = s.attempt();
    assert_eq!(a.anaesthetic.len(), 2);
    assert!(a.sites.is_empty() || a.sites[0].timeline.is_empty());
    let back = Attempt::parse(&a.to_ron().unwrap(), "a.ron").unwrap();
    assert_eq!(back.anaesthetic, a.anaesthetic);
    let v3 = a.to_ron().unwrap().replacen(
        &format!("version: {}", marrowsim_core::records::attempt::VERSION),
        "version: 3",
        1,
    );
    let e = Attempt::parse(&v3, "a.ron").unwrap_err().to_string();
    assert!(e.contains("needs attempt version 4"), "{e}");
}

#[test]
fn the_trocar_tells_the_trainee_when_the_patient_feels_it() {
    let scene = scene();
    let anatomy = Arc::new(Anatomy::build(&scene.patient(0)).unwrap());
    let mut s = Session::new(scene.clone(), anatomy.clone());
    s.plan(scene.evaluation.as_ref().unwrap().answer.clone(), 0.0)
        .unwrap();
    let zone = scene.resolve(0, &anatomy).unwrap();
    s.place(zone.ideal_track(&anatomy).0, 1.0);
    s.push(3.0, 250.0, false, 2.0);
    assert!(
        s.notice
            .as_deref()
            .is_some_and(|n| n.contains("feels the trocar at the skin")),
        "{:?}",
        s.notice
    );
}

#[test]
fn a_harvest_with_no_local_anaesthetic_at_all_fails() {
    let scene = scene();
    let (anatomy, mut a) = best(&scene);
    a.anaesthetic.clear();
    let s = score(&scene, &anatomy, &a).unwrap();
    assert_eq!(s.verdict, Verdict::Fail);
    assert!(s.total <= s.pass_mark - 10.0, "{}", s.total);
    assert!(
        s.feedback
            .iter()
            .any(|f| f.contains("No local anaesthetic was given")),
        "{:#?}",
        s.feedback
    );
    assert_eq!(component(&s, "anaesthesia.dose").value, 0.0);
    assert!(component(&s, "anaesthesia.dose").value.is_sign_positive());
}
