//! The trainee's attempt in the app: keys and clicks become needle commands, which the
//! core's [`Session`] carries out. Runs headless, so tests drive it with `app.update()`.

use super::AppSystems;
use super::anatomy_view::PatientFrame;
use super::input_guard::MouseTravel;
use super::input_guard::{keyboard_free, pointer_free};
use bevy::input::ButtonState;
use bevy::input::keyboard::KeyboardInput;
use bevy::input::mouse::{AccumulatedMouseScroll, MouseScrollUnit};
use bevy::prelude::*;
use marrowsim_core::needle::session::Session;

#[derive(Resource)]
pub struct SessionState(pub Session);

/// What the trainee asked the needle to do, in patient millimetres and degrees.
#[derive(Message, Clone, Copy, Debug, PartialEq)]
pub enum NeedleCommand {
    /// Put the tip on the skin at this point (RAS mm), straight in.
    Place(Vec3),
    /// Tilt the needle (degrees): about the skin in soft tissue, about the tip on bone.
    Tilt {
        lateral: f32,
        cephalad: f32,
    },
    /// Walk the tip along the bone (mm toward the patient's side and toward the head).
    Walk {
        lateral: f32,
        cephalad: f32,
    },
    /// Press a fingertip on the skin at this point (RAS mm).
    Palpate(Vec3),
    /// Lift the finger.
    LiftFinger,
    /// Advance (or withdraw, negative) by `mm` under `force` newtons.
    Push {
        mm: f32,
        force: f32,
        twist: bool,
    },
    Submit,
    /// Take the stylet out of the cannula, or put it back.
    Stylet,
    /// Draw this many mL into the syringe.
    Pull(f32),
    /// Pick up the thin needle of the local anaesthetic, or put it down for the trocar.
    Anaesthetic,
    /// Leave this many mL of lidocaine at the thin needle's tip.
    Inject(f32),
    /// Take a step of the preparation checklist.
    Prepare(marrowsim_core::preparation::PrepStep),
    /// Mark the skin with the pen at this point (RAS mm).
    Mark(Vec3),
    /// Turn the trocar about its own axis where it stands (degrees).
    Turn(f32),
    /// Take an X-ray from this view of the scene's C-arm.
    Shoot(usize),
}

/// What one press of O turns the trocar (degrees): the quarter turn between pulls.
pub const TURN_DEG: f32 = 90.0;

/// What one press of I injects (mL); Shift gives the fine amount.
pub const INJECT_ML: f32 = 1.0;
pub const FINE_INJECT_ML: f32 = 0.5;

/// The volume the next pull draws (mL), chosen in the panel or with - and =.
#[derive(Resource, Clone, Copy, Debug, PartialEq)]
pub struct PullVolume(pub f32);

impl Default for PullVolume {
    fn default() -> Self {
        PullVolume(2.0)
    }
}

/// The pull volumes offered, up to the syringe's size (mL).
pub const PULL_CHOICES: [f32; 7] = [1.0, 2.0, 4.0, 5.0, 10.0, 20.0, 50.0];

pub fn pull_choices(syringe_ml: f32) -> impl Iterator<Item = f32> {
    PULL_CHOICES.into_iter().filter(move |&v| v <= syringe_ml)
}

/// Why the last pull was refused, for the panel.
#[derive(Resource, Clone, Debug, Default, PartialEq)]
pub struct PullRefusal(pub Option<String>);

/// Tilt steps (degrees) and push steps (mm); Shift gives the fine ones.
pub const COARSE_DEG: f32 = 2.0;
pub const FINE_DEG: f32 = 0.5;
pub const COARSE_MM: f32 = 1.0;
pub const FINE_MM: f32 = 0.25;
/// The push of W alone, and with F held (N): the cortex needs F, or W while twisting (T).
pub const PUSH_N: f32 = 250.0;
pub const FIRM_PUSH_N: f32 = 500.0;
/// Alt + drag tilts by this much per pixel (degrees); Shift gives a quarter of it.
pub const DRAG_DEG_PER_PX: f32 = 0.1;
/// A pixel-precise wheel (touchpad) scrolls this many pixels per wheel notch.
const PIXELS_PER_NOTCH: f32 = 40.0;

pub(super) fn plugin(app: &mut App) {
    if !app.is_plugin_added::<super::input_guard::MouseTravelPlugin>() {
        app.add_plugins(super::input_guard::MouseTravelPlugin);
    }
    app.add_message::<NeedleCommand>()
        .init_resource::<PullVolume>()
        .init_resource::<PullRefusal>()
        .add_systems(
            Update,
            (
                (
                    keyboard_commands.run_if(keyboard_free),
                    (click_to_place, mouse_commands).run_if(pointer_free),
                )
                    .run_if(not(resource_exists::<super::demo_view::Demo>))
                    .in_set(AppSystems::Input),
                apply_commands.in_set(AppSystems::Needle),
            ),
        );
}

/// Whether either key was down at some moment of this frame. A frame of a software renderer
/// can last half a second, and a quick Ctrl+click or Ctrl+arrow falls wholly inside one: the
/// modifier is already up when the frame looks, yet it was held for the click.
fn down(keys: &ButtonInput<KeyCode>, k: KeyCode) -> bool {
    keys.pressed(k) || keys.just_released(k)
}

fn held(keys: &ButtonInput<KeyCode>, a: KeyCode, b: KeyCode) -> bool {
    down(keys, a) || down(keys, b)
}

/// Whether the mouse works the needle (Alt held) rather than the camera.
pub fn needle_hand(keys: &ButtonInput<KeyCode>) -> bool {
    held(keys, KeyCode::AltLeft, KeyCode::AltRight)
}

/// The force and twist the held keys ask for.
fn push_style(keys: &ButtonInput<KeyCode>) -> (f32, bool) {
    let force = if down(keys, KeyCode::KeyF) {
        FIRM_PUSH_N
    } else {
        PUSH_N
    };
    (force, down(keys, KeyCode::KeyT))
}

/// Alt + left drag tilts the needle (right: lateral, up: cephalad); Alt + wheel advances it
/// (away from you) or withdraws it, a millimetre a notch (Shift: a quarter).
fn mouse_commands(
    keys: Option<Res<ButtonInput<KeyCode>>>,
    buttons: Option<Res<ButtonInput<MouseButton>>>,
    motion: Option<Res<MouseTravel>>,
    scroll: Option<Res<AccumulatedMouseScroll>>,
    mut out: MessageWriter<NeedleCommand>,
) {
    let Some(keys) = keys else { return };
    if !needle_hand(&keys) {
        return;
    }
    let fine = held(&keys, KeyCode::ShiftLeft, KeyCode::ShiftRight);
    let dragging = buttons.is_some_and(|b| b.pressed(MouseButton::Left));
    if let Some(m) = motion.map(|m| m.0).filter(|d| dragging && *d != Vec2::ZERO) {
        let k = if fine {
            DRAG_DEG_PER_PX * 0.25
        } else {
            DRAG_DEG_PER_PX
        };
        out.write(NeedleCommand::Tilt {
            lateral: m.x * k,
            cephalad: -m.y * k,
        });
    }
    if let Some(s) = scroll.filter(|s| s.delta.y != 0.0) {
        let notches = match s.unit {
            MouseScrollUnit::Line => s.delta.y,
            MouseScrollUnit::Pixel => s.delta.y / PIXELS_PER_NOTCH,
        };
        let step = if fine { FINE_MM } else { COARSE_MM };
        let (force, twist) = push_style(&keys);
        out.write(NeedleCommand::Push {
            mm: notches * step,
            force,
            twist,
        });
    }
}

/// How many times `key` went down since the last frame. On a software renderer a frame can
/// take half a second, and a trainee tapping W faster than that expects every tap to count.
fn taps(presses: &[KeyboardInput], key: KeyCode) -> usize {
    presses
        .iter()
        .filter(|p| p.key_code == key && p.state == ButtonState::Pressed && !p.repeat)
        .count()
        .min(MAX_TAPS_A_FRAME)
}

/// A burst of more taps than this in one frame is a stuck key, not a hand.
const MAX_TAPS_A_FRAME: usize = 10;

fn keyboard_commands(
    keys: Option<Res<ButtonInput<KeyCode>>>,
    mut presses: MessageReader<KeyboardInput>,
    session: Res<SessionState>,
    mut volume: ResMut<PullVolume>,
    c_arm: Option<Res<super::fluoroscopy_view::Fluoroscope>>,
    mut out: MessageWriter<NeedleCommand>,
) {
    let presses: Vec<KeyboardInput> = presses.read().cloned().collect();
    let Some(keys) = keys else { return };
    let fine = held(&keys, KeyCode::ShiftLeft, KeyCode::ShiftRight);
    let walking = held(&keys, KeyCode::ControlLeft, KeyCode::ControlRight);
    let deg = if fine { FINE_DEG } else { COARSE_DEG };
    let mm = if fine { FINE_MM } else { COARSE_MM };
    for (key, lateral, cephalad) in [
        (KeyCode::ArrowLeft, -1.0, 0.0),
        (KeyCode::ArrowRight, 1.0, 0.0),
        (KeyCode::ArrowUp, 0.0, 1.0),
        (KeyCode::ArrowDown, 0.0, -1.0),
    ] {
        for _ in 0..taps(&presses, key) {
            out.write(if walking {
                NeedleCommand::Walk {
                    lateral: lateral * mm,
                    cephalad: cephalad * mm,
                }
            } else {
                NeedleCommand::Tilt {
                    lateral: lateral * deg,
                    cephalad: cephalad * deg,
                }
            });
        }
    }
    let (force, twist) = push_style(&keys);
    for _ in 0..taps(&presses, KeyCode::KeyW) {
        out.write(NeedleCommand::Push { mm, force, twist });
    }
    for _ in 0..taps(&presses, KeyCode::KeyS) {
        out.write(NeedleCommand::Push {
            mm: -mm,
            force,
            twist,
        });
    }
    if keys.just_pressed(KeyCode::Enter) {
        out.write(NeedleCommand::Submit);
    }
    if keys.just_pressed(KeyCode::KeyX) {
        out.write(NeedleCommand::Stylet);
    }
    if keys.just_pressed(KeyCode::KeyA) {
        out.write(NeedleCommand::Anaesthetic);
    }
    for _ in 0..taps(&presses, KeyCode::KeyI) {
        out.write(NeedleCommand::Inject(if fine {
            FINE_INJECT_ML
        } else {
            INJECT_ML
        }));
    }
    if keys.just_pressed(KeyCode::KeyP) {
        out.write(NeedleCommand::Pull(volume.0));
    }
    if keys.just_pressed(KeyCode::KeyC) && session.0.scenario.c_arm().is_some() {
        out.write(NeedleCommand::Shoot(c_arm.map_or(0, |c| c.selected)));
    }
    if keys.just_pressed(KeyCode::KeyO) {
        out.write(NeedleCommand::Turn(if fine { -TURN_DEG } else { TURN_DEG }));
    }
    let step =
        i32::from(keys.just_pressed(KeyCode::Equal)) - i32::from(keys.just_pressed(KeyCode::Minus));
    if step != 0 {
        let syringe = session
            .0
            .scenario
            .aspiration
            .as_ref()
            .map(|a| a.syringe_ml)
            .unwrap_or(0.0);
        let choices: Vec<f32> = pull_choices(syringe).collect();
        if !choices.is_empty() {
            let at = choices.iter().position(|&v| v >= volume.0).unwrap_or(0) as i32;
            volume.0 = choices[(at + step).clamp(0, choices.len() as i32 - 1) as usize];
        }
    }
}

/// Left click on the skin with Ctrl held places the needle there.
fn click_to_place(
    buttons: Option<Res<ButtonInput<MouseButton>>>,
    keys: Option<Res<ButtonInput<KeyCode>>>,
    pointer: SkinPointer,
    mut out: MessageWriter<NeedleCommand>,
) {
    let (Some(buttons), Some(keys)) = (buttons, keys) else {
        return;
    };
    let ctrl = held(&keys, KeyCode::ControlLeft, KeyCode::ControlRight);
    if !(ctrl && buttons.just_pressed(MouseButton::Left)) {
        return;
    }
    if let Some(p) = pointer.skin_under_cursor() {
        out.write(NeedleCommand::Place(p));
    }
}

/// The skin point under the mouse cursor, in patient millimetres.
#[derive(bevy::ecs::system::SystemParam)]
pub struct SkinPointer<'w, 's> {
    windows: Query<'w, 's, &'static Window>,
    cameras: Query<'w, 's, (&'static Camera, &'static GlobalTransform), With<Camera3d>>,
    session: Res<'w, SessionState>,
    frame: Res<'w, PatientFrame>,
}

impl SkinPointer<'_, '_> {
    pub fn skin_under_cursor(&self) -> Option<Vec3> {
        let (Ok(window), Ok((camera, cam_tf))) = (self.windows.single(), self.cameras.single())
        else {
            return None;
        };
        let ray = camera
            .viewport_to_world(cam_tf, window.cursor_position()?)
            .ok()?;
        let origin = self.frame.to_ras(ray.origin);
        let dir = self.frame.to_ras(*ray.direction);
        self.session.0.anatomy.raycast_skin(origin, dir, 5000.0)
    }
}

fn apply_commands(
    time: Res<Time>,
    mut commands_in: MessageReader<NeedleCommand>,
    mut session: ResMut<SessionState>,
    mut refusal: ResMut<PullRefusal>,
) {
    let t = time.elapsed_secs();
    for c in commands_in.read() {
        let s = &mut session.0;
        if s.score.is_some() {
            continue;
        }
        match *c {
            NeedleCommand::Place(p) => s.place(p, t),
            // A refused move leaves its reason in the session's notice, which the panel shows.
            NeedleCommand::Tilt { lateral, cephalad } => {
                s.tilt(lateral, cephalad, t).ok();
            }
            NeedleCommand::Walk { lateral, cephalad } => {
                s.walk(lateral, cephalad, t).ok();
            }
            NeedleCommand::Palpate(p) => {
                s.palpate(p, t);
            }
            NeedleCommand::LiftFinger => s.lift_finger(),
            NeedleCommand::Push { mm, force, twist } => {
                s.push(mm, force, twist, t);
            }
            NeedleCommand::Submit => {
                if let Err(e) = s.submit(t) {
                    warn!("the attempt could not be marked: {e}");
                }
            }
            NeedleCommand::Stylet => s.toggle_stylet(),
            NeedleCommand::Pull(ml) => {
                refusal.0 = s.pull(ml, t).err();
            }
            NeedleCommand::Anaesthetic => {
                if let Err(e) = s.toggle_anaesthetic(t) {
                    s.notice = Some(e);
                }
            }
            NeedleCommand::Inject(ml) => {
                s.notice = s.inject(ml, t).err();
            }
            NeedleCommand::Prepare(step) => {
                s.notice = s.prepare(step, t).err();
            }
            NeedleCommand::Mark(p) => {
                s.notice = s.mark(p, t).err();
            }
            NeedleCommand::Turn(deg) => {
                s.notice = s.turn(deg, t).err();
            }
            NeedleCommand::Shoot(view) => {
                s.notice = s.shoot(view, t).err();
            }
        }
    }
}
