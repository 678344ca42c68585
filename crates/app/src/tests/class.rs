//! `marrowsim class` headless: the board reads the record on a task, agrees with the
//! database, shows an attempt recorded elsewhere after its next read, and a row's replay
//! brings the attempt with the scene it was marked against.

use super::ws;
use crate::class_view::{ClassBoard, POLL};
use crate::testing::headless_app;
use marrowsim_core::anatomy::Anatomy;
use marrowsim_core::grading::scoring::score;
use marrowsim_core::records::attempt::{Attempt, Touch, VERSION};
use marrowsim_core::records::history::{History, Identity};
use marrowsim_core::records::store::Filter;
use marrowsim_core::scenario::Scenario;

fn record(history: &mut History, scenario: &Scenario, k: usize, trainee: &str) {
    let golden = ["expert_psis_to_asis", "shallow_in_cortex"][k % 2];
    let mut a = Attempt::load(&ws(&format!("tests/golden/{golden}.ron"))).unwrap();
    a.version = VERSION;
    a.marks.push(Touch {
        t: k as f32,
        at: (0.0, 0.0, 0.0),
    });
    let s = score(scenario, &Anatomy::build(&a.patient).unwrap(), &a).unwrap();
    let who = Identity {
        trainee: Some(trainee.into()),
        station: Some("station-1".into()),
        course: None,
    };
    history
        .record(&a, &s, scenario, None, &who, 1_800_000_000 + k as u64)
        .unwrap();
}

/// The board on the record in `dir`, after its first read.
fn board_app(scenario: &Scenario, dir: &std::path::Path) -> bevy::prelude::App {
    let mut app = headless_app(scenario.clone()).unwrap();
    app.insert_resource(ClassBoard::new(
        Box::new(History::open(dir).unwrap()),
        Filter::everything(),
    ))
    .add_plugins(crate::class_view::plugin);
    wait_reads(&mut app, 1);
    app
}

/// Runs the app until the board has finished `n` reads of the record.
fn wait_reads(app: &mut bevy::prelude::App, n: usize) {
    let deadline = std::time::Instant::now() + POLL * 4;
    while app.world().resource::<ClassBoard>().reads < n {
        assert!(
            std::time::Instant::now() < deadline,
            "the board read the record"
        );
        app.update();
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn the_board_follows_the_record_as_attempts_arrive() {
    let dir = std::env::temp_dir().join(format!("marrowsim-board-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    let scenario = Scenario::load(&ws("scenes/psis_standard.ron")).unwrap();
    let mut writer = History::open(&dir).unwrap();
    for k in 0..6 {
        record(&mut writer, &scenario, k, ["Ada", "Ben"][k % 2]);
    }
    let mut app = board_app(&scenario, &dir);
    let board = app.world().resource::<ClassBoard>();
    let (entries, components) = (writer.entries().unwrap(), writer.components().unwrap());
    assert_eq!(
        board.board,
        marrowsim_core::records::class::Board::build(&entries, &components)
    );
    assert_eq!(board.board.attempts, 6);
    assert_eq!(board.board.trainees.len(), 2);

    record(&mut writer, &scenario, 6, "Cleo");
    wait_reads(&mut app, 2);
    let board = app.world().resource::<ClassBoard>();
    assert_eq!(board.entries.len(), 7, "the new attempt is on the board");
    assert_eq!(board.board.trainees.len(), 3);
    let newest = board.entries.last().unwrap().id;
    match crate::class_view::replay_request_for_tests(board, newest).unwrap() {
        crate::replay_view::ReplayRequest::Given(b) => {
            assert_eq!(b.0.title, scenario.title, "the scene as it was marked");
            assert_eq!(b.1.marks.len(), 1);
        }
        other => panic!("{other:?}"),
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// The board replays an attempt beside its score card at a projector's text size, in half the
/// window: the components' labels wrap so that their points stay in view.
#[test]
fn the_score_card_keeps_its_points_in_view_at_a_projectors_text_size() {
    use bevy_egui::egui;
    let scenario = Scenario::load(&ws("scenes/psis_standard.ron")).unwrap();
    let a = Attempt::load(&ws("tests/golden/expert_psis_to_asis.ron")).unwrap();
    let s = score(&scenario, &Anatomy::build(&a.patient).unwrap(), &a).unwrap();
    for (width, rows) in [(1920.0, 1080.0), (1280.0, 720.0)] {
        let body = crate::demo_view::BODY_PX_AT_1080 * rows / 1080.0;
        let ctx = egui::Context::default();
        ctx.all_styles_mut(|style| {
            for font in style.text_styles.values_mut() {
                font.size *= body / 12.5;
            }
        });
        let card = (crate::score_card::CARD_WIDTH * body / 12.5).min(width * 0.5);
        let input = egui::RawInput {
            screen_rect: Some(egui::Rect::from_min_size(
                egui::Pos2::ZERO,
                egui::vec2(width, rows),
            )),
            ..Default::default()
        };
        let mut overflow = f32::INFINITY;
        let _ = ctx.run_ui(input, |ui| {
            egui::Panel::right("score").exact_size(card).show(ui, |ui| {
                let room = ui.max_rect();
                crate::score_card::components_grid(ui, &s, None);
                overflow = ui.min_rect().right() - room.right();
            });
        });
        assert!(
            overflow <= 0.5,
            "at {width}×{rows}, the card's points reach {overflow:.1} points past its side"
        );
    }
}

/// R, N and Page Down retry, redraw or change a trainee's case; on the instructor's board they
/// do nothing, as its score card offers no such buttons.
#[test]
fn the_case_keys_leave_the_board_alone() {
    use bevy::prelude::KeyCode;
    let dir = std::env::temp_dir().join(format!("marrowsim-board-keys-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    let scenario = Scenario::load(&ws("scenes/psis_standard.ron")).unwrap();
    let mut app = headless_app(scenario).unwrap();
    app.insert_resource(ClassBoard::new(
        Box::new(History::open(&dir).unwrap()),
        Filter::everything(),
    ))
    .add_plugins(crate::class_view::plugin);
    let patient = |app: &bevy::prelude::App| {
        app.world()
            .resource::<crate::session::SessionState>()
            .0
            .anatomy
            .patient
            .clone()
    };
    app.update();
    let before = patient(&app);
    super::tap(&mut app, KeyCode::KeyN, &[]);
    app.update();
    assert_eq!(patient(&app), before, "N drew no new patient on the board");
    std::fs::remove_dir_all(&dir).ok();
}

/// An attempt an older rubric passed reaches the board with the current rubric's mark beside
/// it; an attempt the current rubric marked is checked against its own attempt, and one whose
/// mark was changed after marking is named as not what its attempt gives.
#[test]
fn the_board_shows_what_the_current_rubric_gives_an_older_mark() {
    use marrowsim_core::grading::scoring::Verdict;
    use marrowsim_core::records::regrade::{Now, mismatches};
    use marrowsim_core::records::store::{Recorded, Store};
    let dir = std::env::temp_dir().join(format!("marrowsim-board-old-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    let scenario = Scenario::load(&ws("scenes/psis_standard.ron")).unwrap();
    let mut writer = History::open(&dir).unwrap();
    record(&mut writer, &scenario, 0, "Ada");
    let a = Attempt::load(&ws("tests/golden/shallow_in_cortex.ron")).unwrap();
    let s = score(&scenario, &Anatomy::build(&a.patient).unwrap(), &a).unwrap();
    let mut old = Recorded::new(&a, &s, &scenario, None, &Identity::default(), 5, "app").unwrap();
    old.rubric = None;
    old.total = 82.0;
    old.verdict = Verdict::Pass;
    let old_id = writer.add(&old).unwrap().entry.id;
    let mut app = board_app(&scenario, &dir);
    {
        let board = app.world().resource::<ClassBoard>();
        assert_eq!(board.board.passes, 2, "the counts are the marks as given");
        assert_eq!(board.now.len(), 2, "every mark is marked again once");
        assert_eq!(
            board.now[&old_id],
            Now::Marked {
                total: s.total,
                verdict: Verdict::Fail
            }
        );
        assert!(mismatches(&board.entries, &board.now).is_empty());
    }
    let b = Attempt::load(&ws("tests/golden/low_lateral_toward_notch.ron")).unwrap();
    let t = score(&scenario, &Anatomy::build(&b.patient).unwrap(), &b).unwrap();
    let mut forged =
        Recorded::new(&b, &t, &scenario, None, &Identity::default(), 6, "app").unwrap();
    forged.total = 90.0;
    forged.verdict = Verdict::Pass;
    let forged_id = writer.add(&forged).unwrap().entry.id;
    let reads = app.world().resource::<ClassBoard>().reads;
    wait_reads(&mut app, reads + 1);
    let board = app.world().resource::<ClassBoard>();
    assert_eq!(mismatches(&board.entries, &board.now), vec![forged_id]);
    assert_eq!(
        board.now[&forged_id],
        Now::Marked {
            total: t.total,
            verdict: t.verdict
        }
    );
    std::fs::remove_dir_all(&dir).ok();
}
