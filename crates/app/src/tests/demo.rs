//! `marrowsim demo` headless: the standard scene's demonstration from start to end. Each
//! caption is shown when the replay reaches its moment, in the order of the attempt's events;
//! the expert's act ends with the tip in marrow; then the errors play, and the programme
//! starts again.

use super::{tap, ws};
use crate::demo_view::{DWELL_S, Demo, DemoScene};
use crate::replay_view::Replay;
use crate::session::SessionState;
use crate::testing::headless_app;
use bevy::prelude::*;
use marrowsim_core::needle::{EventKind, replay};
use marrowsim_core::scenario::Scenario;
use marrowsim_core::tissue::Tissue;

#[test]
fn the_demo_plays_every_act_with_its_captions_in_order() {
    let path = ws("scenes/psis_standard.ron");
    let scenario = Scenario::load(&path).unwrap();
    let acts = marrowsim_core::demo::programme(&scenario, None).unwrap();
    let mut app = headless_app(scenario.clone()).unwrap();
    app.insert_resource(Demo::new(vec![DemoScene {
        path: Some(path),
        title: scenario.title.clone(),
        acts: acts.clone(),
    }]))
    .add_plugins((crate::replay_view::plugin, crate::demo_view::plugin));

    let tip = |app: &App| {
        let s = &app.world().resource::<SessionState>().0;
        s.pose().map(|p| s.anatomy.tissue_at(p.tip()))
    };
    let mut shown_at: Vec<(usize, usize, f32)> = Vec::new();
    let mut expert_last = None;
    let mut paused_once = false;
    for frame in 0..20_000 {
        app.update();
        let demo = app.world().resource::<Demo>();
        if demo.rounds == 1 {
            break;
        }
        if demo.act == 0 && !demo.loading_for_tests() {
            expert_last = tip(&app);
        }
        if let (Some(c), Some(r)) = (demo.caption, app.world().get_resource::<Replay>())
            && shown_at.last().map(|l| (l.0, l.1)) != Some((demo.act, c))
        {
            shown_at.push((demo.act, c, r.t));
        }
        // Space pauses the demonstration: the clock stands still until it is pressed again.
        if frame == 150 && !paused_once {
            paused_once = true;
            tap(&mut app, KeyCode::Space, &[]);
            let t = app.world().resource::<Replay>().t;
            for _ in 0..(DWELL_S as usize * 20) {
                app.update();
            }
            assert_eq!(app.world().resource::<Replay>().t, t, "paused");
            tap(&mut app, KeyCode::Space, &[]);
        }
    }
    assert_eq!(
        app.world().resource::<Demo>().rounds,
        1,
        "the programme ended"
    );
    assert_eq!(expert_last, Some(Tissue::Marrow), "the expert's last frame");

    for (a, act) in acts.iter().enumerate() {
        let mine: Vec<&(usize, usize, f32)> = shown_at.iter().filter(|s| s.0 == a).collect();
        let indices: Vec<usize> = mine.iter().map(|s| s.1).collect();
        assert_eq!(
            indices,
            (0..act.captions.len()).collect::<Vec<_>>(),
            "{}: every caption, in order",
            act.title
        );
        for s in &mine {
            assert!(
                (s.2 - act.captions[s.1].t).abs() < 1e-3,
                "{}: \"{}\" shown at the replay's {:.2} s, its moment {:.2} s",
                act.title,
                act.captions[s.1].text,
                s.2,
                act.captions[s.1].t
            );
        }
    }
    // The expert's layers come in the order the replay finds the needle's events.
    let expert = &acts[0];
    let anatomy = marrowsim_core::anatomy::Anatomy::build(&expert.attempt.patient).unwrap();
    let events = replay(&anatomy, &expert.attempt.sites[0].timeline).events;
    let when = |k: EventKind| events.iter().find(|e| e.kind == k).unwrap().t;
    let caption_t = |prefix: &str| {
        expert
            .captions
            .iter()
            .find(|c| c.text.starts_with(prefix))
            .unwrap()
            .t
    };
    assert!((caption_t("skin") - when(EventKind::SkinPuncture)).abs() < 1.0);
    assert!(caption_t("cortex") <= when(EventKind::CortexPenetration) + 1e-3);
    assert!((caption_t("marrow") - when(EventKind::MarrowEntry)).abs() < 1.0);
}
