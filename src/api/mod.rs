//! The custom resources: `KafkaConnect` (a worker cluster) and `KafkaConnector`.
//! These Rust types are the schema; `tributary crd` prints them and `crds/` holds the output.

mod connect;
mod connector;
pub mod distributed;
mod labels;
mod lease;
pub mod plugins;
pub mod security;

pub use connect::{KafkaConnect, KafkaConnectSpec, KafkaConnectStatus};
pub use connector::{
    ConnectorStatusInfo, KafkaConnector, KafkaConnectorSpec, KafkaConnectorStatus,
    RESTART_ANNOTATION, RESTART_TASK_ANNOTATION_PREFIX, RestartRequest, StateInfo, TaskStatus,
    restart_task_annotation,
};
pub use labels::{CLUSTER_LABEL, COMPONENT_LABEL, selector_labels, selector_string};
pub use lease::LeaseTiming;
pub use plugins::{JvmOptions, PluginVolume, Plugins, SystemProperty};
pub use security::{
    AuthenticationType, CertAndKeySecretSource, CertSecretSource, ClientTls, GenericSecretSource,
    KafkaClientAuthentication, PasswordSecretSource,
};

use kube::CustomResourceExt;

/// The API group of every Tributary resource.
pub const GROUP: &str = "tributary.dev";

/// All CRDs as one multi-document YAML stream, in a stable order.
pub fn crds_yaml() -> Result<String, serde_yaml_ng::Error> {
    let mut out = String::new();
    for crd in [KafkaConnect::crd(), KafkaConnector::crd()] {
        out.push_str("---\n");
        out.push_str(&serde_yaml_ng::to_string(&crd)?);
    }
    Ok(out)
}
