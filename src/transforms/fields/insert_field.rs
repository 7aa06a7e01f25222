//! `InsertField$Key` / `InsertField$Value`: adds the record's topic, partition, offset or
//! timestamp, or a static string, as fields of the key or value. A name ending in `!` makes
//! the field required, `?` (or nothing) optional.
//!
//! `offset.field` inserts a sink record's Kafka offset; on a source record, as in Apache,
//! it fails the record with `Only SinkRecord supported for [field insertion], ...`.

use crate::config::{ConfigDef, ConfigError, ConfigKey, ConfigType, Importance};
use crate::data::{Schema, SchemaType, Value, logical};
use crate::transforms::{
    ConnectRecord, TransformError, TransformPlugin, TransformProps, Transformation,
};

use super::util::{
    REPLACE_NULL_WITH_DEFAULT_CONFIG, Side, config_bool, copy_schema_basics, data_error,
    field_value, parse_config, push_field, replace_null_with_default_key, require_map,
    require_struct,
};
use crate::data::java::JavaHashMap;

const TOPIC_FIELD: &str = "topic.field";
const PARTITION_FIELD: &str = "partition.field";
const OFFSET_FIELD: &str = "offset.field";
const TIMESTAMP_FIELD: &str = "timestamp.field";
const STATIC_FIELD: &str = "static.field";
const STATIC_VALUE: &str = "static.value";
const PURPOSE: &str = "field insertion";
const OPTIONALITY_DOC: &str = "Suffix with <code>!</code> to make this a required field, or <code>?</code> to keep it optional (the default).";

/// Apache's `InsertField.CONFIG_DEF`.
pub fn config_def() -> ConfigDef {
    let key = |name: &str, doc: String| {
        ConfigKey::new(name, ConfigType::String, Importance::Medium, &doc).default_null()
    };
    ConfigDef::new()
        .define(key(TOPIC_FIELD, format!("Field name for Kafka topic. {OPTIONALITY_DOC}")))
        .define(key(
            PARTITION_FIELD,
            format!("Field name for Kafka partition. {OPTIONALITY_DOC}"),
        ))
        .define(key(
            OFFSET_FIELD,
            format!("Field name for Kafka offset - only applicable to sink connectors.<br/>{OPTIONALITY_DOC}"),
        ))
        .define(key(
            TIMESTAMP_FIELD,
            format!("Field name for record timestamp. {OPTIONALITY_DOC}"),
        ))
        .define(key(
            STATIC_FIELD,
            format!("Field name for static data field. {OPTIONALITY_DOC}"),
        ))
        .define(key(
            STATIC_VALUE,
            "Static field value, if field name configured.".to_owned(),
        ))
        .define(replace_null_with_default_key())
}

/// A field to insert: its name and whether it is optional.
#[derive(Clone, Debug, PartialEq, Eq)]
struct InsertionSpec {
    name: String,
    optional: bool,
}

impl InsertionSpec {
    fn parse(spec: Option<&str>) -> Option<InsertionSpec> {
        let spec = spec?;
        Some(if let Some(name) = spec.strip_suffix('?') {
            InsertionSpec {
                name: name.to_owned(),
                optional: true,
            }
        } else if let Some(name) = spec.strip_suffix('!') {
            InsertionSpec {
                name: name.to_owned(),
                optional: false,
            }
        } else {
            InsertionSpec {
                name: spec.to_owned(),
                optional: true,
            }
        })
    }

    fn schema(&self, base: Schema) -> Schema {
        base.with_optional(self.optional)
    }
}

/// A configured InsertField.
#[derive(Debug)]
pub struct InsertField {
    side: Side,
    topic: Option<InsertionSpec>,
    partition: Option<InsertionSpec>,
    offset: Option<InsertionSpec>,
    timestamp: Option<InsertionSpec>,
    static_field: Option<InsertionSpec>,
    static_value: Option<String>,
    replace_null_with_default: bool,
}

impl InsertField {
    /// Configures from the transform's keys; at least one field is needed.
    pub fn new(props: &TransformProps, side: Side) -> Result<Self, TransformError> {
        let parsed = parse_config(&config_def(), props)?;
        let spec = |name| -> Result<Option<InsertionSpec>, TransformError> {
            Ok(InsertionSpec::parse(parsed.string(name)?))
        };
        let insert = InsertField {
            side,
            topic: spec(TOPIC_FIELD)?,
            partition: spec(PARTITION_FIELD)?,
            offset: spec(OFFSET_FIELD)?,
            timestamp: spec(TIMESTAMP_FIELD)?,
            static_field: spec(STATIC_FIELD)?,
            static_value: parsed.string(STATIC_VALUE)?.map(str::to_owned),
            replace_null_with_default: config_bool(&parsed, REPLACE_NULL_WITH_DEFAULT_CONFIG)?,
        };
        if insert.topic.is_none()
            && insert.partition.is_none()
            && insert.offset.is_none()
            && insert.timestamp.is_none()
            && insert.static_field.is_none()
        {
            return Err(ConfigError::Message("No field insertion configured".to_owned()).into());
        }
        if let (Some(field), None) = (&insert.static_field, &insert.static_value) {
            // Apache prints the spec object itself (`InsertField$InsertionSpec@<hash>`);
            // its name says more.
            return Err(ConfigError::invalid(
                STATIC_VALUE,
                "null",
                format!("No value specified for static field: {}", field.name),
            )
            .into());
        }
        Ok(insert)
    }

    /// The offset of a sink record (Apache's `requireSinkRecord(record).kafkaOffset()`).
    fn offset_value(record: &ConnectRecord) -> Result<Value, TransformError> {
        match record.kafka_offset {
            Some(offset) => Ok(Value::Int64(offset)),
            None => Err(data_error(format!(
                "Only SinkRecord supported for [{PURPOSE}], found: org.apache.kafka.connect.source.SourceRecord"
            ))),
        }
    }

    /// The inserted `(name, value)` pairs, in Apache's order; `timestamp_value` gives the
    /// timestamp's representation (a `Timestamp` with schema, a long without: both are
    /// epoch milliseconds here).
    fn insertions(&self, record: &ConnectRecord) -> Result<Vec<(String, Value)>, TransformError> {
        let mut out = Vec::new();
        if let Some(topic) = &self.topic {
            out.push((topic.name.clone(), Value::String(record.topic.clone())));
        }
        if let (Some(spec), Some(partition)) = (&self.partition, record.kafka_partition) {
            out.push((spec.name.clone(), Value::Int32(partition)));
        }
        if let Some(spec) = &self.offset {
            out.push((spec.name.clone(), Self::offset_value(record)?));
        }
        if let (Some(spec), Some(timestamp)) = (&self.timestamp, record.timestamp) {
            out.push((spec.name.clone(), Value::Int64(timestamp)));
        }
        if let (Some(spec), Some(value)) = (&self.static_field, &self.static_value) {
            out.push((spec.name.clone(), Value::String(value.clone())));
        }
        Ok(out)
    }
}

impl Transformation for InsertField {
    fn apply(&self, record: ConnectRecord) -> Result<Option<ConnectRecord>, TransformError> {
        let value = self.side.value(&record);
        if value.is_null() {
            return Ok(Some(record));
        }
        let Some(_) = self.side.schema(&record) else {
            let entries = require_map(value, PURPOSE)?;
            let mut updated = JavaHashMap::copy_of(entries);
            for (name, v) in self.insertions(&record)? {
                updated.put(Value::String(name), v);
            }
            return Ok(Some(self.side.with(record, None, updated.into_value())));
        };
        let value = require_struct(value, PURPOSE)?;
        let mut schema = copy_schema_basics(&value.schema, SchemaType::Struct);
        for field in &value.schema.fields {
            push_field(&mut schema, &field.name, field.schema.clone())?;
        }
        let added = [
            (&self.topic, Schema::new(SchemaType::String)),
            (&self.partition, Schema::new(SchemaType::Int32)),
            (&self.offset, Schema::new(SchemaType::Int64)),
            (&self.timestamp, logical::timestamp()),
            (&self.static_field, Schema::new(SchemaType::String)),
        ];
        for (spec, base) in added {
            if let Some(spec) = spec {
                push_field(&mut schema, &spec.name, spec.schema(base).into_ref())?;
            }
        }
        let schema = schema.into_ref();
        let mut updated = crate::data::Struct::new(schema.clone());
        for (field, v) in value.schema.fields.iter().zip(&mut updated.values) {
            *v = field_value(value, field, self.replace_null_with_default);
        }
        for (name, v) in self.insertions(&record)? {
            updated.put(&name, v);
        }
        Ok(Some(self.side.with(
            record,
            Some(schema),
            Value::Struct(updated),
        )))
    }
}

fn create_key(props: &TransformProps) -> Result<Box<dyn Transformation>, TransformError> {
    Ok(Box::new(InsertField::new(props, Side::Key)?))
}

fn create_value(props: &TransformProps) -> Result<Box<dyn Transformation>, TransformError> {
    Ok(Box::new(InsertField::new(props, Side::Value)?))
}

/// `InsertField$Key` and `InsertField$Value`.
pub fn plugins() -> Vec<TransformPlugin> {
    vec![
        TransformPlugin {
            class: "org.apache.kafka.connect.transforms.InsertField$Key",
            config_def,
            create: create_key,
        },
        TransformPlugin {
            class: "org.apache.kafka.connect.transforms.InsertField$Value",
            config_def,
            create: create_value,
        },
    ]
}
