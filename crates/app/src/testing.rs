//! A ready-made headless app: the simulation plugins on `MinimalPlugins`, no window. The
//! frame budget runs on it, and so do the tests.

use super::case::{self, Case, SceneSource};
use super::session::{self, SessionState};
use bevy::input::InputPlugin;
use bevy::prelude::*;
use bevy::time::TimeUpdateStrategy;
use marrowsim_core::anatomy::Anatomy;
use marrowsim_core::needle::session::Session;
use marrowsim_core::scenario::Scenario;
use std::sync::Arc;
use std::time::Duration;

/// An app that runs a scenario's attempt with no rendering; drive it with key presses and
/// `app.update()`.
pub fn headless_app(scenario: Scenario) -> Result<App, String> {
    headless_case(scenario, SceneSource::BuiltIn)
}

pub(crate) fn headless_case(scenario: Scenario, source: SceneSource) -> Result<App, String> {
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
        .add_plugins((
            case::plugin,
            super::scene_watch::plugin,
            session::plugin,
            super::plan_view::plugin,
            super::history_view::plugin,
        ));
    super::configure_sets(&mut app);
    app.update();
    Ok(app)
}
