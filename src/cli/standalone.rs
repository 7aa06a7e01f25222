//! `tributary standalone WORKER.properties [CONNECTOR...]`: Apache's `connect-standalone`.
//! Only wiring: the worker config, the offsets file, the worker, the standalone herder,
//! the connectors from files, and the REST server, until Ctrl-C or SIGTERM.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};

use crate::herder::Herder;
use crate::herder::base::{self, ClusterIdError};
use crate::herder::standalone::StandaloneHerder;
use crate::plugin_host::HostEvent;
use crate::rest::loggers::Loggers;
use crate::rest::routes;
use crate::runtime::config::file as connector_file;
use crate::runtime::config::worker::{WorkerConfig, WorkerMode};
use crate::runtime::config::worker_file;
use crate::runtime::storage::{FileOffsetBackingStore, OffsetBackingStore};
use crate::runtime::{StatusStore, Worker, WorkerSettings};
use crate::telemetry::LogReloadHandle;

pub async fn run(
    worker_properties: &Path,
    connector_files: &[PathBuf],
    log_reload: LogReloadHandle,
) -> anyhow::Result<ExitCode> {
    let config = worker_file::load(worker_properties, WorkerMode::Standalone).await?;
    // `from_props*` logged the config's notices already.
    // Connector files are read before anything starts, so a typo fails fast.
    let mut connectors = Vec::new();
    for path in connector_files {
        let file = connector_file::load_connector_file(path)
            .with_context(|| format!("invalid connector config {}", path.display()))?;
        let initial_state = file.initial_state;
        connectors.push((
            path,
            file.name,
            file.config.into_iter().collect(),
            initial_state,
        ));
    }

    let listener = rest_listener(&config)?;
    let worker_id = advertised_worker_id(&config, &listener);
    let bootstrap = config.bootstrap_servers.join(",");
    let kafka_cluster_id = wait_for_kafka(&bootstrap, &config)
        .await
        .with_context(|| format!("cannot connect to Kafka at {bootstrap}"))?;

    // Standalone parsing requires the file: this is always set.
    let offsets_file = config
        .offset_storage_file_filename
        .clone()
        .context("offset.storage.file.filename is required")?;
    let offsets = Arc::new(FileOffsetBackingStore::new(&offsets_file));
    offsets
        .start()
        .await
        .with_context(|| format!("cannot load offsets from {}", offsets_file.display()))?;
    let settings = WorkerSettings::from_config(worker_id.clone(), &config);
    // Java plugins from plugin.path run in the plugin host; kept alive with the worker.
    let (registry, plugin_host) = super::plugin_registry(&config).await?;
    let worker = Arc::new(Worker::new(
        settings,
        Arc::new(registry),
        offsets.clone(),
        StatusStore::new(),
    ));
    let herder = Arc::new(StandaloneHerder::new(
        worker,
        base::server_info(kafka_cluster_id),
    ));
    if let Some(events) = plugin_host.as_ref().and_then(|host| host.take_events()) {
        tokio::spawn(act_on_plugin_events(herder.clone(), events));
    }

    let tcp = tokio::net::TcpListener::bind(&listener)
        .await
        .with_context(|| format!("cannot listen on {listener} for the REST API"))?;
    tracing::info!(%listener, worker_id, "REST server listening");
    let shutdown = tokio_util::sync::CancellationToken::new();
    let server = {
        let loggers = Arc::new(Loggers::new(Some(log_reload), "INFO"));
        let app = routes::router_with_loggers(herder.clone() as Arc<dyn Herder>, loggers);
        let shutdown = shutdown.clone();
        tokio::spawn(async move {
            axum::serve(tcp, app)
                .with_graceful_shutdown(shutdown.cancelled_owned())
                .await
        })
    };

    for (path, name, connector_config, initial_state) in connectors {
        if let Err(e) = herder
            .put_connector_config(&name, connector_config, false, initial_state)
            .await
        {
            herder.stop().await;
            bail!(
                "failed to create connector {name} from {}: {e}",
                path.display()
            );
        }
        tracing::info!(connector = name, "created connector");
    }

    super::shutdown_signal().await;
    tracing::info!("stopping: flushing offsets and stopping tasks");
    shutdown.cancel();
    herder.stop().await;
    offsets
        .stop()
        .await
        .context("cannot write the offsets file")?;
    let _ = server.await;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// What Java connectors ask of the runtime through their `ConnectorContext`.
async fn act_on_plugin_events(
    herder: Arc<StandaloneHerder>,
    mut events: tokio::sync::mpsc::UnboundedReceiver<HostEvent>,
) {
    while let Some(event) = events.recv().await {
        match event {
            HostEvent::ConnectorFailed { connector, trace } => {
                herder.worker().fail_connector(&connector, trace);
            }
            HostEvent::ReconfigureTasks { connector } => herder.reconfigure_tasks(&connector).await,
        }
    }
}

/// `host:port` to bind: the first `listeners` entry (`http://:8083` binds every address).
fn rest_listener(config: &WorkerConfig) -> anyhow::Result<String> {
    let first = config
        .listeners
        .first()
        .context("listeners is empty: nothing to serve the REST API on")?;
    let Some(rest) = first.strip_prefix("http://") else {
        bail!("unsupported listener {first}: only http:// listeners are supported");
    };
    let (host, port) = rest
        .rsplit_once(':')
        .with_context(|| format!("listener {first} has no port"))?;
    let host = if host.is_empty() { "0.0.0.0" } else { host };
    Ok(format!("{host}:{port}"))
}

/// Apache's standalone worker id: the advertised `host:port` of the REST server.
fn advertised_worker_id(config: &WorkerConfig, listener: &str) -> String {
    let (bind_host, bind_port) = listener.rsplit_once(':').unwrap_or((listener, "8083"));
    let host = config.rest_advertised_host_name.clone().unwrap_or_else(|| {
        if bind_host == "0.0.0.0" {
            std::fs::read_to_string("/proc/sys/kernel/hostname")
                .map(|h| h.trim().to_owned())
                .unwrap_or_else(|_| "localhost".into())
        } else {
            bind_host.to_owned()
        }
    });
    let port = config
        .rest_advertised_port
        .map(|p| p.to_string())
        .unwrap_or_else(|| bind_port.to_owned());
    format!("{host}:{port}")
}

/// Looks up the Kafka cluster id, retrying while the broker is unreachable (Apache's
/// worker cannot start without it either), with a log line every attempt. A refused
/// login or TLS handshake, or unusable client settings, end start-up at once: retrying
/// cannot fix them.
async fn wait_for_kafka(bootstrap: &str, config: &WorkerConfig) -> Result<String, ClusterIdError> {
    let client_settings: Vec<(String, String)> =
        config.admin_client_settings().into_iter().collect();
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        match base::kafka_cluster_id(bootstrap, &client_settings).await {
            Ok(id) => {
                tracing::info!(kafka_cluster_id = id, "connected to Kafka");
                return Ok(id);
            }
            Err(e) if !e.is_retriable() => return Err(e),
            Err(_) => {
                tracing::warn!(
                    bootstrap,
                    attempt,
                    "cannot reach Kafka at bootstrap.servers; retrying (no connector starts until it answers)"
                );
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
        }
    }
}
