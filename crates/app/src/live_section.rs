//! The live section: tissue in the needle's plane around the tip, resampled off the frame
//! when the needle moves, shown in the trainee panel.

use super::section_image::{NEEDLE_CYAN, Track, section_image, ultrasound_image};
use super::session::SessionState;
use bevy::prelude::*;
use bevy::tasks::{Task, block_on, futures_lite::future::poll_once};
use bevy_egui::egui;
use marrowsim_core::anatomy::Anatomy;
use marrowsim_core::needle::Pose;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<SectionView>()
        .add_systems(Update, update_section.in_set(super::AppSystems::Follow));
}

const SECTION_PX: [usize; 2] = [180, 130];
const SECTION_MM_PER_PX: f32 = 0.8;
/// The shown section's pixels are replaced at most this often (each replacement writes every
/// pixel on the frame).
const MIN_UPLOAD_INTERVAL: std::time::Duration = std::time::Duration::from_millis(200);

/// The tissue section in the needle's plane. When the needle moves, it is resampled on a
/// background task and the last finished section stays on show, so that no frame waits
/// for it (a section costs several milliseconds; a frame with a push should cost one).
#[derive(Resource, Default)]
pub struct SectionView {
    /// The pose and style the newest section (finished or on its way) was asked for.
    asked: Option<(Option<Pose>, Style)>,
    task: Option<Task<Option<egui::ColorImage>>>,
    image: Option<egui::ColorImage>,
    texture: Option<egui::TextureHandle>,
    dirty: bool,
    /// When the texture was last replaced.
    uploaded: Option<std::time::Instant>,
}

impl SectionView {
    /// A section is on its way.
    pub(super) fn busy(&self) -> bool {
        self.task.is_some()
    }

    /// The section as an egui texture, uploaded again only after it was resampled.
    pub(super) fn texture(&mut self, ctx: &egui::Context) -> Option<&egui::TextureHandle> {
        let due = self
            .uploaded
            .is_none_or(|at| at.elapsed() >= MIN_UPLOAD_INTERVAL);
        if self.dirty && due {
            self.dirty = false;
            self.uploaded = Some(std::time::Instant::now());
            // Over the texture on show, pixel for pixel: a new texture takes frames to reach
            // the GPU, and is not drawn until it has.
            match (self.image.clone(), self.texture.as_mut()) {
                (Some(img), Some(tex)) if tex.size() == img.size => {
                    tex.set_partial([0, 0], img, egui::TextureOptions::NEAREST)
                }
                (img, _) => {
                    self.texture = img
                        .map(|img| ctx.load_texture("section", img, egui::TextureOptions::NEAREST))
                }
            }
        }
        self.texture.as_ref()
    }

    /// Shows a section sampled on the frame with the next draw, whenever the last was shown:
    /// a screenshot must show the needle's own section, not the one before.
    fn show_now(&mut self, image: Option<egui::ColorImage>) {
        self.image = image;
        self.dirty = true;
        self.uploaded = None;
    }

    /// Whether no section is on its way: the one on show is the newest asked for.
    #[cfg(test)]
    pub fn settled(&self) -> bool {
        self.task.is_none()
    }

    #[cfg(test)]
    pub fn image(&self) -> Option<&egui::ColorImage> {
        self.image.as_ref()
    }
}

/// How the section is drawn: the tissues in their colours, or as ultrasound shows them; or
/// not at all, when the scene allows no imaging in assessment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Tissues,
    Ultrasound,
    Hidden,
}

impl Style {
    pub fn of(scenario: &marrowsim_core::scenario::Scenario) -> Style {
        use marrowsim_core::scenario::{Guidance, Mode};
        match (scenario.guidance(), scenario.mode) {
            (Guidance::Ultrasound, _) => Style::Ultrasound,
            (Guidance::Landmarks | Guidance::Fluoroscopy, Mode::Practice) => Style::Tissues,
            (Guidance::Landmarks | Guidance::Fluoroscopy, Mode::Assessment) => Style::Hidden,
        }
    }
}

fn sample(anatomy: &Anatomy, pose: Option<Pose>, style: Style) -> Option<egui::ColorImage> {
    use marrowsim_core::geometry::section::SectionPlane;
    let pose = pose?;
    let mut plane = SectionPlane::along(pose.entry, pose.tip() + pose.direction, glam::Vec3::Z);
    plane.origin = pose.entry + pose.direction * 45.0;
    match style {
        Style::Hidden => return None,
        Style::Ultrasound => {
            return Some(ultrasound_image(
                anatomy,
                plane,
                SECTION_PX,
                SECTION_MM_PER_PX,
                (pose.entry, pose.tip()),
            ));
        }
        Style::Tissues => {}
    }
    Some(section_image(
        anatomy,
        plane,
        SECTION_PX,
        SECTION_MM_PER_PX,
        &[Track {
            from: pose.entry,
            to: pose.tip(),
            colour: NEEDLE_CYAN,
        }],
    ))
}

/// Collects a finished section, and starts the next one when the needle has moved since the
/// last was asked for. A screenshot samples on the frame, so that it shows the needle's own.
pub(super) fn update_section(
    session: Res<SessionState>,
    shot: Option<Res<super::screenshot::ShotRequest>>,
    mut view: ResMut<SectionView>,
) {
    if let Some(task) = view.task.as_mut()
        && let Some(image) = block_on(poll_once(task))
    {
        view.task = None;
        view.image = image;
        view.dirty = true;
    }
    let pose = session.0.pose();
    let style = Style::of(&session.0.scenario);
    if view.asked == Some((pose, style)) || view.task.is_some() {
        return;
    }
    view.asked = Some((pose, style));
    if shot.is_some() || style == Style::Hidden {
        view.show_now(sample(&session.0.anatomy, pose, style));
        return;
    }
    let anatomy = session.0.anatomy.clone();
    view.task = Some(super::work::pool().spawn(async move { sample(&anatomy, pose, style) }));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sections that finish on every frame replace the pixels on show at most every
    /// `MIN_UPLOAD_INTERVAL`, in the same texture, and the newest shows once the interval is
    /// over.
    #[test]
    fn the_shown_section_is_replaced_in_place_at_most_every_interval() {
        let ctx = egui::Context::default();
        let image =
            |shade: u8| egui::ColorImage::new([4, 4], vec![egui::Color32::from_gray(shade); 16]);
        let mut view = SectionView::default();
        let shown = |view: &mut SectionView| view.texture(&ctx).map(|t| t.id());
        view.image = Some(image(10));
        view.dirty = true;
        let first = shown(&mut view).expect("the first section shows at once");
        assert!(!view.dirty);
        view.image = Some(image(20));
        view.dirty = true;
        assert_eq!(shown(&mut view), Some(first));
        assert!(view.dirty, "too soon to replace it");
        std::thread::sleep(MIN_UPLOAD_INTERVAL);
        assert_eq!(
            shown(&mut view),
            Some(first),
            "the same texture, its pixels replaced"
        );
        assert!(!view.dirty, "the newer section once the interval is over");
    }

    /// A section sampled on the frame for a screenshot shows on that frame, even right after
    /// another was shown.
    #[test]
    fn a_section_sampled_for_a_shot_is_not_held_back() {
        let ctx = egui::Context::default();
        let mut view = SectionView::default();
        view.show_now(Some(egui::ColorImage::new(
            [4, 4],
            vec![egui::Color32::BLACK; 16],
        )));
        assert!(view.texture(&ctx).is_some());
        view.show_now(Some(egui::ColorImage::new(
            [4, 4],
            vec![egui::Color32::WHITE; 16],
        )));
        assert!(view.texture(&ctx).is_some());
        assert!(!view.dirty, "the shot's section went up on this frame");
    }
}
