//! The C-arm through the app: shots by key, developed off the frame from each view's image of
//! the patient, counted in the attempt, and scored as `marrowsim score` scores them.

use super::attempts::{aim_with_arrows, assert_scores_as_the_cli_does, push_into_marrow};
use super::{place_at_ideal_entry, tap, ws};
use crate::fluoroscopy_view::{Fluoroscope, SHOT_PX, shot_grey};
use crate::session::SessionState;
use crate::testing::headless_app;
use bevy::prelude::*;
use marrowsim_core::grading::scoring::Verdict;
use marrowsim_core::scenario::Scenario;

fn session(app: &App) -> &marrowsim_core::needle::session::Session {
    &app.world().resource::<SessionState>().0
}

/// Frames until the shot numbered `number` is developed, with nothing waiting.
fn developed(app: &mut App, number: usize) {
    for _ in 0..20_000 {
        app.update();
        let scope = app.world().resource::<Fluoroscope>();
        if scope.shown().is_some_and(|d| d.number == number) && !scope.developing() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    panic!("shot {number} was never developed");
}

/// The shipped scene without its inlet view: two views are enough here, and each view's image
/// keeps both cores busy for seconds, which the tests running beside this one wait through.
fn two_view_scene() -> std::path::PathBuf {
    let text = std::fs::read_to_string(ws("scenes/psis_fluoroscopy.ron")).unwrap();
    let inlet = "            (name: \"inlet\", orbit_deg: 0.0, tilt_deg: 40.0),\n";
    assert!(text.contains(inlet));
    let dir = std::env::temp_dir().join(format!("marrowsim-c-arm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("psis_fluoroscopy_two_views.ron");
    std::fs::write(&path, text.replacen(inlet, "", 1)).unwrap();
    path
}

#[test]
fn shots_by_key_show_the_needle_and_count_in_the_score() {
    let scene = &two_view_scene();
    let mut app = headless_app(Scenario::load(scene).expect("scene")).expect("app");
    app.add_plugins(crate::fluoroscopy_view::plugin);

    // A shot before the needle: the AP view of the patient alone.
    tap(&mut app, KeyCode::KeyC, &[]);
    assert_eq!(session(&app).shots().len(), 1);
    developed(&mut app, 1);

    // The needle resting on the skin, as the scene's first step has it: the AP shot shows
    // the whole cannula, most of it still outside the body, over the bone's outline.
    place_at_ideal_entry(&mut app);
    tap(&mut app, KeyCode::KeyC, &[]);
    developed(&mut app, 2);
    {
        let s = session(&app);
        let pose = s.pose().expect("the needle is on the skin");
        assert_eq!(pose.depth, 0.0);
        let p =
            s.scenario.c_arm().unwrap().views[0].projection(&s.anatomy, s.scenario.side, SHOT_PX);
        let (col, row) = p.pixel(pose.tip()).expect("the tip is in the field");
        let without = shot_grey(&s.anatomy, &p, None, s.scenario.needle.length_mm);
        let shown: Vec<u8> = app
            .world()
            .resource::<Fluoroscope>()
            .shown()
            .unwrap()
            .image
            .pixels
            .iter()
            .map(|c| c.r())
            .collect();
        let around = |g: &[u8]| -> u32 {
            (row - 2..=row + 2)
                .flat_map(|r| (col - 2..=col + 2).map(move |c| u32::from(g[r * SHOT_PX + c])))
                .sum()
        };
        assert!(
            around(&shown) > around(&without) + 100,
            "the needle on the skin shows: {} against {} without it",
            around(&shown),
            around(&without)
        );
    }

    aim_with_arrows(&mut app);
    push_into_marrow(&mut app, 20.0);
    app.world_mut().resource_mut::<Fluoroscope>().selected = 1;
    tap(&mut app, KeyCode::KeyC, &[]);
    developed(&mut app, 3);

    let pose = session(&app).pose().expect("the needle is in");
    let (expected, tip_pixel) = {
        let s = session(&app);
        let c_arm = s.scenario.c_arm().unwrap();
        let p = c_arm.views[1].projection(&s.anatomy, s.scenario.side, SHOT_PX);
        let (col, row) = p.pixel(pose.tip()).expect("the tip is in the field");
        (
            shot_grey(&s.anatomy, &p, Some(pose), s.scenario.needle.length_mm),
            row * SHOT_PX + col,
        )
    };
    let scope = app.world().resource::<Fluoroscope>();
    let shown = scope.shown().unwrap();
    assert_eq!(shown.view, 1);
    let grey: Vec<u8> = shown.image.pixels.iter().map(|c| c.r()).collect();
    assert_eq!(
        grey, expected,
        "the app's shot is the C-arm's image with the needle"
    );
    let mut sorted = grey.clone();
    sorted.sort();
    assert!(
        grey[tip_pixel] > sorted[sorted.len() / 2],
        "the needle's tip shows white"
    );

    tap(&mut app, KeyCode::Enter, &[]);
    let score = session(&app).score.clone().expect("scored");
    assert_eq!(score.verdict, Verdict::Pass, "{:?}", score.feedback);
    let dose = score
        .components
        .iter()
        .find(|c| c.key == "fluoroscopy.shots")
        .expect("the shots are scored");
    assert_eq!((dose.value, dose.points), (3.0, dose.max_points));
    assert_eq!(session(&app).attempt().shots.len(), 3);
    assert_scores_as_the_cli_does(&app, scene, "fluoroscopy");
    std::fs::remove_dir_all(scene.parent().unwrap()).ok();
}

#[test]
fn c_takes_no_shot_where_the_scene_has_no_c_arm() {
    let mut app =
        headless_app(Scenario::load(&ws("scenes/psis_standard.ron")).unwrap()).expect("app");
    app.add_plugins(crate::fluoroscopy_view::plugin);
    tap(&mut app, KeyCode::KeyC, &[]);
    assert!(session(&app).shots().is_empty());
    assert!(session(&app).notice.is_none(), "{:?}", session(&app).notice);
}
