//! The tissues a point can be in, with the colours used by every view of them.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Tissue {
    Air,
    Skin,
    Fat,
    Muscle,
    /// Cortical bone of the ilium, pubis and ischium.
    Cortex,
    /// Cancellous bone with red marrow, between the cortical tables.
    Marrow,
    /// Bone of the sacrum: any needle here has gone medial of the SI joint.
    Sacrum,
    /// Cartilage and ligament in the sacroiliac joint space.
    SiJoint,
    /// Fibrocartilage of the pubic symphysis.
    Symphysis,
    SciaticNerve,
    SuperiorGlutealArtery,
    /// Lateral femoral cutaneous nerve.
    Lfcn,
    /// Pelvic contents inside the inner table: iliacus, iliac vessels, bowel.
    PelvicCavity,
    /// The sacral canal's contents: dura and the cauda equina, behind the sacral bodies.
    SacralCanal,
}

impl Tissue {
    pub const ALL: [Tissue; 14] = [
        Tissue::Air,
        Tissue::Skin,
        Tissue::Fat,
        Tissue::Muscle,
        Tissue::Cortex,
        Tissue::Marrow,
        Tissue::Sacrum,
        Tissue::SiJoint,
        Tissue::Symphysis,
        Tissue::SciaticNerve,
        Tissue::SuperiorGlutealArtery,
        Tissue::Lfcn,
        Tissue::PelvicCavity,
        Tissue::SacralCanal,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Tissue::Air => "air",
            Tissue::Skin => "skin",
            Tissue::Fat => "subcutaneous fat",
            Tissue::Muscle => "muscle",
            Tissue::Cortex => "cortical bone",
            Tissue::Marrow => "marrow (cancellous bone)",
            Tissue::Sacrum => "sacrum",
            Tissue::SiJoint => "sacroiliac joint",
            Tissue::Symphysis => "pubic symphysis",
            Tissue::SciaticNerve => "sciatic nerve",
            Tissue::SuperiorGlutealArtery => "superior gluteal artery",
            Tissue::Lfcn => "lateral femoral cutaneous nerve",
            Tissue::PelvicCavity => "pelvic cavity",
            Tissue::SacralCanal => "sacral canal (cauda equina)",
        }
    }

    /// The identifier used in scene and attempt files.
    pub fn key(self) -> &'static str {
        match self {
            Tissue::Air => "air",
            Tissue::Skin => "skin",
            Tissue::Fat => "fat",
            Tissue::Muscle => "muscle",
            Tissue::Cortex => "cortex",
            Tissue::Marrow => "marrow",
            Tissue::Sacrum => "sacrum",
            Tissue::SiJoint => "si_joint",
            Tissue::Symphysis => "symphysis",
            Tissue::SciaticNerve => "sciatic_nerve",
            Tissue::SuperiorGlutealArtery => "superior_gluteal_artery",
            Tissue::Lfcn => "lfcn",
            Tissue::PelvicCavity => "pelvic_cavity",
            Tissue::SacralCanal => "sacral_canal",
        }
    }

    pub fn from_key(key: &str) -> Option<Tissue> {
        Tissue::ALL.into_iter().find(|t| t.key() == key)
    }

    /// sRGB colour for sections, legends and meshes; close to atlas conventions.
    pub fn colour(self) -> [u8; 3] {
        match self {
            Tissue::Air => [18, 20, 26],
            Tissue::Skin => [226, 176, 150],
            Tissue::Fat => [246, 222, 130],
            Tissue::Muscle => [178, 64, 64],
            Tissue::Cortex => [240, 236, 220],
            Tissue::Marrow => [196, 120, 92],
            Tissue::Sacrum => [208, 200, 170],
            Tissue::SiJoint => [120, 190, 220],
            Tissue::Symphysis => [150, 200, 230],
            Tissue::SciaticNerve => [250, 240, 90],
            Tissue::SuperiorGlutealArtery => [230, 30, 40],
            Tissue::Lfcn => [255, 200, 40],
            Tissue::PelvicCavity => [120, 90, 140],
            Tissue::SacralCanal => [240, 150, 200],
        }
    }

    pub fn is_bone(self) -> bool {
        matches!(self, Tissue::Cortex | Tissue::Marrow | Tissue::Sacrum)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_are_unique() {
        for t in Tissue::ALL {
            assert_eq!(Tissue::from_key(t.key()), Some(t));
        }
        let mut keys: Vec<_> = Tissue::ALL.iter().map(|t| t.key()).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), Tissue::ALL.len());
        assert_eq!(Tissue::from_key("bone"), None);
    }
}
