//! What herder calls take and return: the JSON bodies of the Connect REST API, with
//! Apache's field names and order (`rest/entities` in Apache Connect). The bodies only
//! HTTP uses (errors, create requests, expansions) are in `rest::entities`.

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

/// The plugin-config and validate bodies are the config table's own wire types.
pub use crate::config::{
    ConfigInfo as ValidatedConfig, ConfigInfos as ValidationInfos, ConfigKeyInfo as PluginConfigKey,
};

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
