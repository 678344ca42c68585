//! `marrowsim import`: attempts collected from trainees (files from `history --export-all`,
//! or any attempt files), each graded again against its scene with the integrity checks of
//! `marrowsim score`, and recorded once: an attempt already in the record (same hash) is not
//! added again. What is refused is listed with its reason.

use super::records::RecordsArgs;
use clap::Args;
use marrowsim_core::grading::scoring::{Admission, score_text_with};
use marrowsim_core::records::attempt::{self, Attempt};
use marrowsim_core::records::history::{Identity, clean_name};
use marrowsim_core::records::store::Recorded;
use marrowsim_core::scenario::{Scenario, errors_text};
use std::path::{Path, PathBuf};

/// Folders are searched this deep (a folder per trainee, a folder per day).
const MAX_DEPTH: usize = 4;
/// More files than this in one import is not a class's collection.
const MAX_FILES: usize = 100_000;

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// Attempt files (.ron), or folders holding them.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Grade every attempt against this scene; without it, the scene in --scenes whose title
    /// the attempt names.
    #[arg(long)]
    pub scene: Option<PathBuf>,
    /// Where the scenes are.
    #[arg(long, default_value = "scenes")]
    pub scenes: PathBuf,
    /// The trainee of attempts whose file names none.
    #[arg(long)]
    pub trainee: Option<String>,
    /// The course of attempts whose file names none.
    #[arg(long)]
    pub course: Option<String>,
    #[command(flatten)]
    pub records: RecordsArgs,
}

fn collect(path: &Path, depth: usize, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let meta = std::fs::symlink_metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if meta.is_dir() {
        if depth >= MAX_DEPTH {
            return Ok(());
        }
        let mut children: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| format!("{}: {e}", path.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_dir() || p.extension().is_some_and(|x| x == "ron"))
            .collect();
        children.sort();
        for c in children {
            collect(&c, depth + 1, out)?;
        }
    } else {
        out.push(path.to_path_buf());
    }
    if out.len() > MAX_FILES {
        return Err(format!(
            "more than {MAX_FILES} files under the paths given; import them in parts"
        ));
    }
    Ok(())
}

/// The scenes an attempt may name, by title.
fn catalogue(args: &ImportArgs) -> Result<Vec<(PathBuf, Scenario)>, String> {
    if let Some(p) = &args.scene {
        return Ok(vec![(
            p.clone(),
            Scenario::load(p).map_err(|e| errors_text(&e))?,
        )]);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(&args.scenes)
        .map_err(|e| {
            format!(
                "{}: {e} (name the scene with --scene)",
                args.scenes.display()
            )
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "ron"))
        .collect();
    files.sort();
    Ok(files
        .into_iter()
        .filter_map(|p| Scenario::load(&p).ok().map(|s| (p, s)))
        .collect())
}

fn named(flag: &str, name: &Option<String>) -> Result<Option<String>, String> {
    name.as_deref()
        .map(clean_name)
        .transpose()
        .map_err(|e| format!("{flag}: {e}"))
}

pub fn run(args: &ImportArgs) -> Result<(), String> {
    let trainee = named("--trainee", &args.trainee)?;
    let course = named("--course", &args.course)?;
    let mut files = Vec::new();
    for p in &args.paths {
        collect(p, 0, &mut files)?;
    }
    let scenes = catalogue(args)?;
    let mut store = args.records.writer()?;
    let (mut added, mut again, mut refused) = (0, 0, Vec::<String>::new());
    for file in &files {
        let shown = file.display().to_string();
        let result = (|| {
            let text =
                marrowsim_core::files::read_text(file, attempt::MAX_FILE_BYTES, "attempt files")
                    .map_err(|e| e.to_string())?;
            let title = Attempt::parse(&text, &shown)
                .map_err(|e| e.to_string())?
                .scene;
            let (scene_path, scenario) = match scenes.as_slice() {
                [only] if args.scene.is_some() => only,
                _ => scenes
                    .iter()
                    .find(|(_, s)| s.title == title)
                    .ok_or_else(|| {
                        format!(
                            "{shown}: no scene in {} is titled \"{title}\"; name it with --scene",
                            args.scenes.display()
                        )
                    })?,
            };
            let graded = score_text_with(
                scenario,
                &scene_path.display().to_string(),
                &text,
                &shown,
                Admission::Strict,
            )?;
            let named = graded.attempt.who.clone().unwrap_or_default();
            let who = Identity {
                trainee: named.trainee.or_else(|| trainee.clone()),
                station: named.station,
                course: named.course.or_else(|| course.clone()),
            };
            let when = graded.attempt.when.unwrap_or_else(|| {
                std::fs::metadata(file)
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_secs())
            });
            let record = Recorded::new(
                &graded.attempt,
                &graded.score,
                scenario,
                Some(scene_path),
                &who,
                when,
                "collected",
            )?;
            store.add(&record)
        })();
        match result {
            Ok(a) if a.new => added += 1,
            Ok(_) => again += 1,
            Err(e) => refused.push(e),
        }
    }
    for r in &refused {
        eprintln!("refused: {r}");
    }
    out!(
        "{}: {added} recorded, {again} already in the record, {} refused ({})",
        super::count(files.len(), "file"),
        refused.len(),
        store.describe()
    );
    if let Some(s) = store.sharing().filter(|s| s.waiting > 0) {
        out!(
            "{} {} for {}: {}",
            super::count(s.waiting, "attempt"),
            if s.waiting == 1 { "waits" } else { "wait" },
            s.address,
            s.error.as_deref().unwrap_or("not sent yet")
        );
    }
    if refused.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} of {} {} refused",
            refused.len(),
            super::count(files.len(), "file"),
            if refused.len() == 1 { "was" } else { "were" }
        ))
    }
}
