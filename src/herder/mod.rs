//! The `Herder`: the whole control plane of a Connect cluster behind one trait (Apache's
//! `Herder`). The REST routes only translate HTTP to these calls. Two backends implement
//! it: [`standalone::StandaloneHerder`] (connector configs in this process, one
//! in-process worker) and [`kubernetes::KubernetesHerder`] (the `KafkaConnector`
//! resources of one cluster, behind `tributary rest`). What both do alike lives in
//! [`base`] (Apache's `AbstractHerder`), [`plugins`] (listing and validation) and
//! [`offsets`] (reading and writing source and sink offsets).

pub mod base;
pub mod entities;
pub mod kubernetes;
pub mod offsets;
pub mod plugins;
pub mod standalone;

use std::collections::BTreeMap;

use async_trait::async_trait;

use crate::connectors::ConfigMap;
use crate::runtime::TargetState;
use entities::{
    ConnectorInfo, ConnectorOffsets, ConnectorStateInfo, PluginConfigKey, PluginEntry, ServerInfo,
    TaskInfo, TaskStateInfo, ValidationInfos,
};
use plugins::PluginCatalog;

/// Why a herder call failed; `rest::error` maps each kind to Apache's status code.
#[derive(Debug, thiserror::Error)]
pub enum HerderError {
    /// 404, e.g. `Connector x not found`.
    #[error("{0}")]
    NotFound(String),
    /// 409, e.g. `Connector x already exists`.
    #[error("{0}")]
    Conflict(String),
    /// 400: the request itself is wrong (invalid config, bad name, ...).
    #[error("{0}")]
    BadRequest(String),
    /// 500: something failed while carrying the request out.
    #[error("{0}")]
    Internal(String),
}

pub type HerderResult<T> = Result<T, HerderError>;

/// The outcome of creating or replacing a connector's config.
#[derive(Debug)]
pub struct PutOutcome {
    /// True when the connector did not exist before (201 rather than 200).
    pub created: bool,
    pub info: ConnectorInfo,
}

/// The control plane of one Connect cluster.
#[async_trait]
pub trait Herder: Send + Sync + 'static {
    /// `GET /`: version, commit and Kafka cluster id.
    async fn server_info(&self) -> HerderResult<ServerInfo>;

    /// Connector names, sorted.
    async fn connectors(&self) -> HerderResult<Vec<String>>;

    /// Name, config, task ids and type of one connector.
    async fn connector_info(&self, name: &str) -> HerderResult<ConnectorInfo>;

    /// The connector's config as submitted.
    async fn connector_config(&self, name: &str) -> HerderResult<ConfigMap>;

    /// Creates (`allow_replace` false: 409 when it exists) or creates-or-replaces a
    /// connector. `initial_state` applies only to a new connector.
    async fn put_connector_config(
        &self,
        name: &str,
        config: ConfigMap,
        allow_replace: bool,
        initial_state: Option<TargetState>,
    ) -> HerderResult<PutOutcome>;

    /// Deletes a connector and stops its tasks.
    async fn delete_connector(&self, name: &str) -> HerderResult<()>;

    /// Sets the connector's target state (pause, resume, stop).
    async fn set_target_state(&self, name: &str, state: TargetState) -> HerderResult<()>;

    /// The connector's and its tasks' states.
    async fn connector_status(&self, name: &str) -> HerderResult<ConnectorStateInfo>;

    /// One task's state.
    async fn task_status(&self, name: &str, task: i32) -> HerderResult<TaskStateInfo>;

    /// The task configs the connector generated.
    async fn task_configs(&self, name: &str) -> HerderResult<Vec<TaskInfo>>;

    /// Restarts the connector instance and, when asked, its (failed) tasks.
    async fn restart_connector(
        &self,
        name: &str,
        include_tasks: bool,
        only_failed: bool,
    ) -> HerderResult<ConnectorStateInfo>;

    /// Restarts one task.
    async fn restart_task(&self, name: &str, task: i32) -> HerderResult<()>;

    /// The cluster's plugins and the worker defaults validation shows; listing and
    /// validation below work alike in every backend.
    fn catalog(&self) -> PluginCatalog<'_>;

    /// The installed plugins: connectors only, or also converters, transforms and
    /// predicates when `connectors_only` is false.
    async fn plugins(&self, connectors_only: bool) -> HerderResult<Vec<PluginEntry>> {
        Ok(self.catalog().plugins(connectors_only))
    }

    /// The config definitions of a plugin (`GET /connector-plugins/{plugin}/config`);
    /// 404 `Unknown plugin x.` when there is no such plugin.
    async fn plugin_config(&self, plugin: &str) -> HerderResult<Vec<PluginConfigKey>> {
        self.catalog().plugin_config(plugin)
    }

    /// Validates a connector config without creating anything (the validate endpoint
    /// for `plugin`); 400 when the config names another connector class.
    async fn validate_config(
        &self,
        plugin: &str,
        config: ConfigMap,
    ) -> HerderResult<ValidationInfos> {
        self.catalog().validate_for_plugin(plugin, &config)
    }

    /// The topics the connector's tasks have produced to or consumed from since the
    /// last reset. Apache answers an empty list for unknown connectors too.
    async fn connector_topics(&self, name: &str) -> HerderResult<Vec<String>>;

    /// Forgets the connector's active topics.
    async fn reset_connector_topics(&self, name: &str) -> HerderResult<()>;

    /// The connector's committed offsets (source: the offset store; sink: its consumer
    /// group).
    async fn connector_offsets(&self, name: &str) -> HerderResult<ConnectorOffsets>;

    /// Writes offsets of a STOPPED connector; `None` in an entry resets that partition.
    /// Returns Apache's success message.
    async fn alter_connector_offsets(
        &self,
        name: &str,
        offsets: ConnectorOffsets,
    ) -> HerderResult<String>;

    /// Removes every offset of a STOPPED connector. Returns Apache's success message.
    async fn reset_connector_offsets(&self, name: &str) -> HerderResult<String>;

    /// Applies a partial config (`PATCH /connectors/x/config`): `None` removes a key.
    async fn patch_connector_config(
        &self,
        name: &str,
        patch: BTreeMap<String, Option<String>>,
    ) -> HerderResult<ConnectorInfo> {
        let mut config = self.connector_config(name).await?;
        for (key, value) in patch {
            match value {
                Some(value) => config.insert(key, value),
                None => config.remove(&key),
            };
        }
        Ok(self
            .put_connector_config(name, config, true, None)
            .await?
            .info)
    }
}
