//! The plugin host on the lab: a Java connector plugin (`tests/java/plugins/FaultySource.java`,
//! compiled here into a plugin.path directory) listed by REST as Apache lists it, running
//! on `tributary standalone`, failing with its Java trace when it throws, and a killed
//! host failing only the Java tasks, which run again after a restart while a native task
//! never stops.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::standalone::{
    WorkerProcess, free_port, http, http_get, read_topic, string_worker_properties, unique,
    write_properties,
};

const CONNECTOR_CLASS: &str = "dev.tributary.testplugins.FaultySource$Connector";

/// A plugin.path directory holding one plugin: the test plugin's classes, with the
/// ServiceLoader manifest Apache's `service_load` discovery reads. Built once per run.
fn plugin_path() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/java-tests/plugin-path");
        let plugin = root.join("faulty-source");
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(plugin.join("META-INF/services")).unwrap();
        let source =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/java/plugins/FaultySource.java");
        let javac = common::java().with_file_name("javac");
        let classpath = format!("{}/*", common::kafka_libs().display());
        let status = Command::new(&javac)
            .args(["-nowarn", "-encoding", "UTF-8", "-cp", &classpath, "-d"])
            .arg(&plugin)
            .arg(&source)
            .status()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", javac.display()));
        assert!(status.success(), "javac failed for {}", source.display());
        std::fs::write(
            plugin.join("META-INF/services/org.apache.kafka.connect.source.SourceConnector"),
            format!("{CONNECTOR_CLASS}\n"),
        )
        .unwrap();
        root
    })
}

/// A string-converter worker with the test plugin's plugin.path.
fn worker(dir: &Path, port: u16) -> PathBuf {
    let path = string_worker_properties(dir, &common::bootstrap_servers(), port, "500");
    common::standalone::append_properties(
        &path,
        &[
            ("plugin.path", &plugin_path().display().to_string()),
            ("plugin.discovery", "service_load"),
        ],
    );
    path
}

fn faulty_connector(dir: &Path, name: &str, topic: &str, fail_at: i32) -> PathBuf {
    let path = dir.join(format!("{name}.properties"));
    write_properties(
        &path,
        &[
            ("name", name),
            ("connector.class", CONNECTOR_CLASS),
            ("topic", topic),
            ("fail.at", &fail_at.to_string()),
        ],
    );
    path
}

/// Task 0's status; null while the REST API or the connector is not there yet.
fn task_status(worker: &WorkerProcess, connector: &str) -> serde_json::Value {
    match http_get(&worker.url(&format!("/connectors/{connector}/status"))) {
        Some((200, body)) => {
            serde_json::from_str::<serde_json::Value>(&body).unwrap()["tasks"][0].clone()
        }
        _ => serde_json::Value::Null,
    }
}

fn wait_for_task(
    worker: &WorkerProcess,
    connector: &str,
    state: &str,
    timeout: Duration,
) -> serde_json::Value {
    let deadline = Instant::now() + timeout;
    loop {
        let task = task_status(worker, connector);
        if task["state"] == state {
            return task;
        }
        assert!(
            Instant::now() < deadline,
            "task of {connector} not {state} in time (now {task}); log:\n{}",
            worker.log_text()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The values of `topic` from the start, as strings.
fn values(topic: &str, at_least: usize) -> Vec<String> {
    read_topic(topic, at_least, Duration::from_secs(30))
        .into_iter()
        .map(|r| String::from_utf8(r.value.unwrap_or_default()).unwrap())
        .collect()
}

#[test]
fn a_java_plugin_is_listed_runs_and_fails_with_its_java_trace() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let topic = unique("java-faulty");
    let connector = faulty_connector(dir.path(), "faulty", &topic, 5);
    let mut worker = WorkerProcess::tributary(
        &worker(dir.path(), port),
        &[&connector],
        port,
        dir.path().join("worker.log"),
    );
    let task = wait_for_task(&worker, "faulty", "FAILED", Duration::from_secs(60));
    let trace = task["trace"].as_str().unwrap();
    assert!(
        trace.starts_with(
            "org.apache.kafka.connect.errors.ConnectException: boom from FaultyTask at poll 5"
        ),
        "{trace}"
    );
    assert!(
        trace.contains("at dev.tributary.testplugins.FaultySource$FaultyTask.poll("),
        "{trace}"
    );
    // The five polls before the failure reached Kafka, converted by Tributary's converter.
    assert_eq!(values(&topic, 5), ["0", "1", "2", "3", "4"]);

    // Listed as Apache lists a plugin.path connector, with its own config table.
    let (_, plugins) = http_get(&worker.url("/connector-plugins")).unwrap();
    let plugins: serde_json::Value = serde_json::from_str(&plugins).unwrap();
    assert!(
        plugins.as_array().unwrap().contains(
            &serde_json::json!({"class": CONNECTOR_CLASS, "type": "source", "version": "1.0-test"})
        ),
        "{plugins}"
    );
    let (code, keys) =
        http_get(&worker.url(&format!("/connector-plugins/{CONNECTOR_CLASS}/config"))).unwrap();
    assert_eq!(code, 200, "{keys}");
    let keys: serde_json::Value = serde_json::from_str(&keys).unwrap();
    assert_eq!(keys[0]["name"], "topic");
    assert_eq!(keys[1]["name"], "fail.at");
    assert_eq!(keys[1]["default_value"], "-1");
    // Validation runs the plugin's ConfigDef: an int that is not one is the plugin's error.
    let body = serde_json::json!({"connector.class": CONNECTOR_CLASS, "name": "v", "topic": "t", "fail.at": "soon"});
    let (code, answer) = http(
        "PUT",
        &worker.url(&format!(
            "/connector-plugins/{CONNECTOR_CLASS}/config/validate"
        )),
        Some(&body.to_string()),
    )
    .unwrap();
    assert_eq!(code, 200, "{answer}");
    let answer: serde_json::Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(answer["error_count"], 1, "{answer}");
    let fail_at = answer["configs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["value"]["name"] == "fail.at")
        .unwrap();
    assert_eq!(
        fail_at["value"]["errors"][0],
        "Invalid value soon for configuration fail.at: Not a number of type INT"
    );
    worker.terminate();
}

#[test]
fn a_java_connector_that_raises_an_error_is_failed_with_its_trace() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let topic = unique("java-raising");
    let connector = faulty_connector(dir.path(), "raising", &topic, -1);
    common::standalone::append_properties(&connector, &[("raise.after.ms", "1500")]);
    let mut worker = WorkerProcess::tributary(
        &worker(dir.path(), port),
        &[&connector],
        port,
        dir.path().join("worker.log"),
    );
    worker.wait_running(&["raising"], Duration::from_secs(60));
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        let (_, body) = http_get(&worker.url("/connectors/raising/status")).unwrap();
        let status: serde_json::Value = serde_json::from_str(&body).unwrap();
        if status["connector"]["state"] == "FAILED" {
            break status;
        }
        assert!(Instant::now() < deadline, "connector not FAILED: {status}");
        std::thread::sleep(Duration::from_millis(200));
    };
    let trace = status["connector"]["trace"].as_str().unwrap();
    assert!(
        trace.starts_with(
            "org.apache.kafka.connect.errors.ConnectException: raised by FaultySource's connector"
        ),
        "{trace}"
    );
    // As in Apache, the connector's failure leaves its tasks running.
    assert_eq!(status["tasks"][0]["state"], "RUNNING", "{status}");
    worker.terminate();
}

/// The JVM's pid: the worker's child process (read from /proc, which every Linux has).
fn plugin_host_pid(worker: &WorkerProcess) -> u32 {
    let parent = worker.child.id();
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .find(|pid| {
            // Field 4 of /proc/<pid>/stat, after the parenthesised command name.
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|stat| {
                    let after_name = stat.rsplit_once(')')?.1;
                    after_name.split_whitespace().nth(1)?.parse::<u32>().ok()
                })
                == Some(parent)
        })
        .unwrap_or_else(|| {
            panic!(
                "no plugin host under the worker; log:\n{}",
                worker.log_text()
            )
        })
}

#[test]
fn a_killed_plugin_host_fails_only_java_tasks_which_run_again_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let java_topic = unique("java-steady");
    let native_topic = unique("native-steady");
    let java = faulty_connector(dir.path(), "steady", &java_topic, -1);
    let input = dir.path().join("native.txt");
    std::fs::write(&input, "before\n").unwrap();
    let native = dir.path().join("native.properties");
    write_properties(
        &native,
        &[
            ("name", "native"),
            ("connector.class", "FileStreamSource"),
            ("file", &input.display().to_string()),
            ("topic", &native_topic),
        ],
    );
    let mut worker = WorkerProcess::tributary(
        &worker(dir.path(), port),
        &[&java, &native],
        port,
        dir.path().join("worker.log"),
    );
    worker.wait_running(&["steady", "native"], Duration::from_secs(60));
    assert!(values(&java_topic, 3).len() >= 3);

    let killed = plugin_host_pid(&worker);
    assert!(
        Command::new("kill")
            .args(["-9", &killed.to_string()])
            .status()
            .unwrap()
            .success()
    );
    let task = wait_for_task(&worker, "steady", "FAILED", Duration::from_secs(30));
    let trace = task["trace"].as_str().unwrap();
    assert!(trace.contains("the plugin host exited"), "{trace}");
    // The native connector never noticed: it is RUNNING and still moving lines.
    assert_eq!(task_status(&worker, "native")["state"], "RUNNING");
    std::fs::OpenOptions::new()
        .append(true)
        .open(&input)
        .and_then(|mut f| std::io::Write::write_all(&mut f, b"after\n"))
        .unwrap();
    assert_eq!(values(&native_topic, 2), ["before", "after"]);

    // A restart runs the task again, in a new JVM, from its committed offset.
    let (code, body) = http(
        "POST",
        &worker.url("/connectors/steady/restart?includeTasks=true"),
        None,
    )
    .unwrap();
    assert!(code == 202 || code == 204, "{code} {body}");
    wait_for_task(&worker, "steady", "RUNNING", Duration::from_secs(60));
    assert_ne!(plugin_host_pid(&worker), killed);
    let before = values(&java_topic, 1).len();
    let after = values(&java_topic, before + 3);
    assert!(
        after.len() >= before + 3,
        "no records after the restart: {after:?}"
    );
    // At least once: numbers continue from a committed offset, none is skipped.
    let numbers: Vec<u64> = after.iter().map(|v| v.parse().unwrap()).collect();
    for pair in numbers.windows(2) {
        assert!(pair[1] <= pair[0] + 1, "a gap in {numbers:?}");
    }
    worker.terminate();
}
