//! Input belongs to the panels while the pointer is over one or a text field has focus; the
//! 3D view and the needle take it only otherwise. The trainee panel records the claim each
//! frame; with no panel (headless tests) input is always free.

use bevy::input::mouse::AccumulatedMouseMotion;
use bevy::prelude::*;
use bevy::window::CursorMoved;

/// What the panels claimed in the last frame.
#[derive(Resource, Clone, Copy, Debug, Default, PartialEq)]
pub struct UiClaims {
    /// The pointer is over a floating window or popup, or dragging one of a panel's widgets.
    pub pointer: bool,
    /// A text field has the keyboard.
    pub keyboard: bool,
    /// The pointer was over the side panel.
    pub over_panel: bool,
    /// The part of the window left to the 3D view (logical pixels), when a panel reports it.
    pub view: Option<Rect>,
}

pub fn keyboard_free(claims: Option<Res<UiClaims>>) -> bool {
    claims.is_none_or(|c| !c.keyboard)
}

/// Whether the pointer's input is the 3D view's. The panel's edge is checked against where the
/// cursor is now, not where it was when the panel last drew: at two frames a second a click
/// made just after moving off the panel was lost, and a wheel turned just after moving onto it
/// zoomed the view.
pub fn pointer_free(
    claims: Option<Res<UiClaims>>,
    windows: Query<&Window, With<bevy::window::PrimaryWindow>>,
) -> bool {
    let Some(c) = claims else {
        return true;
    };
    let cursor = windows.single().ok().and_then(Window::cursor_position);
    match (c.view, cursor) {
        (Some(view), Some(p)) => view.contains(p) && !c.pointer,
        _ => !(c.pointer || c.over_panel),
    }
}

/// How far the mouse moved this frame, for drags: the raw motion when the system reports it,
/// else the cursor's travel in the window (remote desktops, VNC and XTest report no raw motion,
/// and a drag would do nothing).
#[derive(Resource, Clone, Copy, Debug, Default, PartialEq)]
pub struct MouseTravel(pub Vec2);

/// Keeps [`MouseTravel`]; added by every plugin that reads it.
pub struct MouseTravelPlugin;

impl Plugin for MouseTravelPlugin {
    fn build(&self, app: &mut App) {
        app.add_message::<CursorMoved>()
            .init_resource::<MouseTravel>()
            .add_systems(PreUpdate, track_mouse.after(bevy::input::InputSystems));
    }
}

fn track_mouse(
    raw: Option<Res<AccumulatedMouseMotion>>,
    mut moved: MessageReader<CursorMoved>,
    mut travel: ResMut<MouseTravel>,
) {
    let cursor: Vec2 = moved.read().filter_map(|m| m.delta).sum();
    let raw = raw.map(|r| r.delta).unwrap_or(Vec2::ZERO);
    travel.set_if_neq(MouseTravel(if raw != Vec2::ZERO { raw } else { cursor }));
}
