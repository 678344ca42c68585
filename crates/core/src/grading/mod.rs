//! Marking attempts against a scenario, and proving that a scenario can be passed.

pub mod admit;
mod components;
pub mod feasibility;
pub mod scoring;
pub mod validity;
