//! `tributary rest` on the lab: the Connect REST API over `KafkaConnector` resources. REST
//! and `kubectl` are two doors into the same state; the state survives a sidecar restart;
//! concurrent writers lose nothing; authentication and TLS; and, with the operator and two
//! `tributary worker` processes playing pods, a file source created over REST runs and a
//! task restart over REST reaches its worker.

use crate::common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::kube_lab::{
    Operator, create_kafka_connect, create_namespace, eventually, install_crds, kubectl,
    kubectl_with_input, lab_client,
};
use common::rest_scenario::{self, Side, Target};
use common::standalone::{free_port, http, unique};
use common::workers::{JSON_CONVERTER, Process, rest_command, spawn_logged, start_worker};
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::{Api, PostParams};
use kube::{Client, ResourceExt};
use serde_json::{Value, json};
use tributary::api::KafkaConnector;

const CLUSTER: &str = "files";

/// The worker properties the sidecar and the workers of a test share.
fn write_worker_properties(dir: &Path, topic: &str) {
    common::workers::write_worker_properties(
        dir,
        JSON_CONVERTER,
        1000,
        &format!("{topic}-offsets"),
        1,
    );
}

/// A `tributary rest` sidecar on a free port.
struct Sidecar {
    process: Process,
    base: String,
}

impl Sidecar {
    fn start(ns: &str, dir: &Path, extra: &[&str]) -> Sidecar {
        let port = free_port();
        let tls = extra.contains(&"--tls-cert");
        let process = spawn_logged(
            rest_command(CLUSTER, ns, dir, port).args(extra),
            dir.join(format!("rest-{port}.log")),
            "tributary rest",
        );
        let scheme = if tls { "https" } else { "http" };
        let mut sidecar = Sidecar {
            process,
            base: format!("{scheme}://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = sidecar.process.child.try_wait().unwrap() {
                panic!(
                    "tributary rest exited with {status}:\n{}",
                    sidecar.process.log_text()
                );
            }
            if curl(&sidecar.url("/healthz"), &[]).0 == 200 {
                return sidecar;
            }
            assert!(Instant::now() < deadline, "tributary rest not up");
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A request; (status, JSON body or Null).
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let body = body.map(|b| b.to_string());
        let (code, text) = http(method, &self.url(path), body.as_deref())
            .unwrap_or_else(|| panic!("no answer to {method} {path}"));
        let value = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{method} {path}: {e}: {text}"))
        };
        (code, value)
    }
}

/// curl with extra arguments (`-k`, `-u`, headers): (status, headers and body).
fn curl(url: &str, extra: &[&str]) -> (u16, String) {
    let out = Command::new("curl")
        .args(["-s", "-k", "-i", "-m", "10", "-w", "\n%{http_code}"])
        .args(extra)
        .arg(url)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let (body, code) = text.rsplit_once('\n').unwrap_or(("", "0"));
    (code.trim().parse().unwrap_or(0), body.to_owned())
}

fn source_config(dir: &Path, topic: &str) -> Value {
    json!({
        "connector.class": "FileStreamSource",
        "tasks.max": "1",
        "file": dir.join("in.txt").display().to_string(),
        "topic": topic,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_and_kubectl_are_two_doors_into_one_state() {
    let client = lab_client().await;
    install_crds();
    let ns = create_namespace(&client, "rest-doors").await;
    let dir = tempfile::tempdir().unwrap();
    write_worker_properties(dir.path(), &ns);
    let sidecar = Sidecar::start(&ns, dir.path(), &[]);
    let api: Api<KafkaConnector> = Api::namespaced(client.clone(), &ns);

    // REST → resource.
    let config = source_config(dir.path(), "t");
    let (code, body) = sidecar.call(
        "POST",
        "/connectors",
        Some(json!({"name": "src", "config": config})),
    );
    assert_eq!(code, 201, "{body}");
    assert_eq!(body["name"], "src");
    assert_eq!(body["config"]["name"], "src");
    assert_eq!(body["type"], "source");
    let listed = kubectl(&["get", "kafkaconnectors", "-n", &ns, "-o", "name"]);
    assert!(
        listed
            .lines()
            .any(|l| l == "kafkaconnector.tributary.dev/src"),
        "{listed}"
    );
    let resource = api.get("src").await.unwrap();
    assert_eq!(resource.spec.class, "FileStreamSource");
    assert_eq!(resource.spec.tasks_max, Some(1));
    assert_eq!(resource.spec.config["topic"], "t");
    assert!(!resource.spec.config.contains_key("name"));
    assert_eq!(resource.labels()["tributary.dev/cluster"], CLUSTER);

    let (code, body) = sidecar.call(
        "POST",
        "/connectors",
        Some(json!({"name": "src", "config": config})),
    );
    assert_eq!(
        (code, body),
        (
            409,
            json!({"error_code": 409, "message": "Connector src already exists"})
        )
    );
    // Validation answers as standalone does; a name Kubernetes cannot hold is a 400.
    let (code, body) = sidecar.call(
        "POST",
        "/connectors",
        Some(json!({"name": "x", "config": {"connector.class": "FileStreamSource", "tasks.max": "x"}})),
    );
    assert_eq!(code, 400, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("Connector configuration is invalid and contains the following"),
        "{body}"
    );
    let (code, body) = sidecar.call(
        "POST",
        "/connectors",
        Some(json!({"name": "Big_Name", "config": config})),
    );
    assert_eq!(code, 400, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("cannot be the name of a KafkaConnector resource"),
        "{body}"
    );

    // Nobody runs it: UNASSIGNED, no tasks.
    let (code, status) = sidecar.call("GET", "/connectors/src/status", None);
    assert_eq!(code, 200);
    assert_eq!(status["connector"]["state"], "UNASSIGNED");
    assert_eq!(status["tasks"], json!([]));

    // kubectl → REST.
    kubectl_with_input(
        &["apply", "-n", &ns, "-f", "-"],
        r#"
apiVersion: tributary.dev/v1alpha1
kind: KafkaConnector
metadata:
  name: applied
  labels:
    tributary.dev/cluster: files
spec:
  class: FileStreamSink
  tasksMax: 2
  config:
    topics: t
    file: /tmp/out.txt
---
apiVersion: tributary.dev/v1alpha1
kind: KafkaConnector
metadata:
  name: other-cluster
  labels:
    tributary.dev/cluster: elsewhere
spec:
  class: FileStreamSink
"#,
    );
    let (code, names) = sidecar.call("GET", "/connectors", None);
    assert_eq!((code, names), (200, json!(["applied", "src"])));
    let (_, config) = sidecar.call("GET", "/connectors/applied/config", None);
    assert_eq!(
        config,
        json!({"connector.class": "FileStreamSink", "tasks.max": "2", "topics": "t",
               "file": "/tmp/out.txt", "name": "applied"})
    );
    let (code, _) = sidecar.call("GET", "/connectors/other-cluster", None);
    assert_eq!(code, 404);

    // PUT updates (200) or creates (201); pause writes spec.state.
    let mut updated = source_config(dir.path(), "t2");
    updated["name"] = json!("src");
    let (code, body) = sidecar.call("PUT", "/connectors/src/config", Some(updated.clone()));
    assert_eq!(code, 200, "{body}");
    assert_eq!(api.get("src").await.unwrap().spec.config["topic"], "t2");
    let (code, _) = sidecar.call(
        "PUT",
        "/connectors/made-by-put/config",
        Some(source_config(dir.path(), "t3")),
    );
    assert_eq!(code, 201);
    let (code, _) = sidecar.call("PUT", "/connectors/src/pause", None);
    assert_eq!(code, 202);
    let state = kubectl(&[
        "get",
        "kafkaconnector",
        "src",
        "-n",
        &ns,
        "-o",
        "jsonpath={.spec.state}",
    ]);
    assert_eq!(state, "paused");

    // A new sidecar sees the same state: nothing lived in the old one.
    drop(sidecar);
    let sidecar = Sidecar::start(&ns, dir.path(), &[]);
    let (_, names) = sidecar.call("GET", "/connectors", None);
    assert_eq!(names, json!(["applied", "made-by-put", "src"]));
    let (_, config) = sidecar.call("GET", "/connectors/src/config", None);
    assert_eq!(config, updated);

    // DELETE removes the resource.
    let (code, _) = sidecar.call("DELETE", "/connectors/src", None);
    assert_eq!(code, 204);
    assert!(api.get_opt("src").await.unwrap().is_none());
    let (code, body) = sidecar.call("DELETE", "/connectors/src", None);
    assert_eq!(
        (code, body),
        (
            404,
            json!({"error_code": 404, "message": "Connector src not found"})
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_lose_no_write() {
    let client = lab_client().await;
    install_crds();
    let ns = create_namespace(&client, "rest-concurrent").await;
    let dir = tempfile::tempdir().unwrap();
    write_worker_properties(dir.path(), &ns);
    // Two sidecars: two clients may reach two pods behind the Service.
    let one = Sidecar::start(&ns, dir.path(), &[]);
    let two = Sidecar::start(&ns, dir.path(), &[]);
    let (code, _) = one.call(
        "PUT",
        "/connectors/c/config",
        Some(source_config(dir.path(), "t")),
    );
    assert_eq!(code, 201);

    const WRITES: usize = 15;
    std::thread::scope(|s| {
        for (sidecar, prefix) in [(&one, "a"), (&two, "b")] {
            s.spawn(move || {
                for i in 0..WRITES {
                    let (code, body) = sidecar.call(
                        "PATCH",
                        "/connectors/c/config",
                        Some(json!({format!("{prefix}.{i}"): "x"})),
                    );
                    assert_eq!(code, 200, "{body}");
                }
            });
        }
        s.spawn(|| {
            for i in 0..WRITES {
                let action = if i % 2 == 0 { "pause" } else { "resume" };
                let (code, _) = two.call("PUT", &format!("/connectors/c/{action}"), None);
                assert_eq!(code, 202);
            }
        });
    });
    let api: Api<KafkaConnector> = Api::namespaced(client.clone(), &ns);
    let resource = api.get("c").await.unwrap();
    for prefix in ["a", "b"] {
        for i in 0..WRITES {
            assert!(
                resource.spec.config.contains_key(&format!("{prefix}.{i}")),
                "{prefix}.{i} lost: {:?}",
                resource.spec.config
            );
        }
    }
    // The last toggle (i = 14) paused; no config write put an older state back.
    assert_eq!(
        resource.spec.state,
        Some(tributary::runtime::TargetState::Paused)
    );
}

/// A self-signed certificate and key for 127.0.0.1, made with openssl.
fn self_signed(dir: &Path) -> (PathBuf, PathBuf) {
    let (cert, key) = (dir.join("tls.crt"), dir.join("tls.key"));
    let out = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        ])
        .args(["-subj", "/CN=127.0.0.1", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("cannot run openssl");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (cert, key)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn basic_auth_and_bearer_tokens_over_tls() {
    let client = lab_client().await;
    install_crds();
    let ns = create_namespace(&client, "rest-auth").await;
    let dir = tempfile::tempdir().unwrap();
    write_worker_properties(dir.path(), &ns);
    let secrets: Api<Secret> = Api::namespaced(client.clone(), &ns);
    for (name, entries) in [
        ("rest-users", [("alice", "wonder:land")]),
        ("rest-tokens", [("ci", "tok-123")]),
    ] {
        let secret = Secret {
            metadata: ObjectMeta {
                name: Some(name.into()),
                ..ObjectMeta::default()
            },
            string_data: Some(
                entries
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect::<BTreeMap<_, _>>(),
            ),
            ..Secret::default()
        };
        secrets
            .create(&PostParams::default(), &secret)
            .await
            .unwrap();
    }
    let (cert, key) = self_signed(dir.path());
    let sidecar = Sidecar::start(
        &ns,
        dir.path(),
        &[
            "--basic-auth-secret",
            "rest-users",
            "--bearer-token-secret",
            "rest-tokens",
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
    );
    assert!(sidecar.base.starts_with("https://"));
    let url = sidecar.url("/connectors");

    let (code, text) = curl(&url, &[]);
    assert_eq!(code, 401, "{text}");
    assert!(
        text.ends_with("\r\n\r\nUser cannot access the resource."),
        "{text}"
    );
    assert!(
        text.to_ascii_lowercase()
            .contains("www-authenticate: basic realm=\"kafka connect\""),
        "{text}"
    );
    assert_eq!(curl(&url, &["-u", "alice:wrong"]).0, 401);
    assert_eq!(curl(&url, &["-u", "bob:wonder:land"]).0, 401);
    assert_eq!(curl(&url, &["-H", "Authorization: Bearer nope"]).0, 401);
    let (code, text) = curl(&url, &["-u", "alice:wonder:land"]);
    assert_eq!(code, 200, "{text}");
    assert!(text.ends_with("\r\n\r\n[]"), "{text}");
    assert_eq!(curl(&url, &["-H", "Authorization: Bearer tok-123"]).0, 200);
    // Unknown paths are behind authentication too; the probes are not.
    assert_eq!(curl(&sidecar.url("/nope"), &[]).0, 401);
    assert_eq!(curl(&sidecar.url("/healthz"), &[]).0, 200);
    // Plain HTTP is not served on the TLS port.
    let plain = sidecar.url("/connectors").replace("https://", "http://");
    assert_ne!(curl(&plain, &["-u", "alice:wonder:land"]).0, 200);
}

/// Starts the operator on `ns` and applies a `KafkaConnect` of two workers.
async fn start_cluster(client: &Client, ns: &str) -> Operator {
    let operator = Operator::start_in(client, ns);
    create_kafka_connect(client, ns, CLUSTER, 2, &common::bootstrap_servers()).await;
    operator
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_created_over_rest_runs_on_the_workers_and_restarts_over_rest() {
    let client = lab_client().await;
    install_crds();
    let ns = create_namespace(&client, "rest-workers").await;
    let dir = tempfile::tempdir().unwrap();
    write_worker_properties(dir.path(), &ns);
    std::fs::write(dir.path().join("in.txt"), "one\ntwo\n").unwrap();
    let _operator = start_cluster(&client, &ns).await;
    let workers = [
        start_worker(CLUSTER, "files-worker-0", &ns, dir.path()),
        start_worker(CLUSTER, "files-worker-1", &ns, dir.path()),
    ];
    let sidecar = Sidecar::start(&ns, dir.path(), &[]);
    let topic = format!("{ns}-lines");

    let (code, body) = sidecar.call(
        "POST",
        "/connectors",
        Some(json!({"name": "src", "config": source_config(dir.path(), &topic)})),
    );
    assert_eq!(code, 201, "{body}");
    let status = eventually(
        "src RUNNING with its task over REST",
        Duration::from_secs(60),
        || async {
            let (code, status) = sidecar.call("GET", "/connectors/src/status", None);
            (code == 200
                && status["connector"]["state"] == "RUNNING"
                && status["tasks"][0]["state"] == "RUNNING")
                .then_some(status)
        },
    )
    .await;
    assert_eq!(status["type"], "source");
    let worker = status["tasks"][0]["worker_id"].as_str().unwrap().to_owned();
    assert!(worker.starts_with("files-worker-"), "{status}");
    let (_, tasks) = sidecar.call("GET", "/connectors/src/tasks", None);
    assert_eq!(tasks[0]["config"]["topic"], topic.as_str(), "{tasks}");
    assert_eq!(
        tasks[0]["config"]["task.class"],
        "org.apache.kafka.connect.file.FileStreamSourceTask"
    );
    // The lines reached Kafka, and the source offset is read from the offsets topic.
    let offsets = eventually("src offsets", Duration::from_secs(30), || async {
        let (code, offsets) = sidecar.call("GET", "/connectors/src/offsets", None);
        (code == 200 && offsets["offsets"][0]["offset"]["position"] == 8).then_some(offsets)
    })
    .await;
    assert_eq!(
        offsets["offsets"][0]["partition"]["filename"],
        dir.path().join("in.txt").display().to_string()
    );
    let (code, body) = sidecar.call("DELETE", "/connectors/src/offsets", None);
    assert_eq!(code, 400, "{body}");

    // Restart the task over REST: the annotation is written, and the worker running the
    // task logs that it restarts it.
    let api: Api<KafkaConnector> = Api::namespaced(client.clone(), &ns);
    let (code, body) = sidecar.call("POST", "/connectors/src/tasks/0/restart", None);
    assert_eq!(code, 204, "{body}");
    let annotations = api.get("src").await.unwrap().metadata.annotations.unwrap();
    assert!(
        annotations.contains_key("tributary.dev/restart-task-0"),
        "{annotations:?}"
    );
    let runs_task = &workers[if worker.ends_with('0') { 0 } else { 1 }];
    eventually(
        "the worker running the task acting on the restart request",
        Duration::from_secs(30),
        || async {
            let log = runs_task.log_text();
            (log.contains("task restart requested") && log.contains("restarting task"))
                .then_some(())
        },
    )
    .await;
    let (code, plan) = sidecar.call("POST", "/connectors/src/restart?includeTasks=true", None);
    assert_eq!(code, 202, "{plan}");
    assert_eq!(plan["connector"]["state"], "RESTARTING");
    assert_eq!(plan["tasks"][0]["state"], "RESTARTING");
    let request: Value = serde_json::from_str(
        &api.get("src").await.unwrap().metadata.annotations.unwrap()["tributary.dev/restart"],
    )
    .unwrap();
    assert_eq!(request["includeTasks"], true);
    assert_eq!(request["onlyFailed"], false);
    eventually(
        "a worker acting on the connector restart request",
        Duration::from_secs(30),
        || async {
            workers
                .iter()
                .any(|w| {
                    w.log_text().lines().any(|l| {
                        l.contains("restart requested") && l.contains("include_tasks=true")
                    })
                })
                .then_some(())
        },
    )
    .await;
    eventually(
        "src RUNNING again after the restarts",
        Duration::from_secs(60),
        || async {
            let (_, status) = sidecar.call("GET", "/connectors/src/status", None);
            (status["connector"]["state"] == "RUNNING" && status["tasks"][0]["state"] == "RUNNING")
                .then_some(())
        },
    )
    .await;

    // Stop: the offsets can change now.
    let (code, _) = sidecar.call("PUT", "/connectors/src/stop", None);
    assert_eq!(code, 204);
    eventually(
        "src STOPPED without tasks",
        Duration::from_secs(60),
        || async {
            let (_, status) = sidecar.call("GET", "/connectors/src/status", None);
            (status["connector"]["state"] == "STOPPED" && status["tasks"] == json!([]))
                .then_some(())
        },
    )
    .await;
    let (code, body) = sidecar.call("DELETE", "/connectors/src/offsets", None);
    assert_eq!(code, 200, "{body}");
    let (_, offsets) = sidecar.call("GET", "/connectors/src/offsets", None);
    assert_eq!(offsets, json!({"offsets": []}));
}

/// The sidecar as one side of the REST parity scenario.
struct SidecarTarget {
    sidecar: Sidecar,
    subst: Vec<(String, String)>,
}

impl Target for SidecarTarget {
    fn name(&self) -> &str {
        "tributary rest"
    }

    fn send(&self, method: &str, path: &str, body: Option<&str>) -> Option<(u16, String)> {
        http(method, &self.sidecar.url(path), body)
    }

    fn substitutions(&self) -> &[(String, String)] {
        &self.subst
    }
}

/// The documented differences of the sidecar (`docs/compatibility.md`, "REST sidecar"):
/// a create or config update answers the tasks known when the resource was written
/// (none for a new connector), as Apache's distributed herder does, where standalone
/// lists the tasks it has just started.
fn sidecar_differences(method: &str, path: &str, a: &mut (u16, Value), t: &mut (u16, Value)) {
    let writes_config = (method == "POST" && path == "/connectors")
        || (matches!(method, "PUT" | "PATCH") && path.ends_with("/config"));
    if writes_config && a.0 < 300 && t.0 < 300 {
        for answer in [a, t] {
            if let Some(body) = answer.1.as_object_mut() {
                body.remove("tasks");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_parity_scenario_against_the_sidecar_with_workers() {
    let _ = common::kafka_libs();
    let client = lab_client().await;
    install_crds();
    let ns = create_namespace(&client, "rest-parity").await;
    let dir = tempfile::tempdir().unwrap();
    write_worker_properties(dir.path(), &ns);
    std::fs::write(dir.path().join("in.txt"), "").unwrap();
    let _operator = start_cluster(&client, &ns).await;
    let _workers = [
        start_worker(CLUSTER, "files-worker-0", &ns, dir.path()),
        start_worker(CLUSTER, "files-worker-1", &ns, dir.path()),
    ];
    let sidecar = Sidecar::start(&ns, dir.path(), &[]);
    let run = unique("rest");
    let apache = Side::start(true, &run);
    let authority = sidecar.base.trim_start_matches("http://").to_owned();
    let ours = SidecarTarget {
        sidecar,
        subst: vec![
            (dir.path().to_str().unwrap().to_owned(), "<dir>".to_owned()),
            (authority, "<worker>".to_owned()),
            ("files-worker-rest".to_owned(), "<worker>".to_owned()),
            ("files-worker-0".to_owned(), "<worker>".to_owned()),
            ("files-worker-1".to_owned(), "<worker>".to_owned()),
            (format!("{run}-s"), "<run>".to_owned()),
        ],
    };
    let failures = rest_scenario::run(&apache, &ours, &sidecar_differences);
    assert!(
        failures.is_empty(),
        "{} answer(s) differ from Apache's:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
