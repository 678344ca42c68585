//! The success map: where on the skin a scene can be passed from.

use marrowsim_core::anatomy::Anatomy;
use marrowsim_core::grading::success_map::{DIRECTIONS, SuccessMap, success_map};
use marrowsim_core::scenario::Scenario;

fn psis_map(size: usize) -> (Scenario, Anatomy, SuccessMap) {
    let scene = Scenario::load(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenes/psis_standard.ron"),
    )
    .unwrap();
    let anatomy = Anatomy::build(&scene.patient(0)).unwrap();
    let map = success_map(&scene, &anatomy, 0, size).unwrap();
    (scene, anatomy, map)
}

#[test]
fn the_standard_psis_zone_is_mostly_passable_and_centred_on_the_passes() {
    let (_, _, map) = psis_map(24);
    assert_eq!(map.cells.len(), 24 * 24);
    let share = map.zone_share();
    assert!(
        share >= 0.5,
        "only {:.0}% of the zone passes",
        share * 100.0
    );
    let (_, off) = map.pass_centroid().expect("something passes");
    assert!(
        off < map.zone.entry_radius,
        "the passes centre {off:.1} mm from the zone's centre, outside its {} mm radius",
        map.zone.entry_radius
    );
}

#[test]
fn the_rings_add_up_to_the_zone_share_and_the_aim_passes_most() {
    let (_, _, map) = psis_map(24);
    let rings = map.zone_share_by_ring();
    assert_eq!(rings.len(), 4);
    assert_eq!(rings[0].0, 0.0);
    assert!((rings[3].0 - map.zone.tolerance_deg).abs() < 1e-4);
    let weighted = (rings[0].1 + 5.0 * (rings[1].1 + rings[2].1 + rings[3].1)) / 16.0;
    assert!(
        (weighted - map.zone_share()).abs() < 1e-4,
        "{rings:?} against {}",
        map.zone_share()
    );
    assert!(rings[0].1 >= rings[3].1, "{rings:?}");
}

#[test]
fn entry_points_far_from_the_zone_pass_less_than_those_in_it() {
    let (_, _, map) = psis_map(24);
    let (mut inside, mut n_in, mut outside, mut n_out) = (0.0, 0, 0.0, 0);
    for row in 0..map.size {
        for col in 0..map.size {
            let off = (map.point(col, row) - map.zone.entry_centre).length();
            let share = map.cell(col, row).passes as f32 / DIRECTIONS as f32;
            if off <= map.zone.entry_radius {
                inside += share;
                n_in += 1;
            } else if off >= 2.5 * map.zone.entry_radius {
                outside += share;
                n_out += 1;
            }
        }
    }
    let (inside, outside) = (inside / n_in as f32, outside / n_out as f32);
    assert!(
        inside > outside + 0.2,
        "in the zone {inside:.2} of directions pass, far from it {outside:.2}"
    );
}

#[test]
fn the_map_is_the_same_every_run_and_off_the_body_nothing_passes() {
    let (_, _, a) = psis_map(16);
    let (_, _, b) = psis_map(16);
    assert_eq!(a.cells, b.cells);
    for c in &a.cells {
        assert!(c.passes as usize + c.unsafe_count as usize <= DIRECTIONS);
        if c.skin.is_none() {
            assert_eq!((c.passes, c.unsafe_count), (0, 0));
        }
    }
    assert!(a.cells.iter().any(|c| c.skin.is_some()));
}

#[test]
fn a_cell_centre_is_located_in_its_own_cell() {
    let (_, _, map) = psis_map(16);
    for (col, row) in [(0, 0), (7, 3), (15, 15), (8, 8)] {
        let (c, r) = map.locate(map.point(col, row)).unwrap();
        assert_eq!((c.floor() as usize, r.floor() as usize), (col, row));
    }
    let far = map.zone.entry_centre + map.right * (map.half_width * 1.5);
    assert_eq!(map.locate(far), None);
    // The patient's head is up on the map.
    assert!(map.up.z > 0.5, "{:?}", map.up);
    assert_eq!(map.orientation().0, "cranial");
}

#[test]
fn the_picture_holds_every_cell_and_draws_the_zone() {
    let (_, _, map) = psis_map(16);
    let px = map.pixels(4);
    assert_eq!(px.len(), 64 * 64);
    assert!(px.contains(&[255, 255, 255]), "no zone circle drawn");
    assert_eq!(px[0], map.cell(0, 0).colour());
}

#[test]
fn a_map_too_small_or_too_large_is_refused() {
    let (scene, anatomy, _) = psis_map(4);
    for size in [0, 3, 257, 100_000] {
        let e = success_map(&scene, &anatomy, 0, size).unwrap_err();
        assert!(e.contains("4–256"), "{e}");
    }
}
