//! Apache's `Values.parseString` for the literals `InsertHeader` inserts: the schema is
//! inferred from the text. Covered: `null`, `true`/`false`, numbers (the smallest of
//! INT8..INT64 for whole numbers, FLOAT32/FLOAT64 for fractions, Decimal beyond),
//! ISO-8601 dates (`yyyy-MM-dd`), times (`HH:mm:ss.SSSZ`) and timestamps
//! (`yyyy-MM-ddTHH:mm:ss.SSSZ`) in their strict forms, and strings, with Java's quirks
//! (a literal starting with a number is that number: `1,2` is INT8 1). Array and map
//! literals (`[..]`, `{..}`) are refused with a message saying so.

use std::sync::Arc;

use crate::data::{Schema, SchemaRef, SchemaType, Value, logical};
use crate::java::date_format::{MILLIS_PER_DAY, days_from_civil};
use crate::java::numbers::BigDecimal;

/// What a literal parses to: `None` for Java's `null` result.
pub type Parsed = Option<(SchemaRef, Value)>;

/// Splits like Java's `Values.Parser`: the delimiters `: , { } [ ] "` are tokens of their
/// own unless escaped with a backslash; everything between them is one token.
fn tokens(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match c {
            '\\' => escaped = !escaped,
            ':' | ',' | '{' | '}' | '[' | ']' | '"' if !escaped => {
                if start < i {
                    out.push(&s[start..i]);
                }
                out.push(&s[i..i + 1]);
                start = i + 1;
            }
            _ => escaped = false,
        }
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
    out
}

fn is_blank(s: &str) -> bool {
    s.chars().all(char::is_whitespace)
}

fn schema(schema_type: SchemaType) -> SchemaRef {
    Arc::new(Schema::new(schema_type))
}

/// Parses a literal the way `Values.parseString` does (top level, not embedded).
pub fn parse_literal(text: &str) -> Result<Parsed, String> {
    if text.is_empty() {
        return Ok(Some((schema(SchemaType::String), Value::from(""))));
    }
    let tokens = tokens(text);
    // Java skips blank tokens when it looks for a single-token literal.
    let meaningful: Vec<&str> = tokens.iter().copied().filter(|t| !is_blank(t)).collect();
    if meaningful.len() == 1 {
        match meaningful[0].trim() {
            "null" => return Ok(None),
            "true" => return Ok(Some((schema(SchemaType::Boolean), Value::Boolean(true)))),
            "false" => return Ok(Some((schema(SchemaType::Boolean), Value::Boolean(false)))),
            _ => {}
        }
    }
    if let Some(first) = meaningful.first()
        && matches!(first.trim(), "[" | "{")
    {
        return Err(format!(
            "Array and map literals are not supported by this build's InsertHeader: {text}"
        ));
    }
    let token = tokens[0];
    if is_blank(token) {
        return Ok(Some((schema(SchemaType::String), Value::from(token))));
    }
    let token = token.trim();
    let first = token.chars().next().unwrap_or(' ');
    if first.is_ascii_digit() {
        // Times and timestamps span five tokens (their colons are delimiters).
        if tokens.len() >= 5 {
            let joined: String = tokens[..5].concat();
            if let Some(temporal) = parse_temporal(&joined) {
                return Ok(Some(temporal));
            }
        }
        if let Some(temporal) = parse_temporal(token) {
            return Ok(Some(temporal));
        }
    }
    if (first.is_ascii_digit() || first == '+' || first == '-')
        && let Some(number) = parse_number(token)
    {
        return Ok(Some(number));
    }
    Ok(Some((schema(SchemaType::String), Value::from(text))))
}

fn digits(s: &str, n: usize) -> Option<i64> {
    (s.len() == n && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok())?
}

fn parse_date(s: &str) -> Option<i64> {
    let (y, rest) = s.split_once('-')?;
    let (m, d) = rest.split_once('-')?;
    let (y, m, d) = (digits(y, 4)?, digits(m, 2)?, digits(d, 2)?);
    ((1..=12).contains(&m) && (1..=31).contains(&d)).then(|| days_from_civil(y, m, d))
}

fn parse_time(s: &str) -> Option<i64> {
    let s = s.strip_suffix('Z')?;
    let (hms, millis) = s.split_once('.')?;
    let mut parts = hms.split(':');
    let h = digits(parts.next()?, 2)?;
    let m = digits(parts.next()?, 2)?;
    let sec = digits(parts.next()?, 2)?;
    let ms = digits(millis, 3)?;
    (parts.next().is_none() && h < 24 && m < 60 && sec < 60)
        .then_some(((h * 60 + m) * 60 + sec) * 1000 + ms)
}

fn parse_temporal(s: &str) -> Option<(SchemaRef, Value)> {
    let s = s.replace("\\:", ":");
    match s.len() {
        13 => parse_time(&s).map(|ms| (Arc::new(logical::time()), Value::Int32(ms as i32))),
        24 => {
            let (date, time) = s.split_once('T')?;
            let ms = parse_date(date)? * 86_400_000 + parse_time(time)?;
            Some((Arc::new(logical::timestamp()), Value::Int64(ms)))
        }
        10 => parse_date(&s).map(|days| (Arc::new(logical::date()), Value::Int32(days as i32))),
        _ => None,
    }
}

/// Java's `new BigDecimal(token)` followed by `Values`' choice of type: the smallest
/// integer schema for a whole number in the `long` range, else FLOAT32 or FLOAT64 when the
/// scale is not zero and the value fits, else a Decimal.
fn parse_number(token: &str) -> Option<(SchemaRef, Value)> {
    let decimal = BigDecimal::parse(token)?;
    if let Some(long) = decimal.exact_long() {
        return Some(if let Ok(v) = i8::try_from(long) {
            (schema(SchemaType::Int8), Value::Int8(v))
        } else if let Ok(v) = i16::try_from(long) {
            (schema(SchemaType::Int16), Value::Int16(v))
        } else if let Ok(v) = i32::try_from(long) {
            (schema(SchemaType::Int32), Value::Int32(v))
        } else {
            (schema(SchemaType::Int64), Value::Int64(long))
        });
    }
    if decimal.scale() != 0 {
        let float = decimal.float_value();
        if float.is_finite() {
            return Some((schema(SchemaType::Float32), Value::Float32(float)));
        }
        let double = decimal.double_value();
        if double.is_finite() {
            return Some((schema(SchemaType::Float64), Value::Float64(double)));
        }
    }
    Some((
        Arc::new(logical::decimal(decimal.scale())),
        Value::Bytes(decimal.unscaled_bytes()),
    ))
}

/// The epoch milliseconds of a Date/Time/Timestamp value (Java's `java.util.Date`), or None
/// when `logical_name` is not one of those or the value is not its physical type.
pub fn millis_of(logical_name: &str, value: &Value) -> Option<i64> {
    match (logical_name, value) {
        (logical::DATE, Value::Int32(days)) => Some(i64::from(*days) * MILLIS_PER_DAY),
        (logical::TIME, Value::Int32(millis)) => Some(i64::from(*millis)),
        (logical::TIMESTAMP, Value::Int64(millis)) => Some(*millis),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> (SchemaType, Value) {
        let (schema, value) = parse_literal(text).unwrap().unwrap();
        (schema.schema_type, value)
    }

    #[test]
    fn infers_like_values_parse_string() {
        assert_eq!(parsed("42"), (SchemaType::Int8, Value::Int8(42)));
        assert_eq!(parsed("300"), (SchemaType::Int16, Value::Int16(300)));
        assert_eq!(parsed("-70000"), (SchemaType::Int32, Value::Int32(-70000)));
        assert_eq!(parsed("1e2"), (SchemaType::Int8, Value::Int8(100)));
        assert_eq!(parsed("1.5"), (SchemaType::Float32, Value::Float32(1.5)));
        assert_eq!(parsed("1,2"), (SchemaType::Int8, Value::Int8(1)));
        assert_eq!(parsed("true"), (SchemaType::Boolean, Value::Boolean(true)));
        assert_eq!(parsed("true}"), (SchemaType::String, Value::from("true}")));
        assert_eq!(
            parsed("hello world"),
            (SchemaType::String, Value::from("hello world"))
        );
        assert_eq!(
            parsed("2024-02-29"),
            (SchemaType::Int32, Value::Int32(19782))
        );
        assert_eq!(
            parsed("1e100"),
            (SchemaType::Float64, Value::Float64(1e100))
        );
        assert_eq!(parsed("-0.0"), (SchemaType::Int8, Value::Int8(0)));
        assert_eq!(
            parsed("9223372036854775808"),
            (
                SchemaType::Bytes,
                Value::Bytes(vec![0, 0x80, 0, 0, 0, 0, 0, 0, 0])
            )
        );
        assert!(parse_literal("null").unwrap().is_none());
        assert!(parse_literal("[1,2]").is_err());
    }
}
