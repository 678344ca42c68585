//! Whole attempts, the case, input and the record, driven headless through the real plugins.

mod attempts;
mod case;
mod class;
mod demo;
mod fluoroscopy;
mod history;
mod input;
mod plan;
mod preparation;
mod replay;
mod success_map;

use crate::case::{Catalogue, SceneSource};
use crate::session::{self, SessionState};
use crate::testing::headless_case;
use bevy::input::ButtonState;
use bevy::input::keyboard::{Key, KeyboardInput, NativeKey};
use bevy::prelude::*;
use marrowsim_core::scenario::{Scenario, errors_text};
use std::path::Path;

/// A path from the workspace root (tests run in their crate's folder).
fn ws(path: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

/// A headless app on a scene file: its neighbours are the catalogue and it is watched for
/// changes. Time advances a tenth of a second a frame, whatever the machine's speed.
pub(super) fn headless_app_on_file(path: &Path) -> Result<App, String> {
    let scenario = Scenario::load(path).map_err(|e| errors_text(&e))?;
    let mut app = headless_case(scenario, SceneSource::File(path.to_path_buf()))?;
    if let Some(dir) = path.parent() {
        app.insert_resource(Catalogue::of_dir(dir));
    }
    Ok(app)
}

pub(super) fn key_message(key: KeyCode, state: ButtonState) -> KeyboardInput {
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
pub(super) fn tap(app: &mut App, key: KeyCode, held: &[KeyCode]) {
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
pub(super) fn press(app: &mut App, keys: &[KeyCode]) {
    for k in keys {
        app.world_mut()
            .write_message(key_message(*k, ButtonState::Pressed));
    }
}

pub(super) fn release(app: &mut App, keys: &[KeyCode]) {
    for k in keys {
        app.world_mut()
            .write_message(key_message(*k, ButtonState::Released));
    }
}

/// Puts the needle on the skin where the current site's ideal track enters (what a
/// ctrl-click there sends), and runs a frame.
pub(super) fn place_at_ideal_entry(app: &mut App) {
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
