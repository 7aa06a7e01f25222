//! Config providers on the lab: a FileStreamSink whose `topics` and `file` come from a
//! `FileConfigProvider` secret file. The worker resolves them (records flow from that
//! topic into that file) while the REST API only ever shows the placeholders and the
//! worker log never shows the resolved topic.

use crate::common;

use std::time::{Duration, Instant};

use common::standalone::{
    WorkerProcess, free_port, http_get, produce_lines, unique, wait_for_lines, write_properties,
};

#[test]
fn file_provider_secrets_are_used_but_never_shown() {
    let dir = tempfile::tempdir().unwrap();
    let secrets_dir = dir.path().join("secrets");
    std::fs::create_dir(&secrets_dir).unwrap();
    // The "secrets": a topic name and an output file name nobody else knows.
    let secret_topic = unique("secret-topic");
    let secret_file_name = unique("secret-out");
    let out = dir.path().join(format!("{secret_file_name}.txt"));
    let secrets = secrets_dir.join("creds.properties");
    write_properties(
        &secrets,
        &[
            ("topic", &secret_topic),
            ("out", &out.display().to_string()),
        ],
    );
    // The topic exists before the sink subscribes (no "unknown topic" warning to log).
    produce_lines(&secret_topic, &["one", "two", "three"]);

    let port = free_port();
    let worker = dir.path().join("worker.properties");
    write_properties(
        &worker,
        &[
            ("bootstrap.servers", &common::bootstrap_servers()),
            (
                "key.converter",
                "org.apache.kafka.connect.storage.StringConverter",
            ),
            (
                "value.converter",
                "org.apache.kafka.connect.storage.StringConverter",
            ),
            (
                "offset.storage.file.filename",
                &dir.path().join("connect.offsets").display().to_string(),
            ),
            ("offset.flush.interval.ms", "1000"),
            ("listeners", &format!("http://127.0.0.1:{port}")),
            ("config.providers", "file,env"),
            (
                "config.providers.file.class",
                "org.apache.kafka.common.config.provider.FileConfigProvider",
            ),
            (
                "config.providers.file.param.allowed.paths",
                &secrets_dir.display().to_string(),
            ),
            (
                "config.providers.env.class",
                "org.apache.kafka.common.config.provider.EnvVarConfigProvider",
            ),
        ],
    );
    let name = unique("provided");
    let topic_placeholder = format!("${{file:{}:topic}}", secrets.display());
    let file_placeholder = format!("${{file:{}:out}}", secrets.display());
    let connector = dir.path().join("sink.properties");
    write_properties(
        &connector,
        &[
            ("name", &name),
            (
                "connector.class",
                "org.apache.kafka.connect.file.FileStreamSinkConnector",
            ),
            ("tasks.max", "1"),
            ("topics", &topic_placeholder),
            ("file", &file_placeholder),
        ],
    );
    let mut process =
        WorkerProcess::tributary(&worker, &[&connector], port, dir.path().join("worker.log"));
    process.wait_running(&[&name], Duration::from_secs(60));

    // The resolved values are in use: records of the secret topic reach the secret file.
    let written = wait_for_lines(&out, 3, Duration::from_secs(60));
    assert_eq!(written, "one\ntwo\nthree\n", "log:\n{}", process.log_text());

    let deadline = Instant::now() + Duration::from_secs(10);
    for path in ["", "/config", "/tasks", "/status"] {
        let url = process.url(&format!("/connectors/{name}{path}"));
        let (code, body) = loop {
            match http_get(&url) {
                Some(answer) => break answer,
                None if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(200)),
                None => panic!("no answer from {url}"),
            }
        };
        assert_eq!(code, 200, "{url}: {body}");
        assert!(
            !body.contains(&secret_topic),
            "{url} shows the secret topic: {body}"
        );
        assert!(
            !body.contains(&secret_file_name),
            "{url} shows the secret file: {body}"
        );
        if path != "/status" {
            // JSON escapes nothing in these placeholders.
            assert!(
                body.contains(&topic_placeholder),
                "{url} lost the placeholder: {body}"
            );
            assert!(
                body.contains(&file_placeholder),
                "{url} lost the placeholder: {body}"
            );
        }
    }
    process.terminate();
    let log = process.log_text();
    assert!(
        !log.contains(&secret_topic),
        "the log shows the secret topic:\n{log}"
    );
}
