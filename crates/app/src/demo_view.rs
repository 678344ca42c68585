//! The workshop's demonstration (`marrowsim demo`): each scene's programme (`core::demo`)
//! played through the real replay, a caption held on each moment, the camera moved to suit
//! it, at a projector's scale. Space pauses, the arrows step between captions, N skips to the
//! next attempt, F11 toggles fullscreen. It cycles through the scenes.

use super::AppSystems;
use super::anatomy_view::PatientFrame;
use super::camera::{OrbitCamera, ViewPreset};
use super::case::CaseCommand;
use super::input_guard::keyboard_free;
use super::replay_view::Replay;
use super::session::SessionState;
use bevy::prelude::*;
use bevy::window::{MonitorSelection, PrimaryWindow, WindowMode};
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};
use marrowsim_core::demo::{Act, View};
use marrowsim_core::needle::session::Session;
use std::path::PathBuf;

/// How long a caption holds the replay still (s of the app's clock).
pub const DWELL_S: f32 = 3.0;
/// A wait longer than this before the next caption plays faster, up to its last seconds.
pub const LONG_WAIT_S: f32 = 6.0;
/// How much faster.
pub const FAST: f32 = 4.0;

/// The demonstration's seconds to travel `gap` seconds of the attempt to the next caption.
pub fn travel(gap: f32) -> f32 {
    if gap > LONG_WAIT_S {
        LONG_WAIT_S + (gap - LONG_WAIT_S) / FAST
    } else {
        gap.max(0.0)
    }
}

/// How far into a `gap` the attempt is after `spent` seconds of the demonstration.
fn travelled(gap: f32, spent: f32) -> f32 {
    let fast = (gap - LONG_WAIT_S).max(0.0);
    if spent * FAST < fast {
        spent * FAST
    } else {
        fast + (spent - fast / FAST)
    }
}

/// Body text at 1080 rows, in pixels: legible from the back of a room.
pub(super) const BODY_PX_AT_1080: f32 = 28.0;

/// One scene's part of the demonstration.
#[derive(Clone, Debug)]
pub struct DemoScene {
    pub path: Option<PathBuf>,
    pub title: String,
    pub acts: Vec<Act>,
}

/// What `marrowsim demo` plays: the scenes' programmes, and for a shot the moment and file.
#[derive(Clone, Debug)]
pub struct DemoPlan {
    pub scenes: Vec<DemoScene>,
    /// Seconds into the demonstration to show, paused (with `out`, a screenshot of it).
    pub at: Option<f32>,
    pub out: Option<PathBuf>,
}

#[derive(Resource, Debug)]
pub struct Demo {
    pub scenes: Vec<DemoScene>,
    pub scene: usize,
    pub act: usize,
    /// The caption shown, by index in the act's captions.
    pub caption: Option<usize>,
    /// Time left on the caption shown (s).
    pub hold: f32,
    pub paused: bool,
    /// Every caption shown so far, in order: (scene, act, caption).
    pub shown: Vec<(usize, usize, usize)>,
    /// How many times the whole programme has finished.
    pub rounds: usize,
    /// The act is waiting for its scene to be opened.
    loading: bool,
    /// Where the replay starts when the act is staged (a shot of a later moment).
    start_t: Option<f32>,
    /// A still for a screenshot: no key hints.
    pub still: bool,
}

impl Demo {
    pub fn new(scenes: Vec<DemoScene>) -> Demo {
        Demo {
            scenes,
            scene: 0,
            act: 0,
            caption: None,
            hold: 0.0,
            paused: false,
            shown: Vec::new(),
            rounds: 0,
            loading: true,
            start_t: None,
            still: false,
        }
    }

    /// The demonstration as it stands `seconds` after it starts (playing at 1×, each caption
    /// held `DWELL_S`), paused there: for `shot --demo --at`.
    pub fn at(mut self, seconds: f32) -> Demo {
        self.still = true;
        let mut left = seconds.max(0.0);
        for (si, scene) in self.scenes.iter().enumerate() {
            for (ai, act) in scene.acts.iter().enumerate() {
                let mut t = act.attempt.span().0;
                for (ci, c) in act.captions.iter().enumerate() {
                    let gap = (c.t - t).max(0.0);
                    if left < travel(gap) {
                        (self.scene, self.act) = (si, ai);
                        self.caption = ci.checked_sub(1);
                        self.start_t = Some(t + travelled(gap, left));
                        self.paused = true;
                        return self;
                    }
                    left -= travel(gap);
                    t = c.t;
                    if left < DWELL_S {
                        (self.scene, self.act, self.caption) = (si, ai, Some(ci));
                        self.start_t = Some(t);
                        self.paused = true;
                        return self;
                    }
                    left -= DWELL_S;
                }
            }
        }
        self.paused = true;
        self
    }

    /// Whether the act waits to be put on the table (its first frames).
    #[cfg(test)]
    pub fn loading_for_tests(&self) -> bool {
        self.loading
    }

    pub fn current(&self) -> Option<&Act> {
        self.scenes.get(self.scene)?.acts.get(self.act)
    }

    fn next_act(&mut self) {
        self.caption = None;
        self.hold = 0.0;
        self.loading = true;
        self.act += 1;
        if self.act >= self.scenes[self.scene].acts.len() {
            self.act = 0;
            self.scene += 1;
            if self.scene >= self.scenes.len() {
                self.scene = 0;
                self.rounds += 1;
            }
        }
    }
}

pub(super) fn plugin(app: &mut App) {
    app.add_systems(
        Update,
        (
            demo_keys.run_if(keyboard_free).in_set(AppSystems::Input),
            (stage, direct).chain().in_set(AppSystems::Case),
            frame_camera.in_set(AppSystems::View),
        )
            .run_if(resource_exists::<Demo>),
    )
    .add_systems(
        EguiPrimaryContextPass,
        (projector_style, (caption_bar, demo_panel))
            .chain()
            .in_set(super::UiSystems::Draw)
            .run_if(resource_exists::<Demo>),
    );
}

/// Space pauses, the arrows step between captions, N skips, F11 toggles fullscreen.
fn demo_keys(
    keys: Option<Res<ButtonInput<KeyCode>>>,
    mut demo: ResMut<Demo>,
    mut replay: Option<ResMut<Replay>>,
    mut windows: Query<&mut Window, With<PrimaryWindow>>,
) {
    let Some(keys) = keys else { return };
    if keys.just_pressed(KeyCode::Space) {
        demo.paused = !demo.paused;
    }
    if keys.just_pressed(KeyCode::KeyN) {
        demo.next_act();
    }
    if keys.just_pressed(KeyCode::F11)
        && let Ok(mut w) = windows.single_mut()
    {
        w.mode = match w.mode {
            WindowMode::Windowed => WindowMode::BorderlessFullscreen(MonitorSelection::Current),
            _ => WindowMode::Windowed,
        };
    }
    let step = i32::from(keys.just_pressed(KeyCode::ArrowRight))
        - i32::from(keys.just_pressed(KeyCode::ArrowLeft));
    if step != 0
        && let Some(replay) = replay.as_deref_mut()
        && let Some(act) = demo.current()
    {
        let n = act.captions.len() as i32;
        let at = demo.caption.map_or(-1, |c| c as i32) + step;
        if (0..n).contains(&at) {
            let c = at as usize;
            let t = act.captions[c].t;
            replay.seek(t);
            demo.caption = Some(c);
            demo.hold = DWELL_S;
        }
    }
}

/// Puts the current act on the table: opens its scene when another is open, then a session
/// and a replay of its attempt.
fn stage(
    mut commands: Commands,
    mut demo: ResMut<Demo>,
    mut session: ResMut<SessionState>,
    mut out: MessageWriter<CaseCommand>,
    mut table: Option<ResMut<super::CurrentAnatomy>>,
    mut frame: Option<ResMut<PatientFrame>>,
) {
    if !demo.loading {
        return;
    }
    let scene = &demo.scenes[demo.scene];
    if session.0.scenario.title != scene.title {
        if let Some(p) = &scene.path {
            out.write(CaseCommand::Open(p.clone()));
        }
        return;
    }
    let Some(act) = demo.current().cloned() else {
        demo.next_act();
        return;
    };
    let anatomy = if session.0.anatomy.patient == act.attempt.patient {
        session.0.anatomy.clone()
    } else {
        match marrowsim_core::anatomy::Anatomy::build(&act.attempt.patient) {
            Ok(a) => std::sync::Arc::new(a),
            Err(e) => {
                warn!("{}: {e}", act.title);
                demo.next_act();
                return;
            }
        }
    };
    if let Some(s) = Session::review(
        session.0.scenario.clone(),
        anatomy.clone(),
        &act.attempt,
        None,
    ) {
        session.0 = s;
    }
    super::replay_view::put_on_table(
        &anatomy,
        session.0.scenario.position,
        table.as_deref_mut(),
        frame.as_deref_mut(),
    );
    let mut replay = Replay::new(act.attempt.clone(), &anatomy);
    if let Some(t) = demo.start_t.take() {
        replay.seek(t);
    }
    replay.playing = true;
    commands.insert_resource(replay);
    demo.loading = false;
}

/// Holds each caption as the replay reaches it, plays between them, and moves on at the end.
fn direct(time: Res<Time>, mut demo: ResMut<Demo>, replay: Option<ResMut<Replay>>) {
    let Some(mut replay) = replay else { return };
    if demo.loading {
        replay.playing = false;
        return;
    }
    let Some(act) = demo.current() else { return };
    let next = demo.caption.map_or(0, |c| c + 1);
    let end = replay.attempt.span().1;
    // A caption past the replay's end (none should be) still shows once the end is reached.
    let due = act
        .captions
        .get(next)
        .is_some_and(|c| c.t <= replay.t || replay.t >= end);
    let count = act.captions.len();
    let last_t = act.captions.last().map_or(0.0, |c| c.t);
    if demo.paused {
        replay.playing = false;
        return;
    }
    if demo.hold > 0.0 {
        demo.hold -= time.delta_secs();
        replay.playing = false;
        return;
    }
    if due {
        let t = demo.current().map_or(replay.t, |a| a.captions[next].t);
        replay.seek(t);
        demo.caption = Some(next);
        demo.hold = DWELL_S;
        let (s, a) = (demo.scene, demo.act);
        demo.shown.push((s, a, next));
        replay.playing = false;
        return;
    }
    let ended = replay.t >= end || replay.t >= last_t && next >= count;
    if ended && next >= count {
        demo.next_act();
        replay.playing = false;
        return;
    }
    let gap = act.captions.get(next).map_or(0.0, |c| c.t - replay.t);
    replay.speed = if gap > LONG_WAIT_S { FAST } else { 1.0 };
    replay.playing = true;
}

/// The caption's view: from behind for the approach, along the needle at the cortex.
fn frame_camera(
    demo: Res<Demo>,
    session: Res<SessionState>,
    frame: Res<PatientFrame>,
    mut cameras: Query<&mut OrbitCamera>,
    mut last: Local<Option<(usize, usize, usize)>>,
) {
    let Some(c) = demo.caption else { return };
    let key = (demo.scene, demo.act, c);
    if *last == Some(key) {
        return;
    }
    *last = Some(key);
    let Some(caption) = demo.current().and_then(|a| a.captions.get(c)) else {
        return;
    };
    let view = match caption.view {
        View::Approach => ViewPreset::for_approach(session.0.scenario.approach),
        View::NeedleEye | View::Section => ViewPreset::NeedleEye,
    };
    let mut orbit = OrbitCamera::preset(view, &frame, session.0.pose());
    if caption.view == View::Section {
        orbit.distance *= 1.6;
    }
    for mut cam in &mut cameras {
        *cam = orbit;
    }
}

/// Large text and thick lines, scaled to the window's height.
pub(super) fn projector_style(
    mut contexts: EguiContexts,
    windows: Query<&Window, With<PrimaryWindow>>,
    mut applied: Local<Option<u32>>,
) -> Result {
    let height = windows
        .single()
        .map(|w| w.physical_height())
        .unwrap_or(1080);
    if *applied == Some(height) {
        return Ok(());
    }
    *applied = Some(height);
    let ctx = contexts.ctx_mut()?;
    let scale = windows.single().map(|w| w.scale_factor()).unwrap_or(1.0);
    let body = BODY_PX_AT_1080 * height as f32 / 1080.0 / scale;
    ctx.all_styles_mut(|style| {
        use egui::{FontFamily, FontId, TextStyle};
        style.text_styles = [
            (
                TextStyle::Heading,
                FontId::new(body * 1.3, FontFamily::Proportional),
            ),
            (TextStyle::Body, FontId::new(body, FontFamily::Proportional)),
            (
                TextStyle::Button,
                FontId::new(body, FontFamily::Proportional),
            ),
            (
                TextStyle::Small,
                FontId::new(body * 0.8, FontFamily::Proportional),
            ),
            (
                TextStyle::Monospace,
                FontId::new(body * 0.9, FontFamily::Monospace),
            ),
        ]
        .into();
        style.visuals = egui::Visuals::dark();
        style.visuals.override_text_color = Some(egui::Color32::WHITE);
        style.visuals.widgets.noninteractive.fg_stroke.width = 2.0;
        style.visuals.widgets.inactive.fg_stroke.width = 2.0;
        style.spacing.item_spacing = egui::vec2(body * 0.4, body * 0.3);
    });
    Ok(())
}

/// The act's title at the top, the caption at the bottom: white on black for the technique,
/// white on red for an error.
fn caption_bar(mut contexts: EguiContexts, demo: Res<Demo>) -> Result {
    let ctx = contexts.ctx_mut()?;
    let Some(act) = demo.current() else {
        return Ok(());
    };
    let body = ctx.global_style().text_styles[&egui::TextStyle::Body].size;
    egui::Area::new(egui::Id::new("demo-title"))
        .anchor(egui::Align2::LEFT_TOP, egui::vec2(body * 0.6, body * 0.5))
        .show(ctx, |ui| {
            egui::Frame::new()
                .fill(egui::Color32::from_black_alpha(200))
                .inner_margin(body * 0.4)
                .show(ui, |ui| {
                    let colour = if act.error {
                        egui::Color32::from_rgb(255, 120, 110)
                    } else {
                        egui::Color32::WHITE
                    };
                    ui.label(egui::RichText::new(&act.title).heading().color(colour));
                    if !demo.still {
                        ui.label(format!(
                            "Space pause · Left/Right step · N next · F11 fullscreen{}",
                            if demo.paused { " · PAUSED" } else { "" }
                        ));
                    }
                });
        });
    let Some(caption) = demo.caption.and_then(|c| act.captions.get(c)) else {
        return Ok(());
    };
    let fill = if caption.error {
        egui::Color32::from_rgb(170, 20, 20)
    } else {
        egui::Color32::from_black_alpha(220)
    };
    egui::Area::new(egui::Id::new("demo-caption"))
        .anchor(
            egui::Align2::LEFT_BOTTOM,
            egui::vec2(body * 0.6, -body * 0.6),
        )
        .show(ctx, |ui| {
            ui.set_max_width(ctx.content_rect().width() * 0.62);
            egui::Frame::new()
                .fill(fill)
                .inner_margin(body * 0.5)
                .corner_radius(6.0)
                .show(ui, |ui| {
                    ui.label(
                        egui::RichText::new(&caption.text)
                            .size(body * 1.45)
                            .strong()
                            .color(egui::Color32::WHITE),
                    );
                });
        });
    Ok(())
}

/// The panel of the demonstration: where the tip is, the resistance against depth, and the
/// section in the needle's plane.
fn demo_panel(
    mut contexts: EguiContexts,
    session: Res<SessionState>,
    mut section: ResMut<super::live_section::SectionView>,
    mut viewport: ResMut<super::viewport::ViewportRect>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let tex = section.texture(ctx).cloned();
    let s = &session.0;
    // At egui's own text size; `right_panel` widens it with the projector's text.
    super::hud::right_panel(ctx, "demo", 260.0, &mut viewport, |ui| {
        ui.heading(&s.scenario.title);
        if let Some(pose) = s.pose() {
            let tissue = s.anatomy.tissue_at(pose.tip());
            ui.label(format!("Tip: {} at {:.0} mm", tissue.name(), pose.depth));
        }
        ui.separator();
        ui.label("Resistance against depth");
        super::charts::force_depth(ui, s);
        if let Some(tex) = tex {
            ui.label("Section in the needle's plane");
            let w = ui.available_width();
            ui.image((tex.id(), egui::vec2(w, w * 260.0 / 360.0)));
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_wait_plays_fast_until_its_last_seconds() {
        assert_eq!(travel(4.0), 4.0);
        assert_eq!(travel(LONG_WAIT_S + 8.0), LONG_WAIT_S + 2.0);
        for gap in [2.0, 6.0, 14.0, 60.0] {
            assert!((travelled(gap, travel(gap)) - gap).abs() < 1e-4, "{gap}");
            assert_eq!(travelled(gap, 0.0), 0.0);
        }
        assert_eq!(travelled(14.0, 1.0), FAST);
    }
}
