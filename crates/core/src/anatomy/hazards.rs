//! Structures a needle must not reach, each its own shape.

use super::AnatomyError;
use super::pelvis::{Pelvis, TubeShape};
use super::preset::{AnatomyPreset, HazardPath};
use crate::geometry::sdf;
use glam::Vec3;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Hazard {
    SciaticNerve,
    SuperiorGlutealArtery,
    Lfcn,
    PelvicCavity,
    SiJoint,
    Sacrum,
}

impl Hazard {
    pub const ALL: [Hazard; 6] = [
        Hazard::SciaticNerve,
        Hazard::SuperiorGlutealArtery,
        Hazard::Lfcn,
        Hazard::PelvicCavity,
        Hazard::SiJoint,
        Hazard::Sacrum,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Hazard::SciaticNerve => "sciatic_nerve",
            Hazard::SuperiorGlutealArtery => "superior_gluteal_artery",
            Hazard::Lfcn => "lfcn",
            Hazard::PelvicCavity => "pelvic_cavity",
            Hazard::SiJoint => "si_joint",
            Hazard::Sacrum => "sacrum",
        }
    }

    pub fn from_key(key: &str) -> Option<Hazard> {
        Hazard::ALL.into_iter().find(|h| h.key() == key)
    }
}

#[derive(Clone, Debug)]
pub struct HazardSet {
    pub sciatic: TubeShape,
    pub artery: TubeShape,
    pub lfcn: TubeShape,
    cavity_centre: Vec3,
    cavity_radii: Vec3,
    foramen: Option<(Vec3, Vec3)>,
}

fn tube(
    path: &HazardPath,
    pelvis: &Pelvis,
    known: &BTreeMap<String, Vec3>,
    preset: &str,
) -> Result<TubeShape, AnatomyError> {
    let mut points = Vec::new();
    for a in &path.anchors {
        points.push(super::resolve(pelvis, known, a, preset)?);
    }
    let radii = vec![path.radius; points.len()];
    Ok(TubeShape::from_points(points, radii))
}

impl HazardSet {
    pub fn new(
        preset: &AnatomyPreset,
        pelvis: &Pelvis,
        known: &BTreeMap<String, Vec3>,
    ) -> Result<HazardSet, AnatomyError> {
        let h = &preset.hazards;
        Ok(HazardSet {
            sciatic: tube(&h.sciatic_nerve, pelvis, known, &preset.name)?,
            artery: tube(&h.superior_gluteal_artery, pelvis, known, &preset.name)?,
            lfcn: tube(&h.lfcn, pelvis, known, &preset.name)?,
            cavity_centre: Vec3::from(h.pelvic_cavity_centre),
            cavity_radii: Vec3::from(h.pelvic_cavity_radii),
            foramen: h
                .sciatic_foramen
                .as_ref()
                .map(|f| (Vec3::from(f.centre), Vec3::from(f.radii))),
        })
    }

    /// The sciatic nerve with the sacral plexus filling the greater sciatic foramen: a
    /// needle through the foramen meets it whatever the scene's margin.
    pub fn sciatic(&self, bones: f32, q: Vec3, cutoff: f32) -> f32 {
        let nerve = self.sciatic.sdf(q, cutoff);
        match self.foramen {
            Some((centre, radii)) => nerve.min(sdf::ellipsoid(q, centre, radii).max(-bones)),
            None => nerve,
        }
    }

    /// The pelvic cavity: inside the pelvic ellipsoid, outside bone, medial of the inner table.
    pub fn cavity(&self, bones: f32, inner_offset: f32, p: Vec3) -> f32 {
        let e = sdf::ellipsoid(p, self.cavity_centre, self.cavity_radii);
        e.max(-bones).max(inner_offset)
    }

    /// Signed distance in patient millimetres; `q` is a folded reference point.
    pub fn sdf(&self, hazard: Hazard, pelvis: &Pelvis, q: Vec3, scale: f32) -> f32 {
        let d = match hazard {
            Hazard::SciaticNerve => {
                let b = pelvis.sample(q);
                self.sciatic(b.hip_bone.min(b.sacrum), q, f32::INFINITY)
            }
            Hazard::SuperiorGlutealArtery => self.artery.sdf(q, f32::INFINITY),
            Hazard::Lfcn => self.lfcn.sdf(q, f32::INFINITY),
            Hazard::PelvicCavity => {
                let b = pelvis.sample(q);
                self.cavity(b.hip_bone.min(b.sacrum), b.inner_offset, q)
            }
            Hazard::SiJoint => pelvis.sample(q).si_joint,
            Hazard::Sacrum => pelvis.sample(q).sacrum,
        };
        d * scale
    }
}
