//! Preparation in the app: the checklist in the panel, the pen that marks the skin (M at the
//! cursor), and on the skin the marks, the antisepsis while it dries and the drape's window.

use super::AppSystems;
use super::anatomy_view::PatientFrame;
use super::input_guard::{keyboard_free, pointer_free};
use super::needle_view::GuideGizmos;
use super::session::{NeedleCommand, SessionState, SkinPointer};
use bevy::prelude::*;
use bevy_egui::egui;
use marrowsim_core::needle::session::Session;
use marrowsim_core::preparation::{PrepStep, model};
use marrowsim_core::words::count;

/// The key that marks the skin under the cursor.
pub const MARK_KEY: KeyCode = KeyCode::KeyM;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(
        Update,
        (
            mark_at_cursor
                .run_if(keyboard_free)
                .run_if(pointer_free)
                .in_set(AppSystems::Input),
            draw_field.in_set(AppSystems::Follow),
        ),
    );
}

fn mark_at_cursor(
    keys: Option<Res<ButtonInput<KeyCode>>>,
    session: Res<SessionState>,
    pointer: SkinPointer,
    mut out: MessageWriter<NeedleCommand>,
) {
    let Some(keys) = keys else { return };
    if session.0.scenario.preparation.is_none() || !keys.just_pressed(MARK_KEY) {
        return;
    }
    if let Some(p) = pointer.skin_under_cursor() {
        out.write(NeedleCommand::Mark(p));
    }
}

/// The scrubbed area's radius (mm): a hand's width around the mark. Guides ask for an area
/// larger than the drape's window; the figure is not critical to the score.
const SCRUBBED_MM: f32 = 75.0;
/// Half the drape window's side (mm).
const WINDOW_MM: f32 = 50.0;

/// The surgical pen's violet.
const PEN: Color = Color::srgb(0.62, 0.2, 0.85);

/// Each mark as a violet cross in a ring, the antisepsis as an amber ring around the first
/// mark (wet) turning tan once dry, and the drape as a green square window.
fn draw_field(
    session: Res<SessionState>,
    frame: Res<PatientFrame>,
    time: Res<Time>,
    replay: Option<Res<super::replay_view::Replay>>,
    mut gizmos: Gizmos<GuideGizmos>,
) {
    let s = &session.0;
    if s.scenario.preparation.is_none() {
        return;
    }
    // A replay shows the field as it was at its time.
    let now = replay.map_or(time.elapsed_secs(), |r| r.t);
    let done = |step: PrepStep| s.prepared(step).filter(|t| *t <= now);
    let w = frame.0;
    // Flat on the skin, square to the body: x across it, y along it.
    let on_skin = |p: Vec3| {
        let n = s.anatomy.skin_normal(p);
        let across = (Vec3::X - n * n.x).normalize_or(Vec3::Y);
        let basis = Mat3::from_cols(across, n.cross(across), n);
        let at = w.transform_point(p + n * 0.5);
        (at, w.rotation * Quat::from_mat3(&basis))
    };
    for m in s.marks().iter().filter(|m| m.t <= now) {
        let (at, rot) = on_skin(Vec3::from(m.at));
        let a = rot * Vec3::X * 4.0;
        let b = rot * Vec3::Y * 4.0;
        gizmos.line(at - a, at + a, PEN);
        gizmos.line(at - b, at + b, PEN);
        gizmos.circle(Isometry3d::new(at, rot), 3.0, PEN);
    }
    let Some(centre) = s
        .marks()
        .first()
        .filter(|m| m.t <= now)
        .map(|m| Vec3::from(m.at))
    else {
        return;
    };
    let (at, rot) = on_skin(centre);
    if done(PrepStep::Antisepsis).is_some() {
        let wet = s.antisepsis_wet(now).is_some();
        let colour = if wet {
            Color::srgb(1.0, 0.6, 0.1)
        } else {
            Color::srgb(0.8, 0.62, 0.4)
        };
        gizmos.circle(Isometry3d::new(at, rot), SCRUBBED_MM, colour);
    }
    if done(PrepStep::Drape).is_some() {
        gizmos.rect(
            Isometry3d::new(at, rot),
            Vec2::splat(2.0 * WINDOW_MM),
            Color::srgb(0.2, 0.65, 0.5),
        );
    }
}

/// The panel's checklist for scenes with a preparation phase; returns what was ticked.
/// Before the first puncture the list is open; after it, a line and the list folded.
pub(super) fn section(ui: &mut egui::Ui, s: &Session, now: f32) -> Vec<NeedleCommand> {
    let mut out = Vec::new();
    if s.scenario.preparation.is_none() {
        return out;
    }
    let punctured = !s.deposits().is_empty()
        || s.started().is_some()
        || s.readout().is_some_and(|(_, past_skin, _)| past_skin > 0.0);
    if !punctured {
        ui.strong("Preparation, before any needle");
        checklist(ui, s, now, &mut out);
        return out;
    }
    let done = PrepStep::ALL
        .iter()
        .filter(|step| s.prepared(**step).is_some())
        .count();
    egui::CollapsingHeader::new(format!(
        "Preparation: {done} of {} steps, {}",
        PrepStep::ALL.len(),
        count(s.marks().len(), "mark")
    ))
    .default_open(false)
    .show(ui, |ui| checklist(ui, s, now, &mut out));
    if s.prepared(PrepStep::Antisepsis).is_none() {
        ui.colored_label(
            egui::Color32::LIGHT_RED,
            "A needle is on the skin and it was not disinfected.",
        );
    }
    out
}

fn checklist(ui: &mut egui::Ui, s: &Session, now: f32, out: &mut Vec<NeedleCommand>) {
    for step in PrepStep::ALL {
        let done = s.prepared(step);
        ui.horizontal(|ui| {
            let mut ticked = done.is_some();
            let redo = step == PrepStep::Antisepsis && ticked;
            let enabled = !ticked || redo;
            let label = if redo {
                format!("{} (click to redo)", step.label())
            } else {
                step.label().to_string()
            };
            if ui
                .add_enabled(enabled, egui::Checkbox::new(&mut ticked, label))
                .clicked()
            {
                out.push(NeedleCommand::Prepare(step));
            }
        });
        if step == PrepStep::Antisepsis && done.is_some() {
            match s.antisepsis_wet(now) {
                Some(left) => ui.colored_label(
                    egui::Color32::from_rgb(255, 170, 60),
                    format!("Wet: scrub and dry for {left:.0} s more before any puncture."),
                ),
                None => ui.label("Dry: the skin may be punctured."),
            };
        }
    }
    match s.marks().len() {
        0 => ui.label(format!(
            "Mark the site: hold the cursor on the landmark and press M (within {:.0} mm of where the trocar goes in).",
            model().mark_tolerance_mm.value
        )),
        n => ui.label(format!("{} on the skin (M marks again).", count(n, "mark"))),
    };
}
