//! Parsing and checking scenario text, with every error placed at its line and column.

use super::locate::{self, Step};
use super::{Consequence, PatientSpec, Scenario, ScenarioError, Side, VERSION, field};
use crate::anatomy::{Anatomy, AnatomyPreset, Hazard, Patient};
use crate::tissue::Tissue;
use serde::Deserialize;
use std::collections::BTreeMap;

/// A hostile or mistaken file cannot make the app read or build more than this.
pub const MAX_FILE_BYTES: usize = 256 * 1024;
pub const MAX_SITES: usize = 8;
pub const MAX_HAZARDS: usize = 16;
const MAX_TEXT: usize = 4000;
const MAX_INSTRUCTIONS: usize = 64;

#[derive(Deserialize)]
#[serde(rename = "Scenario")]
struct VersionProbe {
    #[serde(default)]
    version: Option<u32>,
}

struct Checker<'a> {
    text: &'a str,
    file: &'a str,
    errors: Vec<ScenarioError>,
}

impl Checker<'_> {
    fn err(&mut self, path: &[Step], message: impl Into<String>) {
        let (line, col) = locate::locate(self.text, path);
        self.errors.push(ScenarioError {
            file: self.file.to_string(),
            line,
            col,
            message: message.into(),
        });
    }

    fn range(&mut self, path: &[Step], name: &str, v: f32, lo: f32, hi: f32, unit: &str) {
        if !(v.is_finite() && v >= lo && v <= hi) {
            self.err(
                path,
                format!("{name} is {v} {unit}; expected {lo}–{hi} {unit}"),
            );
        }
    }
}

fn ron_error(file: &str, e: ron::error::SpannedError) -> ScenarioError {
    ScenarioError {
        file: file.to_string(),
        line: e.span.start.line,
        col: e.span.start.col,
        message: e.code.to_string(),
    }
}

pub fn parse(text: &str, file: &str) -> Result<Scenario, Vec<ScenarioError>> {
    // A byte-order mark, as Notepad saves one, is not part of the scene.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.len() > MAX_FILE_BYTES {
        return Err(vec![ScenarioError {
            file: file.to_string(),
            line: 1,
            col: 1,
            message: format!(
                "scenario text is {} bytes; the limit is {MAX_FILE_BYTES}",
                text.len()
            ),
        }]);
    }
    let options = ron::Options::default().with_recursion_limit(32);
    let probe = options.from_str::<VersionProbe>(text);
    match probe {
        Ok(VersionProbe { version: Some(v) }) if v != VERSION => {
            let (line, col) = locate::locate(text, &[field("version")]);
            return Err(vec![ScenarioError {
                file: file.to_string(),
                line,
                col,
                message: format!(
                    "unknown scenario version {v}: this marrowsim reads version {VERSION}"
                ),
            }]);
        }
        Ok(VersionProbe { version: None }) => {
            return Err(vec![ScenarioError {
                file: file.to_string(),
                line: 1,
                col: 1,
                message: format!("missing `version: {VERSION}` (the scenario format version)"),
            }]);
        }
        _ => {}
    }
    let scenario: Scenario = options
        .from_str(text)
        .map_err(|e| vec![ron_error(file, e)])?;
    let mut c = Checker {
        text,
        file,
        errors: Vec::new(),
    };
    if scenario.version != VERSION {
        c.err(
            &[field("version")],
            format!(
                "unknown scenario version {}: this marrowsim reads version {VERSION}",
                scenario.version
            ),
        );
        return Err(c.errors);
    }
    check(&mut c, &scenario);
    if c.errors.is_empty() {
        Ok(scenario)
    } else {
        Err(c.errors)
    }
}

fn check_text(c: &mut Checker, path: &[Step], name: &str, s: &str) {
    if s.chars().count() > MAX_TEXT {
        c.err(path, format!("{name} is longer than {MAX_TEXT} characters"));
    }
}

fn check(c: &mut Checker, s: &Scenario) {
    use Step::*;
    if s.title.trim().is_empty() {
        c.err(&[Field("title")], "title is empty");
    }
    check_text(c, &[Field("title")], "title", &s.title);
    check_text(c, &[Field("description")], "description", &s.description);
    if s.instructions.len() > MAX_INSTRUCTIONS {
        c.err(
            &[Field("instructions")],
            format!("more than {MAX_INSTRUCTIONS} instructions"),
        );
    }
    for (i, line) in s.instructions.iter().enumerate() {
        check_text(c, &[Field("instructions"), Index(i)], "instruction", line);
    }

    let presets = check_patient(c, s);
    let needle = s.needle;
    if needle.gauge != 8 && needle.gauge != 11 {
        c.err(
            &[Field("needle"), Field("gauge")],
            format!(
                "gauge {} is not a harvest needle: use 11 or 8",
                needle.gauge
            ),
        );
    }
    c.range(
        &[Field("needle"), Field("length_mm")],
        "needle length",
        needle.length_mm,
        50.0,
        200.0,
        "mm",
    );

    if s.sites.is_empty() {
        c.err(&[Field("sites")], "a scenario needs at least one site");
    }
    if s.sites.len() > MAX_SITES {
        c.err(
            &[Field("sites")],
            format!("{} sites; the limit is {MAX_SITES}", s.sites.len()),
        );
    }
    if s.side == Side::Both && s.sites.len() < 2 {
        c.err(&[Field("side")], "side is Both but there is only one site");
    }
    for (i, site) in s.sites.iter().enumerate().take(MAX_SITES) {
        check_site(c, s, i, site, &presets);
    }

    let w = s.weights;
    for (name, v) in [
        ("entry", w.entry),
        ("angle", w.angle),
        ("depth", w.depth),
        ("safety", w.safety),
        ("technique", w.technique),
        ("time", w.time),
    ] {
        if !(v.is_finite() && v >= 0.0) {
            c.err(
                &[Field("weights"), Field(name)],
                format!("weight {name} is {v}; weights cannot be negative"),
            );
        }
    }
    if w.total().is_nan() || w.total() <= 0.0 {
        c.err(
            &[Field("weights")],
            "the weights add up to nothing: at least one must be positive",
        );
    }
    c.range(
        &[Field("pass_mark")],
        "pass_mark",
        s.pass_mark,
        0.0,
        100.0,
        "points",
    );
    if let Some(t) = s.time_limit_s {
        c.range(&[Field("time_limit_s")], "time limit", t, 10.0, 3600.0, "s");
    }
}

/// Checks the patient block and returns an instance per preset for landmark checks.
fn check_patient(c: &mut Checker, s: &Scenario) -> Vec<Anatomy> {
    use Step::*;
    let mut out = Vec::new();
    let mut build = |c: &mut Checker,
                     path: &[Step],
                     preset: &str,
                     sex: Option<crate::anatomy::Sex>,
                     bmi: f32,
                     scale: f32| match AnatomyPreset::named(preset) {
        Err(e) => c.err(path, e.to_string()),
        Ok(p) => {
            let patient = Patient {
                preset: preset.to_string(),
                sex: sex.unwrap_or(p.sex),
                bmi: bmi.clamp(12.0, 70.0),
                scale: scale.clamp(0.7, 1.3),
                seed: None,
            };
            match Anatomy::from_preset(p, &patient) {
                Ok(a) => out.push(a),
                Err(e) => c.err(path, e.to_string()),
            }
        }
    };
    match &s.patient {
        PatientSpec::Fixed {
            preset,
            sex,
            bmi,
            scale,
            ..
        } => {
            let base = [Field("patient")];
            c.range(
                &[Field("patient"), Field("bmi")],
                "BMI",
                *bmi,
                12.0,
                70.0,
                "kg/m²",
            );
            c.range(
                &[Field("patient"), Field("scale")],
                "scale",
                *scale,
                0.7,
                1.3,
                "",
            );
            let _ = base;
            build(
                c,
                &[Field("patient"), Field("preset")],
                preset,
                *sex,
                *bmi,
                *scale,
            );
        }
        PatientSpec::Random {
            presets,
            bmi,
            scale,
        } => {
            if presets.is_empty() {
                c.err(
                    &[Field("patient"), Field("presets")],
                    "a random patient needs at least one preset",
                );
            }
            if presets.len() > 8 {
                c.err(&[Field("patient"), Field("presets")], "more than 8 presets");
            }
            if !(bmi.0 <= bmi.1 && bmi.0 >= 12.0 && bmi.1 <= 70.0) {
                c.err(
                    &[Field("patient"), Field("bmi")],
                    format!(
                        "BMI range ({}, {}) must be low ≤ high within 12–70",
                        bmi.0, bmi.1
                    ),
                );
            }
            if !(scale.0 <= scale.1 && scale.0 >= 0.7 && scale.1 <= 1.3) {
                c.err(
                    &[Field("patient"), Field("scale")],
                    format!(
                        "scale range ({}, {}) must be low ≤ high within 0.7–1.3",
                        scale.0, scale.1
                    ),
                );
            }
            for (i, p) in presets.iter().enumerate().take(8) {
                build(
                    c,
                    &[Field("patient"), Field("presets"), Index(i)],
                    p,
                    None,
                    bmi.0,
                    scale.0,
                );
            }
        }
    }
    out
}

fn check_site(c: &mut Checker, s: &Scenario, i: usize, site: &super::Site, presets: &[Anatomy]) {
    use Step::*;
    let at = |rest: &[Step]| -> Vec<Step> {
        let mut p = vec![Field("sites"), Index(i)];
        p.extend_from_slice(rest);
        p
    };
    check_text(c, &at(&[Field("name")]), "site name", &site.name);
    let known = |name: &str| presets.iter().all(|a| a.landmark(name).is_some());
    let landmark_list = || -> String {
        presets
            .first()
            .map(|a| a.landmarks().keys().cloned().collect::<Vec<_>>().join(", "))
            .unwrap_or_default()
    };
    let entry_ok = known(&site.entry.landmark);
    if !entry_ok && !presets.is_empty() {
        c.err(
            &at(&[Field("entry"), Field("landmark")]),
            format!(
                "unknown landmark '{}' (known: {})",
                site.entry.landmark,
                landmark_list()
            ),
        );
    }
    let toward_ok = known(&site.trajectory.toward);
    if !toward_ok && !presets.is_empty() {
        c.err(
            &at(&[Field("trajectory"), Field("toward")]),
            format!(
                "unknown landmark '{}' (known: {})",
                site.trajectory.toward,
                landmark_list()
            ),
        );
    }
    for (name, path) in [
        (
            &site.entry.landmark,
            at(&[Field("entry"), Field("landmark")]),
        ),
        (
            &site.trajectory.toward,
            at(&[Field("trajectory"), Field("toward")]),
        ),
    ] {
        let wrong = match s.side {
            Side::Left => name.ends_with("_right"),
            Side::Right => name.ends_with("_left"),
            Side::Both => false,
        };
        if wrong {
            c.err(
                &path,
                format!(
                    "landmark '{name}' is on the other side from the scenario's side {:?}",
                    s.side
                ),
            );
        }
    }
    c.range(
        &at(&[Field("entry"), Field("radius")]),
        "entry radius",
        site.entry.radius,
        1.0,
        50.0,
        "mm",
    );
    let o = site.entry.offset;
    if !(o.0.is_finite() && o.1.is_finite() && o.2.is_finite())
        || (o.0 * o.0 + o.1 * o.1 + o.2 * o.2).sqrt() > 100.0
    {
        c.err(
            &at(&[Field("entry"), Field("offset")]),
            "entry offset must be finite and within 100 mm of the landmark",
        );
    }
    c.range(
        &at(&[Field("trajectory"), Field("tolerance_deg")]),
        "angle tolerance",
        site.trajectory.tolerance_deg,
        1.0,
        45.0,
        "°",
    );
    if site.entry.landmark == site.trajectory.toward && o == (0.0, 0.0, 0.0) {
        c.err(
            &at(&[Field("trajectory"), Field("toward")]),
            "the trajectory aims at its own entry point",
        );
    }
    match Tissue::from_key(&site.depth.tissue) {
        Some(t) if t == Tissue::Marrow || t == Tissue::Cortex => {}
        Some(t) => c.err(
            &at(&[Field("depth"), Field("tissue")]),
            format!("'{}' cannot be a harvest target: use marrow", t.key()),
        ),
        None => c.err(
            &at(&[Field("depth"), Field("tissue")]),
            format!("unknown tissue '{}' (use marrow)", site.depth.tissue),
        ),
    }
    let (lo, hi) = (site.depth.min_mm, site.depth.max_mm);
    c.range(
        &at(&[Field("depth"), Field("min_mm")]),
        "minimum depth past the cortex",
        lo,
        0.0,
        150.0,
        "mm",
    );
    if hi.is_nan() || lo.is_nan() || hi <= lo {
        c.err(
            &at(&[Field("depth"), Field("max_mm")]),
            format!("depth window is impossible: max_mm {hi} is not above min_mm {lo}"),
        );
    } else if hi > s.needle.length_mm {
        c.err(
            &at(&[Field("depth"), Field("max_mm")]),
            format!("max_mm {hi} is beyond the {} mm needle", s.needle.length_mm),
        );
    }
    if site.hazards.len() > MAX_HAZARDS {
        c.err(
            &at(&[Field("hazards")]),
            format!("{} hazards; the limit is {MAX_HAZARDS}", site.hazards.len()),
        );
    }
    let mut seen = BTreeMap::new();
    for (k, h) in site.hazards.iter().enumerate().take(MAX_HAZARDS) {
        let hp = |f: &'static str| at(&[Field("hazards"), Index(k), Field(f)]);
        if Hazard::from_key(&h.structure).is_none() {
            let known: Vec<_> = Hazard::ALL.iter().map(|h| h.key()).collect();
            c.err(
                &hp("structure"),
                format!(
                    "unknown hazard '{}' (known: {})",
                    h.structure,
                    known.join(", ")
                ),
            );
        } else if seen.insert(h.structure.clone(), k).is_some() {
            c.err(
                &hp("structure"),
                format!("hazard '{}' is listed twice", h.structure),
            );
        }
        c.range(
            &hp("margin_mm"),
            "hazard margin",
            h.margin_mm,
            0.0,
            50.0,
            "mm",
        );
        if let Consequence::Penalty(p) = h.on_contact {
            c.range(&hp("on_contact"), "penalty", p, 0.0, 100.0, "points");
        }
    }

    if entry_ok && toward_ok && c.errors.is_empty() {
        for a in presets {
            feasible_geometry(c, s, i, a);
        }
    }
}

/// A zone can be well-formed and still impossible on the body: check it on the mean patient.
fn feasible_geometry(c: &mut Checker, s: &Scenario, i: usize, a: &Anatomy) {
    use Step::*;
    let Some(r) = s.resolve(i, a) else { return };
    let to_bone = a.bone_sdf(r.entry_centre);
    if to_bone.abs() > r.entry_radius + 10.0 {
        c.err(
            &[Field("sites"), Index(i), Field("entry")],
            format!("impossible entry zone: its centre is {:.0} mm from bone on {}, so the needle cannot meet the bone inside it", to_bone.abs(), a.preset.name),
        );
        return;
    }
    let outside = r.entry_centre - r.aim * 200.0;
    let iv = a.intervals(outside, r.entry_centre + r.aim * 5.0, 0.5);
    let skin = iv
        .iter()
        .find(|v| v.tissue != Tissue::Air)
        .map(|v| v.start)
        .unwrap_or(200.0);
    let soft = 200.0 - skin;
    let need = soft + a.cortex_thickness() + s.sites[i].depth.min_mm;
    if need > s.needle.length_mm {
        c.err(
            &[Field("sites"), Index(i), Field("depth"), Field("min_mm")],
            format!("impossible depth: {:.0} mm of soft tissue and cortex plus min_mm needs {:.0} mm of needle on {}; the needle is {} mm", soft, need, a.preset.name, s.needle.length_mm),
        );
    }
}
