//! Every compression codec, against Apache's own clients on the lab broker. For each of
//! gzip, snappy, lz4 and zstd:
//! - Apache's console producer writes distinct lines with that codec, and a FileStreamSink
//!   on `tributary standalone` writes each of them to its file once, in order;
//! - a FileStreamSource on the same worker, with `producer.compression.type` set to the
//!   codec, writes lines that Apache's console consumer reads back once each, in order;
//! - Apache's `kafka-dump-log` (DumpLogSegments) reads both topics' segment files on the
//!   broker's disk and finds every record in batches compressed with that codec. Without
//!   this, a producer that silently ignored `compression.type` would pass the rest.
//!
//! A codec neither Apache nor librdkafka knows (`brotli`) fails the source task on both
//! Tributary and Apache's ConnectStandalone with Apache's message.

use crate::common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::standalone::{
    WorkerProcess, append_properties, free_port, string_worker_properties, unique, wait_for_lines,
    write_properties,
};
use rdkafka::ClientConfig;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;

/// Lines per direction: enough for batches of many records, small enough for seconds.
const LINES: usize = 300;

/// Distinct, compressible lines (each alone compresses well, so no batch is too small to
/// shrink: librdkafka sends a batch uncompressed when compression would not make it
/// smaller, and the dump check would then fail for the wrong reason).
fn lines(codec: &str, direction: &str) -> Vec<String> {
    (0..LINES)
        .map(|i| {
            format!(
                "{codec} {direction} line {i:04} {}",
                "compressible text ".repeat(8)
            )
        })
        .collect()
}

/// Creates single-partition topics (order is per partition) that keep the producer's
/// codec: `compression.type=producer` on the topic, so the broker never recompresses and
/// what is on disk is what the client sent, whatever the broker's default is.
fn create_topics(topics: &[&str]) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
            .set("bootstrap.servers", common::bootstrap_servers())
            .create()
            .unwrap();
        let new: Vec<NewTopic> = topics
            .iter()
            .map(|t| {
                NewTopic::new(t, 1, TopicReplication::Fixed(1)).set("compression.type", "producer")
            })
            .collect();
        let options = AdminOptions::new().operation_timeout(Some(Duration::from_secs(30)));
        for result in admin.create_topics(&new, &options).await.unwrap() {
            result.unwrap_or_else(|(topic, code)| panic!("creating {topic}: {code}"));
        }
    });
}

/// The first (and, with this little data, only) segment file of partition 0 of `topic`
/// in the lab broker's log directory.
fn segment(topic: &str) -> PathBuf {
    let data = PathBuf::from(common::lab_var("TRIBUTARY_LAB_KAFKA_DATA"));
    data.join(format!("{topic}-0"))
        .join("00000000000000000000.log")
}

/// What `kafka-dump-log --files` prints about the batches of `file`: their codecs
/// (`compresscodec: ...`, as Apache names them) and their record counts.
fn batches(dump: &str, file: &Path) -> Vec<(String, usize)> {
    let header = format!("Dumping {}", file.display());
    let mut lines = dump.lines().skip_while(|l| l.trim() != header).skip(1);
    let field = |line: &str, name: &str| -> Option<String> {
        line.split(&format!(" {name}: "))
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .map(str::to_owned)
    };
    let mut found = Vec::new();
    for line in lines.by_ref() {
        if line.starts_with("Dumping ") {
            break;
        }
        if line.starts_with("baseOffset:") {
            let codec = field(line, "compresscodec").unwrap_or_default();
            let count = field(line, "count")
                .and_then(|c| c.parse().ok())
                .unwrap_or(0);
            found.push((codec, count));
        }
    }
    found
}

/// Asserts that every record of `topic` sits in a batch compressed with `codec`.
fn assert_compressed(dump: &str, topic: &str, codec: &str, what: &str) {
    let file = segment(topic);
    let batches = batches(dump, &file);
    let records: usize = batches.iter().map(|(_, n)| n).sum();
    assert_eq!(
        records,
        LINES,
        "{codec}: {what}: records in the dump of {}:\n{dump}",
        file.display()
    );
    assert!(
        batches.iter().all(|(c, _)| c.eq_ignore_ascii_case(codec)),
        "{codec}: {what}: every batch must be compressed with {codec}; batches (codec, records): {batches:?}"
    );
}

/// The shared String-converter worker file, with `producer.compression.type`.
fn worker_file(dir: &Path, rest_port: u16, compression: &str) -> PathBuf {
    let path = string_worker_properties(dir, &common::bootstrap_servers(), rest_port, "1000");
    append_properties(&path, &[("producer.compression.type", compression)]);
    path
}

fn connector_file(dir: &Path, name: &str, entries: &[(&str, &str)]) -> PathBuf {
    let path = dir.join(format!("{name}.properties"));
    let mut all = vec![("name", name), ("tasks.max", "1")];
    all.extend_from_slice(entries);
    write_properties(&path, &all);
    path
}

fn round_trip(codec: &str) {
    let bootstrap = common::bootstrap_servers();
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).display().to_string();
    // Fresh topics per run: nothing left from an earlier run can be counted.
    let apache_written = unique(&format!("codec-{codec}-from-apache"));
    let tributary_written = unique(&format!("codec-{codec}-from-tributary"));
    create_topics(&[&apache_written, &tributary_written]);

    // Apache's producer writes the sink's input with the codec (the console producer's
    // default linger of 1 s batches the piped lines). `--compression-codec`, not
    // `--command-property compression.type=...`: the tool sets compression.type from its
    // own option after the properties, so the property alone leaves batches uncompressed.
    let sink_lines = lines(codec, "sink");
    common::run_kafka_tool(
        "org.apache.kafka.tools.ConsoleProducer",
        &[
            "--bootstrap-server",
            &bootstrap,
            "--topic",
            &apache_written,
            "--compression-codec",
            codec,
        ],
        format!("{}\n", sink_lines.join("\n")).as_bytes(),
    );

    // One Tributary worker: the sink reads Apache's topic, the source writes its own with
    // the codec from the worker's `producer.compression.type`.
    let source_lines = lines(codec, "source");
    std::fs::write(path("source.txt"), format!("{}\n", source_lines.join("\n"))).unwrap();
    let port = free_port();
    let worker = worker_file(dir.path(), port, codec);
    let source_name = unique(&format!("codec-{codec}-source"));
    let sink_name = unique(&format!("codec-{codec}-sink"));
    let source = connector_file(
        dir.path(),
        &source_name,
        &[
            ("connector.class", "FileStreamSource"),
            ("file", &path("source.txt")),
            ("topic", &tributary_written),
        ],
    );
    let sink = connector_file(
        dir.path(),
        &sink_name,
        &[
            ("connector.class", "FileStreamSink"),
            ("file", &path("sink.txt")),
            ("topics", &apache_written),
        ],
    );
    let mut process = WorkerProcess::tributary(
        &worker,
        &[&source, &sink],
        port,
        dir.path().join("worker.log"),
    );
    process.wait_running(&[&source_name, &sink_name], Duration::from_secs(60));
    let sink_text = wait_for_lines(&dir.path().join("sink.txt"), LINES, Duration::from_secs(60));
    assert_eq!(
        sink_text.lines().collect::<Vec<_>>(),
        sink_lines,
        "{codec}: the sink file holds every line Apache's producer wrote, once, in order; worker log:\n{}",
        process.log_text()
    );

    // Apache's consumer reads what Tributary's source wrote.
    let consumed = common::run_kafka_tool(
        "org.apache.kafka.tools.consumer.ConsoleConsumer",
        &[
            "--bootstrap-server",
            &bootstrap,
            "--topic",
            &tributary_written,
            "--from-beginning",
            "--max-messages",
            &LINES.to_string(),
            "--timeout-ms",
            "60000",
        ],
        b"",
    );
    let consumed = String::from_utf8_lossy(&consumed.stdout);
    assert_eq!(
        consumed.lines().collect::<Vec<_>>(),
        source_lines,
        "{codec}: Apache's consumer reads every line Tributary's source wrote, once, in order; worker log:\n{}",
        process.log_text()
    );
    assert!(
        process.terminate().success(),
        "{codec}: clean stop; log:\n{}",
        process.log_text()
    );

    // Both topics hold batches with the codec, as the broker stored them.
    let files = format!(
        "{},{}",
        segment(&apache_written).display(),
        segment(&tributary_written).display()
    );
    let dump = common::run_kafka_tool(
        "org.apache.kafka.tools.DumpLogSegments",
        &["--files", &files],
        b"",
    );
    let dump = String::from_utf8_lossy(&dump.stdout);
    assert_compressed(&dump, &apache_written, codec, "Apache's producer");
    assert_compressed(&dump, &tributary_written, codec, "Tributary's source");
}

#[test]
fn gzip() {
    round_trip("gzip");
}

#[test]
fn snappy() {
    round_trip("snappy");
}

#[test]
fn lz4() {
    round_trip("lz4");
}

#[test]
fn zstd() {
    round_trip("zstd");
}

/// Apache's message for a codec its `ProducerConfig` does not know.
const UNKNOWN_CODEC: &str = "Invalid value brotli for configuration compression.type: String must be one of: none, gzip, snappy, lz4, zstd";

/// Polls the connector's status until it shows FAILED; panics after `timeout`.
fn failed_task_status(process: &WorkerProcess, name: &str, timeout: Duration) -> String {
    let started = Instant::now();
    loop {
        let status =
            common::standalone::http_get(&process.url(&format!("/connectors/{name}/status")))
                .map(|(_, body)| body)
                .unwrap_or_default();
        if status.contains("\"FAILED\"") {
            return status;
        }
        assert!(
            started.elapsed() < timeout,
            "{name}: task not FAILED within {timeout:?}: {status}; log:\n{}",
            process.log_text()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// `producer.compression.type=brotli`: Apache's ConnectStandalone and Tributary both fail
/// the source task (the worker and connector keep running, as in Apache) with Apache's
/// message in the task's trace.
#[test]
fn an_unknown_codec_fails_the_task_with_apaches_message() {
    for apache in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let worker = worker_file(dir.path(), port, "brotli");
        let name = unique("codec-brotli-source");
        let input = dir.path().join("source.txt");
        std::fs::write(&input, "one line\n").unwrap();
        let source = connector_file(
            dir.path(),
            &name,
            &[
                ("connector.class", "FileStreamSource"),
                ("file", &input.display().to_string()),
                ("topic", &unique("codec-brotli")),
            ],
        );
        let log = dir.path().join("worker.log");
        let mut process = if apache {
            WorkerProcess::apache(&worker, &[&source], port, log)
        } else {
            WorkerProcess::tributary(&worker, &[&source], port, log)
        };
        let who = if apache { "Apache" } else { "Tributary" };
        // Apache's JVM needs several seconds to start on two busy cores; Tributary's
        // check runs before any client exists.
        let timeout = Duration::from_secs(if apache { 90 } else { 30 });
        let status = failed_task_status(&process, &name, timeout);
        assert!(
            status.contains(UNKNOWN_CODEC),
            "{who}: the task's trace gives Apache's message: {status}"
        );
        assert!(
            status.contains(r#""connector":{"state":"RUNNING""#),
            "{who}: only the task fails: {status}"
        );
        if apache {
            process.kill9();
        } else {
            assert!(process.terminate().success(), "{who}: clean stop");
        }
    }
}
