//! The lab's Kubernetes side in tests: a client and `kubectl` (and the lab's other tools)
//! as the lab's admin, the CRDs, throwaway namespaces, waiting for a condition, the
//! operator run in-process, and the resources the tests create. Everything fails loudly,
//! with [`super::LAB_HINT`], when the lab is not up.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::Client;
use kube::api::{Api, DeleteParams, PostParams};
use tributary::api::{KafkaConnect, KafkaConnectSpec, KafkaConnector, KafkaConnectorSpec};
use tributary::controller::leader::LeaseTiming;
use tributary::controller::{self, OperatorConfig, State};

use super::{LAB_HINT, lab_var};

/// A client of the lab's kube-apiserver, from the lab's kubeconfig. Fails loudly, with the
/// lab hint, when the lab is not up.
pub async fn lab_client() -> Client {
    let kubeconfig = lab_var("KUBECONFIG");
    let config = kube::Config::from_custom_kubeconfig(
        kube::config::Kubeconfig::read_from(&kubeconfig).expect("cannot read the lab kubeconfig"),
        &Default::default(),
    )
    .await
    .expect("invalid lab kubeconfig");
    Client::try_from(config).expect("cannot build a client")
}

/// A lab tool (`kubectl`, `helm`, `kubeconform`) from `TRIBUTARY_LAB_BIN`.
pub fn lab_tool(name: &str) -> PathBuf {
    let bin = lab_var("TRIBUTARY_LAB_BIN");
    std::env::split_paths(&bin)
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
        .unwrap_or_else(|| panic!("no {name} in TRIBUTARY_LAB_BIN={bin}; {LAB_HINT}"))
}

/// Runs a lab tool as the lab's admin, feeding `stdin` (none: an empty input); whatever
/// the outcome, the caller reads it.
pub fn run_tool(name: &str, args: &[&str], stdin: Option<&str>) -> Output {
    use std::io::Write;
    let mut child = Command::new(lab_tool(name))
        .env("KUBECONFIG", lab_var("KUBECONFIG"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {name}: {e}"));
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

/// `kubectl` on the lab, whatever the outcome (for the tests that expect a refusal).
pub fn kubectl_output(args: &[&str]) -> Output {
    run_tool("kubectl", args, None)
}

/// `kubectl` on the lab; fails the test with kubectl's stderr unless it succeeds, and
/// returns its stdout.
pub fn kubectl(args: &[&str]) -> String {
    checked_kubectl(args, None)
}

/// [`kubectl`] fed `input` on stdin (`kubectl apply -f -`).
pub fn kubectl_with_input(args: &[&str], input: &str) -> String {
    checked_kubectl(args, Some(input))
}

fn checked_kubectl(args: &[&str], stdin: Option<&str>) -> String {
    let out = run_tool("kubectl", args, stdin);
    assert!(
        out.status.success(),
        "kubectl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Applies Tributary's CRDs (`crds/tributary.dev.yaml`) and waits until they are served.
pub fn install_crds() {
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

/// Creates a namespace of its own for a test, `<prefix>-<pid>-<nanos>`; returns its name.
pub async fn create_namespace(client: &Client, prefix: &str) -> String {
    let name = super::standalone::unique(prefix);
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

/// Deletes a namespace, ignoring errors (the lab has no namespace controller: it stays
/// Terminating, harmlessly).
pub async fn delete_namespace(client: &Client, name: &str) {
    let api: Api<Namespace> = Api::all(client.clone());
    let _ = api.delete(name, &DeleteParams::default()).await;
}

/// Polls `check` until it returns `Some`, or fails with `what` after `timeout`.
pub async fn eventually<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
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

/// Leader-lease timing short enough for tests: a 3 s lease.
pub fn fast_lease_timing() -> LeaseTiming {
    LeaseTiming {
        duration: Duration::from_secs(3),
        renew_deadline: Duration::from_secs(2),
        retry_period: Duration::from_millis(300),
    }
}

/// The configuration of an operator that watches `ns` only and leads with the Lease
/// `tributary-operator` there, as `identity`, with [`fast_lease_timing`].
pub fn operator_config(ns: &str, identity: &str) -> OperatorConfig {
    OperatorConfig {
        watch_namespace: Some(ns.to_owned()),
        lease_namespace: ns.to_owned(),
        lease_name: "tributary-operator".into(),
        identity: identity.into(),
        default_image: "tributary:test".into(),
        plugin_image: "tributary:test-jre".into(),
        lease_timing: fast_lease_timing(),
    }
}

/// The operator run in-process (`controller::run`) by a test; asked to stop when dropped.
pub struct Operator {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<controller::Result<()>>>,
}

impl Operator {
    /// Spawns the operator with `state` and `config` on the test's runtime.
    pub fn start(state: State, client: &Client, config: OperatorConfig) -> Operator {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let handle = tokio::spawn(controller::run(state, client.clone(), config, async move {
            let _ = stopped.await;
        }));
        Operator {
            stop: Some(stop),
            handle: Some(handle),
        }
    }

    /// The usual operator of a test: a fresh state, [`operator_config`] for `ns` as
    /// `operator-a`.
    pub fn start_in(client: &Client, ns: &str) -> Operator {
        Operator::start(State::default(), client, operator_config(ns, "operator-a"))
    }

    /// Asks the operator to stop (a clean stop releases its Lease) and waits for it;
    /// returns what its run returned.
    pub async fn stop(mut self) -> Result<controller::Result<()>, tokio::task::JoinError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.handle.take().unwrap().await
    }
}

impl Drop for Operator {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Creates the `KafkaConnect` `name` in `ns`: `replicas` workers on `bootstrap`.
pub async fn create_kafka_connect(
    client: &Client,
    ns: &str,
    name: &str,
    replicas: i32,
    bootstrap: &str,
) {
    Api::<KafkaConnect>::namespaced(client.clone(), ns)
        .create(
            &PostParams::default(),
            &KafkaConnect::new(
                name,
                KafkaConnectSpec {
                    replicas,
                    bootstrap_servers: bootstrap.to_owned(),
                    ..KafkaConnectSpec::default()
                },
            ),
        )
        .await
        .unwrap();
}

/// A `KafkaConnector` of `cluster` (by label): `class` with one task and `config`.
pub fn connector(
    cluster: &str,
    name: &str,
    class: &str,
    config: &[(&str, String)],
) -> KafkaConnector {
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
        cluster.into(),
    )]));
    c
}

/// The seed's file source and sink as `KafkaConnector`s of `cluster`: `source` → `topic` →
/// `sink`. The sink's consumer group is the topic's own (`connect-<topic>`): a sink's
/// group is `connect-<connector>` across the whole Kafka cluster, tests run in parallel
/// with the same connector names, and a member killed in one test would hold up the
/// others' rebalances until its session expires.
pub fn file_connectors(
    cluster: &str,
    source: &std::path::Path,
    sink: &std::path::Path,
    topic: &str,
) -> [KafkaConnector; 2] {
    [
        connector(
            cluster,
            "file-source",
            "FileStreamSource",
            &[
                ("file", source.display().to_string()),
                ("topic", topic.to_owned()),
            ],
        ),
        connector(
            cluster,
            "file-sink",
            "FileStreamSink",
            &[
                ("file", sink.display().to_string()),
                ("topics", topic.to_owned()),
                ("consumer.override.group.id", format!("connect-{topic}")),
            ],
        ),
    ]
}
