//! Source partitions and offsets as bytes: the equivalent of Apache's `OffsetUtils` plus
//! what `OffsetStorageWriter` and `OffsetStorageReaderImpl` do with the internal
//! `JsonConverter` (schemas disabled).
//!
//! A key is the JSON array `["<connector name>",{partition}]`, a value the JSON object of
//! the offset, and a null value (no bytes) deletes the key. These are the bytes of Apache's
//! standalone offsets file and of a distributed Connect cluster's offsets topic, so either
//! side can read what the other wrote. Lookups are by exact key bytes: a partition map
//! must list its fields in the same order each time (serde_json keeps insertion order).

use serde_json::{Map, Value};

use super::error::OffsetStoreError;
use crate::java::jackson as jackson_json;

/// A source partition or offset: a JSON object of primitive values, as connectors give it.
pub type OffsetMap = Map<String, Value>;

/// The key bytes under which `connector` stores the offset of `partition`:
/// `["<connector>",{partition}]` in compact JSON, exactly as Apache Connect writes them.
pub fn encode_key(connector: &str, partition: &OffsetMap) -> Vec<u8> {
    let mut out = Vec::with_capacity(connector.len() + 16 * partition.len() + 8);
    out.push(b'[');
    jackson_json::write_value(&mut out, &Value::String(connector.to_owned()));
    out.push(b',');
    jackson_json::write_object(&mut out, partition);
    out.push(b']');
    out
}

/// Splits key bytes into the connector name and its partition. Apache allows a null
/// partition (`["name",null]`), returned as `None`.
pub fn decode_key(bytes: &[u8]) -> Result<(String, Option<OffsetMap>), OffsetStoreError> {
    let invalid = |reason: String| OffsetStoreError::InvalidKey {
        key: printable(bytes),
        reason,
    };
    let parsed: Value =
        serde_json::from_slice(bytes).map_err(|e| invalid(format!("not JSON: {e}")))?;
    let Value::Array(mut items) = parsed else {
        return Err(invalid(
            "expected a JSON array [connector, partition]".to_owned(),
        ));
    };
    if items.len() != 2 {
        return Err(invalid(format!(
            "expected 2 elements [connector, partition], found {}",
            items.len()
        )));
    }
    let partition = items.pop().unwrap_or(Value::Null);
    let connector = items.pop().unwrap_or(Value::Null);
    let Value::String(connector) = connector else {
        return Err(invalid(
            "the first element (connector name) is not a string".to_owned(),
        ));
    };
    match partition {
        Value::Object(partition) => Ok((connector, Some(partition))),
        Value::Null => Ok((connector, None)),
        _ => Err(invalid(
            "the second element (partition) is not an object or null".to_owned(),
        )),
    }
}

/// The value bytes of an offset; `None` (a tombstone) for a null offset.
pub fn encode_value(offset: Option<&OffsetMap>) -> Option<Vec<u8>> {
    offset.map(|offset| {
        let mut out = Vec::with_capacity(16 * offset.len() + 2);
        jackson_json::write_object(&mut out, offset);
        out
    })
}

/// Reads value bytes back into an offset map; absent bytes and JSON `null` are no offset.
pub fn decode_value(bytes: Option<&[u8]>) -> Result<Option<OffsetMap>, OffsetStoreError> {
    let Some(bytes) = bytes else {
        return Ok(None);
    };
    let invalid = |reason: String| OffsetStoreError::InvalidValue {
        value: printable(bytes),
        reason,
    };
    match serde_json::from_slice(bytes).map_err(|e| invalid(format!("not JSON: {e}")))? {
        Value::Null => Ok(None),
        Value::Object(offset) => {
            validate_format(&offset)?;
            Ok(Some(offset))
        }
        _ => Err(invalid("Offsets must be specified as a Map".to_owned())),
    }
}

/// Connect's rule for partitions and offsets (`OffsetUtils.validateFormat`): string keys
/// (always true here) and primitive or null values. Nested maps and lists are refused with
/// the message Apache gives for them (as its JSON converter decodes them to these classes).
pub fn validate_format(map: &OffsetMap) -> Result<(), OffsetStoreError> {
    for (field, value) in map {
        let class = match value {
            Value::Array(_) => "class java.util.ArrayList",
            Value::Object(_) => "class java.util.HashMap",
            _ => continue,
        };
        return Err(OffsetStoreError::InvalidFormat(format!(
            "Offsets may only contain primitive types as values, but field {field} contains {class}"
        )));
    }
    Ok(())
}

/// Key or value bytes for an error message: lossy UTF-8, cut after 200 characters.
fn printable(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    match text.char_indices().nth(200) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(value: Value) -> OffsetMap {
        match value {
            Value::Object(map) => map,
            _ => unreachable!("test maps are objects"),
        }
    }

    #[test]
    fn file_source_key_and_value_match_apache() {
        let partition = map(json!({"filename": "/tmp/source.txt"}));
        let key = encode_key("local-file-source", &partition);
        assert_eq!(
            key,
            br#"["local-file-source",{"filename":"/tmp/source.txt"}]"#
        );
        let value = encode_value(Some(&map(json!({"position": 42}))));
        assert_eq!(value.as_deref(), Some(&br#"{"position":42}"#[..]));
        assert_eq!(encode_value(None), None);
    }

    #[test]
    fn keys_round_trip_in_field_order() {
        let partition = map(json!({"z": "é ü 日本", "a": 7, "m": true, "n": null}));
        let key = encode_key("conn \"x\"", &partition);
        let (connector, decoded) = decode_key(&key).unwrap();
        assert_eq!(connector, "conn \"x\"");
        let decoded = decoded.unwrap();
        assert_eq!(decoded.keys().collect::<Vec<_>>(), ["z", "a", "m", "n"]);
        assert_eq!(decoded, partition);
    }

    #[test]
    fn null_partition_is_accepted() {
        assert_eq!(
            decode_key(br#"["c",null]"#).unwrap(),
            ("c".to_owned(), None)
        );
    }

    #[test]
    fn bad_keys_are_explained() {
        for (bytes, reason) in [
            (&b"not json"[..], "not JSON"),
            (br#"{"a":1}"#, "expected a JSON array"),
            (br#"["c"]"#, "expected 2 elements"),
            (br#"[1,{}]"#, "connector name"),
            (br#"["c",5]"#, "partition"),
        ] {
            let err = decode_key(bytes).unwrap_err().to_string();
            assert!(err.contains(reason), "{err}");
        }
    }

    #[test]
    fn values_decode_and_validate() {
        assert_eq!(decode_value(None).unwrap(), None);
        assert_eq!(decode_value(Some(b"null")).unwrap(), None);
        assert_eq!(
            decode_value(Some(br#"{"position":42}"#)).unwrap(),
            Some(map(json!({"position": 42})))
        );
        let err = decode_value(Some(b"[1]")).unwrap_err().to_string();
        assert!(err.contains("Offsets must be specified as a Map"), "{err}");
        let err = decode_value(Some(br#"{"a":{"b":1}}"#))
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "Offsets may only contain primitive types as values, but field a contains class java.util.HashMap"
        );
    }

    #[test]
    fn printable_cuts_long_bytes() {
        let long = vec![b'x'; 500];
        assert_eq!(printable(&long).len(), 203);
        assert_eq!(printable(b"\xff"), "\u{fffd}");
    }
}
