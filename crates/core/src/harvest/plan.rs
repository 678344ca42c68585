//! A planned aspiration in RON (`marrowsim yield --plan`): the site, the syringe and the
//! steps, checked before the model runs.

use super::model::{AspirationStep, HarvestSite};
use crate::scenario::locate::{Step, locate};
use serde::{Deserialize, Serialize};

pub const VERSION: u32 = 1;
/// Plan files larger than this are refused (a plan of 2,000 steps is about 40 KiB).
pub const MAX_FILE_BYTES: u64 = 256 * 1024;
pub const MAX_STEPS: usize = 2000;
/// A bone marrow harvest for transplant reaches 10–20 mL/kg, about 1.5 L in an adult.
pub const MAX_TOTAL_ML: f64 = 2000.0;
pub const SYRINGE_ML: (f64, f64) = (1.0, 60.0);

fn default_syringe() -> f64 {
    10.0
}

fn default_true() -> bool {
    true
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HarvestPlan {
    pub version: u32,
    pub site: HarvestSite,
    /// The syringe's size: no pull may be larger.
    #[serde(default = "default_syringe")]
    pub syringe_ml: f64,
    pub steps: Vec<AspirationStep>,
    /// Concentrate the aspirate (BMAC) after the last pull.
    #[serde(default = "default_true")]
    pub process: bool,
}

pub type PlanError = super::FileError;

impl HarvestPlan {
    /// `pulls` pulls of `pull_ml` spread over `positions` needle positions, redirecting
    /// between them; the first positions take one more pull when they do not divide evenly.
    pub fn even(
        site: HarvestSite,
        syringe_ml: f64,
        pull_ml: f64,
        pulls: usize,
        positions: usize,
    ) -> HarvestPlan {
        let positions = positions.max(1);
        let mut steps = Vec::new();
        for k in 0..positions {
            let here = pulls / positions + usize::from(k < pulls % positions);
            if k > 0 {
                steps.push(AspirationStep::Redirect);
            }
            steps.extend(std::iter::repeat_n(
                AspirationStep::Pull { ml: pull_ml },
                here,
            ));
        }
        HarvestPlan {
            version: VERSION,
            site,
            syringe_ml,
            steps,
            process: true,
        }
    }

    pub fn load(path: &std::path::Path) -> Result<HarvestPlan, PlanError> {
        let text = super::read(path, MAX_FILE_BYTES, "harvest plans")?;
        HarvestPlan::parse(&text, &path.display().to_string())
    }

    pub fn parse(text: &str, path: &str) -> Result<HarvestPlan, PlanError> {
        let plan: HarvestPlan =
            super::parse_versioned(text, path, VERSION, |p: &HarvestPlan| p.version)?;
        plan.check()
            .map_err(|(at, message)| PlanError::at(path, locate(text, &at), message))?;
        Ok(plan)
    }

    /// The first thing wrong with the plan, and where (for plans built in code, the path is
    /// into the equivalent RON).
    pub fn check(&self) -> Result<(), (Vec<Step>, String)> {
        let (lo, hi) = SYRINGE_ML;
        if !(lo..=hi).contains(&self.syringe_ml) {
            return Err((
                vec![Step::Field("syringe_ml")],
                format!("a {} mL syringe is outside {lo}–{hi} mL", self.syringe_ml),
            ));
        }
        if self.steps.len() > MAX_STEPS {
            return Err((
                vec![Step::Field("steps"), Step::Index(MAX_STEPS)],
                format!("more than {MAX_STEPS} steps"),
            ));
        }
        let mut total = 0.0;
        for (i, step) in self.steps.iter().enumerate() {
            let AspirationStep::Pull { ml } = *step else {
                continue;
            };
            let at = vec![Step::Field("steps"), Step::Index(i)];
            if !(ml > 0.0 && ml <= self.syringe_ml) {
                return Err((
                    at,
                    format!(
                        "a pull of {ml} mL does not fit the {} mL syringe (0 < pull ≤ syringe)",
                        self.syringe_ml
                    ),
                ));
            }
            total += ml;
            if total > MAX_TOTAL_ML {
                return Err((
                    at,
                    format!("the harvest passes {MAX_TOTAL_ML} mL here, beyond any marrow harvest"),
                ));
            }
        }
        if !self
            .steps
            .iter()
            .any(|s| matches!(s, AspirationStep::Pull { .. }))
        {
            return Err((vec![Step::Field("steps")], "the plan draws nothing".into()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn even_plans_spread_the_pulls_and_redirect_between_positions() {
        let p = HarvestPlan::even(HarvestSite::PosteriorIliacCrest, 10.0, 4.0, 5, 2);
        use AspirationStep::*;
        assert_eq!(
            p.steps,
            vec![
                Pull { ml: 4.0 },
                Pull { ml: 4.0 },
                Pull { ml: 4.0 },
                Redirect,
                Pull { ml: 4.0 },
                Pull { ml: 4.0 }
            ]
        );
        assert!(p.check().is_ok());
    }

    #[test]
    fn a_plan_reads_back_and_its_errors_name_the_step() {
        let text = "HarvestPlan(\n  version: 1,\n  site: PosteriorIliacCrest,\n  steps: [\n    Pull(ml: 2.0),\n    Redirect,\n    Pull(ml: 12.0),\n  ],\n)";
        let e = HarvestPlan::parse(text, "p.ron").unwrap_err();
        assert_eq!((e.line, e.col), (7, 5), "{e}");
        assert!(e.message.contains("10 mL syringe"), "{e}");
        let ok = HarvestPlan::parse(&text.replace("12.0", "2.0"), "p.ron").unwrap();
        assert_eq!(ok.steps.len(), 3);
        assert!(ok.process);
    }

    #[test]
    fn empty_or_unknown_plans_are_refused() {
        let e = HarvestPlan::parse(
            "HarvestPlan(version: 1, site: PosteriorIliacCrest, steps: [Redirect])",
            "p.ron",
        )
        .unwrap_err();
        assert!(e.message.contains("draws nothing"), "{e}");
        let e = HarvestPlan::parse(
            "HarvestPlan(version: 2, site: PosteriorIliacCrest, steps: [])",
            "p.ron",
        )
        .unwrap_err();
        assert!(e.message.contains("version 2"), "{e}");
        let e = HarvestPlan::parse(
            "HarvestPlan(version: 1, site: PosteriorIliacCrest, steps: [Pull(ml: NaN)])",
            "p.ron",
        )
        .unwrap_err();
        assert!(e.message.contains("not a finite"), "{e}");
    }
}
