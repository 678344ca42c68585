//! Hot paths of the anatomy core. Each group carries its own baseline, measured in the same
//! run, so that ratios survive a noisy machine.

use criterion::{Criterion, criterion_group, criterion_main};
use glam::Vec3;
use marrowsim_core::anatomy::{Anatomy, Patient, Sex};
use marrowsim_core::geometry::mesh::build_meshes;
use std::hint::black_box;

fn anatomy() -> Anatomy {
    Anatomy::build(&Patient::average("adult_male", Sex::Male)).expect("male preset builds")
}

fn needle(a: &Anatomy) -> (Vec3, Vec3) {
    let psis = a.landmark("psis_left").expect("psis");
    let dir = (a.landmark("asis_left").expect("asis") - psis).normalize();
    (psis - dir * 25.0, psis + dir * 75.0)
}

fn point_query(c: &mut Criterion) {
    let a = anatomy();
    let (from, to) = needle(&a);
    let p = from.lerp(to, 0.4);
    let mut g = c.benchmark_group("point");
    g.bench_function("tissue_at", |b| b.iter(|| a.tissue_at(black_box(p))));
    g.bench_function("baseline_analytic", |b| {
        b.iter(|| a.probe_analytic(black_box(p)).tissue)
    });
    g.bench_function("baseline_bone_sdf_only", |b| {
        b.iter(|| a.bone_sdf(black_box(p)))
    });
    g.finish();

    // Every 0.1 mm of the needle's 100 mm, boundaries and all: the mean cost of a point.
    let along: Vec<Vec3> = (0..1000)
        .map(|i| from.lerp(to, i as f32 / 1000.0))
        .collect();
    let mut g = c.benchmark_group("points_along_needle_1000");
    g.bench_function("tissue_at", |b| {
        b.iter(|| {
            along
                .iter()
                .map(|&p| a.tissue_at(black_box(p)) as usize)
                .sum::<usize>()
        })
    });
    g.bench_function("baseline_analytic", |b| {
        b.iter(|| {
            along
                .iter()
                .map(|&p| a.probe_analytic(black_box(p)).tissue as usize)
                .sum::<usize>()
        })
    });
    g.finish();
}

fn path_query(c: &mut Criterion) {
    let a = anatomy();
    let (from, to) = needle(&a);
    let mut g = c.benchmark_group("path_100mm");
    g.bench_function("intervals_0.25mm", |b| {
        b.iter(|| a.intervals(black_box(from), black_box(to), 0.25))
    });
    g.bench_function("baseline_analytic_intervals_0.25mm", |b| {
        b.iter(|| a.intervals_analytic(black_box(from), black_box(to), 0.25))
    });
    g.bench_function("baseline_sample_every_0.25mm", |b| {
        b.iter(|| a.sample_path(black_box(from), black_box(to), 0.25))
    });
    g.finish();
}

fn mesh_build(c: &mut Criterion) {
    let a = anatomy();
    let mut g = c.benchmark_group("mesh");
    g.sample_size(10);
    g.bench_function("full_patient", |b| b.iter(|| build_meshes(black_box(&a))));
    g.bench_function("baseline_anatomy_build", |b| {
        b.iter(|| Anatomy::build(black_box(&Patient::average("adult_male", Sex::Male))))
    });
    g.finish();
}

/// The live section in the needle's plane (180×130 at 0.8 mm), as the panel samples it after
/// every push; the baseline classifies every pixel on its own.
fn section(c: &mut Criterion) {
    use marrowsim_core::geometry::section::{Section, SectionPlane};
    let a = anatomy();
    let (from, to) = needle(&a);
    let plane = SectionPlane::along(from, to, Vec3::Z);
    let mut g = c.benchmark_group("section_180x130");
    g.bench_function("clearance_runs", |b| {
        b.iter(|| Section::sample(&a, black_box(plane), 180, 130, 0.8))
    });
    g.bench_function("baseline_every_pixel", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for row in 0..130 {
                for col in 0..180 {
                    let x = (col as f32 + 0.5 - 90.0) * 0.8;
                    let y = (65.0 - row as f32 - 0.5) * 0.8;
                    n += a.tissue_at(black_box(plane).point(x, y)) as usize;
                }
            }
            n
        })
    });
    g.finish();
}

/// A C-arm shot in the app (256² over 300 mm): the view's image of the patient, computed once
/// a view (on a patient whose grid is filled, and on one built for the run), against the shot
/// itself, which only adds the needle's steel to it.
fn fluoroscopy(c: &mut Criterion) {
    use marrowsim_core::geometry::radiograph::{Projection, drr, with_needle};
    let a = anatomy();
    let p = Projection::c_arm(&a, 0.0, 0.0, 256, 256);
    let base = drr(&a, &p, None);
    let (from, to) = needle(&a);
    let mut g = c.benchmark_group("c_arm_256");
    g.sample_size(10);
    g.bench_function("view_image_warm_grid", |b| {
        b.iter(|| drr(&a, black_box(&p), None))
    });
    g.bench_function("view_image_new_patient", |b| {
        b.iter(|| {
            let fresh = Anatomy::build(&Patient::average("adult_male", Sex::Male)).unwrap();
            drr(&fresh, black_box(&p), None)
        })
    });
    g.bench_function("shot_with_needle", |b| {
        b.iter(|| with_needle(black_box(&base), &p, from, to))
    });
    g.finish();
}

criterion_group!(
    benches,
    point_query,
    path_query,
    mesh_build,
    section,
    fluoroscopy
);
criterion_main!(benches);
