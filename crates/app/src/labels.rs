//! Landmark labels on demand (L): each named landmark of the patient, drawn where it projects
//! on screen, under the panels.

use super::CurrentAnatomy;
use super::UiSystems;
use super::anatomy_view::PatientFrame;
use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

#[derive(Resource, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LabelsOn(pub bool);

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<LabelsOn>().add_systems(
        EguiPrimaryContextPass,
        draw_labels
            .before(UiSystems::Draw)
            .run_if(|on: Res<LabelsOn>| on.0),
    );
}

/// "psis_left" → "PSIS L", "iliac_crest_top_right" → "iliac crest top R".
pub fn label_text(name: &str) -> String {
    const ABBREVIATIONS: [&str; 5] = ["psis", "asis", "aiis", "piis", "si"];
    let mut words: Vec<String> = name.split('_').map(str::to_string).collect();
    for w in &mut words {
        if ABBREVIATIONS.contains(&w.as_str()) {
            *w = w.to_uppercase();
        }
    }
    match words.last().map(String::as_str) {
        Some("left") => *words.last_mut().unwrap() = "L".into(),
        Some("right") => *words.last_mut().unwrap() = "R".into(),
        _ => {}
    }
    words.join(" ")
}

/// Which landmarks the camera sees directly (the rest are behind bone and drawn dimmed),
/// worked out again only when the camera or the patient changes.
#[derive(Resource, Default)]
struct LabelCache {
    key: Option<(Mat4, usize)>,
    labels: Vec<(String, Vec3, bool)>,
}

fn draw_labels(
    mut contexts: EguiContexts,
    anatomy: Res<CurrentAnatomy>,
    frame: Res<PatientFrame>,
    session: Option<Res<super::session::SessionState>>,
    cameras: Query<(&Camera, &GlobalTransform), With<Camera3d>>,
    mut seen: Local<LabelCache>,
) -> Result {
    let assessing = session.as_ref().is_some_and(|s| {
        s.0.scenario.mode == marrowsim_core::scenario::Mode::Assessment && s.0.score.is_none()
    });
    if assessing {
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?;
    let Ok((camera, cam_tf)) = cameras.single() else {
        return Ok(());
    };
    let key = (
        cam_tf.to_matrix(),
        std::sync::Arc::as_ptr(&anatomy.0) as usize,
    );
    if seen.key != Some(key) {
        let other_side = match session.as_ref().map(|s| s.0.left_side()) {
            Some(true) => Some("_right"),
            Some(false) => Some("_left"),
            None => None,
        };
        let eye = frame.to_ras(cam_tf.translation());
        seen.labels = anatomy
            .0
            .landmarks()
            .iter()
            .filter(|(name, _)| other_side.is_none_or(|o| !name.ends_with(o)))
            .map(|(name, p)| {
                let to = *p - eye;
                let hit = anatomy.0.raycast_bone(eye, to, to.length());
                let visible = hit.is_none_or(|h| (h - eye).length() > to.length() - 4.0);
                (name.clone(), *p, visible)
            })
            .collect();
        seen.key = Some(key);
    }
    let painter = ctx.layer_painter(egui::LayerId::background());
    let font = egui::FontId::proportional(14.0);
    let scale = ctx.pixels_per_point();
    for (name, p, visible) in &seen.labels {
        let Ok(px) = camera.world_to_viewport(cam_tf, frame.point(*p)) else {
            continue;
        };
        let at = egui::pos2(px.x, px.y) / scale;
        let colour = if *visible {
            egui::Color32::WHITE
        } else {
            egui::Color32::from_gray(150)
        };
        painter.circle_filled(at, 3.0, colour);
        let galley = painter.layout_no_wrap(label_text(name), font.clone(), colour);
        let top_left = at + egui::vec2(6.0, -2.0 - galley.size().y);
        painter.rect_filled(
            egui::Rect::from_min_size(top_left, galley.size()).expand(2.0),
            3.0,
            egui::Color32::from_black_alpha(if *visible { 170 } else { 90 }),
        );
        painter.galley(top_left, galley, colour);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::label_text;

    #[test]
    fn labels_read_as_anatomy() {
        assert_eq!(label_text("psis_left"), "PSIS L");
        assert_eq!(label_text("iliac_crest_top_right"), "iliac crest top R");
        assert_eq!(label_text("si_joint_left"), "SI joint L");
        assert_eq!(label_text("coccyx_tip"), "coccyx tip");
    }
}
