//! Parity of our transform chain with Apache Kafka's: every case in `tests/transforms/*.json`
//! goes through Apache's real transformations and predicates (from the lab's jars, built by
//! Apache's own `ConnectorConfig.transformationStages()` in `tests/java/TransformParity.java`)
//! and through our [`TransformChain`]; each record must come out as the same line.
//!
//! # Case files
//!
//! A file holds a JSON array of cases (or a single case object):
//!
//! ```json
//! { "name": "regex_router_groups",
//!   "config": { "transforms": "r",
//!               "transforms.r.type": "org.apache.kafka.connect.transforms.RegexRouter",
//!               "transforms.r.regex": "(.*)-raw", "transforms.r.replacement": "$1",
//!               "predicates": "p", "predicates.p.type": "...", "transforms.r.predicate": "p" },
//!   "records": [ { "topic": "t", "partition": 0, "timestamp": 1700000000000, "key": null,
//!                  "value": {"schema": null, "payload": {"a": 1}},
//!                  "headers": [{"key": "h", "value": {"schema": {"type": "string"}, "payload": "x"}}] } ] }
//! ```
//!
//! * `config` is the connector config (string values; numbers and booleans are written as
//!   text); `name` and `connector.class` (FileStreamSource) are added unless present.
//! * Keys, values and header values are JsonConverter envelopes (`schemas.enable=true`;
//!   `"schema": null` is schemaless data, a bare `null` a null key/value).
//! * `partition`, `timestamp` and `headers` may be left out.
//! * A record with an `offset` is a sink record (`SinkRecord` with that `kafkaOffset`,
//!   partition 0 when left out); without one, a source record.
//!
//! # What is compared
//!
//! Per case, either one `{"error":"<message>"}` line when the chain cannot be built (config
//! errors, with the message of Apache's first exception that is not a bare wrapper), or one line per record:
//! `{"topic":..,"partition":..,"timestamp":..,"key":<envelope>,"value":<envelope>,"headers":[{"key":..,"value":<envelope>}]}`,
//! `null` when the chain dropped the record, `{"error":"<message>"}` when a step failed on
//! it. Envelopes are written by each side's JsonConverter (whose bytes are themselves
//! checked by `converter_parity`). Every differing case is reported, not only the first.

use crate::common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use tributary::data::converters::{Converter, JsonConfig, JsonConverter};
use tributary::data::{Header, SchemaAndValue, SchemaRef, Value};
use tributary::runtime::TransformChain;
use tributary::runtime::config::connector::ConnectorConfig;
use tributary::transforms::ConnectRecord;

/// One case as read from a file.
struct Case {
    file: String,
    name: String,
    config: IndexMap<String, String>,
    records: Vec<serde_json::Value>,
}

fn case_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/transforms");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no case files in {}", dir.display());
    files
}

fn text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn read_cases(file: &Path) -> Vec<Case> {
    let raw = std::fs::read(file).unwrap();
    let root: serde_json::Value = serde_json::from_slice(&raw)
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", file.display()));
    let list = match root {
        serde_json::Value::Array(items) => items,
        single => vec![single],
    };
    let file_name = file.file_name().unwrap().to_string_lossy().into_owned();
    list.into_iter()
        .map(|case| {
            let name = case["name"]
                .as_str()
                .unwrap_or_else(|| panic!("a case in {file_name} has no name"))
                .to_owned();
            let mut config = IndexMap::new();
            config.insert("name".to_owned(), "transform-parity".to_owned());
            config.insert(
                "connector.class".to_owned(),
                "org.apache.kafka.connect.file.FileStreamSourceConnector".to_owned(),
            );
            if let Some(map) = case["config"].as_object() {
                for (k, v) in map {
                    config.insert(k.clone(), text(v));
                }
            }
            let records = case["records"].as_array().cloned().unwrap_or_default();
            Case {
                file: file_name.clone(),
                name,
                config,
                records,
            }
        })
        .collect()
}

/// Runs Apache's chain over every file; the lines of each case, by (file, name).
fn apache_lines(files: &[PathBuf]) -> BTreeMap<(String, String), Vec<String>> {
    let classpath = common::compile_java("TransformParity");
    let args: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = common::run_java(&classpath, "TransformParity", &args, b"");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let mut cases: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    let mut current: Option<(String, String)> = None;
    for line in stdout.lines() {
        if let Some(rest) = line.strip_prefix("CASE\t") {
            let (file, name) = rest.split_once('\t').unwrap();
            let key = (file.to_owned(), name.to_owned());
            assert!(
                !cases.contains_key(&key),
                "case {name} appears twice in {file}"
            );
            cases.insert(key.clone(), Vec::new());
            current = Some(key);
        } else {
            let key = current.as_ref().expect("output before the first CASE line");
            cases.get_mut(key).unwrap().push(line.to_owned());
        }
    }
    cases
}

struct Ours {
    envelopes: JsonConverter,
    plain: JsonConverter,
}

impl Ours {
    fn new() -> Self {
        Ours {
            envelopes: JsonConverter::new(JsonConfig::default()),
            plain: JsonConverter::new(JsonConfig {
                schemas_enable: false,
                ..JsonConfig::default()
            }),
        }
    }

    /// A JSON string as Jackson escapes it (our schemaless converter writes Jackson's bytes).
    fn quote(&self, s: &str) -> String {
        let bytes = self
            .plain
            .from_connect_data("", None, &Value::String(s.to_owned()))
            .unwrap()
            .unwrap();
        String::from_utf8(bytes).unwrap()
    }

    fn error(&self, message: &str) -> String {
        format!("{{\"error\":{}}}", self.quote(message))
    }

    fn read(&self, topic: &str, envelope: &serde_json::Value) -> Result<SchemaAndValue, String> {
        if envelope.is_null() {
            return Ok(SchemaAndValue::NULL);
        }
        let bytes = serde_json::to_vec(envelope).unwrap();
        self.envelopes
            .to_connect_data(topic, Some(&bytes))
            .map_err(|e| e.to_string())
    }

    fn envelope(
        &self,
        topic: &str,
        schema: Option<&SchemaRef>,
        value: &Value,
    ) -> Result<String, String> {
        match self
            .envelopes
            .from_connect_data(topic, schema.map(|s| s.as_ref()), value)
        {
            Ok(Some(bytes)) => Ok(String::from_utf8(bytes).unwrap()),
            Ok(None) => Ok("null".to_owned()),
            Err(e) => Err(e.to_string()),
        }
    }

    fn record(&self, r: &serde_json::Value) -> Result<ConnectRecord, String> {
        let topic = r["topic"]
            .as_str()
            .expect("a record without topic")
            .to_owned();
        let key = self.read(&topic, &r["key"])?;
        let value = self.read(&topic, &r["value"])?;
        let mut headers = Vec::new();
        for h in r["headers"].as_array().into_iter().flatten() {
            let hv = self.read(&topic, &h["value"])?;
            headers.push(Header {
                key: h["key"].as_str().expect("a header without key").to_owned(),
                schema: hv.schema,
                value: hv.value,
            });
        }
        // A record with an offset is a sink record, consumed from partition 0 unless given.
        let kafka_offset = r["offset"].as_i64();
        let partition = r["partition"].as_i64().map(|p| p as i32);
        Ok(ConnectRecord {
            kafka_partition: partition.or(kafka_offset.map(|_| 0)),
            kafka_offset,
            timestamp: r["timestamp"].as_i64(),
            topic,
            key_schema: key.schema,
            key: key.value,
            value_schema: value.schema,
            value: value.value,
            headers,
        })
    }

    fn describe(&self, record: &ConnectRecord) -> Result<String, String> {
        let optional = |v: Option<i64>| v.map_or("null".to_owned(), |v| v.to_string());
        let mut line = format!(
            "{{\"topic\":{},\"partition\":{},\"timestamp\":{},\"key\":{},\"value\":{},\"headers\":[",
            self.quote(&record.topic),
            optional(record.kafka_partition.map(i64::from)),
            optional(record.timestamp),
            self.envelope(&record.topic, record.key_schema.as_ref(), &record.key)?,
            self.envelope(&record.topic, record.value_schema.as_ref(), &record.value)?,
        );
        for (i, h) in record.headers.iter().enumerate() {
            if i > 0 {
                line.push(',');
            }
            line.push_str(&format!(
                "{{\"key\":{},\"value\":{}}}",
                self.quote(&h.key),
                self.envelope(&record.topic, h.schema.as_ref(), &h.value)?
            ));
        }
        line.push_str("]}");
        Ok(line)
    }

    fn run(&self, case: &Case) -> Vec<String> {
        let chain = ConnectorConfig::from_props(&case.config)
            .map_err(|e| e.to_string())
            .and_then(|config| TransformChain::from_config(&config).map_err(|e| e.to_string()));
        let chain = match chain {
            Ok(chain) => chain,
            Err(message) => return vec![self.error(&message)],
        };
        case.records
            .iter()
            .map(|r| {
                let result = self.record(r).and_then(|record| {
                    match chain.apply(record).map_err(|e| e.to_string())? {
                        Some(out) => self.describe(&out),
                        None => Ok("null".to_owned()),
                    }
                });
                result.unwrap_or_else(|message| self.error(&message))
            })
            .collect()
    }
}

#[test]
fn transform_chains_match_apache() {
    let files = case_files();
    let expected = apache_lines(&files);
    let ours = Ours::new();
    let mut failures = Vec::new();
    let mut count = 0;
    for file in &files {
        for case in read_cases(file) {
            count += 1;
            let key = (case.file.clone(), case.name.clone());
            let Some(java) = expected.get(&key) else {
                failures.push(format!(
                    "{} / {}: Apache printed nothing",
                    case.file, case.name
                ));
                continue;
            };
            let actual = ours.run(&case);
            if &actual != java {
                failures.push(format!(
                    "{} / {}:\n  expected (Apache):\n    {}\n  actual (ours):\n    {}",
                    case.file,
                    case.name,
                    java.join("\n    "),
                    actual.join("\n    ")
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {count} transform cases differ from Apache:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
