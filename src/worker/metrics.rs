//! The worker's `/metrics`: per connector task, Apache's connector-task metrics under
//! Prometheus names, plus the membership lease. Exported in Prometheus text format from a
//! `tributary`-prefixed registry.
//!
//! Per task (labels `connector`, `task`):
//! - source: `tributary_source_task_records_polled_total`,
//!   `tributary_source_task_records_written_total` (acknowledged by the broker);
//! - sink: `tributary_sink_task_records_read_total`, `tributary_sink_task_records_put_total`;
//! - both: `tributary_task_offset_commits_total`, the histogram
//!   `tributary_task_offset_commit_seconds`, `tributary_task_errors_total`,
//!   `tributary_task_retriable_errors_total` (a `poll` or `put` retried after a back-off, or
//!   an error the task's Kafka client reported and retries itself),
//!   `tributary_task_failures_total` (times the task turned FAILED),
//!   `tributary_task_starts_total`, and the gauge `tributary_task_status{state}` (1 for the
//!   current state, 0 for the others, Connect's state names).
//!
//! Per connector instance running here (label `connector`): `tributary_connector_starts_total`
//! and the gauge `tributary_connector_status{state}`.
//!
//! A sink's commit latency is the time to hand the commit to the consumer: its periodic
//! commits are asynchronous (Apache's are too), only the final one waits for the broker.
//!
//! Task counters add up over the runs of a task on this worker (a restart starts a fresh
//! runtime counter set; the finished run's totals are kept), so they only go up while the
//! task stays here. A task that leaves this worker leaves the export.
//!
//! Lease: `tributary_worker_lease_renewals_total`, `tributary_worker_lease_renewal_failures_total`
//! and `tributary_worker_fenced_total` (times the worker stopped everything because its
//! lease was not renewed in time).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::registry::Registry;

use crate::connectors::ConnectorKind;
use crate::runtime::metrics::{TaskMetrics, TaskSnapshot};
use crate::runtime::status::{State, StatusStore, TaskId};

/// Every state a task can report, for the state gauge.
const TASK_STATES: [State; 5] = [
    State::Running,
    State::Paused,
    State::Failed,
    State::Restarting,
    State::Unassigned,
];

/// Every state a connector instance can report, for the state gauge.
const CONNECTOR_STATES: [State; 6] = [
    State::Running,
    State::Paused,
    State::Stopped,
    State::Failed,
    State::Restarting,
    State::Unassigned,
];

/// The worker's metrics and the registry `/metrics` encodes.
#[derive(Clone)]
pub struct WorkerMetrics {
    registry: Arc<Registry>,
    tasks: Arc<TaskMeters>,
    /// Successful lease renewals.
    pub lease_renewals: Counter,
    /// Failed (or timed-out) lease renewals.
    pub lease_renewal_failures: Counter,
    /// Times this worker fenced itself (stopped everything, lease not renewed in time).
    pub fenced: Counter,
}

impl WorkerMetrics {
    /// Metrics of a worker whose task states live in `status`.
    pub fn new(status: StatusStore) -> Self {
        let mut registry = Registry::with_prefix("tributary");
        let tasks = Arc::new(TaskMeters {
            status,
            tasks: Mutex::default(),
            instances: Mutex::default(),
        });
        registry.register_collector(Box::new(tasks.clone()));
        let lease_renewals = Counter::default();
        let lease_renewal_failures = Counter::default();
        let fenced = Counter::default();
        registry.register(
            "worker_lease_renewals",
            "Successful renewals of this worker's membership lease",
            lease_renewals.clone(),
        );
        registry.register(
            "worker_lease_renewal_failures",
            "Failed or timed-out renewals of this worker's membership lease",
            lease_renewal_failures.clone(),
        );
        registry.register(
            "worker_fenced",
            "Times this worker stopped all its tasks because its lease was not renewed in time",
            fenced.clone(),
        );
        WorkerMetrics {
            registry: Arc::new(registry),
            tasks,
            lease_renewals,
            lease_renewal_failures,
            fenced,
        }
    }

    /// Records that task `id` of a `kind` connector started a new run counted by `run`.
    /// The counters of its previous run on this worker are kept.
    pub fn task_started(&self, id: &TaskId, kind: ConnectorKind, run: Option<Arc<TaskMetrics>>) {
        let mut tasks = self.tasks.lock();
        let meter = tasks.entry(id.clone()).or_insert_with(|| TaskMeter {
            kind,
            finished: TaskSnapshot::default(),
            current: None,
            starts: 0,
            failures: 0,
        });
        if let Some(previous) = meter.current.take() {
            meter.finished += &previous.snapshot();
        }
        meter.kind = kind;
        meter.current = run;
        meter.starts += 1;
    }

    /// Records that task `id` turned FAILED.
    pub fn task_failed(&self, id: &TaskId) {
        if let Some(meter) = self.tasks.lock().get_mut(id) {
            meter.failures += 1;
        }
    }

    /// Forgets task `id`: it no longer runs on this worker.
    pub fn task_removed(&self, id: &TaskId) {
        self.tasks.lock().remove(id);
    }

    /// Keeps the task metrics of connector `connector` whose task id satisfies `keep`.
    pub fn retain_tasks(&self, connector: &str, keep: impl Fn(u32) -> bool) {
        self.tasks
            .lock()
            .retain(|id, _| id.connector != connector || keep(id.task));
    }

    /// Records that the instance of connector `name` was started (or restarted) here.
    pub fn connector_started(&self, name: &str) {
        *self.tasks.instances().entry(name.to_owned()).or_default() += 1;
    }

    /// Keeps the connector instances for which `runs_here` holds; forgets the others.
    pub fn retain_connectors(&self, runs_here: impl Fn(&str) -> bool) {
        self.tasks.instances().retain(|name, _| runs_here(name));
    }

    /// The registry in Prometheus text format (version 0.0.4).
    pub fn encode(&self) -> Result<String, std::fmt::Error> {
        let mut out = String::new();
        prometheus_client::encoding::prometheus_text::encode(&mut out, &self.registry)?;
        Ok(out)
    }
}

/// The counters of one task on this worker, over all its runs here.
#[derive(Debug)]
struct TaskMeter {
    kind: ConnectorKind,
    /// Totals of the runs that ended.
    finished: TaskSnapshot,
    /// The counters of the current run.
    current: Option<Arc<TaskMetrics>>,
    starts: u64,
    failures: u64,
}

impl TaskMeter {
    fn totals(&self) -> TaskSnapshot {
        let mut totals = self.finished.clone();
        if let Some(current) = &self.current {
            totals += &current.snapshot();
        }
        totals
    }
}

/// Encodes the task meters at each scrape.
struct TaskMeters {
    status: StatusStore,
    tasks: Mutex<BTreeMap<TaskId, TaskMeter>>,
    /// Connector instances running here, with their start counts.
    instances: Mutex<BTreeMap<String, u64>>,
}

impl std::fmt::Debug for TaskMeters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskMeters")
            .field("tasks", &self.tasks)
            .finish_non_exhaustive()
    }
}

impl TaskMeters {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<TaskId, TaskMeter>> {
        // A panic while holding this lock leaves plain counters behind: still usable.
        self.tasks.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn instances(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, u64>> {
        self.instances.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TaskLabels {
    connector: String,
    task: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ConnectorLabels {
    connector: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ConnectorStateLabels {
    connector: String,
    state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TaskStateLabels {
    connector: String,
    task: String,
    state: String,
}

/// One row of an exported family: the task's labels and its value.
struct Row {
    labels: TaskLabels,
    kind: ConnectorKind,
    totals: TaskSnapshot,
    starts: u64,
    failures: u64,
    state: Option<State>,
}

fn counter_family(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    rows: &[Row],
    value: impl Fn(&Row) -> Option<u64>,
) -> Result<(), std::fmt::Error> {
    let mut family = encoder.encode_descriptor(name, help, None, MetricType::Counter)?;
    for row in rows {
        if let Some(value) = value(row) {
            ConstCounter::new(value).encode(family.encode_family(&row.labels)?)?;
        }
    }
    Ok(())
}

impl Collector for TaskMeters {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let rows: Vec<Row> = self
            .lock()
            .iter()
            .map(|(id, meter)| Row {
                labels: TaskLabels {
                    connector: id.connector.clone(),
                    task: id.task.to_string(),
                },
                kind: meter.kind,
                totals: meter.totals(),
                starts: meter.starts,
                failures: meter.failures,
                state: self.status.task(id).map(|s| s.state),
            })
            .collect();
        let source = |row: &Row| row.kind == ConnectorKind::Source;
        counter_family(
            &mut encoder,
            "source_task_records_polled",
            "Records returned by the source task's poll",
            &rows,
            |r| source(r).then_some(r.totals.records_polled),
        )?;
        counter_family(
            &mut encoder,
            "source_task_records_written",
            "Records of the source task acknowledged by Kafka",
            &rows,
            |r| source(r).then_some(r.totals.records_written),
        )?;
        counter_family(
            &mut encoder,
            "sink_task_records_read",
            "Records the sink task read from Kafka",
            &rows,
            |r| (!source(r)).then_some(r.totals.records_polled),
        )?;
        counter_family(
            &mut encoder,
            "sink_task_records_put",
            "Records the sink task's put accepted",
            &rows,
            |r| (!source(r)).then_some(r.totals.records_written),
        )?;
        counter_family(
            &mut encoder,
            "task_offset_commits",
            "Successful offset commits of the task",
            &rows,
            |r| Some(r.totals.offset_commits),
        )?;
        counter_family(
            &mut encoder,
            "task_errors",
            "Errors the task loop ran into",
            &rows,
            |r| Some(r.totals.errors),
        )?;
        counter_family(
            &mut encoder,
            "task_retriable_errors",
            "Retriable errors of the task: polls and puts retried after a back-off, and errors its Kafka client reported and retries itself (a broker away, a failed connection)",
            &rows,
            |r| Some(r.totals.retriable_errors),
        )?;
        counter_family(
            &mut encoder,
            "task_failures",
            "Times the task turned FAILED",
            &rows,
            |r| Some(r.failures),
        )?;
        counter_family(
            &mut encoder,
            "task_starts",
            "Times the task was started on this worker",
            &rows,
            |r| Some(r.starts),
        )?;
        {
            let mut family = encoder.encode_descriptor(
                "task_offset_commit_seconds",
                "Time taken by the task's successful offset commits",
                None,
                MetricType::Histogram,
            )?;
            for row in &rows {
                family
                    .encode_family(&row.labels)?
                    .encode_histogram::<prometheus_client::encoding::NoLabelSet>(
                        row.totals.offset_commit_seconds,
                        row.totals.offset_commits,
                        &row.totals.commit_latency_buckets(),
                        None,
                    )?;
            }
        }
        let mut family = encoder.encode_descriptor(
            "task_status",
            "The task's current state (1) among Connect's task states",
            None,
            MetricType::Gauge,
        )?;
        for row in &rows {
            for state in TASK_STATES {
                let labels = TaskStateLabels {
                    connector: row.labels.connector.clone(),
                    task: row.labels.task.clone(),
                    state: state.as_str().to_owned(),
                };
                let value = i64::from(row.state == Some(state));
                family.encode_family(&labels)?.encode_gauge(&value)?;
            }
        }
        self.encode_instances(&mut encoder)
    }
}

impl TaskMeters {
    /// The connector-instance families: start counts and the state gauge.
    fn encode_instances(&self, encoder: &mut DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let instances: Vec<(String, u64, Option<State>)> = self
            .instances()
            .iter()
            .map(|(name, starts)| {
                let state = self.status.connector(name).map(|s| s.state);
                (name.clone(), *starts, state)
            })
            .collect();
        let mut family = encoder.encode_descriptor(
            "connector_starts",
            "Times the connector instance was started on this worker",
            None,
            MetricType::Counter,
        )?;
        for (name, starts, _) in &instances {
            let labels = ConnectorLabels {
                connector: name.clone(),
            };
            ConstCounter::new(*starts).encode(family.encode_family(&labels)?)?;
        }
        let mut family = encoder.encode_descriptor(
            "connector_status",
            "The connector instance's current state (1) among Connect's connector states",
            None,
            MetricType::Gauge,
        )?;
        for (name, _, state) in &instances {
            for candidate in CONNECTOR_STATES {
                let labels = ConnectorStateLabels {
                    connector: name.clone(),
                    state: candidate.as_str().to_owned(),
                };
                let value = i64::from(*state == Some(candidate));
                family.encode_family(&labels)?.encode_gauge(&value)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::runtime::status::Status;

    fn task() -> TaskId {
        TaskId {
            connector: "src".into(),
            task: 0,
        }
    }

    fn line<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
        text.lines().find(|l| l.starts_with(prefix))
    }

    #[test]
    fn counters_add_up_over_restarts_and_state_is_a_gauge() {
        let status = StatusStore::new();
        let metrics = WorkerMetrics::new(status.clone());
        let first = Arc::new(TaskMetrics::default());
        metrics.task_started(&task(), ConnectorKind::Source, Some(first.clone()));
        first.record_polled(5);
        first.record_written(4);
        first.record_offset_commit(Duration::from_millis(2));
        let second = Arc::new(TaskMetrics::default());
        metrics.task_started(&task(), ConnectorKind::Source, Some(second.clone()));
        second.record_polled(2);
        metrics.task_failed(&task());
        status.put_task(
            &task(),
            Status {
                state: State::Failed,
                worker_id: "w".into(),
                trace: Some("boom".into()),
            },
        );
        metrics.lease_renewals.inc();

        let text = metrics.encode().unwrap();
        let labels = r#"{connector="src",task="0"}"#;
        for (name, value) in [
            ("tributary_source_task_records_polled_total", "7"),
            ("tributary_source_task_records_written_total", "4"),
            ("tributary_task_starts_total", "2"),
            ("tributary_task_failures_total", "1"),
            ("tributary_task_offset_commits_total", "1"),
            ("tributary_task_offset_commit_seconds_count", "1"),
        ] {
            let prefix = format!("{name}{labels} ");
            assert_eq!(
                line(&text, &prefix),
                Some(format!("{prefix}{value}").as_str()),
                "{text}"
            );
        }
        assert!(
            text.contains(r#"tributary_task_status{connector="src",task="0",state="FAILED"} 1"#),
            "{text}"
        );
        assert!(
            text.contains(r#"tributary_task_status{connector="src",task="0",state="RUNNING"} 0"#),
            "{text}"
        );
        assert!(
            text.contains("tributary_worker_lease_renewals_total 1"),
            "{text}"
        );
        assert!(!text.contains("sink_task_records_read_total{"), "{text}");

        metrics.task_removed(&task());
        let text = metrics.encode().unwrap();
        assert!(!text.contains(r#"connector="src""#), "{text}");

        metrics.connector_started("src");
        metrics.connector_started("src");
        status.put_connector(
            "src",
            Status {
                state: State::Running,
                worker_id: "w".into(),
                trace: None,
            },
        );
        let text = metrics.encode().unwrap();
        assert!(
            text.contains(r#"tributary_connector_starts_total{connector="src"} 2"#),
            "{text}"
        );
        assert!(
            text.contains(r#"tributary_connector_status{connector="src",state="RUNNING"} 1"#),
            "{text}"
        );
        metrics.retain_connectors(|_| false);
        let text = metrics.encode().unwrap();
        assert!(!text.contains(r#"connector="src""#), "{text}");
    }
}
