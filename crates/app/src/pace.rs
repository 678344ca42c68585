//! When the window draws. A software renderer spends most of a core on every frame, and a
//! trainee reading the panel or thinking between two pushes needs none of them; a laptop
//! needs its battery and a shared virtual desktop its CPU. So the window draws every frame
//! only while something is happening: a key or a button held, an input in the last
//! [`ACTIVE_AFTER_INPUT`], a replay or demonstration playing, a background task (a section, a
//! success map, a radiograph, the class board's read, older marks marked again) on its way, or pipelines still
//! compiling. Otherwise it sleeps until an input, a scene file's change or [`IDLE_WAIT`]
//! wakes it, so the clocks on screen still count.
//!
//! The perf and screenshot modes leave this plugin out and draw every frame.

use super::class_view::ClassBoard;
use super::demo_view::Demo;
use super::fluoroscopy_view::Fluoroscope;
use super::history_view::HistoryStore;
use super::live_section::SectionView;
use super::replay_view::Replay;
use super::screenshot::PipelineStatus;
use super::success_map_view::SuccessMapView;
use bevy::ecs::system::SystemParam;
use bevy::input::keyboard::KeyboardInput;
use bevy::input::mouse::{MouseButtonInput, MouseWheel};
use bevy::prelude::*;
use bevy::window::{CursorMoved, WindowFocused, WindowResized};
use bevy::winit::{UpdateMode, WinitSettings};
use bevy_egui::{EguiContext, EguiInput, EguiPreUpdateSet, egui};
use std::time::Duration;

/// How long the window keeps drawing after the last input: long enough for what an input
/// starts to show (a 32² success map takes about half a second here) and for the software
/// profile's scale to judge a run of frames drawn back to back.
pub(super) const ACTIVE_AFTER_INPUT: Duration = Duration::from_millis(1500);
/// How long an idle window sleeps before it draws anyway. The attempt's clock counts at most
/// 3 s of a frame (`MAX_FRAME`), and a countdown in seconds (the lidocaine's onset, the
/// antiseptic's drying) must not skip a number.
const IDLE_WAIT: Duration = Duration::from_millis(500);
const _: () = assert!(IDLE_WAIT.as_millis() * 2 <= super::MAX_FRAME.as_millis());

#[derive(Resource, Debug, Default)]
pub(super) struct Pace {
    /// When (real time since start) something last happened.
    last_active: Duration,
    /// Whether the window was told to draw the next frame straight after this one.
    continuous: bool,
}

impl Pace {
    /// Whether this frame followed the last without a sleep between them, so that its time
    /// is the renderer's pace and not an idle wait.
    pub(super) fn back_to_back(&self) -> bool {
        self.continuous
    }

    fn mode(&mut self, now: Duration, happening: bool) -> UpdateMode {
        if happening {
            self.last_active = now;
        }
        self.continuous = now.saturating_sub(self.last_active) < ACTIVE_AFTER_INPUT;
        if self.continuous {
            UpdateMode::Continuous
        } else {
            UpdateMode::reactive_low_power(IDLE_WAIT)
        }
    }
}

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Pace>()
        .init_resource::<WinitSettings>()
        .add_systems(
            PreUpdate,
            (steady_text_cursor, drop_unchanged_modifiers)
                .after(EguiPreUpdateSet::ProcessInput)
                .before(EguiPreUpdateSet::BeginPass),
        )
        .add_systems(Last, pace);
}

/// bevy_egui tells egui the modifier keys every frame, as an input event, and egui answers
/// any input event by asking for the next frame at once: the window would never sleep. An
/// event that changes nothing is dropped.
fn drop_unchanged_modifiers(mut contexts: Query<(&mut EguiInput, &mut EguiContext)>) {
    for (mut input, mut context) in &mut contexts {
        let current = context.get_mut().input(|i| i.modifiers);
        input
            .0
            .events
            .retain(|e| !matches!(e, egui::Event::ModifiersChanged(m) if *m == current));
    }
}

/// A blinking text cursor asks egui for a repaint twice a second, and bevy_egui answers any
/// repaint request, however far off, by drawing the next frame at once: a focused field (the
/// name prompt, the scene editor's text) kept the window drawing every frame, at 163% of a
/// core. The cursor stays lit instead. Checked every frame, because a style can be replaced
/// whole (the demonstration's is).
fn steady_text_cursor(mut contexts: Query<&mut EguiContext>) {
    for mut context in &mut contexts {
        let ctx = context.get_mut();
        if ctx.global_style().visuals.text_cursor.blink {
            ctx.all_styles_mut(|style| style.visuals.text_cursor.blink = false);
        }
    }
}

/// Inputs this frame, and inputs still held.
#[derive(SystemParam)]
struct Inputs<'w, 's> {
    keys: Option<Res<'w, ButtonInput<KeyCode>>>,
    buttons: Option<Res<'w, ButtonInput<MouseButton>>>,
    typed: MessageReader<'w, 's, KeyboardInput>,
    clicked: MessageReader<'w, 's, MouseButtonInput>,
    wheel: MessageReader<'w, 's, MouseWheel>,
    moved: MessageReader<'w, 's, CursorMoved>,
    resized: MessageReader<'w, 's, WindowResized>,
    focused: MessageReader<'w, 's, WindowFocused>,
}

impl Inputs<'_, '_> {
    fn any(&mut self) -> bool {
        let held = self
            .keys
            .as_ref()
            .is_some_and(|k| k.get_pressed().len() > 0)
            || self
                .buttons
                .as_ref()
                .is_some_and(|b| b.get_pressed().len() > 0);
        // Every reader is drained, so that an old message does not count again.
        let messages = [
            self.typed.read().count(),
            self.clicked.read().count(),
            self.wheel.read().count(),
            self.moved.read().count(),
            self.resized.read().count(),
            self.focused.read().count(),
        ];
        held || messages.iter().any(|&n| n > 0)
    }
}

/// What runs on by itself, without an input.
#[derive(SystemParam)]
struct Running<'w> {
    replay: Option<Res<'w, Replay>>,
    demo: Option<Res<'w, Demo>>,
    section: Option<Res<'w, SectionView>>,
    maps: Option<Res<'w, SuccessMapView>>,
    fluoroscope: Option<Res<'w, Fluoroscope>>,
    board: Option<Res<'w, ClassBoard>>,
    history: Option<Res<'w, HistoryStore>>,
    pipelines: Option<Res<'w, PipelineStatus>>,
}

impl Running<'_> {
    fn any(&self) -> bool {
        self.replay.as_ref().is_some_and(|r| r.playing)
            || self.demo.as_ref().is_some_and(|d| !d.paused)
            || self.section.as_ref().is_some_and(|s| s.busy())
            || self.maps.as_ref().is_some_and(|m| m.busy())
            || self.fluoroscope.as_ref().is_some_and(|f| f.busy())
            || self.board.as_ref().is_some_and(|b| b.busy())
            || self.history.as_ref().is_some_and(|h| h.busy())
            || self.pipelines.as_ref().is_some_and(|p| !p.ready())
    }
}

fn pace(
    time: Res<Time<Real>>,
    mut inputs: Inputs,
    running: Running,
    mut pace: ResMut<Pace>,
    mut settings: ResMut<WinitSettings>,
) {
    let happening = inputs.any() || running.any();
    let mode = pace.mode(time.elapsed(), happening);
    if settings.focused_mode != mode || settings.unfocused_mode != mode {
        // A workshop's demonstration plays on while the presenter works in another window.
        settings.focused_mode = mode;
        settings.unfocused_mode = mode;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bevy::input::InputPlugin;
    use bevy::time::TimeUpdateStrategy;

    fn app() -> App {
        let mut app = App::new();
        app.add_plugins((MinimalPlugins, InputPlugin))
            .insert_resource(TimeUpdateStrategy::ManualDuration(Duration::from_millis(
                100,
            )))
            .add_message::<CursorMoved>()
            .add_message::<WindowResized>()
            .add_message::<WindowFocused>()
            .add_plugins(plugin);
        app
    }

    fn mode(app: &App) -> UpdateMode {
        app.world().resource::<WinitSettings>().focused_mode
    }

    fn run(app: &mut App, frames: usize) {
        for _ in 0..frames {
            app.update();
        }
    }

    #[test]
    fn the_window_sleeps_when_nothing_happens_and_wakes_for_a_key() {
        let mut app = app();
        run(&mut app, 5);
        assert_eq!(mode(&app), UpdateMode::Continuous, "it draws as it starts");
        run(&mut app, 15);
        assert_eq!(mode(&app), UpdateMode::reactive_low_power(IDLE_WAIT));
        assert!(!app.world().resource::<Pace>().back_to_back());

        app.world_mut()
            .resource_mut::<ButtonInput<KeyCode>>()
            .press(KeyCode::KeyW);
        run(&mut app, 40);
        assert_eq!(
            mode(&app),
            UpdateMode::Continuous,
            "a key held for 4 s keeps the push drawn"
        );
        assert!(app.world().resource::<Pace>().back_to_back());

        app.world_mut()
            .resource_mut::<ButtonInput<KeyCode>>()
            .release(KeyCode::KeyW);
        run(&mut app, 14);
        assert_eq!(
            mode(&app),
            UpdateMode::Continuous,
            "it draws on for a moment"
        );
        run(&mut app, 2);
        assert_eq!(mode(&app), UpdateMode::reactive_low_power(IDLE_WAIT));
    }

    #[test]
    fn only_a_modifier_event_that_changes_something_reaches_egui() {
        use bevy::ecs::system::RunSystemOnce;
        let mut app = App::new();
        let events = |app: &mut App, sent: Vec<egui::Event>| {
            let e = app
                .world_mut()
                .spawn((
                    EguiContext::default(),
                    EguiInput(egui::RawInput {
                        events: sent,
                        ..default()
                    }),
                ))
                .id();
            app.world_mut()
                .run_system_once(drop_unchanged_modifiers)
                .unwrap();
            app.world().get::<EguiInput>(e).unwrap().events.clone()
        };
        let unchanged = egui::Event::ModifiersChanged(egui::Modifiers::NONE);
        let ctrl = egui::Event::ModifiersChanged(egui::Modifiers::CTRL);
        let typed = egui::Event::Text("w".into());
        assert_eq!(
            events(&mut app, vec![unchanged.clone(), typed.clone()]),
            vec![typed]
        );
        assert_eq!(events(&mut app, vec![ctrl.clone()]), vec![ctrl]);
    }

    #[test]
    fn a_text_cursor_does_not_blink() {
        use bevy::ecs::system::RunSystemOnce;
        let mut app = App::new();
        let e = app.world_mut().spawn(EguiContext::default()).id();
        let blinks = |app: &mut App| {
            app.world_mut()
                .get_mut::<EguiContext>(e)
                .unwrap()
                .get_mut()
                .global_style()
                .visuals
                .text_cursor
                .blink
        };
        assert!(blinks(&mut app), "egui's cursor blinks by default");
        app.world_mut().run_system_once(steady_text_cursor).unwrap();
        assert!(!blinks(&mut app));
    }

    #[test]
    fn a_demonstration_plays_on_without_input_until_it_is_paused() {
        let mut app = app();
        app.insert_resource(Demo::new(Vec::new()));
        run(&mut app, 40);
        assert_eq!(mode(&app), UpdateMode::Continuous);
        app.world_mut().resource_mut::<Demo>().paused = true;
        run(&mut app, 16);
        assert_eq!(mode(&app), UpdateMode::reactive_low_power(IDLE_WAIT));
    }

    #[test]
    fn a_pointer_moving_over_the_window_keeps_it_drawing() {
        let mut app = app();
        run(&mut app, 30);
        assert_ne!(mode(&app), UpdateMode::Continuous);
        let window = app.world_mut().spawn_empty().id();
        app.world_mut().write_message(CursorMoved {
            window,
            position: Vec2::new(10.0, 10.0),
            delta: None,
        });
        app.update();
        assert_eq!(mode(&app), UpdateMode::Continuous);
    }
}
