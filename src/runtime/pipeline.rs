//! The converters of one task (key, value, header) and the record ↔ bytes steps that
//! surround them in both pipelines.

use rdkafka::Message;
use rdkafka::message::{BorrowedMessage, Headers, OwnedHeaders};

use crate::data::converters::Converter;
use crate::data::{Header, SinkRecord, SourceRecord, TimestampType, Value};

/// The key, value and header converters a task was configured with (worker defaults,
/// overridden per connector).
pub struct Converters {
    pub key: Box<dyn Converter>,
    pub value: Box<dyn Converter>,
}

impl Converters {
    /// Serializes the record key into `buf` (cleared first); false when the key is
    /// Kafka null.
    pub fn key_bytes(&self, record: &SourceRecord, buf: &mut Vec<u8>) -> Result<bool, String> {
        buf.clear();
        self.key
            .from_connect_data_into(
                &record.topic,
                record.key_schema.as_deref(),
                &record.key,
                buf,
            )
            .map_err(|e| {
                format!(
                    "Failed to convert the key of a record for topic {}: {e}",
                    record.topic
                )
            })
    }

    /// Serializes the record value into `buf` (cleared first); false when the value is
    /// Kafka null.
    pub fn value_bytes(&self, record: &SourceRecord, buf: &mut Vec<u8>) -> Result<bool, String> {
        buf.clear();
        self.value
            .from_connect_data_into(
                &record.topic,
                record.value_schema.as_deref(),
                &record.value,
                buf,
            )
            .map_err(|e| {
                format!(
                    "Failed to convert the value of a record for topic {}: {e}",
                    record.topic
                )
            })
    }

    /// Record headers for the producer. Strings and bytes go as they are, other values
    /// in their text form, null as a null header (the common cases of Apache's default
    /// `SimpleHeaderConverter`).
    pub fn header_bytes(&self, record: &SourceRecord) -> Result<Option<OwnedHeaders>, String> {
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

    /// Turns a consumed message into the record a sink task sees.
    pub fn sink_record(&self, message: &BorrowedMessage<'_>) -> Result<SinkRecord, String> {
        let topic = message.topic();
        let key = self
            .key
            .to_connect_data(topic, message.key())
            .map_err(|e| {
                format!(
                    "Failed to convert the key of {topic}-{}@{}: {e}",
                    message.partition(),
                    message.offset()
                )
            })?;
        let value = self
            .value
            .to_connect_data(topic, message.payload())
            .map_err(|e| {
                format!(
                    "Failed to convert the value of {topic}-{}@{}: {e}",
                    message.partition(),
                    message.offset()
                )
            })?;
        let (timestamp_type, timestamp) = match message.timestamp() {
            rdkafka::Timestamp::NotAvailable => (TimestampType::NoTimestampType, None),
            rdkafka::Timestamp::CreateTime(t) => (TimestampType::CreateTime, Some(t)),
            rdkafka::Timestamp::LogAppendTime(t) => (TimestampType::LogAppendTime, Some(t)),
        };
        let headers = message
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
            .unwrap_or_default();
        Ok(SinkRecord {
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
        })
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
