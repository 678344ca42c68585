//! Input belongs to the panels while the pointer is over one or a text field has focus; the
//! 3D view and the needle take it only otherwise. The trainee panel records the claim each
//! frame; with no panel (headless tests) input is always free.

use bevy::prelude::*;

/// What the panels claimed in the last frame.
#[derive(Resource, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UiClaims {
    /// The pointer is over a panel or window, or dragging one of its widgets.
    pub pointer: bool,
    /// A text field has the keyboard.
    pub keyboard: bool,
}

pub fn keyboard_free(claims: Option<Res<UiClaims>>) -> bool {
    claims.is_none_or(|c| !c.keyboard)
}

pub fn pointer_free(claims: Option<Res<UiClaims>>) -> bool {
    claims.is_none_or(|c| !c.pointer)
}
