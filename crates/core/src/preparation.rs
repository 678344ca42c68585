//! Preparation before any needle: the checklist steps an observation form asks for, the skin
//! antisepsis that must dry before a puncture, and the marks of the site on the skin. The
//! figures, each with its source, are in `assets/harvest/preparation.ron`.

use crate::anaesthesia::Figure;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

const SHIPPED: &str = include_str!("../../../assets/harvest/preparation.ron");

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Model {
    pub version: u32,
    pub scrub_s: Figure,
    pub dry_s: Figure,
    pub mark_tolerance_mm: Figure,
}

/// The shipped model (checked by a unit test).
pub fn model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| crate::anaesthesia::shipped(SHIPPED, "preparation.ron"))
}

impl Model {
    /// Seconds from the start of the antisepsis until the skin may be punctured.
    pub fn ready_after_s(&self) -> f32 {
        self.scrub_s.value + self.dry_s.value
    }
}

/// One step of the preparation checklist. Observation forms for marrow harvest list consent,
/// the time-out and aseptic technique (shared/harvest-reference.md, "Assessment").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PrepStep {
    /// Written consent is confirmed with the patient.
    Consent,
    /// The patient lies as the scene says (prone for the posterior crest).
    Position,
    /// The team confirms patient, procedure, site and side aloud.
    TimeOut,
    /// 2% chlorhexidine in 70% alcohol, scrubbed and left to dry.
    Antisepsis,
    /// Sterile gloves on and the site draped.
    Drape,
}

impl PrepStep {
    pub const ALL: [PrepStep; 5] = [
        PrepStep::Consent,
        PrepStep::Position,
        PrepStep::TimeOut,
        PrepStep::Antisepsis,
        PrepStep::Drape,
    ];

    pub fn label(self) -> &'static str {
        match self {
            PrepStep::Consent => "Consent confirmed",
            PrepStep::Position => "Patient positioned",
            PrepStep::TimeOut => "Time-out: patient, site, side",
            PrepStep::Antisepsis => "Skin antisepsis (2% CHG in alcohol)",
            PrepStep::Drape => "Sterile gloves and drape",
        }
    }
}

/// A checklist step the trainee took, and when.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prepared {
    pub t: f32,
    pub step: PrepStep,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_model_reads_and_names_its_sources() {
        let m = model();
        assert_eq!(m.version, 1);
        for f in [&m.scrub_s, &m.dry_s, &m.mark_tolerance_mm] {
            assert!(!f.source.is_empty());
        }
        assert_eq!(m.ready_after_s(), 60.0);
        assert!(m.mark_tolerance_mm.source.starts_with("estimate"));
    }
}
