//! Source and sink records, as a connector sees them.

use super::schema::SchemaRef;
use super::value::Value;

/// One record header. The value keeps its schema, as Connect's `Header` does.
#[derive(Clone, Debug, PartialEq)]
pub struct Header {
    pub key: String,
    pub schema: Option<SchemaRef>,
    pub value: Value,
}

/// What a source task produces. `source_partition` and `source_offset` are the JSON maps
/// stored by the offset store (for FileStreamSource `{"filename":..}` and `{"position":..}`).
/// The partition is shared: a task gives the same one to millions of records, and
/// cloning and comparing an `Arc` costs nothing where a map costs allocations and hashing.
#[derive(Clone, Debug, PartialEq)]
pub struct SourceRecord {
    pub source_partition: std::sync::Arc<serde_json::Map<String, serde_json::Value>>,
    pub source_offset: serde_json::Map<String, serde_json::Value>,
    pub topic: String,
    pub kafka_partition: Option<i32>,
    pub key_schema: Option<SchemaRef>,
    pub key: Value,
    pub value_schema: Option<SchemaRef>,
    pub value: Value,
    pub timestamp: Option<i64>,
    pub headers: Vec<Header>,
}

/// How a sink record's timestamp was set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimestampType {
    NoTimestampType,
    CreateTime,
    LogAppendTime,
}

/// What a sink task receives.
#[derive(Clone, Debug, PartialEq)]
pub struct SinkRecord {
    pub topic: String,
    pub kafka_partition: i32,
    pub kafka_offset: i64,
    pub key_schema: Option<SchemaRef>,
    pub key: Value,
    pub value_schema: Option<SchemaRef>,
    pub value: Value,
    pub timestamp: Option<i64>,
    pub timestamp_type: TimestampType,
    pub headers: Vec<Header>,
}
