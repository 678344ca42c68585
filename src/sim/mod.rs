//! The Bevy-free core: anatomy, tissue and geometry. Deterministic for a given seed.

pub mod anatomy;
pub mod attempt;
pub mod feasibility;
pub mod history;
pub mod insertion;
pub mod mesh;
pub mod needle;
pub mod scenario;
pub mod scoring;
pub mod sdf;
pub mod section;
pub mod session;
pub mod tissue;
