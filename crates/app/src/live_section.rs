//! The live section: tissue in the needle's plane around the tip, resampled when the needle
//! moves, shown in the trainee panel.

use super::section_image::{NEEDLE_CYAN, Track, section_image};
use super::session::SessionState;
use bevy::prelude::*;
use bevy_egui::egui;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<SectionView>()
        .add_systems(Update, update_section.in_set(super::AppSystems::Follow));
}

const SECTION_PX: [usize; 2] = [180, 130];
const SECTION_MM_PER_PX: f32 = 0.8;

/// The tissue section in the needle's plane, resampled when the needle moves.
#[derive(Resource, Default)]
pub struct SectionView {
    pose: Option<marrowsim_core::needle::Pose>,
    image: Option<egui::ColorImage>,
    texture: Option<egui::TextureHandle>,
    dirty: bool,
}

impl SectionView {
    /// The section as an egui texture, uploaded again only after it was resampled.
    pub(super) fn texture(&mut self, ctx: &egui::Context) -> Option<&egui::TextureHandle> {
        if self.dirty {
            self.dirty = false;
            self.texture = self
                .image
                .clone()
                .map(|img| ctx.load_texture("section", img, egui::TextureOptions::NEAREST));
        }
        self.texture.as_ref()
    }
}

pub(super) fn update_section(session: Res<SessionState>, mut view: ResMut<SectionView>) {
    let pose = session.0.pose();
    if pose == view.pose {
        return;
    }
    view.pose = pose;
    view.dirty = true;
    view.image = pose.map(|pose| {
        use marrowsim_core::geometry::section::SectionPlane;
        let mut plane = SectionPlane::along(pose.entry, pose.tip() + pose.direction, glam::Vec3::Z);
        plane.origin = pose.entry + pose.direction * 45.0;
        section_image(
            &session.0.anatomy,
            plane,
            SECTION_PX,
            SECTION_MM_PER_PX,
            &[Track {
                from: pose.entry,
                to: pose.tip(),
                colour: NEEDLE_CYAN,
            }],
        )
    });
}
