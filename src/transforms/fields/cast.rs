//! `Cast$Key` / `Cast$Value`: casts top-level fields (`spec=a:int32,b:string`) or the whole
//! key/value (`spec=int64`) between the primitive types, with Java's conversions: numbers
//! narrow by truncation, strings parse as `Integer.parseInt` & co. do, booleans are 1/0,
//! bytes become base64 text, and dates print as ISO-8601.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::config::{
    ConfigDef, ConfigError, ConfigKey, ConfigType, Importance, ParsedValue, Validator,
};
use crate::data::{Schema, SchemaType, Struct, Value, logical};
use crate::transforms::{
    ConnectRecord, TransformError, TransformPlugin, TransformProps, Transformation,
};

use super::replace_field::RENAMES_CONFIG;
use super::util::{
    REPLACE_NULL_WITH_DEFAULT_CONFIG, Side, config_bool, config_list, copy_schema_basics,
    data_error, field_value, java_list, java_split_colon, java_type_name, map_get, parse_config,
    push_field, replace_null_with_default_key, require_map, require_struct,
};
use crate::data::java::JavaHashMap;
use crate::java::date_format::iso_format_for;
use crate::java::numbers::{
    BigDecimal, java_double_string, java_float_to_string, parse_java_double, parse_java_float,
    parse_java_integer,
};
use crate::transforms::values::millis_of;

const SPEC_CONFIG: &str = "spec";
const PURPOSE: &str = "cast types";

const INPUT_TYPES: [SchemaType; 9] = [
    SchemaType::Int8,
    SchemaType::Int16,
    SchemaType::Int32,
    SchemaType::Int64,
    SchemaType::Float32,
    SchemaType::Float64,
    SchemaType::Boolean,
    SchemaType::String,
    SchemaType::Bytes,
];

/// Apache's `Cast.CONFIG_DEF`.
pub fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(
            ConfigKey::new(
                SPEC_CONFIG,
                ConfigType::List,
                Importance::High,
                "List of fields and the type to cast them to of the form field1:type,field2:type to cast fields of Maps or Structs. A single type to cast the entire value. Valid types are int8, int16, int32, int64, float32, float64, boolean, and string. Note that binary fields can only be cast to string.",
            )
            .validator(Validator::Custom {
                check: check_spec,
                description: "list of colon-delimited pairs, e.g. <code>foo:bar,abc:xyz</code>",
            }),
        )
        .define(replace_null_with_default_key())
}

fn check_spec(_name: &str, value: Option<&ParsedValue>) -> Result<(), ConfigError> {
    match value {
        Some(ParsedValue::List(items)) if !items.is_empty() => parse_spec(items).map(|_| ()),
        _ => Err(ConfigError::Message(
            "Must specify at least one field to cast.".to_owned(),
        )),
    }
}

/// What to cast.
#[derive(Clone, Debug, PartialEq)]
enum CastSpec {
    /// The whole key or value.
    Whole(SchemaType),
    /// Named top-level fields (a later entry for the same field wins).
    Fields(Vec<(String, SchemaType)>),
}

impl CastSpec {
    fn target(&self, field: &str) -> Option<SchemaType> {
        match self {
            CastSpec::Whole(_) => None,
            CastSpec::Fields(fields) => fields.iter().find(|(f, _)| f == field).map(|(_, t)| *t),
        }
    }
}

/// `Schema.Type.valueOf(name.trim().toUpperCase())`.
fn schema_type_named(name: &str) -> Option<SchemaType> {
    Some(match name.to_ascii_uppercase().as_str() {
        "INT8" => SchemaType::Int8,
        "INT16" => SchemaType::Int16,
        "INT32" => SchemaType::Int32,
        "INT64" => SchemaType::Int64,
        "FLOAT32" => SchemaType::Float32,
        "FLOAT64" => SchemaType::Float64,
        "BOOLEAN" => SchemaType::Boolean,
        "STRING" => SchemaType::String,
        "BYTES" => SchemaType::Bytes,
        "ARRAY" => SchemaType::Array,
        "MAP" => SchemaType::Map,
        "STRUCT" => SchemaType::Struct,
        _ => return None,
    })
}

fn type_list(types: &[SchemaType]) -> String {
    let names: Vec<&str> = types.iter().map(|t| java_type_name(*t)).collect();
    format!("[{}]", names.join(", "))
}

fn output_type(text: &str) -> Result<SchemaType, ConfigError> {
    let trimmed = text.trim_matches(|c: char| c <= ' ');
    let ty = schema_type_named(trimmed).ok_or_else(|| {
        // Apache passes the cause where a value is expected (`ConfigException(name, value)`),
        // which makes this message.
        ConfigError::Invalid {
            name: format!("Invalid type found in casting spec: {trimmed}"),
            value: format!(
                "java.lang.IllegalArgumentException: No enum constant org.apache.kafka.connect.data.Schema.Type.{}",
                trimmed.to_uppercase()
            ),
            reason: None,
        }
    })?;
    if ty == SchemaType::Bytes || !ty.is_primitive() {
        return Err(ConfigError::Message(format!(
            "Cast transformation does not support casting to {}; supported types are {}",
            java_type_name(ty),
            type_list(&INPUT_TYPES[..8])
        )));
    }
    Ok(ty)
}

/// Apache's `parseFieldTypes`, with its messages (a bad pair is reported under `renames`,
/// the key Apache's code names).
fn parse_spec(mappings: &[String]) -> Result<CastSpec, ConfigError> {
    let mut whole = None;
    let mut fields: Vec<(String, SchemaType)> = Vec::new();
    for mapping in mappings {
        let parts = java_split_colon(mapping);
        match parts.as_slice() {
            [ty] => whole = Some(output_type(ty)?),
            [field, ty] => {
                let ty = output_type(ty)?;
                let field = field.trim_matches(|c: char| c <= ' ').to_owned();
                match fields.iter_mut().find(|(f, _)| *f == field) {
                    Some(entry) => entry.1 = ty,
                    None => fields.push((field, ty)),
                }
            }
            [] => {
                return Err(ConfigError::Message(
                    "Index 1 out of bounds for length 0".to_owned(),
                ));
            }
            _ => {
                return Err(ConfigError::invalid(
                    RENAMES_CONFIG,
                    java_list(mappings),
                    format!("Invalid rename mapping: {mapping}"),
                ));
            }
        }
    }
    match whole {
        Some(_) if mappings.len() > 1 => Err(ConfigError::Message(
            "Cast transformations that specify a type to cast the entire value to may only specify a single cast in their spec".to_owned(),
        )),
        Some(ty) => Ok(CastSpec::Whole(ty)),
        None => Ok(CastSpec::Fields(fields)),
    }
}

/// A value as the Java object Cast sees: logical values are `java.util.Date` (as epoch
/// milliseconds) or `BigDecimal`.
enum JavaValue {
    Byte(i8),
    Short(i16),
    Int(i32),
    Long(i64),
    Float(f32),
    Double(f64),
    Boolean(bool),
    String(String),
    Bytes(Vec<u8>),
    Date(i64),
    Decimal(BigDecimal),
}

fn decimal_scale(schema: &Schema) -> i32 {
    schema
        .parameters
        .as_ref()
        .and_then(|p| p.get(logical::DECIMAL_SCALE))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

fn java_value(
    value: &Value,
    schema: Option<&Schema>,
    to_string: bool,
) -> Result<JavaValue, TransformError> {
    let logical_name = schema.and_then(|s| s.name.as_deref());
    // Dates stay `java.util.Date` only for a string target; otherwise Apache encodes them
    // back to their physical integer, which is what we hold already.
    if to_string && let Some(millis) = logical_name.and_then(|n| millis_of(n, value)) {
        return Ok(JavaValue::Date(millis));
    }
    if let (Some(logical::DECIMAL), Some(s), Value::Bytes(b)) = (logical_name, schema, value) {
        return Ok(JavaValue::Decimal(BigDecimal::from_connect(
            b,
            decimal_scale(s),
        )));
    }
    Ok(match value {
        Value::Int8(v) => JavaValue::Byte(*v),
        Value::Int16(v) => JavaValue::Short(*v),
        Value::Int32(v) => JavaValue::Int(*v),
        Value::Int64(v) => JavaValue::Long(*v),
        Value::Float32(v) => JavaValue::Float(*v),
        Value::Float64(v) => JavaValue::Double(*v),
        Value::Boolean(v) => JavaValue::Boolean(*v),
        Value::String(v) => JavaValue::String(v.clone()),
        Value::Bytes(v) => JavaValue::Bytes(v.clone()),
        other => {
            return Err(data_error(format!(
                "Unexpected type in Cast transformation: {}",
                super::util::java_value_class(other, schema)
            )));
        }
    })
}

/// `Number.longValue()` and `Number.intValue()` of the numeric Java values.
impl JavaValue {
    fn long_value(&self) -> Option<i64> {
        Some(match self {
            JavaValue::Byte(v) => i64::from(*v),
            JavaValue::Short(v) => i64::from(*v),
            JavaValue::Int(v) => i64::from(*v),
            JavaValue::Long(v) => *v,
            JavaValue::Float(v) => *v as i64,
            JavaValue::Double(v) => *v as i64,
            JavaValue::Decimal(d) => d.long_value(),
            _ => return None,
        })
    }

    /// `intValue()`: floats convert (saturating) straight to int, integers truncate.
    fn int_value(&self) -> Option<i32> {
        Some(match self {
            JavaValue::Float(v) => *v as i32,
            JavaValue::Double(v) => *v as i32,
            other => other.long_value()? as i32,
        })
    }

    fn double_value(&self) -> Option<f64> {
        Some(match self {
            JavaValue::Float(v) => f64::from(*v),
            JavaValue::Double(v) => *v,
            JavaValue::Decimal(d) => d.double_value(),
            other => other.long_value()? as f64,
        })
    }

    fn float_value(&self) -> Option<f32> {
        Some(match self {
            JavaValue::Float(v) => *v,
            JavaValue::Double(v) => *v as f32,
            JavaValue::Decimal(d) => d.double_value() as f32,
            other => other.long_value()? as f32,
        })
    }

    fn class(&self) -> &'static str {
        match self {
            JavaValue::Bytes(_) => "class [B",
            JavaValue::Date(_) => "class java.util.Date",
            JavaValue::String(_) => "class java.lang.String",
            JavaValue::Boolean(_) => "class java.lang.Boolean",
            _ => "class java.lang.Number",
        }
    }
}

fn unexpected(value: &JavaValue) -> TransformError {
    data_error(format!(
        "Unexpected type in Cast transformation: {}",
        value.class()
    ))
}

fn out_of_range(text: &str) -> TransformError {
    data_error(format!(
        "Value ({text}) was out of range for requested data type"
    ))
}

/// Apache's `castValueToType`.
fn cast_value(
    schema: Option<&Schema>,
    value: &Value,
    target: SchemaType,
) -> Result<Value, TransformError> {
    if value.is_null() {
        return Ok(Value::Null);
    }
    let inferred = match schema {
        Some(s) => s.schema_type,
        // A null without a schema counts as STRUCT, which Cast refuses below.
        None => value.schema_type().unwrap_or(SchemaType::Struct),
    };
    if !INPUT_TYPES.contains(&inferred) {
        return Err(data_error(format!(
            "Cast transformation does not support casting from {}; supported types are {}",
            java_type_name(inferred),
            type_list(&INPUT_TYPES)
        )));
    }
    let v = java_value(value, schema, target == SchemaType::String)?;
    Ok(match target {
        SchemaType::Int8 => Value::Int8(match &v {
            JavaValue::Boolean(b) => i8::from(*b),
            JavaValue::String(s) => parse_java_integer(s).ok_or_else(|| out_of_range(s))?,
            JavaValue::Byte(b) => *b,
            other => other.int_value().ok_or_else(|| unexpected(other))? as i8,
        }),
        SchemaType::Int16 => Value::Int16(match &v {
            JavaValue::Boolean(b) => i16::from(*b),
            JavaValue::String(s) => parse_java_integer(s).ok_or_else(|| out_of_range(s))?,
            other => other.int_value().ok_or_else(|| unexpected(other))? as i16,
        }),
        SchemaType::Int32 => Value::Int32(match &v {
            JavaValue::Boolean(b) => i32::from(*b),
            JavaValue::String(s) => parse_java_integer(s).ok_or_else(|| out_of_range(s))?,
            other => other.int_value().ok_or_else(|| unexpected(other))?,
        }),
        SchemaType::Int64 => Value::Int64(match &v {
            JavaValue::Boolean(b) => i64::from(*b),
            JavaValue::String(s) => parse_java_integer(s).ok_or_else(|| out_of_range(s))?,
            other => other.long_value().ok_or_else(|| unexpected(other))?,
        }),
        SchemaType::Float32 => Value::Float32(match &v {
            JavaValue::Boolean(b) => f32::from(u8::from(*b)),
            JavaValue::String(s) => parse_java_float(s).ok_or_else(|| out_of_range(s))?,
            other => other.float_value().ok_or_else(|| unexpected(other))?,
        }),
        SchemaType::Float64 => Value::Float64(match &v {
            JavaValue::Boolean(b) => f64::from(u8::from(*b)),
            JavaValue::String(s) => parse_java_double(s).ok_or_else(|| out_of_range(s))?,
            other => other.double_value().ok_or_else(|| unexpected(other))?,
        }),
        SchemaType::Boolean => Value::Boolean(match &v {
            JavaValue::Boolean(b) => *b,
            JavaValue::String(s) => s.eq_ignore_ascii_case("true"),
            other => other.long_value().ok_or_else(|| unexpected(other))? != 0,
        }),
        SchemaType::String => Value::String(match v {
            JavaValue::Date(millis) => iso_format_for(millis),
            JavaValue::Bytes(b) => BASE64.encode(b),
            JavaValue::Byte(n) => n.to_string(),
            JavaValue::Short(n) => n.to_string(),
            JavaValue::Int(n) => n.to_string(),
            JavaValue::Long(n) => n.to_string(),
            JavaValue::Float(f) => java_float_to_string(f),
            JavaValue::Double(d) => java_double_string(d),
            JavaValue::Boolean(b) => b.to_string(),
            JavaValue::String(s) => s,
            JavaValue::Decimal(d) => d.to_java_string(),
        }),
        other => {
            return Err(data_error(format!(
                "{} is not supported in the Cast transformation.",
                java_type_name(other)
            )));
        }
    })
}

/// A configured Cast.
#[derive(Debug)]
pub struct Cast {
    side: Side,
    spec: CastSpec,
    replace_null_with_default: bool,
}

impl Cast {
    /// Configures from the transform's keys.
    pub fn new(props: &TransformProps, side: Side) -> Result<Self, TransformError> {
        let parsed = parse_config(&config_def(), props)?;
        Ok(Cast {
            side,
            spec: parse_spec(&config_list(&parsed, SPEC_CONFIG)?)?,
            replace_null_with_default: config_bool(&parsed, REPLACE_NULL_WITH_DEFAULT_CONFIG)?,
        })
    }

    /// Apache's `getOrBuildSchema`.
    fn updated_schema(&self, schema: &Schema) -> Result<Schema, TransformError> {
        let mut updated = match &self.spec {
            CastSpec::Whole(ty) => copy_schema_basics(schema, *ty),
            CastSpec::Fields(_) => {
                if schema.schema_type != SchemaType::Struct {
                    return Err(data_error("Cannot list fields on non-struct type"));
                }
                let mut updated = copy_schema_basics(schema, SchemaType::Struct);
                for field in &schema.fields {
                    let field_schema = match self.spec.target(&field.name) {
                        Some(ty) => {
                            let mut cast = Schema::new(ty).with_optional(field.schema.optional);
                            if let Some(default) = &field.schema.default_value {
                                cast.default_value =
                                    Some(cast_value(Some(&field.schema), default, ty)?);
                            }
                            cast.into_ref()
                        }
                        None => field.schema.clone(),
                    };
                    push_field(&mut updated, &field.name, field_schema)?;
                }
                updated
            }
        };
        updated.optional = schema.optional;
        if let Some(default) = &schema.default_value {
            updated.default_value = Some(cast_value(Some(schema), default, updated.schema_type)?);
        }
        Ok(updated)
    }
}

impl Transformation for Cast {
    fn apply(&self, record: ConnectRecord) -> Result<Option<ConnectRecord>, TransformError> {
        let value = self.side.value(&record);
        if value.is_null() {
            return Ok(Some(record));
        }
        let Some(schema) = self.side.schema(&record) else {
            let cast = match &self.spec {
                CastSpec::Whole(ty) => cast_value(None, value, *ty)?,
                CastSpec::Fields(fields) => {
                    let entries = require_map(value, PURPOSE)?;
                    let mut updated = JavaHashMap::copy_of(entries);
                    for (field, ty) in fields {
                        let original = map_get(entries, field).cloned().unwrap_or(Value::Null);
                        updated.put(
                            Value::from(field.as_str()),
                            cast_value(None, &original, *ty)?,
                        );
                    }
                    updated.into_value()
                }
            };
            return Ok(Some(self.side.with(record, None, cast)));
        };
        let updated_schema = self.updated_schema(schema)?.into_ref();
        let cast = match &self.spec {
            CastSpec::Whole(ty) => cast_value(Some(schema), value, *ty)?,
            CastSpec::Fields(_) => {
                let value = require_struct(value, PURPOSE)?;
                let mut values = Vec::with_capacity(value.schema.fields.len());
                for field in &value.schema.fields {
                    let original = field_value(value, field, self.replace_null_with_default);
                    values.push(match self.spec.target(&field.name) {
                        Some(ty) => cast_value(Some(&field.schema), &original, ty)?,
                        None => original,
                    });
                }
                Value::Struct(Struct {
                    schema: updated_schema.clone(),
                    values,
                })
            }
        };
        Ok(Some(self.side.with(record, Some(updated_schema), cast)))
    }
}

fn create_key(props: &TransformProps) -> Result<Box<dyn Transformation>, TransformError> {
    Ok(Box::new(Cast::new(props, Side::Key)?))
}

fn create_value(props: &TransformProps) -> Result<Box<dyn Transformation>, TransformError> {
    Ok(Box::new(Cast::new(props, Side::Value)?))
}

/// `Cast$Key` and `Cast$Value`.
pub fn plugins() -> Vec<TransformPlugin> {
    vec![
        TransformPlugin {
            class: "org.apache.kafka.connect.transforms.Cast$Key",
            config_def,
            create: create_key,
        },
        TransformPlugin {
            class: "org.apache.kafka.connect.transforms.Cast$Value",
            config_def,
            create: create_value,
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(items: &[&str]) -> Result<CastSpec, String> {
        let items: Vec<String> = items.iter().map(|s| s.to_string()).collect();
        parse_spec(&items).map_err(|e| e.to_string())
    }

    #[test]
    fn spec_parsing_and_messages() {
        assert_eq!(spec(&["int64"]), Ok(CastSpec::Whole(SchemaType::Int64)));
        assert_eq!(
            spec(&["a:int8", " b : STRING "]),
            Ok(CastSpec::Fields(vec![
                ("a".into(), SchemaType::Int8),
                ("b".into(), SchemaType::String)
            ]))
        );
        assert_eq!(
            spec(&["a:foo"]).unwrap_err(),
            "Invalid value java.lang.IllegalArgumentException: No enum constant org.apache.kafka.connect.data.Schema.Type.FOO for configuration Invalid type found in casting spec: foo"
        );
        assert_eq!(
            spec(&["a:bytes"]).unwrap_err(),
            "Cast transformation does not support casting to BYTES; supported types are [INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING]"
        );
        assert_eq!(
            spec(&["a:b:c", "d:int8"]).unwrap_err(),
            "Invalid value [a:b:c, d:int8] for configuration renames: Invalid rename mapping: a:b:c"
        );
        assert_eq!(
            spec(&["int8", "a:int8"]).unwrap_err(),
            "Cast transformations that specify a type to cast the entire value to may only specify a single cast in their spec"
        );
        // `"a:".split(":")` is `["a"]`: a whole-value type named `a`.
        assert_eq!(
            spec(&["a:"]).unwrap_err(),
            "Invalid value java.lang.IllegalArgumentException: No enum constant org.apache.kafka.connect.data.Schema.Type.A for configuration Invalid type found in casting spec: a"
        );
    }

    #[test]
    fn casts_follow_java_conversions() {
        let c = |v: Value, t| cast_value(None, &v, t).map_err(|e| e.to_string());
        assert_eq!(c(Value::Int64(300), SchemaType::Int8), Ok(Value::Int8(44)));
        assert_eq!(
            c(Value::Float64(1e10), SchemaType::Int32),
            Ok(Value::Int32(i32::MAX))
        );
        // (byte)(int)1e10 = (byte)Integer.MAX_VALUE = -1.
        assert_eq!(
            c(Value::Float64(1e10), SchemaType::Int8),
            Ok(Value::Int8(-1))
        );
        assert_eq!(
            c(Value::Float64(0.5), SchemaType::Boolean),
            Ok(Value::Boolean(false))
        );
        assert_eq!(
            c(Value::from("TRUE"), SchemaType::Boolean),
            Ok(Value::Boolean(true))
        );
        assert_eq!(
            c(Value::from("yes"), SchemaType::Boolean),
            Ok(Value::Boolean(false))
        );
        assert_eq!(
            c(Value::from("128"), SchemaType::Int8),
            Err("Value (128) was out of range for requested data type".into())
        );
        assert_eq!(
            c(Value::Float32(1.0), SchemaType::String),
            Ok(Value::from("1.0"))
        );
        assert_eq!(
            c(Value::Bytes(b"hi".to_vec()), SchemaType::String),
            Ok(Value::from("aGk="))
        );
        assert_eq!(
            c(Value::Bytes(b"hi".to_vec()), SchemaType::Int32),
            Err("Unexpected type in Cast transformation: class [B".into())
        );
        assert_eq!(
            c(Value::Map(vec![]), SchemaType::Int32),
            Err("Cast transformation does not support casting from MAP; supported types are [INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING, BYTES]".into())
        );
        let ts = logical::timestamp();
        assert_eq!(
            cast_value(
                Some(&ts),
                &Value::Int64(1_700_000_000_123),
                SchemaType::String
            )
            .unwrap(),
            Value::from("2023-11-14T22:13:20.123Z")
        );
        assert_eq!(
            cast_value(Some(&ts), &Value::Int64(5), SchemaType::Int32).unwrap(),
            Value::Int32(5)
        );
        let dec = logical::decimal(2);
        let bytes = BigDecimal::parse("-12.34").unwrap().unscaled_bytes();
        assert_eq!(
            cast_value(Some(&dec), &Value::Bytes(bytes.clone()), SchemaType::String).unwrap(),
            Value::from("-12.34")
        );
        assert_eq!(
            cast_value(Some(&dec), &Value::Bytes(bytes), SchemaType::Int32).unwrap(),
            Value::Int32(-12)
        );
    }
}
