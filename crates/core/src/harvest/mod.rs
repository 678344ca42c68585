//! The harvest after placement: what each pull of the syringe draws (nucleated cells,
//! progenitors, blood), and the concentrate that processing makes of it.
//!
//! The model and its calibration are in docs/harvest.md; its figures, each with its source,
//! are in `assets/harvest/yield.ron`.

pub mod model;
pub mod plan;
pub mod review;
