//! `tributary operator`: wires the controller and its HTTP server (`/metrics`, `/healthz`,
//! `/readyz`) and runs them until SIGTERM/Ctrl-C or until leadership is lost.
//!
//! Settings come from the environment (the Helm chart sets them):
//! `TRIBUTARY_WATCH_NAMESPACE` (default: all namespaces), `POD_NAMESPACE` (the leader
//! Lease's namespace, default `default`), `TRIBUTARY_LEASE_NAME` (default
//! `tributary-operator`), `POD_NAME` (this replica's identity, default host name and pid),
//! `TRIBUTARY_WORKER_IMAGE` (the workers' default image), `TRIBUTARY_OPERATOR_LISTEN`
//! (default `0.0.0.0:8080`).

use std::process::ExitCode;

use anyhow::Context as _;

use crate::controller::{self, OperatorConfig, State};

pub async fn run() -> anyhow::Result<ExitCode> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let identity = env("POD_NAME").unwrap_or_else(|| {
        let host = env("HOSTNAME").unwrap_or_else(|| "tributary-operator".into());
        format!("{host}-{}", std::process::id())
    });
    let config = OperatorConfig {
        watch_namespace: env("TRIBUTARY_WATCH_NAMESPACE"),
        lease_namespace: env("POD_NAMESPACE").unwrap_or_else(|| "default".into()),
        lease_name: env("TRIBUTARY_LEASE_NAME").unwrap_or_else(|| "tributary-operator".into()),
        identity,
        default_image: env("TRIBUTARY_WORKER_IMAGE")
            .unwrap_or_else(|| format!("tributary:{}", env!("CARGO_PKG_VERSION"))),
        lease_timing: Default::default(),
    };
    let listen = env("TRIBUTARY_OPERATOR_LISTEN").unwrap_or_else(|| "0.0.0.0:8080".into());
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
