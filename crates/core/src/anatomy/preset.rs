//! Anatomy presets: the published figures and the reference shape of one adult pelvis,
//! read from `assets/anatomy/*.ron`.
//!
//! Geometry is given for the left side in the reference (mean) patient, in millimetres,
//! RAS axes (+x right, +y anterior, +z superior), origin midway between the ASISs.
//! The right side is the mirror image. Every figure that is not from
//! `shared/anatomy-reference.md` says `source: "estimate"`.

use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Sex {
    Male,
    Female,
}

/// A published (or estimated) figure: mean, standard deviation and where it comes from.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Measure {
    pub mean: f32,
    pub sd: f32,
    pub source: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AnatomyPreset {
    pub name: String,
    pub sex: Sex,
    pub reference: ReferenceLandmarks,
    pub variation: Variation,
    pub cortex: Measure,
    pub wing: WingShape,
    pub si_joint: SiJointShape,
    pub acetabulum: AcetabulumShape,
    pub sacrum: SacrumShape,
    pub pubis: PubisShape,
    pub ischium: IschiumShape,
    /// Named landmarks of the left side (mirrored for the right; `_left`/`_right` are added),
    /// and midline ones (x = 0, no suffix).
    pub landmarks: Vec<(String, Anchor)>,
    pub midline_landmarks: Vec<(String, [f32; 3])>,
    pub soft_tissue: SoftTissueShape,
    pub hazards: HazardShapes,
    /// Published figures the instance is checked against (reported by `marrowsim anatomy`).
    pub figures: Figures,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReferenceLandmarks {
    pub asis: [f32; 3],
    pub psis: [f32; 3],
    pub hip_centre: [f32; 3],
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Variation {
    pub inter_asis: Measure,
    /// Antero-posterior distance from the ASIS to the PSIS.
    pub pelvic_depth: Measure,
    /// Height scale, as a fraction (mean 1).
    pub height: Measure,
    /// ASIS–PSIS line against the horizontal.
    pub tilt_deg: Measure,
    /// Scale of the bone thickness map (mean 1).
    pub bone_thickness: Measure,
    pub soft_tissue: Measure,
    /// How much further the right innominate is rotated forward than the left (degrees,
    /// about a transverse axis through the SI joint). Presets written before it have none:
    /// their patients' sides are mirror images.
    #[serde(default)]
    pub innominate_rotation_deg: Option<Measure>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct WingShape {
    /// Outline of the wing in its own plane: u from the PSIS toward the ASIS, v up.
    pub outline: Vec<(f32, f32)>,
    pub edge_rounding: f32,
    pub base_half_thickness: f32,
    pub thin_spot: ThinSpot,
    /// (u, lateral half-thickness, medial half-thickness) along the PSIS→ASIS corridor.
    pub corridor: Vec<(f32, f32, f32)>,
    pub corridor_half_height: f32,
    /// (u, v of the crest top, half-thickness) along the iliac crest.
    pub crest: Vec<(f32, f32, f32)>,
    pub crest_depth: f32,
    pub buttress: Buttress,
    /// The iliac pillar: the thick column from the iliac tubercle down toward the acetabulum
    /// that an anterior harvest goes into. Presets written before it have none.
    #[serde(default)]
    pub pillar: Option<Buttress>,
    pub bend: Bend,
    pub anterior_flare: Flare,
}

/// Below the ASIS the anterior border turns medially toward the AIIS and the acetabulum:
/// the mid-surface moves `per_mm` mm medially per mm below v = 0, fading in from `from_u`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Flare {
    pub from_u: f32,
    pub per_mm: f32,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ThinSpot {
    pub centre: (f32, f32),
    pub radius: f32,
    pub half_thickness: f32,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Buttress {
    pub from: (f32, f32),
    pub to: (f32, f32),
    pub half_thickness: f32,
    pub width: f32,
}

/// Lateral bulge of the wing's mid-surface (the S-curve of the crest seen from above).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Bend {
    pub amplitude: f32,
    pub centre: f32,
    pub width: f32,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SiJointShape {
    /// Depth, straight in (anterior) from the PSIS, at which the joint plane is met.
    pub depth_from_psis: f32,
    /// Angle of the joint plane against the sagittal plane (opens anteriorly).
    pub angle_deg: f32,
    pub gap: f32,
    /// How far anterior along the joint the ilium is trimmed by it.
    pub extent: f32,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AcetabulumShape {
    pub radius: f32,
    pub wall: f32,
    /// Direction the cup opens toward (left side).
    pub opening: [f32; 3],
    pub rim_offset: f32,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SacrumShape {
    /// Centreline from the S1 body down to the coccyx tip.
    pub centreline: Vec<[f32; 3]>,
    pub half_width: Vec<f32>,
    pub half_depth: Vec<f32>,
    /// Pairs of dorsal foramina: (height z, lateral offset, radius).
    pub foramina: Vec<(f32, f32, f32)>,
    /// The sacral base. Presets written before it have none, and keep the swept box's rounded
    /// top (and a promontory 132 mm from the symphysis).
    #[serde(default)]
    pub base: Option<SacralBase>,
}

/// The top of the sacrum: the S1 endplate tilted at the sacral slope, the S1 body whose
/// front upper edge is the promontory, the alae a little below the endplate's plane, the
/// canal behind the bodies and the superior articular processes. The swept centreline above
/// gives the bodies below S1, the lateral masses and the dorsal surface; the base cuts its top.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SacralBase {
    /// The S1 endplate's front edge in the midline, (y, z), before its rounding.
    pub promontory: [f32; 2],
    /// The S1 endplate against the horizontal (the sacral slope), degrees.
    pub slope_deg: f32,
    /// The S1 body: half its width, its depth front to back, its height and its rounding.
    pub body_half_width: f32,
    pub body_depth: f32,
    pub body_height: f32,
    pub body_rounding: f32,
    /// How far the alae's upper surface lies below the endplate's plane.
    pub ala_drop: f32,
    /// The sacral canal, on the left of the midline (mirrored, the two tubes make its width).
    pub canal: Tube,
    /// The left superior articular process.
    pub articular_process: Ellipsoid,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Tube {
    pub points: Vec<[f32; 3]>,
    pub radii: Vec<f32>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PubisShape {
    pub body_centre: [f32; 3],
    pub body_half_size: [f32; 3],
    pub superior_ramus: Tube,
    pub inferior_ramus: Tube,
    pub symphysis_gap: f32,
    pub tubercle: [f32; 3],
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct IschiumShape {
    pub body: Tube,
    pub tuberosity_centre: [f32; 3],
    pub tuberosity_radii: [f32; 3],
    pub spine: Tube,
}

/// A point of the reference pelvis (left side): absolute, on the ilium wing, or a landmark.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Anchor {
    At([f32; 3]),
    /// (u, v) on the wing's mid-surface: a point of its outline lies on the bone's edge.
    Mid(f32, f32),
    /// A landmark named earlier in the preset's list (without the side suffix).
    Landmark(String),
    /// (u, v) in the wing plane, `offset` mm outside the lateral (outer) table.
    Outer(f32, f32, f32),
    /// (u, v) in the wing plane, `offset` mm outside the medial (inner) table.
    Inner(f32, f32, f32),
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct HazardPath {
    pub anchors: Vec<Anchor>,
    pub radius: f32,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct HazardShapes {
    pub sciatic_nerve: HazardPath,
    pub superior_gluteal_artery: HazardPath,
    pub lfcn: HazardPath,
    pub pelvic_cavity_centre: [f32; 3],
    pub pelvic_cavity_radii: [f32; 3],
    /// The greater sciatic foramen's contents (the sacral plexus and the gluteal vessels): an
    /// ellipsoid, outside bone, counted as the sciatic nerve. Presets written before it have
    /// none.
    #[serde(default)]
    pub sciatic_foramen: Option<Ellipsoid>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Ellipsoid {
    pub centre: [f32; 3],
    pub radii: [f32; 3],
}

/// Soft tissue thickness at one place, for a BMI of 25.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SoftAnchor {
    pub at: Anchor,
    pub fat: f32,
    pub muscle: f32,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SoftTissueShape {
    pub skin: f32,
    /// Fractional growth of fat per BMI point above 25.
    pub fat_per_bmi: f32,
    pub anchors: Vec<SoftAnchor>,
    pub background_fat: f32,
    pub background_muscle: f32,
    pub blend_radius: f32,
    /// Trunk and thighs that fill the body outline: ellipsoid centre and radii, thigh tubes.
    pub trunk_centre: [f32; 3],
    pub trunk_radii: [f32; 3],
    pub thigh: Tube,
    pub envelope_blend: f32,
    /// The dimple of Venus: the skin tethered to the PSIS. Presets written before it have none.
    #[serde(default)]
    pub dimple: Option<Dimple>,
    /// The natal cleft between the buttocks. Presets written before it have none.
    #[serde(default)]
    pub cleft: Option<Cleft>,
}

/// The natal (gluteal) cleft: a skin-lined groove on the back's midline, a wedge of
/// `half_angle_deg` whose floor lies `depth` mm under the skin at BMI 25 (deeper as the fat
/// grows). It begins `below_s2` mm below the dorsal S2 (the `sacrum_s2` landmark) and reaches
/// its depth over `ramp` mm.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Cleft {
    pub below_s2: f32,
    pub depth: f32,
    pub ramp: f32,
    pub half_angle_deg: f32,
}

/// A skin dimple over a landmark: the fat under it is thinner by `depth` mm on its axis (the
/// bone's normal there), fading as a Gaussian of `radius` mm, and fading with BMI from full
/// at `full_below_bmi` to none at `gone_at_bmi`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Dimple {
    pub at: Anchor,
    pub radius: f32,
    pub depth: f32,
    pub full_below_bmi: f32,
    pub gone_at_bmi: f32,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Figures {
    pub inter_asis: Measure,
    pub psis_table_width: Measure,
    pub marrow_run_psis_to_asis: Measure,
    pub narrowest_marrow_gap: Measure,
    pub notch_from_psis: Measure,
    pub si_joint_from_psis: Measure,
    pub straight_in_to_si_joint: Measure,
    pub soft_tissue_psis: Measure,
    pub soft_tissue_asis: Measure,
    pub asis_psis_tilt_deg: Measure,
}

#[derive(Debug, thiserror::Error)]
pub enum PresetError {
    #[error(transparent)]
    Read(#[from] crate::files::ReadError),
    #[error("{path}:{line}:{col}: {message}")]
    Parse {
        path: String,
        line: usize,
        col: usize,
        message: String,
    },
    #[error(
        "unknown anatomy preset '{0}' (known: adult_male, adult_female, or a path to a .ron file)"
    )]
    Unknown(String),
}

/// A preset file larger than this is refused (the shipped ones are about 10 KiB).
pub const MAX_FILE_BYTES: u64 = 256 * 1024;

const ADULT_MALE: &str = include_str!("../../../../assets/anatomy/adult_male.ron");
const ADULT_FEMALE: &str = include_str!("../../../../assets/anatomy/adult_female.ron");

impl AnatomyPreset {
    pub fn parse(text: &str, path: &str) -> Result<AnatomyPreset, PresetError> {
        if let Some((line, col, token)) = crate::scenario::locate::first_non_finite(text) {
            return Err(PresetError::Parse {
                path: path.to_string(),
                line,
                col,
                message: format!("{token} is not a finite number"),
            });
        }
        ron::Options::default()
            .with_recursion_limit(32)
            .from_str(text)
            .map_err(|e| PresetError::Parse {
                path: path.to_string(),
                line: e.span.start.line,
                col: e.span.start.col,
                message: e.code.to_string(),
            })
    }

    pub fn load(path: &Path) -> Result<AnatomyPreset, PresetError> {
        let text = crate::files::read_text(path, MAX_FILE_BYTES, "preset files")?;
        AnatomyPreset::parse(&text, &path.display().to_string())
    }

    /// A shipped preset by name (embedded in the binary), or a path to a preset file.
    pub fn named(name: &str) -> Result<AnatomyPreset, PresetError> {
        match name {
            "adult_male" => AnatomyPreset::parse(ADULT_MALE, "assets/anatomy/adult_male.ron"),
            "adult_female" => AnatomyPreset::parse(ADULT_FEMALE, "assets/anatomy/adult_female.ron"),
            other if other.ends_with(".ron") => AnatomyPreset::load(Path::new(other)),
            other => Err(PresetError::Unknown(other.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_presets_parse() {
        for name in ["adult_male", "adult_female"] {
            let p = AnatomyPreset::named(name).unwrap();
            assert_eq!(p.name, name);
        }
    }

    #[test]
    fn broken_preset_names_line_and_column() {
        let err = AnatomyPreset::parse("AnatomyPreset(\n  name: 3,\n)", "bad.ron").unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("bad.ron:2:"), "{msg}");
    }

    #[test]
    fn unknown_preset_is_an_error() {
        assert!(matches!(
            AnatomyPreset::named("adult_giraffe"),
            Err(PresetError::Unknown(_))
        ));
    }
}
