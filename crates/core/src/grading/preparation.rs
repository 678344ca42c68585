//! The preparation phase: the checklist taken before the first puncture, the skin antisepsis
//! scrubbed in and dry when the first needle crossed the skin, and the trocar entering where
//! the site was marked (docs/scoring.md, "Preparation").

use super::components::{Component, Severity};
use super::scoring::Verdict;
use crate::anatomy::Anatomy;
use crate::preparation::{PrepStep, model};
use crate::records::attempt::Attempt;
use crate::scenario::PreparationSpec;
use glam::Vec3;
use serde::Serialize;

/// Shares of the phase's weight. Asepsis prevents the harvest's one serious late complication,
/// infection, so it weighs most; the checklist and the mark guard against the wrong patient,
/// side or site, which the placement score already catches in part.
const CHECKLIST: f32 = 0.3;
const ANTISEPSIS: f32 = 0.4;
const MARK: f32 = 0.3;

/// The checklist steps other than the antisepsis, in the order a team takes them.
const CHECKLIST_STEPS: [PrepStep; 4] = [
    PrepStep::Consent,
    PrepStep::Position,
    PrepStep::TimeOut,
    PrepStep::Drape,
];

#[derive(Clone, Debug, Serialize)]
pub struct PreparationScore {
    pub components: Vec<Component>,
    pub points: f32,
    pub max_points: f32,
    pub verdict: Verdict,
    /// When a needle first crossed the skin (s), if one did.
    pub first_puncture: Option<f32>,
}

/// When a needle first crossed the skin: the trocar's earliest of `skin` (its crossings), or
/// the first lidocaine deposit (the thin needle's own puncture is not recorded; its first
/// deposit follows it).
fn first_puncture(skin: &[(f32, Vec3)], attempt: &Attempt) -> Option<f32> {
    skin.iter()
        .map(|c| c.0)
        .chain(attempt.anaesthetic.first().map(|d| d.t))
        .fold(None, |m: Option<f32>, t| Some(m.map_or(t, |m| m.min(t))))
}

pub fn score(spec: &PreparationSpec, anatomy: &Anatomy, attempt: &Attempt) -> PreparationScore {
    let m = model();
    let w = spec.weight;
    // Where and when the trocar crossed the skin at each site: one replay of each timeline.
    let skin: Vec<(f32, Vec3)> = super::anaesthesia::crossings(anatomy, attempt)
        .into_iter()
        .filter(|c| c.1 == "skin")
        .map(|c| (c.2, c.3))
        .collect();
    let puncture = first_puncture(&skin, attempt);
    let before = |step: PrepStep| {
        attempt
            .preparation
            .iter()
            .filter(|p| p.step == step && puncture.is_none_or(|t| p.t <= t))
            .map(|p| p.t)
            .next_back()
    };

    let missing: Vec<PrepStep> = CHECKLIST_STEPS
        .into_iter()
        .filter(|s| before(*s).is_none())
        .collect();
    let done = CHECKLIST_STEPS.len() - missing.len();
    let no_consent = missing.contains(&PrepStep::Consent);
    let names = |steps: &[PrepStep]| {
        steps
            .iter()
            .map(|s| s.label().to_lowercase())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let checklist = Component::graded(
        "checklist",
        "Checklist",
        done as f32,
        "of 4",
        w * CHECKLIST,
        done as f32 / CHECKLIST_STEPS.len() as f32,
        if missing.is_empty() {
            "Consent, position, time-out and drape, all before the first puncture.".into()
        } else if no_consent {
            let others: Vec<PrepStep> = missing
                .iter()
                .copied()
                .filter(|s| *s != PrepStep::Consent)
                .collect();
            let also = if others.is_empty() {
                String::new()
            } else {
                format!(" Also missing: {}.", names(&others))
            };
            format!(
                "No consent was confirmed before the first puncture: the harvest may not begin without it.{also}"
            )
        } else {
            format!(
                "Not done before the first puncture: {}. Observation forms ask for each (harvest reference, \"Assessment\").",
                names(&missing)
            )
        },
    );
    let checklist = if no_consent {
        checklist.at_least(Severity::Failing)
    } else {
        checklist
    };

    let ready = m.ready_after_s();
    let antisepsis_t = before(PrepStep::Antisepsis);
    let drape_t = before(PrepStep::Drape);
    let (share, feedback, failing, wet_s) = match (antisepsis_t, puncture) {
        (None, _) => (
            0.0,
            "The skin was not disinfected before the needle went in: scrub 2% chlorhexidine in alcohol for 30 s and let it dry 30 s. An infected harvest site reaches the bone.".to_string(),
            true,
            0.0,
        ),
        (Some(a), Some(p)) if p < a + ready => (
            0.0,
            format!(
                "The needle crossed the skin {:.0} s after the antisepsis began: it needs {:.0} s of scrub and {:.0} s to dry (RNAO). Wet antiseptic does not kill, and the needle carries it in.",
                p - a,
                m.scrub_s.value,
                m.dry_s.value
            ),
            false,
            a + ready - p,
        ),
        (Some(a), _) if drape_t.is_some_and(|d| d < a) => (
            0.5,
            "The drape went on before the skin was disinfected: prepare the skin, let it dry, then drape it.".to_string(),
            false,
            0.0,
        ),
        _ => (
            1.0,
            format!(
                "The skin was scrubbed and dry ({:.0} s) before the first puncture.",
                ready
            ),
            false,
            0.0,
        ),
    };
    let antisepsis = Component::graded(
        "antisepsis",
        "Skin antisepsis",
        wet_s,
        "s wet",
        w * ANTISEPSIS,
        share,
        feedback,
    );
    let antisepsis = if failing {
        antisepsis.at_least(Severity::Failing)
    } else {
        antisepsis
    };

    let tolerance = m.mark_tolerance_mm.value;
    let marks: Vec<Vec3> = attempt
        .marks
        .iter()
        .filter(|k| puncture.is_none_or(|t| k.t <= t))
        .map(|k| Vec3::from(k.at))
        .collect();
    let entries: Vec<Vec3> = skin.iter().map(|c| c.1).collect();
    let off: Vec<f32> = entries
        .iter()
        .map(|e| {
            marks
                .iter()
                .map(|k| k.distance(*e))
                .fold(f32::INFINITY, f32::min)
        })
        .collect();
    let worst = off.iter().copied().fold(0.0, f32::max);
    let on_mark = off.iter().filter(|d| **d <= tolerance).count();
    let mark_share = if entries.is_empty() {
        0.0
    } else {
        on_mark as f32 / entries.len() as f32
    };
    let mark = Component::graded(
        "mark",
        "Site marked",
        if worst.is_finite() { worst } else { 0.0 },
        "mm",
        w * MARK,
        mark_share,
        if marks.is_empty() {
            "The site was not marked before the first puncture: mark the landmark you palpated, because the drape hides it.".into()
        } else if entries.is_empty() {
            "The trocar never crossed the skin.".into()
        } else if mark_share >= 1.0 {
            format!("The trocar went in within {worst:.0} mm of the mark.")
        } else {
            format!(
                "The trocar went in {worst:.0} mm from the nearest mark (within {tolerance:.0} mm counts): enter where you marked, or mark again before the drape."
            )
        },
    );

    let mut components = vec![checklist, antisepsis, mark];
    for c in &mut components {
        c.key = format!("preparation.{}", c.key);
    }
    PreparationScore {
        points: components.iter().map(|c| c.points).sum(),
        max_points: w,
        verdict: if no_consent || failing {
            Verdict::Fail
        } else {
            Verdict::Pass
        },
        components,
        first_puncture: puncture,
    }
}

/// How a subject prepares, for feasibility's best attempt and the validity cohorts.
#[derive(Clone, Debug)]
pub struct Habit {
    /// Checklist steps left out.
    pub skip: Vec<PrepStep>,
    /// The first puncture waits until the antisepsis has dried.
    pub dry: bool,
    /// The mark is this far from where the trocar goes in; `None`: no mark.
    pub mark_off_mm: Option<f32>,
}

impl Habit {
    /// Every step, in order, the skin dry, the mark where the trocar goes.
    pub fn careful() -> Habit {
        Habit {
            skip: Vec::new(),
            dry: true,
            mark_off_mm: Some(0.0),
        }
    }
}

/// The seconds a careful preparation takes before the first needle: marking, the checklist,
/// the scrub and the drying, and the drape.
const LEAD_S: f32 = 100.0;

/// Puts a preparation before `attempt`: everything it holds moves `LEAD_S` later, and the
/// steps and marks of `habit` go in front. The marks sit at each site's first skin entry,
/// moved `mark_off_mm` along the body's length.
pub fn rehearse(attempt: &mut Attempt, habit: &Habit) {
    use crate::preparation::Prepared;
    for d in &mut attempt.anaesthetic {
        d.t += LEAD_S;
    }
    for s in &mut attempt.sites {
        super::anaesthesia::delay(s, LEAD_S);
    }
    let antisepsis_t = if habit.dry {
        LEAD_S - model().ready_after_s() - 20.0
    } else {
        LEAD_S - 15.0
    };
    let mut steps = vec![
        (2.0, PrepStep::Consent),
        (5.0, PrepStep::Position),
        (15.0, PrepStep::TimeOut),
        (antisepsis_t, PrepStep::Antisepsis),
        (LEAD_S - 5.0, PrepStep::Drape),
    ];
    steps.retain(|(_, s)| !habit.skip.contains(s));
    steps.sort_by(|a, b| a.0.total_cmp(&b.0));
    attempt.preparation = steps
        .into_iter()
        .map(|(t, step)| Prepared { t, step })
        .collect();
    attempt.marks = match habit.mark_off_mm {
        None => Vec::new(),
        Some(off) => attempt
            .sites
            .iter()
            .filter_map(|s| s.timeline.first())
            .map(|first| crate::records::attempt::Touch {
                t: 10.0,
                at: (first.pose().entry + Vec3::Z * off).into(),
            })
            .collect(),
    };
}
