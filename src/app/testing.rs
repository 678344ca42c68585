//! Ready-made headless apps for tests: the simulation plugins on `MinimalPlugins`, no window.

use super::case::{self, Case, Catalogue, SceneSource, errors_text};
use super::session::{self, SessionState};
use crate::sim::anatomy::Anatomy;
use crate::sim::scenario::Scenario;
use crate::sim::session::Session;
use bevy::input::keyboard::{Key, KeyboardInput, NativeKey};
use bevy::input::{ButtonState, InputPlugin};
use bevy::prelude::*;
use bevy::time::TimeUpdateStrategy;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// An app that runs a scenario's attempt with no rendering; drive it with key presses and
/// `app.update()`.
pub fn headless_app(scenario: Scenario) -> Result<App, String> {
    headless_case(scenario, SceneSource::BuiltIn)
}

/// A headless app on a scene file: its neighbours are the catalogue and it is watched for
/// changes. Time advances a tenth of a second a frame, whatever the machine's speed.
pub fn headless_app_on_file(path: &Path) -> Result<App, String> {
    let scenario = Scenario::load(path).map_err(|e| errors_text(&e).join("\n"))?;
    let mut app = headless_case(scenario, SceneSource::File(path.to_path_buf()))?;
    if let Some(dir) = path.parent() {
        app.insert_resource(Catalogue::of_dir(dir));
    }
    Ok(app)
}

fn headless_case(scenario: Scenario, source: SceneSource) -> Result<App, String> {
    let anatomy = Arc::new(Anatomy::build(&scenario.patient(0)).map_err(|e| e.to_string())?);
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, InputPlugin))
        .insert_resource(TimeUpdateStrategy::ManualDuration(Duration::from_millis(
            100,
        )))
        .insert_resource(super::CurrentAnatomy(anatomy.clone()))
        .insert_resource(super::anatomy_view::PatientFrame::for_position(
            scenario.position,
        ))
        .insert_resource(Case::new(source))
        .insert_resource(SessionState(Session::new(scenario, anatomy)))
        .add_plugins((case::plugin, session::plugin, super::history_view::plugin));
    app.update();
    Ok(app)
}

fn key_message(key: KeyCode, state: ButtonState) -> KeyboardInput {
    KeyboardInput {
        key_code: key,
        logical_key: Key::Unidentified(NativeKey::Unidentified),
        state,
        text: None,
        repeat: false,
        window: Entity::PLACEHOLDER,
    }
}

/// Presses and releases a key over two frames, with modifiers held, as the window would
/// report it: through `KeyboardInput` messages, so `ButtonInput` sees a real press.
pub fn tap(app: &mut App, key: KeyCode, held: &[KeyCode]) {
    for h in held {
        app.world_mut()
            .write_message(key_message(*h, ButtonState::Pressed));
    }
    app.world_mut()
        .write_message(key_message(key, ButtonState::Pressed));
    app.update();
    app.world_mut()
        .write_message(key_message(key, ButtonState::Released));
    for h in held {
        app.world_mut()
            .write_message(key_message(*h, ButtonState::Released));
    }
    app.update();
}

/// Holds keys down (press messages) for the frames until [`release`].
pub fn press(app: &mut App, keys: &[KeyCode]) {
    for k in keys {
        app.world_mut()
            .write_message(key_message(*k, ButtonState::Pressed));
    }
}

pub fn release(app: &mut App, keys: &[KeyCode]) {
    for k in keys {
        app.world_mut()
            .write_message(key_message(*k, ButtonState::Released));
    }
}

/// Puts the needle on the skin where the current site's ideal track enters (what a
/// ctrl-click there sends), and runs a frame.
pub fn place_at_ideal_entry(app: &mut App) {
    let entry = {
        let s = &app.world().resource::<SessionState>().0;
        s.scenario
            .resolve(s.site, &s.anatomy)
            .map(|zone| zone.ideal_track(&s.anatomy).0)
    };
    if let Some(p) = entry {
        app.world_mut()
            .write_message(session::NeedleCommand::Place(p));
    }
    app.update();
}
