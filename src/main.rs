mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    // Rust ignores SIGPIPE, so printing into a closed pipe (`marrowsim anatomy | head`) would
    // panic; a command-line tool should just stop, as cat does.
    #[cfg(unix)]
    // SAFETY: called first in main, before any thread starts; SIG_DFL is a valid action.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    cli::main()
}
