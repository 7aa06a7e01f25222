//! The one Java serialization shape Apache's standalone offsets file uses: a
//! `java.util.HashMap<byte[], byte[]>` written by `ObjectOutputStream` (values may be null).
//!
//! Why by hand: Apache's `FileOffsetBackingStore` (still in 4.x) saves its map with
//! `ObjectOutputStream.writeObject` and loads it with `SafeObjectInputStream`, a plain
//! `ObjectInputStream` with a class deny-list. The Rust crates for the Java serialization
//! stream format only read it (and aim at arbitrary object graphs); none writes it. The
//! shape we need is tiny and fixed, so a strict reader and writer for exactly that shape
//! is smaller and safer than a general object-graph decoder: anything else in the stream is
//! refused with the byte offset where it went wrong.
//!
//! Stream layout written by `ObjectOutputStream` for such a map (Java Object Serialization
//! Specification, chapter 6, and `HashMap.writeObject`):
//!
//! ```text
//! AC ED 00 05                      magic, version 5
//! 73 72 "java.util.HashMap" suid   TC_OBJECT, TC_CLASSDESC (handle 0)
//!    03 0002 F"loadFactor" I"threshold" 78 70
//!                                  flags SERIALIZABLE|WRITE_METHOD, two fields, no
//!                                  annotation, no serializable superclass; object = handle 1
//! <f32 loadFactor> <i32 threshold>  the default fields
//! 77 08 <i32 buckets> <i32 size>   block data written by HashMap.writeObject
//! size x (key, value)              each TC_NULL, or TC_ARRAY of class "[B" (first time a
//!                                  TC_CLASSDESC, then a TC_REFERENCE), i32 length, bytes
//! 78                               TC_ENDBLOCKDATA closes the custom data
//! ```

const STREAM_MAGIC: u16 = 0xACED;
const STREAM_VERSION: u16 = 5;
const TC_NULL: u8 = 0x70;
const TC_REFERENCE: u8 = 0x71;
const TC_CLASSDESC: u8 = 0x72;
const TC_OBJECT: u8 = 0x73;
const TC_STRING: u8 = 0x74;
const TC_ARRAY: u8 = 0x75;
const TC_BLOCKDATA: u8 = 0x77;
const TC_ENDBLOCKDATA: u8 = 0x78;
const TC_BLOCKDATALONG: u8 = 0x7A;
const BASE_WIRE_HANDLE: u32 = 0x7E_0000;

const SC_WRITE_METHOD: u8 = 0x01;
const SC_SERIALIZABLE: u8 = 0x02;

const HASH_MAP_CLASS: &str = "java.util.HashMap";
/// `serialVersionUID` of `java.util.HashMap` (fixed since Java 1.2).
const HASH_MAP_SUID: i64 = 362_498_820_763_181_265;
const BYTE_ARRAY_CLASS: &str = "[B";
/// The `serialVersionUID` the JVM computes for `byte[]`.
const BYTE_ARRAY_SUID: i64 = -5_984_413_125_824_719_648;
const LOAD_FACTOR: f32 = 0.75;

/// One entry of a serialized `HashMap<byte[], byte[]>`; Java allows a null key and null values.
pub type ByteArrayEntry = (Option<Vec<u8>>, Option<Vec<u8>>);

/// Why a byte stream is not a serialized `HashMap<byte[], byte[]>`, or cannot become one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JavaSerializationError {
    /// The stream ended in the middle of an item.
    #[error("unexpected end of data at byte {offset}: {what} needs {needed} more bytes")]
    Truncated {
        offset: usize,
        what: &'static str,
        needed: usize,
    },
    /// The stream holds something other than the expected shape.
    #[error("at byte {offset}: {reason}")]
    Malformed { offset: usize, reason: String },
    /// A byte array or the map is larger than Java's `int` sizes allow.
    #[error("{what} has {len} elements, more than a Java array or map can hold")]
    TooLarge { what: &'static str, len: usize },
}

/// Serializes `entries` exactly as `ObjectOutputStream.writeObject(hashMap)` would for a
/// `java.util.HashMap<byte[], byte[]>` holding them (entry order aside: Java's follows
/// identity hash codes, and readers do not depend on it).
pub fn write_byte_array_map<K, V>(
    entries: &[(K, Option<V>)],
) -> Result<Vec<u8>, JavaSerializationError>
where
    K: AsRef<[u8]>,
    V: AsRef<[u8]>,
{
    let size = java_int("the map", entries.len())?;
    let payload: usize = entries
        .iter()
        .map(|(k, v)| k.as_ref().len() + v.as_ref().map_or(0, |v| v.as_ref().len()) + 16)
        .sum();
    let mut out = Vec::with_capacity(128 + payload);
    out.extend_from_slice(&STREAM_MAGIC.to_be_bytes());
    out.extend_from_slice(&STREAM_VERSION.to_be_bytes());

    // The HashMap class descriptor (handle 0) and the object itself (handle 1).
    out.push(TC_OBJECT);
    out.push(TC_CLASSDESC);
    write_utf(&mut out, HASH_MAP_CLASS);
    out.extend_from_slice(&HASH_MAP_SUID.to_be_bytes());
    out.push(SC_SERIALIZABLE | SC_WRITE_METHOD);
    out.extend_from_slice(&2u16.to_be_bytes());
    // Serializable fields are sorted primitives first, then by name.
    out.push(b'F');
    write_utf(&mut out, "loadFactor");
    out.push(b'I');
    write_utf(&mut out, "threshold");
    out.push(TC_ENDBLOCKDATA);
    out.push(TC_NULL);
    let mut next_handle = BASE_WIRE_HANDLE + 2;

    // The values a `new HashMap<>()` filled with `size` puts would have: the table starts
    // at 16 buckets and doubles whenever size exceeds 0.75 of it; an empty map has
    // threshold 0 and reports 16 buckets.
    let buckets = hash_map_capacity(entries.len());
    let threshold = if entries.is_empty() {
        0
    } else {
        (buckets / 4 * 3) as i32
    };
    out.extend_from_slice(&LOAD_FACTOR.to_be_bytes());
    out.extend_from_slice(&threshold.to_be_bytes());
    out.push(TC_BLOCKDATA);
    out.push(8);
    out.extend_from_slice(&(buckets.min(1 << 30) as i32).to_be_bytes());
    out.extend_from_slice(&size.to_be_bytes());

    let mut byte_array_class: Option<u32> = None;
    for (key, value) in entries {
        write_byte_array(
            &mut out,
            Some(key.as_ref()),
            &mut byte_array_class,
            &mut next_handle,
        )?;
        let value = value.as_ref().map(AsRef::as_ref);
        write_byte_array(&mut out, value, &mut byte_array_class, &mut next_handle)?;
    }
    out.push(TC_ENDBLOCKDATA);
    Ok(out)
}

/// Reads a serialized `java.util.HashMap<byte[], byte[]>` as Apache's `FileOffsetBackingStore`
/// writes it. Bytes after the map are ignored, as `ObjectInputStream.readObject` ignores them.
pub fn read_byte_array_map(bytes: &[u8]) -> Result<Vec<ByteArrayEntry>, JavaSerializationError> {
    let mut reader = StreamReader::new(bytes);
    reader.read_header()?;
    reader.read_hash_map()
}

fn java_int(what: &'static str, len: usize) -> Result<i32, JavaSerializationError> {
    i32::try_from(len).map_err(|_| JavaSerializationError::TooLarge { what, len })
}

/// The table size of a default `HashMap` after `len` insertions.
fn hash_map_capacity(len: usize) -> usize {
    let mut capacity = 16usize;
    while len > capacity / 4 * 3 && capacity < (1 << 30) {
        capacity *= 2;
    }
    capacity
}

/// `DataOutput.writeUTF` for the ASCII names we write (modified UTF-8 equals ASCII there).
fn write_utf(out: &mut Vec<u8>, text: &str) {
    debug_assert!(text.is_ascii() && text.len() < 0x1_0000);
    out.extend_from_slice(&(text.len() as u16).to_be_bytes());
    out.extend_from_slice(text.as_bytes());
}

fn write_byte_array(
    out: &mut Vec<u8>,
    array: Option<&[u8]>,
    class_handle: &mut Option<u32>,
    next_handle: &mut u32,
) -> Result<(), JavaSerializationError> {
    let Some(array) = array else {
        out.push(TC_NULL);
        return Ok(());
    };
    let len = java_int("a byte array", array.len())?;
    out.push(TC_ARRAY);
    match *class_handle {
        Some(handle) => {
            out.push(TC_REFERENCE);
            out.extend_from_slice(&handle.to_be_bytes());
        }
        None => {
            out.push(TC_CLASSDESC);
            write_utf(out, BYTE_ARRAY_CLASS);
            out.extend_from_slice(&BYTE_ARRAY_SUID.to_be_bytes());
            out.push(SC_SERIALIZABLE);
            out.extend_from_slice(&0u16.to_be_bytes());
            out.push(TC_ENDBLOCKDATA);
            out.push(TC_NULL);
            *class_handle = Some(*next_handle);
            *next_handle += 1;
        }
    }
    // The array takes the next handle, whether or not anyone refers back to it.
    *next_handle += 1;
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(array);
    Ok(())
}

/// What a wire handle stands for, as far as this reader cares.
#[derive(Debug)]
enum Handle {
    /// A class descriptor, by class name.
    Class(String),
    /// A byte array: its position and length in the input.
    ByteArray { start: usize, len: usize },
    /// Anything else (the map itself, strings in field descriptors).
    Other,
}

/// A class descriptor as far as this reader checks it.
struct ClassDesc {
    name: String,
    flags: u8,
    /// Type code of each serializable field, in stream order.
    field_types: Vec<u8>,
}

struct StreamReader<'a> {
    bytes: &'a [u8],
    pos: usize,
    handles: Vec<Handle>,
    /// Bytes that back-references to arrays may still copy: bounded by the input size, so
    /// a hostile file cannot make the reader allocate far more than it is long.
    reference_budget: usize,
}

impl<'a> StreamReader<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        StreamReader {
            bytes,
            pos: 0,
            handles: Vec::new(),
            reference_budget: bytes.len(),
        }
    }

    fn malformed<T>(
        &self,
        offset: usize,
        reason: impl Into<String>,
    ) -> Result<T, JavaSerializationError> {
        Err(JavaSerializationError::Malformed {
            offset,
            reason: reason.into(),
        })
    }

    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], JavaSerializationError> {
        let remaining = self.bytes.len() - self.pos;
        if remaining < n {
            return Err(JavaSerializationError::Truncated {
                offset: self.pos,
                what,
                needed: n - remaining,
            });
        }
        let slice = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(slice)
    }

    fn u8(&mut self, what: &'static str) -> Result<u8, JavaSerializationError> {
        Ok(self.take(1, what)?[0])
    }

    fn u16(&mut self, what: &'static str) -> Result<u16, JavaSerializationError> {
        let b = self.take(2, what)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    fn i32(&mut self, what: &'static str) -> Result<i32, JavaSerializationError> {
        let b = self.take(4, what)?;
        Ok(i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn i64(&mut self, what: &'static str) -> Result<i64, JavaSerializationError> {
        let b = self.take(8, what)?;
        let mut buf = [0u8; 8];
        buf.copy_from_slice(b);
        Ok(i64::from_be_bytes(buf))
    }

    /// `DataInput.readUTF`: modified UTF-8, which for class and field names is plain UTF-8.
    fn utf(&mut self, what: &'static str) -> Result<String, JavaSerializationError> {
        let start = self.pos;
        let len = usize::from(self.u16(what)?);
        let raw = self.take(len, what)?;
        match std::str::from_utf8(raw) {
            Ok(text) => Ok(text.to_owned()),
            Err(_) => self.malformed(start, format!("{what} is not valid UTF-8")),
        }
    }

    fn expect_tag(
        &mut self,
        expected: u8,
        what: &'static str,
    ) -> Result<(), JavaSerializationError> {
        let at = self.pos;
        let tag = self.u8(what)?;
        if tag != expected {
            return self.malformed(
                at,
                format!("expected {what} (0x{expected:02X}), found 0x{tag:02X}"),
            );
        }
        Ok(())
    }

    fn new_handle(&mut self, handle: Handle) {
        self.handles.push(handle);
    }

    fn handle(&mut self, what: &'static str) -> Result<(usize, &Handle), JavaSerializationError> {
        let at = self.pos;
        let wire = self.i32(what)? as u32;
        let index = wire.wrapping_sub(BASE_WIRE_HANDLE) as usize;
        match self.handles.get(index) {
            Some(handle) => Ok((at, handle)),
            None => Err(JavaSerializationError::Malformed {
                offset: at,
                reason: format!("reference to unknown handle 0x{wire:08X}"),
            }),
        }
    }

    fn read_header(&mut self) -> Result<(), JavaSerializationError> {
        let magic = self.u16("the stream magic")?;
        if magic != STREAM_MAGIC {
            return self.malformed(
                0,
                format!("not a Java serialization stream (magic 0x{magic:04X}, expected 0xACED)"),
            );
        }
        let version = self.u16("the stream version")?;
        if version != STREAM_VERSION {
            return self.malformed(
                2,
                format!("unsupported serialization stream version {version}"),
            );
        }
        Ok(())
    }

    fn read_hash_map(&mut self) -> Result<Vec<ByteArrayEntry>, JavaSerializationError> {
        self.expect_tag(TC_OBJECT, "TC_OBJECT for the map")?;
        let desc_at = self.pos;
        let desc = self.class_desc()?;
        if desc.name != HASH_MAP_CLASS {
            return self.malformed(
                desc_at,
                format!("expected a {HASH_MAP_CLASS} but found {}", desc.name),
            );
        }
        if desc.flags & SC_WRITE_METHOD == 0 {
            return self.malformed(desc_at, "the HashMap descriptor lacks its writeObject flag");
        }
        self.new_handle(Handle::Other);
        for &type_code in &desc.field_types {
            let at = self.pos;
            match primitive_size(type_code) {
                Some(size) => {
                    self.take(size, "a HashMap field")?;
                }
                None => return self.malformed(at, "unexpected object-typed field in HashMap"),
            }
        }

        let at = self.pos;
        let block = self.block_data(8)?;
        let size = i32::from_be_bytes([block[4], block[5], block[6], block[7]]);
        if size < 0 {
            return self.malformed(at, format!("negative map size {size}"));
        }
        // Each entry takes at least two bytes, which bounds what a lying size can reserve.
        let size = size as usize;
        let mut entries = Vec::with_capacity(size.min((self.bytes.len() - self.pos) / 2));
        for _ in 0..size {
            let key = self.byte_array_or_null()?;
            let value = self.byte_array_or_null()?;
            entries.push((key, value));
        }
        self.expect_tag(TC_ENDBLOCKDATA, "TC_ENDBLOCKDATA after the map entries")?;
        Ok(entries)
    }

    /// Reads `TC_CLASSDESC` (or a reference to one) with no serializable superclass.
    fn class_desc(&mut self) -> Result<ClassDesc, JavaSerializationError> {
        let at = self.pos;
        match self.u8("a class descriptor")? {
            TC_CLASSDESC => {}
            TC_REFERENCE => {
                let (at, handle) = self.handle("a class descriptor reference")?;
                return match handle {
                    // Only "[B" is ever referenced again in this shape, and it has no fields.
                    Handle::Class(name) => Ok(ClassDesc {
                        name: name.clone(),
                        flags: SC_SERIALIZABLE,
                        field_types: Vec::new(),
                    }),
                    _ => self.malformed(
                        at,
                        "reference to a non-class where a class descriptor belongs",
                    ),
                };
            }
            tag => {
                return self.malformed(
                    at,
                    format!("expected a class descriptor, found 0x{tag:02X}"),
                );
            }
        }
        let name = self.utf("a class name")?;
        let _suid = self.i64("a serialVersionUID")?;
        self.new_handle(Handle::Class(name.clone()));
        let flags = self.u8("class flags")?;
        let field_count = self.u16("a field count")?;
        let mut field_types = Vec::with_capacity(usize::from(field_count).min(64));
        for _ in 0..field_count {
            let type_at = self.pos;
            let type_code = self.u8("a field type")?;
            self.utf("a field name")?;
            match type_code {
                b'L' | b'[' => self.field_class_name()?,
                code if primitive_size(code).is_some() => {}
                code => {
                    return self
                        .malformed(type_at, format!("unknown field type code 0x{code:02X}"));
                }
            }
            field_types.push(type_code);
        }
        self.expect_tag(
            TC_ENDBLOCKDATA,
            "TC_ENDBLOCKDATA after the class annotation",
        )?;
        let super_at = self.pos;
        if self.u8("a superclass descriptor")? != TC_NULL {
            return self.malformed(
                super_at,
                format!("{name} has a serializable superclass; expected none"),
            );
        }
        Ok(ClassDesc {
            name,
            flags,
            field_types,
        })
    }

    /// The type string of an object field: a new string or a reference to one.
    fn field_class_name(&mut self) -> Result<(), JavaSerializationError> {
        let at = self.pos;
        match self.u8("a field class name")? {
            TC_STRING => {
                self.utf("a field class name")?;
                self.new_handle(Handle::Other);
                Ok(())
            }
            TC_REFERENCE => self.handle("a field class name reference").map(|_| ()),
            tag => self.malformed(
                at,
                format!("expected a field class name, found 0x{tag:02X}"),
            ),
        }
    }

    /// Collects `n` bytes of block data, which a writer may split over several blocks.
    fn block_data(&mut self, n: usize) -> Result<Vec<u8>, JavaSerializationError> {
        let mut data = Vec::with_capacity(n);
        while data.len() < n {
            let at = self.pos;
            let len = match self.u8("block data")? {
                TC_BLOCKDATA => usize::from(self.u8("a block length")?),
                TC_BLOCKDATALONG => {
                    let len = self.i32("a block length")?;
                    usize::try_from(len)
                        .or_else(|_| self.malformed(at, format!("negative block length {len}")))?
                }
                tag => {
                    return self.malformed(
                        at,
                        format!("expected the map's size block, found 0x{tag:02X}"),
                    );
                }
            };
            data.extend_from_slice(self.take(len, "block data")?);
        }
        Ok(data)
    }

    fn byte_array_or_null(&mut self) -> Result<Option<Vec<u8>>, JavaSerializationError> {
        let at = self.pos;
        match self.u8("a map key or value")? {
            TC_NULL => Ok(None),
            TC_ARRAY => {
                let desc_at = self.pos;
                let desc = self.class_desc()?;
                if desc.name != BYTE_ARRAY_CLASS {
                    return self.malformed(
                        desc_at,
                        format!(
                            "expected a byte[] but found an array of class {}",
                            desc.name
                        ),
                    );
                }
                let len_at = self.pos;
                let len = self.i32("an array length")?;
                let len = usize::try_from(len)
                    .or_else(|_| self.malformed(len_at, format!("negative array length {len}")))?;
                let start = self.pos;
                let data = self.take(len, "byte array contents")?.to_vec();
                self.new_handle(Handle::ByteArray { start, len });
                Ok(Some(data))
            }
            TC_REFERENCE => {
                let (ref_at, handle) = self.handle("an array reference")?;
                let Handle::ByteArray { start, len } = *handle else {
                    return self
                        .malformed(ref_at, "reference to a non-array where a byte[] belongs");
                };
                if len > self.reference_budget {
                    return self.malformed(ref_at, "too many repeated references to byte arrays");
                }
                self.reference_budget -= len;
                Ok(Some(self.bytes[start..start + len].to_vec()))
            }
            tag => self.malformed(at, format!("expected a byte[] or null, found 0x{tag:02X}")),
        }
    }
}

/// Size in bytes of a primitive field with this type code; `None` for object types.
fn primitive_size(type_code: u8) -> Option<usize> {
    match type_code {
        b'B' | b'Z' => Some(1),
        b'C' | b'S' => Some(2),
        b'F' | b'I' => Some(4),
        b'D' | b'J' => Some(8),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(entries: &[(Vec<u8>, Option<Vec<u8>>)]) -> Vec<ByteArrayEntry> {
        let bytes = write_byte_array_map(entries).unwrap();
        read_byte_array_map(&bytes).unwrap()
    }

    fn expected(entries: &[(Vec<u8>, Option<Vec<u8>>)]) -> Vec<ByteArrayEntry> {
        entries
            .iter()
            .map(|(k, v)| (Some(k.clone()), v.clone()))
            .collect()
    }

    /// What JDK 17's `ObjectOutputStream` writes (checked with a JVM) for an empty `new HashMap<byte[], byte[]>()`.
    const JAVA_EMPTY_MAP: &[u8] = &[
        0xAC, 0xED, 0x00, 0x05, 0x73, 0x72, 0x00, 0x11, b'j', b'a', b'v', b'a', b'.', b'u', b't',
        b'i', b'l', b'.', b'H', b'a', b's', b'h', b'M', b'a', b'p', 0x05, 0x07, 0xDA, 0xC1, 0xC3,
        0x16, 0x60, 0xD1, 0x03, 0x00, 0x02, b'F', 0x00, 0x0A, b'l', b'o', b'a', b'd', b'F', b'a',
        b'c', b't', b'o', b'r', b'I', 0x00, 0x09, b't', b'h', b'r', b'e', b's', b'h', b'o', b'l',
        b'd', 0x78, 0x70, 0x3F, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x77, 0x08, 0x00, 0x00,
        0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x78,
    ];

    #[test]
    fn empty_map_matches_java_bytes() {
        let empty: &[(Vec<u8>, Option<Vec<u8>>)] = &[];
        assert_eq!(write_byte_array_map(empty).unwrap(), JAVA_EMPTY_MAP);
        assert_eq!(
            read_byte_array_map(JAVA_EMPTY_MAP).unwrap(),
            Vec::<ByteArrayEntry>::new()
        );
    }

    #[test]
    fn single_entry_layout_is_exact() {
        let bytes = write_byte_array_map(&[(b"k".to_vec(), Some(b"vv".to_vec()))]).unwrap();
        assert_eq!(&bytes[..67], &JAVA_EMPTY_MAP[..67]);
        let tail = &bytes[67..];
        let expected_tail: &[u8] = &[
            0x00, 0x00, 0x00, 0x0C, // threshold 12 (16 buckets)
            0x77, 0x08, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x01, // buckets, size
            0x75, 0x72, 0x00, 0x02, b'[', b'B', 0xAC, 0xF3, 0x17, 0xF8, 0x06, 0x08, 0x54, 0xE0,
            0x02, 0x00, 0x00, 0x78, 0x70, 0x00, 0x00, 0x00, 0x01,
            b'k', // key: new class descriptor, handle 2
            0x75, 0x71, 0x00, 0x7E, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, b'v',
            b'v', // value: reference
            0x78,
        ];
        assert_eq!(tail, expected_tail);
    }

    #[test]
    fn null_values_and_empty_arrays_round_trip() {
        let entries = vec![
            (b"gone".to_vec(), None),
            (Vec::new(), Some(Vec::new())),
            (b"kept".to_vec(), Some(b"{}".to_vec())),
        ];
        assert_eq!(round_trip(&entries), expected(&entries));
    }

    #[test]
    fn large_values_round_trip() {
        // Larger than one block-data buffer (1024) and than a u16 length.
        let big: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let entries = vec![(b"big".to_vec(), Some(big))];
        assert_eq!(round_trip(&entries), expected(&entries));
    }

    #[test]
    fn many_entries_round_trip_with_growing_capacity() {
        let entries: Vec<(Vec<u8>, Option<Vec<u8>>)> = (0..5000)
            .map(|i| {
                (
                    format!("key-{i}").into_bytes(),
                    Some(format!("{i}").into_bytes()),
                )
            })
            .collect();
        let bytes = write_byte_array_map(&entries).unwrap();
        // 5000 entries need 8192 buckets; threshold is 6144.
        assert_eq!(&bytes[67..71], &6144i32.to_be_bytes());
        assert_eq!(&bytes[73..77], &8192i32.to_be_bytes());
        assert_eq!(read_byte_array_map(&bytes).unwrap(), expected(&entries));
    }

    #[test]
    fn null_key_and_back_reference_are_read() {
        // A Java-style stream whose second array refers back to the first (handle 3).
        let mut bytes = JAVA_EMPTY_MAP[..JAVA_EMPTY_MAP.len() - 5].to_vec();
        bytes.extend_from_slice(&2i32.to_be_bytes());
        bytes.extend_from_slice(&[TC_NULL]);
        bytes.extend_from_slice(&[
            0x75, 0x72, 0x00, 0x02, b'[', b'B', 0xAC, 0xF3, 0x17, 0xF8, 0x06, 0x08, 0x54, 0xE0,
            0x02, 0x00, 0x00, 0x78, 0x70, 0x00, 0x00, 0x00, 0x01, b'x',
        ]);
        bytes.extend_from_slice(&[TC_REFERENCE, 0x00, 0x7E, 0x00, 0x03]);
        bytes.extend_from_slice(&[TC_NULL, TC_ENDBLOCKDATA]);
        let entries = read_byte_array_map(&bytes).unwrap();
        assert_eq!(
            entries,
            vec![(None, Some(b"x".to_vec())), (Some(b"x".to_vec()), None)]
        );
    }

    #[test]
    fn every_truncation_is_an_error_not_a_panic() {
        let entries = vec![
            (b"key".to_vec(), Some(b"value".to_vec())),
            (b"k2".to_vec(), None),
        ];
        let bytes = write_byte_array_map(&entries).unwrap();
        for cut in 0..bytes.len() {
            assert!(
                read_byte_array_map(&bytes[..cut]).is_err(),
                "cut at {cut} was accepted"
            );
        }
    }

    #[test]
    fn corrupted_bytes_never_panic() {
        let entries = vec![
            (b"key".to_vec(), Some(b"value".to_vec())),
            (b"k2".to_vec(), None),
        ];
        let bytes = write_byte_array_map(&entries).unwrap();
        for i in 0..bytes.len() {
            for flip in [0x01u8, 0x80, 0xFF] {
                let mut corrupt = bytes.clone();
                corrupt[i] ^= flip;
                let _ = read_byte_array_map(&corrupt);
            }
        }
    }

    #[test]
    fn wrong_shapes_are_named() {
        let err = read_byte_array_map(b"{\"not\":\"java\"}").unwrap_err();
        assert!(
            err.to_string().contains("not a Java serialization stream"),
            "{err}"
        );

        let mut other_class = JAVA_EMPTY_MAP.to_vec();
        other_class[8..25].copy_from_slice(b"java.util.TreeMap");
        let err = read_byte_array_map(&other_class).unwrap_err();
        assert!(
            err.to_string()
                .contains("expected a java.util.HashMap but found java.util.TreeMap"),
            "{err}"
        );

        let mut lying_size = JAVA_EMPTY_MAP.to_vec();
        let n = lying_size.len();
        lying_size[n - 5..n - 1].copy_from_slice(&i32::MAX.to_be_bytes());
        let err = read_byte_array_map(&lying_size).unwrap_err();
        assert!(matches!(
            err,
            JavaSerializationError::Malformed { .. } | JavaSerializationError::Truncated { .. }
        ));
    }
}
