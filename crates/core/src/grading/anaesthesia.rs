//! The local anaesthesia phase: whether the trocar crossed the skin and met the periosteum
//! where the lidocaine had taken, and whether the dose stayed within the patient's maximum
//! (docs/scoring.md, "Local anaesthesia").

use super::components::{Component, Severity};
use super::scoring::Verdict;
use crate::anaesthesia::{Cover, model};
use crate::anatomy::Anatomy;
use crate::needle::{EventKind, replay};
use crate::records::attempt::Attempt;
use crate::scenario::AnaesthesiaSpec;
use glam::Vec3;
use serde::Serialize;

/// Shares of the phase's weight. The periosteum is the most pain-sensitive layer of bone
/// (Gray's Anatomy) and the skin comes next; the dose is a limit more than a skill.
const SKIN: f32 = 0.35;
const PERIOSTEUM: f32 = 0.45;
const DOSE: f32 = 0.2;

/// Where the patient felt the trocar.
#[derive(Clone, Debug, Serialize)]
pub struct Pain {
    pub site: usize,
    pub t: f32,
    pub layer: &'static str,
    /// Seconds the lidocaine still needed, when it had been given but had not taken.
    pub too_soon_s: Option<f32>,
}

#[derive(Clone, Debug, Serialize)]
pub struct AnaesthesiaScore {
    pub components: Vec<Component>,
    pub points: f32,
    pub max_points: f32,
    pub verdict: Verdict,
    pub pain: Vec<Pain>,
    pub dose_mg: f32,
    pub max_mg: f32,
}

/// Where and when the trocar crossed the skin and first met the bone, at every site.
pub(super) fn crossings(
    anatomy: &Anatomy,
    attempt: &Attempt,
) -> Vec<(usize, &'static str, f32, Vec3)> {
    let mut out = Vec::new();
    for site in &attempt.sites {
        let r = replay(anatomy, &site.timeline);
        for e in &r.events {
            let layer = match e.kind {
                EventKind::SkinPuncture => "skin",
                EventKind::CortexContact => "periosteum",
                _ => continue,
            };
            let Some(sample) = site.timeline.iter().find(|s| s.t >= e.t) else {
                continue;
            };
            let pose = sample.pose();
            let at = pose.entry + pose.direction * e.depth;
            out.push((site.site, layer, e.t, at));
        }
    }
    out
}

pub fn score(spec: &AnaesthesiaSpec, anatomy: &Anatomy, attempt: &Attempt) -> AnaesthesiaScore {
    let m = model();
    let w = spec.weight;
    let mut pain = Vec::new();
    for (site, layer, t, at) in crossings(anatomy, attempt) {
        match m.cover(&attempt.anaesthetic, at, t) {
            Cover::Numb => {}
            Cover::NotYet(wait) => pain.push(Pain {
                site,
                t,
                layer,
                too_soon_s: Some(wait),
            }),
            Cover::None => pain.push(Pain {
                site,
                t,
                layer,
                too_soon_s: None,
            }),
        }
    }
    let felt = |layer: &str| pain.iter().filter(|p| p.layer == layer).count();
    let layer_component = |key: &str, label: &str, layer: &str, share: f32| {
        let n = felt(layer);
        let first = pain.iter().find(|p| p.layer == layer);
        let feedback = match first {
            None => format!("The {layer} was numb when the trocar reached it."),
            Some(Pain {
                too_soon_s: Some(s),
                ..
            }) => format!(
                "The patient felt the trocar at the {layer}: the lidocaine needed {s:.0} s more to take (onset {:.0} s). Wait after infiltrating.",
                m.onset_s.value
            ),
            Some(_) => format!(
                "The patient felt the trocar at the {layer} ({}): no lidocaine reached it. Infiltrate the {layer} where the trocar will pass.",
                crate::words::count(n, "time")
            ),
        };
        Component::graded(
            key,
            label,
            n as f32,
            "painful",
            w * share,
            if n == 0 { 1.0 } else { 0.0 },
            feedback,
        )
    };
    let skin = layer_component("skin", "Skin numb", "skin", SKIN);
    let periosteum = layer_component("periosteum", "Periosteum numb", "periosteum", PERIOSTEUM);
    let dose_mg = m.dose_mg(&attempt.anaesthetic);
    let max_mg = m.max_dose_mg(&attempt.patient);
    let over = dose_mg > max_mg;
    let dose = Component::graded(
        "dose",
        "Lidocaine dose",
        dose_mg,
        "mg",
        w * DOSE,
        if over { 0.0 } else { 1.0 },
        if over {
            format!(
                "{dose_mg:.0} mg of lidocaine is over this patient's maximum of {max_mg:.0} mg (4 mg/kg of {:.0} kg, at most 300 mg; Am Fam Physician 2014): toxic. The standard is {:.0} mL of 1%.",
                m.weight_kg(&attempt.patient),
                m.standard_ml.value
            )
        } else {
            format!("{dose_mg:.0} mg of lidocaine, within the maximum of {max_mg:.0} mg.")
        },
    );
    let dose = if over {
        dose.at_least(Severity::Failing)
    } else {
        dose
    };
    // "Adequate local anaesthetic" is an item of every observation form (harvest reference,
    // "Assessment"): a harvest on a patient given none is not a competent one.
    let none_given =
        attempt.anaesthetic.is_empty() && !attempt.sites.iter().all(|s| s.timeline.is_empty());
    let (skin, periosteum) = if none_given {
        (
            Component {
                feedback: "No local anaesthetic was given: the patient felt the whole harvest. Infiltrate the skin, the tract and the periosteum first (5 mL of 1%).".into(),
                ..skin
            }
            .at_least(Severity::Failing),
            periosteum.at_least(Severity::Failing),
        )
    } else {
        (skin, periosteum)
    };
    let mut components = vec![skin, periosteum, dose];
    for c in &mut components {
        c.key = format!("anaesthesia.{}", c.key);
    }
    AnaesthesiaScore {
        points: components.iter().map(|c| c.points).sum(),
        max_points: w,
        verdict: if over || none_given {
            Verdict::Fail
        } else {
            Verdict::Pass
        },
        components,
        pain,
        dose_mg,
        max_mg,
    }
}

/// The standard infiltration (Talamo 2012: 5 mL of 1%) along the track `pose` takes, given at
/// `t`: a 1 mL wheal at the skin, 1.5 mL halfway down the soft tissue and, with `periosteum`,
/// 2.5 mL on the bone where the trocar will meet it. The split is not published (an estimate).
pub fn planned_infiltration(
    anatomy: &Anatomy,
    pose: &crate::needle::Pose,
    t: f32,
    periosteum: bool,
) -> Vec<crate::anaesthesia::Deposit> {
    let iv = anatomy.intervals(pose.entry, pose.tip(), 0.25);
    let Some(skin) = iv.iter().find(|i| i.tissue != crate::tissue::Tissue::Air) else {
        return Vec::new();
    };
    let bone = iv
        .iter()
        .find(|i| i.tissue.is_bone())
        .map(|i| i.start)
        .unwrap_or(pose.depth);
    let at = |d: f32| (pose.entry + pose.direction * d).into();
    let mut out = vec![
        crate::anaesthesia::Deposit {
            t,
            at: at(skin.start + 1.0),
            ml: 1.0,
        },
        crate::anaesthesia::Deposit {
            t,
            at: at((skin.start + bone) / 2.0),
            ml: 1.5,
        },
    ];
    if periosteum {
        out.push(crate::anaesthesia::Deposit {
            t,
            at: at((bone - 1.0).max(skin.start)),
            ml: 2.5,
        });
    }
    out
}

/// Moves a site's timeline, events and pulls `secs` later: the wait after the infiltration.
pub fn delay(site: &mut crate::records::attempt::SiteAttempt, secs: f32) {
    site.timeline.iter_mut().for_each(|s| s.t += secs);
    site.events.iter_mut().for_each(|e| e.t += secs);
    site.pulls.iter_mut().for_each(|p| p.t += secs);
    site.palpations.iter_mut().for_each(|p| p.t += secs);
    site.turns.iter_mut().for_each(|x| x.t += secs);
}
