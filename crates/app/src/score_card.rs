//! The score card after the last site: verdict, each component with its feedback, the ideal
//! track beside the trainee's for every site, and what to do next (retry, new patient, next
//! scene).

use super::UiSystems;
use super::case::{CaseCommand, fresh_draw};
use super::hud::right_panel;
use super::hud::verdict_colour;
use super::section_image::{IDEAL_GREEN, NEEDLE_CYAN, Track, section_image};
use super::session::SessionState;
use super::viewport::ViewportRect;
use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};
use glam::Vec3;
use marrowsim_core::geometry::section::SectionPlane;
use marrowsim_core::grading::scoring::{Severity, Verdict};
use marrowsim_core::needle::session::Session;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<TrackFigures>()
        .add_systems(
            Update,
            update_figures
                .after(super::needle_view::update_tracks)
                .in_set(super::AppSystems::Follow),
        )
        .add_systems(
            EguiPrimaryContextPass,
            score_card
                .in_set(UiSystems::Draw)
                .run_if(super::class_view::board_hidden),
        );
}

/// One site's tracks: the ideal one and where the trainee's needle ended.
#[derive(Clone, Copy, Debug)]
pub struct SiteTracks {
    pub ideal: (Vec3, Vec3),
    pub yours: Option<(Vec3, Vec3)>,
}

/// The ideal and actual tracks of every submitted site (empty until the attempt is scored).
pub fn site_tracks(session: &Session) -> Vec<SiteTracks> {
    if session.score.is_none() {
        return Vec::new();
    }
    session
        .attempt()
        .sites
        .iter()
        .filter_map(|site| {
            let zone = session.scenario.resolve(site.site, &session.anatomy)?;
            let yours = site.timeline.last().map(|s| {
                let p = s.pose();
                (p.entry, p.tip())
            });
            Some(SiteTracks {
                ideal: zone.ideal_track(&session.anatomy),
                yours,
            })
        })
        .collect()
}

const FIGURE_PX: [usize; 2] = [260, 150];
const FIGURE_MM_PER_PX: f32 = 0.65;

/// The section through the ideal track and the trainee's tip, with both tracks drawn.
pub fn track_figure(session: &Session, t: &SiteTracks) -> egui::ColorImage {
    let (from, to) = t.ideal;
    let along = (to - from).normalize_or(Vec3::Y);
    let off_plane = t
        .yours
        .map(|(_, tip)| tip - from)
        .map(|d| d - along * d.dot(along))
        .filter(|d| d.length() > 1.0)
        .unwrap_or(Vec3::Z);
    let mut plane = SectionPlane::along(from, to, off_plane);
    plane.origin = from + along * 45.0;
    let mut tracks = vec![Track {
        from,
        to,
        colour: IDEAL_GREEN,
    }];
    if let Some((entry, tip)) = t.yours {
        tracks.push(Track {
            from: entry,
            to: tip,
            colour: NEEDLE_CYAN,
        });
    }
    section_image(
        &session.anatomy,
        plane,
        FIGURE_PX,
        FIGURE_MM_PER_PX,
        &tracks,
    )
}

/// The score card's figures, made once per scored attempt.
#[derive(Resource, Default)]
pub struct TrackFigures {
    images: Option<Vec<egui::ColorImage>>,
    textures: Vec<egui::TextureHandle>,
    dirty: bool,
}

fn update_figures(
    session: Res<SessionState>,
    tracks: Res<super::needle_view::ScoredTracks>,
    mut figures: ResMut<TrackFigures>,
) {
    let scored = session.0.score.is_some();
    if scored == figures.images.is_some() {
        return;
    }
    figures.images = scored.then(|| {
        tracks
            .0
            .iter()
            .flatten()
            .map(|t| track_figure(&session.0, t))
            .collect()
    });
    figures.dirty = true;
}

/// The score card takes the trainee panel's place, wider, so the 3D view beside it still
/// shows both tracks.
pub const CARD_WIDTH: f32 = 560.0;

/// The replay the card's lines jump in, and the button that starts one.
#[derive(bevy::ecs::system::SystemParam)]
struct CardReplay<'w> {
    replay: Option<ResMut<'w, super::replay_view::Replay>>,
    ask: MessageWriter<'w, super::replay_view::ReplayRequest>,
}

/// Where the attempt was recorded, and whether the card shows on an instructor's board.
#[derive(bevy::ecs::system::SystemParam)]
struct CardRecord<'w> {
    history: Option<Res<'w, super::history_view::HistoryStore>>,
    board: Option<Res<'w, super::class_view::ClassBoard>>,
}

fn score_card(
    mut contexts: EguiContexts,
    session: Res<SessionState>,
    mut figures: ResMut<TrackFigures>,
    mut out: MessageWriter<CaseCommand>,
    mut viewport: ResMut<ViewportRect>,
    record: CardRecord,
    mut replays: CardReplay,
) -> Result {
    let CardRecord { history, board } = record;
    let CardReplay {
        replay,
        ask: ask_replay,
    } = &mut replays;
    let ctx = contexts.ctx_mut()?;
    if figures.dirty {
        figures.dirty = false;
        let images = figures.images.clone().unwrap_or_default();
        figures.textures = images
            .into_iter()
            .enumerate()
            .map(|(i, img)| {
                ctx.load_texture(format!("track{i}"), img, egui::TextureOptions::LINEAR)
            })
            .collect();
    }
    let Some(score) = session.0.score.as_ref() else {
        return Ok(());
    };
    right_panel(ctx, "score", CARD_WIDTH, &mut viewport, |ui| {
        let colour = verdict_colour(score.verdict);
        let word = match score.verdict {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Unsafe => "UNSAFE",
        };
        // Sized from the body text, so that the verdict leads at a projector's size too.
        let body = ui.style().text_styles[&egui::TextStyle::Body].size;
        ui.horizontal(|ui| {
            ui.colored_label(colour, egui::RichText::new(word).size(body * 2.1).strong());
            ui.label(
                egui::RichText::new(format!(
                    "{:.1} / 100 (pass mark {:.0})",
                    score.total, score.pass_mark
                ))
                .size(body * 1.6),
            );
        });
        ui.separator();
        // On the instructor's board the card reviews a trainee's attempt, already replaying:
        // the case is not the instructor's to retry.
        if board.is_none() {
            ui.horizontal(|ui| {
                if ui.button("Retry this scene (R)").clicked() {
                    out.write(CaseCommand::Retry);
                }
                if ui.button("New patient (N)").clicked() {
                    out.write(CaseCommand::NewPatient(fresh_draw()));
                }
                if ui.button("Next scene (PgDn)").clicked() {
                    out.write(CaseCommand::NextScene);
                }
                if replay.is_none() && ui.button("Replay").clicked() {
                    ask_replay.write(super::replay_view::ReplayRequest::Current);
                }
            });
        }
        if let Some(store) = history.as_deref() {
            saved_line(ui, store);
        }
        ui.separator();
        components_grid(ui, score, replay.as_deref_mut());
        for note in score.sites.iter().filter_map(|s| s.cap_note()) {
            ui.colored_label(colour, note);
        }
        if let Some(h) = &score.harvest {
            harvest_report(ui, h);
        }
        ui.separator();
        ui.label(egui::RichText::new("What to work on").strong());
        for f in &score.feedback {
            ui.label(format!("• {f}"));
        }
        if !figures.textures.is_empty() {
            ui.separator();
            ui.horizontal(|ui| {
                ui.colored_label(IDEAL_GREEN, "green: the ideal track");
                ui.colored_label(NEEDLE_CYAN, "cyan: yours");
                ui.label("(a section through both)");
            });
            ui.horizontal(|ui| {
                for tex in &figures.textures {
                    let w = ((CARD_WIDTH - 30.0) / figures.textures.len() as f32).min(330.0);
                    ui.image((tex.id(), egui::vec2(w, w * 150.0 / 260.0)));
                }
            });
        }
    });
    Ok(())
}

/// Each component: its label, its value and its points. The labels wrap, so that the points
/// stay in view at a projector's text size too.
pub(super) fn components_grid(
    ui: &mut egui::Ui,
    score: &marrowsim_core::grading::scoring::Score,
    mut replay: Option<&mut super::replay_view::Replay>,
) {
    let label_width = (ui.available_width() * 0.6).max(120.0);
    egui::Grid::new("components")
        .striped(true)
        .num_columns(3)
        .max_col_width(label_width)
        .show(ui, |ui| {
            ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Wrap);
            for c in &score.components {
                // With a replay open, a line jumps to the moment it is about.
                let moment = replay
                    .as_deref()
                    .and_then(|r| super::replay_view::moment_of(r.moments(), &c.key));
                match (moment, replay.as_deref_mut()) {
                    (Some(t), Some(r)) => {
                        if ui
                            .link(&c.label)
                            .on_hover_text("show this moment in the replay")
                            .clicked()
                        {
                            r.playing = false;
                            r.seek(t);
                        }
                    }
                    _ => {
                        ui.label(&c.label);
                    }
                }
                ui.label(c.shown_value());
                // What fails the site, or makes it unsafe, shows in its verdict's colour.
                let points = format!("{:.1} / {:.1}", c.points, c.max_points);
                match c.severity {
                    Severity::Unsafe => ui.colored_label(verdict_colour(Verdict::Unsafe), points),
                    Severity::Failing => ui.colored_label(verdict_colour(Verdict::Fail), points),
                    _ => ui.label(points),
                };
                ui.end_row();
            }
        });
}

/// The harvest report: what was drawn, the concentrate, and the dose left for reinjection.
fn harvest_report(ui: &mut egui::Ui, h: &marrowsim_core::grading::aspiration::HarvestScore) {
    ui.separator();
    ui.label(egui::RichText::new("Harvest report").strong());
    for line in h.report() {
        ui.label(line);
    }
}

/// Where the attempt was saved, and the command that grades it again.
fn saved_line(ui: &mut egui::Ui, store: &super::history_view::HistoryStore) {
    match &store.last {
        Some(Ok(entry)) => {
            ui.label(format!(
                "Saved as attempt {} in {}",
                entry.id,
                store.db_path().display()
            ));
            ui.label(
                egui::RichText::new(format!(
                    "marrowsim history --data {} --export {} --out attempt.ron",
                    store.dir.display(),
                    entry.id
                ))
                .monospace()
                .small(),
            );
        }
        Some(Err(e)) => {
            ui.colored_label(
                egui::Color32::LIGHT_RED,
                format!("The attempt was not saved: {e}"),
            );
        }
        None => {}
    }
    if let Some(sharing) = store.sharing() {
        super::hud::sharing_line(ui, &sharing);
    }
}
