//! MirrorMaker 2's `MirrorSourceConnector`, a Java plugin loaded from the lab's
//! `plugin.path`, replicating a topic of the lab's cluster (A) to its second cluster (B)
//! on `tributary standalone` and on Apache's `ConnectStandalone` with the same worker and
//! connector files: the target topics on B are named alike (`<source alias>.<topic>`,
//! DefaultReplicationPolicy) with the source's partition count, and hold the same records
//! per partition, in the same order: keys, values, headers and timestamps byte for byte,
//! null keys, empty and binary values, a tombstone, a null and a repeated header included.
//! Each side also writes offset syncs (`mm2-offset-syncs.<target alias>.internal`, on the
//! source cluster), from `commitRecord` and `commit`: each maps an upstream offset to the
//! offset the record got on B, which here (fresh topics, nothing filtered) are equal;
//! both sides write one for each partition's first record and, once the task commits,
//! one for its last. How many lie in between depends on timing, so only the counts are
//! printed.
//!
//! MM2's usual Connect setup is used: ByteArrayConverter for keys, values and headers
//! (MirrorMaker's own driver sets the three). With Apache's default SimpleHeaderConverter
//! the runtimes differ: Apache writes each header (a bytes value for MM2) as its base64
//! text, while Tributary, which does not apply `header.converter`, writes the bytes.
//!
//! Both sides run one after the other on the same source topic, each with aliases of its
//! own (`a-<side>` / `b-<side>-<run>`): the target topics (named after the source alias)
//! and the offset-syncs topics (named after the target alias) then never meet, with no
//! topic deletion to wait for between the runs; the comparison of topic names replaces
//! the aliases by `<source alias>` and `<target alias>`. Apache's run comes first and is
//! checked against what was produced, so a failure names which runtime strayed. Every
//! topic a run creates is deleted at the end.
//!
//! `eval "$(tests/lab/lab env)" && cargo test --test suite mirror_maker -- --nocapture`
//! (each run prints its timings).

use crate::common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Header, Headers, Message, OwnedHeaders};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::{ClientConfig, Offset, Timestamp, TopicPartitionList};

use common::standalone::{WorkerProcess, free_port, unique, write_properties};

const CONNECTOR_CLASS: &str = "org.apache.kafka.connect.mirror.MirrorSourceConnector";
const BYTE_ARRAY_CONVERTER: &str = "org.apache.kafka.connect.converters.ByteArrayConverter";
const CONNECTOR_NAME: &str = "mirror-source";

/// Partitions of the source topic; MM2 creates its target topic with as many.
const PARTITIONS: i32 = 2;

/// How long a topic must stay quiet, after the expected records arrived, before a read
/// ends: long enough for a duplicate or an extra record to show up.
const SETTLE: Duration = Duration::from_secs(2);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    Apache,
    Tributary,
}

impl Side {
    fn name(self) -> &'static str {
        match self {
            Side::Apache => "apache",
            Side::Tributary => "tributary",
        }
    }
}

fn cluster_a() -> String {
    common::bootstrap_servers()
}

fn cluster_b() -> String {
    common::lab_var("KAFKA_B_BOOTSTRAP_SERVERS")
}

// ---------------------------------------------------------------- records

/// One record as produced or read back: the bytes and the timestamp (`None`: the
/// record has none, or not a CreateTime one).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Record {
    key: Option<Vec<u8>>,
    value: Option<Vec<u8>>,
    headers: Vec<(String, Option<Vec<u8>>)>,
    create_time: Option<i64>,
}

/// Records by partition, each partition's in offset order.
type Partitions = BTreeMap<i32, Vec<Record>>;

fn count(partitions: &Partitions) -> usize {
    partitions.values().map(Vec::len).sum()
}

/// Bytes as escaped text, the first 64 of them when there are more.
fn show_bytes(bytes: &Option<Vec<u8>>) -> String {
    match bytes {
        None => "null".to_owned(),
        Some(b) if b.len() > 64 => format!("\"{}\"… ({} bytes)", b[..64].escape_ascii(), b.len()),
        Some(b) => format!("\"{}\"", b.escape_ascii()),
    }
}

fn show(record: &Record) -> String {
    let headers: Vec<String> = record
        .headers
        .iter()
        .map(|(k, v)| format!("{k}={}", show_bytes(v)))
        .collect();
    format!(
        "key {} value {} headers [{}] timestamp {:?}",
        show_bytes(&record.key),
        show_bytes(&record.value),
        headers.join(", "),
        record.create_time
    )
}

/// What is produced to the source topic: per partition, records with keys, values,
/// headers and timestamps of their own, the unusual cases among them. The timestamps
/// are explicit and in the past (not the producer's clock), recent enough for no
/// retention to apply.
fn source_records() -> Partitions {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let base = now - 3_600_000;
    let text = |s: String| Some(s.into_bytes());
    let mut out = Partitions::new();
    for i in 0..16_i64 {
        let partition = (i % 2) as i32;
        let mut record = Record {
            key: text(format!("key-{i}")),
            value: text(format!("value {i}: ünïcødé")),
            headers: vec![
                ("origin".to_owned(), text(format!("record-{i}"))),
                ("seq".to_owned(), Some(i.to_be_bytes().to_vec())),
            ],
            create_time: Some(base + i * 1_000 + i % 3),
        };
        match i {
            // A null key (the producer's partition stays: MM2 keeps the source's).
            2 | 7 => record.key = None,
            // Binary values, not UTF-8.
            3 => record.value = Some(vec![0xff, 0x00, 0xfe, 0x80, 0x7f]),
            // An empty value and no headers.
            4 => {
                record.value = Some(Vec::new());
                record.headers.clear();
            }
            // A tombstone: MM2 replicates compacted topics' deletes.
            5 => record.value = None,
            // A header with a null value, a repeated key, an empty and a binary value.
            6 => record.headers.extend([
                ("nothing".to_owned(), None),
                ("origin".to_owned(), Some(Vec::new())),
                ("bin".to_owned(), Some(vec![0xc3, 0x28, 0x00])),
            ]),
            // A key and value of 64 KiB.
            9 => {
                record.key = Some(vec![b'k'; 65_536]);
                record.value = Some((0..65_536).map(|n| (n % 251) as u8).collect());
            }
            _ => {}
        }
        out.entry(partition).or_default().push(record);
    }
    out
}

fn record_from(message: &rdkafka::message::BorrowedMessage<'_>) -> Record {
    Record {
        key: message.key().map(<[u8]>::to_vec),
        value: message.payload().map(<[u8]>::to_vec),
        headers: message
            .headers()
            .map(|headers| {
                headers
                    .iter()
                    .map(|h| (h.key.to_owned(), h.value.map(<[u8]>::to_vec)))
                    .collect()
            })
            .unwrap_or_default(),
        create_time: match message.timestamp() {
            Timestamp::CreateTime(t) => Some(t),
            _ => None,
        },
    }
}

// ---------------------------------------------------------------- Kafka

fn admin_block_on<T>(
    bootstrap: &str,
    work: impl AsyncFnOnce(AdminClient<DefaultClientContext>, AdminOptions) -> T,
) -> T {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()
        .unwrap();
    let options = AdminOptions::new().operation_timeout(Some(Duration::from_secs(30)));
    runtime.block_on(work(admin, options))
}

fn create_topic(bootstrap: &str, topic: &str, partitions: i32) {
    admin_block_on(bootstrap, async |admin, options| {
        let new = NewTopic::new(topic, partitions, TopicReplication::Fixed(1));
        for result in admin.create_topics(&[new], &options).await.unwrap() {
            result.unwrap_or_else(|(topic, code)| panic!("creating {topic}: {code}"));
        }
    });
}

/// Deletes `topics` where they exist; never panics (it runs while a failed test unwinds).
fn delete_topics(bootstrap: &str, topics: &[String]) {
    let existing = topic_names(bootstrap);
    // Each name once: rdkafka 0.39 crashes on a DeleteTopics answer for a repeated name.
    let topics: std::collections::BTreeSet<&str> = topics
        .iter()
        .filter(|t| existing.contains(t))
        .map(String::as_str)
        .collect();
    let topics: Vec<&str> = topics.into_iter().collect();
    if topics.is_empty() {
        return;
    }
    admin_block_on(bootstrap, async |admin, options| {
        if let Err(e) = admin.delete_topics(&topics, &options).await {
            eprintln!("mirror_maker: could not delete {topics:?}: {e}");
        }
    });
}

fn consumer(bootstrap: &str) -> BaseConsumer {
    ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", unique("mirror-reader"))
        .set("enable.auto.commit", "false")
        .create()
        .unwrap()
}

/// Every topic name of the cluster (empty when it does not answer).
fn topic_names(bootstrap: &str) -> Vec<String> {
    consumer(bootstrap)
        .fetch_metadata(None, Duration::from_secs(10))
        .map(|m| m.topics().iter().map(|t| t.name().to_owned()).collect())
        .unwrap_or_default()
}

/// The partitions of `topic`, once it exists (empty after `timeout`).
fn wait_partitions(consumer: &BaseConsumer, topic: &str, timeout: Duration) -> Vec<i32> {
    let deadline = Instant::now() + timeout;
    loop {
        let partitions: Vec<i32> = consumer
            .fetch_metadata(Some(topic), Duration::from_secs(5))
            .ok()
            .and_then(|m| {
                let t = m.topics().first()?;
                (t.error().is_none()).then(|| t.partitions().iter().map(|p| p.id()).collect())
            })
            .unwrap_or_default();
        if !partitions.is_empty() || Instant::now() > deadline {
            return partitions;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Writes `records` to their partitions of `topic` (idempotent: in order).
fn produce(topic: &str, records: &Partitions) {
    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", cluster_a())
        .set("enable.idempotence", "true")
        .create()
        .unwrap();
    for (partition, records) in records {
        for record in records {
            let mut headers = OwnedHeaders::new();
            for (key, value) in &record.headers {
                headers = headers.insert(Header {
                    key,
                    value: value.as_deref(),
                });
            }
            let mut message = BaseRecord::<[u8], [u8]>::to(topic)
                .partition(*partition)
                .headers(headers);
            if let Some(key) = &record.key {
                message = message.key(key.as_slice());
            }
            if let Some(value) = &record.value {
                message = message.payload(value.as_slice());
            }
            if let Some(t) = record.create_time {
                message = message.timestamp(t);
            }
            producer.send(message).map_err(|(e, _)| e).unwrap();
            producer.poll(Duration::ZERO);
        }
    }
    producer.flush(Duration::from_secs(30)).unwrap();
}

/// Reads every partition of `topic` on `bootstrap` from the start until `expected`
/// records arrived and then none came for [`SETTLE`], or until `timeout`: the records
/// and the topic's partition count (0: it never appeared).
fn read_topic(
    bootstrap: &str,
    topic: &str,
    expected: usize,
    timeout: Duration,
) -> (Partitions, usize) {
    let consumer = consumer(bootstrap);
    let deadline = Instant::now() + timeout;
    let partitions = wait_partitions(&consumer, topic, timeout);
    let mut out = Partitions::new();
    if partitions.is_empty() {
        return (out, 0);
    }
    let mut assignment = TopicPartitionList::new();
    for partition in &partitions {
        assignment
            .add_partition_offset(topic, *partition, Offset::Beginning)
            .unwrap();
    }
    consumer.assign(&assignment).unwrap();
    let mut last_arrival = Instant::now();
    loop {
        let now = Instant::now();
        if now > deadline || (count(&out) >= expected && now - last_arrival >= SETTLE) {
            return (out, partitions.len());
        }
        if let Some(Ok(message)) = consumer.poll(Duration::from_millis(100)) {
            out.entry(message.partition())
                .or_default()
                .push(record_from(&message));
            last_arrival = Instant::now();
        }
    }
}

// ---------------------------------------------------------------- offset syncs

/// One of MM2's offset syncs (`OffsetSync`): key `topic` (i16 length, UTF-8) and
/// `partition` (i32); value `upstreamOffset` and `offset` (i64 each), big-endian.
#[derive(Clone, Debug, PartialEq, Eq)]
struct OffsetSync {
    topic: String,
    partition: i32,
    upstream: i64,
    downstream: i64,
}

fn decode_sync(key: &[u8], value: &[u8]) -> Option<OffsetSync> {
    let length = usize::from(u16::from_be_bytes(key.get(..2)?.try_into().ok()?));
    let topic = String::from_utf8(key.get(2..2 + length)?.to_vec()).ok()?;
    let partition = i32::from_be_bytes(key.get(2 + length..6 + length)?.try_into().ok()?);
    let upstream = i64::from_be_bytes(value.get(..8)?.try_into().ok()?);
    let downstream = i64::from_be_bytes(value.get(8..16)?.try_into().ok()?);
    Some(OffsetSync {
        topic,
        partition,
        upstream,
        downstream,
    })
}

/// Reads the offset syncs of `topic` (on cluster A) until `done` holds for them, or until
/// `timeout`: the syncs in the order written, and the records that do not decode as one.
fn read_syncs(
    topic: &str,
    done: impl Fn(&[OffsetSync]) -> bool,
    timeout: Duration,
) -> (Vec<OffsetSync>, Vec<String>) {
    let consumer = consumer(&cluster_a());
    let deadline = Instant::now() + timeout;
    let partitions = wait_partitions(&consumer, topic, timeout);
    let mut syncs = Vec::new();
    let mut undecoded = Vec::new();
    if partitions.is_empty() {
        return (syncs, undecoded);
    }
    let mut assignment = TopicPartitionList::new();
    for partition in &partitions {
        assignment
            .add_partition_offset(topic, *partition, Offset::Beginning)
            .unwrap();
    }
    consumer.assign(&assignment).unwrap();
    while Instant::now() < deadline && !done(&syncs) {
        if let Some(Ok(message)) = consumer.poll(Duration::from_millis(100)) {
            let (key, value) = (
                message.key().unwrap_or(&[]),
                message.payload().unwrap_or(&[]),
            );
            match decode_sync(key, value) {
                Some(sync) => syncs.push(sync),
                None => undecoded.push(format!(
                    "key {} value {}",
                    key.escape_ascii(),
                    value.escape_ascii()
                )),
            }
        }
    }
    (syncs, undecoded)
}

// ---------------------------------------------------------------- one run per side

/// The topics a test creates, deleted when it ends (passed or not).
struct Cleanup {
    on_a: Vec<String>,
    on_b: Vec<String>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        delete_topics(&cluster_a(), &self.on_a);
        delete_topics(&cluster_b(), &self.on_b);
    }
}

/// What one runtime did: the topics it made, normalised (its aliases as `<alias>`), the
/// records of its target topic and the offset syncs it wrote.
struct Mirrored {
    side: Side,
    /// The topics the run made on B.
    topics_on_b: Vec<String>,
    /// The topics the run made on A.
    topics_on_a: Vec<String>,
    target_partitions: usize,
    records: Partitions,
    syncs: Vec<OffsetSync>,
    undecoded_syncs: Vec<String>,
    log_tail: String,
}

/// The end of a worker's log, for failure messages: the log's directory is gone once a
/// failed test has unwound.
fn log_tail(worker: &WorkerProcess) -> String {
    let text = worker.log_text();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(60)..].join("\n")
}

/// Whether `syncs` map each partition's first and last record of `expected`.
fn syncs_complete(syncs: &[OffsetSync], topic: &str, expected: &Partitions) -> bool {
    expected.iter().all(|(partition, records)| {
        let last = records.len() as i64 - 1;
        [0, last].iter().all(|offset| {
            syncs
                .iter()
                .any(|s| s.topic == topic && s.partition == *partition && s.upstream == *offset)
        })
    })
}

/// Runs MirrorSourceConnector on `side` from `topic` (on A) to B with aliases of its own,
/// reads its target topic and offset syncs, and stops the worker cleanly.
fn mirror(
    side: Side,
    topic: &str,
    run: &str,
    expected: &Partitions,
    cleanup: &mut Cleanup,
) -> Mirrored {
    let source_alias = format!("a-{}", side.name());
    let target_alias = format!("b-{}-{run}", side.name());
    let target_topic = format!("{source_alias}.{topic}");
    let syncs_topic = format!("mm2-offset-syncs.{target_alias}.internal");
    cleanup.on_b.push(target_topic.clone());
    cleanup.on_a.push(syncs_topic.clone());

    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let worker_file = dir.path().join("worker.properties");
    let offsets = dir.path().join("connect.offsets").display().to_string();
    write_properties(
        &worker_file,
        &[
            // MM2's connectors run on the target cluster's Connect.
            ("bootstrap.servers", &cluster_b()),
            ("listeners", &format!("http://127.0.0.1:{port}")),
            ("plugin.path", &common::lab_var("TRIBUTARY_LAB_PLUGIN_PATH")),
            ("plugin.discovery", "service_load"),
            ("key.converter", BYTE_ARRAY_CONVERTER),
            ("value.converter", BYTE_ARRAY_CONVERTER),
            ("header.converter", BYTE_ARRAY_CONVERTER),
            ("offset.storage.file.filename", &offsets),
            // The task's commit() follows each flush: it sends the delayed offset syncs.
            ("offset.flush.interval.ms", "1000"),
        ],
    );
    let connector_file = dir.path().join("connector.properties");
    write_properties(
        &connector_file,
        &[
            ("name", CONNECTOR_NAME),
            ("connector.class", CONNECTOR_CLASS),
            ("tasks.max", "1"),
            ("source.cluster.alias", &source_alias),
            ("target.cluster.alias", &target_alias),
            ("source.cluster.bootstrap.servers", &cluster_a()),
            ("target.cluster.bootstrap.servers", &cluster_b()),
            ("topics", topic),
            ("refresh.topics.interval.seconds", "5"),
            // Neither cluster has an authorizer, and topic configs are not compared.
            ("sync.topic.configs.enabled", "false"),
            ("sync.topic.acls.enabled", "false"),
            ("replication.factor", "1"),
            ("offset-syncs.topic.replication.factor", "1"),
        ],
    );

    let before_on_a = topic_names(&cluster_a());
    let before_on_b = topic_names(&cluster_b());
    let log = dir.path().join(format!("{}.log", side.name()));
    let started = Instant::now();
    let mut worker = match side {
        Side::Apache => WorkerProcess::apache(&worker_file, &[&connector_file], port, log),
        Side::Tributary => WorkerProcess::tributary(&worker_file, &[&connector_file], port, log),
    };
    worker.wait_running(&[CONNECTOR_NAME], Duration::from_secs(60));
    let running = started.elapsed();
    let (records, target_partitions) = read_topic(
        &cluster_b(),
        &target_topic,
        count(expected),
        Duration::from_secs(45),
    );
    let replicated = started.elapsed();
    let (syncs, undecoded_syncs) = read_syncs(
        &syncs_topic,
        |syncs| syncs_complete(syncs, topic, expected),
        Duration::from_secs(20),
    );
    let synced = started.elapsed();
    let normalise = |name: &str| {
        name.replace(&target_alias, "<target alias>")
            .replace(&source_alias, "<source alias>")
    };
    // The topics this run made: new since it started, named after its topic or aliases
    // (other tests may create topics on the lab's clusters meanwhile).
    let made = |bootstrap: &str, before: &[String]| -> Vec<String> {
        topic_names(bootstrap)
            .into_iter()
            .filter(|t| !before.contains(t))
            .filter(|t| t.contains(topic) || t.contains(&source_alias) || t.contains(&target_alias))
            .collect()
    };
    let mut topics_on_b = made(&cluster_b(), &before_on_b);
    let mut topics_on_a = made(&cluster_a(), &before_on_a);
    // Whatever MM2 made is deleted at the end, even what the test did not expect.
    cleanup.on_b.extend(topics_on_b.iter().cloned());
    cleanup.on_a.extend(topics_on_a.iter().cloned());
    for names in [&mut topics_on_a, &mut topics_on_b] {
        *names = names.iter().map(|t| normalise(t)).collect();
        names.sort();
    }
    let stopping = Instant::now();
    worker.terminate();
    eprintln!(
        "mirror_maker {}: RUNNING after {:.1} s, every record on B after {:.1} s (incl. \
         {SETTLE:?} of quiet), offset syncs of each partition's first and last record after \
         {:.1} s ({} syncs), stopped in {:.1} s",
        side.name(),
        running.as_secs_f64(),
        replicated.as_secs_f64(),
        synced.as_secs_f64(),
        syncs.len(),
        stopping.elapsed().as_secs_f64()
    );
    Mirrored {
        side,
        topics_on_b,
        topics_on_a,
        target_partitions,
        records,
        syncs,
        undecoded_syncs,
        log_tail: log_tail(&worker),
    }
}

// ---------------------------------------------------------------- checks

/// Every difference between two sets of records, per partition.
fn record_differences(reference: &Partitions, other: &Partitions) -> Vec<String> {
    let mut out = Vec::new();
    let partitions: std::collections::BTreeSet<&i32> =
        reference.keys().chain(other.keys()).collect();
    let empty = Vec::new();
    for partition in partitions {
        let theirs = reference.get(partition).unwrap_or(&empty);
        let mine = other.get(partition).unwrap_or(&empty);
        if theirs.len() != mine.len() {
            out.push(format!(
                "partition {partition}: {} records, not {}",
                mine.len(),
                theirs.len()
            ));
        }
        for (i, (a, b)) in theirs.iter().zip(mine).enumerate() {
            if a != b {
                out.push(format!(
                    "partition {partition} record {i}:\n    {}\n vs {}",
                    show(a),
                    show(b)
                ));
            }
        }
    }
    out
}

/// What a run's offset syncs must show, as differences: every sync decodes, is for the
/// source topic and maps an upstream offset to the same downstream offset (fresh topics,
/// nothing filtered), and each partition has one for its first and its last record.
fn sync_differences(run: &Mirrored, topic: &str, expected: &Partitions) -> Vec<String> {
    let mut out: Vec<String> = run
        .undecoded_syncs
        .iter()
        .map(|s| format!("an offset sync that does not decode: {s}"))
        .collect();
    for sync in &run.syncs {
        let known = expected
            .get(&sync.partition)
            .is_some_and(|records| (0..records.len() as i64).contains(&sync.upstream));
        if sync.topic != topic || !known || sync.upstream != sync.downstream {
            out.push(format!(
                "an offset sync maps no record to its copy: {sync:?}"
            ));
        }
    }
    if !syncs_complete(&run.syncs, topic, expected) {
        out.push(format!(
            "no offset sync of some partition's first or last record: {:?}",
            run.syncs
        ));
    }
    out
}

/// The topics each run must have made, normalised: the target topic on B, the offset
/// syncs topic on A, nothing else with those names.
fn expected_topics(topic: &str) -> (Vec<String>, Vec<String>) {
    (
        vec![format!("<source alias>.{topic}")],
        vec!["mm2-offset-syncs.<target alias>.internal".to_owned()],
    )
}

/// Apache's run is the reference only if it did what MM2 should: it mirrored what was
/// produced, exactly, into a topic of as many partitions, and wrote its offset syncs.
fn check_reference(apache: &Mirrored, topic: &str, produced: &Partitions) {
    assert_eq!(apache.side, Side::Apache);
    let (on_b, on_a) = expected_topics(topic);
    assert_eq!(apache.topics_on_b, on_b, "Apache's topics on B");
    assert_eq!(apache.topics_on_a, on_a, "Apache's topics on A");
    assert_eq!(apache.target_partitions, PARTITIONS as usize);
    let mut differences = record_differences(produced, &apache.records);
    differences.extend(sync_differences(apache, topic, produced));
    assert!(
        differences.is_empty(),
        "Apache's MM2 did not mirror what was produced:\n- {}\nApache's log ends:\n{}",
        differences.join("\n- "),
        apache.log_tail
    );
}

#[test]
fn mirror_source_connector_replicates_as_on_apache() {
    let topic = unique("mirror-src");
    let run = topic.rsplit('-').next().unwrap().to_owned();
    let mut cleanup = Cleanup {
        on_a: vec![topic.clone()],
        on_b: Vec::new(),
    };
    create_topic(&cluster_a(), &topic, PARTITIONS);
    let produced = source_records();
    produce(&topic, &produced);

    let apache = mirror(Side::Apache, &topic, &run, &produced, &mut cleanup);
    check_reference(&apache, &topic, &produced);

    let ours = mirror(Side::Tributary, &topic, &run, &produced, &mut cleanup);
    let mut differences = Vec::new();
    if ours.topics_on_b != apache.topics_on_b {
        differences.push(format!(
            "topics on B: {:?}, Apache {:?}",
            ours.topics_on_b, apache.topics_on_b
        ));
    }
    if ours.topics_on_a != apache.topics_on_a {
        differences.push(format!(
            "topics on A: {:?}, Apache {:?}",
            ours.topics_on_a, apache.topics_on_a
        ));
    }
    if ours.target_partitions != apache.target_partitions {
        differences.push(format!(
            "the target topic has {} partitions, Apache's {}",
            ours.target_partitions, apache.target_partitions
        ));
    }
    differences.extend(record_differences(&apache.records, &ours.records));
    differences.extend(sync_differences(&ours, &topic, &produced));
    eprintln!(
        "mirror_maker: offset syncs written: Apache {}, Tributary {}",
        apache.syncs.len(),
        ours.syncs.len()
    );
    assert!(
        differences.is_empty(),
        "Tributary differs from Apache in {} place(s):\n- {}\nTributary's log ends:\n{}",
        differences.len(),
        differences.join("\n- "),
        ours.log_tail
    );
}
