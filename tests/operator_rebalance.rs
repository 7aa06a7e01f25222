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

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::api::events::v1::Event;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::Client;
use kube::api::{Api, DeleteParams, ListParams, PostParams};
use tributary::api::{KafkaConnect, KafkaConnectSpec, KafkaConnector, KafkaConnectorSpec};
use tributary::controller::leader::LeaseTiming;
use tributary::controller::{self, OperatorConfig, State};

const CLUSTER: &str = "rebalance";
const PIPELINES: [&str; 3] = ["alpha", "bravo", "charlie"];
/// The worker's log line when it starts a task assigned to it, followed by `task=<id>`.
const TASK_START: &str = "starting assigned task task=";

async fn lab_client() -> Client {
    let kubeconfig = common::lab_var("KUBECONFIG");
    let config = kube::Config::from_custom_kubeconfig(
        kube::config::Kubeconfig::read_from(&kubeconfig).expect("cannot read the lab kubeconfig"),
        &Default::default(),
    )
    .await
    .expect("invalid lab kubeconfig");
    Client::try_from(config).expect("cannot build a client")
}

fn install_crds() {
    let bin = common::lab_var("TRIBUTARY_LAB_BIN");
    let kubectl = std::env::split_paths(&bin)
        .map(|dir| dir.join("kubectl"))
        .find(|path| path.is_file())
        .unwrap_or_else(|| panic!("no kubectl in {bin}; {}", common::LAB_HINT));
    let crds = concat!(env!("CARGO_MANIFEST_DIR"), "/crds/tributary.dev.yaml");
    for args in [
        vec!["apply", "--server-side", "--force-conflicts", "-f", crds],
        vec![
            "wait",
            "--for=condition=Established",
            "--timeout=60s",
            "crd/kafkaconnects.tributary.dev",
            "crd/kafkaconnectors.tributary.dev",
        ],
    ] {
        let out = Command::new(&kubectl)
            .env("KUBECONFIG", common::lab_var("KUBECONFIG"))
            .args(&args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "kubectl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Polls `check` until it returns `Some`, or fails with `what` after `timeout`.
async fn eventually<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// A `tributary worker` process with a pod's environment; killed when dropped, its log
/// printed when the test is failing.
struct WorkerProcess {
    pod: String,
    child: Child,
    log: PathBuf,
}

impl WorkerProcess {
    fn start(pod: &str, ns: &str, dir: &Path) -> WorkerProcess {
        let log = dir.join(format!("{pod}.log"));
        let child = Command::new(env!("CARGO_BIN_EXE_tributary"))
            .arg("worker")
            .env("KUBECONFIG", common::lab_var("KUBECONFIG"))
            .env("POD_NAME", pod)
            .env("POD_NAMESPACE", ns)
            .env("TRIBUTARY_CLUSTER", CLUSTER)
            .env("TRIBUTARY_WORKER_CONFIG", dir.join("worker.properties"))
            .env("TRIBUTARY_WORKER_LISTEN", "127.0.0.1:0")
            .env("TRIBUTARY_OFFSETS_FILE", dir.join(format!("{pod}.offsets")))
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("cannot start tributary worker");
        WorkerProcess {
            pod: pod.to_owned(),
            child,
            log,
        }
    }

    /// How many times this worker started each task (task id as `<connector>-<n>`).
    fn task_starts(&self) -> BTreeMap<String, usize> {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
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

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            eprintln!("--- {} ---\n{log}", self.log.display());
        }
    }
}

fn connector(name: &str, class: &str, config: &[(&str, String)]) -> KafkaConnector {
    let mut c = KafkaConnector::new(
        name,
        KafkaConnectorSpec {
            class: class.into(),
            tasks_max: Some(1),
            config: config
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
            ..KafkaConnectorSpec::default()
        },
    );
    c.metadata.labels = Some(BTreeMap::from([(
        "tributary.dev/cluster".into(),
        CLUSTER.into(),
    )]));
    c
}

fn append(path: &Path, lines: &[String]) {
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .unwrap();
    for line in lines {
        writeln!(file, "{line}").unwrap();
    }
}

fn sink_lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
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
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let ns = format!("operator-rebalance-{}-{nanos}", std::process::id());
    Api::<Namespace>::all(client.clone())
        .create(
            &PostParams::default(),
            &Namespace {
                metadata: ObjectMeta {
                    name: Some(ns.clone()),
                    ..ObjectMeta::default()
                },
                ..Namespace::default()
            },
        )
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let run = format!("rebalance-{nanos}");
    std::fs::write(
        dir.path().join("worker.properties"),
        format!(
            "bootstrap.servers={bootstrap}\n\
             key.converter=org.apache.kafka.connect.storage.StringConverter\n\
             value.converter=org.apache.kafka.connect.storage.StringConverter\n\
             offset.flush.interval.ms=1000\n\
             offset.storage.topic={run}-offsets\n\
             offset.storage.partitions=1\n\
             offset.storage.replication.factor=1\n"
        ),
    )
    .unwrap();

    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let operator = tokio::spawn(controller::run(
        State::default(),
        client.clone(),
        OperatorConfig {
            watch_namespace: Some(ns.clone()),
            lease_namespace: ns.clone(),
            lease_name: "tributary-operator".into(),
            identity: "operator-a".into(),
            default_image: "tributary:test".into(),
            lease_timing: LeaseTiming {
                duration: Duration::from_secs(3),
                renew_deadline: Duration::from_secs(2),
                retry_period: Duration::from_millis(300),
            },
        },
        async move {
            let _ = stopped.await;
        },
    ));
    Api::<KafkaConnect>::namespaced(client.clone(), &ns)
        .create(
            &PostParams::default(),
            &KafkaConnect::new(
                CLUSTER,
                KafkaConnectSpec {
                    replicas: 3,
                    bootstrap_servers: bootstrap.clone(),
                    ..KafkaConnectSpec::default()
                },
            ),
        )
        .await
        .unwrap();
    let connectors: Api<KafkaConnector> = Api::namespaced(client.clone(), &ns);
    let source = |p: &str| dir.path().join(format!("{p}.source.txt"));
    let sink = |p: &str| dir.path().join(format!("{p}.sink.txt"));
    for pipeline in PIPELINES {
        std::fs::write(source(pipeline), "").unwrap();
        let topic = format!("{run}-{pipeline}");
        for c in [
            connector(
                &format!("{pipeline}-source"),
                "FileStreamSource",
                &[
                    ("file", source(pipeline).display().to_string()),
                    ("topic", topic.clone()),
                ],
            ),
            connector(
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
        WorkerProcess::start("rebalance-worker-0", &ns, dir.path()),
        WorkerProcess::start("rebalance-worker-1", &ns, dir.path()),
    ];
    let lines = |label: &str, pipeline: &str| -> Vec<String> {
        (0..25).map(|i| format!("{pipeline} {label} {i}")).collect()
    };
    for pipeline in PIPELINES {
        append(&source(pipeline), &lines("before", pipeline));
    }
    let before = eventually("a balanced placement on two workers", long, || async {
        let placement = settled_placement(&connectors).await?;
        let loads = loads(&placement);
        (loads.len() == 2 && loads.values().all(|l| *l == (3, 3))).then_some(placement)
    })
    .await;
    for pipeline in PIPELINES {
        let want = lines("before", pipeline);
        eventually(&format!("{pipeline}: the first lines"), long, || async {
            let got: BTreeSet<String> = sink_lines(&sink(pipeline)).into_iter().collect();
            want.iter().all(|l| got.contains(l)).then_some(())
        })
        .await;
    }
    let starts_before: Vec<BTreeMap<String, usize>> =
        workers.iter().map(WorkerProcess::task_starts).collect();

    // A third worker joins: 6 instances and 6 tasks over 3 workers is 2 and 2 each.
    workers.push(WorkerProcess::start("rebalance-worker-2", &ns, dir.path()));
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
        append(&source(pipeline), &lines("after", pipeline));
    }
    for pipeline in PIPELINES {
        let mut want = lines("before", pipeline);
        want.extend(lines("after", pipeline));
        eventually(&format!("{pipeline}: every line"), long, || async {
            let got: BTreeSet<String> = sink_lines(&sink(pipeline)).into_iter().collect();
            want.iter().all(|l| got.contains(l)).then_some(())
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
    let _ = stop.send(());
    let _ = operator.await;
    let _ = Api::<Namespace>::all(client)
        .delete(&ns, &DeleteParams::default())
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connector_without_its_cluster_or_workers_says_why_it_is_not_ready() {
    let client = lab_client().await;
    install_crds();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let ns = format!("operator-unbound-{}-{nanos}", std::process::id());
    Api::<Namespace>::all(client.clone())
        .create(
            &PostParams::default(),
            &Namespace {
                metadata: ObjectMeta {
                    name: Some(ns.clone()),
                    ..ObjectMeta::default()
                },
                ..Namespace::default()
            },
        )
        .await
        .unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let operator = tokio::spawn(controller::run(
        State::default(),
        client.clone(),
        OperatorConfig {
            watch_namespace: Some(ns.clone()),
            lease_namespace: ns.clone(),
            lease_name: "tributary-operator".into(),
            identity: "operator-a".into(),
            default_image: "tributary:test".into(),
            lease_timing: LeaseTiming::default(),
        },
        async move {
            let _ = stopped.await;
        },
    ));
    let connectors: Api<KafkaConnector> = Api::namespaced(client.clone(), &ns);
    // Bound by label to `rebalance`, which does not exist in this namespace yet.
    connectors
        .create(
            &PostParams::default(),
            &connector(
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
    Api::<KafkaConnect>::namespaced(client.clone(), &ns)
        .create(
            &PostParams::default(),
            &KafkaConnect::new(
                CLUSTER,
                KafkaConnectSpec {
                    replicas: 1,
                    bootstrap_servers: "127.0.0.1:1".into(),
                    ..KafkaConnectSpec::default()
                },
            ),
        )
        .await
        .unwrap();
    let (message, _) = eventually("NoWorkers", Duration::from_secs(30), ready("NoWorkers")).await;
    assert!(message.contains("no live worker"), "{message}");

    let _ = stop.send(());
    let _ = operator.await;
    let _ = Api::<Namespace>::all(client)
        .delete(&ns, &DeleteParams::default())
        .await;
}
