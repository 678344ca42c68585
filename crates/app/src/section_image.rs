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
        draw_track(&mut pixels, &section, track);
    }
    ColorImage::new(size, pixels)
}

/// Draws a track on a section's pixels (row by row, as the section holds its tissues),
/// projected onto the plane, two pixels wide.
fn draw_track(pixels: &mut [Color32], section: &Section, track: &Track) {
    let (w, h) = (section.width, section.height);
    let (x0, y0) = section.pixel_of(track.from);
    let (x1, y1) = section.pixel_of(track.to);
    let steps = ((x1 - x0).hypot(y1 - y0) as usize).max(1) * 2;
    for k in 0..=steps {
        let f = k as f32 / steps as f32;
        let (x, y) = (x0 + (x1 - x0) * f, y0 + (y1 - y0) * f);
        for (px, py) in [(x, y), (x, y + 1.0)] {
            if px >= 0.0 && py >= 0.0 && (px as usize) < w && (py as usize) < h {
                pixels[py as usize * w + px as usize] = track.colour;
            }
        }
    }
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
    let mut grey: Vec<Color32> = marrowsim_core::geometry::ultrasound::b_mode(&section)
        .into_iter()
        .map(Color32::from_gray)
        .collect();
    let needle = Track {
        from: needle.0,
        to: needle.1,
        colour: Color32::WHITE,
    };
    draw_track(&mut grey, &section, &needle);
    let (w, h) = (size[1], size[0]);
    let mut pixels = vec![Color32::BLACK; w * h];
    for row in 0..size[1] {
        for col in 0..size[0] {
            pixels[col * w + row] = grey[row * size[0] + col];
        }
    }
    ColorImage::new([w, h], pixels)
}
