//! The success map in the app: in practice, the panel shows where on the skin the current
//! site passes from; in the scene editor, the map follows every valid edit. Maps are computed
//! off the frame, a coarse one first so that an edit shows within a fraction of a second,
//! then a fine one.

use super::editor::EditorState;
use super::session::SessionState;
use bevy::prelude::*;
use bevy::tasks::{Task, block_on, futures_lite::future::poll_once};
use bevy_egui::egui;
use marrowsim_core::anatomy::Anatomy;
use marrowsim_core::grading::success_map::{SuccessMap, success_map};
use marrowsim_core::scenario::{Mode, Scenario};
use std::sync::Arc;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<SuccessMapView>()
        .add_systems(Update, update_maps.in_set(super::AppSystems::Follow));
}

/// Entry points a side: the first map after a change, and the one that replaces it.
pub const COARSE: usize = 10;
pub const FINE: usize = 32;
const SHOWN_PX: f32 = 300.0;

#[derive(Resource, Default)]
pub struct SuccessMapView {
    pub panel: MapSlot,
    pub editor: MapSlot,
}

/// What one map on screen asks for and shows.
#[derive(Default)]
pub struct MapSlot {
    /// The map is on screen: the panel's section is open, or the editor is.
    pub wanted: bool,
    /// Keep the panel's section open (a screenshot of it).
    pub force_open: bool,
    /// What the newest request was made from (the scene's text, the patient, the site).
    asked: Option<Request>,
    task: Option<Task<Finished>>,
    shown: Option<Finished>,
    texture: Option<egui::TextureHandle>,
    dirty: bool,
}

#[derive(Clone)]
struct Request {
    key: (String, usize, usize),
    scenario: Arc<Scenario>,
    anatomy: Arc<Anatomy>,
    site: usize,
}

pub struct Finished {
    key: (String, usize, usize),
    pub size: usize,
    pub map: Result<SuccessMap, String>,
    pub seconds: f32,
}

impl SuccessMapView {
    /// A map is on its way.
    pub(super) fn busy(&self) -> bool {
        self.panel.task.is_some() || self.editor.task.is_some()
    }
}

impl MapSlot {
    /// Asks for the map of `site`; a screenshot (`now`) computes the fine map on the frame,
    /// so that it shows the scene's own.
    fn request(&mut self, scenario: &Scenario, anatomy: &Arc<Anatomy>, site: usize, now: bool) {
        let text = scenario.to_ron().unwrap_or_else(|e| e.to_string());
        let key = (text, Arc::as_ptr(anatomy) as usize, site);
        if self.asked.as_ref().is_some_and(|r| r.key == key) {
            return;
        }
        let request = Request {
            key,
            scenario: Arc::new(scenario.clone()),
            anatomy: anatomy.clone(),
            site,
        };
        if now {
            self.shown = Some(compute(request.clone(), FINE));
            self.dirty = true;
        }
        self.asked = Some(request);
        if self.task.is_none() && !now {
            self.start(COARSE);
        }
    }

    fn start(&mut self, size: usize) {
        let Some(r) = self.asked.clone() else { return };
        self.task = Some(super::work::pool().spawn(async move { compute(r, size) }));
    }

    /// Collects a finished map; then refines it, or starts on a request made meanwhile.
    fn poll(&mut self) {
        let Some(task) = self.task.as_mut() else {
            return;
        };
        let Some(done) = block_on(poll_once(task)) else {
            return;
        };
        self.task = None;
        let current = self.asked.as_ref().is_some_and(|r| r.key == done.key);
        let size = done.size;
        self.shown = Some(done);
        self.dirty = true;
        if !current {
            self.start(COARSE);
        } else if size < FINE {
            self.start(FINE);
        }
    }

    /// The newest finished map, and whether a newer one is on its way.
    pub fn shown(&self) -> (Option<&Finished>, bool) {
        (self.shown.as_ref(), self.task.is_some())
    }

    fn texture(&mut self, ctx: &egui::Context) -> Option<egui::TextureHandle> {
        if std::mem::take(&mut self.dirty) {
            self.texture = self
                .shown
                .as_ref()
                .and_then(|f| f.map.as_ref().ok())
                .map(|m| {
                    let scale = (SHOWN_PX as usize / m.size).max(1);
                    let side = m.size * scale;
                    let rgba: Vec<u8> = m
                        .pixels(scale)
                        .into_iter()
                        .flat_map(|[r, g, b]| [r, g, b, 255])
                        .collect();
                    let img = egui::ColorImage::from_rgba_unmultiplied([side, side], &rgba);
                    ctx.load_texture("success map", img, egui::TextureOptions::NEAREST)
                });
        }
        self.texture.clone()
    }

    /// The map, what it says, and the needle's skin entry on it as a cyan ring.
    pub fn show(&mut self, ui: &mut egui::Ui, entry: Option<glam::Vec3>) {
        let texture = self.texture(ui.ctx());
        let (Some(done), busy) = self.shown() else {
            ui.weak("Computing the map…");
            return;
        };
        let map = match &done.map {
            Ok(m) => m,
            Err(e) => {
                ui.colored_label(egui::Color32::LIGHT_RED, e);
                return;
            }
        };
        ui.label(format!(
            "{:.0}% of the directions in the cone pass from inside the zone.",
            100.0 * map.zone_share()
        ));
        ui.label(format!("By tilt from the aim: {}.", map.ring_summary()));
        match map.pass_centroid() {
            Some((_, d)) if d > map.zone.entry_radius => ui.colored_label(
                egui::Color32::from_rgb(240, 190, 80),
                format!(
                    "The passes centre {d:.1} mm from the zone's centre, outside its {:.0} mm radius.",
                    map.zone.entry_radius
                ),
            ),
            Some((_, d)) => ui.label(format!("The passes centre {d:.1} mm from the zone's centre.")),
            None => ui.colored_label(egui::Color32::LIGHT_RED, "No entry point passes."),
        };
        if let Some(tex) = texture {
            let response = ui.image((tex.id(), egui::vec2(SHOWN_PX, SHOWN_PX)));
            if let Some((col, row)) = entry.and_then(|p| map.locate(p)) {
                let rect = response.rect;
                let at = rect.min + egui::vec2(col, row) * (rect.width() / map.size as f32);
                ui.painter().circle_stroke(
                    at,
                    5.0,
                    egui::Stroke::new(2.0, super::section_image::NEEDLE_CYAN),
                );
            }
        }
        ui.weak(format!(
            "Seen along the aim, {} up, the midline to the {}, {:.0} mm across. Green: \
             passes; red: reaches a hazard; white: the entry zone{}. {}×{} points in {:.2} s{}",
            map.orientation().0,
            if map.medial_on_right() {
                "right"
            } else {
                "left"
            },
            2.0 * map.half_width,
            if entry.is_some() {
                "; cyan: your needle's entry"
            } else {
                ""
            },
            done.size,
            done.size,
            done.seconds,
            if busy { "; refining…" } else { "." }
        ));
    }
}

fn compute(r: Request, size: usize) -> Finished {
    let start = std::time::Instant::now();
    let map = success_map(&r.scenario, &r.anatomy, r.site, size);
    Finished {
        key: r.key,
        size,
        map,
        seconds: start.elapsed().as_secs_f32(),
    }
}

/// Asks for the maps on screen and collects finished ones. The panel's map is of the case on
/// the table; the editor's is of the scene as typed, on the patient on the table.
fn update_maps(
    session: Res<SessionState>,
    editor: Option<ResMut<EditorState>>,
    shot: Option<Res<super::screenshot::ShotRequest>>,
    mut view: ResMut<SuccessMapView>,
) {
    let now = shot.is_some();
    let s = &session.0;
    let site = s.site.min(s.scenario.sites.len().saturating_sub(1));
    if view.panel.wanted && s.scenario.mode == Mode::Practice {
        view.panel.request(&s.scenario, &s.anatomy, site, now);
    }
    if let Some(mut editor) = editor
        && editor.open
        && let Ok(edited) = editor.result()
    {
        view.editor.wanted = true;
        let site = site.min(edited.sites.len().saturating_sub(1));
        view.editor.request(edited, &s.anatomy, site, now);
    } else {
        view.editor.wanted = false;
    }
    view.panel.poll();
    view.editor.poll();
}
