//! Connector and task states as the REST API reports them, kept by the worker.
//!
//! The standalone herder reads this store directly; the Kubernetes worker will also copy
//! each change into the `KafkaConnector` status (through [`StatusStore::subscribe`]).

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, RwLock};

use serde::Serialize;
use tokio::sync::broadcast;

/// Connect's `AbstractStatus.State`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum State {
    Unassigned,
    Running,
    Paused,
    Stopped,
    Failed,
    Restarting,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Unassigned => "UNASSIGNED",
            State::Running => "RUNNING",
            State::Paused => "PAUSED",
            State::Stopped => "STOPPED",
            State::Failed => "FAILED",
            State::Restarting => "RESTARTING",
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The state of one connector instance or task, with the worker running it and, when
/// failed, the error trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    pub state: State,
    pub worker_id: String,
    pub trace: Option<String>,
}

/// Identifies a task: its connector and its index (`ConnectorTaskId`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId {
    pub connector: String,
    pub task: u32,
}

impl fmt::Display for TaskId {
    /// Apache's `connector-0` form, used in client ids and logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.connector, self.task)
    }
}

/// A change in the store, for listeners.
#[derive(Clone, Debug)]
pub enum StatusChange {
    Connector(String, Option<Status>),
    Task(TaskId, Option<Status>),
}

#[derive(Default)]
struct Inner {
    connectors: HashMap<String, Status>,
    tasks: HashMap<String, BTreeMap<u32, Status>>,
}

/// In-memory status store shared by the worker, the herder and status reporters.
#[derive(Clone)]
pub struct StatusStore {
    inner: Arc<RwLock<Inner>>,
    changes: broadcast::Sender<StatusChange>,
}

impl Default for StatusStore {
    fn default() -> Self {
        let (changes, _) = broadcast::channel(1024);
        StatusStore {
            inner: Arc::default(),
            changes,
        }
    }
}

impl StatusStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Listens to every later change (lagging listeners lose the oldest ones).
    pub fn subscribe(&self) -> broadcast::Receiver<StatusChange> {
        self.changes.subscribe()
    }

    pub fn put_connector(&self, name: &str, status: Status) {
        self.write()
            .connectors
            .insert(name.to_owned(), status.clone());
        let _ = self
            .changes
            .send(StatusChange::Connector(name.to_owned(), Some(status)));
    }

    pub fn put_task(&self, id: &TaskId, status: Status) {
        self.write()
            .tasks
            .entry(id.connector.clone())
            .or_default()
            .insert(id.task, status.clone());
        let _ = self
            .changes
            .send(StatusChange::Task(id.clone(), Some(status)));
    }

    pub fn connector(&self, name: &str) -> Option<Status> {
        self.read().connectors.get(name).cloned()
    }

    pub fn task(&self, id: &TaskId) -> Option<Status> {
        self.read().tasks.get(&id.connector)?.get(&id.task).cloned()
    }

    /// Every task status of a connector, by task index.
    pub fn tasks(&self, connector: &str) -> Vec<(u32, Status)> {
        self.read()
            .tasks
            .get(connector)
            .map(|tasks| tasks.iter().map(|(i, s)| (*i, s.clone())).collect())
            .unwrap_or_default()
    }

    /// Forgets a task (it was removed by a reconfiguration with fewer tasks).
    pub fn remove_task(&self, id: &TaskId) {
        if let Some(tasks) = self.write().tasks.get_mut(&id.connector) {
            tasks.remove(&id.task);
        }
        let _ = self.changes.send(StatusChange::Task(id.clone(), None));
    }

    /// Forgets a connector and its tasks (it was deleted).
    pub fn remove_connector(&self, name: &str) {
        let mut inner = self.write();
        inner.connectors.remove(name);
        inner.tasks.remove(name);
        drop(inner);
        let _ = self
            .changes
            .send(StatusChange::Connector(name.to_owned(), None));
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(|e| e.into_inner())
    }
}

/// Reports one task's state into the store under a fixed worker id.
#[derive(Clone)]
pub struct TaskStatusReporter {
    pub id: TaskId,
    pub worker_id: String,
    pub store: StatusStore,
}

impl TaskStatusReporter {
    pub fn report(&self, state: State, trace: Option<String>) {
        self.store.put_task(
            &self.id,
            Status {
                state,
                worker_id: self.worker_id.clone(),
                trace,
            },
        );
    }
}
