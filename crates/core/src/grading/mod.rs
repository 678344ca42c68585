//! Marking attempts against a scenario, and proving that a scenario can be passed.

mod components;
pub mod feasibility;
pub mod scoring;
