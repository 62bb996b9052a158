//! The `redflag` binary: parse the arguments, run the command, exit with its code.
//!
//! Exit codes: 0 success, 1 nothing found (search, export), 2 errors (bad arguments, a bad
//! query or dictionary, files that failed in a batch).

use redflag::{cli::Cli, cmd, exit_codes::ExitCode};

fn main() {
    // Panics inside one document are caught and reported with the file name by the
    // pipeline; keep the default hook's backtrace noise off the user's terminal.
    std::panic::set_hook(Box::new(|info| {
        if std::env::var_os("REDFLAG_BACKTRACE").is_some() {
            eprintln!("redflag: panic: {info}");
        }
    }));
    let cli = Cli::parse_from_env();
    let code = match cmd::run(cli) {
        Ok(code) => code,
        Err(err) => {
            let kind = if err.is_user_error() {
                ""
            } else {
                "internal error: "
            };
            eprintln!("redflag: {kind}{}", anyhow::Error::from(err));
            ExitCode::Error
        }
    };
    std::process::exit(code.into());
}
