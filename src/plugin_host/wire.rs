//! The frames between Tributary and the plugin host, and the record blocks inside them
//! (`docs/plugin-host.md`; the Java side is `plugin-host/.../Wire.java` and `Records.java`).
//!
//! A frame is a big-endian u32 length of the rest, an i64 correlation id, a type byte, a
//! u32 length of a JSON part, the JSON, and a binary block filling the rest. Written by
//! hand: a dozen lines each way, where a framing or RPC crate would add a schema compiler
//! to the Java build for no gain in what crosses.

use std::io::{self, Read, Write};

/// Tributary asks the host.
pub const REQUEST: u8 = 1;
/// The host's answer.
pub const OK: u8 = 2;
/// The host's answer when the plugin threw.
pub const ERROR: u8 = 3;
/// The host asks Tributary (offset reads).
pub const CALL: u8 = 4;
/// Tributary's answer to a [`CALL`].
pub const REPLY: u8 = 5;
/// Something a plugin did on its own (`raiseError`, `requestTaskReconfiguration`).
pub const EVENT: u8 = 6;

/// One frame, either way.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    pub id: i64,
    pub kind: u8,
    pub json: Vec<u8>,
    pub block: Vec<u8>,
}

/// Frames larger than this are refused as corrupt (a put batch is a few MB at most).
const MAX_FRAME: usize = 1 << 30;

impl Frame {
    pub fn write_to(&self, out: &mut impl Write) -> io::Result<()> {
        let length = 8 + 1 + 4 + self.json.len() + self.block.len();
        let length = u32::try_from(length)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "frame too large"))?;
        let mut head = Vec::with_capacity(17);
        head.extend_from_slice(&length.to_be_bytes());
        head.extend_from_slice(&self.id.to_be_bytes());
        head.push(self.kind);
        head.extend_from_slice(&(self.json.len() as u32).to_be_bytes());
        out.write_all(&head)?;
        out.write_all(&self.json)?;
        out.write_all(&self.block)?;
        out.flush()
    }

    /// The next frame; `None` at a clean end of stream.
    pub fn read_from(input: &mut impl Read) -> io::Result<Option<Frame>> {
        let mut length = [0u8; 4];
        match input.read_exact(&mut length) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
            Err(e) => return Err(e),
        }
        let length = u32::from_be_bytes(length) as usize;
        if !(13..=MAX_FRAME).contains(&length) {
            return Err(corrupt(format!("frame length {length}")));
        }
        let mut rest = vec![0u8; length];
        input.read_exact(&mut rest)?;
        let id = i64::from_be_bytes(rest[0..8].try_into().expect("8 bytes"));
        let kind = rest[8];
        let json_length = u32::from_be_bytes(rest[9..13].try_into().expect("4 bytes")) as usize;
        if 13 + json_length > length {
            return Err(corrupt(format!("JSON part of {json_length} bytes")));
        }
        let block = rest.split_off(13 + json_length);
        let json = rest.split_off(13);
        Ok(Some(Frame {
            id,
            kind,
            json,
            block,
        }))
    }
}

fn corrupt(what: String) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("corrupt frame from the plugin host: {what}"),
    )
}

/// Reads the fields of a record block.
pub struct BlockReader<'a> {
    bytes: &'a [u8],
}

impl<'a> BlockReader<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        BlockReader { bytes }
    }

    fn take(&mut self, n: usize) -> io::Result<&'a [u8]> {
        if self.bytes.len() < n {
            return Err(corrupt("record block ends early".to_owned()));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    pub fn i8(&mut self) -> io::Result<i8> {
        Ok(self.take(1)?[0] as i8)
    }

    pub fn i32(&mut self) -> io::Result<i32> {
        Ok(i32::from_be_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }

    pub fn i64(&mut self) -> io::Result<i64> {
        Ok(i64::from_be_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }

    /// i32 length (-1: null), then the bytes.
    pub fn bytes(&mut self) -> io::Result<Option<&'a [u8]>> {
        let length = self.i32()?;
        if length < 0 {
            return Ok(None);
        }
        self.take(length as usize).map(Some)
    }

    pub fn string(&mut self) -> io::Result<String> {
        let bytes = self.bytes()?.unwrap_or_default();
        String::from_utf8(bytes.to_vec()).map_err(|_| corrupt("a string is not UTF-8".to_owned()))
    }

    /// A timestamp: a presence byte, then the value.
    pub fn timestamp(&mut self) -> io::Result<Option<i64>> {
        let present = self.i8()? != 0;
        let value = self.i64()?;
        Ok(present.then_some(value))
    }
}

/// Writes the fields of a record block.
#[derive(Default)]
pub struct BlockWriter {
    pub bytes: Vec<u8>,
}

impl BlockWriter {
    pub fn i8(&mut self, value: i8) {
        self.bytes.push(value as u8);
    }

    pub fn i32(&mut self, value: i32) {
        self.bytes.extend_from_slice(&value.to_be_bytes());
    }

    pub fn i64(&mut self, value: i64) {
        self.bytes.extend_from_slice(&value.to_be_bytes());
    }

    pub fn bytes(&mut self, value: Option<&[u8]>) {
        match value {
            None => self.i32(-1),
            Some(bytes) => {
                self.i32(bytes.len() as i32);
                self.bytes.extend_from_slice(bytes);
            }
        }
    }

    pub fn timestamp(&mut self, value: Option<i64>) {
        self.i8(i8::from(value.is_some()));
        self.i64(value.unwrap_or_default());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_end_cleanly() {
        let frame = Frame {
            id: -7,
            kind: REQUEST,
            json: br#"{"op":"init"}"#.to_vec(),
            block: vec![1, 2, 3],
        };
        let mut bytes = Vec::new();
        frame.write_to(&mut bytes).unwrap();
        frame.write_to(&mut bytes).unwrap();
        let mut input = &bytes[..];
        assert_eq!(Frame::read_from(&mut input).unwrap(), Some(frame.clone()));
        assert_eq!(Frame::read_from(&mut input).unwrap(), Some(frame));
        assert_eq!(Frame::read_from(&mut input).unwrap(), None);
    }

    #[test]
    fn a_truncated_or_absurd_frame_is_an_error() {
        let mut bytes = Vec::new();
        Frame {
            id: 1,
            kind: OK,
            json: b"{}".to_vec(),
            block: Vec::new(),
        }
        .write_to(&mut bytes)
        .unwrap();
        let mut truncated = &bytes[..bytes.len() - 1];
        assert!(Frame::read_from(&mut truncated).is_err());
        let mut absurd: &[u8] = &[0, 0, 0, 3, 0, 0, 0];
        assert!(Frame::read_from(&mut absurd).is_err());
    }

    #[test]
    fn block_fields_round_trip() {
        let mut out = BlockWriter::default();
        out.i32(2);
        out.bytes(None);
        out.bytes(Some(b"topic"));
        out.timestamp(Some(42));
        out.timestamp(None);
        let mut input = BlockReader::new(&out.bytes);
        assert_eq!(input.i32().unwrap(), 2);
        assert_eq!(input.bytes().unwrap(), None);
        assert_eq!(input.string().unwrap(), "topic");
        assert_eq!(input.timestamp().unwrap(), Some(42));
        assert_eq!(input.timestamp().unwrap(), None);
        assert!(input.i8().is_err());
    }
}
