//! The record as a transform sees it (Apache's `ConnectRecord`): the parts both source and
//! sink records have. The pipeline splits a `SourceRecord`/`SinkRecord` into this and the
//! parts only one side has, and joins them again after the chain.

use crate::data::{
    Header, RecordOffset, SchemaRef, SinkRecord, SourceRecord, TimestampType, Value,
};

/// Topic, partition, key, value, timestamp and headers of a record, and the Kafka offset
/// of a sink record.
#[derive(Clone, Debug, PartialEq)]
pub struct ConnectRecord {
    pub topic: String,
    pub kafka_partition: Option<i32>,
    /// `SinkRecord.kafkaOffset()`: Some for a sink record, None for a source record (where
    /// Apache's `requireSinkRecord` fails, e.g. InsertField's `offset.field`).
    pub kafka_offset: Option<i64>,
    pub key_schema: Option<SchemaRef>,
    pub key: Value,
    pub value_schema: Option<SchemaRef>,
    pub value: Value,
    pub timestamp: Option<i64>,
    pub headers: Vec<Header>,
}

/// What a source record keeps aside while its common part goes through the chain.
pub struct SourceExtras {
    pub source_partition: std::sync::Arc<serde_json::Map<String, serde_json::Value>>,
    pub source_offset: RecordOffset,
}

/// What a sink record keeps aside while its common part goes through the chain.
/// (`kafka_offset` is also on the [`ConnectRecord`] for the transforms to read; the one
/// here is the offset committed, whatever a transform does to the record.)
pub struct SinkExtras {
    /// The partition the record was consumed from: offsets are committed for it even when
    /// a transform changes `kafka_partition`.
    pub kafka_partition: i32,
    pub kafka_offset: i64,
    pub timestamp_type: TimestampType,
}

impl ConnectRecord {
    pub fn from_source(record: SourceRecord) -> (ConnectRecord, SourceExtras) {
        let SourceRecord {
            source_partition,
            source_offset,
            topic,
            kafka_partition,
            key_schema,
            key,
            value_schema,
            value,
            timestamp,
            headers,
        } = record;
        (
            ConnectRecord {
                topic,
                kafka_partition,
                kafka_offset: None,
                key_schema,
                key,
                value_schema,
                value,
                timestamp,
                headers,
            },
            SourceExtras {
                source_partition,
                source_offset,
            },
        )
    }

    pub fn into_source(self, extras: SourceExtras) -> SourceRecord {
        SourceRecord {
            source_partition: extras.source_partition,
            source_offset: extras.source_offset,
            topic: self.topic,
            kafka_partition: self.kafka_partition,
            key_schema: self.key_schema,
            key: self.key,
            value_schema: self.value_schema,
            value: self.value,
            timestamp: self.timestamp,
            headers: self.headers,
        }
    }

    pub fn from_sink(record: SinkRecord) -> (ConnectRecord, SinkExtras) {
        let SinkRecord {
            topic,
            kafka_partition,
            kafka_offset,
            key_schema,
            key,
            value_schema,
            value,
            timestamp,
            timestamp_type,
            headers,
        } = record;
        (
            ConnectRecord {
                topic,
                kafka_partition: Some(kafka_partition),
                kafka_offset: Some(kafka_offset),
                key_schema,
                key,
                value_schema,
                value,
                timestamp,
                headers,
            },
            SinkExtras {
                kafka_partition,
                kafka_offset,
                timestamp_type,
            },
        )
    }

    pub fn into_sink(self, extras: SinkExtras) -> SinkRecord {
        SinkRecord {
            topic: self.topic,
            kafka_partition: self.kafka_partition.unwrap_or(extras.kafka_partition),
            kafka_offset: extras.kafka_offset,
            key_schema: self.key_schema,
            key: self.key,
            value_schema: self.value_schema,
            value: self.value,
            timestamp: self.timestamp,
            timestamp_type: extras.timestamp_type,
            headers: self.headers,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sink_record() -> SinkRecord {
        SinkRecord {
            topic: "t".into(),
            kafka_partition: 2,
            kafka_offset: 41,
            key_schema: None,
            key: Value::Null,
            value_schema: None,
            value: Value::from("v"),
            timestamp: None,
            timestamp_type: TimestampType::NoTimestampType,
            headers: Vec::new(),
        }
    }

    #[test]
    fn only_sink_records_carry_a_kafka_offset() {
        let (mut record, extras) = ConnectRecord::from_sink(sink_record());
        assert_eq!(record.kafka_offset, Some(41));
        // The committed offset is the consumed one, whatever a transform does.
        record.kafka_offset = Some(7);
        assert_eq!(record.into_sink(extras).kafka_offset, 41);

        let source = SourceRecord {
            source_partition: Default::default(),
            source_offset: Default::default(),
            topic: "t".into(),
            kafka_partition: None,
            key_schema: None,
            key: Value::Null,
            value_schema: None,
            value: Value::Null,
            timestamp: None,
            headers: Vec::new(),
        };
        assert_eq!(ConnectRecord::from_source(source).0.kafka_offset, None);
    }
}
