//! Parsed JSON to Connect schemas and values, following Apache's `JsonConverter`
//! (`asConnectSchema` and `convertToConnect`), including its lenient corners: a
//! non-number where a number is expected reads as 0, a non-string as a null string.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use indexmap::IndexMap;

use super::JsonConfig;
use super::parse::{Node, Number};
use super::write::decimal_scale;
use crate::data::converters::ConversionError;
use crate::data::java::hash_map::filled_order;
use crate::data::java_type_name;
use crate::data::{Field, Schema, SchemaRef, SchemaType, Struct, Value, logical};
use crate::java::number_format::{decimal_to_twos_complement, minimal_twos_complement};

fn data_error(message: impl Into<String>) -> ConversionError {
    ConversionError::Data(message.into())
}

/// A JSON schema object to a Connect schema; JSON `null` means no schema.
pub fn to_schema(
    node: &Node<'_>,
    config: &JsonConfig,
) -> Result<Option<SchemaRef>, ConversionError> {
    if matches!(node, Node::Null) {
        return Ok(None);
    }
    let Some(Node::String(type_name)) = node.get("type") else {
        return Err(data_error("Schema must contain 'type' field"));
    };
    let mut schema = match type_name.as_ref() {
        "array" => {
            let items = match node.get("items") {
                None | Some(Node::Null) => {
                    return Err(data_error("Array schema did not specify the element type"));
                }
                Some(items) => to_schema(items, config)?,
            };
            Schema::array(items.ok_or_else(|| data_error("valueSchema cannot be null."))?)
        }
        "map" => {
            let keys = node
                .get("keys")
                .ok_or_else(|| data_error("Map schema did not specify the key type"))?;
            let values = node
                .get("values")
                .ok_or_else(|| data_error("Map schema did not specify the value type"))?;
            let keys =
                to_schema(keys, config)?.ok_or_else(|| data_error("keySchema cannot be null."))?;
            let values = to_schema(values, config)?
                .ok_or_else(|| data_error("valueSchema cannot be null."))?;
            Schema::map(keys, values)
        }
        "struct" => {
            let Some(Node::Array(fields)) = node.get("fields") else {
                return Err(data_error(
                    "Struct schema's \"fields\" argument is not an array.",
                ));
            };
            let mut schema = Schema::new(SchemaType::Struct);
            for field in fields {
                let Some(Node::String(name)) = field.get("field") else {
                    return Err(data_error(
                        "Struct schema's field name not specified properly",
                    ));
                };
                if schema.field(name).is_some() {
                    return Err(data_error(format!(
                        "Cannot create field because of field name duplication {name}"
                    )));
                }
                let field_schema = to_schema(field, config)?
                    .ok_or_else(|| data_error("Schema must contain 'type' field"))?;
                schema.fields.push(Field {
                    name: name.to_string(),
                    index: schema.fields.len(),
                    schema: field_schema,
                });
            }
            schema
        }
        other => match SchemaType::from_json_name(other) {
            Some(primitive) => Schema::new(primitive),
            None => return Err(data_error(format!("Unknown schema type: {other}"))),
        },
    };
    schema.optional = matches!(node.get("optional"), Some(Node::Bool(true)));
    if let Some(Node::String(name)) = node.get("name") {
        schema.name = Some(name.to_string());
    }
    if let Some(Node::Number(version)) = node.get("version")
        && version.integral
    {
        schema.version = Some(long_value(version) as i32);
    }
    if let Some(Node::String(doc)) = node.get("doc") {
        schema.doc = Some(doc.to_string());
    }
    if let Some(Node::Object(parameters)) = node.get("parameters") {
        let mut map = IndexMap::with_capacity(parameters.len());
        for (key, value) in parameters {
            let Node::String(value) = value else {
                return Err(data_error("Schema parameters must have string values."));
            };
            map.insert(key.to_string(), value.to_string());
        }
        schema.parameters = Some(map);
    }
    if let Some(default) = node.get("default") {
        // The default is read against the schema as built so far (without a default).
        let value = to_value(Some(&Arc::new(schema.clone())), Some(default), config)?;
        if !value.is_null() {
            schema.default_value = Some(value);
        }
    }
    Ok(Some(Arc::new(schema)))
}

/// A JSON value to a Connect value of `schema`, or of the type the JSON suggests when
/// there is no schema (integers as int64, other numbers as float64, objects as maps).
/// `node` is `None` for a missing struct field or an empty message.
pub fn to_value(
    schema: Option<&SchemaRef>,
    node: Option<&Node<'_>>,
    config: &JsonConfig,
) -> Result<Value, ConversionError> {
    let Some(schema) = schema else {
        return schemaless_value(node, config);
    };
    let node = match node {
        None | Some(Node::Null) => {
            if let Some(default) = &schema.default_value
                && config.replace_null_with_default
            {
                return Ok(default.clone());
            }
            if schema.optional {
                return Ok(Value::Null);
            }
            return Err(data_error(format!(
                "Invalid null value for required {} field",
                java_type_name(schema.schema_type)
            )));
        }
        Some(node) => node,
    };
    if let Some(name) = schema.name.as_deref()
        && let Some(value) = logical_value(schema, name, node)?
    {
        return Ok(value);
    }
    Ok(match schema.schema_type {
        SchemaType::Boolean => Value::Boolean(matches!(node, Node::Bool(true))),
        SchemaType::Int8 => Value::Int8(number(node).map_or(0, long_value) as i8),
        SchemaType::Int16 => Value::Int16(number(node).map_or(0, long_value) as i16),
        SchemaType::Int32 => Value::Int32(number(node).map_or(0, long_value) as i32),
        SchemaType::Int64 => Value::Int64(number(node).map_or(0, long_value)),
        SchemaType::Float32 => Value::Float32(number(node).map_or(0.0, float_value)),
        SchemaType::Float64 => Value::Float64(number(node).map_or(0.0, double_value)),
        SchemaType::String => match node {
            Node::String(s) => Value::String(s.to_string()),
            _ => Value::Null,
        },
        SchemaType::Bytes => match node {
            Node::String(s) => {
                Value::Bytes(decode_base64(s).ok_or_else(|| data_error("Invalid bytes field"))?)
            }
            _ => Value::Null,
        },
        SchemaType::Array => {
            let element = schema.value_schema.as_ref();
            Value::Array(
                children(node)
                    .map(|child| to_value(element, Some(child), config))
                    .collect::<Result<_, _>>()?,
            )
        }
        SchemaType::Map => map_value(Some(schema), node, config)?,
        SchemaType::Struct => {
            let Node::Object(_) = node else {
                return Err(data_error(format!(
                    "Structs should be encoded as JSON objects, but found {}",
                    node.node_type()
                )));
            };
            let mut result = Struct::new(schema.clone());
            for field in &schema.fields {
                let value = to_value(Some(&field.schema), node.get(&field.name), config)?;
                if value.is_null() && !field.schema.optional {
                    return Err(data_error(format!(
                        "Invalid value: null used for required field: \"{}\", schema type: {}",
                        field.name,
                        java_type_name(field.schema.schema_type)
                    )));
                }
                result.values[field.index] = value;
            }
            Value::Struct(result)
        }
    })
}

fn schemaless_value(
    node: Option<&Node<'_>>,
    config: &JsonConfig,
) -> Result<Value, ConversionError> {
    Ok(match node {
        None | Some(Node::Null) => Value::Null,
        Some(Node::Bool(b)) => Value::Boolean(*b),
        Some(Node::Number(n)) if n.integral => Value::Int64(long_value(n)),
        Some(Node::Number(n)) => Value::Float64(double_value(n)),
        Some(Node::String(s)) => Value::String(s.to_string()),
        Some(node @ Node::Array(items)) => {
            let _ = node;
            Value::Array(
                items
                    .iter()
                    .map(|item| schemaless_value(Some(item), config))
                    .collect::<Result<_, _>>()?,
            )
        }
        Some(node @ Node::Object(_)) => map_value(None, node, config)?,
    })
}

fn map_value(
    schema: Option<&SchemaRef>,
    node: &Node<'_>,
    config: &JsonConfig,
) -> Result<Value, ConversionError> {
    let key_schema = schema.and_then(|s| s.key_schema.as_ref());
    let value_schema = schema.and_then(|s| s.value_schema.as_ref());
    let string_keys = key_schema.is_none_or(|k| k.schema_type == SchemaType::String);
    if string_keys {
        let Node::Object(entries) = node else {
            return Err(data_error(format!(
                "Maps with string fields should be encoded as JSON objects, but found {}",
                node.node_type()
            )));
        };
        let mut result = Vec::with_capacity(entries.len());
        for (key, value) in entries {
            let value = match value_schema {
                Some(_) => to_value(value_schema, Some(value), config)?,
                None => schemaless_value(Some(value), config)?,
            };
            result.push((Value::String(key.to_string()), value));
        }
        // Apache puts the fields into a `java.util.HashMap`: whatever iterates the map later
        // (fromConnectData, `toString`, the transforms) sees that map's order, not the
        // document's.
        return Ok(Value::Map(filled_order(result)));
    }
    let Node::Array(entries) = node else {
        return Err(data_error(format!(
            "Maps with non-string fields should be encoded as JSON array of tuples, but found {}",
            node.node_type()
        )));
    };
    let mut result: Vec<(Value, Value)> = Vec::with_capacity(entries.len());
    for entry in entries {
        let Node::Array(pair) = entry else {
            return Err(data_error(format!(
                "Found invalid map entry instead of array tuple: {}",
                entry.node_type()
            )));
        };
        if pair.len() != 2 {
            return Err(data_error(format!(
                "Found invalid map entry, expected length 2 but found :{}",
                pair.len()
            )));
        }
        let key = to_value(key_schema, Some(&pair[0]), config)?;
        let value = to_value(value_schema, Some(&pair[1]), config)?;
        // A Java map holds each key once; a repeated key keeps its place, last value wins.
        match result.iter_mut().find(|(k, _)| *k == key) {
            Some(existing) => existing.1 = value,
            None => result.push((key, value)),
        }
    }
    Ok(Value::Map(result))
}

/// Reads a logical type; `Ok(None)` when `name` is no logical type.
fn logical_value(
    schema: &Schema,
    name: &str,
    node: &Node<'_>,
) -> Result<Option<Value>, ConversionError> {
    Ok(Some(match name {
        logical::DECIMAL => match node {
            Node::Number(n) => Value::Bytes(rescale(n, decimal_scale(schema)?)?),
            Node::String(s) => {
                let bytes = decode_base64(s)
                    .filter(|b| !b.is_empty())
                    .ok_or_else(|| data_error("Invalid bytes for Decimal field"))?;
                decimal_scale(schema)?;
                Value::Bytes(minimal_twos_complement(&bytes).to_vec())
            }
            other => {
                return Err(data_error(format!(
                    "Invalid type for Decimal, underlying representation should be numeric or bytes but was {}",
                    other.node_type()
                )));
            }
        },
        logical::DATE | logical::TIME => {
            let short = if name == logical::DATE {
                "Date"
            } else {
                "Time"
            };
            let days_or_millis = match node {
                Node::Number(n) if n.integral => int_node_value(n),
                _ => None,
            };
            let Some(v) = days_or_millis else {
                return Err(data_error(format!(
                    "Invalid type for {short}, underlying representation should be integer but was {}",
                    node.node_type()
                )));
            };
            if name == logical::TIME && !(0..=86_400_000).contains(&v) {
                return Err(data_error(
                    "Time values must use number of milliseconds greater than 0 and less than 86400000",
                ));
            }
            Value::Int32(v)
        }
        logical::TIMESTAMP => match node {
            Node::Number(n) if n.integral => Value::Int64(long_value(n)),
            other => {
                return Err(data_error(format!(
                    "Invalid type for Timestamp, underlying representation should be integral but was {}",
                    other.node_type()
                )));
            }
        },
        _ => return Ok(None),
    }))
}

/// A JSON number as the unscaled value of a decimal of `scale`. Java keeps the number's
/// own scale; our values carry the schema's, so digits that do not fit are an error.
fn rescale(n: &Number<'_>, scale: i32) -> Result<Vec<u8>, ConversionError> {
    let (negative, digits, exponent) = decimal_parts(n.text);
    let shift = i64::from(scale) + exponent;
    let mut digits = digits;
    if shift >= 0 {
        if shift > 10_000 {
            return Err(data_error(
                "Decimal value is too large for its schema's scale",
            ));
        }
        digits.extend(std::iter::repeat_n(b'0', shift as usize));
    } else {
        let drop = (-shift) as usize;
        let keep = digits.len().saturating_sub(drop);
        if digits[keep..].iter().any(|d| *d != b'0') {
            return Err(data_error(format!(
                "Decimal value has mismatching scale for given Decimal schema. Schema has scale {scale}, value {} has more digits.",
                n.text
            )));
        }
        digits.truncate(keep);
    }
    Ok(decimal_to_twos_complement(negative, &digits))
}

/// Sign, all digits and the power of ten they are scaled by: `-1.50e2` → (true, "150", 0).
fn decimal_parts(text: &str) -> (bool, Vec<u8>, i64) {
    let (negative, rest) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (mantissa, exponent) = match rest.find(['e', 'E']) {
        Some(i) => (&rest[..i], rest[i + 1..].parse::<i64>().unwrap_or(0)),
        None => (rest, 0),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let mut digits: Vec<u8> = int_part.bytes().chain(frac_part.bytes()).collect();
    let leading = digits.iter().take_while(|d| **d == b'0').count();
    digits.drain(..leading.min(digits.len().saturating_sub(1)));
    (negative, digits, exponent - frac_part.len() as i64)
}

/// Jackson's `isInt()`: an integral number that fits 32 bits.
fn int_node_value(n: &Number<'_>) -> Option<i32> {
    n.text
        .parse::<i64>()
        .ok()
        .and_then(|v| i32::try_from(v).ok())
}

/// Java's `longValue()` of the node: exact for longs, the low 64 bits of a bigger
/// integer, the fraction cut off for a decimal.
pub fn long_value(n: &Number<'_>) -> i64 {
    if n.integral
        && let Ok(v) = n.text.parse::<i64>()
    {
        return v;
    }
    let (negative, digits, exponent) = decimal_parts(n.text);
    let int_digits: &[u8] = if exponent >= 0 {
        &digits
    } else {
        &digits[..digits.len().saturating_sub((-exponent) as usize)]
    };
    let mut value: u64 = 0;
    for d in int_digits {
        value = value.wrapping_mul(10).wrapping_add(u64::from(d - b'0'));
    }
    // 10^64 is a multiple of 2^64, so only the first 64 extra zeros change the low bits.
    for _ in 0..exponent.clamp(0, 64) {
        value = value.wrapping_mul(10);
    }
    let value = value as i64;
    if negative {
        value.wrapping_neg()
    } else {
        value
    }
}

/// Java's `doubleValue()`: correctly rounded; a BigDecimal has no negative zero.
fn double_value(n: &Number<'_>) -> f64 {
    n.text.parse::<f64>().map_or(0.0, |v| v + 0.0)
}

/// Java's `floatValue()`, rounded once from the exact decimal.
fn float_value(n: &Number<'_>) -> f32 {
    n.text.parse::<f32>().map_or(0.0, |v| v + 0.0)
}

fn number<'n, 'a>(node: &'n Node<'a>) -> Option<&'n Number<'a>> {
    match node {
        Node::Number(n) => Some(n),
        _ => None,
    }
}

/// What Jackson iterates over: an array's items, an object's values, nothing otherwise.
fn children<'n, 'a>(node: &'n Node<'a>) -> Box<dyn Iterator<Item = &'n Node<'a>> + 'n> {
    match node {
        Node::Array(items) => Box::new(items.iter()),
        Node::Object(entries) => Box::new(entries.iter().map(|(_, v)| v)),
        _ => Box::new(std::iter::empty()),
    }
}

/// Jackson's base64 reading: the standard alphabet; padding required.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    BASE64.decode(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(text: &str) -> Number<'_> {
        Number {
            text,
            integral: !text.contains(['.', 'e', 'E']),
        }
    }

    #[test]
    fn long_value_wraps_and_truncates_like_java() {
        assert_eq!(long_value(&num("42")), 42);
        assert_eq!(long_value(&num("-9223372036854775808")), i64::MIN);
        assert_eq!(long_value(&num("9223372036854775808")), i64::MIN);
        assert_eq!(long_value(&num("18446744073709551617")), 1);
        assert_eq!(long_value(&num("-2.9")), -2);
        assert_eq!(long_value(&num("1.5e3")), 1500);
        assert_eq!(long_value(&num("1e-3")), 0);
    }

    #[test]
    fn rescales_numbers_to_the_schema_scale() {
        assert_eq!(rescale(&num("1.5"), 2).unwrap(), vec![0, 150]);
        assert_eq!(rescale(&num("-0.01"), 2).unwrap(), vec![0xFF]);
        assert_eq!(rescale(&num("1.230"), 2).unwrap(), vec![123]);
        assert!(rescale(&num("1.234"), 2).is_err());
        assert_eq!(rescale(&num("1.23E+4"), -2).unwrap(), vec![123]);
    }
}
