//! Hostile requests against `tributary standalone`: each gets an error in Connect's shape
//! (`{"error_code":N,"message":...}`, the status Apache gives) and the process keeps
//! answering afterwards.

use crate::common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::standalone::{WorkerProcess, free_port, http, write_properties};

fn start() -> (WorkerProcess, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let props = dir.path().join("worker.properties");
    write_properties(
        &props,
        &[
            ("bootstrap.servers", &common::bootstrap_servers()),
            (
                "key.converter",
                "org.apache.kafka.connect.json.JsonConverter",
            ),
            (
                "value.converter",
                "org.apache.kafka.connect.json.JsonConverter",
            ),
            (
                "offset.storage.file.filename",
                dir.path().join("offsets").to_str().unwrap(),
            ),
            ("listeners", &format!("http://127.0.0.1:{port}")),
        ],
    );
    let mut worker = WorkerProcess::tributary(&props, &[], port, dir.path().join("log"));
    let deadline = Instant::now() + Duration::from_secs(60);
    while http("GET", &worker.url("/"), None).is_none_or(|(c, _)| c != 200) {
        assert!(
            worker.child.try_wait().unwrap().is_none(),
            "{}",
            worker.log_text()
        );
        assert!(Instant::now() < deadline, "not up: {}", worker.log_text());
        std::thread::sleep(Duration::from_millis(200));
    }
    (worker, dir)
}

/// Asserts an Apache-shaped error with `status`; returns its message.
fn assert_error(answer: Option<(u16, String)>, status: u16, what: &str) -> String {
    let (code, body) = answer.unwrap_or_else(|| panic!("{what}: no answer"));
    assert_eq!(code, status, "{what}: {body}");
    let json: serde_json::Value =
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("{what}: not JSON ({e}): {body}"));
    assert_eq!(json["error_code"], status, "{what}: {body}");
    json["message"]
        .as_str()
        .unwrap_or_else(|| panic!("{what}: {body}"))
        .to_owned()
}

#[test]
fn hostile_requests_get_connect_errors_and_the_worker_survives() {
    let _ = common::kafka_libs();
    let (mut worker, dir) = start();
    let base = worker.url("");
    let url = |p: &str| format!("{base}{p}");

    // Malformed JSON bodies: Jackson's failures are 500s in Connect.
    for body in [
        "{",
        "[1]",
        "\"x\"",
        "{\"name\":1}",
        "nul",
        "{\"config\":[]}",
    ] {
        assert_error(http("POST", &url("/connectors"), Some(body)), 500, body);
    }
    // Unknown fields in a create request are refused (Jackson's FAIL_ON_UNKNOWN_PROPERTIES).
    assert_error(
        http(
            "POST",
            &url("/connectors"),
            Some(
                r#"{"name":"a","config":{"connector.class":"FileStreamSource","topic":"t"},"extra":1}"#,
            ),
        ),
        500,
        "unknown field",
    );
    // A body that does not say it is JSON.
    let out = Command::new("curl")
        .args([
            "-s",
            "-X",
            "PUT",
            "-H",
            "Content-Type: text/plain",
            "--data",
            "{}",
            "-w",
            "\n%{http_code}",
        ])
        .arg(url("/connectors/x/config"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let (body, code) = text.rsplit_once('\n').unwrap();
    assert_error(
        Some((code.parse().unwrap(), body.to_owned())),
        415,
        "text/plain",
    );

    // A 40 MB body (over our 32 MB limit; Apache has none and parses it).
    let big = dir.path().join("big.json");
    let mut payload = String::from("{\"name\":\"big\",\"config\":{\"x\":\"");
    payload.push_str(&"a".repeat(40 * 1024 * 1024));
    payload.push_str("\"}}");
    std::fs::write(&big, payload).unwrap();
    let out = Command::new("curl")
        .args([
            "-s",
            "-X",
            "POST",
            "-H",
            "Content-Type: application/json",
            "-w",
            "\n%{http_code}",
        ])
        .arg("--data-binary")
        .arg(format!("@{}", big.display()))
        .arg(url("/connectors"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let (body, code) = text.rsplit_once('\n').unwrap();
    let message = assert_error(
        Some((code.parse().unwrap(), body.to_owned())),
        413,
        "40 MB body",
    );
    assert_eq!(message, "HTTP 413 Payload Too Large");

    // Odd connector names in paths: unknown connectors, Apache's messages, decoded names.
    for (path, name) in [
        ("a%2Fb", "a/b"),
        ("%2E%2E", ".."),
        ("with%20space", "with space"),
        ("%C3%BCnic%C3%B8de", "ünicøde"),
    ] {
        let message = assert_error(
            http("GET", &url(&format!("/connectors/{path}")), None),
            404,
            path,
        );
        assert_eq!(message, format!("Connector {name} not found"));
    }
    // Invalid UTF-8 in a path segment.
    assert_error(
        http("GET", &url("/connectors/%FF"), None),
        400,
        "invalid utf-8",
    );
    // Negative, huge and non-numeric task ids.
    let m = assert_error(
        http("GET", &url("/connectors/x/tasks/-1/status"), None),
        404,
        "-1",
    );
    assert_eq!(m, "No status found for task x--1");
    let m = assert_error(
        http("GET", &url("/connectors/x/tasks/99999999999/status"), None),
        404,
        "huge",
    );
    assert_eq!(m, "HTTP 404 Not Found");
    assert_error(
        http("POST", &url("/connectors/x/tasks/-5/restart"), None),
        500,
        "restart -5",
    );
    // Wrong methods and paths.
    let m = assert_error(http("DELETE", &url("/"), None), 405, "DELETE /");
    assert_eq!(m, "HTTP 405 Method Not Allowed");
    assert_error(
        http("GET", &url("/connectors/x/y/z"), None),
        404,
        "deep path",
    );

    // A connector with an odd name works end to end, and its name round-trips.
    let created = http(
        "POST",
        &url("/connectors"),
        Some(&format!(
            r#"{{"name":"a b/ü","config":{{"connector.class":"FileStreamSource","topic":"hostile-t","file":"{}"}}}}"#,
            dir.path().join("in.txt").display()
        )),
    )
    .unwrap();
    assert_eq!(created.0, 201, "{}", created.1);
    let (code, body) = http("GET", &url("/connectors/a%20b%2F%C3%BC/config"), None).unwrap();
    assert_eq!(code, 200, "{body}");
    assert!(body.contains("\"name\":\"a b/ü\""), "{body}");
    let (code, _) = http("DELETE", &url("/connectors/a%20b%2F%C3%BC"), None).unwrap();
    assert_eq!(code, 204);

    // Still alive.
    assert!(
        worker.child.try_wait().unwrap().is_none(),
        "{}",
        worker.log_text()
    );
    let (code, body) = http("GET", &url("/"), None).unwrap();
    assert_eq!(code, 200, "{body}");
    worker.terminate();
}
