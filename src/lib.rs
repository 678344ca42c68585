//! marrowsim: a simulator for practising bone marrow harvesting at the iliac crest.
//!
//! `sim` is the Bevy-free core; `app` is the Bevy front end; `cli` is the command line.

pub mod app;
pub mod cli;
pub mod sim;
