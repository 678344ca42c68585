//! The components a site is marked on: each a value, the points it earns of its maximum,
//! one sentence of feedback and how serious it is. `scoring` assembles them.

use super::scoring::FinalShaft;
use crate::anatomy::Hazard;
use crate::needle::{EventKind, Pose, Replay};
use crate::scenario::{Consequence, Mode, ResolvedSite, Scenario};
use crate::tissue::Tissue;
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct Component {
    pub key: String,
    pub label: String,
    pub value: f32,
    pub unit: &'static str,
    pub points: f32,
    pub max_points: f32,
    pub feedback: String,
    /// How much this component matters when the feedback is ordered.
    #[serde(skip)]
    pub severity: Severity,
}

/// What a component says about the attempt, most serious last (feedback is ordered by it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Full marks: nothing to say.
    #[default]
    Met,
    /// Points lost, but the attempt can still pass.
    LostPoints,
    /// The attempt fails on this alone (the tip not in the target, over time in assessment).
    Failing,
    /// A hazard the scene marks as unsafe was reached.
    Unsafe,
}

impl Severity {
    /// The word a record stores.
    pub fn key(self) -> &'static str {
        match self {
            Severity::Met => "met",
            Severity::LostPoints => "lost",
            Severity::Failing => "failing",
            Severity::Unsafe => "unsafe",
        }
    }

    /// The severity a record's word names.
    pub fn from_key(key: &str) -> Option<Severity> {
        [
            Severity::Met,
            Severity::LostPoints,
            Severity::Failing,
            Severity::Unsafe,
        ]
        .into_iter()
        .find(|s| s.key() == key)
    }
}

impl Component {
    /// The measured value as a score card shows it: a count as the whole number it is ("1",
    /// not "1.0 count"), anything else to a tenth with its unit.
    pub fn shown_value(&self) -> String {
        if self.unit == "count" {
            format!("{}", self.value.round())
        } else {
            format!("{:.1} {}", self.value, self.unit)
        }
    }

    /// A component earning `share` (0–1) of `max` points; below full marks it counts as lost points.
    pub(super) fn graded(
        key: &str,
        label: &str,
        value: f32,
        unit: &'static str,
        max: f32,
        share: f32,
        feedback: String,
    ) -> Component {
        Component {
            key: key.into(),
            label: label.into(),
            value,
            unit,
            points: max * share,
            max_points: max,
            feedback,
            severity: if share < 1.0 {
                Severity::LostPoints
            } else {
                Severity::Met
            },
        }
    }

    /// The same component, counted at least as serious as `severity`.
    pub(super) fn at_least(mut self, severity: Severity) -> Component {
        self.severity = self.severity.max(severity);
        self
    }
}

/// Whether the components put their feedback into words. A score does; feasibility, which
/// marks thousands of sampled insertions for their points and verdicts alone, does not
/// (formatting the sentences was a twelfth of its time).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Words {
    Said,
    Unsaid,
}

impl Words {
    fn say(self, text: impl FnOnce() -> String) -> String {
        match self {
            Words::Said => text(),
            Words::Unsaid => String::new(),
        }
    }
}

fn ramp(excess: f32, span: f32) -> f32 {
    if excess <= 0.0 {
        1.0
    } else {
        (1.0 - excess / span.max(1e-3)).clamp(0.0, 1.0)
    }
}

pub(super) fn entry_component(
    zone: &ResolvedSite,
    shaft: &FinalShaft,
    pose: &Pose,
    max: f32,
    words: Words,
) -> Component {
    let (point, on_bone) = match shaft.bone_entry {
        Some(p) => (p, true),
        None => {
            let t = (zone.entry_centre - pose.entry)
                .dot(pose.direction)
                .max(0.0);
            (pose.entry + pose.direction * t, false)
        }
    };
    let dist = (point - zone.entry_centre).length();
    let f = ramp(dist - zone.entry_radius, zone.entry_radius * 2.0);
    let feedback = words.say(|| {
        if !on_bone {
            format!("The needle never reached bone; its line passes {dist:.0} mm from the entry point.")
        } else if f >= 1.0 {
            format!(
                "Bone entry {dist:.1} mm from the target point, inside the {:.0} mm zone.",
                zone.entry_radius
            )
        } else {
            format!(
                "Bone entry {dist:.1} mm from the target point, {:.1} mm outside the {:.0} mm zone: find the landmark before puncturing.",
                dist - zone.entry_radius,
                zone.entry_radius
            )
        }
    });
    Component::graded("entry", "Entry point", dist, "mm", max, f, feedback)
}

/// Beyond this many tolerances off the aim the site fails, whatever the tip reached: the
/// track is another approach, not a variation of the taught one. At the PSIS, twice the 10°
/// tolerance is the straight-in push the demonstration names a classic error, whose track
/// meets the SI joint 32 mm in (Hirahara); reaching marrow on it is luck with the depth.
pub const ANGLE_FAIL_TOLERANCES: f32 = 2.0;

pub(super) fn angle_component(
    zone: &ResolvedSite,
    pose: &Pose,
    max: f32,
    words: Words,
) -> Component {
    let angle = pose.direction.angle_between(zone.aim).to_degrees();
    let f = ramp(angle - zone.tolerance_deg, zone.tolerance_deg * 2.0);
    let off_course = angle > ANGLE_FAIL_TOLERANCES * zone.tolerance_deg;
    let feedback = words.say(|| {
        if f >= 1.0 {
            format!(
                "Needle {angle:.1}° off the aim, within the {:.0}° tolerance.",
                zone.tolerance_deg
            )
        } else if off_course {
            format!(
                "Needle {angle:.1}° off the aim, more than twice the {:.0}° tolerance: that is another approach, whose track leaves the bone's safe corridor, and the site fails however deep the tip went. Angle toward the target landmark before the push.",
                zone.tolerance_deg
            )
        } else {
            format!(
                "Needle {angle:.1}° off the aim (tolerance {:.0}°): angle toward the target landmark; a few degrees decide between marrow and the sacrum.",
                zone.tolerance_deg
            )
        }
    });
    let c = Component::graded("angle", "Angle to the aim", angle, "deg", max, f, feedback);
    if off_course {
        c.at_least(Severity::Failing)
    } else {
        c
    }
}

pub(super) fn depth_component(
    zone: &ResolvedSite,
    shaft: &FinalShaft,
    max: f32,
    words: Words,
) -> Component {
    let (value, f, feedback, severity) = match (shaft.tip_tissue == zone.tissue, shaft.past_cortex)
    {
        (true, Some(d)) if d >= zone.min_mm && d <= zone.max_mm => (
            d,
            1.0,
            words.say(|| {
                format!(
                    "Tip {d:.1} mm into the marrow, inside the {:.0}–{:.0} mm window.",
                    zone.min_mm, zone.max_mm
                )
            }),
            Severity::Met,
        ),
        (true, Some(d)) if d < zone.min_mm => (
            d,
            0.5 * ramp(zone.min_mm - d, zone.min_mm.max(5.0)),
            words.say(|| {
                format!(
                    "Tip only {d:.1} mm past the cortex: advance to at least {:.0} mm for a good core.",
                    zone.min_mm
                )
            }),
            Severity::LostPoints,
        ),
        (true, Some(d)) => (
            d,
            0.5 * ramp(d - zone.max_mm, 10.0),
            words.say(|| {
                format!(
                    "Tip {d:.1} mm past the cortex, beyond {:.0} mm: too deep risks the far table.",
                    zone.max_mm
                )
            }),
            Severity::LostPoints,
        ),
        (_, _) => (
            0.0,
            0.0,
            words.say(|| {
                format!(
                    "The tip is in {}, not in the {}: no marrow can be aspirated.",
                    shaft.tip_tissue.name(),
                    zone.tissue.name()
                )
            }),
            Severity::Failing,
        ),
    };
    Component::graded(
        "depth",
        "Tip depth in marrow",
        value,
        "mm",
        max,
        f,
        feedback,
    )
    .at_least(severity)
}

pub(super) fn hazard_component(
    hazard: Hazard,
    closest: f32,
    touched: bool,
    margin: f32,
    consequence: Consequence,
    max: f32,
    words: Words,
) -> Component {
    let name = hazard_name(hazard);
    let (f, feedback, severity) = if touched {
        (
            0.0,
            words.say(|| {
                let what = match consequence {
                    Consequence::Fail => "an unsafe placement".to_string(),
                    Consequence::Penalty(p) => format!("costs {p:.0} points"),
                };
                format!("The needle reached the {name}: {what}.")
            }),
            // A penalty is the scene's choice to charge points, not to fail the site.
            if consequence == Consequence::Fail {
                Severity::Unsafe
            } else {
                Severity::LostPoints
            },
        )
    } else if margin > 0.0 && closest < margin {
        (
            (closest / margin).clamp(0.0, 1.0),
            words.say(|| {
                format!(
                    "Closest approach to the {name} was {closest:.1} mm, inside the {margin:.0} mm safety margin."
                )
            }),
            Severity::LostPoints,
        )
    } else {
        (
            1.0,
            words.say(|| format!("Kept {closest:.0} mm from the {name}.")),
            Severity::Met,
        )
    };
    Component::graded(
        &format!("hazard.{}", hazard.key()),
        &format!("Clearance from the {name}"),
        closest.max(0.0),
        "mm",
        max,
        f,
        feedback,
    )
    .at_least(severity)
}

pub fn hazard_name(h: Hazard) -> &'static str {
    match h {
        Hazard::SciaticNerve => "sciatic nerve",
        Hazard::SuperiorGlutealArtery => "superior gluteal artery",
        Hazard::Lfcn => "lateral femoral cutaneous nerve",
        Hazard::PelvicCavity => "pelvic cavity (through the inner table)",
        Hazard::SiJoint => "sacroiliac joint",
        Hazard::Sacrum => "sacrum",
    }
}

pub(super) fn technique_components(
    replay: &Replay,
    shaft: &FinalShaft,
    max: f32,
    words: Words,
) -> Vec<Component> {
    let penetrations = replay.count(EventKind::CortexPenetration);
    let reinsertions = replay.count(EventKind::Reinsertion);
    let f_pen = if penetrations <= 1 {
        1.0
    } else {
        (1.0 - 0.5 * (penetrations - 1) as f32).max(0.0)
    };
    let f_re = (1.0 - 0.34 * reinsertions as f32).max(0.0);
    let f_dmg = ramp(replay.tissue_damage - 100.0, 900.0);
    let ideal = shaft
        .intervals
        .iter()
        .filter(|i| i.tissue != Tissue::Air)
        .map(|i| i.length())
        .sum::<f32>()
        .max(1.0);
    let f_path = ramp(replay.path_in_tissue - 1.3 * ideal, ideal);
    let make = |key: &str,
                label: &str,
                value: f32,
                unit,
                share: f32,
                f: f32,
                good: &dyn Fn() -> String,
                bad: &dyn Fn() -> String| {
        let feedback = words.say(|| if f >= 1.0 { good() } else { bad() });
        Component::graded(key, label, value, unit, max * share, f, feedback)
    };
    vec![
        make(
            "cortex_penetrations",
            "Cortex penetrations",
            penetrations as f32,
            "count",
            0.3,
            f_pen,
            &|| format!("{penetrations} pass through the cortex."),
            &|| {
                format!(
                    "{penetrations} passes through the cortex: each new hole weakens the table and adds pain; commit to one track."
                )
            },
        ),
        make(
            "reinsertions",
            "Reinsertions",
            reinsertions as f32,
            "count",
            0.3,
            f_re,
            &|| "No withdrawal and reinsertion.".into(),
            &|| {
                format!(
                    "{reinsertions} reinsertions: re-angle inside the soft tissue rather than withdrawing."
                )
            },
        ),
        make(
            "tissue_damage",
            "Tissue damage",
            replay.tissue_damage,
            "mm²",
            0.3,
            f_dmg,
            &|| format!("The shaft swept {:.0} mm² of tissue.", replay.tissue_damage),
            &|| {
                format!(
                    "The shaft swept {:.0} mm² of tissue: aim before the needle is deep, and re-aim \
                     with the tip resting on the bone, not in the soft tissue or in the bone.",
                    replay.tissue_damage
                )
            },
        ),
        make(
            "path_in_tissue",
            "Path in tissue",
            replay.path_in_tissue,
            "mm",
            0.1,
            f_path,
            &|| {
                format!(
                    "The tip travelled {:.0} mm inside the body.",
                    replay.path_in_tissue
                )
            },
            &|| {
                format!(
                    "The tip travelled {:.0} mm inside the body for a {ideal:.0} mm track: avoid back-and-forth.",
                    replay.path_in_tissue
                )
            },
        ),
    ]
}

pub(super) fn time_component(
    scenario: &Scenario,
    replay: &Replay,
    max: f32,
    words: Words,
) -> Component {
    let t = replay.elapsed;
    let (f, feedback) = match scenario.time_limit_s {
        Some(limit) if t > limit => (
            0.0,
            words.say(|| format!("{t:.0} s, over the {limit:.0} s limit.")),
        ),
        Some(limit) => (
            1.0,
            words.say(|| format!("{t:.0} s of the {limit:.0} s allowed.")),
        ),
        None => {
            let f = ramp(t - 300.0, 300.0);
            let msg = words.say(|| {
                if f >= 1.0 {
                    format!("{t:.0} s.")
                } else {
                    format!("{t:.0} s: aim for under five minutes.")
                }
            });
            (f, msg)
        }
    };
    let over = if f < 1.0 && scenario.mode == Mode::Assessment {
        Severity::Failing
    } else {
        Severity::Met
    };
    Component::graded("time", "Elapsed time", t, "s", max, f, feedback).at_least(over)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_touched_hazard_is_unsafe_only_where_the_scene_fails_it() {
        let touched = |consequence| {
            hazard_component(
                Hazard::SiJoint,
                0.0,
                true,
                3.0,
                consequence,
                10.0,
                Words::Said,
            )
        };
        let fail = touched(Consequence::Fail);
        assert_eq!((fail.severity, fail.points), (Severity::Unsafe, 0.0));
        let penalty = touched(Consequence::Penalty(25.0));
        assert_eq!(penalty.severity, Severity::LostPoints);
        assert_eq!(penalty.points, 0.0);
        assert!(penalty.feedback.contains("costs 25 points"), "{penalty:?}");
    }

    #[test]
    fn a_count_shows_as_a_whole_number_and_a_measure_with_its_unit() {
        let c = |value, unit| Component::graded("k", "K", value, unit, 3.0, 1.0, String::new());
        assert_eq!(c(1.0, "count").shown_value(), "1");
        assert_eq!(c(0.0, "count").shown_value(), "0");
        assert_eq!(c(12.04, "mm").shown_value(), "12.0 mm");
        assert_eq!(c(8.63, "deg").shown_value(), "8.6 deg");
    }
}
