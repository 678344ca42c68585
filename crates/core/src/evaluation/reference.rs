//! The contraindications reference (`assets/harvest/contraindications.ron`), built into the
//! binary, and what it says about one case.

use super::{Allergy, Case, Condition, HarvestSite, Medication, Precaution, SiteFinding};
use serde::Deserialize;
use std::sync::OnceLock;

const SHIPPED: &str = include_str!("../../../../assets/harvest/contraindications.ron");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    pub version: u32,
    pub rules: Vec<Rule>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub key: String,
    pub when: When,
    pub then: Vec<Then>,
    pub why: String,
    pub source: String,
    /// No published threshold was found: the rule states common practice.
    #[serde(default)]
    pub estimate: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
pub enum When {
    /// ×10⁹/L.
    PlateletsBelow(f32),
    InrAbove(f32),
    Taking(Medication),
    Has(Condition),
    Allergic(Allergy),
    /// At the site the finding is at.
    Site(SiteFinding),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum Then {
    /// The harvest does not go ahead today.
    NotToday,
    /// The site with the finding cannot be used.
    SiteUnavailable,
    Precaution(Precaution),
}

/// The shipped reference. It is checked by a unit test, so a bad edit fails the build's tests.
pub fn reference() -> &'static Reference {
    static REFERENCE: OnceLock<Reference> = OnceLock::new();
    REFERENCE.get_or_init(|| {
        ron::from_str(SHIPPED).unwrap_or_else(|e| panic!("contraindications.ron: {e}"))
    })
}

/// One rule that applies to the case, at a site for a site's finding.
#[derive(Clone, Copy, Debug)]
pub struct Finding {
    pub rule: &'static Rule,
    pub site: Option<HarvestSite>,
}

impl Finding {
    /// One sentence for the trainee: what was found, what it means, and the source.
    pub fn sentence(&self) -> String {
        let at = self
            .site
            .map(|s| format!("the {}: ", s.name()))
            .unwrap_or_default();
        format!("{at}{} ({})", self.rule.why, self.rule.source)
    }
}

/// Every rule of the reference that the case meets.
pub fn findings(case: &Case) -> Vec<Finding> {
    let mut out = Vec::new();
    for rule in &reference().rules {
        match rule.when {
            When::PlateletsBelow(x) if case.platelets < x => out.push(Finding { rule, site: None }),
            When::InrAbove(x) if case.inr > x => out.push(Finding { rule, site: None }),
            When::Taking(m) if case.medication.contains(&m) => {
                out.push(Finding { rule, site: None })
            }
            When::Has(c) if case.conditions.contains(&c) => out.push(Finding { rule, site: None }),
            When::Allergic(a) if case.allergies.contains(&a) => {
                out.push(Finding { rule, site: None })
            }
            When::Site(f) => out.extend(case.sites.iter().filter(|(_, g)| *g == f).map(
                |(s, _)| Finding {
                    rule,
                    site: Some(*s),
                },
            )),
            _ => {}
        }
    }
    out
}

/// What the findings mean for the plan.
#[derive(Debug, Default, PartialEq)]
pub struct Consequences {
    pub not_today: bool,
    pub unavailable: Vec<HarvestSite>,
    pub precautions: Vec<Precaution>,
}

pub fn consequences(found: &[Finding]) -> Consequences {
    let mut c = Consequences::default();
    for f in found {
        for then in &f.rule.then {
            match then {
                Then::NotToday => c.not_today = true,
                Then::SiteUnavailable => {
                    if let Some(s) = f.site
                        && !c.unavailable.contains(&s)
                    {
                        c.unavailable.push(s);
                    }
                }
                Then::Precaution(p) => {
                    if !c.precautions.contains(p) {
                        c.precautions.push(*p);
                    }
                }
            }
        }
    }
    c.precautions.sort();
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case() -> Case {
        Case {
            age: 50,
            indication: "nonunion".into(),
            medication: vec![],
            platelets: 250.0,
            inr: 1.0,
            sites: vec![],
            allergies: vec![],
            conditions: vec![],
            notes: vec![],
        }
    }

    #[test]
    fn the_shipped_reference_reads_and_every_rule_names_a_source() {
        let r = reference();
        assert_eq!(r.version, 1);
        assert!(r.rules.len() >= 15);
        for rule in &r.rules {
            assert!(!rule.source.trim().is_empty(), "{}", rule.key);
            assert!(!rule.then.is_empty(), "{}", rule.key);
            let published = ["SIR 2019", "AFP 1989", "Bain 2003"]
                .iter()
                .any(|s| rule.source.contains(s));
            assert!(
                published || rule.estimate,
                "{}: no published source, so it must say `estimate: true`",
                rule.key
            );
        }
    }

    #[test]
    fn a_healthy_case_finds_nothing() {
        assert!(findings(&case()).is_empty());
    }

    #[test]
    fn thresholds_are_strict_and_sites_are_kept() {
        let mut c = case();
        c.platelets = 20.0;
        c.inr = 3.0;
        assert!(findings(&c).is_empty(), "at the threshold itself, nothing");
        c.platelets = 19.0;
        c.inr = 3.1;
        c.sites = vec![(HarvestSite::PosteriorRight, SiteFinding::Infection)];
        c.medication = vec![Medication::Warfarin];
        let k = consequences(&findings(&c));
        assert!(k.not_today);
        assert_eq!(k.unavailable, vec![HarvestSite::PosteriorRight]);
        assert_eq!(
            k.precautions,
            vec![
                Precaution::PlateletTransfusion,
                Precaution::ProlongedPressure
            ]
        );
    }
}
