//! `HeaderFrom$Key` / `HeaderFrom$Value`: copies or moves fields of the key or value into
//! headers (`fields` and `headers` pair up by position).

use std::sync::{Arc, Mutex};

use crate::config::{
    ConfigDef, ConfigError, ConfigKey, ConfigType, Importance, ParsedValue, Validator,
};
use crate::data::java::hash_map::copy_order;
use crate::data::java_class_name;
use crate::data::{Header, Schema, SchemaRef, Struct, Value};
use crate::transforms::{ConnectRecord, TransformError, TransformProps, Transformation};

const FIELDS: &str = "fields";
const HEADERS: &str = "headers";
const OPERATION: &str = "operation";
const REPLACE_NULL_WITH_DEFAULT: &str = "replace.null.with.default";

fn non_empty_list(name: &str, value: Option<&ParsedValue>) -> Result<(), ConfigError> {
    match value {
        Some(ParsedValue::List(items)) if !items.is_empty() => Ok(()),
        Some(v) => Err(ConfigError::invalid(name, v.java_display(), "Empty list")),
        None => Err(ConfigError::invalid(name, "null", "Empty list")),
    }
}

/// HeaderFrom's keys.
pub fn config_def() -> ConfigDef {
    let non_empty = || Validator::Custom {
        check: non_empty_list,
        description: "non-empty list",
    };
    ConfigDef::new()
        .define(
            ConfigKey::new(
                FIELDS,
                ConfigType::List,
                Importance::High,
                "Field names in the record whose values are to be copied or moved to headers.",
            )
            .validator(non_empty()),
        )
        .define(
            ConfigKey::new(
                HEADERS,
                ConfigType::List,
                Importance::High,
                "Header names, in the same order as the field names listed in the fields configuration property.",
            )
            .validator(non_empty()),
        )
        .define(
            ConfigKey::new(
                OPERATION,
                ConfigType::String,
                Importance::High,
                "Either <code>move</code> if the fields are to be moved to the headers (removed from the key/value), or <code>copy</code> if the fields are to be copied to the headers (retained in the key/value).",
            )
            .validator(Validator::one_of(&["move", "copy"])),
        )
        .define(
            ConfigKey::new(
                REPLACE_NULL_WITH_DEFAULT,
                ConfigType::Boolean,
                Importance::Medium,
                "Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used.",
            )
            .default_value("true"),
        )
}

/// `operation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// Remove the fields from the key/value.
    Move,
    /// Keep them.
    Copy,
}

impl Operation {
    fn name(self) -> &'static str {
        match self {
            Operation::Move => "move",
            Operation::Copy => "copy",
        }
    }
}

/// Copies or moves fields into headers.
#[derive(Debug)]
pub struct HeaderFrom {
    /// The key (`$Key`) or the value (`$Value`).
    key: bool,
    fields: Vec<String>,
    headers: Vec<String>,
    operation: Operation,
    replace_null_with_default: bool,
    /// The last struct schema moved from and the schema without the moved fields.
    move_schema: Mutex<Option<(SchemaRef, SchemaRef)>>,
}

impl HeaderFrom {
    /// Configures from the `transforms.<alias>.*` keys, prefix stripped; `key` picks the
    /// `$Key` variant.
    pub fn from_props(props: &TransformProps, key: bool) -> Result<Self, TransformError> {
        let parsed = config_def().parse(props)?;
        let fields = parsed.list(FIELDS)?.unwrap_or_default().to_vec();
        let headers = parsed.list(HEADERS)?.unwrap_or_default().to_vec();
        if fields.len() != headers.len() {
            return Err(ConfigError::Message(format!(
                "'{FIELDS}' config must have the same number of elements as '{HEADERS}' config."
            ))
            .into());
        }
        Ok(HeaderFrom {
            key,
            fields,
            headers,
            operation: match parsed.string(OPERATION)? {
                Some("move") => Operation::Move,
                _ => Operation::Copy,
            },
            replace_null_with_default: parsed.boolean(REPLACE_NULL_WITH_DEFAULT)?.unwrap_or(true),
            move_schema: Mutex::new(None),
        })
    }

    fn purpose(&self) -> String {
        format!("header {}", self.operation.name())
    }

    /// `Struct.get` (the field's default for a null) or `getWithoutDefault`.
    fn field_value(&self, value: &Struct, index: usize) -> Value {
        let raw = &value.values[index];
        if raw.is_null() && self.replace_null_with_default {
            let schema = &value.schema.fields[index].schema;
            if let Some(default) = &schema.default_value {
                return default.clone();
            }
        }
        raw.clone()
    }

    /// The struct schema without the moved fields: name, version, doc and parameters
    /// kept, required, as Apache's `SchemaUtil.copySchemaBasics` builds it.
    fn moved_schema(&self, schema: &SchemaRef) -> SchemaRef {
        let mut cache = self.move_schema.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((from, to)) = cache.as_ref()
            && (Arc::ptr_eq(from, schema) || from == schema)
        {
            return to.clone();
        }
        let kept = schema
            .fields
            .iter()
            .filter(|f| !self.fields.contains(&f.name))
            .map(|f| (f.name.clone(), f.schema.clone()));
        let mut moved = Schema::structure(kept);
        moved.name = schema.name.clone();
        moved.version = schema.version;
        moved.doc = schema.doc.clone();
        moved.parameters = schema.parameters.clone();
        let moved = moved.into_ref();
        *cache = Some((schema.clone(), moved.clone()));
        moved
    }

    fn with_schema(
        &self,
        schema: &SchemaRef,
        value: &Value,
        headers: &mut Vec<Header>,
    ) -> Result<(SchemaRef, Value), TransformError> {
        let Value::Struct(value) = value else {
            return Err(TransformError::Data(format!(
                "Only Struct objects supported for [{}], found: {}",
                self.purpose(),
                java_class_name(value)
            )));
        };
        let (schema_out, value_out) = match self.operation {
            Operation::Move => {
                let moved = self.moved_schema(schema);
                let mut out = Struct::new(moved.clone());
                for field in &moved.fields {
                    let index = value.schema.field(&field.name).map(|f| f.index);
                    if let Some(index) = index {
                        out.values[field.index] = self.field_value(value, index);
                    }
                }
                (moved, Value::Struct(out))
            }
            Operation::Copy => (schema.clone(), Value::Struct(value.clone())),
        };
        for (field, header) in self.fields.iter().zip(&self.headers) {
            let field_value = value
                .schema
                .field(field)
                .map(|f| self.field_value(value, f.index))
                .unwrap_or(Value::Null);
            let Some(field_schema) = schema.field(field) else {
                // Java dereferences the missing field and fails with this message.
                return Err(TransformError::Data(
                    "Cannot invoke \"org.apache.kafka.connect.data.Field.schema()\" because the return value of \"org.apache.kafka.connect.data.Schema.field(String)\" is null".to_owned(),
                ));
            };
            headers.push(Header {
                key: header.clone(),
                schema: Some(field_schema.schema.clone()),
                value: field_value,
            });
        }
        Ok((schema_out, value_out))
    }

    fn schemaless(
        &self,
        value: &Value,
        headers: &mut Vec<Header>,
    ) -> Result<Value, TransformError> {
        let Value::Map(entries) = value else {
            return Err(TransformError::Data(format!(
                "Only Map objects supported in absence of schema for [{}], found: {}",
                self.purpose(),
                java_class_name(value)
            )));
        };
        let mut updated = entries.clone();
        for (field, header) in self.fields.iter().zip(&self.headers) {
            let field_value = entries
                .iter()
                .find(|(k, _)| k.as_str() == Some(field.as_str()))
                .map(|(_, v)| v.clone())
                .unwrap_or(Value::Null);
            if self.operation == Operation::Move {
                updated.retain(|(k, _)| k.as_str() != Some(field.as_str()));
            }
            headers.push(Header {
                key: header.clone(),
                schema: None,
                value: field_value,
            });
        }
        // Apache copies the map into a java.util.HashMap: its order is what gets written.
        Ok(Value::Map(copy_order(&updated)))
    }
}

impl Transformation for HeaderFrom {
    fn apply(&self, mut record: ConnectRecord) -> Result<Option<ConnectRecord>, TransformError> {
        let (schema, value) = if self.key {
            (
                record.key_schema.clone(),
                std::mem::replace(&mut record.key, Value::Null),
            )
        } else {
            (
                record.value_schema.clone(),
                std::mem::replace(&mut record.value, Value::Null),
            )
        };
        let mut headers = record.headers.clone();
        let (schema, value) = match &schema {
            Some(schema) => {
                let (s, v) = self.with_schema(schema, &value, &mut headers)?;
                (Some(s), v)
            }
            None => (None, self.schemaless(&value, &mut headers)?),
        };
        record.headers = headers;
        if self.key {
            record.key_schema = schema;
            record.key = value;
        } else {
            record.value_schema = schema;
            record.value = value;
        }
        Ok(Some(record))
    }
}
