//! `tributary rest`: the Connect REST API of one `KafkaConnect` cluster, backed by its
//! `KafkaConnector` resources (the sidecar of every worker pod). Only wiring: arguments
//! (with the environment the operator's StatefulSet sets as fallback), the worker
//! properties, the [`KubernetesHerder`], optional authentication and TLS, and the server
//! until SIGTERM/Ctrl-C.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use axum::Router;
use axum::routing::get;

use crate::herder::Herder;
use crate::herder::kubernetes::{KubernetesHerder, KubernetesHerderConfig};
use crate::rest::auth::SecretSources;
use crate::rest::loggers::Loggers;
use crate::rest::routes;
use crate::runtime::WorkerSettings;
use crate::runtime::config::worker::{WorkerConfig, WorkerMode};
use crate::runtime::config::worker_file;
use crate::runtime::storage::KafkaOffsetStoreConfig;
use crate::telemetry::LogReloadHandle;

/// Arguments of `tributary rest`.
#[derive(Debug, clap::Args)]
pub struct RestArgs {
    /// Namespace of the `KafkaConnect` cluster and its connectors.
    #[arg(long, env = "POD_NAMESPACE")]
    pub namespace: String,
    /// Name of the `KafkaConnect` cluster.
    #[arg(long, env = "TRIBUTARY_CLUSTER")]
    pub cluster: String,
    /// Address of the REST API.
    #[arg(long, env = "TRIBUTARY_REST_LISTEN", default_value = "0.0.0.0:8083")]
    pub listen: SocketAddr,
    /// The cluster's worker properties (bootstrap servers, converters, offsets topic).
    #[arg(
        long,
        env = "TRIBUTARY_WORKER_CONFIG",
        default_value = "/etc/tributary/worker.properties"
    )]
    pub worker_config: PathBuf,
    /// This sidecar's id, shown as the worker of unassigned units (the pod name).
    #[arg(long, env = "POD_NAME", default_value = "tributary-rest")]
    pub pod_name: String,
    /// Secret (in the namespace) whose entries are `username: password`: HTTP basic
    /// authentication is required when set.
    #[arg(long, env = "TRIBUTARY_REST_BASIC_AUTH_SECRET")]
    pub basic_auth_secret: Option<String>,
    /// Secret whose entry values are accepted bearer tokens (authentication is required
    /// when set).
    #[arg(long, env = "TRIBUTARY_REST_BEARER_TOKEN_SECRET")]
    pub bearer_token_secret: Option<String>,
    /// PEM certificate chain: serve HTTPS (with `--tls-key`).
    #[arg(long, env = "TRIBUTARY_REST_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of `--tls-cert`.
    #[arg(long, env = "TRIBUTARY_REST_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
}

pub async fn run(args: RestArgs, log_reload: LogReloadHandle) -> anyhow::Result<ExitCode> {
    let config = worker_file::load(&args.worker_config, WorkerMode::Kubernetes).await?;
    let herder_config = herder_config(&args, &config);
    // Listing and validating Java connectors needs their plugins: the sidecar has its own
    // plugin host when plugin.path is set.
    let (registry, _plugin_host) = super::plugin_registry(&config).await?;
    // Booting: a missing kubeconfig or service account is fatal.
    let client = kube::Client::try_default()
        .await
        .context("cannot build a Kubernetes client (kubeconfig or in-cluster config)")?;
    let herder = Arc::new(KubernetesHerder::new(
        client.clone(),
        herder_config,
        Arc::new(registry),
    ));
    let shutdown = tokio_util::sync::CancellationToken::new();

    let loggers = Arc::new(Loggers::new(Some(log_reload), "INFO"));
    let mut api = routes::router_with_loggers(herder.clone() as Arc<dyn Herder>, loggers);
    let sources = SecretSources {
        namespace: args.namespace.clone(),
        basic_auth: args.basic_auth_secret.clone(),
        bearer_tokens: args.bearer_token_secret.clone(),
    };
    if sources.basic_auth.is_some() || sources.bearer_tokens.is_some() {
        let auth = sources
            .authenticator(client, shutdown.clone())
            .await
            .context("cannot load the REST credentials")?;
        api = auth.protect(api);
    }
    // The probes of the StatefulSet's `rest` container stay outside authentication.
    let app = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(|| async { "ok" }))
        .merge(api);

    tracing::info!(
        listen = %args.listen,
        namespace = %args.namespace,
        cluster = %args.cluster,
        tls = args.tls_cert.is_some(),
        "REST API starting"
    );
    let mut server = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => {
            let tls = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
                .await
                .with_context(|| {
                    format!(
                        "cannot load the TLS certificate {} and key {}",
                        cert.display(),
                        key.display()
                    )
                })?;
            let handle = axum_server::Handle::new();
            let server = axum_server::bind_rustls(args.listen, tls)
                .handle(handle.clone())
                .serve(app.into_make_service());
            let stop = shutdown.clone();
            tokio::spawn(async move {
                stop.cancelled().await;
                handle.graceful_shutdown(Some(Duration::from_secs(10)));
            });
            tokio::spawn(server)
        }
        _ => {
            let listener = tokio::net::TcpListener::bind(args.listen)
                .await
                .with_context(|| format!("cannot listen on {}", args.listen))?;
            let stop = shutdown.clone();
            tokio::spawn(async move {
                axum::serve(listener, app)
                    .with_graceful_shutdown(stop.cancelled_owned())
                    .await
            })
        }
    };
    // A server that fails on its own (TLS handshake setup, socket) ends the process too.
    let ended = tokio::select! {
        () = super::shutdown_signal() => None,
        joined = &mut server => Some(joined),
    };
    tracing::info!("stopping the REST API");
    shutdown.cancel();
    let joined = match ended {
        Some(joined) => joined,
        None => server.await,
    };
    let served = joined.context("REST server panicked")?;
    herder.stop().await;
    served.context("REST server failed")?;
    Ok(ExitCode::SUCCESS)
}

/// The herder's view of the cluster, from the arguments and the worker properties.
fn herder_config(args: &RestArgs, config: &WorkerConfig) -> KubernetesHerderConfig {
    let settings = WorkerSettings::from_config(args.pod_name.clone(), config);
    let offsets = KafkaOffsetStoreConfig::from_worker_config(config);
    KubernetesHerderConfig {
        namespace: args.namespace.clone(),
        cluster: args.cluster.clone(),
        worker_id: args.pod_name.clone(),
        bootstrap_servers: settings.bootstrap_servers,
        client_settings: config.admin_client_settings().into_iter().collect(),
        key_converter: settings.key_converter.class,
        value_converter: settings.value_converter.class,
        override_policy: settings.override_policy,
        offsets,
    }
}
