//! The dose of a fluoroscopy-guided attempt: the X-ray shots against what an expert needs.
//!
//! Radiation is kept as low as reasonably achievable (ALARA): every shot the trainee did not
//! need is dose to the patient and to the room. The scene says how many shots an expert takes
//! (`free_shots`: the entry, the trajectory in two views, the depth, and a spare) and the share
//! of the total the dose carries. The share is whole up to that many, and falls linearly to
//! nothing at twice as many: an attempt that needed double the expert's shots has shown no
//! economy of dose. The dose never fails a placement by itself; the scene's `max_shots` is the
//! limit beyond which no shot is taken.

use super::components::Component;
use crate::records::attempt::XrayShot;
use crate::scenario::FluoroscopySpec;

/// The dose's part of the score: its component and its points out of the spec's weight.
pub struct DoseScore {
    pub component: Component,
    pub points: f32,
}

pub fn score(spec: &FluoroscopySpec, shots: &[XrayShot]) -> DoseScore {
    let n = shots.len() as f32;
    let free = spec.free_shots.max(1) as f32;
    let share = (1.0 - (n - free) / free).clamp(0.0, 1.0);
    let views: std::collections::BTreeSet<usize> = shots.iter().map(|s| s.view).collect();
    let feedback = if n <= free {
        format!(
            "{} from {}, within the {free:.0} an expert needs.",
            crate::words::count(shots.len(), "X-ray shot"),
            crate::words::count(views.len(), "view")
        )
    } else {
        format!(
            "{n:.0} X-ray shots, {:.0} more than the {free:.0} an expert needs: each one is dose to the patient and the room. Confirm the entry, the trajectory in two views and the depth, and move between shots by feel.",
            n - free
        )
    };
    let component = Component::graded(
        "fluoroscopy.shots",
        "X-ray shots",
        n,
        "shots",
        spec.weight,
        share,
        feedback,
    );
    DoseScore {
        points: component.points,
        component,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shots(n: usize) -> Vec<XrayShot> {
        (0..n)
            .map(|i| XrayShot {
                t: i as f32,
                view: i % 2,
            })
            .collect()
    }

    #[test]
    fn the_share_is_whole_to_the_free_shots_and_gone_at_twice_as_many() {
        let spec = FluoroscopySpec::default();
        let free = spec.free_shots as usize;
        assert_eq!(score(&spec, &shots(0)).points, spec.weight);
        assert_eq!(score(&spec, &shots(free)).points, spec.weight);
        let half = score(&spec, &shots(free + free / 2)).points;
        assert!((half - spec.weight / 2.0).abs() < 1e-4, "{half}");
        assert_eq!(score(&spec, &shots(2 * free)).points, 0.0);
        assert_eq!(score(&spec, &shots(3 * free)).points, 0.0);
        assert!(
            score(&spec, &shots(free + 1))
                .component
                .feedback
                .contains("1 more than")
        );
    }
}
