//! The report's charts as inline SVG: a learning curve, a breakdown by component, and pass
//! rates by scene. Every chart is sized in its own coordinates and scales with the page.

use super::escape;
use marrowsim_core::grading::scoring::Verdict;
use marrowsim_core::records::class::{Point, SceneRow};
use std::fmt::Write as _;

pub const PASS: &str = "#2e7d32";
pub const FAIL: &str = "#e65100";
pub const UNSAFE: &str = "#c62828";
/// The learning curve's line: the colour the browser test looks for in the screenshot.
pub const CURVE: &str = "#1f5fa8";
/// A component's bar with most, not all, of its points: lighter than the curve, so the test's
/// count of the curve's colour sees only curves.
const PARTIAL: &str = "#7ea6d8";

fn verdict_colour(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => PASS,
        Verdict::Fail => FAIL,
        Verdict::Unsafe => UNSAFE,
    }
}

/// Score against attempt number, with the pass mark; each point coloured by its verdict.
pub fn learning_curve(name: &str, points: &[Point]) -> String {
    let (w, h) = (680.0_f32, 280.0_f32);
    let (l, r, t, b) = (52.0, 20.0, 18.0, 46.0);
    let n = points.len().max(1);
    let x = |i: usize| {
        if n == 1 {
            l + (w - l - r) / 2.0
        } else {
            l + (w - l - r) * i as f32 / (n - 1) as f32
        }
    };
    let y = |score: f32| t + (h - t - b) * (1.0 - score.clamp(0.0, 100.0) / 100.0);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="curve" data-trainee="{}" viewBox="0 0 {w} {h}" role="img" aria-label="Learning curve of {}">"#,
        escape(name),
        escape(name)
    );
    let _ = write!(s, "<title>Learning curve of {}</title>", escape(name));
    for g in [0, 25, 50, 75, 100] {
        let gy = y(g as f32);
        let _ = write!(
            s,
            r##"<line x1="{l}" y1="{gy}" x2="{}" y2="{gy}" stroke="#d0d4da" stroke-width="1"/><text x="{}" y="{}" class="axis" text-anchor="end">{g}</text>"##,
            w - r,
            l - 8.0,
            gy + 5.0
        );
    }
    // The pass mark of each attempt's scene, as steps where scenes differ.
    let mut marks = String::new();
    for (i, p) in points.iter().enumerate() {
        let half = if n == 1 {
            40.0
        } else {
            (w - l - r) / (n - 1) as f32 / 2.0
        };
        let _ = write!(
            marks,
            "M{:.1} {:.1}H{:.1}",
            (x(i) - half).max(l),
            y(p.pass_mark),
            (x(i) + half).min(w - r)
        );
    }
    let _ = write!(
        s,
        r##"<path class="pass-mark" d="{marks}" stroke="#555" stroke-width="2" stroke-dasharray="7 5" fill="none"/>"##
    );
    if let Some(p) = points.first() {
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" class="axis" text-anchor="end">pass mark</text>"#,
            w - r,
            y(p.pass_mark) - 7.0
        );
    }
    let line: Vec<String> = points
        .iter()
        .enumerate()
        .map(|(i, p)| format!("{:.1},{:.1}", x(i), y(p.total)))
        .collect();
    let _ = write!(
        s,
        r#"<polyline points="{}" stroke="{CURVE}" stroke-width="3" fill="none"/>"#,
        line.join(" ")
    );
    for (i, p) in points.iter().enumerate() {
        let (cx, cy) = (x(i), y(p.total));
        let tip = format!(
            "Attempt {} (record #{}): {:.1}, {} — {}",
            p.n,
            p.id,
            p.total,
            format!("{:?}", p.verdict).to_lowercase(),
            p.scene
        );
        let colour = verdict_colour(p.verdict);
        if p.verdict == Verdict::Unsafe {
            let _ = write!(
                s,
                r#"<g class="point unsafe"><title>{}</title><path d="M{} {}l12 12m0 -12l-12 12" stroke="{colour}" stroke-width="4"/></g>"#,
                escape(&tip),
                cx - 6.0,
                cy - 6.0
            );
        } else {
            let _ = write!(
                s,
                r#"<circle class="point" cx="{cx:.1}" cy="{cy:.1}" r="6" fill="{colour}" stroke="white" stroke-width="1.5"><title>{}</title></circle>"#,
                escape(&tip)
            );
        }
    }
    let step = n.div_ceil(12).max(1);
    for (i, p) in points.iter().enumerate() {
        if i % step == 0 || i + 1 == n {
            let _ = write!(
                s,
                r#"<text x="{:.1}" y="{}" class="axis" text-anchor="middle">{}</text>"#,
                x(i),
                h - b + 20.0,
                p.n
            );
        }
    }
    let _ = write!(
        s,
        r#"<text x="{}" y="{}" class="axis" text-anchor="middle">attempt</text></svg>"#,
        (l + w - r) / 2.0,
        h - 6.0
    );
    s
}

/// Horizontal bars: each label's share, 0–1, with the text beside the bar.
fn bars(class: &str, rows: &[(String, f32, String)]) -> String {
    let (w, row_h, label_w, value_w) = (680.0_f32, 28.0_f32, 400.0_f32, 110.0_f32);
    let h = row_h * rows.len() as f32 + 8.0;
    let bar_w = w - label_w - value_w;
    let mut s = format!(r#"<svg class="{class}" viewBox="0 0 {w} {h}" role="img">"#);
    for (i, (label, share, value)) in rows.iter().enumerate() {
        let top = 4.0 + row_h * i as f32;
        let shown: String = if label.chars().count() > 50 {
            label.chars().take(48).collect::<String>() + "…"
        } else {
            label.clone()
        };
        let share = share.clamp(0.0, 1.0);
        let colour = if share >= 0.999 {
            PASS
        } else if share >= 0.7 {
            PARTIAL
        } else {
            FAIL
        };
        let _ = write!(
            s,
            r##"<text x="{}" y="{}" class="label" text-anchor="end">{}</text><rect x="{label_w}" y="{}" width="{bar_w}" height="{}" fill="#e8ebef"/><rect x="{label_w}" y="{}" width="{:.1}" height="{}" fill="{colour}"><title>{}: {}</title></rect><text x="{}" y="{}" class="value">{}</text>"##,
            label_w - 10.0,
            top + 19.0,
            escape(&shown),
            top + 5.0,
            row_h - 10.0,
            top + 5.0,
            bar_w * share,
            row_h - 10.0,
            escape(label),
            escape(value),
            label_w + bar_w + 10.0,
            top + 19.0,
            escape(value)
        );
    }
    s.push_str("</svg>");
    s
}

/// Each component's share of its points over a trainee's attempts.
pub fn components(rows: &[(String, String, f32)]) -> String {
    let rows: Vec<(String, f32, String)> = rows
        .iter()
        .map(|(_, label, share)| (label.clone(), *share, format!("{:.0}%", share * 100.0)))
        .collect();
    bars("components", &rows)
}

/// Pass rate per scene.
pub fn scenes(rows: &[SceneRow]) -> String {
    let rows: Vec<(String, f32, String)> = rows
        .iter()
        .map(|r| {
            (
                r.scene.clone(),
                r.pass_rate(),
                format!(
                    "{}/{} ({:.0}%)",
                    r.passes,
                    r.attempts,
                    r.pass_rate() * 100.0
                ),
            )
        })
        .collect();
    bars("scenes", &rows)
}
