//! Scenario files: who the patient is, where the needle should go, what must be avoided,
//! and how the attempt is marked. Zones are relative to landmarks, so they follow every patient.

pub(crate) mod locate;
mod validate;

use crate::anatomy::{Hazard, Patient, Sex};
use crate::tissue::Tissue;
use locate::Step;
use serde::{Deserialize, Serialize};
use std::path::Path;

pub use validate::{MAX_FILE_BYTES, MAX_HAZARDS, MAX_SITES};

/// The scenario format this build reads.
pub const VERSION: u32 = 7;
/// Scenes written before the aspiration phase (version 1) still load as placement-only scenes,
/// those written before the choice of guidance (version 2) as landmark-guided ones, and those
/// written before the evaluation (version 3) as scenes without a case, and those written before
/// the preparation checklist (version 4) as scenes without one, and those written before the
/// expert's attempt (version 5) as scenes whose demonstration uses feasibility's best, and
/// those written before fluoroscopy (version 6) without it.
pub const OLDEST_VERSION: u32 = 1;

/// The standard PSIS harvest scene, built into the binary.
pub const DEFAULT_SCENE_TEXT: &str = include_str!("../../../../scenes/psis_standard.ron");
/// Where the default scene lives in a checkout; opened from there when present, so it can be
/// edited and reloaded.
pub const DEFAULT_SCENE_PATH: &str = "scenes/psis_standard.ron";

/// The scene opened with no argument: the standard PSIS harvest, built into the binary.
pub fn default_scenario() -> Scenario {
    Scenario::parse(DEFAULT_SCENE_TEXT, DEFAULT_SCENE_PATH)
        .unwrap_or_else(|errors| panic!("the embedded default scene is invalid: {errors:?}"))
}

/// Every error on a line of its own, `file:line:col: message`.
pub fn errors_text(errors: &[ScenarioError]) -> String {
    errors
        .iter()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub version: u32,
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub instructions: Vec<String>,
    pub patient: PatientSpec,
    pub position: Position,
    pub side: Side,
    pub approach: Approach,
    #[serde(default)]
    pub needle: NeedleSpec,
    pub sites: Vec<Site>,
    #[serde(default)]
    pub weights: Weights,
    #[serde(default = "default_pass_mark")]
    pub pass_mark: f32,
    /// Seconds; `None` for no limit.
    #[serde(default)]
    pub time_limit_s: Option<f32>,
    #[serde(default)]
    pub mode: Mode,
    /// After the placement, aspirate marrow with a syringe (version 2). `None`: placement only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aspiration: Option<AspirationSpec>,
    /// What the trainee may see of the inside (version 3); landmarks only when absent.
    #[serde(default, skip_serializing_if = "Guidance::is_landmarks")]
    pub guidance: Guidance,
    /// Before the needle, a case to evaluate and a plan to make (version 4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluation: Option<crate::evaluation::EvaluationSpec>,
    /// Before the trocar, local anaesthesia with a thin needle (version 4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anaesthesia: Option<AnaesthesiaSpec>,
    /// Before any needle, the checklist, the skin antisepsis and the mark (version 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preparation: Option<PreparationSpec>,
    /// An expert's attempt for the demonstration (`marrowsim demo`), a file relative to the
    /// scene's folder (version 6); without it, feasibility's best attempt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expert: Option<String>,
    /// The C-arm's views and what a shot costs, for `guidance: Fluoroscopy` (version 7);
    /// without it, the default views and dose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fluoroscopy: Option<FluoroscopySpec>,
}

/// The C-arm for fluoroscopic guidance: the views it offers and the dose's share of the score.
/// A shot costs nothing up to `free_shots`; the share then falls to nothing at twice as many,
/// and no shot is taken past `max_shots` (the app refuses it, and `score` refuses an attempt
/// that has one).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FluoroscopySpec {
    #[serde(default = "default_views")]
    pub views: Vec<CArmView>,
    /// Shots an expert needs: the entry, the trajectory in two views, the depth, and a spare.
    #[serde(default = "default_free_shots")]
    pub free_shots: u32,
    #[serde(default = "default_max_shots")]
    pub max_shots: u32,
    /// The dose's share of the total (%); the rest of the attempt has the remainder.
    #[serde(default = "default_dose_weight")]
    pub weight: f32,
}

impl Default for FluoroscopySpec {
    fn default() -> Self {
        FluoroscopySpec {
            views: default_views(),
            free_shots: default_free_shots(),
            max_shots: default_max_shots(),
            weight: default_dose_weight(),
        }
    }
}

/// One position of the C-arm: the beam front to back (AP) turned `orbit_deg` about the body's
/// long axis toward the scene's side and tilted `tilt_deg` toward the feet (negative: toward
/// the head).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CArmView {
    pub name: String,
    #[serde(default)]
    pub orbit_deg: f32,
    #[serde(default)]
    pub tilt_deg: f32,
}

impl CArmView {
    /// The detector for this view on `anatomy`, its orbit turned toward `side`.
    pub fn projection(
        &self,
        anatomy: &crate::anatomy::Anatomy,
        side: Side,
        size: usize,
    ) -> crate::geometry::radiograph::Projection {
        let orbit = match side {
            Side::Right => -self.orbit_deg,
            Side::Left | Side::Both => self.orbit_deg,
        };
        crate::geometry::radiograph::Projection::c_arm(anatomy, orbit, self.tilt_deg, size, size)
    }
}

fn default_views() -> Vec<CArmView> {
    let view = |name: &str, orbit_deg: f32, tilt_deg: f32| CArmView {
        name: name.into(),
        orbit_deg,
        tilt_deg,
    };
    // AP; the obturator outlet ("teardrop") view, which shows the column of bone between the
    // iliac tables end on with the needle inside it; and the inlet view, which shows the
    // tables' spread. The orbit turns toward the scene's side.
    vec![
        view("AP", 0.0, 0.0),
        view("obturator outlet (teardrop)", 30.0, -30.0),
        view("inlet", 0.0, 40.0),
    ]
}

fn default_free_shots() -> u32 {
    6
}

fn default_max_shots() -> u32 {
    30
}

fn default_dose_weight() -> f32 {
    10.0
}

/// The preparation phase: its share of the total. Its figures are in
/// `assets/harvest/preparation.ron`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreparationSpec {
    /// The preparation's share of the total (%); the rest of the attempt has the remainder.
    #[serde(default = "default_preparation_weight")]
    pub weight: f32,
}

fn default_preparation_weight() -> f32 {
    10.0
}

/// The local anaesthesia phase: its share of the total. The drug's figures are in
/// `assets/harvest/anaesthesia.ron`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnaesthesiaSpec {
    /// The anaesthesia's share of the total (%); the rest of the attempt has the remainder.
    #[serde(default = "default_anaesthesia_weight")]
    pub weight: f32,
}

fn default_anaesthesia_weight() -> f32 {
    15.0
}

/// What guides the needle besides the trainee's hands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Guidance {
    /// No imaging: the landmarks are found by feel. In assessment the live section and the
    /// labels are hidden.
    #[default]
    Landmarks,
    /// The live section in the needle's plane, drawn as B-mode ultrasound shows it, in
    /// practice and in assessment.
    Ultrasound,
    /// X-ray shots on demand from the scene's C-arm views (version 7), each one counted. The
    /// live section and the labels are hidden in assessment, as with landmarks.
    Fluoroscopy,
}

impl Guidance {
    fn is_landmarks(&self) -> bool {
        *self == Guidance::Landmarks
    }
}

impl Scenario {
    /// The scene's guidance; landmarks when it names none.
    pub fn guidance(&self) -> Guidance {
        self.guidance
    }

    /// The C-arm, when the scene is guided by fluoroscopy: its own, or the default one.
    pub fn c_arm(&self) -> Option<FluoroscopySpec> {
        (self.guidance == Guidance::Fluoroscopy)
            .then(|| self.fluoroscopy.clone().unwrap_or_default())
    }
}

/// The aspiration phase: the syringe, what the harvest must reach, and its share of the total.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AspirationSpec {
    /// No pull may be larger (mL).
    #[serde(default = "default_syringe_ml")]
    pub syringe_ml: f32,
    /// The volume the indication needs (mL); a quarter short of it fails the harvest.
    pub target_ml: f32,
    /// Progenitors per mL of concentrate the graft must hold; `None` takes the yield model's
    /// threshold (Hernigou 2005: 1,500).
    #[serde(default)]
    pub min_progenitors_per_ml: Option<f32>,
    /// The harvest's share of the total (%); the placement has the rest.
    #[serde(default = "default_aspiration_weight")]
    pub weight: f32,
}

fn default_syringe_ml() -> f32 {
    10.0
}

fn default_aspiration_weight() -> f32 {
    40.0
}

fn default_pass_mark() -> f32 {
    70.0
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum PatientSpec {
    /// One patient: the same every time.
    Fixed {
        preset: String,
        #[serde(default)]
        sex: Option<Sex>,
        #[serde(default = "default_bmi")]
        bmi: f32,
        #[serde(default = "one")]
        scale: f32,
        #[serde(default)]
        seed: Option<u64>,
    },
    /// A new patient for each attempt, drawn from these presets and ranges.
    Random {
        presets: Vec<String>,
        bmi: (f32, f32),
        #[serde(default = "default_scale_range")]
        scale: (f32, f32),
    },
}

fn default_bmi() -> f32 {
    25.0
}
fn one() -> f32 {
    1.0
}
fn default_scale_range() -> (f32, f32) {
    (0.95, 1.05)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Position {
    Prone,
    LateralDecubitus,
    Supine,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Side {
    Left,
    Right,
    Both,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Approach {
    /// Through the PSIS, between the tables toward the ASIS.
    PosteriorIliacCrest,
    /// Into the anterior iliac crest, behind the ASIS.
    AnteriorIliacCrest,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NeedleSpec {
    /// 11 or 8 gauge Jamshidi-type trocar.
    pub gauge: u8,
    pub length_mm: f32,
}

impl Default for NeedleSpec {
    fn default() -> Self {
        NeedleSpec {
            gauge: 11,
            length_mm: 100.0,
        }
    }
}

impl NeedleSpec {
    /// Outer diameter of the cannula (mm).
    pub fn outer_diameter(&self) -> f32 {
        match self.gauge {
            8 => 4.19,
            _ => 3.05,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Site {
    pub name: String,
    pub entry: EntryZone,
    pub trajectory: TrajectoryZone,
    pub depth: DepthZone,
    #[serde(default)]
    pub hazards: Vec<HazardRule>,
}

/// Where the needle should meet the bone: within `radius` of the landmark plus `offset`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntryZone {
    pub landmark: String,
    /// RAS millimetres added to the landmark.
    #[serde(default)]
    pub offset: (f32, f32, f32),
    pub radius: f32,
}

/// The needle should point from the entry zone toward `toward`, within `tolerance_deg`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrajectoryZone {
    pub toward: String,
    pub tolerance_deg: f32,
}

/// The tip should end in `tissue`, between `min_mm` and `max_mm` past the cortex.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DepthZone {
    #[serde(default = "marrow_key")]
    pub tissue: String,
    pub min_mm: f32,
    pub max_mm: f32,
}

fn marrow_key() -> String {
    "marrow".into()
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Consequence {
    /// Reaching the structure fails the attempt as unsafe.
    Fail,
    /// Reaching it costs this many points.
    Penalty(f32),
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HazardRule {
    /// A hazard key: sciatic_nerve, superior_gluteal_artery, lfcn, pelvic_cavity, si_joint, sacrum.
    pub structure: String,
    /// Closest approach (mm) below which points are lost.
    pub margin_mm: f32,
    pub on_contact: Consequence,
}

/// Relative weights of the marked parts; they are scaled to total 100.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Weights {
    pub entry: f32,
    pub angle: f32,
    pub depth: f32,
    pub safety: f32,
    pub technique: f32,
    pub time: f32,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            entry: 20.0,
            angle: 20.0,
            depth: 25.0,
            safety: 20.0,
            technique: 10.0,
            time: 5.0,
        }
    }
}

impl Weights {
    pub fn total(&self) -> f32 {
        self.entry + self.angle + self.depth + self.safety + self.technique + self.time
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Mode {
    /// Guides shown: entry zone, aim line, depth window, hazards.
    #[default]
    Practice,
    /// No guides, opaque skin, a running timer.
    Assessment,
}

/// A scenario file that failed to load: every problem, each with its place in the file.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioError {
    pub file: String,
    pub line: usize,
    pub col: usize,
    pub message: String,
}

impl std::fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            // Not about a place in the text: the file could not be read at all.
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(
                f,
                "{}:{}:{}: {}",
                self.file, self.line, self.col, self.message
            )
        }
    }
}

impl std::error::Error for ScenarioError {}

/// The resolved parts of one site for one patient.
#[derive(Clone, Copy, Debug)]
pub struct ResolvedSite {
    pub entry_centre: glam::Vec3,
    pub entry_radius: f32,
    pub aim: glam::Vec3,
    pub aim_point: glam::Vec3,
    pub tolerance_deg: f32,
    pub tissue: Tissue,
    pub min_mm: f32,
    pub max_mm: f32,
}

impl ResolvedSite {
    /// The ideal track: from the skin over the entry zone's centre, along the aim, to the far
    /// end of the depth window past the cortex.
    pub fn ideal_track(&self, anatomy: &crate::anatomy::Anatomy) -> (glam::Vec3, glam::Vec3) {
        let skin = anatomy
            .raycast_skin(self.entry_centre - self.aim * 150.0, self.aim, 300.0)
            .unwrap_or(self.entry_centre - self.aim * 20.0);
        let end = self.entry_centre + self.aim * (anatomy.cortex_thickness() + self.max_mm);
        (skin, end)
    }
}

impl Scenario {
    /// Reads and validates a scenario file.
    pub fn load(path: &Path) -> Result<Scenario, Vec<ScenarioError>> {
        let file = path.display().to_string();
        let text = crate::files::read_text(path, MAX_FILE_BYTES as u64, "scenario files").map_err(
            |e| {
                let (line, col) = e.position().unwrap_or((0, 0));
                vec![ScenarioError {
                    file: file.clone(),
                    line,
                    col,
                    message: e.reason(),
                }]
            },
        )?;
        Scenario::parse(&text, &file)
    }

    /// The scene as RON that `parse` reads back to the same scene.
    pub fn to_ron(&self) -> Result<String, ron::Error> {
        ron::ser::to_string_pretty(self, ron::ser::PrettyConfig::new().struct_names(true))
    }

    /// Parses and validates scenario text; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Scenario, Vec<ScenarioError>> {
        validate::parse(text, file)
    }

    /// The patient for one attempt; a random scenario draws one from `seed`.
    pub fn patient(&self, seed: u64) -> Patient {
        use rand::{RngExt, SeedableRng};
        match &self.patient {
            PatientSpec::Fixed {
                preset,
                sex,
                bmi,
                scale,
                seed,
            } => Patient {
                preset: preset.clone(),
                sex: sex.unwrap_or_else(|| preset_sex(preset)),
                bmi: *bmi,
                scale: *scale,
                seed: *seed,
            },
            PatientSpec::Random {
                presets,
                bmi,
                scale,
            } => {
                let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
                let preset = presets[rng.random_range(0..presets.len())].clone();
                Patient {
                    sex: preset_sex(&preset),
                    preset,
                    bmi: rng.random_range(bmi.0..=bmi.1),
                    scale: rng.random_range(scale.0..=scale.1),
                    seed: Some(rng.random()),
                }
            }
        }
    }

    /// A different patient for the same scene ("new patient"): a random scene draws again, a
    /// fixed one keeps its preset, sex, BMI and size and varies the anatomy with `draw`.
    pub fn another_patient(&self, draw: u64) -> Patient {
        match &self.patient {
            PatientSpec::Fixed { .. } => Patient {
                seed: Some(draw),
                ..self.patient(0)
            },
            PatientSpec::Random { .. } => self.patient(draw),
        }
    }

    /// Places a site's zones on one patient.
    pub fn resolve(&self, site: usize, anatomy: &crate::anatomy::Anatomy) -> Option<ResolvedSite> {
        let s = self.sites.get(site)?;
        let centre = anatomy.landmark(&s.entry.landmark)?
            + glam::Vec3::new(s.entry.offset.0, s.entry.offset.1, s.entry.offset.2);
        let aim_point = anatomy.landmark(&s.trajectory.toward)?;
        Some(ResolvedSite {
            entry_centre: centre,
            entry_radius: s.entry.radius,
            aim: (aim_point - centre).normalize_or(glam::Vec3::Y),
            aim_point,
            tolerance_deg: s.trajectory.tolerance_deg,
            tissue: Tissue::from_key(&s.depth.tissue)?,
            min_mm: s.depth.min_mm,
            max_mm: s.depth.max_mm,
        })
    }

    pub fn hazard_rules(&self, site: usize) -> Vec<(Hazard, f32, Consequence)> {
        self.sites
            .get(site)
            .map(|s| {
                s.hazards
                    .iter()
                    .filter_map(|h| {
                        Some((Hazard::from_key(&h.structure)?, h.margin_mm, h.on_contact))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The sex a shipped preset is built for (custom presets say it in the file).
pub fn preset_sex(preset: &str) -> Sex {
    crate::anatomy::AnatomyPreset::named(preset)
        .map(|p| p.sex)
        .unwrap_or(if preset.contains("female") {
            Sex::Female
        } else {
            Sex::Male
        })
}

pub(crate) fn field(name: &'static str) -> Step {
    Step::Field(name)
}
