//! The JSON bodies of the Connect REST API, with Apache's field names and order
//! (`rest/entities` in Apache Connect).

use serde::{Deserialize, Serialize};

use crate::connectors::ConfigMap;

/// `GET /`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ServerInfo {
    pub version: String,
    pub commit: String,
    pub kafka_cluster_id: String,
}

/// A task id as the API shows it: `{"connector":"x","task":0}`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ConnectorTaskId {
    pub connector: String,
    pub task: i32,
}

/// `GET /connectors/{name}` and the body of a create.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ConnectorInfo {
    pub name: String,
    pub config: ConfigMap,
    pub tasks: Vec<ConnectorTaskId>,
    #[serde(rename = "type")]
    pub connector_type: Option<String>,
}

/// One entry of `GET /connectors/{name}/tasks`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TaskInfo {
    pub id: ConnectorTaskId,
    pub config: ConfigMap,
}

/// The state of a connector instance in a status body.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ConnectorState {
    pub state: String,
    pub worker_id: String,
    /// The connector plugin's version (Apache 4.x); null when unknown.
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace: Option<String>,
}

/// The state of a task in a status body.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TaskStateInfo {
    pub id: i32,
    pub state: String,
    pub worker_id: String,
    /// The task's version (Apache 4.x); null when the task is not running.
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace: Option<String>,
}

/// `GET /connectors/{name}/status`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ConnectorStateInfo {
    pub name: String,
    pub connector: ConnectorState,
    pub tasks: Vec<TaskStateInfo>,
    #[serde(rename = "type")]
    pub connector_type: Option<String>,
}

/// Connect's error body: `{"error_code":404,"message":"..."}`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ErrorMessage {
    pub error_code: u16,
    pub message: String,
}

/// The body of `POST /connectors`. Unknown fields are refused, as Jackson refuses them
/// in Apache.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateConnectorRequest {
    pub name: Option<String>,
    pub config: Option<ConfigMap>,
    pub initial_state: Option<String>,
}

/// One connector of `GET /connectors?expand=...`: only the parts asked for.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct ConnectorExpansion {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub info: Option<ConnectorInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<ConnectorStateInfo>,
}

/// `GET /connectors/{name}/topics`: `{"<name>":{"topics":[...]}}`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct ActiveTopics {
    pub topics: Vec<String>,
}

/// One partition and its offset in `GET|PATCH /connectors/{name}/offsets`. A `null`
/// offset in a PATCH resets that partition.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ConnectorOffset {
    pub partition: serde_json::Map<String, serde_json::Value>,
    pub offset: Option<serde_json::Map<String, serde_json::Value>>,
}

/// The body of `GET /connectors/{name}/offsets` and of its PATCH.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct ConnectorOffsets {
    pub offsets: Option<Vec<ConnectorOffset>>,
}

/// A plain `{"message": ...}` answer (offset changes).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Message {
    pub message: String,
}

/// `GET /admin/loggers/{name}`: `{"level":"INFO","last_modified":null}`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct LoggerLevel {
    pub level: String,
    pub last_modified: Option<i64>,
}

/// One key's definition in `GET /connector-plugins/{plugin}/config`. Unlike the
/// validate answer, Apache names the position `order_in_group` here.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PluginConfigKey {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: String,
    pub required: bool,
    pub default_value: Option<String>,
    pub importance: String,
    pub documentation: String,
    pub group: Option<String>,
    pub order_in_group: i32,
    pub width: String,
    pub display_name: String,
    pub dependents: Vec<String>,
}

impl From<crate::runtime::config::def::ConfigKeyInfo> for PluginConfigKey {
    fn from(key: crate::runtime::config::def::ConfigKeyInfo) -> Self {
        PluginConfigKey {
            name: key.name,
            ty: key.ty,
            required: key.required,
            default_value: key.default_value,
            importance: key.importance,
            documentation: key.documentation,
            group: key.group,
            order_in_group: key.order_in_group,
            width: key.width,
            display_name: key.display_name,
            dependents: key.dependents,
        }
    }
}

/// One key of a validate answer: its definition (null for keys no table defines) and
/// its validated value.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ValidatedConfig {
    pub definition: Option<PluginConfigKey>,
    pub value: crate::runtime::config::def::ConfigValueInfo,
}

/// `PUT /connector-plugins/{plugin}/config/validate` (Apache's `ConfigInfos`, with the
/// field names Apache 4.x writes).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ValidationInfos {
    pub name: String,
    pub error_count: usize,
    pub groups: Vec<String>,
    pub configs: Vec<ValidatedConfig>,
}

/// One entry of `GET /connector-plugins`: `{"class":...,"type":"source","version":...}`;
/// the type is also `converter`, `transformation`... with `connectorsOnly=false`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PluginEntry {
    pub class: String,
    #[serde(rename = "type")]
    pub plugin_type: String,
    pub version: String,
}

impl From<crate::connectors::PluginInfo> for PluginEntry {
    fn from(plugin: crate::connectors::PluginInfo) -> Self {
        PluginEntry {
            class: plugin.class,
            plugin_type: plugin.kind.as_str().to_owned(),
            version: plugin.version,
        }
    }
}
