//! The standalone herder: connector configs live in this process (as in Apache's
//! `StandaloneHerder`), and one [`Worker`] runs everything.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::Mutex;

use super::entities::{
    ConnectorInfo, ConnectorOffsets, ConnectorState, ConnectorStateInfo, ConnectorTaskId,
    PluginConfigKey, PluginEntry, ServerInfo, TaskInfo, TaskStateInfo, ValidationInfos,
};
use super::offsets::{sink as sink_offsets, source as source_offsets};
use super::plugins::PluginCatalog;
use super::{Herder, HerderError, HerderResult, PutOutcome};
use crate::connectors::{ConfigMap, ConnectorKind};
use crate::runtime::storage::OffsetMap;
use crate::runtime::{State, TargetState, TaskId, Worker};

struct ConnectorEntry {
    config: ConfigMap,
    target: TargetState,
    kind: ConnectorKind,
    task_configs: Vec<ConfigMap>,
}

/// Herder of `tributary standalone`.
pub struct StandaloneHerder {
    worker: Arc<Worker>,
    server_info: ServerInfo,
    connectors: Mutex<BTreeMap<String, ConnectorEntry>>,
}

impl StandaloneHerder {
    pub fn new(worker: Arc<Worker>, server_info: ServerInfo) -> Self {
        StandaloneHerder {
            worker,
            server_info,
            connectors: Mutex::default(),
        }
    }

    pub fn worker(&self) -> &Arc<Worker> {
        &self.worker
    }

    /// Stops every connector and task, flushing offsets (worker shutdown).
    pub async fn stop(&self) {
        self.worker.stop_all().await;
    }

    fn not_found(name: &str) -> HerderError {
        HerderError::NotFound(format!("Connector {name} not found"))
    }

    /// Starts the connector instance and its tasks; start failures show in the status.
    async fn start(&self, name: &str, config: &ConfigMap, target: TargetState) -> Vec<ConfigMap> {
        let task_configs = match self.worker.start_connector(name, config, target).await {
            Ok(configs) => configs,
            Err(_) => return Vec::new(),
        };
        for (index, task_config) in task_configs.iter().enumerate() {
            let id = TaskId {
                connector: name.to_owned(),
                task: index as u32,
            };
            // A task that fails to start reports FAILED itself; the others still start.
            let _ = self
                .worker
                .start_task(id, config, task_config, target)
                .await;
        }
        task_configs
    }

    fn info(&self, name: &str, entry: &ConnectorEntry) -> ConnectorInfo {
        ConnectorInfo {
            name: name.to_owned(),
            config: entry.config.clone(),
            tasks: (0..entry.task_configs.len())
                .map(|task| ConnectorTaskId {
                    connector: name.to_owned(),
                    task: task as i32,
                })
                .collect(),
            connector_type: self.connector_type(&entry.config),
        }
    }

    fn connector_type(&self, config: &ConfigMap) -> Option<String> {
        self.catalog().connector_type(config)
    }

    fn plugin_version(&self, config: &ConfigMap) -> Option<String> {
        self.catalog().plugin_version(config)
    }

    /// The worker's plugins, for listing and validation.
    fn catalog(&self) -> PluginCatalog<'_> {
        let settings = self.worker.settings();
        PluginCatalog {
            registry: self.worker.plugins(),
            key_converter: &settings.key_converter.class,
            value_converter: &settings.value_converter.class,
        }
    }

    fn task_state(&self, name: &str, entry: &ConnectorEntry, task: u32) -> TaskStateInfo {
        let id = TaskId {
            connector: name.to_owned(),
            task,
        };
        let status = self
            .worker
            .status()
            .task(&id)
            .unwrap_or_else(|| self.unassigned());
        TaskStateInfo {
            id: task as i32,
            state: status.state.to_string(),
            version: self.version_in(&entry.config, status.state),
            worker_id: status.worker_id,
            trace: status.trace,
        }
    }

    fn unassigned(&self) -> crate::runtime::Status {
        crate::runtime::Status {
            state: State::Unassigned,
            worker_id: self.worker.worker_id().to_owned(),
            trace: None,
        }
    }

    /// Apache reports no version for a connector or task that is not running code.
    fn version_in(&self, config: &ConfigMap, state: State) -> Option<String> {
        match state {
            State::Failed | State::Unassigned => None,
            _ => self.plugin_version(config),
        }
    }

    fn status_of(&self, name: &str, entry: &ConnectorEntry) -> ConnectorStateInfo {
        let status = self
            .worker
            .status()
            .connector(name)
            .unwrap_or_else(|| self.unassigned());
        ConnectorStateInfo {
            name: name.to_owned(),
            connector: ConnectorState {
                state: status.state.to_string(),
                version: self.version_in(&entry.config, status.state),
                worker_id: status.worker_id,
                trace: status.trace,
            },
            tasks: (0..entry.task_configs.len() as u32)
                .map(|task| self.task_state(name, entry, task))
                .collect(),
            connector_type: self.connector_type(&entry.config),
        }
    }

    /// Offsets may only change while the connector is STOPPED with no tasks.
    fn check_stopped(name: &str, entry: Option<&ConnectorEntry>) -> HerderResult<ConnectorKind> {
        let entry = entry.ok_or_else(|| Self::not_found(name))?;
        if entry.target != TargetState::Stopped || !entry.task_configs.is_empty() {
            return Err(HerderError::BadRequest(format!(
                "Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/{name}/stop' endpoint"
            )));
        }
        Ok(entry.kind)
    }

    fn sink_topics(config: &ConfigMap) -> Vec<String> {
        config
            .get("topics")
            .map(|t| {
                t.split(',')
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }

    fn bootstrap(&self) -> String {
        self.worker.settings().bootstrap_servers.clone()
    }

    /// Writes source offsets (None: tombstone) for `name` and lets the connector see
    /// them first; true when the connector manages them itself.
    async fn write_source_offsets(
        &self,
        name: &str,
        config: &ConfigMap,
        offsets: Vec<(OffsetMap, Option<OffsetMap>)>,
    ) -> HerderResult<bool> {
        // `Connector::alter_source_offsets` cannot be called through `Box<dyn Connector>`
        // (async_trait needs the connector to be `Sync`, which the trait does not
        // require), so the connector is not consulted yet. Every built-in source
        // connector accepts framework-managed offsets, as Apache's FileStreamSource does.
        let _ = config;
        source_offsets::write(self.worker.offsets().as_ref(), name, offsets).await?;
        Ok(true)
    }
}

/// A task config as Apache shows it: with `task.class`, which Apache's worker adds. Our
/// plugins name their tasks by Apache's convention (`XConnector` runs `XTask`).
fn with_task_class(connector_class: Option<&str>, task_config: &ConfigMap) -> ConfigMap {
    let mut config = task_config.clone();
    if let Some(task_class) = connector_class.and_then(|c| {
        c.strip_suffix("Connector")
            .map(|base| format!("{base}Task"))
    }) {
        config.entry("task.class".to_owned()).or_insert(task_class);
    }
    config
}

#[async_trait]
impl Herder for StandaloneHerder {
    async fn server_info(&self) -> HerderResult<ServerInfo> {
        Ok(self.server_info.clone())
    }

    async fn connectors(&self) -> HerderResult<Vec<String>> {
        Ok(self.connectors.lock().await.keys().cloned().collect())
    }

    async fn connector_info(&self, name: &str) -> HerderResult<ConnectorInfo> {
        let connectors = self.connectors.lock().await;
        let entry = connectors.get(name).ok_or_else(|| Self::not_found(name))?;
        Ok(self.info(name, entry))
    }

    async fn connector_config(&self, name: &str) -> HerderResult<ConfigMap> {
        let connectors = self.connectors.lock().await;
        let entry = connectors.get(name).ok_or_else(|| Self::not_found(name))?;
        Ok(entry.config.clone())
    }

    async fn put_connector_config(
        &self,
        name: &str,
        config: ConfigMap,
        allow_replace: bool,
        initial_state: Option<TargetState>,
    ) -> HerderResult<PutOutcome> {
        // One change at a time, as Apache's herder thread does: holding the lock across
        // the restart keeps two updates of one connector from interleaving.
        let mut connectors = self.connectors.lock().await;
        let existing_target = connectors.get(name).map(|e| e.target);
        if existing_target.is_some() && !allow_replace {
            return Err(HerderError::Conflict(format!(
                "Connector {name} already exists"
            )));
        }
        self.catalog().validate(&config)?;
        let kind = self
            .worker
            .plugins()
            .resolve(
                config
                    .get("connector.class")
                    .map(String::as_str)
                    .unwrap_or_default(),
            )
            .map(|p| p.kind())
            .map_err(|e| HerderError::BadRequest(e.to_string()))?;
        if existing_target.is_some() {
            self.worker.stop_connector(name).await;
            self.worker.status().remove_connector(name);
        }
        let target = existing_target.or(initial_state).unwrap_or_default();
        let task_configs = self.start(name, &config, target).await;
        let entry = ConnectorEntry {
            config,
            target,
            kind,
            task_configs,
        };
        let info = self.info(name, &entry);
        connectors.insert(name.to_owned(), entry);
        Ok(PutOutcome {
            created: existing_target.is_none(),
            info,
        })
    }

    async fn delete_connector(&self, name: &str) -> HerderResult<()> {
        let mut connectors = self.connectors.lock().await;
        if connectors.remove(name).is_none() {
            return Err(Self::not_found(name));
        }
        self.worker.stop_connector(name).await;
        self.worker.status().remove_connector(name);
        self.worker.reset_active_topics(name);
        Ok(())
    }

    async fn set_target_state(&self, name: &str, state: TargetState) -> HerderResult<()> {
        let mut connectors = self.connectors.lock().await;
        let Some(entry) = connectors.get_mut(name) else {
            // Apache's answers differ by action: stop is checked deeper in its herder.
            return Err(match state {
                TargetState::Stopped => {
                    HerderError::Internal(format!("No connector `{name}` configured"))
                }
                _ => HerderError::NotFound(format!("Unknown connector {name}")),
            });
        };
        let previous = entry.target;
        if previous == state {
            return Ok(());
        }
        entry.target = state;
        if state == TargetState::Stopped || previous == TargetState::Stopped {
            // Stopping shuts the tasks down; leaving STOPPED starts them again.
            self.worker.stop_connector(name).await;
            for task in 0..entry.task_configs.len() as u32 {
                self.worker.status().remove_task(&TaskId {
                    connector: name.to_owned(),
                    task,
                });
            }
            let config = entry.config.clone();
            entry.task_configs = self.start(name, &config, state).await;
            if state == TargetState::Stopped {
                entry.task_configs.clear();
            }
        } else {
            self.worker.set_target_state(name, state).await;
        }
        Ok(())
    }

    async fn connector_status(&self, name: &str) -> HerderResult<ConnectorStateInfo> {
        let connectors = self.connectors.lock().await;
        let entry = connectors.get(name).ok_or_else(|| {
            HerderError::NotFound(format!("No status found for connector {name}"))
        })?;
        Ok(self.status_of(name, entry))
    }

    async fn task_status(&self, name: &str, task: i32) -> HerderResult<TaskStateInfo> {
        let connectors = self.connectors.lock().await;
        let entry = connectors.get(name);
        match (entry, u32::try_from(task)) {
            (Some(entry), Ok(t)) if (t as usize) < entry.task_configs.len() => {
                Ok(self.task_state(name, entry, t))
            }
            _ => Err(HerderError::NotFound(format!(
                "No status found for task {name}-{task}"
            ))),
        }
    }

    async fn task_configs(&self, name: &str) -> HerderResult<Vec<TaskInfo>> {
        let connectors = self.connectors.lock().await;
        let entry = connectors.get(name).ok_or_else(|| Self::not_found(name))?;
        let class = entry
            .config
            .get("connector.class")
            .and_then(|c| self.worker.plugins().resolve(c).ok())
            .map(|p| p.class().to_owned());
        Ok(entry
            .task_configs
            .iter()
            .enumerate()
            .map(|(task, config)| TaskInfo {
                id: ConnectorTaskId {
                    connector: name.to_owned(),
                    task: task as i32,
                },
                config: with_task_class(class.as_deref(), config),
            })
            .collect())
    }

    async fn restart_connector(
        &self,
        name: &str,
        include_tasks: bool,
        only_failed: bool,
    ) -> HerderResult<ConnectorStateInfo> {
        let mut connectors = self.connectors.lock().await;
        let plain = !include_tasks && !only_failed;
        let Some(entry) = connectors.get_mut(name) else {
            // Apache's plain restart of an unknown connector fails deeper, with a 500.
            return Err(if plain {
                HerderError::Internal(
                    "Cannot invoke \"java.util.Map.get(Object)\" because \"connProps\" is null"
                        .to_owned(),
                )
            } else {
                HerderError::NotFound(format!("Unknown connector: {name}"))
            });
        };
        // Apache's restart plan: what will restart is decided from the states before it
        // and reported as RESTARTING.
        let mut plan = self.status_of(name, entry);
        let restart_connector = !only_failed || plan.connector.state == "FAILED";
        if restart_connector {
            plan.connector.state = State::Restarting.to_string();
        }
        let mut tasks_to_restart = Vec::new();
        for task in &mut plan.tasks {
            if include_tasks && (!only_failed || task.state == "FAILED") {
                task.state = State::Restarting.to_string();
                tasks_to_restart.push(task.id as u32);
            }
        }
        let config = entry.config.clone();
        if restart_connector && (plain || tasks_to_restart.len() == entry.task_configs.len()) {
            self.worker.stop_connector(name).await;
            entry.task_configs = self.start(name, &config, entry.target).await;
        } else {
            if restart_connector {
                self.worker.stop_connector(name).await;
                entry.task_configs = self.start(name, &config, entry.target).await;
            }
            for task in tasks_to_restart {
                let id = TaskId {
                    connector: name.to_owned(),
                    task,
                };
                self.worker.stop_tasks(std::slice::from_ref(&id)).await;
                if let Some(task_config) = entry.task_configs.get(task as usize) {
                    let _ = self
                        .worker
                        .start_task(id, &config, task_config, entry.target)
                        .await;
                }
            }
        }
        Ok(plan)
    }

    async fn restart_task(&self, name: &str, task: i32) -> HerderResult<()> {
        let connectors = self.connectors.lock().await;
        let Some(entry) = connectors.get(name) else {
            // What Apache's standalone herder answers for a task of an unknown connector.
            return Err(HerderError::Internal(format!(
                "Failed to start task {name}-{task} since it is not a recognizable type (source or sink)"
            )));
        };
        let Some(task_config) = usize::try_from(task)
            .ok()
            .and_then(|t| entry.task_configs.get(t))
        else {
            return Err(HerderError::NotFound(format!(
                "Task {name}-{task} not found"
            )));
        };
        let id = TaskId {
            connector: name.to_owned(),
            task: task as u32,
        };
        self.worker.stop_tasks(std::slice::from_ref(&id)).await;
        self.worker
            .start_task(id, &entry.config, task_config, entry.target)
            .await
            .map_err(|e| HerderError::Internal(e.to_string()))
    }

    async fn plugins(&self, connectors_only: bool) -> HerderResult<Vec<PluginEntry>> {
        Ok(self.catalog().plugins(connectors_only))
    }

    async fn plugin_config(&self, plugin: &str) -> HerderResult<Vec<PluginConfigKey>> {
        self.catalog().plugin_config(plugin)
    }

    async fn validate_config(
        &self,
        plugin: &str,
        config: ConfigMap,
    ) -> HerderResult<ValidationInfos> {
        self.catalog().validate_for_plugin(plugin, &config)
    }

    async fn connector_topics(&self, name: &str) -> HerderResult<Vec<String>> {
        Ok(self.worker.active_topics(name))
    }

    async fn reset_connector_topics(&self, name: &str) -> HerderResult<()> {
        self.worker.reset_active_topics(name);
        Ok(())
    }

    async fn connector_offsets(&self, name: &str) -> HerderResult<ConnectorOffsets> {
        let (kind, config) = {
            let connectors = self.connectors.lock().await;
            let entry = connectors.get(name).ok_or_else(|| Self::not_found(name))?;
            (entry.kind, entry.config.clone())
        };
        let offsets = match kind {
            ConnectorKind::Sink => {
                sink_offsets::read(
                    self.bootstrap(),
                    name.to_owned(),
                    Self::sink_topics(&config),
                )
                .await?
            }
            ConnectorKind::Source => {
                source_offsets::read(self.worker.offsets().as_ref(), name).await?
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
        // Held across the write so the connector cannot be resumed halfway through.
        let connectors = self.connectors.lock().await;
        let entry = connectors.get(name);
        let kind = Self::check_stopped(name, entry)?;
        let config = entry.map(|e| e.config.clone()).unwrap_or_default();
        let managed = match kind {
            ConnectorKind::Sink => {
                sink_offsets::alter(self.bootstrap(), name.to_owned(), entries).await?;
                true
            }
            ConnectorKind::Source => {
                let pairs = entries
                    .into_iter()
                    .map(|e| (e.partition, e.offset))
                    .collect();
                self.write_source_offsets(name, &config, pairs).await?
            }
        };
        Ok(if managed {
            "The offsets for this connector have been altered successfully".to_owned()
        } else {
            "The Connect framework-managed offsets for this connector have been altered successfully. However, if this connector manages offsets externally, they will need to be manually altered in the system that the connector uses.".to_owned()
        })
    }

    async fn reset_connector_offsets(&self, name: &str) -> HerderResult<String> {
        let connectors = self.connectors.lock().await;
        let entry = connectors.get(name);
        let kind = Self::check_stopped(name, entry)?;
        let config = entry.map(|e| e.config.clone()).unwrap_or_default();
        let managed = match kind {
            ConnectorKind::Sink => {
                sink_offsets::reset(self.bootstrap(), name.to_owned()).await?;
                true
            }
            ConnectorKind::Source => {
                let partitions =
                    source_offsets::partitions(self.worker.offsets().as_ref(), name).await?;
                let pairs = partitions.into_iter().map(|p| (p, None)).collect();
                self.write_source_offsets(name, &config, pairs).await?
            }
        };
        Ok(if managed {
            "The offsets for this connector have been reset successfully".to_owned()
        } else {
            "The Connect framework-managed offsets for this connector have been reset successfully. However, if this connector manages offsets externally, they will need to be manually reset in the system that the connector uses.".to_owned()
        })
    }
}
