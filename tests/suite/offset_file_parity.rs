//! Apache Kafka Connect's `FileOffsetBackingStore` and ours read each other's offsets files:
//! `tests/java/OffsetFileParity.java` drives Apache's real store and writer (lab jars) with
//! the same fixtures this test builds, and both sides compare exact key and value bytes.

use crate::common;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use serde_json::{Value, json};
use tributary::java::serialization::read_byte_array_map;
use tributary::runtime::storage::{
    FileOffsetBackingStore, OffsetBackingStore, OffsetMap, OffsetStorageReader,
    OffsetStorageWriter, encode_key, encode_value, load_offsets_file,
};

/// Key bytes to value bytes (`None`: a key kept with a null value, Apache's tombstone).
type Entries = BTreeMap<Vec<u8>, Option<Vec<u8>>>;

const UNICODE_CONNECTOR: &str = "ünïcødé-connector";

fn map(value: Value) -> OffsetMap {
    match value {
        Value::Object(map) => map,
        other => panic!("fixture {other} is not an object"),
    }
}

/// The offsets both sides store, in the order they are written; keep in sync with
/// `write()` in OffsetFileParity.java.
fn fixtures() -> Vec<(&'static str, OffsetMap, OffsetMap)> {
    let mut fixtures = vec![
        (
            "local-file-source",
            map(json!({"filename": "/tmp/source.txt"})),
            map(json!({"position": 42})),
        ),
        (
            UNICODE_CONNECTOR,
            map(json!({"filename": "/données/日本語 😀.txt"})),
            map(json!({"position": 9_007_199_254_740_993_i64})),
        ),
        (
            "multi",
            map(json!({"db": "orders", "table": "line_items", "shard": 3, "active": true})),
            map(
                json!({"lsn": 123_456_789_012_i64, "ratio": 0.5, "big": 1.0e10, "small": 1.0e-5,
                       "text": "tab\tquote\"ctrl\u{1f}", "none": null}),
            ),
        ),
        (
            "multi",
            map(json!({"db": "orders", "table": "metrics", "scale": 1.0e10})),
            map(json!({"lsn": 5})),
        ),
    ];
    for i in 0..300i64 {
        fixtures.push(("many", map(json!({"i": i})), map(json!({"offset": i * 7}))));
    }
    fixtures.push((
        "large",
        map(json!({"blob": "x"})),
        map(json!({"data": "y".repeat(100_000)})),
    ));
    fixtures
}

/// The partition that is written and then deleted with a null offset.
fn tombstoned() -> (&'static str, OffsetMap) {
    ("multi", map(json!({"db": "orders", "table": "gone"})))
}

/// What a file holding the fixtures contains, with or without Apache's null-valued
/// tombstone entry.
fn expected_entries(with_tombstone: bool) -> Entries {
    let mut entries: Entries = fixtures()
        .iter()
        .map(|(connector, partition, offset)| {
            (encode_key(connector, partition), encode_value(Some(offset)))
        })
        .collect();
    if with_tombstone {
        let (connector, partition) = tombstoned();
        entries.insert(encode_key(connector, &partition), None);
    }
    entries
}

struct JavaDump {
    entries: Entries,
    partition_counts: HashMap<String, usize>,
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex from Java"))
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn java_dump(classpath: &str, file: &Path) -> JavaDump {
    let connectors = [
        "local-file-source",
        UNICODE_CONNECTOR,
        "multi",
        "many",
        "large",
    ];
    let mut args = vec!["dump".to_owned(), file.display().to_string()];
    args.extend(connectors.iter().map(|c| c.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = common::run_java(classpath, "OffsetFileParity", &args, b"");
    let stdout = String::from_utf8(output.stdout).expect("Java prints ASCII");
    let mut dump = JavaDump {
        entries: Entries::new(),
        partition_counts: HashMap::new(),
    };
    for line in stdout.lines() {
        let fields: Vec<&str> = line.split(' ').collect();
        match fields.as_slice() {
            ["entry", key, "null"] => {
                dump.entries.insert(unhex(key), None);
            }
            ["entry", key, value] => {
                dump.entries.insert(unhex(key), Some(unhex(value)));
            }
            ["partitions", connector, count] => {
                let connector = String::from_utf8(unhex(connector)).unwrap();
                dump.partition_counts
                    .insert(connector, count.parse().unwrap());
            }
            _ => panic!("unexpected line from OffsetFileParity: {line}"),
        }
    }
    dump
}

fn assert_same_entries(actual: &Entries, expected: &Entries, what: &str) {
    for (key, value) in expected {
        let shown = String::from_utf8_lossy(key);
        match actual.get(key) {
            None => panic!("{what}: key {shown} ({}) is missing", hex(key)),
            Some(found) => assert_eq!(
                found.as_deref().map(String::from_utf8_lossy),
                value.as_deref().map(String::from_utf8_lossy),
                "{what}: value of {shown}"
            ),
        }
    }
    let extra: Vec<_> = actual
        .keys()
        .filter(|k| !expected.contains_key(*k))
        .map(|k| String::from_utf8_lossy(k))
        .collect();
    assert!(extra.is_empty(), "{what}: unexpected keys {extra:?}");
}

fn expected_partition_counts() -> HashMap<String, usize> {
    HashMap::from([
        ("local-file-source".to_owned(), 1),
        (UNICODE_CONNECTOR.to_owned(), 1),
        ("multi".to_owned(), 2),
        ("many".to_owned(), 300),
        ("large".to_owned(), 1),
    ])
}

#[tokio::test]
async fn we_read_the_file_apache_writes() {
    let classpath = common::compile_java("OffsetFileParity");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("apache.offsets");
    common::run_java(
        &classpath,
        "OffsetFileParity",
        &["write", &file.display().to_string()],
        b"",
    );

    // Byte level: the serialized map holds exactly the keys and values we would encode,
    // including Apache's tombstone (a key kept with a null value).
    let raw: Entries = read_byte_array_map(&std::fs::read(&file).unwrap())
        .unwrap()
        .into_iter()
        .map(|(key, value)| (key.expect("Apache writes no null key"), value))
        .collect();
    assert_same_entries(&raw, &expected_entries(true), "Apache's file read by us");
    let java = java_dump(&classpath, &file);
    assert_same_entries(&java.entries, &raw, "Apache's file read by Apache");

    // Through our store and connector-scoped readers.
    let store = Arc::new(FileOffsetBackingStore::new(&file));
    store.start().await.unwrap();
    for (connector, partition, offset) in fixtures() {
        let reader = OffsetStorageReader::new(store.clone(), connector);
        assert_eq!(
            reader.offset(&partition).await.unwrap(),
            Some(offset),
            "{connector} {partition:?}"
        );
    }
    let (connector, partition) = tombstoned();
    let reader = OffsetStorageReader::new(store.clone(), connector);
    assert_eq!(reader.offset(&partition).await.unwrap(), None);
    for (connector, count) in expected_partition_counts() {
        assert_eq!(
            store.connector_partitions(&connector).await.unwrap().len(),
            count,
            "{connector}"
        );
    }
    store.stop().await.unwrap();
}

#[tokio::test]
async fn apache_reads_the_file_we_write() {
    let classpath = common::compile_java("OffsetFileParity");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tributary.offsets");

    let store = Arc::new(FileOffsetBackingStore::new(&file));
    store.start().await.unwrap();
    let mut writers: HashMap<&str, OffsetStorageWriter> = HashMap::new();
    for (connector, partition, offset) in fixtures() {
        let writer = writers
            .entry(connector)
            .or_insert_with(|| OffsetStorageWriter::new(store.clone(), connector));
        writer.offset(&partition, Some(offset)).unwrap();
    }
    let (connector, partition) = tombstoned();
    writers[connector]
        .offset(&partition, Some(map(json!({"lsn": 1}))))
        .unwrap();
    for writer in writers.values() {
        assert!(writer.begin_flush().unwrap());
        writer.do_flush().await.unwrap();
    }
    writers[connector].offset(&partition, None).unwrap();
    assert!(writers[connector].begin_flush().unwrap());
    writers[connector].do_flush().await.unwrap();
    store.stop().await.unwrap();

    let ours: Entries = load_offsets_file(&file)
        .unwrap()
        .into_iter()
        .map(|(key, value)| (key, Some(value)))
        .collect();
    assert_same_entries(&ours, &expected_entries(false), "our file read by us");

    let java = java_dump(&classpath, &file);
    assert_same_entries(&java.entries, &ours, "our file read by Apache");
    assert_eq!(java.partition_counts, expected_partition_counts());
}
