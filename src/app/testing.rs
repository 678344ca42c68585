//! Ready-made headless apps for tests: the simulation plugins on `MinimalPlugins`, no window.

use super::session::{self, SessionState};
use crate::sim::anatomy::Anatomy;
use crate::sim::scenario::Scenario;
use crate::sim::session::Session;
use bevy::input::keyboard::{Key, KeyboardInput, NativeKey};
use bevy::input::{ButtonState, InputPlugin};
use bevy::prelude::*;
use std::sync::Arc;

/// An app that runs a scenario's attempt with no rendering; drive it with key presses and
/// `app.update()`.
pub fn headless_app(scenario: Scenario) -> Result<App, String> {
    let anatomy = Arc::new(Anatomy::build(&scenario.patient(0)).map_err(|e| e.to_string())?);
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, InputPlugin))
        .insert_resource(super::CurrentAnatomy(anatomy.clone()))
        .insert_resource(super::anatomy_view::PatientFrame::for_position(
            scenario.position,
        ))
        .insert_resource(SessionState(Session::new(scenario, anatomy)))
        .add_plugins(session::plugin);
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
