//! `marrowsim replay` headless: Space plays the attempt at the chosen speed, the needle and its
//! force trace follow the clock, and a moment's jump puts the needle where it was then.

use super::{tap, ws};
use crate::replay_view::Replay;
use crate::session::SessionState;
use crate::testing::headless_app;
use bevy::prelude::*;
use marrowsim_core::anatomy::Anatomy;
use marrowsim_core::grading::scoring::score;
use marrowsim_core::needle::session::Session;
use marrowsim_core::records::attempt::Attempt;
use marrowsim_core::scenario::Scenario;
use std::sync::Arc;

#[test]
fn space_plays_the_attempt_and_a_moment_puts_the_needle_where_it_was() {
    let scenario = Scenario::load(&ws("scenes/psis_standard.ron")).unwrap();
    let attempt = Attempt::load(&ws("tests/golden/expert_psis_to_asis.ron")).unwrap();
    let anatomy = Arc::new(Anatomy::build(&attempt.patient).unwrap());
    let marked = score(&scenario, &anatomy, &attempt).unwrap();
    let mut app = headless_app(scenario.clone()).unwrap();
    let review = Session::review(scenario, anatomy.clone(), &attempt, Some(marked)).unwrap();
    app.insert_resource(SessionState(review))
        .insert_resource(Replay::new(attempt.clone(), &anatomy))
        .add_plugins(crate::replay_view::plugin);
    app.update();
    let depth = |app: &App| {
        app.world()
            .resource::<SessionState>()
            .0
            .needle
            .map(|n| n.depth)
    };
    let (start, _) = attempt.span();
    assert_eq!(depth(&app), Some(0.0), "paused at the start, on the skin");

    app.world_mut().resource_mut::<Replay>().speed = 4.0;
    tap(&mut app, KeyCode::Space, &[]);
    assert!(app.world().resource::<Replay>().playing);
    for _ in 0..20 {
        app.update();
    }
    let t = app.world().resource::<Replay>().t;
    assert!(
        (t - start - 4.0 * 0.1 * 21.0).abs() < 0.5,
        "4× for about 2 s of frames: {t}"
    );
    let want = attempt.pose_at(t).unwrap().1.depth;
    assert!(
        (depth(&app).unwrap() - want).abs() < 1.0,
        "{:?} against {want}",
        depth(&app)
    );

    tap(&mut app, KeyCode::Space, &[]);
    let marrow = app
        .world()
        .resource::<Replay>()
        .moments()
        .iter()
        .find(|m| m.what.starts_with("marrow at"))
        .unwrap()
        .t;
    app.world_mut().resource_mut::<Replay>().seek(marrow);
    app.update();
    let want = attempt.pose_at(marrow).unwrap().1.depth;
    assert!((depth(&app).unwrap() - want).abs() < 1e-3);
    let trace = &app.world().resource::<SessionState>().0.trace;
    assert!(
        trace
            .last()
            .is_some_and(|&(d, _, _)| (d - want).abs() <= 0.5),
        "the force trace ends at the tip"
    );
}

/// Scrubbing to each of the needle's events puts the tip in the tissue that `score`'s replay
/// found there, for every golden attempt (the replay test).
#[test]
fn scrubbing_to_each_event_shows_the_tissue_the_score_replay_found() {
    use marrowsim_core::needle::replay;
    let scenario = Scenario::load(&ws("scenes/psis_standard.ron")).unwrap();
    let mut checked = 0;
    for entry in std::fs::read_dir(ws("tests/golden")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|x| x != "ron") {
            continue;
        }
        let attempt = Attempt::load(&path).unwrap();
        let anatomy = Arc::new(Anatomy::build(&attempt.patient).unwrap());
        let mut app = headless_app(scenario.clone()).unwrap();
        let review = Session::review(scenario.clone(), anatomy.clone(), &attempt, None).unwrap();
        app.insert_resource(SessionState(review))
            .insert_resource(Replay::new(attempt.clone(), &anatomy))
            .add_plugins(crate::replay_view::plugin);
        for site in &attempt.sites {
            for e in replay(&anatomy, &site.timeline).events {
                app.world_mut().resource_mut::<Replay>().seek(e.t);
                app.update();
                let s = &app.world().resource::<SessionState>().0;
                let pose = s.pose().unwrap();
                assert!(
                    (pose.depth - e.depth).abs() < 0.05,
                    "{}: {:?} at {} s: the needle at {} mm, the event at {} mm",
                    path.display(),
                    e.kind,
                    e.t,
                    pose.depth,
                    e.depth
                );
                let at = |d: f32| anatomy.tissue_at(pose.entry + pose.direction * d);
                let shown = anatomy.tissue_at(pose.tip());
                assert!(
                    [at(e.depth - 0.02), at(e.depth), at(e.depth + 0.02)].contains(&shown),
                    "{}: {:?}: the replay shows {shown:?}",
                    path.display(),
                    e.kind
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 20, "only {checked} events");
}
