//! The evaluation phase: the trainee's plan against the scene's answer and the contraindications
//! reference (docs/scoring.md, "The evaluation").

use super::components::{Component, Severity};
use super::scoring::Verdict;
use crate::evaluation::{
    Decision, EvaluationSpec, Finding, HarvestSite, Precaution, Then, consequences, findings,
};
use crate::records::attempt::Evaluated;
use serde::Serialize;

/// Shares of the evaluation's weight when the harvest goes ahead: whether to, where, how the
/// patient lies, and the precautions. Going ahead or not decides the most harm; the site comes
/// next (an infected or irradiated crest); the position follows from the site.
const DECISION: f32 = 0.4;
const SITE: f32 = 0.3;
const POSITION: f32 = 0.1;
const PRECAUTIONS: f32 = 0.2;

#[derive(Clone, Debug, Serialize)]
pub struct EvaluationScore {
    pub components: Vec<Component>,
    pub points: f32,
    pub max_points: f32,
    pub verdict: Verdict,
    /// What the trainee should read first: why the plan was wrong, with the sources.
    pub feedback: Vec<String>,
    /// The scene's own reason for its answer.
    pub why: String,
}

fn names<T: Copy>(items: &[T], name: impl Fn(T) -> &'static str) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items
            .iter()
            .map(|&x| name(x))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn sentences(found: &[Finding], keep: impl Fn(&Finding) -> bool) -> String {
    found
        .iter()
        .filter(|f| keep(f))
        .map(|f| f.sentence())
        .collect::<Vec<_>>()
        .join("; ")
}

pub fn score(spec: &EvaluationSpec, given: Option<&Evaluated>) -> EvaluationScore {
    let w = spec.weight;
    let found = findings(&spec.case);
    let k = consequences(&found);
    let answer = &spec.answer;
    let mut out = EvaluationScore {
        components: Vec::new(),
        points: 0.0,
        max_points: w,
        verdict: Verdict::Pass,
        feedback: Vec::new(),
        why: spec.why.clone(),
    };
    let Some(given) = given else {
        out.verdict = Verdict::Fail;
        out.components.push(
            Component::graded(
                "decision",
                "Evaluation",
                0.0,
                "",
                w,
                0.0,
                "No plan was made for the case: read it and decide before the harvest.".into(),
            )
            .at_least(Severity::Failing),
        );
        out.feedback
            .push("No plan was made for the case: read it and decide before the harvest.".into());
        return finish(out);
    };
    let plan = &given.plan;
    let deciding = if answer.decision == Decision::Defer {
        w
    } else {
        w * DECISION
    };
    let right = plan.decision == answer.decision;
    let wrong = |verdict: Verdict, severity: Severity, text: String| {
        (
            verdict,
            text.clone(),
            Component::graded("decision", "Go ahead today", 0.0, "", deciding, 0.0, text)
                .at_least(severity),
        )
    };
    let missed = match (answer.decision, plan.decision) {
        (Decision::Defer, Decision::Proceed) => Some(wrong(
            Verdict::Unsafe,
            Severity::Unsafe,
            format!(
                "You went ahead with a harvest that should not be done today: {}. {}",
                sentences(&found, |f| f.rule.then.contains(&Then::NotToday)),
                spec.why
            ),
        )),
        (Decision::Proceed, Decision::Defer) => Some(wrong(
            Verdict::Fail,
            Severity::Failing,
            format!(
                "You deferred a harvest that can go ahead today: nothing in the case rules it out. {}",
                spec.why
            ),
        )),
        _ => None,
    };
    let decision = match missed {
        Some((verdict, text, component)) => {
            out.verdict = verdict;
            out.feedback.push(text);
            component
        }
        None => Component::graded(
            "decision",
            "Go ahead today",
            1.0,
            "",
            deciding,
            1.0,
            match answer.decision {
                Decision::Proceed => "Right to go ahead today.".into(),
                Decision::Defer => format!("Right not to go ahead today. {}", spec.why),
            },
        ),
    };
    out.components.push(decision);
    if answer.decision == Decision::Defer || !right {
        return finish(out);
    }

    let bad: Vec<HarvestSite> = plan
        .sites
        .iter()
        .copied()
        .filter(|s| k.unavailable.contains(s))
        .collect();
    let site = if !bad.is_empty() {
        out.verdict = out.verdict.max(Verdict::Fail);
        let why = sentences(&found, |f| f.site.is_some_and(|s| bad.contains(&s)));
        let text = format!(
            "You chose the {}, which cannot be used: {why}. {}",
            names(&bad, HarvestSite::name),
            spec.why
        );
        out.feedback.push(text.clone());
        Component::graded("site", "Harvest site", 0.0, "", w * SITE, 0.0, text)
            .at_least(Severity::Failing)
    } else {
        let hits = plan
            .sites
            .iter()
            .filter(|s| answer.sites.contains(s))
            .count();
        let extra = plan.sites.len().saturating_sub(hits);
        let share =
            ((hits as f32 - extra as f32) / answer.sites.len().max(1) as f32).clamp(0.0, 1.0);
        Component::graded(
            "site",
            "Harvest site",
            share,
            "",
            w * SITE,
            share,
            if share >= 1.0 {
                format!(
                    "Right site: the {}.",
                    names(&answer.sites, HarvestSite::name)
                )
            } else {
                format!(
                    "The plan's site ({}) is not the one this case calls for ({}). {}",
                    names(&plan.sites, HarvestSite::name),
                    names(&answer.sites, HarvestSite::name),
                    spec.why
                )
            },
        )
    };
    out.components.push(site);

    let position_right = answer.position.is_none() || plan.position == answer.position;
    out.components.push(Component::graded(
        "position",
        "Position",
        f32::from(u8::from(position_right)),
        "",
        w * POSITION,
        if position_right { 1.0 } else { 0.0 },
        if position_right {
            "Right position for the site.".into()
        } else {
            format!(
                "The {} is harvested with the patient {:?}, not {:?}.",
                names(&answer.sites, HarvestSite::name),
                answer.position.unwrap_or(crate::scenario::Position::Prone),
                plan.position
            )
        },
    ));

    let mut want = answer.precautions.clone();
    want.sort();
    want.dedup();
    let mut chose = plan.precautions.clone();
    chose.sort();
    chose.dedup();
    let missing: Vec<Precaution> = want
        .iter()
        .copied()
        .filter(|p| !chose.contains(p))
        .collect();
    let needless: Vec<Precaution> = chose
        .iter()
        .copied()
        .filter(|p| !want.contains(p))
        .collect();
    let hits = want.len() - missing.len();
    let share = if want.is_empty() {
        (1.0 - 0.5 * needless.len() as f32).max(0.0)
    } else {
        ((hits as f32 - needless.len() as f32) / want.len() as f32).clamp(0.0, 1.0)
    };
    let feedback = if share >= 1.0 {
        format!("Right precautions: {}.", names(&want, Precaution::name))
    } else {
        let mut parts = Vec::new();
        if !missing.is_empty() {
            let why = sentences(&found, |f| {
                f.rule
                    .then
                    .iter()
                    .any(|t| matches!(t, Then::Precaution(p) if missing.contains(p)))
            });
            parts.push(format!(
                "missing: {} ({why})",
                names(&missing, Precaution::name)
            ));
        }
        if !needless.is_empty() {
            parts.push(format!(
                "not needed, and not without risk: {}",
                names(&needless, Precaution::name)
            ));
        }
        format!("Precautions: {}.", parts.join("; "))
    };
    out.components.push(Component::graded(
        "precautions",
        "Precautions",
        (missing.len() + needless.len()) as f32,
        "wrong",
        w * PRECAUTIONS,
        share,
        feedback,
    ));
    finish(out)
}

fn finish(mut out: EvaluationScore) -> EvaluationScore {
    out.points = out.components.iter().map(|c| c.points).sum();
    for c in &mut out.components {
        c.key = format!("evaluation.{}", c.key);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluation::{Case, Medication, Plan, SiteFinding};
    use crate::scenario::Position;

    fn spec(inr: f32, decision: Decision) -> EvaluationSpec {
        EvaluationSpec {
            case: Case {
                age: 70,
                indication: "knee osteoarthritis".into(),
                medication: vec![Medication::Warfarin],
                platelets: 230.0,
                inr,
                sites: vec![(HarvestSite::PosteriorRight, SiteFinding::Irradiated)],
                allergies: vec![],
                conditions: vec![],
                notes: vec![],
            },
            answer: Plan {
                decision,
                sites: if decision == Decision::Proceed {
                    vec![HarvestSite::PosteriorLeft]
                } else {
                    vec![]
                },
                position: Some(Position::Prone),
                precautions: vec![Precaution::ProlongedPressure],
            },
            why: "because".into(),
            weight: 20.0,
        }
    }

    fn given(plan: Plan) -> Evaluated {
        Evaluated { t: 0.0, plan }
    }

    #[test]
    fn the_answer_earns_every_point() {
        let s = spec(2.4, Decision::Proceed);
        let e = score(&s, Some(&given(s.answer.clone())));
        assert_eq!(e.verdict, Verdict::Pass);
        assert!((e.points - 20.0).abs() < 1e-4, "{}", e.points);
    }

    #[test]
    fn going_ahead_when_the_case_says_not_today_is_unsafe_and_says_why() {
        let s = spec(4.2, Decision::Defer);
        let mut p = spec(2.4, Decision::Proceed).answer;
        p.decision = Decision::Proceed;
        let e = score(&s, Some(&given(p)));
        assert_eq!(e.verdict, Verdict::Unsafe);
        assert_eq!(e.points, 0.0);
        assert!(e.feedback[0].contains("INR above 3.0"), "{:?}", e.feedback);
        assert!(e.feedback[0].contains("SIR 2019"), "{:?}", e.feedback);
    }

    #[test]
    fn an_unavailable_site_fails_and_a_missed_precaution_costs_its_share() {
        let s = spec(2.4, Decision::Proceed);
        let mut p = s.answer.clone();
        p.sites = vec![HarvestSite::PosteriorRight];
        let e = score(&s, Some(&given(p)));
        assert_eq!(e.verdict, Verdict::Fail);
        assert!(e.feedback[0].contains("radiotherapy") || e.feedback[0].contains("irradiated"));
        let mut p = s.answer.clone();
        p.precautions.clear();
        let e = score(&s, Some(&given(p)));
        assert_eq!(e.verdict, Verdict::Pass);
        assert!((e.points - 16.0).abs() < 1e-4, "{}", e.points);
    }

    #[test]
    fn no_plan_fails() {
        let e = score(&spec(2.4, Decision::Proceed), None);
        assert_eq!(e.verdict, Verdict::Fail);
        assert_eq!(e.points, 0.0);
    }
}
