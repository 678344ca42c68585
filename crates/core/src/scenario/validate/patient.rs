//! The scene's patient: a preset that exists, a BMI and a size within the ranges the anatomy
//! is built for. Returns the patients built, for the site checks.

use super::Checker;
use crate::anatomy::{Anatomy, AnatomyPreset, Patient};
use crate::scenario::PatientSpec;
use crate::scenario::Scenario;
use crate::scenario::locate::Step;

/// Checks the patient block and returns an instance per preset for landmark checks.
pub(super) fn check_patient(c: &mut Checker, s: &Scenario) -> Vec<Anatomy> {
    use Step::*;
    let mut out = Vec::new();
    let mut build = |c: &mut Checker,
                     path: &[Step],
                     preset: &str,
                     sex: Option<crate::anatomy::Sex>,
                     bmi: f32,
                     scale: f32| match AnatomyPreset::named(preset) {
        Err(e) => c.err(path, e.to_string()),
        Ok(p) => {
            let patient = Patient {
                preset: preset.to_string(),
                sex: sex.unwrap_or(p.sex),
                bmi: bmi.clamp(12.0, 70.0),
                scale: scale.clamp(0.7, 1.3),
                seed: None,
            };
            match Anatomy::from_preset(p, &patient) {
                Ok(a) => out.push(a),
                Err(e) => c.err(path, e.to_string()),
            }
        }
    };
    match &s.patient {
        PatientSpec::Fixed {
            preset,
            sex,
            bmi,
            scale,
            ..
        } => {
            c.range(
                &[Field("patient"), Field("bmi")],
                "BMI",
                *bmi,
                12.0,
                70.0,
                "kg/m²",
            );
            c.range(
                &[Field("patient"), Field("scale")],
                "scale",
                *scale,
                0.7,
                1.3,
                "",
            );
            build(
                c,
                &[Field("patient"), Field("preset")],
                preset,
                *sex,
                *bmi,
                *scale,
            );
        }
        PatientSpec::Random {
            presets,
            bmi,
            scale,
        } => {
            if presets.is_empty() {
                c.err(
                    &[Field("patient"), Field("presets")],
                    "a random patient needs at least one preset",
                );
            }
            if presets.len() > 8 {
                c.err(&[Field("patient"), Field("presets")], "more than 8 presets");
            }
            if !(bmi.0 <= bmi.1 && bmi.0 >= 12.0 && bmi.1 <= 70.0) {
                c.err(
                    &[Field("patient"), Field("bmi")],
                    format!(
                        "BMI range ({}, {}) must be low ≤ high within 12–70",
                        bmi.0, bmi.1
                    ),
                );
            }
            if !(scale.0 <= scale.1 && scale.0 >= 0.7 && scale.1 <= 1.3) {
                c.err(
                    &[Field("patient"), Field("scale")],
                    format!(
                        "scale range ({}, {}) must be low ≤ high within 0.7–1.3",
                        scale.0, scale.1
                    ),
                );
            }
            for (i, p) in presets.iter().enumerate().take(8) {
                build(
                    c,
                    &[Field("patient"), Field("presets"), Index(i)],
                    p,
                    None,
                    bmi.0,
                    scale.0,
                );
            }
        }
    }
    out
}
