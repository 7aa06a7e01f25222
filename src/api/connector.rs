//! `KafkaConnector`: one connector instance, bound to a `KafkaConnect` cluster by label.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition;
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

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
    pub state: Option<ConnectorState>,

    /// Restart failed connectors and tasks automatically, with back-off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_restart: Option<bool>,
}

/// Desired lifecycle state of a connector.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ConnectorState {
    // Variant doc comments would turn the schema into `oneOf` and hide the field's
    // description in `kubectl explain`; the meanings are on `KafkaConnectorSpec::state`.
    #[default]
    Running,
    Paused,
    Stopped,
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
    pub tasks: Vec<TaskStateInfo>,
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
pub struct TaskStateInfo {
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

/// Connect's `ConnectorTaskId`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
pub struct TaskInfo {
    /// The connector name.
    pub connector: String,
    /// The task id, from 0.
    pub task: i32,
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
