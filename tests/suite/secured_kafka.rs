//! The lab's secured listeners (TLS, SASL_SSL with SCRAM and PLAIN, mTLS with PKCS#12 and
//! JKS keystores), with the Apache-form client files of `TRIBUTARY_LAB_CLIENT_CONFIGS`:
//! the seed's FileStreamSource → topic → FileStreamSink runs on `tributary standalone`
//! and on Apache's `ConnectStandalone` with the same worker file, and both deliver the
//! same records. A wrong SCRAM password or an untrusted broker certificate stops start-up
//! within seconds, saying which.

use crate::common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::standalone::{
    RawRecord, WorkerProcess, free_port, read_topic, unique, wait_for_lines, write_properties,
};

const LINES: [&str; 2] = ["hello secured kafka", "hello again"];

/// The lab's client properties file `name` (`ssl`, `sasl-scram`, ...), as key/value lines.
fn client_lines(name: &str) -> Vec<(String, String)> {
    let dir = PathBuf::from(common::lab_var("TRIBUTARY_LAB_CLIENT_CONFIGS"));
    let text = std::fs::read_to_string(dir.join(format!("{name}.properties")))
        .unwrap_or_else(|e| panic!("lab client config {name}: {e}"));
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

/// A worker file made of the client file's lines plus converters, offsets file and
/// listeners. The security lines are repeated under `producer.` and `consumer.`, since
/// Apache gives the top-level ones only to its admin and internal clients; Tributary
/// reads both (top-level reaches every client, the prefixed ones win).
fn write_worker(dir: &Path, client: &str, rest_port: u16) -> PathBuf {
    let mut entries: Vec<(String, String)> = Vec::new();
    for (key, value) in client_lines(client) {
        if key != "bootstrap.servers" {
            entries.push((format!("producer.{key}"), value.clone()));
            entries.push((format!("consumer.{key}"), value.clone()));
        }
        entries.push((key, value));
    }
    let offsets = dir.join("connect.offsets").display().to_string();
    for (key, value) in [
        (
            "key.converter",
            "org.apache.kafka.connect.storage.StringConverter",
        ),
        (
            "value.converter",
            "org.apache.kafka.connect.storage.StringConverter",
        ),
        ("offset.storage.file.filename", offsets.as_str()),
        ("offset.flush.interval.ms", "1000"),
        ("listeners", &format!("http://127.0.0.1:{rest_port}")),
    ] {
        entries.push((key.to_owned(), value.to_owned()));
    }
    let path = dir.join("worker.properties");
    let borrowed: Vec<(&str, &str)> = entries
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    write_properties(&path, &borrowed);
    path
}

/// Runs the seed's source and sink over the listener of `client` on one implementation;
/// returns the topic's records (read back over the plaintext listener) and the sink file.
fn run(client: &str, apache: bool) -> (Vec<RawRecord>, String) {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let topic = unique(&format!("secured-{client}"));
    let source_name = unique(&format!("secured-source-{client}"));
    let sink_name = unique(&format!("secured-sink-{client}"));
    let worker = write_worker(dir.path(), client, port);
    let path = |name: &str| dir.path().join(name).display().to_string();
    let source = dir.path().join("source.properties");
    write_properties(
        &source,
        &[
            ("name", &source_name),
            ("connector.class", "FileStreamSource"),
            ("tasks.max", "1"),
            ("file", &path("source.txt")),
            ("topic", &topic),
        ],
    );
    let sink = dir.path().join("sink.properties");
    write_properties(
        &sink,
        &[
            ("name", &sink_name),
            ("connector.class", "FileStreamSink"),
            ("tasks.max", "1"),
            ("file", &path("sink.txt")),
            ("topics", &topic),
        ],
    );
    std::fs::write(dir.path().join("source.txt"), "").unwrap();
    let connectors: [&Path; 2] = [&source, &sink];
    let log = dir.path().join("worker.log");
    let mut process = if apache {
        WorkerProcess::apache(&worker, &connectors, port, log)
    } else {
        WorkerProcess::tributary(&worker, &connectors, port, log)
    };
    process.wait_running(&[&source_name, &sink_name], Duration::from_secs(90));
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(dir.path().join("source.txt"))
        .unwrap();
    for line in LINES {
        writeln!(file, "{line}").unwrap();
    }
    let records = read_topic(&topic, 2, Duration::from_secs(30));
    let sink_text = wait_for_lines(&dir.path().join("sink.txt"), 2, Duration::from_secs(30));
    assert_eq!(
        records.len(),
        2,
        "{client}: topic records; worker log:\n{}",
        process.log_text()
    );
    assert_eq!(
        sink_text,
        "hello secured kafka\nhello again\n",
        "{client}: sink file; worker log:\n{}",
        process.log_text()
    );
    let log = process.log_text();
    for secret in ["lab-scram-secret", "lab-plain-secret"] {
        assert!(
            apache || !log.contains(secret),
            "{client}: a secret reached the log"
        );
    }
    if apache {
        // Apache's shutdown sometimes waits on its sink consumer for minutes; the records
        // are what this test compares.
        process.kill9();
    } else {
        assert!(
            process.terminate().success(),
            "{client}: clean stop; log:\n{}",
            process.log_text()
        );
    }
    (records, sink_text)
}

/// Both implementations deliver the same records over the listener of `client`.
fn differential(client: &str) {
    let (ours, ours_sink) = run(client, false);
    let (theirs, theirs_sink) = run(client, true);
    let values = |records: &[RawRecord]| -> Vec<Option<Vec<u8>>> {
        records.iter().map(|r| r.value.clone()).collect()
    };
    assert_eq!(values(&ours), values(&theirs), "{client}: record values");
    assert_eq!(ours_sink, theirs_sink, "{client}: sink files");
}

#[test]
fn ssl_truststore_jks() {
    differential("ssl");
}

#[test]
fn sasl_ssl_scram() {
    differential("sasl-scram");
}

#[test]
fn sasl_ssl_plain() {
    differential("sasl-plain");
}

#[test]
fn mtls_pkcs12_keystore() {
    differential("mtls");
}

#[test]
fn mtls_jks_keystore() {
    differential("mtls-jks");
}

/// Starts `tributary standalone` with `worker` and expects it to stop on its own within
/// 15 s with a log naming the cause (`expected`), and without `secret` in the log.
fn start_up_fails_fast(
    worker: &Path,
    dir: &Path,
    port: u16,
    expected: &[&str],
    secret: Option<&str>,
) {
    let started = Instant::now();
    let mut process = WorkerProcess::tributary(worker, &[], port, dir.join("worker.log"));
    let status = loop {
        if let Some(status) = process.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "still running after 15 s; log:\n{}",
            process.log_text()
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let log = process.log_text();
    assert!(!status.success(), "start-up must fail; log:\n{log}");
    for part in expected {
        assert!(
            log.contains(part),
            "the message names the cause ({part}); log:\n{log}"
        );
    }
    if let Some(secret) = secret {
        assert!(!log.contains(secret), "a secret reached the log");
    }
}

#[test]
fn a_wrong_scram_password_fails_fast_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let worker = write_worker(dir.path(), "sasl-scram-wrong-password", port);
    start_up_fails_fast(
        &worker,
        dir.path(),
        port,
        &["Kafka authentication failed", "invalid credentials"],
        Some("not-lab-scram-secret"),
    );
}

/// TLS to the lab's listener without its CA in the truststore (librdkafka then trusts
/// only the system's CAs): the broker's certificate is untrusted.
#[test]
fn an_untrusted_broker_certificate_fails_fast_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let worker = write_worker(dir.path(), "ssl", port);
    let text = std::fs::read_to_string(&worker).unwrap();
    let without_truststore: String = text
        .lines()
        .filter(|l| !l.contains("ssl.truststore."))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&worker, without_truststore).unwrap();
    start_up_fails_fast(
        &worker,
        dir.path(),
        port,
        &["TLS handshake with Kafka failed"],
        None,
    );
}

/// A task whose own client settings are refused (a connector's `*.override.*` with a
/// wrong password) becomes FAILED within seconds, with the cause in its status trace.
#[test]
fn a_task_with_a_refused_login_fails_with_the_cause_in_its_status() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let worker = write_worker(dir.path(), "sasl-scram", port);
    let wrong_jaas = client_lines("sasl-scram-wrong-password")
        .into_iter()
        .find(|(k, _)| k == "sasl.jaas.config")
        .map(|(_, v)| v)
        .expect("the wrong-password file has sasl.jaas.config");
    let topic = unique("secured-refused");
    let source_name = unique("secured-refused-source");
    let sink_name = unique("secured-refused-sink");
    let source = dir.path().join("source.properties");
    let input = dir.path().join("source.txt").display().to_string();
    std::fs::write(&input, "").unwrap();
    write_properties(
        &source,
        &[
            ("name", &source_name),
            ("connector.class", "FileStreamSource"),
            ("tasks.max", "1"),
            ("file", &input),
            ("topic", &topic),
            ("producer.override.sasl.jaas.config", &wrong_jaas),
        ],
    );
    let sink = dir.path().join("sink.properties");
    let output = dir.path().join("sink.txt").display().to_string();
    write_properties(
        &sink,
        &[
            ("name", &sink_name),
            ("connector.class", "FileStreamSink"),
            ("tasks.max", "1"),
            ("file", &output),
            ("topics", &topic),
            ("consumer.override.sasl.jaas.config", &wrong_jaas),
        ],
    );
    let started = Instant::now();
    let process = WorkerProcess::tributary(
        &worker,
        &[&source, &sink],
        port,
        dir.path().join("worker.log"),
    );
    for name in [&source_name, &sink_name] {
        loop {
            let status =
                common::standalone::http_get(&process.url(&format!("/connectors/{name}/status")))
                    .map(|(_, body)| body)
                    .unwrap_or_default();
            if status.contains("\"FAILED\"") {
                assert!(
                    status.contains("Kafka authentication failed"),
                    "{name}: the trace names the cause: {status}"
                );
                assert!(!status.contains("not-lab-scram-secret"), "{status}");
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "{name} not FAILED in time: {status}; log:\n{}",
                process.log_text()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
    assert!(!process.log_text().contains("not-lab-scram-secret"));
}
