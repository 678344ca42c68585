//! The harvest after placement: what each pull of the syringe draws (nucleated cells,
//! progenitors, blood), and the concentrate that processing makes of it.
//!
//! The model and its calibration are in docs/harvest.md; its figures, each with its source,
//! are in `assets/harvest/yield.ron`.

pub mod model;
pub mod plan;
pub mod review;

use crate::scenario::locate::{Step, locate};

/// An error in a harvest file (a yield model or a plan), at its line and column.
#[derive(Debug, thiserror::Error)]
#[error("{path}:{line}:{col}: {message}")]
pub struct FileError {
    pub path: String,
    pub line: usize,
    pub col: usize,
    pub message: String,
}

impl FileError {
    fn at(path: &str, (line, col): (usize, usize), message: String) -> FileError {
        FileError {
            path: path.to_string(),
            line,
            col,
            message,
        }
    }
}

/// The text of a harvest file, read through the bounded reader.
fn read(path: &std::path::Path, limit: u64, what: &'static str) -> Result<String, FileError> {
    crate::files::read_text(path, limit, what).map_err(|e| {
        let at = e.position().unwrap_or((1, 1));
        FileError::at(&path.display().to_string(), at, e.reason())
    })
}

/// RON text as a `T` of format `version`: no number that is not finite, and a `version`
/// field this build reads.
fn parse_versioned<T: serde::de::DeserializeOwned>(
    text: &str,
    path: &str,
    version: u32,
    version_of: fn(&T) -> u32,
) -> Result<T, FileError> {
    if let Some((line, col, token)) = crate::scenario::locate::first_non_finite(text) {
        return Err(FileError::at(
            path,
            (line, col),
            format!("{token} is not a finite number"),
        ));
    }
    let value: T = ron::Options::default()
        .with_recursion_limit(16)
        .from_str(text)
        .map_err(|e| {
            FileError::at(
                path,
                (e.span.start.line, e.span.start.col),
                e.code.to_string(),
            )
        })?;
    let v = version_of(&value);
    if v != version {
        return Err(FileError::at(
            path,
            locate(text, &[Step::Field("version")]),
            format!("version {v} is not known (this build reads version {version})"),
        ));
    }
    Ok(value)
}
