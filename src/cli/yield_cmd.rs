//! `marrowsim yield`: the aspiration yield model as a calculator, for a lecture and for the
//! tests that pin its calibration.

use clap::{Args, ValueEnum};
use marrowsim_core::harvest::model::{Harvest, HarvestSite, YieldModel};
use marrowsim_core::harvest::plan::HarvestPlan;
use marrowsim_core::harvest::review;
use serde::Serialize;
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Site {
    Posterior,
    Anterior,
}

#[derive(Args, Debug)]
pub struct YieldArgs {
    /// The volume of each pull (mL).
    #[arg(long, conflicts_with = "plan", required_unless_present_any = ["plan", "calibration"])]
    pull_ml: Option<f64>,
    /// How many pulls.
    #[arg(long, default_value_t = 1, conflicts_with = "plan")]
    pulls: usize,
    /// Needle positions the pulls are spread over, redirecting between them.
    #[arg(long, default_value_t = 1, conflicts_with = "plan")]
    positions: usize,
    /// The syringe (mL): no pull may be larger.
    #[arg(long, default_value_t = 10.0, conflicts_with = "plan")]
    syringe_ml: f64,
    #[arg(long, value_enum, default_value_t = Site::Posterior, conflicts_with = "plan")]
    site: Site,
    /// A harvest plan (RON) with mixed pulls, redirections and sites.
    #[arg(long)]
    plan: Option<PathBuf>,
    /// Stop at the aspirate: no concentration step.
    #[arg(long)]
    no_process: bool,
    /// Print the published ratios the model is held to, with its values.
    #[arg(long)]
    calibration: bool,
    /// A yield model file instead of the shipped assets/harvest/yield.ron.
    #[arg(long)]
    model: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Serialize)]
struct Report<'a> {
    plan: &'a HarvestPlan,
    #[serde(flatten)]
    harvest: &'a Harvest,
    advice: Vec<String>,
}

const MAX_PULLS: usize = marrowsim_core::harvest::plan::MAX_STEPS;

fn plan_of(args: &YieldArgs) -> Result<HarvestPlan, String> {
    if let Some(path) = &args.plan {
        return HarvestPlan::load(path).map_err(|e| e.to_string());
    }
    let pull_ml = args.pull_ml.ok_or("give --pull-ml, or a --plan file")?;
    if args.pulls == 0 || args.pulls > MAX_PULLS {
        return Err(format!("--pulls {} is outside 1–{MAX_PULLS}", args.pulls));
    }
    if args.positions == 0 || args.positions > args.pulls {
        return Err(format!(
            "--positions {} is outside 1–{} (one pull at least per position)",
            args.positions, args.pulls
        ));
    }
    let site = match args.site {
        Site::Posterior => HarvestSite::PosteriorIliacCrest,
        Site::Anterior => HarvestSite::AnteriorIliacCrest,
    };
    let plan = HarvestPlan::even(site, args.syringe_ml, pull_ml, args.pulls, args.positions);
    plan.check().map_err(|(_, message)| {
        if pull_ml > args.syringe_ml {
            format!("{message}; give a larger --syringe-ml")
        } else {
            message
        }
    })?;
    Ok(plan)
}

pub fn run(args: &YieldArgs) -> Result<(), String> {
    let model = match &args.model {
        Some(path) => YieldModel::load(path).map_err(|e| e.to_string())?,
        None => YieldModel::shipped(),
    };
    if args.calibration {
        return calibration(&model, args.format);
    }
    let mut plan = plan_of(args)?;
    if args.no_process {
        plan.process = false;
    }
    let harvest = model.harvest(plan.site, &plan.steps, plan.process);
    let advice = review::advice(&model, &harvest);
    match args.format {
        Format::Json => {
            let report = Report {
                plan: &plan,
                harvest: &harvest,
                advice,
            };
            out!(
                "{}",
                serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?
            );
        }
        Format::Text => text(&model, &harvest, &advice)?,
    }
    Ok(())
}

fn text(model: &YieldModel, h: &Harvest, advice: &[String]) -> Result<(), String> {
    out!(
        "{:>4} {:>4} {:>7} {:>12} {:>10} {:>12} {:>10} {:>6}",
        "pull",
        "pos",
        "mL",
        "cells/uL",
        "cells x1e6",
        "CFU-F/mL",
        "CFU-F",
        "blood"
    );
    for p in &h.pulls {
        out!(
            "{:>4} {:>4} {:>7.2} {:>12.0} {:>10.1} {:>12.0} {:>10.0} {:>5.0}%",
            p.pull,
            p.position,
            p.ml,
            p.nucleated_per_ul,
            p.nucleated_millions,
            p.progenitors_per_ml,
            p.progenitors,
            p.blood_share * 100.0
        );
    }
    let a = &h.aspirate;
    out!(
        "aspirate: {:.1} mL from {} at {}; {:.0} nucleated cells/uL, {:.0} progenitors ({:.0}/mL), {:.0}% blood",
        a.ml,
        marrowsim_core::words::count(a.positions, "position"),
        marrowsim_core::words::count_irregular(a.entries, "entry", "entries"),
        a.nucleated_per_ul,
        a.progenitors,
        a.progenitors_per_ml,
        a.blood_share * 100.0
    );
    if let Some(c) = &h.concentrate {
        let t = &model.figures.threshold;
        let mark = |ok: bool| if ok { "meets" } else { "below" };
        out!(
            "concentrate: {:.1} mL; nucleated cells {:.1}x, progenitors {:.1}x per mL: {:.0}/mL ({} {:.0}/mL) and {:.0} in total ({} {:.0}; Hernigou 2005)",
            c.ml,
            c.nucleated_fold,
            c.progenitor_fold,
            c.progenitors_per_ml,
            mark(c.meets_per_ml),
            t.progenitors_per_ml.value,
            c.progenitors,
            mark(c.meets_total),
            t.progenitors_total.value
        );
        out!(
            "for reinjection: {:.1} mL holding {:.0} progenitors",
            c.ml,
            c.progenitors
        );
    }
    for line in advice {
        out!("- {line}");
    }
    Ok(())
}

fn calibration(model: &YieldModel, format: Format) -> Result<(), String> {
    let checks = review::calibration(model);
    match format {
        Format::Json => {
            #[derive(Serialize)]
            struct Row<'a> {
                #[serde(flatten)]
                check: &'a review::Check,
                holds: bool,
            }
            let rows: Vec<Row> = checks
                .iter()
                .map(|check| Row {
                    check,
                    holds: check.holds(),
                })
                .collect();
            out!(
                "{}",
                serde_json::to_string_pretty(&rows).map_err(|e| e.to_string())?
            );
        }
        Format::Text => {
            for c in &checks {
                out!(
                    "{:6} {:>6.2} in {}–{}? {}  {}\n       {}",
                    if c.pinned { "fitted" } else { "check" },
                    c.model,
                    c.low,
                    c.high,
                    if c.holds() { "yes" } else { "no " },
                    c.name,
                    c.source
                );
            }
        }
    }
    Ok(())
}
