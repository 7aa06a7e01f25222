//! `tributary`: one binary, five faces (see `docs/architecture.md`).

use clap::Parser;

// The pipelines allocate small, short-lived objects per record (offset maps, strings);
// glibc's allocator spent about a third of a file source's CPU on them (perf, issue 8).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = tributary::cli::Cli::parse();
    tributary::cli::run(cli).await
}
