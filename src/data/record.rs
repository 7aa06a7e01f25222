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

type JsonMap = serde_json::Map<String, serde_json::Value>;

/// A source record's offset. Connect's is a JSON map; a connector whose offset is one
/// integer field (a file position, a row id) can give it as a [`RecordOffset::Field`],
/// which costs no map per record (building or cloning one was ~10% of a file source's
/// CPU). Both forms are the same map to whatever stores, shows or compares them.
#[derive(Clone, Debug)]
pub enum RecordOffset {
    Map(JsonMap),
    /// `{key: value}`, `null` for `None`.
    Field {
        key: &'static str,
        value: Option<i64>,
    },
}

impl RecordOffset {
    /// The offset as the map the offset store keeps.
    pub fn into_map(self) -> JsonMap {
        match self {
            RecordOffset::Map(map) => map,
            RecordOffset::Field { key, value } => JsonMap::from_iter([(
                key.to_owned(),
                value.map_or(serde_json::Value::Null, Into::into),
            )]),
        }
    }

    /// [`Self::into_map`] of a copy.
    pub fn to_map(&self) -> JsonMap {
        self.clone().into_map()
    }
}

impl Default for RecordOffset {
    fn default() -> Self {
        RecordOffset::Map(JsonMap::new())
    }
}

impl From<JsonMap> for RecordOffset {
    fn from(map: JsonMap) -> Self {
        RecordOffset::Map(map)
    }
}

impl PartialEq for RecordOffset {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (RecordOffset::Map(a), RecordOffset::Map(b)) => a == b,
            (
                RecordOffset::Field { key, value },
                RecordOffset::Field {
                    key: other_key,
                    value: other_value,
                },
            ) => key == other_key && value == other_value,
            _ => self.to_map() == other.to_map(),
        }
    }
}

/// What a source task produces. `source_partition` and `source_offset` are what the
/// offset store keeps (for FileStreamSource `{"filename":..}` and `{"position":..}`).
/// The partition is shared: a task gives the same one to millions of records, and
/// cloning and comparing an `Arc` costs nothing where a map costs allocations and hashing.
#[derive(Clone, Debug, PartialEq)]
pub struct SourceRecord {
    pub source_partition: std::sync::Arc<JsonMap>,
    pub source_offset: RecordOffset,
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_field_offset_is_the_one_entry_map() {
        let field = RecordOffset::Field {
            key: "position",
            value: Some(7),
        };
        assert_eq!(
            field.to_map(),
            json!({"position": 7}).as_object().unwrap().clone()
        );
        let map = RecordOffset::from(json!({"position": 7}).as_object().unwrap().clone());
        assert_eq!(field, map);
        let null = RecordOffset::Field {
            key: "position",
            value: None,
        };
        assert_eq!(
            null.into_map(),
            json!({"position": null}).as_object().unwrap().clone()
        );
    }
}
