//! The evaluation in the trainee panel: the scene's case, and the plan the trainee makes from
//! it before the needle (whether to go ahead today, where, how the patient lies, precautions).

use super::session::SessionState;
use bevy::prelude::*;
use bevy_egui::egui;
use marrowsim_core::evaluation::{Case, Decision, HarvestSite, Plan, Precaution};
use marrowsim_core::needle::session::Session;
use marrowsim_core::scenario::Position;

/// The plan being made in the panel, before it is confirmed.
#[derive(Resource, Clone, Debug, Default, PartialEq)]
pub struct PlanDraft(pub Plan);

/// The trainee confirmed this plan.
#[derive(Message, Clone, Debug)]
pub struct ConfirmPlan(pub Plan);

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<PlanDraft>()
        .add_message::<ConfirmPlan>()
        .add_systems(Update, confirm.run_if(resource_exists::<SessionState>));
}

fn confirm(
    time: Res<Time>,
    mut plans: MessageReader<ConfirmPlan>,
    mut session: ResMut<SessionState>,
    mut draft: ResMut<PlanDraft>,
) {
    for ConfirmPlan(plan) in plans.read() {
        if let Err(e) = session.0.plan(plan.clone(), time.elapsed_secs()) {
            warn!("the plan could not be marked: {e}");
        }
        *draft = PlanDraft::default();
    }
}

fn case_text(ui: &mut egui::Ui, case: &Case, s: &Session) {
    let p = &s.anatomy.patient;
    ui.label(format!(
        "{}, {} years, BMI {:.0}. {}",
        match p.sex {
            marrowsim_core::anatomy::Sex::Male => "Man",
            marrowsim_core::anatomy::Sex::Female => "Woman",
        },
        case.age,
        p.bmi,
        case.indication
    ));
    let meds: Vec<String> = case.medication.iter().map(|m| format!("{m:?}")).collect();
    ui.label(format!(
        "Medication: {}",
        if meds.is_empty() {
            "none".into()
        } else {
            meds.join(", ")
        }
    ));
    ui.label(format!(
        "Platelets {:.0} ×10⁹/L · INR {:.1}",
        case.platelets, case.inr
    ));
    for (site, finding) in &case.sites {
        ui.label(format!("The {}: {}.", site.name(), finding.name()));
    }
    if !case.allergies.is_empty() {
        let a: Vec<String> = case.allergies.iter().map(|a| format!("{a:?}")).collect();
        ui.label(format!("Allergies: {}", a.join(", ")));
    }
    for c in &case.conditions {
        ui.label(format!("Known: {c:?}"));
    }
    for note in &case.notes {
        ui.label(format!("• {note}"));
    }
}

/// A checkbox that keeps `item` in `chosen` while it is ticked.
fn choice<T: Copy + PartialEq>(ui: &mut egui::Ui, chosen: &mut Vec<T>, item: T, label: &str) {
    let mut on = chosen.contains(&item);
    if ui.checkbox(&mut on, label).changed() {
        chosen.retain(|x| *x != item);
        if on {
            chosen.push(item);
        }
    }
}

/// Draws the case and the plan form while the session waits for a plan; returns the plan when
/// the trainee confirms it.
pub(super) fn section(ui: &mut egui::Ui, s: &Session, draft: &mut Plan) -> Option<Plan> {
    let spec = s.scenario.evaluation.as_ref()?;
    ui.strong("The case");
    case_text(ui, &spec.case, s);
    if !s.awaiting_plan() {
        if let Some(e) = &s.evaluation {
            let sites: Vec<&str> = e.plan.sites.iter().map(|x| x.name()).collect();
            let precautions: Vec<&str> = e.plan.precautions.iter().map(|x| x.name()).collect();
            ui.weak(match e.plan.decision {
                Decision::Defer => "Your plan: not today.".to_string(),
                Decision::Proceed => format!(
                    "Your plan: go ahead at the {}; precautions: {}.",
                    sites.join(" and "),
                    if precautions.is_empty() {
                        "none".to_string()
                    } else {
                        precautions.join(", ")
                    }
                ),
            });
        }
        return None;
    }
    ui.separator();
    ui.strong("Your plan");
    ui.horizontal(|ui| {
        ui.radio_value(&mut draft.decision, Decision::Proceed, "Go ahead today");
        ui.radio_value(&mut draft.decision, Decision::Defer, "Not today");
    });
    if draft.decision == Decision::Proceed {
        ui.label("Harvest from:");
        ui.horizontal_wrapped(|ui| {
            for site in HarvestSite::ALL {
                choice(ui, &mut draft.sites, site, site.name());
            }
        });
        ui.horizontal(|ui| {
            ui.label("Position:");
            for (p, name) in [
                (Position::Prone, "prone"),
                (Position::LateralDecubitus, "on the side"),
                (Position::Supine, "supine"),
            ] {
                ui.radio_value(&mut draft.position, Some(p), name);
            }
        });
        ui.label("Precautions:");
        for p in Precaution::ALL {
            choice(ui, &mut draft.precautions, p, p.name());
        }
    }
    let ready =
        draft.decision == Decision::Defer || (!draft.sites.is_empty() && draft.position.is_some());
    let label = match draft.decision {
        Decision::Proceed => "Confirm the plan and begin",
        Decision::Defer => "Confirm: not today (ends the attempt)",
    };
    let clicked = ui.add_enabled(ready, egui::Button::new(label)).clicked();
    if !ready {
        ui.weak("Choose a site and a position.");
    }
    clicked.then(|| {
        let mut plan = draft.clone();
        if plan.decision == Decision::Defer {
            plan.sites.clear();
            plan.position = None;
            plan.precautions.clear();
        }
        plan
    })
}
