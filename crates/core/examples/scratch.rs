use marrowsim_core::anatomy::{Anatomy, measure::first_run_after_bone};
use marrowsim_core::scenario::Scenario;
use marrowsim_core::tissue::Tissue;
fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or("scenes/anterior_crest.ron".into());
    let sc = Scenario::load(std::path::Path::new(&path)).unwrap();
    let mut ok = 0;
    for seed in 0..30u64 {
        let p = marrowsim_core::anatomy::Patient {
            seed: Some(seed),
            ..sc.patient(0)
        };
        let a = Anatomy::build(&p).unwrap();
        let z = sc.resolve(0, &a).unwrap();
        let (s, e) = z.ideal_track(&a);
        let iv = a.intervals(s, e, 0.25);
        let run = first_run_after_bone(&iv, Tissue::Marrow)
            .map(|r| r.1)
            .unwrap_or(0.0);
        if run >= 20.0 {
            ok += 1;
        }
        if seed < 4 {
            let w = a.pelvis.wing.local(a.to_reference(z.entry_centre));
            println!(
                "seed {seed} centre wing u {:.1} v {:.1} w {:.1} mid {:.1} ht {:?}",
                w.u,
                w.v,
                w.w,
                a.pelvis.wing.mid(w.u, w.v),
                a.pelvis.wing.half_thickness(w.u, w.v)
            );
            let h = a
                .pelvis
                .wing
                .local(a.to_reference(a.landmark("acetabulum_left").unwrap()));
            println!("  hip u {:.1} v {:.1} w {:.1}", h.u, h.v, h.w);
            for i in &iv {
                print!("{} {:.1}-{:.1}; ", i.tissue.name(), i.start, i.end);
            }
            println!();
        }
    }
    println!("{ok}/30 with >= 20 mm marrow");
}
