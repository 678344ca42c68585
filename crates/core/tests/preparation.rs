//! The preparation phase through the score and the session: a careful preparation costs
//! nothing, a skipped consent or antisepsis fails, a wet puncture, a missing time-out and an
//! entry far from the mark cost their share, and the attempt file keeps every step.

use marrowsim_core::anatomy::Anatomy;
use marrowsim_core::grading::preparation::{Habit, rehearse};
use marrowsim_core::grading::scoring::{Score, Verdict, score};
use marrowsim_core::needle::session::Session;
use marrowsim_core::preparation::PrepStep;
use marrowsim_core::records::attempt::Attempt;
use marrowsim_core::scenario::Scenario;
use std::sync::Arc;

mod common;
use common::{best, component, scene, ws};

/// The best attempt, its preparation redone with `habit`.
fn with(scene: &Scenario, habit: Habit) -> (Score, Score) {
    let (anatomy, careful) = best(scene);
    let base = score(scene, &anatomy, &careful).unwrap();
    let mut a = careful.clone();
    a.preparation.clear();
    a.marks.clear();
    for s in &mut a.sites {
        marrowsim_core::grading::anaesthesia::delay(s, -100.0);
    }
    for d in &mut a.anaesthetic {
        d.t -= 100.0;
    }
    rehearse(&mut a, &habit);
    (base, score(scene, &anatomy, &a).unwrap())
}

#[test]
fn a_careful_preparation_earns_the_whole_phase_and_the_harvest_passes() {
    let scene = scene();
    let (anatomy, a) = best(&scene);
    assert_eq!(a.preparation.len(), 5);
    assert_eq!(a.marks.len(), 1);
    let s = score(&scene, &anatomy, &a).unwrap();
    assert_eq!(s.verdict, Verdict::Pass, "{:#?}", s.feedback);
    let p = s.preparation.as_ref().unwrap();
    assert!((p.points - 10.0).abs() < 1e-3, "{:#?}", p.components);
    assert_eq!(p.verdict, Verdict::Pass);
}

#[test]
fn no_antisepsis_before_the_puncture_fails_and_says_why() {
    let scene = scene();
    let habit = Habit {
        skip: vec![PrepStep::Antisepsis],
        ..Habit::careful()
    };
    let (base, s) = with(&scene, habit);
    assert_eq!(s.verdict, Verdict::Fail);
    assert!(s.total <= scene.pass_mark - 10.0, "{}", s.total);
    assert!(base.total > s.total + 20.0);
    let c = component(&s, "preparation.antisepsis");
    assert_eq!(c.points, 0.0);
    assert!(c.feedback.contains("not disinfected"), "{}", c.feedback);
    assert!(s.feedback.iter().any(|f| f.contains("not disinfected")));
}

#[test]
fn no_consent_fails() {
    let scene = scene();
    let habit = Habit {
        skip: vec![PrepStep::Consent],
        ..Habit::careful()
    };
    let (_, s) = with(&scene, habit);
    assert_eq!(s.verdict, Verdict::Fail);
    let c = component(&s, "preparation.checklist");
    assert!(c.feedback.contains("No consent"), "{}", c.feedback);
    assert!((c.points - 0.75 * 3.0).abs() < 1e-3, "{}", c.points);
}

#[test]
fn a_wet_puncture_and_a_missing_time_out_cost_their_share_only() {
    let scene = scene();
    let habit = Habit {
        skip: vec![PrepStep::TimeOut],
        dry: false,
        mark_off_mm: Some(0.0),
    };
    let (base, s) = with(&scene, habit);
    assert_eq!(s.verdict, Verdict::Pass, "{:#?}", s.feedback);
    let wet = component(&s, "preparation.antisepsis");
    assert_eq!(wet.points, 0.0);
    assert!(wet.feedback.contains("to dry"), "{}", wet.feedback);
    assert!(wet.value > 0.0, "seconds still wet: {}", wet.value);
    let list = component(&s, "preparation.checklist");
    assert!((list.points - 0.75 * 3.0).abs() < 1e-3);
    assert!(list.feedback.contains("time-out"), "{}", list.feedback);
    let lost = base.total - s.total;
    assert!((4.0..=5.5).contains(&lost), "lost {lost}");
}

#[test]
fn an_entry_far_from_the_mark_loses_the_mark_and_says_how_far() {
    let scene = scene();
    let near = Habit {
        mark_off_mm: Some(8.0),
        ..Habit::careful()
    };
    let (_, s) = with(&scene, near);
    assert_eq!(component(&s, "preparation.mark").points, 3.0);
    let far = Habit {
        mark_off_mm: Some(25.0),
        ..Habit::careful()
    };
    let (_, s) = with(&scene, far);
    let c = component(&s, "preparation.mark");
    assert_eq!(c.points, 0.0);
    assert!((c.value - 25.0).abs() < 1.0, "{}", c.value);
    assert!(
        c.feedback.contains("from the nearest mark"),
        "{}",
        c.feedback
    );
    let none = Habit {
        mark_off_mm: None,
        ..Habit::careful()
    };
    let (_, s) = with(&scene, none);
    let c = component(&s, "preparation.mark");
    assert!(c.feedback.contains("not marked"), "{}", c.feedback);
}

#[test]
fn the_session_records_the_checklist_and_the_marks_and_refuses_repeats() {
    let scene = scene();
    let anatomy = Arc::new(Anatomy::build(&scene.patient(0)).unwrap());
    let mut s = Session::new(scene.clone(), anatomy.clone());
    let psis = anatomy.landmark("psis_left").unwrap();
    s.prepare(PrepStep::Consent, 10.0).unwrap();
    assert!(s.prepare(PrepStep::Consent, 11.0).is_err());
    s.mark(psis, 12.0).unwrap();
    s.prepare(PrepStep::Antisepsis, 20.0).unwrap();
    assert_eq!(s.antisepsis_wet(50.0), Some(30.0));
    assert_eq!(s.antisepsis_wet(80.0), None);
    s.prepare(PrepStep::Antisepsis, 90.0).unwrap();
    let a = s.attempt();
    assert_eq!(a.preparation.len(), 3);
    assert_eq!(
        a.preparation[0].t, 0.0,
        "the clock starts at the first step"
    );
    assert_eq!(a.marks[0].t, 2.0);
    let back = Attempt::parse(&a.to_ron().unwrap(), "a.ron").unwrap();
    assert_eq!(back.preparation, a.preparation);
    assert_eq!(back.marks, a.marks);
    let placement_only = Scenario::load(&ws("scenes/psis_standard.ron")).unwrap();
    let mut other = Session::new(placement_only, anatomy);
    assert!(other.prepare(PrepStep::Consent, 0.0).is_err());
    assert!(other.mark(psis, 0.0).is_err());
}

#[test]
fn an_older_attempt_with_a_checklist_is_refused_at_its_line() {
    let text = "Attempt(version: 4, patient: (preset: \"adult_male\", sex: Male, bmi: 25.0, scale: 1.0, seed: None),\n preparation: [(t: 1.0, step: Consent)], sites: [])";
    let e = Attempt::parse(text, "old.ron").unwrap_err().to_string();
    assert!(e.contains("old.ron:2:"), "{e}");
    assert!(e.contains("need attempt version 5"), "{e}");
}
