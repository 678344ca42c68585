//! The window split between the 3D view and the panels. egui gets a camera of its own, so the
//! 3D camera can be narrowed to the part of the window the panel leaves free (`scaled_view`
//! fits it). After the panels are drawn, what they claimed (the pointer over a panel, the
//! keyboard for a text field) is recorded for the input systems.

use super::input_guard::UiClaims;
use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

pub(super) fn plugin(app: &mut App) {
    app.insert_resource(bevy_egui::EguiGlobalSettings {
        auto_create_primary_context: false,
        ..default()
    })
    .init_resource::<UiClaims>()
    .init_resource::<ViewportRect>()
    .add_systems(Startup, spawn_ui_camera)
    .add_systems(
        EguiPrimaryContextPass,
        claim_input.in_set(super::UiSystems::Claim),
    );
}

fn spawn_ui_camera(mut commands: Commands) {
    use bevy::camera::CameraOutputMode;
    use bevy::camera::visibility::RenderLayers;
    use bevy::render::render_resource::BlendState;
    commands.spawn((
        bevy_egui::PrimaryEguiContext,
        Camera2d,
        // egui feathers its own edges; 4x MSAA at the window's size would only cost, and on a
        // software renderer it costs the most.
        Msaa::Off,
        // Only the upscaled 3D view's sprite, when the view is scaled.
        RenderLayers::layer(super::scaled_view::VIEW_LAYER),
        Camera {
            order: 1,
            output_mode: CameraOutputMode::Write {
                blend_state: Some(BlendState::ALPHA_BLENDING),
                clear_color: ClearColorConfig::None,
            },
            clear_color: ClearColorConfig::Custom(Color::NONE),
            ..default()
        },
    ));
}

/// The part of the window the 3D view still has after the side panel.
#[derive(Resource, Clone, Copy, Debug)]
pub struct ViewportRect(pub egui::Rect);

impl Default for ViewportRect {
    fn default() -> Self {
        ViewportRect(egui::Rect::EVERYTHING)
    }
}

fn claim_input(
    mut contexts: EguiContexts,
    viewport: Res<ViewportRect>,
    mut claims: ResMut<UiClaims>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let hover = ctx.pointer_hover_pos();
    let over_window = hover.is_some_and(|p| {
        ctx.layer_id_at(p)
            .is_some_and(|l| l.order != egui::Order::Background)
    });
    let v = viewport.0;
    let now = UiClaims {
        pointer: over_window || ctx.egui_is_using_pointer(),
        keyboard: ctx.egui_wants_keyboard_input(),
        over_panel: hover.is_some_and(|p| !v.contains(p)),
        view: Some(Rect::new(v.min.x, v.min.y, v.max.x, v.max.y)),
    };
    claims.set_if_neq(now);
    Ok(())
}
