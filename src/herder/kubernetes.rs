//! The Kubernetes herder behind `tributary rest`: the connectors of one `KafkaConnect`
//! cluster are the `KafkaConnector` resources labelled for it. Writes go to the resources'
//! spec (config, `state`) and annotations (restart requests); reads come from their
//! status, which the controller and the workers write. A `kubectl apply` and a REST call
//! are two doors into the same state.
//!
//! Mapping between a Connect config and a resource: `KafkaConnector::connect_config` and
//! `KafkaConnectorSpec::apply_connect_config` in `api` (the workers use the same). A
//! Connect name that cannot be a Kubernetes resource name is refused
//! with 400 (see `docs/compatibility.md`). Configs are never logged: they may hold
//! secrets.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use kube::{Client, ResourceExt};
use serde_json::json;
use tokio::sync::OnceCell;

use super::base::{self, RestartPlan, not_found};
use super::entities::{
    ConnectorInfo, ConnectorOffsets, ConnectorState, ConnectorStateInfo, ServerInfo, TaskInfo,
    TaskStateInfo,
};
use super::offsets::{sink as sink_offsets, source as source_offsets};
use super::plugins::PluginCatalog;
use super::{Herder, HerderError, HerderResult, PutOutcome};
use crate::api::{
    CLUSTER_LABEL, KafkaConnector, KafkaConnectorSpec, RESTART_ANNOTATION, RestartRequest,
    restart_task_annotation,
};
use crate::connectors::{ConfigMap, ConnectorKind, Registry};
use crate::runtime::config::override_policy::OverridePolicy;
use crate::runtime::storage::{
    KafkaOffsetBackingStore, KafkaOffsetStoreConfig, OffsetBackingStore, OffsetMap,
};
use crate::runtime::{State, TargetState};

/// How often a write is retried when another writer changed the resource in between
/// (the API server's 409 Conflict on a stale `resourceVersion`).
const MAX_WRITE_ATTEMPTS: usize = 50;

/// What the herder needs to know about its cluster.
#[derive(Clone, Debug)]
pub struct KubernetesHerderConfig {
    /// Namespace of the `KafkaConnect` and its connectors.
    pub namespace: String,
    /// Name of the `KafkaConnect`; connectors carry it in the label `tributary.dev/cluster`.
    pub cluster: String,
    /// This sidecar's id (its pod name): the `worker_id` shown for unassigned units, as
    /// Apache shows its own worker's id.
    pub worker_id: String,
    /// `bootstrap.servers` of the cluster (Kafka cluster id, sink offsets).
    pub bootstrap_servers: String,
    /// Extra librdkafka settings for the admin-like clients (security).
    pub client_settings: Vec<(String, String)>,
    /// The workers' `key.converter` class, shown by validation.
    pub key_converter: String,
    /// The workers' `value.converter` class.
    pub value_converter: String,
    /// The workers' `connector.client.config.override.policy`.
    pub override_policy: OverridePolicy,
    /// The offsets topic of the cluster; `None` when the workers keep source offsets in
    /// files (then the offsets endpoints of source connectors answer 500).
    pub offsets: Option<KafkaOffsetStoreConfig>,
}

/// Herder of `tributary rest`: `KafkaConnector` resources are the config store.
pub struct KubernetesHerder {
    api: Api<KafkaConnector>,
    config: KubernetesHerderConfig,
    registry: Arc<Registry>,
    kafka_cluster_id: OnceCell<String>,
    offset_store: OnceCell<Arc<KafkaOffsetBackingStore>>,
    request_counter: AtomicU64,
}

impl KubernetesHerder {
    /// A herder over the connectors of `config.cluster`, with the plugins of `registry`
    /// (the workers' registry: the sidecar runs the same binary).
    pub fn new(client: Client, config: KubernetesHerderConfig, registry: Arc<Registry>) -> Self {
        KubernetesHerder {
            api: Api::namespaced(client, &config.namespace),
            config,
            registry,
            kafka_cluster_id: OnceCell::new(),
            offset_store: OnceCell::new(),
            request_counter: AtomicU64::new(0),
        }
    }

    /// Stops the offset store, if one was started.
    pub async fn stop(&self) {
        if let Some(store) = self.offset_store.get()
            && let Err(error) = store.stop().await
        {
            tracing::warn!(%error, "cannot stop the offset store");
        }
    }

    /// The connector's resource, when it exists and belongs to this cluster.
    async fn find(&self, name: &str) -> HerderResult<Option<KafkaConnector>> {
        if kubernetes_name_problem(name).is_some() {
            return Ok(None);
        }
        let found = self.api.get_opt(name).await.map_err(api_failure)?;
        Ok(found.filter(|c| self.is_ours(c)))
    }

    async fn get(&self, name: &str) -> HerderResult<KafkaConnector> {
        self.find(name).await?.ok_or_else(|| not_found(name))
    }

    fn is_ours(&self, connector: &KafkaConnector) -> bool {
        connector.labels().get(CLUSTER_LABEL) == Some(&self.config.cluster)
    }

    fn kind(&self, connector: &KafkaConnector) -> HerderResult<ConnectorKind> {
        self.registry
            .resolve(&connector.spec.class)
            .map(|p| p.kind())
            .map_err(|e| HerderError::Internal(e.to_string()))
    }

    fn info(&self, connector: &KafkaConnector) -> ConnectorInfo {
        let name = connector.name_any();
        let config = connector.connect_config();
        let task_count = connector.task_configs().len();
        ConnectorInfo {
            tasks: base::task_ids(&name, task_count),
            connector_type: self.catalog().connector_type(&config),
            name,
            config,
        }
    }

    fn version_in(&self, config: &ConfigMap, state: &str) -> Option<String> {
        base::version_in(&self.catalog(), config, state)
    }

    fn task_state(&self, connector: &KafkaConnector, task: i32) -> TaskStateInfo {
        let config = connector.connect_config();
        let status = connector.status.clone().unwrap_or_default();
        let reported = status
            .connector_status
            .as_ref()
            .and_then(|info| info.tasks.iter().find(|t| t.id == task));
        match reported {
            Some(t) if !t.state.is_empty() => TaskStateInfo {
                id: task,
                version: self.version_in(&config, &t.state),
                state: t.state.clone(),
                worker_id: t.worker_id.clone(),
                trace: t.trace.clone(),
            },
            // No worker reported yet: UNASSIGNED, on the assigned worker when there is one.
            _ => TaskStateInfo {
                id: task,
                state: State::Unassigned.to_string(),
                version: None,
                worker_id: status
                    .task_assignment
                    .get(&task.to_string())
                    .cloned()
                    .unwrap_or_else(|| self.config.worker_id.clone()),
                trace: None,
            },
        }
    }

    fn status_of(&self, connector: &KafkaConnector) -> ConnectorStateInfo {
        let name = connector.name_any();
        let config = connector.connect_config();
        let status = connector.status.clone().unwrap_or_default();
        let reported = status.connector_status.clone().unwrap_or_default();
        let instance = if reported.connector.state.is_empty() {
            ConnectorState {
                state: State::Unassigned.to_string(),
                worker_id: status
                    .connector_worker
                    .clone()
                    .unwrap_or_else(|| self.config.worker_id.clone()),
                version: None,
                trace: None,
            }
        } else {
            ConnectorState {
                version: self.version_in(&config, &reported.connector.state),
                state: reported.connector.state.clone(),
                worker_id: reported.connector.worker_id.clone(),
                trace: reported.connector.trace.clone(),
            }
        };
        ConnectorStateInfo {
            name,
            connector: instance,
            tasks: (0..connector.task_configs().len() as i32)
                .map(|task| self.task_state(connector, task))
                .collect(),
            connector_type: reported
                .connector_type
                .or_else(|| self.catalog().connector_type(&config)),
        }
    }

    /// A fresh restart request id: time plus a counter, unique within this sidecar, and
    /// with the pod name unique across sidecars.
    fn request_id(&self) -> String {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let n = self.request_counter.fetch_add(1, Ordering::Relaxed);
        format!("{}-{nanos}-{n}", self.config.worker_id)
    }

    async fn annotate(&self, name: &str, key: &str, value: String) -> HerderResult<()> {
        let patch = json!({"metadata": {"annotations": {key: value}}});
        self.api
            .patch(name, &PatchParams::default(), &Patch::Merge(&patch))
            .await
            .map_err(api_failure)?;
        Ok(())
    }

    /// Offsets may only change while the connector is STOPPED with no tasks: its spec
    /// says stopped and the instance published an empty task list.
    fn check_stopped(name: &str, connector: &KafkaConnector) -> HerderResult<()> {
        base::check_stopped(
            name,
            connector.target_state(),
            connector.task_configs().len(),
        )
    }

    /// The cluster's offsets topic, read to its end on every call (started on first use,
    /// so the API answers while Kafka is away).
    async fn offsets(&self) -> HerderResult<&Arc<KafkaOffsetBackingStore>> {
        let Some(config) = &self.config.offsets else {
            return Err(HerderError::Internal(
                "Source offsets of this cluster are not in a Kafka topic (the worker properties set no offset.storage.topic)".to_owned(),
            ));
        };
        self.offset_store
            .get_or_try_init(|| async {
                let store = Arc::new(KafkaOffsetBackingStore::new(config.clone()));
                store
                    .start()
                    .await
                    .map_err(|e| HerderError::Internal(format!("Failed to read offsets: {e}")))?;
                Ok(store)
            })
            .await
    }

    async fn write_source_offsets(
        &self,
        name: &str,
        offsets: Vec<(OffsetMap, Option<OffsetMap>)>,
    ) -> HerderResult<()> {
        source_offsets::write(self.offsets().await?.as_ref(), name, offsets).await
    }

    async fn source_partitions(&self, name: &str) -> HerderResult<Vec<OffsetMap>> {
        source_offsets::partitions(self.offsets().await?.as_ref(), name).await
    }

    async fn fetch_cluster_id(&self) -> HerderResult<String> {
        base::kafka_cluster_id(&self.config.bootstrap_servers, &self.config.client_settings)
            .await
            .map_err(|e| match e {
                base::ClusterIdError::Unreachable => HerderError::Internal(format!(
                    "Cannot reach Kafka at {} to read its cluster id",
                    self.config.bootstrap_servers
                )),
                other => HerderError::Internal(other.to_string()),
            })
    }

    /// Creates the resource; `Ok(None)` when a resource of that name appeared meanwhile.
    async fn create(
        &self,
        name: &str,
        spec: KafkaConnectorSpec,
    ) -> HerderResult<Option<KafkaConnector>> {
        let mut resource = KafkaConnector::new(name, spec);
        resource.metadata.labels = Some(BTreeMap::from([(
            CLUSTER_LABEL.to_owned(),
            self.config.cluster.clone(),
        )]));
        match self.api.create(&PostParams::default(), &resource).await {
            Ok(created) => Ok(Some(created)),
            Err(kube::Error::Api(status)) if status.code == 409 => Ok(None),
            Err(e) => Err(api_failure(e)),
        }
    }
}

/// Why `name` cannot name a Kubernetes object (an RFC 1123 subdomain: at most 253
/// characters of `a-z`, `0-9`, `-` and `.`, starting and ending alphanumeric).
pub fn kubernetes_name_problem(name: &str) -> Option<&'static str> {
    let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    if name.is_empty() {
        Some("it is empty")
    } else if name.len() > 253 {
        Some("it is longer than 253 characters")
    } else if !name.chars().all(|c| alnum(c) || c == '-' || c == '.') {
        Some("it may only contain lower-case letters, digits, '-' and '.'")
    } else if !name.starts_with(alnum) || !name.ends_with(alnum) {
        Some("it must start and end with a lower-case letter or a digit")
    } else {
        None
    }
}

/// A Kubernetes API failure the caller cannot fix: 500 with the API server's words.
fn api_failure(error: kube::Error) -> HerderError {
    HerderError::Internal(format!("Kubernetes API request failed: {error}"))
}

fn is_conflict(error: &kube::Error) -> bool {
    matches!(error, kube::Error::Api(status) if status.code == 409)
}

#[async_trait]
impl Herder for KubernetesHerder {
    async fn server_info(&self) -> HerderResult<ServerInfo> {
        let id = self
            .kafka_cluster_id
            .get_or_try_init(|| self.fetch_cluster_id())
            .await?;
        Ok(base::server_info(id.clone()))
    }

    async fn connectors(&self) -> HerderResult<Vec<String>> {
        let selector = format!("{CLUSTER_LABEL}={}", self.config.cluster);
        let list = self
            .api
            .list(&ListParams::default().labels(&selector))
            .await
            .map_err(api_failure)?;
        let names: BTreeSet<String> = list.items.iter().map(|c| c.name_any()).collect();
        Ok(names.into_iter().collect())
    }

    async fn connector_info(&self, name: &str) -> HerderResult<ConnectorInfo> {
        Ok(self.info(&self.get(name).await?))
    }

    async fn connector_config(&self, name: &str) -> HerderResult<ConfigMap> {
        Ok(self.get(name).await?.connect_config())
    }

    async fn put_connector_config(
        &self,
        name: &str,
        config: ConfigMap,
        allow_replace: bool,
        initial_state: Option<TargetState>,
    ) -> HerderResult<PutOutcome> {
        let exists = || HerderError::Conflict(format!("Connector {name} already exists"));
        if !allow_replace && self.find(name).await?.is_some() {
            return Err(exists());
        }
        self.catalog().validate(&config)?;
        if let Some(problem) = kubernetes_name_problem(name) {
            return Err(HerderError::BadRequest(format!(
                "Connector name {name} cannot be the name of a KafkaConnector resource: {problem}"
            )));
        }
        for _ in 0..MAX_WRITE_ATTEMPTS {
            let Some(mut existing) = self.api.get_opt(name).await.map_err(api_failure)? else {
                let mut spec = KafkaConnectorSpec {
                    state: initial_state,
                    ..KafkaConnectorSpec::default()
                };
                spec.apply_connect_config(&config);
                match self.create(name, spec).await? {
                    Some(created) => {
                        tracing::info!(connector = name, "connector created");
                        return Ok(PutOutcome {
                            created: true,
                            info: self.info(&created),
                        });
                    }
                    // Created by someone else meanwhile: an update now (or a 409).
                    None => continue,
                }
            };
            if !self.is_ours(&existing) {
                return Err(HerderError::Conflict(format!(
                    "Connector {name} already exists as a KafkaConnector of another cluster"
                )));
            }
            if !allow_replace {
                return Err(exists());
            }
            // The object read carries its resourceVersion: the replace fails with 409 when
            // anyone wrote in between, and the read-modify-write starts over.
            existing.spec.apply_connect_config(&config);
            match self
                .api
                .replace(name, &PostParams::default(), &existing)
                .await
            {
                Ok(updated) => {
                    tracing::info!(connector = name, "connector config updated");
                    return Ok(PutOutcome {
                        created: false,
                        info: self.info(&updated),
                    });
                }
                Err(e) if is_conflict(&e) => continue,
                Err(e) => return Err(api_failure(e)),
            }
        }
        Err(HerderError::Internal(format!(
            "Connector {name} kept changing while its config was written; try again"
        )))
    }

    /// A read-modify-write of the resource under its `resourceVersion`: two clients
    /// patching different keys at once both keep their keys.
    async fn patch_connector_config(
        &self,
        name: &str,
        patch: BTreeMap<String, Option<String>>,
    ) -> HerderResult<ConnectorInfo> {
        for _ in 0..MAX_WRITE_ATTEMPTS {
            let mut existing = self.get(name).await?;
            let mut config = existing.connect_config();
            for (key, value) in &patch {
                match value {
                    Some(value) => config.insert(key.clone(), value.clone()),
                    None => config.remove(key),
                };
            }
            self.catalog().validate(&config)?;
            existing.spec.apply_connect_config(&config);
            match self
                .api
                .replace(name, &PostParams::default(), &existing)
                .await
            {
                Ok(updated) => {
                    tracing::info!(connector = name, "connector config patched");
                    return Ok(self.info(&updated));
                }
                Err(e) if is_conflict(&e) => continue,
                Err(kube::Error::Api(status)) if status.code == 404 => {
                    return Err(not_found(name));
                }
                Err(e) => return Err(api_failure(e)),
            }
        }
        Err(HerderError::Internal(format!(
            "Connector {name} kept changing while its config was written; try again"
        )))
    }

    async fn delete_connector(&self, name: &str) -> HerderResult<()> {
        self.get(name).await?;
        match self.api.delete(name, &DeleteParams::default()).await {
            Ok(_) => {
                tracing::info!(connector = name, "connector deleted");
                Ok(())
            }
            Err(kube::Error::Api(status)) if status.code == 404 => Err(not_found(name)),
            Err(e) => Err(api_failure(e)),
        }
    }

    async fn set_target_state(&self, name: &str, state: TargetState) -> HerderResult<()> {
        let Some(connector) = self.find(name).await? else {
            return Err(base::unknown_connector_for_state(name, state));
        };
        let wanted = state;
        if connector.target_state() == wanted {
            return Ok(());
        }
        // A merge patch of one field: concurrent config writes keep their own fields.
        let patch = json!({"spec": {"state": wanted}});
        self.api
            .patch(name, &PatchParams::default(), &Patch::Merge(&patch))
            .await
            .map_err(api_failure)?;
        tracing::info!(connector = name, state = ?wanted, "target state set");
        Ok(())
    }

    async fn connector_status(&self, name: &str) -> HerderResult<ConnectorStateInfo> {
        let connector = self
            .find(name)
            .await?
            .ok_or_else(|| base::no_connector_status(name))?;
        Ok(self.status_of(&connector))
    }

    async fn task_status(&self, name: &str, task: i32) -> HerderResult<TaskStateInfo> {
        let missing = || base::no_task_status(name, task);
        let connector = self.find(name).await?.ok_or_else(missing)?;
        let count = connector.task_configs().len();
        if task < 0 || task as usize >= count {
            return Err(missing());
        }
        Ok(self.task_state(&connector, task))
    }

    async fn task_configs(&self, name: &str) -> HerderResult<Vec<TaskInfo>> {
        let connector = self.get(name).await?;
        Ok(base::task_infos(
            &self.registry,
            name,
            Some(&connector.spec.class),
            connector.task_configs(),
        ))
    }

    async fn restart_connector(
        &self,
        name: &str,
        include_tasks: bool,
        only_failed: bool,
    ) -> HerderResult<ConnectorStateInfo> {
        let Some(connector) = self.find(name).await? else {
            return Err(base::unknown_connector_for_restart(
                name,
                include_tasks,
                only_failed,
            ));
        };
        // The workers carry the restart out; the sidecar only records the request.
        let plan = RestartPlan::new(self.status_of(&connector), include_tasks, only_failed);
        if plan.connector || !plan.tasks.is_empty() {
            let request = RestartRequest {
                id: self.request_id(),
                include_tasks,
                only_failed,
            };
            let value = serde_json::to_string(&request)
                .map_err(|e| HerderError::Internal(e.to_string()))?;
            self.annotate(name, RESTART_ANNOTATION, value).await?;
            tracing::info!(
                connector = name,
                include_tasks,
                only_failed,
                "restart requested"
            );
        }
        Ok(plan.status)
    }

    async fn restart_task(&self, name: &str, task: i32) -> HerderResult<()> {
        let Some(connector) = self.find(name).await? else {
            return Err(base::unknown_connector_for_task_restart(name, task));
        };
        if task < 0 || task as usize >= connector.task_configs().len() {
            return Err(base::task_not_found(name, task));
        }
        self.annotate(name, &restart_task_annotation(task), self.request_id())
            .await?;
        tracing::info!(connector = name, task, "task restart requested");
        Ok(())
    }

    fn catalog(&self) -> PluginCatalog<'_> {
        PluginCatalog {
            registry: &self.registry,
            key_converter: &self.config.key_converter,
            value_converter: &self.config.value_converter,
            override_policy: &self.config.override_policy,
        }
    }

    async fn connector_topics(&self, name: &str) -> HerderResult<Vec<String>> {
        Ok(self
            .find(name)
            .await?
            .and_then(|c| c.status)
            .map(|s| s.topics)
            .unwrap_or_default())
    }

    async fn reset_connector_topics(&self, name: &str) -> HerderResult<()> {
        let Some(connector) = self.find(name).await? else {
            return Ok(());
        };
        if connector.status.is_some_and(|s| !s.topics.is_empty()) {
            let patch = json!({"status": {"topics": null}});
            self.api
                .patch_status(name, &PatchParams::default(), &Patch::Merge(&patch))
                .await
                .map_err(api_failure)?;
        }
        Ok(())
    }

    async fn connector_offsets(&self, name: &str) -> HerderResult<ConnectorOffsets> {
        let connector = self.get(name).await?;
        let offsets = match self.kind(&connector)? {
            ConnectorKind::Sink => {
                sink_offsets::read(
                    self.config.bootstrap_servers.clone(),
                    name.to_owned(),
                    base::sink_topics(&connector.connect_config()),
                )
                .await?
            }
            ConnectorKind::Source => {
                source_offsets::read(self.offsets().await?.as_ref(), name).await?
            }
        };
        Ok(ConnectorOffsets {
            offsets: Some(offsets),
        })
    }

    async fn alter_connector_offsets(
        &self,
        name: &str,
        offsets: ConnectorOffsets,
    ) -> HerderResult<String> {
        let entries = source_offsets::requested(offsets)?;
        let connector = self.get(name).await?;
        Self::check_stopped(name, &connector)?;
        match self.kind(&connector)? {
            ConnectorKind::Sink => {
                sink_offsets::alter(
                    self.config.bootstrap_servers.clone(),
                    name.to_owned(),
                    entries,
                )
                .await?;
            }
            ConnectorKind::Source => {
                let pairs = entries
                    .into_iter()
                    .map(|e| (e.partition, e.offset))
                    .collect();
                self.write_source_offsets(name, pairs).await?;
            }
        }
        Ok(base::offsets_altered(true))
    }

    async fn reset_connector_offsets(&self, name: &str) -> HerderResult<String> {
        let connector = self.get(name).await?;
        Self::check_stopped(name, &connector)?;
        match self.kind(&connector)? {
            ConnectorKind::Sink => {
                sink_offsets::reset(self.config.bootstrap_servers.clone(), name.to_owned()).await?;
            }
            ConnectorKind::Source => {
                let pairs = self
                    .source_partitions(name)
                    .await?
                    .into_iter()
                    .map(|p| (p, None))
                    .collect();
                self.write_source_offsets(name, pairs).await?;
            }
        }
        Ok(base::offsets_reset(true))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubernetes_names_follow_rfc_1123() {
        for ok in ["a", "src", "my-connector.v2", "0abc"] {
            assert_eq!(kubernetes_name_problem(ok), None, "{ok}");
        }
        for bad in ["", "Src", "a_b", "-a", "a-", "a b", &"a".repeat(254)] {
            assert!(kubernetes_name_problem(bad).is_some(), "{bad}");
        }
    }
}
