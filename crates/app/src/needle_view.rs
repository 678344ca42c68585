//! The Jamshidi needle at true scale (T handle, 11 G cannula with a 30° bevel, the stylet's
//! cap that comes off with the stylet, a mark toward the bevel's face) following the
//! session's pose, and the practice guides: entry zone, aim line and depth window.

use super::anatomy_view::PatientFrame;
use super::score_card::site_tracks;
use super::section_image::{IDEAL_GREEN, NEEDLE_CYAN};
use super::session::SessionState;
use bevy::prelude::*;
use marrowsim_core::scenario::{Mode, NeedleSpec};

/// The needle's model, built for this specification (a new scene may use another needle).
#[derive(Component)]
pub struct NeedleModel(pub NeedleSpec);

/// Guides and tracks: drawn over the anatomy, since they matter most where they run inside bone.
#[derive(Default, Reflect, GizmoConfigGroup)]
pub struct GuideGizmos;

pub(super) fn plugin(app: &mut App) {
    app.init_gizmo_group::<GuideGizmos>()
        .init_resource::<ScoredTracks>()
        .add_systems(Startup, configure_guides)
        .add_systems(PostUpdate, clear_the_entry);
    app.add_systems(
        Update,
        (
            spawn_needle,
            place_needle,
            draw_guides,
            update_tracks,
            draw_tracks,
        )
            .chain()
            .in_set(super::AppSystems::Follow),
    );
}

fn spawn_needle(
    mut commands: Commands,
    session: Res<SessionState>,
    models: Query<(Entity, &NeedleModel)>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    let spec = session.0.scenario.needle;
    if models.iter().any(|(_, m)| m.0 == spec) {
        return;
    }
    for (e, _) in &models {
        commands.entity(e).despawn();
    }
    let length = spec.length_mm;
    let radius = spec.outer_diameter() * 0.5;
    let steel = materials.add(StandardMaterial {
        base_color: Color::srgb(0.78, 0.8, 0.84),
        metallic: 0.9,
        perceptual_roughness: 0.25,
        ..default()
    });
    let handle = materials.add(StandardMaterial {
        base_color: Color::srgb(0.15, 0.35, 0.75),
        perceptual_roughness: 0.5,
        ..default()
    });
    let stylet_cap = materials.add(StandardMaterial {
        base_color: Color::srgb(0.95, 0.8, 0.2),
        perceptual_roughness: 0.5,
        ..default()
    });
    let white = materials.add(StandardMaterial {
        base_color: Color::WHITE,
        unlit: true,
        ..default()
    });
    let hub = Hub {
        length,
        parts: vec![handle.clone(), stylet_cap.clone(), white.clone()],
        faded: false,
    };
    commands
        .spawn((
            NeedleModel(spec),
            hub,
            Transform::default(),
            Visibility::Hidden,
        ))
        .with_children(|n| {
            // The cannula, its tip bevelled at 30° with the face toward +x.
            n.spawn((
                Mesh3d(meshes.add(bevelled_tube(radius, length, BEVEL_DEG, 24))),
                MeshMaterial3d(steel),
            ));
            // The T handle: a rounded bar across the hub.
            n.spawn((
                Mesh3d(meshes.add(Capsule3d::new(BAR.radius, 2.0 * BAR.half))),
                MeshMaterial3d(handle.clone()),
                Transform::from_xyz(0.0, length + BAR.above, 0.0)
                    .with_rotation(Quat::from_rotation_z(std::f32::consts::FRAC_PI_2)),
            ));
            n.spawn((
                Mesh3d(meshes.add(Cylinder::new(HUB.radius, 2.0 * HUB.half))),
                MeshMaterial3d(handle),
                Transform::from_xyz(0.0, length + HUB.above, 0.0),
            ));
            // The stylet's cap, locked into the top of the handle; gone with the stylet.
            n.spawn((
                StyletCap,
                Mesh3d(meshes.add(Cylinder::new(CAP.radius, 2.0 * CAP.half))),
                MeshMaterial3d(stylet_cap),
                Transform::from_xyz(0.0, length + CAP.above, 0.0),
            ));
            // Which way the bevel faces: a mark on the handle's side toward the bevel's face.
            n.spawn((
                Mesh3d(meshes.add(Cuboid::new(3.0, 10.0, 3.0))),
                MeshMaterial3d(white),
                Transform::from_xyz(HUB.radius + 1.0, length + BAR.above, 0.0),
            ));
        });
}

/// The bevel of the cannula's tip, from its axis (degrees): a Jamshidi needle's cutting tip.
pub const BEVEL_DEG: f32 = 30.0;

/// The handle, its cap and its mark: see-through while they stand between the eye and the
/// skin entry, as they do in the view down the needle (5) at the start of a push, so that
/// the trainee sees where the needle goes in rather than the back of the handle.
#[derive(Component)]
struct Hub {
    /// The cannula's length: the handle sits on its end.
    length: f32,
    parts: Vec<Handle<StandardMaterial>>,
    faded: bool,
}

/// What the entry zone shows around the entry point (mm): within this of the line of sight,
/// the handle hides it.
const ENTRY_MARGIN_MM: f32 = 10.0;

/// The handle's opacity while it hides the entry: still there, but the skin shows through.
const HUB_FADED_ALPHA: f32 = 0.3;

/// One round part of the handle, in the needle's frame (tip at the origin, +y up the shaft):
/// its radius, half its length along its own axis, and how far its centre sits above the
/// cannula's end (mm).
struct Part {
    radius: f32,
    half: f32,
    above: f32,
}

/// The T bar across the hub, a capsule whose straight part is `2 × half` long.
const BAR: Part = Part {
    radius: 8.0,
    half: 28.0,
    above: 8.0,
};
/// The hub the cannula is set in.
const HUB: Part = Part {
    radius: 6.0,
    half: 5.0,
    above: -1.0,
};
/// The stylet's cap, locked into the top of the handle.
const CAP: Part = Part {
    radius: 6.5,
    half: 4.0,
    above: 18.0,
};

/// The handle's solid parts in the needle's frame, as capsules: the T bar across the hub,
/// and the column of the hub and the stylet's cap along the axis.
fn handle_parts(length: f32) -> [(Vec3, Vec3, f32); 2] {
    let bar = Vec3::new(0.0, length + BAR.above, 0.0);
    let column = (length + HUB.above - HUB.half, length + CAP.above + CAP.half);
    [
        (
            bar - Vec3::X * BAR.half,
            bar + Vec3::X * BAR.half,
            BAR.radius,
        ),
        (
            Vec3::new(0.0, column.0, 0.0),
            Vec3::new(0.0, column.1, 0.0),
            HUB.radius.max(CAP.radius),
        ),
    ]
}

/// The shortest distance between the segments `a0`–`a1` and `b0`–`b1`.
fn segment_distance(a0: Vec3, a1: Vec3, b0: Vec3, b1: Vec3) -> f32 {
    let (d1, d2, r) = (a1 - a0, b1 - b0, a0 - b0);
    let (aa, ee, f) = (d1.length_squared(), d2.length_squared(), d2.dot(r));
    let (s, t) = if aa <= f32::EPSILON && ee <= f32::EPSILON {
        (0.0, 0.0)
    } else if aa <= f32::EPSILON {
        (0.0, (f / ee).clamp(0.0, 1.0))
    } else {
        let c = d1.dot(r);
        if ee <= f32::EPSILON {
            ((-c / aa).clamp(0.0, 1.0), 0.0)
        } else {
            let b = d1.dot(d2);
            let denom = aa * ee - b * b;
            let mut s = if denom > f32::EPSILON {
                ((b * f - c * ee) / denom).clamp(0.0, 1.0)
            } else {
                0.0
            };
            let mut t = (b * s + f) / ee;
            if t < 0.0 {
                t = 0.0;
                s = (-c / aa).clamp(0.0, 1.0);
            } else if t > 1.0 {
                t = 1.0;
                s = ((b - c) / aa).clamp(0.0, 1.0);
            }
            (s, t)
        }
    };
    (a0 + d1 * s).distance(b0 + d2 * t)
}

/// Whether any of the handle's `parts` (capsules in the world) comes within its radius and
/// the entry's margin of the sight line from `eye` to `entry`.
fn hides_entry(eye: Vec3, entry: Vec3, parts: &[(Vec3, Vec3, f32)]) -> bool {
    parts
        .iter()
        .any(|&(a, b, r)| segment_distance(eye, entry, a, b) < r + ENTRY_MARGIN_MM)
}

fn clear_the_entry(
    session: Option<Res<SessionState>>,
    frame: Res<PatientFrame>,
    cameras: Query<&Transform, With<Camera3d>>,
    mut hubs: Query<(&Transform, &mut Hub), With<NeedleModel>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    let pose = session.and_then(|s| s.0.pose());
    let (Some(eye), Some(pose)) = (cameras.iter().next(), pose) else {
        return;
    };
    let entry = frame.point(pose.entry);
    for (needle, mut hub) in &mut hubs {
        let parts = handle_parts(hub.length)
            .map(|(a, b, r)| (needle.transform_point(a), needle.transform_point(b), r));
        let fade = hides_entry(eye.translation, entry, &parts);
        if fade == hub.faded {
            continue;
        }
        hub.faded = fade;
        for part in &hub.parts {
            if let Some(mut m) = materials.get_mut(part) {
                m.base_color
                    .set_alpha(if fade { HUB_FADED_ALPHA } else { 1.0 });
                m.alpha_mode = if fade {
                    AlphaMode::Blend
                } else {
                    AlphaMode::Opaque
                };
            }
        }
    }
}

/// The stylet's cap on the handle, hidden while the stylet is out.
#[derive(Component)]
pub struct StyletCap;

/// A closed tube along +y from its tip to `length`, the tip cut by a plane at `bevel_deg` from
/// the axis: the point of the bevel at y = 0 on the -x side, its heel on the +x side.
pub fn bevelled_tube(radius: f32, length: f32, bevel_deg: f32, segments: usize) -> Mesh {
    use bevy::asset::RenderAssetUsages;
    use bevy::mesh::{Indices, PrimitiveTopology};
    let rise = 1.0 / bevel_deg.to_radians().tan();
    let mut positions: Vec<[f32; 3]> = Vec::new();
    let mut normals: Vec<[f32; 3]> = Vec::new();
    let mut indices: Vec<u32> = Vec::new();
    let ring = |k: usize| {
        let a = std::f32::consts::TAU * k as f32 / segments as f32;
        (a.cos(), a.sin())
    };
    for k in 0..=segments {
        let (c, s) = ring(k);
        let bottom = radius * (1.0 + c) * rise;
        positions.push([radius * c, bottom, radius * s]);
        positions.push([radius * c, length, radius * s]);
        normals.push([c, 0.0, s]);
        normals.push([c, 0.0, s]);
    }
    for k in 0..segments as u32 {
        let (a, b) = (2 * k, 2 * k + 2);
        indices.extend([a, a + 1, b, b, a + 1, b + 1]);
    }
    let face = Vec3::new(-1.0, -rise, 0.0).normalize().to_array();
    let top = [0.0, 1.0, 0.0];
    for (tip, normal, flip) in [(true, face, false), (false, top, true)] {
        let y_of = |c: f32| {
            if tip {
                radius * (1.0 + c) * rise
            } else {
                length
            }
        };
        let centre = positions.len() as u32;
        positions.push([0.0, y_of(0.0), 0.0]);
        normals.push(normal);
        for k in 0..=segments {
            let (c, s) = ring(k);
            positions.push([radius * c, y_of(c), radius * s]);
            normals.push(normal);
        }
        for k in 0..segments as u32 {
            let (a, b) = (centre + 1 + k, centre + 2 + k);
            if flip {
                indices.extend([centre, b, a]);
            } else {
                indices.extend([centre, a, b]);
            }
        }
    }
    Mesh::new(
        PrimitiveTopology::TriangleList,
        RenderAssetUsages::default(),
    )
    .with_inserted_attribute(Mesh::ATTRIBUTE_POSITION, positions)
    .with_inserted_attribute(Mesh::ATTRIBUTE_NORMAL, normals)
    .with_inserted_indices(Indices::U32(indices))
}

fn configure_guides(mut store: ResMut<GizmoConfigStore>) {
    let (config, _) = store.config_mut::<GuideGizmos>();
    config.depth_bias = -1.0;
    config.line.width = 3.0;
}

/// Needle frame in RAS: origin at the tip, +Y back along the shaft toward the handle, turned
/// `roll_deg` about the shaft (the trainee's turns of the trocar, so the handle and the
/// bevel's mark turn with them).
pub fn needle_transform(tip: Vec3, direction: Vec3, roll_deg: f32) -> Transform {
    Transform::from_translation(tip).with_rotation(
        Quat::from_rotation_arc(Vec3::Y, -direction.normalize())
            * Quat::from_rotation_y(roll_deg.to_radians()),
    )
}

fn place_needle(
    session: Res<SessionState>,
    frame: Res<PatientFrame>,
    mut needles: Query<(&mut Transform, &mut Visibility), With<NeedleModel>>,
    mut caps: Query<&mut Visibility, (With<StyletCap>, Without<NeedleModel>)>,
) {
    for mut cap in &mut caps {
        *cap = if session.0.stylet_out {
            Visibility::Hidden
        } else {
            Visibility::Inherited
        };
    }
    let world = frame.0;
    for (mut tf, mut vis) in &mut needles {
        let trocar = session.0.tool == marrowsim_core::needle::session::Tool::Trocar;
        match session.0.pose().filter(|_| trocar) {
            Some(pose) => {
                let roll: f32 = session.0.turns().iter().map(|t| t.deg).sum();
                let local = needle_transform(pose.tip(), pose.direction, roll);
                *tf = world * local;
                *vis = Visibility::Visible;
            }
            None => *vis = Visibility::Hidden,
        }
    }
}

fn draw_guides(
    session: Res<SessionState>,
    frame: Res<PatientFrame>,
    mut gizmos: Gizmos<GuideGizmos>,
) {
    let s = &session.0;
    // Before the plan, the guides would give the evaluation's answer away.
    if s.scenario.mode == Mode::Assessment || s.score.is_some() || s.awaiting_plan() {
        return;
    }
    let Some(zone) = s.scenario.resolve(s.site, &s.anatomy) else {
        return;
    };
    let w = frame.0;
    let to_world = |p: Vec3| w.transform_point(p);
    let green = Color::srgb(0.2, 0.95, 0.4);
    let aim_end = zone.entry_centre + zone.aim * 120.0;
    gizmos.line(
        to_world(zone.entry_centre - zone.aim * 60.0),
        to_world(aim_end),
        green,
    );
    let rot = Quat::from_rotation_arc(Vec3::Z, w.rotation * zone.aim);
    gizmos.circle(
        Isometry3d::new(to_world(zone.entry_centre), rot),
        zone.entry_radius,
        green,
    );
    let window_from = zone.entry_centre + zone.aim * (s.anatomy.cortex_thickness() + zone.min_mm);
    let window_to = zone.entry_centre + zone.aim * (s.anatomy.cortex_thickness() + zone.max_mm);
    gizmos.line(
        to_world(window_from),
        to_world(window_to),
        Color::srgb(1.0, 0.85, 0.2),
    );
}

/// After scoring: each site's ideal track beside where the trainee's needle ended.
/// Each submitted site's ideal and actual track, worked out once when the attempt is scored
/// (`None` before).
#[derive(Resource, Default)]
pub struct ScoredTracks(pub Option<Vec<super::score_card::SiteTracks>>);

pub(super) fn update_tracks(session: Res<SessionState>, mut tracks: ResMut<ScoredTracks>) {
    let scored = session.0.score.is_some();
    if scored != tracks.0.is_some() {
        tracks.0 = scored.then(|| site_tracks(&session.0));
    }
}

fn draw_tracks(
    tracks: Res<ScoredTracks>,
    frame: Res<PatientFrame>,
    mut gizmos: Gizmos<GuideGizmos>,
) {
    let colour = |c: bevy_egui::egui::Color32| Color::srgb_u8(c.r(), c.g(), c.b());
    for t in tracks.0.iter().flatten() {
        let (a, b) = t.ideal;
        gizmos.line(frame.point(a), frame.point(b), colour(IDEAL_GREEN));
        if let Some((entry, tip)) = t.yours {
            gizmos.line(frame.point(entry), frame.point(tip), colour(NEEDLE_CYAN));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The handle hides the entry from behind it, down the needle; not from the side, not
    /// from beside its bar's end, and not from beneath the skin.
    #[test]
    fn the_handle_hides_the_entry_only_from_behind_it() {
        let entry = Vec3::ZERO;
        let parts = handle_parts(100.0);
        let hides = |eye: Vec3| hides_entry(eye, entry, &parts);
        assert!(hides(Vec3::new(0.0, 480.0, 0.0)), "down the needle");
        assert!(hides(Vec3::new(0.0, 480.0, 60.0)), "a little off the axis");
        assert!(hides(Vec3::new(100.0, 480.0, 0.0)), "along the bar");
        assert!(!hides(Vec3::new(0.0, 480.0, 150.0)), "square to the bar");
        assert!(!hides(Vec3::new(400.0, 50.0, 0.0)), "from the side");
        assert!(!hides(Vec3::new(0.0, -400.0, 0.0)), "from beneath");
        assert!(!hides(Vec3::new(0.0, 60.0, 0.0)), "closer than the handle");
    }

    #[test]
    fn segments_measure_their_closest_points() {
        let x = |x: f32, y: f32, z: f32| Vec3::new(x, y, z);
        // (second segment's ends, distance) from the unit segment along x; the last from a
        // point to a point.
        let cases = [
            (x(0.5, 1.0, -1.0), x(0.5, 1.0, 1.0), 1.0),
            (x(2.0, 0.0, 0.0), x(3.0, 0.0, 0.0), 1.0),
            (x(0.0, 2.0, 0.0), x(1.0, 2.0, 0.0), 2.0),
        ];
        for (b0, b1, want) in cases {
            let got = segment_distance(Vec3::ZERO, Vec3::X, b0, b1);
            assert!((got - want).abs() < 1e-4, "{b0} {b1}: {got} vs {want}");
        }
        let point = segment_distance(Vec3::ZERO, Vec3::ZERO, x(0.0, 3.0, 0.0), x(0.0, 3.0, 0.0));
        assert!((point - 3.0).abs() < 1e-4, "{point}");
    }

    #[test]
    fn a_turn_rolls_the_handle_and_the_bevel_about_the_shaft() {
        let direction = Vec3::new(0.3, 0.9, -0.2).normalize();
        let still = needle_transform(Vec3::ZERO, direction, 0.0);
        let turned = needle_transform(Vec3::ZERO, direction, 90.0);
        let shaft = |t: &Transform| t.rotation * Vec3::Y;
        assert!(
            (shaft(&still) - shaft(&turned)).length() < 1e-5,
            "the shaft stays"
        );
        // The bevel faces +x in the needle's frame: a quarter turn turns it a quarter round.
        let (a, b) = (still.rotation * Vec3::X, turned.rotation * Vec3::X);
        assert!(
            a.dot(b).abs() < 1e-5 && a.dot(direction).abs() < 1e-5,
            "{a} {b}"
        );
        let full = needle_transform(Vec3::ZERO, direction, 360.0);
        assert!((full.rotation * Vec3::X - a).length() < 1e-4);
    }
}
