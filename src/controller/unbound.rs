//! `KafkaConnector`s that no cluster reconciles: without the `tributary.dev/cluster` label,
//! or naming a `KafkaConnect` that does not exist (never created, or deleted). The
//! per-cluster assignment never sees them, so this reconciler gives them a status: `Ready`
//! False with reason `ClusterNotFound`, no placement (which also stops any worker still
//! running them), and a Warning Event when that becomes the case.
//!
//! A connector whose cluster exists is left alone here; the cluster's assignment round
//! owns its status. Both write the same fields under the same field manager, so whichever
//! applies last defines the controller's part, and only one of them writes for a given
//! connector at a time.

use std::sync::Arc;
use std::time::Duration;

use kube::api::{Api, Patch, PatchParams};
use kube::runtime::controller::Action;
use kube::runtime::events::{Event, EventType};
use kube::{Resource, ResourceExt};

use super::readiness::{ControllerStatus, Reason};
use super::{Context, Error, FIELD_MANAGER, Result};
use crate::api::{CLUSTER_LABEL, KafkaConnect, KafkaConnector};

const KIND: &str = "KafkaConnector";

/// A missing cluster may be created later without touching the connector; its creation
/// wakes the connector through the watch, and this is the fallback.
const RECHECK: Duration = Duration::from_secs(60);

/// Writes `ClusterNotFound` on a connector whose cluster is missing.
pub async fn reconcile(connector: Arc<KafkaConnector>, ctx: Arc<Context>) -> Result<Action> {
    let namespace = connector
        .namespace()
        .ok_or(Error::MissingField("metadata.namespace"))?;
    let message = match connector.labels().get(CLUSTER_LABEL) {
        None => format!(
            "no {CLUSTER_LABEL} label: bind the connector to a KafkaConnect with that label"
        ),
        Some(cluster) => {
            let connects: Api<KafkaConnect> = Api::namespaced(ctx.client.clone(), &namespace);
            if connects.get_opt(cluster).await?.is_some() {
                return Ok(Action::await_change());
            }
            format!("KafkaConnect {cluster} not found in namespace {namespace}")
        }
    };
    // Timed only when there is something to do: the common case above is one GET.
    let _timer = ctx.metrics.reconcile_started("UnboundKafkaConnector");
    let status = ControllerStatus::unbound(&connector, message.clone());
    let previous = ControllerStatus::current(&connector);
    if status == previous {
        return Ok(Action::requeue(RECHECK));
    }
    let api: Api<KafkaConnector> = Api::namespaced(ctx.client.clone(), &namespace);
    api.patch_status(
        &connector.name_any(),
        &PatchParams::apply(FIELD_MANAGER).force(),
        &Patch::Apply(&status.to_patch()),
    )
    .await?;
    if previous.reason() != Some(Reason::ClusterNotFound.as_str()) {
        tracing::warn!(connector = %connector.name_any(), %message, "connector has no cluster");
        let event = Event {
            type_: EventType::Warning,
            reason: Reason::ClusterNotFound.as_str().into(),
            note: Some(message),
            action: "Unassign".into(),
            secondary: None,
        };
        if let Err(error) = ctx
            .recorder
            .publish(&event, &connector.object_ref(&()))
            .await
        {
            tracing::warn!(%error, "cannot publish event");
        }
    }
    Ok(Action::requeue(RECHECK))
}

/// Logs and counts a failure, then retries after a pause.
pub fn error_policy(connector: Arc<KafkaConnector>, error: &Error, ctx: Arc<Context>) -> Action {
    tracing::warn!(connector = %connector.name_any(), %error, "unbound connector check failed");
    ctx.metrics.reconcile_failed(KIND, error);
    Action::requeue(Duration::from_secs(15))
}
