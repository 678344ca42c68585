//! The controls overlay (H or F1): every control in one place, as the README lists them. L
//! toggles the landmark labels from here too.

use super::input_guard::keyboard_free;
use super::labels::LabelsOn;
use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<HelpOpen>()
        .add_systems(
            Update,
            toggle_help
                .run_if(keyboard_free)
                .in_set(super::AppSystems::Input),
        )
        .add_systems(
            EguiPrimaryContextPass,
            help_overlay.in_set(super::UiSystems::Draw),
        );
}

#[derive(Resource, Default)]
pub struct HelpOpen(pub bool);

fn toggle_help(
    keys: Option<Res<ButtonInput<KeyCode>>>,
    mut open: ResMut<HelpOpen>,
    mut labels: ResMut<LabelsOn>,
) {
    let Some(k) = keys else { return };
    if k.just_pressed(KeyCode::KeyH) || k.just_pressed(KeyCode::F1) {
        open.0 = !open.0;
    }
    if k.just_pressed(KeyCode::KeyL) {
        labels.0 = !labels.0;
    }
}

/// Every control, in one place (H or F1, and the README).
pub const CONTROLS: [(&str, &str); 28] = [
    (
        "hold Q + move",
        "palpate: the finger feels for bone under the cursor",
    ),
    (
        "M",
        "mark the skin under the cursor with the pen (scenes with a preparation)",
    ),
    ("Ctrl + click skin", "place the needle there, straight in"),
    (
        "Left / Right arrow",
        "tilt medially / laterally (2°; Shift 0.5°); on bone the hub swings about the tip",
    ),
    ("Up / Down arrow", "tilt toward the head / the feet"),
    (
        "Ctrl + arrows",
        "with the tip on the bone: walk it 1 mm (Shift 0.25 mm)",
    ),
    (
        "Alt + left drag",
        "tilt the needle with the mouse (Shift: finer)",
    ),
    ("W / S", "advance / withdraw 1 mm (Shift 0.25 mm) at 250 N"),
    (
        "Alt + wheel",
        "advance / withdraw 1 mm a notch (Shift 0.25 mm)",
    ),
    ("hold F", "push firmly, 500 N"),
    ("hold T", "twist: the cortex yields to half the push"),
    (
        "A",
        "pick up the thin needle of the local anaesthetic, or put it down for the trocar",
    ),
    ("I", "inject 1 mL of lidocaine at its tip (Shift 0.5 mL)"),
    ("X", "take the stylet out of the trocar, or put it back"),
    (
        "P",
        "pull the chosen volume into the syringe (- and = choose it)",
    ),
    (
        "O",
        "turn the trocar a quarter turn where it stands (Shift: back)",
    ),
    (
        "C",
        "take an X-ray from the chosen C-arm view (scenes under fluoroscopy)",
    ),
    ("Enter", "submit the site"),
    ("R", "retry: the same scene and patient"),
    ("N", "a new patient for this scene"),
    ("Page Down", "the next scene"),
    ("E", "open or close the scene editor (practice scenes)"),
    ("L", "landmark labels (practice only)"),
    ("left drag", "orbit the view"),
    ("right drag / wheel", "pan / zoom"),
    (
        "1 2 3 4 5",
        "posterior, lateral, superior, anterior, needle's-eye view",
    ),
    ("F12", "save a screenshot (marrowsim-<time>.png)"),
    ("H or F1", "show or hide this help"),
];

fn help_overlay(mut contexts: EguiContexts, mut open: ResMut<HelpOpen>) -> Result {
    if !open.0 {
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?;
    let mut still_open = true;
    egui::Window::new("Controls")
        .open(&mut still_open)
        .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
        .show(ctx, |ui| {
            egui::Grid::new("controls")
                .num_columns(2)
                .striped(true)
                .show(ui, |ui| {
                    for (key, what) in CONTROLS {
                        ui.label(egui::RichText::new(key).strong());
                        ui.label(what);
                        ui.end_row();
                    }
                });
        });
    open.0 = still_open;
    Ok(())
}

#[cfg(test)]
mod tests {
    /// Every character of the controls list must exist in egui's built-in fonts, or the
    /// overlay shows empty boxes (the arrows once did).
    #[test]
    fn the_controls_list_draws_with_the_built_in_fonts() {
        use ab_glyph::{Font, FontRef};
        let fonts: Vec<FontRef> = [
            epaint_default_fonts::UBUNTU_LIGHT,
            epaint_default_fonts::NOTO_EMOJI_REGULAR,
            epaint_default_fonts::EMOJI_ICON,
        ]
        .into_iter()
        .map(|bytes| FontRef::try_from_slice(bytes).expect("font"))
        .collect();
        for (key, what) in super::CONTROLS {
            for c in key
                .chars()
                .chain(what.chars())
                .filter(|c| !c.is_whitespace())
            {
                assert!(
                    fonts.iter().any(|f| f.glyph_id(c).0 != 0),
                    "{c:?} in {key:?}: no glyph in egui's fonts"
                );
            }
        }
    }
}
