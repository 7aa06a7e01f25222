//! `org.apache.kafka.connect.storage.StringConverter`: values as text in a Java charset.
//! Writing uses Java's `toString` of the Connect value; reading always yields an
//! optional string schema.

use std::collections::BTreeMap;

use super::charset::Charset;
use super::{ConversionError, Converter};
use crate::config::{ConfigDef, ConfigError, ConfigKey, ConfigType, Importance, Width};
use crate::data::java_class;
use crate::data::{Schema, SchemaAndValue, SchemaType, Value, logical};
use crate::java::number_format::{
    VecWriter, write_big_decimal, write_java_double, write_java_float,
};
use std::fmt::Write as _;

/// `converter.encoding`: the charset name (default `UTF-8`).
pub const ENCODING_CONFIG: &str = "converter.encoding";

/// Apache's `StringConverterConfig` table (without `converter.type`, which the runtime
/// gives as the `is_key` argument).
pub fn config_def() -> ConfigDef {
    ConfigDef::new().define(
        ConfigKey::new(
            ENCODING_CONFIG,
            ConfigType::String,
            Importance::High,
            "The name of the Java character set to use for encoding strings as byte arrays.",
        )
        .default_value("UTF-8")
        .width(Width::Medium)
        .display_name("Encoding"),
    )
}

/// The string converter.
#[derive(Debug, Clone)]
pub struct StringConverter {
    serialize_charset: Charset,
    deserialize_charset: Charset,
}

impl Default for StringConverter {
    fn default() -> Self {
        StringConverter {
            serialize_charset: Charset::Utf8,
            deserialize_charset: Charset::Utf8,
        }
    }
}

impl StringConverter {
    /// Configures the converter as Java does: `converter.encoding` names the charset,
    /// and the serializer's own `key.serializer.encoding`/`value.serializer.encoding`
    /// (deserializer likewise) win when present.
    pub fn from_config(
        config: &BTreeMap<String, String>,
        is_key: bool,
    ) -> Result<Self, ConversionError> {
        let parsed = config_def().parse(config)?;
        let encoding = parsed.string(ENCODING_CONFIG)?.unwrap_or("UTF-8");
        let side = if is_key { "key" } else { "value" };
        let pick = |kind: &str| -> Result<Charset, ConversionError> {
            let name = config
                .get(&format!("{side}.{kind}.encoding"))
                .map_or(encoding, String::as_str);
            Charset::for_name(name)
                .ok_or_else(|| ConfigError::Message(format!("Unsupported encoding {name}")).into())
        };
        Ok(StringConverter {
            serialize_charset: pick("serializer")?,
            deserialize_charset: pick("deserializer")?,
        })
    }
}

impl Converter for StringConverter {
    fn from_connect_data_into(
        &self,
        _topic: &str,
        schema: Option<&Schema>,
        value: &Value,
        out: &mut Vec<u8>,
    ) -> Result<bool, ConversionError> {
        match value {
            Value::Null => Ok(false),
            Value::String(s) => {
                self.serialize_charset.encode(s, out);
                Ok(true)
            }
            other => {
                let mut text = Vec::new();
                java_to_string(&mut text, schema, other)?;
                // `java_to_string` writes only UTF-8.
                let text = String::from_utf8_lossy(&text);
                self.serialize_charset.encode(&text, out);
                Ok(true)
            }
        }
    }

    fn to_connect_data(
        &self,
        _topic: &str,
        bytes: Option<&[u8]>,
    ) -> Result<SchemaAndValue, ConversionError> {
        Ok(SchemaAndValue {
            schema: Some(super::optional_schema(SchemaType::String)),
            value: bytes.map_or(Value::Null, |b| {
                Value::String(self.deserialize_charset.decode(b))
            }),
        })
    }
}

/// Java's `toString()` of the object Connect would hold for `value` (a `BigDecimal`
/// for a Decimal, a `java.util.Date` printed in UTC for the time types).
pub fn java_to_string(
    out: &mut Vec<u8>,
    schema: Option<&Schema>,
    value: &Value,
) -> Result<(), ConversionError> {
    if let Some(schema) = schema
        && let Some(name) = schema.name.as_deref()
    {
        match (name, value) {
            (logical::DECIMAL, Value::Bytes(unscaled)) if !unscaled.is_empty() => {
                let scale = super::json::decimal_scale(schema)?;
                write_big_decimal(out, unscaled, scale);
                return Ok(());
            }
            (logical::DATE, Value::Int32(days)) => {
                write_java_date(out, i64::from(*days) * 86_400_000);
                return Ok(());
            }
            (logical::TIME, Value::Int32(millis)) => {
                write_java_date(out, i64::from(*millis));
                return Ok(());
            }
            (logical::TIMESTAMP, Value::Int64(millis)) => {
                write_java_date(out, *millis);
                return Ok(());
            }
            _ => {}
        }
    }
    let mut w = VecWriter(out);
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Int8(v) => drop(write!(w, "{v}")),
        Value::Int16(v) => drop(write!(w, "{v}")),
        Value::Int32(v) => drop(write!(w, "{v}")),
        Value::Int64(v) => drop(write!(w, "{v}")),
        Value::Float32(v) if v.is_nan() => out.extend_from_slice(b"NaN"),
        Value::Float64(v) if v.is_nan() => out.extend_from_slice(b"NaN"),
        Value::Float32(v) if v.is_infinite() => out.extend_from_slice(infinity(f64::from(*v))),
        Value::Float64(v) if v.is_infinite() => out.extend_from_slice(infinity(*v)),
        Value::Float32(v) => write_java_float(out, *v),
        Value::Float64(v) => write_java_double(out, *v),
        Value::Boolean(v) => out.extend_from_slice(if *v { b"true" } else { b"false" }),
        Value::String(s) => out.extend_from_slice(s.as_bytes()),
        Value::Bytes(_) => {
            // Java would print the array's identity (`[B@1b6d3586`), which no one can want.
            return Err(ConversionError::Data(format!(
                "Failed to serialize to a string: {} has no readable toString form",
                java_class(value)
            )));
        }
        Value::Array(items) => {
            let element = schema.and_then(|s| s.value_schema.as_deref());
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(b", ");
                }
                java_to_string(out, element, item)?;
            }
            out.push(b']');
        }
        Value::Map(entries) => {
            let key_schema = schema.and_then(|s| s.key_schema.as_deref());
            let value_schema = schema.and_then(|s| s.value_schema.as_deref());
            out.push(b'{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(b", ");
                }
                java_to_string(out, key_schema, k)?;
                out.push(b'=');
                java_to_string(out, value_schema, v)?;
            }
            out.push(b'}');
        }
        Value::Struct(s) => {
            out.extend_from_slice(b"Struct{");
            let mut first = true;
            for field in &s.schema.fields {
                let Some(v) = s.values.get(field.index).filter(|v| !v.is_null()) else {
                    continue;
                };
                if !first {
                    out.push(b',');
                }
                first = false;
                out.extend_from_slice(field.name.as_bytes());
                out.push(b'=');
                java_to_string(out, Some(&field.schema), v)?;
            }
            out.push(b'}');
        }
    }
    Ok(())
}

fn infinity(v: f64) -> &'static [u8] {
    if v > 0.0 { b"Infinity" } else { b"-Infinity" }
}

/// `java.util.Date.toString()` in UTC: `Thu Jan 01 00:00:00 UTC 1970`.
fn write_java_date(out: &mut Vec<u8>, epoch_millis: i64) {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = epoch_millis.div_euclid(86_400_000);
    let ms_of_day = epoch_millis.rem_euclid(86_400_000);
    let (year, month, day) = civil_from_days(days);
    let secs = ms_of_day / 1000;
    let _ = write!(
        VecWriter(out),
        "{} {} {:02} {:02}:{:02}:{:02} UTC {}",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[(month - 1) as usize],
        day,
        secs / 3600,
        secs / 60 % 60,
        secs % 60,
        year
    );
}

/// Proleptic Gregorian (year, month, day) of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Struct;

    fn text(schema: Option<&Schema>, value: &Value) -> String {
        let mut out = Vec::new();
        java_to_string(&mut out, schema, value).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn java_to_string_forms() {
        assert_eq!(text(None, &Value::Float64(1e10)), "1.0E10");
        assert_eq!(text(None, &Value::Float32(f32::NAN)), "NaN");
        assert_eq!(
            text(None, &Value::Array(vec![Value::Int32(1), Value::Null])),
            "[1, null]"
        );
        assert_eq!(
            text(None, &Value::Map(vec![("a".into(), Value::Boolean(true))])),
            "{a=true}"
        );
        let schema = Schema::structure([
            (
                "a".to_string(),
                Schema::optional(SchemaType::Int32).into_ref(),
            ),
            (
                "b".to_string(),
                Schema::optional(SchemaType::String).into_ref(),
            ),
            (
                "c".to_string(),
                Schema::optional(SchemaType::String).into_ref(),
            ),
        ])
        .into_ref();
        let mut s = Struct::new(schema);
        s.put("a", Value::Int32(1)).unwrap();
        s.put("c", Value::from("x")).unwrap();
        assert_eq!(text(None, &Value::Struct(s)), "Struct{a=1,c=x}");
        assert_eq!(
            text(Some(&logical::timestamp()), &Value::Int64(0)),
            "Thu Jan 01 00:00:00 UTC 1970"
        );
        assert_eq!(
            text(Some(&logical::date()), &Value::Int32(19_000)),
            "Sat Jan 08 00:00:00 UTC 2022"
        );
        assert_eq!(
            text(Some(&logical::decimal(2)), &Value::Bytes(vec![0xFF])),
            "-0.01"
        );
    }

    #[test]
    fn encodings() {
        let config = [(ENCODING_CONFIG.to_string(), "UTF-16".to_string())].into();
        let c = StringConverter::from_config(&config, false).unwrap();
        let bytes = c
            .from_connect_data("t", None, &Value::from("hé"))
            .unwrap()
            .unwrap();
        assert_eq!(bytes, [0xFE, 0xFF, 0x00, b'h', 0x00, 0xE9]);
        assert_eq!(
            c.to_connect_data("t", Some(&bytes)).unwrap().value,
            Value::from("hé")
        );
        let config = [(ENCODING_CONFIG.to_string(), "klingon".to_string())].into();
        assert_eq!(
            StringConverter::from_config(&config, true)
                .unwrap_err()
                .to_string(),
            "Unsupported encoding klingon"
        );
    }
}
