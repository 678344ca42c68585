//! The first step of the harvest: a short case the trainee reads before touching the patient,
//! and the plan they make from it (go ahead today or not, where, in which position, with which
//! precautions). The published contraindications and thresholds, each with its source, are in
//! `assets/harvest/contraindications.ron`; `findings` applies them to a case.

mod reference;

use crate::scenario::Position;
use serde::{Deserialize, Serialize};

pub use reference::{
    Consequences, Finding, Reference, Rule, Then, When, consequences, findings, reference,
};

/// What the trainee is told about the patient.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub age: u32,
    /// Why marrow is harvested, in the referrer's words.
    pub indication: String,
    #[serde(default)]
    pub medication: Vec<Medication>,
    /// ×10⁹/L.
    pub platelets: f32,
    pub inr: f32,
    /// What the skin and the bone at a site show or have had.
    #[serde(default)]
    pub sites: Vec<(HarvestSite, SiteFinding)>,
    #[serde(default)]
    pub allergies: Vec<Allergy>,
    #[serde(default)]
    pub conditions: Vec<Condition>,
    /// Anything else the case says, for the reader.
    #[serde(default)]
    pub notes: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Medication {
    Aspirin,
    Clopidogrel,
    Warfarin,
    /// A direct oral anticoagulant (apixaban, rivaroxaban, edoxaban, dabigatran).
    Doac,
    /// Low-molecular-weight heparin at a treatment dose.
    Lmwh,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum HarvestSite {
    PosteriorLeft,
    PosteriorRight,
    AnteriorLeft,
    AnteriorRight,
}

impl HarvestSite {
    pub const ALL: [HarvestSite; 4] = [
        HarvestSite::PosteriorLeft,
        HarvestSite::PosteriorRight,
        HarvestSite::AnteriorLeft,
        HarvestSite::AnteriorRight,
    ];

    pub fn name(self) -> &'static str {
        match self {
            HarvestSite::PosteriorLeft => "left posterior crest",
            HarvestSite::PosteriorRight => "right posterior crest",
            HarvestSite::AnteriorLeft => "left anterior crest",
            HarvestSite::AnteriorRight => "right anterior crest",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SiteFinding {
    /// Cellulitis, an abscess or an open wound over the crest.
    Infection,
    /// Radiotherapy to the field that holds the crest.
    Irradiated,
    /// Bone graft taken from this crest before.
    PreviousGraft,
    /// A fracture or fixation of this part of the pelvis.
    Fracture,
}

impl SiteFinding {
    pub fn name(self) -> &'static str {
        match self {
            SiteFinding::Infection => "infection of the skin over it",
            SiteFinding::Irradiated => "radiotherapy to it",
            SiteFinding::PreviousGraft => "bone graft taken from it before",
            SiteFinding::Fracture => "a fracture or fixation",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Allergy {
    /// Lidocaine and the other amide local anaesthetics.
    AmideLocalAnaesthetic,
    Chlorhexidine,
    Latex,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Condition {
    /// Myeloproliferative neoplasm: the commonest risk factor in fatal bleeds.
    Myeloproliferative,
    /// Disseminated intravascular coagulation.
    Dic,
    /// A fever or an infection under treatment now.
    SystemicInfection,
}

/// Whether the harvest goes ahead today.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Decision {
    #[default]
    Proceed,
    /// Not today: correct something first and come back.
    Defer,
}

/// What the trainee may ask for besides the standard procedure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Precaution {
    /// Platelets given before the procedure.
    PlateletTransfusion,
    /// The anticoagulant is stopped for the procedure.
    HoldAnticoagulant,
    /// Firm pressure on the site for at least ten minutes afterwards.
    ProlongedPressure,
    /// Prepare the skin with povidone-iodine instead of chlorhexidine.
    IodineSkinPrep,
    /// Latex-free gloves and kit.
    LatexFree,
    /// A local anaesthetic of another class (an ester), as an allergist advises.
    NonAmideAnaesthetic,
}

impl Precaution {
    pub const ALL: [Precaution; 6] = [
        Precaution::PlateletTransfusion,
        Precaution::HoldAnticoagulant,
        Precaution::ProlongedPressure,
        Precaution::IodineSkinPrep,
        Precaution::LatexFree,
        Precaution::NonAmideAnaesthetic,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Precaution::PlateletTransfusion => "platelet transfusion first",
            Precaution::HoldAnticoagulant => "stop the anticoagulant",
            Precaution::ProlongedPressure => "ten minutes of pressure afterwards",
            Precaution::IodineSkinPrep => "povidone-iodine skin preparation",
            Precaution::LatexFree => "latex-free kit",
            Precaution::NonAmideAnaesthetic => "a non-amide local anaesthetic",
        }
    }
}

/// The trainee's plan, or the scene's answer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    pub decision: Decision,
    /// Where the marrow is taken; empty when the harvest does not go ahead.
    #[serde(default)]
    pub sites: Vec<HarvestSite>,
    #[serde(default)]
    pub position: Option<Position>,
    #[serde(default)]
    pub precautions: Vec<Precaution>,
}

/// The scene's case, its answer and why (scene version 4).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvaluationSpec {
    pub case: Case,
    pub answer: Plan,
    /// The scene's reason for its answer, shown after the attempt.
    pub why: String,
    /// The evaluation's share of the total (%); the rest of the attempt has the remainder.
    #[serde(default = "default_weight")]
    pub weight: f32,
}

fn default_weight() -> f32 {
    20.0
}
