//! `connector.client.config.override.policy` against Apache's `ConnectStandalone`: with
//! the same worker file, a connector whose `producer.override.*` the policy forbids is
//! refused with the same status and message, and validation reports the same errors.

use crate::common;

use std::time::{Duration, Instant};

use common::standalone::{
    WorkerProcess, append_properties, free_port, http, string_worker_properties,
};

/// Starts one side with `policy` (and `extra` worker lines); waits for its REST API.
fn start(apache: bool, policy: &str, extra: &[(&str, &str)]) -> (WorkerProcess, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let worker = string_worker_properties(dir.path(), &common::bootstrap_servers(), port, "1000");
    append_properties(
        &worker,
        &[
            ("plugin.discovery", "only_scan"),
            ("connector.client.config.override.policy", policy),
        ],
    );
    append_properties(&worker, extra);
    let log = dir.path().join("worker.log");
    let mut process = if apache {
        WorkerProcess::apache(&worker, &[], port, log)
    } else {
        WorkerProcess::tributary(&worker, &[], port, log)
    };
    let deadline = Instant::now() + Duration::from_secs(90);
    while http("GET", &process.url("/connectors"), None).is_none_or(|(status, _)| status != 200) {
        if let Some(status) = process.child.try_wait().unwrap() {
            panic!("worker exited with {status}:\n{}", process.log_text());
        }
        assert!(
            Instant::now() < deadline,
            "no REST API:\n{}",
            process.log_text()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    (process, dir)
}

fn source_config(name: &str, overrides: &[(&str, &str)]) -> serde_json::Value {
    let mut config = serde_json::json!({
        "connector.class": "FileStreamSource",
        "name": name,
        "file": "/dev/null",
        "topic": name,
    });
    for (key, value) in overrides {
        config[*key] = serde_json::Value::String((*value).to_owned());
    }
    config
}

/// What one side answers: the create request's status and body, and for each validated
/// config its error count and each key's errors.
fn answers(apache: bool, policy: &str, extra: &[(&str, &str)]) -> Vec<String> {
    let (mut worker, _dir) = start(apache, policy, extra);
    let overrides = [
        ("producer.override.acks", "1"),
        ("producer.override.sasl.mechanism", "PLAIN"),
        ("consumer.override.fetch.min.bytes", "1"),
    ];
    let name = common::standalone::unique("override");
    let body = serde_json::json!({"name": name, "config": source_config(&name, &overrides)});
    let (status, created) = http("POST", &worker.url("/connectors"), Some(&body.to_string()))
        .expect("POST /connectors");
    let created = created.replace(&name, "<name>");
    let (_, validated) = http(
        "PUT",
        &worker.url("/connector-plugins/FileStreamSource/config/validate"),
        Some(&source_config(&name, &overrides).to_string()),
    )
    .expect("validate");
    let validated: serde_json::Value = serde_json::from_str(&validated).unwrap();
    let mut out = vec![
        format!("POST {status} {created}"),
        format!("error_count {}", validated["error_count"]),
    ];
    for config in validated["configs"].as_array().unwrap() {
        let value = &config["value"];
        if value["name"].as_str().unwrap().contains(".override.") {
            out.push(format!("{} {}", value["name"], value["errors"]));
        }
    }
    worker.terminate();
    out
}

#[test]
fn policies_refuse_overrides_as_apache_does() {
    for (policy, extra) in [
        ("None", &[][..]),
        ("Principal", &[][..]),
        (
            "org.apache.kafka.connect.connector.policy.AllowlistConnectorClientConfigOverridePolicy",
            &[("connector.client.config.override.allowlist", "acks")][..],
        ),
    ] {
        let apache = answers(true, policy, extra);
        let ours = answers(false, policy, extra);
        assert_eq!(ours, apache, "policy {policy}");
        // Each policy refuses something here, so the comparison covers a refusal.
        assert!(apache[0].starts_with("POST 400"), "{apache:?}");
    }
}

#[test]
fn an_unknown_policy_stops_start_up_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let worker = string_worker_properties(
        dir.path(),
        &common::bootstrap_servers(),
        free_port(),
        "1000",
    );
    append_properties(
        &worker,
        &[("connector.client.config.override.policy", "Sometimes")],
    );
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_tributary"))
        .arg("standalone")
        .arg(&worker)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("Failed to find any class that implements ConnectorClientConfigOverridePolicy and which name matches Sometimes"),
        "{stderr}"
    );
}
