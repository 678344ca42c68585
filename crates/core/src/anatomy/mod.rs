//! The procedural adult pelvis: bone, soft tissue, hazards and landmarks for one patient.
//!
//! Everything is modelled once for a reference (mean) left side in [`pelvis`] and
//! [`soft`]; a [`Patient`] turns that into an instance by scaling, tilting and thickening
//! it within the published ranges. Queries take points in patient millimetres (RAS).

mod field;
mod hazards;
pub mod measure;
pub mod palpation;
mod pelvis;
mod preset;
mod query;
mod soft;
mod variation;
mod wing;

pub use hazards::Hazard;
pub use preset::{AnatomyPreset, PresetError, Sex};
pub use query::{BoundaryTally, Interval, PathTally, Probe};

use glam::{Quat, Vec3};
use pelvis::{Pelvis, TubeShape};
use serde::{Deserialize, Serialize};
use soft::{Layers, SoftTissue};
use std::collections::BTreeMap;

/// Who is on the table. The same fields always give the same instance.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Patient {
    /// A shipped preset name (`adult_male`, `adult_female`) or a path to a preset file.
    pub preset: String,
    pub sex: Sex,
    pub bmi: f32,
    /// Overall size, 1 for the preset's mean adult.
    pub scale: f32,
    /// `None` gives the preset's mean patient; a seed draws one within the published ranges.
    pub seed: Option<u64>,
}

impl Patient {
    pub fn average(preset: &str, sex: Sex) -> Patient {
        Patient {
            preset: preset.to_string(),
            sex,
            bmi: 25.0,
            scale: 1.0,
            seed: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AnatomyError {
    #[error(transparent)]
    Preset(#[from] PresetError),
    #[error("patient sex {patient:?} does not match preset '{preset}' ({preset_sex:?})")]
    SexMismatch {
        patient: Sex,
        preset: String,
        preset_sex: Sex,
    },
    #[error("BMI {0} is outside 12–70")]
    Bmi(f32),
    #[error("scale {0} is outside 0.7–1.3")]
    Scale(f32),
    #[error("preset '{preset}': landmark '{name}' is used before it is defined")]
    UnknownLandmark { preset: String, name: String },
    #[error("preset '{preset}': {message}")]
    Shape { preset: String, message: String },
}

/// The per-patient draw, kept so that it can be reported.
#[derive(Clone, Debug, Serialize)]
pub struct Instance {
    pub inter_asis: f32,
    pub pelvic_depth: f32,
    pub height: f32,
    pub tilt_deg: f32,
    pub bone_thickness: f32,
    pub soft_tissue: f32,
    pub cortex: f32,
    pub innominate_rotation_deg: f32,
}

/// A patient's pelvis, ready for queries.
#[derive(Clone, Debug)]
pub struct Anatomy {
    pub patient: Patient,
    pub preset: AnatomyPreset,
    pub instance: Instance,
    pub pelvis: Pelvis,
    pub soft: SoftTissue,
    hazards: hazards::HazardSet,
    /// Reference → patient: scale then tilt.
    scale: Vec3,
    rotation: Quat,
    /// Distances in reference millimetres times this are (bounds on) patient millimetres.
    distance_scale: f32,
    /// The right side's twist against the left (see [`Twist`]).
    twist: Twist,
    landmarks: BTreeMap<String, Vec3>,
    /// The tissue field as a grid, shared by clones (see [`field`]).
    grid: std::sync::Arc<field::Grid>,
}

impl Anatomy {
    pub fn build(patient: &Patient) -> Result<Anatomy, AnatomyError> {
        let preset = AnatomyPreset::named(&patient.preset)?;
        Anatomy::from_preset(preset, patient)
    }

    pub fn from_preset(preset: AnatomyPreset, patient: &Patient) -> Result<Anatomy, AnatomyError> {
        if preset.sex != patient.sex {
            return Err(AnatomyError::SexMismatch {
                patient: patient.sex,
                preset: preset.name.clone(),
                preset_sex: preset.sex,
            });
        }
        if !(12.0..=70.0).contains(&patient.bmi) {
            return Err(AnatomyError::Bmi(patient.bmi));
        }
        if !(0.7..=1.3).contains(&patient.scale) {
            return Err(AnatomyError::Scale(patient.scale));
        }
        check_shape(&preset)?;
        let instance = variation::draw(&preset, patient.seed);
        let v = &preset.variation;
        let sx = instance.inter_asis / v.inter_asis.mean * patient.scale;
        let sy = instance.pelvic_depth / v.pelvic_depth.mean * patient.scale;
        let sz = instance.height * patient.scale;
        let scale = Vec3::new(sx, sy, sz);
        let rotation = Quat::from_rotation_x(-(instance.tilt_deg - v.tilt_deg.mean).to_radians());
        let twist = Twist::new(
            instance.innominate_rotation_deg,
            Vec3::from(preset.reference.psis),
        );
        let distance_scale = sx.min(sy).min(sz);

        let pelvis = Pelvis::new(&preset, instance.bone_thickness);
        let mut left: BTreeMap<String, Vec3> = BTreeMap::new();
        for (name, anchor) in &preset.landmarks {
            let p = resolve(&pelvis, &left, anchor, &preset.name)?;
            left.insert(name.clone(), p);
        }
        left.insert("si_joint".into(), pelvis.joint_point());
        left.insert("acetabulum".into(), pelvis.hip_centre);

        let st = &preset.soft_tissue;
        let bmi_factor = (1.0 + st.fat_per_bmi * (patient.bmi - 25.0)).max(0.25);
        let layers = |fat: f32, muscle: f32| Layers {
            skin: st.skin,
            fat: fat * bmi_factor * instance.soft_tissue,
            muscle,
        };
        let dimple = match &st.dimple {
            Some(d) => Some(tether(&pelvis, &left, d, patient.bmi, &preset.name)?),
            None => None,
        };
        let mut anchors = Vec::new();
        for a in &st.anchors {
            let p = resolve(&pelvis, &left, &a.at, &preset.name)?;
            // A published depth at the dimple's landmark is the depth in the dimple: the fat
            // around it is thicker by the dimple's depth.
            let raise = match dimple {
                Some(t) if (p - t.centre).length() < 1.0 => {
                    t.depth / (bmi_factor * instance.soft_tissue)
                }
                _ => 0.0,
            };
            anchors.push((p, layers(a.fat + raise, a.muscle)));
        }
        let soft = SoftTissue {
            anchors,
            background: layers(st.background_fat, st.background_muscle),
            inv_radius2: 1.0 / (st.blend_radius * st.blend_radius),
            trunk_centre: Vec3::from(st.trunk_centre),
            trunk_radii: Vec3::from(st.trunk_radii),
            thigh: TubeShape::new(&st.thigh),
            blend: st.envelope_blend,
            dimple,
            cleft: st.cleft.as_ref().map(|c| {
                let s2 = preset
                    .midline_landmarks
                    .iter()
                    .find(|(n, _)| n == "sacrum_s2")
                    .map_or(Vec3::ZERO, |(_, p)| Vec3::from(*p));
                let a = c.half_angle_deg.to_radians();
                soft::Cleft {
                    top_z: s2.z - c.below_s2,
                    ramp: c.ramp,
                    depth: c.depth * bmi_factor * instance.soft_tissue,
                    cos: a.cos(),
                    sin: a.sin(),
                    front_y: st.trunk_centre[1],
                }
            }),
        };
        let hazards = hazards::HazardSet::new(&preset, &pelvis, &left)?;

        let mut anatomy = Anatomy {
            patient: patient.clone(),
            instance,
            preset,
            pelvis,
            soft,
            hazards,
            scale,
            rotation,
            distance_scale,
            twist,
            landmarks: BTreeMap::new(),
            grid: {
                let (lo, hi) = patient_box(rotation, scale, BODY_MIN, BODY_MAX);
                std::sync::Arc::new(field::Grid::new(lo, hi))
            },
        };
        let mut landmarks = BTreeMap::new();
        for (name, p) in &left {
            landmarks.insert(format!("{name}_left"), anatomy.to_patient(*p));
            landmarks.insert(
                format!("{name}_right"),
                anatomy.to_patient(anatomy.twist.apply(Vec3::new(-p.x, p.y, p.z), 1.0)),
            );
        }
        for (name, p) in &anatomy.preset.midline_landmarks {
            landmarks.insert(name.clone(), anatomy.to_patient(Vec3::from(*p)));
        }
        if let Some(p) = anatomy.pelvis.promontory() {
            landmarks.insert("sacral_promontory".into(), anatomy.to_patient(p));
        }
        anatomy.landmarks = landmarks;
        Ok(anatomy)
    }

    pub fn to_patient(&self, reference: Vec3) -> Vec3 {
        self.rotation * (reference * self.scale)
    }

    pub fn rotation_quat(&self) -> Quat {
        self.rotation
    }

    pub fn scale_vec(&self) -> Vec3 {
        self.scale
    }

    pub fn to_reference(&self, p: Vec3) -> Vec3 {
        (self.rotation.inverse() * p) / self.scale
    }

    /// Reference point folded onto the modelled (left) side, the right side untwisted first.
    fn folded(&self, p: Vec3) -> Vec3 {
        self.folded_x(p).0
    }

    /// [`Anatomy::folded`], and how far right of the midline the point is (reference mm).
    fn folded_x(&self, p: Vec3) -> (Vec3, f32) {
        let r = self.twist.apply(self.to_reference(p), -1.0);
        (Vec3::new(-r.x.abs(), r.y, r.z), r.x)
    }

    /// The same patient with no tissue grid: every query is analytic. The baseline that
    /// benchmarks and the identity tests compare the grid with.
    pub fn without_grid(&self) -> Anatomy {
        Anatomy {
            grid: std::sync::Arc::new(field::Grid::none()),
            ..self.clone()
        }
    }

    /// Bricks of the tissue grid filled so far, and how many of them needed their cells.
    pub fn grid_filled(&self) -> (usize, usize) {
        self.grid.filled()
    }

    pub fn landmarks(&self) -> &BTreeMap<String, Vec3> {
        &self.landmarks
    }

    pub fn landmark(&self, name: &str) -> Option<Vec3> {
        self.landmarks.get(name).copied()
    }

    pub fn cortex_thickness(&self) -> f32 {
        self.instance.cortex
    }

    /// A distance `d` (patient mm) found in the untwisted field at a point `x` mm (reference)
    /// right of the midline, made a bound in the twisted one. Right of the midline the twist
    /// stretches space by at most `Twist::stretch`. Left of it nothing moved, but a sphere of
    /// radius `d` may reach across the midline, where surfaces moved by at most
    /// `Twist::moved` of how far it reaches; the better of the two bounds holds.
    fn bound(&self, d: f32, x: f32) -> f32 {
        let stretch = self.twist.stretch();
        if stretch == 1.0 {
            return d;
        }
        if x > 0.0 {
            return d / stretch;
        }
        let reach = d.abs() / self.distance_scale + x;
        let moved = self.twist.moved(reach) * self.distance_scale;
        d.signum() * (d.abs() - moved).max(d.abs() / stretch)
    }

    /// Signed distance (mm, a bound away from the surface) to the bone: hip bones and sacrum.
    pub fn bone_sdf(&self, p: Vec3) -> f32 {
        let (q, x) = self.folded_x(p);
        let b = self.pelvis.sample(q);
        self.bound(b.hip_bone.min(b.sacrum) * self.distance_scale, x)
    }

    /// Signed distance to the skin surface (negative inside the body).
    pub fn skin_sdf(&self, p: Vec3) -> f32 {
        let (q, x) = self.folded_x(p);
        let b = self.pelvis.sample(q);
        let env = self.soft.envelope(b.hip_bone.min(b.sacrum), q) * self.distance_scale;
        let skin = env - self.soft.layers(q).total();
        let skin = match self.soft.cleft(q, skin, self.distance_scale) {
            Some((cleft, _)) => skin.max(-cleft),
            None => skin,
        };
        self.bound(skin, x)
    }

    /// Soft tissue layers at a point.
    pub fn layers(&self, p: Vec3) -> Layers {
        self.soft.layers(self.folded(p))
    }

    /// Signed distance to one hazard.
    pub fn hazard_sdf(&self, hazard: Hazard, p: Vec3) -> f32 {
        let (q, x) = self.folded_x(p);
        let d = self
            .hazards
            .sdf(hazard, &self.pelvis, q, self.distance_scale);
        self.bound(d, x)
    }

    /// Signed distances to every hazard, in [`Hazard::ALL`] order, sampling the bones once.
    pub fn hazard_sdf_all(&self, p: Vec3) -> [f32; 6] {
        let (q, x) = self.folded_x(p);
        let s = self.distance_scale;
        let b = self.pelvis.sample(q);
        let h = &self.hazards;
        let all = [
            h.sciatic(b.hip_bone.min(b.sacrum), q, f32::INFINITY) * s,
            h.artery.sdf(q, f32::INFINITY) * s,
            h.lfcn.sdf(q, f32::INFINITY) * s,
            h.cavity(b.hip_bone.min(b.sacrum), b.inner_offset, q) * s,
            b.si_joint * s,
            b.sacrum * s,
        ];
        all.map(|d| self.bound(d, x))
    }

    /// Patient-space box that holds the bones.
    pub fn bone_bounds(&self) -> (Vec3, Vec3) {
        self.patient_box(
            Vec3::new(-160.0, -190.0, -150.0),
            Vec3::new(160.0, 40.0, 110.0),
        )
    }

    /// Patient-space box that holds the modelled body (the trunk and thighs are cut at its faces).
    pub fn body_bounds(&self) -> (Vec3, Vec3) {
        self.patient_box(BODY_MIN, BODY_MAX)
    }

    /// Patient-space box around a tubular hazard on both sides; `None` for the others.
    pub fn hazard_bounds(&self, hazard: Hazard) -> Option<(Vec3, Vec3)> {
        let tube = match hazard {
            Hazard::SciaticNerve => &self.hazards.sciatic,
            Hazard::SuperiorGlutealArtery => &self.hazards.artery,
            Hazard::Lfcn => &self.hazards.lfcn,
            _ => return None,
        };
        let (lo, hi) = tube.bounds();
        let x = lo.x.abs().max(hi.x.abs());
        let pad = Vec3::splat(4.0);
        Some(self.patient_box(
            Vec3::new(-x, lo.y, lo.z) - pad,
            Vec3::new(x, hi.y, hi.z) + pad,
        ))
    }

    fn patient_box(&self, min: Vec3, max: Vec3) -> (Vec3, Vec3) {
        patient_box(self.rotation, self.scale, min, max)
    }
}

/// The reference box that holds the modelled body.
const BODY_MIN: Vec3 = Vec3::new(-210.0, -230.0, -230.0);
const BODY_MAX: Vec3 = Vec3::new(210.0, 110.0, 150.0);

/// The patient-space box around a reference box, scaled and tilted.
fn patient_box(rotation: Quat, scale: Vec3, min: Vec3, max: Vec3) -> (Vec3, Vec3) {
    let mut lo = Vec3::splat(f32::MAX);
    let mut hi = Vec3::splat(f32::MIN);
    for i in 0..8 {
        let c = Vec3::new(
            if i & 1 == 0 { min.x } else { max.x },
            if i & 2 == 0 { min.y } else { max.y },
            if i & 4 == 0 { min.z } else { max.z },
        );
        let p = rotation * (c * scale);
        lo = lo.min(p);
        hi = hi.max(p);
    }
    (lo, hi)
}

/// The dimple of the preset as this patient has it, faded for BMI.
fn tether(
    pelvis: &Pelvis,
    known: &BTreeMap<String, Vec3>,
    d: &preset::Dimple,
    bmi: f32,
    preset: &str,
) -> Result<soft::Tether, AnatomyError> {
    let centre = resolve(pelvis, known, &d.at, preset)?;
    let e = 0.25;
    let f = |o: Vec3| pelvis.sample(centre + o).hip_bone - pelvis.sample(centre - o).hip_bone;
    let axis = Vec3::new(f(Vec3::X * e), f(Vec3::Y * e), f(Vec3::Z * e)).normalize_or(Vec3::NEG_Y);
    let fade = ((d.gone_at_bmi - bmi) / (d.gone_at_bmi - d.full_below_bmi)).clamp(0.0, 1.0);
    Ok(soft::Tether {
        centre,
        axis,
        inv_radius2: 1.0 / (d.radius * d.radius),
        depth: d.depth * fade,
    })
}

fn resolve(
    pelvis: &Pelvis,
    known: &BTreeMap<String, Vec3>,
    anchor: &preset::Anchor,
    preset: &str,
) -> Result<Vec3, AnatomyError> {
    match anchor {
        preset::Anchor::Landmark(name) => {
            known
                .get(name)
                .copied()
                .ok_or_else(|| AnatomyError::UnknownLandmark {
                    preset: preset.to_string(),
                    name: name.clone(),
                })
        }
        other => Ok(pelvis.wing.anchor(other).unwrap_or(Vec3::ZERO)),
    }
}

fn check_shape(p: &AnatomyPreset) -> Result<(), AnatomyError> {
    let fail = |message: String| {
        Err(AnatomyError::Shape {
            preset: p.name.clone(),
            message,
        })
    };
    if p.wing.outline.len() < 3 {
        return fail("the wing outline needs at least 3 points".into());
    }
    if p.wing.corridor.is_empty() || p.wing.crest.is_empty() {
        return fail("the wing needs corridor and crest profiles".into());
    }
    let s = &p.sacrum;
    if s.centreline.len() < 2
        || s.half_width.len() != s.centreline.len()
        || s.half_depth.len() != s.centreline.len()
    {
        return fail(
            "the sacrum needs matching centreline, half_width and half_depth lists".into(),
        );
    }
    if let Some(b) = &s.base {
        let sizes = [
            b.body_half_width,
            b.body_depth,
            b.body_height,
            b.body_rounding,
        ];
        if !(0.0..=80.0).contains(&b.slope_deg)
            || sizes.iter().any(|v| !(*v > 0.0 && *v <= 100.0))
            || b.body_rounding * 2.0 > b.body_depth.min(b.body_height)
            || !(0.0..=30.0).contains(&b.ala_drop)
            || b.canal.points.len() < 2
            || b.canal.points.len() != b.canal.radii.len()
        {
            return fail(
                "sacrum.base needs a slope of 0-80 degrees, a body 0-100 mm with a rounding \
                 at most half its depth and height, an ala drop of 0-30 mm and a canal of at \
                 least 2 points with one radius each"
                    .into(),
            );
        }
    }
    for (name, t) in [
        ("pubis.superior_ramus", &p.pubis.superior_ramus),
        ("pubis.inferior_ramus", &p.pubis.inferior_ramus),
        ("ischium.body", &p.ischium.body),
        ("ischium.spine", &p.ischium.spine),
        ("soft_tissue.thigh", &p.soft_tissue.thigh),
    ] {
        if t.points.len() < 2 || t.points.len() != t.radii.len() {
            return fail(format!(
                "{name} needs at least 2 points and one radius per point"
            ));
        }
    }
    for (name, h) in [
        ("sciatic_nerve", &p.hazards.sciatic_nerve),
        (
            "superior_gluteal_artery",
            &p.hazards.superior_gluteal_artery,
        ),
        ("lfcn", &p.hazards.lfcn),
    ] {
        if h.anchors.len() < 2 || h.radius <= 0.0 {
            return fail(format!(
                "hazard {name} needs at least 2 anchors and a positive radius"
            ));
        }
    }
    if p.soft_tissue.blend_radius <= 0.0 {
        return fail("soft_tissue.blend_radius must be positive".into());
    }
    if let Some(b) = &p.wing.pillar
        && (!(0.5..=20.0).contains(&b.half_thickness) || !(1.0..=40.0).contains(&b.width))
    {
        return fail(format!(
            "wing.pillar needs a half-thickness of 0.5–20 mm and a width of 1–40 mm, not {} and {}",
            b.half_thickness, b.width
        ));
    }
    if let Some(f) = &p.hazards.sciatic_foramen
        && (f.radii.iter().any(|r| !(2.0..=80.0).contains(r))
            || f.centre.iter().any(|c| !(-500.0..=500.0).contains(c)))
    {
        return fail(
            "hazards.sciatic_foramen needs radii of 2–80 mm and a centre within 500 mm".into(),
        );
    }
    if let Some(m) = &p.variation.innominate_rotation_deg
        && (!(-5.0..=5.0).contains(&m.mean) || !(0.0..=6.0).contains(&m.sd))
    {
        return fail(format!(
            "variation.innominate_rotation_deg needs a mean of -5–5° and an SD of 0–6°, not {} and {}",
            m.mean, m.sd
        ));
    }
    if let Some(c) = &p.soft_tissue.cleft
        && !((0.0..=150.0).contains(&c.below_s2)
            && (0.0..=40.0).contains(&c.depth)
            && (5.0..=150.0).contains(&c.ramp)
            && (5.0..=45.0).contains(&c.half_angle_deg))
    {
        return fail(format!(
            "soft_tissue.cleft needs its top 0–150 mm below S2, a depth of 0–40 mm, a ramp of 5–150 mm and a half-angle of 5–45°, not {}, {}, {} and {}",
            c.below_s2, c.depth, c.ramp, c.half_angle_deg
        ));
    }
    if let Some(d) = &p.soft_tissue.dimple {
        if !(2.0..=30.0).contains(&d.radius) || !(0.0..=10.0).contains(&d.depth) {
            return fail(format!(
                "soft_tissue.dimple needs a radius of 2–30 mm and a depth of 0–10 mm, not {} and {}",
                d.radius, d.depth
            ));
        }
        if !(12.0..=70.0).contains(&d.full_below_bmi)
            || !(12.0..=70.0).contains(&d.gone_at_bmi)
            || d.full_below_bmi >= d.gone_at_bmi
        {
            return fail(format!(
                "soft_tissue.dimple fades between two BMIs within 12–70, the first below the second, not {} and {}",
                d.full_below_bmi, d.gone_at_bmi
            ));
        }
    }
    Ok(())
}

/// The right hemipelvis rotated against the left about a transverse axis through the SI
/// joint's level (innominate rotation): no two sides of a patient are mirror images. Preece
/// (J Man Manip Ther 2008) found side-to-side differences of up to 11° in the ASIS–PSIS tilt
/// of 30 cadaver pelves. The twist fades in from the midline to its full angle `BLEND_MM` to
/// the right, so that the sacrum and the symphysis stay whole; the field it bends is
/// stretched by at most `stretch()`, which the distance bounds divide by.
#[derive(Clone, Copy, Debug)]
struct Twist {
    angle: f32,
    /// The axis, parallel to x, through (y, z).
    pivot: (f32, f32),
}

impl Twist {
    /// Over this width from the midline the twist grows from nothing to its angle (mm).
    const BLEND_MM: f32 = 100.0;
    /// The farthest a bone point in the blend lies from the axis (the symphysis, the coccyx).
    const REACH_MM: f32 = 200.0;

    fn new(degrees: f32, psis: Vec3) -> Twist {
        Twist {
            angle: degrees.to_radians(),
            pivot: (psis.y, psis.z),
        }
    }

    /// `p` (reference) turned by `sign` times the twist where it lies right of the midline.
    fn apply(&self, p: Vec3, sign: f32) -> Vec3 {
        if self.angle == 0.0 || p.x <= 0.0 {
            return p;
        }
        let t = (p.x / Self::BLEND_MM).min(1.0);
        let a = sign * self.angle * t * t * (3.0 - 2.0 * t);
        let (y, z) = (p.y - self.pivot.0, p.z - self.pivot.1);
        let (s, c) = a.sin_cos();
        Vec3::new(
            p.x,
            self.pivot.0 + c * y - s * z,
            self.pivot.1 + s * y + c * z,
        )
    }

    /// A bound on how much the twist stretches distances: moving 1 mm in x turns a point
    /// `REACH_MM` from the axis by the smoothstep's steepest slope.
    fn stretch(&self) -> f32 {
        1.0 + Self::REACH_MM * self.angle.abs() * 1.5 / Self::BLEND_MM
    }

    /// How far a surface up to `x` mm right of the midline has moved (mm).
    fn moved(&self, x: f32) -> f32 {
        if x <= 0.0 {
            return 0.0;
        }
        let t = (x / Self::BLEND_MM).min(1.0);
        Self::REACH_MM * self.angle.abs() * t * t * (3.0 - 2.0 * t)
    }
}
