//! Reconciler of `KafkaConnect`: applies the worker resources (see [`super::resources`])
//! with server-side apply, reports status, and on deletion removes the children itself.
//!
//! Why a finalizer and explicit deletes when every child has an owner reference: the owner
//! references let a normal cluster's garbage collector clean up, but the deletion must not
//! depend on that collector running (the lab has none; some stripped-down control planes
//! neither), and the operator knows exactly which objects it made.

use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::{ConfigMap, Service, ServiceAccount};
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use k8s_openapi::jiff::Timestamp;
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams};
use kube::runtime::controller::Action;
use kube::runtime::events::{Event, EventType};
use kube::runtime::finalizer::{self, Event as Finalizer};
use kube::{Resource, ResourceExt};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use super::resources::{self, ChildNames};
use super::security;
use super::{Context, Error, FIELD_MANAGER, Result};
use crate::api::{CLUSTER_LABEL, KafkaConnect, KafkaConnectStatus, KafkaConnector};

/// Finalizer that makes the operator delete a cluster's children before it goes.
pub const FINALIZER: &str = "tributary.dev/cleanup";

const KIND: &str = "KafkaConnect";

/// How often a healthy cluster is looked at again (worker leases expire without events).
const RESYNC: Duration = Duration::from_secs(30);

/// Entry point for the controller: times the reconcile and routes through the finalizer.
pub async fn reconcile(connect: Arc<KafkaConnect>, ctx: Arc<Context>) -> Result<Action> {
    let _timer = ctx.metrics.reconcile_started(KIND);
    let namespace = connect
        .namespace()
        .ok_or(Error::MissingField("metadata.namespace"))?;
    let api: Api<KafkaConnect> = Api::namespaced(ctx.client.clone(), &namespace);
    finalizer::finalizer(&api, FINALIZER, connect, |event| async {
        match event {
            Finalizer::Apply(connect) => connect.reconcile(&ctx).await,
            Finalizer::Cleanup(connect) => connect.cleanup(&ctx).await,
        }
    })
    .await
    .map_err(|error| Error::Finalizer(Box::new(error)))
}

/// Logs and counts a failure, then retries after a pause.
pub fn error_policy(connect: Arc<KafkaConnect>, error: &Error, ctx: Arc<Context>) -> Action {
    tracing::warn!(name = %connect.name_any(), namespace = ?connect.namespace(), %error, "reconcile failed");
    ctx.metrics.reconcile_failed(KIND, error);
    Action::requeue(Duration::from_secs(15))
}

impl KafkaConnect {
    /// Applies every child, then writes the status.
    async fn reconcile(&self, ctx: &Context) -> Result<Action> {
        let name = self.name_any();
        let namespace = self
            .namespace()
            .ok_or(Error::MissingField("metadata.namespace"))?;
        let connectors: Api<KafkaConnector> = Api::namespaced(ctx.client.clone(), &namespace);
        let bound = connectors
            .list(&ListParams::default().labels(&format!("{CLUSTER_LABEL}={name}")))
            .await?
            .items;
        // A spec whose security or plugin settings cannot be written is the user's to fix: it is
        // reported in the status (and an event) and looked at again, not retried as a
        // failure; the children stay as they were, so running workers keep running.
        let built = security::read_secret_keys(&ctx.client, &namespace, &self.spec)
            .await
            .and_then(|keys| resources::build(self, &bound, &ctx.images, &keys));
        let children = match built {
            Ok(children) => children,
            Err(Error::Security(error)) => {
                return self.refuse(ctx, error.reason(), error.to_string()).await;
            }
            Err(Error::Plugins(error)) => {
                return self.refuse(ctx, error.reason(), error.to_string()).await;
            }
            Err(error) => return Err(error),
        };
        let client = &ctx.client;
        apply(client, &namespace, &children.config_map).await?;
        apply(client, &namespace, &children.service_account).await?;
        apply(client, &namespace, &children.role).await?;
        apply(client, &namespace, &children.role_binding).await?;
        apply(client, &namespace, &children.headless_service).await?;
        apply(client, &namespace, &children.rest_service).await?;
        apply(client, &namespace, &children.stateful_set).await?;

        let workers = live_workers(client, &namespace, &name).await?;
        let generation = self.metadata.generation;
        let previous = self.status.clone().unwrap_or_default();
        if previous.observed_generation != generation {
            self.publish(
                ctx,
                EventType::Normal,
                "Applied",
                format!(
                    "applied ConfigMap, Services, RBAC and StatefulSet {}-worker with {} replicas",
                    name, self.spec.replicas
                ),
            )
            .await;
        }
        let ready = ready_condition(
            &previous.conditions,
            generation,
            "True",
            "WorkersApplied",
            format!(
                "worker resources applied; {} of {} workers live",
                workers.len(),
                self.spec.replicas
            ),
        );
        self.write_status(ctx, ready, workers).await?;
        Ok(Action::requeue(RESYNC))
    }

    /// Reports a spec whose security or plugin settings cannot be applied: `Ready` False
    /// with the reason and message (they name fields, Secrets and keys, never a value),
    /// and a Warning event when that message is new.
    async fn refuse(&self, ctx: &Context, reason: &'static str, message: String) -> Result<Action> {
        let namespace = self
            .namespace()
            .ok_or(Error::MissingField("metadata.namespace"))?;
        let previous = self.status.clone().unwrap_or_default();
        let repeated = previous
            .conditions
            .iter()
            .any(|c| c.type_ == "Ready" && c.status == "False" && c.message == message);
        if !repeated {
            self.publish(ctx, EventType::Warning, reason, message.clone())
                .await;
        }
        let ready = ready_condition(
            &previous.conditions,
            self.metadata.generation,
            "False",
            reason,
            message,
        );
        let workers = live_workers(&ctx.client, &namespace, &self.name_any()).await?;
        self.write_status(ctx, ready, workers).await?;
        // A Secret may appear or gain the key later; look again as a healthy cluster would.
        Ok(Action::requeue(RESYNC))
    }

    /// Applies the status: `ready`, the live `workers`, the scale selector.
    async fn write_status(
        &self,
        ctx: &Context,
        ready: Condition,
        workers: Vec<String>,
    ) -> Result<()> {
        let name = self.name_any();
        let namespace = self
            .namespace()
            .ok_or(Error::MissingField("metadata.namespace"))?;
        let status = KafkaConnectStatus {
            conditions: vec![ready],
            observed_generation: self.metadata.generation,
            replicas: Some(workers.len() as i32),
            workers,
            selector: Some(resources::selector_string(&name)),
        };
        let api: Api<KafkaConnect> = Api::namespaced(ctx.client.clone(), &namespace);
        let patch = json!({
            "apiVersion": KafkaConnect::api_version(&()),
            "kind": KafkaConnect::kind(&()),
            "status": status,
        });
        api.patch_status(
            &name,
            &PatchParams::apply(FIELD_MANAGER).force(),
            &Patch::Apply(patch),
        )
        .await?;
        Ok(())
    }

    /// Deletes the children (they also carry owner references for a garbage collector).
    async fn cleanup(&self, ctx: &Context) -> Result<Action> {
        let namespace = self
            .namespace()
            .ok_or(Error::MissingField("metadata.namespace"))?;
        let names = ChildNames::of(&self.name_any());
        self.publish(
            ctx,
            EventType::Normal,
            "Deleting",
            format!("deleting the worker resources of {}", self.name_any()),
        )
        .await;
        let client = &ctx.client;
        delete::<StatefulSet>(client, &namespace, &names.workers).await?;
        delete::<Service>(client, &namespace, &names.rest_service).await?;
        delete::<Service>(client, &namespace, &names.headless_service).await?;
        delete::<RoleBinding>(client, &namespace, &names.workers).await?;
        delete::<Role>(client, &namespace, &names.workers).await?;
        delete::<ServiceAccount>(client, &namespace, &names.workers).await?;
        delete::<ConfigMap>(client, &namespace, &names.config_map).await?;
        if let Ok(mut targets) = ctx.move_targets.lock() {
            targets.remove(&format!("{namespace}/{}", self.name_any()));
        }
        Ok(Action::await_change())
    }

    /// Events are best effort: a failure to publish one is logged, never fails a reconcile.
    async fn publish(&self, ctx: &Context, type_: EventType, reason: &str, note: String) {
        let event = Event {
            type_,
            reason: reason.into(),
            note: Some(note),
            action: reason.into(),
            secondary: None,
        };
        if let Err(error) = ctx.recorder.publish(&event, &self.object_ref(&())).await {
            tracing::warn!(%error, "cannot publish event");
        }
    }
}

/// Server-side applies `object` (whose `metadata.name` is set) with the operator's manager.
async fn apply<K>(client: &kube::Client, namespace: &str, object: &K) -> Result<()>
where
    K: Resource<Scope = k8s_openapi::NamespaceResourceScope, DynamicType = ()>
        + Serialize
        + DeserializeOwned
        + Clone
        + std::fmt::Debug,
{
    let api: Api<K> = Api::namespaced(client.clone(), namespace);
    let name = object
        .meta()
        .name
        .clone()
        .ok_or(Error::MissingField("metadata.name"))?;
    api.patch(
        &name,
        &PatchParams::apply(FIELD_MANAGER).force(),
        &Patch::Apply(object),
    )
    .await?;
    Ok(())
}

/// Deletes one object; one that is already gone is fine.
async fn delete<K>(client: &kube::Client, namespace: &str, name: &str) -> Result<()>
where
    K: Resource<Scope = k8s_openapi::NamespaceResourceScope, DynamicType = ()>
        + DeserializeOwned
        + Clone
        + std::fmt::Debug,
{
    let api: Api<K> = Api::namespaced(client.clone(), namespace);
    match api.delete(name, &DeleteParams::background()).await {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(status)) if status.code == 404 => Ok(()),
        Err(error) => Err(error.into()),
    }
}

/// Worker ids (pod names) whose membership Lease is fresh. Workers hold Leases labelled
/// like their pods (`tributary.dev/cluster=<name>,app.kubernetes.io/component=worker`),
/// with `holderIdentity` = pod name, renewed well within `leaseDurationSeconds`.
pub async fn live_workers(
    client: &kube::Client,
    namespace: &str,
    cluster: &str,
) -> Result<Vec<String>> {
    let api: Api<Lease> = Api::namespaced(client.clone(), namespace);
    let selector = resources::selector_string(cluster);
    let leases = api.list(&ListParams::default().labels(&selector)).await?;
    let now = Timestamp::now();
    let mut workers: Vec<String> = leases
        .items
        .into_iter()
        .filter_map(|lease| {
            let spec = lease.spec?;
            let renewed = spec.renew_time?.0;
            let duration_ms = i64::from(spec.lease_duration_seconds?) * 1000;
            let fresh = now.as_millisecond() - renewed.as_millisecond() < duration_ms;
            fresh.then_some(spec.holder_identity?)
        })
        .filter(|holder| !holder.is_empty())
        .collect();
    workers.sort();
    workers.dedup();
    Ok(workers)
}

/// The `Ready` condition, keeping the previous transition time when the status holds.
fn ready_condition(
    previous: &[Condition],
    generation: Option<i64>,
    status: &str,
    reason: &str,
    message: String,
) -> Condition {
    let last_transition_time = previous
        .iter()
        .find(|c| c.type_ == "Ready" && c.status == status)
        .map(|c| c.last_transition_time.clone())
        .unwrap_or_else(|| Time(Timestamp::now()));
    Condition {
        type_: "Ready".into(),
        status: status.into(),
        reason: reason.into(),
        message,
        observed_generation: generation,
        last_transition_time,
    }
}
