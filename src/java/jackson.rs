//! Compact JSON text as Jackson's `ObjectMapper` (behind Apache's `JsonConverter`) writes
//! it, for the schemaless maps and lists that make up offset keys and values.
//!
//! serde_json's compact output is the same except in three places, handled here (and
//! checked against the lab's Jackson 2.21 in `tests/suite/offset_file_parity.rs`):
//! - floating-point numbers: Jackson prints Java's `Double.toString` (`1.0E10`, `1.0E-5`,
//!   `100.0`), serde_json prints `10000000000.0` and `1e-5`;
//! - control characters without a short escape: Jackson writes `\u001F`, serde_json `\u001f`;
//! - characters beyond U+FFFF: Jackson escapes their surrogate pair (`\uD83D\uDE00`),
//!   serde_json writes the four UTF-8 bytes.
//!
//! Key bytes must match exactly (the store looks offsets up by key bytes), so this writer
//! is used for keys and values alike. Known residue: for subnormal doubles Java may print
//! one more digit than the shortest form printed here (`4.9E-324` against `5.0E-324`), and
//! JDKs before 19 print some doubles with a superfluous digit (`0.0020`): both only matter
//! for a float inside a partition map, which no known connector uses.

use super::number_format::java_double_to_string;
use serde_json::{Map, Value};

/// Appends `value` as compact JSON in Jackson's style.
pub(crate) fn write_value(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(number) => {
            if let Some(i) = number.as_i64() {
                out.extend_from_slice(i.to_string().as_bytes());
            } else if let Some(u) = number.as_u64() {
                out.extend_from_slice(u.to_string().as_bytes());
            } else if let Some(f) = number.as_f64() {
                out.extend_from_slice(java_double_to_string(f).as_bytes());
            }
        }
        Value::String(text) => write_string(out, text),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(out, item);
            }
            out.push(b']');
        }
        Value::Object(map) => write_object(out, map),
    }
}

/// Appends `map` as a compact JSON object, entries in the map's order.
pub(crate) fn write_object(out: &mut Vec<u8>, map: &Map<String, Value>) {
    out.push(b'{');
    for (i, (key, value)) in map.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_string(out, key);
        out.push(b':');
        write_value(out, value);
    }
    out.push(b'}');
}

/// Writes a JSON string as Jackson does: `"` and `\` escaped with a backslash, control
/// characters below 0x20 as `\b \t \n \f \r` or `\u00XX` (upper-case hex), everything
/// characters beyond the BMP as an escaped surrogate pair, everything else (including
/// `/`, DEL and the rest of non-ASCII) as plain UTF-8.
pub fn write_string(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.push(b'"');
    let bytes = s.as_bytes();
    // Bytes before the first one that may need escaping go out with the first run.
    let plain = plain_run(bytes, |b| {
        b == b'"' || b == b'\\' || b < 0x20 || (0xF0..=0xF4).contains(&b)
    });
    let mut run_start = 0;
    for (i, &b) in bytes.iter().enumerate().skip(plain) {
        if i < run_start {
            continue; // inside a character already written
        }
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            0x08 => b"\\b",
            b'\t' => b"\\t",
            b'\n' => b"\\n",
            0x0C => b"\\f",
            b'\r' => b"\\r",
            0x00..=0x1F => {
                out.extend_from_slice(&bytes[run_start..i]);
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(b >> 4)]);
                out.push(HEX[usize::from(b & 0xF)]);
                run_start = i + 1;
                continue;
            }
            0xF0..=0xF4 => {
                // Jackson (2.18+, `COMBINE_UNICODE_SURROGATES_IN_UTF8` off) writes a
                // character beyond the BMP as its escaped UTF-16 surrogate pair.
                out.extend_from_slice(&bytes[run_start..i]);
                let ch = s[i..].chars().next().map_or(0xFFFD, u32::from);
                let mut units = [0u16; 2];
                for unit in char::from_u32(ch)
                    .unwrap_or('\u{FFFD}')
                    .encode_utf16(&mut units)
                    .iter()
                {
                    out.extend_from_slice(b"\\u");
                    for shift in [12, 8, 4, 0] {
                        out.push(HEX[usize::from((unit >> shift) & 0xF)]);
                    }
                }
                run_start = i + 4;
                continue;
            }
            _ => continue,
        };
        out.extend_from_slice(&bytes[run_start..i]);
        out.extend_from_slice(escape);
        run_start = i + 1;
    }
    out.extend_from_slice(&bytes[run_start..]);
    out.push(b'"');
}

/// The length of the leading run of `bytes` with no byte for which `special` holds. Whole
/// 32-byte blocks are tested without an early exit, which the compiler turns into vector
/// compares: a byte-at-a-time scan was most of the converter's time on 1 KiB strings.
pub fn plain_run(bytes: &[u8], special: impl Fn(u8) -> bool) -> usize {
    let mut run = 0;
    for block in bytes.chunks_exact(32) {
        if block.iter().fold(false, |found, &b| found | special(b)) {
            break;
        }
        run += 32;
    }
    run + bytes[run..]
        .iter()
        .position(|&b| special(b))
        .unwrap_or(bytes.len() - run)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn text(value: &Value) -> String {
        let mut out = Vec::new();
        write_value(&mut out, value);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn doubles_print_like_java() {
        let cases = [
            (1.0, "1.0"),
            (-2.5, "-2.5"),
            (100.0, "100.0"),
            (123.456, "123.456"),
            (0.001, "0.001"),
            (0.0001, "1.0E-4"),
            (1.0e-5, "1.0E-5"),
            (9_999_999.0, "9999999.0"),
            (1.0e7, "1.0E7"),
            (1.0e10, "1.0E10"),
            (1.2345e21, "1.2345E21"),
            (0.1 + 0.2, "0.30000000000000004"),
            (f64::MAX, "1.7976931348623157E308"),
            (-0.0, "-0.0"),
        ];
        for (value, expected) in cases {
            assert_eq!(java_double_to_string(value), expected, "{value:?}");
        }
    }

    #[test]
    fn compact_output_matches_jackson() {
        let value = json!(["local-file-source", {"filename": "/tmp/source.txt", "n": -3, "ok": true, "x": null}]);
        assert_eq!(
            text(&value),
            r#"["local-file-source",{"filename":"/tmp/source.txt","n":-3,"ok":true,"x":null}]"#
        );
        assert_eq!(text(&json!({"f": 1.0e10})), r#"{"f":1.0E10}"#);
    }

    #[test]
    fn strings_escape_like_jackson() {
        let value = json!("q\"b\\s/\n\r\t\u{8}\u{c}\u{1}\u{1f}\u{7f}é€😀!");
        assert_eq!(
            text(&value),
            "\"q\\\"b\\\\s/\\n\\r\\t\\b\\f\\u0001\\u001F\u{7f}é€\\uD83D\\uDE00!\""
        );
    }
}
