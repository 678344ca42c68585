//! The report page.

use super::{escape, svg};
use marrowsim_core::grading::scoring::{RUBRIC, Verdict};
use marrowsim_core::records::class::Board;
use marrowsim_core::records::history::Entry;
use marrowsim_core::records::regrade::{self, Now};
use std::collections::BTreeMap;
use std::fmt::Write as _;

pub struct Page<'a> {
    pub board: &'a Board,
    pub entries: &'a [Entry],
    /// What the current rubric gives the attempts an older one marked, by id; with
    /// `verified`, every attempt.
    pub now: &'a BTreeMap<i64, Now>,
    /// Whether every attempt was marked again (`--verify`), and the page says what it found.
    pub verified: bool,
    pub course: Option<&'a str>,
    pub trainee: Option<&'a str>,
    pub source: &'a str,
    /// Seconds since 1970.
    pub generated: u64,
}

/// `2026-12-01 07:50 UTC` from seconds since 1970 (the civil calendar from a day count).
pub fn utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let (hh, mm) = ((secs % 86_400) / 3600, (secs % 3600) / 60);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + (m <= 2) as i64;
    format!("{y:04}-{m:02}-{d:02} {hh:02}:{mm:02} UTC")
}

const STYLE: &str = r#"
:root { color-scheme: light; }
body { font: 17px/1.45 system-ui, "DejaVu Sans", sans-serif; color: #1d232b; background: #f5f6f8;
       margin: 0; }
main { max-width: 1040px; margin: 0 auto; padding: 24px 28px 60px; }
h1 { font-size: 30px; margin: 0 0 4px; }
h2 { font-size: 23px; margin: 36px 0 12px; border-bottom: 2px solid #d0d4da; padding-bottom: 4px; }
h3 { font-size: 20px; margin: 0 0 2px; }
.meta { color: #56606b; margin: 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); gap: 12px;
         margin-top: 18px; }
.card { background: white; border-radius: 8px; padding: 12px 16px; box-shadow: 0 1px 3px #0002; }
.card b { display: block; font-size: 28px; }
.trainee { background: white; border-radius: 8px; padding: 16px 18px; margin: 14px 0;
           box-shadow: 0 1px 3px #0002; }
svg { width: 100%; height: auto; display: block; margin: 8px 0; }
svg text { font: 15px system-ui, "DejaVu Sans", sans-serif; fill: #2b323b; }
svg .axis { font-size: 13px; fill: #56606b; }
svg .label, svg .value { font-size: 14px; }
.legend span { margin-right: 16px; white-space: nowrap; }
.dot { display: inline-block; width: 12px; height: 12px; border-radius: 6px; margin-right: 5px;
       vertical-align: -1px; }
table { border-collapse: collapse; width: 100%; background: white; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid #e3e6ea; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.pass { color: #2e7d32; font-weight: 600; }
.fail { color: #e65100; font-weight: 600; }
.unsafe { color: #c62828; font-weight: 700; }
.notice { background: #fff4d6; border-left: 5px solid #b7791f; padding: 10px 14px; margin-top: 18px; }
.notice.alert { background: #fde8e8; border-left-color: #c62828; }
.notice.checked { background: #e8f5e9; border-left-color: #2e7d32; }
select { font: inherit; padding: 2px 6px; }
.hidden { display: none; }
"#;

/// Shows one trainee's section, or all: the page works without it.
const SCRIPT: &str = r#"
const pick = document.getElementById('who');
pick.addEventListener('change', () => {
  for (const section of document.querySelectorAll('article.trainee')) {
    section.classList.toggle('hidden', pick.value !== '' && section.dataset.trainee !== pick.value);
  }
});
"#;

fn verdict_class(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "pass",
        Verdict::Fail => "fail",
        Verdict::Unsafe => "unsafe",
    }
}

fn percent(part: usize, whole: usize) -> String {
    if whole == 0 {
        "–".into()
    } else {
        format!("{:.0}%", 100.0 * part as f32 / whole as f32)
    }
}

pub fn page(p: &Page<'_>) -> String {
    let b = p.board;
    let mut s = String::new();
    let title = match (p.course, p.trainee) {
        (Some(c), Some(t)) => format!("{t} in {c}"),
        (Some(c), None) => c.to_string(),
        (None, Some(t)) => t.to_string(),
        (None, None) => "All attempts".to_string(),
    };
    let _ = write!(
        s,
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>marrowsim report: {}</title><style>{STYLE}</style></head><body><main>"#,
        escape(&title)
    );
    let _ = write!(
        s,
        r#"<h1>marrowsim report: {}</h1><p class="meta">{} by {} · generated {} · from {}</p>"#,
        escape(&title),
        crate::cli::count(b.attempts, "attempt"),
        crate::cli::count(b.trainees.len(), "trainee"),
        utc(p.generated),
        escape(p.source)
    );
    let worst = b
        .most_frequent_error()
        .map(|e| format!("{} ({})", e.label, crate::cli::count(e.attempts, "attempt")))
        .unwrap_or_else(|| "none".into());
    let _ = write!(
        s,
        r#"<div class="cards"><div class="card">Attempts<b>{}</b></div><div class="card">Passed<b>{}</b>{}</div><div class="card">Trainees<b>{}</b></div><div class="card">Most frequent error<b style="font-size:19px">{}</b></div></div>"#,
        b.attempts,
        b.passes,
        percent(b.passes, b.attempts),
        b.trainees.len(),
        escape(&worst)
    );

    if p.verified {
        let _ = write!(s, "{}", verified_notice(p));
    }
    if let Some(notice) = older_rubric_notice(p) {
        let _ = write!(s, r#"<p class="notice" id="older-rubric">{notice}</p>"#);
    }
    let twins = marrowsim_core::records::store::twins(p.entries);
    if !twins.is_empty() {
        let pairs: Vec<String> = twins
            .iter()
            .map(|(later, first)| format!("#{later} is #{first}"))
            .collect();
        let _ = write!(
            s,
            r#"<p class="notice" id="twins">Kept twice, and counted twice here until removed (an attempt exported by an older marrowsim and imported again): {}. Remove the later one with <code>marrowsim history --remove ID</code>.</p>"#,
            pairs.join(", ")
        );
    }

    s.push_str("<h2>Learning curves</h2>");
    if b.trainees.is_empty() {
        s.push_str("<p>No attempts are recorded for this selection.</p>");
    } else {
        s.push_str(r#"<p><label>Show <select id="who"><option value="">every trainee</option>"#);
        for t in &b.trainees {
            let _ = write!(s, "<option>{}</option>", escape(&t.name));
        }
        let _ = write!(
            s,
            r#"</select></label></p><p class="legend"><span><i class="dot" style="background:{}"></i>pass</span><span><i class="dot" style="background:{}"></i>fail</span><span><i class="dot" style="background:{}"></i>unsafe (×)</span><span>dashed: the scene's pass mark</span></p>"#,
            svg::PASS,
            svg::FAIL,
            svg::UNSAFE
        );
    }
    for t in &b.trainees {
        let last = t.curve.last().map(|p| p.total).unwrap_or(0.0);
        let _ = write!(
            s,
            r#"<article class="trainee" data-trainee="{}"><h3>{}</h3><p class="meta">{} · {} passed ({}) · {} unsafe · last {:.1}{}</p>"#,
            escape(&t.name),
            escape(&t.name),
            crate::cli::count(t.attempts, "attempt"),
            t.passes,
            percent(t.passes, t.attempts),
            t.unsafe_attempts,
            last,
            if t.stations.is_empty() {
                String::new()
            } else {
                format!(" · at {}", escape(&t.stations.join(", ")))
            }
        );
        s.push_str(&svg::learning_curve(&t.name, &t.curve));
        if !t.components.is_empty() {
            s.push_str("<h4>Share of each component's points, over these attempts</h4>");
            s.push_str(&svg::components(&t.components));
        }
        s.push_str("</article>");
    }

    s.push_str("<h2>Pass rate by scene</h2>");
    if b.scenes.is_empty() {
        s.push_str("<p>No scenes.</p>");
    } else {
        s.push_str(&svg::scenes(&b.scenes));
    }

    s.push_str("<h2>Most frequent errors</h2>");
    if b.errors.is_empty() {
        s.push_str("<p>Every attempt passed.</p>");
    } else {
        s.push_str(
            r#"<p class="meta">The component that decided each attempt that did not pass: the most serious, then the one that lost the most points, as the score's feedback orders them.</p><table><tr><th>Error</th><th>Attempts</th></tr>"#,
        );
        for e in &b.errors {
            let _ = write!(
                s,
                r#"<tr><td>{}</td><td class="n">{}</td></tr>"#,
                escape(&e.label),
                e.attempts
            );
        }
        s.push_str("</table>");
    }

    let now_head = if p.now.is_empty() {
        String::new()
    } else {
        format!("<th>Now (rubric {RUBRIC})</th>")
    };
    let _ = write!(
        s,
        r#"<h2>Attempts</h2><details{}><summary>All {}</summary><table><tr><th>#</th><th>When</th><th>Trainee</th><th>Station</th><th>Scene</th><th>Total</th><th>Verdict</th>{now_head}</tr>"#,
        if any_differs(p) { " open" } else { "" },
        crate::cli::count(p.entries.len(), "attempt")
    );
    for e in p.entries {
        let now = match p.now.get(&e.id) {
            _ if p.now.is_empty() => String::new(),
            None => "<td>–</td>".into(),
            Some(n) if !n.differs(e) => "<td>the same</td>".into(),
            Some(Now::Marked { total, verdict }) => format!(
                r#"<td class="{}">{} {total:.1}</td>"#,
                verdict_class(*verdict),
                verdict_class(*verdict)
            ),
            Some(Now::Unmarkable { reason }) => {
                format!("<td>cannot mark again: {}</td>", escape(reason))
            }
        };
        let _ = write!(
            s,
            r#"<tr><td class="n">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class="n">{:.1}</td><td class="{}">{}</td>{now}</tr>"#,
            e.id,
            utc(e.when),
            escape(e.trainee.as_deref().unwrap_or("–")),
            escape(e.station.as_deref().unwrap_or("–")),
            escape(&e.scene),
            e.total,
            verdict_class(e.verdict),
            verdict_class(e.verdict)
        );
    }
    s.push_str("</table></details>");
    if !b.trainees.is_empty() {
        let _ = write!(s, "<script>{SCRIPT}</script>");
    }
    s.push_str("</main></body></html>\n");
    s
}

fn any_differs(p: &Page<'_>) -> bool {
    p.entries
        .iter()
        .any(|e| p.now.get(&e.id).is_some_and(|n| n.differs(e)))
}

/// What `--verify` found: each mark the current rubric gave checked against the attempt and
/// scene the record keeps.
fn verified_notice(p: &Page<'_>) -> String {
    let wrong = regrade::mismatches(p.entries, p.now);
    let current = p.entries.iter().filter(|e| regrade::is_current(e)).count();
    if current == 0 {
        return format!(
            r#"<p class="notice" id="verified">Verified: none of these attempts was marked by this rubric (version {RUBRIC}); the table of attempts shows what it gives the older ones.</p>"#
        );
    }
    if wrong.is_empty() {
        return format!(
            r#"<p class="notice checked" id="verified">Verified: {} marked by this rubric (version {RUBRIC}) marked again from the attempt and scene the record keeps. Each mark is what its attempt gives.</p>"#,
            crate::cli::count(current, "attempt")
        );
    }
    let listed: Vec<String> = p
        .entries
        .iter()
        .filter(|e| wrong.contains(&e.id))
        .map(|e| {
            let recorded = format!("{} {:.1}", verdict_class(e.verdict), e.total);
            let now = p.now.get(&e.id).map(Now::brief).unwrap_or_default();
            format!(
                "#{} is recorded as {recorded}; its attempt gives {now}",
                e.id
            )
        })
        .collect();
    format!(
        r#"<p class="notice alert" id="mismatch">Of the {} given by this rubric (version {RUBRIC}), {} under the same rubric: {}. {} Do not certify with {}.</p>"#,
        crate::cli::count(current, "mark"),
        regrade::not_given(wrong.len()),
        escape(&listed.join("; ")),
        regrade::CHANGED,
        if wrong.len() == 1 {
            "this mark"
        } else {
            "these marks"
        },
    )
}

/// The line that tells an instructor that some marks came from an older rubric, and how many
/// of them the current one would change.
fn older_rubric_notice(p: &Page<'_>) -> Option<String> {
    let is_older = |e: &&Entry| !regrade::is_current(e);
    let older = p
        .entries
        .iter()
        .filter(is_older)
        .filter(|e| p.now.contains_key(&e.id))
        .count();
    if older == 0 {
        return None;
    }
    let (mut changed, mut unmarkable) = (0, 0);
    for e in p.entries.iter().filter(is_older) {
        match p.now.get(&e.id) {
            Some(Now::Unmarkable { .. }) => unmarkable += 1,
            Some(n) if n.differs(e) => changed += 1,
            _ => {}
        }
    }
    let what = match (changed, unmarkable) {
        (0, 0) => "gives each of them the same mark".to_string(),
        (0, u) => format!("cannot mark {u} of them again; the table of attempts says why"),
        (c, 0) => format!("gives {c} of them another mark; the table of attempts shows both"),
        (c, u) => format!(
            "gives {c} of them another mark and cannot mark {u} again; the table of attempts shows both, and why"
        ),
    };
    Some(format!(
        "{} marked by an older rubric, or before records kept one. The counts and curves above are the marks as given. This marrowsim's rubric (version {RUBRIC}) {what}.",
        if older == 1 {
            "1 attempt was".to_string()
        } else {
            format!("{older} attempts were")
        }
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_are_the_civil_calendar() {
        assert_eq!(super::utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(super::utc(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(
            super::utc(1_796_083_200 + 7 * 3600 + 50 * 60),
            "2026-12-01 07:50 UTC"
        );
    }
}
