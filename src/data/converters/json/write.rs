//! Connect data to JSON text, byte for byte as Apache's `JsonConverter` writes it through
//! Jackson: no whitespace, object fields in the converter's order, Jackson's string
//! escaping, Java's number formatting and standard padded base64 for bytes. Writes
//! straight into the caller's buffer; no intermediate JSON tree.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use super::JsonConfig;
use crate::data::converters::ConversionError;
use crate::data::{Schema, SchemaType, Value, logical};
use crate::data::{java_class, java_type_name};
use crate::java::jackson::write_string;
use crate::java::number_format::{
    VecWriter, minimal_twos_complement, write_big_decimal, write_java_double, write_java_float,
};
use std::fmt::Write as _;

/// Writes `{"schema":...,"payload":...}`.
pub fn write_envelope(
    out: &mut Vec<u8>,
    schema: Option<&Schema>,
    value: &Value,
    config: &JsonConfig,
) -> Result<(), ConversionError> {
    out.extend_from_slice(b"{\"schema\":");
    match schema {
        Some(schema) => write_schema(out, schema, config)?,
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"payload\":");
    write_value(out, schema, value, config)?;
    out.push(b'}');
    Ok(())
}

/// Writes a schema as the converter's JSON schema object: `type`, then `items` /
/// `keys`,`values` / `fields`, then `optional`, `name`, `version`, `doc`, `parameters`,
/// `default`. A struct field's schema gets its `field` name last.
pub fn write_schema(
    out: &mut Vec<u8>,
    schema: &Schema,
    config: &JsonConfig,
) -> Result<(), ConversionError> {
    write_schema_body(out, schema, config)?;
    out.push(b'}');
    Ok(())
}

/// Everything of the schema object but its closing brace.
fn write_schema_body(
    out: &mut Vec<u8>,
    schema: &Schema,
    config: &JsonConfig,
) -> Result<(), ConversionError> {
    out.extend_from_slice(b"{\"type\":\"");
    out.extend_from_slice(schema.schema_type.json_name().as_bytes());
    out.push(b'"');
    match schema.schema_type {
        SchemaType::Array => {
            out.extend_from_slice(b",\"items\":");
            write_optional_schema(out, schema.value_schema.as_deref(), config)?;
        }
        SchemaType::Map => {
            out.extend_from_slice(b",\"keys\":");
            write_optional_schema(out, schema.key_schema.as_deref(), config)?;
            out.extend_from_slice(b",\"values\":");
            write_optional_schema(out, schema.value_schema.as_deref(), config)?;
        }
        SchemaType::Struct => {
            out.extend_from_slice(b",\"fields\":[");
            for (i, field) in schema.fields.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_schema_body(out, &field.schema, config)?;
                out.extend_from_slice(b",\"field\":");
                write_string(out, &field.name);
                out.push(b'}');
            }
            out.push(b']');
        }
        _ => {}
    }
    out.extend_from_slice(if schema.optional {
        b",\"optional\":true"
    } else {
        b",\"optional\":false"
    });
    if let Some(name) = &schema.name {
        out.extend_from_slice(b",\"name\":");
        write_string(out, name);
    }
    if let Some(version) = schema.version {
        let _ = write!(VecWriter(out), ",\"version\":{version}");
    }
    if let Some(doc) = &schema.doc {
        out.extend_from_slice(b",\"doc\":");
        write_string(out, doc);
    }
    if let Some(parameters) = &schema.parameters {
        out.extend_from_slice(b",\"parameters\":{");
        for (i, (key, value)) in parameters.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_string(out, key);
            out.push(b':');
            write_string(out, value);
        }
        out.push(b'}');
    }
    if let Some(default) = &schema.default_value
        && !default.is_null()
    {
        out.extend_from_slice(b",\"default\":");
        write_value(out, Some(schema), default, config)?;
    }
    Ok(())
}

fn write_optional_schema(
    out: &mut Vec<u8>,
    schema: Option<&Schema>,
    config: &JsonConfig,
) -> Result<(), ConversionError> {
    match schema {
        Some(schema) => write_schema(out, schema, config),
        None => {
            out.extend_from_slice(b"null");
            Ok(())
        }
    }
}

/// Writes a value as the payload JSON. `schema` is `None` for schemaless data, whose type
/// then comes from the value itself.
pub fn write_value(
    out: &mut Vec<u8>,
    schema: Option<&Schema>,
    value: &Value,
    config: &JsonConfig,
) -> Result<(), ConversionError> {
    if value.is_null() {
        let Some(schema) = schema else {
            out.extend_from_slice(b"null");
            return Ok(());
        };
        if let Some(default) = &schema.default_value
            && !default.is_null()
            && config.replace_null_with_default
        {
            return write_value(out, Some(schema), default, config);
        }
        if schema.optional {
            out.extend_from_slice(b"null");
            return Ok(());
        }
        return Err(ConversionError::Data(
            "Conversion error: null value for field that is required and has no default value"
                .into(),
        ));
    }

    if let Some(schema) = schema
        && let Some(name) = schema.name.as_deref()
        && write_logical(out, schema, name, value, config)?
    {
        return Ok(());
    }

    let schema_type = match schema {
        Some(schema) => schema.schema_type,
        None => schemaless_type(value)?,
    };
    let mismatch = || {
        let type_name = match schema {
            Some(schema) => java_type_name(schema.schema_type),
            None => "unknown schema",
        };
        ConversionError::Data(format!(
            "Invalid type for {type_name}: {}",
            java_class(value)
        ))
    };
    match (schema_type, value) {
        (SchemaType::Int8, Value::Int8(v)) => write_display(out, v),
        (SchemaType::Int16, Value::Int16(v)) => write_display(out, v),
        (SchemaType::Int32, Value::Int32(v)) => write_display(out, v),
        (SchemaType::Int64, Value::Int64(v)) => write_display(out, v),
        (SchemaType::Float32, Value::Float32(v)) => {
            if v.is_finite() {
                write_java_float(out, *v);
            } else {
                write_non_finite(out, f64::from(*v));
            }
        }
        (SchemaType::Float64, Value::Float64(v)) => {
            if v.is_finite() {
                write_java_double(out, *v);
            } else {
                write_non_finite(out, *v);
            }
        }
        (SchemaType::Boolean, Value::Boolean(v)) => {
            out.extend_from_slice(if *v { b"true" } else { b"false" })
        }
        (SchemaType::String, Value::String(s)) => write_string(out, s),
        (SchemaType::Bytes, Value::Bytes(bytes)) => write_base64(out, bytes),
        (SchemaType::Bytes, other) => {
            return Err(ConversionError::Data(format!(
                "Invalid type for bytes type: {}",
                java_class(other)
            )));
        }
        (SchemaType::Array, Value::Array(items)) => {
            let element_schema = schema.and_then(|s| s.value_schema.as_deref());
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(out, element_schema, item, config)?;
            }
            out.push(b']');
        }
        (SchemaType::Map, Value::Map(entries)) => write_map(out, schema, entries, config)?,
        (SchemaType::Struct, Value::Struct(s)) => {
            let Some(schema) = schema.filter(|schema| {
                std::ptr::eq(s.schema.as_ref(), *schema) || s.schema.as_ref() == *schema
            }) else {
                return Err(ConversionError::Data("Mismatching schema.".into()));
            };
            out.push(b'{');
            for (i, field) in schema.fields.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_string(out, &field.name);
                out.push(b':');
                let field_value = s.values.get(field.index).unwrap_or(&Value::Null);
                write_value(out, Some(&field.schema), field_value, config)?;
            }
            out.push(b'}');
        }
        _ => return Err(mismatch()),
    }
    Ok(())
}

fn write_map(
    out: &mut Vec<u8>,
    schema: Option<&Schema>,
    entries: &[(Value, Value)],
    config: &JsonConfig,
) -> Result<(), ConversionError> {
    let key_schema = schema.and_then(|s| s.key_schema.as_deref());
    let value_schema = schema.and_then(|s| s.value_schema.as_deref());
    // String keys make a JSON object, any other key an array of [key, value] pairs.
    let object_mode = match schema {
        Some(_) => key_schema.is_some_and(|k| k.schema_type == SchemaType::String),
        None => entries.iter().all(|(k, _)| matches!(k, Value::String(_))),
    };
    if object_mode {
        out.push(b'{');
        for (i, (key, value)) in entries.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            // The key goes through the same conversion as any value, then its text is used.
            let start = out.len();
            write_value(out, key_schema, key, config)?;
            if out.get(start) != Some(&b'"') {
                let text = out.split_off(start);
                write_string(out, &String::from_utf8_lossy(&text));
            }
            out.push(b':');
            write_value(out, value_schema, value, config)?;
        }
        out.push(b'}');
    } else {
        out.push(b'[');
        for (i, (key, value)) in entries.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.push(b'[');
            write_value(out, key_schema, key, config)?;
            out.push(b',');
            write_value(out, value_schema, value, config)?;
            out.push(b']');
        }
        out.push(b']');
    }
    Ok(())
}

/// Writes a value of a logical type; `Ok(false)` when `name` is no logical type.
fn write_logical(
    out: &mut Vec<u8>,
    schema: &Schema,
    name: &str,
    value: &Value,
    config: &JsonConfig,
) -> Result<bool, ConversionError> {
    match (name, value) {
        (logical::DECIMAL, Value::Bytes(unscaled)) => {
            let scale = decimal_scale(schema)?;
            if unscaled.is_empty() {
                return Err(ConversionError::Data(
                    "Invalid type for Decimal: the unscaled value has no bytes".into(),
                ));
            }
            let unscaled = minimal_twos_complement(unscaled);
            if config.decimal_numeric {
                write_big_decimal(out, unscaled, scale);
            } else {
                write_base64(out, unscaled);
            }
        }
        (logical::DECIMAL, other) => {
            return Err(ConversionError::Data(format!(
                "Invalid type for Decimal, expected BigDecimal but was {}",
                java_class(other)
            )));
        }
        (logical::DATE, Value::Int32(days)) => write_display(out, days),
        (logical::TIME, Value::Int32(millis)) => {
            if !(0..=86_400_000).contains(millis) {
                return Err(ConversionError::Data(
                    "Kafka Connect Time type should not have any date fields set to non-zero values."
                        .into(),
                ));
            }
            write_display(out, millis);
        }
        (logical::TIMESTAMP, Value::Int64(millis)) => write_display(out, millis),
        (logical::DATE | logical::TIME | logical::TIMESTAMP, other) => {
            let short = name.rsplit('.').next().unwrap_or(name);
            return Err(ConversionError::Data(format!(
                "Invalid type for {short}, expected Date but was {}",
                java_class(other)
            )));
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// The `scale` parameter of a Decimal schema.
pub(crate) fn decimal_scale(schema: &Schema) -> Result<i32, ConversionError> {
    let scale = schema
        .parameters
        .as_ref()
        .and_then(|p| p.get(logical::DECIMAL_SCALE))
        .ok_or_else(|| {
            ConversionError::Data("Invalid Decimal schema: scale parameter not found.".into())
        })?;
    scale.parse().map_err(|_| {
        ConversionError::Data(format!(
            "Invalid scale parameter found in Decimal schema: For input string: \"{scale}\""
        ))
    })
}

/// The type Java's `ConnectSchema.schemaType` finds for a value's class.
fn schemaless_type(value: &Value) -> Result<SchemaType, ConversionError> {
    value.schema_type().ok_or_else(|| {
        ConversionError::Data("Conversion error: null value has no schema type".into())
    })
}

fn write_display(out: &mut Vec<u8>, value: &impl std::fmt::Display) {
    let _ = write!(VecWriter(out), "{value}");
}

/// Jackson writes NaN and infinities as strings (`WRITE_NAN_AS_STRINGS` is on by default).
fn write_non_finite(out: &mut Vec<u8>, value: f64) {
    out.extend_from_slice(if value.is_nan() {
        b"\"NaN\""
    } else if value > 0.0 {
        b"\"Infinity\""
    } else {
        b"\"-Infinity\""
    });
}

fn write_base64(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(b'"');
    let start = out.len();
    out.resize(start + bytes.len().div_ceil(3) * 4, 0);
    // The buffer was sized for exactly the padded output.
    let written = BASE64.encode_slice(bytes, &mut out[start..]).unwrap_or(0);
    out.truncate(start + written);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn string(s: &str) -> String {
        let mut out = Vec::new();
        write_string(&mut out, s);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn escapes_like_jackson() {
        assert_eq!(string("a\"b\\c/d"), r#""a\"b\\c/d""#);
        assert_eq!(
            string("\u{0}\u{1F}\u{7F}\n\t"),
            "\"\\u0000\\u001F\u{7F}\\n\\t\""
        );
        assert_eq!(string("é😀"), "\"é\\uD83D\\uDE00\"");
        let long = "y".repeat(40);
        assert_eq!(string(&long), format!("\"{long}\""));
        assert_eq!(
            string(&format!("{long}\n{long}😀")),
            format!("\"{long}\\n{long}\\uD83D\\uDE00\"")
        );
    }

    #[test]
    fn base64_is_padded() {
        let mut out = Vec::new();
        write_base64(&mut out, &[1, 2]);
        assert_eq!(out, b"\"AQI=\"");
    }
}
