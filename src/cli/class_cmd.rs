//! `marrowsim class`: the instructor's live board of a class's record, at a projector's scale.

use super::QualityArg;
use super::records::RecordsArgs;
use clap::Args;
use marrowsim_core::records::store::Filter;

#[derive(Args, Debug)]
pub struct ClassArgs {
    #[command(flatten)]
    pub records: RecordsArgs,
    /// Only this course's attempts (default: the settings file's `course`).
    #[arg(long)]
    pub course: Option<String>,
    #[command(flatten)]
    pub quality: QualityArg,
    #[arg(long, default_value_t = 1920)]
    pub width: u32,
    #[arg(long, default_value_t = 1080)]
    pub height: u32,
}

pub fn run(args: &ClassArgs) -> Result<(), String> {
    let store = args.records.reader()?;
    let course = args
        .course
        .clone()
        .or(args.records.settings()?.course)
        .map(|c| c.trim().to_string());
    marrowsim_app::class(
        store,
        Filter {
            course,
            ..Filter::default()
        },
        args.quality.graphics(),
        args.width,
        args.height,
    )
}
