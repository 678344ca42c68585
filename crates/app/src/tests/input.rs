//! Mouse and keyboard in the headless app: Alt hands the mouse to the needle, the panels'
//! claims keep input away from the needle, and the clock starts with the first placement.

use super::ws;
use super::{place_at_ideal_entry, press, release, tap};
use crate::input_guard::UiClaims;
use crate::session::{DRAG_DEG_PER_PX, SessionState};
use crate::testing::headless_app;
use bevy::input::ButtonState;
use bevy::input::mouse::{MouseButtonInput, MouseMotion, MouseScrollUnit, MouseWheel};
use bevy::prelude::*;
use marrowsim_core::scenario::Scenario;

fn session(app: &App) -> &marrowsim_core::needle::session::Session {
    &app.world().resource::<SessionState>().0
}

fn placed_app() -> App {
    let scenario = Scenario::load(&ws("scenes/psis_standard.ron")).unwrap();
    let mut app = headless_app(scenario).unwrap();
    place_at_ideal_entry(&mut app);
    app
}

fn drag(app: &mut App, dx: f32, dy: f32) {
    app.world_mut().write_message(MouseButtonInput {
        button: MouseButton::Left,
        state: ButtonState::Pressed,
        window: Entity::PLACEHOLDER,
    });
    app.world_mut().write_message(MouseMotion {
        delta: Vec2::new(dx, dy),
    });
    app.update();
    app.world_mut().write_message(MouseButtonInput {
        button: MouseButton::Left,
        state: ButtonState::Released,
        window: Entity::PLACEHOLDER,
    });
    app.update();
}

fn wheel(app: &mut App, notches: f32) {
    app.world_mut().write_message(MouseWheel {
        unit: MouseScrollUnit::Line,
        x: 0.0,
        y: notches,
        window: Entity::PLACEHOLDER,
        phase: bevy::input::touch::TouchPhase::Moved,
    });
    app.update();
}

#[test]
fn alt_drag_tilts_and_alt_wheel_advances() {
    let mut app = placed_app();
    let before = session(&app).needle.unwrap();

    drag(&mut app, 40.0, 0.0);
    assert_eq!(
        session(&app).needle.unwrap().direction,
        before.direction,
        "without Alt the mouse orbits the camera"
    );

    press(&mut app, &[KeyCode::AltLeft]);
    drag(&mut app, 40.0, -20.0);
    let n = session(&app).needle.unwrap();
    let want = before.tilted(true, 40.0 * DRAG_DEG_PER_PX, 20.0 * DRAG_DEG_PER_PX);
    assert!(
        n.direction.angle_between(want) < 1e-3,
        "{n:?} against {want}"
    );

    wheel(&mut app, 3.0);
    let deeper = session(&app).needle.unwrap().depth;
    assert!((deeper - 3.0).abs() < 1e-3, "3 notches, 3 mm: {deeper}");
    press(&mut app, &[KeyCode::ShiftLeft]);
    wheel(&mut app, -2.0);
    let back = session(&app).needle.unwrap().depth;
    assert!((back - 2.5).abs() < 1e-3, "Shift: 0.25 mm a notch: {back}");
    release(&mut app, &[KeyCode::AltLeft, KeyCode::ShiftLeft]);
    app.update();
    wheel(&mut app, 3.0);
    assert_eq!(
        session(&app).needle.unwrap().depth,
        back,
        "without Alt the wheel zooms"
    );
}

#[test]
fn input_claimed_by_the_panels_does_not_reach_the_needle() {
    let mut app = placed_app();
    app.insert_resource(UiClaims {
        pointer: true,
        keyboard: true,
        ..default()
    });
    let before = session(&app).needle.unwrap();
    tap(&mut app, KeyCode::KeyW, &[]);
    tap(&mut app, KeyCode::ArrowLeft, &[]);
    press(&mut app, &[KeyCode::AltLeft]);
    drag(&mut app, 30.0, 0.0);
    wheel(&mut app, 2.0);
    release(&mut app, &[KeyCode::AltLeft]);
    assert_eq!(session(&app).needle.unwrap(), before);

    app.insert_resource(UiClaims::default());
    tap(&mut app, KeyCode::KeyW, &[]);
    assert!(session(&app).needle.unwrap().depth > before.depth);
}

#[test]
fn the_site_clock_starts_at_the_first_placement() {
    let scenario = Scenario::load(&ws("scenes/psis_standard.ron")).unwrap();
    let mut app = headless_app(scenario).unwrap();
    for _ in 0..5 {
        app.update();
    }
    assert_eq!(session(&app).started(), None);
    let app = {
        let mut a = placed_app();
        a.update();
        a
    };
    let t0 = session(&app).started().expect("started");
    let now = app.world().resource::<Time>().elapsed_secs();
    assert!(now > t0, "the clock runs: {t0} → {now}");
}

/// Remote desktops and XTest send no raw motion; the cursor's travel in the window drives the
/// drag instead.
#[test]
fn a_drag_reported_only_as_cursor_travel_still_tilts() {
    use bevy::window::CursorMoved;
    let mut app = placed_app();
    let before = session(&app).needle.unwrap();
    press(&mut app, &[KeyCode::AltLeft]);
    app.world_mut().write_message(MouseButtonInput {
        button: MouseButton::Left,
        state: ButtonState::Pressed,
        window: Entity::PLACEHOLDER,
    });
    app.update();
    app.world_mut().write_message(CursorMoved {
        window: Entity::PLACEHOLDER,
        position: Vec2::new(130.0, 100.0),
        delta: Some(Vec2::new(30.0, 0.0)),
    });
    app.update();
    let n = session(&app).needle.unwrap();
    let want = before.tilted(true, 30.0 * DRAG_DEG_PER_PX, 0.0);
    assert!(
        n.direction.angle_between(want) < 1e-3,
        "{n:?} against {want}"
    );
}

/// A headless app on `scenario` with the live section.
fn section_app(scenario: Scenario) -> App {
    let mut app = headless_app(scenario).expect("app");
    app.init_resource::<crate::live_section::SectionView>()
        .add_systems(
            Update,
            crate::live_section::update_section.in_set(crate::AppSystems::Follow),
        );
    app
}

/// A push does not wait for the live section: the frame only asks for it, the section comes
/// from a background task a few frames later, and it shows where the needle went.
#[test]
fn the_live_section_follows_the_needle_off_the_frame() {
    use crate::live_section::SectionView;
    let mut app = section_app(Scenario::load(&ws("scenes/psis_standard.ron")).expect("scene"));
    let settle = |app: &mut App| {
        for _ in 0..60_000 {
            app.update();
            if app.world().resource::<SectionView>().settled() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        panic!("the section never arrived");
    };
    place_at_ideal_entry(&mut app);
    settle(&mut app);
    let before = app
        .world()
        .resource::<SectionView>()
        .image()
        .expect("a section once the needle is placed")
        .clone();
    for _ in 0..10 {
        tap(&mut app, KeyCode::KeyW, &[KeyCode::KeyF, KeyCode::KeyT]);
    }
    settle(&mut app);
    app.world_mut()
        .write_message(crate::session::NeedleCommand::Push {
            mm: 1.0,
            force: crate::session::FIRM_PUSH_N,
            twist: true,
        });
    app.update();
    assert!(
        !app.world().resource::<SectionView>().settled(),
        "the frame of the push only asks for the section"
    );
    settle(&mut app);
    let after = app.world().resource::<SectionView>().image().unwrap();
    assert_ne!(
        before.pixels, after.pixels,
        "the section follows the needle"
    );
}

/// Bevy compiles render pipelines on its async compute pool, seconds each under a software
/// renderer. With every thread of that pool held, the section still arrives.
#[test]
fn the_live_section_does_not_queue_behind_bevys_pipeline_compiles() {
    use crate::live_section::SectionView;
    use bevy::tasks::AsyncComputeTaskPool;
    use std::sync::atomic::{AtomicBool, Ordering};
    let mut app = section_app(Scenario::load(&ws("scenes/psis_standard.ron")).expect("scene"));
    let held = std::sync::Arc::new(AtomicBool::new(true));
    let pool = AsyncComputeTaskPool::get();
    let blockers: Vec<_> = (0..pool.thread_num().max(1))
        .map(|_| {
            let held = held.clone();
            pool.spawn(async move {
                while held.load(Ordering::Relaxed) {
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
            })
        })
        .collect();
    place_at_ideal_entry(&mut app);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let arrived = loop {
        app.update();
        if app.world().resource::<SectionView>().image().is_some() {
            break true;
        }
        if std::time::Instant::now() > deadline {
            break false;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    };
    held.store(false, Ordering::Relaxed);
    for b in blockers {
        bevy::tasks::block_on(b);
    }
    assert!(arrived, "the section waited behind Bevy's busy pool");
}

/// A frame of a software renderer can take half a second: every tap of W within it counts.
#[test]
fn taps_faster_than_the_frame_rate_all_count() {
    let mut app = placed_app();
    tap(&mut app, KeyCode::KeyW, &[]);
    let before = session(&app).pose().unwrap().depth;
    for _ in 0..3 {
        for state in [ButtonState::Pressed, ButtonState::Released] {
            app.world_mut()
                .write_message(super::key_message(KeyCode::KeyW, state));
        }
    }
    app.update();
    let after = session(&app).pose().unwrap().depth;
    assert!(
        (after - before - 3.0).abs() < 1e-3,
        "three taps in one frame went {} mm",
        after - before
    );
}

/// The scene's guidance decides the live section: tissue colours in practice, nothing in a
/// landmark-guided assessment, and grey B-mode ultrasound (skin at the top) under ultrasound.
#[test]
fn the_guidance_decides_what_the_live_section_shows() {
    use crate::live_section::SectionView;
    let section_for = |text: &str| {
        let mut app = section_app(Scenario::parse(text, "guided.ron").expect("scene"));
        place_at_ideal_entry(&mut app);
        for _ in 0..10 {
            tap(&mut app, KeyCode::KeyW, &[]);
        }
        for _ in 0..60_000 {
            app.update();
            if app.world().resource::<SectionView>().settled() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        app.world().resource::<SectionView>().image().cloned()
    };
    let standard = std::fs::read_to_string(ws("scenes/psis_standard.ron")).unwrap();
    let practice = section_for(&standard).expect("practice shows the section");
    assert!(
        practice.pixels.iter().any(|p| p.r() != p.b()),
        "tissue colours"
    );
    let assessment = standard.replace("mode: Practice", "mode: Assessment");
    assert!(
        section_for(&assessment).is_none(),
        "landmarks only in assessment"
    );
    let ultrasound = std::fs::read_to_string(ws("scenes/psis_obese_ultrasound.ron")).unwrap();
    let us = section_for(&ultrasound).expect("ultrasound in assessment");
    assert!(
        us.pixels.iter().all(|p| p.r() == p.g() && p.g() == p.b()),
        "greys only"
    );
    assert!(us.size[1] > us.size[0], "the beam runs down a tall image");
    let top_row_lit = (0..us.size[0]).any(|x| us.pixels[x].r() > 0);
    assert!(!top_row_lit, "air above the skin is black");
}

/// At two frames a second a quick Ctrl+click falls inside one frame: Ctrl is down and up
/// again before the frame looks. The click still places the needle's command.
#[test]
fn a_ctrl_chord_within_one_frame_still_counts() {
    let mut app = placed_app();
    tap(&mut app, KeyCode::KeyW, &[]);
    tap(&mut app, KeyCode::KeyW, &[]);
    let before = session(&app).pose().unwrap();
    for (key, state) in [
        (KeyCode::ControlLeft, ButtonState::Pressed),
        (KeyCode::ArrowRight, ButtonState::Pressed),
        (KeyCode::ArrowRight, ButtonState::Released),
        (KeyCode::ControlLeft, ButtonState::Released),
    ] {
        app.world_mut()
            .write_message(super::key_message(key, state));
    }
    app.update();
    let after = session(&app).pose().unwrap();
    assert_eq!(
        before.direction, after.direction,
        "Ctrl+Right is a walk (refused off the bone), never a tilt"
    );
    assert!(
        session(&app).notice.is_some(),
        "the walk's refusal is shown"
    );
}
