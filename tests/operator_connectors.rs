//! Connectors on the lab, end to end: the operator (in-process) assigns a `KafkaConnector`
//! file source and file sink to two `tributary worker` processes (playing worker pods, with
//! the pod environment set), lines appended to the source file reach the sink file through
//! the lab's Kafka, and the statuses show RUNNING with tasks. Then one worker is killed
//! with SIGKILL: its units move to the survivor once its lease expires (within 15 s), new
//! lines still arrive, and none twice (the source offsets are in the Kafka offsets topic).

mod common;

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::Client;
use kube::api::{Api, DeleteParams, PostParams};
use tributary::api::{KafkaConnect, KafkaConnectSpec, KafkaConnector, KafkaConnectorSpec};
use tributary::controller::leader::LeaseTiming;
use tributary::controller::{self, OperatorConfig, State};

const CLUSTER: &str = "files";

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

fn kubectl(args: &[&str]) {
    let bin = common::lab_var("TRIBUTARY_LAB_BIN");
    let kubectl = std::env::split_paths(&bin)
        .map(|dir| dir.join("kubectl"))
        .find(|path| path.is_file())
        .unwrap_or_else(|| panic!("no kubectl in {bin}; {}", common::LAB_HINT));
    let out = Command::new(kubectl)
        .env("KUBECONFIG", common::lab_var("KUBECONFIG"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "kubectl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn install_crds() {
    let crds = concat!(env!("CARGO_MANIFEST_DIR"), "/crds/tributary.dev.yaml");
    kubectl(&["apply", "--server-side", "--force-conflicts", "-f", crds]);
    kubectl(&[
        "wait",
        "--for=condition=Established",
        "--timeout=60s",
        "crd/kafkaconnects.tributary.dev",
        "crd/kafkaconnectors.tributary.dev",
    ]);
}

async fn create_namespace(client: &Client) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let name = format!("operator-connectors-{}-{nanos}", std::process::id());
    let api: Api<Namespace> = Api::all(client.clone());
    let ns = Namespace {
        metadata: ObjectMeta {
            name: Some(name.clone()),
            ..ObjectMeta::default()
        },
        ..Namespace::default()
    };
    api.create(&PostParams::default(), &ns).await.unwrap();
    name
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

/// A `tributary worker` process with a pod's environment; killed when dropped, and its
/// log printed when the test is failing.
struct WorkerProcess(Child, std::path::PathBuf);

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
        if std::thread::panicking() {
            let log = std::fs::read_to_string(&self.1).unwrap_or_default();
            eprintln!("--- {} ---\n{log}", self.1.display());
        }
    }
}

fn start_worker(pod: &str, ns: &str, dir: &std::path::Path) -> WorkerProcess {
    start_worker_with(pod, ns, dir, &common::lab_var("KUBECONFIG"))
}

fn start_worker_with(
    pod: &str,
    ns: &str,
    dir: &std::path::Path,
    kubeconfig: &str,
) -> WorkerProcess {
    let log_path = dir.join(format!("{pod}.log"));
    let log = std::fs::File::create(&log_path).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_tributary"))
        .arg("worker")
        .env("KUBECONFIG", kubeconfig)
        .env("POD_NAME", pod)
        .env("POD_NAMESPACE", ns)
        .env("TRIBUTARY_CLUSTER", CLUSTER)
        .env("TRIBUTARY_WORKER_CONFIG", dir.join("worker.properties"))
        .env("TRIBUTARY_WORKER_LISTEN", "127.0.0.1:0")
        .env("TRIBUTARY_OFFSETS_FILE", dir.join(format!("{pod}.offsets")))
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("cannot start tributary worker");
    WorkerProcess(child, log_path)
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

/// The in-process operator of a test.
struct Operator {
    stop: tokio::sync::oneshot::Sender<()>,
    handle: tokio::task::JoinHandle<controller::Result<()>>,
}

impl Operator {
    async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.handle.await;
    }
}

/// Starts the operator on `ns`, then applies a `KafkaConnect` of `replicas` workers and
/// the seed's file source and sink over `topic`.
async fn apply_seed_cluster(
    client: &Client,
    ns: &str,
    bootstrap: &str,
    replicas: i32,
    source_file: &std::path::Path,
    sink_file: &std::path::Path,
    topic: &str,
) -> Operator {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let handle = tokio::spawn(controller::run(
        State::default(),
        client.clone(),
        OperatorConfig {
            watch_namespace: Some(ns.to_owned()),
            lease_namespace: ns.to_owned(),
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
    Api::<KafkaConnect>::namespaced(client.clone(), ns)
        .create(
            &PostParams::default(),
            &KafkaConnect::new(
                CLUSTER,
                KafkaConnectSpec {
                    replicas,
                    bootstrap_servers: bootstrap.to_owned(),
                    ..KafkaConnectSpec::default()
                },
            ),
        )
        .await
        .unwrap();
    let connectors: Api<KafkaConnector> = Api::namespaced(client.clone(), ns);
    for c in [
        connector(
            "file-source",
            "FileStreamSource",
            &[
                ("file", source_file.display().to_string()),
                ("topic", topic.to_owned()),
            ],
        ),
        connector(
            "file-sink",
            "FileStreamSink",
            &[
                ("file", sink_file.display().to_string()),
                ("topics", topic.to_owned()),
            ],
        ),
    ] {
        connectors.create(&PostParams::default(), &c).await.unwrap();
    }
    Operator { stop, handle }
}

fn append(path: &std::path::Path, lines: &[String]) {
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .unwrap();
    for line in lines {
        writeln!(file, "{line}").unwrap();
    }
}

fn sink_has(path: &std::path::Path, lines: &[String]) -> Option<()> {
    let text = std::fs::read_to_string(path).ok()?;
    let got: std::collections::BTreeSet<&str> = text.lines().collect();
    lines.iter().all(|l| got.contains(l.as_str())).then_some(())
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
    let client = lab_client().await;
    let bootstrap = common::bootstrap_servers();
    install_crds();
    let ns = create_namespace(&client).await;
    let dir = tempfile::tempdir().unwrap();
    let source_file = dir.path().join("source.txt");
    let sink_file = dir.path().join("sink.txt");
    std::fs::write(&source_file, "").unwrap();
    let topic = format!("connectors-{}", ns.rsplit('-').next().unwrap());
    std::fs::write(
        dir.path().join("worker.properties"),
        format!(
            "bootstrap.servers={bootstrap}\n\
             key.converter=org.apache.kafka.connect.storage.StringConverter\n\
             value.converter=org.apache.kafka.connect.storage.StringConverter\n\
             offset.flush.interval.ms=1000\n\
             offset.storage.topic={topic}-offsets\n\
             offset.storage.partitions=5\n\
             offset.storage.replication.factor=1\n"
        ),
    )
    .unwrap();

    let operator = apply_seed_cluster(
        &client,
        &ns,
        &bootstrap,
        2,
        &source_file,
        &sink_file,
        &topic,
    )
    .await;
    let connectors: Api<KafkaConnector> = Api::namespaced(client.clone(), &ns);

    let mut workers = BTreeMap::from([
        (
            "files-worker-0",
            start_worker("files-worker-0", &ns, dir.path()),
        ),
        (
            "files-worker-1",
            start_worker("files-worker-1", &ns, dir.path()),
        ),
    ]);

    let first: Vec<String> = (0..20).map(|i| format!("first line {i}")).collect();
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
    killed.0.kill().unwrap();
    killed.0.wait().unwrap();
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

    let second: Vec<String> = (0..20).map(|i| format!("second line {i}")).collect();
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
        .args(["-TERM", &last.0.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let exit = last.0.wait().unwrap();
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
    operator.stop().await;
    let _ = Api::<Namespace>::all(client)
        .delete(&ns, &DeleteParams::default())
        .await;
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

fn log_count(worker: &WorkerProcess, needle: &str) -> usize {
    std::fs::read_to_string(&worker.1)
        .unwrap_or_default()
        .matches(needle)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_resume_tasks_max_and_stop_change_only_their_connector() {
    let client = lab_client().await;
    let bootstrap = common::bootstrap_servers();
    install_crds();
    let ns = create_namespace(&client).await;
    let dir = tempfile::tempdir().unwrap();
    let source_file = dir.path().join("source.txt");
    let sink_file = dir.path().join("sink.txt");
    std::fs::write(&source_file, "").unwrap();
    let topic = format!("connectors-state-{}", ns.rsplit('-').next().unwrap());
    std::fs::write(
        dir.path().join("worker.properties"),
        format!(
            "bootstrap.servers={bootstrap}\n\
             key.converter=org.apache.kafka.connect.storage.StringConverter\n\
             value.converter=org.apache.kafka.connect.storage.StringConverter\n\
             offset.flush.interval.ms=1000\n\
             offset.storage.topic={topic}-offsets\n\
             offset.storage.partitions=1\n\
             offset.storage.replication.factor=1\n"
        ),
    )
    .unwrap();
    let operator = apply_seed_cluster(
        &client,
        &ns,
        &bootstrap,
        2,
        &source_file,
        &sink_file,
        &topic,
    )
    .await;
    let connectors: Api<KafkaConnector> = Api::namespaced(client.clone(), &ns);
    let workers = [
        start_worker("files-worker-0", &ns, dir.path()),
        start_worker("files-worker-1", &ns, dir.path()),
    ];
    let starts = |workers: &[WorkerProcess]| -> usize {
        workers
            .iter()
            .map(|w| log_count(w, "starting assigned task task=file-source-0"))
            .sum()
    };
    let batch = |name: &str| -> Vec<String> { (0..10).map(|i| format!("{name} {i}")).collect() };
    let long = Duration::from_secs(60);

    let running = batch("running");
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
    let paused = batch("paused");
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
    let two_tasks = batch("two tasks");
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
    operator.stop().await;
    let _ = Api::<Namespace>::all(client)
        .delete(&ns, &DeleteParams::default())
        .await;
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
    let client = lab_client().await;
    let bootstrap = common::bootstrap_servers();
    install_crds();
    let ns = create_namespace(&client).await;
    let dir = tempfile::tempdir().unwrap();
    let source_file = dir.path().join("source.txt");
    let sink_file = dir.path().join("sink.txt");
    std::fs::write(&source_file, "").unwrap();
    let topic = format!("connectors-fence-{}", ns.rsplit('-').next().unwrap());
    std::fs::write(
        dir.path().join("worker.properties"),
        format!(
            "bootstrap.servers={bootstrap}\n\
             key.converter=org.apache.kafka.connect.storage.StringConverter\n\
             value.converter=org.apache.kafka.connect.storage.StringConverter\n\
             offset.flush.interval.ms=1000\n\
             offset.storage.topic={topic}-offsets\n\
             offset.storage.partitions=1\n\
             offset.storage.replication.factor=1\n"
        ),
    )
    .unwrap();
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

    let operator = apply_seed_cluster(
        &client,
        &ns,
        &bootstrap,
        1,
        &source_file,
        &sink_file,
        &topic,
    )
    .await;
    let worker = start_worker_with(
        "files-worker-0",
        &ns,
        dir.path(),
        kubeconfig.to_str().unwrap(),
    );
    let long = Duration::from_secs(60);
    let before: Vec<String> = (0..10).map(|i| format!("before {i}")).collect();
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
    let during: Vec<String> = (0..10).map(|i| format!("during {i}")).collect();
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
    operator.stop().await;
    let _ = Api::<Namespace>::all(client)
        .delete(&ns, &DeleteParams::default())
        .await;
}
