//! Subcommands that are not implemented yet say so and exit 2, never a fake success.

use std::process::ExitCode;

pub fn run(name: &str) -> anyhow::Result<ExitCode> {
    eprintln!("tributary {name}: not implemented yet");
    Ok(ExitCode::from(2))
}
