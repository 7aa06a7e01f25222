//! `TimestampConverter$Key` / `TimestampConverter$Value`: converts a timestamp (the whole
//! key/value or one top-level field) between strings (`format`, a `SimpleDateFormat`
//! pattern, in UTC), Unix epoch numbers (`unix.precision`), and Connect's Date, Time and
//! Timestamp types.
//!
//! Without a schema, Apache's Date/Time/Timestamp results are `java.util.Date` objects that
//! no converter can write (`Java class class java.util.Date does not have corresponding
//! schema type.`); schemaless values here have no date type, so the transform reports that
//! error itself.

use crate::config::{ConfigDef, ConfigError, ConfigKey, ConfigType, Importance, Validator};
use crate::data::{Schema, SchemaRef, SchemaType, Struct, Value, logical};
use crate::transforms::{
    ConnectRecord, TransformError, TransformPlugin, TransformProps, Transformation,
};

use super::util::{
    REPLACE_NULL_WITH_DEFAULT_CONFIG, Side, config_bool, copy_schema_basics, data_error,
    field_value, java_type_name, java_value_class, map_get, parse_config, push_field,
    replace_null_with_default_key, require_map, require_struct_or_null,
};
use crate::data::java::JavaHashMap;
use crate::java::date_format::{PatternError, SimpleDateFormat};
use crate::transforms::values::millis_of;

const FIELD_CONFIG: &str = "field";
const TARGET_TYPE_CONFIG: &str = "target.type";
const FORMAT_CONFIG: &str = "format";
const UNIX_PRECISION_CONFIG: &str = "unix.precision";
const PURPOSE: &str = "converting timestamp formats";
const MILLIS_PER_DAY: i64 = 86_400_000;

/// Apache's `TimestampConverter.CONFIG_DEF`.
pub fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(
            ConfigKey::new(
                FIELD_CONFIG,
                ConfigType::String,
                Importance::High,
                "The field containing the timestamp, or empty if the entire value is a timestamp",
            )
            .default_value(""),
        )
        .define(
            ConfigKey::new(
                TARGET_TYPE_CONFIG,
                ConfigType::String,
                Importance::High,
                "The desired timestamp representation: string, unix, Date, Time, or Timestamp",
            )
            .validator(Validator::one_of(&["string", "unix", "Date", "Time", "Timestamp"])),
        )
        .define(
            ConfigKey::new(
                FORMAT_CONFIG,
                ConfigType::String,
                Importance::Medium,
                "A SimpleDateFormat-compatible format for the timestamp. Used to generate the output when type=string or used to parse the input if the input is a string.",
            )
            .default_value(""),
        )
        .define(
            ConfigKey::new(
                UNIX_PRECISION_CONFIG,
                ConfigType::String,
                Importance::Low,
                "The desired Unix precision for the timestamp: seconds, milliseconds, microseconds, or nanoseconds. Used to generate the output when type=unix or used to parse the input if the input is a Long.Note: This SMT will cause precision loss during conversions from, and to, values with sub-millisecond components.",
            )
            .default_value("milliseconds")
            .validator(Validator::one_of(&[
                "nanoseconds",
                "microseconds",
                "milliseconds",
                "seconds",
            ])),
        )
        .define(replace_null_with_default_key())
}

/// A timestamp representation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TimestampType {
    String,
    Unix,
    Date,
    Time,
    Timestamp,
}

impl TimestampType {
    fn named(name: &str) -> Option<Self> {
        Some(match name {
            "string" => TimestampType::String,
            "unix" => TimestampType::Unix,
            "Date" => TimestampType::Date,
            "Time" => TimestampType::Time,
            "Timestamp" => TimestampType::Timestamp,
            _ => return None,
        })
    }

    /// `typeSchema(isOptional)`.
    fn schema(self, optional: bool) -> Schema {
        let schema = match self {
            TimestampType::String => Schema::new(SchemaType::String),
            TimestampType::Unix => Schema::new(SchemaType::Int64),
            TimestampType::Date => logical::date(),
            TimestampType::Time => logical::time(),
            TimestampType::Timestamp => logical::timestamp(),
        };
        schema.with_optional(optional)
    }

    /// `timestampTypeFromSchema`.
    fn of_schema(schema: &Schema) -> Result<Self, TransformError> {
        Ok(match schema.name.as_deref() {
            Some(logical::TIMESTAMP) => TimestampType::Timestamp,
            Some(logical::DATE) => TimestampType::Date,
            Some(logical::TIME) => TimestampType::Time,
            _ if schema.schema_type == SchemaType::String => TimestampType::String,
            _ if schema.schema_type == SchemaType::Int64 => TimestampType::Unix,
            _ => {
                // ConnectSchema.toString.
                let shown = match &schema.name {
                    Some(name) => {
                        format!("Schema{{{name}:{}}}", java_type_name(schema.schema_type))
                    }
                    None => format!("Schema{{{}}}", java_type_name(schema.schema_type)),
                };
                return Err(data_error(format!(
                    "Schema {shown} does not correspond to a known timestamp type format"
                )));
            }
        })
    }
}

/// Unix precision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Precision {
    Seconds,
    Milliseconds,
    Microseconds,
    Nanoseconds,
}

/// A configured TimestampConverter.
#[derive(Debug)]
pub struct TimestampConverter {
    side: Side,
    field: String,
    target: TimestampType,
    format: Option<SimpleDateFormat>,
    precision: Precision,
    replace_null_with_default: bool,
}

impl TimestampConverter {
    /// Configures from the transform's keys.
    pub fn new(props: &TransformProps, side: Side) -> Result<Self, TransformError> {
        let parsed = parse_config(&config_def(), props)?;
        let field = parsed.string(FIELD_CONFIG)?.unwrap_or_default().to_owned();
        let target_name = parsed.string(TARGET_TYPE_CONFIG)?.unwrap_or_default();
        let target = TimestampType::named(target_name)
            .ok_or_else(|| ConfigError::invalid(TARGET_TYPE_CONFIG, target_name, "unknown type"))?;
        let pattern = parsed.string(FORMAT_CONFIG)?.unwrap_or_default();
        let precision = match parsed.string(UNIX_PRECISION_CONFIG)?.unwrap_or_default() {
            "seconds" => Precision::Seconds,
            "microseconds" => Precision::Microseconds,
            "nanoseconds" => Precision::Nanoseconds,
            _ => Precision::Milliseconds,
        };
        let replace_null_with_default = config_bool(&parsed, REPLACE_NULL_WITH_DEFAULT_CONFIG)?;
        let blank = pattern.trim().is_empty();
        if target == TimestampType::String && blank {
            return Err(ConfigError::Message(
                "TimestampConverter requires format option to be specified when using string timestamps".to_owned(),
            )
            .into());
        }
        let format = if blank {
            None
        } else {
            let prefix = "TimestampConverter requires a SimpleDateFormat-compatible pattern for string timestamps";
            // Apache passes the cause where a value is expected (`ConfigException(name,
            // value)`), which makes `Invalid value <cause> for configuration <message>`.
            Some(SimpleDateFormat::new(pattern).map_err(|e| {
                let cause = match e {
                    PatternError::Java(message) => message,
                    PatternError::Unsupported(letter) => {
                        format!("Pattern letter '{letter}' is not supported by Tributary")
                    }
                };
                ConfigError::Invalid {
                    name: format!("{prefix}: {pattern}"),
                    value: format!("java.lang.IllegalArgumentException: {cause}"),
                    reason: None,
                }
            })?)
        };
        Ok(TimestampConverter {
            side,
            field,
            target,
            format,
            precision,
            replace_null_with_default,
        })
    }

    /// The source translator's `toRaw`: epoch milliseconds (a `java.util.Date`).
    fn to_raw(
        &self,
        ty: TimestampType,
        value: &Value,
        schema: Option<&Schema>,
    ) -> Result<i64, TransformError> {
        let class = || java_value_class(value, schema);
        match ty {
            TimestampType::String => {
                let Value::String(text) = value else {
                    return Err(data_error(format!(
                        "Expected string timestamp to be a String, but found {}",
                        class()
                    )));
                };
                let format = self.format.as_ref().ok_or_else(|| {
                    data_error("TimestampConverter has no format to parse string timestamps")
                })?;
                format.parse(text).ok_or_else(|| {
                    data_error(format!(
                        "Could not parse timestamp: value ({text}) does not match pattern ({})",
                        format.pattern()
                    ))
                })
            }
            TimestampType::Unix => {
                let is_date = schema
                    .and_then(|s| s.name.as_deref())
                    .is_some_and(|n| millis_of(n, value).is_some());
                let (Value::Int64(n), false) = (value, is_date) else {
                    return Err(data_error(format!(
                        "Expected Unix timestamp to be a Long, but found {}",
                        class()
                    )));
                };
                Ok(match self.precision {
                    Precision::Seconds => n.saturating_mul(1000),
                    Precision::Milliseconds => *n,
                    Precision::Microseconds => n / 1000,
                    Precision::Nanoseconds => n / 1_000_000,
                })
            }
            TimestampType::Date | TimestampType::Time | TimestampType::Timestamp => {
                let millis = schema
                    .and_then(|s| s.name.as_deref())
                    .and_then(|n| millis_of(n, value));
                millis.ok_or_else(|| {
                    let what = match ty {
                        TimestampType::Date => "Date",
                        TimestampType::Time => "Time",
                        _ => "Timestamp",
                    };
                    data_error(format!(
                        "Expected {what} to be a java.util.Date, but found {}",
                        class()
                    ))
                })
            }
        }
    }

    /// The target translator's `toType`, as the value the target schema describes.
    fn to_type(&self, millis: i64, schemaless: bool) -> Result<Value, TransformError> {
        Ok(match self.target {
            TimestampType::String => match &self.format {
                Some(format) => Value::String(format.format(millis)),
                None => {
                    return Err(data_error(
                        "TimestampConverter has no format for string timestamps",
                    ));
                }
            },
            TimestampType::Unix => Value::Int64(match self.precision {
                Precision::Seconds => millis / 1000,
                Precision::Milliseconds => millis,
                Precision::Microseconds => millis.saturating_mul(1000),
                Precision::Nanoseconds => millis.saturating_mul(1_000_000),
            }),
            _ if schemaless => {
                return Err(data_error(
                    "Java class class java.util.Date does not have corresponding schema type.",
                ));
            }
            TimestampType::Date => Value::Int32(millis.div_euclid(MILLIS_PER_DAY) as i32),
            TimestampType::Time => Value::Int32(millis.rem_euclid(MILLIS_PER_DAY) as i32),
            TimestampType::Timestamp => Value::Int64(millis),
        })
    }

    /// `convertTimestamp` with a known source type (schemaful).
    fn convert(&self, value: &Value, schema: &Schema) -> Result<Value, TransformError> {
        let ty = TimestampType::of_schema(schema)?;
        if value.is_null() {
            return Ok(Value::Null);
        }
        let millis = self.to_raw(ty, value, Some(schema))?;
        self.to_type(millis, false)
    }

    /// `convertTimestamp` with the source type inferred from the value (schemaless).
    fn convert_inferred(&self, value: &Value) -> Result<Value, TransformError> {
        let ty = match value {
            Value::Null => return Ok(Value::Null),
            Value::Int64(_) => TimestampType::Unix,
            Value::String(_) => TimestampType::String,
            other => {
                return Err(data_error(format!(
                    "TimestampConverter does not support {} objects as timestamps",
                    java_value_class(other, None)
                )));
            }
        };
        let millis = self.to_raw(ty, value, None)?;
        self.to_type(millis, true)
    }

    /// `applyValueWithSchema`.
    fn convert_struct(&self, value: &Struct, schema: &SchemaRef) -> Result<Struct, TransformError> {
        let mut values = Vec::with_capacity(value.schema.fields.len());
        for field in &value.schema.fields {
            let v = field_value(value, field, self.replace_null_with_default);
            values.push(if field.name == self.field {
                self.convert(&v, &field.schema)?
            } else {
                v
            });
        }
        Ok(Struct {
            schema: schema.clone(),
            values,
        })
    }

    fn updated_struct_schema(&self, schema: &Schema) -> Result<SchemaRef, TransformError> {
        let mut updated = copy_schema_basics(schema, SchemaType::Struct);
        for field in &schema.fields {
            let field_schema = if field.name == self.field {
                self.target.schema(field.schema.optional).into_ref()
            } else {
                field.schema.clone()
            };
            push_field(&mut updated, &field.name, field_schema)?;
        }
        updated.optional = schema.optional;
        if let Some(Value::Struct(default)) = &schema.default_value {
            let without_default = updated.clone().into_ref();
            let converted = self.convert_struct(default, &without_default)?;
            updated.default_value = Some(Value::Struct(converted));
        }
        Ok(updated.into_ref())
    }
}

impl Transformation for TimestampConverter {
    fn apply(&self, record: ConnectRecord) -> Result<Option<ConnectRecord>, TransformError> {
        let value = self.side.value(&record);
        let Some(schema) = self.side.schema(&record) else {
            if value.is_null() || self.field.is_empty() {
                let converted = self.convert_inferred(value)?;
                return Ok(Some(self.side.with(record, None, converted)));
            }
            let entries = require_map(value, PURPOSE)?;
            let mut updated = JavaHashMap::copy_of(entries);
            let original = map_get(entries, &self.field)
                .cloned()
                .unwrap_or(Value::Null);
            updated.put(
                Value::from(self.field.as_str()),
                self.convert_inferred(&original)?,
            );
            return Ok(Some(self.side.with(record, None, updated.into_value())));
        };
        if self.field.is_empty() {
            let updated_schema = self.target.schema(schema.optional).into_ref();
            let converted = self.convert(value, schema)?;
            return Ok(Some(self.side.with(
                record,
                Some(updated_schema),
                converted,
            )));
        }
        let value = require_struct_or_null(value, PURPOSE)?;
        let updated_schema = self.updated_struct_schema(schema)?;
        let converted = match value {
            None => Value::Null,
            Some(s) => Value::Struct(self.convert_struct(s, &updated_schema)?),
        };
        Ok(Some(self.side.with(
            record,
            Some(updated_schema),
            converted,
        )))
    }
}

fn create_key(props: &TransformProps) -> Result<Box<dyn Transformation>, TransformError> {
    Ok(Box::new(TimestampConverter::new(props, Side::Key)?))
}

fn create_value(props: &TransformProps) -> Result<Box<dyn Transformation>, TransformError> {
    Ok(Box::new(TimestampConverter::new(props, Side::Value)?))
}

/// `TimestampConverter$Key` and `TimestampConverter$Value`.
pub fn plugins() -> Vec<TransformPlugin> {
    vec![
        TransformPlugin {
            class: "org.apache.kafka.connect.transforms.TimestampConverter$Key",
            config_def,
            create: create_key,
        },
        TransformPlugin {
            class: "org.apache.kafka.connect.transforms.TimestampConverter$Value",
            config_def,
            create: create_value,
        },
    ]
}
