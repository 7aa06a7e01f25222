//! A Kubernetes-mode cluster on the lab's secured listener: the `KafkaConnect` trusts the
//! lab CA from a Secret and logs in with SCRAM-SHA-512, its password from another Secret,
//! on the SASL_SSL listener (its offsets topic is there too). The operator (in-process)
//! writes the ConfigMap and the StatefulSet; the test plays the kubelet honestly: it
//! writes each Secret volume's projected keys as files under a directory standing for the
//! mount root (the only thing it changes in the operator's worker.properties is that
//! prefix) and starts `tributary worker` and `tributary rest` with that file. The seed's
//! FileStreamSource and FileStreamSink run end to end, the offsets topic holds the
//! source's offsets (the sidecar reads them back over the same listener), and the
//! password appears in none of: the ConfigMap, the worker and sidecar logs, the
//! connectors' REST config and status, the resources' status and the namespace's events.
//! The same with `authentication.type: tls` on the mTLS listener, the client certificate
//! and key from a Secret. A wrong password stops the worker at start-up within seconds,
//! naming the cause. A
//! trusted-certificate `pattern` is expanded from the Secret's keys, or, matching none,
//! reported in the `Ready` condition and an event.

use crate::common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::files::{append, lines, sink_has};
use common::kube_lab::{
    Operator, create_namespace, delete_namespace, eventually, file_connectors, install_crds,
    kubectl, lab_client,
};
use common::standalone::{free_port, http, read_topic};
use common::workers::{Process, STRING_CONVERTER, rest_command, spawn_logged, start_worker};
use k8s_openapi::ByteString;
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::Client;
use kube::api::{Api, PostParams};
use serde_json::Value;
use tributary::api::{
    AuthenticationType, CertAndKeySecretSource, CertSecretSource, ClientTls,
    KafkaClientAuthentication, KafkaConnect, KafkaConnectSpec, KafkaConnector,
    PasswordSecretSource,
};
use tributary::controller::security::SECRETS_ROOT;

const CLUSTER: &str = "secured";
const TIMEOUT: Duration = Duration::from_secs(90);

/// The lab's SCRAM-SHA-512 user and password, from its Apache client file.
fn lab_scram_user() -> (String, String) {
    let dir = PathBuf::from(common::lab_var("TRIBUTARY_LAB_CLIENT_CONFIGS"));
    let text = std::fs::read_to_string(dir.join("sasl-scram.properties")).unwrap();
    let option = |name: &str| {
        let start = text.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        let end = start + text[start..].find('"').unwrap();
        text[start..end].to_owned()
    };
    (option("username"), option("password"))
}

async fn create_secret(client: &Client, ns: &str, name: &str, data: &[(&str, &[u8])]) {
    let secret = Secret {
        metadata: ObjectMeta {
            name: Some(name.into()),
            ..ObjectMeta::default()
        },
        data: Some(
            data.iter()
                .map(|(k, v)| (k.to_string(), ByteString(v.to_vec())))
                .collect(),
        ),
        ..Secret::default()
    };
    Api::<Secret>::namespaced(client.clone(), ns)
        .create(&PostParams::default(), &secret)
        .await
        .unwrap();
}

/// The `KafkaConnect` of these tests: one worker on `bootstrap`, trusting the CA of
/// Secret `kafka-ca`, authenticating with `authentication`, its offsets in
/// `offsets_topic`.
fn secured_cluster(
    bootstrap: String,
    authentication: KafkaClientAuthentication,
    offsets_topic: &str,
) -> KafkaConnect {
    KafkaConnect::new(
        CLUSTER,
        KafkaConnectSpec {
            replicas: 1,
            bootstrap_servers: bootstrap,
            offsets_topic: Some(offsets_topic.to_owned()),
            config: BTreeMap::from([
                ("key.converter".into(), STRING_CONVERTER.into()),
                ("value.converter".into(), STRING_CONVERTER.into()),
                ("offset.flush.interval.ms".into(), "1000".into()),
                ("offset.storage.partitions".into(), "1".into()),
                ("offset.storage.replication.factor".into(), "1".into()),
            ]),
            tls: Some(ClientTls {
                trusted_certificates: vec![CertSecretSource {
                    secret_name: "kafka-ca".into(),
                    certificate: Some("ca.crt".into()),
                    pattern: None,
                }],
            }),
            authentication: Some(authentication),
            ..KafkaConnectSpec::default()
        },
    )
}

fn no_authentication(type_: AuthenticationType) -> KafkaClientAuthentication {
    KafkaClientAuthentication {
        type_,
        certificate_and_key: None,
        username: None,
        password_secret: None,
        client_id: None,
        client_secret: None,
        token_endpoint_uri: None,
        scope: None,
    }
}

/// SCRAM-SHA-512 as the lab's user, the password in Secret `connect-user`, key `password`.
fn scram() -> KafkaClientAuthentication {
    KafkaClientAuthentication {
        username: Some(lab_scram_user().0),
        password_secret: Some(PasswordSecretSource {
            secret_name: "connect-user".into(),
            password: "password".into(),
        }),
        ..no_authentication(AuthenticationType::ScramSha512)
    }
}

/// The lab's client certificate and key from Secret `connect-user` (Strimzi's key names).
fn client_certificate() -> KafkaClientAuthentication {
    KafkaClientAuthentication {
        certificate_and_key: Some(CertAndKeySecretSource {
            secret_name: "connect-user".into(),
            certificate: "user.crt".into(),
            key: "user.key".into(),
        }),
        ..no_authentication(AuthenticationType::Tls)
    }
}

/// A file of the lab's Kafka TLS material (`ca.crt`, `client.crt`, `client.key`).
fn lab_tls_file(name: &str) -> Vec<u8> {
    std::fs::read(PathBuf::from(common::lab_var("TRIBUTARY_LAB_KAFKA_TLS")).join(name)).unwrap()
}

/// The namespace with Secret `kafka-ca` (the lab CA as `ca.crt`) and Secret
/// `connect-user` (`user_keys`; both Secrets also hold a key the spec does not use, which
/// must not reach the pods), the operator and the `KafkaConnect` of
/// [`secured_cluster`]; then what the operator wrote: the ConfigMap's worker.properties.
struct Cluster {
    client: Client,
    ns: String,
    dir: tempfile::TempDir,
    _operator: Operator,
    properties: String,
}

impl Cluster {
    async fn start(
        prefix: &str,
        bootstrap: String,
        authentication: KafkaClientAuthentication,
        user_keys: &[(&str, &[u8])],
    ) -> Cluster {
        let client = lab_client().await;
        install_crds();
        let ns = create_namespace(&client, prefix).await;
        let dir = tempfile::tempdir().unwrap();
        create_secret(
            &client,
            &ns,
            "kafka-ca",
            &[
                ("ca.crt", &lab_tls_file("ca.crt")),
                ("ca.password", b"not-for-the-pods"),
            ],
        )
        .await;
        let mut user = user_keys.to_vec();
        user.push(("other", b"not-for-the-pods"));
        create_secret(&client, &ns, "connect-user", &user).await;
        let _operator = Operator::start_in(&client, &ns);
        let topic = format!("{ns}-offsets");
        Api::<KafkaConnect>::namespaced(client.clone(), &ns)
            .create(
                &PostParams::default(),
                &secured_cluster(bootstrap, authentication, &topic),
            )
            .await
            .unwrap();
        // The StatefulSet is the last child a reconcile applies: once it is there, the
        // ConfigMap of the same reconcile is too.
        let sets: Api<StatefulSet> = Api::namespaced(client.clone(), &ns);
        eventually("the worker StatefulSet", TIMEOUT, || async {
            sets.get_opt(&format!("{CLUSTER}-worker")).await.ok()?
        })
        .await;
        let config_maps: Api<ConfigMap> = Api::namespaced(client.clone(), &ns);
        let properties = eventually("the worker ConfigMap", TIMEOUT, || async {
            let map = config_maps
                .get_opt(&format!("{CLUSTER}-config"))
                .await
                .ok()??;
            map.data?.get("worker.properties").cloned()
        })
        .await;
        Cluster {
            client,
            ns,
            dir,
            _operator,
            properties,
        }
    }

    /// The kubelet's part for the worker pod: every Secret volume of the StatefulSet's
    /// pod template, mounted where the worker container mounts it, with the keys it
    /// projects, under `<dir>/secrets` for the mount root; then `<dir>/worker.properties`,
    /// the ConfigMap's with only that root rewritten. Checks that the REST container has
    /// the same mounts, read-only, and that exactly the `expected` `<secret>/<key>`s are
    /// mounted.
    async fn mount_secrets(&self, expected: &[&str]) {
        let set = Api::<StatefulSet>::namespaced(self.client.clone(), &self.ns)
            .get(&format!("{CLUSTER}-worker"))
            .await
            .unwrap();
        let pod = set.spec.unwrap().template.spec.unwrap();
        let containers: BTreeMap<&str, _> = pod
            .containers
            .iter()
            .map(|c| (c.name.as_str(), c.volume_mounts.clone().unwrap_or_default()))
            .collect();
        assert_eq!(
            containers["worker"], containers["rest"],
            "the REST sidecar reads the same worker.properties and needs the same mounts"
        );
        let root = self.dir.path().join("secrets");
        let secrets: Api<Secret> = Api::namespaced(self.client.clone(), &self.ns);
        let mut mounted = Vec::new();
        for volume in pod.volumes.unwrap_or_default() {
            let Some(source) = volume.secret else {
                continue;
            };
            let mount = containers["worker"]
                .iter()
                .find(|m| m.name == volume.name)
                .unwrap_or_else(|| panic!("volume {} is not mounted", volume.name));
            assert_eq!(mount.read_only, Some(true), "{mount:?}");
            let relative = mount
                .mount_path
                .strip_prefix(SECRETS_ROOT)
                .unwrap_or_else(|| panic!("{} is not under {SECRETS_ROOT}", mount.mount_path));
            let target = PathBuf::from(format!("{}{relative}", root.display()));
            std::fs::create_dir_all(&target).unwrap();
            let name = source.secret_name.unwrap();
            let data = secrets.get(&name).await.unwrap().data.unwrap_or_default();
            // With `items`, the kubelet writes exactly those keys and fails the mount
            // when one is missing; without, every key.
            let items: Vec<(String, String)> = match source.items {
                Some(items) => items.into_iter().map(|i| (i.key, i.path)).collect(),
                None => data.keys().map(|k| (k.clone(), k.clone())).collect(),
            };
            for (key, path) in items {
                let value = data
                    .get(&key)
                    .unwrap_or_else(|| panic!("Secret {name} has no key {key}"));
                std::fs::write(target.join(&path), &value.0).unwrap();
                mounted.push(format!("{name}/{path}"));
            }
        }
        mounted.sort();
        assert_eq!(
            mounted, expected,
            "only the keys the settings read reach the pods"
        );
        std::fs::write(
            self.dir.path().join("worker.properties"),
            self.properties
                .replace(SECRETS_ROOT, &root.display().to_string()),
        )
        .unwrap();
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A worker pod (worker and sidecar processes) with the mounted Secrets; the seed's
    /// file source and sink through the secured listener: records flow, both connectors
    /// are RUNNING, and the offsets topic (on that listener) holds the source's offset
    /// past the last line, which the sidecar reads back through the same settings.
    async fn run_file_connectors(&self) -> Pod {
        let ns = &self.ns;
        let dir = self.dir.path();
        let worker = start_worker(CLUSTER, &format!("{CLUSTER}-worker-0"), ns, dir);
        let port = free_port();
        let rest = spawn_logged(
            &mut rest_command(CLUSTER, ns, dir, port),
            dir.join("rest.log"),
            "tributary rest",
        );
        let base = format!("http://127.0.0.1:{port}");

        let source = self.path("source.txt");
        let sink = self.path("sink.txt");
        std::fs::write(&source, "").unwrap();
        let topic = format!("{ns}-files");
        let connectors: Api<KafkaConnector> = Api::namespaced(self.client.clone(), ns);
        for c in file_connectors(CLUSTER, &source, &sink, &topic) {
            connectors.create(&PostParams::default(), &c).await.unwrap();
        }

        // Records flow: source file → topic (over the secured listener) → sink file.
        let sent = lines("secured line", 10);
        append(&source, &sent);
        eventually("the lines in the sink file", TIMEOUT, || async {
            sink_has(&sink, &sent)
        })
        .await;
        let records = read_topic(&topic, sent.len(), Duration::from_secs(30));
        assert_eq!(records.len(), sent.len(), "records in {topic}");

        // Both connectors RUNNING, as the sidecar reports them.
        for name in ["file-source", "file-sink"] {
            eventually(&format!("{name} RUNNING"), TIMEOUT, || async {
                let (code, body) = http("GET", &format!("{base}/connectors/{name}/status"), None)?;
                let status: Value = serde_json::from_str(&body).ok()?;
                (code == 200
                    && status["connector"]["state"] == "RUNNING"
                    && status["tasks"][0]["state"] == "RUNNING")
                    .then_some(())
            })
            .await;
        }

        let end = std::fs::metadata(&source).unwrap().len();
        let offsets = eventually(
            "the source's offsets through the sidecar",
            TIMEOUT,
            || async {
                let (code, body) = http(
                    "GET",
                    &format!("{base}/connectors/file-source/offsets"),
                    None,
                )?;
                let offsets: Value = serde_json::from_str(&body).ok()?;
                let position = offsets["offsets"][0]["offset"]["position"].as_u64()?;
                (code == 200 && position == end).then_some(offsets)
            },
        )
        .await;
        assert_eq!(
            offsets["offsets"][0]["partition"]["filename"],
            source.display().to_string(),
            "{offsets}"
        );
        let offset_records = read_topic(&format!("{ns}-offsets"), 1, Duration::from_secs(30));
        let key = String::from_utf8_lossy(offset_records[0].key.as_deref().unwrap_or_default())
            .into_owned();
        assert!(
            key.starts_with("[\"file-source\",{\"filename\":"),
            "offsets topic key: {key}"
        );
        Pod { worker, rest, base }
    }
}

/// The processes playing one worker pod, and the sidecar's REST address.
struct Pod {
    worker: Process,
    rest: Process,
    base: String,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scram_and_the_lab_ca_from_secrets_run_the_seeds_file_connectors() {
    let (_, password) = lab_scram_user();
    let cluster = Cluster::start(
        "operator-secured",
        common::lab_var("KAFKA_SASL_SSL_BOOTSTRAP_SERVERS"),
        scram(),
        &[("password", password.as_bytes())],
    )
    .await;
    let ns = cluster.ns.clone();

    // The operator's settings: Apache's keys, placeholders for the Secrets' contents.
    let properties = &cluster.properties;
    let root = format!("{SECRETS_ROOT}/");
    for line in [
        format!(
            "bootstrap.servers={}",
            common::lab_var("KAFKA_SASL_SSL_BOOTSTRAP_SERVERS")
        ),
        "security.protocol=SASL_SSL".into(),
        "sasl.mechanism=SCRAM-SHA-512".into(),
        "ssl.truststore.type=PEM".into(),
        format!("ssl.truststore.certificates=${{tributarysecrets:{root}kafka-ca:ca.crt}}"),
        "config.providers=tributarysecrets".into(),
    ] {
        assert!(
            properties.lines().any(|l| l == line),
            "{line}: {properties}"
        );
    }
    assert!(
        properties.contains(&format!(
            "password=\"${{tributarysecrets:{root}connect-user:password}}\""
        )),
        "{properties}"
    );

    cluster
        .mount_secrets(&["connect-user/password", "kafka-ca/ca.crt"])
        .await;
    let Pod { worker, rest, base } = cluster.run_file_connectors().await;

    // The password is nowhere the user or an operator can read.
    let mut places: Vec<(String, String)> = vec![
        ("ConfigMap".into(), properties.clone()),
        ("worker log".into(), worker.log_text()),
        ("sidecar log".into(), rest.log_text()),
        (
            "resources".into(),
            kubectl(&[
                "get",
                "kafkaconnect,kafkaconnector,configmap,statefulset",
                "-n",
                &ns,
                "-o",
                "yaml",
            ]),
        ),
        (
            "events".into(),
            kubectl(&["get", "events.events.k8s.io", "-n", &ns, "-o", "yaml"]),
        ),
    ];
    for name in ["file-source", "file-sink"] {
        for path in ["config", "status", ""] {
            let url = format!("{base}/connectors/{name}/{path}");
            let (code, body) = http("GET", url.trim_end_matches('/'), None).unwrap();
            assert_eq!(code, 200, "{url}: {body}");
            places.push((url, body));
        }
    }
    for (place, text) in &places {
        assert!(
            !text.contains(&password),
            "the SCRAM password appears in the {place}"
        );
    }
    assert!(
        worker.log_text().contains("worker starting"),
        "{}",
        worker.log_text()
    );

    drop(rest);
    drop(worker);
    delete_namespace(&cluster.client, &ns).await;
}

/// `authentication.type: tls` on the lab's mTLS listener: the client certificate and key
/// come from a Secret (as Strimzi's `user.crt`/`user.key`) through the PEM keystore
/// settings; the key never enters the ConfigMap or the logs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_certificate_from_a_secret_runs_the_seeds_file_connectors() {
    let key = lab_tls_file("client.key");
    let cluster = Cluster::start(
        "operator-mtls",
        common::lab_var("KAFKA_MTLS_BOOTSTRAP_SERVERS"),
        client_certificate(),
        &[
            ("user.crt", &lab_tls_file("client.crt")),
            ("user.key", &key),
        ],
    )
    .await;
    let root = format!("{SECRETS_ROOT}/connect-user");
    for line in [
        "security.protocol=SSL".to_owned(),
        "ssl.keystore.type=PEM".into(),
        format!("ssl.keystore.certificate.chain=${{tributarysecrets:{root}:user.crt}}"),
        format!("ssl.keystore.key=${{tributarysecrets:{root}:user.key}}"),
    ] {
        assert!(
            cluster.properties.lines().any(|l| l == line),
            "{line}: {}",
            cluster.properties
        );
    }
    cluster
        .mount_secrets(&[
            "connect-user/user.crt",
            "connect-user/user.key",
            "kafka-ca/ca.crt",
        ])
        .await;
    let Pod { worker, rest, .. } = cluster.run_file_connectors().await;
    // The key's base64 body, line by line, is in none of them.
    let key_text = String::from_utf8(key).unwrap();
    let key_line = key_text.lines().nth(1).unwrap();
    for (place, text) in [
        ("ConfigMap", cluster.properties.clone()),
        ("worker log", worker.log_text()),
        ("sidecar log", rest.log_text()),
    ] {
        assert!(
            !text.contains(key_line),
            "the private key appears in the {place}"
        );
    }
    drop(rest);
    drop(worker);
    delete_namespace(&cluster.client, &cluster.ns).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_in_the_secret_stops_the_worker_naming_the_cause() {
    let wrong = "not-the-lab-scram-password";
    let cluster = Cluster::start(
        "operator-secured-wrong",
        common::lab_var("KAFKA_SASL_SSL_BOOTSTRAP_SERVERS"),
        scram(),
        &[("password", wrong.as_bytes())],
    )
    .await;
    cluster
        .mount_secrets(&["connect-user/password", "kafka-ca/ca.crt"])
        .await;
    let dir = cluster.dir.path();
    let started = Instant::now();
    let mut worker = start_worker(CLUSTER, &format!("{CLUSTER}-worker-0"), &cluster.ns, dir);
    let status = loop {
        if let Some(status) = worker.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the worker still runs:\n{}",
            worker.log_text()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let took = started.elapsed();
    let log = worker.log_text();
    assert!(!status.success(), "{log}");
    assert!(
        took < Duration::from_secs(10),
        "the worker took {took:?} to stop:\n{log}"
    );
    assert!(
        log.contains("cannot connect to Kafka")
            && log.contains("Kafka authentication failed")
            && log.contains("SASL authentication error"),
        "the log does not name the refused login:\n{log}"
    );
    assert!(!log.contains(wrong), "the password appears in the log");
    delete_namespace(&cluster.client, &cluster.ns).await;
}

/// A trusted-certificate `pattern` is expanded by the operator from the Secret's keys. One
/// that matches no key is the user's to fix: `Ready` turns False with the reason and an
/// event says so (naming the Secret and pattern, never a value); fixing the spec applies.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_pattern_is_expanded_or_reported_in_the_status() {
    let client = lab_client().await;
    install_crds();
    let ns = create_namespace(&client, "operator-secured-pattern").await;
    create_secret(
        &client,
        &ns,
        "bundle",
        &[
            ("a.crt", b"secret-cert-a"),
            ("b.crt", b"secret-cert-b"),
            ("ca.p12", b"binary"),
        ],
    )
    .await;
    let _operator = Operator::start_in(&client, &ns);
    let mut connect = KafkaConnect::new(
        CLUSTER,
        KafkaConnectSpec {
            replicas: 0,
            bootstrap_servers: "kafka:9093".into(),
            tls: Some(ClientTls {
                trusted_certificates: vec![CertSecretSource {
                    secret_name: "bundle".into(),
                    certificate: None,
                    pattern: Some("*.pem".into()),
                }],
            }),
            ..KafkaConnectSpec::default()
        },
    );
    let connects: Api<KafkaConnect> = Api::namespaced(client.clone(), &ns);
    connects
        .create(&PostParams::default(), &connect)
        .await
        .unwrap();
    let ready = |status: &str, reason: &str| {
        let connects = connects.clone();
        let (status, reason) = (status.to_owned(), reason.to_owned());
        async move {
            let c = connects.get(CLUSTER).await.ok()?;
            let condition = c
                .status?
                .conditions
                .into_iter()
                .find(|c| c.type_ == "Ready")?;
            (condition.status == status && condition.reason == reason).then_some(condition)
        }
    };
    let condition = eventually("Ready False for the pattern", TIMEOUT, || {
        ready("False", "NoCertificateMatched")
    })
    .await;
    assert_eq!(
        condition.message,
        "no key of Secret bundle matches spec.tls.trustedCertificates[0].pattern \"*.pem\""
    );
    let events = eventually("the Warning event", TIMEOUT, || async {
        let events = kubectl(&["get", "events.events.k8s.io", "-n", &ns, "-o", "yaml"]);
        events
            .contains("reason: NoCertificateMatched")
            .then_some(events)
    })
    .await;
    assert!(events.contains("type: Warning"), "{events}");
    let config_maps: Api<ConfigMap> = Api::namespaced(client.clone(), &ns);
    assert!(
        config_maps
            .get_opt(&format!("{CLUSTER}-config"))
            .await
            .unwrap()
            .is_none(),
        "children applied for a spec that cannot be"
    );

    connect = connects.get(CLUSTER).await.unwrap();
    connect.spec.tls.as_mut().unwrap().trusted_certificates[0].pattern = Some("*.crt".into());
    connects
        .replace(CLUSTER, &PostParams::default(), &connect)
        .await
        .unwrap();
    eventually("Ready True once fixed", TIMEOUT, || {
        ready("True", "WorkersApplied")
    })
    .await;
    let properties = config_maps
        .get(&format!("{CLUSTER}-config"))
        .await
        .unwrap()
        .data
        .unwrap()["worker.properties"]
        .clone();
    let root = format!("{SECRETS_ROOT}/bundle");
    assert!(
        properties.lines().any(|l| l
            == format!(
                "ssl.truststore.certificates=${{tributarysecrets:{root}:a.crt}}\\n${{tributarysecrets:{root}:b.crt}}"
            )),
        "{properties}"
    );
    assert!(!properties.contains("secret-cert"), "{properties}");
    let set = Api::<StatefulSet>::namespaced(client.clone(), &ns)
        .get(&format!("{CLUSTER}-worker"))
        .await
        .unwrap();
    let volumes = set.spec.unwrap().template.spec.unwrap().volumes.unwrap();
    let items: Vec<String> = volumes
        .iter()
        .filter_map(|v| v.secret.as_ref()?.items.clone())
        .flatten()
        .map(|i| i.key)
        .collect();
    assert_eq!(items, ["a.crt", "b.crt"]);
    delete_namespace(&client, &ns).await;
}
