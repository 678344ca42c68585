//! The aspiration phase in the trainee panel: the stylet, the syringe filling pull by pull,
//! and the running yield against the volume drawn, from the same model as the score.

use super::session::{NeedleCommand, pull_choices};
use bevy_egui::egui;
use egui_plot::{Line, Plot, PlotPoints, Points};
use marrowsim_core::grading::aspiration::HarvestScore;
use marrowsim_core::grading::aspiration::QUARTER_TURN_DEG;
use marrowsim_core::needle::session::Session;
use marrowsim_core::scenario::AspirationSpec;

const BLOOD: egui::Color32 = egui::Color32::from_rgb(200, 40, 50);
const MARROW: egui::Color32 = egui::Color32::from_rgb(230, 170, 60);

/// Draws the aspiration section and returns what the trainee asked for.
pub(super) fn section(
    ui: &mut egui::Ui,
    s: &Session,
    volume: &mut f32,
    refusal: Option<&str>,
) -> Vec<NeedleCommand> {
    let mut out = Vec::new();
    let Some(spec) = s.scenario.aspiration.as_ref() else {
        return out;
    };
    ui.strong("Aspiration");
    let in_body = s.needle.is_some_and(|n| n.depth > 0.0)
        && s.tool == marrowsim_core::needle::session::Tool::Trocar;
    ui.horizontal(|ui| {
        let label = if s.stylet_out {
            "Put the stylet back (X)"
        } else {
            "Take the stylet out (X)"
        };
        if ui.add_enabled(in_body, egui::Button::new(label)).clicked() {
            out.push(NeedleCommand::Stylet);
        }
        ui.label(if s.stylet_out {
            "cannula open"
        } else {
            "stylet in"
        });
    });
    ui.horizontal_wrapped(|ui| {
        ui.label("Pull (− =):");
        for v in pull_choices(spec.syringe_ml) {
            ui.selectable_value(volume, v, format!("{v} mL"));
        }
    });
    let ready = in_body && s.stylet_out;
    if ui
        .add_enabled(
            ready,
            egui::Button::new(format!(
                "Pull {} mL into the {} mL syringe (P)",
                volume, spec.syringe_ml
            )),
        )
        .clicked()
    {
        out.push(NeedleCommand::Pull(*volume));
    }
    if let Some(why) = refusal {
        ui.colored_label(egui::Color32::YELLOW, why);
    }
    ui.horizontal_wrapped(|ui| {
        if ui
            .add_enabled(in_body, egui::Button::new("Turn the trocar 90° (O)"))
            .clicked()
        {
            out.push(NeedleCommand::Turn(super::session::TURN_DEG));
        }
        let since = s.pulls().last().map(|p| p.t);
        let turned: f32 = s
            .turns()
            .iter()
            .filter(|x| since.is_none_or(|t| x.t > t))
            .map(|x| x.deg.abs())
            .sum();
        if since.is_some() {
            ui.label(if turned >= QUARTER_TURN_DEG {
                format!("turned {turned:.0}° since the last pull: the bevel faces fresher marrow")
            } else {
                "or withdraw 1 cm for a fresh position".to_string()
            });
        }
    });
    if let Some(h) = s.harvest_so_far() {
        syringe(ui, spec, &h);
        if h.harvest.pulls.is_empty() {
            ui.label(format!(
                "No marrow drawn yet; the case needs {:.0} mL.",
                spec.target_ml
            ));
            wasted(ui, &h);
        } else {
            totals(ui, spec, &h);
            yield_chart(ui, &h);
        }
    }
    out
}

/// The last pull in the syringe: marrow over blood, in proportion.
fn syringe(ui: &mut egui::Ui, spec: &AspirationSpec, h: &HarvestScore) {
    let (w, ht) = (ui.available_width().min(340.0), 22.0);
    let (rect, _) = ui.allocate_exact_size(egui::vec2(w, ht), egui::Sense::hover());
    let p = ui.painter_at(rect);
    p.rect_stroke(
        rect,
        3.0,
        egui::Stroke::new(1.5, ui.visuals().text_color()),
        egui::StrokeKind::Inside,
    );
    let Some(last) = h.harvest.pulls.last() else {
        p.text(
            rect.center(),
            egui::Align2::CENTER_CENTER,
            "empty syringe",
            egui::FontId::proportional(13.0),
            ui.visuals().weak_text_color(),
        );
        return;
    };
    let fill = (last.ml as f32 / spec.syringe_ml).clamp(0.0, 1.0);
    let full = rect.shrink(2.0);
    let filled_w = full.width() * fill;
    let marrow_w = filled_w * (1.0 - last.blood_share as f32);
    let marrow = egui::Rect::from_min_size(full.min, egui::vec2(marrow_w, full.height()));
    let blood = egui::Rect::from_min_size(
        egui::pos2(full.min.x + marrow_w, full.min.y),
        egui::vec2(filled_w - marrow_w, full.height()),
    );
    p.rect_filled(marrow, 2.0, MARROW);
    p.rect_filled(blood, 2.0, BLOOD);
    ui.label(format!(
        "Pull {}: {:.1} of {} mL, {:.0}% blood, {:.0} progenitors per mL",
        last.pull,
        last.ml,
        spec.syringe_ml,
        last.blood_share * 100.0,
        last.progenitors_per_ml
    ));
}

fn totals(ui: &mut egui::Ui, spec: &AspirationSpec, h: &HarvestScore) {
    let a = &h.harvest.aspirate;
    ui.label(format!(
        "Collected {:.1} of {:.0} mL from {}: {:.0} progenitors, {:.0}% blood",
        a.ml,
        spec.target_ml,
        marrowsim_core::words::count(a.positions, "position"),
        a.progenitors,
        a.blood_share * 100.0
    ));
    if let Some(c) = &h.harvest.concentrate {
        ui.label(format!(
            "Concentrate: {:.1} mL at {:.0} progenitors per mL",
            c.ml, c.progenitors_per_ml
        ));
    }
    wasted(ui, h);
}

fn wasted(ui: &mut egui::Ui, h: &HarvestScore) {
    if let Some(first) = h.wasted.first() {
        ui.colored_label(
            egui::Color32::LIGHT_RED,
            format!(
                "{} with the tip outside the marrow (in {}) drew nothing useful",
                marrowsim_core::words::count(h.wasted.len(), "pull"),
                first.tissue.name()
            ),
        );
    }
}

/// Progenitors per mL of each pull, and its blood share, against the volume drawn so far.
fn yield_chart(ui: &mut egui::Ui, h: &HarvestScore) {
    let mut drawn = 0.0;
    let mut per_ml = Vec::new();
    let mut blood = Vec::new();
    for p in &h.harvest.pulls {
        drawn += p.ml;
        per_ml.push([drawn, p.progenitors_per_ml]);
        blood.push([drawn, p.blood_share * 100.0]);
    }
    ui.label("Progenitors per mL of each pull");
    pull_plot(ui, "yield_progenitors", "CFU-F/mL", per_ml, MARROW, 0.0);
    ui.label("Blood share of each pull (%)");
    pull_plot(ui, "yield_blood", "%", blood, BLOOD, 100.0);
}

/// A small still chart of one value per pull: a line with a dot at each pull.
fn pull_plot(
    ui: &mut egui::Ui,
    id: &str,
    unit: &str,
    points: Vec<[f64; 2]>,
    colour: egui::Color32,
    y_max: f64,
) {
    Plot::new(id)
        .height(130.0)
        .x_axis_label("volume drawn (mL)")
        .y_axis_label(unit)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .include_x(0.0)
        .include_y(0.0)
        .include_y(y_max)
        .show(ui, |plot| {
            plot.line(
                Line::new(unit, PlotPoints::new(points.clone()))
                    .color(colour)
                    .width(2.0),
            );
            plot.points(
                Points::new(unit, PlotPoints::new(points))
                    .color(colour)
                    .radius(3.0),
            );
        });
}
