//! `errors.*` on the lab: a FileStreamSink fed poison records mixed with good ones.
//! With `errors.tolerance=all` and a dead-letter queue, every bad record lands in the
//! queue with Apache's `__connect.errors.*` headers (compared with Apache's
//! ConnectStandalone on the same input), every good one reaches the file and the
//! consumer group moves to the end. With `none` the task fails with Apache's message and
//! no offset past the bad record is committed.

use crate::common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::standalone::{
    WorkerProcess, free_port, http_get, unique, wait_for_lines, write_properties,
};
use rdkafka::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Header, Headers, Message, OwnedHeaders};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::{Offset, TopicPartitionList};

/// One record as read back, with its headers.
#[derive(Clone, Debug, PartialEq)]
struct FullRecord {
    key: Option<Vec<u8>>,
    value: Option<Vec<u8>>,
    headers: Vec<(String, Option<Vec<u8>>)>,
}

impl FullRecord {
    fn header(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.as_ref())
            .map(|v| String::from_utf8_lossy(v).into_owned())
    }
}

const GOOD: fn(usize) -> String =
    |i| format!(r#"{{"schema":{{"type":"string","optional":false}},"payload":"good-{i}"}}"#);

/// The input: good envelopes with three kinds of poison between them. Returns the
/// records and how many are good.
fn input() -> (Vec<(String, Vec<u8>)>, usize) {
    let poison: [&[u8]; 3] = [
        // Not JSON at all.
        b"this is not json{",
        // JSON without the schema envelope that schemas.enable=true requires.
        br#"{"a":1}"#,
        // A payload that does not match its schema (a struct must be an object; a
        // non-number int32 would not do: Jackson reads it as 0, in Apache too).
        br#"{"schema":{"type":"struct","fields":[],"optional":false},"payload":"text"}"#,
    ];
    let mut records = Vec::new();
    let mut good = 0;
    for i in 0..12 {
        if i % 4 == 3 {
            records.push((format!("bad-{i}"), poison[(i / 4) % 3].to_vec()));
        } else {
            records.push((format!("k-{i}"), GOOD(good).into_bytes()));
            good += 1;
        }
    }
    (records, good)
}

fn produce(topic: &str, records: &[(String, Vec<u8>)]) {
    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", common::bootstrap_servers())
        .create()
        .unwrap();
    for (key, value) in records {
        let headers = OwnedHeaders::new().insert(Header {
            key: "origin",
            value: Some(key.as_bytes()),
        });
        producer
            .send(
                BaseRecord::to(topic)
                    .key(key.as_bytes())
                    .payload(value)
                    .headers(headers),
            )
            .unwrap();
    }
    producer.flush(Duration::from_secs(30)).unwrap();
}

fn read_full(topic: &str, count: usize, timeout: Duration) -> Vec<FullRecord> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", common::bootstrap_servers())
        .set("group.id", unique("reader"))
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    consumer.subscribe(&[topic]).unwrap();
    let deadline = Instant::now() + timeout;
    let mut records = Vec::new();
    while records.len() < count && Instant::now() < deadline {
        if let Some(Ok(m)) = consumer.poll(Duration::from_millis(200)) {
            records.push(FullRecord {
                key: m.key().map(<[u8]>::to_vec),
                value: m.payload().map(<[u8]>::to_vec),
                headers: m
                    .headers()
                    .map(|h| {
                        h.iter()
                            .map(|h| (h.key.to_owned(), h.value.map(<[u8]>::to_vec)))
                            .collect()
                    })
                    .unwrap_or_default(),
            });
        }
    }
    // A little longer: nothing more may arrive.
    let settle = Instant::now() + Duration::from_secs(2);
    while Instant::now() < settle {
        if let Some(Ok(_)) = consumer.poll(Duration::from_millis(200)) {
            records.push(FullRecord {
                key: None,
                value: None,
                headers: vec![("unexpected".into(), None)],
            });
        }
    }
    records
}

/// The committed offset of `group` on partition 0 of `topic`, if any.
fn committed(group: &str, topic: &str) -> Option<i64> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", common::bootstrap_servers())
        .set("group.id", group)
        .create()
        .unwrap();
    let mut list = TopicPartitionList::new();
    list.add_partition(topic, 0);
    let offsets = consumer
        .committed_offsets(list, Duration::from_secs(10))
        .unwrap();
    match offsets.elements()[0].offset() {
        Offset::Offset(o) => Some(o),
        _ => None,
    }
}

fn wait_committed(group: &str, topic: &str, want: i64, timeout: Duration) -> Option<i64> {
    let deadline = Instant::now() + timeout;
    loop {
        let got = committed(group, topic);
        if got == Some(want) || Instant::now() > deadline {
            return got;
        }
        std::thread::sleep(Duration::from_millis(300));
    }
}

fn worker_properties(dir: &Path, port: u16, name: &str) -> PathBuf {
    let path = dir.join(format!("{name}-worker.properties"));
    write_properties(
        &path,
        &[
            ("bootstrap.servers", &common::bootstrap_servers()),
            (
                "key.converter",
                "org.apache.kafka.connect.storage.StringConverter",
            ),
            (
                "value.converter",
                "org.apache.kafka.connect.json.JsonConverter",
            ),
            ("value.converter.schemas.enable", "true"),
            (
                "offset.storage.file.filename",
                &dir.join(format!("{name}.offsets")).display().to_string(),
            ),
            ("offset.flush.interval.ms", "1000"),
            ("listeners", &format!("http://127.0.0.1:{port}")),
        ],
    );
    path
}

fn sink_properties(dir: &Path, name: &str, topic: &str, extra: &[(&str, &str)]) -> PathBuf {
    let path = dir.join(format!("{name}.properties"));
    let file = dir.join(format!("{name}.out")).display().to_string();
    let mut entries = vec![
        ("name", name),
        (
            "connector.class",
            "org.apache.kafka.connect.file.FileStreamSinkConnector",
        ),
        ("tasks.max", "1"),
        ("topics", topic),
        ("file", &file),
    ];
    entries.extend_from_slice(extra);
    write_properties(&path, &entries);
    path
}

struct Run {
    dlq: Vec<FullRecord>,
    lines: String,
    committed: Option<i64>,
    log: String,
}

/// Runs one worker (Apache's or ours) over `topic` with tolerance all and a DLQ.
fn run_tolerant(apache: bool, dir: &Path, topic: &str, total: usize, good: usize) -> Run {
    let who = if apache { "apache" } else { "tributary" };
    let name = unique(&format!("dlq-{who}"));
    let dlq_topic = format!("{name}-dlq");
    let port = free_port();
    let worker = worker_properties(dir, port, &name);
    let sink = sink_properties(
        dir,
        &name,
        topic,
        &[
            ("errors.tolerance", "all"),
            ("errors.log.enable", "true"),
            ("errors.log.include.messages", "true"),
            ("errors.deadletterqueue.topic.name", &dlq_topic),
            ("errors.deadletterqueue.topic.replication.factor", "1"),
            ("errors.deadletterqueue.context.headers.enable", "true"),
        ],
    );
    let log = dir.join(format!("{name}.log"));
    let mut process = if apache {
        WorkerProcess::apache(&worker, &[&sink], port, log)
    } else {
        WorkerProcess::tributary(&worker, &[&sink], port, log)
    };
    process.wait_running(&[&name], Duration::from_secs(90));
    let lines = wait_for_lines(
        &dir.join(format!("{name}.out")),
        good,
        Duration::from_secs(60),
    );
    let dlq = read_full(&dlq_topic, total - good, Duration::from_secs(60));
    let committed = wait_committed(
        &format!("connect-{name}"),
        topic,
        total as i64,
        Duration::from_secs(30),
    );
    process.terminate();
    Run {
        dlq,
        lines,
        committed,
        log: process.log_text(),
    }
}

const COMPARED_HEADERS: [&str; 8] = [
    "__connect.errors.topic",
    "__connect.errors.partition",
    "__connect.errors.offset",
    "__connect.errors.task.id",
    "__connect.errors.stage",
    "__connect.errors.class.name",
    "__connect.errors.exception.class.name",
    "__connect.errors.exception.message",
];

#[test]
fn tolerated_poison_goes_to_the_dead_letter_queue_like_apache() {
    let dir = tempfile::tempdir().unwrap();
    let topic = unique("poison-in");
    let (records, good) = input();
    produce(&topic, &records);
    let total = records.len();

    let ours = run_tolerant(false, dir.path(), &topic, total, good);
    let expected_lines: Vec<String> = (0..good).map(|i| format!("good-{i}")).collect();
    assert_eq!(
        ours.lines.lines().collect::<Vec<_>>(),
        expected_lines,
        "log:\n{}",
        ours.log
    );
    assert_eq!(ours.dlq.len(), total - good, "log:\n{}", ours.log);
    assert_eq!(
        ours.committed,
        Some(total as i64),
        "consumer group not at the end"
    );
    // Each DLQ record is the original: key, value, original header first.
    let bad: Vec<&(String, Vec<u8>)> = records
        .iter()
        .filter(|(k, _)| k.starts_with("bad"))
        .collect();
    for (record, (key, value)) in ours.dlq.iter().zip(&bad) {
        assert_eq!(record.key.as_deref(), Some(key.as_bytes()));
        assert_eq!(record.value.as_deref(), Some(&value[..]));
        assert_eq!(
            record.headers[0],
            ("origin".to_owned(), Some(key.as_bytes().to_vec()))
        );
        assert_eq!(
            record.header("__connect.errors.stage").as_deref(),
            Some("VALUE_CONVERTER")
        );
        assert_eq!(
            record.header("__connect.errors.class.name").as_deref(),
            Some("org.apache.kafka.connect.json.JsonConverter")
        );
        assert!(
            record
                .header("__connect.errors.exception.stacktrace")
                .is_some()
        );
    }
    assert!(
        ours.log.contains("Error encountered in task ")
            && ours.log.contains("Executing stage 'VALUE_CONVERTER' with class 'org.apache.kafka.connect.json.JsonConverter', where consumed record is {topic="),
        "no error log line:\n{}",
        ours.log
    );

    let apache = run_tolerant(true, dir.path(), &topic, total, good);
    assert_eq!(apache.lines, ours.lines, "Apache's sink file differs");
    assert_eq!(
        apache.dlq.len(),
        ours.dlq.len(),
        "Apache log:\n{}",
        apache.log
    );
    assert_eq!(apache.committed, ours.committed);
    for (theirs, mine) in apache.dlq.iter().zip(&ours.dlq) {
        assert_eq!(theirs.key, mine.key);
        assert_eq!(theirs.value, mine.value);
        let names = |r: &FullRecord| r.headers.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>();
        assert_eq!(names(theirs), names(mine), "header names and order");
        for header in COMPARED_HEADERS {
            assert_eq!(theirs.header(header), mine.header(header), "{header}");
        }
        // Java's stack trace starts with the exception line we write.
        let first = |r: &FullRecord| {
            r.header("__connect.errors.exception.stacktrace")
                .unwrap()
                .lines()
                .next()
                .unwrap()
                .to_owned()
        };
        assert_eq!(first(theirs), first(mine));
    }
}

#[test]
fn tolerance_none_fails_the_task_without_committing_past_the_bad_record() {
    let dir = tempfile::tempdir().unwrap();
    let topic = unique("poison-none");
    let records: Vec<(String, Vec<u8>)> = vec![
        ("k-0".into(), GOOD(0).into_bytes()),
        ("k-1".into(), GOOD(1).into_bytes()),
        ("bad-2".into(), b"not json{".to_vec()),
        ("k-3".into(), GOOD(2).into_bytes()),
    ];
    produce(&topic, &records);
    let name = unique("none");
    let port = free_port();
    let worker = worker_properties(dir.path(), port, &name);
    let sink = sink_properties(dir.path(), &name, &topic, &[("errors.tolerance", "none")]);
    let process = WorkerProcess::tributary(&worker, &[&sink], port, dir.path().join("none.log"));
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        let status = http_get(&process.url(&format!("/connectors/{name}/status")));
        if let Some((200, body)) = &status
            && body.contains("\"FAILED\"")
        {
            break body.clone();
        }
        assert!(
            Instant::now() < deadline,
            "task did not fail: {status:?}\n{}",
            process.log_text()
        );
        std::thread::sleep(Duration::from_millis(300));
    };
    let status: serde_json::Value = serde_json::from_str(&status).unwrap();
    let task = &status["tasks"][0];
    assert_eq!(task["state"], "FAILED");
    let trace = task["trace"].as_str().unwrap();
    assert!(
        trace.starts_with(
            "org.apache.kafka.connect.errors.ConnectException: Tolerance exceeded in error handler"
        ),
        "{trace}"
    );
    assert!(
        trace.contains("org.apache.kafka.connect.errors.DataException"),
        "{trace}"
    );
    std::thread::sleep(Duration::from_secs(3));
    let committed = committed(&format!("connect-{name}"), &topic);
    assert!(
        committed.is_none_or(|o| o <= 2),
        "committed {committed:?}, past the bad record at offset 2"
    );
    let out = std::fs::read_to_string(dir.path().join(format!("{name}.out"))).unwrap_or_default();
    assert!(
        !out.contains("good-2"),
        "a record after the bad one was written: {out}"
    );
}

/// The transform chain runs after the converters on sinks, under the same tolerance: a
/// record ExtractField cannot handle goes to the queue as a TRANSFORMATION failure, a
/// record Filter drops is not written, and the group still reaches the end.
#[test]
fn sink_transform_failures_and_drops_are_handled() {
    let dir = tempfile::tempdir().unwrap();
    let topic = unique("transform-in");
    let records: Vec<(String, Vec<u8>)> = vec![
        ("k-0".into(), br#"{"x":"v0"}"#.to_vec()),
        ("bad-1".into(), br#""a plain string""#.to_vec()),
        ("k-2".into(), br#"{"x":"v2"}"#.to_vec()),
        ("drop-3".into(), b"null".to_vec()),
        ("k-4".into(), br#"{"x":"v4"}"#.to_vec()),
    ];
    produce(&topic, &records);
    let name = unique("transform");
    let dlq_topic = format!("{name}-dlq");
    let port = free_port();
    let worker = worker_properties(dir.path(), port, &name);
    let sink = sink_properties(
        dir.path(),
        &name,
        &topic,
        &[
            (
                "value.converter",
                "org.apache.kafka.connect.json.JsonConverter",
            ),
            ("value.converter.schemas.enable", "false"),
            ("transforms", "dropNull,extract"),
            (
                "transforms.dropNull.type",
                "org.apache.kafka.connect.transforms.Filter",
            ),
            ("transforms.dropNull.predicate", "isNull"),
            ("predicates", "isNull"),
            (
                "predicates.isNull.type",
                "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone",
            ),
            (
                "transforms.extract.type",
                "org.apache.kafka.connect.transforms.ExtractField$Value",
            ),
            ("transforms.extract.field", "x"),
            ("errors.tolerance", "all"),
            ("errors.deadletterqueue.topic.name", &dlq_topic),
            ("errors.deadletterqueue.topic.replication.factor", "1"),
            ("errors.deadletterqueue.context.headers.enable", "true"),
        ],
    );
    let mut process =
        WorkerProcess::tributary(&worker, &[&sink], port, dir.path().join("transform.log"));
    process.wait_running(&[&name], Duration::from_secs(60));
    let lines = wait_for_lines(
        &dir.path().join(format!("{name}.out")),
        3,
        Duration::from_secs(60),
    );
    assert_eq!(lines, "v0\nv2\nv4\n", "log:\n{}", process.log_text());
    let dlq = read_full(&dlq_topic, 1, Duration::from_secs(30));
    assert_eq!(dlq.len(), 1, "log:\n{}", process.log_text());
    assert_eq!(dlq[0].key.as_deref(), Some(&b"bad-1"[..]));
    assert_eq!(
        dlq[0].header("__connect.errors.stage").as_deref(),
        Some("TRANSFORMATION")
    );
    assert_eq!(
        dlq[0]
            .header("__connect.errors.exception.class.name")
            .as_deref(),
        Some("org.apache.kafka.connect.errors.DataException")
    );
    assert_eq!(
        wait_committed(
            &format!("connect-{name}"),
            &topic,
            records.len() as i64,
            Duration::from_secs(30)
        ),
        Some(records.len() as i64)
    );
    process.terminate();
}

/// Sources run transforms before the converters: RegexRouter renames the topic, and with
/// `errors.tolerance=all` records a transform fails on are skipped while their source
/// offsets are still committed (Apache commits them too).
#[test]
fn source_transforms_route_and_tolerated_failures_still_commit_offsets() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("lines.txt");
    std::fs::write(&input, "alpha\nbeta\ngamma\n").unwrap();
    let topic = unique("routed");
    let port = free_port();
    let name = unique("source-transform");
    let worker = worker_properties(dir.path(), port, &name);
    let source = |name: &str, extra: &[(&str, &str)]| {
        let path = dir.path().join(format!("{name}.properties"));
        let file = input.display().to_string();
        let mut entries = vec![
            ("name", name),
            (
                "connector.class",
                "org.apache.kafka.connect.file.FileStreamSourceConnector",
            ),
            ("tasks.max", "1"),
            ("topic", &topic),
            ("file", &file),
            (
                "value.converter",
                "org.apache.kafka.connect.storage.StringConverter",
            ),
        ];
        entries.extend_from_slice(extra);
        write_properties(&path, &entries);
        path
    };
    let routed = source(
        &name,
        &[
            ("transforms", "route"),
            (
                "transforms.route.type",
                "org.apache.kafka.connect.transforms.RegexRouter",
            ),
            ("transforms.route.regex", "(.*)"),
            ("transforms.route.replacement", "$1-x"),
        ],
    );
    let failing_name = format!("{name}-failing");
    let failing = source(
        &failing_name,
        &[
            ("transforms", "extract"),
            (
                "transforms.extract.type",
                "org.apache.kafka.connect.transforms.ExtractField$Value",
            ),
            ("transforms.extract.field", "x"),
            ("errors.tolerance", "all"),
        ],
    );
    let mut process = WorkerProcess::tributary(
        &worker,
        &[&routed, &failing],
        port,
        dir.path().join("source.log"),
    );
    process.wait_running(&[&name, &failing_name], Duration::from_secs(60));
    let out = common::standalone::read_topic(&format!("{topic}-x"), 3, Duration::from_secs(30));
    let values: Vec<&[u8]> = out.iter().filter_map(|r| r.value.as_deref()).collect();
    assert_eq!(
        values,
        [&b"alpha"[..], b"beta", b"gamma"],
        "log:\n{}",
        process.log_text()
    );

    // The failing connector produced nothing, yet its offset reached the end of the file.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, body) =
            http_get(&process.url(&format!("/connectors/{failing_name}/offsets"))).unwrap();
        if body.contains("\"position\":17") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "offsets of skipped records not committed: {body}\n{}",
            process.log_text()
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    let (_, status) =
        http_get(&process.url(&format!("/connectors/{failing_name}/status"))).unwrap();
    assert!(!status.contains("FAILED"), "{status}");
    process.terminate();
}
