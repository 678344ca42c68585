//! The attempt record: the needle's timeline per site, saved as RON.

use crate::anatomy::Patient;
use crate::needle::{Event, Sample};
use crate::scenario::locate::Step;
use serde::{Deserialize, Serialize};
use std::path::Path;

pub const VERSION: u32 = 8;
/// Attempts written before the aspiration phase (version 1, without pulls), before palpation
/// (version 2), before the evaluation (version 3), before the preparation (version 4),
/// before the trainee's name (version 5), before fluoroscopy (version 6) and before the time
/// it was marked (version 7) still load.
pub const OLDEST_VERSION: u32 = 1;
/// A site's palpation is recorded every 2 mm the finger moves; a long search is a few hundred.
pub const MAX_TOUCHES: usize = 5_000;
/// More pulls than this at one site is no harvest (a 2 L transplant harvest in 4 mL pulls).
pub const MAX_PULLS: usize = 500;
/// An attempt file larger than this is refused (a day of samples at 60 Hz is far less).
pub const MAX_FILE_BYTES: u64 = 32 * 1024 * 1024;
/// An hour of samples at 60 Hz; the app records far fewer (one per change of pose).
pub const MAX_SAMPLES: usize = 216_000;
/// Entry points further than this from the origin (midway between the ASISs) are outside
/// any patient the presets can build: the skin of the largest stays within about 300 mm.
pub const MAX_COORD_MM: f32 = 500.0;
/// The longest needle a scene may give (see the scenario's `needle.length_mm`).
pub const MAX_DEPTH_MM: f32 = 200.0;
/// A day: no attempt lasts longer.
pub const MAX_TIME_S: f32 = 86_400.0;
/// The last second of the year 9999 (UTC): no attempt was marked later.
pub const MAX_WHEN: u64 = 253_402_300_799;

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attempt {
    pub version: u32,
    /// Title of the scenario it was made in (for the reader).
    #[serde(default)]
    pub scene: String,
    pub patient: Patient,
    /// The plan the trainee made from the scene's case (version 4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluation: Option<Evaluated>,
    /// The lidocaine left by the thin needle, over every site (version 4).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub anaesthetic: Vec<crate::anaesthesia::Deposit>,
    /// The preparation checklist's steps as the trainee took them (version 5).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub preparation: Vec<crate::preparation::Prepared>,
    /// Where the trainee marked the skin with the pen (version 5).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub marks: Vec<Touch>,
    /// Who made it, on which station, in which course (version 6). The record keeps this
    /// beside the attempt; `history --export` writes it in, and `marrowsim import` reads it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub who: Option<crate::records::history::Identity>,
    /// When it was marked, in seconds since 1970 (UTC) (version 8). Like `who`, the record
    /// keeps this in a column of its own; `history --export` writes it in, and `marrowsim
    /// import` dates the attempt by it rather than by the file's time, which a copy changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<u64>,
    /// The X-ray shots taken, over every site (version 7).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shots: Vec<XrayShot>,
    pub sites: Vec<SiteAttempt>,
}

/// One fluoroscopy shot: when, and from which of the scene's C-arm views.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct XrayShot {
    pub t: f32,
    pub view: usize,
}

/// More shots than this is no fluoroscopy a scene allows (its `max_shots` is at most 200).
pub const MAX_SHOTS: usize = 200;

/// More checklist steps than this is no preparation (each step redone many times).
pub const MAX_PREP_STEPS: usize = 100;
/// More skin marks than this is scribbling.
pub const MAX_MARKS: usize = 100;
/// More turns of the trocar than this at one site is no harvest.
pub const MAX_TURNS: usize = 1_000;
/// A single turn of the trocar larger than this is not a turn the hand makes (degrees).
pub const MAX_TURN_DEG: f32 = 360.0;

/// More deposits than this is no local anaesthetic (0.1 mL each would be 40 mL).
pub const MAX_DEPOSITS: usize = 400;
/// No single deposit is larger than a syringe of local anaesthetic (mL).
pub const MAX_DEPOSIT_ML: f32 = 10.0;

/// The trainee's plan, and when they confirmed it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Evaluated {
    pub t: f32,
    pub plan: crate::evaluation::Plan,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteAttempt {
    pub site: usize,
    pub timeline: Vec<Sample>,
    /// Written for the reader; scoring recomputes them from the timeline.
    #[serde(default)]
    pub events: Vec<Event>,
    /// Syringe pulls with the needle where the timeline has it at their time (version 2).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pulls: Vec<Pull>,
    /// Where the trainee's finger pressed the skin, and when (version 3).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub palpations: Vec<Touch>,
    /// Turns of the trocar about its own axis in place (version 5): a turned bevel draws from
    /// marrow the last pull drained less.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub turns: Vec<Turn>,
}

/// One turn of the trocar about its axis: when, and how far (degrees, either way).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Turn {
    pub t: f32,
    pub deg: f32,
}

/// One press of the palpating finger on the skin.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Touch {
    pub t: f32,
    pub at: (f32, f32, f32),
}

/// One pull of the syringe: when, and how much.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pull {
    pub t: f32,
    pub ml: f32,
}

#[derive(Debug, thiserror::Error)]
pub enum AttemptError {
    #[error(transparent)]
    Read(#[from] crate::files::ReadError),
    #[error("{file}:{line}:{col}: {message}")]
    Parse {
        file: String,
        line: usize,
        col: usize,
        message: String,
    },
    #[error(
        "{0}: unknown attempt version {1}: this marrowsim reads versions {OLDEST_VERSION}–{VERSION}"
    )]
    Version(String, u32),
}

impl Attempt {
    pub fn load(path: &Path) -> Result<Attempt, AttemptError> {
        let text = crate::files::read_text(path, MAX_FILE_BYTES, "attempt files")?;
        Attempt::parse(&text, &path.display().to_string())
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
        if !(OLDEST_VERSION..=VERSION).contains(&a.version) {
            return Err(AttemptError::Version(file.to_string(), a.version));
        }
        let invalid = |path: &[Step], message: String| {
            let (line, col) = crate::scenario::locate::locate(text, path);
            AttemptError::Parse {
                file: file.to_string(),
                line,
                col,
                message,
            }
        };
        if let Some(e) = &a.evaluation {
            if a.version < 4 {
                return Err(invalid(
                    &[Step::Field("evaluation")],
                    format!("an evaluation needs attempt version 4, not {}", a.version),
                ));
            }
            if !(e.t.is_finite() && (0.0..=MAX_TIME_S).contains(&e.t)) {
                return Err(invalid(
                    &[Step::Field("evaluation"), Step::Index(0), Step::Field("t")],
                    format!(
                        "the evaluation's time {} s is outside 0–{MAX_TIME_S} s",
                        e.t
                    ),
                ));
            }
            if e.plan.sites.len() > crate::scenario::MAX_SITES
                || e.plan.precautions.len() > crate::evaluation::Precaution::ALL.len() * 2
            {
                return Err(invalid(
                    &[Step::Field("evaluation")],
                    "the plan names more sites or precautions than there are".into(),
                ));
            }
        }
        if let Some(who) = &a.who {
            if a.version < 6 {
                return Err(invalid(
                    &[Step::Field("who")],
                    format!(
                        "the trainee's name needs attempt version 6, not {}",
                        a.version
                    ),
                ));
            }
            for (field, name) in [
                ("trainee", &who.trainee),
                ("station", &who.station),
                ("course", &who.course),
            ] {
                if let Some(n) = name
                    && let Err(e) = crate::records::history::clean_name(n)
                {
                    return Err(invalid(
                        &[Step::Field("who"), Step::Field(field)],
                        format!("the {field}: {e}"),
                    ));
                }
            }
        }
        if let Some(when) = a.when {
            if a.version < 8 {
                return Err(invalid(
                    &[Step::Field("when")],
                    format!(
                        "the time it was marked needs attempt version 8, not {}",
                        a.version
                    ),
                ));
            }
            if when > MAX_WHEN {
                return Err(invalid(
                    &[Step::Field("when")],
                    format!("{when} s since 1970 is after the year 9999"),
                ));
            }
        }
        check_deposits(&a).map_err(|(path, message)| invalid(&path, message))?;
        if !a.shots.is_empty() && a.version < 7 {
            return Err(invalid(
                &[Step::Field("shots")],
                format!("X-ray shots need attempt version 7, not {}", a.version),
            ));
        }
        let steps: Vec<Timed> = a.preparation.iter().map(|p| (p.t, None)).collect();
        let marks: Vec<Timed> = a.marks.iter().map(|m| (m.t, Some(m.at))).collect();
        let shots: Vec<Timed> = a.shots.iter().map(|s| (s.t, None)).collect();
        for (field, what, items, max) in [
            ("preparation", "preparation steps", steps, MAX_PREP_STEPS),
            ("marks", "skin marks", marks, MAX_MARKS),
            ("shots", "X-ray shots", shots, MAX_SHOTS),
        ] {
            check_timed(vec![Step::Field(field)], what, &items, max, a.version)
                .map_err(|(path, message)| invalid(&path, message))?;
        }
        if a.sites.len() > crate::scenario::MAX_SITES {
            return Err(invalid(
                &[Step::Field("sites")],
                format!(
                    "{} sites; a scene has at most {}",
                    a.sites.len(),
                    crate::scenario::MAX_SITES
                ),
            ));
        }
        for (i, s) in a.sites.iter().enumerate() {
            let at = |j: usize, field: &'static str| {
                [
                    Step::Field("sites"),
                    Step::Index(i),
                    Step::Field("timeline"),
                    Step::Index(j),
                    Step::Field(field),
                ]
            };
            if a.sites[..i].iter().any(|o| o.site == s.site) {
                return Err(invalid(
                    &[Step::Field("sites"), Step::Index(i), Step::Field("site")],
                    format!("site {} is recorded twice", s.site),
                ));
            }
            if s.timeline.len() > MAX_SAMPLES {
                return Err(invalid(
                    &[
                        Step::Field("sites"),
                        Step::Index(i),
                        Step::Field("timeline"),
                    ],
                    format!(
                        "site {}: {} samples; an attempt holds at most {MAX_SAMPLES} a site",
                        s.site,
                        s.timeline.len()
                    ),
                ));
            }
            let mut last_t = 0.0;
            for (j, sample) in s.timeline.iter().enumerate() {
                let (e, d) = (sample.entry, sample.direction);
                let finite = [e.0, e.1, e.2, d.0, d.1, d.2, sample.depth, sample.t]
                    .iter()
                    .all(|v| v.is_finite());
                if !finite || (d.0 * d.0 + d.1 * d.1 + d.2 * d.2) < 1e-6 {
                    return Err(invalid(
                        &at(j, "direction"),
                        format!(
                            "site {}: sample at t = {} has no valid pose",
                            s.site, sample.t
                        ),
                    ));
                }
                let r = (e.0 * e.0 + e.1 * e.1 + e.2 * e.2).sqrt();
                if r > MAX_COORD_MM {
                    return Err(invalid(
                        &at(j, "entry"),
                        format!(
                            "site {}: the entry point is {r:.0} mm from the origin; no patient reaches beyond {MAX_COORD_MM} mm",
                            s.site
                        ),
                    ));
                }
                if !(0.0..=MAX_DEPTH_MM).contains(&sample.depth) {
                    return Err(invalid(
                        &at(j, "depth"),
                        format!(
                            "site {}: depth {} mm is outside 0–{MAX_DEPTH_MM} mm, the longest needle",
                            s.site, sample.depth
                        ),
                    ));
                }
                if !(0.0..=MAX_TIME_S).contains(&sample.t) || sample.t < last_t {
                    return Err(invalid(
                        &at(j, "t"),
                        format!(
                            "site {}: time {} s goes backwards or is outside 0–{MAX_TIME_S} s",
                            s.site, sample.t
                        ),
                    ));
                }
                last_t = sample.t;
            }
            check_pulls(s, i).map_err(|(path, message)| invalid(&path, message))?;
            check_touches(s, i, a.version).map_err(|(path, message)| invalid(&path, message))?;
            check_turns(s, i, a.version).map_err(|(path, message)| invalid(&path, message))?;
        }
        Ok(a)
    }

    pub fn to_ron(&self) -> Result<String, ron::Error> {
        let config = ron::ser::PrettyConfig::new()
            .depth_limit(3)
            .struct_names(true);
        ron::ser::to_string_pretty(self, config)
    }

    /// Writes the attempt file whole or not at all (temp file, sync, rename).
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let text = self.to_ron().map_err(std::io::Error::other)?;
        crate::files::write_atomic(path, text.as_bytes())
    }
}

/// Deposits need version 4, are few, in time order, on a patient and no larger than a syringe.
fn check_deposits(a: &Attempt) -> Result<(), (Vec<Step>, String)> {
    if a.anaesthetic.is_empty() {
        return Ok(());
    }
    let list = vec![Step::Field("anaesthetic")];
    if a.version < 4 {
        return Err((
            list,
            format!(
                "local anaesthetic needs attempt version 4, not {}",
                a.version
            ),
        ));
    }
    if a.anaesthetic.len() > MAX_DEPOSITS {
        return Err((
            list,
            format!(
                "{} deposits of anaesthetic; an attempt holds at most {MAX_DEPOSITS}",
                a.anaesthetic.len()
            ),
        ));
    }
    let mut last_t = 0.0;
    for (j, d) in a.anaesthetic.iter().enumerate() {
        let at = |f: &'static str| vec![Step::Field("anaesthetic"), Step::Index(j), Step::Field(f)];
        if !(d.ml > 0.0 && d.ml <= MAX_DEPOSIT_ML) {
            return Err((
                at("ml"),
                format!("a deposit of {} mL; 0–{MAX_DEPOSIT_ML} mL at a time", d.ml),
            ));
        }
        if !(d.t.is_finite() && d.t >= last_t && d.t <= MAX_TIME_S) {
            return Err((
                at("t"),
                format!(
                    "a deposit at {} s goes backwards or is outside 0–{MAX_TIME_S} s",
                    d.t
                ),
            ));
        }
        let r = glam::Vec3::from(d.at).length();
        if r.is_nan() || r > MAX_COORD_MM {
            return Err((
                at("at"),
                format!(
                    "a deposit {r:.0} mm from the origin; no patient reaches beyond {MAX_COORD_MM} mm"
                ),
            ));
        }
        last_t = d.t;
    }
    Ok(())
}

/// Pulls are few, in time order, while the needle is placed, and no larger than a syringe.
fn check_pulls(s: &SiteAttempt, i: usize) -> Result<(), (Vec<Step>, String)> {
    let at = |j: usize, field: &'static str| {
        vec![
            Step::Field("sites"),
            Step::Index(i),
            Step::Field("pulls"),
            Step::Index(j),
            Step::Field(field),
        ]
    };
    if s.pulls.len() > MAX_PULLS {
        return Err((
            vec![Step::Field("sites"), Step::Index(i), Step::Field("pulls")],
            format!(
                "site {}: {} pulls; an attempt holds at most {MAX_PULLS} a site",
                s.site,
                s.pulls.len()
            ),
        ));
    }
    let first = s.timeline.first().map(|x| x.t);
    let mut last_t = 0.0;
    for (j, p) in s.pulls.iter().enumerate() {
        let (lo, hi) = crate::harvest::plan::SYRINGE_ML;
        if !(p.ml > 0.0 && f64::from(p.ml) <= hi) {
            return Err((
                at(j, "ml"),
                format!(
                    "site {}: a pull of {} mL; no syringe holds more than {hi} mL (or less than {lo})",
                    s.site, p.ml
                ),
            ));
        }
        if !(p.t.is_finite() && p.t >= last_t && p.t <= MAX_TIME_S) {
            return Err((
                at(j, "t"),
                format!(
                    "site {}: pull at {} s goes backwards or is outside 0–{MAX_TIME_S} s",
                    s.site, p.t
                ),
            ));
        }
        if first.is_none_or(|f| p.t < f) {
            return Err((
                at(j, "t"),
                format!(
                    "site {}: pull at {} s comes before the needle was placed",
                    s.site, p.t
                ),
            ));
        }
        last_t = p.t;
    }
    Ok(())
}

/// A time, and a place when the item has one.
type Timed = (f32, Option<(f32, f32, f32)>);

/// Version-5 lists need version 5, are few, in time order and, where placed, on a patient.
fn check_timed(
    list: Vec<Step>,
    what: &str,
    items: &[Timed],
    max: usize,
    version: u32,
) -> Result<(), (Vec<Step>, String)> {
    if items.is_empty() {
        return Ok(());
    }
    if version < 5 {
        return Err((
            list,
            format!("{what} need attempt version 5, not {version}"),
        ));
    }
    if items.len() > max {
        return Err((
            list,
            format!("{} {what}; an attempt holds at most {max}", items.len()),
        ));
    }
    let at = |j: usize, field: &'static str| {
        let mut path = list.clone();
        path.extend([Step::Index(j), Step::Field(field)]);
        path
    };
    let mut last_t = 0.0;
    for (j, &(t, place)) in items.iter().enumerate() {
        if !(t.is_finite() && t >= last_t && t <= MAX_TIME_S) {
            return Err((
                at(j, "t"),
                format!("{what}: {t} s goes backwards or is outside 0–{MAX_TIME_S} s"),
            ));
        }
        if let Some(p) = place {
            let r = glam::Vec3::from(p).length();
            if r.is_nan() || r > MAX_COORD_MM {
                return Err((
                    at(j, "at"),
                    format!(
                        "{what}: a point {r:.0} mm from the origin; no patient reaches beyond {MAX_COORD_MM} mm"
                    ),
                ));
            }
        }
        last_t = t;
    }
    Ok(())
}

/// Turns need version 5, are few, in time order, after the needle was placed, and each less
/// than a whole turn.
fn check_turns(s: &SiteAttempt, i: usize, version: u32) -> Result<(), (Vec<Step>, String)> {
    let list = vec![Step::Field("sites"), Step::Index(i), Step::Field("turns")];
    let items: Vec<Timed> = s.turns.iter().map(|x| (x.t, None)).collect();
    check_timed(
        list.clone(),
        "turns of the trocar",
        &items,
        MAX_TURNS,
        version,
    )?;
    let first = s.timeline.first().map(|x| x.t);
    for (j, turn) in s.turns.iter().enumerate() {
        let mut at = list.clone();
        at.push(Step::Index(j));
        if !(turn.deg.is_finite() && turn.deg.abs() <= MAX_TURN_DEG && turn.deg != 0.0) {
            at.push(Step::Field("deg"));
            return Err((
                at,
                format!(
                    "site {}: a turn of {}°; a turn is more than 0 and at most {MAX_TURN_DEG}° either way",
                    s.site, turn.deg
                ),
            ));
        }
        if first.is_none_or(|f| turn.t < f) {
            at.push(Step::Field("t"));
            return Err((
                at,
                format!(
                    "site {}: a turn at {} s comes before the needle was placed",
                    s.site, turn.t
                ),
            ));
        }
    }
    Ok(())
}

/// Touches need version 3, are few, in time order and on a patient.
fn check_touches(s: &SiteAttempt, i: usize, version: u32) -> Result<(), (Vec<Step>, String)> {
    let list = vec![
        Step::Field("sites"),
        Step::Index(i),
        Step::Field("palpations"),
    ];
    if s.palpations.is_empty() {
        return Ok(());
    }
    if version < 3 {
        return Err((
            list,
            format!(
                "site {}: palpations need attempt version 3, not {version}",
                s.site
            ),
        ));
    }
    if s.palpations.len() > MAX_TOUCHES {
        return Err((
            list,
            format!(
                "site {}: {} palpations; an attempt holds at most {MAX_TOUCHES} a site",
                s.site,
                s.palpations.len()
            ),
        ));
    }
    let at = |j: usize, field: &'static str| {
        let mut path = list.clone();
        path.extend([Step::Index(j), Step::Field(field)]);
        path
    };
    let mut last_t = 0.0;
    for (j, touch) in s.palpations.iter().enumerate() {
        if !(touch.t.is_finite() && touch.t >= last_t && touch.t <= MAX_TIME_S) {
            return Err((
                at(j, "t"),
                format!(
                    "site {}: palpation at {} s goes backwards or is outside 0–{MAX_TIME_S} s",
                    s.site, touch.t
                ),
            ));
        }
        let (x, y, z) = touch.at;
        let r = (x * x + y * y + z * z).sqrt();
        if !r.is_finite() || r > MAX_COORD_MM {
            return Err((
                at(j, "at"),
                format!(
                    "site {}: a palpation {r:.0} mm from the origin; no patient reaches beyond {MAX_COORD_MM} mm",
                    s.site
                ),
            ));
        }
        last_t = touch.t;
    }
    Ok(())
}

/// A moment of an attempt worth jumping to in a replay: when, at which site, and what.
#[derive(Clone, Debug, PartialEq)]
pub struct Moment {
    pub t: f32,
    pub site: Option<usize>,
    pub what: String,
}

impl Attempt {
    /// The first and last times the attempt holds (s): every sample, pull, turn, touch and
    /// step of every phase.
    pub fn span(&self) -> (f32, f32) {
        let times = self
            .sites
            .iter()
            .flat_map(|s| {
                s.timeline
                    .iter()
                    .map(|x| x.t)
                    .chain(s.pulls.iter().map(|p| p.t))
                    .chain(s.turns.iter().map(|x| x.t))
                    .chain(s.palpations.iter().map(|x| x.t))
            })
            .chain(self.marks.iter().map(|m| m.t))
            .chain(self.anaesthetic.iter().map(|d| d.t))
            .chain(self.preparation.iter().map(|p| p.t))
            .chain(self.evaluation.iter().map(|e| e.t));
        let (lo, hi) = times.fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), t| {
            (lo.min(t), hi.max(t))
        });
        if lo.is_finite() { (lo, hi) } else { (0.0, 0.0) }
    }

    /// Where the trocar was at time `t`: the site whose timeline has begun by then, between
    /// its samples on either side of `t` (a move between two samples is straight, as scoring
    /// takes it); before any sample, `None`.
    pub fn pose_at(&self, t: f32) -> Option<(usize, crate::needle::Pose)> {
        self.sites
            .iter()
            .filter_map(|s| {
                let i = s
                    .timeline
                    .iter()
                    .take_while(|x| x.t <= t)
                    .count()
                    .checked_sub(1)?;
                let a = &s.timeline[i];
                let mut pose = a.pose();
                if let Some(b) = s
                    .timeline
                    .get(i + 1)
                    .filter(|b| b.t > a.t && b.entry == a.entry)
                {
                    let k = ((t - a.t) / (b.t - a.t)).clamp(0.0, 1.0);
                    let to = b.pose();
                    pose.depth += (to.depth - pose.depth) * k;
                    pose.direction = pose
                        .direction
                        .lerp(to.direction, k)
                        .normalize_or(pose.direction);
                }
                Some((a.t, s.site, pose))
            })
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, site, pose)| (site, pose))
    }

    /// Every moment worth a jump, in time order: the checklist, the lidocaine, the needle's
    /// events found by replaying each site's timeline, and the pulls.
    pub fn moments(&self, anatomy: &crate::anatomy::Anatomy) -> Vec<Moment> {
        use crate::needle::EventKind;
        let mut out: Vec<Moment> = Vec::new();
        if let Some(e) = &self.evaluation {
            out.push(Moment {
                t: e.t,
                site: None,
                what: "plan confirmed".into(),
            });
        }
        out.extend(self.preparation.iter().map(|p| Moment {
            t: p.t,
            site: None,
            what: p.step.label().to_string(),
        }));
        out.extend(self.anaesthetic.iter().map(|d| Moment {
            t: d.t,
            site: None,
            what: format!("lidocaine {} mL", d.ml),
        }));
        for s in &self.sites {
            let r = crate::needle::replay(anatomy, &s.timeline);
            out.extend(r.events.iter().map(|e| Moment {
                t: e.t,
                site: Some(s.site),
                what: match e.kind {
                    EventKind::SkinPuncture => "skin".to_string(),
                    EventKind::CortexContact => format!("bone at {:.0} mm", e.depth),
                    EventKind::CortexPenetration => "through the cortex".to_string(),
                    EventKind::MarrowEntry => format!("marrow at {:.0} mm", e.depth),
                    EventKind::Withdrawal => "withdrawal".to_string(),
                    EventKind::Reinsertion => "reinsertion".to_string(),
                    EventKind::HazardContact(h) => {
                        format!("touched the {}", crate::grading::scoring::hazard_name(h))
                    }
                },
            }));
            out.extend(s.pulls.iter().map(|p| Moment {
                t: p.t,
                site: Some(s.site),
                what: format!("pull {} mL", p.ml),
            }));
        }
        out.sort_by(|a, b| a.t.total_cmp(&b.t));
        out
    }
}
