//! Unattended screenshots: wait until every render pipeline is compiled and the scene has
//! been drawn, capture the window, save it and exit.

use bevy::prelude::*;
use bevy::render::render_resource::PipelineCache;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured, save_to_disk};
use bevy::render::{Render, RenderApp};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Frames with no pipeline left to compile before the capture.
const SETTLED_FRAMES: u32 = 4;
/// Give up waiting for pipelines after this many frames and capture what is there.
const MAX_FRAMES: u32 = 3000;

#[derive(Resource, Clone, Debug)]
pub struct ShotRequest {
    pub path: PathBuf,
    frames: u32,
    settled: u32,
    requested: bool,
}

impl ShotRequest {
    pub fn new(path: PathBuf) -> ShotRequest {
        ShotRequest {
            path,
            frames: 0,
            settled: 0,
            requested: false,
        }
    }
}

/// Pipelines known to the render world, and how many still wait to be compiled.
#[derive(Resource, Clone, Default)]
pub struct PipelineStatus {
    known: Arc<AtomicUsize>,
    waiting: Arc<AtomicUsize>,
}

impl PipelineStatus {
    pub fn ready(&self) -> bool {
        self.known.load(Ordering::Relaxed) > 0 && self.waiting.load(Ordering::Relaxed) == 0
    }
}

pub(super) fn plugin(app: &mut App) {
    let status = PipelineStatus::default();
    app.insert_resource(status.clone())
        .add_systems(Last, take_shot.run_if(resource_exists::<ShotRequest>))
        .add_systems(Update, key_shot.run_if(super::input_guard::keyboard_free));
    if let Some(render_app) = app.get_sub_app_mut(RenderApp) {
        render_app
            .insert_resource(status)
            .add_systems(Render, report_pipelines);
    }
}

fn report_pipelines(cache: Res<PipelineCache>, status: Res<PipelineStatus>) {
    status
        .known
        .store(cache.pipelines().count(), Ordering::Relaxed);
    status
        .waiting
        .store(cache.waiting_pipelines().count(), Ordering::Relaxed);
}

/// F12 saves the window as `marrowsim-<unix seconds>.png` in the working folder.
fn key_shot(mut commands: Commands, keys: Option<Res<ButtonInput<KeyCode>>>) {
    if !keys.is_some_and(|k| k.just_pressed(KeyCode::F12)) {
        return;
    }
    let path = PathBuf::from(format!(
        "marrowsim-{}.png",
        marrowsim_core::records::history::now()
    ));
    info!("saving the window to {}", path.display());
    commands
        .spawn(Screenshot::primary_window())
        .observe(save_to_disk(path));
}

fn take_shot(
    mut commands: Commands,
    mut request: ResMut<ShotRequest>,
    status: Res<PipelineStatus>,
) {
    request.frames += 1;
    if request.requested {
        return;
    }
    if status.ready() {
        request.settled += 1;
    } else {
        request.settled = 0;
    }
    if request.settled < SETTLED_FRAMES && request.frames < MAX_FRAMES {
        return;
    }
    request.requested = true;
    commands
        .spawn(Screenshot::primary_window())
        .observe(save_to_disk(request.path.clone()))
        .observe(
            |_: On<ScreenshotCaptured>, mut exit: MessageWriter<AppExit>| {
                exit.write(AppExit::Success);
            },
        );
}
