//! The attempt record: the needle's timeline per site, saved as RON.

use crate::sim::anatomy::Patient;
use crate::sim::needle::{Event, Sample};
use serde::{Deserialize, Serialize};
use std::path::Path;

pub const VERSION: u32 = 1;
/// An attempt file larger than this is refused (a day of samples at 60 Hz is far less).
pub const MAX_FILE_BYTES: u64 = 32 * 1024 * 1024;

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attempt {
    pub version: u32,
    /// Title of the scenario it was made in (for the reader).
    #[serde(default)]
    pub scene: String,
    pub patient: Patient,
    pub sites: Vec<SiteAttempt>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteAttempt {
    pub site: usize,
    pub timeline: Vec<Sample>,
    /// Written for the reader; scoring recomputes them from the timeline.
    #[serde(default)]
    pub events: Vec<Event>,
}

#[derive(Debug, thiserror::Error)]
pub enum AttemptError {
    #[error("{0}: cannot read: {1}")]
    Io(String, std::io::Error),
    #[error("{0}: {1} bytes is larger than the {MAX_FILE_BYTES}-byte limit for attempt files")]
    TooLarge(String, u64),
    #[error("{file}:{line}:{col}: {message}")]
    Parse {
        file: String,
        line: usize,
        col: usize,
        message: String,
    },
    #[error("{0}: unknown attempt version {1}: this marrowsim reads version {VERSION}")]
    Version(String, u32),
    #[error("{0}: {1}")]
    Invalid(String, String),
}

impl Attempt {
    pub fn load(path: &Path) -> Result<Attempt, AttemptError> {
        let file = path.display().to_string();
        let meta = std::fs::metadata(path).map_err(|e| AttemptError::Io(file.clone(), e))?;
        if meta.len() > MAX_FILE_BYTES {
            return Err(AttemptError::TooLarge(file, meta.len()));
        }
        let text = std::fs::read_to_string(path).map_err(|e| AttemptError::Io(file.clone(), e))?;
        Attempt::parse(&text, &file)
    }

    pub fn parse(text: &str, file: &str) -> Result<Attempt, AttemptError> {
        let a: Attempt = ron::Options::default()
            .with_recursion_limit(32)
            .from_str(text)
            .map_err(|e| AttemptError::Parse {
                file: file.to_string(),
                line: e.span.start.line,
                col: e.span.start.col,
                message: e.code.to_string(),
            })?;
        if a.version != VERSION {
            return Err(AttemptError::Version(file.to_string(), a.version));
        }
        for s in &a.sites {
            for w in s.timeline.windows(2) {
                if w[1].t < w[0].t || w[1].t.is_nan() {
                    return Err(AttemptError::Invalid(
                        file.into(),
                        format!("site {}: time goes backwards at t = {}", s.site, w[1].t),
                    ));
                }
            }
            for sample in &s.timeline {
                let (e, d) = (sample.entry, sample.direction);
                let finite = [e.0, e.1, e.2, d.0, d.1, d.2, sample.depth, sample.t]
                    .iter()
                    .all(|v| v.is_finite());
                if !finite || (d.0 * d.0 + d.1 * d.1 + d.2 * d.2) < 1e-6 {
                    return Err(AttemptError::Invalid(
                        file.into(),
                        format!(
                            "site {}: sample at t = {} has no valid pose",
                            s.site, sample.t
                        ),
                    ));
                }
            }
        }
        Ok(a)
    }

    pub fn to_ron(&self) -> String {
        let config = ron::ser::PrettyConfig::new()
            .depth_limit(3)
            .struct_names(true);
        ron::ser::to_string_pretty(self, config).unwrap_or_default()
    }

    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        std::fs::write(path, self.to_ron())
    }
}
