//! How much the 3D view draws. A software renderer (lavapipe or llvmpipe, where a trainee has
//! no GPU: a hospital's virtual desktop, a VM) gets the software profile: meshes at about a
//! tenth of the triangles (simplified to within 0.25 mm), and the translucent skin, which
//! costs more than everything else together there, hidden unless it is opaque. Measured in
//! docs/performance.md.

use bevy::prelude::*;

#[derive(Resource, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum RenderProfile {
    #[default]
    Full,
    Software,
}

impl RenderProfile {
    pub fn name(self) -> &'static str {
        match self {
            RenderProfile::Full => "full quality",
            RenderProfile::Software => "software renderer (fast)",
        }
    }

    pub fn mesh_detail(self) -> marrowsim_core::geometry::mesh::MeshDetail {
        use marrowsim_core::geometry::mesh::MeshDetail;
        match self {
            RenderProfile::Full => MeshDetail::FULL,
            RenderProfile::Software => MeshDetail::COARSE,
        }
    }
}

/// The profile asked for on the command line; `None` chooses by the adapter.
#[derive(Resource, Clone, Copy, Debug, Default)]
pub struct ProfileChoice(pub Option<RenderProfile>);

/// Set once the profile has been chosen, so that the adapter is asked only once.
#[derive(Resource)]
struct Chosen;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<RenderProfile>()
        .init_resource::<ProfileChoice>()
        .add_systems(PreUpdate, choose.run_if(not(resource_exists::<Chosen>)));
}

/// The software profile on a CPU adapter, unless the command line chose.
fn choose(
    mut commands: Commands,
    choice: Res<ProfileChoice>,
    info: Option<Res<bevy::render::renderer::RenderAdapterInfo>>,
    mut profile: ResMut<RenderProfile>,
) {
    let chosen = match (choice.0, info) {
        (Some(p), _) => p,
        (None, Some(info)) if info.0.device_type == wgpu_types::DeviceType::Cpu => {
            RenderProfile::Software
        }
        (None, Some(_)) => RenderProfile::Full,
        (None, None) => return,
    };
    profile.set_if_neq(chosen);
    commands.insert_resource(Chosen);
}
