//! The Bevy-free core: anatomy, tissue and geometry. Deterministic for a given seed.

pub mod anatomy;
pub mod mesh;
pub mod sdf;
pub mod section;
pub mod tissue;
