//! The seed's distributed mode (Kafka Connect chapter, 分布式模式) in Tributary's terms,
//! step by step as the README's section walks it: `tributary convert-distributed` turns
//! `config/connect-distributed.properties` into a `KafkaConnect`, `kubectl apply` creates
//! it, the operator (in-process) writes the worker config, two `tributary worker`
//! processes with a pod's environment and that config play the worker pods, a
//! `tributary rest` process plays the REST sidecar, curl POSTs the seed's
//! `local-file-distribute-source`, the seed's lines arrive in the topic, and the
//! connector is deleted as the seed does. And the converter refuses Apache's own
//! default file by name.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::kube_lab::{
    Operator, create_namespace, eventually, install_crds, kubectl_with_input, lab_client,
};
use common::standalone::{free_port, http, http_get, unique};
use common::workers::{Process, rest_command, spawn_logged, start_worker};
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::Api;
use serde_json::Value;

/// The seed's `group.id`, which names the `KafkaConnect`.
const CLUSTER: &str = "connect-cluster";
const CONNECTOR: &str = "local-file-distribute-source";
const LINES: [&str; 2] = ["hello kafka connect", "hello kafka streams"];

fn repo_file(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn tributary(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tributary"))
        .args(args)
        .output()
        .expect("cannot run tributary")
}

/// `tributary rest` for the cluster, as the sidecar container runs it, on a free port;
/// returns it once `/healthz` answers, with its base URL.
fn start_rest_sidecar(ns: &str, dir: &Path) -> (Process, String) {
    let port = free_port();
    let mut process = spawn_logged(
        &mut rest_command(CLUSTER, ns, dir, port),
        dir.join("rest.log"),
        "tributary rest",
    );
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while http_get(&format!("{base}/healthz")).map(|(code, _)| code) != Some(200) {
        if let Some(status) = process.child.try_wait().unwrap() {
            panic!(
                "tributary rest exited with {status}:\n{}",
                process.log_text()
            );
        }
        assert!(Instant::now() < deadline, "tributary rest not up");
        std::thread::sleep(Duration::from_millis(200));
    }
    (process, base)
}

#[test]
fn apaches_default_distributed_file_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    // The uncommented lines of Apache Kafka's config/connect-distributed.properties.
    let file = dir.path().join("connect-distributed.properties");
    std::fs::write(
        &file,
        "bootstrap.servers=localhost:9092\n\
         group.id=connect-cluster\n\
         key.converter=org.apache.kafka.connect.json.JsonConverter\n\
         value.converter=org.apache.kafka.connect.json.JsonConverter\n\
         key.converter.schemas.enable=true\n\
         value.converter.schemas.enable=true\n\
         offset.storage.topic=connect-offsets\n\
         offset.storage.replication.factor=1\n\
         config.storage.topic=connect-configs\n\
         config.storage.replication.factor=1\n\
         status.storage.topic=connect-status\n\
         status.storage.replication.factor=1\n\
         offset.flush.interval.ms=10000\n",
    )
    .unwrap();
    let out = tributary(&["convert-distributed", file.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(out.stdout.is_empty(), "no YAML on a refusal");
    for key in [
        "config.storage.topic",
        "config.storage.replication.factor",
        "status.storage.topic",
        "status.storage.replication.factor",
    ] {
        assert!(stderr.contains(&format!("\n  {key}: ")), "{key}: {stderr}");
    }
    assert!(
        stderr.contains("connector configs live in KafkaConnector resources"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seeds_distributed_walkthrough() {
    let client = lab_client().await;
    install_crds();
    let ns = create_namespace(&client, "seed-distributed").await;
    let dir = tempfile::tempdir().unwrap();

    // 1. The seed's worker file, on the lab's broker and with an offsets topic of this
    //    run (later lines of a properties file win).
    let seed = std::fs::read_to_string(repo_file("config/connect-distributed.properties")).unwrap();
    let file = dir.path().join("connect-distributed.properties");
    std::fs::write(
        &file,
        format!(
            "{seed}bootstrap.servers={}\noffset.storage.topic={ns}-offsets\n",
            common::bootstrap_servers()
        ),
    )
    .unwrap();

    // 2. Convert it, 3. apply it.
    let out = tributary(&[
        "convert-distributed",
        file.to_str().unwrap(),
        "--namespace",
        &ns,
        "--replicas",
        "2",
    ]);
    let yaml = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(yaml.contains(&format!("name: {CLUSTER}\n")), "{yaml}");
    let applied = kubectl_with_input(&["apply", "-f", "-"], &yaml);
    assert!(
        applied.contains(&format!("kafkaconnect.tributary.dev/{CLUSTER} created")),
        "{applied}"
    );

    // 4. The operator writes the worker config the pods mount.
    let _operator = Operator::start_in(&client, &ns);
    let config_maps: Api<ConfigMap> = Api::namespaced(client.clone(), &ns);
    let properties = eventually("the worker ConfigMap", Duration::from_secs(60), || async {
        let map = config_maps
            .get_opt(&format!("{CLUSTER}-config"))
            .await
            .ok()??;
        map.data?.get("worker.properties").cloned()
    })
    .await;
    for line in [
        format!("bootstrap.servers={}", common::bootstrap_servers()),
        format!("group.id={CLUSTER}"),
        format!("offset.storage.topic={ns}-offsets"),
        "key.converter=org.apache.kafka.connect.json.JsonConverter".into(),
        "value.converter.schemas.enable=true".into(),
        "offset.flush.interval.ms=10000".into(),
    ] {
        assert!(
            properties.lines().any(|l| l == line),
            "{line}: {properties}"
        );
    }
    std::fs::write(dir.path().join("worker.properties"), &properties).unwrap();

    // 5. The worker pods and the REST sidecar.
    let _workers =
        [0, 1].map(|i| start_worker(CLUSTER, &format!("{CLUSTER}-worker-{i}"), &ns, dir.path()));
    let (_sidecar, base) = start_rest_sidecar(&ns, dir.path());

    // 6. The seed's connector, POSTed with the seed's curl command; its file and topic
    //    are this run's.
    let source = dir.path().join("distribute-source.txt");
    std::fs::write(&source, "").unwrap();
    let topic = unique("topic-distribute-source");
    let mut request: Value = serde_json::from_str(
        &std::fs::read_to_string(repo_file("config/connect-file-distribute-source.json")).unwrap(),
    )
    .unwrap();
    request["config"]["file"] = source.display().to_string().into();
    request["config"]["topic"] = topic.clone().into();
    let body_file = dir.path().join("connector.json");
    std::fs::write(&body_file, request.to_string()).unwrap();
    let out = Command::new("curl")
        .args(["-s", "-i", "-m", "30", "-X", "POST"])
        .args(["-H", "Content-Type:application/json"])
        .args(["-H", "Accept:application/json"])
        .arg("-d")
        .arg(format!("@{}", body_file.display()))
        .arg(format!("{base}/connectors"))
        .output()
        .unwrap();
    let response = String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n");
    let (head, body) = response.split_once("\n\n").unwrap_or((&response, ""));
    assert!(head.starts_with("HTTP/1.1 201"), "{response}");
    let created: Value = serde_json::from_str(body).unwrap();
    assert_eq!(created["name"], CONNECTOR);
    assert_eq!(created["config"]["name"], CONNECTOR);
    assert_eq!(created["config"]["topic"], topic.as_str());
    assert_eq!(created["type"], "source");

    let status_url = format!("{base}/connectors/{CONNECTOR}/status");
    eventually(
        "the connector and its task RUNNING",
        Duration::from_secs(60),
        || async {
            let (code, body) = http_get(&status_url)?;
            let status: Value = serde_json::from_str(&body).ok()?;
            (code == 200
                && status["connector"]["state"] == "RUNNING"
                && status["tasks"][0]["state"] == "RUNNING")
                .then_some(())
        },
    )
    .await;

    // 7. Write to distribute-source.txt and see the records in the topic, with the
    //    README's command (the StringConverter leaves the key null).
    common::files::append(&source, &LINES.map(String::from));
    let shown = Command::new(repo_file("scripts/show-topic"))
        .args([topic.as_str(), "2"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&shown.stdout),
        "null\thello kafka connect\nnull\thello kafka streams\n",
        "{}",
        String::from_utf8_lossy(&shown.stderr)
    );

    // 8. Delete it, as the seed does: 204, then no connectors.
    let (code, _) = http("DELETE", &format!("{base}/connectors/{CONNECTOR}"), None).unwrap();
    assert_eq!(code, 204);
    let (code, body) = http_get(&format!("{base}/connectors")).unwrap();
    assert_eq!((code, body.as_str()), (200, "[]"));

    common::kube_lab::delete_namespace(&client, &ns).await;
}
