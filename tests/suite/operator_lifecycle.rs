//! Connector lifecycle on the lab: the operator (in-process) and one `tributary worker`
//! process (playing a worker pod) run file connectors through the lab's Kafka, and the
//! tests change them the ways users do: edit `spec.config`, annotate a restart, pause and
//! resume, delete, and break a task (a sink file in a missing directory) with
//! `autoRestart`. What happened is read back from the worker's `/metrics`, the
//! `KafkaConnector` status and the files.

use crate::common;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::files::{append, lines, sink_has, sink_has_none};
use common::kube_lab::{
    Operator, connector, create_kafka_connect, create_namespace, delete_namespace, eventually,
    install_crds, kubectl, lab_client,
};
use common::standalone::free_port;
use common::workers::{
    Process, STRING_CONVERTER, http_get, spawn_logged, worker_command, write_worker_properties,
};
use futures::StreamExt;
use kube::Client;
use kube::api::{Api, DeleteParams, Patch, PatchParams, PostParams};
use kube::runtime::watcher;
use tributary::api::{KafkaConnector, RESTART_ANNOTATION, restart_task_annotation};

const CLUSTER: &str = "life";
const POD: &str = "life-worker-0";

/// One lab scenario: a namespace with a `KafkaConnect` of one worker, the operator, and the
/// worker process with its health port.
struct Lab {
    // First, so it is dropped (and its log printed) before the folder goes away.
    worker: Option<Process>,
    client: Client,
    ns: String,
    dir: tempfile::TempDir,
    bootstrap: String,
    connectors: Api<KafkaConnector>,
    operator: Option<Operator>,
    health: String,
}

impl Lab {
    async fn start(prefix: &str) -> Lab {
        let client = lab_client().await;
        let bootstrap = common::bootstrap_servers();
        install_crds();
        let ns = create_namespace(&client, prefix).await;
        let dir = tempfile::tempdir().unwrap();
        write_worker_properties(
            dir.path(),
            STRING_CONVERTER,
            500,
            &format!("{ns}-offsets"),
            1,
        );

        let operator = Operator::start_in(&client, &ns);
        create_kafka_connect(&client, &ns, CLUSTER, 1, &bootstrap).await;

        // A free port for the worker's health server.
        let health = format!("127.0.0.1:{}", free_port());
        let worker = spawn_logged(
            &mut worker_command(CLUSTER, POD, &ns, dir.path(), &health),
            dir.path().join(format!("{POD}.log")),
            "tributary worker",
        );
        let connectors = Api::namespaced(client.clone(), &ns);
        Lab {
            client,
            ns,
            dir,
            bootstrap,
            connectors,
            operator: Some(operator),
            worker: Some(worker),
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
        let mut c = connector(CLUSTER, name, class, config);
        c.spec.auto_restart = auto.then_some(true);
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
        let (code, body) = http_get(&self.health, "/metrics").await?;
        (code == 200).then_some(body)
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
        if let Some(operator) = self.operator.take() {
            let _ = operator.stop().await;
        }
        delete_namespace(&self.client, &self.ns).await;
    }
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
            // A group of this run's own: a sink's group is `connect-<connector>` across
            // the whole Kafka cluster, and the worker of an earlier run, killed at its
            // end, stays a member until its session expires, holding up the rebalance.
            ("consumer.override.group.id", format!("connect-{topic}")),
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
        "failing-sink",
        "FileStreamSink",
        &[
            ("file", sink_file.display().to_string()),
            ("topics", topic.clone()),
            ("consumer.override.group.id", format!("connect-{topic}")),
        ],
        true,
    )
    .await;

    eventually("the sink task FAILED", Duration::from_secs(60), || async {
        let info = lab
            .connectors
            .get("failing-sink")
            .await
            .ok()?
            .status?
            .connector_status?;
        let task = info.tasks.iter().find(|t| t.id == 0)?;
        (task.state == "FAILED").then_some(())
    })
    .await;
    let yaml = kubectl(&[
        "get",
        "kafkaconnector",
        "failing-sink",
        "-n",
        &lab.ns,
        "-o",
        "yaml",
    ]);
    assert!(yaml.contains("state: FAILED"), "{yaml}");
    assert!(
        yaml.contains("Couldn't find or create file"),
        "no trace in the status:\n{yaml}"
    );
    eventually("a counted failure", Duration::from_secs(10), || async {
        (lab.task_metric("tributary_task_failures_total", "failing-sink")
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
            (lab.task_metric("tributary_task_starts_total", "failing-sink")
                .await?
                >= 2.0)
                .then_some(())
        },
    )
    .await;

    // The cause goes away: the next automatic restart succeeds and lines flow.
    std::fs::create_dir(&missing).unwrap();
    lab.wait_state("failing-sink", "RUNNING", Duration::from_secs(90))
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
        text.contains(
            r#"tributary_task_status{connector="failing-sink",task="0",state="RUNNING"} 1"#
        ),
        "{text}"
    );
    let _ = &lab.bootstrap;
    lab.stop().await;
}
