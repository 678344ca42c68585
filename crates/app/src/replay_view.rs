//! Replay of a finished attempt (`marrowsim replay`): a timeline with play and pause, the
//! speed, and a jump to each moment. The needle, its force trace and the live section follow
//! the time; the score card stays beside them.

use super::AppSystems;
use super::input_guard::keyboard_free;
use super::session::SessionState;
use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};
use marrowsim_core::needle::Pose;
use marrowsim_core::needle::insertion::force_profile;
use marrowsim_core::needle::session::Needle;
use marrowsim_core::records::attempt::{Attempt, Moment};

/// Asks for a replay in the window: of the attempt just marked, or of one in the record.
#[derive(Message, Clone, Debug)]
pub enum ReplayRequest {
    Current,
    Recorded(i64),
    /// An attempt from elsewhere (the class board), with the scene it was marked against.
    Given(Box<(marrowsim_core::scenario::Scenario, Attempt)>),
}

/// The moment a score card's line is about: the first moment whose description starts so.
pub fn moment_of(moments: &[Moment], component: &str) -> Option<f32> {
    let prefix = match component {
        "entry" => "skin",
        "angle" => "bone at",
        "depth" => "marrow at",
        "cortex_penetrations" => "through the cortex",
        "reinsertions" => "reinsertion",
        "pull_size" | "harvest" => "pull",
        k if k.starts_with("hazard.") => "touched the",
        k if k.contains("anaesth") || k.contains("lidocaine") || k.contains("dose") => "lidocaine",
        _ => return None,
    };
    moments
        .iter()
        .find(|m| m.what.starts_with(prefix))
        .map(|m| m.t)
}

/// The replay speeds offered.
pub const SPEEDS: [f32; 5] = [0.25, 0.5, 1.0, 2.0, 4.0];

#[derive(Resource, Debug)]
pub struct Replay {
    pub attempt: Attempt,
    /// The time shown (s, the attempt's clock).
    pub t: f32,
    pub playing: bool,
    pub speed: f32,
    moments: Vec<Moment>,
    start: f32,
    end: f32,
    /// The pose last shown (`None` before the first frame), so the force trace is recomputed
    /// only when it changes.
    shown: Option<Option<(usize, Pose)>>,
}

impl Replay {
    /// A replay of `attempt` on `anatomy`, paused at its start.
    pub fn new(attempt: Attempt, anatomy: &marrowsim_core::anatomy::Anatomy) -> Replay {
        let (start, end) = attempt.span();
        let moments = attempt.moments(anatomy);
        Replay {
            attempt,
            t: start,
            playing: false,
            speed: 1.0,
            moments,
            start,
            end,
            shown: None,
        }
    }

    pub fn moments(&self) -> &[Moment] {
        &self.moments
    }

    /// Moves the time to `t`, within the attempt, and pauses at the end.
    pub fn seek(&mut self, t: f32) {
        self.t = t.clamp(self.start, self.end);
        if self.t >= self.end {
            self.playing = false;
        }
    }
}

pub(super) fn plugin(app: &mut App) {
    app.add_message::<ReplayRequest>()
        .add_systems(Update, start_replays.in_set(AppSystems::Case));
    app.add_systems(
        Update,
        (
            space_plays.run_if(keyboard_free).in_set(AppSystems::Input),
            (advance, show_pose).chain().in_set(AppSystems::Needle),
        )
            .run_if(resource_exists::<Replay>),
    )
    .add_systems(
        EguiPrimaryContextPass,
        timeline
            .in_set(super::UiSystems::Draw)
            .run_if(resource_exists::<Replay>)
            .run_if(not(resource_exists::<super::demo_view::Demo>))
            .run_if(super::class_view::board_hidden),
    );
}

fn space_plays(keys: Option<Res<ButtonInput<KeyCode>>>, If(mut replay): If<ResMut<Replay>>) {
    if keys.is_some_and(|k| k.just_pressed(KeyCode::Space)) {
        if replay.t >= replay.end {
            replay.t = replay.start;
        }
        replay.playing = !replay.playing;
    }
}

fn advance(time: Res<Time>, If(mut replay): If<ResMut<Replay>>) {
    if replay.playing {
        let t = replay.t + time.delta_secs() * replay.speed;
        replay.seek(t);
    }
}

/// Puts the session's needle where the attempt had it at the replay's time.
fn show_pose(If(mut replay): If<ResMut<Replay>>, mut session: ResMut<SessionState>) {
    let now = replay.attempt.pose_at(replay.t);
    if replay.shown == Some(now) {
        return;
    }
    replay.shown = Some(now);
    let s = &mut session.0;
    match now {
        Some((site, pose)) => {
            s.site = site;
            s.needle = Some(Needle {
                entry: pose.entry,
                direction: pose.direction,
                straight_in: pose.direction,
                depth: pose.depth,
                puncture: None,
            });
            s.trace = force_profile(&s.anatomy, pose.entry, pose.direction, pose.depth, 0.5);
        }
        None => {
            s.needle = None;
            s.trace.clear();
        }
    }
}

fn timeline(mut contexts: EguiContexts, If(mut replay): If<ResMut<Replay>>) -> Result {
    let ctx = contexts.ctx_mut()?;
    let mut t = replay.t;
    let (start, end) = (replay.start, replay.end);
    let mut playing = replay.playing;
    let mut speed = replay.speed;
    egui::Window::new("Replay")
        .anchor(egui::Align2::LEFT_BOTTOM, egui::vec2(10.0, -10.0))
        .resizable(false)
        .collapsible(false)
        .default_width(560.0)
        .show(ctx, |ui| {
            ui.horizontal(|ui| {
                let label = if playing {
                    "Pause (Space)"
                } else {
                    "Play (Space)"
                };
                if ui.button(label).clicked() {
                    if !playing && t >= end {
                        t = start;
                    }
                    playing = !playing;
                }
                ui.label("speed");
                for s in SPEEDS {
                    ui.selectable_value(&mut speed, s, format!("{s}×"));
                }
            });
            ui.spacing_mut().slider_width = 500.0;
            ui.add(
                egui::Slider::new(&mut t, start..=end.max(start + 0.1))
                    .suffix(" s")
                    .fixed_decimals(1),
            );
            ui.horizontal_wrapped(|ui| {
                for m in replay.moments() {
                    let here = (m.t - t).abs() < 0.05;
                    let text = format!("{:.1} s {}", m.t, m.what);
                    if ui.selectable_label(here, text).clicked() {
                        t = m.t;
                        playing = false;
                    }
                }
            });
        });
    replay.playing = playing;
    replay.speed = speed;
    if t != replay.t {
        replay.seek(t);
    }
    Ok(())
}

/// Shows `anatomy` in `position`: the 3D view follows these resources.
pub(super) fn put_on_table(
    anatomy: &std::sync::Arc<marrowsim_core::anatomy::Anatomy>,
    position: marrowsim_core::scenario::Position,
    table: Option<&mut super::CurrentAnatomy>,
    frame: Option<&mut super::anatomy_view::PatientFrame>,
) {
    if let Some(t) = table
        && !std::sync::Arc::ptr_eq(&t.0, anatomy)
    {
        t.0 = anatomy.clone();
    }
    if let Some(f) = frame {
        let wanted = super::anatomy_view::PatientFrame::for_position(position);
        if wanted.0 != f.0 {
            *f = wanted;
        }
    }
}

/// Starts the replays asked for: the attempt just marked, where it stands; one from the
/// record, marked again against the open scene; one given with its scene. The attempt's
/// patient and the scene's position are put on the table.
fn start_replays(
    mut commands: Commands,
    mut requests: MessageReader<ReplayRequest>,
    mut session: ResMut<SessionState>,
    mut table: Option<ResMut<super::CurrentAnatomy>>,
    mut frame: Option<ResMut<super::anatomy_view::PatientFrame>>,
    store: Option<Res<super::history_view::HistoryStore>>,
) {
    for r in requests.read() {
        let given = match r {
            ReplayRequest::Current => {
                let attempt = session.0.attempt();
                commands.insert_resource(Replay::new(attempt, &session.0.anatomy));
                continue;
            }
            ReplayRequest::Recorded(id) => (|| {
                let store = store.as_deref().ok_or("no record is kept")?;
                let text = store.attempt_text(*id)?;
                let attempt =
                    Attempt::parse(&text, &format!("attempt {id}")).map_err(|e| e.to_string())?;
                Ok::<_, String>((session.0.scenario.clone(), attempt))
            })(),
            ReplayRequest::Given(b) => Ok((**b).clone()),
        };
        let started = given.and_then(|(scenario, attempt)| {
            let anatomy = if attempt.patient == session.0.anatomy.patient {
                session.0.anatomy.clone()
            } else {
                std::sync::Arc::new(
                    marrowsim_core::anatomy::Anatomy::build(&attempt.patient)
                        .map_err(|e| e.to_string())?,
                )
            };
            let score = marrowsim_core::grading::scoring::score(&scenario, &anatomy, &attempt)
                .map_err(|e| e.to_string())?;
            let position = scenario.position;
            let review = marrowsim_core::needle::session::Session::review(
                scenario,
                anatomy.clone(),
                &attempt,
                Some(score),
            )
            .ok_or("the attempt has no samples")?;
            session.0 = review;
            put_on_table(
                &anatomy,
                position,
                table.as_deref_mut(),
                frame.as_deref_mut(),
            );
            Ok::<_, String>(Replay::new(attempt, &anatomy))
        });
        match started {
            Ok(replay) => commands.insert_resource(replay),
            Err(e) => warn!("the attempt cannot be replayed: {e}"),
        }
    }
}
