//! The iteration order of a `java.util.HashMap` copied from another map
//! (`new HashMap<>(map)`), which is the order Apache's transforms hand schemaless maps to
//! the converter. Reproducing it keeps the JSON bytes of such maps equal to Apache's.

use crate::data::Value;

/// Java's `String.hashCode` (over UTF-16 code units).
fn java_string_hash(s: &str) -> i32 {
    s.encode_utf16().fold(0i32, |h, unit| {
        h.wrapping_mul(31).wrapping_add(i32::from(unit))
    })
}

/// `HashMap.tableSizeFor`: the next power of two, at least 1.
fn table_size_for(capacity: u32) -> u32 {
    capacity.max(1).next_power_of_two()
}

/// Reorders `entries` as `new HashMap<>(entries)` iterates them: by bucket of the spread
/// hash in a table sized for the map, entries of one bucket in insertion order. Maps with
/// a key that is not a string keep their order (Java's hash of other values is not
/// reproduced).
pub fn hash_map_copy_order(entries: &mut [(Value, Value)]) {
    if entries.len() < 2 || entries.iter().any(|(k, _)| !matches!(k, Value::String(_))) {
        return;
    }
    // `(float) size / 0.75f + 1.0f`, truncated, as HashMap(Map) sizes its table.
    let wanted = (entries.len() as f32 / 0.75f32 + 1.0f32) as u32;
    let mask = table_size_for(wanted) - 1;
    entries.sort_by_cached_key(|(k, _)| {
        let Value::String(s) = k else { return 0 };
        let h = java_string_hash(s) as u32;
        (h ^ (h >> 16)) & mask
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_java_hash_map_order() {
        // Java: new HashMap<>(LinkedHashMap of zz, a, mm, b) iterates zz, mm, a, b.
        let mut entries: Vec<(Value, Value)> = ["zz", "a", "mm", "b"]
            .iter()
            .map(|k| (Value::from(*k), Value::Null))
            .collect();
        hash_map_copy_order(&mut entries);
        let keys: Vec<&str> = entries.iter().map(|(k, _)| k.as_str().unwrap()).collect();
        assert_eq!(keys, ["zz", "mm", "a", "b"]);
        assert_eq!(java_string_hash("hello"), 99_162_322);
    }
}
