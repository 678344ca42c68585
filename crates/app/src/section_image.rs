//! Tissue sections as egui images, with needle tracks drawn on them: the live section in the
//! needle's plane and the score card's ideal-against-yours figure.

use bevy_egui::egui::{Color32, ColorImage};
use glam::Vec3;
use marrowsim_core::anatomy::Anatomy;
use marrowsim_core::geometry::section::{Section, SectionPlane};

/// A straight track to draw on a section, from `from` to `to` (patient mm).
pub struct Track {
    pub from: Vec3,
    pub to: Vec3,
    pub colour: Color32,
}

pub const NEEDLE_CYAN: Color32 = Color32::from_rgb(40, 230, 255);
pub const IDEAL_GREEN: Color32 = Color32::from_rgb(60, 240, 110);

/// Samples the section and draws the tracks on it, projected onto the plane, two pixels wide.
pub fn section_image(
    anatomy: &Anatomy,
    plane: SectionPlane,
    size: [usize; 2],
    mm_per_px: f32,
    tracks: &[Track],
) -> ColorImage {
    let section = Section::sample(anatomy, plane, size[0], size[1], mm_per_px);
    let mut pixels: Vec<Color32> = section
        .tissues
        .iter()
        .map(|t| {
            let [r, g, b] = t.colour();
            Color32::from_rgb(r, g, b)
        })
        .collect();
    for track in tracks {
        let (x0, y0) = section.pixel_of(track.from);
        let (x1, y1) = section.pixel_of(track.to);
        let steps = ((x1 - x0).hypot(y1 - y0) as usize).max(1) * 2;
        for k in 0..=steps {
            let f = k as f32 / steps as f32;
            let (x, y) = (x0 + (x1 - x0) * f, y0 + (y1 - y0) * f);
            for (dx, dy) in [(0.0, 0.0), (0.0, 1.0)] {
                let (px, py) = (x + dx, y + dy);
                if px >= 0.0 && py >= 0.0 && (px as usize) < size[0] && (py as usize) < size[1] {
                    pixels[py as usize * size[0] + px as usize] = track.colour;
                }
            }
        }
    }
    ColorImage::new(size, pixels)
}

/// The section as B-mode ultrasound shows it, turned so that the beam runs down the image
/// (the skin at the top), with the needle drawn as the bright line it is on a scanner.
pub fn ultrasound_image(
    anatomy: &Anatomy,
    plane: SectionPlane,
    size: [usize; 2],
    mm_per_px: f32,
    needle: (Vec3, Vec3),
) -> ColorImage {
    let section = Section::sample(anatomy, plane, size[0], size[1], mm_per_px);
    let echo = marrowsim_core::geometry::ultrasound::b_mode(&section);
    let (w, h) = (size[1], size[0]);
    let mut pixels = vec![Color32::BLACK; w * h];
    for row in 0..size[1] {
        for col in 0..size[0] {
            let v = echo[row * size[0] + col];
            pixels[col * w + row] = Color32::from_gray(v);
        }
    }
    let (x0, y0) = section.pixel_of(needle.0);
    let (x1, y1) = section.pixel_of(needle.1);
    let steps = ((x1 - x0).hypot(y1 - y0) as usize).max(1) * 2;
    for k in 0..=steps {
        let f = k as f32 / steps as f32;
        let (x, y) = (x0 + (x1 - x0) * f, y0 + (y1 - y0) * f);
        if x >= 0.0 && y >= 0.0 && (x as usize) < size[0] && (y as usize) < size[1] {
            pixels[x as usize * w + y as usize] = Color32::WHITE;
        }
    }
    ColorImage::new([w, h], pixels)
}
