//! Drawing one patient from the preset's published ranges, deterministically per seed.

use super::Instance;
use super::preset::{AnatomyPreset, Measure};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Values are drawn from a normal distribution truncated at ±2 SD; `None` gives the means.
pub fn draw(preset: &AnatomyPreset, seed: Option<u64>) -> Instance {
    let mut rng = seed.map(ChaCha8Rng::seed_from_u64);
    let mut pick = |m: &Measure| match rng.as_mut() {
        Some(r) => m.mean + m.sd * truncated_normal(r),
        None => m.mean,
    };
    let v = &preset.variation;
    Instance {
        inter_asis: pick(&v.inter_asis),
        pelvic_depth: pick(&v.pelvic_depth),
        height: pick(&v.height),
        tilt_deg: pick(&v.tilt_deg),
        bone_thickness: pick(&v.bone_thickness),
        soft_tissue: pick(&v.soft_tissue),
        cortex: pick(&preset.cortex),
        // Drawn last, so that adding it left every earlier draw of a seed as it was.
        innominate_rotation_deg: v.innominate_rotation_deg.as_ref().map_or(0.0, &mut pick),
    }
}

fn truncated_normal(rng: &mut ChaCha8Rng) -> f32 {
    loop {
        let u1: f32 = rng.random_range(f32::EPSILON..1.0);
        let u2: f32 = rng.random_range(0.0..1.0);
        let z = (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos();
        if z.abs() <= 2.0 {
            return z;
        }
    }
}
