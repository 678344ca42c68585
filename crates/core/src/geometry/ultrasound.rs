//! A section drawn as B-mode ultrasound shows it (docs/technique.md): the beam enters at the
//! skin and runs along the section's x axis; each tissue returns its own echo, interfaces
//! are bright, bone's surface is brightest and casts an acoustic shadow, soft tissue is
//! speckled, and the signal fades with depth until nothing returns.

use super::section::Section;
use crate::tissue::Tissue;

/// Deeper than this below the skin nothing returns (mm): a 7–10 MHz linear probe sees about
/// 6 cm. Estimate.
pub const MAX_DEPTH_MM: f32 = 60.0;
/// Below bone's surface only this share of the echo comes back: the acoustic shadow.
pub const SHADOW: f32 = 0.06;
/// Speckle's grain (mm): it sticks to the tissue, not to the screen.
const GRAIN_MM: f32 = 0.8;

/// How much of the beam a tissue sends back (0 anechoic, 1 bone's surface). Estimates from
/// how B-mode images show them: fat dark with bright septa, muscle mid-grey, nerves a bright
/// honeycomb, vessels black.
pub fn echogenicity(t: Tissue) -> f32 {
    match t {
        Tissue::Air => 0.0,
        Tissue::Skin => 0.8,
        Tissue::Fat => 0.25,
        Tissue::Muscle => 0.45,
        Tissue::Cortex | Tissue::Sacrum => 1.0,
        Tissue::Marrow => 0.3,
        Tissue::SiJoint | Tissue::Symphysis => 0.35,
        Tissue::SciaticNerve | Tissue::Lfcn => 0.7,
        Tissue::SuperiorGlutealArtery => 0.02,
        Tissue::PelvicCavity => 0.15,
        Tissue::SacralCanal => 0.1,
    }
}

/// Brightness (0–255) of every pixel of `section`, row by row like its tissues.
pub fn b_mode(section: &Section) -> Vec<u8> {
    let (w, h) = (section.width, section.height);
    let mut out = vec![0u8; w * h];
    for row in 0..h {
        let mut skin_at = None;
        let mut shadowed = false;
        let mut previous = Tissue::Air;
        for col in 0..w {
            let t = section.at(col, row);
            if t != Tissue::Air && skin_at.is_none() {
                skin_at = Some(col);
            }
            let Some(skin) = skin_at else { continue };
            let depth = (col - skin) as f32 * section.mm_per_px;
            if depth > MAX_DEPTH_MM {
                break;
            }
            let surface = t.is_bone() && !previous.is_bone();
            let mut echo = echogenicity(t);
            if t != previous && !surface {
                echo = (echo + 0.35).min(1.0);
            }
            if shadowed && !surface {
                echo *= SHADOW;
            }
            if t.is_bone() {
                shadowed = true;
            }
            let grain = if surface {
                1.0
            } else {
                0.55 + 0.9 * speckle(section, col, row)
            };
            let fade = 1.0 - 0.55 * depth / MAX_DEPTH_MM;
            out[row * w + col] = (255.0 * (echo * grain * fade).clamp(0.0, 1.0)) as u8;
            previous = t;
        }
    }
    out
}

/// A deterministic grain in 0..1 for the tissue at a pixel, fixed to the patient's space.
fn speckle(section: &Section, col: usize, row: usize) -> f32 {
    let x = (col as f32 + 0.5 - section.width as f32 * 0.5) * section.mm_per_px;
    let y = (section.height as f32 * 0.5 - row as f32 - 0.5) * section.mm_per_px;
    let p = section.plane.point(x, y) / GRAIN_MM;
    let (a, b, c) = (
        p.x.floor() as i32 as u32,
        p.y.floor() as i32 as u32,
        p.z.floor() as i32 as u32,
    );
    let mut h =
        a.wrapping_mul(0x9E37_79B1) ^ b.wrapping_mul(0x85EB_CA77) ^ c.wrapping_mul(0xC2B2_AE3D);
    h ^= h >> 15;
    h = h.wrapping_mul(0x2C1B_3C6D);
    h ^= h >> 12;
    (h & 0xFFFF) as f32 / 65535.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::anatomy::{Anatomy, Patient, Sex};
    use crate::geometry::section::SectionPlane;

    /// Straight in over the PSIS: skin, fat, muscle, then the cortex, and darkness under it.
    fn psis_section() -> Section {
        let a = Anatomy::build(&Patient::average("adult_male", Sex::Male)).unwrap();
        let psis = a.landmark("psis_left").unwrap();
        let n = a.bone_normal(psis);
        let skin = a.raycast_skin(psis + n * 100.0, -n, 200.0).unwrap();
        let mut plane = SectionPlane::along(skin, psis, glam::Vec3::Z);
        plane.origin = skin - n * 30.0;
        Section::sample(&a, plane, 100, 40, 0.8)
    }

    #[test]
    fn bone_is_bright_and_shadows_what_lies_beneath() {
        let s = psis_section();
        let img = b_mode(&s);
        let row = s.height / 2;
        let cortex = (0..s.width)
            .find(|&c| s.at(c, row) == Tissue::Cortex)
            .expect("the beam meets the cortex");
        let at = |c: usize| img[row * s.width + c];
        assert!(at(cortex) > 200, "bone's surface is bright: {}", at(cortex));
        let beneath: Vec<u8> = (cortex + 4..cortex + 14).map(at).collect();
        assert!(beneath.iter().all(|&v| v < 30), "shadow {beneath:?}");
        let soft: u32 = (cortex - 12..cortex - 2).map(|c| u32::from(at(c))).sum();
        assert!(soft / 10 > 40, "soft tissue above it shows: {}", soft / 10);
    }

    #[test]
    fn nothing_returns_from_beyond_the_probes_depth_and_air_is_black() {
        let s = psis_section();
        let img = b_mode(&s);
        for row in 0..s.height {
            let skin = (0..s.width).find(|&c| s.at(c, row) != Tissue::Air);
            if let Some(skin) = skin {
                assert!((0..skin).all(|c| img[row * s.width + c] == 0));
                let beyond = skin + (MAX_DEPTH_MM / s.mm_per_px) as usize + 1;
                assert!((beyond..s.width).all(|c| img[row * s.width + c] == 0));
            }
        }
    }

    #[test]
    fn the_speckle_is_the_same_each_time() {
        let (a, b) = (b_mode(&psis_section()), b_mode(&psis_section()));
        assert_eq!(a, b);
        let distinct: std::collections::BTreeSet<u8> = a.iter().copied().collect();
        assert!(distinct.len() > 30, "speckle varies the grey levels");
    }
}
