//! The trainee's panel (egui): the case, live readouts, the force–depth plot, the controls,
//! and the score card after submitting.

use super::session::SessionState;
use crate::sim::scenario::Mode;
use crate::sim::scoring::Verdict;
use crate::sim::session::Session;
use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

pub fn plugin(app: &mut App) {
    app.init_resource::<SectionView>()
        .init_resource::<HelpOpen>()
        .add_systems(
            Update,
            (toggle_help, update_section).run_if(resource_exists::<SessionState>),
        )
        .add_systems(
            EguiPrimaryContextPass,
            (panel, score_card, help_overlay).run_if(resource_exists::<SessionState>),
        );
}

/// The tissue section in the needle's plane, resampled when the needle moves.
#[derive(Resource, Default)]
pub struct SectionView {
    pose: Option<crate::sim::needle::Pose>,
    image: Option<egui::ColorImage>,
    texture: Option<egui::TextureHandle>,
    dirty: bool,
}

const SECTION_PX: [usize; 2] = [180, 130];
const SECTION_MM_PER_PX: f32 = 0.8;

fn update_section(session: Res<SessionState>, mut view: ResMut<SectionView>) {
    let pose = session.0.pose();
    if pose == view.pose {
        return;
    }
    view.pose = pose;
    let Some(pose) = pose else {
        view.image = None;
        view.dirty = true;
        return;
    };
    use crate::sim::section::{Section, SectionPlane};
    let a = &session.0.anatomy;
    let mut plane = SectionPlane::along(pose.entry, pose.tip() + pose.direction, glam::Vec3::Z);
    plane.origin = pose.entry + pose.direction * 45.0;
    let section = Section::sample(a, plane, SECTION_PX[0], SECTION_PX[1], SECTION_MM_PER_PX);
    let mut pixels: Vec<egui::Color32> = section
        .tissues
        .iter()
        .map(|t| {
            let [r, g, b] = t.colour();
            egui::Color32::from_rgb(r, g, b)
        })
        .collect();
    let (x0, y0) = section.pixel_of(pose.entry);
    let (x1, y1) = section.pixel_of(pose.tip());
    let steps = ((x1 - x0).hypot(y1 - y0) as usize).max(1);
    for k in 0..=steps {
        let f = k as f32 / steps as f32;
        let (x, y) = (x0 + (x1 - x0) * f, y0 + (y1 - y0) * f);
        if x >= 0.0 && y >= 0.0 && (x as usize) < SECTION_PX[0] && (y as usize) < SECTION_PX[1] {
            pixels[y as usize * SECTION_PX[0] + x as usize] = egui::Color32::from_rgb(40, 230, 255);
        }
    }
    view.image = Some(egui::ColorImage::new(SECTION_PX, pixels));
    view.dirty = true;
}

#[derive(Resource, Default)]
pub struct HelpOpen(pub bool);

fn toggle_help(keys: Option<Res<ButtonInput<KeyCode>>>, mut open: ResMut<HelpOpen>) {
    if keys.is_some_and(|k| k.just_pressed(KeyCode::KeyH) || k.just_pressed(KeyCode::F1)) {
        open.0 = !open.0;
    }
}

/// Every control, in one place (H or F1).
pub const CONTROLS: [(&str, &str); 11] = [
    ("Ctrl + click skin", "place the needle there, straight in"),
    ("← / →", "tilt medially / laterally (2°; Shift 0.5°)"),
    ("↑ / ↓", "tilt toward the head / the feet"),
    ("W / S", "advance / withdraw 1 mm (Shift 0.25 mm) at 250 N"),
    ("hold F", "push firmly, 500 N"),
    ("hold T", "twist: the cortex yields to half the push"),
    ("Enter", "submit the site"),
    ("left drag", "orbit the view"),
    ("right drag / scroll", "pan / zoom"),
    (
        "1 2 3 4 5",
        "posterior, lateral, superior, anterior, needle's-eye view",
    ),
    ("H or F1", "show or hide this help"),
];

fn help_overlay(mut contexts: EguiContexts, mut open: ResMut<HelpOpen>) -> Result {
    if !open.0 {
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?;
    let mut still_open = true;
    egui::Window::new("Controls")
        .open(&mut still_open)
        .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
        .show(ctx, |ui| {
            egui::Grid::new("controls")
                .num_columns(2)
                .striped(true)
                .show(ui, |ui| {
                    for (key, what) in CONTROLS {
                        ui.label(egui::RichText::new(key).strong());
                        ui.label(what);
                        ui.end_row();
                    }
                });
        });
    open.0 = still_open;
    Ok(())
}

fn tissue_colour(t: crate::sim::tissue::Tissue) -> egui::Color32 {
    let [r, g, b] = t.colour();
    egui::Color32::from_rgb(r, g, b)
}

fn panel(
    mut contexts: EguiContexts,
    session: Res<SessionState>,
    mut section: ResMut<SectionView>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    if section.dirty {
        section.dirty = false;
        section.texture = section
            .image
            .take()
            .map(|img| ctx.load_texture("section", img, egui::TextureOptions::NEAREST));
    }
    let s = &session.0;
    let mut viewport_ui = egui::Ui::new(
        ctx.clone(),
        "viewport".into(),
        egui::UiBuilder::new()
            .layer_id(egui::LayerId::background())
            .max_rect(ctx.viewport_rect()),
    );
    egui::Panel::right("trainee")
        .exact_size(380.0)
        .show(&mut viewport_ui, |ui| {
            ui.heading(&s.scenario.title);
            let site = &s.scenario.sites[s.site.min(s.scenario.sites.len() - 1)];
            ui.label(format!(
                "{} mode · site {} of {}: {}",
                match s.scenario.mode {
                    Mode::Practice => "Practice",
                    Mode::Assessment => "Assessment",
                },
                s.site + 1,
                s.scenario.sites.len(),
                site.name
            ));
            ui.separator();
            egui::CollapsingHeader::new("Instructions")
                .default_open(true)
                .show(ui, |ui| {
                    for line in &s.scenario.instructions {
                        ui.label(format!("• {line}"));
                    }
                });
            ui.separator();
            readouts(ui, s);
            ui.separator();
            ui.label("Resistance against depth");
            force_plot(ui, s);
            ui.separator();
            if let Some(tex) = &section.texture {
                ui.label("Section in the needle's plane");
                ui.image((tex.id(), egui::vec2(360.0, 260.0)));
                ui.separator();
            }
            ui.label("Press H for the controls.");
        });
    Ok(())
}

fn readouts(ui: &mut egui::Ui, s: &Session) {
    let Some((tip, past_skin, past_cortex)) = s.readout() else {
        ui.label("Ctrl+click the skin over the entry point to place the needle.");
        return;
    };
    egui::Grid::new("readouts").num_columns(2).show(ui, |ui| {
        ui.label("Tip in");
        ui.colored_label(tissue_colour(tip), tip.name());
        ui.end_row();
        ui.label("Depth past the skin");
        ui.label(format!("{past_skin:.1} mm"));
        ui.end_row();
        ui.label("Depth past the cortex");
        ui.label(
            past_cortex
                .map(|d| format!("{d:.1} mm"))
                .unwrap_or("—".into()),
        );
        ui.end_row();
        if s.scenario.mode == Mode::Practice
            && let Some(a) = s.angle_to_aim()
        {
            ui.label("Angle to the aim");
            ui.label(format!("{a:.1}°"));
            ui.end_row();
        }
        if let Some(o) = s.last {
            ui.label("Resistance");
            ui.label(format!("{:.0} N", o.force));
            ui.end_row();
            if o.held_by_cortex {
                ui.label("");
                ui.colored_label(
                    egui::Color32::YELLOW,
                    "Held at the cortex: twist (T) or push firmly (F)",
                );
                ui.end_row();
            }
            if o.skidded {
                ui.label("");
                ui.colored_label(
                    egui::Color32::LIGHT_RED,
                    "Skidding along the bone: steepen the angle",
                );
                ui.end_row();
            }
        }
    });
}

fn force_plot(ui: &mut egui::Ui, s: &Session) {
    let (rect, _) = ui.allocate_exact_size(
        egui::vec2(ui.available_width(), 170.0),
        egui::Sense::hover(),
    );
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 4.0, egui::Color32::from_gray(24));
    let max_d = s.trace.iter().map(|p| p.0).fold(40.0f32, f32::max);
    let max_f = s.trace.iter().map(|p| p.1).fold(100.0f32, f32::max) * 1.1;
    let at = |d: f32, f: f32| {
        egui::pos2(
            rect.left() + 30.0 + (rect.width() - 40.0) * d / max_d,
            rect.bottom() - 18.0 - (rect.height() - 28.0) * f / max_f,
        )
    };
    for w in s.trace.windows(2) {
        painter.line_segment(
            [at(w[0].0, w[0].1), at(w[1].0, w[1].1)],
            egui::Stroke::new(2.5, tissue_colour(w[1].2)),
        );
    }
    let grey = egui::Color32::from_gray(150);
    painter.text(
        rect.left_bottom() + egui::vec2(30.0, -2.0),
        egui::Align2::LEFT_BOTTOM,
        "0",
        egui::FontId::proportional(11.0),
        grey,
    );
    painter.text(
        rect.right_bottom() + egui::vec2(-6.0, -2.0),
        egui::Align2::RIGHT_BOTTOM,
        format!("{max_d:.0} mm"),
        egui::FontId::proportional(11.0),
        grey,
    );
    painter.text(
        rect.left_top() + egui::vec2(4.0, 4.0),
        egui::Align2::LEFT_TOP,
        format!("{max_f:.0} N"),
        egui::FontId::proportional(11.0),
        grey,
    );
}

fn score_card(mut contexts: EguiContexts, mut session: ResMut<SessionState>) -> Result {
    let ctx = contexts.ctx_mut()?;
    let Some(score) = session.0.score.clone() else {
        return Ok(());
    };
    let mut retry = false;
    egui::Window::new("Score")
        .collapsible(false)
        .default_width(560.0)
        .anchor(egui::Align2::LEFT_TOP, [16.0, 16.0])
        .show(ctx, |ui| {
            let (colour, word) = match score.verdict {
                Verdict::Pass => (egui::Color32::from_rgb(80, 220, 120), "PASS"),
                Verdict::Fail => (egui::Color32::from_rgb(240, 180, 60), "FAIL"),
                Verdict::Unsafe => (egui::Color32::from_rgb(240, 70, 70), "UNSAFE"),
            };
            ui.horizontal(|ui| {
                ui.colored_label(colour, egui::RichText::new(word).size(26.0).strong());
                ui.label(
                    egui::RichText::new(format!(
                        "{:.1} / 100 (pass mark {:.0})",
                        score.total, score.pass_mark
                    ))
                    .size(20.0),
                );
            });
            ui.separator();
            egui::Grid::new("components")
                .striped(true)
                .num_columns(3)
                .show(ui, |ui| {
                    for c in &score.components {
                        ui.label(&c.label);
                        ui.label(format!("{:.1} {}", c.value, c.unit));
                        ui.label(format!("{:.1} / {:.1}", c.points, c.max_points));
                        ui.end_row();
                    }
                });
            ui.separator();
            ui.label(egui::RichText::new("What to work on").strong());
            for f in &score.feedback {
                ui.label(format!("• {f}"));
            }
            ui.separator();
            retry = ui.button("Retry this scene").clicked();
        });
    if retry {
        let s = &session.0;
        session.0 = Session::new(s.scenario.clone(), s.anatomy.clone());
    }
    Ok(())
}
