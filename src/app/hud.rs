//! The trainee's panel (egui): the case, live readouts, the force–depth plot, the controls,
//! and the score card after submitting.

use super::session::SessionState;
use crate::sim::scenario::Mode;
use crate::sim::scoring::Verdict;
use crate::sim::session::Session;
use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

pub fn plugin(app: &mut App) {
    app.add_systems(
        EguiPrimaryContextPass,
        (panel, score_card).run_if(resource_exists::<SessionState>),
    );
}

fn tissue_colour(t: crate::sim::tissue::Tissue) -> egui::Color32 {
    let [r, g, b] = t.colour();
    egui::Color32::from_rgb(r, g, b)
}

fn panel(mut contexts: EguiContexts, session: Res<SessionState>) -> Result {
    let ctx = contexts.ctx_mut()?;
    let s = &session.0;
    let mut viewport_ui = egui::Ui::new(
        ctx.clone(),
        "viewport".into(),
        egui::UiBuilder::new()
            .layer_id(egui::LayerId::background())
            .max_rect(ctx.viewport_rect()),
    );
    egui::Panel::right("trainee").exact_size(380.0).show(&mut viewport_ui, |ui| {
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
        egui::CollapsingHeader::new("Instructions").default_open(true).show(ui, |ui| {
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
        ui.label("Ctrl+click skin: place · arrows: tilt (Shift fine) · W/S: advance/withdraw · hold T: twist · hold F: firm push · Enter: submit · 1–4: views");
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
