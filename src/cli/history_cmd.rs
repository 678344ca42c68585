//! `marrowsim history`: the marked attempts in the record, oldest first; their components as
//! CSV; and any attempt exported back to a file for `marrowsim score`.

use clap::{Args, ValueEnum};
use marrowsim_core::grading::scoring::RUBRIC;
use marrowsim_core::records::attempt::{self, Attempt};
use marrowsim_core::records::history::{Entry, Identity};
use marrowsim_core::records::regrade::{self, Now};
use marrowsim_core::records::store::{self, Filter, Store};
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A table, one attempt a line.
    Text,
    /// One JSON object per attempt, a line each.
    Json,
    /// One row per component of every attempt: attempt, scene, metric, unit, value, points.
    Csv,
}

#[derive(Args, Debug)]
pub struct HistoryArgs {
    #[command(flatten)]
    pub records: super::records::RecordsArgs,
    /// Only attempts on scenes whose title contains this text.
    #[arg(long)]
    pub scene: Option<String>,
    /// Only this trainee's attempts (the name as recorded).
    #[arg(long)]
    pub trainee: Option<String>,
    /// Only this course's attempts.
    #[arg(long)]
    pub course: Option<String>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// The same as --format json.
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
    /// Write this attempt (by its number) to --out as an attempt file.
    #[arg(long, requires = "out")]
    pub export: Option<i64>,
    /// Where --export writes the attempt.
    #[arg(long, requires = "export")]
    pub out: Option<PathBuf>,
    /// Write every selected attempt into this folder, one file each, naming the trainee,
    /// for an instructor to collect with `marrowsim import`.
    #[arg(long, value_name = "DIR")]
    pub export_all: Option<PathBuf>,
    /// Remove this attempt from the record (in a room's record, the instructor's right).
    #[arg(long, value_name = "ID")]
    pub remove: Option<i64>,
    /// Mark every listed attempt again from the attempt and scene the record keeps, and fail
    /// if any mark is not what its attempt gives (check a record before certifying with it).
    #[arg(long, conflicts_with_all = ["export", "export_all", "remove", "set_trainee"])]
    pub verify: bool,
    /// Correct who made an attempt: --set-trainee ID NAME (the instructor's right).
    #[arg(long, num_args = 2, value_names = ["ID", "NAME"])]
    pub set_trainee: Option<Vec<String>>,
}

/// A text field of a CSV, quoted when it holds a separator, a quote or a line break. Text
/// that a spreadsheet would take for a formula (a trainee's name typed as `=…`) gets a
/// leading `'`, so that opening the file shows it and runs nothing.
pub(super) fn csv_field(s: &str) -> String {
    let text = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// The attempt as the record holds it, naming who made it and when, ready to be collected.
fn attempt_file(store: &mut dyn Store, e: &Entry) -> Result<String, String> {
    let text = store.attempt_text(e.id)?;
    let mut attempt =
        Attempt::parse(&text, &format!("attempt {}", e.id)).map_err(|err| err.to_string())?;
    attempt.version = attempt::VERSION;
    attempt.who = Some(Identity {
        trainee: e.trainee.clone(),
        station: e.station.clone(),
        course: e.course.clone(),
    });
    attempt.when = Some(e.when.min(attempt::MAX_WHEN));
    attempt.to_ron().map_err(|err| err.to_string())
}

pub fn run(args: &HistoryArgs) -> Result<(), String> {
    let mut store = args.records.reader()?;
    let store = store.as_mut();
    if let Some(id) = args.remove {
        store.remove(id)?;
        out!("attempt {id} removed from {}", store.describe());
        return Ok(());
    }
    if let Some([id, name]) = args.set_trainee.as_deref() {
        let id: i64 = id
            .parse()
            .map_err(|_| format!("--set-trainee: `{id}` is not an attempt number"))?;
        store.set_trainee(id, Some(name))?;
        out!("attempt {id} is now {}'s", name.trim());
        return Ok(());
    }
    let filter = Filter {
        trainee: args.trainee.as_ref().map(|t| t.trim().to_string()),
        course: args.course.as_ref().map(|c| c.trim().to_string()),
        scene: args.scene.clone(),
    };
    let entries = store.entries(&filter)?;
    if let (Some(id), Some(out)) = (args.export, &args.out) {
        let e = store
            .entries(&Filter::everything())?
            .into_iter()
            .find(|e| e.id == id)
            .ok_or_else(|| format!("{}: there is no attempt {id}", store.describe()))?;
        let text = attempt_file(store, &e)?;
        marrowsim_core::files::write_atomic(out, text.as_bytes())
            .map_err(|e| format!("{}: cannot write: {e}", out.display()))?;
        out!("attempt {id} written to {}", out.display());
        return Ok(());
    }
    if let Some(dir) = &args.export_all {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for e in &entries {
            let text = attempt_file(store, e)?;
            // The record's hash names the file; what is not a hex digit in a hand-edited
            // record (a path, a character of two bytes) is left out of the name.
            let hash: String = e
                .attempt_hash
                .as_deref()
                .unwrap_or("")
                .chars()
                .filter(char::is_ascii_hexdigit)
                .take(12)
                .collect();
            let path = dir.join(format!("attempt-{:05}-{hash}.ron", e.id));
            marrowsim_core::files::write_atomic(&path, text.as_bytes())
                .map_err(|err| format!("{}: cannot write: {err}", path.display()))?;
        }
        out!(
            "{} written to {}",
            super::count(entries.len(), "attempt"),
            dir.display()
        );
        return Ok(());
    }
    let mine: Vec<&Entry> = entries.iter().collect();
    let format = if args.json { Format::Json } else { args.format };
    let twins = store::twins(&entries);
    let now = if args.verify {
        regrade::verify(store, &entries)
    } else if format == Format::Csv {
        Default::default()
    } else {
        regrade::mark_stale(store, &entries)
    };
    let wrong = regrade::mismatches(&entries, &now);
    match format {
        Format::Json => {
            for e in &mine {
                let line = Listed {
                    entry: e,
                    now: now.get(&e.id),
                    same_as: twins.get(&e.id).copied(),
                };
                out!(
                    "{}",
                    serde_json::to_string(&line).map_err(|e| e.to_string())?
                );
            }
        }
        Format::Csv => {
            out!("attempt,scene,metric,unit,value,points,max_points,trainee");
            let titles: std::collections::HashMap<i64, &Entry> =
                mine.iter().map(|e| (e.id, *e)).collect();
            for c in store.components(&filter)? {
                let Some(e) = titles.get(&c.attempt) else {
                    continue;
                };
                out!(
                    "{},{},{},{},{},{},{},{}",
                    c.attempt,
                    csv_field(&e.scene),
                    csv_field(&c.key),
                    csv_field(&c.unit),
                    if c.value.is_finite() {
                        c.value.to_string()
                    } else {
                        String::new()
                    },
                    c.points,
                    c.max_points,
                    csv_field(e.trainee.as_deref().unwrap_or(""))
                );
            }
        }
        Format::Text if mine.is_empty() => {
            out!("no marked attempts in {}", store.describe());
        }
        Format::Text => {
            out!(
                "{:>5} {:<20} {:<20} {:<40} {:>6} {:>5}  verdict",
                "#",
                "when",
                "trainee",
                "scene",
                "total",
                "pass"
            );
            for e in &mine {
                let then = format!("{:?}", e.verdict).to_lowercase();
                let mut verdict = match now.get(&e.id) {
                    None => then,
                    Some(n) if n.contradicts(e) => {
                        format!("{then:<7}! the attempt gives {}", n.brief())
                    }
                    Some(_) if regrade::is_current(e) => then,
                    Some(n) if n.differs(e) => format!("{then:<7}* now {}", n.brief()),
                    Some(_) => format!("{then:<7}* the same now"),
                };
                if let Some(first) = twins.get(&e.id) {
                    verdict.push_str(&format!("  (the same attempt as #{first})"));
                }
                out!(
                    "{:>5} {:<20} {:<20} {:<40} {:>6.1} {:>5.0}  {}",
                    e.id,
                    super::report::utc(e.when),
                    e.trainee.as_deref().unwrap_or("-"),
                    e.scene,
                    e.total,
                    e.pass_mark,
                    verdict,
                );
            }
            if entries.iter().any(|e| !regrade::is_current(e)) && !now.is_empty() {
                out!("");
                out!("{}", older_rubric_note(&entries, &now));
            }
            if args.verify {
                out!("");
                out!("{}", verified_note(&entries, &now, &wrong));
            }
            if !twins.is_empty() {
                let ids: Vec<String> = twins.keys().map(|i| i.to_string()).collect();
                out!("");
                out!(
                    "Kept twice, and counted twice until removed (an attempt exported by an older marrowsim and imported again): {}. Remove each with `marrowsim history --remove ID`.",
                    ids.join(", ")
                );
            }
        }
    }
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{}: {}",
            regrade::not_given(wrong.len()),
            regrade::numbered(&wrong)
        ))
    }
}

/// What `--verify` found, under the table.
fn verified_note(
    entries: &[Entry],
    now: &std::collections::BTreeMap<i64, Now>,
    wrong: &[i64],
) -> String {
    let current = entries.iter().filter(|e| regrade::is_current(e)).count();
    if current == 0 {
        return format!(
            "Verified: none of these attempts was marked by this rubric (version {RUBRIC}); what it gives the older ones is above."
        );
    }
    let mut note = format!(
        "Verified: {} marked by this rubric (version {RUBRIC}) marked again from the attempt and scene the record keeps",
        super::count(current, "attempt")
    );
    if wrong.is_empty() {
        note.push_str(": each mark is what its attempt gives.");
        return note;
    }
    note.push_str(&format!(
        ". ! {} under the same rubric. {} Do not certify with {}.",
        regrade::not_given(wrong.len()),
        regrade::CHANGED,
        if wrong.len() == 1 { "it" } else { "them" }
    ));
    for id in wrong {
        if let Some(Now::Unmarkable { reason }) = now.get(id) {
            note.push_str(&format!(
                "\n  attempt {id} cannot be marked again: {reason}"
            ));
        }
    }
    note
}

/// One attempt as `--json` lists it: the entry, and what the current rubric gives it when an
/// older one marked it.
#[derive(serde::Serialize)]
struct Listed<'a> {
    #[serde(flatten)]
    entry: &'a Entry,
    #[serde(skip_serializing_if = "Option::is_none")]
    now: Option<&'a Now>,
    /// The earlier entry this one is the same attempt as.
    #[serde(skip_serializing_if = "Option::is_none")]
    same_as: Option<i64>,
}

/// What the `*` in the table means, and why any attempt could not be marked again.
fn older_rubric_note(entries: &[Entry], now: &std::collections::BTreeMap<i64, Now>) -> String {
    let mut note = format!(
        "* marked by an older rubric, or before records kept one. `now` is what this marrowsim's \
         rubric (version {RUBRIC}) gives the same attempt on the same scene; the record keeps the \
         mark as it was given. docs/scoring.md lists what each version changed."
    );
    for e in entries.iter().filter(|e| !regrade::is_current(e)) {
        if let Some(Now::Unmarkable { reason }) = now.get(&e.id) {
            let id = e.id;
            note.push_str(&format!(
                "\n  attempt {id} cannot be marked again: {reason}"
            ));
        }
    }
    note
}
