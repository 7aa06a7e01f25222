//! Standalone mode when things go wrong: a worker killed with SIGKILL mid-stream loses no
//! line, and bad input (files, classes, configs, an unreachable broker) gets a clear error
//! instead of a crash or silence.

use crate::common;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::standalone::{
    WorkerProcess, append_properties, free_port, read_topic, string_worker_properties, unique,
    write_properties,
};

fn source_properties(dir: &Path, name: &str, topic: &str) -> PathBuf {
    let path = dir.join("source.properties");
    write_properties(
        &path,
        &[
            ("name", name),
            ("connector.class", "FileStreamSource"),
            ("file", &dir.join("source.txt").display().to_string()),
            ("topic", topic),
        ],
    );
    path
}

/// Runs `tributary standalone` to completion (for inputs that must make it exit).
fn run_to_exit(args: &[&Path]) -> (i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tributary"))
        .arg("standalone")
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("tributary standalone did not exit on bad input");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn kill_9_mid_stream_then_restart_loses_no_line() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let topic = unique("kill9");
    let name = unique("kill9-source");
    let worker = string_worker_properties(dir.path(), &common::bootstrap_servers(), port, "500");
    let source = source_properties(dir.path(), &name, &topic);
    let source_file = dir.path().join("source.txt");
    std::fs::write(&source_file, "").unwrap();

    const TOTAL: usize = 30_000;
    let append = |from: usize, to: usize| {
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&source_file)
            .unwrap();
        let text: String = (from..to).map(|i| format!("line-{i:06}\n")).collect();
        file.write_all(text.as_bytes()).unwrap();
    };

    let mut process = WorkerProcess::tributary(&worker, &[&source], port, dir.path().join("1.log"));
    process.wait_running(&[&name], Duration::from_secs(60));
    // Feed in slices while the worker runs, and kill it in the middle of the stream.
    for slice in 0..10 {
        append(slice * 1_000, (slice + 1) * 1_000);
        std::thread::sleep(Duration::from_millis(150));
    }
    process.kill9();
    append(10_000, TOTAL);

    let mut process = WorkerProcess::tributary(&worker, &[&source], port, dir.path().join("2.log"));
    process.wait_running(&[&name], Duration::from_secs(60));
    let records = read_topic(&topic, TOTAL + 20_000, Duration::from_secs(30));
    let mut seen: BTreeMap<usize, usize> = BTreeMap::new();
    for record in &records {
        let text = String::from_utf8(record.value.clone().unwrap()).unwrap();
        let n: usize = text.trim_start_matches("line-").parse().unwrap();
        *seen.entry(n).or_default() += 1;
    }
    let missing: Vec<usize> = (0..TOTAL).filter(|n| !seen.contains_key(n)).collect();
    assert!(
        missing.is_empty(),
        "{} lines lost, first {:?}",
        missing.len(),
        &missing[..missing.len().min(5)]
    );
    // Duplicates come only from the tail after the last flushed offset: one block.
    let duplicated: Vec<usize> = seen
        .iter()
        .filter(|(_, c)| **c > 1)
        .map(|(n, _)| *n)
        .collect();
    if let (Some(first), Some(last)) = (duplicated.first(), duplicated.last()) {
        assert_eq!(
            duplicated.len(),
            last - first + 1,
            "duplicates are not one contiguous block after the last flush"
        );
    }
    assert!(
        seen.values().all(|c| *c <= 2),
        "a line was sent more than twice"
    );
}

#[test]
fn a_malformed_properties_file_is_named_with_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let worker = dir.path().join("bad.properties");
    std::fs::write(
        &worker,
        "bootstrap.servers=localhost:9092\nkey.converter=\\u12zz\n",
    )
    .unwrap();
    let (code, out) = run_to_exit(&[&worker]);
    assert_ne!(code, 0);
    assert!(out.contains("bad.properties"), "{out}");
    assert!(out.contains("Malformed \\uxxxx encoding."), "{out}");
}

#[test]
fn a_missing_worker_setting_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let worker = dir.path().join("worker.properties");
    write_properties(&worker, &[("bootstrap.servers", "localhost:9092")]);
    let (code, out) = run_to_exit(&[&worker]);
    assert_ne!(code, 0);
    assert!(
        out.contains(
            "Missing required configuration \"key.converter\" which has no default value."
        ),
        "{out}"
    );
}

#[test]
fn an_unknown_connector_class_lists_the_available_ones() {
    let dir = tempfile::tempdir().unwrap();
    let worker = string_worker_properties(
        dir.path(),
        &common::bootstrap_servers(),
        free_port(),
        "1000",
    );
    let connector = dir.path().join("connector.properties");
    write_properties(
        &connector,
        &[("name", "x"), ("connector.class", "NoSuchConnector")],
    );
    let (code, out) = run_to_exit(&[&worker, &connector]);
    assert_ne!(code, 0);
    assert!(
        out.contains("Failed to find any class that implements Connector and which name matches NoSuchConnector"),
        "{out}"
    );
    assert!(out.contains("FileStreamSourceConnector"), "{out}");
}

#[test]
fn a_missing_connector_setting_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let worker = string_worker_properties(
        dir.path(),
        &common::bootstrap_servers(),
        free_port(),
        "1000",
    );
    let connector = dir.path().join("sink.properties");
    write_properties(
        &connector,
        &[("name", "s"), ("connector.class", "FileStreamSink")],
    );
    let (code, out) = run_to_exit(&[&worker, &connector]);
    assert_ne!(code, 0);
    assert!(out.contains("Connector configuration is invalid"), "{out}");
    assert!(out.contains("topics"), "{out}");
}

#[test]
fn an_unreachable_broker_is_retried_with_a_clear_log_and_no_crash() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    // Port 1 on loopback: nothing listens there.
    let worker = string_worker_properties(dir.path(), "127.0.0.1:1", port, "1000");
    let source = source_properties(dir.path(), "unreachable", "t");
    let mut process = WorkerProcess::tributary(&worker, &[&source], port, dir.path().join("w.log"));
    // Each attempt waits up to 5 s for metadata, then 2 s before the next: two attempts
    // take about 12 s, more on a loaded machine.
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        assert!(
            process.child.try_wait().unwrap().is_none(),
            "the worker exited instead of retrying:\n{}",
            process.log_text()
        );
        if process.log_text().matches("cannot reach Kafka").count() >= 2 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "it retries: {}",
            process.log_text()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// How one implementation takes a worker file whose `plugin.path` is `plugin_path`:
/// whether its REST API came up, and its output.
fn plugin_path_outcome(apache: bool, plugin_path: &str) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let worker = string_worker_properties(dir.path(), &common::bootstrap_servers(), port, "1000");
    append_properties(&worker, &[("plugin.path", plugin_path)]);
    let log = dir.path().join("worker.log");
    // An empty element means the working directory to Apache, which then scans it.
    let mut process = if apache {
        WorkerProcess::apache_in(dir.path(), &worker, &[], port, log)
    } else {
        WorkerProcess::tributary(&worker, &[], port, log)
    };
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        if process.child.try_wait().unwrap().is_some() {
            return (false, process.log_text());
        }
        if common::standalone::http_get(&process.url("/connectors")).is_some() {
            let log = process.log_text();
            process.kill9();
            return (true, log);
        }
        assert!(
            Instant::now() < deadline,
            "apache={apache} plugin.path={plugin_path}: neither up nor exited:\n{}",
            process.log_text()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// `plugin.path` in the forms a migrating user brings, read as Apache 4.3.1 reads them:
/// an empty value and an empty element are refused with Apache's messages (Apache logs
/// "Plugin path element is empty" first, then refuses); a missing directory is skipped
/// with Apache's error line; a directory and a single (uber-)jar are accepted.
#[test]
fn plugin_path_is_read_as_apache_reads_it() {
    let libs = common::kafka_libs();
    let jar = std::fs::read_dir(&libs)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("connect-file-"))
        })
        .expect("connect-file jar in the lab's Kafka libs");
    let missing = "/nonexistent-tributary-plugins";
    let plugins = tempfile::tempdir().unwrap();
    std::fs::copy(&jar, plugins.path().join(jar.file_name().unwrap())).unwrap();
    let plugins_dir = plugins.path().display().to_string();
    let cases: [(String, bool, &str); 5] = [
        (
            String::new(),
            false,
            "Configuration 'plugin.path' must not be empty. Valid values include: any non-empty value",
        ),
        (
            format!("{plugins_dir},,{missing}"),
            false,
            "Configuration 'plugin.path' values must not be empty.",
        ),
        (
            missing.to_owned(),
            true,
            "Could not get listing for plugin path: /nonexistent-tributary-plugins. Ignoring.",
        ),
        (plugins_dir.clone(), true, ""),
        (jar.display().to_string(), true, ""),
    ];
    for (value, starts, message) in cases {
        for apache in [true, false] {
            let side = if apache { "apache" } else { "tributary" };
            let (started, log) = plugin_path_outcome(apache, &value);
            assert_eq!(started, starts, "{side}, plugin.path={value}:\n{log}");
            assert!(
                log.contains(message),
                "{side}, plugin.path={value}: no {message:?} in\n{log}"
            );
        }
    }
}
