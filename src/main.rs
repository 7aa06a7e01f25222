//! `tributary`: one binary, five faces (see `docs/architecture.md`).

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = tributary::cli::Cli::parse();
    tributary::cli::run(cli).await
}
