//! Connector lifecycle on the lab: the operator (in-process) and one `tributary worker`
//! process (playing a worker pod) run file connectors through the lab's Kafka, and the
//! tests change them the ways users do: edit `spec.config`, annotate a restart, pause and
//! resume, delete, and break a task (a sink file in a missing directory) with
//! `autoRestart`. What happened is read back from the worker's `/metrics`, the
//! `KafkaConnector` status and the files.

mod common;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::Client;
use kube::api::{Api, DeleteParams, Patch, PatchParams, PostParams};
use kube::runtime::watcher;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tributary::api::{
    KafkaConnect, KafkaConnectSpec, KafkaConnector, KafkaConnectorSpec, RESTART_ANNOTATION,
    restart_task_annotation,
};
use tributary::controller::leader::LeaseTiming;
use tributary::controller::{self, OperatorConfig, State};

const CLUSTER: &str = "life";
const POD: &str = "life-worker-0";

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

fn kubectl(args: &[&str]) -> String {
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
    String::from_utf8_lossy(&out.stdout).into_owned()
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
struct WorkerProcess(Child, PathBuf);

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

/// One lab scenario: a namespace with a `KafkaConnect` of one worker, the operator, and the
/// worker process with its health port.
struct Lab {
    // First, so it is dropped (and its log printed) before the folder goes away.
    worker: Option<WorkerProcess>,
    client: Client,
    ns: String,
    dir: tempfile::TempDir,
    bootstrap: String,
    connectors: Api<KafkaConnector>,
    operator: Option<(
        tokio::sync::oneshot::Sender<()>,
        tokio::task::JoinHandle<controller::Result<()>>,
    )>,
    health: String,
}

impl Lab {
    async fn start(prefix: &str) -> Lab {
        let client = lab_client().await;
        let bootstrap = common::bootstrap_servers();
        install_crds();
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let ns = format!("{prefix}-{}-{nanos}", std::process::id());
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
        std::fs::write(
            dir.path().join("worker.properties"),
            format!(
                "bootstrap.servers={bootstrap}\n\
                 key.converter=org.apache.kafka.connect.storage.StringConverter\n\
                 value.converter=org.apache.kafka.connect.storage.StringConverter\n\
                 offset.flush.interval.ms=500\n\
                 offset.storage.topic={ns}-offsets\n\
                 offset.storage.partitions=1\n\
                 offset.storage.replication.factor=1\n"
            ),
        )
        .unwrap();

        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let handle = tokio::spawn(controller::run(
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
                        replicas: 1,
                        bootstrap_servers: bootstrap.clone(),
                        ..KafkaConnectSpec::default()
                    },
                ),
            )
            .await
            .unwrap();

        // A free port for the worker's health server.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let health = format!("127.0.0.1:{port}");
        let log_path = dir.path().join(format!("{POD}.log"));
        let child = Command::new(env!("CARGO_BIN_EXE_tributary"))
            .arg("worker")
            .env("KUBECONFIG", common::lab_var("KUBECONFIG"))
            .env("POD_NAME", POD)
            .env("POD_NAMESPACE", &ns)
            .env("TRIBUTARY_CLUSTER", CLUSTER)
            .env(
                "TRIBUTARY_WORKER_CONFIG",
                dir.path().join("worker.properties"),
            )
            .env("TRIBUTARY_WORKER_LISTEN", &health)
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log_path).unwrap())
            .spawn()
            .expect("cannot start tributary worker");
        let connectors = Api::namespaced(client.clone(), &ns);
        Lab {
            client,
            ns,
            dir,
            bootstrap,
            connectors,
            operator: Some((stop, handle)),
            worker: Some(WorkerProcess(child, log_path)),
            health,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn topic(&self, name: &str) -> String {
        format!("{}-{name}", self.ns)
    }

    async fn create(&self, name: &str, class: &str, config: &[(&str, String)], auto: bool) {
        let mut c = KafkaConnector::new(
            name,
            KafkaConnectorSpec {
                class: class.into(),
                tasks_max: Some(1),
                config: config
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.clone()))
                    .collect(),
                auto_restart: auto.then_some(true),
                ..KafkaConnectorSpec::default()
            },
        );
        c.metadata.labels = Some(BTreeMap::from([(
            "tributary.dev/cluster".into(),
            CLUSTER.into(),
        )]));
        self.connectors
            .create(&PostParams::default(), &c)
            .await
            .unwrap();
    }

    async fn patch(&self, name: &str, body: serde_json::Value) {
        self.connectors
            .patch(name, &PatchParams::default(), &Patch::Merge(body))
            .await
            .unwrap();
    }

    /// `GET /metrics` of the worker.
    async fn metrics(&self) -> Option<String> {
        let mut stream = tokio::net::TcpStream::connect(&self.health).await.ok()?;
        stream
            .write_all(b"GET /metrics HTTP/1.0\r\nHost: worker\r\n\r\n")
            .await
            .ok()?;
        let mut response = String::new();
        stream.read_to_string(&mut response).await.ok()?;
        let (head, body) = response.split_once("\r\n\r\n")?;
        head.starts_with("HTTP/1.0 200").then(|| body.to_owned())
    }

    /// The value of `name{connector="<connector>",task="0"}` on `/metrics`.
    async fn task_metric(&self, name: &str, connector: &str) -> Option<f64> {
        let prefix = format!(r#"{name}{{connector="{connector}",task="0"}} "#);
        let text = self.metrics().await?;
        text.lines()
            .find_map(|line| line.strip_prefix(&prefix))
            .and_then(|v| v.trim().parse().ok())
    }

    /// Waits until `name` reports its connector and task 0 in `state`; returns the status.
    async fn wait_state(&self, name: &str, state: &str, timeout: Duration) {
        eventually(
            &format!("{name}: connector and task 0 {state}"),
            timeout,
            || async {
                let info = self
                    .connectors
                    .get(name)
                    .await
                    .ok()?
                    .status?
                    .connector_status?;
                let task = info.tasks.iter().find(|t| t.id == 0)?;
                (info.connector.state == state && task.state == state).then_some(())
            },
        )
        .await
    }

    async fn stop(mut self) {
        drop(self.worker.take());
        if let Some((stop, handle)) = self.operator.take() {
            let _ = stop.send(());
            let _ = handle.await;
        }
        let _ = Api::<Namespace>::all(self.client.clone())
            .delete(&self.ns, &DeleteParams::default())
            .await;
    }
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

fn lines(tag: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{tag} {i}")).collect()
}

fn sink_has(path: &Path, lines: &[String]) -> Option<()> {
    let text = std::fs::read_to_string(path).ok()?;
    let got: std::collections::BTreeSet<&str> = text.lines().collect();
    lines.iter().all(|l| got.contains(l.as_str())).then_some(())
}

fn sink_has_none(path: &Path, lines: &[String]) -> bool {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    !text.lines().any(|l| lines.iter().any(|x| x == l))
}

/// Every connector and task-0 state of `name` the API server showed, in order.
fn record_states(api: &Api<KafkaConnector>, name: &str) -> Arc<Mutex<Vec<String>>> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let stream = watcher(
        api.clone(),
        watcher::Config::default().fields(&format!("metadata.name={name}")),
    );
    tokio::spawn({
        let seen = seen.clone();
        async move {
            futures::pin_mut!(stream);
            while let Some(event) = stream.next().await {
                let Ok(watcher::Event::Apply(c)) = event else {
                    continue;
                };
                let Some(info) = c.status.and_then(|s| s.connector_status) else {
                    continue;
                };
                let task = info
                    .tasks
                    .iter()
                    .find(|t| t.id == 0)
                    .map(|t| t.state.clone());
                let entry = format!("{}/{}", info.connector.state, task.unwrap_or_default());
                let mut seen = seen.lock().unwrap();
                if seen.last() != Some(&entry) {
                    seen.push(entry);
                }
            }
        }
    });
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_change_restart_pause_and_delete_touch_only_their_connector() {
    let lab = Lab::start("lifecycle").await;
    let topic = lab.topic("lines");
    let (file_a, file_a2, file_b) = (lab.path("a.txt"), lab.path("a2.txt"), lab.path("b.txt"));
    let sink_file = lab.path("sink.txt");
    for file in [&file_a, &file_a2, &file_b] {
        std::fs::write(file, "").unwrap();
    }
    let source = |file: &Path| {
        vec![
            ("file", file.display().to_string()),
            ("topic", topic.clone()),
        ]
    };
    lab.create("source-a", "FileStreamSource", &source(&file_a), false)
        .await;
    lab.create("source-b", "FileStreamSource", &source(&file_b), false)
        .await;
    lab.create(
        "sink",
        "FileStreamSink",
        &[
            ("file", sink_file.display().to_string()),
            ("topics", topic.clone()),
        ],
        false,
    )
    .await;

    let first_a = lines("a first", 10);
    let first_b = lines("b first", 10);
    append(&file_a, &first_a);
    append(&file_b, &first_b);
    eventually(
        "the first lines in the sink",
        Duration::from_secs(90),
        || async {
            sink_has(&sink_file, &first_a)?;
            sink_has(&sink_file, &first_b)
        },
    )
    .await;

    // /metrics counts real data: 10 lines polled and acknowledged per source, 20 read and
    // put by the sink, and offset commits after the 500 ms flush interval.
    for (name, connector, at_least) in [
        (
            "tributary_source_task_records_polled_total",
            "source-a",
            10.0,
        ),
        (
            "tributary_source_task_records_written_total",
            "source-a",
            10.0,
        ),
        ("tributary_sink_task_records_read_total", "sink", 20.0),
        ("tributary_sink_task_records_put_total", "sink", 20.0),
        ("tributary_task_offset_commits_total", "source-a", 1.0),
        ("tributary_task_offset_commits_total", "sink", 1.0),
        (
            "tributary_task_offset_commit_seconds_count",
            "source-a",
            1.0,
        ),
        ("tributary_task_starts_total", "sink", 1.0),
    ] {
        eventually(
            &format!("{name} of {connector} at {at_least}"),
            Duration::from_secs(20),
            || async { (lab.task_metric(name, connector).await? >= at_least).then_some(()) },
        )
        .await;
    }
    let text = lab.metrics().await.unwrap();
    assert!(
        text.contains(r#"tributary_task_status{connector="sink",task="0",state="RUNNING"} 1"#),
        "{text}"
    );
    let renewals = text
        .lines()
        .find_map(|l| l.strip_prefix("tributary_worker_lease_renewals_total "))
        .and_then(|v| v.trim().parse::<f64>().ok());
    assert!(renewals.is_some_and(|r| r >= 1.0), "{text}");

    // status.topics: what the worker's tasks used.
    for name in ["source-a", "sink"] {
        eventually(
            &format!("{name} status.topics = [{topic}]"),
            Duration::from_secs(20),
            || async {
                let status = lab.connectors.get(name).await.ok()?.status?;
                (status.topics == [topic.clone()]).then_some(())
            },
        )
        .await;
    }

    // spec.config change: source-a's task restarts reading the new file; the old file is
    // no longer read; source-b and the sink keep their first run.
    lab.patch(
        "source-a",
        serde_json::json!({"spec": {"config": {"file": file_a2.display().to_string()}}}),
    )
    .await;
    eventually(
        "source-a started twice",
        Duration::from_secs(30),
        || async {
            (lab.task_metric("tributary_task_starts_total", "source-a")
                .await?
                >= 2.0)
                .then_some(())
        },
    )
    .await;
    lab.wait_state("source-a", "RUNNING", Duration::from_secs(30))
        .await;
    let new_file = lines("a second file", 5);
    let old_file = lines("a old file", 5);
    append(&file_a2, &new_file);
    append(&file_a, &old_file);
    eventually("lines of the new file", Duration::from_secs(60), || async {
        sink_has(&sink_file, &new_file)
    })
    .await;
    assert_eq!(
        lab.task_metric("tributary_task_starts_total", "source-a")
            .await,
        Some(2.0),
        "source-a's task should start once with the new config"
    );
    for other in ["source-b", "sink"] {
        assert_eq!(
            lab.task_metric("tributary_task_starts_total", other).await,
            Some(1.0),
            "{other} was restarted by source-a's change"
        );
    }

    // A restart request with includeTasks: the sink's task starts once more, the status
    // shows RESTARTING on the way, and ends RUNNING.
    let states = record_states(&lab.connectors, "sink");
    tokio::time::sleep(Duration::from_millis(500)).await;
    lab.patch(
        "sink",
        serde_json::json!({"metadata": {"annotations": {
            RESTART_ANNOTATION: r#"{"id":"r1","includeTasks":true,"onlyFailed":false}"#
        }}}),
    )
    .await;
    eventually(
        "the sink started twice",
        Duration::from_secs(30),
        || async {
            (lab.task_metric("tributary_task_starts_total", "sink")
                .await?
                == 2.0)
                .then_some(())
        },
    )
    .await;
    lab.wait_state("sink", "RUNNING", Duration::from_secs(30))
        .await;
    // The request restarted the instance too.
    let text = lab.metrics().await.unwrap();
    assert!(
        text.contains(r#"tributary_connector_starts_total{connector="sink"} 2"#),
        "{text}"
    );
    assert!(
        text.contains(r#"tributary_connector_status{connector="sink",state="RUNNING"} 1"#),
        "{text}"
    );
    eventually(
        "RESTARTING then RUNNING in the watch",
        Duration::from_secs(10),
        || async {
            let seen = states.lock().unwrap().clone();
            let restarting = seen.iter().position(|s| s == "RESTARTING/RESTARTING")?;
            seen[restarting..]
                .iter()
                .any(|s| s == "RUNNING/RUNNING")
                .then_some(())
        },
    )
    .await;
    // onlyFailed on a healthy connector restarts nothing.
    lab.patch(
        "sink",
        serde_json::json!({"metadata": {"annotations": {
            RESTART_ANNOTATION: r#"{"id":"r2","includeTasks":true,"onlyFailed":true}"#
        }}}),
    )
    .await;
    // The same value again is no new request.
    lab.patch(
        "sink",
        serde_json::json!({"metadata": {"labels": {"touched": "yes"}}}),
    )
    .await;
    // One task's restart: source-b only.
    lab.patch(
        "source-b",
        serde_json::json!({"metadata": {"annotations": {restart_task_annotation(0): "t1"}}}),
    )
    .await;
    eventually(
        "source-b started twice",
        Duration::from_secs(30),
        || async {
            (lab.task_metric("tributary_task_starts_total", "source-b")
                .await?
                == 2.0)
                .then_some(())
        },
    )
    .await;
    lab.wait_state("source-b", "RUNNING", Duration::from_secs(30))
        .await;
    assert_eq!(
        lab.task_metric("tributary_task_starts_total", "sink").await,
        Some(2.0)
    );
    let after_restarts = lines("after restarts", 5);
    append(&file_b, &after_restarts);
    eventually(
        "lines after the restarts",
        Duration::from_secs(60),
        || async { sink_has(&sink_file, &after_restarts) },
    )
    .await;

    // Pause and resume show in the status.
    lab.patch("source-b", serde_json::json!({"spec": {"state": "paused"}}))
        .await;
    lab.wait_state("source-b", "PAUSED", Duration::from_secs(30))
        .await;
    let while_paused = lines("b while paused", 5);
    append(&file_b, &while_paused);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        sink_has_none(&sink_file, &while_paused),
        "a paused source copied lines"
    );
    lab.patch(
        "source-b",
        serde_json::json!({"spec": {"state": "running"}}),
    )
    .await;
    lab.wait_state("source-b", "RUNNING", Duration::from_secs(30))
        .await;
    eventually(
        "lines written while paused",
        Duration::from_secs(60),
        || async { sink_has(&sink_file, &while_paused) },
    )
    .await;

    // Deleting source-a stops its task here: no more lines copied, its metrics gone; the
    // others keep running.
    lab.connectors
        .delete("source-a", &DeleteParams::default())
        .await
        .unwrap();
    eventually(
        "source-a gone from /metrics",
        Duration::from_secs(30),
        || async {
            let text = lab.metrics().await?;
            (!text.contains(r#"connector="source-a""#)).then_some(())
        },
    )
    .await;
    eventually(
        "source-a's object gone",
        Duration::from_secs(30),
        || async {
            lab.connectors
                .get_opt("source-a")
                .await
                .ok()?
                .is_none()
                .then_some(())
        },
    )
    .await;
    let after_delete_a = lines("a after delete", 5);
    let after_delete_b = lines("b after delete", 5);
    append(&file_a2, &after_delete_a);
    append(&file_b, &after_delete_b);
    eventually(
        "source-b's lines after the delete",
        Duration::from_secs(60),
        || async { sink_has(&sink_file, &after_delete_b) },
    )
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        sink_has_none(&sink_file, &after_delete_a),
        "the deleted source still copies lines"
    );
    assert!(
        sink_has_none(&sink_file, &old_file),
        "the old file was read after the change"
    );
    for other in ["source-b", "sink"] {
        assert_eq!(
            lab.task_metric("tributary_task_starts_total", other).await,
            Some(2.0),
            "{other} was restarted by the delete"
        );
    }
    lab.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_task_shows_its_trace_and_auto_restart_brings_it_back() {
    let lab = Lab::start("lifecycle-fail").await;
    let topic = lab.topic("lines");
    let source_file = lab.path("source.txt");
    std::fs::write(&source_file, "").unwrap();
    // The sink writes into a directory that does not exist yet: its task cannot open the
    // file and fails at start, as Apache's FileStreamSinkTask does.
    let missing = lab.path("missing");
    let sink_file = missing.join("sink.txt");
    lab.create(
        "source",
        "FileStreamSource",
        &[
            ("file", source_file.display().to_string()),
            ("topic", topic.clone()),
        ],
        false,
    )
    .await;
    lab.create(
        "sink",
        "FileStreamSink",
        &[
            ("file", sink_file.display().to_string()),
            ("topics", topic.clone()),
        ],
        true,
    )
    .await;

    eventually("the sink task FAILED", Duration::from_secs(60), || async {
        let info = lab
            .connectors
            .get("sink")
            .await
            .ok()?
            .status?
            .connector_status?;
        let task = info.tasks.iter().find(|t| t.id == 0)?;
        (task.state == "FAILED").then_some(())
    })
    .await;
    let yaml = kubectl(&["get", "kafkaconnector", "sink", "-n", &lab.ns, "-o", "yaml"]);
    assert!(yaml.contains("state: FAILED"), "{yaml}");
    assert!(
        yaml.contains("Couldn't find or create file"),
        "no trace in the status:\n{yaml}"
    );
    eventually("a counted failure", Duration::from_secs(10), || async {
        (lab.task_metric("tributary_task_failures_total", "sink")
            .await?
            >= 1.0)
            .then_some(())
    })
    .await;
    // Still failing: autoRestart retries with back-off (2 s, 4 s, ...), and the source,
    // which is healthy, is never restarted.
    eventually(
        "a second start of the failing sink",
        Duration::from_secs(30),
        || async {
            (lab.task_metric("tributary_task_starts_total", "sink")
                .await?
                >= 2.0)
                .then_some(())
        },
    )
    .await;

    // The cause goes away: the next automatic restart succeeds and lines flow.
    std::fs::create_dir(&missing).unwrap();
    lab.wait_state("sink", "RUNNING", Duration::from_secs(90))
        .await;
    let copied = lines("after the fix", 10);
    append(&source_file, &copied);
    eventually(
        "lines in the sink after the fix",
        Duration::from_secs(60),
        || async { sink_has(&sink_file, &copied) },
    )
    .await;
    assert_eq!(
        lab.task_metric("tributary_task_starts_total", "source")
            .await,
        Some(1.0),
        "the healthy source was restarted"
    );
    let text = lab.metrics().await.unwrap();
    assert!(
        text.contains(r#"tributary_task_status{connector="sink",task="0",state="RUNNING"} 1"#),
        "{text}"
    );
    let _ = &lab.bootstrap;
    lab.stop().await;
}
