//! `marrowsim slice`: a tissue-coloured section image with a legend, scale bar and landmarks.

use super::PatientArgs;
use super::raster::Canvas;
use clap::{Args, ValueEnum};
use glam::Vec3;
use marrowsim_core::anatomy::Anatomy;
use marrowsim_core::geometry::section::{Section, SectionPlane};
use marrowsim_core::tissue::Tissue;
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Plane {
    Axial,
    Sagittal,
    Coronal,
    /// The plane through the PSIS→ASIS needle line, tilted to hold the vertical.
    PsisAsis,
}

#[derive(Args, Debug)]
pub struct SliceArgs {
    #[command(flatten)]
    pub patient: PatientArgs,
    #[arg(long, value_enum, default_value = "axial")]
    pub plane: Plane,
    /// Position of the plane in mm (z, x or y), or a landmark name such as psis_left.
    #[arg(long, default_value = "psis_left", allow_hyphen_values = true)]
    pub at: String,
    /// Side for the psis-asis plane.
    #[arg(long, default_value = "left")]
    pub side: String,
    /// Resolution of the section.
    #[arg(long, default_value_t = 0.4)]
    pub mm_per_px: f32,
    #[arg(long)]
    pub out: PathBuf,
}

const SECTION_W: usize = 900;
const SECTION_H: usize = 700;
const LEGEND_W: usize = 300;

pub fn run(args: &SliceArgs) -> Result<(), String> {
    if !(args.mm_per_px > 0.05 && args.mm_per_px < 5.0) {
        return Err(format!("--mm-per-px {} is outside 0.05–5", args.mm_per_px));
    }
    let anatomy = args.patient.build()?;
    let (plane, title) = plane_for(&anatomy, args)?;
    let section = Section::sample(&anatomy, plane, SECTION_W, SECTION_H, args.mm_per_px);
    let canvas = render(&anatomy, &section, &title, args.plane);
    canvas
        .save_png(&args.out)
        .map_err(|e| format!("{}: cannot write: {e}", args.out.display()))?;
    out!("wrote {}", args.out.display());
    Ok(())
}

fn plane_for(anatomy: &Anatomy, args: &SliceArgs) -> Result<(SectionPlane, String), String> {
    let position = |axis: usize| -> Result<(f32, String), String> {
        if let Ok(v) = args.at.parse::<f32>() {
            return Ok((v, format!("{v:.0} mm")));
        }
        let p = anatomy.landmark(&args.at).ok_or_else(|| {
            let known: Vec<_> = anatomy.landmarks().keys().cloned().collect();
            format!(
                "--at '{}' is neither a number nor a landmark (known: {})",
                args.at,
                known.join(", ")
            )
        })?;
        Ok((p[axis], format!("at {} ({:.0} mm)", args.at, p[axis])))
    };
    Ok(match args.plane {
        Plane::Axial => {
            let (z, label) = position(2)?;
            (
                SectionPlane::axial(z),
                format!("Axial section {label}, seen from below"),
            )
        }
        Plane::Sagittal => {
            let (x, label) = position(0)?;
            (
                SectionPlane::sagittal(x),
                format!("Sagittal section {label}, seen from the left"),
            )
        }
        Plane::Coronal => {
            let (y, label) = position(1)?;
            (
                SectionPlane::coronal(y),
                format!("Coronal section {label}, seen from the front"),
            )
        }
        Plane::PsisAsis => {
            let side = match args.side.as_str() {
                "left" | "right" => args.side.as_str(),
                other => return Err(format!("--side '{other}' must be left or right")),
            };
            let psis = anatomy
                .landmark(&format!("psis_{side}"))
                .unwrap_or(Vec3::ZERO);
            let asis = anatomy
                .landmark(&format!("asis_{side}"))
                .unwrap_or(Vec3::ZERO);
            let dir = (asis - psis).normalize();
            let mut plane = SectionPlane::along(psis - dir * 30.0, asis, Vec3::Z);
            plane.origin = psis + dir * 60.0;
            (
                plane,
                format!("Section along the {side} PSIS→ASIS needle line"),
            )
        }
    })
}

fn render(anatomy: &Anatomy, section: &Section, title: &str, plane: Plane) -> Canvas {
    let header = 40;
    let mut c = Canvas::new(SECTION_W + LEGEND_W, SECTION_H + header, [24, 26, 32]);
    for row in 0..section.height {
        for col in 0..section.width {
            c.set(
                col as i64,
                (row + header) as i64,
                section.at(col, row).colour(),
            );
        }
    }
    let room = c.width as f32 - 24.0;
    c.text_fitted(12.0, 8.0, title, 22.0, room, [235, 235, 235]);

    if plane == Plane::PsisAsis {
        let side = if section.plane.origin.x < 0.0 {
            "left"
        } else {
            "right"
        };
        if let (Some(psis), Some(asis)) = (
            anatomy.landmark(&format!("psis_{side}")),
            anatomy.landmark(&format!("asis_{side}")),
        ) {
            let dir = (asis - psis).normalize();
            let (x0, y0) = section.pixel_of(psis - dir * 30.0);
            let (x1, y1) = section.pixel_of(psis + dir * 100.0);
            c.line(
                x0,
                y0 + header as f32,
                x1,
                y1 + header as f32,
                [40, 220, 120],
                2.0,
            );
            c.text(
                x0 + 4.0,
                y0 + header as f32 - 26.0,
                "needle path (100 mm)",
                16.0,
                [40, 220, 120],
            );
        }
    }

    let normal = section.plane.right.cross(section.plane.up).normalize();
    for (name, p) in anatomy.landmarks() {
        let off = (*p - section.plane.origin).dot(normal);
        if off.abs() > 6.0 {
            continue;
        }
        let (x, y) = section.pixel_of(*p);
        if x < 0.0 || y < 0.0 || x >= SECTION_W as f32 || y >= SECTION_H as f32 {
            continue;
        }
        let y = y + header as f32;
        c.line(x - 6.0, y, x + 6.0, y, [30, 240, 255], 2.0);
        c.line(x, y - 6.0, x, y + 6.0, [30, 240, 255], 2.0);
        c.text(x + 8.0, y - 8.0, name, 15.0, [30, 240, 255]);
    }

    let (left, right, top, bottom) = orientation(section);
    let grey = [200, 200, 200];
    c.text(
        8.0,
        header as f32 + SECTION_H as f32 / 2.0,
        left,
        20.0,
        grey,
    );
    c.text(
        SECTION_W as f32 - 24.0,
        header as f32 + SECTION_H as f32 / 2.0,
        right,
        20.0,
        grey,
    );
    c.text(SECTION_W as f32 / 2.0, header as f32 + 6.0, top, 20.0, grey);
    c.text(
        SECTION_W as f32 / 2.0,
        (header + SECTION_H) as f32 - 28.0,
        bottom,
        20.0,
        grey,
    );

    let bar_px = 50.0 / section.mm_per_px;
    let by = (header + SECTION_H) as f32 - 40.0;
    c.line(20.0, by, 20.0 + bar_px, by, [255, 255, 255], 3.0);
    c.text(20.0, by + 6.0, "50 mm", 16.0, [255, 255, 255]);

    let lx = SECTION_W as i64 + 16;
    c.text(lx as f32, 52.0, "Tissue", 22.0, [235, 235, 235]);
    let mut present: Vec<Tissue> = Tissue::ALL
        .into_iter()
        .filter(|t| section.tissues.contains(t))
        .collect();
    present.sort();
    let mut y = 90;
    for t in present {
        c.fill_rect(lx, y, 26, 20, t.colour());
        c.outline_rect(lx, y, 26, 20, [90, 90, 90]);
        c.text(
            (lx + 36) as f32,
            y as f32 - 1.0,
            t.name(),
            17.0,
            [225, 225, 225],
        );
        y += 30;
    }
    let p = &anatomy.patient;
    let info = [
        format!("preset {}", anatomy.preset.name),
        format!(
            "BMI {:.0}, seed {}",
            p.bmi,
            p.seed.map(|s| s.to_string()).unwrap_or("mean".into())
        ),
        format!("{:.2} mm per pixel", section.mm_per_px),
    ];
    let mut y = (header + SECTION_H) as f32 - 90.0;
    for line in info {
        c.text(lx as f32, y, &line, 15.0, [170, 170, 170]);
        y += 22.0;
    }
    c
}

/// Anatomical direction letters for the image's left, right, top and bottom edges.
fn orientation(section: &Section) -> (&'static str, &'static str, &'static str, &'static str) {
    let name = |v: Vec3| -> (&'static str, &'static str) {
        let a = v.abs();
        if a.x >= a.y && a.x >= a.z {
            if v.x > 0.0 { ("R", "L") } else { ("L", "R") }
        } else if a.y >= a.z {
            if v.y > 0.0 { ("A", "P") } else { ("P", "A") }
        } else if v.z > 0.0 {
            ("S", "I")
        } else {
            ("I", "S")
        }
    };
    let (r_pos, r_neg) = name(section.plane.right);
    let (u_pos, u_neg) = name(section.plane.up);
    (r_neg, r_pos, u_pos, u_neg)
}
