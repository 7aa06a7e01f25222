//! `tributary operator`: wires the controller and its HTTP server (`/metrics`, `/healthz`,
//! `/readyz`) and runs them until SIGTERM/Ctrl-C or until leadership is lost. Settings are
//! arguments with the environment the Helm chart sets as fallback (`--help` lists both).

use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::Context as _;

use crate::controller::{self, OperatorConfig, State};

/// Arguments of `tributary operator`.
#[derive(Debug, clap::Args)]
pub struct OperatorArgs {
    /// Watch only this namespace (all namespaces when unset).
    #[arg(long, env = "TRIBUTARY_WATCH_NAMESPACE")]
    pub watch_namespace: Option<String>,
    /// Namespace of the leader Lease (the operator's own).
    #[arg(long, env = "POD_NAMESPACE", default_value = "default")]
    pub lease_namespace: String,
    /// Name of the leader Lease.
    #[arg(
        long,
        env = "TRIBUTARY_LEASE_NAME",
        default_value = "tributary-operator"
    )]
    pub lease_name: String,
    /// This replica's identity in the Lease and in Events (default: host name and pid).
    #[arg(long, env = "POD_NAME")]
    pub identity: Option<String>,
    /// Image of the workers when a `KafkaConnect` names none (default: this version's
    /// `tributary` image).
    #[arg(long, env = "TRIBUTARY_WORKER_IMAGE")]
    pub worker_image: Option<String>,
    /// Image of the workers of a `KafkaConnect` with `spec.plugins` that names none: the
    /// variant with a JRE and the plugin host (default: the worker image's `-jre` tag,
    /// e.g. `tributary:0.1.0-jre`).
    #[arg(long, env = "TRIBUTARY_PLUGIN_WORKER_IMAGE")]
    pub plugin_worker_image: Option<String>,
    /// Address of `/metrics`, `/healthz` and `/readyz`.
    #[arg(
        long,
        env = "TRIBUTARY_OPERATOR_LISTEN",
        default_value = "0.0.0.0:8080"
    )]
    pub listen: SocketAddr,
}

pub async fn run(args: OperatorArgs) -> anyhow::Result<ExitCode> {
    let identity = args
        .identity
        .clone()
        .filter(|i| !i.is_empty())
        .unwrap_or_else(|| {
            let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "tributary-operator".into());
            format!("{host}-{}", std::process::id())
        });
    let default_image = args
        .worker_image
        .filter(|image| !image.is_empty())
        .unwrap_or_else(|| format!("tributary:{}", env!("CARGO_PKG_VERSION")));
    let plugin_image = match args.plugin_worker_image.filter(|image| !image.is_empty()) {
        Some(image) => image,
        None => controller::resources::jre_variant(&default_image).unwrap_or_else(|| {
            tracing::warn!(
                worker_image = %default_image,
                "the worker image is pinned by digest and has no -jre tag: clusters with spec.plugins get it as it is (set TRIBUTARY_PLUGIN_WORKER_IMAGE or their spec.image)"
            );
            default_image.clone()
        }),
    };
    let config = OperatorConfig {
        watch_namespace: args.watch_namespace.filter(|ns| !ns.is_empty()),
        lease_namespace: args.lease_namespace,
        lease_name: args.lease_name,
        identity,
        default_image,
        plugin_image,
        lease_timing: Default::default(),
    };
    let listen = args.listen;
    // Booting: a missing kubeconfig or service account is fatal.
    let client = kube::Client::try_default()
        .await
        .context("cannot build a Kubernetes client (kubeconfig or in-cluster config)")?;
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let state = State::default();
    let server = axum::serve(listener, controller::router(state.clone()));
    tracing::info!(%listen, identity = %config.identity, "operator starting");
    tokio::select! {
        outcome = controller::run(state, client, config, super::shutdown_signal()) => {
            outcome.context("operator stopped")?;
        }
        outcome = server => {
            outcome.context("HTTP server stopped")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
