//! Measured, not guessed: the app's own systems per frame (headless), frames per second in
//! a window against a bare scene with the same meshes, and launch to the first interactive
//! frame. Both runs play the same scripted attempt. And what an idle window costs: the
//! frames it draws and the CPU it takes while nobody touches it.

use super::hud::{self, PanelModel};
use super::live_section::{self, SectionView};
use super::screenshot::PipelineStatus;
use super::session::{NeedleCommand, SessionState};
use bevy::prelude::*;
use bevy_egui::egui;
use marrowsim_core::needle::session::Session;
use marrowsim_core::scenario::Scenario;
use serde::Serialize;
use std::time::{Duration, Instant};

/// A trainee faster than any real one: the needle is placed at the ideal entry, then every
/// `PUSH_EVERY` frames it advances a millimetre, and comes back out once it is 70 mm deep.
pub const PUSH_EVERY: u32 = 10;

pub fn scripted_command(frame: u32, session: &Session) -> Option<NeedleCommand> {
    if session.needle.is_none() {
        let zone = session.scenario.resolve(session.site, &session.anatomy)?;
        return Some(NeedleCommand::Place(zone.ideal_track(&session.anatomy).0));
    }
    if !frame.is_multiple_of(PUSH_EVERY) {
        return None;
    }
    let depth = session.needle.map(|n| n.depth).unwrap_or(0.0);
    let going_in = (frame / (PUSH_EVERY * 70)).is_multiple_of(2);
    let mm = if going_in || depth <= 0.0 { 1.0 } else { -1.0 };
    Some(NeedleCommand::Push {
        mm,
        force: super::session::FIRM_PUSH_N,
        twist: true,
    })
}

/// Medians and tails of a set of durations, in milliseconds.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct Spread {
    pub frames: usize,
    pub median_ms: f64,
    pub p95_ms: f64,
    pub max_ms: f64,
}

impl Spread {
    pub fn of(durations: &[Duration]) -> Spread {
        let mut ms: Vec<f64> = durations.iter().map(|d| d.as_secs_f64() * 1e3).collect();
        ms.sort_by(f64::total_cmp);
        let at = |q: f64| {
            ms.get(((ms.len() as f64 - 1.0) * q).round() as usize)
                .copied()
                .unwrap_or(0.0)
        };
        Spread {
            frames: ms.len(),
            median_ms: at(0.5),
            p95_ms: at(0.95),
            max_ms: at(1.0),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct HeadlessBudget {
    /// Every frame: input, needle physics, tissue queries, the section and the panel (egui
    /// layout and tessellation in a bare context).
    pub all: Spread,
    /// The frames in which the needle moved (and the section was resampled).
    pub with_push: Spread,
    pub without_push: Spread,
}

/// Runs the app's systems headless for `frames` frames of the scripted attempt and times
/// each frame, the panel included.
pub fn headless_budget(scenario: Scenario, frames: u32) -> Result<HeadlessBudget, String> {
    let mut app = super::testing::headless_app(scenario)?;
    // Real time, as in the window: the tests' 0.1 s steps would run the fixed-timestep
    // schedules six times a frame and add ~0.3 ms that no real frame pays.
    app.insert_resource(bevy::time::TimeUpdateStrategy::Automatic);
    app.init_resource::<SectionView>().add_systems(
        Update,
        live_section::update_section.in_set(super::AppSystems::Follow),
    );
    let ctx = egui::Context::default();
    let (mut all, mut moved, mut still) = (Vec::new(), Vec::new(), Vec::new());
    for frame in 0..frames {
        let t0 = Instant::now();
        let cmd = scripted_command(frame, &app.world().resource::<SessionState>().0);
        if let Some(c) = cmd {
            app.world_mut().write_message(c);
        }
        app.update();
        let world = app.world();
        let session = &world.resource::<SessionState>().0;
        let now = world.resource::<Time>().elapsed_secs();
        let (output, _) = draw_bare_panel(&ctx, session, now);
        let _ = ctx.tessellate(output.shapes, output.pixels_per_point);
        let took = t0.elapsed();
        all.push(took);
        if cmd.is_some() {
            &mut moved
        } else {
            &mut still
        }
        .push(took);
    }
    Ok(HeadlessBudget {
        all: Spread::of(&all),
        with_push: Spread::of(&moved),
        without_push: Spread::of(&still),
    })
}

/// Asks a windowed app to time its frames once everything is drawable, then exit.
#[derive(Resource, Clone, Debug)]
pub struct FrameProbe {
    pub launched: Instant,
    pub frames: u32,
    pub scene: String,
    pub size: (u32, u32),
    pub bare: bool,
    pub first_frame: Option<Duration>,
    pub interactive: Option<Duration>,
    last: Option<Instant>,
    intervals: Vec<Duration>,
    frame: u32,
}

impl FrameProbe {
    pub fn new(launched: Instant, frames: u32, scene: &str, size: (u32, u32), bare: bool) -> Self {
        FrameProbe {
            launched,
            frames,
            scene: scene.to_string(),
            size,
            bare,
            first_frame: None,
            interactive: None,
            last: None,
            intervals: Vec::new(),
            frame: 0,
        }
    }
}

#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct WindowReport {
    pub scene: String,
    pub width: u32,
    pub height: u32,
    /// Only the meshes, camera and lights: no panel, needle, guides or session.
    pub bare: bool,
    pub launch_to_first_frame_ms: f64,
    /// Launch until every render pipeline is compiled and the first frame is drawn with them.
    pub launch_to_interactive_ms: f64,
    pub frame: Spread,
    pub fps_median: f64,
    /// The 3D view's resolution as a share of the window's when the last frame was drawn.
    #[serde(default)]
    pub render_scale: Option<f32>,
}

pub(super) fn plugin(app: &mut App) {
    app.add_systems(
        Last,
        (
            drive_script.run_if(resource_exists::<SessionState>),
            probe_frame,
        )
            .chain()
            .run_if(resource_exists::<FrameProbe>),
    );
}

fn drive_script(
    probe: Res<FrameProbe>,
    session: Res<SessionState>,
    mut out: MessageWriter<NeedleCommand>,
) {
    if probe.interactive.is_some()
        && let Some(c) = scripted_command(probe.frame, &session.0)
    {
        out.write(c);
    }
}

fn probe_frame(
    mut probe: ResMut<FrameProbe>,
    status: Res<PipelineStatus>,
    scale: Option<Res<super::render_profile::RenderScale>>,
    mut exit: MessageWriter<AppExit>,
) {
    let now = Instant::now();
    let since = now - probe.launched;
    probe.first_frame.get_or_insert(since);
    if probe.interactive.is_none() {
        if status.ready() {
            probe.interactive = Some(since);
            probe.last = Some(now);
        }
        return;
    }
    if let Some(last) = probe.last.replace(now) {
        probe.intervals.push(now - last);
    }
    probe.frame += 1;
    if probe.frame >= probe.frames {
        let report = probe.report(scale.map(|s| s.value));
        println!(
            "{}",
            serde_json::to_string(&report).unwrap_or_else(|e| e.to_string())
        );
        exit.write(AppExit::Success);
    }
}

impl FrameProbe {
    pub fn report(&self, render_scale: Option<f32>) -> WindowReport {
        let frame = Spread::of(&self.intervals);
        let ms = |d: Option<Duration>| d.map(|d| d.as_secs_f64() * 1e3).unwrap_or(f64::NAN);
        WindowReport {
            scene: self.scene.clone(),
            width: self.size.0,
            height: self.size.1,
            bare: self.bare,
            launch_to_first_frame_ms: ms(self.first_frame),
            launch_to_interactive_ms: ms(self.interactive),
            fps_median: 1e3 / frame.median_ms,
            frame,
            render_scale,
        }
    }
}

/// Asks a windowed app, once everything is drawable and nothing has happened for a while, to
/// count the frames it draws and the CPU time it takes over `seconds`, then exit.
#[derive(Resource, Clone, Debug)]
pub struct IdleProbe {
    pub seconds: f32,
    /// Draw every frame, as the window did before it learned to sleep: the baseline.
    pub always: bool,
    /// The process's CPU time so far, user and system, where the platform tells it.
    pub cpu_time: fn() -> Option<Duration>,
    ready: Option<Instant>,
    start: Option<(Instant, Option<Duration>)>,
    frames: u32,
}

impl IdleProbe {
    pub fn new(seconds: f32, always: bool, cpu_time: fn() -> Option<Duration>) -> IdleProbe {
        IdleProbe {
            seconds,
            always,
            cpu_time,
            ready: None,
            start: None,
            frames: 0,
        }
    }
}

#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct IdleReport {
    pub always: bool,
    pub seconds: f64,
    pub frames: u32,
    pub fps: f64,
    /// CPU time over wall time: 1.0 is one core kept busy.
    pub cpu_share: Option<f64>,
}

pub(super) fn idle_plugin(app: &mut App) {
    app.add_systems(Last, probe_idle);
}

fn probe_idle(
    mut probe: ResMut<IdleProbe>,
    status: Res<PipelineStatus>,
    mut exit: MessageWriter<AppExit>,
) {
    let now = Instant::now();
    let Some(ready) = probe.ready else {
        if status.ready() {
            probe.ready = Some(now);
        }
        return;
    };
    // The window keeps drawing for a moment after the launch, as after any input.
    let Some((start, cpu_start)) = probe.start else {
        if now - ready >= super::pace::ACTIVE_AFTER_INPUT + Duration::from_millis(500) {
            probe.start = Some((now, (probe.cpu_time)()));
        }
        return;
    };
    probe.frames += 1;
    let seconds = (now - start).as_secs_f64();
    if seconds < f64::from(probe.seconds) {
        return;
    }
    let cpu = cpu_start
        .zip((probe.cpu_time)())
        .map(|(a, b)| b.saturating_sub(a).as_secs_f64() / seconds);
    let report = IdleReport {
        always: probe.always,
        seconds,
        frames: probe.frames,
        fps: f64::from(probe.frames) / seconds,
        cpu_share: cpu,
    };
    println!(
        "{}",
        serde_json::to_string(&report).unwrap_or_else(|e| e.to_string())
    );
    exit.write(AppExit::Success);
}

/// The trainee's panel drawn into a bare egui context at 1280×720, as the app lays it out.
/// Also returns how far, in points, its contents reach past the panel's sides.
pub(crate) fn draw_bare_panel(
    ctx: &egui::Context,
    session: &marrowsim_core::needle::session::Session,
    now: f32,
) -> (egui::FullOutput, f32) {
    let input = egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(
            egui::Pos2::ZERO,
            egui::vec2(1280.0, 720.0),
        )),
        ..Default::default()
    };
    let mut overflow = 0.0_f32;
    let output = ctx.run_ui(input, |ui| {
        egui::Panel::right("trainee")
            .exact_size(hud::PANEL_WIDTH)
            .show(ui, |ui| {
                let room = ui.max_rect();
                egui::ScrollArea::vertical().show(ui, |ui| {
                    let (mut skin, mut labels, mut pull_volume) = (0.25, false, 2.0);
                    hud::trainee_panel(
                        ui,
                        PanelModel {
                            session,
                            case: None,
                            catalogue: None,
                            history: None,
                            section: None,
                            skin_opacity: &mut skin,
                            labels: &mut labels,
                            now,
                            pull_volume: &mut pull_volume,
                            pull_refusal: None,
                            profile: None,
                            render_scale: None,
                            plan: None,
                            success_map: None,
                            c_arm: None,
                        },
                    );
                    let used = ui.min_rect();
                    overflow = (used.right() - room.right()).max(room.left() - used.left());
                });
            });
    });
    (output, overflow)
}
