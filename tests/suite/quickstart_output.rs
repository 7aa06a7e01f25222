//! The quickstart's first screen: its step 5 shows the two records of `topic-connect`
//! (keys and values) and little else. The step runs `scripts/show-topic`; this test runs
//! that script on the lab broker over the two records the quickstart's source writes,
//! and checks that nothing but those records reaches stdout (the Java consumer logged
//! its ~500-line configuration there before) and only the consumer's count reaches
//! stderr.

use crate::common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use rdkafka::ClientConfig;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};

/// The records `tributary standalone` writes for the seed's two lines with the
/// JsonConverter envelope (`tests/suite/standalone_seed.rs` proves the bytes against Apache).
const RECORDS: [(&str, &str); 2] = [
    (
        r#"{"schema":null,"payload":null}"#,
        r#"{"schema":{"type":"string","optional":false},"payload":"hello kafka connect"}"#,
    ),
    (
        r#"{"schema":null,"payload":null}"#,
        r#"{"schema":{"type":"string","optional":false},"payload":"hello kafka streams"}"#,
    ),
];

fn repo_file(path: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

#[test]
fn quickstart_step_5_shows_the_records_and_little_else() {
    // The quickstart shows the topic with this script, and with nothing else.
    let quickstart = std::fs::read_to_string(repo_file("scripts/quickstart")).unwrap();
    let step5 = quickstart
        .split_once("say \"5/5")
        .expect("the quickstart has a step 5")
        .1;
    assert!(
        step5.contains("scripts/show-topic topic-connect 2"),
        "{step5}"
    );
    assert!(!step5.contains("ConsoleConsumer"), "{step5}");

    let topic = common::standalone::unique("quickstart-output");
    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", common::bootstrap_servers())
        .create()
        .unwrap();
    for (key, value) in RECORDS {
        producer
            .send(BaseRecord::to(&topic).key(key).payload(value))
            .unwrap();
    }
    producer.flush(Duration::from_secs(30)).unwrap();

    let output = Command::new(repo_file("scripts/show-topic"))
        .args([topic.as_str(), "2"])
        .output()
        .expect("cannot run scripts/show-topic");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    let expected: String = RECORDS
        .iter()
        .map(|(key, value)| format!("{key}\t{value}\n"))
        .collect();
    assert_eq!(stdout, expected, "stderr: {stderr}");
    assert_eq!(stderr, "Processed a total of 2 messages\n");
}
