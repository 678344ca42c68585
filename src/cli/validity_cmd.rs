//! `marrowsim validity`: do experts outscore novices on this scene? Two seeded cohorts scored
//! by the real `score`, reported as the AUC, the pass rates, each component's AUC and a
//! histogram of the totals.

use super::raster::Canvas;
use clap::{Args, ValueEnum};
use marrowsim_core::grading::validity::{self, Validity};
use marrowsim_core::scenario::Scenario;
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Args, Debug)]
pub struct ValidityArgs {
    pub scene: PathBuf,
    /// Subjects in each cohort.
    #[arg(long, default_value_t = 50)]
    pub subjects: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Write a histogram of both cohorts' totals, with the pass mark, as a PNG.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn run(args: &ValidityArgs) -> Result<(), String> {
    if args.subjects == 0 || args.subjects > 5000 {
        return Err(format!("--subjects {} must be 1–5000", args.subjects));
    }
    let scenario =
        Scenario::load(&args.scene).map_err(|e| marrowsim_core::scenario::errors_text(&e))?;
    let v = validity::run(&scenario, args.subjects, args.seed)?;
    match args.format {
        Format::Json => out!(
            "{}",
            serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?
        ),
        Format::Text => {
            out!(
                "{}: {} experts, {} novices (seed {})",
                v.scene,
                v.subjects,
                v.subjects,
                v.seed
            );
            out!("AUC {:.3}", v.auc);
            out!(
                "pass rate: experts {:.0}%, novices {:.0}%",
                100.0 * v.expert_pass_rate,
                100.0 * v.novice_pass_rate
            );
            out!("component AUCs:");
            for (k, a) in &v.components {
                out!("  {k:<40} {a:.3}");
            }
        }
    }
    if let Some(out) = &args.out {
        histogram(&v, scenario.pass_mark)
            .save_png(out)
            .map_err(|e| format!("{}: cannot write: {e}", out.display()))?;
    }
    Ok(())
}

/// Both cohorts' totals in bins of 5 points, experts green and novices amber side by side,
/// with the pass mark.
fn histogram(v: &Validity, pass_mark: f32) -> Canvas {
    const W: usize = 720;
    const H: usize = 380;
    let (left, right, top, bottom) = (60.0, 20.0, 50.0, 50.0);
    let plot_w = W as f32 - left - right;
    let plot_h = H as f32 - top - bottom;
    let mut c = Canvas::new(W, H, [24, 26, 32]);
    let bins = |totals: &[f32]| {
        let mut b = [0usize; 20];
        for t in totals {
            b[((t / 5.0) as usize).min(19)] += 1;
        }
        b
    };
    let (e, n) = (bins(&v.expert.totals), bins(&v.novice.totals));
    let most = e.iter().chain(&n).copied().max().unwrap_or(1).max(1) as f32;
    let grey = [150, 150, 150];
    c.line(left, top + plot_h, left + plot_w, top + plot_h, grey, 1.0);
    c.line(left, top, left, top + plot_h, grey, 1.0);
    for k in 0..=10 {
        let x = left + plot_w * k as f32 / 10.0;
        c.line(x, top + plot_h, x, top + plot_h + 4.0, grey, 1.0);
        c.text(
            x - 8.0,
            top + plot_h + 8.0,
            &format!("{}", k * 10),
            14.0,
            grey,
        );
    }
    for k in 0..=4 {
        let y = top + plot_h - plot_h * k as f32 / 4.0;
        c.text(
            12.0,
            y - 8.0,
            &format!("{:.0}", most * k as f32 / 4.0),
            14.0,
            grey,
        );
    }
    let bar = plot_w / 20.0;
    for i in 0..20 {
        for (j, (counts, colour)) in [(&e, [80, 220, 120]), (&n, [240, 180, 60])]
            .into_iter()
            .enumerate()
        {
            let h = plot_h * counts[i] as f32 / most;
            let x = left + bar * i as f32 + 2.0 + j as f32 * (bar / 2.0 - 2.0);
            c.fill_rect(
                x as i64,
                (top + plot_h - h) as i64,
                (bar / 2.0 - 2.0) as i64,
                h as i64,
                colour,
            );
        }
    }
    let px = left + plot_w * pass_mark / 100.0;
    c.line(px, top - 6.0, px, top + plot_h, [240, 70, 70], 2.0);
    c.text(
        px + 4.0,
        top - 8.0,
        &format!("pass mark {pass_mark:.0}"),
        14.0,
        [240, 70, 70],
    );
    c.text(
        left,
        10.0,
        &format!(
            "{}: experts (green) {:.0}% pass, novices (amber) {:.0}% pass, AUC {:.3}",
            v.scene,
            100.0 * v.expert_pass_rate,
            100.0 * v.novice_pass_rate,
            v.auc
        ),
        16.0,
        [230, 230, 230],
    );
    c.text(
        left + plot_w / 2.0 - 30.0,
        H as f32 - 22.0,
        "total score",
        14.0,
        grey,
    );
    c
}
