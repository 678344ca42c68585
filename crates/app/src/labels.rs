//! Landmark labels on demand (L): each named landmark of the patient, drawn where it projects
//! on screen, beside the panels and the windows where there is room.

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
    viewport: Option<Res<super::viewport::ViewportRect>>,
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
    let covered = covered(ctx, viewport.map(|v| v.0));
    let mut shown = Vec::new();
    for (name, p, visible) in &seen.labels {
        let Ok(px) = camera.world_to_viewport(cam_tf, frame.point(*p)) else {
            continue;
        };
        // A landmark under a window or the panel is out of sight, and so is its label.
        let at = egui::pos2(px.x, px.y) / scale;
        if covered.iter().any(|r| r.contains(at)) {
            continue;
        }
        let colour = if *visible {
            egui::Color32::WHITE
        } else {
            egui::Color32::from_gray(150)
        };
        let galley = painter.layout_no_wrap(label_text(name), font.clone(), colour);
        shown.push((at, galley, *visible, colour));
    }
    // The labels the camera sees claim their places first.
    shown.sort_by_key(|(.., visible, _)| !*visible);
    let boxes = place(
        &shown
            .iter()
            .map(|(at, galley, ..)| (*at, galley.size()))
            .collect::<Vec<_>>(),
        &covered,
    );
    for ((at, galley, visible, colour), (top_left, moved)) in shown.into_iter().zip(boxes) {
        painter.circle_filled(at, 3.0, colour);
        let rect = egui::Rect::from_min_size(top_left, galley.size()).expand(LABEL_PAD);
        if moved {
            let end = rect.clamp(at);
            painter.line_segment(
                [at, end],
                egui::Stroke::new(1.0, colour.gamma_multiply(0.7)),
            );
        }
        painter.rect_filled(
            rect,
            3.0,
            egui::Color32::from_black_alpha(if visible { 170 } else { 90 }),
        );
        painter.galley(top_left, galley, colour);
    }
    Ok(())
}

/// The margin drawn around a label's text (points).
const LABEL_PAD: f32 = 2.0;

/// What covers the 3D view (the labels are drawn beneath): the windows open last frame (the
/// scene editor, the controls, the replay) and the side panel, right of the view's rect.
fn covered(ctx: &egui::Context, view: Option<egui::Rect>) -> Vec<egui::Rect> {
    let mut rects: Vec<egui::Rect> = ctx.memory(|m| {
        m.areas()
            .visible_layer_ids()
            .into_iter()
            .filter(|layer| layer.order == egui::Order::Middle)
            .filter_map(|layer| m.area_rect(layer.id))
            .collect()
    });
    if let Some(v) = view.filter(|v| v.max.x.is_finite()) {
        rects.push(egui::Rect::from_min_max(
            egui::pos2(v.max.x, f32::NEG_INFINITY),
            egui::pos2(f32::INFINITY, f32::INFINITY),
        ));
    }
    rects
}

/// Where each label's text goes, in order, so that no two overlap and none goes under what
/// is `covered`: beside its landmark, up and to the right, or else the first free place in a
/// widening search around it (beside its landmark if there is none). Each comes with whether
/// it left its first place (it then gets a line to its landmark). `labels` are the
/// landmarks' screen points and the texts' sizes, in the order they claim places.
fn place(labels: &[(egui::Pos2, egui::Vec2)], covered: &[egui::Rect]) -> Vec<(egui::Pos2, bool)> {
    let mut taken: Vec<egui::Rect> = covered.to_vec();
    labels
        .iter()
        .map(|&(at, size)| {
            let first = at + egui::vec2(6.0, -2.0 - size.y);
            let step = size.y + 2.0 * LABEL_PAD + 1.0;
            let left = -6.0 - size.x;
            let mut candidates = std::iter::once(first).chain((1..=6).flat_map(|i| {
                let dy = i as f32 * step;
                [
                    first + egui::vec2(0.0, dy),
                    first + egui::vec2(0.0, -dy),
                    egui::pos2(at.x + left, first.y + dy),
                    egui::pos2(at.x + left, first.y - dy),
                ]
            }));
            let free = |top_left: &egui::Pos2| {
                let r = egui::Rect::from_min_size(*top_left, size).expand(LABEL_PAD);
                !taken.iter().any(|t| t.intersects(r))
            };
            let top_left = candidates.find(free).unwrap_or(first);
            taken.push(egui::Rect::from_min_size(top_left, size).expand(LABEL_PAD));
            (top_left, top_left != first)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{LABEL_PAD, label_text, place};
    use bevy_egui::egui;

    /// Landmarks that project close together (the ischial spine and the symphysis in the
    /// posterior view) get labels that do not overlap; a lone label stays beside its point.
    #[test]
    fn labels_of_nearby_landmarks_do_not_overlap() {
        let size = egui::vec2(90.0, 16.0);
        let points = [
            egui::pos2(360.0, 530.0),
            egui::pos2(365.0, 528.0),
            egui::pos2(370.0, 532.0),
            egui::pos2(600.0, 200.0),
        ];
        let placed = place(&points.map(|p| (p, size)), &[]);
        let rects: Vec<_> = placed
            .iter()
            .map(|(tl, _)| egui::Rect::from_min_size(*tl, size).expand(LABEL_PAD))
            .collect();
        for i in 0..rects.len() {
            for j in i + 1..rects.len() {
                assert!(!rects[i].intersects(rects[j]), "{i} and {j} overlap");
            }
        }
        assert!(!placed[0].1, "the first label keeps its place");
        assert!(placed[1].1 && placed[2].1, "the crowded ones move");
        assert_eq!(
            placed[3],
            (points[3] + egui::vec2(6.0, -2.0 - size.y), false),
            "a lone label stays beside its point"
        );
    }

    /// A label whose first place is under a window (the scene editor) or the side panel
    /// moves to a free place beside it, with a line back to its landmark.
    #[test]
    fn labels_keep_out_from_under_windows_and_the_panel() {
        let size = egui::vec2(90.0, 16.0);
        let editor = egui::Rect::from_min_max(egui::pos2(400.0, 100.0), egui::pos2(800.0, 500.0));
        let panel = egui::Rect::from_min_max(
            egui::pos2(1000.0, f32::NEG_INFINITY),
            egui::pos2(f32::INFINITY, f32::INFINITY),
        );
        let points = [egui::pos2(340.0, 300.0), egui::pos2(950.0, 600.0)];
        let placed = place(&points.map(|p| (p, size)), &[editor, panel]);
        for ((top_left, moved), at) in placed.iter().zip(points) {
            let r = egui::Rect::from_min_size(*top_left, size).expand(LABEL_PAD);
            assert!(
                !r.intersects(editor) && !r.intersects(panel),
                "{at:?}: {r:?}"
            );
            assert!(*moved, "{at:?} left its first place");
            assert!(
                (r.center() - at).length() < 150.0,
                "{at:?} stays near: {r:?}"
            );
        }
    }

    #[test]
    fn labels_read_as_anatomy() {
        assert_eq!(label_text("psis_left"), "PSIS L");
        assert_eq!(label_text("iliac_crest_top_right"), "iliac crest top R");
        assert_eq!(label_text("si_joint_left"), "SI joint L");
        assert_eq!(label_text("coccyx_tip"), "coccyx tip");
    }
}
