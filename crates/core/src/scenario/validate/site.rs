//! One site: its landmarks on the right side, its zones and depth window within reach, its
//! hazard rules, and an entry zone that a needle can really use on every preset patient.

use super::{Checker, MAX_HAZARDS, check_text};
use crate::anatomy::{Anatomy, Hazard};
use crate::scenario::locate::Step;
use crate::scenario::{Consequence, Scenario, Side};
use crate::tissue::Tissue;
use std::collections::BTreeMap;

pub(super) fn check_site(
    c: &mut Checker,
    s: &Scenario,
    i: usize,
    site: &crate::scenario::Site,
    presets: &[Anatomy],
) {
    use Step::*;
    let at = |rest: &[Step]| -> Vec<Step> {
        let mut p = vec![Field("sites"), Index(i)];
        p.extend_from_slice(rest);
        p
    };
    check_text(c, &at(&[Field("name")]), "site name", &site.name);
    let known = |name: &str| presets.iter().all(|a| a.landmark(name).is_some());
    let landmark_list = || -> String {
        presets
            .first()
            .map(|a| a.landmarks().keys().cloned().collect::<Vec<_>>().join(", "))
            .unwrap_or_default()
    };
    let entry_ok = known(&site.entry.landmark);
    if !entry_ok && !presets.is_empty() {
        c.err(
            &at(&[Field("entry"), Field("landmark")]),
            format!(
                "unknown landmark '{}' (known: {})",
                site.entry.landmark,
                landmark_list()
            ),
        );
    }
    let toward_ok = known(&site.trajectory.toward);
    if !toward_ok && !presets.is_empty() {
        c.err(
            &at(&[Field("trajectory"), Field("toward")]),
            format!(
                "unknown landmark '{}' (known: {})",
                site.trajectory.toward,
                landmark_list()
            ),
        );
    }
    for (name, path) in [
        (
            &site.entry.landmark,
            at(&[Field("entry"), Field("landmark")]),
        ),
        (
            &site.trajectory.toward,
            at(&[Field("trajectory"), Field("toward")]),
        ),
    ] {
        let wrong = match s.side {
            Side::Left => name.ends_with("_right"),
            Side::Right => name.ends_with("_left"),
            Side::Both => false,
        };
        if wrong {
            c.err(
                &path,
                format!(
                    "landmark '{name}' is on the other side from the scenario's side {:?}",
                    s.side
                ),
            );
        }
    }
    c.range(
        &at(&[Field("entry"), Field("radius")]),
        "entry radius",
        site.entry.radius,
        1.0,
        50.0,
        "mm",
    );
    let o = site.entry.offset;
    if !(o.0.is_finite() && o.1.is_finite() && o.2.is_finite())
        || (o.0 * o.0 + o.1 * o.1 + o.2 * o.2).sqrt() > 100.0
    {
        c.err(
            &at(&[Field("entry"), Field("offset")]),
            "entry offset must be finite and within 100 mm of the landmark",
        );
    }
    c.range(
        &at(&[Field("trajectory"), Field("tolerance_deg")]),
        "angle tolerance",
        site.trajectory.tolerance_deg,
        1.0,
        45.0,
        "°",
    );
    if site.entry.landmark == site.trajectory.toward && o == (0.0, 0.0, 0.0) {
        c.err(
            &at(&[Field("trajectory"), Field("toward")]),
            "the trajectory aims at its own entry point",
        );
    }
    match Tissue::from_key(&site.depth.tissue) {
        Some(t) if t == Tissue::Marrow || t == Tissue::Cortex => {}
        Some(t) => c.err(
            &at(&[Field("depth"), Field("tissue")]),
            format!("'{}' cannot be a harvest target: use marrow", t.key()),
        ),
        None => c.err(
            &at(&[Field("depth"), Field("tissue")]),
            format!("unknown tissue '{}' (use marrow)", site.depth.tissue),
        ),
    }
    let (lo, hi) = (site.depth.min_mm, site.depth.max_mm);
    c.range(
        &at(&[Field("depth"), Field("min_mm")]),
        "minimum depth past the cortex",
        lo,
        0.0,
        150.0,
        "mm",
    );
    if hi.is_nan() || lo.is_nan() || hi <= lo {
        c.err(
            &at(&[Field("depth"), Field("max_mm")]),
            format!("depth window is impossible: max_mm {hi} is not above min_mm {lo}"),
        );
    } else if hi > s.needle.length_mm {
        c.err(
            &at(&[Field("depth"), Field("max_mm")]),
            format!("max_mm {hi} is beyond the {} mm needle", s.needle.length_mm),
        );
    }
    if site.hazards.len() > MAX_HAZARDS {
        c.err(
            &at(&[Field("hazards")]),
            format!("{} hazards; the limit is {MAX_HAZARDS}", site.hazards.len()),
        );
    }
    let mut seen = BTreeMap::new();
    for (k, h) in site.hazards.iter().enumerate().take(MAX_HAZARDS) {
        let hp = |f: &'static str| at(&[Field("hazards"), Index(k), Field(f)]);
        if Hazard::from_key(&h.structure).is_none() {
            let known: Vec<_> = Hazard::ALL.iter().map(|h| h.key()).collect();
            c.err(
                &hp("structure"),
                format!(
                    "unknown hazard '{}' (known: {})",
                    h.structure,
                    known.join(", ")
                ),
            );
        } else if seen.insert(h.structure.clone(), k).is_some() {
            c.err(
                &hp("structure"),
                format!("hazard '{}' is listed twice", h.structure),
            );
        }
        c.range(
            &hp("margin_mm"),
            "hazard margin",
            h.margin_mm,
            0.0,
            50.0,
            "mm",
        );
        if let Consequence::Penalty(p) = h.on_contact {
            c.range(&hp("on_contact"), "penalty", p, 0.0, 100.0, "points");
        }
    }

    if entry_ok && toward_ok && c.errors.is_empty() {
        for a in presets {
            feasible_geometry(c, s, i, a);
        }
    }
}

/// A zone can be well-formed and still impossible on the body: check it on the mean patient.
fn feasible_geometry(c: &mut Checker, s: &Scenario, i: usize, a: &Anatomy) {
    use Step::*;
    let Some(r) = s.resolve(i, a) else { return };
    let to_bone = a.bone_sdf(r.entry_centre);
    if to_bone.abs() > r.entry_radius + 10.0 {
        c.err(
            &[Field("sites"), Index(i), Field("entry")],
            format!("impossible entry zone: its centre is {:.0} mm from bone on {}, so the needle cannot meet the bone inside it", to_bone.abs(), a.preset.name),
        );
        return;
    }
    let outside = r.entry_centre - r.aim * 200.0;
    let iv = a.intervals(outside, r.entry_centre + r.aim * 5.0, 0.5);
    let skin = iv
        .iter()
        .find(|v| v.tissue != Tissue::Air)
        .map(|v| v.start)
        .unwrap_or(200.0);
    let soft = 200.0 - skin;
    let need = soft + a.cortex_thickness() + s.sites[i].depth.min_mm;
    if need > s.needle.length_mm {
        c.err(
            &[Field("sites"), Index(i), Field("depth"), Field("min_mm")],
            format!("impossible depth: {:.0} mm of soft tissue and cortex plus min_mm needs {:.0} mm of needle on {}; the needle is {} mm", soft, need, a.preset.name, s.needle.length_mm),
        );
    }
}
