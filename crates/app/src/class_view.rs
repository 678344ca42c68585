//! The instructor's live board (`marrowsim class`): the class's attempts as they arrive, each
//! trainee's count, passes and last score, the pass rate per scene and the most frequent
//! error, read from the room's record every few seconds on a task so no frame waits for the
//! network. "Replay" on a row plays that attempt against the scene it was marked with; B
//! brings the board back.

use super::AppSystems;
use super::input_guard::keyboard_free;
use super::replay_view::ReplayRequest;
use bevy::prelude::*;
use bevy::tasks::{Task, block_on, futures_lite::future::poll_once};
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};
use marrowsim_core::grading::scoring::Verdict;
use marrowsim_core::records::class::Board;
use marrowsim_core::records::history::Entry;
use marrowsim_core::records::regrade::{self, Now};
use marrowsim_core::records::store::{Filter, Store};
use marrowsim_core::words::count;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How often the board reads the record.
pub const POLL: Duration = Duration::from_secs(3);
/// How long a new attempt's row stays highlighted.
const NEW_FOR: Duration = Duration::from_secs(20);
/// The rows of recent attempts shown.
const RECENT_ROWS: usize = 12;
/// Marks given by the current rubric checked against their attempts in one read: about
/// 25 ms each on a core, so a read of a large record still comes back within a poll.
const VERIFY_A_READ: usize = 32;

/// A read: the entries, their summary, and the current rubric's marks of the older rubric's
/// entries that no earlier read marked.
type Read = Result<(Vec<Entry>, Board, BTreeMap<i64, Now>), String>;

#[derive(Resource)]
pub struct ClassBoard {
    store: Arc<Mutex<Box<dyn Store>>>,
    pub filter: Filter,
    /// Where the record is, for the heading.
    pub source: String,
    pub entries: Vec<Entry>,
    pub board: Board,
    /// What the current rubric gives the entries an older one marked, by id.
    pub now: BTreeMap<i64, Now>,
    pub error: Option<String>,
    /// Shown over the window; a replay hides it.
    pub shown: bool,
    /// Whose attempt the replay shows, for the line beside the way back.
    pub replaying: Option<String>,
    /// When each attempt first appeared on the board (for the highlight).
    arrived: Vec<(i64, Duration)>,
    task: Option<Task<Read>>,
    next_poll: Duration,
    /// Reads finished (tests wait on it).
    pub reads: usize,
}

impl ClassBoard {
    /// A read of the record is on its way.
    pub(super) fn busy(&self) -> bool {
        self.task.is_some()
    }

    pub fn new(store: Box<dyn Store>, filter: Filter) -> ClassBoard {
        ClassBoard {
            source: store.describe(),
            store: Arc::new(Mutex::new(store)),
            filter,
            entries: Vec::new(),
            board: Board::default(),
            now: BTreeMap::new(),
            error: None,
            shown: true,
            replaying: None,
            arrived: Vec::new(),
            task: None,
            next_poll: Duration::ZERO,
            reads: 0,
        }
    }
}

pub(super) fn plugin(app: &mut App) {
    app.add_systems(
        Update,
        (
            board_key.run_if(keyboard_free).in_set(AppSystems::Input),
            poll.in_set(AppSystems::Case),
        )
            .run_if(resource_exists::<ClassBoard>),
    )
    .add_systems(
        EguiPrimaryContextPass,
        (super::demo_view::projector_style, draw)
            .chain()
            .in_set(super::UiSystems::Draw)
            .run_if(resource_exists::<ClassBoard>),
    );
}

/// Whether the trainee's panels may draw: not while the board covers the window.
pub(super) fn board_hidden(board: Option<Res<ClassBoard>>) -> bool {
    board.is_none_or(|b| !b.shown)
}

fn board_key(keys: Option<Res<ButtonInput<KeyCode>>>, mut board: ResMut<ClassBoard>) {
    if keys.is_some_and(|k| k.just_pressed(KeyCode::KeyB)) {
        board.shown = !board.shown;
    }
}

/// Reads the record on a task every `POLL`, and takes the last finished read.
fn poll(time: Res<Time<Real>>, mut board: ResMut<ClassBoard>) {
    let now = time.elapsed();
    if let Some(task) = board.task.as_mut()
        && let Some(read) = block_on(poll_once(task))
    {
        board.task = None;
        board.reads += 1;
        match read {
            Ok((entries, summary, remarked)) => {
                for e in &entries {
                    if !board.arrived.iter().any(|(id, _)| *id == e.id) {
                        // The first read is the past, not news.
                        let at = if board.reads == 1 {
                            Duration::ZERO
                        } else {
                            now
                        };
                        board.arrived.push((e.id, at));
                    }
                }
                board.entries = entries;
                board.board = summary;
                board.now.extend(remarked);
                board.error = None;
            }
            Err(e) => board.error = Some(e),
        }
    }
    if board.task.is_none() && now >= board.next_poll {
        board.next_poll = now + POLL;
        let store = board.store.clone();
        let filter = board.filter.clone();
        let marked: Vec<i64> = board.now.keys().copied().collect();
        board.task = Some(super::work::pool().spawn(async move {
            let mut store = store
                .lock()
                .map_err(|_| "the record is unavailable after an earlier failure".to_string())?;
            let entries = store.entries(&filter)?;
            let components = store.components(&filter)?;
            let summary = Board::build(&entries, &components);
            // Every older mark, and the newest few of the current rubric's: each mark is
            // checked once against its own attempt, without holding back a first read of a
            // large record.
            let unmarked = entries
                .iter()
                .filter(|e| marked.binary_search(&e.id).is_err());
            let older = unmarked.clone().filter(|e| !regrade::is_current(e));
            let current = unmarked.filter(|e| regrade::is_current(e)).rev();
            let texts = regrade::texts(store.as_mut(), older.chain(current.take(VERIFY_A_READ)));
            drop(store);
            Ok((entries, summary, regrade::mark(&texts)))
        }));
    }
}

/// The attempt and its scene, from the record, for a replay.
fn replay_request(board: &ClassBoard, id: i64) -> Result<ReplayRequest, String> {
    let mut store = board
        .store
        .lock()
        .map_err(|_| "the record is unavailable".to_string())?;
    let text = store.attempt_text(id)?;
    let attempt = marrowsim_core::records::attempt::Attempt::parse(&text, &format!("attempt {id}"))
        .map_err(|e| e.to_string())?;
    let scene = store
        .scene_text(id)?
        .ok_or_else(|| format!("attempt {id}: the record does not hold its scene"))?;
    let scenario =
        marrowsim_core::scenario::Scenario::parse(&scene, &format!("attempt {id}'s scene"))
            .map_err(|e| marrowsim_core::scenario::errors_text(&e))?;
    Ok(ReplayRequest::Given(Box::new((scenario, attempt))))
}

#[cfg(test)]
pub fn replay_request_for_tests(board: &ClassBoard, id: i64) -> Result<ReplayRequest, String> {
    replay_request(board, id)
}

fn draw(
    mut contexts: EguiContexts,
    mut board: ResMut<ClassBoard>,
    time: Res<Time<Real>>,
    mut replays: MessageWriter<ReplayRequest>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    if !board.shown {
        egui::Area::new(egui::Id::new("board-hint"))
            .anchor(egui::Align2::LEFT_TOP, egui::vec2(12.0, 12.0))
            .show(ctx, |ui| {
                if ui.button("Back to the class board (B)").clicked() {
                    board.shown = true;
                }
                if let Some(whose) = &board.replaying {
                    ui.label(whose);
                }
            });
        return Ok(());
    }
    let now = time.elapsed();
    let mut replay: Option<i64> = None;
    let b = &board.board;
    let mut background = egui::Ui::new(
        ctx.clone(),
        egui::Id::new("board-background"),
        egui::UiBuilder::new()
            .layer_id(egui::LayerId::background())
            .max_rect(ctx.viewport_rect()),
    );
    egui::CentralPanel::default().show(&mut background, |ui| {
        ui.heading(format!(
            "Class board: {}, {} passed ({})",
            count(b.attempts, "attempt"),
            b.passes,
            percent(b.passes, b.attempts)
        ));
        ui.label(format!(
            "{}{} · read every {} s",
            board.source,
            board
                .filter
                .course
                .as_deref()
                .map(|c| format!(" · course {c}"))
                .unwrap_or_default(),
            POLL.as_secs()
        ));
        if let Some(e) = &board.error {
            ui.colored_label(
                egui::Color32::from_rgb(255, 150, 90),
                format!("The record cannot be read: {e}"),
            );
        }
        if let Some(worst) = b.most_frequent_error() {
            ui.label(
                egui::RichText::new(format!(
                    "Most frequent error: {} ({})",
                    worst.label,
                    count(worst.attempts, "attempt")
                ))
                .strong(),
            );
        }
        ui.separator();
        ui.columns(2, |cols| {
            cols[0].label(egui::RichText::new("Trainees").heading());
            egui::Grid::new("trainees")
                .striped(true)
                .show(&mut cols[0], |ui| {
                    ui.label("name");
                    ui.label("attempts");
                    ui.label("passed");
                    ui.label("last");
                    ui.end_row();
                    for t in &b.trainees {
                        ui.label(&t.name);
                        ui.label(t.attempts.to_string());
                        ui.label(format!("{} ({})", t.passes, percent(t.passes, t.attempts)));
                        ui.label(
                            t.curve
                                .last()
                                .map(|p| format!("{:.0}", p.total))
                                .unwrap_or_default(),
                        );
                        ui.end_row();
                    }
                });
            cols[1].label(egui::RichText::new("Pass rate by scene").heading());
            // A long title wraps in its column instead of running off a projector's edge.
            let title_width = cols[1].available_width() * 0.6;
            egui::Grid::new("scenes")
                .striped(true)
                .max_col_width(title_width)
                .show(&mut cols[1], |ui| {
                    for s in &b.scenes {
                        ui.add(egui::Label::new(&s.scene).wrap());
                        ui.label(format!(
                            "{}/{} ({})",
                            s.passes,
                            s.attempts,
                            percent(s.passes, s.attempts)
                        ));
                        ui.end_row();
                    }
                });
        });
        ui.separator();
        ui.label(egui::RichText::new("Latest attempts").heading());
        let wrong = regrade::mismatches(&board.entries, &board.now);
        if !wrong.is_empty() {
            ui.add(
                egui::Label::new(
                    egui::RichText::new(format!(
                        "! {} under this rubric: {}. {} Do not certify with {}.",
                        regrade::not_given(wrong.len()),
                        regrade::numbered(&wrong),
                        regrade::CHANGED,
                        if wrong.len() == 1 { "it" } else { "them" },
                    ))
                    .color(super::hud::verdict_colour(Verdict::Unsafe))
                    .strong(),
                )
                .wrap(),
            );
        }
        let older = board
            .entries
            .iter()
            .filter(|e| !regrade::is_current(e) && board.now.contains_key(&e.id))
            .count();
        if older > 0 {
            let differ = board
                .entries
                .iter()
                .filter(|e| {
                    !regrade::is_current(e) && board.now.get(&e.id).is_some_and(|n| n.differs(e))
                })
                .count();
            ui.add(
                egui::Label::new(
                    egui::RichText::new(format!(
                        "{} marked by an older rubric; the current one marks {differ} of them differently (shown as \"now\"). The counts above are the marks as given.",
                        count(older, "attempt")
                    ))
                    .color(super::charts::OLDER_RUBRIC),
                )
                .wrap(),
            );
        }
        let current = board.entries.iter().filter(|e| regrade::is_current(e));
        let (given, checked) = current.fold((0, 0), |(g, c), e| {
            (g + 1, c + usize::from(board.now.contains_key(&e.id)))
        });
        if given > 0 && wrong.is_empty() {
            ui.weak(if checked == given && given == 1 {
                "The one mark, checked against its attempt, is what its attempt gives.".to_string()
            } else if checked == given {
                format!("All {given} marks checked against their attempts: each is what its attempt gives.")
            } else {
                format!("Marks checked against their attempts: {checked} of {given} so far, none wrong.")
            });
        }
        if board.entries.is_empty() && board.reads > 0 {
            ui.weak(format!(
                "None yet: a station's attempt appears here within {} s of its score card.",
                POLL.as_secs()
            ));
        }
        let clock = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        egui::Grid::new("recent").striped(true).show(ui, |ui| {
            for e in board.entries.iter().rev().take(RECENT_ROWS) {
                let fresh = board
                    .arrived
                    .iter()
                    .find(|(id, _)| *id == e.id)
                    .is_some_and(|(_, at)| *at > Duration::ZERO && now - *at < NEW_FOR);
                let colour = super::hud::verdict_colour(e.verdict);
                let name = e
                    .trainee
                    .as_deref()
                    .unwrap_or(marrowsim_core::records::class::UNNAMED);
                ui.label(if fresh {
                    egui::RichText::new(format!("new · #{}", e.id)).strong()
                } else {
                    egui::RichText::new(format!("#{}", e.id))
                });
                ui.label(name);
                ui.label(e.station.as_deref().unwrap_or("–"));
                ui.label(ago(clock, e.when));
                ui.label(&e.scene);
                ui.colored_label(
                    colour,
                    format!(
                        "{:.0} {}",
                        e.total,
                        format!("{:?}", e.verdict).to_lowercase()
                    ),
                );
                match board.now.get(&e.id).filter(|n| n.differs(e)) {
                    Some(n) if n.contradicts(e) => {
                        ui.colored_label(
                            super::hud::verdict_colour(Verdict::Unsafe),
                            format!("! its attempt gives {}", n.brief()),
                        );
                    }
                    Some(n) => {
                        ui.colored_label(
                            super::charts::OLDER_RUBRIC,
                            format!("now {}", n.brief()),
                        );
                    }
                    None => {
                        ui.label("");
                    }
                }
                if ui.button("Replay this").clicked() {
                    replay = Some(e.id);
                }
                ui.end_row();
            }
        });
    });
    if let Some(id) = replay {
        match replay_request(&board, id) {
            Ok(r) => {
                replays.write(r);
                board.shown = false;
                board.replaying = board.entries.iter().find(|e| e.id == id).map(|e| {
                    format!(
                        "Replaying #{id}: {}, {}",
                        e.trainee
                            .as_deref()
                            .unwrap_or(marrowsim_core::records::class::UNNAMED),
                        e.scene
                    )
                });
            }
            Err(e) => board.error = Some(e),
        }
    }
    Ok(())
}

/// How long ago an attempt made at `when` was, at `now` (both seconds since 1970): what a
/// room reads at a glance, in no one's time zone.
fn ago(now: u64, when: u64) -> String {
    match now.saturating_sub(when) {
        0..60 => "just now".into(),
        s @ 60..3600 => format!("{} min ago", s / 60),
        s @ 3600..86_400 => format!("{} h ago", s / 3600),
        s => format!("{} d ago", s / 86_400),
    }
}

fn percent(part: usize, whole: usize) -> String {
    if whole == 0 {
        "–".into()
    } else {
        format!("{:.0}%", 100.0 * part as f32 / whole as f32)
    }
}

#[cfg(test)]
mod tests {
    use super::ago;

    #[test]
    fn an_attempts_age_reads_in_the_largest_whole_unit() {
        let now = 1_800_000_000;
        assert_eq!(ago(now, now), "just now");
        assert_eq!(
            ago(now, now + 30),
            "just now",
            "a station's clock a little ahead"
        );
        assert_eq!(ago(now, now - 59), "just now");
        assert_eq!(ago(now, now - 60), "1 min ago");
        assert_eq!(ago(now, now - 3599), "59 min ago");
        assert_eq!(ago(now, now - 7200), "2 h ago");
        assert_eq!(ago(now, now - 3 * 86_400 - 5), "3 d ago");
    }
}
