//! A small RGB canvas for report images: rectangles, lines and text, written as PNG.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};
use std::path::Path;

pub struct Canvas {
    pub width: usize,
    pub height: usize,
    pub pixels: Vec<[u8; 3]>,
    font: FontRef<'static>,
}

impl Canvas {
    pub fn new(width: usize, height: usize, background: [u8; 3]) -> Canvas {
        let font = FontRef::try_from_slice(epaint_default_fonts::UBUNTU_LIGHT)
            .expect("the embedded Ubuntu Light font parses");
        Canvas {
            width,
            height,
            pixels: vec![background; width * height],
            font,
        }
    }

    pub fn set(&mut self, x: i64, y: i64, c: [u8; 3]) {
        if x >= 0 && y >= 0 && (x as usize) < self.width && (y as usize) < self.height {
            self.pixels[y as usize * self.width + x as usize] = c;
        }
    }

    fn blend(&mut self, x: i64, y: i64, c: [u8; 3], a: f32) {
        if x >= 0 && y >= 0 && (x as usize) < self.width && (y as usize) < self.height {
            let p = &mut self.pixels[y as usize * self.width + x as usize];
            for k in 0..3 {
                p[k] = (p[k] as f32 * (1.0 - a) + c[k] as f32 * a).round() as u8;
            }
        }
    }

    pub fn fill_rect(&mut self, x: i64, y: i64, w: i64, h: i64, c: [u8; 3]) {
        for yy in y..y + h {
            for xx in x..x + w {
                self.set(xx, yy, c);
            }
        }
    }

    pub fn outline_rect(&mut self, x: i64, y: i64, w: i64, h: i64, c: [u8; 3]) {
        self.line(x as f32, y as f32, (x + w) as f32, y as f32, c, 1.0);
        self.line(
            x as f32,
            (y + h) as f32,
            (x + w) as f32,
            (y + h) as f32,
            c,
            1.0,
        );
        self.line(x as f32, y as f32, x as f32, (y + h) as f32, c, 1.0);
        self.line(
            (x + w) as f32,
            y as f32,
            (x + w) as f32,
            (y + h) as f32,
            c,
            1.0,
        );
    }

    /// A line `width` pixels wide.
    pub fn line(&mut self, x0: f32, y0: f32, x1: f32, y1: f32, c: [u8; 3], width: f32) {
        let len = ((x1 - x0).powi(2) + (y1 - y0).powi(2)).sqrt().max(1.0);
        let steps = (len * 2.0) as usize + 1;
        let r = (width * 0.5).max(0.5);
        for i in 0..=steps {
            let t = i as f32 / steps as f32;
            let x = x0 + (x1 - x0) * t;
            let y = y0 + (y1 - y0) * t;
            let ri = r.ceil() as i64;
            for dy in -ri..=ri {
                for dx in -ri..=ri {
                    if ((dx * dx + dy * dy) as f32) <= r * r {
                        self.set(x.round() as i64 + dx, y.round() as i64 + dy, c);
                    }
                }
            }
        }
    }

    /// Draws `text` with its top-left corner at (x, y).
    pub fn text(&mut self, x: f32, y: f32, text: &str, size: f32, c: [u8; 3]) {
        let scaled = self.font.as_scaled(PxScale::from(size));
        let ascent = scaled.ascent();
        let mut pen = x;
        let mut coverage = Vec::new();
        for ch in text.chars() {
            let id = scaled.glyph_id(ch);
            let glyph =
                id.with_scale_and_position(PxScale::from(size), ab_glyph::point(pen, y + ascent));
            pen += scaled.h_advance(id);
            if let Some(outlined) = self.font.outline_glyph(glyph) {
                let bounds = outlined.px_bounds();
                outlined.draw(|gx, gy, a| {
                    coverage.push((
                        bounds.min.x as i64 + gx as i64,
                        bounds.min.y as i64 + gy as i64,
                        a,
                    ));
                });
            }
        }
        for (px, py, a) in coverage {
            self.blend(px, py, c, a.min(1.0));
        }
    }

    /// How wide `text` is drawn at `size` (px).
    pub fn text_width(&self, text: &str, size: f32) -> f32 {
        let scaled = self.font.as_scaled(PxScale::from(size));
        text.chars()
            .map(|ch| scaled.h_advance(scaled.glyph_id(ch)))
            .sum()
    }

    /// Draws a title within `max_width`: smaller, down to 14 px, and then cut short with an
    /// ellipsis, so that a scene's long title is never clipped at the image's edge.
    pub fn text_fitted(
        &mut self,
        x: f32,
        y: f32,
        text: &str,
        size: f32,
        max_width: f32,
        c: [u8; 3],
    ) {
        const SMALLEST: f32 = 14.0;
        let width = self.text_width(text, size);
        if width <= max_width {
            return self.text(x, y, text, size, c);
        }
        // A hair under the exact ratio: glyph advances do not scale quite linearly.
        let fitted = (0.98 * size * max_width / width).max(SMALLEST.min(size));
        let mut kept: Vec<char> = text.chars().collect();
        let mut shown = text.to_string();
        while self.text_width(&shown, fitted) > max_width && !kept.is_empty() {
            kept.pop();
            while kept.last() == Some(&' ') {
                kept.pop();
            }
            shown = kept.iter().chain(['…'].iter()).collect();
        }
        self.text(x, y, &shown, fitted, c);
    }

    /// Encodes the canvas as a PNG and writes it whole or not at all.
    pub fn save_png(&self, path: &Path) -> std::io::Result<()> {
        let data: Vec<u8> = self.pixels.iter().flatten().copied().collect();
        let image = image::RgbImage::from_raw(self.width as u32, self.height as u32, data)
            .ok_or_else(|| std::io::Error::other("the canvas size does not match its pixels"))?;
        let mut bytes = std::io::Cursor::new(Vec::new());
        image
            .write_to(&mut bytes, image::ImageFormat::Png)
            .map_err(std::io::Error::other)?;
        marrowsim_core::files::write_atomic(path, bytes.get_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::Canvas;

    fn inked_right_edge(c: &Canvas, background: [u8; 3]) -> Option<usize> {
        (0..c.width)
            .rev()
            .find(|&x| (0..c.height).any(|y| c.pixels[y * c.width + x] != background))
    }

    #[test]
    fn a_long_title_shrinks_and_then_is_cut_to_fit() {
        let bg = [0, 0, 0];
        let title = "Success map: PSIS harvest under fluoroscopy, obesity (BMI 34), with a much longer tail";
        let mut c = Canvas::new(900, 60, bg);
        assert!(c.text_width(title, 22.0) > 400.0);
        c.text_fitted(10.0, 10.0, title, 22.0, 400.0, [255, 255, 255]);
        let edge = inked_right_edge(&c, bg).expect("something was drawn");
        assert!(edge <= 411, "ink reaches x = {edge}, past the 410 allowed");
        assert!(
            edge > 300,
            "the title was cut far shorter than it had to be: {edge}"
        );

        let mut short = Canvas::new(900, 60, bg);
        short.text_fitted(10.0, 10.0, "site 0", 22.0, 400.0, [255, 255, 255]);
        let mut plain = Canvas::new(900, 60, bg);
        plain.text(10.0, 10.0, "site 0", 22.0, [255, 255, 255]);
        assert!(
            short.pixels == plain.pixels,
            "a title that fits is drawn as it is"
        );
    }
}
