//! Sections through the anatomy: a grid of tissues on a plane.

use crate::anatomy::Anatomy;
use crate::tissue::Tissue;
use glam::Vec3;

/// A plane through the patient: `origin` is the image centre, `right` and `up` its axes.
#[derive(Clone, Copy, Debug)]
pub struct SectionPlane {
    pub origin: Vec3,
    pub right: Vec3,
    pub up: Vec3,
}

impl SectionPlane {
    /// Axial: seen from the feet (patient's right on the image's left), anterior up.
    pub fn axial(z: f32) -> SectionPlane {
        SectionPlane {
            origin: Vec3::new(0.0, -60.0, z),
            right: -Vec3::X,
            up: Vec3::Y,
        }
    }

    /// Sagittal: seen from the patient's left, anterior on the image's left, superior up.
    pub fn sagittal(x: f32) -> SectionPlane {
        SectionPlane {
            origin: Vec3::new(x, -60.0, -20.0),
            right: -Vec3::Y,
            up: Vec3::Z,
        }
    }

    /// Coronal: seen from the front, patient's right on the image's left.
    pub fn coronal(y: f32) -> SectionPlane {
        SectionPlane {
            origin: Vec3::new(0.0, y, -20.0),
            right: -Vec3::X,
            up: Vec3::Z,
        }
    }

    /// The plane through a needle line that also contains `up_hint` as nearly as it can.
    pub fn along(from: Vec3, to: Vec3, up_hint: Vec3) -> SectionPlane {
        let right = (to - from).normalize_or(Vec3::Y);
        let up = (up_hint - right * up_hint.dot(right)).normalize_or(Vec3::Z);
        SectionPlane {
            origin: (from + to) * 0.5,
            right,
            up,
        }
    }

    pub fn point(&self, x_mm: f32, y_mm: f32) -> Vec3 {
        self.origin + self.right * x_mm + self.up * y_mm
    }
}

/// Tissues sampled on a `width`×`height` grid, `mm_per_px` apart, row 0 at the top.
#[derive(Clone, Debug)]
pub struct Section {
    pub plane: SectionPlane,
    pub width: usize,
    pub height: usize,
    pub mm_per_px: f32,
    pub tissues: Vec<Tissue>,
}

impl Section {
    pub fn sample(
        anatomy: &Anatomy,
        plane: SectionPlane,
        width: usize,
        height: usize,
        mm_per_px: f32,
    ) -> Section {
        let mut tissues = Vec::with_capacity(width * height);
        for row in 0..height {
            let y = (height as f32 * 0.5 - row as f32 - 0.5) * mm_per_px;
            let mut col = 0;
            while col < width {
                let x = (col as f32 + 0.5 - width as f32 * 0.5) * mm_per_px;
                let probe = anatomy.probe(plane.point(x, y));
                // Every pixel within the probe's clearance has the same tissue.
                let run = ((probe.clearance / mm_per_px).floor() as usize).clamp(1, width - col);
                tissues.extend(std::iter::repeat_n(probe.tissue, run));
                col += run;
            }
        }
        Section {
            plane,
            width,
            height,
            mm_per_px,
            tissues,
        }
    }

    /// Pixel (column, row) of a patient point projected onto the plane.
    pub fn pixel_of(&self, p: Vec3) -> (f32, f32) {
        let d = p - self.plane.origin;
        let x = d.dot(self.plane.right) / self.mm_per_px + self.width as f32 * 0.5;
        let y = self.height as f32 * 0.5 - d.dot(self.plane.up) / self.mm_per_px;
        (x, y)
    }

    pub fn at(&self, col: usize, row: usize) -> Tissue {
        self.tissues[row * self.width + col]
    }
}
