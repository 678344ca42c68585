//! The app's simulation plugins, headless: a whole attempt driven by key presses, whose score
//! must equal what `marrowsim score` gives for the recorded attempt.

use super::ws;
use super::{place_at_ideal_entry, tap};
use crate::score_card::{site_tracks, track_figure};
use crate::section_image::{IDEAL_GREEN, NEEDLE_CYAN};
use crate::session::{NeedleCommand, SessionState};
use crate::testing::headless_app;
use bevy::prelude::*;
use bevy_egui::egui;
use marrowsim_core::grading::scoring::Verdict;
use marrowsim_core::scenario::Scenario;
use marrowsim_core::tissue::Tissue;
use std::path::Path;

fn session(app: &App) -> &marrowsim_core::needle::session::Session {
    &app.world().resource::<SessionState>().0
}

/// Saves the app's attempt and has `marrowsim score` mark it: every component must match.
pub(super) fn assert_scores_as_the_cli_does(app: &App, scene: &Path, name: &str) {
    let score = session(app).score.clone().expect("scored");
    let dir = std::env::temp_dir().join(format!("marrowsim-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("attempt.ron");
    session(app).attempt().save(&file).unwrap();
    let cli = marrowsim_core::grading::scoring::score_files(scene, &file).expect("CLI scores it");
    assert_eq!(cli.total, score.total);
    assert_eq!(cli.verdict, score.verdict);
    assert_eq!(
        serde_json::to_string(&cli.components).unwrap(),
        serde_json::to_string(&score.components).unwrap()
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// Taps the arrow key that brings the needle closest to the aim, until it is within 1.5°:
/// 2° a tap, and with Shift 0.5° once within 6°.
pub(super) fn aim_with_arrows(app: &mut App) {
    use crate::session::{COARSE_DEG, FINE_DEG};
    for _ in 0..160 {
        let now = session(app).angle_to_aim().unwrap();
        if now < 1.5 {
            break;
        }
        let fine = now < 6.0;
        let deg = if fine { FINE_DEG } else { COARSE_DEG };
        let mut best = (now, KeyCode::ArrowLeft);
        for key in [
            KeyCode::ArrowLeft,
            KeyCode::ArrowRight,
            KeyCode::ArrowUp,
            KeyCode::ArrowDown,
        ] {
            let mut trial = session(app).clone();
            let (l, c) = match key {
                KeyCode::ArrowLeft => (-deg, 0.0),
                KeyCode::ArrowRight => (deg, 0.0),
                KeyCode::ArrowUp => (0.0, deg),
                _ => (0.0, -deg),
            };
            trial.tilt(l, c, 0.0).ok();
            let a = trial.angle_to_aim().unwrap();
            if a < best.0 {
                best = (a, key);
            }
        }
        tap(app, best.1, if fine { &[KeyCode::ShiftLeft] } else { &[] });
    }
    assert!(
        session(app).angle_to_aim().unwrap() < 3.0,
        "the arrows should bring the needle onto the aim: {:.1}° off, {:?}",
        session(app).angle_to_aim().unwrap(),
        session(app).notice
    );
}

#[test]
fn a_whole_psis_attempt_by_keyboard_scores_as_the_cli_does() {
    let scene = &ws("scenes/psis_standard.ron");
    let scenario = Scenario::load(scene).expect("scene");
    let mut app = headless_app(scenario).expect("app");

    // Choose the entry: the skin over the PSIS (what a ctrl-click there sends).
    let (psis, asis) = {
        let a = &session(&app).anatomy;
        (
            a.landmark("psis_left").unwrap(),
            a.landmark("asis_left").unwrap(),
        )
    };
    let aim = (asis - psis).normalize();
    let skin = session(&app)
        .anatomy
        .raycast_skin(psis - aim * 80.0, aim, 200.0)
        .expect("skin above the PSIS");
    app.world_mut().write_message(NeedleCommand::Place(skin));
    app.update();
    assert!(session(&app).needle.is_some());

    // Angle it with the arrow keys until it points at the ASIS.
    aim_with_arrows(&mut app);

    // Advance with W: the cortex stops a plain push...
    let mut held = false;
    for _ in 0..80 {
        tap(&mut app, KeyCode::KeyW, &[]);
        if session(&app).last.is_some_and(|o| o.held_by_cortex) {
            held = true;
            break;
        }
    }
    assert!(held, "a plain push must stop at the cortex");
    // The panel then tells the trainee to twist, and the warning must fit the panel.
    let (output, overflow) =
        crate::perf::draw_bare_panel(&egui::Context::default(), session(&app), 0.0);
    let shown = format!("{:?}", output.shapes);
    assert!(
        shown.contains("Held at the cortex"),
        "no twist warning shown"
    );
    assert!(
        overflow <= 0.5,
        "the panel's contents reach {overflow:.1} points past its side"
    );
    // ...and twisting (T) carries it through into the marrow, 20 mm deep.
    for _ in 0..60 {
        tap(&mut app, KeyCode::KeyW, &[KeyCode::KeyT]);
        if let Some((Tissue::Marrow, _, Some(past))) = session(&app).readout()
            && past >= 20.0
        {
            break;
        }
    }
    let (tip, _, past) = session(&app).readout().unwrap();
    assert_eq!(tip, Tissue::Marrow);
    assert!(past.unwrap() >= 20.0);

    tap(&mut app, KeyCode::Enter, &[]);
    let score = session(&app).score.clone().expect("submitted and scored");
    assert_eq!(score.verdict, Verdict::Pass, "{:?}", score.feedback);

    // The score card's figure: the ideal track and the trainee's, on a section through both.
    let tracks = site_tracks(session(&app));
    assert_eq!(tracks.len(), 1);
    let t = tracks[0];
    let (entry, tip) = t.yours.expect("the trainee's track");
    let zone = session(&app)
        .scenario
        .resolve(0, &session(&app).anatomy)
        .unwrap();
    assert!(
        (tip - entry)
            .normalize()
            .angle_between(zone.aim)
            .to_degrees()
            < 3.0
    );
    let figure = track_figure(session(&app), &t);
    for colour in [IDEAL_GREEN, NEEDLE_CYAN] {
        let n = figure.pixels.iter().filter(|p| **p == colour).count();
        assert!(n > 50, "{colour:?} drawn on {n} pixels");
    }

    assert_scores_as_the_cli_does(&app, scene, "keys");
}

#[test]
fn commands_after_the_score_change_nothing() {
    let scenario = Scenario::load(&ws("scenes/psis_standard.ron")).expect("scene");
    let mut app = headless_app(scenario).expect("app");
    tap(&mut app, KeyCode::Enter, &[]);
    let total = session(&app).score.as_ref().map(|s| s.total);
    assert!(total.is_some(), "an empty attempt is still marked");
    tap(&mut app, KeyCode::KeyW, &[]);
    assert_eq!(session(&app).score.as_ref().map(|s| s.total), total);
    assert!(session(&app).needle.is_none());
}

/// A whole anterior-crest attempt with the mouse only: Alt+drag to angle, Alt+wheel (with
/// T held to twist) to advance 9 mm into the marrow (the window is 8–30 mm; the crest is
/// narrow), and the score must again equal the CLI's.
#[test]
fn a_whole_anterior_crest_attempt_by_mouse_scores_as_the_cli_does() {
    use super::{press, release};
    use bevy::input::ButtonState;
    use bevy::input::mouse::{MouseButtonInput, MouseMotion, MouseScrollUnit, MouseWheel};

    let scene = &ws("scenes/anterior_crest.ron");
    let mut app = headless_app(Scenario::load(scene).unwrap()).expect("app");
    place_at_ideal_entry(&mut app);

    let button = |state| MouseButtonInput {
        button: MouseButton::Left,
        state,
        window: Entity::PLACEHOLDER,
    };
    press(&mut app, &[KeyCode::AltLeft]);
    app.world_mut().write_message(button(ButtonState::Pressed));
    app.update();
    for _ in 0..200 {
        let now = session(&app).angle_to_aim().unwrap();
        if now < 1.0 {
            break;
        }
        let mut best = (now, Vec2::ZERO);
        let px = (now * 4.0).clamp(4.0, 40.0);
        for d in [Vec2::X, Vec2::NEG_X, Vec2::Y, Vec2::NEG_Y].map(|d| d * px) {
            let mut trial = session(&app).clone();
            trial.tilt(d.x * 0.1, -d.y * 0.1, 0.0).ok();
            let a = trial.angle_to_aim().unwrap();
            if a < best.0 {
                best = (a, d);
            }
        }
        assert_ne!(best.1, Vec2::ZERO, "stuck at {now:.1}°");
        app.world_mut().write_message(MouseMotion { delta: best.1 });
        app.update();
    }
    app.world_mut().write_message(button(ButtonState::Released));
    app.update();
    let angle = session(&app).angle_to_aim().unwrap();
    assert!(
        angle < 1.5,
        "{angle:.2}° off the aim, needle {:?}",
        session(&app).needle
    );

    press(&mut app, &[KeyCode::KeyT]);
    for _ in 0..120 {
        app.world_mut().write_message(MouseWheel {
            unit: MouseScrollUnit::Line,
            x: 0.0,
            y: 1.0,
            window: Entity::PLACEHOLDER,
            phase: bevy::input::touch::TouchPhase::Moved,
        });
        app.update();
        if let Some((Tissue::Marrow, _, Some(past))) = session(&app).readout()
            && past >= 9.0
        {
            break;
        }
    }
    release(&mut app, &[KeyCode::KeyT, KeyCode::AltLeft]);
    let (tip, _, past) = session(&app).readout().unwrap();
    assert_eq!(
        tip,
        Tissue::Marrow,
        "the wheel drove the needle into marrow"
    );
    assert!(
        past.unwrap() >= 9.0,
        "{past:?} past the cortex, {:?}, last push {:?}",
        session(&app).needle,
        session(&app).last
    );
    tap(&mut app, KeyCode::Enter, &[]);
    let score = session(&app).score.clone().expect("scored");

    assert_eq!(score.verdict, Verdict::Pass, "{:?}", score.feedback);
    assert_scores_as_the_cli_does(&app, scene, "mouse");
}

/// Pushes firmly with twists (W with F and T held) until the tip is `past` mm into the marrow.
pub(super) fn push_into_marrow(app: &mut App, past: f32) {
    for _ in 0..120 {
        tap(app, KeyCode::KeyW, &[KeyCode::KeyT, KeyCode::KeyF]);
        if let Some((Tissue::Marrow, _, Some(p))) = session(app).readout()
            && p >= past
        {
            return;
        }
    }
}

/// Keys through a whole BMAC harvest: place, aim, through the cortex, stylet out, then four
/// 4 mL pulls at each of three positions 8 mm apart. It passes, and scores as the CLI does.
#[test]
fn a_whole_harvest_by_keyboard_passes_and_scores_as_the_cli_does() {
    let scene = &ws("scenes/bmac_standard.ron");
    let mut app = headless_app(Scenario::load(scene).expect("scene")).expect("app");
    place_at_ideal_entry(&mut app);
    aim_with_arrows(&mut app);
    push_into_marrow(&mut app, 32.0);
    assert_eq!(session(&app).readout().unwrap().0, Tissue::Marrow);

    tap(&mut app, KeyCode::KeyP, &[]);
    let refused = app
        .world()
        .resource::<crate::session::PullRefusal>()
        .0
        .clone();
    assert!(
        refused.is_some_and(|r| r.contains("stylet")),
        "a pull with the stylet in is refused"
    );
    assert!(session(&app).pulls().is_empty());
    tap(&mut app, KeyCode::KeyX, &[]);
    assert!(session(&app).stylet_out);
    tap(&mut app, KeyCode::Equal, &[]);
    assert_eq!(app.world().resource::<crate::session::PullVolume>().0, 4.0);
    for position in 0..3 {
        if position > 0 {
            for _ in 0..8 {
                tap(&mut app, KeyCode::KeyS, &[]);
            }
        }
        for _ in 0..4 {
            tap(&mut app, KeyCode::KeyP, &[]);
        }
    }
    let live = session(&app).harvest_so_far().expect("an aspiration phase");
    assert_eq!(live.harvest.pulls.len(), 12);
    assert_eq!(live.harvest.aspirate.positions, 3);
    // A quarter turn after the last pull: the panel says so, and its words wrap inside it
    // (a row that did not wrap once widened the whole panel past the window).
    tap(&mut app, KeyCode::KeyO, &[]);
    let (output, overflow) =
        crate::perf::draw_bare_panel(&egui::Context::default(), session(&app), 0.0);
    assert!(
        format!("{:?}", output.shapes).contains("fresher marrow"),
        "no word of the turn"
    );
    assert!(
        overflow <= 0.5,
        "the panel's contents reach {overflow:.1} points past its side"
    );
    tap(&mut app, KeyCode::Enter, &[]);
    let score = session(&app).score.clone().expect("scored");
    assert_eq!(score.verdict, Verdict::Pass, "{:#?}", score.feedback);
    let h = score.harvest.as_ref().expect("the harvest is marked");
    assert_eq!(h.harvest.aspirate.ml, 48.0);
    assert_scores_as_the_cli_does(&app, scene, "harvest");
}

/// One 10 mL pull, the syringe's worth, after a good placement: the harvest fails, far from
/// the pass mark, and says why.
#[test]
fn one_syringeful_fails_the_harvest() {
    let scene = &ws("scenes/bmac_standard.ron");
    let mut app = headless_app(Scenario::load(scene).expect("scene")).expect("app");
    place_at_ideal_entry(&mut app);
    aim_with_arrows(&mut app);
    push_into_marrow(&mut app, 20.0);
    tap(&mut app, KeyCode::KeyX, &[]);
    for _ in 0..4 {
        tap(&mut app, KeyCode::Equal, &[]);
    }
    assert_eq!(app.world().resource::<crate::session::PullVolume>().0, 10.0);
    tap(&mut app, KeyCode::KeyP, &[]);
    tap(&mut app, KeyCode::Enter, &[]);
    let score = session(&app).score.clone().expect("scored");
    assert_eq!(score.verdict, Verdict::Fail);
    assert!(score.total <= score.pass_mark - 10.0, "{}", score.total);
    assert!(
        score.feedback.iter().any(|f| f.contains("mostly blood")),
        "{:#?}",
        score.feedback
    );
    assert_scores_as_the_cli_does(&app, scene, "syringeful");
}

/// The clinician's technique through the app: the finger sweeps from the natal cleft to the
/// dimple (what holding Q over the skin sends), the needle goes in beside it, W takes it
/// straight down to bone, Ctrl+arrows walk the tip to the entry zone, the arrows swing the
/// hub about the tip toward the ASIS, and F+T+W twist it into the marrow.
#[test]
fn palpate_go_down_walk_swing_and_reach_the_marrow_by_keyboard() {
    use marrowsim_core::anatomy::palpation::sweep_for_psis;
    use marrowsim_core::needle::technique::Contact;
    let scene = &ws("scenes/psis_standard.ron");
    let scenario = Scenario::load(scene).expect("scene");
    let mut app = headless_app(scenario).expect("app");

    let (pressed, found) = sweep_for_psis(&session(&app).anatomy, true, 2.0);
    for p in pressed.iter().chain([&found]) {
        app.world_mut().write_message(NeedleCommand::Palpate(*p));
        app.update();
    }
    let feel = session(&app).finger.expect("the finger is on the skin");
    let bone = feel.at + feel.inward * feel.depth.expect("bone under the finger");
    let psis = session(&app).anatomy.landmark("psis_left").unwrap();
    assert!(
        (bone - psis).length() < 5.0,
        "the finger settled {:.1} mm from the PSIS",
        (bone - psis).length()
    );
    app.world_mut().write_message(NeedleCommand::LiftFinger);
    app.world_mut()
        .write_message(NeedleCommand::Place(found + Vec3::new(-8.0, 0.0, -10.0)));
    app.update();
    assert!(session(&app).finger.is_none());

    for _ in 0..80 {
        tap(&mut app, KeyCode::KeyW, &[]);
        if session(&app).contact() == Contact::OnBone {
            break;
        }
    }
    assert_eq!(
        session(&app).contact(),
        Contact::OnBone,
        "straight down to bone"
    );

    let mut walked = 0;
    for _ in 0..60 {
        let (lateral, cephalad, _, _) = session(&app).tip_from_entry_zone().unwrap();
        let key = if lateral > 1.0 {
            KeyCode::ArrowLeft
        } else if lateral < -1.0 {
            KeyCode::ArrowRight
        } else if cephalad > 1.0 {
            KeyCode::ArrowDown
        } else if cephalad < -1.0 {
            KeyCode::ArrowUp
        } else {
            break;
        };
        tap(&mut app, key, &[KeyCode::ControlLeft]);
        walked += 1;
        assert_eq!(
            session(&app).contact(),
            Contact::OnBone,
            "the walk stays on bone"
        );
    }
    let (lateral, cephalad, _, radius) = session(&app).tip_from_entry_zone().unwrap();
    assert!(
        walked > 2 && lateral.hypot(cephalad) < radius,
        "walked {walked} steps"
    );

    aim_with_arrows(&mut app);
    assert_eq!(
        session(&app).contact(),
        Contact::OnBone,
        "the swing keeps the tip"
    );
    push_into_marrow(&mut app, 20.0);
    tap(&mut app, KeyCode::Enter, &[]);
    let score = session(&app).score.clone().expect("scored");
    assert_eq!(score.verdict, Verdict::Pass, "{:?}", score.feedback);
    assert!(!session(&app).attempt().sites[0].palpations.is_empty());
    assert_scores_as_the_cli_does(&app, scene, "technique");
}
