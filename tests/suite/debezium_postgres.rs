//! Debezium's PostgreSQL connector, a Java plugin loaded from the lab's `plugin.path`, on
//! `tributary standalone` and on Apache's `ConnectStandalone` with the same worker and
//! connector files: the same change events (snapshot, inserts, updates, a primary-key
//! change, deletes with tombstones, a transaction, a column added mid-stream) reach Kafka
//! byte for byte, once timestamps, LSNs, transaction ids and the per-run names are
//! normalised; the REST answers about the plugin and the running connector are the same;
//! and either runtime resumes from the other's offsets file and replication slot with
//! nothing lost and nothing repeated beyond what at-least-once allows.
//!
//! Each run has its own PostgreSQL schema, publication, slot, topic prefix and connector
//! name, all one tag, so one replacement normalises them and runs never meet; what a run
//! creates in PostgreSQL is dropped when it ends (a slot left behind keeps WAL forever).
//! Apache's run comes first and is checked against the scenario on its own
//! (`check_reference`), so a failure names which runtime strayed. Until `tributary
//! standalone` hosts Java plugins (issue 17) the Tributary runs fail at start-up: Debezium's
//! class is not found.
//!
//! `eval "$(tests/lab/lab env)" && cargo test --test suite debezium_postgres -- --nocapture`
//! (each run prints its timings).

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use serde_json::Value;

use common::postgres::{CdcObjects, cdc_tag, psql};
use common::standalone::{WorkerProcess, free_port, http, unique, write_properties};

const CONNECTOR_CLASS: &str = "io.debezium.connector.postgresql.PostgresConnector";

/// How long a topic must stay quiet, after the expected records arrived, before a read
/// ends: long enough for a duplicate or an extra event to show up.
const SETTLE: Duration = Duration::from_secs(2);

/// The rows there before the connector starts, read by its snapshot.
const SETUP: &str = r#"
CREATE TABLE {s}.all_types (
    id integer PRIMARY KEY,
    small smallint,
    medium integer,
    big bigint,
    amount numeric(12,3),
    any_amount numeric,
    ratio real,
    precise double precision,
    flag boolean,
    note text,
    label varchar(20),
    code char(3),
    day date,
    at_time time,
    at_ts timestamp,
    at_tstz timestamptz,
    uid uuid,
    doc jsonb,
    raw bytea,
    tags text[]
);
CREATE TABLE {s}.notes (id integer PRIMARY KEY, body text);
ALTER TABLE {s}.notes REPLICA IDENTITY FULL;
INSERT INTO {s}.all_types VALUES
    (1, 1, 100000, 9000000000, 1234.5, 3.14159265358979323846, 1.5, 2.25, true, 'hello',
     'label', 'abc', '2024-02-29', '13:14:15.123456', '2024-02-29 13:14:15.123456',
     '2024-02-29 13:14:15.123456+02', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
     '{"a": [1, 2.5], "b": {"c": null}}', '\xdeadbeef', '{x,y}'),
    (2, -32768, -2147483648, -9223372036854775808, -999999999.999, -0.000001, 1e-6,
     1.7976931348623157e308, false, 'ünïcødé 😀 "quoted" \ back', '', '  z', '1900-01-01',
     '00:00:00', '1970-01-01 00:00:00', '1969-12-31 23:59:59.999999+00',
     '00000000-0000-0000-0000-000000000000', '[]', '\x', '{}'),
    (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
     NULL, NULL, NULL, NULL, NULL);
INSERT INTO {s}.notes VALUES (1, 'first'), (2, 'second');
"#;

/// What the snapshot emits, as [`summary`] lines.
const SNAPSHOT: &[&str] = &[
    "all_types 1 r",
    "all_types 2 r",
    "all_types 3 r",
    "notes 1 r",
    "notes 2 r",
];

/// One change made while (or before) a connector streams, and the events it must give.
struct Change {
    sql: &'static str,
    emits: &'static [&'static str],
}

const CHANGES: &[Change] = &[
    Change {
        sql: "INSERT INTO {s}.all_types (id, note, tags) VALUES (4, 'streamed', '{a,NULL,c}');",
        emits: &["all_types 4 c"],
    },
    Change {
        sql: r#"UPDATE {s}.all_types SET note = 'changed', amount = -0.001, doc = '{"z": 1}',
                at_tstz = '2030-01-01 00:00:00+00' WHERE id = 1;"#,
        emits: &["all_types 1 u"],
    },
    // A new primary key: Debezium deletes the old key (with its tombstone), creates the new.
    Change {
        sql: "UPDATE {s}.all_types SET id = 20 WHERE id = 2;",
        emits: &["all_types 2 d", "all_types 2 tombstone", "all_types 20 c"],
    },
    Change {
        sql: "DELETE FROM {s}.all_types WHERE id = 3;",
        emits: &["all_types 3 d", "all_types 3 tombstone"],
    },
    // One transaction on the REPLICA IDENTITY FULL table: `before` holds whole rows.
    Change {
        sql: "BEGIN;
              INSERT INTO {s}.notes VALUES (3, 'third');
              UPDATE {s}.notes SET body = 'edited' WHERE id = 1;
              DELETE FROM {s}.notes WHERE id = 2;
              COMMIT;",
        emits: &["notes 3 c", "notes 1 u", "notes 2 d", "notes 2 tombstone"],
    },
    // A column added mid-stream: the value schema changes between two records.
    Change {
        sql: "ALTER TABLE {s}.notes ADD COLUMN tag text DEFAULT 'x';
              INSERT INTO {s}.notes VALUES (4, 'fourth', 'y');
              UPDATE {s}.notes SET tag = 'z' WHERE id = 3;",
        emits: &["notes 4 c", "notes 3 u"],
    },
];

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

// ---------------------------------------------------------------- PostgreSQL

/// A run's objects in the lab's database (`CdcObjects`: schema, publication and slot
/// named by the tag, dropped on drop), with the scenario's tables and the waits on its slot.
struct Database {
    objects: CdcObjects,
}

impl Database {
    fn create(tag: &str) -> Self {
        Database {
            objects: CdcObjects::create(tag, SETUP),
        }
    }

    fn sql(&self, template: &str) -> String {
        self.objects.sql(template)
    }

    fn apply(&self, changes: &[Change]) {
        for change in changes {
            psql(&self.sql(change.sql));
        }
    }

    /// The slot's `confirmed_flush_lsn` (the unit of Debezium's `source.lsn`) and whether
    /// a connection streams from it.
    fn slot(&self) -> Option<(u64, bool)> {
        self.objects.slot()
    }

    /// Waits until the slot confirms `lsn`. The slot only moves when the worker calls the
    /// task's `commit()` after flushing offsets: a runtime that does not would make
    /// PostgreSQL keep every WAL segment from the connector's start.
    fn wait_confirmed(&self, side: Side, lsn: u64, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            let slot = self.slot();
            if slot.is_some_and(|(confirmed, _)| confirmed >= lsn) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{}: slot {} confirms {slot:?}, not the last event's LSN {lsn}, {timeout:?} after it",
                side.name(),
                self.objects.tag
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Waits until no connection streams from the slot (the stopped worker's walsender has
    /// gone), so the next worker can take it.
    fn wait_slot_free(&self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while self.slot().is_some_and(|(_, active)| active) {
            assert!(
                Instant::now() < deadline,
                "slot {} still active after the worker stopped",
                self.objects.tag
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

// ---------------------------------------------------------------- workers

/// The worker and connector files of a run, the same for either runtime.
struct Files {
    dir: tempfile::TempDir,
    worker: PathBuf,
    connector: PathBuf,
    port: u16,
    config: Vec<(String, String)>,
}

impl Files {
    fn write(tag: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let worker = dir.path().join("worker.properties");
        let offsets = dir.path().join("connect.offsets").display().to_string();
        let json = "org.apache.kafka.connect.json.JsonConverter";
        write_properties(
            &worker,
            &[
                ("bootstrap.servers", &common::bootstrap_servers()),
                ("listeners", &format!("http://127.0.0.1:{port}")),
                ("plugin.path", &common::lab_var("TRIBUTARY_LAB_PLUGIN_PATH")),
                // Both plugins have ServiceLoader manifests; Apache's default discovery
                // also scans every class reflectively (~20 s here).
                ("plugin.discovery", "service_load"),
                ("key.converter", json),
                ("value.converter", json),
                ("key.converter.schemas.enable", "true"),
                ("value.converter.schemas.enable", "true"),
                ("offset.storage.file.filename", &offsets),
                ("offset.flush.interval.ms", "500"),
            ],
        );
        let config: Vec<(String, String)> = [
            ("name", tag.to_owned()),
            ("connector.class", CONNECTOR_CLASS.to_owned()),
            ("tasks.max", "1".to_owned()),
            ("database.hostname", common::lab_var("PGHOST")),
            ("database.port", common::lab_var("PGPORT")),
            ("database.user", common::lab_var("PGUSER")),
            ("database.password", common::lab_var("PGPASSWORD")),
            ("database.dbname", common::lab_var("PGDATABASE")),
            ("topic.prefix", tag.to_owned()),
            ("plugin.name", "pgoutput".to_owned()),
            ("slot.name", tag.to_owned()),
            ("publication.name", tag.to_owned()),
            // Debezium's default (all_tables) runs CREATE PUBLICATION ... FOR ALL TABLES,
            // which only a superuser may; a publication of the captured tables needs only
            // their ownership.
            ("publication.autocreate.mode", "filtered".to_owned()),
            ("schema.include.list", tag.to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let connector = dir.path().join("connector.properties");
        let borrowed: Vec<(&str, &str)> = config
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        write_properties(&connector, &borrowed);
        Files {
            dir,
            worker,
            connector,
            port,
            config,
        }
    }

    fn config_json(&self) -> Value {
        Value::Object(
            self.config
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect(),
        )
    }

    /// Starts `side` on these files, logging to `<side>-<n>.log`; waits until the
    /// connector and its task are RUNNING.
    fn start(&self, side: Side, tag: &str) -> WorkerProcess {
        let mut n = 0;
        let log = loop {
            let log = self.dir.path().join(format!("{}-{n}.log", side.name()));
            if !log.exists() {
                break log;
            }
            n += 1;
        };
        let mut worker = match side {
            Side::Apache => WorkerProcess::apache(&self.worker, &[&self.connector], self.port, log),
            Side::Tributary => {
                WorkerProcess::tributary(&self.worker, &[&self.connector], self.port, log)
            }
        };
        worker.wait_running(&[tag], Duration::from_secs(60));
        worker
    }
}

/// The end of a worker's log, for failure messages: the log's directory is gone once a
/// failed test has unwound.
fn log_tail(worker: &WorkerProcess) -> String {
    let text = worker.log_text();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

// ---------------------------------------------------------------- records

/// One record as read back: key and value as text (`None`: null, a tombstone's value).
#[derive(Clone, Debug)]
struct Record {
    key: Option<String>,
    value: Option<String>,
}

/// Records by (topic, partition), each partition's in offset order.
type Topics = BTreeMap<(String, i32), Vec<Record>>;

fn count(topics: &Topics) -> usize {
    topics.values().map(Vec::len).sum()
}

/// The data topics of a run's two tables.
fn data_topics(tag: &str) -> Vec<String> {
    ["all_types", "notes"]
        .iter()
        .map(|table| format!("{tag}.{tag}.{table}"))
        .collect()
}

/// Reads every partition of `topics` from the start until `expected` records arrived and
/// then none came for `settle` (so extras show), or until `timeout`. Assigned, not
/// subscribed: no group to join, and the topics are waited for by name.
fn read_records(topics: &[String], expected: usize, settle: Duration, timeout: Duration) -> Topics {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", common::bootstrap_servers())
        .set("group.id", unique("dbz-reader"))
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    let deadline = Instant::now() + timeout;
    let mut assignment = TopicPartitionList::new();
    for topic in topics {
        loop {
            let partitions: Vec<i32> = consumer
                .fetch_metadata(Some(topic), Duration::from_secs(5))
                .ok()
                .and_then(|m| {
                    let t = m.topics().first()?;
                    (t.error().is_none()).then(|| t.partitions().iter().map(|p| p.id()).collect())
                })
                .unwrap_or_default();
            if !partitions.is_empty() {
                for partition in partitions {
                    assignment
                        .add_partition_offset(topic, partition, Offset::Beginning)
                        .unwrap();
                }
                break;
            }
            if Instant::now() > deadline {
                break;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
    let mut out = Topics::new();
    if assignment.count() == 0 {
        return out;
    }
    consumer.assign(&assignment).unwrap();
    let mut last_arrival = Instant::now();
    loop {
        let now = Instant::now();
        let enough = count(&out) >= expected;
        if now > deadline || (enough && now.duration_since(last_arrival) >= settle) {
            return out;
        }
        if let Some(Ok(message)) = consumer.poll(Duration::from_millis(100)) {
            let text =
                |bytes: Option<&[u8]>| bytes.map(|b| String::from_utf8_lossy(b).into_owned());
            out.entry((message.topic().to_owned(), message.partition()))
                .or_default()
                .push(Record {
                    key: text(message.key()),
                    value: text(message.payload()),
                });
            last_arrival = Instant::now();
        }
    }
}

/// `<table> <id> <op>` (or `tombstone`) per record, topics in name order: what the
/// scenario expects, independent of how the bytes look.
fn summary(topics: &Topics) -> Vec<String> {
    let mut lines = Vec::new();
    for ((topic, _), records) in topics {
        let table = topic.rsplit('.').next().unwrap();
        for record in records {
            lines.push(record_summary(table, record));
        }
    }
    lines
}

fn record_summary(table: &str, record: &Record) -> String {
    let parse = |text: &Option<String>| -> Value {
        text.as_deref()
            .map(|t| serde_json::from_str(t).unwrap_or(Value::Null))
            .unwrap_or(Value::Null)
    };
    let id = &parse(&record.key)["payload"]["id"];
    match &record.value {
        None => format!("{table} {id} tombstone"),
        Some(_) => {
            let op = &parse(&record.value)["payload"]["op"];
            format!("{table} {id} {}", op.as_str().unwrap_or("?"))
        }
    }
}

/// The scenario's expected summary: snapshot and `changes`, ordered as [`summary`].
fn expected_summary<'a>(
    changes: impl IntoIterator<Item = &'a Change>,
    with_snapshot: bool,
) -> Vec<String> {
    let mut lines: Vec<&str> = if with_snapshot {
        SNAPSHOT.to_vec()
    } else {
        Vec::new()
    };
    lines.extend(changes.into_iter().flat_map(|c| c.emits.iter().copied()));
    // Sorted by table, stable within it: a topic per table, read in name order.
    lines.sort_by_key(|line| line.split(' ').next().unwrap().to_owned());
    lines.into_iter().map(str::to_owned).collect()
}

/// The largest `source.lsn` of any record: what the slot must confirm eventually.
fn last_lsn(topics: &Topics) -> u64 {
    topics
        .values()
        .flatten()
        .filter_map(|r| r.value.as_deref())
        .filter_map(|v| serde_json::from_str::<Value>(v).ok())
        .filter_map(|v| v["payload"]["source"]["lsn"].as_u64())
        .max()
        .expect("no record carries source.lsn")
}

/// What differs between runs and nothing else, in a record's or REST answer's text: the
/// run's tag (topic prefix, schema, slot, publication and connector name, so also the
/// Connect schema names `<tag>.<tag>.<table>.Envelope` and `source.name`/`source.schema`);
/// the times (`ts_ms`, `ts_us`, `ts_ns` of the envelope and of `source`); the WAL positions
/// (`source.lsn` and `source.sequence`, a string holding two LSNs); the transaction ids
/// (`source.txId`, `source.xmin`); the REST `worker_id` (host and port); and the version of
/// the runtime's own plugins (FileStream connectors, converters: Apache's "4.3.1",
/// Tributary's crate version, any JSON string equal to one, as
/// `tests/common/rest_scenario.rs` treats them; Debezium's version is compared). Done on the
/// text, not on parsed JSON, so that the comparison stays byte for byte (a number written
/// `1.0E-6` by one side and `1e-6` by the other still differs). None of the tables has a
/// column with one of these names, so only Debezium's own fields match.
fn normalise(text: &str, tag: &str) -> String {
    static PATTERNS: std::sync::OnceLock<Vec<(regex::Regex, &'static str)>> =
        std::sync::OnceLock::new();
    let patterns = PATTERNS.get_or_init(|| {
        [
            (r#""(ts_ms|ts_us|ts_ns)":-?[0-9]+"#, r#""$1":"<time>""#),
            (r#""(lsn|txId|xmin)":[0-9]+"#, r#""$1":"<wal>""#),
            (r#""sequence":"(?:[^"\\]|\\.)*""#, r#""sequence":"<wal>""#),
            (r#""worker_id":"[^"]*""#, r#""worker_id":"<worker>""#),
        ]
        .into_iter()
        .map(|(pattern, replacement)| (regex::Regex::new(pattern).unwrap(), replacement))
        .chain(["4.3.1", env!("CARGO_PKG_VERSION")].map(|version| {
            let pattern = format!(r#""{}""#, regex::escape(version));
            (regex::Regex::new(&pattern).unwrap(), r#""<runtime>""#)
        }))
        .collect()
    });
    let mut text = text.replace(tag, "<tag>");
    for (pattern, replacement) in patterns {
        text = pattern.replace_all(&text, *replacement).into_owned();
    }
    text
}

fn normalise_topics(topics: &Topics, tag: &str) -> Topics {
    topics
        .iter()
        .map(|((topic, partition), records)| {
            let records = records
                .iter()
                .map(|r| Record {
                    key: r.key.as_deref().map(|t| normalise(t, tag)),
                    value: r.value.as_deref().map(|t| normalise(t, tag)),
                })
                .collect();
            ((normalise(topic, tag), *partition), records)
        })
        .collect()
}

/// Where two texts differ, readably: the first JSON path that differs (keys in order),
/// or, for the same JSON in different bytes, the first differing bytes in context.
fn describe_difference(a: Option<&str>, b: Option<&str>) -> String {
    let (Some(a), Some(b)) = (a, b) else {
        return format!("{a:?}\n  vs {b:?}");
    };
    if let (Ok(x), Ok(y)) = (
        serde_json::from_str::<Value>(a),
        serde_json::from_str::<Value>(b),
    ) && let Some(path) = json_difference("$", &x, &y)
    {
        return path;
    }
    let at = a
        .char_indices()
        .zip(b.chars())
        .find(|((_, x), y)| x != y)
        .map(|((i, _), _)| i)
        .unwrap_or(a.len().min(b.len()));
    let context = |s: &str| -> String {
        s.char_indices()
            .filter(|(i, _)| *i + 80 >= at && *i <= at + 80)
            .map(|(_, c)| c)
            .collect()
    };
    format!(
        "same JSON, different text at byte {at}: …{}…\n  vs …{}…",
        context(a),
        context(b)
    )
}

fn json_difference(path: &str, a: &Value, b: &Value) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let (xk, yk): (Vec<_>, Vec<_>) = (x.keys().collect(), y.keys().collect());
            if xk != yk {
                return Some(format!("{path}: keys {xk:?}\n  vs {yk:?}"));
            }
            x.iter()
                .find_map(|(k, v)| json_difference(&format!("{path}.{k}"), v, &y[k]))
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (v, w))| json_difference(&format!("{path}[{i}]"), v, w)),
        _ if a == b => None,
        _ => Some(format!("{path}: {a}\n  vs {b}")),
    }
}

/// Every difference between Apache's records and ours, per topic and partition.
fn record_differences(apache: &Topics, ours: &Topics) -> Vec<String> {
    let mut out = Vec::new();
    let partitions: BTreeSet<&(String, i32)> = apache.keys().chain(ours.keys()).collect();
    for partition in partitions {
        let (topic, p) = partition;
        let empty = Vec::new();
        let theirs = apache.get(partition).unwrap_or(&empty);
        let mine = ours.get(partition).unwrap_or(&empty);
        if theirs.len() != mine.len() {
            out.push(format!(
                "{topic}-{p}: Apache wrote {} records, Tributary {}",
                theirs.len(),
                mine.len()
            ));
        }
        let table = topic.rsplit('.').next().unwrap();
        for (i, (a, b)) in theirs.iter().zip(mine).enumerate() {
            for (part, x, y) in [("key", &a.key, &b.key), ("value", &a.value, &b.value)] {
                if x != y {
                    out.push(format!(
                        "{topic}-{p} record {i} ({}) {part}: {}",
                        record_summary(table, a),
                        describe_difference(x.as_deref(), y.as_deref())
                    ));
                }
            }
        }
    }
    out
}

// ---------------------------------------------------------------- REST

/// The REST answers compared, as (request, "status body") with the body normalised: the
/// plugin listings, Debezium's config definitions, validation of the run's config and of
/// one with a wrong password (Debezium then reports the database's refusal), and the
/// running connector's status and topics.
fn rest_answers(worker: &WorkerProcess, files: &Files, tag: &str) -> Vec<(String, String)> {
    let config = files.config_json();
    let mut wrong = config.clone();
    wrong["database.password"] = Value::String("not-the-password".to_owned());
    let validate = format!("/connector-plugins/{CONNECTOR_CLASS}/config/validate");
    let requests: Vec<(&str, String, Option<Value>, &str)> = vec![
        ("GET", "/connector-plugins".to_owned(), None, ""),
        (
            "GET",
            "/connector-plugins?connectorsOnly=false".to_owned(),
            None,
            "",
        ),
        (
            "GET",
            format!("/connector-plugins/{CONNECTOR_CLASS}/config"),
            None,
            "",
        ),
        ("PUT", validate.clone(), Some(config), ""),
        ("PUT", validate, Some(wrong), " (wrong password)"),
        ("GET", format!("/connectors/{tag}/status"), None, ""),
        ("GET", format!("/connectors/{tag}/topics"), None, ""),
    ];
    requests
        .into_iter()
        .map(|(method, path, body, note)| {
            let body = body.map(|b| b.to_string());
            let (status, answer) = http(method, &worker.url(&path), body.as_deref())
                .unwrap_or_else(|| panic!("{method} {path}: no answer"));
            let mut answer = normalise(&answer, tag);
            // The active topics are a set in Apache; its order is no contract.
            if path.ends_with("/topics")
                && let Ok(mut value) = serde_json::from_str::<Value>(&answer)
            {
                for entry in value
                    .as_object_mut()
                    .into_iter()
                    .flat_map(|m| m.values_mut())
                {
                    if let Some(topics) = entry["topics"].as_array_mut() {
                        topics.sort_by_key(|t| t.to_string());
                    }
                }
                answer = value.to_string();
            }
            answer = without_known_differences(&path, answer);
            (
                format!("{method} {}{note}", normalise(&path, tag)),
                format!("{status} {answer}"),
            )
        })
        .collect()
}

/// Leaves out of an answer, on both sides, the one difference Tributary has on purpose
/// (docs/compatibility.md, "Java plugins"): it runs the Java connectors of plugin.path
/// but not yet its Java transformations, predicates and converters, so it neither lists
/// them (`?connectorsOnly=false` keeps only connectors here) nor recommends them as
/// converters in validation (the converter keys' `recommended_values` are dropped).
fn without_known_differences(path: &str, answer: String) -> String {
    let Ok(mut value) = serde_json::from_str::<Value>(&answer) else {
        return answer;
    };
    if path.ends_with("connectorsOnly=false")
        && let Some(plugins) = value.as_array_mut()
    {
        plugins.retain(|p| p["type"] == "source" || p["type"] == "sink");
    }
    if path.ends_with("/config/validate")
        && let Some(configs) = value["configs"].as_array_mut()
    {
        for config in configs {
            let name = config["value"]["name"].as_str().unwrap_or_default();
            if matches!(
                name,
                "key.converter" | "value.converter" | "header.converter"
            ) && let Some(entry) = config["value"].as_object_mut()
            {
                entry.remove("recommended_values");
            }
        }
    }
    value.to_string()
}

// ---------------------------------------------------------------- one run per side

/// What one runtime did with the scenario: its records and REST answers, normalised.
struct Capture {
    side: Side,
    records: Topics,
    rest: Vec<(String, String)>,
    log_tail: String,
}

/// Runs the whole scenario on `side` with a database, files and topics of its own:
/// snapshot, then (once the snapshot's records are in Kafka, so that every later change
/// is streamed, not snapshotted) every change; reads the topics, waits for the slot to
/// confirm the last event, asks the REST questions and stops the worker cleanly.
fn capture(side: Side) -> Capture {
    let tag = cdc_tag(side.name());
    let database = Database::create(&tag);
    let files = Files::write(&tag);
    let topics = data_topics(&tag);
    let started = Instant::now();
    let mut worker = files.start(side, &tag);
    let running = started.elapsed();
    let snapshot = read_records(
        &topics,
        SNAPSHOT.len(),
        Duration::ZERO,
        Duration::from_secs(60),
    );
    assert_eq!(
        count(&snapshot),
        SNAPSHOT.len(),
        "{}: snapshot records; log:\n{}",
        side.name(),
        log_tail(&worker)
    );
    let snapshotted = started.elapsed();
    database.apply(CHANGES);
    let expected = expected_summary(CHANGES, true);
    let records = read_records(&topics, expected.len(), SETTLE, Duration::from_secs(60));
    let streamed = started.elapsed();
    database.wait_confirmed(side, last_lsn(&records), Duration::from_secs(15));
    let rest = rest_answers(&worker, &files, &tag);
    let stopping = Instant::now();
    worker.terminate();
    let log_tail = log_tail(&worker);
    eprintln!(
        "debezium_postgres {}: RUNNING after {:.1} s, snapshot in Kafka after {:.1} s, \
         every change after {:.1} s (incl. {SETTLE:?} of quiet), stopped in {:.1} s",
        side.name(),
        running.as_secs_f64(),
        snapshotted.as_secs_f64(),
        streamed.as_secs_f64(),
        stopping.elapsed().as_secs_f64()
    );
    Capture {
        side,
        records: normalise_topics(&records, &tag),
        rest,
        log_tail,
    }
}

/// Apache's run is the reference only if it did what the scenario says.
fn check_reference(apache: &Capture) {
    assert_eq!(apache.side, Side::Apache);
    assert_eq!(
        summary(&apache.records),
        expected_summary(CHANGES, true),
        "Apache's events are not the scenario's"
    );
    assert_eq!(
        apache.records.len(),
        2,
        "one partition per table topic: {:?}",
        apache.records.keys()
    );
    let answer = |suffix: &str| -> &str {
        &apache
            .rest
            .iter()
            .find(|(request, _)| request.ends_with(suffix))
            .unwrap_or_else(|| panic!("no request ending {suffix}"))
            .1
    };
    let plugins = answer("/connector-plugins");
    for class in [
        CONNECTOR_CLASS,
        "org.apache.kafka.connect.mirror.MirrorSourceConnector",
        "org.apache.kafka.connect.mirror.MirrorCheckpointConnector",
        "org.apache.kafka.connect.mirror.MirrorHeartbeatConnector",
    ] {
        assert!(plugins.contains(class), "Apache lists {class}: {plugins}");
    }
    // Debezium's validation logs in: a wrong password is an error from the database.
    assert!(
        answer("(wrong password)").contains("password authentication failed"),
        "{}",
        answer("(wrong password)")
    );
    let status: Value = serde_json::from_str(answer("/status").trim_start_matches("200 ")).unwrap();
    assert_eq!(status["connector"]["state"], "RUNNING", "{status}");
    assert_eq!(status["tasks"][0]["id"], 0, "{status}");
    assert_eq!(status["tasks"][0]["state"], "RUNNING", "{status}");
}

#[test]
fn change_events_and_rest_answers_equal_apaches() {
    let apache = capture(Side::Apache);
    check_reference(&apache);

    let ours = capture(Side::Tributary);
    let mut differences = record_differences(&apache.records, &ours.records);
    for ((request, theirs), (_, mine)) in apache.rest.iter().zip(&ours.rest) {
        if theirs != mine {
            let (status_a, body_a) = theirs.split_once(' ').unwrap();
            let (status_b, body_b) = mine.split_once(' ').unwrap();
            differences.push(format!(
                "{request}: Apache {status_a}, Tributary {status_b}: {}",
                describe_difference(Some(body_a), Some(body_b))
            ));
        }
    }
    assert!(
        differences.is_empty(),
        "Tributary differs from Apache in {} place(s):\n- {}\nTributary's log ends:\n{}",
        differences.len(),
        differences.join("\n- "),
        ours.log_tail
    );
}

// ---------------------------------------------------------------- resuming

/// `first` runs the snapshot and the first changes and stops cleanly; more changes are
/// made while nothing runs; `second` starts on the same worker and connector files (so
/// `first`'s offsets file, slot, publication and topics) and the rest are made. The
/// topics must then hold `first`'s records followed by each later event exactly once,
/// with only replays of `first`'s records in between (at-least-once) and no new snapshot.
fn resume(first: Side, second: Side) {
    let (before, rest) = CHANGES.split_at(2);
    let (while_stopped, after) = rest.split_at(2);
    let tag = cdc_tag(&format!("{}_then_{}", first.name(), second.name()));
    let database = Database::create(&tag);
    let files = Files::write(&tag);
    let topics = data_topics(&tag);

    let mut worker = files.start(first, &tag);
    // The snapshot must be over before the changes start (see `capture`).
    let snapshot = read_records(
        &topics,
        SNAPSHOT.len(),
        Duration::ZERO,
        Duration::from_secs(60),
    );
    assert_eq!(
        count(&snapshot),
        SNAPSHOT.len(),
        "{}'s snapshot",
        first.name()
    );
    database.apply(before);
    let early = expected_summary(before, true);
    let written = read_records(&topics, early.len(), SETTLE, Duration::from_secs(60));
    assert_eq!(summary(&written), early, "{}'s records", first.name());
    database.wait_confirmed(first, last_lsn(&written), Duration::from_secs(15));
    worker.terminate();
    database.wait_slot_free(Duration::from_secs(10));

    database.apply(while_stopped);
    let started = Instant::now();
    let mut worker = files.start(second, &tag);
    let running = started.elapsed();
    database.apply(after);
    let later = expected_summary(while_stopped.iter().chain(after), false);
    let all = read_records(
        &topics,
        count(&written) + later.len(),
        SETTLE,
        Duration::from_secs(60),
    );
    let streamed = started.elapsed();

    // Per partition: `first`'s records, then what `second` wrote. A record of `second`
    // equal to one of `first`'s (envelope times aside: Debezium stamps a replay anew) is a
    // replay; the others must be exactly the later events, in order.
    let identity = |record: &Record| -> String {
        let mut value: Value = record
            .value
            .as_deref()
            .map(|v| serde_json::from_str(v).unwrap())
            .unwrap_or(Value::Null);
        if let Some(payload) = value.get_mut("payload").and_then(Value::as_object_mut) {
            for key in ["ts_ms", "ts_us", "ts_ns"] {
                payload.shift_remove(key);
            }
        }
        format!("{:?} {value}", record.key)
    };
    let mut replayed = 0;
    let mut fresh = Topics::new();
    for (partition, records) in &all {
        let earlier = written.get(partition).map_or(&[][..], Vec::as_slice);
        assert!(
            records.len() >= earlier.len()
                && records[..earlier.len()]
                    .iter()
                    .zip(earlier)
                    .all(|(a, b)| identity(a) == identity(b)),
            "{partition:?}: the records {} wrote changed",
            first.name()
        );
        let seen: BTreeSet<String> = earlier.iter().map(identity).collect();
        for record in &records[earlier.len()..] {
            if seen.contains(&identity(record)) {
                replayed += 1;
            } else {
                fresh
                    .entry(partition.clone())
                    .or_default()
                    .push(record.clone());
            }
        }
    }
    assert_eq!(
        summary(&fresh),
        later,
        "{} after {}: the events after the stop (none lost, none twice, no new snapshot); \
         log:\n{}",
        second.name(),
        first.name(),
        log_tail(&worker)
    );
    database.wait_confirmed(second, last_lsn(&all), Duration::from_secs(15));
    worker.terminate();
    eprintln!(
        "debezium_postgres {} then {}: RUNNING after {:.1} s, every later event after {:.1} s \
         (incl. {SETTLE:?} of quiet), {replayed} replayed",
        first.name(),
        second.name(),
        running.as_secs_f64(),
        streamed.as_secs_f64()
    );
}

#[test]
fn tributary_resumes_from_apaches_offsets_and_slot() {
    resume(Side::Apache, Side::Tributary);
}

#[test]
fn apache_resumes_from_tributarys_offsets_and_slot() {
    resume(Side::Tributary, Side::Apache);
}

// ---------------------------------------------------------------- kill -9

/// Rows the snapshot of the kill test reads: enough to take seconds, so that the kill
/// lands inside it.
const BIG_SNAPSHOT: i64 = 60_000;

/// Records in `topic` now (the sum of its partitions' high watermarks).
fn topic_size(topic: &str) -> i64 {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", common::bootstrap_servers())
        .create()
        .unwrap();
    let Ok(metadata) = consumer.fetch_metadata(Some(topic), Duration::from_secs(5)) else {
        return 0;
    };
    let Some(partitions) = metadata
        .topics()
        .first()
        .map(|t| t.partitions().len() as i32)
    else {
        return 0;
    };
    (0..partitions)
        .filter_map(|p| {
            consumer
                .fetch_watermarks(topic, p, Duration::from_secs(5))
                .ok()
        })
        .map(|(_, high)| high)
        .sum()
}

/// Waits until `topic` holds every id of `wanted` in a record of operation `op` (`r`, `c`):
/// at least once, duplicates allowed. Returns the records it read.
fn wait_for_ids(topic: &str, op: &str, wanted: &BTreeSet<i64>, timeout: Duration) -> Topics {
    let deadline = Instant::now() + timeout;
    loop {
        let records = read_records(&[topic.to_owned()], usize::MAX, SETTLE, SETTLE * 3);
        let mut seen = BTreeSet::new();
        for record in records.values().flatten() {
            let Some(value) = record.value.as_deref() else {
                continue;
            };
            let value: Value = serde_json::from_str(value).unwrap();
            if value["payload"]["op"] == op
                && let Some(id) = value["payload"]["after"]["id"].as_i64()
            {
                seen.insert(id);
            }
        }
        let missing: Vec<&i64> = wanted.difference(&seen).take(10).collect();
        if missing.is_empty() {
            return records;
        }
        assert!(
            Instant::now() < deadline,
            "{topic}: no '{op}' record for ids {missing:?} (and maybe more) of {}",
            wanted.len()
        );
    }
}

/// kill -9 of `tributary standalone` (and with it, its plugin host) while Debezium
/// snapshots, then while it streams: after each restart every row and every change is in
/// Kafka (at least once), and the slot confirms the last one.
#[test]
fn kill_9_of_tributary_during_the_snapshot_and_during_streaming_loses_nothing() {
    let tag = cdc_tag("kill");
    let database = Database::create(&tag);
    psql(&database.sql(&format!(
        "INSERT INTO {{s}}.notes SELECT i, repeat('x', 200) FROM generate_series(100, {}) i;",
        100 + BIG_SNAPSHOT - 1
    )));
    let files = Files::write(&tag);
    let notes = format!("{tag}.{tag}.notes");
    let snapshot_ids: BTreeSet<i64> = [1, 2].into_iter().chain(100..100 + BIG_SNAPSHOT).collect();

    let mut worker = files.start(Side::Tributary, &tag);
    let deadline = Instant::now() + Duration::from_secs(60);
    while topic_size(&notes) < 1_000 {
        assert!(
            Instant::now() < deadline,
            "no snapshot records; log:\n{}",
            log_tail(&worker)
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    worker.kill9();
    let at_kill = topic_size(&notes);
    database.wait_slot_free(Duration::from_secs(15));
    let mut worker = files.start(Side::Tributary, &tag);
    let read = wait_for_ids(&notes, "r", &snapshot_ids, Duration::from_secs(120));
    eprintln!(
        "kill -9 during the snapshot at {at_kill} of {} records: all rows there after the restart ({} records)",
        snapshot_ids.len(),
        count(&read)
    );

    // Streaming: inserts keep coming, before, during and after the kill.
    let streamed: BTreeSet<i64> = (1_000_000..1_000_000 + 3_000).collect();
    let writer = {
        let sql = database.sql("INSERT INTO {s}.notes SELECT i, 'streamed' FROM generate_series(");
        std::thread::spawn(move || {
            for batch in 0..30 {
                let first = 1_000_000 + batch * 100;
                psql(&format!("{sql}{first}, {}) i;", first + 99));
                std::thread::sleep(Duration::from_millis(100));
            }
        })
    };
    std::thread::sleep(Duration::from_millis(1_200));
    worker.kill9();
    database.wait_slot_free(Duration::from_secs(15));
    let mut worker = files.start(Side::Tributary, &tag);
    writer.join().unwrap();
    let all = wait_for_ids(&notes, "c", &streamed, Duration::from_secs(120));
    // The slot moves on only from offsets Tributary stored after Kafka acknowledged the
    // records. Debezium confirms the commit of the last transaction it finished before the
    // one it streams, so one more transaction makes the last streamed change confirmable.
    let last = last_lsn(&all);
    psql(&database.sql("INSERT INTO {s}.notes VALUES (2000000, 'after');"));
    wait_for_ids(
        &notes,
        "c",
        &BTreeSet::from([2_000_000]),
        Duration::from_secs(60),
    );
    database.wait_confirmed(Side::Tributary, last, Duration::from_secs(30));
    worker.terminate();
}
