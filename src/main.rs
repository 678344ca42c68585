use std::process::ExitCode;

fn main() -> ExitCode {
    marrowsim::cli::main()
}
