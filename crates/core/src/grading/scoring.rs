//! The score: components grounded in the tissue the needle actually crossed, a total, a
//! verdict, and feedback ordered by what matters most. Deterministic for a given attempt.

use crate::anatomy::{Anatomy, Hazard, Interval};
use crate::needle::{self, EventKind, Pose, Replay};
use crate::records::attempt::{Attempt, SiteAttempt};
use crate::scenario::{Consequence, Mode, ResolvedSite, Scenario};
use crate::tissue::Tissue;
use glam::Vec3;
use serde::Serialize;

pub use super::components::{ANGLE_FAIL_TOLERANCES, Component, Severity, hazard_name};
use super::components::{
    Words, angle_component, depth_component, entry_component, hazard_component,
    technique_components, time_component,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Fail,
    Unsafe,
}

#[derive(Clone, Debug, Serialize)]
pub struct SiteScore {
    pub site: usize,
    pub name: String,
    pub total: f32,
    /// The components' points less penalties, before the objective's or a hazard's cap.
    pub earned: f32,
    pub verdict: Verdict,
    /// How far toward the target the needle got; short of it, the total is capped.
    pub objective: Objective,
    pub components: Vec<Component>,
}

/// How far the needle got toward the site's objective: its tip in the target tissue, inside
/// the depth window. Short of it the site fails whatever its other points, and its total is
/// capped well below the pass mark, so that a miss never looks like a near-pass. The caps are
/// shares of the scene's pass mark; docs/scoring.md gives the reason for each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Objective {
    /// The needle never went into the body.
    NotEntered,
    /// It went in but never touched bone.
    NoBone,
    /// It reached bone but never crossed the cortex.
    OnBone,
    /// It crossed the cortex, but the tip is not in the target tissue inside the window.
    MissedTarget,
    /// The tip is in the target tissue, inside the depth window.
    Reached,
}

impl SiteScore {
    /// Why the total is less than the points earned, if it is: one line for the score card.
    pub fn cap_note(&self) -> Option<String> {
        if self.total >= self.earned {
            return None;
        }
        let why = match (self.verdict, self.objective) {
            (Verdict::Unsafe, _) => "an unsafe placement counts at most half the pass mark",
            (_, Objective::Reached) if off_course(&self.components) => {
                "the needle was more than twice the tolerance off the aim"
            }
            (_, Objective::NotEntered) => "the needle never went into the body",
            (_, Objective::NoBone) => "the needle never reached bone",
            (_, Objective::OnBone) => "the needle never crossed the cortex",
            _ => "the tip is not in the target inside the depth window",
        };
        Some(format!(
            "{}: {:.1} points earned, counted as {:.1}, because {why}.",
            self.name, self.earned, self.total
        ))
    }
}

impl Objective {
    /// The most a site can total at this stage, for a scene with this pass mark.
    pub fn cap(self, pass_mark: f32) -> f32 {
        match self {
            Objective::NotEntered => 0.1 * pass_mark,
            Objective::NoBone => 0.4 * pass_mark,
            Objective::OnBone => 0.6 * pass_mark,
            Objective::MissedTarget => (pass_mark - 10.0).max(0.0),
            Objective::Reached => 100.0,
        }
    }

    /// The first thing the trainee reads when the objective was not met.
    fn feedback(self, site: &str, cap: f32) -> Option<String> {
        let why = match self {
            Objective::NotEntered => "the needle never went into the body",
            Objective::NoBone => {
                "the needle never reached bone: walk it down to the periosteum before anything else"
            }
            Objective::OnBone => {
                "the needle stopped on the bone: push firmly and twist to cross the cortex"
            }
            Objective::MissedTarget => {
                "the tip is not in the marrow inside the depth window, where marrow can be aspirated"
            }
            Objective::Reached => return None,
        };
        Some(format!(
            "Objective not met at the {site}: {why}. The site fails and counts at most {cap:.0} of 100."
        ))
    }
}

/// A hazard the scene marks as unsafe caps the site at this share of the pass mark: half of
/// it, so that an unsafe placement sits far from passing whatever else went well.
pub const UNSAFE_CAP_SHARE: f32 = 0.5;

/// The stage the needle reached, from what happened along the way and where it ended.
fn objective(replay: &Replay, shaft: &FinalShaft, in_window: bool) -> Objective {
    let on_bone = replay.count(EventKind::CortexContact) > 0 || shaft.bone_entry.is_some();
    let through = replay.count(EventKind::CortexPenetration) > 0 || shaft.past_cortex.is_some();
    let entered = replay.path_in_tissue >= 1.0 || on_bone;
    if in_window {
        Objective::Reached
    } else if through {
        Objective::MissedTarget
    } else if on_bone {
        Objective::OnBone
    } else if entered {
        Objective::NoBone
    } else {
        Objective::NotEntered
    }
}

/// The rubric this build marks by. Raise it whenever a change to the marking can change an
/// attempt's total or verdict, and say why under "Rubric versions" in docs/scoring.md: a
/// record keeps the version it was marked by, so a mark given by an older rubric can be shown
/// beside what the current one gives the same attempt.
pub const RUBRIC: u32 = 1;

#[derive(Clone, Debug, Serialize)]
pub struct Score {
    /// The rubric that marked it (`RUBRIC`).
    pub rubric: u32,
    pub total: f32,
    pub verdict: Verdict,
    pub pass_mark: f32,
    pub components: Vec<Component>,
    pub sites: Vec<SiteScore>,
    /// One sentence per component that lost points, most important first.
    pub feedback: Vec<String>,
    /// The aspiration phase, when the scene has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub harvest: Option<super::aspiration::HarvestScore>,
    /// The evaluation phase, when the scene has a case.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evaluation: Option<super::evaluation::EvaluationScore>,
    /// The local anaesthesia, when the scene has the phase.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub anaesthesia: Option<super::anaesthesia::AnaesthesiaScore>,
    /// The preparation, when the scene has the phase.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preparation: Option<super::preparation::PreparationScore>,
}

#[derive(Debug, thiserror::Error)]
pub enum ScoreError {
    #[error("the attempt has no site {0}; the scenario has {1}")]
    NoSuchSite(usize, usize),
    #[error("site {0} is missing from the attempt")]
    MissingSite(usize),
    #[error("the scenario's landmarks are missing on this patient")]
    Unresolved,
    #[error(
        "site {site}: the needle is {depth:.1} mm deep at t = {t} s, deeper than the scene's {length} mm needle"
    )]
    TooDeep {
        site: usize,
        depth: f32,
        t: f32,
        length: f32,
    },
    #[error(
        "site {site}: a pull of {ml} mL at t = {t} s, larger than the scene's {syringe} mL syringe"
    )]
    PullTooLarge {
        site: usize,
        ml: f32,
        t: f32,
        syringe: f32,
    },
    #[error("site {0}: the attempt has syringe pulls, but this scene has no aspiration phase")]
    NoAspiration(usize),
    #[error("{0}")]
    Shots(String),
}

/// What the final pose shows: where the tip is and how the shaft met the bone.
#[derive(Clone, Debug)]
pub struct FinalShaft {
    pub intervals: Vec<Interval>,
    pub tip_tissue: Tissue,
    /// First bone contact along the shaft.
    pub bone_entry: Option<Vec3>,
    /// Depth of the tip past the cortex into the marrow (mm), if it is in marrow.
    pub past_cortex: Option<f32>,
}

pub fn final_shaft(anatomy: &Anatomy, pose: &Pose) -> FinalShaft {
    shaft_from(anatomy.intervals(pose.entry, pose.tip(), 0.25), pose)
}

/// The final shaft from intervals already found from the entry point to the tip.
pub fn shaft_from(intervals: Vec<Interval>, pose: &Pose) -> FinalShaft {
    let tip_tissue = intervals.last().map(|i| i.tissue).unwrap_or(Tissue::Air);
    let bone_entry = intervals
        .iter()
        .find(|i| i.tissue.is_bone())
        .map(|i| pose.entry + pose.direction * i.start);
    let past_cortex = match intervals.last() {
        Some(last) if last.tissue == Tissue::Marrow => {
            let cortex_seen = intervals.iter().any(|i| i.tissue == Tissue::Cortex);
            cortex_seen.then(|| last.length())
        }
        _ => None,
    };
    FinalShaft {
        intervals,
        tip_tissue,
        bone_entry,
        past_cortex,
    }
}

/// Scores every site of an attempt; the total is their mean and the verdict the worst.
pub fn score(
    scenario: &Scenario,
    anatomy: &Anatomy,
    attempt: &Attempt,
) -> Result<Score, ScoreError> {
    let evaluation = scenario.evaluation.as_ref().map(|spec| {
        (
            spec,
            super::evaluation::score(spec, attempt.evaluation.as_ref()),
        )
    });
    if let Some((spec, ev)) = &evaluation {
        let went_ahead = attempt.sites.iter().any(|s| !s.timeline.is_empty());
        if spec.answer.decision == crate::evaluation::Decision::Defer || !went_ahead {
            return Ok(evaluation_only(scenario, spec, ev.clone()));
        }
    }
    let c_arm = scenario.c_arm();
    match &c_arm {
        None if !attempt.shots.is_empty() => {
            return Err(ScoreError::Shots(format!(
                "the attempt has {}, but this scene has no C-arm",
                crate::words::count(attempt.shots.len(), "X-ray shot")
            )));
        }
        Some(spec) if attempt.shots.len() > spec.max_shots as usize => {
            return Err(ScoreError::Shots(format!(
                "{} X-ray shots, more than this scene's most of {}",
                attempt.shots.len(),
                spec.max_shots
            )));
        }
        Some(spec) => {
            if let Some(s) = attempt.shots.iter().find(|s| s.view >= spec.views.len()) {
                return Err(ScoreError::Shots(format!(
                    "an X-ray shot at t = {} s from view {}; this scene's C-arm has {}",
                    s.t,
                    s.view,
                    spec.views.len()
                )));
            }
        }
        None => {}
    }
    let mut sites = Vec::new();
    for s in &attempt.sites {
        if s.site >= scenario.sites.len() {
            return Err(ScoreError::NoSuchSite(s.site, scenario.sites.len()));
        }
        for p in &s.pulls {
            match &scenario.aspiration {
                None => return Err(ScoreError::NoAspiration(s.site)),
                Some(a) if p.ml > a.syringe_ml => {
                    return Err(ScoreError::PullTooLarge {
                        site: s.site,
                        ml: p.ml,
                        t: p.t,
                        syringe: a.syringe_ml,
                    });
                }
                Some(_) => {}
            }
        }
        let length = scenario.needle.length_mm;
        if let Some(deep) = s.timeline.iter().find(|x| x.depth > length) {
            return Err(ScoreError::TooDeep {
                site: s.site,
                depth: deep.depth,
                t: deep.t,
                length,
            });
        }
    }
    for i in 0..scenario.sites.len() {
        let s = attempt
            .sites
            .iter()
            .find(|s| s.site == i)
            .ok_or(ScoreError::MissingSite(i))?;
        sites.push(score_site(scenario, anatomy, s)?);
    }
    let mut total = sites.iter().map(|s| s.total).sum::<f32>() / sites.len().max(1) as f32;
    let mut verdict = sites
        .iter()
        .map(|s| s.verdict)
        .max()
        .unwrap_or(Verdict::Fail);
    if verdict == Verdict::Pass && total < scenario.pass_mark {
        verdict = Verdict::Fail;
    }
    let multi = sites.len() > 1;
    let mut components: Vec<Component> = Vec::new();
    for s in &sites {
        for c in &s.components {
            let mut c = c.clone();
            if multi {
                c.key = format!("{}.{}", s.site, c.key);
                c.label = format!("{}: {}", s.name, c.label);
            }
            components.push(c);
        }
    }
    let harvest = scenario.aspiration.as_ref().map(|spec| {
        let h = super::aspiration::score(scenario, spec, anatomy, &attempt.sites);
        let placement = total;
        total = placement * (1.0 - spec.weight / 100.0) + h.points;
        if verdict != Verdict::Pass {
            // The harvest cannot lift a placement that failed or was unsafe above its cap.
            total = total.min(placement);
        } else if h.verdict != Verdict::Pass {
            total = total.min((scenario.pass_mark - 10.0).max(0.0));
            verdict = Verdict::Fail;
        } else if total < scenario.pass_mark {
            verdict = Verdict::Fail;
        }
        for c in &h.components {
            let mut c = c.clone();
            c.key = format!("harvest.{}", c.key);
            components.push(c);
        }
        h
    });
    let anaesthesia = scenario.anaesthesia.as_ref().map(|spec| {
        let a = super::anaesthesia::score(spec, anatomy, attempt);
        let phase = Phase {
            weight: spec.weight,
            points: a.points,
            verdict: a.verdict,
            components: &a.components,
        };
        add_phase(
            &mut total,
            &mut verdict,
            &mut components,
            scenario.pass_mark,
            phase,
        );
        a
    });
    let preparation = scenario.preparation.as_ref().map(|spec| {
        let p = super::preparation::score(spec, anatomy, attempt);
        let phase = Phase {
            weight: spec.weight,
            points: p.points,
            verdict: p.verdict,
            components: &p.components,
        };
        add_phase(
            &mut total,
            &mut verdict,
            &mut components,
            scenario.pass_mark,
            phase,
        );
        p
    });
    if let Some(spec) = &c_arm {
        let dose = super::fluoroscopy::score(spec, &attempt.shots);
        add_phase(
            &mut total,
            &mut verdict,
            &mut components,
            scenario.pass_mark,
            Phase {
                weight: spec.weight,
                points: dose.points,
                verdict: Verdict::Pass,
                components: std::slice::from_ref(&dose.component),
            },
        );
    }
    if let Some((spec, ev)) = &evaluation {
        total = mix(total, verdict, spec.weight, ev.points);
        verdict = verdict.max(ev.verdict);
        total = total.min(cap_for(ev.verdict, scenario.pass_mark));
        if verdict == Verdict::Pass && total < scenario.pass_mark {
            verdict = Verdict::Fail;
        }
        components.extend(ev.components.iter().cloned());
    }
    let mut ordered: Vec<&Component> = components
        .iter()
        .filter(|c| c.severity > Severity::Met)
        .collect();
    ordered.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then((b.max_points - b.points).total_cmp(&(a.max_points - a.points)))
    });
    let mut feedback: Vec<String> = sites
        .iter()
        .filter_map(|s| {
            let mut cap = s.objective.cap(scenario.pass_mark);
            if s.verdict == Verdict::Unsafe {
                cap = cap.min(UNSAFE_CAP_SHARE * scenario.pass_mark);
            }
            s.objective.feedback(&s.name, cap)
        })
        .collect();
    feedback.extend(ordered.iter().map(|c| c.feedback.clone()));
    if let Some(h) = &harvest {
        if h.verdict != Verdict::Pass {
            let why: Vec<&str> = h
                .components
                .iter()
                .filter(|c| c.severity >= Severity::Failing)
                .map(|c| c.label.as_str())
                .collect();
            feedback.insert(
                0,
                format!(
                    "The harvest fails ({}): the attempt counts at most {:.0} of 100.",
                    why.join(", ").to_lowercase(),
                    (scenario.pass_mark - 10.0).max(0.0)
                ),
            );
        }
        let said_pull_size = h
            .components
            .iter()
            .any(|c| c.key == "pull_size" && c.severity > Severity::Met);
        feedback.extend(
            h.advice
                .iter()
                .filter(|a| !(said_pull_size && a.starts_with("Smaller pulls")))
                .cloned(),
        );
    }
    if let Some((_, ev)) = &evaluation {
        for (i, f) in ev.feedback.iter().enumerate() {
            feedback.insert(i, f.clone());
        }
    }
    // The evaluation's reasons lead, and its components say the same: each sentence once.
    let mut said = std::collections::HashSet::new();
    feedback.retain(|f| said.insert(f.clone()));
    if feedback.is_empty() {
        feedback.push("Clean placement: every part of the attempt is within its zone.".into());
    }
    Ok(Score {
        rubric: RUBRIC,
        total: (total * 10.0).round() / 10.0,
        verdict,
        pass_mark: scenario.pass_mark,
        components,
        sites,
        feedback,
        harvest,
        evaluation: evaluation.map(|(_, ev)| ev),
        anaesthesia,
        preparation,
    })
}

/// The total with a phase of `weight` % earning `points` mixed in. A phase never lifts an
/// attempt that has already failed above what it counted.
fn mix(total: f32, verdict: Verdict, weight: f32, points: f32) -> f32 {
    let mixed = total * (1.0 - weight / 100.0) + points;
    if verdict == Verdict::Pass {
        mixed
    } else {
        mixed.min(total)
    }
}

/// A phase of the attempt beside the placement, as `score` mixes it in.
struct Phase<'a> {
    weight: f32,
    points: f32,
    verdict: Verdict,
    components: &'a [Component],
}

/// Mixes `phase` into the running total: its weight, its verdict if worse, its cap, its
/// components.
fn add_phase(
    total: &mut f32,
    verdict: &mut Verdict,
    components: &mut Vec<Component>,
    pass_mark: f32,
    phase: Phase,
) {
    *total = mix(*total, *verdict, phase.weight, phase.points);
    *verdict = (*verdict).max(phase.verdict);
    *total = total.min(cap_for(phase.verdict, pass_mark));
    components.extend(phase.components.iter().cloned());
}

/// The most an attempt can count with this verdict from one of its phases.
fn cap_for(verdict: Verdict, pass_mark: f32) -> f32 {
    match verdict {
        Verdict::Pass => f32::INFINITY,
        Verdict::Fail => (pass_mark - 10.0).max(0.0),
        Verdict::Unsafe => UNSAFE_CAP_SHARE * pass_mark,
    }
}

/// An attempt that ends at the evaluation: the harvest was rightly not done today, or the
/// trainee decided not to go ahead. The plan is all there is to mark, so it counts for the
/// whole; a harvest done when the case said not today is unsafe whatever the needle did.
fn evaluation_only(
    scenario: &Scenario,
    spec: &crate::evaluation::EvaluationSpec,
    ev: super::evaluation::EvaluationScore,
) -> Score {
    let whole = if spec.weight > 0.0 {
        ev.points / spec.weight * 100.0
    } else {
        100.0 * f32::from(u8::from(ev.verdict == Verdict::Pass))
    };
    let total = whole.min(cap_for(ev.verdict, scenario.pass_mark));
    let mut verdict = ev.verdict;
    if verdict == Verdict::Pass && total < scenario.pass_mark {
        verdict = Verdict::Fail;
    }
    let mut feedback = ev.feedback.clone();
    if feedback.is_empty() {
        feedback.push(format!("Right plan. {}", ev.why));
    }
    Score {
        rubric: RUBRIC,
        total: (total * 10.0).round() / 10.0,
        verdict,
        pass_mark: scenario.pass_mark,
        components: ev.components.clone(),
        sites: Vec::new(),
        feedback,
        harvest: None,
        evaluation: Some(ev),
        anaesthesia: None,
        preparation: None,
    }
}

fn score_site(
    scenario: &Scenario,
    anatomy: &Anatomy,
    attempt: &SiteAttempt,
) -> Result<SiteScore, ScoreError> {
    let zone = scenario
        .resolve(attempt.site, anatomy)
        .ok_or(ScoreError::Unresolved)?;
    if attempt.timeline.is_empty() {
        let name = scenario.sites[attempt.site].name.clone();
        return Ok(SiteScore {
            site: attempt.site,
            total: 0.0,
            earned: 0.0,
            verdict: Verdict::Fail,
            objective: Objective::NotEntered,
            components: vec![
                Component::graded(
                    "placement",
                    "Needle placed",
                    0.0,
                    "",
                    100.0,
                    0.0,
                    format!("No needle was placed at the {name}."),
                )
                .at_least(Severity::Failing),
            ],
            name,
        });
    }
    // With syringe pulls, the placement is judged up to the first pull: the redirections
    // after it belong to the aspiration, which is marked on its own. Hazards are watched
    // throughout.
    let placement = match attempt.pulls.first() {
        Some(p) => {
            let n = attempt.timeline.partition_point(|s| s.t <= p.t).max(1);
            &attempt.timeline[..n]
        }
        None => &attempt.timeline[..],
    };
    let replay = needle::replay(anatomy, placement);
    let last = placement.last().map(|s| s.pose()).unwrap_or(Pose {
        entry: zone.entry_centre,
        direction: zone.aim,
        depth: 0.0,
    });
    let shaft = final_shaft(anatomy, &last);
    let hazards: Vec<Hazard> = scenario
        .hazard_rules(attempt.site)
        .iter()
        .map(|r| r.0)
        .collect();
    let mut closest = vec![f32::INFINITY; hazards.len()];
    for s in &attempt.timeline {
        for (c, d) in
            closest
                .iter_mut()
                .zip(needle::closest_approaches(anatomy, &hazards, &s.pose()))
        {
            *c = c.min(d);
        }
    }
    let marked = Marked {
        last: &last,
        shaft: &shaft,
        replay: &replay,
        closest: &closest,
    };
    Ok(assemble(scenario, attempt.site, &zone, marked, Words::Said))
}

/// The score of one straight insertion to `pose`, as `score` would give its
/// [`straight insertion`](crate::grading::feasibility::straight_insertion) timeline, without the replay.
pub fn quick(scenario: &Scenario, anatomy: &Anatomy, site: usize, pose: &Pose) -> (f32, Verdict) {
    let Some(zone) = scenario.resolve(site, anatomy) else {
        return (0.0, Verdict::Fail);
    };
    quick_with(
        scenario,
        anatomy,
        site,
        &zone,
        pose,
        anatomy.intervals(pose.entry, pose.tip(), 0.25),
    )
}

/// [`quick`] with the site's zones and the shaft's intervals (entry to tip) already found.
pub fn quick_with(
    scenario: &Scenario,
    anatomy: &Anatomy,
    site: usize,
    zone: &ResolvedSite,
    pose: &Pose,
    intervals: Vec<Interval>,
) -> (f32, Verdict) {
    let shaft = shaft_from(intervals, pose);
    let mut replay = Replay {
        elapsed: (pose.depth / 2.0).max(1.0),
        ..Replay::default()
    };
    for w in shaft.intervals.windows(2) {
        if w[0].tissue == Tissue::Cortex {
            replay.events.push(needle::Event {
                t: 0.0,
                kind: EventKind::CortexPenetration,
                depth: w[1].start,
            });
        }
    }
    for i in &shaft.intervals {
        if i.tissue != Tissue::Air {
            replay.path_in_tissue += i.length();
        }
    }
    let hazards: Vec<Hazard> = scenario.hazard_rules(site).iter().map(|r| r.0).collect();
    let closest = needle::closest_approaches(anatomy, &hazards, pose);
    let marked = Marked {
        last: pose,
        shaft: &shaft,
        replay: &replay,
        closest: &closest,
    };
    let s = assemble(scenario, site, zone, marked, Words::Unsaid);
    (s.total, s.verdict)
}

/// What a site's needle did, as [`assemble`] marks it: where it ended, what its shaft
/// crossed there, its replay, and its closest approach to each of the site's hazards.
#[derive(Clone, Copy)]
struct Marked<'a> {
    last: &'a Pose,
    shaft: &'a FinalShaft,
    replay: &'a Replay,
    closest: &'a [f32],
}

fn assemble(
    scenario: &Scenario,
    site_index: usize,
    zone: &ResolvedSite,
    marked: Marked,
    words: Words,
) -> SiteScore {
    let Marked {
        last,
        shaft,
        replay,
        closest,
    } = marked;
    let site = &scenario.sites[site_index];
    let w = scenario.weights;
    let norm = 100.0 / w.total().max(1e-3);
    let mut out = Vec::new();
    let mut unsafe_contact = false;
    let mut penalty = 0.0;

    out.push(entry_component(zone, shaft, last, w.entry * norm, words));
    out.push(angle_component(zone, last, w.angle * norm, words));
    let depth = depth_component(zone, shaft, w.depth * norm, words);
    let in_window = depth.severity == Severity::Met;
    out.push(depth);

    let rules = scenario.hazard_rules(site_index);
    let share = if rules.is_empty() {
        0.0
    } else {
        w.safety * norm / rules.len() as f32
    };
    for ((hazard, margin, consequence), closest) in rules.iter().zip(closest) {
        let touched = *closest < 0.0
            || replay
                .events
                .iter()
                .any(|e| e.kind == EventKind::HazardContact(*hazard))
            || shaft
                .intervals
                .iter()
                .any(|i| needle::hazard_of(i.tissue) == Some(*hazard));
        if touched {
            match consequence {
                Consequence::Fail => unsafe_contact = true,
                Consequence::Penalty(p) => penalty += p,
            }
        }
        out.push(hazard_component(
            *hazard,
            *closest,
            touched,
            *margin,
            *consequence,
            share,
            words,
        ));
    }
    if rules.is_empty() && w.safety > 0.0 {
        out.push(Component::graded(
            "safety",
            "Hazards",
            0.0,
            "",
            w.safety * norm,
            1.0,
            "No hazards are marked in this scenario.".into(),
        ));
    }
    out.extend(technique_components(
        replay,
        shaft,
        w.technique * norm,
        words,
    ));
    out.push(time_component(scenario, replay, w.time * norm, words));

    let raw: f32 = out.iter().map(|c| c.points).sum();
    let stage = objective(replay, shaft, in_window);
    let mut cap = stage.cap(scenario.pass_mark);
    let off_course = off_course(&out);
    if off_course {
        cap = cap.min(Objective::MissedTarget.cap(scenario.pass_mark));
    }
    if unsafe_contact {
        cap = cap.min(UNSAFE_CAP_SHARE * scenario.pass_mark);
    }
    let earned = (raw - penalty).clamp(0.0, 100.0);
    let total = earned.min(cap);
    let over_time = scenario.mode == Mode::Assessment
        && scenario.time_limit_s.is_some_and(|l| replay.elapsed > l);
    let verdict = if unsafe_contact {
        Verdict::Unsafe
    } else if stage != Objective::Reached || off_course || total < scenario.pass_mark || over_time {
        Verdict::Fail
    } else {
        Verdict::Pass
    };
    SiteScore {
        site: site_index,
        name: site.name.clone(),
        total: (total * 10.0).round() / 10.0,
        earned: (earned * 10.0).round() / 10.0,
        verdict,
        objective: stage,
        components: out,
    }
}

/// Whether the site's angle to the aim fails it (see `components::ANGLE_FAIL_TOLERANCES`).
fn off_course(components: &[Component]) -> bool {
    components
        .iter()
        .any(|c| c.key == "angle" && c.severity >= Severity::Failing)
}

/// What `score_files` does with an attempt that was made in another scene, on another
/// patient, or that no needle could have made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    /// Refuse it with the reason: a score for it would mean nothing.
    Strict,
    /// Grade it anyway and return the reasons as warnings (for research).
    Lenient,
}

/// Grades an attempt file against a scene file, as `marrowsim score` does, refusing attempts
/// that do not belong to the scene or could not have happened.
pub fn score_files(scene: &std::path::Path, attempt: &std::path::Path) -> Result<Score, String> {
    score_files_with(scene, attempt, Admission::Strict).map(|(score, _)| score)
}

/// Grades an attempt file against a scene file. Errors and warnings name the file they are
/// about: the attempt's scene, patient and timeline name the attempt file, with line:col.
pub fn score_files_with(
    scene: &std::path::Path,
    attempt: &std::path::Path,
    admission: Admission,
) -> Result<(Score, Vec<String>), String> {
    use crate::records::attempt::MAX_FILE_BYTES;
    let scenario = Scenario::load(scene).map_err(|errors| crate::scenario::errors_text(&errors))?;
    let text = crate::files::read_text(attempt, MAX_FILE_BYTES, "attempt files")
        .map_err(|e| e.to_string())?;
    let graded = score_text_with(
        &scenario,
        &scene.display().to_string(),
        &text,
        &attempt.display().to_string(),
        admission,
    )?;
    Ok((graded.score, graded.warnings))
}

/// An attempt's text graded against a scene, with what admission found.
#[derive(Debug)]
pub struct Graded {
    pub attempt: crate::records::attempt::Attempt,
    pub score: Score,
    pub warnings: Vec<String>,
}

/// Grades an attempt's text (from `file`) against a scene (from `scene_file`), refusing, as
/// `score_files_with` does, what does not belong to the scene or could not have happened.
pub fn score_text_with(
    scenario: &Scenario,
    scene_file: &str,
    text: &str,
    file: &str,
    admission: Admission,
) -> Result<Graded, String> {
    use super::admit;
    use crate::records::attempt::Attempt;
    use crate::scenario::locate::{Step, locate};
    let parsed = Attempt::parse(text, file).map_err(|e| e.to_string())?;
    let at = |path: &[Step], e: &dyn std::fmt::Display| {
        let (line, col) = locate(text, path);
        format!("{file}:{line}:{col}: {e}")
    };
    let mut warnings = Vec::new();
    let mut admit = |r: Result<(), admit::Refusal>| match (r, admission) {
        (Ok(()), _) => Ok(()),
        (Err(r), Admission::Strict) => Err(at(&r.path, &r.message)),
        (Err(r), Admission::Lenient) => {
            warnings.push(at(&r.path, &format!("warning: {}", r.message)));
            Ok(())
        }
    };
    admit(admit::belongs(scenario, &parsed))?;
    let anatomy = crate::anatomy::Anatomy::build(&parsed.patient)
        .map_err(|e| at(&[Step::Field("patient")], &e))?;
    admit(admit::possible(&anatomy, &parsed))?;
    let score = score(scenario, &anatomy, &parsed).map_err(|e| {
        let index = |site: usize| parsed.sites.iter().position(|s| s.site == site);
        let path = match &e {
            ScoreError::NoSuchSite(site, _) | ScoreError::TooDeep { site, .. } => index(*site)
                .map(|i| vec![Step::Field("sites"), Step::Index(i), Step::Field("site")]),
            ScoreError::PullTooLarge { site, .. } | ScoreError::NoAspiration(site) => index(*site)
                .map(|i| vec![Step::Field("sites"), Step::Index(i), Step::Field("pulls")]),
            ScoreError::MissingSite(_) => Some(vec![Step::Field("sites")]),
            ScoreError::Shots(_) => Some(vec![Step::Field("shots")]),
            ScoreError::Unresolved => None,
        };
        match path {
            Some(p) => at(&p, &e),
            None => format!("{scene_file}: {e}"),
        }
    })?;
    Ok(Graded {
        attempt: parsed,
        score,
        warnings,
    })
}
