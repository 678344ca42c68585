//! A workshop's demonstration of a scene (`marrowsim demo`): an expert attempt played layer by
//! layer, then the classic errors, each with captions on its moments. Bevy-free, so the
//! captions' order and times are tested here and the app only shows them.
//!
//! The expert attempt is the scene's authored one when it has one (the caller passes it),
//! otherwise feasibility's best. The errors are built on the scene's own patient the way the
//! golden attempts are: straight in from the PSIS (the SI joint and the sacrum), low and
//! lateral toward the greater sciatic notch, aimed medially out through the inner table, and
//! (where the scene aspirates) one large pull. Each error's caption names its published figure.

use crate::anatomy::{Anatomy, Hazard};
use crate::grading::feasibility;
use crate::needle::{EventKind, Pose, Sample, replay};
use crate::records::attempt::{self, Attempt, Pull, SiteAttempt};
use crate::scenario::{Approach, Scenario, Side};
use crate::tissue::Tissue;
use glam::Vec3;

/// Where the camera should be for a caption.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    /// From behind and above the patient: where the needle goes in.
    Approach,
    /// Along the needle: its aim.
    NeedleEye,
    /// The tissues around the tip (the section follows the needle).
    Section,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Caption {
    /// On the attempt's clock (s).
    pub t: f32,
    pub text: String,
    /// An error's caption: red, naming the hazard and its figure.
    pub error: bool,
    pub view: View,
}

/// One attempt of the demonstration with its captions, in time order.
#[derive(Clone, Debug)]
pub struct Act {
    pub title: String,
    pub attempt: Attempt,
    pub captions: Vec<Caption>,
    pub error: bool,
}

/// The scene's demonstration: the expert first, then the errors that the scene's approach
/// allows.
pub fn programme(scenario: &Scenario, expert: Option<Attempt>) -> Result<Vec<Act>, String> {
    let expert = match expert {
        Some(a) => a,
        None => feasibility::run(scenario, 0, 300, 7)?
            .best_attempt
            .ok_or("the scene cannot be passed, so there is no expert attempt to show")?,
    };
    let anatomy = Anatomy::build(&expert.patient).map_err(|e| e.to_string())?;
    let mut acts = vec![Act {
        title: format!("{}: the expert's harvest", scenario.title),
        captions: captions(scenario, &anatomy, &expert, None),
        attempt: expert.clone(),
        error: false,
    }];
    acts.extend(errors(scenario, &anatomy, &expert));
    for act in &mut acts {
        let s = crate::grading::scoring::score(scenario, &anatomy, &act.attempt)
            .map_err(|e| format!("{}: {e}", act.title))?;
        // Each pull's yield, as the model gives it, on the pull's caption.
        if let Some(h) = &s.harvest {
            let mut pulls = h.harvest.pulls.iter();
            for c in act
                .captions
                .iter_mut()
                .filter(|c| c.text.starts_with("aspirate"))
            {
                if let Some(p) = pulls.next() {
                    c.text = format!(
                        "aspirate: {:.0} mL, {:.0} progenitors ({:.0} per mL)",
                        p.ml, p.progenitors, p.progenitors_per_ml
                    );
                }
            }
            let a = &h.harvest.aspirate;
            if a.ml > 0.0 {
                act.captions.push(Caption {
                    t: act.attempt.span().1,
                    text: format!(
                        "the harvest: {:.0} mL with {:.0} progenitors, {:.0}% blood",
                        a.ml,
                        a.progenitors,
                        a.blood_share * 100.0
                    ),
                    error: false,
                    view: View::Section,
                });
            }
        }
        let verdict = format!("{:?}", s.verdict).to_lowercase();
        act.captions.push(Caption {
            t: act.attempt.span().1,
            text: format!("the score: {:.0} of 100, {verdict}", s.total),
            error: s.verdict != crate::grading::scoring::Verdict::Pass,
            view: View::Approach,
        });
    }
    Ok(acts)
}

/// What a caption says of a layer the tip has just entered, by the approach; `again` when
/// the tip has been in that tissue before (out through the far side).
fn layer(
    tissue: Tissue,
    thickness: f32,
    approach: Approach,
    again: bool,
) -> Option<(String, View)> {
    if again {
        return match tissue {
            Tissue::Cortex => Some(("the far cortex".into(), View::Section)),
            Tissue::Muscle | Tissue::Fat => Some((
                "soft tissue again: the tip has left the bone".into(),
                View::Section,
            )),
            _ => None,
        };
    }
    Some(match tissue {
        Tissue::Skin => ("skin".into(), View::Approach),
        Tissue::Fat => (format!("fat, {thickness:.0} mm"), View::Section),
        Tissue::Muscle => (
            match approach {
                Approach::PosteriorIliacCrest => "gluteus maximus".into(),
                Approach::AnteriorIliacCrest => "the muscles' insertions on the crest".into(),
            },
            View::Section,
        ),
        Tissue::Cortex => ("cortex: firm push and twist".into(), View::NeedleEye),
        Tissue::Marrow => ("marrow: the loss of resistance".into(), View::Section),
        // The hazards (the joint, the sacrum, nerves, vessels) are the events' captions.
        _ => return None,
    })
}

/// Which of the needle's events shows an act's error.
pub type IsError = dyn Fn(&EventKind) -> bool;

/// When the tip first reached `depth` on a site's timeline (interpolated between samples).
fn reached(timeline: &[Sample], depth: f32) -> Option<f32> {
    let mut prev: Option<&Sample> = None;
    for s in timeline {
        if s.depth >= depth {
            return Some(match prev {
                Some(p) if s.depth > p.depth => {
                    p.t + (s.t - p.t) * (depth - p.depth) / (s.depth - p.depth)
                }
                _ => s.t,
            });
        }
        prev = Some(s);
    }
    None
}

/// The captions of an attempt: each phase's moments, each layer the tip enters on its first
/// push, each pull; `error` adds the error's own caption at the event that shows it.
pub fn captions(
    scenario: &Scenario,
    anatomy: &Anatomy,
    attempt: &Attempt,
    error: Option<(&IsError, String)>,
) -> Vec<Caption> {
    let mut out: Vec<Caption> = attempt
        .moments(anatomy)
        .into_iter()
        .filter(|m| m.site.is_none())
        .map(|m| Caption {
            t: m.t,
            text: m.what,
            error: false,
            view: View::Approach,
        })
        .collect();
    for site in &attempt.sites {
        let tl = &site.timeline;
        let Some(first) = tl.first() else { continue };
        // The first push: up to the deepest sample before the first withdrawal.
        let mut deepest = first;
        for s in tl {
            if s.depth + 0.5 < deepest.depth {
                break;
            }
            if s.depth >= deepest.depth {
                deepest = s;
            }
        }
        let pose = Pose {
            entry: Vec3::from(deepest.entry),
            direction: Vec3::from(deepest.direction).normalize(),
            depth: deepest.depth,
        };
        let iv = anatomy.intervals(pose.entry, pose.tip(), 0.1);
        let mut seen: Vec<Tissue> = Vec::new();
        for i in &iv {
            let again = seen.contains(&i.tissue);
            seen.push(i.tissue);
            let Some((text, view)) = layer(i.tissue, i.end - i.start, scenario.approach, again)
            else {
                continue;
            };
            if let Some(t) = reached(tl, i.start + 0.05) {
                out.push(Caption {
                    t,
                    text,
                    error: false,
                    view,
                });
            }
        }
        let r = replay(anatomy, tl);
        for e in &r.events {
            if let EventKind::HazardContact(h) = e.kind {
                out.push(Caption {
                    t: e.t,
                    text: format!("touched the {}", crate::grading::scoring::hazard_name(h)),
                    error: true,
                    view: View::Section,
                });
            }
        }
        if let Some((is, text)) = &error
            && let Some(e) = r.events.iter().find(|e| is(&e.kind))
        {
            // The error's own caption says more than the generic one at the same moment.
            out.retain(|c| !(c.error && c.t == e.t));
            out.push(Caption {
                t: e.t,
                text: text.clone(),
                error: true,
                view: View::Section,
            });
        }
        out.extend(site.pulls.iter().map(|p| Caption {
            t: p.t,
            text: format!("aspirate: a {} mL pull", p.ml),
            error: false,
            view: View::Section,
        }));
    }
    out.sort_by(|a, b| a.t.total_cmp(&b.t));
    out
}

/// The skin point on the line that reaches `target` along `dir`.
pub fn skin_entry(a: &Anatomy, target: Vec3, dir: Vec3) -> Vec3 {
    let outside = target - dir * 200.0;
    let skin = a
        .intervals(outside, target, 0.25)
        .iter()
        .find(|i| i.tissue != Tissue::Air)
        .map(|i| i.start)
        .unwrap_or(0.0);
    outside + dir * skin
}

/// Depth from `entry` at which the shaft has gone `past` mm into the first `tissue` after bone.
pub fn depth_into(a: &Anatomy, entry: Vec3, dir: Vec3, tissue: Tissue, past: f32) -> f32 {
    let iv = a.intervals(entry, entry + dir * 150.0, 0.25);
    let bone = iv.iter().position(|i| i.tissue.is_bone()).unwrap_or(0);
    iv[bone..]
        .iter()
        .find(|i| i.tissue == tissue)
        .map(|i| i.start + past)
        .unwrap_or(150.0)
}

/// A steady insertion: 3 s to place, then 2 mm/s, sampled every second.
pub fn steady_timeline(entry: Vec3, dir: Vec3, depth: f32) -> Vec<Sample> {
    let pose = |depth| Pose {
        entry,
        direction: dir,
        depth,
    };
    let mut out = vec![Sample::new(0.0, pose(0.0))];
    let (mut t, mut d) = (3.0, 0.0);
    while d < depth {
        d = (d + 2.0).min(depth);
        out.push(Sample::new(t, pose(d)));
        t += 1.0;
    }
    out
}

fn single(like: &Attempt, timeline: Vec<Sample>, pulls: Vec<Pull>) -> Attempt {
    Attempt {
        version: attempt::VERSION,
        scene: like.scene.clone(),
        patient: like.patient.clone(),
        evaluation: None,
        anaesthetic: Vec::new(),
        preparation: Vec::new(),
        marks: Vec::new(),
        who: None,
        when: None,
        shots: Vec::new(),
        sites: vec![SiteAttempt {
            site: 0,
            timeline,
            events: Vec::new(),
            pulls,
            palpations: Vec::new(),
            turns: Vec::new(),
        }],
    }
}

fn touches(hazards: &'static [Hazard]) -> impl Fn(&EventKind) -> bool {
    move |k| matches!(k, EventKind::HazardContact(h) if hazards.contains(h))
}

fn error_act(
    scenario: &Scenario,
    anatomy: &Anatomy,
    title: &str,
    attempt: Attempt,
    is: &IsError,
    caption: &str,
) -> Act {
    Act {
        title: title.to_string(),
        captions: captions(scenario, anatomy, &attempt, Some((is, caption.to_string()))),
        attempt,
        error: true,
    }
}

/// The classic errors on the expert's patient.
fn errors(scenario: &Scenario, a: &Anatomy, expert: &Attempt) -> Vec<Act> {
    let mut acts = Vec::new();
    let side = if scenario.side == Side::Right {
        "right"
    } else {
        "left"
    };
    let landmark = |name: &str| a.landmark(&format!("{name}_{side}"));
    if scenario.approach == Approach::PosteriorIliacCrest
        && let (Some(psis), Some(asis), Some(notch)) = (
            landmark("psis"),
            landmark("asis"),
            landmark("sciatic_notch"),
        )
    {
        let straight = Vec3::Y;
        let entry = skin_entry(a, psis + Vec3::new(0.0, 0.0, -3.0), straight);
        let depth = depth_into(a, entry, straight, Tissue::Sacrum, 6.0);
        acts.push(error_act(
            scenario,
            a,
            "Straight in, perpendicular to the back",
            single(expert, steady_timeline(entry, straight, depth), Vec::new()),
            &touches(&[Hazard::SiJoint, Hazard::Sacrum]),
            "straight in: the SI joint at 32 mm (Hirahara, MRI, n=26); aim 24° lateral, toward the ASIS",
        ));

        // About 60 mm below the PSIS, toward the notch: the first aim whose track meets the
        // sciatic nerve or the superior gluteal artery.
        let low = psis + Vec3::new(if side == "left" { -22.0 } else { 22.0 }, 18.0, -58.0);
        let below_notch = [Hazard::SciaticNerve, Hazard::SuperiorGlutealArtery];
        for drop in (0..16).map(|k| 4.0 + 3.0 * k as f32) {
            let dir = (notch + Vec3::new(0.0, 0.0, -drop) - low).normalize();
            let tl = steady_timeline(skin_entry(a, low, dir), dir, 95.0);
            let hit = replay(a, &tl).events.iter().find_map(|e| match e.kind {
                EventKind::HazardContact(h) if below_notch.contains(&h) => Some(h),
                _ => None,
            });
            // The caption names what the needle met, since the figures name both.
            if let Some(hit) = hit {
                acts.push(error_act(
                    scenario,
                    a,
                    "Low and lateral, toward the sciatic notch",
                    single(expert, tl, Vec::new()),
                    &touches(&[Hazard::SciaticNerve, Hazard::SuperiorGlutealArtery]),
                    &format!(
                        "low and lateral, into the {}: the greater sciatic notch is 53 ± 7 mm from the PSIS, the superior gluteal artery 54 ± 10 mm (PubMed 23623198)",
                        crate::grading::scoring::hazard_name(hit)
                    ),
                ));
                break;
            }
        }

        // A tip that skids up off the PSIS and goes on over the crest: entries ever higher
        // above the PSIS, aimed a little medially, until one passes no bone and reaches the
        // cavity.
        let to_asis = (asis - psis).normalize();
        let medial = if side == "left" { Vec3::X } else { -Vec3::X };
        'slip: for lift in (0..16).map(|k| 16.0 + 2.0 * k as f32) {
            for m in [0.1, 0.15, 0.2] {
                let dir = (to_asis + medial * m).normalize();
                let entry = skin_entry(a, psis + Vec3::Z * lift, dir);
                let events = replay(a, &steady_timeline(entry, dir, 95.0)).events;
                let bone = events.iter().any(|e| e.kind == EventKind::CortexContact);
                // The first hazard met must be the cavity (not the sacrum on the way).
                if let Some(b) = events
                    .iter()
                    .find(|e| matches!(e.kind, EventKind::HazardContact(_)))
                    .filter(|e| e.kind == EventKind::HazardContact(Hazard::PelvicCavity))
                    && !bone
                {
                    let tl = steady_timeline(entry, dir, (b.depth + 4.0).min(95.0));
                    acts.push(error_act(
                        scenario,
                        a,
                        "A slip over the crest",
                        single(expert, tl, Vec::new()),
                        &touches(&[Hazard::PelvicCavity]),
                        "over the crest: a needle that slips above the PSIS reaches the retroperitoneum (MDedge); keep the tip on bone and walk it, do not push on",
                    ));
                    break 'slip;
                }
            }
        }

        // Aimed ever more medially until the push goes out through the inner table.
        for k in 1..40 {
            let dir = (to_asis + medial * (0.02 * k as f32)).normalize();
            let entry = skin_entry(a, psis, dir);
            let events = replay(a, &steady_timeline(entry, dir, 95.0)).events;
            if let Some(b) = events
                .iter()
                .find(|e| matches!(e.kind, EventKind::HazardContact(Hazard::PelvicCavity)))
            {
                let tl = steady_timeline(entry, dir, (b.depth + 4.0).min(95.0));
                acts.push(error_act(
                    scenario,
                    a,
                    "Through the inner table",
                    single(expert, tl, Vec::new()),
                    &touches(&[Hazard::PelvicCavity]),
                    "through the inner table: the retroperitoneum, with the iliac vessels and the femoral nerve (MDedge)",
                ));
                break;
            }
        }
    }
    if let Some(spec) = &scenario.aspiration
        && let Some(site) = expert.sites.first()
        && let Some(last) = site.timeline.last()
    {
        // The expert's push to the marrow, then the whole syringe at once.
        let reached = replay(a, &site.timeline)
            .events
            .iter()
            .find(|e| e.kind == EventKind::MarrowEntry)
            .map_or(last.t, |e| e.t);
        let mut tl: Vec<Sample> = site
            .timeline
            .iter()
            .take_while(|s| s.t <= reached + 0.5)
            .copied()
            .collect();
        let held = *tl.last().unwrap_or(last);
        let t = held.t + 2.0;
        tl.push(Sample { t, ..held });
        // The whole syringe in one pull, where 1–4 mL pulls are the standard.
        let ml = spec.syringe_ml;
        let mut attempt = single(expert, tl, vec![Pull { t: t - 1.0, ml }]);
        attempt.anaesthetic = expert.anaesthetic.clone();
        attempt.preparation = expert.preparation.clone();
        attempt.evaluation = expert.evaluation.clone();
        let mut act = error_act(scenario, a, "One large pull", attempt, &|_| false, "");
        if let Some(c) = act
            .captions
            .iter_mut()
            .rev()
            .find(|c| c.text.starts_with("aspirate"))
        {
            c.text = format!(
                "one {ml} mL pull: after the first 1–2 mL it draws mostly blood; pulls of 1–4 mL keep the progenitors (Muschler 1997; Hernigou 2013)"
            );
            c.error = true;
        }
        acts.push(act);
    }
    acts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_steady_push_reaches_each_depth_at_its_time() {
        let tl = steady_timeline(Vec3::ZERO, Vec3::Y, 10.0);
        assert_eq!(reached(&tl, 0.0), Some(0.0));
        assert_eq!(reached(&tl, 4.0), Some(4.0));
        assert_eq!(reached(&tl, 5.0), Some(4.5));
        assert_eq!(reached(&tl, 11.0), None);
    }
}

#[cfg(test)]
mod programme_tests {
    use super::*;

    fn standard() -> Scenario {
        Scenario::load(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../scenes/psis_standard.ron"
        )))
        .unwrap()
    }

    #[test]
    fn the_expert_goes_through_each_layer_in_order_and_the_errors_name_their_figures() {
        let acts = programme(&standard(), None).unwrap();
        let expert = &acts[0];
        assert!(!expert.error);
        let texts: Vec<&str> = expert.captions.iter().map(|c| c.text.as_str()).collect();
        let order = ["skin", "fat", "gluteus maximus", "cortex", "marrow"];
        let at: Vec<usize> = order
            .iter()
            .map(|w| {
                texts
                    .iter()
                    .position(|t| t.starts_with(w))
                    .unwrap_or_else(|| panic!("no {w} in {texts:?}"))
            })
            .collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{texts:?}");
        assert!(expert.captions.windows(2).all(|w| w[0].t <= w[1].t));
        assert!(expert.captions.iter().all(|c| !c.error), "{texts:?}");
        let titles: Vec<&str> = acts[1..].iter().map(|a| a.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "Straight in, perpendicular to the back",
                "Low and lateral, toward the sciatic notch",
                "A slip over the crest",
                "Through the inner table"
            ]
        );
        for act in &acts[1..] {
            let red = act
                .captions
                .iter()
                .find(|c| c.error)
                .expect("an error caption");
            assert!(
                red.text.contains(" mm") || red.text.contains("MDedge"),
                "the first red caption names the figure: {}",
                red.text
            );
        }
        assert!(acts[1].captions.iter().any(|c| c.text.contains("Hirahara")));
        let notch = acts[2].captions.iter().find(|c| c.error).unwrap();
        assert!(
            notch
                .text
                .starts_with("low and lateral, into the superior gluteal artery:")
                || notch
                    .text
                    .starts_with("low and lateral, into the sciatic nerve:"),
            "the caption names what the needle met: {}",
            notch.text
        );
    }
}
