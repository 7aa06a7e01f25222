//! `MaskField$Key` / `MaskField$Value`: replaces fields with the "empty" value of their type
//! (0, false, "", empty list or map, the epoch) or with a configured replacement converted
//! to the field's type.

use crate::config::{ConfigDef, ConfigKey, ConfigType, Importance, Validator};
use crate::data::{Schema, Struct, Value, logical};
use crate::transforms::{
    ConnectRecord, TransformError, TransformPlugin, TransformProps, Transformation,
};

use super::util::{
    REPLACE_NULL_WITH_DEFAULT_CONFIG, Side, config_bool, config_list, data_error, field_value,
    java_value_class, map_get, parse_config, reject_duplicate_items, replace_null_with_default_key,
    require_map, require_struct,
};
use crate::data::java::JavaHashMap;
use crate::java::numbers::BigDecimal;

const FIELDS_CONFIG: &str = "fields";
const REPLACEMENT_CONFIG: &str = "replacement";
const PURPOSE: &str = "mask fields";

/// Apache's `MaskField.CONFIG_DEF`.
pub fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(
            ConfigKey::new(
                FIELDS_CONFIG,
                ConfigType::List,
                Importance::High,
                "Names of fields to mask.",
            )
            .validator(Validator::non_duplicate_list(false, false)),
        )
        .define(
            ConfigKey::new(
                REPLACEMENT_CONFIG,
                ConfigType::String,
                Importance::Low,
                "Custom value replacement, that will be applied to all 'fields' values (numeric or non-empty string values only).",
            )
            .default_null()
            .validator(Validator::NonEmptyString),
        )
        .define(replace_null_with_default_key())
}

/// A configured MaskField.
#[derive(Debug)]
pub struct MaskField {
    side: Side,
    fields: Vec<String>,
    replacement: Option<String>,
    replace_null_with_default: bool,
}

impl MaskField {
    /// Configures from the transform's keys.
    pub fn new(props: &TransformProps, side: Side) -> Result<Self, TransformError> {
        reject_duplicate_items(props, FIELDS_CONFIG)?;
        let parsed = parse_config(&config_def(), props)?;
        let mut fields = config_list(&parsed, FIELDS_CONFIG)?;
        // A set in Apache.
        let mut seen = std::collections::HashSet::new();
        fields.retain(|f| seen.insert(f.clone()));
        Ok(MaskField {
            side,
            fields,
            replacement: parsed.string(REPLACEMENT_CONFIG)?.map(str::to_owned),
            replace_null_with_default: config_bool(&parsed, REPLACE_NULL_WITH_DEFAULT_CONFIG)?,
        })
    }

    fn masked(&self, value: &Value, schema: Option<&Schema>) -> Result<Value, TransformError> {
        if value.is_null() {
            return Ok(Value::Null);
        }
        match &self.replacement {
            None => mask_with_empty(value, schema),
            Some(replacement) => mask_with_replacement(value, schema, replacement),
        }
    }
}

fn logical_name(schema: Option<&Schema>) -> Option<&str> {
    schema.and_then(|s| s.name.as_deref())
}

/// Decimal values carry the schema's scale: a value of another scale cannot be written
/// (Apache fails when converting it).
fn decimal_value(decimal: &BigDecimal, schema: &Schema) -> Result<Value, TransformError> {
    let scale = schema
        .parameters
        .as_ref()
        .and_then(|p| p.get(logical::DECIMAL_SCALE))
        .and_then(|s| s.parse::<i32>().ok())
        .unwrap_or(0);
    if decimal.scale() != scale {
        // What Apache's converter then reports for the record.
        return Err(data_error(format!(
            "Decimal value has mismatching scale for given Decimal schema. Schema has scale {scale}, value has scale {}.",
            decimal.scale()
        )));
    }
    Ok(Value::Bytes(decimal.unscaled_bytes()))
}

fn mask_with_empty(value: &Value, schema: Option<&Schema>) -> Result<Value, TransformError> {
    match (logical_name(schema), schema) {
        (Some(logical::DECIMAL), Some(s)) => return decimal_value(&BigDecimal::zero(), s),
        // `new Date(0)`: day 0, midnight, the epoch.
        (Some(logical::DATE | logical::TIME), _) => return Ok(Value::Int32(0)),
        (Some(logical::TIMESTAMP), _) => return Ok(Value::Int64(0)),
        _ => {}
    }
    Ok(match value {
        Value::Boolean(_) => Value::Boolean(false),
        Value::Int8(_) => Value::Int8(0),
        Value::Int16(_) => Value::Int16(0),
        Value::Int32(_) => Value::Int32(0),
        Value::Int64(_) => Value::Int64(0),
        Value::Float32(_) => Value::Float32(0.0),
        Value::Float64(_) => Value::Float64(0.0),
        Value::String(_) => Value::String(String::new()),
        Value::Array(_) => Value::Array(Vec::new()),
        Value::Map(_) => Value::Map(Vec::new()),
        other => {
            return Err(data_error(format!(
                "Cannot mask value of type: {}",
                java_value_class(other, schema)
            )));
        }
    })
}

fn mask_with_replacement(
    value: &Value,
    schema: Option<&Schema>,
    replacement: &str,
) -> Result<Value, TransformError> {
    // `Values.convertTo...(null, text)` reads the text as a BigDecimal.
    let number = || {
        BigDecimal::parse(replacement).ok_or_else(|| {
            data_error(format!(
                "Unable to convert {replacement} (class java.lang.String) to a number"
            ))
        })
    };
    if let (Some(logical::DECIMAL), Some(s)) = (logical_name(schema), schema) {
        let decimal = BigDecimal::parse(replacement).ok_or_else(|| {
            data_error(format!(
                "Unable to convert {replacement} (class java.lang.String) to number"
            ))
        })?;
        return decimal_value(&decimal, s);
    }
    let is_date = matches!(
        logical_name(schema),
        Some(logical::DATE | logical::TIME | logical::TIMESTAMP)
    );
    Ok(match value {
        _ if is_date => {
            return Err(data_error(format!(
                "Cannot mask value of type {} with custom replacement.",
                java_value_class(value, schema)
            )));
        }
        Value::Int8(_) => Value::Int8(number()?.long_value() as i8),
        Value::Int16(_) => Value::Int16(number()?.long_value() as i16),
        Value::Int32(_) => Value::Int32(number()?.long_value() as i32),
        Value::Int64(_) => Value::Int64(number()?.long_value()),
        Value::Float32(_) => Value::Float32(number()?.double_value() as f32),
        Value::Float64(_) => Value::Float64(number()?.double_value()),
        Value::String(_) => Value::String(replacement.to_owned()),
        other => {
            return Err(data_error(format!(
                "Cannot mask value of type {} with custom replacement.",
                java_value_class(other, schema)
            )));
        }
    })
}

impl Transformation for MaskField {
    fn apply(&self, record: ConnectRecord) -> Result<Option<ConnectRecord>, TransformError> {
        let value = self.side.value(&record);
        let Some(schema) = self.side.schema(&record) else {
            let entries = require_map(value, PURPOSE)?;
            let mut updated = JavaHashMap::copy_of(entries);
            for field in &self.fields {
                let original = map_get(entries, field).cloned().unwrap_or(Value::Null);
                updated.put(Value::from(field.as_str()), self.masked(&original, None)?);
            }
            return Ok(Some(self.side.with(record, None, updated.into_value())));
        };
        let schema = schema.clone();
        let value = require_struct(value, PURPOSE)?;
        let mut values = Vec::with_capacity(value.schema.fields.len());
        for field in &value.schema.fields {
            let original = field_value(value, field, self.replace_null_with_default);
            values.push(if self.fields.contains(&field.name) {
                self.masked(&original, Some(&field.schema))?
            } else {
                original
            });
        }
        let updated = Struct {
            schema: value.schema.clone(),
            values,
        };
        Ok(Some(self.side.with(
            record,
            Some(schema),
            Value::Struct(updated),
        )))
    }
}

fn create_key(props: &TransformProps) -> Result<Box<dyn Transformation>, TransformError> {
    Ok(Box::new(MaskField::new(props, Side::Key)?))
}

fn create_value(props: &TransformProps) -> Result<Box<dyn Transformation>, TransformError> {
    Ok(Box::new(MaskField::new(props, Side::Value)?))
}

/// `MaskField$Key` and `MaskField$Value`.
pub fn plugins() -> Vec<TransformPlugin> {
    vec![
        TransformPlugin {
            class: "org.apache.kafka.connect.transforms.MaskField$Key",
            config_def,
            create: create_key,
        },
        TransformPlugin {
            class: "org.apache.kafka.connect.transforms.MaskField$Value",
            config_def,
            create: create_value,
        },
    ]
}
