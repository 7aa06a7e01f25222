//! Record blocks: the Java side's records as Tributary's data model and back.
//!
//! Keys, values and headers cross in JsonConverter's schema-and-payload envelope, read and
//! written by Tributary's own [`JsonConverter`], which is byte-compatible with Apache's:
//! the envelope keeps every schema detail, so Tributary's transforms and converters then
//! treat a Java connector's records exactly as a native connector's. Nulls are not
//! replaced by defaults and decimals cross as their unscaled bytes, so nothing is lost on
//! the way. Partitions and offsets cross as the schemaless JSON Apache's offset store
//! writes, kept in the order Java's maps gave it (the store's keys are those bytes).

use std::collections::BTreeMap;
use std::io;
use std::sync::Arc;

use super::wire::{BlockReader, BlockWriter};
use crate::data::converters::{Converter, JsonConverter};
use crate::data::{Header, RecordOffset, SinkRecord, SourceRecord, TimestampType};

/// Converts the envelopes of one task's records; keeps the converter's schema cache.
#[derive(Debug)]
pub struct RecordCodec {
    envelope: JsonConverter,
}

impl Default for RecordCodec {
    fn default() -> Self {
        let config: BTreeMap<String, String> = [
            ("schemas.enable", "true"),
            ("replace.null.with.default", "false"),
            ("decimal.format", "BASE64"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        RecordCodec {
            envelope: JsonConverter::from_config(&config)
                .expect("the crossing converter's settings are valid"),
        }
    }
}

type JsonMap = serde_json::Map<String, serde_json::Value>;

impl RecordCodec {
    /// A `poll` answer's block.
    pub fn decode_source(&self, block: &[u8]) -> io::Result<Vec<SourceRecord>> {
        let mut input = BlockReader::new(block);
        let count = input.i32()?.max(0) as usize;
        let mut records = Vec::with_capacity(count);
        // A task gives one partition to many records in a row: parse it once.
        let mut last_partition: Option<(Vec<u8>, Arc<JsonMap>)> = None;
        for _ in 0..count {
            let partition_bytes = input.bytes()?.unwrap_or(b"{}");
            let partition = match &last_partition {
                Some((bytes, map)) if bytes == partition_bytes => map.clone(),
                _ => {
                    let map = Arc::new(json_map(partition_bytes)?);
                    last_partition = Some((partition_bytes.to_vec(), map.clone()));
                    map
                }
            };
            let offset = json_map(input.bytes()?.unwrap_or(b"{}"))?;
            let topic = input.string()?;
            let kafka_partition = Some(input.i32()?).filter(|p| *p >= 0);
            let timestamp = input.timestamp()?;
            let key = self.read(&topic, input.bytes()?)?;
            let value = self.read(&topic, input.bytes()?)?;
            let headers = self.read_headers(&topic, &mut input)?;
            records.push(SourceRecord {
                source_partition: partition,
                source_offset: RecordOffset::Map(offset),
                topic,
                kafka_partition,
                key_schema: key.schema,
                key: key.value,
                value_schema: value.schema,
                value: value.value,
                timestamp,
                headers,
            });
        }
        Ok(records)
    }

    /// A `put` request's block.
    pub fn encode_sink(&self, records: &[SinkRecord]) -> io::Result<Vec<u8>> {
        let mut out = BlockWriter::default();
        out.i32(records.len() as i32);
        for record in records {
            out.bytes(Some(record.topic.as_bytes()));
            out.i32(record.kafka_partition);
            out.i64(record.kafka_offset);
            out.i8(match record.timestamp_type {
                TimestampType::NoTimestampType => 0,
                TimestampType::CreateTime => 1,
                TimestampType::LogAppendTime => 2,
            });
            out.timestamp(record.timestamp);
            let key = self.write(&record.topic, record.key_schema.as_deref(), &record.key)?;
            out.bytes(key.as_deref());
            let value = self.write(&record.topic, record.value_schema.as_deref(), &record.value)?;
            out.bytes(value.as_deref());
            out.i32(record.headers.len() as i32);
            for header in &record.headers {
                out.bytes(Some(header.key.as_bytes()));
                let value = self.write(&record.topic, header.schema.as_deref(), &header.value)?;
                out.bytes(value.as_deref());
            }
        }
        Ok(out.bytes)
    }

    fn read_headers(&self, topic: &str, input: &mut BlockReader<'_>) -> io::Result<Vec<Header>> {
        let count = input.i32()?.max(0) as usize;
        let mut headers = Vec::with_capacity(count);
        for _ in 0..count {
            let key = input.string()?;
            let value = self.read(topic, input.bytes()?)?;
            headers.push(Header {
                key,
                schema: value.schema,
                value: value.value,
            });
        }
        Ok(headers)
    }

    fn read(&self, topic: &str, bytes: Option<&[u8]>) -> io::Result<crate::data::SchemaAndValue> {
        self.envelope.to_connect_data(topic, bytes).or_else(|e| {
            self.read_required_null(topic, bytes)
                .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))
        })
    }

    /// A null with a required schema, which the host sends as the envelope of that schema
    /// with a null payload (`Records.envelope`; MirrorMaker 2's tombstones are null values
    /// of `Schema.BYTES_SCHEMA`): the converter refuses to read that as such, so it reads
    /// the schema made optional, which is then made required again. `None` for anything
    /// else, which stays the converter's error.
    fn read_required_null(
        &self,
        topic: &str,
        bytes: Option<&[u8]>,
    ) -> Option<crate::data::SchemaAndValue> {
        let mut envelope: serde_json::Value = serde_json::from_slice(bytes?).ok()?;
        if !envelope.get("payload")?.is_null() {
            return None;
        }
        let schema = envelope.get_mut("schema")?.as_object_mut()?;
        if schema.get("optional") == Some(&serde_json::Value::Bool(true)) {
            return None;
        }
        schema.insert("optional".to_owned(), serde_json::Value::Bool(true));
        let optional = serde_json::to_vec(&envelope).ok()?;
        let read = self.envelope.to_connect_data(topic, Some(&optional)).ok()?;
        if !read.value.is_null() {
            return None;
        }
        let mut schema = (*read.schema?).clone();
        schema.optional = false;
        Some(crate::data::SchemaAndValue {
            schema: Some(Arc::new(schema)),
            value: crate::data::Value::Null,
        })
    }

    fn write(
        &self,
        topic: &str,
        schema: Option<&crate::data::Schema>,
        value: &crate::data::Value,
    ) -> io::Result<Option<Vec<u8>>> {
        self.envelope
            .from_connect_data(topic, schema, value)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))
    }
}

fn json_map(bytes: &[u8]) -> io::Result<JsonMap> {
    match serde_json::from_slice(bytes) {
        Ok(serde_json::Value::Object(map)) => Ok(map),
        Ok(serde_json::Value::Null) => Ok(JsonMap::new()),
        Ok(other) => Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("a source partition or offset is not a map: {other}"),
        )),
        Err(e) => Err(io::Error::new(io::ErrorKind::InvalidData, e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Schema, SchemaType, Value};

    /// A block as `Records.encodeSource` writes it, by hand.
    fn source_block() -> Vec<u8> {
        let mut out = BlockWriter::default();
        out.i32(2);
        for (offset, key) in [(7, "a"), (8, "b")] {
            out.bytes(Some(br#"{"server":"db","slot":1}"#));
            out.bytes(Some(format!(r#"{{"lsn":{offset},"txId":3}}"#).as_bytes()));
            out.bytes(Some(b"db.public.t"));
            out.i32(-1);
            out.timestamp(Some(1_700_000_000_000));
            out.bytes(Some(
                format!(r#"{{"schema":{{"type":"string","optional":false}},"payload":"{key}"}}"#)
                    .as_bytes(),
            ));
            out.bytes(None);
            out.i32(1);
            out.bytes(Some(b"h"));
            out.bytes(Some(
                br#"{"schema":{"type":"int32","optional":true,"default":5},"payload":null}"#,
            ));
        }
        out.bytes
    }

    #[test]
    fn source_records_keep_maps_in_order_and_nulls_as_nulls() {
        let records = RecordCodec::default()
            .decode_source(&source_block())
            .unwrap();
        assert_eq!(records.len(), 2);
        let first = &records[0];
        assert_eq!(
            serde_json::to_string(&*first.source_partition).unwrap(),
            r#"{"server":"db","slot":1}"#
        );
        assert!(Arc::ptr_eq(
            &records[0].source_partition,
            &records[1].source_partition
        ));
        assert_eq!(
            serde_json::to_string(&first.source_offset.to_map()).unwrap(),
            r#"{"lsn":7,"txId":3}"#
        );
        assert_eq!(first.topic, "db.public.t");
        assert_eq!(first.kafka_partition, None);
        assert_eq!(first.key, Value::from("a"));
        assert_eq!(first.value_schema, None);
        assert!(first.value.is_null());
        // The header's null stays null although its schema has a default.
        assert!(first.headers[0].value.is_null());
    }

    /// A tombstone as MirrorMaker 2 gives it: a null value of a required bytes schema.
    #[test]
    fn a_null_with_a_required_schema_stays_so() {
        let codec = RecordCodec::default();
        let read = codec
            .read(
                "t",
                Some(br#"{"schema":{"type":"bytes","optional":false},"payload":null}"#),
            )
            .unwrap();
        let schema = read.schema.unwrap();
        assert_eq!(schema.schema_type, SchemaType::Bytes);
        assert!(!schema.optional);
        assert!(read.value.is_null());
        // Other envelopes the converter refuses stay refused (here: no payload).
        assert!(
            codec
                .read(
                    "t",
                    Some(br#"{"schema":{"type":"bytes","optional":false}}"#)
                )
                .is_err()
        );
    }

    #[test]
    fn sink_records_cross_as_envelopes() {
        let record = SinkRecord {
            topic: "t".into(),
            kafka_partition: 2,
            kafka_offset: 41,
            key_schema: None,
            key: Value::Null,
            value_schema: Some(Schema::new(SchemaType::Int64).into_ref()),
            value: Value::Int64(9),
            timestamp: None,
            timestamp_type: TimestampType::CreateTime,
            headers: Vec::new(),
        };
        let block = RecordCodec::default().encode_sink(&[record]).unwrap();
        let mut input = BlockReader::new(&block);
        assert_eq!(input.i32().unwrap(), 1);
        assert_eq!(input.string().unwrap(), "t");
        assert_eq!(input.i32().unwrap(), 2);
        assert_eq!(input.i64().unwrap(), 41);
        assert_eq!(input.i8().unwrap(), 1);
        assert_eq!(input.timestamp().unwrap(), None);
        assert_eq!(input.bytes().unwrap(), None);
        assert_eq!(
            input.bytes().unwrap(),
            Some(&br#"{"schema":{"type":"int64","optional":false},"payload":9}"#[..])
        );
        assert_eq!(input.i32().unwrap(), 0);
    }
}
