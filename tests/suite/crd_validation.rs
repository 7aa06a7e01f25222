//! The CRDs on the lab's kube-apiserver: their OpenAPI validation accepts good objects and
//! rejects bad ones, `kubectl explain` shows the field docs, printer columns and short
//! names work, and the scale subresource drives `spec.replicas`.

use crate::common;

use std::path::PathBuf;
use std::process::Output;

use common::kube_lab::{install_crds, kubectl, kubectl_output};
use common::standalone::unique;

/// Pipes `yaml` into `kubectl create -f -`; returns the output.
fn create(namespace: &str, yaml: &str) -> Output {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let file: PathBuf = dir.path().join("object.yaml");
    std::fs::File::create(&file)
        .unwrap()
        .write_all(yaml.as_bytes())
        .unwrap();
    kubectl_output(&["create", "-n", namespace, "-f", file.to_str().unwrap()])
}

/// A fresh namespace, deleted when dropped.
struct Namespace(String);

impl Namespace {
    fn new(prefix: &str) -> Self {
        let name = unique(prefix);
        kubectl(&["create", "namespace", &name]);
        Namespace(name)
    }
}

impl Drop for Namespace {
    fn drop(&mut self) {
        let _ = kubectl_output(&["delete", "namespace", &self.0, "--wait=false"]);
    }
}

fn connector(name: &str, spec: &str) -> String {
    format!(
        "apiVersion: tributary.dev/v1alpha1\nkind: KafkaConnector\nmetadata:\n  name: {name}\n  labels:\n    tributary.dev/cluster: x\nspec:\n{spec}"
    )
}

fn cluster(name: &str, spec: &str) -> String {
    format!(
        "apiVersion: tributary.dev/v1alpha1\nkind: KafkaConnect\nmetadata:\n  name: {name}\nspec:\n{spec}"
    )
}

#[test]
fn the_api_server_validates_connectors_and_clusters() {
    install_crds();
    let ns = Namespace::new("crd-validation");

    let good = [
        connector(
            "good",
            "  class: FileStreamSource\n  tasksMax: 2\n  state: paused\n  autoRestart: true\n  config:\n    file: /tmp/x\n",
        ),
        connector(
            "minimal",
            "  class: org.apache.kafka.connect.file.FileStreamSinkConnector\n",
        ),
        cluster("x", "  bootstrapServers: k:9092\n  replicas: 0\n"),
        cluster("defaults", "  bootstrapServers: k:9092\n"),
    ];
    for yaml in &good {
        let out = create(&ns.0, yaml);
        assert!(
            out.status.success(),
            "rejected a good object:\n{yaml}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // `replicas` defaults to 1.
    let replicas = kubectl(&[
        "get",
        "kc",
        "defaults",
        "-n",
        &ns.0,
        "-o",
        "jsonpath={.spec.replicas}",
    ]);
    assert_eq!(replicas, "1");

    let bad = [
        (
            connector("zero", "  class: X\n  tasksMax: 0\n"),
            "spec.tasksMax",
        ),
        (
            connector("negative", "  class: X\n  tasksMax: -3\n"),
            "spec.tasksMax",
        ),
        (
            connector("state", "  class: X\n  state: sleeping\n"),
            "spec.state",
        ),
        (connector("noclass", "  tasksMax: 1\n"), "spec.class"),
        (connector("emptyclass", "  class: \"\"\n"), "spec.class"),
        (
            cluster("negative", "  bootstrapServers: k:9092\n  replicas: -1\n"),
            "spec.replicas",
        ),
        (
            cluster("nobootstrap", "  replicas: 1\n"),
            "spec.bootstrapServers",
        ),
    ];
    for (yaml, field) in &bad {
        let out = create(&ns.0, yaml);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "accepted a bad object:\n{yaml}");
        assert!(
            stderr.contains(field),
            "the rejection does not name {field}: {stderr}"
        );
    }
}

#[test]
fn explain_printer_columns_short_names_and_scale() {
    install_crds();
    let ns = Namespace::new("crd-columns");

    // The API server republishes its OpenAPI a little after a CRD changes: wait for it.
    let wanted = [
        "class",
        "connector.class",
        "tasksMax",
        "tasks.max",
        "config",
        "config-provider",
        "state",
        "Desired state",
        "autoRestart",
        "Restart failed connectors",
    ];
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        // Until then `explain` may also fail outright ("couldn't find resource").
        let out = kubectl_output(&["explain", "kafkaconnector.spec"]);
        let explained = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        let missing: Vec<&str> = wanted
            .iter()
            .copied()
            .filter(|t| !explained.contains(t))
            .collect();
        if missing.is_empty() {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "`kubectl explain` lacks {missing:?}:\n{explained}"
        );
        std::thread::sleep(std::time::Duration::from_secs(2));
    }
    let explained = kubectl(&["explain", "kafkaconnect.status"]);
    assert!(explained.contains("observedGeneration"), "{explained}");

    let out = create(
        &ns.0,
        &connector("shown", "  class: FileStreamSource\n  tasksMax: 3\n"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = kubectl(&["get", "kctr", "-n", &ns.0]);
    let header = table.lines().next().unwrap_or_default();
    for column in ["NAME", "CLASS", "STATE", "TASKS", "AGE"] {
        assert!(header.contains(column), "no {column} column: {table}");
    }
    assert!(table.contains("FileStreamSource"), "{table}");

    let out = create(
        &ns.0,
        &cluster("x", "  bootstrapServers: k:9092\n  replicas: 1\n"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let header = kubectl(&["get", "kc", "-n", &ns.0]);
    for column in ["DESIRED", "WORKERS", "READY", "BOOTSTRAP"] {
        assert!(header.contains(column), "no {column} column: {header}");
    }
    kubectl(&["scale", "kafkaconnect/x", "-n", &ns.0, "--replicas=3"]);
    let replicas = kubectl(&[
        "get",
        "kafkaconnect",
        "x",
        "-n",
        &ns.0,
        "-o",
        "jsonpath={.spec.replicas}",
    ]);
    assert_eq!(replicas, "3");
    // The scale subresource reads back the same number.
    let scale = kubectl(&[
        "get",
        "--raw",
        &format!(
            "/apis/tributary.dev/v1alpha1/namespaces/{}/kafkaconnects/x/scale",
            ns.0
        ),
    ]);
    let scale: serde_json::Value = serde_json::from_str(&scale).unwrap();
    assert_eq!(scale["spec"]["replicas"], 3);

    // `status` is a subresource: a main-resource update cannot set it.
    let patched = kubectl_output(&[
        "patch",
        "kafkaconnect",
        "x",
        "-n",
        &ns.0,
        "--type=merge",
        "-p",
        r#"{"status":{"replicas":7}}"#,
    ]);
    assert!(patched.status.success());
    let status = kubectl(&[
        "get",
        "kafkaconnect",
        "x",
        "-n",
        &ns.0,
        "-o",
        "jsonpath={.status.replicas}",
    ]);
    assert_eq!(status, "", "status written through the main resource");
}
