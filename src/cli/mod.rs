//! The command line: `main` parses [`Cli`] and [`run`] dispatches to one file per subcommand.

mod convert_distributed;
mod crd;
mod operator;
mod rest;
mod standalone;
mod worker;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Apache Kafka Connect, rebuilt in Rust, with a Kubernetes operator.
#[derive(Debug, Parser)]
#[command(name = "tributary", version, about)]
pub struct Cli {
    /// Log one JSON object per line instead of human-readable text.
    #[arg(long, global = true, env = "TRIBUTARY_LOG_JSON")]
    pub log_json: bool,

    #[command(subcommand)]
    pub command: Command,
}

/// The five faces of the binary.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run connectors in one process, as Apache's `connect-standalone`.
    Standalone {
        /// The worker properties file (`connect-standalone.properties`).
        worker_properties: std::path::PathBuf,
        /// Connector configs: `.properties`, or JSON (`{"name":..,"config":{..}}` or a bare config).
        connector_configs: Vec<std::path::PathBuf>,
    },
    /// Reconcile `KafkaConnect` and `KafkaConnector` resources (the Kubernetes controller).
    Operator(operator::OperatorArgs),
    /// Run the connectors and tasks assigned to this pod.
    Worker(worker::WorkerArgs),
    /// Serve the Connect REST API backed by `KafkaConnector` resources.
    Rest(rest::RestArgs),
    /// Print the CustomResourceDefinitions as YAML.
    Crd,
    /// Print the `KafkaConnect` equivalent to a `connect-distributed.properties` file.
    ConvertDistributed(convert_distributed::ConvertDistributedArgs),
}

/// Runs the chosen subcommand and maps its outcome to an exit code.
pub async fn run(cli: Cli) -> ExitCode {
    let log_reload = crate::telemetry::init("info", cli.log_json);
    let outcome = match cli.command {
        Command::Crd => crd::run(),
        Command::Standalone {
            worker_properties,
            connector_configs,
        } => standalone::run(&worker_properties, &connector_configs, log_reload).await,
        Command::Operator(args) => operator::run(args).await,
        Command::Worker(args) => worker::run(args).await,
        Command::Rest(args) => rest::run(args, log_reload).await,
        Command::ConvertDistributed(args) => convert_distributed::run(args),
    };
    match outcome {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Completes on SIGTERM (Kubernetes stopping a pod, a supervisor) or Ctrl-C.
pub(crate) async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}

/// The built-in connectors and, when `plugin.path` is set, the Java connectors the plugin
/// host finds there.
pub(crate) async fn plugin_registry(
    config: &crate::runtime::config::worker::WorkerConfig,
) -> anyhow::Result<(
    crate::connectors::Registry,
    Option<std::sync::Arc<crate::plugin_host::PluginHost>>,
)> {
    let Some(settings) = crate::plugin_host::settings(config)? else {
        return Ok((crate::connectors::Registry::builtin(), None));
    };
    let (registry, host) =
        crate::plugin_host::start_with_plugins(crate::connectors::Registry::builtin(), settings)
            .await
            .map_err(|e| {
                anyhow::anyhow!(e).context("cannot load the Java plugins of plugin.path")
            })?;
    Ok((registry, Some(host)))
}
