//! The 3D view drawn below the window's resolution and upscaled, for a software renderer.
//! Lavapipe shades every pixel on the CPU, so a view at half the width and height costs about
//! a quarter of the fragments. The camera renders into an image, and the image is painted
//! under the panels, stretched over the part of the window the panels leave free.
//!
//! The image's scale factor is the window's times the render scale, so the camera's logical
//! size stays the view's size in the window: picking and labels use window coordinates as
//! they do at full resolution.

use super::render_profile::RenderScale;
use super::viewport::ViewportRect;
use bevy::camera::visibility::RenderLayers;
use bevy::camera::{ImageRenderTarget, RenderTarget};
use bevy::prelude::*;
use bevy::render::render_resource::TextureFormat;

/// The render layer that only the panels' camera sees: the upscaled view's sprite.
pub const VIEW_LAYER: usize = 7;

/// In `Update`, before Bevy's `camera_system` reads the target in `PostUpdate`: a target
/// changed after it is drawn with the old size's depth buffer, which wgpu refuses.
pub(super) fn plugin(app: &mut App) {
    app.add_systems(Update, fit_target.in_set(super::AppSystems::View));
}

/// The sprite that shows the 3D camera's image while the view is scaled. A sprite, not an
/// egui image: egui's shader converts every pixel to gamma space and back, two `pow`s a
/// channel, which on a software renderer cost more than the scaled 3D view saved.
#[derive(Component)]
struct ViewSprite {
    size: UVec2,
    /// A new image the camera draws into, shown once it holds a frame (a fresh image is
    /// blank, and showing it at once would flash the background at every step of the scale).
    pending: Option<(Handle<Image>, u8)>,
}

/// Frames between pointing the camera at a new image and showing it.
const SWAP_AFTER: u8 = 2;

/// Point the 3D camera at the part of the window left of the panel, so the patient is centred
/// in what the trainee can see; or, in a scaled profile, at an image of that size times the
/// render scale, shown by a sprite on the panels' camera.
#[allow(clippy::too_many_arguments)]
fn fit_target(
    mut commands: Commands,
    scale: Res<RenderScale>,
    viewport: Res<ViewportRect>,
    windows: Query<&Window, With<bevy::window::PrimaryWindow>>,
    mut cameras: Query<(&mut Camera, &mut RenderTarget), With<Camera3d>>,
    mut ui_cameras: Query<&mut Camera, (With<bevy_egui::PrimaryEguiContext>, Without<Camera3d>)>,
    mut sprites: Query<(Entity, &mut ViewSprite, &mut Sprite, &mut Transform)>,
    mut images: ResMut<Assets<Image>>,
) {
    let Ok(window) = windows.single() else {
        return;
    };
    let Ok((mut camera, mut target)) = cameras.single_mut() else {
        return;
    };
    let logical = Vec2::new(viewport.0.width().min(window.width()), window.height());
    let physical = Vec2::new(
        logical.x * window.scale_factor(),
        window.physical_height() as f32,
    );
    let size = (physical * scale.value).round().as_uvec2().max(UVec2::ONE);
    let want_image = scale.value < 1.0 && logical.x >= 1.0 && logical.y >= 1.0;
    // Nothing else draws to the window while the view is scaled, so the panels' camera
    // clears it.
    for mut ui in &mut ui_cameras {
        if let bevy::camera::CameraOutputMode::Write { clear_color, .. } = &mut ui.output_mode
            && matches!(clear_color, ClearColorConfig::None) == want_image
        {
            *clear_color = if want_image {
                ClearColorConfig::Default
            } else {
                ClearColorConfig::None
            };
        }
    }
    let current = sprites.single_mut().ok();
    if !want_image {
        if let Some((entity, ..)) = current {
            commands.entity(entity).despawn();
            *target = RenderTarget::Window(bevy::window::WindowRef::Primary);
        }
        let size = physical.as_uvec2();
        let current = camera.viewport.as_ref().map(|v| v.physical_size);
        if size.x > 0 && size.y > 0 && current != Some(size) {
            camera.viewport = Some(bevy::camera::Viewport {
                physical_position: UVec2::ZERO,
                physical_size: size,
                ..default()
            });
        }
        return;
    }
    // The panels' camera puts the window's centre at the origin, y up, in logical pixels.
    let centre = Vec3::new((logical.x - window.width()) / 2.0, 0.0, 0.0);
    let mut image = || {
        let mut image =
            Image::new_target_texture(size.x, size.y, TextureFormat::Rgba8UnormSrgb, None);
        image.sampler = bevy::image::ImageSampler::linear();
        images.add(image)
    };
    let mut aim = |handle: &Handle<Image>| {
        camera.viewport = None;
        *target = RenderTarget::Image(ImageRenderTarget {
            handle: handle.clone(),
            scale_factor: size.x as f32 / logical.x,
        });
    };
    let Some((_, mut view, mut sprite, mut transform)) = current else {
        let image = image();
        aim(&image);
        commands.spawn((
            ViewSprite {
                size,
                pending: None,
            },
            Sprite {
                image,
                custom_size: Some(logical),
                ..default()
            },
            Transform::from_translation(centre),
            RenderLayers::layer(VIEW_LAYER),
        ));
        return;
    };
    if view.size != size {
        let image = image();
        aim(&image);
        view.size = size;
        view.pending = Some((image, SWAP_AFTER));
    } else if let Some((image, wait)) = view.pending.take() {
        if wait == 0 {
            sprite.image = image;
        } else {
            view.pending = Some((image, wait - 1));
        }
    }
    if sprite.custom_size != Some(logical) {
        sprite.custom_size = Some(logical);
    }
    if transform.translation != centre {
        transform.translation = centre;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bevy::window::PrimaryWindow;
    use bevy_egui::egui;

    fn app(scale: f32) -> App {
        let mut app = App::new();
        app.add_plugins((MinimalPlugins, bevy::asset::AssetPlugin::default()))
            .init_asset::<Image>()
            .insert_resource(RenderScale::pinned(Some(scale)))
            .insert_resource(ViewportRect(egui::Rect::from_min_size(
                egui::Pos2::ZERO,
                egui::vec2(900.0, 800.0),
            )))
            .add_systems(Update, fit_target);
        app.world_mut().spawn((
            Window {
                resolution: (1280, 800).into(),
                ..default()
            },
            PrimaryWindow,
        ));
        app.world_mut().spawn(Camera3d::default());
        app
    }

    fn camera_target(app: &mut App) -> (RenderTarget, Option<UVec2>) {
        let mut q = app
            .world_mut()
            .query_filtered::<(&Camera, &RenderTarget), With<Camera3d>>();
        let (camera, target) = q.single(app.world()).expect("one 3D camera");
        (
            target.clone(),
            camera.viewport.as_ref().map(|v| v.physical_size),
        )
    }

    #[test]
    fn a_scaled_view_draws_into_a_smaller_image_that_a_sprite_stretches_over_the_view() {
        let mut app = app(0.5);
        app.update();
        let (target, viewport) = camera_target(&mut app);
        let RenderTarget::Image(image) = target else {
            panic!("the 3D camera should draw into an image, not {target:?}");
        };
        assert_eq!(viewport, None);
        let size = app
            .world()
            .resource::<Assets<Image>>()
            .get(&image.handle)
            .map(|i| i.size());
        assert_eq!(size, Some(UVec2::new(450, 400)), "half the view's 900x800");
        assert_eq!(
            image.scale_factor, 0.5,
            "so the camera's logical size is the view's"
        );
        let mut sprites = app.world_mut().query::<(&Sprite, &Transform)>();
        let (sprite, transform) = sprites.single(app.world()).expect("one sprite");
        assert_eq!(sprite.custom_size, Some(Vec2::new(900.0, 800.0)));
        assert_eq!(transform.translation.x, (900.0 - 1280.0) / 2.0);

        app.insert_resource(RenderScale::pinned(Some(1.0)));
        app.update();
        let (target, viewport) = camera_target(&mut app);
        assert!(matches!(target, RenderTarget::Window(_)), "{target:?}");
        assert_eq!(viewport, Some(UVec2::new(900, 800)));
        let mut sprites = app.world_mut().query::<&Sprite>();
        assert_eq!(sprites.iter(app.world()).count(), 0, "the sprite is gone");
    }

    #[test]
    fn a_new_scale_is_shown_only_once_the_camera_has_drawn_into_it() {
        let mut app = app(0.5);
        app.update();
        let first = app
            .world_mut()
            .query::<&Sprite>()
            .single(app.world())
            .expect("one sprite")
            .image
            .clone();
        app.insert_resource(RenderScale::pinned(Some(0.4)));
        app.update();
        let (RenderTarget::Image(drawn), _) = camera_target(&mut app) else {
            panic!("still an image");
        };
        assert_ne!(
            drawn.handle, first,
            "the camera draws into the new image at once"
        );
        let shown = |app: &mut App| {
            app.world_mut()
                .query::<&Sprite>()
                .single(app.world())
                .expect("one sprite")
                .image
                .clone()
        };
        assert_eq!(shown(&mut app), first, "the old image stays on show");
        for _ in 0..=SWAP_AFTER {
            app.update();
        }
        assert_eq!(shown(&mut app), drawn.handle);
    }
}
