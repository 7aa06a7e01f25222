//! Tracing setup shared by every subcommand.

use tracing_subscriber::{EnvFilter, fmt, prelude::*, reload};

/// Handle that changes the log filter at run time (used by `/admin/loggers`).
pub type LogReloadHandle = reload::Handle<EnvFilter, tracing_subscriber::Registry>;

/// Installs the global subscriber. `RUST_LOG` overrides `default_filter`; `json` selects
/// one JSON object per line (for log shippers in Kubernetes).
pub fn init(default_filter: &str, json: bool) -> LogReloadHandle {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let (filter, handle) = reload::Layer::new(filter);
    let registry = tracing_subscriber::registry().with(filter);
    let result = if json {
        registry
            .with(fmt::layer().json().with_writer(std::io::stderr))
            .try_init()
    } else {
        registry
            .with(fmt::layer().with_writer(std::io::stderr))
            .try_init()
    };
    // A second init (tests that call into the CLI twice) keeps the first subscriber.
    let _ = result;
    handle
}
