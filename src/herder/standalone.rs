//! The standalone herder: connector configs live in this process (as in Apache's
//! `StandaloneHerder`), and one [`Worker`] runs everything.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::Mutex;

use super::base::{self, RestartPlan, not_found};
use super::entities::{
    ConnectorInfo, ConnectorOffsets, ConnectorState, ConnectorStateInfo, ServerInfo, TaskInfo,
    TaskStateInfo,
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

    /// Apache's `requestTaskReconfiguration`: asks the running connector for its task
    /// configs again and, when they changed, stores them and restarts the tasks with them.
    pub async fn reconfigure_tasks(&self, name: &str) {
        let mut connectors = self.connectors.lock().await;
        let Some(entry) = connectors.get_mut(name) else {
            return;
        };
        let configs = match self.worker.current_task_configs(name, &entry.config).await {
            None => return,
            Some(Ok(configs)) => configs,
            Some(Err(e)) => {
                tracing::error!(connector = name, error = %e, "cannot reconfigure the connector's tasks");
                return;
            }
        };
        if configs == entry.task_configs {
            return;
        }
        tracing::info!(
            connector = name,
            tasks = configs.len(),
            "task configs changed: restarting the tasks"
        );
        let ids = self.worker.task_ids(name).await;
        self.worker.stop_tasks(&ids).await;
        entry.task_configs = configs;
        for (index, task_config) in entry.task_configs.iter().enumerate() {
            let id = TaskId {
                connector: name.to_owned(),
                task: index as u32,
            };
            let _ = self
                .worker
                .start_task(id, &entry.config, task_config, entry.target)
                .await;
        }
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
            tasks: base::task_ids(name, entry.task_configs.len()),
            connector_type: self.connector_type(&entry.config),
        }
    }

    fn connector_type(&self, config: &ConfigMap) -> Option<String> {
        self.catalog().connector_type(config)
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

    fn version_in(&self, config: &ConfigMap, state: State) -> Option<String> {
        base::version_in(&self.catalog(), config, state.as_str())
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
        let entry = entry.ok_or_else(|| not_found(name))?;
        base::check_stopped(name, entry.target, entry.task_configs.len())?;
        Ok(entry.kind)
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
        let entry = connectors.get(name).ok_or_else(|| not_found(name))?;
        Ok(self.info(name, entry))
    }

    async fn connector_config(&self, name: &str) -> HerderResult<ConfigMap> {
        let connectors = self.connectors.lock().await;
        let entry = connectors.get(name).ok_or_else(|| not_found(name))?;
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
            return Err(not_found(name));
        }
        self.worker.stop_connector(name).await;
        self.worker.status().remove_connector(name);
        self.worker.reset_active_topics(name);
        Ok(())
    }

    async fn set_target_state(&self, name: &str, state: TargetState) -> HerderResult<()> {
        let mut connectors = self.connectors.lock().await;
        let Some(entry) = connectors.get_mut(name) else {
            return Err(base::unknown_connector_for_state(name, state));
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
        let entry = connectors
            .get(name)
            .ok_or_else(|| base::no_connector_status(name))?;
        Ok(self.status_of(name, entry))
    }

    async fn task_status(&self, name: &str, task: i32) -> HerderResult<TaskStateInfo> {
        let connectors = self.connectors.lock().await;
        let entry = connectors.get(name);
        match (entry, u32::try_from(task)) {
            (Some(entry), Ok(t)) if (t as usize) < entry.task_configs.len() => {
                Ok(self.task_state(name, entry, t))
            }
            _ => Err(base::no_task_status(name, task)),
        }
    }

    async fn task_configs(&self, name: &str) -> HerderResult<Vec<TaskInfo>> {
        let connectors = self.connectors.lock().await;
        let entry = connectors.get(name).ok_or_else(|| not_found(name))?;
        Ok(base::task_infos(
            self.worker.plugins(),
            name,
            entry.config.get("connector.class").map(String::as_str),
            &entry.task_configs,
        ))
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
            return Err(base::unknown_connector_for_restart(
                name,
                include_tasks,
                only_failed,
            ));
        };
        let RestartPlan {
            status: plan,
            connector: restart_connector,
            tasks: tasks_to_restart,
        } = RestartPlan::new(self.status_of(name, entry), include_tasks, only_failed);
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
            return Err(base::unknown_connector_for_task_restart(name, task));
        };
        let Some(task_config) = usize::try_from(task)
            .ok()
            .and_then(|t| entry.task_configs.get(t))
        else {
            return Err(base::task_not_found(name, task));
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

    fn catalog(&self) -> PluginCatalog<'_> {
        let settings = self.worker.settings();
        PluginCatalog {
            registry: self.worker.plugins(),
            key_converter: &settings.key_converter.class,
            value_converter: &settings.value_converter.class,
            override_policy: &settings.override_policy,
        }
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
            let entry = connectors.get(name).ok_or_else(|| not_found(name))?;
            (entry.kind, entry.config.clone())
        };
        let offsets = match kind {
            ConnectorKind::Sink => {
                sink_offsets::read(
                    self.bootstrap(),
                    name.to_owned(),
                    base::sink_topics(&config),
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
        Ok(base::offsets_altered(managed))
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
        Ok(base::offsets_reset(managed))
    }
}
