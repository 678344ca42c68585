//! Local anaesthesia before the trocar: deposits of lidocaine from a thin needle, the sphere
//! each one numbs once its onset has passed, and the weight-based maximum dose. The figures,
//! each with its source, are in `assets/harvest/anaesthesia.ron`.

use crate::anatomy::{Patient, Sex};
use glam::Vec3;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

const SHIPPED: &str = include_str!("../../../assets/harvest/anaesthesia.ron");

/// A figure and where it comes from.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Figure {
    pub value: f32,
    pub source: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Model {
    pub version: u32,
    pub mg_per_ml: Figure,
    pub max_mg_per_kg: Figure,
    pub max_mg: Figure,
    pub onset_s: Figure,
    pub duration_s: Figure,
    pub standard_ml: Figure,
    pub spread: Figure,
    pub stature_male_m: Figure,
    pub stature_female_m: Figure,
}

/// The shipped model (checked by a unit test).
pub fn model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| shipped(SHIPPED, "anaesthesia.ron"))
}

/// A figures file built into the binary; a unit test of each reads it, so it cannot fail
/// in a release.
pub(crate) fn shipped<T: serde::de::DeserializeOwned>(text: &str, name: &str) -> T {
    ron::from_str(text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Lidocaine left in the tissue: when, where and how much.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deposit {
    pub t: f32,
    pub at: (f32, f32, f32),
    pub ml: f32,
}

/// Whether a point is numb at a time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Cover {
    Numb,
    /// Lidocaine reaches it, but its onset has not passed (seconds still to wait).
    NotYet(f32),
    /// No deposit reaches it, or the last one has worn off.
    None,
}

impl Model {
    /// How far a deposit of `ml` numbs around it (mm).
    pub fn radius_mm(&self, ml: f32) -> f32 {
        (3.0 * ml.max(0.0) * 1000.0 * self.spread.value / (4.0 * std::f32::consts::PI)).cbrt()
    }

    pub fn cover(&self, deposits: &[Deposit], p: Vec3, t: f32) -> Cover {
        let mut wait = f32::INFINITY;
        for d in deposits {
            if (Vec3::from(d.at) - p).length() > self.radius_mm(d.ml) || t < d.t {
                continue;
            }
            let since = t - d.t;
            if since > self.duration_s.value {
                continue;
            }
            if since >= self.onset_s.value {
                return Cover::Numb;
            }
            wait = wait.min(self.onset_s.value - since);
        }
        if wait.is_finite() {
            Cover::NotYet(wait)
        } else {
            Cover::None
        }
    }

    /// The patient's weight from the BMI and a mean stature scaled with the patient (kg).
    pub fn weight_kg(&self, patient: &Patient) -> f32 {
        let stature = match patient.sex {
            Sex::Male => self.stature_male_m.value,
            Sex::Female => self.stature_female_m.value,
        } * patient.scale;
        patient.bmi * stature * stature
    }

    /// The most lidocaine this patient may have (mg).
    pub fn max_dose_mg(&self, patient: &Patient) -> f32 {
        (self.max_mg_per_kg.value * self.weight_kg(patient)).min(self.max_mg.value)
    }

    pub fn dose_mg(&self, deposits: &[Deposit]) -> f32 {
        // An empty sum is -0.0; adding 0.0 makes it the 0 a reader expects.
        (deposits.iter().map(|d| d.ml).sum::<f32>() + 0.0) * self.mg_per_ml.value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_model_reads_and_names_its_sources() {
        let m = model();
        assert_eq!(m.version, 1);
        for f in [
            &m.mg_per_ml,
            &m.max_mg_per_kg,
            &m.max_mg,
            &m.onset_s,
            &m.duration_s,
            &m.standard_ml,
            &m.spread,
        ] {
            assert!(!f.source.is_empty());
        }
        assert!((m.radius_mm(1.0) - 7.8).abs() < 0.1, "{}", m.radius_mm(1.0));
    }

    #[test]
    fn a_deposit_numbs_its_sphere_after_the_onset_and_wears_off() {
        let m = model();
        let d = [Deposit {
            t: 10.0,
            at: (0.0, 0.0, 0.0),
            ml: 1.0,
        }];
        let near = Vec3::new(5.0, 0.0, 0.0);
        assert_eq!(m.cover(&d, near, 5.0), Cover::None, "before it");
        assert!(matches!(m.cover(&d, near, 70.0), Cover::NotYet(w) if (w - 60.0).abs() < 1e-3));
        assert_eq!(m.cover(&d, near, 130.0), Cover::Numb);
        assert_eq!(m.cover(&d, Vec3::new(9.0, 0.0, 0.0), 130.0), Cover::None);
        assert_eq!(m.cover(&d, near, 10.0 + 1801.0), Cover::None);
    }

    #[test]
    fn the_maximum_dose_follows_the_weight_and_the_cap() {
        let m = model();
        let man = Patient::average("adult_male", Sex::Male);
        let w = m.weight_kg(&man);
        assert!((w - 25.0 * 1.76 * 1.76).abs() < 0.1, "{w}");
        assert_eq!(
            m.max_dose_mg(&man),
            300.0,
            "4 mg/kg of 77 kg is capped at 300 mg"
        );
        let small = Patient {
            bmi: 19.0,
            scale: 0.9,
            ..Patient::average("adult_female", Sex::Female)
        };
        let max = m.max_dose_mg(&small);
        assert!(
            (max - 4.0 * 19.0 * (1.63f32 * 0.9).powi(2)).abs() < 0.5,
            "{max}"
        );
        assert!(max < 200.0);
    }
}
