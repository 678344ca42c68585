//! Local anaesthesia in the app: the thin needle and its syringe in the 3D view, the lidocaine
//! each deposit has numbed (practice only), and the panel's section with the dose against the
//! patient's maximum and the time until it takes.

use super::AppSystems;
use super::anatomy_view::PatientFrame;
use super::session::{FINE_INJECT_ML, INJECT_ML, NeedleCommand, SessionState};
use bevy::prelude::*;
use bevy_egui::egui;
use marrowsim_core::anaesthesia::{Cover, model};
use marrowsim_core::needle::session::{Session, Tool};
use marrowsim_core::scenario::Mode;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(
        Update,
        (spawn_syringe, place_syringe, draw_deposits)
            .chain()
            .in_set(AppSystems::Follow),
    );
}

/// The thin needle and the barrel of its syringe.
#[derive(Component)]
struct Syringe;

/// 22 G is 0.72 mm across; drawn at twice that so it reads on screen.
const SHAFT_RADIUS_MM: f32 = 0.72;
const SHAFT_MM: f32 = 90.0;

fn spawn_syringe(
    mut commands: Commands,
    existing: Query<(), With<Syringe>>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    if !existing.is_empty() {
        return;
    }
    let steel = materials.add(StandardMaterial {
        base_color: Color::srgb(0.8, 0.82, 0.86),
        metallic: 0.9,
        perceptual_roughness: 0.3,
        ..default()
    });
    let barrel = materials.add(StandardMaterial {
        base_color: Color::srgba(0.85, 0.9, 1.0, 0.55),
        alpha_mode: AlphaMode::Blend,
        ..default()
    });
    commands
        .spawn((Syringe, Transform::default(), Visibility::Hidden))
        .with_children(|n| {
            n.spawn((
                Mesh3d(meshes.add(Cylinder::new(SHAFT_RADIUS_MM, SHAFT_MM))),
                MeshMaterial3d(steel),
                Transform::from_xyz(0.0, SHAFT_MM / 2.0, 0.0),
            ));
            n.spawn((
                Mesh3d(meshes.add(Cylinder::new(6.0, 60.0))),
                MeshMaterial3d(barrel),
                Transform::from_xyz(0.0, SHAFT_MM + 30.0, 0.0),
            ));
        });
}

fn place_syringe(
    session: Res<SessionState>,
    frame: Res<PatientFrame>,
    mut syringe: Query<(&mut Transform, &mut Visibility), With<Syringe>>,
) {
    let s = &session.0;
    for (mut tf, mut vis) in &mut syringe {
        match s.pose().filter(|_| s.tool == Tool::Anaesthetic) {
            Some(pose) => {
                *tf =
                    frame.0 * super::needle_view::needle_transform(pose.tip(), pose.direction, 0.0);
                *vis = Visibility::Visible;
            }
            None => *vis = Visibility::Hidden,
        }
    }
}

/// Each deposit as the sphere it numbs: pale blue once numb, grey before its onset.
fn draw_deposits(
    session: Res<SessionState>,
    frame: Res<PatientFrame>,
    time: Res<Time>,
    replay: Option<Res<super::replay_view::Replay>>,
    mut gizmos: Gizmos,
) {
    let s = &session.0;
    if s.scenario.mode == Mode::Assessment || s.scenario.anaesthesia.is_none() {
        return;
    }
    let m = model();
    // A replay shows the deposits given by its time, as they were then.
    let now = replay.map_or(time.elapsed_secs(), |r| r.t);
    for d in s.deposits().iter().filter(|d| d.t <= now) {
        let at = Vec3::from(d.at);
        let colour = match m.cover(std::slice::from_ref(d), at, now) {
            Cover::Numb => Color::srgb(0.4, 0.75, 1.0),
            Cover::NotYet(_) => Color::srgb(0.55, 0.6, 0.7),
            Cover::None => Color::srgb(0.35, 0.35, 0.4),
        };
        gizmos.sphere(
            Isometry3d::from_translation(frame.0.transform_point(at)),
            m.radius_mm(d.ml),
            colour,
        );
    }
}

/// The panel's section for scenes with local anaesthesia; returns what the trainee asked for.
pub(super) fn section(ui: &mut egui::Ui, s: &Session, now: f32) -> Vec<NeedleCommand> {
    let mut out = Vec::new();
    if s.scenario.anaesthesia.is_none() {
        return out;
    }
    let m = model();
    ui.strong("Local anaesthesia: 1% lidocaine");
    let holding = s.tool == Tool::Anaesthetic;
    let label = if holding {
        "Put the anaesthetic needle down (A)"
    } else {
        "Pick up the anaesthetic needle (A)"
    };
    if ui.button(label).clicked() {
        out.push(NeedleCommand::Anaesthetic);
    }
    if holding {
        ui.horizontal(|ui| {
            for (ml, key) in [(FINE_INJECT_ML, "Shift+I"), (INJECT_ML, "I")] {
                if ui.button(format!("Inject {ml} mL ({key})")).clicked() {
                    out.push(NeedleCommand::Inject(ml));
                }
            }
        });
    }
    let dose = m.dose_mg(s.deposits());
    let max = m.max_dose_mg(&s.anatomy.patient);
    let text = format!(
        "Given {:.1} mL = {dose:.0} mg; this patient's maximum is {max:.0} mg ({:.0} kg). The standard is {:.0} mL.",
        dose / m.mg_per_ml.value,
        m.weight_kg(&s.anatomy.patient),
        m.standard_ml.value
    );
    if dose > max {
        ui.colored_label(egui::Color32::LIGHT_RED, text);
    } else {
        ui.label(text);
    }
    for felt in s.felt.iter().rev().take(2) {
        ui.colored_label(
            egui::Color32::from_rgb(255, 170, 90),
            format!("Pain: {felt}."),
        );
    }
    if let Some(last) = s.deposits().last() {
        let wait = m.onset_s.value - (now - last.t);
        if wait > 0.0 {
            ui.label(format!("The last deposit takes in {wait:.0} s."));
        } else {
            ui.label("Every deposit has taken.");
        }
    }
    out
}
