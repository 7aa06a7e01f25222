//! Connectors on the lab, end to end: the operator (in-process) assigns a `KafkaConnector`
//! file source and file sink to two `tributary worker` processes (playing worker pods, with
//! the pod environment set), lines appended to the source file reach the sink file through
//! the lab's Kafka, and the statuses show RUNNING with tasks. Then one worker is killed
//! with SIGKILL: its units move to the survivor once its lease expires (within 15 s), new
//! lines still arrive, and none twice (the source offsets are in the Kafka offsets topic).

use crate::common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use common::files::{append, lines, sink_has};
use common::kube_lab::{
    Operator, create_kafka_connect, create_namespace, delete_namespace, eventually,
    file_connectors, install_crds, lab_client,
};
use common::workers::{
    Process, STRING_CONVERTER, start_worker, start_worker_with, write_worker_properties,
};
use kube::Client;
use kube::api::{Api, PostParams};
use tributary::api::KafkaConnector;

const CLUSTER: &str = "files";

/// What each test starts from: its namespace; a folder with an empty source file and the
/// workers' properties (source offsets in `<topic>-offsets`, of `partitions` partitions);
/// the operator; a `KafkaConnect` of `replicas` workers; and the seed's file source and
/// sink over the topic `<topic_prefix>-<nanos>`.
struct Seed {
    client: Client,
    ns: String,
    dir: tempfile::TempDir,
    source_file: PathBuf,
    sink_file: PathBuf,
    operator: Operator,
    connectors: Api<KafkaConnector>,
}

impl Seed {
    async fn start(topic_prefix: &str, partitions: u32, replicas: i32) -> Seed {
        let client = lab_client().await;
        let bootstrap = common::bootstrap_servers();
        install_crds();
        let ns = create_namespace(&client, "operator-connectors").await;
        let dir = tempfile::tempdir().unwrap();
        let source_file = dir.path().join("source.txt");
        let sink_file = dir.path().join("sink.txt");
        std::fs::write(&source_file, "").unwrap();
        let topic = format!("{topic_prefix}-{}", ns.rsplit('-').next().unwrap());
        write_worker_properties(
            dir.path(),
            STRING_CONVERTER,
            1000,
            &format!("{topic}-offsets"),
            partitions,
        );

        let operator = Operator::start_in(&client, &ns);
        create_kafka_connect(&client, &ns, CLUSTER, replicas, &bootstrap).await;
        let connectors: Api<KafkaConnector> = Api::namespaced(client.clone(), &ns);
        for c in file_connectors(CLUSTER, &source_file, &sink_file, &topic) {
            connectors.create(&PostParams::default(), &c).await.unwrap();
        }
        Seed {
            client,
            ns,
            dir,
            source_file,
            sink_file,
            operator,
            connectors,
        }
    }
}

/// The worker running task 0 of `name`, when it reports it RUNNING on its assigned worker.
async fn running_task_worker(api: &Api<KafkaConnector>, name: &str) -> Option<String> {
    let status = api.get(name).await.ok()?.status?;
    let assigned = status.task_assignment.get("0")?.clone();
    let info = status.connector_status?;
    let task = info.tasks.iter().find(|t| t.id == 0)?;
    (info.connector.state == "RUNNING" && task.state == "RUNNING" && task.worker_id == assigned)
        .then_some(assigned)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_connectors_run_on_two_workers_and_survive_a_killed_worker() {
    let Seed {
        client,
        ns,
        dir,
        source_file,
        sink_file,
        operator,
        connectors,
    } = Seed::start("connectors", 5, 2).await;

    let mut workers = BTreeMap::from([
        (
            "files-worker-0",
            start_worker(CLUSTER, "files-worker-0", &ns, dir.path()),
        ),
        (
            "files-worker-1",
            start_worker(CLUSTER, "files-worker-1", &ns, dir.path()),
        ),
    ]);

    let first = lines("first line", 20);
    append(&source_file, &first);
    eventually(
        "the first lines in the sink file",
        Duration::from_secs(90),
        || async { sink_has(&sink_file, &first) },
    )
    .await;

    // Both connectors report RUNNING with their task, on the workers they were given.
    let mut placed = BTreeMap::new();
    for name in ["file-source", "file-sink"] {
        let worker = eventually(
            &format!("{name} RUNNING with its task"),
            Duration::from_secs(30),
            || running_task_worker(&connectors, name),
        )
        .await;
        let status = connectors.get(name).await.unwrap().status.unwrap();
        assert_eq!(
            status.tasks_ready.as_deref(),
            Some("1/1"),
            "{name}: {status:?}"
        );
        assert_eq!(status.task_configs.len(), 1, "{name}: {status:?}");
        let info = status.connector_status.unwrap();
        let kind = if name == "file-source" {
            "source"
        } else {
            "sink"
        };
        assert_eq!(info.connector_type.as_deref(), Some(kind));
        placed.insert(name, worker);
    }
    // Two units of each kind over two workers: balanced, one task each.
    assert_ne!(placed["file-source"], placed["file-sink"], "{placed:?}");

    // Past one offset flush (1 s), so the source offsets of the first lines are in Kafka.
    tokio::time::sleep(Duration::from_secs(3)).await;
    // SIGKILL the worker running the source task: no clean release, only lease expiry.
    let victim = placed["file-source"].clone();
    let survivor = workers
        .keys()
        .find(|w| **w != victim)
        .map(|w| w.to_string())
        .unwrap();
    let mut killed = workers.remove(victim.as_str()).unwrap();
    killed.child.kill().unwrap();
    killed.child.wait().unwrap();
    let killed_at = tokio::time::Instant::now();

    eventually(
        "the source task RUNNING on the surviving worker",
        Duration::from_secs(30),
        || async {
            let worker = running_task_worker(&connectors, "file-source").await?;
            (worker == survivor).then_some(())
        },
    )
    .await;
    let took = killed_at.elapsed();
    assert!(
        took <= Duration::from_secs(15),
        "the source task took {took:?} to move to {survivor}"
    );

    let second = lines("second line", 20);
    append(&source_file, &second);
    eventually(
        "the second lines in the sink file",
        Duration::from_secs(60),
        || async { sink_has(&sink_file, &second) },
    )
    .await;

    // The moved source task resumed from the offsets its old worker committed to the
    // offsets topic: no line was read twice.
    let sink = std::fs::read_to_string(&sink_file).unwrap();
    assert_eq!(sink.lines().count(), 40, "sink file:\n{sink}");

    // SIGTERM: a clean stop releases the worker's status entries and expires its lease.
    let mut last = workers.remove(survivor.as_str()).unwrap();
    let term = Command::new("kill")
        .args(["-TERM", &last.child.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let exit = last.child.wait().unwrap();
    assert!(exit.success(), "worker exited with {exit}");
    for name in ["file-source", "file-sink"] {
        let status = connectors.get(name).await.unwrap().status.unwrap();
        let info = status.connector_status.unwrap_or_default();
        assert!(
            info.connector.worker_id != survivor
                && info.tasks.iter().all(|t| t.worker_id != survivor),
            "{name} still lists {survivor}: {info:?}"
        );
    }
    let lease = Api::<k8s_openapi::api::coordination::v1::Lease>::namespaced(client.clone(), &ns)
        .get(&survivor)
        .await
        .unwrap();
    let renewed = lease.spec.unwrap().renew_time.unwrap().0;
    let age = k8s_openapi::jiff::Timestamp::now().as_second() - renewed.as_second();
    assert!(age > 60, "the lease was renewed {age} s ago: not released");

    drop(workers);
    let _ = operator.stop().await;
    delete_namespace(&client, &ns).await;
}

async fn patch_spec(api: &Api<KafkaConnector>, name: &str, spec: serde_json::Value) {
    api.patch(
        name,
        &kube::api::PatchParams::default(),
        &kube::api::Patch::Merge(serde_json::json!({ "spec": spec })),
    )
    .await
    .unwrap();
}

/// The sink's connector state, its task states, and its `tasksReady`.
async fn sink_states(api: &Api<KafkaConnector>) -> Option<(String, Vec<String>, String)> {
    let status = api.get("file-sink").await.ok()?.status?;
    let info = status.connector_status?;
    Some((
        info.connector.state,
        info.tasks.into_iter().map(|t| t.state).collect(),
        status.tasks_ready.unwrap_or_default(),
    ))
}

fn log_count(worker: &Process, needle: &str) -> usize {
    worker.log_text().matches(needle).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_resume_tasks_max_and_stop_change_only_their_connector() {
    let Seed {
        client,
        ns,
        dir,
        source_file,
        sink_file,
        operator,
        connectors,
    } = Seed::start("connectors-state", 1, 2).await;
    let workers = [
        start_worker(CLUSTER, "files-worker-0", &ns, dir.path()),
        start_worker(CLUSTER, "files-worker-1", &ns, dir.path()),
    ];
    let starts = |workers: &[Process]| -> usize {
        workers
            .iter()
            .map(|w| log_count(w, "starting assigned task task=file-source-0"))
            .sum()
    };
    let long = Duration::from_secs(60);

    let running = lines("running", 10);
    append(&source_file, &running);
    eventually("lines while running", long, || async {
        sink_has(&sink_file, &running)
    })
    .await;
    // Wait for the balanced placement (a worker that joins late takes units over), then
    // count the source task's starts from there.
    eventually("one task on each worker", long, || async {
        let source = running_task_worker(&connectors, "file-source").await?;
        let sink = running_task_worker(&connectors, "file-sink").await?;
        (source != sink).then_some(())
    })
    .await;
    let source_starts = starts(&workers);

    // Paused: the sink reports PAUSED and writes nothing; the source keeps running.
    patch_spec(
        &connectors,
        "file-sink",
        serde_json::json!({"state": "paused"}),
    )
    .await;
    eventually("the sink PAUSED", long, || async {
        let (connector, tasks, _) = sink_states(&connectors).await?;
        (connector == "PAUSED" && tasks == ["PAUSED"]).then_some(())
    })
    .await;
    let paused = lines("paused", 10);
    append(&source_file, &paused);
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert!(
        sink_has(&sink_file, &paused[..1]).is_none(),
        "a paused sink wrote"
    );

    // Resumed: the lines written meanwhile arrive.
    patch_spec(
        &connectors,
        "file-sink",
        serde_json::json!({"state": "running"}),
    )
    .await;
    eventually("lines after resume", long, || async {
        sink_has(&sink_file, &paused)
    })
    .await;

    // tasksMax 2: the sink gets two task configs, two running tasks; the source is untouched.
    patch_spec(&connectors, "file-sink", serde_json::json!({"tasksMax": 2})).await;
    eventually("two RUNNING sink tasks", long, || async {
        let (connector, tasks, ready) = sink_states(&connectors).await?;
        (connector == "RUNNING" && tasks == ["RUNNING", "RUNNING"] && ready == "2/2").then_some(())
    })
    .await;
    let two_tasks = lines("two tasks", 10);
    append(&source_file, &two_tasks);
    eventually("lines with two sink tasks", long, || async {
        sink_has(&sink_file, &two_tasks)
    })
    .await;

    // Stopped: the instance stays (STOPPED), the tasks go away.
    patch_spec(
        &connectors,
        "file-sink",
        serde_json::json!({"state": "stopped"}),
    )
    .await;
    eventually("the sink STOPPED without tasks", long, || async {
        let status = connectors.get("file-sink").await.ok()?.status?;
        let info = status.connector_status?;
        (info.connector.state == "STOPPED"
            && info.tasks.is_empty()
            && status.task_assignment.is_empty())
        .then_some(())
    })
    .await;
    // Every sink change left the source task alone: it started once.
    assert_eq!(
        starts(&workers),
        source_starts,
        "the source task was restarted"
    );
    let source = connectors.get("file-source").await.unwrap();
    assert_eq!(
        source
            .status
            .unwrap()
            .connector_status
            .unwrap()
            .connector
            .state,
        "RUNNING"
    );

    drop(workers);
    let _ = operator.stop().await;
    delete_namespace(&client, &ns).await;
}

/// A TCP proxy to the lab's API server that the test can cut and restore, to take the
/// API server away from one worker only.
struct ApiProxy {
    address: std::net::SocketAddr,
    open: std::sync::Arc<std::sync::atomic::AtomicBool>,
    connections: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl ApiProxy {
    async fn start(upstream: String) -> ApiProxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let open = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        let connections = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (open2, connections2) = (open.clone(), connections.clone());
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !open2.load(std::sync::atomic::Ordering::SeqCst) {
                    continue; // dropped: connection refused in effect
                }
                let upstream = upstream.clone();
                let handle = tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                connections2.lock().unwrap().push(handle);
            }
        });
        ApiProxy {
            address,
            open,
            connections,
        }
    }

    fn cut(&self) {
        self.open.store(false, std::sync::atomic::Ordering::SeqCst);
        for connection in self.connections.lock().unwrap().drain(..) {
            connection.abort();
        }
    }

    fn restore(&self) {
        self.open.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_cut_off_from_the_api_server_stops_its_tasks_before_its_lease_expires() {
    let Seed {
        client,
        ns,
        dir,
        source_file,
        sink_file,
        operator,
        ..
    } = Seed::start("connectors-fence", 1, 1).await;
    // The worker reaches the API server through a proxy the test controls.
    let lab_kubeconfig = std::fs::read_to_string(common::lab_var("KUBECONFIG")).unwrap();
    let server = kube::config::Kubeconfig::read_from(common::lab_var("KUBECONFIG"))
        .unwrap()
        .clusters[0]
        .cluster
        .as_ref()
        .and_then(|c| c.server.clone())
        .unwrap();
    let upstream = server.trim_start_matches("https://").to_string();
    let proxy = ApiProxy::start(upstream.clone()).await;
    let kubeconfig = dir.path().join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        lab_kubeconfig.replace(&upstream, &proxy.address.to_string()),
    )
    .unwrap();

    let worker = start_worker_with(
        CLUSTER,
        "files-worker-0",
        &ns,
        dir.path(),
        kubeconfig.to_str().unwrap(),
    );
    let long = Duration::from_secs(60);
    let before = lines("before", 10);
    append(&source_file, &before);
    eventually("lines before the cut", long, || async {
        sink_has(&sink_file, &before)
    })
    .await;

    // Cut off: within the fencing delay (7 s, under the 10 s lease) it stops its tasks.
    proxy.cut();
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert_eq!(
        log_count(
            &worker,
            "membership lease not renewed in time: stopping all tasks"
        ),
        1
    );
    let during = lines("during", 10);
    append(&source_file, &during);
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert!(
        sink_has(&sink_file, &during[..1]).is_none(),
        "a fenced worker still moved records"
    );

    // Back in touch: the lease is renewed, the controller assigns again, the lines flow.
    proxy.restore();
    eventually("lines after the worker is back", long, || async {
        sink_has(&sink_file, &during)
    })
    .await;

    drop(worker);
    let _ = operator.stop().await;
    delete_namespace(&client, &ns).await;
}
