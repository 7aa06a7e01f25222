//! The fault suite: real processes on the lab move a known set of records while a fault
//! is injected, then every record is counted: **lost** (must be 0) and **duplicated**
//! (within what at-least-once allows). Each case prints its counts and the time it took
//! to resume, in one `FAULT` line (`tests/run` shows them; docs/measurements.md records
//! them).
//!
//! Broker faults use a broker of the suite's own (`lab broker`), and the API server fault
//! an API server and etcd of its own (`lab apiserver`), so killing them disturbs no other
//! test. The cases run one at a time: each is CPU-heavy, and this machine has two cores.

// This binary uses only part of the shared helpers (see tests/suite/main.rs for why it
// is a binary of its own).
#[allow(dead_code)]
mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::files::{append, lines, sink_lines};
use common::kube_lab::{create_kafka_connect, create_namespace, eventually, file_connectors};
use common::standalone::{WorkerProcess, free_port, http_get, unique, write_properties};
use common::workers::{Process, STRING_CONVERTER, start_worker_with};
use kube::Client;
use kube::api::{Api, PostParams};
use rdkafka::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::{Offset, TopicPartitionList};
use tributary::api::KafkaConnector;

/// Records each pipeline case moves.
const RECORDS: usize = 200_000;

/// One case at a time (see the module docs).
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs `tests/lab/lab ARGS`; fails the test with its output unless it succeeds.
fn lab(args: &[&str]) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lab/lab");
    let out = Command::new(&script)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    assert!(
        out.status.success(),
        "lab {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// A port whose successor is free too (a broker's controller listens on port + 1).
fn free_port_pair() -> u16 {
    loop {
        let port = free_port();
        if port < u16::MAX && std::net::TcpListener::bind(("127.0.0.1", port + 1)).is_ok() {
            return port;
        }
    }
}

/// A broker of this suite's own; deleted (with its data) when dropped.
struct Broker {
    name: String,
    port: u16,
}

impl Broker {
    fn start(prefix: &str) -> Broker {
        let broker = Broker {
            name: unique(prefix),
            port: free_port_pair(),
        };
        broker.up();
        broker
    }

    fn bootstrap(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Starts it (again, with its data) and waits until it listens.
    fn up(&self) {
        lab(&["broker", "up", &self.name, &self.port.to_string()]);
    }

    /// kill -9, or a clean stop.
    fn fault(&self, fault: BrokerFault) {
        let action = match fault {
            BrokerFault::Kill => "kill",
            BrokerFault::CleanStop => "stop",
        };
        lab(&["broker", action, &self.name]);
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = Command::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lab/lab"))
            .args(["broker", "delete", &self.name])
            .output();
    }
}

#[derive(Clone, Copy, Debug)]
enum BrokerFault {
    Kill,
    CleanStop,
}

/// What a case counts, per record.
#[derive(Debug, Default)]
struct Tally {
    expected: usize,
    lost: usize,
    duplicated: usize,
}

impl Tally {
    fn of(expected: &[String], got: impl IntoIterator<Item = String>) -> Tally {
        let mut seen: HashMap<String, usize> = HashMap::with_capacity(expected.len());
        for line in got {
            *seen.entry(line).or_default() += 1;
        }
        let lost = expected.iter().filter(|l| !seen.contains_key(*l)).count();
        let duplicated = seen.values().map(|n| n - 1).sum();
        Tally {
            expected: expected.len(),
            lost,
            duplicated,
        }
    }

    /// The line `tests/run` shows and docs/measurements.md records; `took` is the time
    /// to resume (or to converge) named by `what`.
    fn report(&self, case: &str, what: &str, took: Duration) {
        report(&format!(
            "FAULT {case}: records={} lost={} duplicated={} {what}={:.1}s",
            self.expected,
            self.lost,
            self.duplicated,
            took.as_secs_f64()
        ));
    }
}

/// Prints a result line and appends it to `target/tmp/fault-suite.txt`, which `tests/run`
/// shows after the tests (the test harness captures what passing tests print).
fn report(line: &str) {
    use std::io::Write;
    println!("{line}");
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fault-suite.txt");
    if let Ok(mut file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        let _ = writeln!(file, "{line}");
    }
}

/// Waits until `check` holds, polling every 200 ms; fails with `what` after `timeout`.
fn wait_until(what: &str, timeout: Duration, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !check() {
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?}: {what}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The high watermark of partition 0 of `topic`; 0 while it cannot be read.
fn end_offset(consumer: &BaseConsumer, topic: &str) -> i64 {
    consumer
        .fetch_watermarks(topic, 0, Duration::from_secs(2))
        .map(|(_, high)| high)
        .unwrap_or(0)
}

fn plain_consumer(bootstrap: &str) -> BaseConsumer {
    ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", unique("fault-reader"))
        .set("enable.auto.commit", "false")
        .create()
        .unwrap()
}

/// Every value of partition 0 of `topic`, from the beginning to its current end.
fn read_values(bootstrap: &str, topic: &str) -> Vec<String> {
    let consumer = plain_consumer(bootstrap);
    let end = end_offset(&consumer, topic);
    let mut list = TopicPartitionList::new();
    list.add_partition_offset(topic, 0, Offset::Beginning)
        .unwrap();
    consumer.assign(&list).unwrap();
    let mut values = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut next = 0;
    while next < end {
        assert!(
            Instant::now() < deadline,
            "reading {topic} back stalled at {next}/{end}"
        );
        match consumer.poll(Duration::from_millis(500)) {
            Some(Ok(message)) => {
                next = message.offset() + 1;
                values.push(
                    String::from_utf8_lossy(message.payload().unwrap_or_default()).into_owned(),
                );
            }
            Some(Err(error)) => panic!("reading {topic} back: {error}"),
            None => {}
        }
    }
    values
}

/// The committed offset of partition 0 of `topic` for `group`; 0 when there is none.
fn committed_offset(bootstrap: &str, group: &str, topic: &str) -> i64 {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", group)
        .create()
        .unwrap();
    let mut list = TopicPartitionList::new();
    list.add_partition(topic, 0);
    match consumer.committed_offsets(list, Duration::from_secs(10)) {
        Ok(list) => match list.find_partition(topic, 0).map(|e| e.offset()) {
            Some(Offset::Offset(offset)) => offset,
            _ => 0,
        },
        Err(_) => 0,
    }
}

/// Writes `values` to partition 0 of `topic` and waits until all are acknowledged.
fn produce(bootstrap: &str, topic: &str, values: &[String]) {
    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("linger.ms", "20")
        .create()
        .unwrap();
    for value in values {
        let mut record = BaseRecord::<(), String>::to(topic)
            .payload(value)
            .partition(0);
        loop {
            match producer.send(record) {
                Ok(()) => break,
                Err((_, back)) => {
                    record = back;
                    producer.poll(Duration::from_millis(50));
                }
            }
        }
    }
    producer.flush(Duration::from_secs(60)).unwrap();
}

/// `tributary standalone` on `bootstrap` with String converters, its offsets in `dir`, an
/// offset flush every second, and the connector `props`.
fn standalone(dir: &Path, bootstrap: &str, name: &str, props: &[(&str, &str)]) -> WorkerProcess {
    let rest_port = free_port();
    let worker = dir.join("worker.properties");
    let offsets = dir.join("standalone.offsets");
    let listeners = format!("http://127.0.0.1:{rest_port}");
    write_properties(
        &worker,
        &[
            ("bootstrap.servers", bootstrap),
            ("key.converter", STRING_CONVERTER),
            ("value.converter", STRING_CONVERTER),
            ("offset.storage.file.filename", offsets.to_str().unwrap()),
            ("offset.flush.interval.ms", "1000"),
            ("listeners", &listeners),
        ],
    );
    let connector = dir.join(format!("{name}.properties"));
    let mut entries = vec![("name", name), ("tasks.max", "1")];
    entries.extend_from_slice(props);
    write_properties(&connector, &entries);
    WorkerProcess::tributary(
        &worker,
        &[&connector],
        rest_port,
        dir.join(format!("{name}.log")),
    )
}

/// The connector's task state from the REST API (`None` while it does not answer).
fn task_state(worker: &WorkerProcess, name: &str) -> Option<String> {
    let (code, body) = http_get(&worker.url(&format!("/connectors/{name}/status")))?;
    let status: serde_json::Value = serde_json::from_str(&body).ok()?;
    (code == 200).then(|| status["tasks"][0]["state"].as_str().map(str::to_owned))?
}

/// Fails when the task is FAILED: a broker fault must be ridden out, not reported as a
/// failure that needs a restart.
fn assert_not_failed(worker: &WorkerProcess, name: &str) {
    let state = task_state(worker, name);
    assert_ne!(
        state.as_deref(),
        Some("FAILED"),
        "{name} failed; log:\n{}",
        worker.log_text()
    );
}

/// Appends `lines` to `path` at a steady pace, in 200 chunks over `over`, on a thread.
fn append_steadily(
    path: PathBuf,
    lines: Vec<String>,
    over: Duration,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let chunks = 200;
        for chunk in lines.chunks(lines.len().div_ceil(chunks)) {
            append(&path, chunk);
            std::thread::sleep(over / chunks as u32);
        }
    })
}

/// Writes `values` to partition 0 of `topic` at a steady pace over `over`, on a thread;
/// the producer rides out broker faults itself (idempotent, no delivery timeout), so the
/// topic holds every value once, in order: value `i` at offset `i`.
fn produce_steadily(
    bootstrap: String,
    topic: String,
    values: Vec<String>,
    over: Duration,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let producer: BaseProducer = ClientConfig::new()
            .set("bootstrap.servers", &bootstrap)
            .set("enable.idempotence", "true")
            .set("message.timeout.ms", "0")
            .set("linger.ms", "20")
            .create()
            .unwrap();
        let chunks = 200;
        for chunk in values.chunks(values.len().div_ceil(chunks)) {
            for value in chunk {
                let mut record = BaseRecord::<(), String>::to(&topic)
                    .payload(value)
                    .partition(0);
                loop {
                    match producer.send(record) {
                        Ok(()) => break,
                        Err((_, back)) => {
                            record = back;
                            producer.poll(Duration::from_millis(50));
                        }
                    }
                }
            }
            producer.poll(Duration::ZERO);
            std::thread::sleep(over / chunks as u32);
        }
        producer.flush(Duration::from_secs(300)).unwrap();
    })
}

/// The index of a line `<tag> <index>`.
fn index_of(line: &str) -> usize {
    line.rsplit(' ')
        .next()
        .and_then(|i| i.parse().ok())
        .unwrap_or(usize::MAX)
}

/// FileStreamSource → topic while the broker is killed (or stopped) and started again, the
/// source file growing steadily all along.
fn source_survives(fault: BrokerFault) {
    let _one = serial();
    let broker = Broker::start("fault-src");
    let bootstrap = broker.bootstrap();
    let dir = tempfile::tempdir().unwrap();
    let topic = unique("fault-source");
    let source = dir.path().join("source.txt");
    std::fs::write(&source, "").unwrap();
    let all = lines(&format!("{fault:?}-source"), RECORDS);
    let mut worker = standalone(
        dir.path(),
        &bootstrap,
        "fault-source",
        &[
            ("connector.class", "FileStreamSource"),
            ("file", source.to_str().unwrap()),
            ("topic", &topic),
        ],
    );
    let writer = append_steadily(source.clone(), all.clone(), Duration::from_secs(40));
    let consumer = plain_consumer(&bootstrap);
    wait_until(
        "the first records in the topic",
        Duration::from_secs(120),
        || end_offset(&consumer, &topic) >= (RECORDS / 10) as i64,
    );

    broker.fault(fault);
    std::thread::sleep(Duration::from_secs(3));
    assert_not_failed(&worker, "fault-source");
    broker.up();
    let restarted = Instant::now();
    let consumer = plain_consumer(&bootstrap);
    let at_restart = end_offset(&consumer, &topic);
    wait_until(
        "the topic growing after the restart",
        Duration::from_secs(120),
        || end_offset(&consumer, &topic) > at_restart,
    );
    let resumed_after = restarted.elapsed();
    writer.join().unwrap();
    wait_until(
        "every record in the topic",
        Duration::from_secs(180),
        || end_offset(&consumer, &topic) >= RECORDS as i64,
    );
    // Late duplicates would land now.
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        task_state(&worker, "fault-source").as_deref(),
        Some("RUNNING")
    );

    let tally = Tally::of(&all, read_values(&bootstrap, &topic));
    tally.report(
        &format!("standalone source, broker {fault:?}"),
        "resumed_after",
        resumed_after,
    );
    worker.terminate();
    assert_eq!(tally.lost, 0, "records lost");
    // The task never restarted, so nothing was read from the file twice, and the
    // idempotent producer retries without duplicating.
    assert_eq!(tally.duplicated, 0, "records duplicated");
}

/// Topic → FileStreamSink while the broker is killed (or stopped) and started again, the
/// topic growing steadily all along.
fn sink_survives(fault: BrokerFault) {
    let _one = serial();
    let broker = Broker::start("fault-sink");
    let bootstrap = broker.bootstrap();
    let dir = tempfile::tempdir().unwrap();
    let topic = unique("fault-sink");
    let sink = dir.path().join("sink.txt");
    let all = lines(&format!("{fault:?}-sink"), RECORDS);
    let group = "connect-fault-sink";
    let writer = produce_steadily(
        bootstrap.clone(),
        topic.clone(),
        all.clone(),
        Duration::from_secs(40),
    );
    let mut worker = standalone(
        dir.path(),
        &bootstrap,
        "fault-sink",
        &[
            ("connector.class", "FileStreamSink"),
            ("file", sink.to_str().unwrap()),
            ("topics", &topic),
        ],
    );
    wait_until(
        "the first lines in the sink file",
        Duration::from_secs(120),
        || sink_lines(&sink).len() >= RECORDS / 10,
    );

    let committed = committed_offset(&bootstrap, group, &topic);
    broker.fault(fault);
    std::thread::sleep(Duration::from_secs(3));
    assert_not_failed(&worker, "fault-sink");
    broker.up();
    let restarted = Instant::now();
    let at_restart = sink_lines(&sink).len();
    wait_until(
        "the sink file growing after the restart",
        Duration::from_secs(120),
        || sink_lines(&sink).len() > at_restart,
    );
    let resumed_after = restarted.elapsed();
    writer.join().unwrap();
    wait_until(
        "every record in the sink file",
        Duration::from_secs(180),
        || Tally::of(&all, sink_lines(&sink)).lost == 0,
    );
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        task_state(&worker, "fault-sink").as_deref(),
        Some("RUNNING")
    );

    let got = sink_lines(&sink);
    let tally = Tally::of(&all, got.iter().cloned());
    tally.report(
        &format!("standalone sink, broker {fault:?}"),
        "resumed_after",
        resumed_after,
    );
    worker.terminate();
    assert_eq!(tally.lost, 0, "records lost");
    // At least once: only records at or after the offset committed before the fault may
    // come twice (value `i` is at offset `i`).
    let mut seen = std::collections::HashSet::new();
    let early: Vec<&String> = got
        .iter()
        .filter(|line| !seen.insert(line.as_str()) && (index_of(line) as i64) < committed)
        .collect();
    assert!(
        early.is_empty(),
        "{} records before the committed offset {committed} came twice, e.g. {:?}",
        early.len(),
        early.first()
    );
}

#[test]
fn standalone_source_rides_out_a_killed_broker() {
    source_survives(BrokerFault::Kill);
}

#[test]
fn standalone_source_rides_out_a_clean_broker_restart() {
    source_survives(BrokerFault::CleanStop);
}

#[test]
fn standalone_sink_rides_out_a_killed_broker() {
    sink_survives(BrokerFault::Kill);
}

#[test]
fn standalone_sink_rides_out_a_clean_broker_restart() {
    sink_survives(BrokerFault::CleanStop);
}

/// A sink whose file cannot be written: the task goes FAILED with the cause, commits
/// nothing past what it wrote, and after a restart (once the file is writable) delivers
/// everything. The file is a link to `/dev/full` (every write fails with ENOSPC): as
/// root, permissions would not stop a write.
#[test]
fn a_sink_that_cannot_write_fails_commits_nothing_more_and_resumes_after_a_restart() {
    let _one = serial();
    let bootstrap = common::bootstrap_servers();
    let dir = tempfile::tempdir().unwrap();
    let topic = unique("fault-unwritable");
    let sink = dir.path().join("sink.txt");
    let name = unique("fault-unwritable");
    let group = format!("connect-{name}");
    let first = lines("unwritable first", 1000);
    let second = lines("unwritable second", 1000);

    produce(&bootstrap, &topic, &first);
    let mut worker = standalone(
        dir.path(),
        &bootstrap,
        &name,
        &[
            ("connector.class", "FileStreamSink"),
            ("file", sink.to_str().unwrap()),
            ("topics", &topic),
        ],
    );
    wait_until(
        "the first lines in the sink file",
        Duration::from_secs(60),
        || Tally::of(&first, sink_lines(&sink)).lost == 0,
    );
    wait_until("the first lines committed", Duration::from_secs(30), || {
        committed_offset(&bootstrap, &group, &topic) == first.len() as i64
    });
    worker.terminate();

    // The target turns unwritable; more records arrive.
    let kept = std::fs::read_to_string(&sink).unwrap();
    std::fs::remove_file(&sink).unwrap();
    std::os::unix::fs::symlink("/dev/full", &sink).unwrap();
    produce(&bootstrap, &topic, &second);
    let mut worker = standalone(
        dir.path(),
        &bootstrap,
        &name,
        &[
            ("connector.class", "FileStreamSink"),
            ("file", sink.to_str().unwrap()),
            ("topics", &topic),
        ],
    );
    let failed_at = Instant::now();
    wait_until("the sink task FAILED", Duration::from_secs(60), || {
        task_state(&worker, &name).as_deref() == Some("FAILED")
    });
    let (_, body) = http_get(&worker.url(&format!("/connectors/{name}/status"))).unwrap();
    let status: serde_json::Value = serde_json::from_str(&body).unwrap();
    let trace = status["tasks"][0]["trace"].as_str().unwrap_or_default();
    assert!(
        trace.contains("No space left on device") || trace.contains("os error 28"),
        "the trace does not say why: {trace}"
    );
    report(&format!(
        "FAULT unwritable sink: FAILED after {:.1}s",
        failed_at.elapsed().as_secs_f64()
    ));
    // Nothing past the first batch was written, so nothing past it is committed.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        committed_offset(&bootstrap, &group, &topic),
        first.len() as i64,
        "offsets were committed past what was written"
    );

    // Writable again: a restart of the task delivers the second batch.
    std::fs::remove_file(&sink).unwrap();
    std::fs::write(&sink, kept).unwrap();
    let (code, body) = common::standalone::http(
        "POST",
        &worker.url(&format!("/connectors/{name}/tasks/0/restart")),
        None,
    )
    .unwrap();
    assert_eq!(code, 204, "{body}");
    wait_until(
        "the second lines in the sink file",
        Duration::from_secs(60),
        || Tally::of(&second, sink_lines(&sink)).lost == 0,
    );
    let all: Vec<String> = first.iter().chain(&second).cloned().collect();
    let tally = Tally::of(&all, sink_lines(&sink));
    tally.report(
        "unwritable sink, then restarted",
        "since_failure",
        failed_at.elapsed(),
    );
    worker.terminate();
    assert_eq!(tally.lost, 0);
    assert_eq!(tally.duplicated, 0);
}

// ------------------------------------------------------------------ Kubernetes mode

/// A `KafkaConnect` of two worker processes with a file source and a file sink, on the
/// API server of `kubeconfig`, the operator in-process (restarted when it exits, as its
/// Deployment would restart it).
struct KubeCluster {
    client: Client,
    kubeconfig: String,
    ns: String,
    dir: tempfile::TempDir,
    source: PathBuf,
    sink: PathBuf,
    workers: Vec<Option<Process>>,
    operator: tokio::task::JoinHandle<()>,
}

const CLUSTER: &str = "faults";

impl KubeCluster {
    async fn start(kubeconfig: &str) -> KubeCluster {
        let client = client_of(kubeconfig).await;
        let crds = concat!(env!("CARGO_MANIFEST_DIR"), "/crds/tributary.dev.yaml");
        common::kube_lab::kubectl(&[
            "--kubeconfig",
            kubeconfig,
            "apply",
            "--server-side",
            "-f",
            crds,
        ]);
        common::kube_lab::kubectl(&[
            "--kubeconfig",
            kubeconfig,
            "wait",
            "--for=condition=Established",
            "--timeout=60s",
            "crd/kafkaconnects.tributary.dev",
            "crd/kafkaconnectors.tributary.dev",
        ]);
        let ns = create_namespace(&client, "faults").await;
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("source.txt");
        let sink = dir.path().join("sink.txt");
        std::fs::write(&source, "").unwrap();
        let topic = format!("faults-{}", ns.rsplit('-').next().unwrap());
        common::workers::write_worker_properties(
            dir.path(),
            STRING_CONVERTER,
            1000,
            &format!("{topic}-offsets"),
            1,
        );
        let operator = tokio::spawn(supervised_operator(client.clone(), ns.clone()));
        create_kafka_connect(&client, &ns, CLUSTER, 2, &common::bootstrap_servers()).await;
        let connectors: Api<KafkaConnector> = Api::namespaced(client.clone(), &ns);
        for c in file_connectors(CLUSTER, &source, &sink, &topic) {
            connectors.create(&PostParams::default(), &c).await.unwrap();
        }
        let mut cluster = KubeCluster {
            client,
            kubeconfig: kubeconfig.to_owned(),
            ns,
            dir,
            source,
            sink,
            workers: vec![None, None],
            operator,
        };
        cluster.start_worker(0);
        cluster.start_worker(1);
        cluster
    }

    fn pod(index: usize) -> String {
        format!("{CLUSTER}-worker-{index}")
    }

    fn start_worker(&mut self, index: usize) {
        self.workers[index] = Some(start_worker_with(
            CLUSTER,
            &Self::pod(index),
            &self.ns,
            self.dir.path(),
            &self.kubeconfig,
        ));
    }

    fn kill_worker(&mut self, index: usize) {
        if let Some(mut worker) = self.workers[index].take() {
            let _ = worker.child.kill();
            let _ = worker.child.wait();
        }
    }

    /// Both connectors RUNNING with their task on its assigned worker.
    async fn all_running(&self) -> bool {
        let api: Api<KafkaConnector> = Api::namespaced(self.client.clone(), &self.ns);
        for name in ["file-source", "file-sink"] {
            let Ok(c) = api.get(name).await else {
                return false;
            };
            let Some(status) = c.status else { return false };
            let Some(info) = status.connector_status else {
                return false;
            };
            let Some(assigned) = status.task_assignment.get("0") else {
                return false;
            };
            let ok = info.connector.state == "RUNNING"
                && info
                    .tasks
                    .iter()
                    .any(|t| t.id == 0 && t.state == "RUNNING" && &t.worker_id == assigned);
            if !ok {
                return false;
            }
        }
        true
    }

    /// Waits until the sink file holds every one of `all` (4 min at most) and both
    /// connectors are RUNNING again; then counts.
    async fn converge(&self, all: &[String]) -> Tally {
        let deadline = Instant::now() + Duration::from_secs(240);
        while Tally::of(all, sink_lines(&self.sink)).lost > 0 {
            assert!(
                Instant::now() < deadline,
                "not every record arrived:\n{}",
                self.logs()
            );
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        self.wait_running("both connectors RUNNING again").await;
        Tally::of(all, sink_lines(&self.sink))
    }

    async fn wait_running(&self, what: &str) {
        eventually(what, Duration::from_secs(90), || async {
            self.all_running().await.then_some(())
        })
        .await;
    }

    fn logs(&self) -> String {
        self.workers
            .iter()
            .flatten()
            .map(|w| format!("--- {}\n{}", w.log.display(), w.log_text()))
            .collect()
    }
}

impl Drop for KubeCluster {
    fn drop(&mut self) {
        self.operator.abort();
    }
}

async fn client_of(kubeconfig: &str) -> Client {
    let config = kube::Config::from_custom_kubeconfig(
        kube::config::Kubeconfig::read_from(kubeconfig).unwrap(),
        &Default::default(),
    )
    .await
    .unwrap();
    Client::try_from(config).unwrap()
}

/// The operator as its Deployment runs it: when it exits (it does when it loses its
/// lease, say to an API server that went away), it is started again.
async fn supervised_operator(client: Client, ns: String) {
    let config = common::kube_lab::operator_config(&ns, "operator-a");
    loop {
        let outcome = tributary::controller::run(
            tributary::controller::State::default(),
            client.clone(),
            config.clone(),
            std::future::pending(),
        )
        .await;
        eprintln!("operator exited ({outcome:?}); starting it again");
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Appends `lines` to `path` in `chunks` pieces, one every `every`.
async fn append_over_time(path: PathBuf, lines: Vec<String>, chunks: usize, every: Duration) {
    for chunk in lines.chunks(lines.len().div_ceil(chunks)) {
        append(&path, chunk);
        tokio::time::sleep(every).await;
    }
}

/// The API server and etcd are killed and started again while a Kubernetes-mode cluster
/// (operator and two workers) moves records from a growing file through Kafka to a file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
// The guard serialises whole test cases, each on a runtime of its own: held across its
// awaits on purpose.
#[allow(clippy::await_holding_lock)]
async fn kubernetes_mode_rides_out_an_api_server_and_etcd_restart() {
    let _one = serial();
    let name = unique("faults");
    let (port, etcd_port) = (free_port_pair(), free_port_pair());
    let kubeconfig = lab(&[
        "apiserver",
        "up",
        &name,
        &port.to_string(),
        &etcd_port.to_string(),
    ]);
    let cluster = KubeCluster::start(&kubeconfig).await;
    cluster.wait_running("both connectors RUNNING").await;
    let all = lines("apiserver", RECORDS);
    let writer = tokio::spawn(append_over_time(
        cluster.source.clone(),
        all.clone(),
        60,
        Duration::from_secs(1),
    ));
    let sink = cluster.sink.clone();
    eventually(
        "the first lines in the sink file",
        Duration::from_secs(120),
        || {
            let sink = sink.clone();
            async move { (sink_lines(&sink).len() >= RECORDS / 10).then_some(()) }
        },
    )
    .await;

    lab(&["apiserver", "kill", &name]);
    tokio::time::sleep(Duration::from_secs(5)).await;
    lab(&[
        "apiserver",
        "up",
        &name,
        &port.to_string(),
        &etcd_port.to_string(),
    ]);
    let restarted = Instant::now();
    let at_restart = sink_lines(&cluster.sink).len();
    eventually(
        "the sink file growing after the restart",
        Duration::from_secs(120),
        || {
            let sink = sink.clone();
            async move { (sink_lines(&sink).len() > at_restart).then_some(()) }
        },
    )
    .await;
    let resumed_after = restarted.elapsed();
    writer.await.unwrap();
    let tally = cluster.converge(&all).await;
    tally.report(
        "kubernetes, api server + etcd killed and restarted",
        "resumed_after",
        resumed_after,
    );
    drop(cluster);
    lab(&["apiserver", "delete", &name]);
    assert_eq!(tally.lost, 0);
}

/// kill -9 of a worker, ten times in a row, while records flow: nothing is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
// The guard serialises whole test cases, each on a runtime of its own: held across its
// awaits on purpose.
#[allow(clippy::await_holding_lock)]
async fn kubernetes_mode_loses_nothing_over_ten_killed_workers() {
    let _one = serial();
    let kubeconfig = common::lab_var("KUBECONFIG");
    let mut cluster = KubeCluster::start(&kubeconfig).await;
    cluster.wait_running("both connectors RUNNING").await;
    let all = lines("kill9", RECORDS);
    let writer = tokio::spawn(append_over_time(
        cluster.source.clone(),
        all.clone(),
        40,
        Duration::from_secs(2),
    ));
    let started = Instant::now();
    for round in 0..10 {
        // Alternate the victims; each one comes back as its StatefulSet would bring it.
        let victim = round % 2;
        tokio::time::sleep(Duration::from_secs(4)).await;
        cluster.kill_worker(victim);
        tokio::time::sleep(Duration::from_secs(3)).await;
        cluster.start_worker(victim);
    }
    writer.await.unwrap();
    let writes_done = Instant::now();
    let tally = cluster.converge(&all).await;
    tally.report(
        "kubernetes, worker kill -9 x10",
        "converged_after_last_write",
        writes_done.elapsed(),
    );
    report(&format!(
        "FAULT kubernetes, worker kill -9 x10: whole run {:.1}s",
        started.elapsed().as_secs_f64()
    ));
    assert_eq!(tally.lost, 0);
}
