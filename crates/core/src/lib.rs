//! marrowsim's core: the anatomy, scenarios, needle, grading and records, with no Bevy.
//!
//! Deterministic for a given seed on any machine. The Bevy app shows it and feeds it input;
//! the command line runs it headless.

pub mod anaesthesia;
pub mod anatomy;
pub mod demo;
pub mod evaluation;
pub mod files;
pub mod geometry;
pub mod grading;
pub mod harvest;
pub mod needle;
pub mod preparation;
pub mod records;
pub mod scenario;
pub mod tissue;
pub mod words;
