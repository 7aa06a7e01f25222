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

/// `spec.tls` and `spec.authentication`: the type-dependent fields, `tls` authentication
/// without `tls`, and `spec.config` keys that they manage are refused by the API server,
/// each with a message that names what is wrong.
#[test]
fn the_api_server_validates_cluster_security() {
    install_crds();
    let ns = Namespace::new("crd-security");
    let secured = |name: &str, security: &str| {
        cluster(name, &format!("  bootstrapServers: k:9093\n{security}"))
    };
    let scram = "  authentication:\n    type: scram-sha-512\n    username: connect\n    passwordSecret:\n      secretName: connect-user\n      password: password\n";

    let good = [
        secured("tls-empty", "  tls: {}\n"),
        secured(
            "scram",
            &format!(
                "  tls:\n    trustedCertificates:\n    - secretName: cluster-ca\n      certificate: ca.crt\n    - secretName: bundle\n      pattern: \"*.crt\"\n{scram}"
            ),
        ),
        secured(
            "plain-no-tls",
            "  authentication:\n    type: plain\n    username: u\n    passwordSecret:\n      secretName: s\n      password: p\n",
        ),
        secured(
            "mtls",
            "  tls:\n    trustedCertificates:\n    - secretName: ca\n      certificate: ca.crt\n  authentication:\n    type: tls\n    certificateAndKey:\n      secretName: user\n      certificate: user.crt\n      key: user.key\n",
        ),
        secured(
            "oauth",
            "  tls: {}\n  authentication:\n    type: oauth\n    clientId: connect\n    clientSecret:\n      secretName: oauth\n      key: secret\n    tokenEndpointUri: https://sso.example/token\n    scope: kafka\n",
        ),
        // Client settings the security fields do not manage stay the user's.
        secured(
            "own-settings",
            &format!(
                "  tls: {{}}\n{scram}  config:\n    ssl.endpoint.identification.algorithm: \"\"\n    producer.compression.type: zstd\n"
            ),
        ),
        // Without tls/authentication, security settings in config are the user's.
        secured("config-only", "  config:\n    security.protocol: SSL\n"),
    ];
    for yaml in &good {
        let out = create(&ns.0, yaml);
        assert!(
            out.status.success(),
            "rejected a good object:\n{yaml}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    let bad = [
        (
            secured(
                "tls-auth-no-tls",
                "  authentication:\n    type: tls\n    certificateAndKey:\n      secretName: user\n      certificate: user.crt\n      key: user.key\n",
            ),
            "authentication type tls requires spec.tls",
        ),
        (
            secured(
                "tls-no-cert",
                "  tls: {}\n  authentication:\n    type: tls\n",
            ),
            "type tls requires certificateAndKey",
        ),
        (
            secured(
                "scram-no-password",
                "  authentication:\n    type: scram-sha-256\n    username: u\n",
            ),
            "require username and passwordSecret",
        ),
        (
            secured(
                "oauth-no-endpoint",
                "  authentication:\n    type: oauth\n    clientId: c\n    clientSecret:\n      secretName: s\n      key: k\n",
            ),
            "type oauth requires clientId, clientSecret and tokenEndpointUri",
        ),
        (
            secured("scram-with-client-id", &format!("{scram}    clientId: c\n")),
            "apply to type oauth only",
        ),
        (
            secured("unknown-type", "  authentication:\n    type: gssapi\n"),
            "spec.authentication.type",
        ),
        (
            secured(
                "both",
                "  tls:\n    trustedCertificates:\n    - secretName: ca\n      certificate: ca.crt\n      pattern: \"*\"\n",
            ),
            "set exactly one of certificate and pattern",
        ),
        (
            secured(
                "neither",
                "  tls:\n    trustedCertificates:\n    - secretName: ca\n",
            ),
            "set exactly one of certificate and pattern",
        ),
        (
            secured(
                "bad-secret-name",
                "  tls:\n    trustedCertificates:\n    - secretName: \"ca:x}\"\n      certificate: ca.crt\n",
            ),
            "secretName",
        ),
        (
            secured(
                "bad-key",
                &scram.replace("password: password", "password: \"pass/word\""),
            ),
            "spec.authentication.passwordSecret.password",
        ),
        (
            secured(
                "oauth-http-endpoint",
                "  authentication:\n    type: oauth\n    clientId: c\n    clientSecret:\n      secretName: s\n      key: k\n    tokenEndpointUri: sso.example/token\n",
            ),
            "spec.authentication.tokenEndpointUri",
        ),
        (
            secured(
                "protocol-in-config",
                "  tls: {}\n  config:\n    producer.security.protocol: PLAINTEXT\n",
            ),
            "spec.config may not set security.protocol (nor their producer., consumer. and admin. forms): managed by spec.tls and spec.authentication",
        ),
        (
            secured(
                "truststore-in-config",
                "  tls: {}\n  config:\n    ssl.truststore.location: /x.jks\n    ssl.truststore.password: p\n",
            ),
            "managed by spec.tls",
        ),
        (
            secured(
                "jaas-in-config",
                &format!("  tls: {{}}\n{scram}  config:\n    consumer.sasl.jaas.config: x\n"),
            ),
            "managed by spec.authentication (SASL)",
        ),
    ];
    for (yaml, message) in &bad {
        let out = create(&ns.0, yaml);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "accepted a bad object:\n{yaml}");
        assert!(
            stderr.contains(message),
            "the rejection does not say {message:?}: {stderr}"
        );
    }
}

/// `spec.plugins` and `spec.jvmOptions`: one volume source, a usable path (defaulted),
/// Strimzi's JVM option names with values that stay one option each, and `spec.config`
/// not naming the plugins or the JVM options these fields manage.
#[test]
fn the_api_server_validates_cluster_plugins() {
    install_crds();
    let ns = Namespace::new("crd-plugins");
    let with =
        |name: &str, fields: &str| cluster(name, &format!("  bootstrapServers: k:9092\n{fields}"));
    let good = [
        with(
            "host-path",
            "  plugins:\n    path: /opt/plugins\n    volume:\n      hostPath:\n        path: /srv/plugins\n        type: Directory\n  jvmOptions:\n    \"-Xmx\": 1g\n    \"-Xms\": 256M\n    \"-XX\":\n      UseSerialGC: \"true\"\n    javaSystemProperties:\n    - name: java.io.tmpdir\n      value: /tmp\n  config:\n    plugin.discovery: service_load\n",
        ),
        with(
            "image",
            "  plugins:\n    volume:\n      image:\n        reference: registry.example/plugins:1\n        pullPolicy: IfNotPresent\n",
        ),
        with(
            "claim",
            "  plugins:\n    volume:\n      persistentVolumeClaim:\n        claimName: plugins\n",
        ),
        with("in-image", "  image: mine:1-jre\n  plugins: {}\n"),
        // Without spec.jvmOptions, the worker setting is the user's.
        with(
            "own-jvm-options",
            "  config:\n    tributary.plugin.host.jvm.options: -Xmx1g\n",
        ),
    ];
    for yaml in &good {
        let out = create(&ns.0, yaml);
        assert!(
            out.status.success(),
            "rejected a good object:\n{yaml}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let path = kubectl(&[
        "get",
        "kc",
        "in-image",
        "-n",
        &ns.0,
        "-o",
        "jsonpath={.spec.plugins.path}",
    ]);
    assert_eq!(path, "/opt/tributary/plugins", "the default path");

    let bad = [
        (
            with(
                "two-sources",
                "  plugins:\n    volume:\n      hostPath:\n        path: /p\n      persistentVolumeClaim:\n        claimName: c\n",
            ),
            "set exactly one volume source",
        ),
        (
            with("no-source", "  plugins:\n    volume: {}\n"),
            "set exactly one volume source",
        ),
        (
            with("relative", "  plugins:\n    path: plugins\n"),
            "spec.plugins.path",
        ),
        (
            with("two-paths", "  plugins:\n    path: /a,/b\n"),
            "spec.plugins.path",
        ),
        (
            with(
                "over-config",
                "  plugins:\n    path: /etc/tributary/plugins\n",
            ),
            "path may not be /, nor /etc/tributary or /opt/tributary/secrets",
        ),
        (
            with(
                "path-in-config",
                "  config:\n    plugin.path: /opt/connectors\n",
            ),
            "spec.config may not set plugin.path: name the plugins in spec.plugins",
        ),
        (
            with(
                "options-twice",
                "  jvmOptions:\n    \"-Xmx\": 1g\n  config:\n    tributary.plugin.host.jvm.options: -Xmx2g\n",
            ),
            "spec.config may not set tributary.plugin.host.jvm.options: managed by spec.jvmOptions",
        ),
        (
            with("heap", "  jvmOptions:\n    \"-Xmx\": 1 gigabyte\n"),
            "spec.jvmOptions.-Xmx",
        ),
        (
            with(
                "spaced-property",
                "  jvmOptions:\n    javaSystemProperties:\n    - name: a\n      value: b c\n",
            ),
            "spec.jvmOptions.javaSystemProperties[0].value",
        ),
    ];
    for (yaml, message) in &bad {
        let out = create(&ns.0, yaml);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "accepted a bad object:\n{yaml}");
        assert!(
            stderr.contains(message),
            "the rejection does not say {message:?}: {stderr}"
        );
    }
}

/// Waits until `kubectl explain path` shows every text of `wanted`: the API server
/// republishes its OpenAPI a little after a CRD changes, and until then `explain` may
/// also fail outright ("couldn't find resource").
fn explains(path: &str, wanted: &[&str]) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let out = kubectl_output(&["explain", path]);
        let explained = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        let missing: Vec<&str> = wanted
            .iter()
            .copied()
            .filter(|t| !explained.contains(t))
            .collect();
        if missing.is_empty() {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "`kubectl explain {path}` lacks {missing:?}:\n{explained}"
        );
        std::thread::sleep(std::time::Duration::from_secs(2));
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
    explains("kafkaconnector.spec", &wanted);
    explains(
        "kafkaconnect.spec.authentication",
        &[
            "scram-sha-512",
            "oauth",
            "certificateAndKey",
            "passwordSecret",
            "tokenEndpointUri",
            "needs `spec.tls`",
        ],
    );
    explains(
        "kafkaconnect.spec.plugins",
        &["path", "volume", "plugin.path", "persistentVolumeClaim"],
    );
    explains(
        "kafkaconnect.spec.tls.trustedCertificates",
        &["secretName", "certificate", "pattern", "Glob pattern"],
    );
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
