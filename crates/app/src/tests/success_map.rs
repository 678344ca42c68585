//! The success map follows the editor's text and the case on the table, off the frame.

use super::ws;
use crate::editor::EditorState;
use crate::success_map_view::{COARSE, FINE, MapSlot, SuccessMapView};
use crate::testing::headless_app;
use bevy::prelude::*;
use marrowsim_core::scenario::Scenario;

fn with_maps(path: &str) -> App {
    let scenario = Scenario::load(&ws(path)).expect("scene");
    let mut app = headless_app(scenario).expect("app");
    app.init_resource::<EditorState>();
    app.add_plugins(crate::success_map_view::plugin);
    app
}

/// Frames until the slot shows a map of `size` a side that `done` accepts, with nothing on
/// its way; the frames it took.
fn wait_for(
    app: &mut App,
    slot: fn(&SuccessMapView) -> &MapSlot,
    size: usize,
    done: impl Fn(&marrowsim_core::grading::success_map::SuccessMap) -> bool,
) -> usize {
    for frame in 0..20_000 {
        app.update();
        let view = app.world().resource::<SuccessMapView>();
        if let (Some(f), _) = slot(view).shown()
            && f.size == size
            && f.map.as_ref().is_ok_and(&done)
        {
            return frame;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    panic!("no {size}² map arrived");
}

fn editor_slot(v: &SuccessMapView) -> &MapSlot {
    &v.editor
}

#[test]
fn the_editor_map_follows_an_edit_of_the_zone_coarse_first() {
    let mut app = with_maps("scenes/psis_standard.ron");
    let text = std::fs::read_to_string(ws("scenes/psis_standard.ron")).unwrap();
    {
        let mut editor = app.world_mut().resource_mut::<EditorState>();
        editor.open = true;
        editor.text = text.clone();
    }
    wait_for(&mut app, editor_slot, FINE, |m| m.zone.entry_radius == 8.0);
    let share = |app: &App| {
        let view = app.world().resource::<SuccessMapView>();
        view.editor
            .shown()
            .0
            .unwrap()
            .map
            .as_ref()
            .unwrap()
            .zone_share()
    };
    let before = share(&app);
    assert!(before > 0.5, "{before}");

    // The instructor moves the zone 30 mm toward the head: the map follows, coarse first.
    let edited = text.replace(
        "entry: (landmark: \"psis_left\", radius: 8.0)",
        "entry: (landmark: \"psis_left\", radius: 8.0, offset: (0.0, 0.0, 30.0))",
    );
    assert_ne!(edited, text, "the edit must change the scene");
    app.world_mut().resource_mut::<EditorState>().text = edited;
    app.update();
    let busy = app.world().resource::<SuccessMapView>().editor.shown().1;
    assert!(busy, "the edit starts a map off the frame");
    wait_for(&mut app, editor_slot, COARSE, |_| true);
    wait_for(&mut app, editor_slot, FINE, |_| true);
    let after = share(&app);
    assert!(
        after < before - 0.2,
        "a zone moved 30 mm off the PSIS should pass far less: {before:.2} then {after:.2}"
    );

    // A scene with errors leaves the last map as it was.
    app.world_mut().resource_mut::<EditorState>().text = "Scenario(".into();
    for _ in 0..5 {
        app.update();
    }
    let view = app.world().resource::<SuccessMapView>();
    assert!(!view.editor.wanted);
    assert!(
        !view.editor.shown().1,
        "nothing computed for a broken scene"
    );
}

#[test]
fn the_panel_map_is_of_the_site_on_the_table_and_only_in_practice() {
    let mut app = with_maps("scenes/psis_bilateral.ron");
    app.world_mut()
        .resource_mut::<SuccessMapView>()
        .panel
        .wanted = true;
    wait_for(&mut app, |v| &v.panel, FINE, |m| m.site == 0);

    let mut app = with_maps("scenes/assessment_random.ron");
    app.world_mut()
        .resource_mut::<SuccessMapView>()
        .panel
        .wanted = true;
    for _ in 0..50 {
        app.update();
    }
    let view = app.world().resource::<SuccessMapView>();
    assert!(view.panel.shown().0.is_none() && !view.panel.shown().1);
}
