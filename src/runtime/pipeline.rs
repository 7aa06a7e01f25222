//! The converters of one task (key, value, header) and the record ↔ bytes steps that
//! surround them in both pipelines. Each step is one error-handling stage (Apache's
//! `KEY_CONVERTER`, `VALUE_CONVERTER`, `HEADER_CONVERTER`), so each fails on its own with
//! a [`ProcessingError`] the task's error handler reports and tolerates or not.

use rdkafka::Message;
use rdkafka::message::{BorrowedMessage, Headers, OwnedHeaders};

use super::errors::ProcessingError;
use crate::data::converters::{CONVERTER_CLASSES, Converter};
use crate::data::{Header, SchemaAndValue, SinkRecord, SourceRecord, TimestampType, Value};

/// The header converter Apache uses by default; ours behaves like it for the common
/// cases and is what error reports name.
pub const HEADER_CONVERTER_CLASS: &str = "org.apache.kafka.connect.storage.SimpleHeaderConverter";

/// The key, value and header converters a task was configured with (worker defaults,
/// overridden per connector).
pub struct Converters {
    pub key: Box<dyn Converter>,
    pub value: Box<dyn Converter>,
    /// The key converter's Java class name, for error reports.
    pub key_class: String,
    /// The value converter's Java class name, for error reports.
    pub value_class: String,
}

/// The Java class name of a converter given by full or simple name (`JsonConverter` →
/// `org.apache.kafka.connect.json.JsonConverter`); unknown names are returned as given.
pub fn converter_class_name(class: &str) -> String {
    let class = class.trim();
    if class.contains('.') {
        return class.to_owned();
    }
    CONVERTER_CLASSES
        .iter()
        .find(|c| c.rsplit('.').next() == Some(class))
        .map_or_else(|| class.to_owned(), |c| (*c).to_owned())
}

impl Converters {
    /// Serializes the record key into `buf` (cleared first); false when the key is
    /// Kafka null.
    pub fn key_bytes(
        &self,
        record: &SourceRecord,
        buf: &mut Vec<u8>,
    ) -> Result<bool, ProcessingError> {
        buf.clear();
        self.key
            .from_connect_data_into(
                &record.topic,
                record.key_schema.as_deref(),
                &record.key,
                buf,
            )
            .map_err(|e| ProcessingError::from_conversion(&e))
    }

    /// Serializes the record value into `buf` (cleared first); false when the value is
    /// Kafka null.
    pub fn value_bytes(
        &self,
        record: &SourceRecord,
        buf: &mut Vec<u8>,
    ) -> Result<bool, ProcessingError> {
        buf.clear();
        self.value
            .from_connect_data_into(
                &record.topic,
                record.value_schema.as_deref(),
                &record.value,
                buf,
            )
            .map_err(|e| ProcessingError::from_conversion(&e))
    }

    /// Record headers for the producer. Strings and bytes go as they are, other values
    /// in their text form, null as a null header (the common cases of Apache's default
    /// `SimpleHeaderConverter`).
    pub fn header_bytes(
        &self,
        record: &SourceRecord,
    ) -> Result<Option<OwnedHeaders>, ProcessingError> {
        if record.headers.is_empty() {
            return Ok(None);
        }
        let mut owned = OwnedHeaders::new_with_capacity(record.headers.len());
        for header in &record.headers {
            let value = header_value_bytes(&header.value);
            owned = owned.insert(rdkafka::message::Header {
                key: &header.key,
                value: value.as_deref(),
            });
        }
        Ok(Some(owned))
    }

    /// The key of a consumed message (from `topic`: librdkafka looks a message's topic
    /// name up on every call, so callers ask once) as Connect data.
    pub fn key_data(
        &self,
        topic: &str,
        message: &BorrowedMessage<'_>,
    ) -> Result<SchemaAndValue, ProcessingError> {
        self.key
            .to_connect_data(topic, message.key())
            .map_err(|e| ProcessingError::from_conversion(&e))
    }

    /// The value of a consumed message (from `topic`) as Connect data.
    pub fn value_data(
        &self,
        topic: &str,
        message: &BorrowedMessage<'_>,
    ) -> Result<SchemaAndValue, ProcessingError> {
        self.value
            .to_connect_data(topic, message.payload())
            .map_err(|e| ProcessingError::from_conversion(&e))
    }

    /// The headers of a consumed message: UTF-8 values as strings, others as bytes.
    pub fn header_data(
        &self,
        message: &BorrowedMessage<'_>,
    ) -> Result<Vec<Header>, ProcessingError> {
        Ok(message
            .headers()
            .map(|headers| {
                headers
                    .iter()
                    .map(|h| Header {
                        key: h.key.to_owned(),
                        schema: None,
                        value: match h.value {
                            None => Value::Null,
                            Some(bytes) => match std::str::from_utf8(bytes) {
                                Ok(s) => Value::String(s.to_owned()),
                                Err(_) => Value::Bytes(bytes.to_vec()),
                            },
                        },
                    })
                    .collect()
            })
            .unwrap_or_default())
    }
}

/// The record a sink task sees, from a consumed message (from `topic`) and its
/// converted parts.
pub fn sink_record(
    topic: &str,
    message: &BorrowedMessage<'_>,
    key: SchemaAndValue,
    value: SchemaAndValue,
    headers: Vec<Header>,
) -> SinkRecord {
    let (timestamp_type, timestamp) = match message.timestamp() {
        rdkafka::Timestamp::NotAvailable => (TimestampType::NoTimestampType, None),
        rdkafka::Timestamp::CreateTime(t) => (TimestampType::CreateTime, Some(t)),
        rdkafka::Timestamp::LogAppendTime(t) => (TimestampType::LogAppendTime, Some(t)),
    };
    SinkRecord {
        topic: topic.to_owned(),
        kafka_partition: message.partition(),
        kafka_offset: message.offset(),
        key_schema: key.schema,
        key: key.value,
        value_schema: value.schema,
        value: value.value,
        timestamp,
        timestamp_type,
        headers,
    }
}

fn header_value_bytes(value: &Value) -> Option<Vec<u8>> {
    Some(match value {
        Value::Null => return None,
        Value::String(s) => s.as_bytes().to_vec(),
        Value::Bytes(b) => b.clone(),
        Value::Boolean(b) => b.to_string().into_bytes(),
        Value::Int8(v) => v.to_string().into_bytes(),
        Value::Int16(v) => v.to_string().into_bytes(),
        Value::Int32(v) => v.to_string().into_bytes(),
        Value::Int64(v) => v.to_string().into_bytes(),
        Value::Float32(v) => v.to_string().into_bytes(),
        Value::Float64(v) => v.to_string().into_bytes(),
        other => format!("{other:?}").into_bytes(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simple_converter_names_become_java_names() {
        assert_eq!(
            converter_class_name("JsonConverter"),
            "org.apache.kafka.connect.json.JsonConverter"
        );
        assert_eq!(
            converter_class_name("org.apache.kafka.connect.storage.StringConverter"),
            "org.apache.kafka.connect.storage.StringConverter"
        );
    }
}
