//! One trainee attempt as it happens: place the needle on the skin, tilt it, push it in,
//! and submit. Bevy-free, so the app, tests and tools drive the same logic.

use crate::anatomy::Anatomy;
use crate::anatomy::palpation::Feel;
use crate::grading::scoring::{self, Score, ScoreError};
use crate::needle::insertion::{self, PushOutcome};
use crate::needle::technique::{self, Contact, Refusal, Step};
use crate::needle::{Pose, Sample, replay};
use crate::records::attempt::{self, Attempt, Pull, SiteAttempt, Touch};
use crate::scenario::{Approach, Scenario};
use crate::tissue::Tissue;
use glam::Vec3;
use std::sync::Arc;

/// The needle of the current site.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Needle {
    pub entry: Vec3,
    pub direction: Vec3,
    /// "Straight in" where the needle was placed: the hand keeps it within `MAX_TILT_DEG` of it.
    pub straight_in: Vec3,
    pub depth: f32,
    /// Where the shaft first crossed the skin, while it is in the body: the soft tissue lets
    /// the shaft drift only so far from it.
    pub puncture: Option<Vec3>,
}

/// How far from straight in a hand holds the trocar (degrees).
pub const MAX_TILT_DEG: f32 = 80.0;

impl Needle {
    /// The direction tilted by `lateral_deg` toward the patient's side (`left` for a site on
    /// the patient's left) and by `cephalad_deg` across it, as a hand turns the hub. Both turn
    /// the needle about axes square to it, so every direction is a few presses away whichever
    /// way the needle points. Across is toward the head for a needle going into the back, and
    /// toward the front for one going down into the crest.
    pub fn tilted(&self, left: bool, lateral_deg: f32, cephalad_deg: f32) -> Vec3 {
        let d = self.direction;
        let side = if left { Vec3::NEG_X } else { Vec3::X };
        let Some(lateral) = (side - d * side.dot(d)).try_normalize() else {
            return d;
        };
        let across = if left {
            d.cross(lateral)
        } else {
            lateral.cross(d)
        };
        (d + lateral * lateral_deg.to_radians().tan() + across * cephalad_deg.to_radians().tan())
            .normalize()
    }
}

/// "Straight in" for an approach at a skin point whose outward normal, at a finger's scale, is
/// `skin_normal`. For the posterior crest it is perpendicular to the back, the table's vertical
/// when the patient is prone, from which the published aim is 24° lateral; the skin's own
/// normal tilts toward the sacrum there. For the anterior crest it is the skin's normal on the
/// crest.
pub fn straight_in(approach: Approach, skin_normal: Vec3) -> Vec3 {
    match approach {
        Approach::PosteriorIliacCrest => Vec3::Y,
        Approach::AnteriorIliacCrest => -skin_normal,
    }
}

/// Which needle the trainee holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Tool {
    /// The Jamshidi trocar: its moves are the attempt's timeline.
    #[default]
    Trocar,
    /// The thin needle of the local anaesthetic: its deposits are recorded, not its moves.
    Anaesthetic,
}

/// The most a hand pushes a 22 G needle with (N): below what a cortex yields to (estimate).
const THIN_NEEDLE_PUSH_N: f32 = 20.0;

/// The finger's path is recorded every this many millimetres (mm).
pub const TOUCH_SPACING_MM: f32 = 2.0;

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
    /// Where the finger pressed at the current site.
    palpations: Vec<Touch>,
    /// The current site's turns of the trocar about its axis.
    turns: Vec<attempt::Turn>,
    /// The preparation checklist as the trainee took it.
    preparation: Vec<crate::preparation::Prepared>,
    /// The pen's marks on the skin.
    marks: Vec<Touch>,
    /// The X-ray shots taken, over every site.
    shots: Vec<attempt::XrayShot>,
    /// What the finger feels now, while the trainee palpates.
    pub finger: Option<Feel>,
    /// The stylet is out of the cannula: the syringe can be attached.
    pub stylet_out: bool,
    /// The plan made from the scene's case, once the trainee has confirmed it.
    pub evaluation: Option<attempt::Evaluated>,
    /// Which needle is in the hand.
    pub tool: Tool,
    /// Where the patient felt the trocar at this site, in words, oldest first.
    pub felt: Vec<String>,
    /// The lidocaine given so far, over every site.
    deposits: Vec<crate::anaesthesia::Deposit>,
    /// What the last move met that the trainee should know: the skin holding the needle, the
    /// tip slipping off the bone, the bone resisting a tilt.
    pub notice: Option<String>,
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
            palpations: Vec::new(),
            turns: Vec::new(),
            preparation: Vec::new(),
            marks: Vec::new(),
            shots: Vec::new(),
            finger: None,
            stylet_out: false,
            evaluation: None,
            tool: Tool::Trocar,
            felt: Vec::new(),
            deposits: Vec::new(),
            notice: None,
            score: None,
        }
    }

    /// Picks up the thin needle for local anaesthesia, or puts it down for the trocar. Refused
    /// without the phase, and while the trocar is in the patient.
    pub fn toggle_anaesthetic(&mut self, t: f32) -> Result<(), String> {
        if self.scenario.anaesthesia.is_none() {
            return Err("this scene has no local anaesthesia".into());
        }
        match self.tool {
            Tool::Trocar => {
                if self.needle.is_some_and(|n| n.depth > 0.0) {
                    return Err("withdraw the trocar before the anaesthetic needle".into());
                }
                self.record(t);
                self.needle = None;
                self.tool = Tool::Anaesthetic;
            }
            Tool::Anaesthetic => {
                self.needle = None;
                self.tool = Tool::Trocar;
            }
        }
        self.stylet_out = false;
        self.notice = None;
        Ok(())
    }

    /// Leaves `ml` of lidocaine at the thin needle's tip, in the soft tissue or on the bone.
    pub fn inject(&mut self, ml: f32, t: f32) -> Result<(), String> {
        if self.tool != Tool::Anaesthetic {
            return Err("pick up the anaesthetic needle first (A)".into());
        }
        let pose = self
            .pose()
            .ok_or("place the anaesthetic needle on the skin first")?;
        match self.contact() {
            Contact::Outside => return Err("the needle is not in the patient".into()),
            Contact::InBone => return Err("the thin needle cannot inject into bone".into()),
            Contact::Soft | Contact::OnBone => {}
        }
        if !(ml > 0.0 && ml <= attempt::MAX_DEPOSIT_ML)
            || self.deposits.len() >= attempt::MAX_DEPOSITS
        {
            return Err("no more lidocaine from this syringe".into());
        }
        let t = self.deposits.last().map_or(t, |d| t.max(d.t));
        self.deposits.push(crate::anaesthesia::Deposit {
            t,
            at: pose.tip().into(),
            ml,
        });
        Ok(())
    }

    /// Takes a step of the preparation checklist. Refused without the phase, and for a step
    /// already taken, except the antisepsis, which may be redone.
    pub fn prepare(&mut self, step: crate::preparation::PrepStep, t: f32) -> Result<(), String> {
        use crate::preparation::{PrepStep, Prepared};
        if self.scenario.preparation.is_none() {
            return Err("this scene has no preparation checklist".into());
        }
        if step != PrepStep::Antisepsis && self.prepared(step).is_some() {
            return Err(format!("{} is already done", step.label()));
        }
        if self.preparation.len() >= attempt::MAX_PREP_STEPS {
            return Err("the checklist is full".into());
        }
        let t = self.preparation.last().map_or(t, |p| t.max(p.t));
        self.preparation.push(Prepared { t, step });
        Ok(())
    }

    /// When the step was last taken.
    pub fn prepared(&self, step: crate::preparation::PrepStep) -> Option<f32> {
        self.preparation
            .iter()
            .rev()
            .find(|p| p.step == step)
            .map(|p| p.t)
    }

    /// Seconds until the antisepsis has been scrubbed in and has dried, while it has not.
    pub fn antisepsis_wet(&self, t: f32) -> Option<f32> {
        let start = self.prepared(crate::preparation::PrepStep::Antisepsis)?;
        let left = start + crate::preparation::model().ready_after_s() - t;
        (left > 0.0).then_some(left)
    }

    /// Marks the skin at `point` with the pen. Refused without the preparation phase.
    pub fn mark(&mut self, point: Vec3, t: f32) -> Result<(), String> {
        if self.scenario.preparation.is_none() {
            return Err("this scene has no preparation checklist".into());
        }
        if self.marks.len() >= attempt::MAX_MARKS {
            return Err("no more marks".into());
        }
        let t = self.marks.last().map_or(t, |m| t.max(m.t));
        self.marks.push(Touch {
            t,
            at: point.into(),
        });
        Ok(())
    }

    /// Takes an X-ray from the scene's C-arm view `view`: counted, and refused when the scene
    /// has no C-arm, the view is not one of its own, the shots reach the scene's most, or the
    /// attempt is marked.
    pub fn shoot(&mut self, view: usize, t: f32) -> Result<(), String> {
        let c_arm = self
            .scenario
            .c_arm()
            .ok_or("this scene has no C-arm: its guidance is not fluoroscopy")?;
        if self.score.is_some() {
            return Err("the attempt is marked".into());
        }
        if view >= c_arm.views.len() {
            return Err(format!("the C-arm has {} views", c_arm.views.len()));
        }
        if self.shots.len() >= c_arm.max_shots as usize {
            return Err(format!(
                "{} shots is this scene's most: finish without more X-rays",
                c_arm.max_shots
            ));
        }
        self.record(t);
        let t = self.shots.last().map_or(t, |s| t.max(s.t));
        self.shots.push(attempt::XrayShot { t, view });
        Ok(())
    }

    /// The X-ray shots so far.
    pub fn shots(&self) -> &[attempt::XrayShot] {
        &self.shots
    }

    /// The pen's marks so far.
    pub fn marks(&self) -> &[Touch] {
        &self.marks
    }

    /// Turns the trocar `deg` about its own axis where it is: a turned bevel draws from marrow
    /// the last pull drained less. Refused unless the trocar is in the patient.
    pub fn turn(&mut self, deg: f32, t: f32) -> Result<(), String> {
        if self.tool != Tool::Trocar || self.needle.is_none_or(|n| n.depth <= 0.0) {
            return Err("the trocar is not in the patient".into());
        }
        if !(deg != 0.0 && deg.abs() <= attempt::MAX_TURN_DEG)
            || self.turns.len() >= attempt::MAX_TURNS
        {
            return Err("no such turn".into());
        }
        self.record(t);
        let t = self.timeline.last().map(|s| s.t).unwrap_or(t).max(t);
        let t = self.turns.last().map_or(t, |x| t.max(x.t));
        self.turns.push(attempt::Turn { t, deg });
        Ok(())
    }

    /// The current site's turns of the trocar.
    pub fn turns(&self) -> &[attempt::Turn] {
        &self.turns
    }

    /// The lidocaine given so far.
    pub fn deposits(&self) -> &[crate::anaesthesia::Deposit] {
        &self.deposits
    }

    /// Whether the scene's case still waits for the trainee's plan: the needle waits for it.
    pub fn awaiting_plan(&self) -> bool {
        self.scenario.evaluation.is_some() && self.evaluation.is_none() && self.score.is_none()
    }

    /// Confirms the trainee's plan for the scene's case. A plan not to go ahead today ends the
    /// attempt there and marks it.
    pub fn plan(&mut self, plan: crate::evaluation::Plan, t: f32) -> Result<(), ScoreError> {
        if !self.awaiting_plan() {
            return Ok(());
        }
        let defer = plan.decision == crate::evaluation::Decision::Defer;
        self.evaluation = Some(attempt::Evaluated { t, plan });
        if defer {
            let score = scoring::score(&self.scenario, &self.anatomy, &self.attempt())?;
            self.score = Some(score);
        }
        Ok(())
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
            direction: last.direction,
            straight_in: last.direction,
            depth: last.depth,
            puncture: None,
        });
        s.trace = insertion::force_profile(&s.anatomy, last.entry, last.direction, last.depth, 0.5);
        s.site = attempt.sites.last()?.site;
        s.done = attempt.sites.clone();
        s.evaluation = attempt.evaluation.clone();
        s.deposits = attempt.anaesthetic.clone();
        s.preparation = attempt.preparation.clone();
        s.marks = attempt.marks.clone();
        s.shots = attempt.shots.clone();
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
            direction: n.direction,
            depth: n.depth,
        })
    }

    fn record(&mut self, t: f32) {
        if self.tool == Tool::Anaesthetic {
            return;
        }
        if let Some(pose) = self.pose() {
            let sample = Sample::new(t, pose);
            if self.timeline.last() != Some(&sample) {
                self.timeline.push(sample);
            }
        }
    }

    /// Puts the needle tip on the skin at (or nearest) `point`, pointing straight in (see
    /// `straight_in`). The point is found along the skin's normal as a hand feels it, so that a
    /// dimple's wall does not move it.
    pub fn place(&mut self, point: Vec3, t: f32) {
        if self.awaiting_plan() {
            self.notice = Some("read the case and confirm your plan first".into());
            return;
        }
        let normal = self.anatomy.skin_normal(point);
        let point = self
            .anatomy
            .raycast_skin(point + normal * 40.0, -normal, 80.0)
            .unwrap_or(point);
        if let Some(n) = self.needle
            && n.depth > 0.0
        {
            self.withdraw_fully(t);
        }
        let straight_in = straight_in(self.scenario.approach, self.anatomy.skin_normal(point));
        self.needle = Some(Needle {
            entry: point,
            direction: straight_in,
            straight_in,
            depth: 0.0,
            puncture: None,
        });
        self.notice = None;
        self.record(t);
    }

    fn withdraw_fully(&mut self, t: f32) {
        if let Some(n) = self.needle.as_mut() {
            n.depth = 0.0;
        }
        self.record(t);
    }

    /// Where the tip is, for the technique: outside, in soft tissue, on the bone, in bone.
    pub fn contact(&self) -> Contact {
        self.pose()
            .map(|p| Contact::of(&self.anatomy, &p))
            .unwrap_or(Contact::Outside)
    }

    /// Tilts the needle as a hand would. In the soft tissue the shaft pivots at the skin. With
    /// the tip resting on the bone the hub swings about the tip, as far as the soft tissue
    /// gives. In bone the cortex holds the needle: it turns a fifth as far, about the point
    /// where it entered the bone, and the swept shaft counts as tissue damage.
    pub fn tilt(&mut self, lateral_deg: f32, cephalad_deg: f32, t: f32) -> Result<(), Refusal> {
        let contact = self.contact();
        let left = self.left_side();
        let (Some(before), Some(n)) = (self.pose(), self.needle.as_mut()) else {
            return Ok(());
        };
        let share = if contact == Contact::InBone {
            technique::IN_BONE_TILT_SHARE
        } else {
            1.0
        };
        let direction = n.tilted(left, lateral_deg * share, cephalad_deg * share);
        if direction.angle_between(n.straight_in).to_degrees() > MAX_TILT_DEG {
            return Ok(());
        }
        let mut turned = *n;
        turned.direction = direction;
        let pivot = match contact {
            Contact::OnBone => Some(before.tip()),
            Contact::InBone => scoring::final_shaft(&self.anatomy, &before).bone_entry,
            Contact::Outside | Contact::Soft => None,
        };
        if let Some(pivot) = pivot {
            let after = technique::pivot(&before, pivot, direction);
            if let Some(puncture) = n.puncture {
                technique::within_give(&self.anatomy, &after, puncture).inspect_err(|e| {
                    self.notice = Some(e.to_string());
                })?;
            }
            turned.entry = after.entry;
        }
        *n = turned;
        self.notice = (contact == Contact::InBone).then(|| {
            "the bone holds the needle: tilting it in bone levers the cortex and damages the \
             marrow; withdraw to the bone's surface to re-aim"
                .to_string()
        });
        self.record(t);
        Ok(())
    }

    /// Walks the tip along the bone by `lateral_mm` toward the patient's side and `cephalad_mm`
    /// toward the head, the shaft turning about its skin crossing. The tip must rest on the
    /// bone; it slips off an edge into the soft tissue, and the skin limits how far it can go.
    pub fn walk(&mut self, lateral_mm: f32, cephalad_mm: f32, t: f32) -> Result<(), Refusal> {
        if self.contact() != Contact::OnBone {
            self.notice = Some(Refusal::NotOnBone.to_string());
            return Err(Refusal::NotOnBone);
        }
        let lateral = if self.left_side() {
            Vec3::NEG_X
        } else {
            Vec3::X
        };
        let (Some(before), Some(n)) = (self.pose(), self.needle.as_mut()) else {
            return Err(Refusal::NotOnBone);
        };
        let (after, slipped) = match technique::walk(
            &self.anatomy,
            &before,
            lateral * lateral_mm + Vec3::Z * cephalad_mm,
        ) {
            Step::OnBone(p) => (p, false),
            Step::SlippedOff(p) => (p, true),
            Step::Blocked => {
                self.notice = Some(Refusal::BoneRises.to_string());
                return Err(Refusal::BoneRises);
            }
        };
        if let Some(puncture) = n.puncture {
            technique::within_give(&self.anatomy, &after, puncture).inspect_err(|e| {
                self.notice = Some(e.to_string());
            })?;
        }
        n.entry = after.entry;
        n.direction = after.direction;
        n.depth = after.depth;
        self.notice = slipped
            .then(|| "the tip slipped off the edge of the bone into the soft tissue".to_string());
        self.record(t);
        Ok(())
    }

    /// Where the tip is against the entry zone's centre (mm toward the patient's side and
    /// toward the head, and straight-line distance) and the zone's radius.
    pub fn tip_from_entry_zone(&self) -> Option<(f32, f32, f32, f32)> {
        let zone = self.scenario.resolve(self.site, &self.anatomy)?;
        let off = self.pose()?.tip() - zone.entry_centre;
        let lateral = if self.left_side() { -off.x } else { off.x };
        Some((lateral, off.z, off.length(), zone.entry_radius))
    }

    /// Pushes (positive `mm`) or withdraws the needle under `force` newtons.
    /// The needle goes no deeper than its own length: the hub stops at the skin.
    pub fn push(&mut self, mm: f32, force: f32, twisting: bool, t: f32) -> Option<PushOutcome> {
        let mut pose = self.pose()?;
        let thin = self.tool == Tool::Anaesthetic;
        // A 22 G needle bends before it crosses a cortex: it stops on the periosteum.
        let (force, twisting) = if thin {
            (force.min(THIN_NEEDLE_PUSH_N), false)
        } else {
            (force, twisting)
        };
        let before = Contact::of(&self.anatomy, &pose);
        let mm = mm.min((self.scenario.needle.length_mm - pose.depth).max(0.0));
        let out = insertion::push(&self.anatomy, &mut pose, mm, force, twisting);
        let now = Contact::of(&self.anatomy, &pose);
        let inside = now != Contact::Outside;
        let crossing = technique::skin_crossing(&self.anatomy, &pose);
        let mut punctured = None;
        if let Some(n) = self.needle.as_mut() {
            n.entry = pose.entry;
            n.depth = pose.depth;
            n.puncture = match (inside, n.puncture) {
                (false, _) => None,
                (true, Some(p)) => Some(p),
                (true, None) => {
                    punctured = crossing;
                    crossing
                }
            };
        }
        self.notice = None;
        self.last = Some(out);
        if thin {
            return Some(out);
        }
        let met_bone = matches!(before, Contact::Outside | Contact::Soft)
            && matches!(now, Contact::OnBone | Contact::InBone);
        self.feel_pain(punctured.map(|p| ("skin", p)), t);
        self.feel_pain(met_bone.then(|| ("periosteum", pose.tip())), t);
        self.trace.push((pose.depth, out.force, out.tip));
        self.record(t);
        Some(out)
    }

    /// Where the scene has local anaesthesia, tells the trainee when the trocar reaches a layer
    /// that is not numb.
    fn feel_pain(&mut self, at: Option<(&str, Vec3)>, t: f32) {
        let (Some((layer, p)), Some(_)) = (at, &self.scenario.anaesthesia) else {
            return;
        };
        use crate::anaesthesia::{Cover, model};
        let felt = match model().cover(&self.deposits, p, t) {
            Cover::Numb => return,
            Cover::NotYet(s) => {
                format!(
                    "the patient feels the trocar at the {layer}: the lidocaine needs {s:.0} s more"
                )
            }
            Cover::None => {
                format!("the patient feels the trocar at the {layer}: no lidocaine reached it")
            }
        };
        self.notice = Some(felt.clone());
        if self.felt.len() < 32 {
            self.felt.push(felt);
        }
    }

    /// Presses a fingertip on the skin at (or nearest) `point`, and records where, every
    /// `TOUCH_SPACING_MM` the finger moves.
    pub fn palpate(&mut self, point: Vec3, t: f32) -> Feel {
        let feel = self.anatomy.palpate(point);
        let moved = self
            .palpations
            .last()
            .is_none_or(|last| (Vec3::from(last.at) - feel.at).length() >= TOUCH_SPACING_MM);
        let t = self.palpations.last().map_or(t, |last| t.max(last.t));
        if moved && self.palpations.len() < attempt::MAX_TOUCHES {
            self.palpations.push(Touch {
                t,
                at: feel.at.into(),
            });
        }
        self.finger = Some(feel);
        feel
    }

    /// The finger leaves the skin.
    pub fn lift_finger(&mut self) {
        self.finger = None;
    }

    /// Where the finger pressed at the current site.
    pub fn palpations(&self) -> &[Touch] {
        &self.palpations
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
            palpations: Vec::new(),
            turns: self.turns.clone(),
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
            palpations: std::mem::take(&mut self.palpations),
            turns: std::mem::take(&mut self.turns),
        });
        self.finger = None;
        self.stylet_out = false;
        self.tool = Tool::Trocar;
        self.felt.clear();
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

    /// The attempt so far, as an attempt file would hold it, its clock starting at its first
    /// sample or touch (the app's clock counts from its launch, which may be days before).
    pub fn attempt(&self) -> Attempt {
        let t0 = self
            .done
            .iter()
            .flat_map(|s| {
                let first_touch = s.palpations.first().map(|p| p.t);
                s.timeline
                    .first()
                    .map(|x| x.t)
                    .into_iter()
                    .chain(first_touch)
            })
            .chain(self.evaluation.as_ref().map(|e| e.t))
            .chain(self.deposits.first().map(|d| d.t))
            .chain(self.preparation.first().map(|p| p.t))
            .chain(self.marks.first().map(|m| m.t))
            .chain(self.shots.first().map(|s| s.t))
            .fold(f32::INFINITY, f32::min);
        let t0 = if t0.is_finite() { t0 } else { 0.0 };
        let mut sites = self.done.clone();
        for site in &mut sites {
            site.timeline.iter_mut().for_each(|s| s.t -= t0);
            site.events.iter_mut().for_each(|e| e.t -= t0);
            site.pulls
                .iter_mut()
                .for_each(|p| p.t = (p.t - t0).max(0.0));
            site.palpations
                .iter_mut()
                .for_each(|p| p.t = (p.t - t0).max(0.0));
            site.turns
                .iter_mut()
                .for_each(|x| x.t = (x.t - t0).max(0.0));
        }
        let evaluation = self.evaluation.clone().map(|mut e| {
            e.t = (e.t - t0).max(0.0);
            e
        });
        Attempt {
            version: attempt::VERSION,
            scene: self.scenario.title.clone(),
            patient: self.anatomy.patient.clone(),
            evaluation,
            anaesthetic: self
                .deposits
                .iter()
                .map(|d| crate::anaesthesia::Deposit {
                    t: (d.t - t0).max(0.0),
                    ..*d
                })
                .collect(),
            preparation: self
                .preparation
                .iter()
                .map(|p| crate::preparation::Prepared {
                    t: (p.t - t0).max(0.0),
                    ..*p
                })
                .collect(),
            marks: self
                .marks
                .iter()
                .map(|m| Touch {
                    t: (m.t - t0).max(0.0),
                    ..*m
                })
                .collect(),
            who: None,
            when: None,
            shots: self
                .shots
                .iter()
                .map(|s| attempt::XrayShot {
                    t: (s.t - t0).max(0.0),
                    ..*s
                })
                .collect(),
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
