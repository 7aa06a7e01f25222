//! The JSON bodies only the HTTP layer uses (Apache's `rest/entities`): error answers,
//! the create request, `?expand=`, topics, messages and logger levels. What herder calls
//! take and return is in `herder::entities`.

use serde::{Deserialize, Serialize};

use crate::connectors::ConfigMap;
use crate::herder::entities::{ConnectorInfo, ConnectorStateInfo};

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
