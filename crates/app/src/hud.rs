//! The trainee's panel (egui): the case and its buttons, the timer, live readouts, the
//! force–depth plot, the live section, the view options and the controls overlay. It also
//! records which input the panels claimed, so the 3D view and the needle leave it alone.

use super::anatomy_view::SkinOpacity;
use super::case::{Case, CaseCommand, Catalogue, fresh_draw};
use super::labels::LabelsOn;
use super::live_section::SectionView;
use super::session::SessionState;
use super::viewport::ViewportRect;
use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};
use marrowsim_core::grading::scoring::ANGLE_FAIL_TOLERANCES;
use marrowsim_core::needle::Pose;
use marrowsim_core::needle::session::{Session, Tool};
use marrowsim_core::scenario::Mode;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(
        EguiPrimaryContextPass,
        panel
            .in_set(super::UiSystems::Draw)
            .run_if(not(resource_exists::<super::demo_view::Demo>))
            .run_if(super::class_view::board_hidden),
    );
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
    /// The volume the next syringe pull draws (mL).
    pub pull_volume: &'a mut f32,
    /// Why the last pull was refused.
    pub pull_refusal: Option<&'a str>,
    /// How much the 3D view draws; `None` where there is no view (the frame budget).
    pub profile: Option<&'a mut super::render_profile::RenderProfile>,
    /// The 3D view's resolution as a share of the window's, and whether it adapts.
    pub render_scale: Option<(f32, bool)>,
    /// The plan being made from the scene's case; `None` where no plan can be made.
    pub plan: Option<&'a mut marrowsim_core::evaluation::Plan>,
    /// The practice map of where the site passes from; `None` where it is not offered.
    pub success_map: Option<&'a mut super::success_map_view::MapSlot>,
    /// The C-arm's controls, for scenes guided by fluoroscopy.
    pub c_arm: Option<&'a mut super::fluoroscopy_view::Fluoroscope>,
}

/// What the trainee clicked in the panel.
#[derive(Default)]
pub struct PanelActions {
    pub case: Vec<CaseCommand>,
    pub toggle_editor: bool,
    pub needle: Vec<super::session::NeedleCommand>,
    /// The plan the trainee confirmed.
    pub plan: Option<marrowsim_core::evaluation::Plan>,
    /// "Not you?": ask who is practising again.
    pub forget_trainee: bool,
    /// Replay this attempt of the record.
    pub replay: Option<i64>,
}

/// The case, its scene list, and where the panel's requests about them go.
#[derive(SystemParam)]
struct CaseParams<'w> {
    case: Option<Res<'w, Case>>,
    catalogue: Option<Res<'w, Catalogue>>,
    out: MessageWriter<'w, CaseCommand>,
    editor: Option<ResMut<'w, super::editor::EditorState>>,
    history: Option<ResMut<'w, super::history_view::HistoryStore>>,
    replay: MessageWriter<'w, super::replay_view::ReplayRequest>,
}

/// The view settings the panel changes, and the part of the window it leaves to the view.
#[derive(SystemParam)]
struct ViewParams<'w> {
    opacity: ResMut<'w, SkinOpacity>,
    labels: ResMut<'w, LabelsOn>,
    viewport: ResMut<'w, ViewportRect>,
    pull_volume: ResMut<'w, super::session::PullVolume>,
    profile: ResMut<'w, super::render_profile::RenderProfile>,
    render_scale: Res<'w, super::render_profile::RenderScale>,
    pull_refusal: Res<'w, super::session::PullRefusal>,
    needle: MessageWriter<'w, super::session::NeedleCommand>,
    plan: ResMut<'w, super::plan_view::PlanDraft>,
    confirm: MessageWriter<'w, super::plan_view::ConfirmPlan>,
    maps: ResMut<'w, super::success_map_view::SuccessMapView>,
    c_arm: ResMut<'w, super::fluoroscopy_view::Fluoroscope>,
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
    let section = section.texture(ctx).cloned();
    if session.0.score.is_some() {
        return Ok(());
    }
    let mut skin = view.opacity.0;
    let mut labels_on = view.labels.0;
    let mut pull_volume = view.pull_volume.0;
    let mut profile = *view.profile;
    let refusal = view.pull_refusal.0.clone();
    let mut plan = view.plan.0.clone();
    let actions = right_panel(ctx, "trainee", PANEL_WIDTH, &mut view.viewport, |ui| {
        trainee_panel(
            ui,
            PanelModel {
                session: &session.0,
                case: cases.case.as_deref(),
                catalogue: cases.catalogue.as_deref(),
                history: cases.history.as_deref(),
                section: section.as_ref(),
                skin_opacity: &mut skin,
                labels: &mut labels_on,
                now: time.elapsed_secs(),
                pull_volume: &mut pull_volume,
                pull_refusal: refusal.as_deref(),
                profile: Some(&mut profile),
                render_scale: Some((view.render_scale.value, view.render_scale.adaptive())),
                plan: Some(&mut plan),
                success_map: Some(&mut view.maps.panel),
                c_arm: Some(&mut view.c_arm),
            },
        )
    });
    view.profile.set_if_neq(profile);
    if plan != view.plan.0 {
        view.plan.0 = plan;
    }
    if let Some(confirmed) = actions.plan.clone() {
        view.confirm.write(super::plan_view::ConfirmPlan(confirmed));
    }
    if pull_volume != view.pull_volume.0 {
        view.pull_volume.0 = pull_volume;
    }
    view.needle.write_batch(actions.needle.iter().copied());
    if skin != view.opacity.0 {
        view.opacity.0 = skin;
    }
    if labels_on != view.labels.0 {
        view.labels.0 = labels_on;
    }
    cases.out.write_batch(actions.case);
    if let Some(id) = actions.replay {
        cases
            .replay
            .write(super::replay_view::ReplayRequest::Recorded(id));
    }
    if actions.forget_trainee
        && let Some(store) = cases.history.as_mut()
    {
        store.identity.trainee = None;
    }
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
    // Wider when the text is larger (a projector's style), but never over half the window.
    let body = ctx.global_style().text_styles[&egui::TextStyle::Body].size;
    let width = (width * (body / 12.5).max(1.0)).min((screen.width() * 0.5).max(width));
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
        // The site is part of the plan the case asks for: not named before it is made.
        if s.awaiting_plan() {
            "after your plan"
        } else {
            site.name.as_str()
        }
    ));
    ui.label(patient_line(&s.anatomy.patient));
    if let Some(store) = m.history
        && let Some(name) = &store.identity.trainee
    {
        ui.horizontal_wrapped(|ui| {
            ui.label(format!(
                "Trainee: {name}{}",
                store
                    .identity
                    .station
                    .as_deref()
                    .map(|st| format!(" · station {st}"))
                    .unwrap_or_default()
            ));
            if ui.small_button("Not you?").clicked() {
                actions.forget_trainee = true;
            }
        });
    }
    if let Some(sharing) = m.history.and_then(|s| s.sharing()) {
        sharing_line(ui, &sharing);
    }
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
    if s.scenario.evaluation.is_some() {
        let mut scratch = marrowsim_core::evaluation::Plan::default();
        let draft = m.plan.unwrap_or(&mut scratch);
        actions.plan = super::plan_view::section(ui, s, draft);
        ui.separator();
        if s.awaiting_plan() {
            ui.weak("The needle waits for your plan.");
            return actions;
        }
    }
    if s.scenario.preparation.is_some() {
        actions
            .needle
            .extend(super::preparation_view::section(ui, s, m.now));
        ui.separator();
    }
    timer(ui, s, m.now);
    let software = m
        .profile
        .as_deref()
        .is_some_and(|p| *p == super::render_profile::RenderProfile::Software);
    ui.horizontal(|ui| {
        if s.scenario.mode == Mode::Practice {
            ui.label("Skin");
            ui.add(egui::Slider::new(m.skin_opacity, 0.0..=1.0).text("opacity"));
        }
        if s.scenario.mode == Mode::Practice {
            ui.checkbox(m.labels, "Labels (L)");
        }
    });
    if software && s.scenario.mode == Mode::Practice && *m.skin_opacity < 1.0 {
        ui.weak("Software profile: the skin shows only at opacity 1.");
    }
    if let Some(profile) = m.profile {
        use super::render_profile::RenderProfile;
        ui.horizontal(|ui| {
            egui::ComboBox::from_label("Graphics")
                .selected_text(profile.name())
                .show_ui(ui, |ui| {
                    for p in [RenderProfile::Full, RenderProfile::Software] {
                        ui.selectable_value(profile, p, p.name());
                    }
                });
            if let Some((scale, adaptive)) = m.render_scale.filter(|(s, _)| *s < 1.0) {
                ui.weak(format!("· view at {:.0}%", scale * 100.0))
                    .on_hover_text(format!(
                        "The 3D view is drawn at {:.0}% of the window's width and height{}.",
                        scale * 100.0,
                        if adaptive {
                            ", adapting to hold 15 frames a second"
                        } else {
                            ""
                        }
                    ));
            }
        });
    }
    // Open while the trainee reads them; once the needle is on the skin they fold away (a
    // header of their own, which the trainee may open again), so that the live section
    // below fits a laptop's screen.
    let placed = s.pose().is_some();
    egui::CollapsingHeader::new("Instructions")
        .id_salt(("instructions", placed))
        .default_open(!placed)
        .show(ui, |ui| {
            for line in &s.scenario.instructions {
                ui.label(format!("• {line}"));
            }
        });
    if let Some(slot) = m.success_map {
        success_map_section(ui, s, slot);
    }
    if let Some(store) = m.history {
        super::charts::progress(ui, store, &s.scenario.title);
        recent_attempts(ui, store, &s.scenario.title, &mut actions);
    }
    ui.separator();
    readouts(ui, s);
    ui.separator();
    if let Some(scope) = m.c_arm
        && s.scenario.guidance() == marrowsim_core::scenario::Guidance::Fluoroscopy
    {
        actions
            .needle
            .extend(super::fluoroscopy_view::section(ui, s, scope));
        ui.separator();
    }
    if s.scenario.anaesthesia.is_some() {
        actions
            .needle
            .extend(super::anaesthesia_view::section(ui, s, m.now));
        ui.separator();
    }
    if s.scenario.aspiration.is_some() {
        actions.needle.extend(super::aspiration_view::section(
            ui,
            s,
            m.pull_volume,
            m.pull_refusal,
        ));
        ui.separator();
    }
    ui.label("Resistance against depth");
    super::charts::force_depth(ui, s);
    use super::live_section::Style;
    let fluoroscopy = s.scenario.guidance() == marrowsim_core::scenario::Guidance::Fluoroscopy;
    match (Style::of(&s.scenario), m.section) {
        (Style::Hidden, _) if fluoroscopy => {
            ui.weak(
                "No live section and no labels in assessment: the C-arm's shots show the inside.",
            );
        }
        (Style::Hidden, _) => {
            ui.weak("Landmarks only: no imaging and no labels in assessment; feel for the bone.");
        }
        (Style::Ultrasound, Some(tex)) => {
            ui.label("Ultrasound in the needle's plane (skin at the top)");
            let image = ui.image((tex.id(), egui::vec2(208.0, 288.0)));
            keep_in_view(ui, &image, s.pose());
        }
        (Style::Tissues, Some(tex)) => {
            ui.label("Section in the needle's plane");
            let image = ui.image((tex.id(), egui::vec2(344.0, 248.0)));
            keep_in_view(ui, &image, s.pose());
        }
        (_, None) => ui.data_mut(|d| d.remove::<Option<SeenPose>>(egui::Id::new(LIVE_IMAGE_SEEN))),
    }
    ui.separator();
    ui.label("Press H for the controls.");
    actions
}

const LIVE_IMAGE_SEEN: &str = "live image brought into view";

/// The needle's pose, as the panel last saw it beside the live image.
type SeenPose = [f32; 7];

fn seen_pose(pose: Option<Pose>) -> Option<SeenPose> {
    pose.map(|p| {
        let (e, d) = (p.entry, p.direction);
        [e.x, e.y, e.z, d.x, d.y, d.z, p.depth]
    })
}

/// Scrolls the panel so that all of the live image shows: when it first appears (the needle
/// put on the skin; on a laptop's screen it starts below the fold), and again whenever the
/// needle moves while part of the image is out of sight, as the readouts above it grow with
/// the push. While the needle is still, the trainee may scroll away; the panel does not
/// fight them.
fn keep_in_view(ui: &mut egui::Ui, image: &egui::Response, pose: Option<Pose>) {
    let id = egui::Id::new(LIVE_IMAGE_SEEN);
    let before = ui.data(|d| d.get_temp::<Option<SeenPose>>(id));
    let now = seen_pose(pose);
    // A margin below for a line or two that the readouts may gain on the next frame.
    let wanted = image.rect.with_max_y(image.rect.max.y + 24.0);
    if must_scroll(before, now, wanted, ui.clip_rect()) {
        ui.scroll_to_rect(wanted, Some(egui::Align::Max));
    }
    ui.data_mut(|d| d.insert_temp(id, now));
}

/// Whether to scroll `wanted` into the `visible` part of the panel: the first time it shows
/// (`before` is `None`), or when the needle has moved since the last frame and `wanted` is
/// not all in sight.
fn must_scroll(
    before: Option<Option<SeenPose>>,
    now: Option<SeenPose>,
    wanted: egui::Rect,
    visible: egui::Rect,
) -> bool {
    match before {
        None => true,
        Some(before) => before != now && !visible.contains_rect(wanted),
    }
}

/// In practice, where on the skin the site passes from; computed only while it is open.
fn success_map_section(
    ui: &mut egui::Ui,
    s: &Session,
    slot: &mut super::success_map_view::MapSlot,
) {
    if s.scenario.mode != Mode::Practice {
        slot.wanted = false;
        return;
    }
    let shown = egui::CollapsingHeader::new("Where this site passes from (success map)")
        .default_open(false)
        .open(slot.force_open.then_some(true))
        .show(ui, |ui| slot.show(ui, s.pose().map(|p| p.entry)));
    slot.wanted = shown.body_returned.is_some();
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
    if m.case.is_some()
        && m.session.scenario.mode == Mode::Practice
        && ui.button("Edit scene (E)").clicked()
    {
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
    // Larger than the body text, whatever its size (a projector's is twice the desktop's).
    let size = ui.style().text_styles[&egui::TextStyle::Body].size * 1.45;
    ui.colored_label(colour, egui::RichText::new(text).size(size).monospace());
}

fn readouts(ui: &mut egui::Ui, s: &Session) {
    let amber = egui::Color32::from_rgb(255, 190, 70);
    if let Some(feel) = &s.finger {
        ui.colored_label(amber, format!("Finger: {}", feel.describe()));
    }
    if let Some(notice) = &s.notice {
        ui.colored_label(egui::Color32::LIGHT_RED, notice);
    }
    let Some((tip, past_skin, past_cortex)) = s.readout() else {
        let landmark = match s.scenario.approach {
            marrowsim_core::scenario::Approach::PosteriorIliacCrest => "the PSIS",
            marrowsim_core::scenario::Approach::AnteriorIliacCrest => "the ASIS and the crest",
        };
        ui.label(format!(
            "Hold Q and move over the skin to feel for {landmark}, then Ctrl+click beside \
             your finger to place the needle."
        ));
        return;
    };
    technique_hint(ui, s);
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
            let site = &s.scenario.sites[s.site.min(s.scenario.sites.len() - 1)];
            let tolerance = site.trajectory.tolerance_deg;
            let shown = format!("{a:.1}°");
            if a > ANGLE_FAIL_TOLERANCES * tolerance {
                ui.colored_label(egui::Color32::LIGHT_RED, format!("{shown}: off course, fails"))
                    .on_hover_text(format!(
                        "More than twice the {tolerance:.0}° tolerance: another approach's track. The site fails wherever the tip ends."
                    ));
            } else if a > tolerance {
                ui.colored_label(egui::Color32::from_rgb(240, 190, 80), shown);
            } else {
                ui.label(shown);
            }
            ui.end_row();
        }
        if let Some(o) = s.last {
            ui.label("Resistance");
            ui.label(format!("{:.0} N", o.force));
            ui.end_row();
        }
    });
    // Outside the grid: a grid cell does not wrap, so a long warning would widen the panel.
    for (colour, text) in contact_warnings(s) {
        ui.add(egui::Label::new(egui::RichText::new(text).color(colour)).wrap());
    }
}

fn contact_warnings(s: &Session) -> Vec<(egui::Color32, &'static str)> {
    let Some(o) = s.last else {
        return Vec::new();
    };
    [
        (
            o.held_by_cortex && s.tool == Tool::Trocar,
            egui::Color32::YELLOW,
            "Held at the cortex: twist (T) or push firmly (F)",
        ),
        (
            o.held_by_cortex && s.tool == Tool::Anaesthetic,
            egui::Color32::LIGHT_BLUE,
            "On the periosteum: inject it here (I)",
        ),
        (
            o.skidded,
            egui::Color32::LIGHT_RED,
            "Skidding along the bone: steepen the angle",
        ),
    ]
    .into_iter()
    .filter(|w| w.0)
    .map(|(_, colour, text)| (colour, text))
    .collect()
}

/// What the arrows do now, and in practice where the tip is against the entry zone.
fn technique_hint(ui: &mut egui::Ui, s: &Session) {
    use marrowsim_core::needle::technique::Contact;
    let hint = match s.contact() {
        Contact::Outside => "On the skin: W goes straight down.",
        Contact::Soft => "In the soft tissue: go down to the bone (W).",
        Contact::OnBone => {
            "Tip on the bone: arrows swing the hub about the tip, Ctrl+arrows walk the tip."
        }
        Contact::InBone => "In bone: the needle barely tilts; withdraw to re-aim.",
    };
    ui.label(hint);
    if s.scenario.mode != Mode::Practice || s.contact() == Contact::InBone {
        return;
    }
    if let Some((lateral, cephalad, _, radius)) = s.tip_from_entry_zone() {
        let off = (lateral * lateral + cephalad * cephalad).sqrt();
        let text = if off <= radius {
            format!("The tip is over the entry zone ({off:.0} mm from its centre).")
        } else {
            format!(
                "The tip is {:.0} mm {} and {:.0} mm {} of the entry zone's centre.",
                lateral.abs(),
                if lateral >= 0.0 { "lateral" } else { "medial" },
                cephalad.abs(),
                if cephalad >= 0.0 {
                    "cephalad"
                } else {
                    "caudal"
                },
            )
        };
        ui.label(text);
    }
}

/// The room's shared record, as this station's queue stands.
pub(super) fn sharing_line(ui: &mut egui::Ui, s: &marrowsim_core::records::store::Sharing) {
    let text = match (&s.error, s.waiting) {
        (None, 0) => format!("Class record: {} (all sent)", s.address),
        (None, n) => format!("Class record: {} ({n} sending)", s.address),
        (Some(_), n) => format!(
            "Class record unreachable: {} kept here until it is back",
            marrowsim_core::words::count(n, "attempt")
        ),
    };
    let label = if s.error.is_some() {
        ui.colored_label(egui::Color32::from_rgb(240, 190, 90), text)
    } else {
        ui.weak(text)
    };
    if let Some(e) = &s.error {
        label.on_hover_text(e.as_str());
    }
}

/// The trainee's latest attempts on this scene, each with a Replay button.
fn recent_attempts(
    ui: &mut egui::Ui,
    store: &super::history_view::HistoryStore,
    title: &str,
    actions: &mut PanelActions,
) {
    let mine: Vec<_> = store.for_scene(title).collect();
    if mine.is_empty() {
        return;
    }
    egui::CollapsingHeader::new(format!("Your attempts here ({})", mine.len()))
        .default_open(false)
        .show(ui, |ui| {
            for e in mine.iter().rev().take(8) {
                ui.horizontal(|ui| {
                    ui.label(format!(
                        "#{} · {:.1} · {}",
                        e.id,
                        e.total,
                        format!("{:?}", e.verdict).to_lowercase()
                    ));
                    if let Some(now) = store.now.get(&e.id).filter(|n| n.differs(e)) {
                        let label = ui.colored_label(
                            super::charts::OLDER_RUBRIC,
                            format!("now {}", now.brief()),
                        );
                        if let marrowsim_core::records::regrade::Now::Unmarkable { reason } = now
                        {
                            label.on_hover_text(reason.as_str());
                        } else {
                            label.on_hover_text("Marked by an older rubric; this is the mark the current one gives.");
                        }
                    }
                    if ui.small_button("Replay").clicked() {
                        actions.replay = Some(e.id);
                    }
                });
            }
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_live_image_follows_a_moving_needle_but_not_a_still_one() {
        let visible = egui::Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(400.0, 800.0));
        let in_sight = egui::Rect::from_min_max(egui::pos2(0.0, 500.0), egui::pos2(344.0, 772.0));
        let cut = in_sight.translate(egui::vec2(0.0, 50.0));
        let at = |depth: f32| Some([0.0, 0.0, 0.0, 0.0, -1.0, 0.0, depth]);
        assert!(must_scroll(None, at(0.0), in_sight, visible), "first shown");
        assert!(
            must_scroll(Some(at(20.0)), at(21.0), cut, visible),
            "pushed, cut off"
        );
        assert!(
            !must_scroll(Some(at(20.0)), at(21.0), in_sight, visible),
            "pushed, in sight"
        );
        assert!(
            !must_scroll(Some(at(21.0)), at(21.0), cut, visible),
            "still: the trainee scrolled"
        );
        assert!(
            must_scroll(Some(None), at(0.0), cut, visible),
            "put on the skin again"
        );
    }
}
