//! `topics.regex` on a FileStreamSink, side by side with Apache's `ConnectStandalone`: the
//! pattern must match whole topic names in Java's semantics (`orders` is not
//! `orders-dlq`), and a matching topic created while the sink runs is picked up on the
//! next metadata refresh.

use crate::common;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use common::standalone::{
    WorkerProcess, append_properties, free_port, produce_lines, string_worker_properties, unique,
    write_properties,
};

/// Runs the sink on one side over topics of `prefix`; returns the lines it wrote.
fn sink_lines(apache: bool) -> BTreeSet<String> {
    let prefix = unique(if apache { "regex-a" } else { "regex-t" });
    // Present before the sink starts: two matching topics, and three the pattern must
    // not take (a longer name, a prefixed one, the sink's own dead-letter queue).
    produce_lines(&format!("{prefix}-orders"), &["orders 1", "orders 2"]);
    produce_lines(&format!("{prefix}-orders-7"), &["orders-7 1"]);
    produce_lines(&format!("{prefix}-orders-dlq"), &["dlq 1"]);
    produce_lines(&format!("x{prefix}-orders"), &["x 1"]);
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let worker = string_worker_properties(dir.path(), &common::bootstrap_servers(), port, "1000");
    append_properties(&worker, &[("plugin.discovery", "only_scan")]);
    let out = dir.path().join("out.txt");
    let connector = dir.path().join("sink.properties");
    let name = unique("regex-sink");
    write_properties(
        &connector,
        &[
            ("name", &name),
            ("connector.class", "FileStreamSink"),
            ("file", &out.display().to_string()),
            // `\\d` in the file: the properties syntax reads `\d` as `d`.
            ("topics.regex", &format!("{prefix}-orders(-\\\\d+)?")),
            (
                "errors.deadletterqueue.topic.name",
                &format!("{prefix}-orders-dlq"),
            ),
            ("errors.deadletterqueue.topic.replication.factor", "1"),
            // A topic created later is found on the next metadata refresh.
            ("consumer.override.metadata.max.age.ms", "2000"),
        ],
    );
    let log = dir.path().join("worker.log");
    let mut process = if apache {
        WorkerProcess::apache(&worker, &[&connector], port, log)
    } else {
        WorkerProcess::tributary(&worker, &[&connector], port, log)
    };
    process.wait_running(&[&name], Duration::from_secs(90));
    let read = || -> BTreeSet<String> {
        std::fs::read_to_string(&out)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    };
    let wait_for = |want: usize| {
        let deadline = Instant::now() + Duration::from_secs(60);
        while read().len() < want {
            assert!(
                Instant::now() < deadline,
                "apache={apache}: {:?}; log:\n{}",
                read(),
                process.log_text()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    };
    wait_for(3);
    produce_lines(&format!("{prefix}-orders-8"), &["orders-8 1"]);
    wait_for(4);
    // Anything the pattern wrongly took would have arrived by now too.
    std::thread::sleep(Duration::from_secs(3));
    read()
}

#[test]
fn topics_regex_matches_whole_names_as_java_does() {
    let expected: BTreeSet<String> = ["orders 1", "orders 2", "orders-7 1", "orders-8 1"]
        .map(str::to_owned)
        .into();
    assert_eq!(sink_lines(true), expected, "apache");
    assert_eq!(sink_lines(false), expected, "tributary");
}
