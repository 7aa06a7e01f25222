//! FileStreamSource and FileStreamSink tasks over real temporary files (no Kafka needed).

use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use tributary::connectors::file_stream::{FileStreamSinkTask, FileStreamSourceTask};
use tributary::connectors::{
    ConfigMap, MemoryOffsetReader, RecordingSinkTaskContext, Registry, SinkOffsets, SinkTask,
    SourceTask, SourceTaskContext,
};
use tributary::data::{Schema, SchemaType, SinkRecord, SourceRecord, Struct, TimestampType, Value};

const IDLE: Duration = Duration::from_millis(20);

fn config(pairs: &[(&str, &str)]) -> ConfigMap {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn object(value: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
    match value {
        serde_json::Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

fn append(path: &Path, bytes: &[u8]) {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    file.write_all(bytes).unwrap();
}

/// A started source task on `path` whose committed offsets are `offsets`.
async fn source_task(
    path: &Path,
    extra: &[(&str, &str)],
    offsets: MemoryOffsetReader,
) -> FileStreamSourceTask {
    let mut props = config(&[("file", path.to_str().unwrap()), ("topic", "lines")]);
    props.extend(config(extra));
    let mut task = FileStreamSourceTask::new().with_idle_wait(IDLE);
    task.start(&props, SourceTaskContext::new(Arc::new(offsets)))
        .await
        .unwrap();
    task
}

/// Polls until `count` records arrived (failing after 20 s), checking each poll's size.
async fn poll_records(
    task: &mut impl SourceTask,
    count: usize,
    max_batch: usize,
) -> Vec<SourceRecord> {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut records = Vec::new();
    while records.len() < count {
        assert!(
            Instant::now() < deadline,
            "only {} of {count} records arrived",
            records.len()
        );
        let batch = task.poll().await.unwrap();
        assert!(
            batch.len() <= max_batch,
            "poll returned {} records",
            batch.len()
        );
        records.extend(batch);
    }
    assert_eq!(records.len(), count, "more records than expected");
    records
}

fn values(records: &[SourceRecord]) -> Vec<&str> {
    records.iter().map(|r| r.value.as_str().unwrap()).collect()
}

fn positions(records: &[SourceRecord]) -> Vec<i64> {
    records
        .iter()
        .map(|r| r.source_offset.to_map()["position"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn source_splits_on_every_terminator_and_counts_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("in.txt");
    append(&path, "a\nbb\r\nccc\rdé\n\npartial".as_bytes());
    let mut task = source_task(&path, &[], MemoryOffsetReader::new()).await;

    let records = poll_records(&mut task, 5, 2000).await;
    assert_eq!(values(&records), ["a", "bb", "ccc", "dé", ""]);
    // Bytes consumed including terminators: 2, +4, +4, +4 ("dé" is 3 bytes), +1.
    assert_eq!(positions(&records), [2, 6, 10, 14, 15]);

    let first = &records[0];
    assert_eq!(first.topic, "lines");
    assert_eq!(
        *first.source_partition,
        object(json!({"filename": path.to_str().unwrap()}))
    );
    assert_eq!(first.source_offset.to_map(), object(json!({"position": 2})));
    assert_eq!(first.key, Value::Null);
    assert_eq!(first.key_schema, None);
    assert_eq!(first.kafka_partition, None);
    assert_eq!(
        first.value_schema.as_deref(),
        Some(&Schema::new(SchemaType::String))
    );
    assert!(first.timestamp.is_some());

    // The unterminated last line stays back until it is completed.
    assert!(task.poll().await.unwrap().is_empty());
    append(&path, b"ly\r");
    assert!(
        task.poll().await.unwrap().is_empty(),
        "a trailing \\r waits for the next byte"
    );
    append(&path, b"\nnext\n");
    let records = poll_records(&mut task, 2, 2000).await;
    assert_eq!(values(&records), ["partially", "next"]);
    assert_eq!(positions(&records), [26, 31]);
    assert_eq!(
        std::fs::metadata(&path).unwrap().len(),
        31,
        "the last position is the file size"
    );
    task.stop().await.unwrap();
}

#[tokio::test]
async fn source_resumes_from_the_committed_position() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("in.txt");
    append(&path, b"one\ntwo\nthree\n");
    let offsets = MemoryOffsetReader::new();
    offsets.insert(
        object(json!({"filename": path.to_str().unwrap()})),
        object(json!({"position": 4})),
    );
    let mut task = source_task(&path, &[], offsets).await;
    let records = poll_records(&mut task, 2, 2000).await;
    assert_eq!(values(&records), ["two", "three"]);
    assert_eq!(positions(&records), [8, 14]);
    task.stop().await.unwrap();
}

#[tokio::test]
async fn source_rejects_a_position_that_is_not_a_long() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("in.txt");
    append(&path, b"one\n");
    let offsets = MemoryOffsetReader::new();
    offsets.insert(
        object(json!({"filename": path.to_str().unwrap()})),
        object(json!({"position": "4"})),
    );
    let mut task = source_task(&path, &[], offsets).await;
    let err = task.poll().await.unwrap_err();
    assert!(!err.is_retriable());
    assert_eq!(err.to_string(), "Offset position is the incorrect type");
}

#[tokio::test]
async fn source_waits_for_a_missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("later.txt");
    let mut task = source_task(&path, &[], MemoryOffsetReader::new()).await;
    for _ in 0..3 {
        assert!(task.poll().await.unwrap().is_empty());
    }
    append(&path, b"here\n");
    let records = poll_records(&mut task, 1, 2000).await;
    assert_eq!(values(&records), ["here"]);
    assert_eq!(positions(&records), [5]);
}

#[tokio::test]
async fn source_returns_at_most_batch_size_records_per_poll() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("in.txt");
    append(&path, b"1\n2\n3\n4\n5\n");
    let mut task = source_task(&path, &[("batch.size", "2")], MemoryOffsetReader::new()).await;
    let sizes = [
        task.poll().await.unwrap().len(),
        task.poll().await.unwrap().len(),
        task.poll().await.unwrap().len(),
    ];
    assert_eq!(sizes, [2, 2, 1]);
}

#[tokio::test]
async fn source_loses_nothing_when_polls_are_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("in.txt");
    let lines: Vec<String> = (0..50_000).map(|i| format!("line {i}")).collect();
    append(&path, (lines.join("\n") + "\n").as_bytes());
    let mut task = source_task(&path, &[("batch.size", "500")], MemoryOffsetReader::new()).await;
    let mut got = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while got.len() < lines.len() {
        assert!(Instant::now() < deadline, "stuck at {} records", got.len());
        // Now and then a poll is abandoned almost at once, as a stopping runtime does.
        if got.len() % 1000 == 0
            && let Ok(done) = tokio::time::timeout(Duration::from_micros(1), task.poll()).await
        {
            got.extend(done.unwrap());
        }
        got.extend(task.poll().await.unwrap());
    }
    let got: Vec<String> = got
        .into_iter()
        .map(|r| r.value.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(got, lines);
}

#[tokio::test]
async fn source_reads_a_million_lines_in_batches() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.txt");
    let mut text = String::new();
    for i in 0..1_000_000 {
        text.push_str(&format!("record number {i}\n"));
    }
    append(&path, text.as_bytes());
    let mut task = source_task(&path, &[], MemoryOffsetReader::new()).await;

    let started = Instant::now();
    let records = poll_records(&mut task, 1_000_000, 2000).await;
    let elapsed = started.elapsed();
    eprintln!("1M lines in {elapsed:?}");
    assert_eq!(records[0].value.as_str(), Some("record number 0"));
    assert_eq!(
        records[999_999].value.as_str(),
        Some("record number 999999")
    );
    assert_eq!(
        *positions(&records).last().unwrap(),
        text.len() as i64,
        "the last position is the file size"
    );
    // Generous even for a debug build on two cores; it catches per-line syscalls.
    assert!(elapsed < Duration::from_secs(30), "too slow: {elapsed:?}");
}

#[tokio::test]
async fn source_connector_yields_one_task_config() {
    let registry = Registry::builtin();
    let mut connector = registry.create_connector("FileStreamSource").unwrap();
    let props = config(&[("file", "/tmp/x"), ("topic", "t"), ("tasks.max", "4")]);
    connector.start(&props).await.unwrap();
    assert_eq!(connector.task_configs(4).unwrap(), vec![props]);
    let err = registry
        .create_connector("FileStreamSource")
        .unwrap()
        .start(&config(&[("file", "/tmp/x")]))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Missing required configuration \"topic\" which has no default value."
    );
}

fn sink_record(value: Value, offset: i64) -> SinkRecord {
    SinkRecord {
        topic: "lines".into(),
        kafka_partition: 0,
        kafka_offset: offset,
        key_schema: None,
        key: Value::Null,
        value_schema: None,
        value,
        timestamp: None,
        timestamp_type: TimestampType::NoTimestampType,
        headers: Vec::new(),
    }
}

async fn sink_task(path: &Path) -> Box<dyn SinkTask> {
    let mut task = Registry::builtin()
        .create_sink_task("FileStreamSink")
        .unwrap();
    task.start(
        &config(&[("file", path.to_str().unwrap()), ("topics", "lines")]),
        Arc::new(RecordingSinkTaskContext::new()),
    )
    .await
    .unwrap();
    task
}

/// Apache's sink writes through on every line, so a reader tailing the file sees records
/// long before the next offset commit; ours must too (the seed's `cat test.sink.txt`).
#[tokio::test]
async fn sink_lines_reach_the_file_without_waiting_for_a_flush() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.txt");
    let mut task = sink_task(&path).await;
    task.put(&[sink_record("first".into(), 0)]).await.unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while std::fs::read_to_string(&path).unwrap_or_default() != "first\n" {
        assert!(
            std::time::Instant::now() < deadline,
            "the line put was not in the file within 5 s without a flush"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    task.stop().await.unwrap();
}

#[tokio::test]
async fn sink_writes_values_as_lines_and_appends() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.txt");
    append(&path, b"already here\n");

    let schema = Schema::structure([("n".to_string(), Schema::new(SchemaType::Int32).into_ref())])
        .into_ref();
    let mut row = Struct::new(schema);
    row.put("n", Value::Int32(7));

    let mut task = sink_task(&path).await;
    task.put(&[
        sink_record("hello".into(), 0),
        sink_record(Value::Int64(42), 1),
        sink_record(Value::Null, 2),
        sink_record(Value::Struct(row), 3),
        sink_record(Value::Float64(1.5e10), 4),
    ])
    .await
    .unwrap();
    let offsets = SinkOffsets::new();
    task.flush(&offsets).await.unwrap();
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "already here\nhello\n42\nnull\nStruct{n=7}\n1.5E10\n"
    );

    // pre_commit flushes too, and hands back the offsets it was given.
    task.put(&[sink_record("more".into(), 5)]).await.unwrap();
    assert_eq!(task.pre_commit(&offsets).await.unwrap(), offsets);
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .ends_with("1.5E10\nmore\n")
    );

    // Lines put but not flushed yet are written on stop.
    task.put(&[sink_record("last".into(), 6)]).await.unwrap();
    task.stop().await.unwrap();

    // A new task appends instead of truncating.
    let mut again = sink_task(&path).await;
    again.put(&[sink_record("again".into(), 7)]).await.unwrap();
    again.flush(&offsets).await.unwrap();
    again.stop().await.unwrap();
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "already here\nhello\n42\nnull\nStruct{n=7}\n1.5E10\nmore\nlast\nagain\n"
    );
}

#[tokio::test]
async fn sink_writes_large_batches_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.txt");
    let mut task = sink_task(&path).await;
    let mut expected = String::new();
    for batch in 0..20 {
        let records: Vec<SinkRecord> = (0..5_000)
            .map(|i| {
                let text = format!("batch {batch} record {i} {}", "x".repeat(20));
                expected.push_str(&text);
                expected.push('\n');
                sink_record(text.into(), i)
            })
            .collect();
        task.put(&records).await.unwrap();
    }
    task.flush(&SinkOffsets::new()).await.unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), expected);
}

#[tokio::test]
async fn sink_fails_when_the_file_cannot_be_created() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no/such/dir/out.txt");
    let mut task = FileStreamSinkTask::new();
    let err = task
        .start(
            &config(&[("file", path.to_str().unwrap())]),
            Arc::new(RecordingSinkTaskContext::new()),
        )
        .await
        .unwrap_err();
    assert!(!err.is_retriable());
    assert_eq!(
        err.to_string(),
        format!(
            "Couldn't find or create file '{}' for FileStreamSinkTask",
            path.display()
        )
    );
}

#[tokio::test]
async fn sink_connector_yields_max_tasks_configs() {
    let mut connector = Registry::builtin()
        .create_connector("FileStreamSinkConnector")
        .unwrap();
    let props = config(&[("file", "/tmp/out"), ("topics", "a")]);
    connector.start(&props).await.unwrap();
    assert_eq!(connector.task_configs(3).unwrap(), vec![props.clone(); 3]);
    // The connector validates its own table (`file`); `topics` / `topics.regex` are the
    // runtime's keys, checked for every sink (the REST validate answer shows both).
    let report = connector.validate(&config(&[("file", "/tmp/out")]));
    let names: Vec<&str> = report.iter().map(|k| k.name.as_str()).collect();
    assert_eq!(names, ["file"]);
    assert!(report[0].errors.is_empty());
}
