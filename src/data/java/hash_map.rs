//! The iteration order of Java's `HashMap`, which decides the order of a schemaless map's
//! entries in the JSON Apache writes. Apache's JsonConverter reads a schemaless object into
//! a `HashMap`, and its transforms build their schemaless results as `HashMap`s
//! (`new HashMap<>(value)` and puts); replaying the same inserts on this
//! model of the table (string hashes, bucket spreading, power-of-two resizing that keeps
//! each bucket's order) gives the same order, so the bytes match. The input map's order is
//! taken as the order Java iterated it. Maps with a key that is not a string keep their
//! insertion order (other `hashCode`s are not modelled), and so do buckets of eight or more
//! colliding keys (Java would turn them into trees).

use crate::data::Value;

/// Java's `String.hashCode` (over UTF-16 code units).
fn java_string_hash(s: &str) -> i32 {
    s.encode_utf16().fold(0i32, |h, unit| {
        h.wrapping_mul(31).wrapping_add(i32::from(unit))
    })
}

/// `HashMap.hash`: the hash code with its high half folded into the low half.
fn spread(key: &str) -> u32 {
    let h = java_string_hash(key) as u32;
    h ^ (h >> 16)
}

/// `HashMap.tableSizeFor`.
fn table_size_for(capacity: u32) -> u32 {
    capacity.max(1).next_power_of_two()
}

/// A model of one `java.util.HashMap<String, Object>`.
#[derive(Debug, Clone, Default)]
pub struct JavaHashMap {
    buckets: Vec<Vec<(u32, Value, Value)>>,
    size: usize,
    threshold: u32,
    /// Set when a key is not a string: insertion order is kept instead.
    unordered: Vec<(Value, Value)>,
    plain: bool,
}

impl JavaHashMap {
    /// `new HashMap<>()`.
    pub fn new() -> Self {
        JavaHashMap {
            buckets: Vec::new(),
            size: 0,
            threshold: 0,
            unordered: Vec::new(),
            plain: false,
        }
    }

    /// `new HashMap<>(initialCapacity)`.
    pub fn with_capacity(capacity: usize) -> Self {
        let mut map = Self::new();
        map.threshold = table_size_for(capacity as u32);
        map
    }

    /// `new HashMap<>(source)`, `source` given in its iteration order.
    pub fn copy_of(source: &[(Value, Value)]) -> Self {
        let mut map = Self::new();
        if !source.is_empty() {
            // `putMapEntries` sizes the table for the source before inserting.
            let wanted = (source.len() as f32 / 0.75f32 + 1.0f32) as u32;
            map.threshold = table_size_for(wanted);
        }
        for (k, v) in source {
            map.put(k.clone(), v.clone());
        }
        map
    }

    fn resize(&mut self) {
        let old_cap = self.buckets.len() as u32;
        let (new_cap, new_threshold) = if old_cap > 0 {
            let cap = old_cap * 2;
            let thr = if old_cap >= 16 {
                self.threshold * 2
            } else {
                (cap as f32 * 0.75) as u32
            };
            (cap, thr)
        } else if self.threshold > 0 {
            let cap = self.threshold;
            (cap, (cap as f32 * 0.75) as u32)
        } else {
            (16, 12)
        };
        let mut buckets: Vec<Vec<(u32, Value, Value)>> = vec![Vec::new(); new_cap as usize];
        for bucket in std::mem::take(&mut self.buckets) {
            for entry in bucket {
                buckets[(entry.0 & (new_cap - 1)) as usize].push(entry);
            }
        }
        self.buckets = buckets;
        self.threshold = new_threshold;
    }

    /// `put(key, value)`: replaces the value of a present key in place.
    pub fn put(&mut self, key: Value, value: Value) {
        if self.plain || !matches!(key, Value::String(_)) {
            if !self.plain {
                self.plain = true;
                self.unordered = self.entries();
            }
            match self.unordered.iter_mut().find(|(k, _)| *k == key) {
                Some(entry) => entry.1 = value,
                None => self.unordered.push((key, value)),
            }
            return;
        }
        let Value::String(name) = &key else { return };
        let hash = spread(name);
        if self.buckets.is_empty() {
            self.resize();
        }
        let index = (hash & (self.buckets.len() as u32 - 1)) as usize;
        if let Some(entry) = self.buckets[index].iter_mut().find(|e| e.1 == key) {
            entry.2 = value;
            return;
        }
        self.buckets[index].push((hash, key, value));
        self.size += 1;
        if self.size as u32 > self.threshold {
            self.resize();
        }
    }

    /// The entries in iteration order.
    pub fn entries(&self) -> Vec<(Value, Value)> {
        if self.plain {
            return self.unordered.clone();
        }
        self.buckets
            .iter()
            .flatten()
            .map(|(_, k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// The entries in iteration order, moved out.
    pub fn into_entries(self) -> Vec<(Value, Value)> {
        if self.plain {
            return self.unordered;
        }
        self.buckets
            .into_iter()
            .flatten()
            .map(|(_, k, v)| (k, v))
            .collect()
    }

    /// The map as a Connect value.
    pub fn into_value(self) -> Value {
        Value::Map(self.into_entries())
    }
}

/// The entries in the order `new HashMap<>()` iterates them after putting each of
/// `entries` in turn (a later duplicate key replaces the value in place).
pub fn filled_order(entries: Vec<(Value, Value)>) -> Vec<(Value, Value)> {
    let mut map = JavaHashMap::new();
    for (key, value) in entries {
        map.put(key, value);
    }
    map.into_entries()
}

/// The entries in the order `new HashMap<>(source)` iterates them, `source` given in its
/// own iteration order.
pub fn copy_order(source: &[(Value, Value)]) -> Vec<(Value, Value)> {
    JavaHashMap::copy_of(source).into_entries()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(map: &JavaHashMap) -> Vec<String> {
        map.entries()
            .into_iter()
            .map(|(k, _)| k.as_str().unwrap().to_owned())
            .collect()
    }

    fn put_all(map: &mut JavaHashMap, names: &[&str]) {
        for n in names {
            map.put(Value::from(*n), Value::Null);
        }
    }

    #[test]
    fn orders_like_java() {
        // Printed by Java 17 for the same inserts.
        let mut map = JavaHashMap::new();
        put_all(&mut map, &["zz", "a", "mm", "b"]);
        assert_eq!(keys(&map), ["zz", "mm", "a", "b"]);
        let mut copy = JavaHashMap::copy_of(&map.entries());
        assert_eq!(keys(&copy), ["zz", "mm", "a", "b"]);
        put_all(&mut copy, &["topic", "partition", "timestamp"]);
        assert_eq!(
            keys(&copy),
            ["zz", "mm", "a", "b", "partition", "topic", "timestamp"]
        );
        let mut big = JavaHashMap::new();
        let names: Vec<String> = (0..100).map(|i| format!("k{i}")).collect();
        for n in &names {
            big.put(Value::from(n.as_str()), Value::Null);
        }
        assert_eq!(
            keys(&big)[..10],
            [
                "k31", "k30", "k33", "k32", "k35", "k34", "k37", "k36", "k39", "k38"
            ]
        );
        assert_eq!(java_string_hash("hello"), 99_162_322);
    }

    #[test]
    fn copy_and_fill_orders() {
        // Java: new HashMap<>(LinkedHashMap of zz, a, mm, b) iterates zz, mm, a, b.
        let entries: Vec<(Value, Value)> = ["zz", "a", "mm", "b"]
            .iter()
            .map(|k| (Value::from(*k), Value::Null))
            .collect();
        let names = |entries: &[(Value, Value)]| -> Vec<String> {
            entries
                .iter()
                .map(|(k, _)| k.as_str().unwrap().to_owned())
                .collect()
        };
        assert_eq!(names(&copy_order(&entries)), ["zz", "mm", "a", "b"]);
        assert_eq!(names(&filled_order(entries)), ["zz", "mm", "a", "b"]);
        // A repeated key keeps its first place and takes the last value.
        let repeated = vec![
            (Value::from("a"), Value::Int32(1)),
            (Value::from("zz"), Value::Int32(2)),
            (Value::from("a"), Value::Int32(3)),
        ];
        assert_eq!(
            filled_order(repeated),
            [
                (Value::from("zz"), Value::Int32(2)),
                (Value::from("a"), Value::Int32(3))
            ]
        );
    }

    #[test]
    fn resizing_keeps_every_key() {
        let mut map = JavaHashMap::new();
        let names: Vec<String> = (0..100).map(|i| format!("k{i}")).collect();
        for n in &names {
            map.put(Value::from(n.as_str()), Value::Null);
        }
        map.put(Value::from("k5"), Value::Int32(1));
        let entries = map.entries();
        assert_eq!(entries.len(), 100);
        assert!(entries.contains(&(Value::from("k5"), Value::Int32(1))));
    }
}
