//! `marrowsim perf`: the app's frame budget headless, and frame rate and start-up time in a
//! window against a bare scene with the same meshes.

use clap::{Args, Subcommand};
use marrowsim_app::AppOptions;
use marrowsim_app::SceneSource;
use marrowsim_app::{FrameProbe, WindowReport, headless_budget};
use marrowsim_core::scenario::Scenario;
use marrowsim_core::scenario::default_scenario;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct PerfArgs {
    #[command(subcommand)]
    pub what: PerfCommand,
}

#[derive(Subcommand, Debug)]
pub enum PerfCommand {
    /// Time the app's own systems and panel per frame, with no window (JSON).
    Headless {
        /// A scenario file (default: the built-in standard scene).
        scene: Option<PathBuf>,
        #[arg(long, default_value_t = 1000)]
        frames: u32,
    },
    /// Open a window, play the scripted attempt and time the frames (one JSON line).
    Window {
        #[command(flatten)]
        run: WindowRun,
        /// Only the meshes, camera and lights.
        #[arg(long)]
        bare: bool,
    },
    /// Run `window` bare and full, one after the other, and compare them.
    Compare {
        #[command(flatten)]
        run: WindowRun,
    },
}

/// What a timed window shows, and for how long.
#[derive(Args, Debug)]
pub struct WindowRun {
    /// A scenario file (default: the built-in standard scene).
    scene: Option<PathBuf>,
    #[arg(long, default_value_t = 600)]
    frames: u32,
    #[arg(long, default_value_t = 1280)]
    width: u32,
    #[arg(long, default_value_t = 720)]
    height: u32,
    /// The full app's render profile (the bare scene is always drawn at full quality).
    #[command(flatten)]
    quality: super::QualityArg,
}

fn scene_of(path: Option<&PathBuf>) -> Result<(Scenario, SceneSource, String), String> {
    match path {
        None => Ok((
            default_scenario(),
            SceneSource::BuiltIn,
            marrowsim_core::scenario::DEFAULT_SCENE_PATH.into(),
        )),
        Some(p) => Scenario::load(p)
            .map(|s| (s, SceneSource::File(p.clone()), p.display().to_string()))
            .map_err(|e| marrowsim_core::scenario::errors_text(&e)),
    }
}

pub fn run(args: &PerfArgs) -> Result<(), String> {
    match &args.what {
        PerfCommand::Headless { scene, frames } => {
            let (scenario, _, _) = scene_of(scene.as_ref())?;
            let budget = headless_budget(scenario, *frames)?;
            out!(
                "{}",
                serde_json::to_string_pretty(&budget).map_err(|e| e.to_string())?
            );
            Ok(())
        }
        PerfCommand::Window { run, bare } => {
            let (scenario, source, name) = scene_of(run.scene.as_ref())?;
            let mut options = AppOptions::for_scenario(&scenario, source);
            options.width = run.width;
            options.height = run.height;
            options.bare = *bare;
            options.graphics = if *bare {
                marrowsim_app::Graphics {
                    profile: Some(marrowsim_app::RenderProfile::Full),
                    render_scale: None,
                }
            } else {
                run.quality.graphics()
            };
            options.probe = Some(FrameProbe::new(
                super::launched(),
                run.frames,
                &name,
                (run.width, run.height),
                *bare,
            ));
            marrowsim_app::run(options)
        }
        PerfCommand::Compare { run } => {
            let WindowRun {
                scene,
                frames,
                width,
                height,
                quality,
            } = run;
            let run_one = |bare: bool| -> Result<WindowReport, String> {
                let exe = std::env::current_exe().map_err(|e| e.to_string())?;
                let mut cmd = std::process::Command::new(exe);
                cmd.args(["perf", "window", "--frames", &frames.to_string()])
                    .args([
                        "--width",
                        &width.to_string(),
                        "--height",
                        &height.to_string(),
                    ]);
                if bare {
                    cmd.arg("--bare");
                } else {
                    let q = match quality.quality {
                        super::Quality::Auto => "auto",
                        super::Quality::Full => "full",
                        super::Quality::Low => "low",
                    };
                    cmd.args(["--quality", q]);
                    if let Some(scale) = quality.render_scale {
                        cmd.args(["--render-scale", &scale.to_string()]);
                    }
                }
                if let Some(s) = scene {
                    cmd.arg(s);
                }
                let out = cmd.output().map_err(|e| e.to_string())?;
                let stdout = String::from_utf8_lossy(&out.stdout);
                let line = stdout
                    .lines()
                    .rev()
                    .find(|l| l.starts_with('{'))
                    .ok_or_else(|| {
                        format!(
                            "the window run printed no report:\n{}",
                            String::from_utf8_lossy(&out.stderr)
                        )
                    })?;
                serde_json::from_str(line).map_err(|e| e.to_string())
            };
            let bare = run_one(true)?;
            let full = run_one(false)?;
            for r in [&bare, &full] {
                let scale = match r.render_scale {
                    Some(s) if s < 1.0 => format!(", 3D view at {:.0}%", s * 100.0),
                    _ => String::new(),
                };
                out!(
                    "{:5} {}x{}{scale}: median frame {:.2} ms ({:.1} fps), p95 {:.2} ms; first frame {:.0} ms, interactive {:.0} ms after launch",
                    if r.bare { "bare" } else { "full" },
                    r.width,
                    r.height,
                    r.frame.median_ms,
                    r.fps_median,
                    r.frame.p95_ms,
                    r.launch_to_first_frame_ms,
                    r.launch_to_interactive_ms
                );
            }
            out!(
                "full/bare median frame time: {:.2}",
                full.frame.median_ms / bare.frame.median_ms
            );
            Ok(())
        }
    }
}
