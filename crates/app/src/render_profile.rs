//! How much the 3D view draws. A software renderer (lavapipe or llvmpipe, where a trainee has
//! no GPU: a hospital's virtual desktop, a VM) gets the software profile: meshes at about a
//! tenth of the triangles (simplified to within 0.25 mm), and the translucent skin, which
//! costs more than everything else together there, hidden unless it is opaque; and a 3D view
//! drawn at a `RenderScale` that adapts to hold 15 fps (`scaled_view.rs` draws it). Measured
//! in docs/performance.md.

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

/// The 3D view's resolution as a share of the window's, in each direction. The software
/// profile adapts it to hold 15 frames a second; a scale given on the command line is kept.
#[derive(Resource, Clone, Debug, PartialEq)]
pub struct RenderScale {
    pub value: f32,
    /// The command line's scale, kept whatever the profile.
    pub pinned: Option<f32>,
    /// Whether the software profile may adapt it; a screenshot must not depend on how fast
    /// the machine was.
    pub adapt: bool,
    frames: Vec<f32>,
}

impl Default for RenderScale {
    fn default() -> Self {
        RenderScale::pinned(None)
    }
}

impl RenderScale {
    /// The lowest scale that still shows the needle (about 1.5 px wide at 0.35 in 1280×720).
    pub const MIN: f32 = 0.35;
    /// Above this a software renderer gains little sharpness for its fragments.
    pub const MAX: f32 = 0.75;
    /// Where the software profile starts: half the width and height, a quarter of the pixels.
    pub const SOFTWARE_START: f32 = 0.5;
    /// The frame time the software profile aims for: under the 67 ms of 15 fps, with a margin.
    const SLOW_MS: f32 = 62.0;
    /// Sharper again only when frames are this fast, so that the scale does not hunt.
    const FAST_MS: f32 = 42.0;
    const STEP: f32 = 0.05;
    /// Frames in each judgement: about 1.5 s at 15 fps.
    const WINDOW: usize = 24;

    pub fn pinned(scale: Option<f32>) -> RenderScale {
        RenderScale::new(scale, true)
    }

    pub fn new(pinned: Option<f32>, adapt: bool) -> RenderScale {
        RenderScale {
            value: pinned.unwrap_or(1.0),
            pinned,
            adapt,
            frames: Vec::new(),
        }
    }

    pub fn adaptive(&self) -> bool {
        self.adapt && self.pinned.is_none() && self.value < 1.0
    }

    /// The scale after a judgement of frames whose median took `median_ms`.
    pub fn next(value: f32, median_ms: f32) -> f32 {
        let stepped = if median_ms > Self::SLOW_MS {
            value - Self::STEP
        } else if median_ms < Self::FAST_MS {
            value + Self::STEP
        } else {
            value
        };
        ((stepped / Self::STEP).round() * Self::STEP).clamp(Self::MIN, Self::MAX)
    }
}

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<RenderProfile>()
        .init_resource::<ProfileChoice>()
        .init_resource::<RenderScale>()
        .add_systems(PreUpdate, choose.run_if(not(resource_exists::<Chosen>)))
        .add_systems(
            PreUpdate,
            (
                scale_for_profile.run_if(resource_changed::<RenderProfile>),
                adapt_scale,
            )
                .chain()
                .after(choose),
        );
}

fn scale_for_profile(profile: Res<RenderProfile>, mut scale: ResMut<RenderScale>) {
    let value = scale.pinned.unwrap_or(match *profile {
        RenderProfile::Full => 1.0,
        RenderProfile::Software => RenderScale::SOFTWARE_START,
    });
    scale.frames.clear();
    if scale.value != value {
        scale.value = value;
    }
}

/// Judge the last frames once every pipeline is ready; a frame over half a second is a hitch
/// (a mesh rebuilt, a shader compiled), not the renderer's pace.
fn adapt_scale(
    time: Res<Time<Real>>,
    status: Option<Res<super::screenshot::PipelineStatus>>,
    pace: Option<Res<super::pace::Pace>>,
    mut scale: ResMut<RenderScale>,
) {
    if !scale.adaptive() || !status.is_some_and(|s| s.ready()) {
        return;
    }
    // A frame that followed a sleep measures the sleep.
    if pace.is_some_and(|p| !p.back_to_back()) {
        return;
    }
    let ms = time.delta_secs() * 1e3;
    if ms <= 0.0 || ms > 500.0 {
        return;
    }
    // The frame times are bookkeeping: the resource counts as changed only when its value
    // does.
    let frames = &mut scale.bypass_change_detection().frames;
    frames.push(ms);
    if frames.len() < RenderScale::WINDOW {
        return;
    }
    frames.sort_by(f32::total_cmp);
    let median = frames[frames.len() / 2];
    frames.clear();
    let next = RenderScale::next(scale.value, median);
    if next != scale.value {
        scale.value = next;
    }
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

#[cfg(test)]
mod tests {
    use super::RenderScale;

    fn next(value: f32, median_ms: f32) -> f32 {
        (RenderScale::next(value, median_ms) * 100.0).round() / 100.0
    }

    #[test]
    fn a_slow_frame_lowers_the_scale_and_a_fast_one_raises_it_within_bounds() {
        assert_eq!(next(0.5, 80.0), 0.45);
        assert_eq!(next(0.5, 30.0), 0.55);
        assert_eq!(next(0.5, 55.0), 0.5, "inside the band it holds");
        assert_eq!(next(RenderScale::MIN, 500.0), RenderScale::MIN);
        assert_eq!(next(RenderScale::MAX, 1.0), RenderScale::MAX);
        assert_eq!(next(0.52, 55.0), 0.5, "the scale stays on its steps");
    }
}
