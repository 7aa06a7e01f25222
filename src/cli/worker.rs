//! `tributary worker`: one worker pod of a `KafkaConnect` cluster. Only wiring: identity
//! from the environment, the worker properties, the offset store, the runtime worker, the
//! health server (`/healthz`, `/readyz`, `/metrics`), and [`crate::worker::run`] until
//! SIGTERM/Ctrl-C.
//!
//! Environment (the StatefulSet sets it): `POD_NAME`, `POD_NAMESPACE`, `TRIBUTARY_CLUSTER`,
//! `TRIBUTARY_WORKER_CONFIG` (default `/etc/tributary/worker.properties`),
//! `TRIBUTARY_WORKER_LISTEN` (health server, default `0.0.0.0:8084`) and
//! `TRIBUTARY_OFFSETS_FILE` (source offsets, default `/tmp/tributary-<pod>.offsets`).
//!
//! Source offsets live in the Kafka topic `offset.storage.topic` when the worker properties
//! name one (the operator's ConfigMap always does), so a source task that moves to another
//! worker resumes where it stopped. Without it they live in a file per worker, and a moved
//! source task starts from the new worker's file.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;

use crate::connectors::Registry;
use crate::java::properties;
use crate::runtime::config::providers::kubernetes::SecretsConfigProvider;
use crate::runtime::config::worker::WorkerConfig;
use crate::runtime::storage::{
    FileOffsetBackingStore, KafkaOffsetBackingStore, KafkaOffsetStoreConfig, OFFSET_STORAGE_TOPIC,
    OffsetBackingStore,
};
use crate::runtime::{StatusStore, Worker, WorkerSettings};
use crate::worker::{self, Identity, Readiness, lease::LeaseTiming, metrics::WorkerMetrics};

pub async fn run() -> anyhow::Result<ExitCode> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let required = |name: &str| env(name).with_context(|| format!("{name} is not set"));
    let identity = Identity {
        pod: required("POD_NAME")?,
        namespace: env("POD_NAMESPACE").unwrap_or_else(|| "default".into()),
        cluster: required("TRIBUTARY_CLUSTER")?,
    };
    let properties_path = PathBuf::from(
        env("TRIBUTARY_WORKER_CONFIG").unwrap_or_else(|| "/etc/tributary/worker.properties".into()),
    );
    let listen = env("TRIBUTARY_WORKER_LISTEN").unwrap_or_else(|| "0.0.0.0:8084".into());
    let offsets_file = PathBuf::from(
        env("TRIBUTARY_OFFSETS_FILE")
            .unwrap_or_else(|| format!("/tmp/tributary-{}.offsets", identity.pod)),
    );

    let mut props = properties::load_file(&properties_path)
        .with_context(|| format!("cannot read worker config {}", properties_path.display()))?;
    // The worker config table is standalone's, which requires the offsets file; in a
    // cluster the file comes from the environment (until offsets live in a Kafka topic).
    props
        .entry("offset.storage.file.filename".into())
        .or_insert_with(|| offsets_file.display().to_string());
    // The Kafka offset store reads its own `offset.storage.*` keys; the worker table
    // (standalone's) would warn about them as unknown.
    let mut worker_props = props.clone();
    worker_props.retain(|key, _| {
        !key.starts_with("offset.storage.") || key == "offset.storage.file.filename"
    });
    let config = WorkerConfig::from_props(&worker_props)
        .with_context(|| format!("invalid worker config {}", properties_path.display()))?;
    for notice in &config.notices {
        tracing::warn!("{notice}");
    }
    let offsets: Arc<dyn OffsetBackingStore> = if props.contains_key(OFFSET_STORAGE_TOPIC) {
        let plain: BTreeMap<String, String> = props.clone().into_iter().collect();
        let store_config = KafkaOffsetStoreConfig::from_worker_properties(&plain)
            .with_context(|| format!("invalid worker config {}", properties_path.display()))?;
        tracing::info!(topic = %store_config.topic, "source offsets in Kafka");
        Arc::new(KafkaOffsetBackingStore::new(store_config))
    } else {
        let file = config.offset_storage_file_filename.clone();
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
    let mut settings = WorkerSettings::from_config(identity.pod.clone(), &config);
    // `${secrets:<namespace>/<name>:<key>}` in connector configs: always available on a
    // Kubernetes worker, beside the providers the worker config declares; the operator's
    // Role grants `get` on exactly the Secrets the cluster's connectors reference.
    settings.config_providers = settings.config_providers.with(
        "secrets",
        Arc::new(SecretsConfigProvider::new(client.clone())),
    );
    let runtime = Arc::new(Worker::new(
        settings,
        Arc::new(Registry::builtin()),
        offsets.clone(),
        StatusStore::new(),
    ));

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
