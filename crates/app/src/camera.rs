//! Orbit camera: drag to orbit, right-drag to pan, scroll to zoom, number keys for views.

use super::anatomy_view::PatientFrame;
use super::input_guard::MouseTravel;
use super::input_guard::{keyboard_free, pointer_free};
use super::session::SessionState;
use bevy::input::mouse::AccumulatedMouseScroll;
use bevy::prelude::*;
use marrowsim_core::needle::Pose;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ViewPreset {
    Posterior,
    Lateral,
    Superior,
    Anterior,
    /// Down the needle's axis, from behind its handle.
    NeedleEye,
}

impl ViewPreset {
    /// The view a trainee starts from: the back for the PSIS, the front for the anterior crest.
    pub fn for_approach(approach: marrowsim_core::scenario::Approach) -> ViewPreset {
        match approach {
            marrowsim_core::scenario::Approach::PosteriorIliacCrest => ViewPreset::Posterior,
            marrowsim_core::scenario::Approach::AnteriorIliacCrest => ViewPreset::Anterior,
        }
    }
}

#[derive(Resource, Clone, Copy)]
pub struct StartView(pub ViewPreset);

/// Orbit state in Bevy world units (mm), around `target`.
#[derive(Component, Clone, Copy, Debug)]
pub struct OrbitCamera {
    pub target: Vec3,
    pub yaw: f32,
    pub pitch: f32,
    pub distance: f32,
}

impl OrbitCamera {
    /// A preset view of the patient as they lie: the eye's direction from the pelvis is given
    /// in the patient's axes (RAS) and turned into the world by `frame`.
    pub fn preset(view: ViewPreset, frame: &PatientFrame, needle: Option<Pose>) -> OrbitCamera {
        let centre = Vec3::new(0.0, -60.0, 0.0);
        let (eye_dir, target, distance) = match (view, needle) {
            (ViewPreset::NeedleEye, Some(p)) => {
                ((-p.direction + Vec3::Z * 0.4).normalize(), p.tip(), 380.0)
            }
            (ViewPreset::Posterior | ViewPreset::NeedleEye, _) => {
                (Vec3::new(0.0, -1.0, -0.15), centre, 720.0)
            }
            (ViewPreset::Lateral, _) => (Vec3::new(-1.0, 0.0, 0.1), centre, 720.0),
            (ViewPreset::Superior, _) => (Vec3::new(0.0, -0.12, 1.0), centre, 720.0),
            (ViewPreset::Anterior, _) => (Vec3::new(0.0, 1.0, -0.15), centre, 720.0),
        };
        let d = (frame.0.rotation * eye_dir).normalize();
        OrbitCamera {
            target: frame.point(target),
            yaw: d.x.atan2(d.z),
            pitch: d.y.clamp(-1.0, 1.0).asin().clamp(-1.45, 1.45),
            distance,
        }
    }

    pub fn transform(&self) -> Transform {
        let rot = Quat::from_rotation_y(self.yaw) * Quat::from_rotation_x(-self.pitch);
        let eye = self.target + rot * Vec3::new(0.0, 0.0, self.distance);
        Transform::from_translation(eye).looking_at(self.target, Vec3::Y)
    }
}

pub(super) fn plugin(app: &mut App) {
    if !app.is_plugin_added::<super::input_guard::MouseTravelPlugin>() {
        app.add_plugins(super::input_guard::MouseTravelPlugin);
    }
    app.add_systems(Startup, spawn_camera).add_systems(
        Update,
        (
            preset_keys.run_if(keyboard_free),
            orbit_mouse.run_if(pointer_free),
            reframe.run_if(
                resource_changed::<PatientFrame>.and_then(not(resource_added::<PatientFrame>)),
            ),
            apply_orbit,
            no_msaa_in_software,
        )
            .chain()
            .in_set(super::AppSystems::View),
    );
}

fn spawn_camera(
    mut commands: Commands,
    start: Option<Res<StartView>>,
    frame: Res<PatientFrame>,
    session: Option<Res<SessionState>>,
) {
    let view = start.map(|s| s.0).unwrap_or(ViewPreset::Posterior);
    let orbit = OrbitCamera::preset(view, &frame, session.and_then(|s| s.0.pose()));
    commands.spawn((
        Camera3d::default(),
        Projection::Perspective(PerspectiveProjection {
            fov: 0.6,
            near: 5.0,
            far: 5000.0,
            ..default()
        }),
        orbit.transform(),
        orbit,
        children![headlight()],
    ));
}

/// A light that rides with the camera, a little above and to the left of it, as in a
/// radiology workstation: whatever the view, the surface facing the trainee is lit, so a
/// slope turned away from the fixed lights reads as a slope, not as a dark crease.
fn headlight() -> impl Bundle {
    (
        DirectionalLight {
            illuminance: 4000.0,
            ..default()
        },
        Transform::from_rotation(Quat::from_euler(EulerRot::YXZ, 0.25, 0.3, 0.0)),
    )
}

/// A software renderer (lavapipe, on machines with no GPU) shades every pixel on the CPU,
/// and 4× MSAA there nearly triples the frame time (measured at 1280×720: 1277 → 463 ms).
/// The software profile turns it off too, wherever it was chosen.
fn no_msaa_in_software(
    info: Option<Res<bevy::render::renderer::RenderAdapterInfo>>,
    profile: Option<Res<super::render_profile::RenderProfile>>,
    mut cameras: Query<&mut Msaa, With<Camera3d>>,
) {
    let cpu = info.is_some_and(|i| i.0.device_type == wgpu_types::DeviceType::Cpu);
    let software = profile.is_some_and(|p| *p == super::render_profile::RenderProfile::Software);
    let want = if cpu || software {
        Msaa::Off
    } else {
        Msaa::default()
    };
    for mut msaa in &mut cameras {
        msaa.set_if_neq(want);
    }
}

/// The patient was turned (another scene's position): look again from the view that suits
/// the new scene's approach.
fn reframe(
    mut cameras: Query<&mut OrbitCamera>,
    frame: Res<PatientFrame>,
    session: Option<Res<SessionState>>,
) {
    let view = session
        .map(|s| ViewPreset::for_approach(s.0.scenario.approach))
        .unwrap_or(ViewPreset::Posterior);
    for mut orbit in &mut cameras {
        *orbit = OrbitCamera::preset(view, &frame, None);
    }
}

fn preset_keys(
    keys: Option<Res<ButtonInput<KeyCode>>>,
    mut cameras: Query<&mut OrbitCamera>,
    frame: Res<PatientFrame>,
    session: Option<Res<SessionState>>,
) {
    let (Some(keys), Ok(mut orbit)) = (keys, cameras.single_mut()) else {
        return;
    };
    for (key, view) in [
        (KeyCode::Digit1, ViewPreset::Posterior),
        (KeyCode::Digit2, ViewPreset::Lateral),
        (KeyCode::Digit3, ViewPreset::Superior),
        (KeyCode::Digit4, ViewPreset::Anterior),
        (KeyCode::Digit5, ViewPreset::NeedleEye),
    ] {
        if keys.just_pressed(key) {
            let pose = session.as_ref().and_then(|s| s.0.pose());
            *orbit = OrbitCamera::preset(view, &frame, pose);
        }
    }
}

/// Left drag orbits, right drag pans, the wheel zooms; not while Alt hands the mouse to the
/// needle.
fn orbit_mouse(
    buttons: Option<Res<ButtonInput<MouseButton>>>,
    keys: Option<Res<ButtonInput<KeyCode>>>,
    motion: Option<Res<MouseTravel>>,
    scroll: Option<Res<AccumulatedMouseScroll>>,
    mut cameras: Query<&mut OrbitCamera>,
) {
    let Ok(mut orbit) = cameras.single_mut() else {
        return;
    };
    if keys.is_some_and(|k| super::session::needle_hand(&k)) {
        return;
    }
    let delta = motion.map(|m| m.0).unwrap_or(Vec2::ZERO);
    if let Some(buttons) = buttons {
        if buttons.pressed(MouseButton::Left) && delta != Vec2::ZERO {
            orbit.yaw -= delta.x * 0.006;
            orbit.pitch = (orbit.pitch + delta.y * 0.006).clamp(-1.5, 1.5);
        }
        if buttons.pressed(MouseButton::Right) && delta != Vec2::ZERO {
            let rot = Quat::from_rotation_y(orbit.yaw) * Quat::from_rotation_x(-orbit.pitch);
            let scale = orbit.distance * 0.0015;
            orbit.target += rot * Vec3::new(-delta.x * scale, delta.y * scale, 0.0);
        }
    }
    if let Some(scroll) = scroll.filter(|s| s.delta.y != 0.0) {
        orbit.distance = (orbit.distance * (1.0 - scroll.delta.y * 0.1)).clamp(80.0, 2500.0);
    }
}

fn apply_orbit(mut cameras: Query<(&OrbitCamera, &mut Transform), Changed<OrbitCamera>>) {
    for (orbit, mut transform) in &mut cameras {
        *transform = orbit.transform();
    }
}
