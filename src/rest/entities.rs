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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace: Option<String>,
}

/// The state of a task in a status body.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TaskStateInfo {
    pub id: i32,
    pub state: String,
    pub worker_id: String,
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

/// The body of `POST /connectors`.
#[derive(Clone, Debug, Deserialize)]
pub struct CreateConnectorRequest {
    pub name: Option<String>,
    pub config: Option<ConfigMap>,
    pub initial_state: Option<String>,
}
