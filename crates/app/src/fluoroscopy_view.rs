//! The C-arm, for scenes guided by fluoroscopy. Each view's radiograph of the patient is
//! computed once, off the frame, when the scene starts; a shot (C, or the panel's button)
//! is then that image with the needle's steel added where the needle is, so it shows at
//! once. The session counts the shots, which the score weighs as dose.

use super::session::{NeedleCommand, SessionState};
use bevy::prelude::*;
use bevy::tasks::{Task, block_on, futures_lite::future::poll_once};
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};
use marrowsim_core::geometry::radiograph::{Projection, drr, hub_of, to_grey, with_needle};
use marrowsim_core::scenario::{FluoroscopySpec, Guidance, Side};
use std::sync::Arc;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Fluoroscope>()
        .add_systems(Update, develop.in_set(super::AppSystems::Follow))
        .add_systems(
            EguiPrimaryContextPass,
            monitor.in_set(super::UiSystems::Draw),
        );
}

/// A shot's side in pixels: 1.2 mm a pixel over the C-arm's 300 mm field, finer than the
/// needle's 3 mm shaft.
pub const SHOT_PX: usize = 256;
const SHOWN_PX: f32 = 300.0;

/// The C-arm's views of the patient on the table and the last shot developed.
#[derive(Resource, Default)]
pub struct Fluoroscope {
    /// The patient, the scene's guidance, its C-arm as written and its side the views were
    /// computed for.
    made_for: Option<(usize, Guidance, Option<FluoroscopySpec>, Side)>,
    views: Vec<ViewImage>,
    /// The view the next shot is taken from.
    pub selected: usize,
    /// Shots of the session taken into account, and the newest one waiting for its view.
    seen: usize,
    pending: Option<Pending>,
    shown: Option<Developed>,
    texture: Option<egui::TextureHandle>,
    dirty: bool,
}

struct ViewImage {
    name: String,
    projection: Projection,
    base: Option<Arc<Vec<f32>>>,
    task: Option<Task<Vec<f32>>>,
}

/// A shot taken, waiting for its view's image of the patient.
#[derive(Clone, Copy)]
struct Pending {
    view: usize,
    /// The needle's cannula when the shot was taken: its hub end and its tip.
    needle: Option<(Vec3, Vec3)>,
    number: usize,
}

/// A developed shot: which view, its number in the attempt, and the image.
pub struct Developed {
    pub view: usize,
    pub number: usize,
    pub image: egui::ColorImage,
}

impl Fluoroscope {
    /// A view is being computed, or a shot waits for one.
    pub(super) fn busy(&self) -> bool {
        self.pending.is_some() || self.views.iter().any(|v| v.task.is_some())
    }

    /// The views' names, in the scene's order.
    pub fn view_names(&self) -> Vec<String> {
        self.views.iter().map(|v| v.name.clone()).collect()
    }

    /// Whether every view's image of the patient is ready.
    pub fn ready(&self) -> bool {
        self.views.iter().all(|v| v.base.is_some())
    }

    /// Whether a shot is waiting for its view's image.
    pub fn developing(&self) -> bool {
        self.pending.is_some()
    }

    pub fn shown(&self) -> Option<&Developed> {
        self.shown.as_ref()
    }

    /// The last shot as an egui texture, uploaded again only when a new one is developed.
    pub fn texture(&mut self, ctx: &egui::Context) -> Option<&egui::TextureHandle> {
        if self.dirty {
            self.dirty = false;
            self.texture = self
                .shown
                .as_ref()
                .map(|d| ctx.load_texture("x-ray", d.image.clone(), egui::TextureOptions::LINEAR));
        }
        self.texture.as_ref()
    }

    /// Starts the views again when the patient, the scene's C-arm or its side changed (a new
    /// patient, the next scene, or an edit of the scene).
    fn reset(&mut self, session: &marrowsim_core::needle::session::Session, now: bool) {
        let scene = &session.scenario;
        let patient = Arc::as_ptr(&session.anatomy) as usize;
        if self.made_for.as_ref().is_some_and(|(p, g, spec, s)| {
            *p == patient
                && *g == scene.guidance()
                && spec.as_ref() == scene.fluoroscopy.as_ref()
                && *s == scene.side
        }) {
            return;
        }
        *self = Fluoroscope {
            made_for: Some((
                patient,
                scene.guidance(),
                scene.fluoroscopy.clone(),
                scene.side,
            )),
            ..Fluoroscope::default()
        };
        let Some(c_arm) = scene.c_arm() else {
            return;
        };
        let side = scene.side;
        self.views = c_arm
            .views
            .iter()
            .map(|v| {
                let projection = v.projection(&session.anatomy, side, SHOT_PX);
                let anatomy = session.anatomy.clone();
                let (base, task) = if now {
                    (Some(Arc::new(drr(&anatomy, &projection, None))), None)
                } else {
                    let task =
                        super::work::pool().spawn(async move { drr(&anatomy, &projection, None) });
                    (None, Some(task))
                };
                ViewImage {
                    name: v.name.clone(),
                    projection,
                    base,
                    task,
                }
            })
            .collect();
    }
}

/// Follows the session: computes the views for a new patient or scene, collects finished
/// views, and develops the newest shot once its view is ready. A screenshot computes the
/// views on the frame, so that it shows the shot.
fn develop(
    session: Res<SessionState>,
    shot: Option<Res<super::screenshot::ShotRequest>>,
    mut scope: ResMut<Fluoroscope>,
) {
    let s = &session.0;
    scope.reset(s, shot.is_some());
    if scope.views.is_empty() {
        return;
    }
    for v in &mut scope.views {
        if let Some(task) = v.task.as_mut()
            && let Some(base) = block_on(poll_once(task))
        {
            v.task = None;
            v.base = Some(Arc::new(base));
        }
    }
    let shots = s.shots();
    if shots.len() < scope.seen {
        scope.seen = 0;
        scope.shown = None;
        scope.dirty = true;
    }
    if shots.len() > scope.seen {
        let last = shots[shots.len() - 1];
        let length = s.scenario.needle.length_mm;
        let needle = s.pose().map(|p| (hub_of(&p, length), p.tip()));
        scope.pending = Some(Pending {
            view: last.view,
            needle,
            number: shots.len(),
        });
        scope.seen = shots.len();
    }
    let Some(Pending {
        view,
        needle,
        number,
    }) = scope.pending
    else {
        return;
    };
    let Some(v) = scope.views.get(view) else {
        scope.pending = None;
        return;
    };
    let Some(base) = v.base.clone() else {
        return;
    };
    let sums = match needle {
        Some((hub, tip)) => with_needle(&base, &v.projection, hub, tip),
        None => base.to_vec(),
    };
    let grey = to_grey(&sums);
    let image = egui::ColorImage::from_gray([SHOT_PX, SHOT_PX], &grey);
    scope.shown = Some(Developed {
        view,
        number,
        image,
    });
    scope.pending = None;
    scope.dirty = true;
}

/// The C-arm's monitor beside the table: the last shot, over the 3D view's lower left corner
/// as the screen stands beside a patient.
fn monitor(mut contexts: EguiContexts, mut scope: ResMut<Fluoroscope>) -> Result {
    if scope.shown.is_none() {
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?;
    let names = scope.view_names();
    let Some(texture) = scope.texture(ctx).cloned() else {
        return Ok(());
    };
    let Some(d) = scope.shown() else {
        return Ok(());
    };
    let title = format!(
        "X-ray {}: {}",
        d.number,
        names.get(d.view).map(String::as_str).unwrap_or("")
    );
    egui::Window::new("C-arm monitor")
        .anchor(egui::Align2::LEFT_BOTTOM, [10.0, -10.0])
        .resizable(false)
        .collapsible(true)
        .show(ctx, |ui| {
            ui.label(title);
            ui.image((texture.id(), egui::vec2(SHOWN_PX, SHOWN_PX)));
            ui.weak("The patient's right on the image's left.");
        });
    Ok(())
}

/// The panel's C-arm: the view to shoot from, the shot button and the count against the
/// scene's dose. The shots show on the monitor.
pub fn section(
    ui: &mut egui::Ui,
    session: &marrowsim_core::needle::session::Session,
    scope: &mut Fluoroscope,
) -> Vec<NeedleCommand> {
    let mut out = Vec::new();
    let Some(c_arm) = session.scenario.c_arm() else {
        return out;
    };
    ui.label(egui::RichText::new("C-arm (fluoroscopy)").strong());
    let names = scope.view_names();
    ui.horizontal_wrapped(|ui| {
        for (i, name) in names.iter().enumerate() {
            ui.radio_value(&mut scope.selected, i, name);
        }
    });
    let taken = session.shots().len();
    ui.horizontal(|ui| {
        let can = taken < c_arm.max_shots as usize && session.score.is_none();
        if ui
            .add_enabled(can, egui::Button::new("Take a shot (C)"))
            .clicked()
        {
            out.push(NeedleCommand::Shoot(scope.selected));
        }
        let over = taken > c_arm.free_shots as usize;
        let text = format!(
            "{}; an expert needs {}, at most {}",
            marrowsim_core::words::count(taken, "shot"),
            c_arm.free_shots,
            c_arm.max_shots
        );
        if over {
            ui.colored_label(egui::Color32::from_rgb(230, 160, 60), text);
        } else {
            ui.label(text);
        }
    });
    if !scope.ready() {
        ui.weak("The C-arm is warming up: each view's image of the patient is on its way.");
    }
    if scope.developing() {
        ui.weak("Developing the shot…");
    }
    out
}

/// The C-arm's image of `anatomy` through `projection` with the needle at `pose`, as grey
/// levels: what a shot shows, computed from scratch (the tests compare the app's with it).
#[cfg(test)]
pub fn shot_grey(
    anatomy: &marrowsim_core::anatomy::Anatomy,
    projection: &Projection,
    pose: Option<marrowsim_core::needle::Pose>,
    needle_length: f32,
) -> Vec<u8> {
    let base = drr(anatomy, projection, None);
    let sums = match pose {
        Some(p) => with_needle(&base, projection, hub_of(&p, needle_length), p.tip()),
        None => base,
    };
    to_grey(&sums)
}
