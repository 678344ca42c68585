//! One trainee attempt as it happens: place the needle on the skin, tilt it, push it in,
//! and submit. Bevy-free, so the app, tests and tools drive the same logic.

use crate::anatomy::Anatomy;
use crate::grading::scoring::{self, Score, ScoreError};
use crate::needle::insertion::{self, PushOutcome};
use crate::needle::{Pose, Sample, replay};
use crate::records::attempt::{self, Attempt, Pull, SiteAttempt};
use crate::scenario::Scenario;
use crate::tissue::Tissue;
use glam::{Quat, Vec3};
use std::sync::Arc;

/// The needle of the current site, with its angles relative to straight in.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Needle {
    pub entry: Vec3,
    /// Inward skin normal at the entry: "straight in".
    pub base: Vec3,
    /// Degrees toward the patient's side of this site (lateral) and toward the head.
    pub lateral_deg: f32,
    pub cephalad_deg: f32,
    pub depth: f32,
}

impl Needle {
    pub fn direction(&self, left_side: bool) -> Vec3 {
        let lat = if left_side {
            self.lateral_deg
        } else {
            -self.lateral_deg
        };
        let r = Quat::from_rotation_x(self.cephalad_deg.to_radians())
            * Quat::from_rotation_z(lat.to_radians());
        (r * self.base).normalize()
    }
}

#[derive(Clone, Debug)]
pub struct Session {
    pub scenario: Scenario,
    pub anatomy: Arc<Anatomy>,
    pub site: usize,
    pub needle: Option<Needle>,
    pub last: Option<PushOutcome>,
    /// Depth (mm), resistance (N) and tip tissue after each push on this site: the force plot.
    pub trace: Vec<(f32, f32, Tissue)>,
    /// Finished sites' timelines.
    done: Vec<SiteAttempt>,
    timeline: Vec<Sample>,
    /// The current site's syringe pulls.
    pulls: Vec<Pull>,
    /// The stylet is out of the cannula: the syringe can be attached.
    pub stylet_out: bool,
    pub score: Option<Score>,
}

impl Session {
    pub fn new(scenario: Scenario, anatomy: Arc<Anatomy>) -> Session {
        Session {
            scenario,
            anatomy,
            site: 0,
            needle: None,
            last: None,
            trace: Vec::new(),
            done: Vec::new(),
            timeline: Vec::new(),
            pulls: Vec::new(),
            stylet_out: false,
            score: None,
        }
    }

    /// A finished attempt to look at: the needle where the last site ended (with its force
    /// trace) and, if given, the score.
    pub fn review(
        scenario: Scenario,
        anatomy: Arc<Anatomy>,
        attempt: &Attempt,
        score: Option<Score>,
    ) -> Option<Session> {
        let last = attempt.sites.last()?.timeline.last()?.pose();
        let mut s = Session::new(scenario, anatomy);
        s.needle = Some(Needle {
            entry: last.entry,
            base: last.direction,
            lateral_deg: 0.0,
            cephalad_deg: 0.0,
            depth: last.depth,
        });
        s.trace = insertion::force_profile(&s.anatomy, last.entry, last.direction, last.depth, 0.5);
        s.site = attempt.sites.last()?.site;
        s.done = attempt.sites.clone();
        s.score = score;
        Some(s)
    }

    /// Whether the current site is on the patient's left.
    pub fn left_side(&self) -> bool {
        let s = &self.scenario.sites[self.site.min(self.scenario.sites.len() - 1)];
        !s.entry.landmark.ends_with("_right")
    }

    pub fn pose(&self) -> Option<Pose> {
        self.needle.map(|n| Pose {
            entry: n.entry,
            direction: n.direction(self.left_side()),
            depth: n.depth,
        })
    }

    fn record(&mut self, t: f32) {
        if let Some(pose) = self.pose() {
            let sample = Sample::new(t, pose);
            if self.timeline.last() != Some(&sample) {
                self.timeline.push(sample);
            }
        }
    }

    /// Puts the needle tip on the skin at `point`, pointing straight in.
    pub fn place(&mut self, point: Vec3, t: f32) {
        let a = &self.anatomy;
        let e = 0.5;
        let g = |o: Vec3| a.skin_sdf(point + o) - a.skin_sdf(point - o);
        let normal =
            Vec3::new(g(Vec3::X * e), g(Vec3::Y * e), g(Vec3::Z * e)).normalize_or(Vec3::NEG_Y);
        if let Some(n) = self.needle
            && n.depth > 0.0
        {
            self.withdraw_fully(t);
        }
        self.needle = Some(Needle {
            entry: point,
            base: -normal,
            lateral_deg: 0.0,
            cephalad_deg: 0.0,
            depth: 0.0,
        });
        self.record(t);
    }

    fn withdraw_fully(&mut self, t: f32) {
        if let Some(n) = self.needle.as_mut() {
            n.depth = 0.0;
        }
        self.record(t);
    }

    /// Tilts the needle. Inside the body the shaft pivots at the skin, as a real one does.
    pub fn tilt(&mut self, lateral_deg: f32, cephalad_deg: f32, t: f32) {
        if let Some(n) = self.needle.as_mut() {
            n.lateral_deg = (n.lateral_deg + lateral_deg).clamp(-80.0, 80.0);
            n.cephalad_deg = (n.cephalad_deg + cephalad_deg).clamp(-80.0, 80.0);
        }
        self.record(t);
    }

    /// Pushes (positive `mm`) or withdraws the needle under `force` newtons.
    /// The needle goes no deeper than its own length: the hub stops at the skin.
    pub fn push(&mut self, mm: f32, force: f32, twisting: bool, t: f32) -> Option<PushOutcome> {
        let mut pose = self.pose()?;
        let mm = mm.min((self.scenario.needle.length_mm - pose.depth).max(0.0));
        let out = insertion::push(&self.anatomy, &mut pose, mm, force, twisting);
        if let Some(n) = self.needle.as_mut() {
            n.entry = pose.entry;
            n.depth = pose.depth;
        }
        self.last = Some(out);
        self.trace.push((pose.depth, out.force, out.tip));
        self.record(t);
        Some(out)
    }

    /// Takes the stylet out (or puts it back): the syringe needs the cannula open.
    pub fn toggle_stylet(&mut self) {
        if self.needle.is_some() {
            self.stylet_out = !self.stylet_out;
        }
    }

    /// Draws `ml` into the scene's syringe at the needle's current place. Refused without an
    /// aspiration phase, a needle in the body, the stylet out, or with a pull larger than the
    /// syringe.
    pub fn pull(&mut self, ml: f32, t: f32) -> Result<(), String> {
        let spec = self
            .scenario
            .aspiration
            .as_ref()
            .ok_or("this scene has no aspiration phase")?;
        let depth = self.needle.map(|n| n.depth).unwrap_or(0.0);
        if depth <= 0.0 {
            return Err("the needle is not in the patient".into());
        }
        if !self.stylet_out {
            return Err("take the stylet out first (X)".into());
        }
        if !(ml > 0.0 && ml <= spec.syringe_ml) {
            return Err(format!(
                "a {} mL syringe takes pulls of up to {} mL",
                spec.syringe_ml, spec.syringe_ml
            ));
        }
        if self.pulls.len() >= crate::records::attempt::MAX_PULLS {
            return Err("no more pulls at this site".into());
        }
        self.record(t);
        let t = self.timeline.last().map(|s| s.t).unwrap_or(t).max(t);
        self.pulls.push(Pull { t, ml });
        Ok(())
    }

    /// The pulls so far at the current site.
    pub fn pulls(&self) -> &[Pull] {
        &self.pulls
    }

    /// The harvest so far over every site, through the same model as the score.
    pub fn harvest_so_far(&self) -> Option<crate::grading::aspiration::HarvestScore> {
        let spec = self.scenario.aspiration.as_ref()?;
        let mut sites = self.done.clone();
        sites.push(SiteAttempt {
            site: self.site,
            timeline: self.timeline.clone(),
            events: Vec::new(),
            pulls: self.pulls.clone(),
        });
        Some(crate::grading::aspiration::score(
            &self.scenario,
            spec,
            &self.anatomy,
            &sites,
        ))
    }

    /// When the current site's first sample was taken: its clock starts then.
    pub fn started(&self) -> Option<f32> {
        self.timeline.first().map(|s| s.t)
    }

    /// Tissue at the tip, depth past the skin and past the cortex.
    pub fn readout(&self) -> Option<(Tissue, f32, Option<f32>)> {
        let pose = self.pose()?;
        let shaft = scoring::final_shaft(&self.anatomy, &pose);
        let skin = shaft
            .intervals
            .iter()
            .find(|i| i.tissue != Tissue::Air)
            .map(|i| pose.depth - i.start)
            .unwrap_or(0.0);
        Some((shaft.tip_tissue, skin.max(0.0), shaft.past_cortex))
    }

    /// Angle between the needle and the site's aim (degrees).
    pub fn angle_to_aim(&self) -> Option<f32> {
        let zone = self.scenario.resolve(self.site, &self.anatomy)?;
        Some(self.pose()?.direction.angle_between(zone.aim).to_degrees())
    }

    /// Ends the current site; after the last one, marks the whole attempt.
    pub fn submit(&mut self, t: f32) -> Result<Option<&Score>, ScoreError> {
        self.record(t);
        let timeline = std::mem::take(&mut self.timeline);
        let events = replay(&self.anatomy, &timeline).events;
        self.done.push(SiteAttempt {
            site: self.site,
            timeline,
            events,
            pulls: std::mem::take(&mut self.pulls),
        });
        self.stylet_out = false;
        self.needle = None;
        self.last = None;
        self.trace.clear();
        if self.site + 1 < self.scenario.sites.len() {
            self.site += 1;
            return Ok(None);
        }
        let score = scoring::score(&self.scenario, &self.anatomy, &self.attempt())?;
        self.score = Some(score);
        Ok(self.score.as_ref())
    }

    /// The attempt so far, as an attempt file would hold it.
    /// The attempt so far, its clock starting at its first sample (the app's clock counts from
    /// its launch, which may be days before).
    pub fn attempt(&self) -> Attempt {
        let t0 = self
            .done
            .iter()
            .filter_map(|s| s.timeline.first())
            .map(|s| s.t)
            .fold(f32::INFINITY, f32::min);
        let t0 = if t0.is_finite() { t0 } else { 0.0 };
        let mut sites = self.done.clone();
        for site in &mut sites {
            site.timeline.iter_mut().for_each(|s| s.t -= t0);
            site.events.iter_mut().for_each(|e| e.t -= t0);
            site.pulls
                .iter_mut()
                .for_each(|p| p.t = (p.t - t0).max(0.0));
        }
        Attempt {
            version: attempt::VERSION,
            scene: self.scenario.title.clone(),
            patient: self.anatomy.patient.clone(),
            sites,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::default_scenario;

    #[test]
    fn the_needle_stops_at_its_hub_and_the_attempt_still_scores() {
        let scenario = default_scenario();
        let length = scenario.needle.length_mm;
        let anatomy = Arc::new(Anatomy::build(&scenario.patient(0)).unwrap());
        let mut s = Session::new(scenario.clone(), anatomy.clone());
        let zone = scenario.resolve(0, &anatomy).unwrap();
        s.place(zone.ideal_track(&anatomy).0, 0.0);
        for i in 0..(length as usize + 30) {
            s.push(1.0, 500.0, true, 1.0 + i as f32);
        }
        assert!(s.pose().unwrap().depth <= length);
        assert!(
            s.submit(200.0)
                .expect("an attempt within the needle scores")
                .is_some()
        );
    }

    #[test]
    fn an_attempt_made_days_after_launch_starts_at_zero_and_reads_back() {
        let scenario = default_scenario();
        let anatomy = Arc::new(Anatomy::build(&scenario.patient(0)).unwrap());
        let mut s = Session::new(scenario.clone(), anatomy.clone());
        let zone = scenario.resolve(0, &anatomy).unwrap();
        let launch = 3.0 * 86_400.0;
        s.place(zone.ideal_track(&anatomy).0, launch);
        s.push(10.0, 250.0, false, launch + 5.0);
        let score = s.submit(launch + 9.0).unwrap().unwrap().clone();
        let a = s.attempt();
        assert_eq!(a.sites[0].timeline[0].t, 0.0);
        let again = Attempt::parse(&a.to_ron().unwrap(), "days.ron").expect("reads back");
        let rescored = scoring::score(&scenario, &anatomy, &again).unwrap();
        assert_eq!(rescored.total, score.total);
    }
}
