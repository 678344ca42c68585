//! The trainee's attempt in the app: keys and clicks become needle commands, which the
//! core's [`Session`] carries out. Runs headless, so tests drive it with `app.update()`.

use super::anatomy_view::PatientFrame;
use crate::sim::session::Session;
use bevy::prelude::*;

#[derive(Resource)]
pub struct SessionState(pub Session);

/// What the trainee asked the needle to do, in patient millimetres and degrees.
#[derive(Message, Clone, Copy, Debug, PartialEq)]
pub enum NeedleCommand {
    /// Put the tip on the skin at this point (RAS mm), straight in.
    Place(Vec3),
    Tilt {
        lateral: f32,
        cephalad: f32,
    },
    /// Advance (or withdraw, negative) by `mm` under `force` newtons.
    Push {
        mm: f32,
        force: f32,
        twist: bool,
    },
    Submit,
}

/// Tilt steps (degrees) and push steps (mm); Shift gives the fine ones.
pub const COARSE_DEG: f32 = 2.0;
pub const FINE_DEG: f32 = 0.5;
pub const COARSE_MM: f32 = 1.0;
pub const FINE_MM: f32 = 0.25;
/// The push of W alone, and with F held (N): the cortex needs F, or W while twisting (T).
pub const PUSH_N: f32 = 250.0;
pub const FIRM_PUSH_N: f32 = 500.0;

pub fn plugin(app: &mut App) {
    app.add_message::<NeedleCommand>().add_systems(
        Update,
        (keyboard_commands, click_to_place, apply_commands)
            .chain()
            .run_if(resource_exists::<SessionState>),
    );
}

fn keyboard_commands(
    keys: Option<Res<ButtonInput<KeyCode>>>,
    mut out: MessageWriter<NeedleCommand>,
) {
    let Some(keys) = keys else { return };
    let fine = keys.pressed(KeyCode::ShiftLeft) || keys.pressed(KeyCode::ShiftRight);
    let deg = if fine { FINE_DEG } else { COARSE_DEG };
    let mm = if fine { FINE_MM } else { COARSE_MM };
    for (key, lateral, cephalad) in [
        (KeyCode::ArrowLeft, -deg, 0.0),
        (KeyCode::ArrowRight, deg, 0.0),
        (KeyCode::ArrowUp, 0.0, deg),
        (KeyCode::ArrowDown, 0.0, -deg),
    ] {
        if keys.just_pressed(key) {
            out.write(NeedleCommand::Tilt { lateral, cephalad });
        }
    }
    let force = if keys.pressed(KeyCode::KeyF) {
        FIRM_PUSH_N
    } else {
        PUSH_N
    };
    let twist = keys.pressed(KeyCode::KeyT);
    if keys.just_pressed(KeyCode::KeyW) {
        out.write(NeedleCommand::Push { mm, force, twist });
    }
    if keys.just_pressed(KeyCode::KeyS) {
        out.write(NeedleCommand::Push {
            mm: -mm,
            force,
            twist,
        });
    }
    if keys.just_pressed(KeyCode::Enter) {
        out.write(NeedleCommand::Submit);
    }
}

/// Left click on the skin with Ctrl held places the needle there.
fn click_to_place(
    buttons: Option<Res<ButtonInput<MouseButton>>>,
    keys: Option<Res<ButtonInput<KeyCode>>>,
    windows: Query<&Window>,
    cameras: Query<(&Camera, &GlobalTransform)>,
    session: Res<SessionState>,
    frame: Res<PatientFrame>,
    mut out: MessageWriter<NeedleCommand>,
) {
    let (Some(buttons), Some(keys)) = (buttons, keys) else {
        return;
    };
    let ctrl = keys.pressed(KeyCode::ControlLeft) || keys.pressed(KeyCode::ControlRight);
    if !(ctrl && buttons.just_pressed(MouseButton::Left)) {
        return;
    }
    let (Ok(window), Ok((camera, cam_tf))) = (windows.single(), cameras.single()) else {
        return;
    };
    let Some(cursor) = window.cursor_position() else {
        return;
    };
    let Ok(ray) = camera.viewport_to_world(cam_tf, cursor) else {
        return;
    };
    let origin = frame.to_ras(ray.origin);
    let dir = frame.to_ras(*ray.direction);
    if let Some(p) = session.0.anatomy.raycast_skin(origin, dir, 5000.0) {
        out.write(NeedleCommand::Place(p));
    }
}

fn apply_commands(
    time: Res<Time>,
    mut commands_in: MessageReader<NeedleCommand>,
    mut session: ResMut<SessionState>,
) {
    let t = time.elapsed_secs();
    for c in commands_in.read() {
        let s = &mut session.0;
        if s.score.is_some() {
            continue;
        }
        match *c {
            NeedleCommand::Place(p) => s.place(p, t),
            NeedleCommand::Tilt { lateral, cephalad } => s.tilt(lateral, cephalad, t),
            NeedleCommand::Push { mm, force, twist } => {
                s.push(mm, force, twist, t);
            }
            NeedleCommand::Submit => {
                if let Err(e) = s.submit(t) {
                    warn!("the attempt could not be marked: {e}");
                }
            }
        }
    }
}
