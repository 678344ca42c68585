//! Helpers the whole-harvest tests share: the full harvest scene and feasibility's best
//! attempt on it, with every phase done as the standard says.

use marrowsim_core::anatomy::Anatomy;
use marrowsim_core::grading::feasibility;
use marrowsim_core::grading::scoring::{Component, Score};
use marrowsim_core::records::attempt::Attempt;
use marrowsim_core::scenario::Scenario;
use std::path::PathBuf;

/// A path from the workspace root (tests run in their crate's folder).
pub fn ws(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

/// `scenes/bmac_full.ron`: every phase.
pub fn scene() -> Scenario {
    Scenario::load(&ws("scenes/bmac_full.ron")).expect("scene")
}

/// Feasibility's best attempt on `scene`, with its patient's anatomy.
pub fn best(scene: &Scenario) -> (Anatomy, Attempt) {
    let f = feasibility::run(scene, 0, 300, 7).expect("feasibility runs");
    let a = f.best_attempt.expect("the scene can be passed");
    (Anatomy::build(&a.patient).unwrap(), a)
}

pub fn component<'a>(s: &'a Score, key: &str) -> &'a Component {
    s.components
        .iter()
        .find(|c| c.key == key)
        .unwrap_or_else(|| panic!("no {key}"))
}
