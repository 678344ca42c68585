//! `marrowsim report`: the class's record as one self-contained HTML page (learning curves per
//! trainee with the pass mark, each trainee's breakdown by component, pass rates per scene,
//! the most frequent errors, every attempt), or its metric table as CSV. The page needs no
//! network: its styles, charts (inline SVG) and one small script are all inside it.

mod html;
mod svg;

pub(super) use html::utc;

use super::history_cmd::csv_field;
use super::records::RecordsArgs;
use clap::{Args, ValueEnum};
use marrowsim_core::records::class::Board;
use marrowsim_core::records::history::{ComponentRow, Entry};
use marrowsim_core::records::regrade;
use marrowsim_core::records::store::Filter;
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One page with the charts.
    Html,
    /// The metric table: one row per component of every attempt.
    Csv,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// Where to write the report (CSV without it goes to standard output).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Only this course's attempts.
    #[arg(long)]
    pub course: Option<String>,
    /// Only this trainee's attempts.
    #[arg(long)]
    pub trainee: Option<String>,
    #[arg(long, value_enum, default_value = "html")]
    pub format: Format,
    /// Mark every attempt again from the attempt and scene the record keeps, and say at the
    /// top whether each mark is what its attempt gives (check a record before certifying).
    #[arg(long)]
    pub verify: bool,
    #[command(flatten)]
    pub records: RecordsArgs,
}

/// Text made safe for HTML and SVG, in content and in quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// The metric table (PerkTutor's layout: one row per metric of each attempt).
pub fn csv(entries: &[Entry], components: &[ComponentRow]) -> String {
    let mut out = String::from(
        "attempt,when,trainee,station,course,scene,total,verdict,metric,label,unit,value,points,max_points,severity,rubric\n",
    );
    let by_id: std::collections::HashMap<i64, &Entry> = entries.iter().map(|e| (e.id, e)).collect();
    for c in components {
        let Some(e) = by_id.get(&c.attempt) else {
            continue;
        };
        let row = [
            e.id.to_string(),
            e.when.to_string(),
            csv_field(e.trainee.as_deref().unwrap_or("")),
            csv_field(e.station.as_deref().unwrap_or("")),
            csv_field(e.course.as_deref().unwrap_or("")),
            csv_field(&e.scene),
            format!("{:.1}", e.total),
            format!("{:?}", e.verdict).to_lowercase(),
            csv_field(&c.key),
            csv_field(&c.label),
            csv_field(&c.unit),
            if c.value.is_finite() {
                c.value.to_string()
            } else {
                String::new()
            },
            c.points.to_string(),
            c.max_points.to_string(),
            c.severity.map(|s| s.key().to_string()).unwrap_or_default(),
            e.rubric.map(|r| r.to_string()).unwrap_or_default(),
        ];
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}

pub fn run(args: &ReportArgs) -> Result<(), String> {
    if args.verify && args.format == Format::Csv {
        return Err(
            "--verify: the HTML report says what it finds; for a list, `marrowsim history --verify`"
                .into(),
        );
    }
    let mut store = args.records.reader()?;
    let filter = Filter {
        trainee: args.trainee.as_ref().map(|t| t.trim().to_string()),
        course: args.course.as_ref().map(|c| c.trim().to_string()),
        scene: None,
    };
    let entries = store.entries(&filter)?;
    let components = store.components(&filter)?;
    let mut wrong = Vec::new();
    let text = match args.format {
        Format::Csv => csv(&entries, &components),
        Format::Html => {
            let board = Board::build(&entries, &components);
            let now = if args.verify {
                regrade::verify(store.as_mut(), &entries)
            } else {
                regrade::mark_stale(store.as_mut(), &entries)
            };
            wrong = regrade::mismatches(&entries, &now);
            html::page(&html::Page {
                board: &board,
                entries: &entries,
                now: &now,
                verified: args.verify,
                course: filter.course.as_deref(),
                trainee: filter.trainee.as_deref(),
                source: &store.describe(),
                generated: marrowsim_core::records::history::now(),
            })
        }
    };
    match &args.out {
        Some(path) => {
            marrowsim_core::files::write_atomic(path, text.as_bytes())
                .map_err(|e| format!("{}: cannot write: {e}", path.display()))?;
            out!(
                "{} by {} written to {}",
                crate::cli::count(entries.len(), "attempt"),
                crate::cli::count(Board::build(&entries, &[]).trainees.len(), "trainee"),
                path.display()
            );
        }
        None if args.format == Format::Csv => out!("{}", text.trim_end()),
        None => return Err("--out: name the HTML file to write (report.html)".into()),
    }
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{}; the report says which",
            regrade::not_given(wrong.len())
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cannot_break_out_of_the_page() {
        let e = escape("<script>alert('x')</script> & \"quoted\"\u{7}");
        assert_eq!(
            e,
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quoted&quot;"
        );
    }
}
