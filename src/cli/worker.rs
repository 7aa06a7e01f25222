//! `tributary worker`: one worker pod of a `KafkaConnect` cluster. Only wiring: the pod's
//! identity and settings (arguments, with the environment the operator's StatefulSet sets
//! as fallback; `--help` lists both), the worker properties, the offset store, the runtime
//! worker, the health server (`/healthz`, `/readyz`, `/metrics`), and
//! [`crate::worker::run`] until SIGTERM/Ctrl-C.
//!
//! Source offsets live in the Kafka topic `offset.storage.topic` when the worker properties
//! name one (the operator's ConfigMap always does), so a source task that moves to another
//! worker resumes where it stopped. Without it they live in a file per worker, and a moved
//! source task starts from the new worker's file.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;

use crate::herder::base;
use crate::plugin_host::HostEvent;
use crate::runtime::config::providers::kubernetes::SecretsConfigProvider;
use crate::runtime::config::worker::WorkerMode;
use crate::runtime::config::worker_file;
use crate::runtime::storage::{
    FileOffsetBackingStore, KafkaOffsetBackingStore, KafkaOffsetStoreConfig, OffsetBackingStore,
};
use crate::runtime::{StatusStore, Worker, WorkerSettings};
use crate::worker::{self, Identity, Readiness, lease::LeaseTiming, metrics::WorkerMetrics};

/// Arguments of `tributary worker`.
#[derive(Debug, clap::Args)]
pub struct WorkerArgs {
    /// This worker's pod name: its worker id, Lease name and holder.
    #[arg(long, env = "POD_NAME")]
    pub pod_name: String,
    /// Namespace of the pod, its Lease and its cluster's connectors.
    #[arg(long, env = "POD_NAMESPACE", default_value = "default")]
    pub namespace: String,
    /// The `KafkaConnect` this worker belongs to.
    #[arg(long, env = "TRIBUTARY_CLUSTER")]
    pub cluster: String,
    /// The cluster's worker properties (the operator's ConfigMap).
    #[arg(
        long,
        env = "TRIBUTARY_WORKER_CONFIG",
        default_value = "/etc/tributary/worker.properties"
    )]
    pub worker_config: PathBuf,
    /// Address of `/healthz`, `/readyz` and `/metrics`.
    #[arg(long, env = "TRIBUTARY_WORKER_LISTEN", default_value = "0.0.0.0:8084")]
    pub listen: String,
    /// Where source offsets live when the worker properties name no
    /// `offset.storage.topic` nor `offset.storage.file.filename` (default
    /// `/tmp/tributary-<pod>.offsets`).
    #[arg(long, env = "TRIBUTARY_OFFSETS_FILE")]
    pub offsets_file: Option<PathBuf>,
}

pub async fn run(args: WorkerArgs) -> anyhow::Result<ExitCode> {
    let identity = Identity {
        pod: args.pod_name.clone(),
        namespace: args.namespace.clone(),
        cluster: args.cluster.clone(),
    };
    let properties_path = &args.worker_config;
    let listen = args.listen.clone();
    let config = worker_file::load(properties_path, WorkerMode::Kubernetes).await?;
    let mut settings = WorkerSettings::from_config(identity.pod.clone(), &config);
    // As standalone does at start-up: Kafka refusing the login or the TLS handshake (a
    // wrong password in a mounted Secret, an untrusted CA) stops the pod at once with the
    // cause in its log; otherwise the offsets topic's admin call would only time out after
    // 30 s, saying "timed out". An unreachable broker is left to the offset store.
    let client_settings: Vec<(String, String)> =
        config.admin_client_settings().into_iter().collect();
    if let Err(error) = base::kafka_cluster_id(&settings.bootstrap_servers, &client_settings).await
        && !error.is_retriable()
    {
        return Err(error).context("cannot connect to Kafka");
    }
    // `from_props*` logged the config's notices already.
    let offsets: Arc<dyn OffsetBackingStore> = if let Some(store_config) =
        KafkaOffsetStoreConfig::from_worker_config(&config)
    {
        tracing::info!(topic = %store_config.topic, "source offsets in Kafka");
        Arc::new(KafkaOffsetBackingStore::new(store_config))
    } else {
        let file = config
            .offset_storage_file_filename
            .clone()
            .or(args.offsets_file.clone())
            .unwrap_or_else(|| PathBuf::from(format!("/tmp/tributary-{}.offsets", identity.pod)));
        tracing::info!(file = %file.display(), "source offsets in a file of this worker");
        Arc::new(FileOffsetBackingStore::new(&file))
    };
    offsets
        .start()
        .await
        .context("cannot start the offset store")?;
    // Booting: a missing kubeconfig or service account is fatal.
    let client = kube::Client::try_default()
        .await
        .context("cannot build a Kubernetes client (kubeconfig or in-cluster config)")?;
    // `${secrets:<namespace>/<name>:<key>}` in connector configs: always available on a
    // Kubernetes worker, beside the providers the worker config declares; the operator's
    // Role grants `get` on exactly the Secrets the cluster's connectors reference.
    settings.config_providers = settings.config_providers.with(
        "secrets",
        Arc::new(SecretsConfigProvider::new(client.clone())),
    );
    // Java plugins from plugin.path run in the plugin host; kept alive with the worker.
    let (registry, plugin_host) = super::plugin_registry(&config).await?;
    let runtime = Arc::new(Worker::new(
        settings,
        Arc::new(registry),
        offsets.clone(),
        StatusStore::new(),
    ));

    if let Some(mut events) = plugin_host.as_ref().and_then(|host| host.take_events()) {
        let runtime = runtime.clone();
        tokio::spawn(async move {
            while let Some(event) = events.recv().await {
                match event {
                    HostEvent::ConnectorFailed { connector, trace } => {
                        runtime.fail_connector(&connector, trace);
                    }
                    // The controller owns task configs in Kubernetes mode; asking it again
                    // is not wired yet (docs/plugin-host.md): a restart of the connector
                    // (`kubectl annotate ... restart`) recomputes them.
                    HostEvent::ReconfigureTasks { connector } => tracing::warn!(
                        connector,
                        "a Java connector asked for its tasks to be reconfigured; in Kubernetes mode restart the connector to apply it"
                    ),
                }
            }
        });
    }
    let readiness = Readiness::default();
    let metrics = WorkerMetrics::new(runtime.status().clone());
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let shutdown = tokio_util::sync::CancellationToken::new();
    let server = tokio::spawn({
        let app = worker::http::router(readiness.clone(), metrics.clone());
        let shutdown = shutdown.clone();
        async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(shutdown.cancelled_owned())
                .await
        }
    });
    tracing::info!(%listen, pod = %identity.pod, cluster = %identity.cluster, "worker starting");
    let worker = tokio::spawn(worker::run(
        identity,
        client,
        runtime,
        LeaseTiming::membership(),
        readiness,
        metrics,
        shutdown.clone(),
    ));
    super::shutdown_signal().await;
    tracing::info!("stopping: stopping tasks, releasing status and lease");
    shutdown.cancel();
    let outcome = worker.await.context("worker loop panicked")?;
    offsets
        .stop()
        .await
        .context("cannot flush the offset store")?;
    let _ = server.await;
    outcome.context("worker stopped")?;
    Ok(ExitCode::SUCCESS)
}
