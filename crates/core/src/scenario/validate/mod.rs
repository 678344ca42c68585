//! Parsing and checking scenario text, with every error placed at its line and column.

use super::locate::{self, Step};
use super::{OLDEST_VERSION, Scenario, ScenarioError, Side, VERSION, field};
use serde::Deserialize;

mod patient;
mod site;

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
            let unit = if unit.is_empty() {
                String::new()
            } else {
                format!(" {unit}")
            };
            self.err(
                path,
                format!("{name} is {v}{unit}; expected {lo}–{hi}{unit}"),
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
        Ok(VersionProbe { version: Some(v) }) if !(OLDEST_VERSION..=VERSION).contains(&v) => {
            let (line, col) = locate::locate(text, &[field("version")]);
            return Err(vec![ScenarioError {
                file: file.to_string(),
                line,
                col,
                message: format!(
                    "unknown scenario version {v}: this marrowsim reads versions {OLDEST_VERSION}–{VERSION}"
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
    if let Some((line, col, token)) = locate::first_non_finite(text) {
        return Err(vec![ScenarioError {
            file: file.to_string(),
            line,
            col,
            message: format!("{token} is not a finite number"),
        }]);
    }
    let scenario: Scenario = options
        .from_str(text)
        .map_err(|e| vec![ron_error(file, e)])?;
    let mut c = Checker {
        text,
        file,
        errors: Vec::new(),
    };
    if !(OLDEST_VERSION..=VERSION).contains(&scenario.version) {
        c.err(
            &[field("version")],
            format!(
                "unknown scenario version {}: this marrowsim reads versions {OLDEST_VERSION}–{VERSION}",
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

fn check_guidance(c: &mut Checker, s: &Scenario) {
    use super::Guidance;
    if s.guidance != Guidance::Landmarks && s.version < 3 {
        c.err(&[Step::Field("guidance")], "`guidance` needs `version: 3`");
    }
    if s.guidance == Guidance::Fluoroscopy && s.version < 7 {
        c.err(
            &[Step::Field("guidance")],
            "`guidance: Fluoroscopy` needs `version: 7`",
        );
    }
    let Some(f) = &s.fluoroscopy else { return };
    let at = |field: &'static str| {
        [
            Step::Field("fluoroscopy"),
            Step::Index(0),
            Step::Field(field),
        ]
    };
    if s.version < 7 {
        c.err(
            &[Step::Field("fluoroscopy")],
            "`fluoroscopy` needs `version: 7`",
        );
    }
    if s.guidance != Guidance::Fluoroscopy {
        c.err(
            &[Step::Field("fluoroscopy")],
            "`fluoroscopy` describes a C-arm: it needs `guidance: Fluoroscopy`",
        );
    }
    if f.views.is_empty() || f.views.len() > MAX_VIEWS {
        c.err(
            &at("views"),
            format!("the C-arm needs 1–{MAX_VIEWS} views, not {}", f.views.len()),
        );
    }
    for (i, v) in f.views.iter().enumerate() {
        let view = |field: &'static str| {
            [
                Step::Field("fluoroscopy"),
                Step::Index(0),
                Step::Field("views"),
                Step::Index(i),
                Step::Field(field),
            ]
        };
        if v.name.trim().is_empty() || v.name.chars().count() > 40 {
            c.err(&view("name"), "a view needs a name of 1–40 characters");
        }
        c.range(
            &view("orbit_deg"),
            "the orbit",
            v.orbit_deg,
            -90.0,
            90.0,
            "°",
        );
        c.range(&view("tilt_deg"), "the tilt", v.tilt_deg, -60.0, 60.0, "°");
    }
    c.range(
        &at("free_shots"),
        "free shots",
        f.free_shots as f32,
        1.0,
        50.0,
        "",
    );
    c.range(
        &at("max_shots"),
        "the most shots",
        f.max_shots as f32,
        (2 * f.free_shots) as f32,
        200.0,
        "",
    );
    c.range(&at("weight"), "the dose's weight", f.weight, 0.0, 50.0, "%");
}

/// A C-arm offers at most this many views.
const MAX_VIEWS: usize = 8;

/// The case's figures are in range, and the scene's answer agrees with the contraindications
/// reference: a scene cannot teach a plan that the published rules refuse.
fn check_evaluation(c: &mut Checker, s: &Scenario) {
    use crate::evaluation::{Decision, consequences, findings};
    use Step::*;
    let Some(e) = &s.evaluation else { return };
    if s.version < 4 {
        c.err(&[Field("evaluation")], "the evaluation needs `version: 4`");
    }
    let case = |f: &'static str| [Field("evaluation"), Index(0), Field("case"), Field(f)];
    let answer = |f: &'static str| [Field("evaluation"), Index(0), Field("answer"), Field(f)];
    c.range(&case("age"), "age", e.case.age as f32, 16.0, 100.0, "years");
    c.range(
        &case("platelets"),
        "platelets",
        e.case.platelets,
        1.0,
        2000.0,
        "×10⁹/L",
    );
    c.range(&case("inr"), "INR", e.case.inr, 0.5, 10.0, "");
    let w = [Field("evaluation"), Index(0), Field("weight")];
    c.range(&w, "evaluation weight", e.weight, 0.0, 80.0, "%");
    check_text(c, &case("indication"), "indication", &e.case.indication);
    check_text(
        c,
        &[Field("evaluation"), Index(0), Field("why")],
        "why",
        &e.why,
    );
    if e.why.trim().is_empty() {
        c.err(
            &[Field("evaluation"), Index(0), Field("why")],
            "say why the answer is right: the trainee reads it",
        );
    }
    for (i, note) in e.case.notes.iter().enumerate() {
        check_text(
            c,
            &[
                Field("evaluation"),
                Index(0),
                Field("case"),
                Field("notes"),
                Index(i),
            ],
            "note",
            note,
        );
    }
    let found = findings(&e.case);
    let k = consequences(&found);
    let because = |want: &str| {
        let why: Vec<String> = found.iter().map(|f| f.sentence()).collect();
        if why.is_empty() {
            format!("{want}; the reference finds nothing against this case")
        } else {
            format!("{want}; the reference finds: {}", why.join("; "))
        }
    };
    match e.answer.decision {
        Decision::Proceed if k.not_today => c.err(
            &answer("decision"),
            because("the answer goes ahead today, but the case should not"),
        ),
        Decision::Defer if !k.not_today => c.err(
            &answer("decision"),
            because("the answer defers the harvest"),
        ),
        Decision::Proceed => {
            if e.answer.sites.len() != s.sites.len() {
                c.err(
                    &answer("sites"),
                    format!(
                        "the answer names {} harvest sites; the scene has {}",
                        e.answer.sites.len(),
                        s.sites.len()
                    ),
                );
            }
            for site in &e.answer.sites {
                if k.unavailable.contains(site) {
                    c.err(
                        &answer("sites"),
                        because(&format!("the answer uses the {}", site.name())),
                    );
                }
            }
            if e.answer.position.is_some_and(|p| p != s.position) {
                c.err(
                    &answer("position"),
                    "the answer's position is not the scene's `position`",
                );
            }
            let mut want = e.answer.precautions.clone();
            want.sort();
            want.dedup();
            if want != k.precautions {
                let names = |ps: &[crate::evaluation::Precaution]| {
                    ps.iter().map(|p| p.name()).collect::<Vec<_>>().join(", ")
                };
                c.err(
                    &answer("precautions"),
                    format!(
                        "the answer's precautions ({}) are not the reference's for this case ({})",
                        names(&want),
                        names(&k.precautions)
                    ),
                );
            }
        }
        Decision::Defer => {}
    }
}

fn check_anaesthesia(c: &mut Checker, s: &Scenario) {
    use Step::*;
    let Some(a) = &s.anaesthesia else { return };
    if s.version < 4 {
        c.err(
            &[Field("anaesthesia")],
            "the anaesthesia phase needs `version: 4`",
        );
    }
    let at = [Field("anaesthesia"), Index(0), Field("weight")];
    c.range(&at, "anaesthesia weight", a.weight, 0.0, 50.0, "%");
}

fn check_expert(c: &mut Checker, s: &Scenario) {
    use Step::*;
    let Some(e) = &s.expert else { return };
    let at = [Field("expert")];
    if s.version < 6 {
        c.err(&at, "an expert's attempt needs `version: 6`");
    }
    let path = std::path::Path::new(e);
    let ok = !e.trim().is_empty()
        && e.len() <= 256
        && path.is_relative()
        && path.components().all(|p| {
            matches!(
                p,
                std::path::Component::Normal(_) | std::path::Component::CurDir
            )
        });
    if !ok {
        c.err(
            &at,
            "the expert's attempt is a file beside the scene or below its folder (a relative path without `..`, at most 256 characters)",
        );
    }
}

fn check_preparation(c: &mut Checker, s: &Scenario) {
    use Step::*;
    let Some(p) = &s.preparation else { return };
    if s.version < 5 {
        c.err(
            &[Field("preparation")],
            "the preparation phase needs `version: 5`",
        );
    }
    let at = [Field("preparation"), Index(0), Field("weight")];
    c.range(&at, "preparation weight", p.weight, 0.0, 50.0, "%");
}

fn check_aspiration(c: &mut Checker, s: &Scenario) {
    use Step::*;
    let Some(a) = &s.aspiration else { return };
    if s.version < 2 {
        c.err(
            &[Field("aspiration")],
            "the aspiration phase needs `version: 2`",
        );
    }
    let at = |f: &'static str| [Field("aspiration"), Index(0), Field(f)];
    let (lo, hi) = crate::harvest::plan::SYRINGE_ML;
    c.range(
        &at("syringe_ml"),
        "syringe",
        a.syringe_ml,
        lo as f32,
        hi as f32,
        "mL",
    );
    let most = crate::harvest::plan::MAX_TOTAL_ML as f32;
    c.range(
        &at("target_ml"),
        "target volume",
        a.target_ml,
        1.0,
        most,
        "mL",
    );
    if let Some(m) = a.min_progenitors_per_ml {
        c.range(
            &at("min_progenitors_per_ml"),
            "minimum progenitors per mL",
            m,
            1.0,
            1.0e6,
            "",
        );
    }
    // Above 80% the placement would hardly count, and a harvest through a hazard could pass.
    c.range(&at("weight"), "aspiration weight", a.weight, 0.0, 80.0, "%");
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

    let presets = patient::check_patient(c, s);
    check_aspiration(c, s);
    check_guidance(c, s);
    check_evaluation(c, s);
    check_anaesthesia(c, s);
    check_preparation(c, s);
    check_expert(c, s);
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
        site::check_site(c, s, i, site, &presets);
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
        // Weights are relative; 1000 each keeps their sum finite.
        c.range(
            &[Field("weights"), Field(name)],
            &format!("weight {name}"),
            v,
            0.0,
            1000.0,
            "",
        );
    }
    if !(w.total().is_finite() && w.total() > 0.0) {
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
