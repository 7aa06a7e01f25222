//! Connect values rendered as Java's `String.valueOf(value)` renders them, which is what
//! FileStreamSinkTask writes (`PrintStream.println(Object)`).
//!
//! Known differences, all where Java's text is not reproducible or not meaningful:
//! `byte[]` prints as `[B@<identity hash>` in Java and as `[1, -2, 3]` here
//! (`Arrays.toString`); logical types keep their physical form (Java prints
//! `java.util.Date` / `BigDecimal` objects).

use std::fmt::Write;

use crate::data::{Struct, Value};

/// Appends the Java text of `value` to `out`.
pub fn write_java_string(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Int8(v) => push_display(out, v),
        Value::Int16(v) => push_display(out, v),
        Value::Int32(v) => push_display(out, v),
        Value::Int64(v) => push_display(out, v),
        Value::Float32(v) => {
            out.push_str(&java_float(f64::from(*v), format!("{v}"), format!("{v:e}")))
        }
        Value::Float64(v) => out.push_str(&java_float(*v, format!("{v}"), format!("{v:e}"))),
        Value::Boolean(v) => push_display(out, v),
        Value::String(s) => out.push_str(s),
        Value::Bytes(bytes) => {
            write_list(out, bytes.iter(), |b, out| push_display(out, &(*b as i8)));
        }
        Value::Array(items) => write_list(out, items.iter(), write_java_string),
        Value::Map(entries) => write_map(entries, out),
        Value::Struct(s) => write_struct(s, out),
    }
}

/// The Java text of `value` as a new string.
pub fn java_string(value: &Value) -> String {
    let mut out = String::new();
    write_java_string(value, &mut out);
    out
}

fn push_display(out: &mut String, value: &impl std::fmt::Display) {
    // Writing into a String cannot fail.
    let _ = write!(out, "{value}");
}

/// `AbstractCollection.toString`: `[a, b, c]`.
fn write_list<'a, T: 'a>(
    out: &mut String,
    items: impl Iterator<Item = &'a T>,
    mut write_item: impl FnMut(&'a T, &mut String),
) {
    out.push('[');
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_item(item, out);
    }
    out.push(']');
}

/// `AbstractMap.toString` over a `java.util.HashMap`, which is what JsonConverter builds:
/// `{k=v, k2=v2}` in the HashMap's bucket order when every key's Java `hashCode` is
/// known, otherwise in insertion order.
fn write_map(entries: &[(Value, Value)], out: &mut String) {
    let order = hash_map_order(entries).unwrap_or_else(|| (0..entries.len()).collect());
    out.push('{');
    for (i, &index) in order.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let (key, value) = &entries[index];
        write_java_string(key, out);
        out.push('=');
        write_java_string(value, out);
    }
    out.push('}');
}

/// `Struct.toString`: `Struct{a=1,b=x}`, null fields left out.
fn write_struct(value: &Struct, out: &mut String) {
    out.push_str("Struct{");
    let mut first = true;
    for (field, field_value) in value.schema.fields.iter().zip(&value.values) {
        if field_value.is_null() {
            continue;
        }
        if !first {
            out.push(',');
        }
        first = false;
        out.push_str(&field.name);
        out.push('=');
        write_java_string(field_value, out);
    }
    out.push('}');
}

/// Java's `Double.toString` / `Float.toString` (as of Java 19, which prints the shortest
/// digits that round-trip; Java 17 prints a longer form for a few values such as
/// `1.0E23` or `3.0E10f`), from Rust's shortest round-trip digits
/// (`plain` = `{}` form, `scientific` = `{:e}` form of the same number): plain notation
/// for magnitudes in [1e-3, 1e7), `d.dddE±n` otherwise, always with a fraction digit.
fn java_float(value: f64, plain: String, scientific: String) -> String {
    if value.is_nan() {
        return "NaN".into();
    }
    if value.is_infinite() {
        return if value > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    let magnitude = value.abs();
    if magnitude == 0.0 || (1e-3..1e7).contains(&magnitude) {
        return if plain.contains('.') {
            plain
        } else {
            plain + ".0"
        };
    }
    let (mantissa, exponent) = scientific
        .split_once('e')
        .unwrap_or((scientific.as_str(), "0"));
    let fraction = if mantissa.contains('.') { "" } else { ".0" };
    format!("{mantissa}{fraction}E{exponent}")
}

/// The iteration order of a default `java.util.HashMap` filled with `entries` in order,
/// or `None` when a key's Java `hashCode` is not known here.
fn hash_map_order(entries: &[(Value, Value)]) -> Option<Vec<usize>> {
    let hashes: Vec<i32> = entries
        .iter()
        .map(|(key, _)| java_hash_code(key))
        .collect::<Option<_>>()?;
    // Default capacity 16, doubled whenever the size passes 3/4 of it.
    let mut capacity: usize = 16;
    while entries.len() > capacity * 3 / 4 {
        capacity *= 2;
    }
    let bucket = |hash: i32| {
        let h = hash as u32;
        ((h ^ (h >> 16)) as usize) & (capacity - 1)
    };
    let mut order: Vec<usize> = (0..entries.len()).collect();
    // Stable: entries of one bucket stay in insertion order, as in the bucket's list.
    order.sort_by_key(|&i| bucket(hashes[i]));
    Some(order)
}

/// Java's `hashCode` of the boxed key a converter would produce.
fn java_hash_code(key: &Value) -> Option<i32> {
    Some(match key {
        Value::Null => 0,
        Value::String(s) => s.encode_utf16().fold(0i32, |h, unit| {
            h.wrapping_mul(31).wrapping_add(i32::from(unit))
        }),
        Value::Int8(v) => i32::from(*v),
        Value::Int16(v) => i32::from(*v),
        Value::Int32(v) => *v,
        Value::Int64(v) => (*v ^ ((*v as u64) >> 32) as i64) as i32,
        Value::Boolean(v) => {
            if *v {
                1231
            } else {
                1237
            }
        }
        Value::Float32(v) => {
            let bits = if v.is_nan() { 0x7fc0_0000 } else { v.to_bits() };
            bits as i32
        }
        Value::Float64(v) => {
            let bits = if v.is_nan() {
                0x7ff8_0000_0000_0000
            } else {
                v.to_bits()
            };
            (bits ^ (bits >> 32)) as i32
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Schema, SchemaType};

    #[test]
    fn primitives_print_like_java() {
        assert_eq!(java_string(&Value::Null), "null");
        assert_eq!(java_string(&Value::Int64(-5)), "-5");
        assert_eq!(java_string(&Value::Boolean(true)), "true");
        assert_eq!(java_string(&"text".into()), "text");
        assert_eq!(java_string(&Value::Bytes(vec![1, 255])), "[1, -1]");
    }

    #[test]
    fn floats_print_like_java() {
        let cases: &[(f64, &str)] = &[
            (1.0, "1.0"),
            (0.5, "0.5"),
            (123.456, "123.456"),
            (1e7, "1.0E7"),
            (1.5e10, "1.5E10"),
            (0.001, "0.001"),
            (0.0001, "1.0E-4"),
            (-2.5e-5, "-2.5E-5"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (9999999.0, "9999999.0"),
            (f64::NAN, "NaN"),
            (f64::NEG_INFINITY, "-Infinity"),
        ];
        for (value, java) in cases {
            assert_eq!(java_string(&Value::Float64(*value)), *java, "{value}");
        }
        assert_eq!(java_string(&Value::Float32(0.1)), "0.1");
        assert_eq!(java_string(&Value::Float32(3.0e10)), "3.0E10");
    }

    #[test]
    fn collections_and_structs_print_like_java() {
        let list = Value::Array(vec![Value::Int32(1), "a".into(), Value::Null]);
        assert_eq!(java_string(&list), "[1, a, null]");

        let schema = Schema::structure([
            (
                "name".to_string(),
                Schema::new(SchemaType::String).into_ref(),
            ),
            (
                "age".to_string(),
                Schema::optional(SchemaType::Int32).into_ref(),
            ),
            ("id".to_string(), Schema::new(SchemaType::Int64).into_ref()),
        ])
        .into_ref();
        let mut value = Struct::new(schema);
        value.put("name", "Ann".into());
        value.put("id", Value::Int64(7));
        assert_eq!(java_string(&Value::Struct(value)), "Struct{name=Ann,id=7}");
    }

    #[test]
    fn maps_follow_java_hash_map_order() {
        // In Java: new HashMap<>() with b, a, c put in that order prints {a=2, b=1, c=3};
        // "b".hashCode()=98, "a"=97, "c"=99 land in buckets 2, 1, 3.
        let map = Value::Map(vec![
            ("b".into(), Value::Int32(1)),
            ("a".into(), Value::Int32(2)),
            ("c".into(), Value::Int32(3)),
        ]);
        assert_eq!(java_string(&map), "{a=2, b=1, c=3}");
        // "Aa" and "BB" share hash 2112: same bucket, insertion order kept.
        let colliding = Value::Map(vec![
            ("BB".into(), Value::Int32(1)),
            ("Aa".into(), Value::Int32(2)),
        ]);
        assert_eq!(java_string(&colliding), "{BB=1, Aa=2}");
        // Expected texts printed by Java 17 for the same puts: a resized table (30 keys,
        // capacity 64) and Long keys.
        let big = Value::Map(
            (0..30)
                .map(|i| (format!("key{i}").into(), Value::Int32(i)))
                .collect(),
        );
        assert_eq!(
            java_string(&big),
            "{key1=1, key2=2, key0=0, key5=5, key6=6, key3=3, key4=4, key9=9, key7=7, key8=8, \
             key22=22, key21=21, key20=20, key15=15, key14=14, key13=13, key12=12, key19=19, \
             key18=18, key17=17, key16=16, key11=11, key10=10, key26=26, key25=25, key24=24, \
             key23=23, key29=29, key28=28, key27=27}"
        );
        let longs = Value::Map(
            (-3..20)
                .step_by(4)
                .map(|i: i64| (Value::Int64(i * 1_000_000_007), Value::Int64(i)))
                .collect(),
        );
        assert_eq!(
            java_string(&longs),
            "{17000000119=17, -3000000021=-3, 13000000091=13, 5000000035=5, 9000000063=9, \
             1000000007=1}"
        );
        // Keys without a known Java hash keep insertion order.
        let odd = Value::Map(vec![
            (Value::Array(vec![]), Value::Int32(1)),
            ("a".into(), Value::Int32(2)),
        ]);
        assert_eq!(java_string(&odd), "{[]=1, a=2}");
    }
}
