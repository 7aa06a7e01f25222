//! The seed's standalone walkthrough on the lab broker, side by side with Apache's
//! `ConnectStandalone`: same files, same input, same bytes in Kafka.

use crate::common;

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use common::standalone::{
    WorkerProcess, free_port, read_topic, unique, wait_for_lines, write_properties,
};

const LINES: [&str; 2] = ["hello kafka connect", "hello kafka streams"];

/// The seed's three files, with paths and names made unique for this run.
struct SeedFiles {
    dir: tempfile::TempDir,
    topic: String,
    source_name: String,
    sink_name: String,
}

impl SeedFiles {
    fn new(rest_port: u16) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let topic = unique("topic-connect");
        let files = SeedFiles {
            source_name: unique("local-file-source"),
            sink_name: unique("local-file-sink"),
            dir,
            topic,
        };
        let listeners = format!("http://127.0.0.1:{rest_port}");
        write_properties(
            &files.path("worker.properties"),
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
                ("key.converter.schemas.enable", "true"),
                ("value.converter.schemas.enable", "true"),
                (
                    "offset.storage.file.filename",
                    files.path_str("connect.offsets").as_str(),
                ),
                ("offset.flush.interval.ms", "1000"),
                ("listeners", &listeners),
            ],
        );
        write_properties(
            &files.path("source.properties"),
            &[
                ("name", &files.source_name),
                ("connector.class", "FileStreamSource"),
                ("tasks.max", "1"),
                ("file", files.path_str("source.txt").as_str()),
                ("topic", &files.topic),
            ],
        );
        write_properties(
            &files.path("sink.properties"),
            &[
                ("name", &files.sink_name),
                ("connector.class", "FileStreamSink"),
                ("tasks.max", "1"),
                ("file", files.path_str("sink.txt").as_str()),
                ("topics", &files.topic),
            ],
        );
        std::fs::write(files.path("source.txt"), "").unwrap();
        files
    }

    fn path(&self, name: &str) -> std::path::PathBuf {
        self.dir.path().join(name)
    }

    fn path_str(&self, name: &str) -> String {
        self.path(name).display().to_string()
    }

    fn append(&self, lines: &[&str]) {
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(self.path("source.txt"))
            .unwrap();
        for line in lines {
            writeln!(file, "{line}").unwrap();
        }
    }
}

fn run_seed(apache: bool) -> (SeedFiles, Vec<common::standalone::RawRecord>, String) {
    let port = free_port();
    let files = SeedFiles::new(port);
    let worker = files.path("worker.properties");
    let source = files.path("source.properties");
    let sink = files.path("sink.properties");
    let connectors: [&Path; 2] = [&source, &sink];
    let log = files.path("worker.log");
    let mut process = if apache {
        WorkerProcess::apache(&worker, &connectors, port, log)
    } else {
        WorkerProcess::tributary(&worker, &connectors, port, log)
    };
    process.wait_running(
        &[&files.source_name, &files.sink_name],
        Duration::from_secs(90),
    );
    files.append(&LINES);
    let records = read_topic(&files.topic, 2, Duration::from_secs(30));
    let sink = wait_for_lines(&files.path("sink.txt"), 2, Duration::from_secs(30));
    assert_eq!(
        records.len(),
        2,
        "topic records; worker log:\n{}",
        process.log_text()
    );
    let status = process.terminate();
    if !apache {
        assert!(
            status.success(),
            "clean stop exits 0; log:\n{}",
            process.log_text()
        );
    }
    (files, records, sink)
}

#[test]
fn the_seed_walkthrough_writes_the_seed_bytes_and_the_sink_file() {
    let (_files, records, sink) = run_seed(false);
    assert_eq!(
        records[0].value.as_deref(),
        Some(
            &br#"{"schema":{"type":"string","optional":false},"payload":"hello kafka connect"}"#[..]
        )
    );
    assert_eq!(
        records[1].value.as_deref(),
        Some(
            &br#"{"schema":{"type":"string","optional":false},"payload":"hello kafka streams"}"#[..]
        )
    );
    assert_eq!(sink, "hello kafka connect\nhello kafka streams\n");
}

#[test]
fn tributary_and_apache_connect_write_identical_topic_bytes() {
    let (_ours_files, ours, ours_sink) = run_seed(false);
    let (_theirs_files, theirs, theirs_sink) = run_seed(true);
    assert_eq!(
        ours, theirs,
        "record keys and values differ from Apache Connect's"
    );
    assert_eq!(ours_sink, theirs_sink);
}

#[test]
fn clean_stop_flushes_offsets_and_a_restart_resumes_without_duplicates() {
    let port = free_port();
    let files = SeedFiles::new(port);
    let worker = files.path("worker.properties");
    let source = files.path("source.properties");
    let mut process = WorkerProcess::tributary(&worker, &[&source], port, files.path("1.log"));
    process.wait_running(&[&files.source_name], Duration::from_secs(60));
    files.append(&["one", "two"]);
    assert_eq!(
        read_topic(&files.topic, 2, Duration::from_secs(30)).len(),
        2
    );
    assert!(process.terminate().success());
    assert!(
        files.path("connect.offsets").exists(),
        "offsets file written on stop"
    );

    let mut process = WorkerProcess::tributary(&worker, &[&source], port, files.path("2.log"));
    process.wait_running(&[&files.source_name], Duration::from_secs(60));
    files.append(&["three"]);
    let records = read_topic(&files.topic, 4, Duration::from_secs(10));
    assert_eq!(
        records.len(),
        3,
        "no line sent twice after a clean stop: {records:?}"
    );
}
