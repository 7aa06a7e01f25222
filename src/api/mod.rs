//! The custom resources: `KafkaConnect` (a worker cluster) and `KafkaConnector`.
//! These Rust types are the schema; `tributary crd` prints them and `crds/` holds the output.

mod connect;
mod connector;
pub mod distributed;

pub use connect::{KafkaConnect, KafkaConnectSpec, KafkaConnectStatus};
pub use connector::{
    ConnectorState, ConnectorStatusInfo, KafkaConnector, KafkaConnectorSpec, KafkaConnectorStatus,
    RESTART_ANNOTATION, RESTART_TASK_ANNOTATION_PREFIX, RestartRequest, StateInfo, TaskInfo,
    TaskStateInfo, restart_task_annotation,
};

use kube::CustomResourceExt;

/// The API group of every Tributary resource.
pub const GROUP: &str = "tributary.dev";

/// Label that binds a `KafkaConnector` to its `KafkaConnect` cluster.
pub const CLUSTER_LABEL: &str = "tributary.dev/cluster";

/// All CRDs as one multi-document YAML stream, in a stable order.
pub fn crds_yaml() -> crate::Result<String> {
    let mut out = String::new();
    for crd in [KafkaConnect::crd(), KafkaConnector::crd()] {
        out.push_str("---\n");
        out.push_str(&serde_yaml_ng::to_string(&crd)?);
    }
    Ok(out)
}
