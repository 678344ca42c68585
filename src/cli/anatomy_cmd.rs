//! `marrowsim anatomy`: landmarks and dimensions of one instance.

use super::PatientArgs;
use clap::Args;
use serde_json::json;

#[derive(Args, Debug)]
pub struct AnatomyArgs {
    #[command(flatten)]
    pub patient: PatientArgs,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &AnatomyArgs) -> Result<(), String> {
    let anatomy = args.patient.build()?;
    let dims = anatomy.dimensions();
    if args.json {
        let landmarks: serde_json::Map<String, serde_json::Value> = anatomy
            .landmarks()
            .iter()
            .map(|(k, v)| (k.clone(), json!([round(v.x), round(v.y), round(v.z)])))
            .collect();
        let out = json!({
            "preset": anatomy.preset.name,
            "patient": anatomy.patient,
            "instance": anatomy.instance,
            "landmarks": landmarks,
            "dimensions": dims,
        });
        out!(
            "{}",
            serde_json::to_string_pretty(&out).map_err(|e| e.to_string())?
        );
        return Ok(());
    }
    out!(
        "{} (bmi {}, seed {:?})",
        anatomy.preset.name,
        anatomy.patient.bmi,
        anatomy.patient.seed
    );
    out!("\nlandmarks (mm, RAS):");
    for (name, p) in anatomy.landmarks() {
        out!("  {name:<26} {:>8.1} {:>8.1} {:>8.1}", p.x, p.y, p.z);
    }
    let f = &anatomy.preset.figures;
    out!("\ndimensions (mm, deg)            model   reference");
    let rows = [
        ("inter-ASIS", dims.inter_asis, &f.inter_asis),
        (
            "ASIS-PSIS tilt",
            dims.asis_psis_tilt_deg,
            &f.asis_psis_tilt_deg,
        ),
        (
            "PSIS table width",
            dims.psis_table_width,
            &f.psis_table_width,
        ),
        (
            "marrow run PSIS->ASIS",
            dims.marrow_run_psis_to_asis,
            &f.marrow_run_psis_to_asis,
        ),
        (
            "narrowest marrow gap",
            dims.narrowest_marrow_gap,
            &f.narrowest_marrow_gap,
        ),
        ("notch from PSIS", dims.notch_from_psis, &f.notch_from_psis),
        (
            "SI joint from PSIS",
            dims.si_joint_from_psis,
            &f.si_joint_from_psis,
        ),
        (
            "straight in to SI joint",
            dims.straight_in_to_si_joint,
            &f.straight_in_to_si_joint,
        ),
        (
            "soft tissue over PSIS",
            dims.soft_tissue_psis,
            &f.soft_tissue_psis,
        ),
        (
            "soft tissue over ASIS",
            dims.soft_tissue_asis,
            &f.soft_tissue_asis,
        ),
    ];
    for (name, model, reference) in rows {
        out!(
            "  {name:<26} {model:>8.1}   {:.1} ± {:.1} ({})",
            reference.mean,
            reference.sd,
            reference.source
        );
    }
    out!(
        "  {:<26} {:>8.1}",
        "PSIS->ASIS lateral angle",
        dims.psis_to_asis_lateral_deg
    );
    out!("  {:<26} {:>8.1}", "inter-AIIS", dims.inter_aiis);
    out!(
        "  {:<26} {:>8.1}",
        "intercristal (tubercles)",
        dims.intercristal
    );
    out!("  {:<26} {:>8.1}", "interspinous", dims.interspinous);
    out!(
        "  {:<26} {:>8.1}",
        "ASIS-PSIS tilt, right",
        dims.asis_psis_tilt_right_deg
    );
    out!("  {:<26} {:>8.1}", "true conjugate", dims.true_conjugate);
    Ok(())
}

fn round(v: f32) -> f64 {
    (v as f64 * 100.0).round() / 100.0
}
