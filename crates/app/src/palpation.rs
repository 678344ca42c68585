//! Palpation: hold Q and move the mouse over the skin. The fingertip follows the cursor and
//! the panel says what it feels; on the skin a ring tightens over bone near the surface, so
//! that the PSIS can be found without seeing the bone (assessment hides it).

use super::AppSystems;
use super::anatomy_view::PatientFrame;
use super::input_guard::{keyboard_free, pointer_free};
use super::needle_view::GuideGizmos;
use super::session::{NeedleCommand, SessionState, SkinPointer};
use bevy::prelude::*;
use marrowsim_core::anatomy::palpation::{Feel, REACH_MM};

/// The key held to palpate.
pub const PALPATE_KEY: KeyCode = KeyCode::KeyQ;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(
        Update,
        (
            finger_follows_cursor
                .run_if(keyboard_free)
                .run_if(pointer_free)
                .in_set(AppSystems::Input),
            draw_cue.in_set(AppSystems::Follow),
        ),
    );
}

fn finger_follows_cursor(
    keys: Option<Res<ButtonInput<KeyCode>>>,
    pointer: SkinPointer,
    mut out: MessageWriter<NeedleCommand>,
) {
    let Some(keys) = keys else { return };
    if keys.just_released(PALPATE_KEY) {
        out.write(NeedleCommand::LiftFinger);
    }
    if keys.pressed(PALPATE_KEY)
        && let Some(p) = pointer.skin_under_cursor()
    {
        out.write(NeedleCommand::Palpate(p));
    }
}

/// The cue's rings (mm): the outer one's radius follows the felt depth of bone, from
/// `WIDE_MM` with none in reach down to `TIGHT_MM` with bone right under the skin.
const WIDE_MM: f32 = 30.0;
const TIGHT_MM: f32 = 5.0;

/// The ring's radius for what the finger feels: tighter the closer and clearer the bone.
pub fn cue_radius(feel: &Feel) -> f32 {
    match feel.depth {
        Some(d) => {
            let near = (1.0 - d / REACH_MM).clamp(0.0, 1.0) * feel.clarity;
            WIDE_MM + (TIGHT_MM - WIDE_MM) * near
        }
        None => WIDE_MM,
    }
}

fn draw_cue(session: Res<SessionState>, frame: Res<PatientFrame>, mut gizmos: Gizmos<GuideGizmos>) {
    let Some(feel) = session.0.finger else {
        return;
    };
    let w = frame.0;
    let at = w.transform_point(feel.at - feel.inward * 0.5);
    let rot = Quat::from_rotation_arc(Vec3::Z, w.rotation * -feel.inward);
    let warm = Color::srgb(1.0, 0.55 + 0.35 * (1.0 - feel.clarity), 0.15);
    gizmos.circle(Isometry3d::new(at, rot), cue_radius(&feel), warm);
    gizmos.circle(Isometry3d::new(at, rot), 1.5, Color::WHITE);
    if feel.prominence > 1.5 {
        // A prominence: a second ring inside, as the bone stands up under the finger.
        gizmos.circle(Isometry3d::new(at, rot), cue_radius(&feel) * 0.5, warm);
    }
    if feel.slope > 0.1 && feel.rises_toward != Vec3::ZERO {
        let to = feel.at + feel.rises_toward * (6.0 + 20.0 * feel.slope.min(1.0));
        gizmos.arrow(at, w.transform_point(to - feel.inward * 0.5), warm);
    }
}
