//! The aspiration yield model and the processing step, with their figures read from
//! `assets/harvest/yield.ron`.
//!
//! Each needle position holds a pool of marrow that the draw washes out. At `v` mL into the
//! draw from a full pool, a cell type's concentration is `s + (p − s)·e^(−v/V0)`: `p` in the
//! pool, `s` in the sustained draw that follows, which is mostly blood. The data file gives two
//! published figures per cell type, and `p` and `s` are solved from them.

use crate::scenario::locate::{Step, locate};
use serde::{Deserialize, Serialize};

/// One number of the model and where it comes from ("estimate" where nothing is published).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Figure {
    pub value: f64,
    pub source: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NucleatedFigures {
    pub first_ml_per_ul: Figure,
    pub first_ml_over_50_ml: Figure,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgenitorFigures {
    pub two_ml_per_ml: Figure,
    pub first_ml_over_50_ml: Figure,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcessingFigures {
    pub concentrate_ml_per_60_ml: Figure,
    pub nucleated_fold: Figure,
    pub progenitor_recovery: Figure,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    pub progenitors_per_ml: Figure,
    pub progenitors_total: Figure,
}

/// The figures as the data file holds them.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct YieldFigures {
    pub version: u32,
    pub pool_ml: Figure,
    pub nucleated: NucleatedFigures,
    pub progenitors: ProgenitorFigures,
    pub blood_nucleated_per_ul: Figure,
    pub refill_between_pulls: Figure,
    pub redirect_fresh_pool: Figure,
    /// Model files written before the trocar could be turned in place take the shipped
    /// estimate.
    #[serde(default = "default_turn_fresh_pool")]
    pub turn_fresh_pool: Figure,
    pub new_position_mm: Figure,
    pub anterior_over_posterior_progenitors: Figure,
    pub processing: ProcessingFigures,
    pub threshold: Thresholds,
}

fn default_turn_fresh_pool() -> Figure {
    Figure {
        value: 0.5,
        source: "estimate: what turning the bevel in place adds is not published".into(),
    }
}

pub const SHIPPED_PATH: &str = "assets/harvest/yield.ron";
const SHIPPED: &str = include_str!("../../../../assets/harvest/yield.ron");
pub const VERSION: u32 = 1;

pub type ModelError = super::FileError;

/// A cell type's concentration in the pool and in the sustained draw (per mL for
/// progenitors, per µL for nucleated cells).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Washout {
    pub pool: f64,
    pub sustained: f64,
}

impl Washout {
    /// Solves `p` and `s` from the mean over the first `v1` mL and the ratio of the mean over
    /// 1 mL to the mean over 50 mL, both from a full pool.
    fn fit(mean_first: f64, v1: f64, first_over_50: f64, pool_ml: f64) -> Option<Washout> {
        let (g1, g50, gv) = (
            pool_share(1.0, pool_ml),
            pool_share(50.0, pool_ml),
            pool_share(v1, pool_ml),
        );
        let r = first_over_50;
        // s + D·g1 = r·(s + D·g50)  ⇒  s = D·(g1 − r·g50)/(r − 1); and s + D·gv = mean_first.
        let k = (g1 - r * g50) / (r - 1.0);
        let d = mean_first / (k + gv);
        let s = d * k;
        let w = Washout {
            pool: s + d,
            sustained: s,
        };
        (d > 0.0 && s >= 0.0 && w.pool.is_finite()).then_some(w)
    }

    /// Mean concentration over a pull of `ml` that starts with `pool` of a full pool left.
    fn mean(&self, pool: f64, ml: f64, pool_ml: f64) -> f64 {
        self.sustained + (self.pool - self.sustained) * pool * pool_share(ml, pool_ml)
    }
}

/// The mean of `e^(−v/V0)` over `0..ml`: the share of a full pool in a pull of `ml`.
fn pool_share(ml: f64, pool_ml: f64) -> f64 {
    let x = ml / pool_ml;
    if x < 1e-9 { 1.0 } else { -(-x).exp_m1() / x }
}

/// The model, ready to run: the figures and what was solved from them.
#[derive(Clone, Debug, Serialize)]
pub struct YieldModel {
    pub figures: YieldFigures,
    pub nucleated: Washout,
    pub progenitors: Washout,
    /// The share of peripheral blood in the sustained draw (the pool holds none).
    pub blood_sustained: f64,
}

/// The range each figure may take: its path in the file, its value, and the bounds.
fn checks(f: &YieldFigures) -> Vec<(Vec<Step>, f64, f64, f64)> {
    let rows: [(&[&'static str], &Figure, f64, f64); 16] = [
        (&["pool_ml"], &f.pool_ml, 0.1, 20.0),
        (
            &["nucleated", "first_ml_per_ul"],
            &f.nucleated.first_ml_per_ul,
            1e3,
            1e6,
        ),
        (
            &["nucleated", "first_ml_over_50_ml"],
            &f.nucleated.first_ml_over_50_ml,
            1.0,
            50.0,
        ),
        (
            &["progenitors", "two_ml_per_ml"],
            &f.progenitors.two_ml_per_ml,
            1.0,
            1e6,
        ),
        (
            &["progenitors", "first_ml_over_50_ml"],
            &f.progenitors.first_ml_over_50_ml,
            1.0,
            50.0,
        ),
        (
            &["blood_nucleated_per_ul"],
            &f.blood_nucleated_per_ul,
            100.0,
            1e5,
        ),
        (&["refill_between_pulls"], &f.refill_between_pulls, 0.0, 1.0),
        (&["redirect_fresh_pool"], &f.redirect_fresh_pool, 0.0, 1.0),
        (&["turn_fresh_pool"], &f.turn_fresh_pool, 0.0, 1.0),
        (&["new_position_mm"], &f.new_position_mm, 1.0, 50.0),
        (
            &["anterior_over_posterior_progenitors"],
            &f.anterior_over_posterior_progenitors,
            0.1,
            10.0,
        ),
        (
            &["processing", "concentrate_ml_per_60_ml"],
            &f.processing.concentrate_ml_per_60_ml,
            1.0,
            60.0,
        ),
        (
            &["processing", "nucleated_fold"],
            &f.processing.nucleated_fold,
            1.0,
            60.0,
        ),
        (
            &["processing", "progenitor_recovery"],
            &f.processing.progenitor_recovery,
            0.01,
            1.0,
        ),
        (
            &["threshold", "progenitors_per_ml"],
            &f.threshold.progenitors_per_ml,
            0.0,
            1e7,
        ),
        (
            &["threshold", "progenitors_total"],
            &f.threshold.progenitors_total,
            0.0,
            1e9,
        ),
    ];
    rows.into_iter()
        .map(|(path, fig, lo, hi)| {
            let steps = path.iter().map(|&k| Step::Field(k)).collect();
            (steps, fig.value, lo, hi)
        })
        .collect()
}

impl YieldModel {
    /// The model shipped in the binary.
    pub fn shipped() -> YieldModel {
        static MODEL: std::sync::OnceLock<YieldModel> = std::sync::OnceLock::new();
        MODEL
            .get_or_init(|| {
                YieldModel::parse(SHIPPED, SHIPPED_PATH).expect("the shipped yield model is valid")
            })
            .clone()
    }

    pub fn load(path: &std::path::Path) -> Result<YieldModel, ModelError> {
        let text = super::read(path, 64 * 1024, "yield models")?;
        YieldModel::parse(&text, &path.display().to_string())
    }

    pub fn parse(text: &str, path: &str) -> Result<YieldModel, ModelError> {
        let err = |at: (usize, usize), message: String| ModelError::at(path, at, message);
        let figures: YieldFigures =
            super::parse_versioned(text, path, VERSION, |f: &YieldFigures| f.version)?;
        for (mut path, value, lo, hi) in checks(&figures) {
            if !(lo..=hi).contains(&value) {
                path.push(Step::Field("value"));
                return Err(err(
                    locate(text, &path),
                    format!("{value} is outside {lo}–{hi}"),
                ));
            }
        }
        let v0 = figures.pool_ml.value;
        let fit_failed = |what: &'static str, field: &'static str| {
            err(
                locate(text, &[Step::Field(what), Step::Field(field)]),
                format!(
                    "the {what} figures cannot both hold with a {v0} mL pool: the sustained draw would be negative"
                ),
            )
        };
        let nucleated = Washout::fit(
            figures.nucleated.first_ml_per_ul.value,
            1.0,
            figures.nucleated.first_ml_over_50_ml.value,
            v0,
        )
        .ok_or_else(|| fit_failed("nucleated", "first_ml_over_50_ml"))?;
        let progenitors = Washout::fit(
            figures.progenitors.two_ml_per_ml.value,
            2.0,
            figures.progenitors.first_ml_over_50_ml.value,
            v0,
        )
        .ok_or_else(|| fit_failed("progenitors", "first_ml_over_50_ml"))?;
        let blood = figures.blood_nucleated_per_ul.value;
        if nucleated.sustained < blood || nucleated.pool <= blood {
            return Err(err(
                locate(text, &[Step::Field("blood_nucleated_per_ul")]),
                format!(
                    "blood at {blood}/µL would hold more nucleated cells than the sustained draw ({:.0}/µL)",
                    nucleated.sustained
                ),
            ));
        }
        let blood_sustained = (nucleated.pool - nucleated.sustained) / (nucleated.pool - blood);
        Ok(YieldModel {
            figures,
            nucleated,
            progenitors,
            blood_sustained,
        })
    }
}

/// Where the needle is, for the yield.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum HarvestSite {
    PosteriorIliacCrest,
    AnteriorIliacCrest,
}

/// One step of an aspiration.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum AspirationStep {
    /// Draw this many mL into the syringe.
    Pull { ml: f64 },
    /// Withdraw about 1 cm and rotate, or perforate anew through the same skin entry.
    Redirect,
    /// Turn the trocar a quarter turn or more where it is: the bevel faces marrow the last
    /// pulls drained less.
    Turn,
    /// A new skin entry at this site (the other side, or the other crest).
    NewSite(HarvestSite),
}

/// What one pull drew.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PullYield {
    /// 1-based, counted across the harvest.
    pub pull: usize,
    /// 1-based needle position (each redirection or new site starts one).
    pub position: usize,
    /// 1-based skin entry (each new site starts one).
    pub entry: usize,
    pub site: HarvestSite,
    pub ml: f64,
    pub nucleated_millions: f64,
    pub nucleated_per_ul: f64,
    pub progenitors: f64,
    pub progenitors_per_ml: f64,
    /// The share of the pull's volume that is peripheral blood.
    pub blood_share: f64,
}

/// A sum over pulls.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Aspirate {
    pub ml: f64,
    pub nucleated_millions: f64,
    pub progenitors: f64,
    pub progenitors_per_ml: f64,
    pub nucleated_per_ul: f64,
    pub blood_share: f64,
    pub positions: usize,
    pub entries: usize,
}

/// The concentrate after processing, against the clinical threshold.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Concentrate {
    pub ml: f64,
    pub nucleated_millions: f64,
    pub nucleated_per_ul: f64,
    pub progenitors: f64,
    pub progenitors_per_ml: f64,
    /// Concentration of nucleated cells against the aspirate.
    pub nucleated_fold: f64,
    pub progenitor_fold: f64,
    pub meets_per_ml: bool,
    pub meets_total: bool,
}

/// A whole aspiration: every pull, the aspirate, and the concentrate made from it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Harvest {
    pub pulls: Vec<PullYield>,
    pub aspirate: Aspirate,
    pub concentrate: Option<Concentrate>,
}

impl YieldModel {
    /// Runs `steps` from a fresh position at `site`.
    pub fn aspirate(&self, site: HarvestSite, steps: &[AspirationStep]) -> Vec<PullYield> {
        let v0 = self.figures.pool_ml.value;
        let refill = self.figures.refill_between_pulls.value;
        let mut site = site;
        let mut pool = 1.0;
        let mut position = 1;
        let mut entry = 1;
        let mut pulled_here = false;
        let mut out = Vec::new();
        for step in steps {
            match *step {
                AspirationStep::Pull { ml } => {
                    if pulled_here {
                        pool += refill * (1.0 - pool);
                    }
                    let factor = match site {
                        HarvestSite::PosteriorIliacCrest => 1.0,
                        HarvestSite::AnteriorIliacCrest => {
                            self.figures.anterior_over_posterior_progenitors.value
                        }
                    };
                    let nucleated = self.nucleated.mean(pool, ml, v0);
                    let progenitors = self.progenitors.mean(pool, ml, v0) * factor;
                    let blood_share = self.blood_sustained * (1.0 - pool * pool_share(ml, v0));
                    out.push(PullYield {
                        pull: out.len() + 1,
                        position,
                        entry,
                        site,
                        ml,
                        nucleated_millions: nucleated * 1000.0 * ml / 1e6,
                        nucleated_per_ul: nucleated,
                        progenitors: progenitors * ml,
                        progenitors_per_ml: progenitors,
                        blood_share,
                    });
                    pool *= (-ml / v0).exp();
                    pulled_here = true;
                }
                AspirationStep::Turn => {
                    pool += self.figures.turn_fresh_pool.value * (1.0 - pool);
                }
                AspirationStep::Redirect => {
                    pool = self.figures.redirect_fresh_pool.value;
                    position += 1;
                    pulled_here = false;
                }
                AspirationStep::NewSite(s) => {
                    site = s;
                    pool = 1.0;
                    position += 1;
                    entry += 1;
                    pulled_here = false;
                }
            }
        }
        out
    }

    /// The sum of `pulls`.
    pub fn pooled(pulls: &[PullYield]) -> Aspirate {
        // A float sum starts at −0.0: adding 0.0 keeps an empty harvest from reading "-0".
        let sum = |f: fn(&PullYield) -> f64| pulls.iter().map(f).sum::<f64>() + 0.0;
        let ml = sum(|p| p.ml);
        let nucleated_millions = sum(|p| p.nucleated_millions);
        let progenitors = sum(|p| p.progenitors);
        let blood = sum(|p| p.blood_share * p.ml);
        let per = |x: f64| if ml > 0.0 { x / ml } else { 0.0 };
        let distinct = |key: fn(&PullYield) -> usize| {
            let mut k: Vec<usize> = pulls.iter().map(key).collect();
            k.dedup();
            k.len()
        };
        Aspirate {
            ml,
            nucleated_millions,
            progenitors,
            progenitors_per_ml: per(progenitors),
            nucleated_per_ul: per(nucleated_millions * 1e6 / 1000.0),
            blood_share: per(blood),
            positions: distinct(|p| p.position),
            entries: distinct(|p| p.entry),
        }
    }

    /// The aspirate after the concentration step.
    pub fn process(&self, aspirate: &Aspirate) -> Concentrate {
        let p = &self.figures.processing;
        let ml = aspirate.ml * p.concentrate_ml_per_60_ml.value / 60.0;
        let volume_fold = 60.0 / p.concentrate_ml_per_60_ml.value;
        let nucleated_millions = aspirate.nucleated_millions * p.nucleated_fold.value / volume_fold;
        let progenitors = aspirate.progenitors * p.progenitor_recovery.value;
        let per = |x: f64| if ml > 0.0 { x / ml } else { 0.0 };
        let progenitors_per_ml = per(progenitors);
        let t = &self.figures.threshold;
        Concentrate {
            ml,
            nucleated_millions,
            nucleated_per_ul: per(nucleated_millions * 1e6 / 1000.0),
            progenitors,
            progenitors_per_ml,
            nucleated_fold: p.nucleated_fold.value,
            progenitor_fold: p.progenitor_recovery.value * volume_fold,
            meets_per_ml: progenitors_per_ml > t.progenitors_per_ml.value,
            meets_total: progenitors > t.progenitors_total.value,
        }
    }

    /// Every pull of `steps`, pooled, and processed if asked.
    pub fn harvest(&self, site: HarvestSite, steps: &[AspirationStep], process: bool) -> Harvest {
        let pulls = self.aspirate(site, steps);
        let aspirate = YieldModel::pooled(&pulls);
        let concentrate = process.then(|| self.process(&aspirate));
        Harvest {
            pulls,
            aspirate,
            concentrate,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pulls(ml: f64, n: usize) -> Vec<AspirationStep> {
        vec![AspirationStep::Pull { ml }; n]
    }

    #[test]
    fn the_fit_reproduces_the_figures_it_was_solved_from() {
        let m = YieldModel::shipped();
        let v0 = m.figures.pool_ml.value;
        let first = m.nucleated.mean(1.0, 1.0, v0);
        assert!((first - 50_000.0).abs() < 1e-6, "{first}");
        let ratio = first / m.nucleated.mean(1.0, 50.0, v0);
        assert!((ratio - 3.0).abs() < 1e-9, "{ratio}");
        let two = m.progenitors.mean(1.0, 2.0, v0);
        assert!((two - 1200.0).abs() < 1e-6, "{two}");
        let ratio = m.progenitors.mean(1.0, 1.0, v0) / m.progenitors.mean(1.0, 50.0, v0);
        assert!((ratio - 10.0).abs() < 1e-9, "{ratio}");
        assert!(
            (0.5..0.95).contains(&m.blood_sustained),
            "{}",
            m.blood_sustained
        );
    }

    #[test]
    fn one_pull_from_a_full_pool_is_the_mean_of_the_washout() {
        let m = YieldModel::shipped();
        let one = m.aspirate(HarvestSite::PosteriorIliacCrest, &pulls(4.0, 1));
        let quarters = {
            let v0 = m.figures.pool_ml.value;
            (0..4000)
                .map(|i| {
                    let v = (i as f64 + 0.5) / 1000.0;
                    m.progenitors.sustained
                        + (m.progenitors.pool - m.progenitors.sustained) * (-v / v0).exp()
                })
                .sum::<f64>()
                / 1000.0
        };
        assert!((one[0].progenitors - quarters).abs() / quarters < 1e-6);
    }

    #[test]
    fn a_pool_without_refill_makes_many_pulls_the_same_as_one() {
        let mut m = YieldModel::shipped();
        m.figures.refill_between_pulls.value = 0.0;
        let site = HarvestSite::PosteriorIliacCrest;
        let split: f64 = m
            .aspirate(site, &pulls(1.0, 8))
            .iter()
            .map(|p| p.progenitors)
            .sum();
        let whole = m.aspirate(site, &pulls(8.0, 1))[0].progenitors;
        assert!((split - whole).abs() / whole < 1e-9, "{split} {whole}");
    }

    #[test]
    fn the_anterior_crest_gives_fewer_progenitors_and_the_same_cells() {
        let m = YieldModel::shipped();
        let post = m.aspirate(HarvestSite::PosteriorIliacCrest, &pulls(2.0, 1));
        let ant = m.aspirate(HarvestSite::AnteriorIliacCrest, &pulls(2.0, 1));
        assert!((ant[0].progenitors / post[0].progenitors - 0.625).abs() < 1e-9);
        assert_eq!(ant[0].nucleated_millions, post[0].nucleated_millions);
    }

    #[test]
    fn figures_out_of_range_name_their_line() {
        let bad = SHIPPED.replacen("value: 1.6,", "value: -1.6,", 1);
        let e = YieldModel::parse(&bad, "y.ron").unwrap_err();
        assert_eq!((e.line, e.message.contains("outside")), (14, true), "{e}");
        let inconsistent = SHIPPED.replacen("value: 3.0,", "value: 40.0,", 1);
        let e = YieldModel::parse(&inconsistent, "y.ron").unwrap_err();
        assert!(e.message.contains("cannot both hold"), "{e}");
        let e = YieldModel::parse(&SHIPPED.replacen("version: 1", "version: 7", 1), "y.ron")
            .unwrap_err();
        assert!(e.message.contains("version 7"), "{e}");
    }
}
