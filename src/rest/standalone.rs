//! The standalone herder: connector configs live in this process (as in Apache's
//! `StandaloneHerder`), and one [`Worker`] runs everything.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::Mutex;

use super::entities::{
    ConnectorInfo, ConnectorState, ConnectorStateInfo, ConnectorTaskId, ServerInfo, TaskInfo,
    TaskStateInfo,
};
use super::herder::{Herder, HerderError, HerderResult, PutOutcome};
use crate::connectors::{ConfigMap, PluginInfo};
use crate::runtime::{State, TargetState, TaskId, Worker};

struct ConnectorEntry {
    config: ConfigMap,
    target: TargetState,
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

    /// Checks a config before anything runs: Apache rejects an unknown class or a
    /// config its connector declares invalid with 400 and the list of problems.
    fn validate(&self, config: &ConfigMap) -> HerderResult<String> {
        let mut errors = Vec::new();
        let mut kind = String::new();
        match config.get("connector.class") {
            None => errors.push(
                "Missing required configuration \"connector.class\" which has no default value."
                    .to_owned(),
            ),
            Some(class) => match self.worker.plugins().resolve(class) {
                Ok(plugin) => {
                    kind = plugin.kind().as_str().to_owned();
                    if let Ok(connector) = self.worker.plugins().create_connector(class) {
                        for key in connector.validate(config) {
                            errors.extend(key.errors);
                        }
                    }
                }
                Err(e) => errors.push(e.to_string()),
            },
        }
        if let Some(v) = config.get("tasks.max") {
            match v.trim().parse::<i32>() {
                Ok(n) if n >= 1 => {}
                Ok(_) => errors.push(format!(
                    "Invalid value {v} for configuration tasks.max: Value must be at least 1"
                )),
                Err(_) => errors.push(format!(
                    "Invalid value {v} for configuration tasks.max: Not a number of type INT"
                )),
            }
        }
        if errors.is_empty() {
            return Ok(kind);
        }
        let kind_for_hint = if kind.is_empty() {
            "{connectorType}".to_owned()
        } else {
            kind
        };
        Err(HerderError::BadRequest(format!(
            "Connector configuration is invalid and contains the following {} error(s):\n{}\nYou can also find the above list of errors at the endpoint `/connector-plugins/{kind_for_hint}/config/validate`",
            errors.len(),
            errors.join("\n")
        )))
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
        let class = config.get("connector.class")?;
        let plugin = self.worker.plugins().resolve(class).ok()?;
        Some(plugin.kind().as_str().to_owned())
    }

    fn task_state(&self, name: &str, task: u32) -> TaskStateInfo {
        let id = TaskId {
            connector: name.to_owned(),
            task,
        };
        match self.worker.status().task(&id) {
            Some(status) => TaskStateInfo {
                id: task as i32,
                state: status.state.to_string(),
                worker_id: status.worker_id,
                trace: status.trace,
            },
            None => TaskStateInfo {
                id: task as i32,
                state: State::Unassigned.to_string(),
                worker_id: self.worker.worker_id().to_owned(),
                trace: None,
            },
        }
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
        self.validate(&config)?;
        // One change at a time, as Apache's herder thread does: holding the lock across
        // the restart keeps two updates of one connector from interleaving.
        let mut connectors = self.connectors.lock().await;
        let existing_target = connectors.get(name).map(|e| e.target);
        if existing_target.is_some() && !allow_replace {
            return Err(HerderError::Conflict(format!(
                "Connector {name} already exists"
            )));
        }
        if existing_target.is_some() {
            self.worker.stop_connector(name).await;
            self.worker.status().remove_connector(name);
        }
        let target = existing_target.or(initial_state).unwrap_or_default();
        let task_configs = self.start(name, &config, target).await;
        let entry = ConnectorEntry {
            config,
            target,
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
        Ok(())
    }

    async fn set_target_state(&self, name: &str, state: TargetState) -> HerderResult<()> {
        let mut connectors = self.connectors.lock().await;
        let entry = connectors
            .get_mut(name)
            .ok_or_else(|| Self::not_found(name))?;
        let previous = entry.target;
        if previous == state {
            return Ok(());
        }
        entry.target = state;
        if state == TargetState::Stopped || previous == TargetState::Stopped {
            // Stopping shuts the tasks down; leaving STOPPED starts them again.
            self.worker.stop_connector(name).await;
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
        let entry = connectors.get(name).ok_or_else(|| Self::not_found(name))?;
        let connector = match self.worker.status().connector(name) {
            Some(status) => ConnectorState {
                state: status.state.to_string(),
                worker_id: status.worker_id,
                trace: status.trace,
            },
            None => ConnectorState {
                state: State::Unassigned.to_string(),
                worker_id: self.worker.worker_id().to_owned(),
                trace: None,
            },
        };
        let tasks = (0..entry.task_configs.len() as u32)
            .map(|task| self.task_state(name, task))
            .collect();
        Ok(ConnectorStateInfo {
            name: name.to_owned(),
            connector,
            tasks,
            connector_type: self.connector_type(&entry.config),
        })
    }

    async fn task_status(&self, name: &str, task: i32) -> HerderResult<TaskStateInfo> {
        let connectors = self.connectors.lock().await;
        let entry = connectors.get(name).ok_or_else(|| Self::not_found(name))?;
        if task < 0 || task as usize >= entry.task_configs.len() {
            return Err(HerderError::NotFound(format!(
                "No status found for task {name}-{task}"
            )));
        }
        Ok(self.task_state(name, task as u32))
    }

    async fn task_configs(&self, name: &str) -> HerderResult<Vec<TaskInfo>> {
        let connectors = self.connectors.lock().await;
        let entry = connectors.get(name).ok_or_else(|| Self::not_found(name))?;
        Ok(entry
            .task_configs
            .iter()
            .enumerate()
            .map(|(task, config)| TaskInfo {
                id: ConnectorTaskId {
                    connector: name.to_owned(),
                    task: task as i32,
                },
                config: config.clone(),
            })
            .collect())
    }

    async fn restart_connector(
        &self,
        name: &str,
        include_tasks: bool,
        only_failed: bool,
    ) -> HerderResult<ConnectorStateInfo> {
        {
            let mut connectors = self.connectors.lock().await;
            let entry = connectors
                .get_mut(name)
                .ok_or_else(|| Self::not_found(name))?;
            let connector_failed = self
                .worker
                .status()
                .connector(name)
                .is_some_and(|s| s.state == State::Failed);
            let any_task_failed = (0..entry.task_configs.len() as u32).any(|task| {
                self.worker
                    .status()
                    .task(&TaskId {
                        connector: name.to_owned(),
                        task,
                    })
                    .is_some_and(|s| s.state == State::Failed)
            });
            let restart = if only_failed {
                connector_failed || (include_tasks && any_task_failed)
            } else {
                true
            };
            if restart {
                self.worker.stop_connector(name).await;
                let config = entry.config.clone();
                entry.task_configs = self.start(name, &config, entry.target).await;
            }
        }
        self.connector_status(name).await
    }

    async fn restart_task(&self, name: &str, task: i32) -> HerderResult<()> {
        let connectors = self.connectors.lock().await;
        let entry = connectors.get(name).ok_or_else(|| Self::not_found(name))?;
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

    async fn plugins(&self) -> HerderResult<Vec<PluginInfo>> {
        Ok(self.worker.plugins().plugins())
    }
}
