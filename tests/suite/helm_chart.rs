//! The Helm chart (`charts/tributary`) against the lab: `helm lint --strict`; the rendered
//! chart and `examples/` through `kubeconform -strict` with schemas made from our CRDs and,
//! for built-in kinds, from the lab API server's OpenAPI (kubeconform's default schemas are
//! online), then a strict server-side dry run; `helm install` into a fresh namespace; the real
//! `tributary operator` binary, authenticated as the chart's ServiceAccount, reconciles the
//! example `KafkaConnect` — proof the chart's RBAC is sufficient — while `kubectl auth
//! can-i` shows permissions it does not need are not granted.

use crate::common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use common::kube_lab::{lab_tool, run_tool};
use serde_json::{Value, json};

const CHART: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/charts/tributary");
const CRDS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/crds/tributary.dev.yaml");
const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples");
const TIMEOUT: Duration = Duration::from_secs(90);

/// Kinds kubeconform cannot check here: the lab has no Prometheus Operator CRDs.
const NOT_IN_KUBECONFORM: &[&str] = &["ServiceMonitor"];

/// The API groups of the built-in kinds the chart renders, as the API server's OpenAPI v3
/// paths: their schemas come from the lab's kube-apiserver (kubeconform's default schema
/// location is on GitHub, and the lab is offline).
const BUILT_IN_GROUPS: &[&str] = &[
    "api/v1",
    "apis/apps/v1",
    "apis/rbac.authorization.k8s.io/v1",
];

/// The built-in kinds the chart renders.
const BUILT_IN_KINDS: &[&str] = &[
    "ServiceAccount",
    "Service",
    "Deployment",
    "Role",
    "RoleBinding",
    "ClusterRole",
    "ClusterRoleBinding",
];

/// Runs a lab tool and returns its stdout; fails the test with its output otherwise.
fn ok(name: &str, args: &[&str], stdin: Option<&str>) -> String {
    let out = run_tool(name, args, stdin);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{name} {args:?} failed ({}):\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn values_file(name: &str) -> String {
    format!("{CHART}/ci/{name}")
}

/// The YAML documents of a multi-document stream, parsed; empty documents dropped.
fn documents(text: &str) -> Vec<Value> {
    serde_yaml_ng::Deserializer::from_str(text)
        .map(|doc| serde::Deserialize::deserialize(doc).expect("invalid YAML"))
        .filter(|doc: &Value| !doc.is_null())
        .collect()
}

fn str_at<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

#[test]
fn chart_crds_are_the_generated_crds() {
    // A copy, not a symlink: `helm package` and chart repositories carry files, and the
    // copy must not drift from the generated source of truth.
    let chart = std::fs::read_to_string(format!("{CHART}/crds/tributary.dev.yaml")).unwrap();
    let generated = std::fs::read_to_string(CRDS).unwrap();
    assert!(
        chart == generated,
        "charts/tributary/crds/tributary.dev.yaml differs from crds/tributary.dev.yaml; \
         copy it: cp crds/tributary.dev.yaml charts/tributary/crds/"
    );
}

#[test]
fn packaged_chart_carries_the_crds() {
    let dir = tempfile::tempdir().unwrap();
    let destination = dir.path().display().to_string();
    ok("helm", &["package", CHART, "-d", &destination], None);
    let archive = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|path| path.extension().is_some_and(|ext| ext == "tgz"))
        .expect("helm package wrote no .tgz");
    let out = Command::new("tar")
        .arg("tzf")
        .arg(&archive)
        .output()
        .expect("cannot run tar");
    let listing = String::from_utf8_lossy(&out.stdout);
    for file in [
        "tributary/crds/tributary.dev.yaml",
        "tributary/values.schema.json",
        "tributary/templates/NOTES.txt",
    ] {
        assert!(
            listing.lines().any(|l| l == file),
            "{file} not in the package:\n{listing}"
        );
    }
}

#[test]
fn helm_lint_strict_is_clean() {
    for values in [
        None,
        Some("all-on-values.yaml"),
        Some("namespaced-values.yaml"),
    ] {
        let mut args = vec!["lint", "--strict", CHART];
        let file = values.map(values_file);
        if let Some(file) = &file {
            args.extend(["-f", file]);
        }
        let out = ok("helm", &args, None);
        assert!(
            out.contains("0 chart(s) failed") && !out.contains("[WARNING]"),
            "{out}"
        );
    }
}

#[test]
fn values_schema_refuses_unknown_and_mistyped_values() {
    for bad in [
        "rbac.clusterwide=false",
        "replicaCount=two",
        "image.pullPolicy=Sometimes",
    ] {
        let out = run_tool("helm", &["template", "t", CHART, "--set", bad], None);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && stderr.contains("schema"),
            "{bad} was accepted: {stderr}"
        );
    }
}

/// Writes one kubeconform schema per CRD version (`<kind>-<version>.json`, lower-case kind
/// as kubeconform names it) and returns the `-schema-location` template.
fn crd_schemas(dir: &Path) -> String {
    let crds = documents(&std::fs::read_to_string(CRDS).unwrap());
    assert_eq!(crds.len(), 2, "expected two CRDs in {CRDS}");
    for crd in &crds {
        let group = str_at(crd, "/spec/group");
        let kind = str_at(crd, "/spec/names/kind");
        for version in crd["spec"]["versions"].as_array().unwrap() {
            let name = version["name"].as_str().unwrap();
            let mut schema = version["schema"]["openAPIV3Schema"].clone();
            to_strict_json_schema(&mut schema);
            let properties = schema["properties"].as_object_mut().unwrap();
            properties.insert(
                "apiVersion".into(),
                json!({"type": "string", "enum": [format!("{group}/{name}")]}),
            );
            properties.insert("kind".into(), json!({"type": "string", "enum": [kind]}));
            properties.insert("metadata".into(), json!({"type": "object"}));
            let file = dir.join(format!("{}-{name}.json", kind.to_lowercase()));
            std::fs::write(file, serde_json::to_vec_pretty(&schema).unwrap()).unwrap();
        }
    }
    format!(
        "{}/{{{{ .ResourceKind }}}}-{{{{ .ResourceAPIVersion }}}}.json",
        dir.display()
    )
}

/// OpenAPI v3 structural schema to JSON Schema as kubeconform's strict mode expects:
/// objects with declared properties refuse others (the API server prunes unknown fields;
/// a typo must fail here), and `nullable` becomes a `null` type.
fn to_strict_json_schema(schema: &mut Value) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    if object.remove("nullable") == Some(Value::Bool(true))
        && let Some(Value::String(ty)) = object.get("type").cloned()
    {
        object.insert("type".into(), json!([ty, "null"]));
        if let Some(Value::Array(values)) = object.get_mut("enum") {
            values.retain(|v| !v.is_null());
            values.push(Value::Null);
        }
    }
    let preserves = object.get("x-kubernetes-preserve-unknown-fields") == Some(&json!(true));
    if object.contains_key("properties")
        && !object.contains_key("additionalProperties")
        && !preserves
    {
        object.insert("additionalProperties".into(), Value::Bool(false));
    }
    for value in object.values_mut() {
        match value {
            Value::Object(_) => to_strict_json_schema(value),
            Value::Array(items) => items.iter_mut().for_each(to_strict_json_schema),
            _ => {}
        }
    }
}

/// Writes kubeconform schemas (`<kind>-<version>.json`) for [`BUILT_IN_KINDS`] from the
/// lab API server's OpenAPI v3 documents: each file refers into the document's
/// `components`, made strict like the CRD schemas.
fn built_in_schemas(dir: &Path) {
    let mut written = Vec::new();
    for group in BUILT_IN_GROUPS {
        let raw = ok(
            "kubectl",
            &["get", "--raw", &format!("/openapi/v3/{group}")],
            None,
        );
        let mut document: Value = serde_json::from_str(&raw).unwrap();
        let mut components = document["components"].take();
        to_strict_json_schema(&mut components);
        for (name, schema) in components["schemas"].as_object().unwrap() {
            let kinds = schema["x-kubernetes-group-version-kind"].as_array();
            for gvk in kinds.into_iter().flatten() {
                let kind = str_at(gvk, "/kind");
                if !BUILT_IN_KINDS.contains(&kind) {
                    continue;
                }
                let file = dir.join(format!(
                    "{}-{}.json",
                    kind.to_lowercase(),
                    str_at(gvk, "/version")
                ));
                let schema = json!({
                    "$ref": format!("#/components/schemas/{name}"),
                    "components": components,
                });
                std::fs::write(file, serde_json::to_vec(&schema).unwrap()).unwrap();
                written.push(kind.to_string());
            }
        }
    }
    written.sort();
    let mut expected: Vec<&str> = BUILT_IN_KINDS.to_vec();
    expected.sort();
    assert_eq!(
        written, expected,
        "schemas found in the API server's OpenAPI"
    );
}

/// Runs kubeconform -strict on `manifests` and returns (kind, status) per resource; fails
/// on any invalid or erroring resource.
fn kubeconform(manifests: &str, schema_location: &str) -> Vec<(String, String)> {
    // No `-schema-location default`: it downloads from GitHub and the lab is offline.
    // `-ignore-missing-schemas` is for the ServiceMonitor only; the caller checks that
    // nothing else is skipped.
    let out = run_tool(
        "kubeconform",
        &[
            "-strict",
            "-verbose",
            "-output",
            "json",
            "-ignore-missing-schemas",
            "-schema-location",
            schema_location,
            "-",
        ],
        Some(manifests),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("kubeconform output is not JSON ({e}): {stdout}"));
    assert!(out.status.success(), "kubeconform refused:\n{stdout}");
    report["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let status = str_at(r, "/status").to_string();
            assert!(
                status == "statusValid" || status == "statusSkipped",
                "kubeconform: {r}"
            );
            (str_at(r, "/kind").to_string(), status)
        })
        .collect()
}

#[test]
fn rendered_chart_and_examples_validate_strictly() {
    let dir = tempfile::tempdir().unwrap();
    let location = crd_schemas(dir.path());
    built_in_schemas(dir.path());

    // The examples: our kinds, each validated against its CRD schema.
    let mut examples = String::new();
    for name in [
        "kafka-connect.yaml",
        "kafka-connect-secured.yaml",
        "kafka-connect-plugins.yaml",
        "file-source.yaml",
        "file-sink.yaml",
        "debezium-postgres.yaml",
    ] {
        examples.push_str(&std::fs::read_to_string(format!("{EXAMPLES}/{name}")).unwrap());
        examples.push_str("\n---\n");
    }
    let results = kubeconform(&examples, &location);
    assert_eq!(results.len(), 6);
    // kubeconform validates in parallel: its order is not the input's.
    let mut valid: Vec<&str> = results
        .iter()
        .filter(|(_, status)| status == "statusValid")
        .map(|(kind, _)| kind.as_str())
        .collect();
    valid.sort();
    assert_eq!(
        valid,
        [
            "KafkaConnect",
            "KafkaConnect",
            "KafkaConnect",
            "KafkaConnector",
            "KafkaConnector",
            "KafkaConnector"
        ]
    );

    // A typo in an example would be caught: the schema is strict.
    let typo = examples.replacen("tasksMax:", "taskMax:", 1);
    let out = run_tool(
        "kubeconform",
        &["-strict", "-schema-location", &location, "-"],
        Some(&typo),
    );
    assert!(!out.status.success(), "kubeconform accepted spec.taskMax");

    let pid = std::process::id();
    let namespace = format!("helm-render-{pid}");
    ok("kubectl", &["create", "namespace", &namespace], None);
    // The all-on values watch the `connect` namespace.
    let _ = run_tool("kubectl", &["create", "namespace", "connect"], None);
    ok(
        "kubectl",
        &[
            "apply",
            "--dry-run=server",
            "--validate=strict",
            "-n",
            &namespace,
            "-f",
            "-",
        ],
        Some(&examples),
    );
    for values in [
        None,
        Some("all-on-values.yaml"),
        Some("namespaced-values.yaml"),
    ] {
        let mut args = vec!["template", "render", CHART, "-n", &namespace];
        let file = values.map(values_file);
        if let Some(file) = &file {
            args.extend(["-f", file]);
        }
        let rendered = ok("helm", &args, None);
        // A typo in a built-in kind would be caught too.
        let typo = rendered.replacen("containerPort:", "containerPorts:", 1);
        let out = run_tool(
            "kubeconform",
            &[
                "-strict",
                "-ignore-missing-schemas",
                "-schema-location",
                &location,
                "-",
            ],
            Some(&typo),
        );
        assert!(!out.status.success(), "kubeconform accepted containerPorts");
        for (kind, status) in kubeconform(&rendered, &location) {
            assert!(
                status == "statusValid" || NOT_IN_KUBECONFORM.contains(&kind.as_str()),
                "{kind} was skipped by kubeconform ({values:?})"
            );
        }
        // And the API server itself: strict field validation plus admission (RBAC
        // escalation checks included), without persisting anything.
        let built_in: Vec<String> = documents(&rendered)
            .into_iter()
            .filter(|doc| doc["kind"] != "ServiceMonitor")
            .map(|doc| serde_json::to_string(&doc).unwrap())
            .collect();
        ok(
            "kubectl",
            &["apply", "--dry-run=server", "--validate=strict", "-f", "-"],
            Some(&built_in.join("\n")),
        );
        if values == Some("all-on-values.yaml") {
            assert!(rendered.contains("kind: ServiceMonitor"));
        } else {
            assert!(!rendered.contains("kind: ServiceMonitor"));
        }
    }
    let _ = run_tool(
        "kubectl",
        &["delete", "namespace", &namespace, "--wait=false"],
        None,
    );
}

/// Uninstalls the release and deletes its namespace when the test ends, pass or fail.
struct Release {
    name: String,
    namespace: String,
}

impl Drop for Release {
    fn drop(&mut self) {
        // Connectors first: they would stay behind in the Terminating namespace.
        let _ = run_tool(
            "kubectl",
            &[
                "delete",
                "kafkaconnectors",
                "--all",
                "-n",
                &self.namespace,
                "--wait=false",
            ],
            None,
        );
        let _ = run_tool(
            "helm",
            &["uninstall", &self.name, "-n", &self.namespace],
            None,
        );
        // The lab has no namespace controller: the namespace stays Terminating, harmlessly.
        let _ = run_tool(
            "kubectl",
            &["delete", "namespace", &self.namespace, "--wait=false"],
            None,
        );
    }
}

/// Kills the operator when the test ends, pass or fail.
struct Operator(Child);

impl Drop for Operator {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A kubeconfig for the lab API server that authenticates with `token`.
fn token_kubeconfig(token: &str, path: &Path) {
    let admin: Value = serde_json::from_str(&ok(
        "kubectl",
        &["config", "view", "--raw", "--minify", "-o", "json"],
        None,
    ))
    .unwrap();
    let mut cluster = admin["clusters"][0]["cluster"].clone();
    // A CA given as a file path relative to the admin kubeconfig: make it absolute.
    if let Some(ca) = cluster.get("certificate-authority").and_then(Value::as_str) {
        let base = Path::new(&common::lab_var("KUBECONFIG"))
            .parent()
            .unwrap()
            .to_owned();
        cluster["certificate-authority"] = json!(base.join(ca).display().to_string());
    }
    let config = json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "lab", "cluster": cluster}],
        "users": [{"name": "operator", "user": {"token": token}}],
        "contexts": [{"name": "operator", "context": {"cluster": "lab", "user": "operator"}}],
        "current-context": "operator",
    });
    std::fs::write(path, serde_json::to_vec(&config).unwrap()).unwrap();
}

/// Polls `check` until it returns true or [`TIMEOUT`] passes.
fn wait_for(what: &str, logs: &Path, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(
            start.elapsed() < TIMEOUT,
            "timed out waiting for {what}; operator log:\n{}",
            std::fs::read_to_string(logs).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

fn can_i(namespace: &str, user: &str, verb: &str, resource: &str) -> bool {
    let out = run_tool(
        "kubectl",
        &[
            "auth", "can-i", verb, resource, "-n", namespace, "--as", user,
        ],
        None,
    );
    String::from_utf8_lossy(&out.stdout).trim() == "yes"
}

/// How the chart is installed in [`install_and_reconcile`].
struct Mode {
    /// Short tag in the release and namespace names.
    tag: &'static str,
    /// A file of `charts/tributary/ci/`, or the defaults.
    values: Option<&'static str>,
    /// The kinds the release must hold, sorted.
    kinds: &'static [&'static str],
    /// ClusterRole bound cluster-wide (true) or a Role in the watched namespace.
    cluster_wide: bool,
}

#[test]
fn namespaced_install_lets_the_operator_reconcile_with_least_privilege() {
    install_and_reconcile(&Mode {
        tag: "ns",
        values: Some("namespaced-values.yaml"),
        kinds: &[
            "Deployment",
            "Role",
            "Role",
            "RoleBinding",
            "RoleBinding",
            "ServiceAccount",
        ],
        cluster_wide: false,
    });
}

#[test]
fn default_install_lets_the_operator_reconcile_with_least_privilege() {
    install_and_reconcile(&Mode {
        tag: "cw",
        values: None,
        kinds: &[
            "ClusterRole",
            "ClusterRoleBinding",
            "Deployment",
            "Role",
            "RoleBinding",
            "Service",
            "ServiceAccount",
        ],
        cluster_wide: true,
    });
}

fn install_and_reconcile(mode: &Mode) {
    let pid = std::process::id();
    let namespace = format!("helm-chart-{}-{pid}", mode.tag);
    let release = format!("hc{}{pid}", mode.tag);
    let fullname = format!("{release}-tributary");
    let dir = tempfile::tempdir().unwrap();
    // Lab first (fails loudly without it), so the cleanup guard cannot panic while
    // unwinding.
    lab_tool("helm");
    lab_tool("kubectl");
    common::lab_var("KUBECONFIG");
    let _release = Release {
        name: release.clone(),
        namespace: namespace.clone(),
    };

    let mut install = vec![
        "install",
        &release,
        CHART,
        "-n",
        &namespace,
        "--create-namespace",
    ];
    let file = mode.values.map(values_file);
    if let Some(file) = &file {
        install.extend(["-f", file]);
    }
    let notes = ok("helm", &install, None);
    // NOTES.txt: the next step, in the watched namespace.
    let target = if mode.cluster_wide {
        "<namespace>"
    } else {
        namespace.as_str()
    };
    assert!(
        notes.contains(&format!("kubectl apply -n {target} -f examples/")),
        "{notes}"
    );
    // Every object of the release exists.
    let manifest = ok(
        "helm",
        &["get", "manifest", &release, "-n", &namespace],
        None,
    );
    let objects = documents(&manifest);
    let mut kinds: Vec<&str> = objects.iter().map(|o| str_at(o, "/kind")).collect();
    kinds.sort();
    assert_eq!(kinds, mode.kinds, "{manifest}");
    for object in &objects {
        let name = format!(
            "{}/{}",
            str_at(object, "/kind"),
            str_at(object, "/metadata/name")
        );
        ok(
            "kubectl",
            &["get", &name, "-n", &namespace, "-o", "name"],
            None,
        );
    }
    for crd in [
        "kafkaconnects.tributary.dev",
        "kafkaconnectors.tributary.dev",
    ] {
        ok("kubectl", &["get", "crd", crd, "-o", "name"], None);
    }
    ok(
        "kubectl",
        &[
            "wait",
            "--for=condition=Established",
            "--timeout=60s",
            "crd/kafkaconnects.tributary.dev",
            "crd/kafkaconnectors.tributary.dev",
        ],
        None,
    );

    // The Deployment's settings, as the operator will read them.
    let deployment: Value = serde_json::from_str(&ok(
        "kubectl",
        &[
            "get",
            "deployment",
            &fullname,
            "-n",
            &namespace,
            "-o",
            "json",
        ],
        None,
    ))
    .unwrap();
    let container = &deployment["spec"]["template"]["spec"]["containers"][0];
    let env: BTreeMap<&str, &Value> = container["env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (str_at(e, "/name"), e))
        .collect();
    let lease = str_at(env["TRIBUTARY_LEASE_NAME"], "/value").to_string();
    assert_eq!(lease, format!("{fullname}-leader"));
    let watched = if mode.cluster_wide {
        ""
    } else {
        namespace.as_str()
    };
    assert_eq!(str_at(env["TRIBUTARY_WATCH_NAMESPACE"], "/value"), watched);
    // Empty: the operator derives the worker image's -jre variant.
    let plugin_image = str_at(env["TRIBUTARY_PLUGIN_WORKER_IMAGE"], "/value").to_string();
    assert_eq!(plugin_image, "");
    assert_eq!(
        str_at(env["POD_NAMESPACE"], "/valueFrom/fieldRef/fieldPath"),
        "metadata.namespace"
    );
    assert_eq!(container["securityContext"]["readOnlyRootFilesystem"], true);
    assert_eq!(
        container["securityContext"]["capabilities"]["drop"],
        json!(["ALL"])
    );
    assert_eq!(str_at(container, "/livenessProbe/httpGet/path"), "/healthz");
    assert_eq!(str_at(container, "/readinessProbe/httpGet/path"), "/readyz");

    // The example cluster and connectors, plus one that references a Secret (so the worker
    // Role grants a secret read, which the operator may only do if it holds it).
    for name in [
        "kafka-connect.yaml",
        "kafka-connect-secured.yaml",
        "kafka-connect-plugins.yaml",
        "file-source.yaml",
        "file-sink.yaml",
    ] {
        ok(
            "kubectl",
            &[
                "apply",
                "-n",
                &namespace,
                "-f",
                &format!("{EXAMPLES}/{name}"),
            ],
            None,
        );
    }
    let with_secret = format!(
        "apiVersion: tributary.dev/v1alpha1\nkind: KafkaConnector\nmetadata:\n  name: with-secret\n  \
         labels:\n    tributary.dev/cluster: quickstart\nspec:\n  class: FileStreamSink\n  \
         config:\n    topics: t\n    password: ${{secrets:{namespace}/db:password}}\n"
    );
    ok(
        "kubectl",
        &["apply", "-n", &namespace, "-f", "-"],
        Some(&with_secret),
    );

    // The operator, as the chart's ServiceAccount, configured like the Deployment; except
    // that a cluster-wide one still watches only this namespace, so that it leaves alone
    // the KafkaConnects of other tests sharing the lab (its RBAC is the same everywhere).
    let sa = fullname.clone();
    let user = format!("system:serviceaccount:{namespace}:{sa}");
    let token = ok("kubectl", &["create", "token", &sa, "-n", &namespace], None);
    let kubeconfig = dir.path().join("operator.kubeconfig");
    token_kubeconfig(token.trim(), &kubeconfig);
    let logs = dir.path().join("operator.log");
    let log = std::fs::File::create(&logs).unwrap();
    let _operator = Operator(
        Command::new(env!("CARGO_BIN_EXE_tributary"))
            .arg("operator")
            .env("KUBECONFIG", &kubeconfig)
            .env("TRIBUTARY_WATCH_NAMESPACE", &namespace)
            .env("POD_NAMESPACE", &namespace)
            .env("POD_NAME", format!("{fullname}-test"))
            .env("TRIBUTARY_LEASE_NAME", &lease)
            .env(
                "TRIBUTARY_WORKER_IMAGE",
                "ghcr.io/tributary-dev/tributary:test",
            )
            .env("TRIBUTARY_PLUGIN_WORKER_IMAGE", &plugin_image)
            .env("TRIBUTARY_OPERATOR_LISTEN", "127.0.0.1:0")
            .env("RUST_LOG", "info")
            .env_remove("KUBERNETES_SERVICE_HOST")
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("cannot start tributary operator"),
    );

    let get = |args: &[&str]| run_tool("kubectl", args, None);
    wait_for("StatefulSet quickstart-worker", &logs, || {
        get(&["get", "statefulset", "quickstart-worker", "-n", &namespace])
            .status
            .success()
    });
    wait_for("KafkaConnect quickstart Ready=True", &logs, || {
        let out = get(&[
            "get",
            "kafkaconnect",
            "quickstart",
            "-n",
            &namespace,
            "-o",
            "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}",
        ]);
        String::from_utf8_lossy(&out.stdout) == "True"
    });
    wait_for("the Applied event", &logs, || {
        let out = get(&[
            "get",
            "events.events.k8s.io",
            "-n",
            &namespace,
            "-o",
            "json",
        ]);
        String::from_utf8_lossy(&out.stdout).contains("\"reason\": \"Applied\"")
    });
    for object in [
        "configmap/quickstart-config",
        "service/quickstart-workers",
        "service/quickstart-connect-api",
        "serviceaccount/quickstart-worker",
        "rolebinding/quickstart-worker",
    ] {
        ok("kubectl", &["get", object, "-n", &namespace], None);
    }
    let role = ok(
        "kubectl",
        &[
            "get",
            "role",
            "quickstart-worker",
            "-n",
            &namespace,
            "-o",
            "json",
        ],
        None,
    );
    assert!(
        role.contains("\"secrets\"") && role.contains("\"db\""),
        "{role}"
    );
    let leader = ok(
        "kubectl",
        &[
            "get",
            "lease",
            &lease,
            "-n",
            &namespace,
            "-o",
            "jsonpath={.spec.holderIdentity}",
        ],
        None,
    );
    assert_eq!(leader, format!("{fullname}-test"));

    // The operator learns the workers' images from its environment: the JVM-free one for
    // a cluster without Java plugins, its -jre variant for one with `spec.plugins`, whose
    // plugin volume it mounts into both containers.
    let images = |set: &str| {
        wait_for(&format!("StatefulSet {set}"), &logs, || {
            get(&["get", "statefulset", set, "-n", &namespace])
                .status
                .success()
        });
        ok(
            "kubectl",
            &[
                "get",
                "statefulset",
                set,
                "-n",
                &namespace,
                "-o",
                "jsonpath={.spec.template.spec.containers[*].image}",
            ],
            None,
        )
    };
    assert_eq!(
        images("quickstart-worker"),
        "ghcr.io/tributary-dev/tributary:test ghcr.io/tributary-dev/tributary:test"
    );
    assert_eq!(
        images("cdc-worker"),
        "ghcr.io/tributary-dev/tributary:test-jre ghcr.io/tributary-dev/tributary:test-jre"
    );
    let plugin_mounts = ok(
        "kubectl",
        &[
            "get",
            "statefulset",
            "cdc-worker",
            "-n",
            &namespace,
            "-o",
            "jsonpath={.spec.template.spec.volumes[?(@.name==\"plugins\")].image.reference} {.spec.template.spec.containers[*].volumeMounts[?(@.name==\"plugins\")].mountPath}",
        ],
        None,
    );
    assert_eq!(
        plugin_mounts,
        "registry.example.com/connect-plugins/debezium-postgres:3.6.1.Final /opt/tributary/plugins /opt/tributary/plugins"
    );

    // Columns and schema documentation from the CRDs.
    let table = ok(
        "kubectl",
        &["get", "kafkaconnects,kafkaconnectors", "-n", &namespace],
        None,
    );
    for column in [
        "DESIRED",
        "WORKERS",
        "READY",
        "BOOTSTRAP",
        "CLASS",
        "STATE",
        "TASKS",
        "AGE",
    ] {
        assert!(table.contains(column), "no {column} column:\n{table}");
    }
    for name in [
        "quickstart",
        "local-file-source",
        "local-file-sink",
        "FileStreamSource",
    ] {
        assert!(table.contains(name), "no {name}:\n{table}");
    }
    let explain = ok("kubectl", &["explain", "kafkaconnector.spec"], None);
    assert!(
        explain.contains("class") && explain.contains("tasksMax"),
        "{explain}"
    );

    // Least privilege: what the operator does not need, it does not get.
    for (verb, resource) in [
        ("delete", "secrets"),
        ("list", "secrets"),
        ("create", "secrets"),
        ("create", "pods"),
        ("delete", "pods"),
        ("create", "deployments.apps"),
        ("escalate", "roles.rbac.authorization.k8s.io"),
        ("bind", "roles.rbac.authorization.k8s.io"),
        ("create", "clusterroles.rbac.authorization.k8s.io"),
        ("delete", "kafkaconnects.tributary.dev"),
    ] {
        assert!(
            !can_i(&namespace, &user, verb, resource),
            "{user} may {verb} {resource}"
        );
    }
    // Other namespaces: the same rights when cluster-wide, none when namespaced.
    assert_eq!(
        can_i("default", &user, "list", "kafkaconnects.tributary.dev"),
        mode.cluster_wide
    );
    assert_eq!(
        can_i("default", &user, "patch", "statefulsets.apps"),
        mode.cluster_wide
    );
    assert!(!can_i("default", &user, "create", "pods"));
    assert!(!can_i("default", &user, "delete", "secrets"));
    // And what it does need, it has (sanity for the negative checks above).
    assert!(can_i(&namespace, &user, "patch", "statefulsets.apps"));
    assert!(can_i(&namespace, &user, "get", "secrets"));

    // Deleting the cluster: the operator's finalizer deletes the children (delete verbs).
    ok(
        "kubectl",
        &[
            "delete",
            "kafkaconnect",
            "quickstart",
            "-n",
            &namespace,
            "--timeout=60s",
        ],
        None,
    );
    for object in [
        "statefulset/quickstart-worker",
        "role/quickstart-worker",
        "configmap/quickstart-config",
    ] {
        assert!(
            !get(&["get", object, "-n", &namespace]).status.success(),
            "{object} remains"
        );
    }
    let log = std::fs::read_to_string(&logs).unwrap();
    assert!(
        !log.to_lowercase().contains("forbidden"),
        "the operator was refused something:\n{log}"
    );
}
