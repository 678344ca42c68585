//! The instructor's scene editor (E): the open scene's RON text, checked as it is typed with
//! the same validation as `marrowsim validate` (errors at line:column), applied to the running
//! case, and saved back to the file (or to a new one).

use super::case::{Case, CaseCommand, SceneSource, error_lines, same_file};
use super::input_guard::keyboard_free;
use super::{AppSystems, UiSystems};
use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};
use marrowsim_core::scenario::Scenario;
use std::path::PathBuf;

/// Where a scene edited from the built-in copy is saved unless the instructor names a file.
pub const NEW_SCENE_PATH: &str = "scenes/my_scene.ron";

#[derive(Resource, Default)]
pub struct EditorState {
    pub open: bool,
    /// Where Save writes.
    pub path: String,
    pub text: String,
    /// The text the last check was made on, and what it found.
    checked: Option<String>,
    result: Option<Result<Box<Scenario>, Vec<String>>>,
    /// What the last Apply or Save did.
    pub status: String,
}

impl EditorState {
    /// Opens the editor on the case's scene, or closes it.
    pub fn toggle(&mut self, case: Option<&Case>) {
        if self.open {
            self.open = false;
            return;
        }
        let (path, read) = match case.map(|c| &c.source) {
            Some(SceneSource::File(p)) => (
                p.display().to_string(),
                marrowsim_core::files::read_text(
                    p,
                    marrowsim_core::scenario::MAX_FILE_BYTES as u64,
                    "scenario files",
                )
                .map_err(|e| e.to_string()),
            ),
            _ => (
                NEW_SCENE_PATH.to_string(),
                Ok(marrowsim_core::scenario::DEFAULT_SCENE_TEXT.to_string()),
            ),
        };
        let (text, status) = match read {
            Ok(text) => (text, String::new()),
            Err(e) => (String::new(), e),
        };
        *self = EditorState {
            open: true,
            path,
            text,
            status,
            ..EditorState::default()
        };
    }

    /// Checks the text if it changed since the last check.
    pub fn check(&mut self) {
        if self.checked.as_deref() == Some(self.text.as_str()) {
            return;
        }
        self.result = Some(
            Scenario::parse(&self.text, &self.path)
                .map(Box::new)
                .map_err(|e| error_lines(&e)),
        );
        self.checked = Some(self.text.clone());
    }

    /// The checked scene, or the errors (file:line:col: message).
    pub fn result(&mut self) -> Result<&Scenario, &[String]> {
        self.check();
        match self.result.as_ref() {
            Some(Ok(s)) => Ok(s),
            Some(Err(e)) => Err(e),
            None => Err(&[]),
        }
    }

    /// Writes the text to `path`, if it is a valid scene; what the app should do next.
    pub fn save(&mut self, case: Option<&Case>) -> Result<CaseCommand, String> {
        let scenario = self.result().map_err(|e| e.join("\n"))?.clone();
        let path = PathBuf::from(&self.path);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        marrowsim_core::files::write_atomic(&path, self.text.as_bytes())
            .map_err(|e| format!("{}: {e}", path.display()))?;
        self.status = format!("saved to {}", path.display());
        let same = case
            .and_then(Case::path)
            .is_some_and(|p| same_file(p, &path));
        Ok(if same {
            CaseCommand::Replace(Box::new(scenario))
        } else {
            CaseCommand::Open(path)
        })
    }
}

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<EditorState>()
        .add_systems(
            Update,
            (
                editor_key.run_if(keyboard_free).in_set(AppSystems::Input),
                closed_in_assessment.after(AppSystems::Case),
            ),
        )
        .add_systems(
            EguiPrimaryContextPass,
            editor_window.in_set(UiSystems::Draw),
        );
}

fn editor_key(
    keys: Option<Res<ButtonInput<KeyCode>>>,
    case: Option<Res<Case>>,
    mut editor: ResMut<EditorState>,
) {
    if keys.is_some_and(|k| k.just_pressed(KeyCode::KeyE)) {
        editor.toggle(case.as_deref());
    }
}

/// An assessment is found by feel: the editor's success map would show the trainee where the
/// scene passes from, and Apply would change the scene under the attempt. So in assessment
/// mode the editor stays closed, however it was asked for, and the scene is authored in
/// practice mode or in its file (which reloads when saved).
fn closed_in_assessment(
    session: Option<Res<super::session::SessionState>>,
    mut editor: ResMut<EditorState>,
) {
    let assessment =
        session.is_some_and(|s| s.0.scenario.mode == marrowsim_core::scenario::Mode::Assessment);
    if editor.open && assessment {
        editor.open = false;
    }
}

fn editor_window(
    mut contexts: EguiContexts,
    mut editor: ResMut<EditorState>,
    mut case: Option<ResMut<Case>>,
    mut out: MessageWriter<CaseCommand>,
    mut maps: ResMut<super::success_map_view::SuccessMapView>,
    session: Res<super::session::SessionState>,
) -> Result {
    if !editor.open {
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?;
    let mut open = true;
    egui::Window::new("Scene editor")
        .open(&mut open)
        .default_size([620.0, 640.0])
        .anchor(egui::Align2::LEFT_TOP, [16.0, 16.0])
        .show(ctx, |ui| {
            ui.horizontal(|ui| {
                ui.label("File");
                ui.add(egui::TextEdit::singleline(&mut editor.path).desired_width(440.0));
            });
            let valid = match editor.result() {
                Ok(s) => {
                    ui.colored_label(
                        egui::Color32::from_rgb(80, 220, 120),
                        format!("✔ valid: {} ({} sites)", s.title, s.sites.len()),
                    );
                    true
                }
                Err(errors) => {
                    for e in errors {
                        ui.colored_label(
                            egui::Color32::LIGHT_RED,
                            egui::RichText::new(e).monospace(),
                        );
                    }
                    false
                }
            };
            ui.horizontal(|ui| {
                if ui
                    .add_enabled(valid, egui::Button::new("Apply"))
                    .on_hover_text("Use this version now, without saving")
                    .clicked()
                    && let Ok(s) = editor.result()
                {
                    out.write(CaseCommand::Replace(Box::new(s.clone())));
                    editor.status = "applied".into();
                }
                if ui.add_enabled(valid, egui::Button::new("Save")).clicked() {
                    match editor.save(case.as_deref()) {
                        Ok(cmd) => {
                            if let Some(case) = case.as_mut() {
                                case.mark_seen();
                            }
                            out.write(cmd);
                        }
                        Err(e) => editor.status = e,
                    }
                }
                if ui.button("Revert").clicked() {
                    editor.open = false;
                    editor.toggle(case.as_deref());
                }
                ui.label(&editor.status);
            });
            if valid {
                egui::CollapsingHeader::new("Where the scene passes from, as typed")
                    .default_open(true)
                    .show(ui, |ui| {
                        maps.editor.show(ui, session.0.pose().map(|p| p.entry))
                    });
            }
            ui.separator();
            // Fixed ids: the lines above come and go with the text's errors, and an id from
            // the widget's position would drop the keyboard's focus mid-word.
            egui::ScrollArea::vertical()
                .id_salt("scene text")
                .show(ui, |ui| {
                    ui.add(
                        egui::TextEdit::multiline(&mut editor.text)
                            .id_salt("scene text")
                            .code_editor()
                            .desired_rows(30)
                            .desired_width(f32::INFINITY),
                    );
                });
        });
    if !open {
        editor.open = false;
    }
    Ok(())
}
