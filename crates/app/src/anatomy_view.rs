//! Meshes of the bone, skin and hazards, built from the core's distance fields.

use super::CurrentAnatomy;
use super::render_profile::RenderProfile;
use bevy::asset::RenderAssetUsages;
use bevy::mesh::{Indices, PrimitiveTopology};
use bevy::prelude::*;
use marrowsim_core::anatomy::Hazard;
use marrowsim_core::geometry::mesh::{TriMesh, build_meshes_at};

/// Root of the patient's meshes: maps RAS millimetres onto Bevy's Y-up world.
#[derive(Component)]
pub struct PatientRoot;

#[derive(Component)]
pub struct SkinMesh;

#[derive(Component)]
pub struct BoneMesh;

/// A hazard's mesh; in practice the current site's hazards glow.
#[derive(Component, Clone, Copy, Debug)]
pub struct HazardMesh(pub Hazard);

/// How opaque the skin is in practice (0 to 1); assessment always shows it opaque.
#[derive(Resource, Clone, Copy, Debug, PartialEq)]
pub struct SkinOpacity(pub f32);

impl Default for SkinOpacity {
    fn default() -> Self {
        SkinOpacity(0.25)
    }
}

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<PatientFrame>()
        .init_resource::<SkinOpacity>()
        .add_systems(Startup, spawn_lights)
        .add_systems(
            Update,
            (
                spawn_anatomy.run_if(
                    resource_changed::<CurrentAnatomy>.or_eager(resource_changed::<RenderProfile>),
                ),
                follow_frame.run_if(resource_changed::<PatientFrame>),
                (skin_opacity, highlight_hazards).run_if(
                    resource_changed::<SkinOpacity>
                        .or_eager(resource_changed::<CurrentAnatomy>)
                        .or_eager(resource_changed::<RenderProfile>)
                        .or_eager(resource_exists_and_changed::<super::session::SessionState>),
                ),
            )
                .chain()
                .in_set(super::AppSystems::View),
        );
}

/// RAS (x right, y anterior, z superior) to Bevy (x right, y up, z toward a viewer behind),
/// for a standing patient.
pub fn ras_to_world() -> Transform {
    Transform::from_rotation(Quat::from_rotation_x(-std::f32::consts::FRAC_PI_2))
}

/// World-from-RAS for the patient as they lie on the table.
#[derive(Resource, Clone, Copy, Debug)]
pub struct PatientFrame(pub Transform);

impl Default for PatientFrame {
    fn default() -> Self {
        PatientFrame(ras_to_world())
    }
}

impl PatientFrame {
    /// Prone: back up, head away from the default camera. Supine: front up.
    /// Lateral decubitus: lying on the right side, left side up.
    pub fn for_position(position: marrowsim_core::scenario::Position) -> PatientFrame {
        use marrowsim_core::scenario::Position;
        let (x, y, z) = match position {
            Position::Prone => (Vec3::X, Vec3::NEG_Y, Vec3::NEG_Z),
            Position::Supine => (Vec3::NEG_X, Vec3::Y, Vec3::NEG_Z),
            Position::LateralDecubitus => (Vec3::NEG_Y, Vec3::NEG_X, Vec3::NEG_Z),
        };
        PatientFrame(Transform::from_rotation(Quat::from_mat3(&Mat3::from_cols(
            x, y, z,
        ))))
    }

    pub fn point(&self, ras: Vec3) -> Vec3 {
        self.0.transform_point(ras)
    }

    pub fn to_ras(self, world: Vec3) -> Vec3 {
        self.0.rotation.inverse() * world
    }
}

pub fn to_bevy_mesh(m: &TriMesh) -> Mesh {
    Mesh::new(
        PrimitiveTopology::TriangleList,
        RenderAssetUsages::default(),
    )
    .with_inserted_attribute(Mesh::ATTRIBUTE_POSITION, m.positions.clone())
    .with_inserted_attribute(Mesh::ATTRIBUTE_NORMAL, m.normals.clone())
    .with_inserted_indices(Indices::U32(m.indices.clone()))
}

pub fn hazard_colour(h: Hazard) -> Color {
    match h {
        Hazard::SciaticNerve => Color::srgb(0.98, 0.92, 0.35),
        Hazard::SuperiorGlutealArtery => Color::srgb(0.85, 0.1, 0.12),
        Hazard::Lfcn => Color::srgb(1.0, 0.75, 0.2),
        Hazard::PelvicCavity => Color::srgba(0.5, 0.35, 0.55, 0.3),
        Hazard::SiJoint => Color::srgb(0.45, 0.75, 0.85),
        Hazard::Sacrum => Color::srgb(0.8, 0.78, 0.66),
    }
}

fn spawn_anatomy(
    mut commands: Commands,
    frame: Res<PatientFrame>,
    anatomy: Res<CurrentAnatomy>,
    profile: Res<RenderProfile>,
    old: Query<Entity, With<PatientRoot>>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    for e in &old {
        commands.entity(e).despawn();
    }
    let built = build_meshes_at(&anatomy.0, profile.mesh_detail());
    let bone_material = materials.add(StandardMaterial {
        base_color: Color::srgb(0.89, 0.85, 0.74),
        perceptual_roughness: 0.75,
        reflectance: 0.3,
        ..default()
    });
    let skin_material = materials.add(StandardMaterial {
        base_color: Color::srgba(0.87, 0.66, 0.55, 1.0),
        perceptual_roughness: 0.6,
        ..default()
    });
    commands
        .spawn((PatientRoot, frame.0, Visibility::default()))
        .with_children(|root| {
            root.spawn((
                BoneMesh,
                Mesh3d(meshes.add(to_bevy_mesh(&built.bone))),
                MeshMaterial3d(bone_material),
            ));
            for (h, m) in &built.hazards {
                let mat = materials.add(StandardMaterial {
                    base_color: hazard_colour(*h),
                    perceptual_roughness: 0.5,
                    ..default()
                });
                root.spawn((
                    HazardMesh(*h),
                    Mesh3d(meshes.add(to_bevy_mesh(m))),
                    MeshMaterial3d(mat),
                ));
            }
            root.spawn((
                SkinMesh,
                Mesh3d(meshes.add(to_bevy_mesh(&built.skin))),
                MeshMaterial3d(skin_material),
            ));
        });
}

fn follow_frame(frame: Res<PatientFrame>, mut roots: Query<&mut Transform, With<PatientRoot>>) {
    for mut tf in &mut roots {
        *tf = frame.0;
    }
}

/// The skin's alpha: opaque in assessment (the trainee palpates, not looks), the slider's
/// value in practice. The software profile does not blend it: a translucent skin is hidden.
fn skin_opacity(
    opacity: Res<SkinOpacity>,
    profile: Res<RenderProfile>,
    session: Option<Res<super::session::SessionState>>,
    mut skins: Query<(&MeshMaterial3d<StandardMaterial>, &mut Visibility), With<SkinMesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    let assessment =
        session.is_some_and(|s| s.0.scenario.mode == marrowsim_core::scenario::Mode::Assessment);
    let alpha = if assessment {
        1.0
    } else {
        opacity.0.clamp(0.0, 1.0)
    };
    let mode = if alpha >= 1.0 {
        AlphaMode::Opaque
    } else {
        AlphaMode::Blend
    };
    let shown = alpha >= 1.0 || *profile == RenderProfile::Full;
    for (handle, mut visibility) in &mut skins {
        visibility.set_if_neq(if shown {
            Visibility::Inherited
        } else {
            Visibility::Hidden
        });
        let Some(current) = materials.get(&handle.0) else {
            continue;
        };
        if current.base_color.alpha() == alpha && current.alpha_mode == mode {
            continue;
        }
        if let Some(mut m) = materials.get_mut(&handle.0) {
            m.base_color.set_alpha(alpha);
            m.alpha_mode = mode;
        }
    }
}

/// Practice highlights the hazards the current site is marked against; assessment and the
/// score card show them plain.
fn highlight_hazards(
    session: Option<Res<super::session::SessionState>>,
    hazards: Query<(&HazardMesh, &MeshMaterial3d<StandardMaterial>)>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    let marked: Vec<Hazard> = session
        .as_ref()
        .filter(|s| {
            s.0.scenario.mode == marrowsim_core::scenario::Mode::Practice && s.0.score.is_none()
        })
        .map(|s| {
            s.0.scenario
                .hazard_rules(s.0.site)
                .into_iter()
                .map(|r| r.0)
                .collect()
        })
        .unwrap_or_default();
    for (h, handle) in &hazards {
        let glow = if marked.contains(&h.0) {
            hazard_colour(h.0).to_linear() * 0.6
        } else {
            LinearRgba::BLACK
        };
        if materials.get(&handle.0).is_some_and(|m| m.emissive != glow)
            && let Some(mut m) = materials.get_mut(&handle.0)
        {
            m.emissive = glow;
        }
    }
}

fn spawn_lights(mut commands: Commands) {
    commands.spawn((
        DirectionalLight {
            illuminance: 9000.0,
            ..default()
        },
        Transform::from_xyz(300.0, 600.0, 500.0).looking_at(Vec3::ZERO, Vec3::Y),
    ));
    // The fill comes from the camera's headlight (camera.rs): a fixed fill light as well
    // cost a software renderer 12% of its frame (253.8 → 285.1 ms).
    commands.insert_resource(GlobalAmbientLight {
        color: Color::WHITE,
        brightness: 400.0,
        affects_lightmapped_meshes: true,
    });
}
