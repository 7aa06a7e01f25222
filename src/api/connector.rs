//! `KafkaConnector`: one connector instance, bound to a `KafkaConnect` cluster by label,
//! and the one mapping between its spec and a Connect config (used by the REST sidecar to
//! show and write it and by the workers to run it).

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition;
use kube::{CustomResource, ResourceExt};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::connectors::ConfigMap;
use crate::runtime::TargetState;

/// A Kafka Connect connector. Bind it to a cluster with the label
/// `tributary.dev/cluster: <KafkaConnect name>`.
#[derive(CustomResource, Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[kube(
    group = "tributary.dev",
    version = "v1alpha1",
    kind = "KafkaConnector",
    namespaced,
    status = "KafkaConnectorStatus",
    shortname = "kctr",
    category = "tributary",
    printcolumn = r#"{"name":"Class","type":"string","jsonPath":".spec.class"}"#,
    printcolumn = r#"{"name":"State","type":"string","jsonPath":".status.connectorStatus.connector.state"}"#,
    printcolumn = r#"{"name":"Tasks","type":"string","description":"running/max","jsonPath":".status.tasksReady"}"#,
    printcolumn = r#"{"name":"Age","type":"date","jsonPath":".metadata.creationTimestamp"}"#
)]
#[serde(rename_all = "camelCase")]
pub struct KafkaConnectorSpec {
    /// The connector class (`connector.class`), a Java class name or its short form.
    #[schemars(length(min = 1))]
    pub class: String,

    /// Maximum number of tasks (`tasks.max`), at least 1; 1 when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub tasks_max: Option<i32>,

    /// The connector configuration, in Connect's keys. Values may hold config-provider
    /// placeholders such as `${secrets:ns/name:key}`; they are resolved at the worker.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub config: BTreeMap<String, String>,

    /// Desired state: `running` (default), `paused` (the instance and tasks stay assigned
    /// but process nothing) or `stopped` (the instance stays assigned, tasks shut down).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<TargetState>,

    /// Restart failed connectors and tasks automatically, with back-off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_restart: Option<bool>,
}

impl KafkaConnectorSpec {
    /// Writes a (validated) Connect config into the spec, leaving `state` and
    /// `autoRestart`: `connector.class` becomes `class`, `tasks.max` becomes `tasksMax`,
    /// `name` is dropped (it is the resource name), the rest is `config`. A `tasks.max`
    /// that does not read back the same as an integer (` 2`, `02`) also stays in
    /// `config`, so Connect's view shows it as given.
    pub fn apply_connect_config(&mut self, config: &ConfigMap) {
        let mut rest = config.clone();
        rest.remove("name");
        self.class = rest.remove("connector.class").unwrap_or_default();
        self.tasks_max = None;
        if let Some(text) = rest.get("tasks.max").cloned()
            && let Ok(n) = text.trim().parse::<i32>()
        {
            self.tasks_max = Some(n);
            if n.to_string() == text {
                rest.remove("tasks.max");
            }
        }
        self.config = rest;
    }
}

impl KafkaConnector {
    /// The Connect config this resource stands for: what the REST API shows and what
    /// the worker runs. `spec.config` with `connector.class` and `name` put back, and
    /// `tasks.max` from `spec.tasksMax`: the config's own `tasks.max` text is kept only
    /// when it reads as that number (so ` 02` round-trips), and without `tasksMax` the
    /// config's text (if any) stands, as Connect shows and passes what was submitted
    /// (the runtime's default is 1).
    pub fn connect_config(&self) -> ConfigMap {
        let spec = &self.spec;
        let mut config = spec.config.clone();
        config.insert("connector.class".to_owned(), spec.class.clone());
        if let Some(tasks_max) = spec.tasks_max {
            let given = config
                .get("tasks.max")
                .is_some_and(|text| text.trim().parse::<i32>() == Ok(tasks_max));
            if !given {
                config.insert("tasks.max".to_owned(), tasks_max.to_string());
            }
        }
        config.insert("name".to_owned(), self.name_any());
        config
    }

    /// The desired state (`spec.state`, running when unset).
    pub fn target_state(&self) -> TargetState {
        self.spec.state.unwrap_or_default()
    }

    /// The task configs the connector instance published (none before it did).
    pub fn task_configs(&self) -> &[ConfigMap] {
        self.status
            .as_ref()
            .map(|s| s.task_configs.as_slice())
            .unwrap_or_default()
    }
}

/// Observed state of a connector, with Connect's status shape in `connectorStatus`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct KafkaConnectorStatus {
    /// Standard conditions (`Ready`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,

    /// The `metadata.generation` this status describes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,

    /// The connector and task states as `GET /connectors/{name}/status` returns them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connector_status: Option<ConnectorStatusInfo>,

    /// Running tasks over `tasksMax`, for `kubectl get` (`1/1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tasks_ready: Option<String>,

    /// Worker (pod name) the controller assigned the connector instance to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connector_worker: Option<String>,

    /// Task id to worker id, as assigned by the controller.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub task_assignment: BTreeMap<String, String>,

    /// Task configs computed by the worker running the connector instance (one map per
    /// task, in task-id order); the controller assigns that many tasks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub task_configs: Vec<BTreeMap<String, String>>,

    /// The `metadata.generation` the `taskConfigs` were computed for; tasks start only
    /// from task configs of the current generation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_configs_generation: Option<i64>,

    /// Topics the connector has used (`GET /connectors/{name}/topics`). A set-type list:
    /// each worker applies the topics its own tasks used, and the API server keeps the
    /// union.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("x-kubernetes-list-type" = "set"))]
    pub topics: Vec<String>,
}

/// Connect's `ConnectorStateInfo`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
pub struct ConnectorStatusInfo {
    /// The connector name.
    #[serde(default)]
    #[schemars(transform = without_default)]
    pub name: String,
    /// State of the connector instance. Optional in the schema: each worker applies only
    /// its own entries, and a worker running tasks only must be able to write without it.
    #[serde(default)]
    #[schemars(transform = without_default)]
    pub connector: StateInfo,
    /// State of each task, by task id. A map-list keyed by `id`, so each worker owns its
    /// own entries under server-side apply.
    #[serde(default)]
    #[schemars(extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["id"]))]
    pub tasks: Vec<TaskStatus>,
    /// `source` or `sink`, once the connector class is known.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub connector_type: Option<String>,
}

/// State of a connector instance (`RUNNING`, `PAUSED`, `STOPPED`, `FAILED`, `UNASSIGNED`, `RESTARTING`).
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
pub struct StateInfo {
    /// `RUNNING`, `PAUSED`, `STOPPED`, `FAILED`, `UNASSIGNED` or `RESTARTING`.
    pub state: String,
    /// The worker (pod name) that runs the connector instance.
    pub worker_id: String,
    /// The failure's stack trace or message, when `state` is `FAILED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<String>,
}

/// State of one task.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
pub struct TaskStatus {
    /// The task id, from 0.
    pub id: i32,
    /// `RUNNING`, `PAUSED`, `FAILED`, `UNASSIGNED` or `RESTARTING`.
    pub state: String,
    /// The worker (pod name) that runs the task.
    pub worker_id: String,
    /// The failure's stack trace or message, when `state` is `FAILED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<String>,
}

/// Keeps a field optional without a schema `default`: the API server would otherwise fill
/// the default in, and a worker's partial status would grow fields nobody owns.
fn without_default(schema: &mut schemars::Schema) {
    schema.remove("default");
}

/// Annotation asking the workers to restart the connector (Connect's
/// `POST /connectors/{name}/restart`). Its value is a [`RestartRequest`] as JSON; a new
/// `id` is a new request. Workers act on a change of the value, not on its presence, so a
/// worker that starts later ignores the request it finds (its tasks start fresh anyway).
pub const RESTART_ANNOTATION: &str = "tributary.dev/restart";

/// Prefix of the annotation asking for one task's restart
/// (`POST /connectors/{name}/tasks/{id}/restart`): `tributary.dev/restart-task-<id>`, with a
/// request id as value.
pub const RESTART_TASK_ANNOTATION_PREFIX: &str = "tributary.dev/restart-task-";

/// The value of [`RESTART_ANNOTATION`].
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct RestartRequest {
    /// Unique per request (the REST sidecar uses a UUID or a timestamp).
    pub id: String,
    /// Restart the tasks too (`includeTasks`).
    #[serde(default)]
    pub include_tasks: bool,
    /// Restart only instances in FAILED state (`onlyFailed`).
    #[serde(default)]
    pub only_failed: bool,
}

/// The annotation key asking for task `task`'s restart.
pub fn restart_task_annotation(task: i32) -> String {
    format!("{RESTART_TASK_ANNOTATION_PREFIX}{task}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> ConfigMap {
        crate::fixtures::string_map(pairs)
    }

    fn resource(name: &str, spec: KafkaConnectorSpec) -> KafkaConnector {
        KafkaConnector::new(name, spec)
    }

    #[test]
    fn a_connect_config_round_trips_through_the_spec() {
        let original = config(&[
            ("name", "src"),
            ("connector.class", "FileStreamSource"),
            ("tasks.max", "2"),
            ("topic", "t"),
        ]);
        let mut spec = KafkaConnectorSpec::default();
        spec.apply_connect_config(&original);
        assert_eq!(spec.class, "FileStreamSource");
        assert_eq!(spec.tasks_max, Some(2));
        assert_eq!(spec.config, config(&[("topic", "t")]));
        assert_eq!(resource("src", spec).connect_config(), original);
    }

    #[test]
    fn a_config_without_tasks_max_shows_none() {
        let mut spec = KafkaConnectorSpec::default();
        spec.apply_connect_config(&config(&[
            ("connector.class", "FileStreamSink"),
            ("name", "x"),
        ]));
        assert_eq!(spec.tasks_max, None);
        assert!(
            !resource("x", spec)
                .connect_config()
                .contains_key("tasks.max")
        );
    }

    #[test]
    fn a_tasks_max_that_does_not_read_back_stays_in_the_config() {
        let mut spec = KafkaConnectorSpec::default();
        spec.apply_connect_config(&config(&[("tasks.max", " 02")]));
        assert_eq!(spec.tasks_max, Some(2));
        assert_eq!(
            spec.config.get("tasks.max").map(String::as_str),
            Some(" 02")
        );
        let shown = resource("x", spec).connect_config();
        assert_eq!(shown.get("tasks.max").map(String::as_str), Some(" 02"));
    }

    #[test]
    fn tasks_max_wins_over_a_config_text_that_disagrees() {
        // Only `kubectl` can write both; the typed field is what the controller counts.
        let spec = KafkaConnectorSpec {
            class: "FileStreamSink".into(),
            tasks_max: Some(3),
            config: config(&[("tasks.max", "5")]),
            ..KafkaConnectorSpec::default()
        };
        let shown = resource("x", spec).connect_config();
        assert_eq!(shown.get("tasks.max").map(String::as_str), Some("3"));
    }
}
