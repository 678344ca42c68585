//! The panel's charts, drawn with egui_plot: the force felt against depth (the cortex is a
//! wall, the marrow a sudden ease), and the trainee's totals on the open scene against the
//! pass mark. Both have axes with ticks and read out the point under the pointer.

use super::history_view::HistoryStore;
use super::hud::{tissue_colour, verdict_colour};
use bevy_egui::egui;
use egui_plot::{
    AxisHints, GridInput, GridMark, HLine, HoverPosition, Line, Plot, PlotPoints, Points,
    uniform_grid_spacer,
};
use marrowsim_core::grading::scoring::{RUBRIC, Verdict};
use marrowsim_core::needle::session::Session;
use marrowsim_core::tissue::Tissue;

/// Marks an older rubric gave that the current one would not.
pub(super) const OLDER_RUBRIC: egui::Color32 = egui::Color32::from_rgb(240, 190, 90);

/// A chart that reads out but does not move: the panel is no place to pan or zoom. Its x
/// ticks are short numbers, so they are labelled closer together than egui_plot's default,
/// which leaves a narrow panel with a single label.
fn still_plot<'a>(id: &'a str, height: f32, x_label: &'a str) -> Plot<'a> {
    Plot::new(id)
        .custom_x_axes(vec![
            AxisHints::new_x().label(x_label).label_spacing(28.0..=40.0),
        ])
        .height(height)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .allow_double_click_reset(false)
        .show_grid(true)
}

/// Grid marks for counting attempts: whole numbers only, every 1, 5 and 10 times the least
/// power of ten that leaves room between marks. egui_plot's default divides a unit into
/// tenths, which labels a chart of one attempt 0.6, 0.8, 1.2.
fn whole_numbers(input: GridInput) -> Vec<GridMark> {
    let step = 10f64.powf(input.base_step_size.max(1.0).log10().ceil());
    uniform_grid_spacer(move |_| [step, 5.0 * step, 10.0 * step])(input)
}

/// Consecutive trace points in the same tissue, each run starting at the last point of the
/// one before so that the line is unbroken.
fn tissue_runs(trace: &[(f32, f32, Tissue)]) -> Vec<(Tissue, Vec<[f64; 2]>)> {
    let mut runs: Vec<(Tissue, Vec<[f64; 2]>)> = Vec::new();
    for (i, &(depth, force, tissue)) in trace.iter().enumerate() {
        let p = [depth as f64, force as f64];
        match runs.last_mut() {
            Some((t, points)) if *t == tissue => points.push(p),
            _ => {
                let mut points = Vec::new();
                if i > 0 {
                    let (d, f, _) = trace[i - 1];
                    points.push([d as f64, f as f64]);
                }
                points.push(p);
                runs.push((tissue, points));
            }
        }
    }
    runs
}

/// The read-out under the pointer: the tissue, the depth and the force.
fn force_label(pos: &HoverPosition<'_>) -> Option<String> {
    Some(match pos {
        HoverPosition::NearDataPoint {
            plot_name,
            position,
            ..
        } => format!("{plot_name}\n{:.1} mm, {:.0} N", position.x, position.y),
        HoverPosition::Elsewhere { position } => {
            format!("{:.1} mm, {:.0} N", position.x, position.y)
        }
    })
}

pub(super) fn force_depth(ui: &mut egui::Ui, s: &Session) {
    still_plot("force_depth", 140.0, "depth past the skin (mm)")
        .y_axis_label("force (N)")
        .include_x(0.0)
        .include_x(40.0)
        .include_y(0.0)
        .include_y(100.0)
        .label_formatter(force_label)
        .show(ui, |plot| {
            for (tissue, points) in tissue_runs(&s.trace) {
                plot.line(
                    Line::new(tissue.name(), PlotPoints::new(points))
                        .color(tissue_colour(tissue))
                        .width(2.5),
                );
            }
        });
}

fn verdict_name(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "pass",
        Verdict::Fail => "fail",
        Verdict::Unsafe => "unsafe",
    }
}

/// The read-out under the pointer: which attempt, its total and its verdict.
fn attempt_label(pos: &HoverPosition<'_>) -> Option<String> {
    match pos {
        HoverPosition::NearDataPoint {
            plot_name,
            position,
            ..
        } if *plot_name != "pass mark" => Some(format!(
            "attempt {:.0}: {:.1} ({plot_name})",
            position.x, position.y
        )),
        HoverPosition::NearDataPoint { position, .. } => {
            Some(format!("pass mark {:.0}", position.y))
        }
        HoverPosition::Elsewhere { .. } => None,
    }
}

/// The trainee's results on this scene: counts, best, and every total against the pass mark.
pub(super) fn progress(ui: &mut egui::Ui, store: &HistoryStore, title: &str) {
    let mine: Vec<_> = store.for_scene(title).collect();
    let count = match mine.len() {
        1 => "1 attempt".to_string(),
        n => format!("{n} attempts"),
    };
    egui::CollapsingHeader::new(format!("Your progress ({count})"))
        .default_open(!mine.is_empty())
        .show(ui, |ui| {
            let Some(last) = mine.last() else {
                ui.label("No marked attempts on this scene yet.");
                return;
            };
            let passes = mine.iter().filter(|e| e.verdict == Verdict::Pass).count();
            let best = mine.iter().map(|e| e.total).fold(0.0, f32::max);
            ui.label(format!(
                "{passes} passed of {}; best {best:.1}; last {:.1}",
                mine.len(),
                last.total
            ));
            let remarked: Vec<_> = mine
                .iter()
                .enumerate()
                .filter_map(|(i, e)| {
                    let now = store.now.get(&e.id).filter(|n| n.differs(e))?;
                    Some((i, e, now))
                })
                .collect();
            if !remarked.is_empty() {
                let list: Vec<String> = remarked
                    .iter()
                    .map(|(_, e, now)| format!("#{} {}", e.id, now.brief()))
                    .collect();
                ui.colored_label(
                    OLDER_RUBRIC,
                    format!("Marked by an older rubric; marked now: {}", list.join(", ")),
                )
                .on_hover_text(format!(
                    "The record keeps each mark as it was given. This version's rubric \
                     (version {RUBRIC}) gives these attempts, on the same scene, the marks \
                     shown. Ringed on the chart."
                ));
            }
            let totals: Vec<[f64; 2]> = mine
                .iter()
                .enumerate()
                .map(|(i, e)| [i as f64 + 1.0, e.total as f64])
                .collect();
            still_plot("progress", 110.0, "attempt")
                .x_grid_spacer(whole_numbers)
                .y_axis_label("total")
                .include_x(0.5)
                .include_x(mine.len() as f64 + 0.5)
                .include_y(0.0)
                .include_y(100.0)
                .label_formatter(attempt_label)
                .show(ui, |plot| {
                    plot.hline(
                        HLine::new("pass mark", last.pass_mark as f64)
                            .color(egui::Color32::from_gray(140))
                            .width(1.0),
                    );
                    plot.line(
                        Line::new("totals", PlotPoints::new(totals.clone()))
                            .color(egui::Color32::from_gray(200))
                            .width(1.5),
                    );
                    if !remarked.is_empty() {
                        let rings: Vec<[f64; 2]> =
                            remarked.iter().map(|(i, _, _)| totals[*i]).collect();
                        plot.points(
                            Points::new("marked differently now", PlotPoints::new(rings))
                                .color(OLDER_RUBRIC)
                                .filled(false)
                                .radius(7.0),
                        );
                    }
                    for v in [Verdict::Pass, Verdict::Fail, Verdict::Unsafe] {
                        let points: Vec<[f64; 2]> = mine
                            .iter()
                            .zip(&totals)
                            .filter(|(e, _)| e.verdict == v)
                            .map(|(_, p)| *p)
                            .collect();
                        if !points.is_empty() {
                            plot.points(
                                Points::new(verdict_name(v), PlotPoints::new(points))
                                    .color(verdict_colour(v))
                                    .radius(4.0),
                            );
                        }
                    }
                });
        });
}

#[cfg(test)]
mod tests {
    use super::*;
    use egui_plot::PlotPoint;

    #[test]
    fn the_force_line_changes_colour_where_the_tissue_changes_and_stays_unbroken() {
        let trace = [
            (0.0, 5.0, Tissue::Skin),
            (1.0, 6.0, Tissue::Skin),
            (2.0, 3.0, Tissue::Fat),
            (3.0, 90.0, Tissue::Cortex),
            (4.0, 20.0, Tissue::Marrow),
        ];
        let runs = tissue_runs(&trace);
        let tissues: Vec<Tissue> = runs.iter().map(|r| r.0).collect();
        assert_eq!(
            tissues,
            [Tissue::Skin, Tissue::Fat, Tissue::Cortex, Tissue::Marrow]
        );
        assert_eq!(
            runs[1].1,
            vec![[1.0, 6.0], [2.0, 3.0]],
            "joined to the skin"
        );
        assert_eq!(runs.iter().map(|r| r.1.len()).sum::<usize>(), 5 + 3);
    }

    #[test]
    fn the_attempt_axis_is_marked_in_whole_attempts() {
        let marks = |bounds, base_step_size| {
            whole_numbers(GridInput {
                bounds,
                base_step_size,
            })
        };
        let one = marks((0.5, 1.5), 0.004);
        assert_eq!(
            one.iter().map(|m| m.value).collect::<Vec<_>>(),
            [1.0],
            "one attempt, one mark"
        );
        let many = marks((0.5, 240.5), 0.9);
        assert!(
            many.iter().all(|m| m.value.fract() == 0.0),
            "{:?}",
            many.iter().map(|m| m.value).collect::<Vec<_>>()
        );
        assert!(many.iter().any(|m| m.value == 50.0 && m.step_size == 10.0));
        let crowded = marks((0.5, 240.5), 3.0);
        assert!(crowded.iter().all(|m| m.value % 10.0 == 0.0));
    }

    #[test]
    fn the_read_outs_name_what_is_under_the_pointer() {
        let near = |name, x, y| HoverPosition::NearDataPoint {
            plot_name: name,
            position: PlotPoint::new(x, y),
            index: 0,
        };
        assert_eq!(
            force_label(&near("cortex", 23.04, 251.6)).unwrap(),
            "cortex\n23.0 mm, 252 N"
        );
        assert_eq!(
            attempt_label(&near("unsafe", 3.0, 69.54)).unwrap(),
            "attempt 3: 69.5 (unsafe)"
        );
        assert_eq!(
            attempt_label(&near("pass mark", 2.0, 70.0)).unwrap(),
            "pass mark 70"
        );
    }
}
