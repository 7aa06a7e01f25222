//! What both herders do alike (Apache's `AbstractHerder`): Apache's answers for unknown
//! connectors and tasks, the offsets precondition, the shape of task configs and
//! versions in status bodies, the restart plan, and the Kafka cluster id lookup. The
//! backends differ only in where connector configs and states live.

use std::time::Duration;

use super::entities::{ConnectorStateInfo, ConnectorTaskId, ServerInfo, TaskInfo};
use super::plugins::PluginCatalog;
use super::{HerderError, HerderResult};
use crate::connectors::{ConfigMap, Registry};
use crate::runtime::{State, TargetState};

/// `Connector x not found`: the 404 of most connector endpoints.
pub fn not_found(name: &str) -> HerderError {
    HerderError::NotFound(format!("Connector {name} not found"))
}

/// The 404 of `GET /connectors/x/status` for an unknown connector.
pub fn no_connector_status(name: &str) -> HerderError {
    HerderError::NotFound(format!("No status found for connector {name}"))
}

/// The 404 of `GET /connectors/x/tasks/n/status` for an unknown connector or task.
pub fn no_task_status(name: &str, task: i32) -> HerderError {
    HerderError::NotFound(format!("No status found for task {name}-{task}"))
}

/// Apache's answers to pause, resume and stop of an unknown connector differ by action:
/// stop is checked deeper in its herder.
pub fn unknown_connector_for_state(name: &str, state: TargetState) -> HerderError {
    match state {
        TargetState::Stopped => HerderError::Internal(format!("No connector `{name}` configured")),
        _ => HerderError::NotFound(format!("Unknown connector {name}")),
    }
}

/// Apache's answer to a restart of an unknown connector: the plain restart fails deeper,
/// with a 500 carrying the Java `NullPointerException` text.
pub fn unknown_connector_for_restart(
    name: &str,
    include_tasks: bool,
    only_failed: bool,
) -> HerderError {
    if !include_tasks && !only_failed {
        HerderError::Internal(
            "Cannot invoke \"java.util.Map.get(Object)\" because \"connProps\" is null".to_owned(),
        )
    } else {
        HerderError::NotFound(format!("Unknown connector: {name}"))
    }
}

/// What Apache's standalone herder answers for a task restart of an unknown connector.
pub fn unknown_connector_for_task_restart(name: &str, task: i32) -> HerderError {
    HerderError::Internal(format!(
        "Failed to start task {name}-{task} since it is not a recognizable type (source or sink)"
    ))
}

/// The 404 of a task restart for a task the connector does not have.
pub fn task_not_found(name: &str, task: i32) -> HerderError {
    HerderError::NotFound(format!("Task {name}-{task} not found"))
}

/// Offsets may only change while the connector is STOPPED with no tasks.
pub fn check_stopped(name: &str, target: TargetState, task_count: usize) -> HerderResult<()> {
    if target == TargetState::Stopped && task_count == 0 {
        Ok(())
    } else {
        Err(HerderError::BadRequest(format!(
            "Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/{name}/stop' endpoint"
        )))
    }
}

/// Apache's success message of an offsets alteration; `managed` is false when the
/// connector may also keep offsets outside Connect.
pub fn offsets_altered(managed: bool) -> String {
    if managed {
        "The offsets for this connector have been altered successfully".to_owned()
    } else {
        "The Connect framework-managed offsets for this connector have been altered successfully. However, if this connector manages offsets externally, they will need to be manually altered in the system that the connector uses.".to_owned()
    }
}

/// Apache's success message of an offsets reset (see [`offsets_altered`]).
pub fn offsets_reset(managed: bool) -> String {
    if managed {
        "The offsets for this connector have been reset successfully".to_owned()
    } else {
        "The Connect framework-managed offsets for this connector have been reset successfully. However, if this connector manages offsets externally, they will need to be manually reset in the system that the connector uses.".to_owned()
    }
}

/// The topics of a sink connector's `topics` list (for its consumer group's offsets).
pub fn sink_topics(config: &ConfigMap) -> Vec<String> {
    config
        .get("topics")
        .map(|t| {
            t.split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// Apache reports no version for a connector or task that is not running code.
pub fn version_in(catalog: &PluginCatalog<'_>, config: &ConfigMap, state: &str) -> Option<String> {
    match state {
        "FAILED" | "UNASSIGNED" => None,
        _ => catalog.plugin_version(config),
    }
}

/// The connector's task ids as `GET /connectors/x` lists them.
pub fn task_ids(name: &str, task_count: usize) -> Vec<ConnectorTaskId> {
    (0..task_count)
        .map(|task| ConnectorTaskId {
            connector: name.to_owned(),
            task: task as i32,
        })
        .collect()
}

/// `GET /connectors/x/tasks`: each task config with the `task.class` Apache's worker adds.
pub fn task_infos(
    registry: &Registry,
    name: &str,
    connector_class: Option<&str>,
    task_configs: &[ConfigMap],
) -> Vec<TaskInfo> {
    let class = connector_class
        .and_then(|c| registry.resolve(c).ok())
        .map(|p| p.class().to_owned());
    task_ids(name, task_configs.len())
        .into_iter()
        .zip(task_configs)
        .map(|(id, config)| TaskInfo {
            id,
            config: with_task_class(class.as_deref(), config),
        })
        .collect()
}

/// A task config as Apache shows it: with `task.class`, which Apache's worker adds. Our
/// plugins name their tasks by Apache's convention (`XConnector` runs `XTask`).
fn with_task_class(connector_class: Option<&str>, task_config: &ConfigMap) -> ConfigMap {
    let mut config = task_config.clone();
    if let Some(task_class) = connector_class.and_then(|c| {
        c.strip_suffix("Connector")
            .map(|base| format!("{base}Task"))
    }) {
        config.entry("task.class".to_owned()).or_insert(task_class);
    }
    config
}

/// Apache's restart plan: what will restart is decided from the states before the
/// restart, and reported as RESTARTING.
pub struct RestartPlan {
    /// The status body the restart answers with.
    pub status: ConnectorStateInfo,
    /// Whether the connector instance restarts.
    pub connector: bool,
    /// The tasks that restart.
    pub tasks: Vec<u32>,
}

impl RestartPlan {
    /// The plan for `status` (the connector's status before the restart).
    pub fn new(mut status: ConnectorStateInfo, include_tasks: bool, only_failed: bool) -> Self {
        let failed = State::Failed.as_str();
        let connector = !only_failed || status.connector.state == failed;
        if connector {
            status.connector.state = State::Restarting.to_string();
        }
        let mut tasks = Vec::new();
        for task in &mut status.tasks {
            if include_tasks && (!only_failed || task.state == failed) {
                task.state = State::Restarting.to_string();
                tasks.push(task.id as u32);
            }
        }
        RestartPlan {
            status,
            connector,
            tasks,
        }
    }
}

/// `GET /`: this build's version and commit, and the Kafka cluster id.
pub fn server_info(kafka_cluster_id: String) -> ServerInfo {
    ServerInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        commit: option_env!("TRIBUTARY_GIT_COMMIT")
            .unwrap_or("unknown")
            .to_owned(),
        kafka_cluster_id,
    }
}

/// Why the cluster id could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ClusterIdError {
    /// The worker's client settings cannot be used: retrying cannot help.
    #[error(transparent)]
    Config(#[from] crate::runtime::kafka::ClientConfigError),
    /// Kafka refused the login or the TLS handshake: retrying cannot help.
    #[error("{0}")]
    Security(String),
    /// No broker answered in time (down, or not yet up): worth retrying.
    #[error("cannot reach Kafka")]
    Unreachable,
}

impl ClusterIdError {
    /// Whether another attempt may succeed.
    pub fn is_retriable(&self) -> bool {
        matches!(self, ClusterIdError::Unreachable)
    }
}

/// The Kafka cluster id behind `bootstrap_servers` (one attempt, on a blocking thread).
/// `client_settings` are the worker's Java client settings (top-level and `admin.*`:
/// security), translated like every client's. A refused login or TLS handshake is
/// reported as such, not as "unreachable".
pub async fn kafka_cluster_id(
    bootstrap_servers: &str,
    client_settings: &[(String, String)],
) -> Result<String, ClusterIdError> {
    use crate::runtime::kafka::{ClientKind, SecurityFailures, client_config};
    use rdkafka::producer::{BaseProducer, Producer};

    let settings: std::collections::BTreeMap<String, String> =
        client_settings.iter().cloned().collect();
    let config = client_config(ClientKind::Admin, bootstrap_servers, [&settings])?;
    tokio::task::spawn_blocking(move || {
        // A producer, not a consumer: its error events reach the context with
        // librdkafka's reason text (a consumer's poll gives only the code).
        let producer: BaseProducer<SecurityFailures> = config
            .create_with_context(SecurityFailures::default())
            .map_err(|e| ClusterIdError::Security(e.to_string()))?;
        let metadata = producer
            .client()
            .fetch_metadata(None, Duration::from_secs(5));
        // Serve the error events queued while connecting.
        producer.poll(Duration::ZERO);
        if let Some(failure) = producer.context().failure() {
            return Err(ClusterIdError::Security(failure));
        }
        metadata.map_err(|_| ClusterIdError::Unreachable)?;
        producer
            .client()
            .fetch_cluster_id(Duration::from_secs(5))
            .ok_or(ClusterIdError::Unreachable)
    })
    .await
    .unwrap_or(Err(ClusterIdError::Unreachable))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_configs_show_the_task_class() {
        let shown = with_task_class(
            Some("org.apache.kafka.connect.file.FileStreamSourceConnector"),
            &crate::fixtures::string_map(&[("topic", "t")]),
        );
        assert_eq!(
            shown.get("task.class").map(String::as_str),
            Some("org.apache.kafka.connect.file.FileStreamSourceTask")
        );
    }

    #[test]
    fn sink_topics_are_trimmed_and_skip_empty_entries() {
        let config = crate::fixtures::string_map(&[("topics", " a, ,b ")]);
        assert_eq!(sink_topics(&config), ["a", "b"]);
    }
}
