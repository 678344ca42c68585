//! The trainee's panel (egui): the case and its buttons, the timer, live readouts, the
//! force–depth plot, the live section, the view options and the controls overlay. It also
//! records which input the panels claimed, so the 3D view and the needle leave it alone.

use super::anatomy_view::SkinOpacity;
use super::case::{Case, CaseCommand, Catalogue, fresh_draw};
use super::input_guard::{UiClaims, keyboard_free};
use super::labels::LabelsOn;
use super::section_image::{NEEDLE_CYAN, Track, section_image};
use super::session::SessionState;
use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};
use marrowsim_core::needle::session::Session;
use marrowsim_core::scenario::Mode;

pub(super) fn plugin(app: &mut App) {
    // The panels get a camera of their own, so the 3D camera can be narrowed to the part of
    // the window the panel leaves free (see `fit_camera_to_view`).
    app.insert_resource(bevy_egui::EguiGlobalSettings {
        auto_create_primary_context: false,
        ..default()
    })
    .add_systems(Startup, spawn_ui_camera);
    app.init_resource::<SectionView>()
        .init_resource::<HelpOpen>()
        .init_resource::<UiClaims>()
        .init_resource::<ViewportRect>()
        .add_systems(
            Update,
            (
                toggle_help
                    .run_if(keyboard_free)
                    .in_set(super::AppSystems::Input),
                update_section.in_set(super::AppSystems::Follow),
            ),
        )
        .add_systems(
            EguiPrimaryContextPass,
            (
                (panel, help_overlay).in_set(super::UiSystems::Draw),
                (claim_input, fit_camera_to_view).in_set(super::UiSystems::Claim),
            ),
        );
}

fn spawn_ui_camera(mut commands: Commands) {
    use bevy::camera::CameraOutputMode;
    use bevy::camera::visibility::RenderLayers;
    use bevy::render::render_resource::BlendState;
    commands.spawn((
        bevy_egui::PrimaryEguiContext,
        Camera2d,
        RenderLayers::none(),
        Camera {
            order: 1,
            output_mode: CameraOutputMode::Write {
                blend_state: Some(BlendState::ALPHA_BLENDING),
                clear_color: ClearColorConfig::None,
            },
            clear_color: ClearColorConfig::Custom(Color::NONE),
            ..default()
        },
    ));
}

/// The 3D view fills the window left of the panel, so the patient is centred in what the
/// trainee can see.
fn fit_camera_to_view(
    viewport: Res<ViewportRect>,
    windows: Query<&Window, With<bevy::window::PrimaryWindow>>,
    mut cameras: Query<&mut Camera, With<Camera3d>>,
) {
    let Ok(window) = windows.single() else {
        return;
    };
    let scale = window.scale_factor();
    let size = UVec2::new(
        (viewport.0.width().min(window.width()) * scale) as u32,
        window.physical_height(),
    );
    if size.x == 0 || size.y == 0 {
        return;
    }
    for mut camera in &mut cameras {
        let current = camera.viewport.as_ref().map(|v| v.physical_size);
        if current != Some(size) {
            camera.viewport = Some(bevy::camera::Viewport {
                physical_position: UVec2::ZERO,
                physical_size: size,
                ..default()
            });
        }
    }
}

/// The part of the window the 3D view still has after the side panel.
#[derive(Resource, Clone, Copy, Debug)]
pub struct ViewportRect(pub egui::Rect);

impl Default for ViewportRect {
    fn default() -> Self {
        ViewportRect(egui::Rect::EVERYTHING)
    }
}

fn claim_input(
    mut contexts: EguiContexts,
    viewport: Res<ViewportRect>,
    mut claims: ResMut<UiClaims>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let over_ui = ctx.pointer_hover_pos().is_some_and(|p| {
        !viewport.0.contains(p)
            || ctx
                .layer_id_at(p)
                .is_some_and(|l| l.order != egui::Order::Background)
    });
    let now = UiClaims {
        pointer: over_ui || ctx.egui_is_using_pointer(),
        keyboard: ctx.egui_wants_keyboard_input(),
    };
    claims.set_if_neq(now);
    Ok(())
}

const SECTION_PX: [usize; 2] = [180, 130];
const SECTION_MM_PER_PX: f32 = 0.8;

/// The tissue section in the needle's plane, resampled when the needle moves.
#[derive(Resource, Default)]
pub struct SectionView {
    pose: Option<marrowsim_core::needle::Pose>,
    image: Option<egui::ColorImage>,
    texture: Option<egui::TextureHandle>,
    dirty: bool,
}

pub fn update_section(session: Res<SessionState>, mut view: ResMut<SectionView>) {
    let pose = session.0.pose();
    if pose == view.pose {
        return;
    }
    view.pose = pose;
    view.dirty = true;
    view.image = pose.map(|pose| {
        use marrowsim_core::geometry::section::SectionPlane;
        let mut plane = SectionPlane::along(pose.entry, pose.tip() + pose.direction, glam::Vec3::Z);
        plane.origin = pose.entry + pose.direction * 45.0;
        section_image(
            &session.0.anatomy,
            plane,
            SECTION_PX,
            SECTION_MM_PER_PX,
            &[Track {
                from: pose.entry,
                to: pose.tip(),
                colour: NEEDLE_CYAN,
            }],
        )
    });
}

#[derive(Resource, Default)]
pub struct HelpOpen(pub bool);

fn toggle_help(
    keys: Option<Res<ButtonInput<KeyCode>>>,
    mut open: ResMut<HelpOpen>,
    mut labels: ResMut<LabelsOn>,
) {
    let Some(k) = keys else { return };
    if k.just_pressed(KeyCode::KeyH) || k.just_pressed(KeyCode::F1) {
        open.0 = !open.0;
    }
    if k.just_pressed(KeyCode::KeyL) {
        labels.0 = !labels.0;
    }
}

/// Every control, in one place (H or F1, and the README).
pub const CONTROLS: [(&str, &str); 19] = [
    ("Ctrl + click skin", "place the needle there, straight in"),
    (
        "Left / Right arrow",
        "tilt medially / laterally (2°; Shift 0.5°)",
    ),
    ("Up / Down arrow", "tilt toward the head / the feet"),
    (
        "Alt + left drag",
        "tilt the needle with the mouse (Shift: finer)",
    ),
    ("W / S", "advance / withdraw 1 mm (Shift 0.25 mm) at 250 N"),
    (
        "Alt + wheel",
        "advance / withdraw 1 mm a notch (Shift 0.25 mm)",
    ),
    ("hold F", "push firmly, 500 N"),
    ("hold T", "twist: the cortex yields to half the push"),
    ("Enter", "submit the site"),
    ("R", "retry: the same scene and patient"),
    ("N", "a new patient for this scene"),
    ("Page Down", "the next scene"),
    ("E", "open or close the scene editor"),
    ("L", "landmark labels"),
    ("left drag", "orbit the view"),
    ("right drag / wheel", "pan / zoom"),
    (
        "1 2 3 4 5",
        "posterior, lateral, superior, anterior, needle's-eye view",
    ),
    ("F12", "save a screenshot (marrowsim-<time>.png)"),
    ("H or F1", "show or hide this help"),
];

fn help_overlay(mut contexts: EguiContexts, mut open: ResMut<HelpOpen>) -> Result {
    if !open.0 {
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?;
    let mut still_open = true;
    egui::Window::new("Controls")
        .open(&mut still_open)
        .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
        .show(ctx, |ui| {
            egui::Grid::new("controls")
                .num_columns(2)
                .striped(true)
                .show(ui, |ui| {
                    for (key, what) in CONTROLS {
                        ui.label(egui::RichText::new(key).strong());
                        ui.label(what);
                        ui.end_row();
                    }
                });
        });
    open.0 = still_open;
    Ok(())
}

pub(super) fn tissue_colour(t: marrowsim_core::tissue::Tissue) -> egui::Color32 {
    let [r, g, b] = t.colour();
    egui::Color32::from_rgb(r, g, b)
}

/// Everything the trainee panel shows and may change.
pub struct PanelModel<'a> {
    pub session: &'a Session,
    pub case: Option<&'a Case>,
    pub catalogue: Option<&'a Catalogue>,
    pub section: Option<&'a egui::TextureHandle>,
    /// The trainee's record, if one is kept.
    pub history: Option<&'a super::history_view::HistoryStore>,
    pub skin_opacity: &'a mut f32,
    pub labels: &'a mut bool,
    /// Seconds on the app's clock, as the session's samples are stamped.
    pub now: f32,
}

/// What the trainee clicked in the panel.
#[derive(Default)]
pub struct PanelActions {
    pub case: Vec<CaseCommand>,
    pub toggle_editor: bool,
}

/// The case, its scene list, and where the panel's requests about them go.
#[derive(SystemParam)]
struct CaseParams<'w> {
    case: Option<Res<'w, Case>>,
    catalogue: Option<Res<'w, Catalogue>>,
    out: MessageWriter<'w, CaseCommand>,
    editor: Option<ResMut<'w, super::editor::EditorState>>,
    history: Option<Res<'w, super::history_view::HistoryStore>>,
}

/// The view settings the panel changes, and the part of the window it leaves to the view.
#[derive(SystemParam)]
struct ViewParams<'w> {
    opacity: ResMut<'w, SkinOpacity>,
    labels: ResMut<'w, LabelsOn>,
    viewport: ResMut<'w, ViewportRect>,
}

fn panel(
    mut contexts: EguiContexts,
    session: Res<SessionState>,
    time: Res<Time>,
    mut section: ResMut<SectionView>,
    mut cases: CaseParams,
    mut view: ViewParams,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    if section.dirty {
        section.dirty = false;
        section.texture = section
            .image
            .clone()
            .map(|img| ctx.load_texture("section", img, egui::TextureOptions::NEAREST));
    }
    if session.0.score.is_some() {
        return Ok(());
    }
    let mut skin = view.opacity.0;
    let mut labels_on = view.labels.0;
    let actions = right_panel(ctx, "trainee", PANEL_WIDTH, &mut view.viewport, |ui| {
        trainee_panel(
            ui,
            PanelModel {
                session: &session.0,
                case: cases.case.as_deref(),
                catalogue: cases.catalogue.as_deref(),
                history: cases.history.as_deref(),
                section: section.texture.as_ref(),
                skin_opacity: &mut skin,
                labels: &mut labels_on,
                now: time.elapsed_secs(),
            },
        )
    });
    if skin != view.opacity.0 {
        view.opacity.0 = skin;
    }
    if labels_on != view.labels.0 {
        view.labels.0 = labels_on;
    }
    cases.out.write_batch(actions.case);
    if actions.toggle_editor
        && let Some(editor) = cases.editor.as_mut()
    {
        editor.toggle(cases.case.as_deref());
    }
    Ok(())
}

pub const PANEL_WIDTH: f32 = 380.0;

/// A scrolling panel down the right of the window; the rest of the window is left to the 3D
/// view (`viewport`).
pub fn right_panel<R>(
    ctx: &egui::Context,
    id: &str,
    width: f32,
    viewport: &mut ViewportRect,
    add: impl FnOnce(&mut egui::Ui) -> R,
) -> R {
    let screen = ctx.viewport_rect();
    let mut background = egui::Ui::new(
        ctx.clone(),
        egui::Id::new((id, "background")),
        egui::UiBuilder::new()
            .layer_id(egui::LayerId::background())
            .max_rect(screen),
    );
    let shown = egui::Panel::right(id.to_owned())
        .exact_size(width)
        .show(&mut background, |ui| {
            egui::ScrollArea::vertical().show(ui, add).inner
        });
    viewport.0 = egui::Rect::from_min_max(
        screen.min,
        egui::pos2(shown.response.rect.left(), screen.max.y),
    );
    shown.inner
}

/// The panel's contents, drawn into any egui `Ui` (the app's side panel, or a bare context
/// when the frame budget is measured).
pub fn trainee_panel(ui: &mut egui::Ui, m: PanelModel) -> PanelActions {
    let mut actions = PanelActions::default();
    let s = m.session;
    ui.heading(&s.scenario.title);
    let site = &s.scenario.sites[s.site.min(s.scenario.sites.len() - 1)];
    ui.label(format!(
        "{} mode · site {} of {}: {}",
        match s.scenario.mode {
            Mode::Practice => "Practice",
            Mode::Assessment => "Assessment",
        },
        s.site + 1,
        s.scenario.sites.len(),
        site.name
    ));
    ui.label(patient_line(&s.anatomy.patient));
    case_controls(ui, &m, &mut actions);
    if let Some(case) = m.case.filter(|c| !c.errors.is_empty()) {
        ui.colored_label(
            egui::Color32::LIGHT_RED,
            "The scene file has errors; the last good version stays in use:",
        );
        for e in &case.errors {
            ui.colored_label(egui::Color32::LIGHT_RED, egui::RichText::new(e).monospace());
        }
    }
    ui.separator();
    timer(ui, s, m.now);
    ui.horizontal(|ui| {
        if s.scenario.mode == Mode::Practice {
            ui.label("Skin");
            ui.add(egui::Slider::new(m.skin_opacity, 0.0..=1.0).text("opacity"));
        }
        ui.checkbox(m.labels, "Labels (L)");
    });
    egui::CollapsingHeader::new("Instructions")
        .default_open(true)
        .show(ui, |ui| {
            for line in &s.scenario.instructions {
                ui.label(format!("• {line}"));
            }
        });
    if let Some(store) = m.history {
        super::charts::progress(ui, store, &s.scenario.title);
    }
    ui.separator();
    readouts(ui, s);
    ui.separator();
    ui.label("Resistance against depth");
    super::charts::force_depth(ui, s);
    if let Some(tex) = m.section {
        ui.label("Section in the needle's plane");
        ui.image((tex.id(), egui::vec2(360.0, 260.0)));
    }
    ui.separator();
    ui.label("Press H for the controls.");
    actions
}

/// Green, amber and red for pass, fail and unsafe, wherever a verdict is shown.
pub fn verdict_colour(v: marrowsim_core::grading::scoring::Verdict) -> egui::Color32 {
    match v {
        marrowsim_core::grading::scoring::Verdict::Pass => egui::Color32::from_rgb(80, 220, 120),
        marrowsim_core::grading::scoring::Verdict::Fail => egui::Color32::from_rgb(240, 180, 60),
        marrowsim_core::grading::scoring::Verdict::Unsafe => egui::Color32::from_rgb(240, 70, 70),
    }
}

fn patient_line(p: &marrowsim_core::anatomy::Patient) -> String {
    let who = match p.seed {
        None => "the mean patient".to_string(),
        Some(seed) => format!("patient #{seed}"),
    };
    format!(
        "{} · BMI {:.0} · size {:.2} · {who}",
        p.preset.replace('_', " "),
        p.bmi,
        p.scale
    )
}

fn case_controls(ui: &mut egui::Ui, m: &PanelModel, actions: &mut PanelActions) {
    if let Some(cat) = m.catalogue.filter(|c| !c.scenes.is_empty()) {
        let current = m.case.and_then(|c| c.path());
        let selected = current
            .and_then(|p| p.file_name())
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_else(|| "built-in standard scene".into());
        egui::ComboBox::from_label("Scene")
            .selected_text(selected)
            .width(240.0)
            .show_ui(ui, |ui| {
                for entry in &cat.scenes {
                    let name = entry
                        .path
                        .file_name()
                        .map(|f| f.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    match &entry.title {
                        Ok(title) => {
                            let chosen = current == Some(entry.path.as_path());
                            if ui
                                .selectable_label(chosen, format!("{title}  ({name})"))
                                .clicked()
                                && !chosen
                            {
                                actions.case.push(CaseCommand::Open(entry.path.clone()));
                            }
                        }
                        Err(why) => {
                            ui.add_enabled(false, egui::Button::new(format!("{name}: invalid")))
                                .on_disabled_hover_text(why);
                        }
                    }
                }
            });
    }
    ui.horizontal(|ui| {
        if ui.button("Retry (R)").clicked() {
            actions.case.push(CaseCommand::Retry);
        }
        if ui.button("New patient (N)").clicked() {
            actions.case.push(CaseCommand::NewPatient(fresh_draw()));
        }
        if ui.button("Next scene (PgDn)").clicked() {
            actions.case.push(CaseCommand::NextScene);
        }
    });
    if m.case.is_some() && ui.button("Edit scene (E)").clicked() {
        actions.toggle_editor = true;
    }
}

fn timer(ui: &mut egui::Ui, s: &Session, now: f32) {
    let elapsed = s.started().map(|t0| (now - t0).max(0.0)).unwrap_or(0.0);
    let clock = |t: f32| format!("{}:{:02}", (t / 60.0) as u32, (t % 60.0) as u32);
    let text = match s.scenario.time_limit_s {
        Some(limit) => format!("Time {} of {}", clock(elapsed), clock(limit)),
        None => format!("Time {}", clock(elapsed)),
    };
    let over = s.scenario.time_limit_s.is_some_and(|l| elapsed > l);
    let colour = if over {
        egui::Color32::LIGHT_RED
    } else {
        ui.visuals().text_color()
    };
    ui.colored_label(colour, egui::RichText::new(text).size(18.0).monospace());
}

fn readouts(ui: &mut egui::Ui, s: &Session) {
    let Some((tip, past_skin, past_cortex)) = s.readout() else {
        ui.label("Ctrl+click the skin over the entry point to place the needle.");
        return;
    };
    egui::Grid::new("readouts").num_columns(2).show(ui, |ui| {
        ui.label("Tip in");
        let colour = if tip == marrowsim_core::tissue::Tissue::Air {
            ui.visuals().text_color()
        } else {
            tissue_colour(tip)
        };
        ui.colored_label(colour, tip.name());
        ui.end_row();
        ui.label("Depth past the skin");
        ui.label(format!("{past_skin:.1} mm"));
        ui.end_row();
        ui.label("Depth past the cortex");
        ui.label(
            past_cortex
                .map(|d| format!("{d:.1} mm"))
                .unwrap_or("—".into()),
        );
        ui.end_row();
        if s.scenario.mode == Mode::Practice
            && let Some(a) = s.angle_to_aim()
        {
            ui.label("Angle to the aim");
            ui.label(format!("{a:.1}°"));
            ui.end_row();
        }
        if let Some(o) = s.last {
            ui.label("Resistance");
            ui.label(format!("{:.0} N", o.force));
            ui.end_row();
            let warnings = [
                (
                    o.held_by_cortex,
                    egui::Color32::YELLOW,
                    "Held at the cortex: twist (T) or push firmly (F)",
                ),
                (
                    o.skidded,
                    egui::Color32::LIGHT_RED,
                    "Skidding along the bone: steepen the angle",
                ),
            ];
            for (_, colour, text) in warnings.into_iter().filter(|w| w.0) {
                ui.label("");
                ui.colored_label(colour, text);
                ui.end_row();
            }
        }
    });
}

#[cfg(test)]
mod tests {
    /// Every character of the controls list must exist in egui's built-in fonts, or the
    /// overlay shows empty boxes (the arrows once did).
    #[test]
    fn the_controls_list_draws_with_the_built_in_fonts() {
        use ab_glyph::{Font, FontRef};
        let fonts: Vec<FontRef> = [
            epaint_default_fonts::UBUNTU_LIGHT,
            epaint_default_fonts::NOTO_EMOJI_REGULAR,
            epaint_default_fonts::EMOJI_ICON,
        ]
        .into_iter()
        .map(|bytes| FontRef::try_from_slice(bytes).expect("font"))
        .collect();
        for (key, what) in super::CONTROLS {
            for c in key
                .chars()
                .chain(what.chars())
                .filter(|c| !c.is_whitespace())
            {
                assert!(
                    fonts.iter().any(|f| f.glyph_id(c).0 != 0),
                    "{c:?} in {key:?}: no glyph in egui's fonts"
                );
            }
        }
    }
}
