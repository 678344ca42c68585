//! The harvest after placement: the attempt's pulls through the yield model, marked against
//! the scene's aspiration phase (docs/scoring.md, "The harvest").

use super::components::{Component, Severity};
use super::scoring::Verdict;
use crate::anatomy::Anatomy;
use crate::harvest::model::{AspirationStep, Harvest, HarvestSite, YieldModel};
use crate::harvest::review;
use crate::records::attempt::SiteAttempt;
use crate::scenario::{Approach, AspirationSpec, Scenario};
use crate::tissue::Tissue;
use crate::words::count;
use glam::Vec3;
use serde::Serialize;

/// A pull the model did not count, because the tip was not in the marrow.
#[derive(Clone, Debug, Serialize)]
pub struct WastedPull {
    pub site: usize,
    pub t: f32,
    pub ml: f32,
    pub tissue: Tissue,
}

#[derive(Clone, Debug, Serialize)]
pub struct HarvestScore {
    pub harvest: Harvest,
    pub wasted: Vec<WastedPull>,
    pub components: Vec<Component>,
    pub points: f32,
    pub max_points: f32,
    pub verdict: Verdict,
    pub advice: Vec<String>,
}

impl HarvestScore {
    /// The harvest report in sentences: the aspirate, then the concentrate and the dose left
    /// for reinjection (the score card and `marrowsim score` print the same).
    pub fn report(&self) -> Vec<String> {
        let a = &self.harvest.aspirate;
        let mut out = vec![format!(
            "Aspirate: {:.1} mL from {} in {}; {:.0} progenitors ({:.0}/mL); {:.0}% blood.",
            a.ml,
            count(a.positions, "position"),
            count(self.harvest.pulls.len(), "pull"),
            a.progenitors,
            a.progenitors_per_ml,
            a.blood_share * 100.0
        )];
        if let Some(c) = &self.harvest.concentrate {
            out.push(format!(
                "Concentrate: {:.1} mL, {:.0} progenitors per mL ({:.1}× the aspirate), {:.0} in total. For reinjection: {:.1} mL holding {:.0} progenitors.",
                c.ml, c.progenitors_per_ml, c.progenitor_fold, c.progenitors, c.ml, c.progenitors
            ));
        }
        out
    }
}

pub fn harvest_site(approach: Approach) -> HarvestSite {
    match approach {
        Approach::PosteriorIliacCrest => HarvestSite::PosteriorIliacCrest,
        Approach::AnteriorIliacCrest => HarvestSite::AnteriorIliacCrest,
    }
}

/// The model's steps for the attempt's pulls: a pull at a site after the first starts a new
/// skin entry, and a pull whose tip is `new_position_mm` from every earlier pull's tip at its
/// site is a redirection.
pub fn steps_of(
    scenario: &Scenario,
    anatomy: &Anatomy,
    model: &YieldModel,
    sites: &[SiteAttempt],
) -> (Vec<AspirationStep>, Vec<WastedPull>) {
    let site = harvest_site(scenario.approach);
    let apart = model.figures.new_position_mm.value as f32;
    let mut ordered: Vec<&SiteAttempt> = sites.iter().collect();
    ordered.sort_by_key(|s| s.site);
    let mut steps = Vec::new();
    let mut wasted = Vec::new();
    let mut any_site = false;
    for s in ordered {
        let mut tips: Vec<Vec3> = Vec::new();
        let mut last_pull_t: Option<f32> = None;
        for pull in &s.pulls {
            let Some(sample) = s
                .timeline
                .iter()
                .rev()
                .find(|x| x.t <= pull.t)
                .or(s.timeline.first())
            else {
                continue;
            };
            let tip = sample.pose().tip();
            let tissue = anatomy.tissue_at(tip);
            if tissue != Tissue::Marrow {
                wasted.push(WastedPull {
                    site: s.site,
                    t: pull.t,
                    ml: pull.ml,
                    tissue,
                });
                continue;
            }
            if tips.is_empty() {
                if any_site {
                    steps.push(AspirationStep::NewSite(site));
                }
            } else if tips.iter().all(|p| p.distance(tip) >= apart) {
                steps.push(AspirationStep::Redirect);
            } else if turned_between(&s.turns, last_pull_t, pull.t) >= QUARTER_TURN_DEG {
                steps.push(AspirationStep::Turn);
            }
            last_pull_t = Some(pull.t);
            tips.push(tip);
            any_site = true;
            steps.push(AspirationStep::Pull {
                ml: f64::from(pull.ml),
            });
        }
    }
    (steps, wasted)
}

/// A turn of the trocar this large or more between two pulls at one position counts: the bevel
/// then faces marrow the earlier pulls did not face.
pub const QUARTER_TURN_DEG: f32 = 90.0;

/// How far the trocar turned, either way, after `since` and up to `until` (seconds).
fn turned_between(turns: &[crate::records::attempt::Turn], since: Option<f32>, until: f32) -> f32 {
    turns
        .iter()
        .filter(|x| since.is_none_or(|s| x.t > s) && x.t <= until)
        .map(|x| x.deg.abs())
        .sum()
}

/// The largest pull that keeps full marks (mL), and the pull size at which none are left.
const GOOD_PULL_ML: f32 = review::LARGEST_GOOD_PULL_ML as f32;
const NO_MARKS_PULL_ML: f32 = 10.0;
/// Below this share of the target volume the harvest fails: the indication needs the volume.
const FAILING_VOLUME_SHARE: f32 = 0.75;

pub fn score(
    scenario: &Scenario,
    spec: &AspirationSpec,
    anatomy: &Anatomy,
    sites: &[SiteAttempt],
) -> HarvestScore {
    let model = YieldModel::shipped();
    let (steps, wasted) = steps_of(scenario, anatomy, &model, sites);
    let harvest = model.harvest(harvest_site(scenario.approach), &steps, true);
    let w = spec.weight;
    let min = spec
        .min_progenitors_per_ml
        .unwrap_or(model.figures.threshold.progenitors_per_ml.value as f32);
    let mut out = Vec::new();

    let per_ml = harvest
        .concentrate
        .as_ref()
        .map(|c| c.progenitors_per_ml as f32)
        .unwrap_or(0.0);
    let share = (per_ml / min).clamp(0.0, 1.0);
    let feedback = if harvest.pulls.is_empty() {
        "No marrow was aspirated: remove the stylet with the tip in the marrow and pull.".into()
    } else if per_ml >= min {
        format!(
            "The concentrate holds {per_ml:.0} progenitors per mL, above the {min:.0} of grafts that healed (Hernigou 2005)."
        )
    } else {
        format!(
            "The concentrate holds {per_ml:.0} progenitors per mL, below the {min:.0} of grafts that healed (Hernigou 2005): the graft is mostly blood."
        )
    };
    let mut c = Component::graded(
        "concentrate",
        "Progenitors per mL of concentrate",
        per_ml,
        "CFU-F/mL",
        0.5 * w,
        share,
        feedback,
    );
    if per_ml < min {
        c = c.at_least(Severity::Failing);
    }
    out.push(c);

    let ml = harvest.aspirate.ml as f32;
    let share = (ml / spec.target_ml).clamp(0.0, 1.0);
    let mut c = Component::graded(
        "volume",
        "Volume aspirated",
        ml,
        "mL",
        0.25 * w,
        share,
        if share >= 1.0 {
            format!(
                "{ml:.0} mL aspirated, the {:.0} mL the case needs.",
                spec.target_ml
            )
        } else {
            format!(
                "{ml:.0} mL aspirated of the {:.0} mL the case needs.",
                spec.target_ml
            )
        },
    );
    if share < FAILING_VOLUME_SHARE {
        c = c.at_least(Severity::Failing);
    }
    out.push(c);

    // Every pull counts here, in the marrow or not, and no pull earns nothing.
    let largest = sites
        .iter()
        .flat_map(|s| &s.pulls)
        .map(|p| p.ml)
        .fold(0.0, f32::max);
    let share = if largest <= 0.0 {
        0.0
    } else if largest <= GOOD_PULL_ML {
        1.0
    } else {
        (1.0 - (largest - GOOD_PULL_ML) / (NO_MARKS_PULL_ML - GOOD_PULL_ML)).clamp(0.0, 1.0)
    };
    out.push(Component::graded(
        "pull_size",
        "Largest pull",
        largest,
        "mL",
        0.25 * w,
        share,
        if largest <= 0.0 {
            "No pull was drawn.".to_string()
        } else if share >= 1.0 {
            format!("Pulls of at most {largest:.0} mL: small pulls keep the blood out.")
        } else {
            format!(
                "A pull of {largest:.0} mL: past the first 1–2 mL a pull is mostly blood; draw at most {GOOD_PULL_ML:.0} mL at a time."
            )
        },
    ));

    if let Some(first) = wasted.first() {
        out.push(
            Component::graded(
                "pull_outside_marrow",
                "Pulls outside the marrow",
                wasted.len() as f32,
                "",
                0.0,
                0.0,
                format!(
                    "{} with the tip outside the marrow (the first in {}): nothing useful comes; aspirate only with the tip in the marrow.",
                    count(wasted.len(), "pull"),
                    first.tissue.name()
                ),
            )
            .at_least(Severity::Failing),
        );
    }

    let points: f32 = out.iter().map(|c| c.points).sum();
    let verdict = if out.iter().any(|c| c.severity >= Severity::Failing) {
        Verdict::Fail
    } else {
        Verdict::Pass
    };
    let advice = review::advice(&model, &harvest);
    HarvestScore {
        harvest,
        wasted,
        components: out,
        points,
        max_points: w,
        verdict,
        advice,
    }
}

/// Distance between the positions of a planned harvest (mm): past `new_position_mm`, as a
/// withdrawal of about 1 cm is (Hernigou: 1 cm per perforation).
const PLANNED_STEP_MM: f32 = 8.0;
/// A planned harvest uses at most this many positions along one track.
const PLANNED_POSITIONS: usize = 6;

/// Appends to `timeline` (whose last sample is the placement) a harvest of `volume_ml` (this
/// site's share of the scene's target) in pulls of `pull_ml`: spread evenly over positions `PLANNED_STEP_MM`
/// apart, withdrawing along the track for as long as the tip stays in the marrow. With
/// `redirect` false, every pull is drawn where the placement ended. Returns the pulls.
pub fn planned_harvest(
    anatomy: &Anatomy,
    spec: &AspirationSpec,
    timeline: &mut Vec<crate::needle::Sample>,
    volume_ml: f32,
    pull_ml: f32,
    redirect: bool,
) -> Vec<crate::records::attempt::Pull> {
    use crate::needle::Sample;
    use crate::records::attempt::Pull;
    let Some(&last) = timeline.last() else {
        return Vec::new();
    };
    let pull_ml = pull_ml.clamp(0.1, spec.syringe_ml);
    let pose = last.pose();
    let mut depths = vec![pose.depth];
    while redirect && depths.len() < PLANNED_POSITIONS {
        let d = pose.depth - PLANNED_STEP_MM * depths.len() as f32;
        let tip = crate::needle::Pose { depth: d, ..pose }.tip();
        if d <= 0.0 || anatomy.tissue_at(tip) != Tissue::Marrow {
            break;
        }
        depths.push(d);
    }
    let n = (volume_ml / pull_ml).ceil().max(1.0) as usize;
    let n = n.min(crate::records::attempt::MAX_PULLS);
    let mut t = last.t;
    let mut pulls = Vec::new();
    for (k, depth) in depths.iter().enumerate() {
        let here = n / depths.len() + usize::from(k < n % depths.len());
        if k > 0 {
            t += 5.0;
            timeline.push(Sample::new(
                t,
                crate::needle::Pose {
                    depth: *depth,
                    ..pose
                },
            ));
        }
        for _ in 0..here {
            t += 15.0;
            pulls.push(Pull { t, ml: pull_ml });
        }
    }
    pulls
}
