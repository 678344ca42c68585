//! Unattended screenshots: wait for the scene to settle, capture, save and exit.

use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured, save_to_disk};
use std::path::PathBuf;

/// Frames rendered before the capture, so that meshes are uploaded and lit.
const SETTLE_FRAMES: u32 = 60;

#[derive(Resource, Clone, Debug)]
pub struct ShotRequest {
    pub path: PathBuf,
    frames: u32,
    requested: bool,
}

impl ShotRequest {
    pub fn new(path: PathBuf) -> ShotRequest {
        ShotRequest {
            path,
            frames: 0,
            requested: false,
        }
    }
}

pub fn plugin(app: &mut App) {
    app.add_systems(Last, take_shot.run_if(resource_exists::<ShotRequest>));
}

fn take_shot(mut commands: Commands, mut request: ResMut<ShotRequest>) {
    request.frames += 1;
    if request.requested || request.frames < SETTLE_FRAMES {
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
