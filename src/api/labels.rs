//! The labels that tie objects to a `KafkaConnect` cluster, shared by the controller
//! (which puts them on the worker pods and selects by them) and the workers (which put
//! them on their membership Leases).

use std::collections::BTreeMap;

/// Label that binds a `KafkaConnector` to its `KafkaConnect` cluster, and marks a worker
/// pod and its Lease as members of that cluster.
pub const CLUSTER_LABEL: &str = "tributary.dev/cluster";

/// Label that marks a pod as a worker of a cluster (with [`CLUSTER_LABEL`]).
pub const COMPONENT_LABEL: &str = "app.kubernetes.io/component";

/// Labels on every worker pod and membership Lease, and the StatefulSet and Services'
/// selector.
pub fn selector_labels(cluster: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (CLUSTER_LABEL.to_string(), cluster.to_string()),
        (COMPONENT_LABEL.to_string(), "worker".to_string()),
    ])
}

/// The selector as a string, for the scale subresource (`status.selector`).
pub fn selector_string(cluster: &str) -> String {
    selector_labels(cluster)
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",")
}
