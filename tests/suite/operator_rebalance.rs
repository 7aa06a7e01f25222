//! Rebalancing on the lab: three file pipelines (a `FileStreamSource` into its own topic,
//! a `FileStreamSink` out of it) run on two `tributary worker` processes, balanced three
//! instances and three tasks each. A third worker joins: the controller moves exactly two
//! instances and two tasks onto it (two-phase, the old worker stops first), every other
//! task keeps running without a restart (counted from each worker's "starting assigned
//! task" log lines), the statuses say `Ready`/`Running` again with the right
//! `observedGeneration` and `tasksReady`, the moves are told as Events, and every line
//! appended before and after the join reaches its sink file exactly once.
//!
//! A second test follows one connector through the reasons that need no worker: its
//! cluster missing (`ClusterNotFound`, with a Warning Event), then created without
//! workers (`NoWorkers`).

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use common::files::{append, lines, sink_has, sink_lines};
use common::kube_lab::{
    Operator, connector, create_kafka_connect, create_namespace, delete_namespace, eventually,
    install_crds, lab_client, operator_config,
};
use common::workers::{Process, STRING_CONVERTER, start_worker, write_worker_properties};
use k8s_openapi::api::events::v1::Event;
use kube::api::{Api, ListParams, PostParams};
use tributary::api::KafkaConnector;
use tributary::controller::leader::LeaseTiming;
use tributary::controller::{OperatorConfig, State};

const CLUSTER: &str = "rebalance";
const PIPELINES: [&str; 3] = ["alpha", "bravo", "charlie"];
/// The worker's log line when it starts a task assigned to it, followed by `task=<id>`.
const TASK_START: &str = "starting assigned task task=";

/// A `tributary worker` process with a pod's environment and its pod name.
struct Worker {
    pod: String,
    process: Process,
}

impl Worker {
    fn start(pod: &str, ns: &str, dir: &Path) -> Worker {
        Worker {
            pod: pod.to_owned(),
            process: start_worker(CLUSTER, pod, ns, dir),
        }
    }

    /// How many times this worker started each task (task id as `<connector>-<n>`).
    fn task_starts(&self) -> BTreeMap<String, usize> {
        let text = self.process.log_text();
        let mut starts = BTreeMap::new();
        for line in text.lines() {
            if let Some((_, rest)) = line.split_once(TASK_START) {
                let task = rest.split_whitespace().next().unwrap_or_default();
                *starts.entry(task.to_owned()).or_default() += 1;
            }
        }
        starts
    }
}

/// Where every unit runs, when every connector is `Ready` with reason `Running`, reports
/// RUNNING on its assigned workers, describes its current generation and counts its one
/// task in `tasksReady`. Keys: `<connector>` for instances, `<connector>-<task>` for tasks.
async fn settled_placement(api: &Api<KafkaConnector>) -> Option<BTreeMap<String, String>> {
    let mut placement = BTreeMap::new();
    for connector in api.list(&ListParams::default()).await.ok()?.items {
        let name = connector.metadata.name.clone()?;
        let status = connector.status?;
        let ready = status.conditions.iter().find(|c| c.type_ == "Ready")?;
        if ready.status != "True"
            || ready.reason != "Running"
            || status.observed_generation != connector.metadata.generation
            || status.tasks_ready.as_deref() != Some("1/1")
        {
            return None;
        }
        let info = status.connector_status?;
        let instance_worker = status.connector_worker?;
        let task_worker = status.task_assignment.get("0")?.clone();
        let task = info.tasks.iter().find(|t| t.id == 0)?;
        if info.connector.worker_id != instance_worker || task.worker_id != task_worker {
            return None;
        }
        placement.insert(name.clone(), instance_worker);
        placement.insert(format!("{name}-0"), task_worker);
    }
    Some(placement)
}

/// Units per worker: (instances, tasks).
fn loads(placement: &BTreeMap<String, String>) -> BTreeMap<String, (usize, usize)> {
    let mut loads: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (unit, worker) in placement {
        let load = loads.entry(worker.clone()).or_default();
        if unit.ends_with("-0") {
            load.1 += 1;
        } else {
            load.0 += 1;
        }
    }
    loads
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_joining_worker_takes_its_share_without_restarting_other_tasks() {
    // The in-process operator's decisions, shown when the test fails.
    let _ = tracing_subscriber::fmt()
        .with_env_filter("tributary=info")
        .with_test_writer()
        .try_init();
    let client = lab_client().await;
    let bootstrap = common::bootstrap_servers();
    install_crds();
    let ns = create_namespace(&client, "operator-rebalance").await;
    let nanos = ns.rsplit('-').next().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let run = format!("rebalance-{nanos}");
    write_worker_properties(
        dir.path(),
        STRING_CONVERTER,
        1000,
        &format!("{run}-offsets"),
        1,
    );

    let operator = Operator::start_in(&client, &ns);
    create_kafka_connect(&client, &ns, CLUSTER, 3, &bootstrap).await;
    let connectors: Api<KafkaConnector> = Api::namespaced(client.clone(), &ns);
    let source = |p: &str| dir.path().join(format!("{p}.source.txt"));
    let sink = |p: &str| dir.path().join(format!("{p}.sink.txt"));
    for pipeline in PIPELINES {
        std::fs::write(source(pipeline), "").unwrap();
        let topic = format!("{run}-{pipeline}");
        for c in [
            connector(
                CLUSTER,
                &format!("{pipeline}-source"),
                "FileStreamSource",
                &[
                    ("file", source(pipeline).display().to_string()),
                    ("topic", topic.clone()),
                ],
            ),
            connector(
                CLUSTER,
                &format!("{pipeline}-sink"),
                "FileStreamSink",
                &[
                    ("file", sink(pipeline).display().to_string()),
                    ("topics", topic.clone()),
                ],
            ),
        ] {
            connectors.create(&PostParams::default(), &c).await.unwrap();
        }
    }
    let long = Duration::from_secs(120);

    // Two workers: three instances and three tasks each once settled.
    let mut workers = vec![
        Worker::start("rebalance-worker-0", &ns, dir.path()),
        Worker::start("rebalance-worker-1", &ns, dir.path()),
    ];
    let batch = |label: &str, pipeline: &str| lines(&format!("{pipeline} {label}"), 25);
    for pipeline in PIPELINES {
        append(&source(pipeline), &batch("before", pipeline));
    }
    let before = eventually("a balanced placement on two workers", long, || async {
        let placement = settled_placement(&connectors).await?;
        let loads = loads(&placement);
        (loads.len() == 2 && loads.values().all(|l| *l == (3, 3))).then_some(placement)
    })
    .await;
    for pipeline in PIPELINES {
        let want = batch("before", pipeline);
        eventually(&format!("{pipeline}: the first lines"), long, || async {
            sink_has(&sink(pipeline), &want)
        })
        .await;
    }
    let starts_before: Vec<BTreeMap<String, usize>> =
        workers.iter().map(Worker::task_starts).collect();

    // A third worker joins: 6 instances and 6 tasks over 3 workers is 2 and 2 each.
    workers.push(Worker::start("rebalance-worker-2", &ns, dir.path()));
    let after = eventually("a balanced placement on three workers", long, || async {
        let placement = settled_placement(&connectors).await?;
        let loads = loads(&placement);
        (loads.len() == 3 && loads.values().all(|l| *l == (2, 2))).then_some(placement)
    })
    .await;
    let moved: BTreeSet<&String> = before
        .keys()
        .filter(|unit| before[*unit] != after[*unit])
        .collect();
    assert_eq!(
        moved.len(),
        4,
        "only the new worker's share moves: {before:?} -> {after:?}"
    );
    assert!(
        moved.iter().all(|u| after[*u] == "rebalance-worker-2"),
        "moves go to the new worker only: {before:?} -> {after:?}"
    );

    // Data keeps flowing, and nothing is lost or written twice across the moves.
    for pipeline in PIPELINES {
        append(&source(pipeline), &batch("after", pipeline));
    }
    for pipeline in PIPELINES {
        let mut want = batch("before", pipeline);
        want.extend(batch("after", pipeline));
        eventually(&format!("{pipeline}: every line"), long, || async {
            sink_has(&sink(pipeline), &want)
        })
        .await;
        let got = sink_lines(&sink(pipeline));
        assert_eq!(
            got.len(),
            want.len(),
            "{pipeline}: lines written twice:\n{}",
            got.join("\n")
        );
    }

    // Task starts since the join: none for a task that stayed, one on the new worker
    // for a task that moved.
    for (index, worker) in workers.iter().enumerate() {
        let now = worker.task_starts();
        let earlier = starts_before.get(index).cloned().unwrap_or_default();
        for (task, count) in &now {
            let new_starts = count - earlier.get(task).copied().unwrap_or(0);
            let expected = usize::from(moved.contains(task) && after[task] == worker.pod);
            assert_eq!(
                new_starts,
                expected,
                "{task} started {new_starts} times on {} since the join (moved: {})",
                worker.pod,
                moved.contains(task)
            );
        }
    }
    for task in moved.iter().filter(|u| u.ends_with("-0")) {
        assert_eq!(
            workers[2].task_starts().get(*task),
            Some(&1),
            "{task} moved but did not start on the new worker"
        );
    }

    // Each moved unit's connector has an Event naming the new worker's Lease.
    let events = Api::<Event>::namespaced(client.clone(), &ns)
        .list(&ListParams::default())
        .await
        .unwrap()
        .items;
    for unit in &moved {
        let connector = unit.strip_suffix("-0").unwrap_or(unit);
        assert!(
            events.iter().any(|e| {
                e.regarding.as_ref().and_then(|r| r.name.as_deref()) == Some(connector)
                    && matches!(e.reason.as_deref(), Some("Assigned" | "Moved"))
                    && e.related.as_ref().and_then(|r| r.name.as_deref())
                        == Some("rebalance-worker-2")
            }),
            "no Event about {unit} going to rebalance-worker-2"
        );
    }

    drop(workers);
    let _ = operator.stop().await;
    delete_namespace(&client, &ns).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connector_without_its_cluster_or_workers_says_why_it_is_not_ready() {
    let client = lab_client().await;
    install_crds();
    let ns = create_namespace(&client, "operator-unbound").await;
    let operator = Operator::start(
        State::default(),
        &client,
        OperatorConfig {
            lease_timing: LeaseTiming::default(),
            ..operator_config(&ns, "operator-a")
        },
    );
    let connectors: Api<KafkaConnector> = Api::namespaced(client.clone(), &ns);
    // Bound by label to `rebalance`, which does not exist in this namespace yet.
    connectors
        .create(
            &PostParams::default(),
            &connector(
                CLUSTER,
                "orphan",
                "FileStreamSource",
                &[("file", "/dev/null".into()), ("topic", "t".into())],
            ),
        )
        .await
        .unwrap();
    let ready = |reason: &'static str| {
        let connectors = connectors.clone();
        move || {
            let connectors = connectors.clone();
            async move {
                let c = connectors.get("orphan").await.ok()?;
                let status = c.status?;
                let ready = status.conditions.iter().find(|c| c.type_ == "Ready")?;
                (ready.reason == reason
                    && ready.status == "False"
                    && status.observed_generation == c.metadata.generation)
                    .then(|| (ready.message.clone(), status.tasks_ready))
            }
        }
    };
    let (message, tasks_ready) = eventually(
        "ClusterNotFound",
        Duration::from_secs(30),
        ready("ClusterNotFound"),
    )
    .await;
    assert_eq!(
        message,
        format!("KafkaConnect {CLUSTER} not found in namespace {ns}")
    );
    assert_eq!(tasks_ready.as_deref(), Some("0/1"));
    eventually(
        "a ClusterNotFound Warning Event",
        Duration::from_secs(30),
        || async {
            let events = Api::<Event>::namespaced(client.clone(), &ns)
                .list(&ListParams::default())
                .await
                .ok()?;
            events
                .items
                .iter()
                .any(|e| {
                    e.reason.as_deref() == Some("ClusterNotFound")
                        && e.type_.as_deref() == Some("Warning")
                })
                .then_some(())
        },
    )
    .await;

    // The cluster appears, with no worker holding a lease.
    create_kafka_connect(&client, &ns, CLUSTER, 1, "127.0.0.1:1").await;
    let (message, _) = eventually("NoWorkers", Duration::from_secs(30), ready("NoWorkers")).await;
    assert!(message.contains("no live worker"), "{message}");

    let _ = operator.stop().await;
    delete_namespace(&client, &ns).await;
}
