//! Scoring and feasibility throughput, each beside a baseline measured in the same run.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use marrowsim_core::anatomy::Anatomy;
use marrowsim_core::grading::feasibility;
use marrowsim_core::grading::scoring;
use marrowsim_core::records::attempt::Attempt;
use marrowsim_core::scenario::Scenario;
use std::hint::black_box;

/// A path from the workspace root (the tests run in their own crate's folder).
fn ws(path: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

fn scene() -> Scenario {
    Scenario::load(&ws("scenes/psis_standard.ron")).expect("standard scene")
}

fn score_attempt(c: &mut Criterion) {
    let scenario = scene();
    let attempt = Attempt::load(&ws("tests/golden/expert_psis_to_asis.ron")).expect("golden");
    let anatomy = Anatomy::build(&attempt.patient).expect("patient");
    let pose = attempt.sites[0].timeline.last().expect("samples").pose();
    let mut g = c.benchmark_group("score");
    g.bench_function("expert_attempt_27_samples", |b| {
        b.iter(|| scoring::score(black_box(&scenario), &anatomy, black_box(&attempt)))
    });
    g.bench_function("baseline_quick_final_pose", |b| {
        b.iter(|| scoring::quick(black_box(&scenario), &anatomy, 0, black_box(&pose)))
    });
    g.finish();
}

fn feasibility_rate(c: &mut Criterion) {
    let scenario = scene();
    let mut g = c.benchmark_group("feasibility");
    g.sample_size(10);
    g.throughput(Throughput::Elements(2000));
    g.bench_function("2000_trajectories", |b| {
        b.iter(|| feasibility::run(black_box(&scenario), 1, 2000, 3))
    });
    let warm = Anatomy::build(&scenario.patient(1)).expect("patient");
    g.bench_function("2000_trajectories_on_a_built_patient", |b| {
        b.iter(|| feasibility::run_on(black_box(&scenario), &warm, 2000, 3))
    });
    let analytic = Anatomy::build(&scenario.patient(1))
        .expect("patient")
        .without_grid();
    g.bench_function("baseline_analytic_field_2000_trajectories", |b| {
        b.iter(|| feasibility::run_on(black_box(&scenario), &analytic, 2000, 3))
    });
    g.finish();
}

/// The editor's first answer to an edit (10²), the map that replaces it (32²) on the
/// patient on the table, and the 32² map on a patient built for it (the CLI's case).
fn success_maps(c: &mut Criterion) {
    use marrowsim_core::grading::success_map::success_map;
    let scenario = scene();
    let anatomy = Anatomy::build(&scenario.patient(0)).expect("patient");
    let mut g = c.benchmark_group("success_map");
    g.sample_size(10);
    for size in [10, 32] {
        g.bench_function(format!("{size}x{size}_on_the_table"), |b| {
            b.iter(|| success_map(black_box(&scenario), &anatomy, 0, size))
        });
    }
    g.bench_function("32x32_new_patient", |b| {
        b.iter(|| {
            let fresh = Anatomy::build(&scenario.patient(0)).expect("patient");
            success_map(black_box(&scenario), &fresh, 0, 32)
        })
    });
    g.finish();
}

criterion_group!(benches, score_attempt, feasibility_rate, success_maps);
criterion_main!(benches);
