//! `marrowsim xray`: a fluoroscopy shot of a patient, as a C-arm takes it, with the needle
//! where an attempt left it.

use super::PatientArgs;
use super::raster::Canvas;
use clap::{Args, ValueEnum};
use marrowsim_core::anatomy::Anatomy;
use marrowsim_core::geometry::radiograph::{Projection, View, drr, to_grey};
use marrowsim_core::records::attempt::Attempt;
use marrowsim_core::scenario::Scenario;
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum ViewArg {
    /// Front to back.
    Ap,
    /// From the patient's left.
    Lateral,
    /// Tilted 40° toward the feet: the pelvic ring from above.
    Inlet,
    /// Tilted 40° toward the head: the sacrum face on.
    Outlet,
}

#[derive(Args, Debug)]
pub struct XrayArgs {
    #[command(flatten)]
    pub patient: PatientArgs,
    /// The scene whose patient to take (with --attempt: the attempt's own patient).
    #[arg(long)]
    pub scene: Option<PathBuf>,
    /// Show the needle where this attempt's last site ended (needs --scene).
    #[arg(long, requires = "scene")]
    pub attempt: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "ap")]
    pub view: ViewArg,
    /// Width and height of the image in pixels (64–1024); it covers 300 mm.
    #[arg(long, default_value_t = 360)]
    pub size: usize,
    #[arg(long)]
    pub out: PathBuf,
}

pub fn run(args: &XrayArgs) -> Result<(), String> {
    if !(64..=1024).contains(&args.size) {
        return Err(format!("--size {} is outside 64–1024", args.size));
    }
    let (anatomy, needle) = patient_and_needle(args)?;
    let view = match args.view {
        ViewArg::Ap => View::Ap,
        ViewArg::Lateral => View::Lateral,
        ViewArg::Inlet => View::Inlet,
        ViewArg::Outlet => View::Outlet,
    };
    let projection = Projection::of(&anatomy, view, args.size, args.size);
    let started = std::time::Instant::now();
    let grey = to_grey(&drr(&anatomy, &projection, needle));
    let header = 36;
    let mut c = Canvas::new(args.size, args.size + header, [16, 16, 18]);
    for (i, g) in grey.iter().enumerate() {
        let (x, y) = (
            (i % args.size) as i64,
            (i / args.size) as i64 + header as i64,
        );
        c.set(x, y, [*g, *g, *g]);
    }
    let title = format!(
        "Fluoroscopy, {} view{}",
        format!("{:?}", args.view).to_lowercase(),
        if needle.is_some() {
            ", with the needle"
        } else {
            ""
        }
    );
    let room = c.width as f32 - 20.0;
    c.text_fitted(10.0, 6.0, &title, 20.0, room, [235, 235, 235]);
    let bar = 50.0 / projection.mm_per_px;
    let by = (args.size + header) as f32 - 24.0;
    c.line(12.0, by, 12.0 + bar, by, [255, 220, 60], 3.0);
    c.text(12.0, by - 22.0, "50 mm", 15.0, [255, 220, 60]);
    c.save_png(&args.out)
        .map_err(|e| format!("{}: cannot write: {e}", args.out.display()))?;
    out!(
        "wrote {} ({}×{} rays in {:.1} s)",
        args.out.display(),
        args.size,
        args.size,
        started.elapsed().as_secs_f32()
    );
    Ok(())
}

/// The patient (the attempt's, the scene's, or the options'), and the needle's entry and tip.
fn patient_and_needle(
    args: &XrayArgs,
) -> Result<(Anatomy, Option<(glam::Vec3, glam::Vec3)>), String> {
    let Some(scene) = &args.scene else {
        return Ok((args.patient.build()?, None));
    };
    let scenario = Scenario::load(scene).map_err(|e| marrowsim_core::scenario::errors_text(&e))?;
    let Some(path) = &args.attempt else {
        let anatomy = Anatomy::build(&scenario.patient(0)).map_err(|e| e.to_string())?;
        return Ok((anatomy, None));
    };
    let attempt = Attempt::load(path).map_err(|e| e.to_string())?;
    let anatomy = Anatomy::build(&attempt.patient).map_err(|e| e.to_string())?;
    let needle = attempt
        .sites
        .last()
        .and_then(|s| s.timeline.last())
        .map(|s| {
            let pose = s.pose();
            let hub =
                marrowsim_core::geometry::radiograph::hub_of(&pose, scenario.needle.length_mm);
            (hub, pose.tip())
        });
    Ok((anatomy, needle))
}
