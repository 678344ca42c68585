//! Marking attempts against a scenario, and proving that a scenario can be passed.

pub mod admit;
pub mod anaesthesia;
pub mod aspiration;
mod components;
pub mod evaluation;
pub mod feasibility;
pub mod fluoroscopy;
pub mod preparation;
pub mod scoring;
pub mod success_map;
pub mod validity;
