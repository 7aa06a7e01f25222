//! The controller's part of a `KafkaConnector` status: the placement (`connectorWorker`,
//! `taskAssignment`), `tasksReady`, `observedGeneration` and the `Ready` condition, and
//! the rules that derive the condition from the placement and what the workers report.
//!
//! Pure functions over the resource, so every reason is unit-tested without a cluster.
//! The workers own the rest of the status (`connectorStatus`, `taskConfigs`); the
//! controller applies only the fields of [`ControllerStatus`] under its own field manager.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use k8s_openapi::jiff::Timestamp;
use kube::ResourceExt;
use serde::Serialize;
use serde_json::{Value, json};

use super::assignment::{Assignment, Unit};
use crate::api::{KafkaConnector, KafkaConnectorStatus, TaskStatus};
use crate::runtime::TargetState;

/// The condition type the controller writes.
pub const READY: &str = "Ready";

/// Why a connector is or is not ready: the `reason` of its `Ready` condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// The instance and every task run on their assigned workers.
    Running,
    /// Paused as asked: the instance and every task report `PAUSED`.
    Paused,
    /// Stopped as asked: the instance reports `STOPPED` and holds no tasks.
    Stopped,
    /// The instance or some tasks are assigned and on their way to the desired state.
    Starting,
    /// At least one task reports `FAILED`.
    TasksFailed,
    /// The connector instance reports `FAILED`.
    ConnectorFailed,
    /// The instance or some tasks have no worker yet (a move waits for the old worker).
    Unassigned,
    /// The cluster has no live worker.
    NoWorkers,
    /// The `tributary.dev/cluster` label is missing or names no `KafkaConnect`.
    ClusterNotFound,
}

impl Reason {
    /// The condition's `reason` string.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Running => "Running",
            Reason::Paused => "Paused",
            Reason::Stopped => "Stopped",
            Reason::Starting => "Starting",
            Reason::TasksFailed => "TasksFailed",
            Reason::ConnectorFailed => "ConnectorFailed",
            Reason::Unassigned => "Unassigned",
            Reason::NoWorkers => "NoWorkers",
            Reason::ClusterNotFound => "ClusterNotFound",
        }
    }

    /// True when the connector is in its desired state.
    pub fn is_ready(self) -> bool {
        matches!(self, Reason::Running | Reason::Paused | Reason::Stopped)
    }

    /// True for the reasons worth a Warning event.
    pub fn is_failure(self) -> bool {
        matches!(
            self,
            Reason::TasksFailed | Reason::ConnectorFailed | Reason::ClusterNotFound
        )
    }
}

/// The outcome of [`readiness`]: a reason and a message for people.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Readiness {
    /// The condition's reason.
    pub reason: Reason,
    /// What is the case, naming workers, tasks and failures.
    pub message: String,
}

impl Readiness {
    fn new(reason: Reason, message: impl Into<String>) -> Self {
        Readiness {
            reason,
            message: message.into(),
        }
    }

    /// The `Ready` condition, keeping the previous transition time while the condition's
    /// status (True/False) holds, as the Kubernetes conventions ask.
    pub fn condition(&self, previous: &[Condition], generation: Option<i64>) -> Condition {
        let status = if self.reason.is_ready() {
            "True"
        } else {
            "False"
        };
        let last_transition_time = previous
            .iter()
            .find(|c| c.type_ == READY && c.status == status)
            .map(|c| c.last_transition_time.clone())
            .unwrap_or_else(|| Time(Timestamp::now()));
        Condition {
            type_: READY.into(),
            status: status.into(),
            reason: self.reason.as_str().into(),
            message: self.message.clone(),
            observed_generation: generation,
            last_transition_time,
        }
    }
}

/// The fields of a `KafkaConnector` status the controller owns.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ControllerStatus {
    /// Worker of the connector instance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connector_worker: Option<String>,
    /// Task id to worker.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub task_assignment: BTreeMap<String, String>,
    /// Running tasks (on their assigned worker) over `tasksMax`.
    pub tasks_ready: String,
    /// The generation the conditions describe.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// The `Ready` condition.
    pub conditions: Vec<Condition>,
}

impl ControllerStatus {
    /// What the controller wants for `connector`, placed by `assignment`, in `cluster`
    /// with `live_workers` live workers.
    pub fn wanted(
        connector: &KafkaConnector,
        cluster: &str,
        live_workers: usize,
        assignment: &Assignment,
    ) -> Self {
        let name = connector.name_any();
        let task_assignment: BTreeMap<String, String> = assignment
            .placements
            .iter()
            .filter_map(|(unit, worker)| match unit {
                Unit::Task(owner, id) if *owner == name => Some((id.to_string(), worker.clone())),
                _ => None,
            })
            .collect();
        let readiness = readiness(connector, cluster, live_workers, assignment);
        Self::with(
            connector,
            assignment
                .worker_of(&Unit::Connector(name.clone()))
                .map(str::to_owned),
            task_assignment,
            &readiness,
        )
    }

    /// The status of a connector that no cluster reconciles: no placement.
    pub fn unbound(connector: &KafkaConnector, message: String) -> Self {
        let readiness = Readiness::new(Reason::ClusterNotFound, message);
        Self::with(connector, None, BTreeMap::new(), &readiness)
    }

    fn with(
        connector: &KafkaConnector,
        connector_worker: Option<String>,
        task_assignment: BTreeMap<String, String>,
        readiness: &Readiness,
    ) -> Self {
        let status = connector.status.clone().unwrap_or_default();
        let generation = connector.metadata.generation;
        let running = reported_tasks(&status)
            .filter(|t| {
                t.state == "RUNNING" && task_assignment.get(&t.id.to_string()) == Some(&t.worker_id)
            })
            .count();
        ControllerStatus {
            connector_worker,
            task_assignment,
            tasks_ready: format!("{running}/{}", connector.spec.tasks_max.unwrap_or(1)),
            observed_generation: generation,
            conditions: vec![readiness.condition(&status.conditions, generation)],
        }
    }

    /// What the controller wrote last, read back from the status.
    pub fn current(connector: &KafkaConnector) -> Self {
        let status = connector.status.clone().unwrap_or_default();
        ControllerStatus {
            connector_worker: status.connector_worker,
            task_assignment: status.task_assignment,
            tasks_ready: status.tasks_ready.unwrap_or_default(),
            observed_generation: status.observed_generation,
            conditions: status.conditions,
        }
    }

    /// The reason of the `Ready` condition, if any.
    pub fn reason(&self) -> Option<&str> {
        self.conditions
            .iter()
            .find(|c| c.type_ == READY)
            .map(|c| c.reason.as_str())
    }

    /// The server-side apply body with exactly these fields.
    pub fn to_patch(&self) -> Value {
        json!({
            "apiVersion": "tributary.dev/v1alpha1",
            "kind": "KafkaConnector",
            "status": self,
        })
    }
}

fn reported_tasks(status: &KafkaConnectorStatus) -> impl Iterator<Item = &TaskStatus> {
    status
        .connector_status
        .iter()
        .flat_map(|info| info.tasks.iter())
}

/// The first line of a failure trace, for a condition message.
fn headline(trace: Option<&str>) -> &str {
    trace
        .and_then(|t| t.lines().map(str::trim).find(|l| !l.is_empty()))
        .unwrap_or("no trace")
}

fn task_list(ids: &[u32]) -> String {
    let ids: Vec<String> = ids.iter().map(u32::to_string).collect();
    match ids.len() {
        1 => format!("task {}", ids[0]),
        _ => format!("tasks {}", ids.join(", ")),
    }
}

/// Decides the `Ready` condition of a connector of `cluster` from the placement the
/// controller is about to write and the states the workers report. Only reports from a
/// unit's assigned worker count: a worker that is still stopping a moved task does not
/// make it look running.
pub fn readiness(
    connector: &KafkaConnector,
    cluster: &str,
    live_workers: usize,
    assignment: &Assignment,
) -> Readiness {
    let name = connector.name_any();
    let desired = connector.spec.state.unwrap_or_default();
    let status = connector.status.clone().unwrap_or_default();
    let info = status.connector_status.clone().unwrap_or_default();

    if live_workers == 0 {
        return Readiness::new(
            Reason::NoWorkers,
            format!("KafkaConnect {cluster} has no live worker (none holds a fresh lease)"),
        );
    }
    let Some(instance_worker) = assignment.worker_of(&Unit::Connector(name.clone())) else {
        let holder = &info.connector.worker_id;
        let message = if holder.is_empty() {
            "the connector instance waits for a worker".to_string()
        } else {
            format!("the connector instance is moving: waiting for worker {holder} to stop it")
        };
        return Readiness::new(Reason::Unassigned, message);
    };
    let instance = (info.connector.worker_id == instance_worker).then_some(&info.connector);
    let Some(instance) = instance else {
        return Readiness::new(
            Reason::Starting,
            format!(
                "the connector instance is assigned to worker {instance_worker}, which has not started it yet"
            ),
        );
    };
    if instance.state == "FAILED" {
        return Readiness::new(
            Reason::ConnectorFailed,
            format!(
                "the connector failed on worker {instance_worker}: {}",
                headline(instance.trace.as_deref())
            ),
        );
    }
    if desired == TargetState::Stopped {
        return if instance.state == "STOPPED" {
            Readiness::new(
                Reason::Stopped,
                format!("the connector is stopped on worker {instance_worker}, with no tasks"),
            )
        } else {
            Readiness::new(
                Reason::Starting,
                format!(
                    "stopping the connector on worker {instance_worker} (now {})",
                    instance.state
                ),
            )
        };
    }

    // Tasks: the ones the published task configs call for, each on its assigned worker.
    let expected = status.task_configs.len() as u32;
    let mut failed = Vec::new();
    let mut unassigned = Vec::new();
    let mut in_state = 0;
    let wanted_state = if desired == TargetState::Paused {
        "PAUSED"
    } else {
        "RUNNING"
    };
    for id in 0..expected {
        let Some(worker) = assignment.worker_of(&Unit::Task(name.clone(), id)) else {
            unassigned.push(id);
            continue;
        };
        let report = info
            .tasks
            .iter()
            .find(|t| t.id as u32 == id && t.worker_id == worker);
        match report {
            Some(task) if task.state == "FAILED" => {
                failed.push((id, worker, headline(task.trace.as_deref()).to_string()))
            }
            Some(task) if task.state == wanted_state => in_state += 1,
            _ => {}
        }
    }
    if !failed.is_empty() {
        let details: Vec<String> = failed
            .iter()
            .map(|(id, worker, line)| format!("task {id} failed on worker {worker}: {line}"))
            .collect();
        return Readiness::new(Reason::TasksFailed, details.join("; "));
    }
    if !unassigned.is_empty() {
        return Readiness::new(
            Reason::Unassigned,
            format!(
                "{} waiting for a worker (a moved task starts once its old worker stopped it)",
                task_list(&unassigned)
            ),
        );
    }
    let generation = connector.metadata.generation;
    if status.task_configs_generation != generation {
        return Readiness::new(
            Reason::Starting,
            format!(
                "waiting for worker {instance_worker} to publish the task configs of generation {}",
                generation.unwrap_or_default()
            ),
        );
    }
    if instance.state == wanted_state && in_state == expected {
        let workers: BTreeSet<&str> = (0..expected)
            .filter_map(|id| assignment.worker_of(&Unit::Task(name.clone(), id)))
            .chain([instance_worker])
            .collect();
        let workers: Vec<&str> = workers.into_iter().collect();
        let (reason, verb) = if desired == TargetState::Paused {
            (Reason::Paused, "paused")
        } else {
            (Reason::Running, "running")
        };
        let plural = if expected == 1 { "" } else { "s" };
        return Readiness::new(
            reason,
            format!(
                "the connector and {expected} task{plural} are {verb} on worker{} {}",
                if workers.len() == 1 { "" } else { "s" },
                workers.join(", ")
            ),
        );
    }
    Readiness::new(
        Reason::Starting,
        format!(
            "the connector is {} on worker {instance_worker}; {in_state} of {expected} tasks {}",
            instance.state,
            wanted_state.to_lowercase()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{ConnectorStatusInfo, KafkaConnectorSpec, StateInfo};

    fn task(id: i32, state: &str, worker: &str) -> TaskStatus {
        TaskStatus {
            id,
            state: state.into(),
            worker_id: worker.into(),
            trace: None,
        }
    }

    /// Connector `c` at generation 2 with two published task configs, instance on w1.
    fn connector(instance_state: &str, tasks: Vec<TaskStatus>) -> KafkaConnector {
        let mut c = KafkaConnector::new(
            "c",
            KafkaConnectorSpec {
                class: "FileStreamSource".into(),
                tasks_max: Some(2),
                ..KafkaConnectorSpec::default()
            },
        );
        c.metadata.generation = Some(2);
        c.status = Some(KafkaConnectorStatus {
            connector_status: Some(ConnectorStatusInfo {
                name: "c".into(),
                connector: StateInfo {
                    state: instance_state.into(),
                    worker_id: "w1".into(),
                    trace: None,
                },
                tasks,
                connector_type: Some("source".into()),
            }),
            task_configs: vec![BTreeMap::new(), BTreeMap::new()],
            task_configs_generation: Some(2),
            ..KafkaConnectorStatus::default()
        });
        c
    }

    fn placed(task0: Option<&str>, task1: Option<&str>) -> Assignment {
        let mut placements = BTreeMap::from([(Unit::Connector("c".into()), "w1".to_string())]);
        for (id, worker) in [(0, task0), (1, task1)] {
            if let Some(worker) = worker {
                placements.insert(Unit::Task("c".into(), id), worker.to_string());
            }
        }
        Assignment { placements }
    }

    fn reason(c: &KafkaConnector, live: usize, a: &Assignment) -> Reason {
        readiness(c, "files", live, a).reason
    }

    #[test]
    fn running_when_everything_runs_where_it_is_assigned() {
        let c = connector(
            "RUNNING",
            vec![task(0, "RUNNING", "w1"), task(1, "RUNNING", "w2")],
        );
        let r = readiness(&c, "files", 2, &placed(Some("w1"), Some("w2")));
        assert_eq!(r.reason, Reason::Running);
        assert_eq!(
            r.message,
            "the connector and 2 tasks are running on workers w1, w2"
        );
        let status = ControllerStatus::wanted(&c, "files", 2, &placed(Some("w1"), Some("w2")));
        assert_eq!(status.tasks_ready, "2/2");
        assert_eq!(status.observed_generation, Some(2));
        assert_eq!(status.conditions[0].status, "True");
    }

    #[test]
    fn a_task_reported_by_a_worker_it_is_not_assigned_to_does_not_count() {
        let c = connector(
            "RUNNING",
            vec![task(0, "RUNNING", "w1"), task(1, "RUNNING", "w1")],
        );
        let a = placed(Some("w1"), Some("w2"));
        assert_eq!(reason(&c, 2, &a), Reason::Starting);
        assert_eq!(
            ControllerStatus::wanted(&c, "files", 2, &a).tasks_ready,
            "1/2"
        );
    }

    #[test]
    fn no_workers_comes_first() {
        let c = connector("RUNNING", vec![]);
        assert_eq!(reason(&c, 0, &Assignment::default()), Reason::NoWorkers);
    }

    #[test]
    fn an_unplaced_instance_or_task_is_unassigned() {
        let c = connector("RUNNING", vec![task(0, "RUNNING", "w1")]);
        assert_eq!(reason(&c, 2, &Assignment::default()), Reason::Unassigned);
        let r = readiness(&c, "files", 2, &placed(Some("w1"), None));
        assert_eq!(r.reason, Reason::Unassigned);
        assert!(r.message.starts_with("task 1 waiting"), "{}", r.message);
    }

    #[test]
    fn failures_name_the_worker_and_the_first_trace_line() {
        let mut c = connector(
            "RUNNING",
            vec![task(0, "RUNNING", "w1"), task(1, "FAILED", "w2")],
        );
        if let Some(info) = c.status.as_mut().and_then(|s| s.connector_status.as_mut()) {
            info.tasks[1].trace =
                Some("org.apache.kafka.connect.errors.ConnectException: boom\n\tat x".into());
        }
        let r = readiness(&c, "files", 2, &placed(Some("w1"), Some("w2")));
        assert_eq!(r.reason, Reason::TasksFailed);
        assert_eq!(
            r.message,
            "task 1 failed on worker w2: org.apache.kafka.connect.errors.ConnectException: boom"
        );
        assert_eq!(
            ControllerStatus::wanted(&c, "files", 2, &placed(Some("w1"), Some("w2"))).conditions[0]
                .status,
            "False"
        );

        let failed = connector("FAILED", vec![]);
        assert_eq!(
            reason(&failed, 2, &placed(Some("w1"), Some("w2"))),
            Reason::ConnectorFailed
        );
    }

    #[test]
    fn paused_and_stopped_are_ready_once_reported() {
        let mut c = connector(
            "PAUSED",
            vec![task(0, "PAUSED", "w1"), task(1, "PAUSED", "w2")],
        );
        c.spec.state = Some(TargetState::Paused);
        assert_eq!(
            reason(&c, 2, &placed(Some("w1"), Some("w2"))),
            Reason::Paused
        );
        let mut stopped = connector("STOPPED", vec![]);
        stopped.spec.state = Some(TargetState::Stopped);
        assert_eq!(reason(&stopped, 2, &placed(None, None)), Reason::Stopped);
        stopped
            .status
            .as_mut()
            .unwrap()
            .connector_status
            .as_mut()
            .unwrap()
            .connector
            .state = "RUNNING".into();
        assert_eq!(reason(&stopped, 2, &placed(None, None)), Reason::Starting);
    }

    #[test]
    fn stale_task_configs_mean_starting() {
        let mut c = connector(
            "RUNNING",
            vec![task(0, "RUNNING", "w1"), task(1, "RUNNING", "w2")],
        );
        c.metadata.generation = Some(3);
        let r = readiness(&c, "files", 2, &placed(Some("w1"), Some("w2")));
        assert_eq!(r.reason, Reason::Starting);
        assert!(r.message.contains("generation 3"), "{}", r.message);
    }

    #[test]
    fn the_transition_time_holds_while_the_status_holds() {
        let c = connector(
            "RUNNING",
            vec![task(0, "RUNNING", "w1"), task(1, "RUNNING", "w2")],
        );
        let first = ControllerStatus::wanted(&c, "files", 2, &placed(Some("w1"), Some("w2")));
        let mut later = c.clone();
        let old = Time(Timestamp::from_second(1_000_000).unwrap());
        let mut previous = first.conditions.clone();
        previous[0].last_transition_time = old.clone();
        later.status.as_mut().unwrap().conditions = previous;
        let second = ControllerStatus::wanted(&later, "files", 2, &placed(Some("w1"), Some("w2")));
        assert_eq!(second.conditions[0].last_transition_time, old);
        let third = ControllerStatus::wanted(&later, "files", 0, &Assignment::default());
        assert_ne!(third.conditions[0].last_transition_time, old);
    }

    #[test]
    fn unbound_connectors_have_no_placement() {
        let c = connector("RUNNING", vec![task(0, "RUNNING", "w1")]);
        let status = ControllerStatus::unbound(&c, "KafkaConnect x not found".into());
        assert_eq!(status.reason(), Some("ClusterNotFound"));
        assert_eq!(status.to_patch()["status"].get("taskAssignment"), None);
        assert_eq!(status.tasks_ready, "0/2");
    }
}
