//! Splits a byte stream into lines the way FileStreamSourceTask does: a line ends at
//! `\n`, `\r` or `\r\n`; the terminator is not part of the line but counts towards the
//! bytes consumed; a trailing `\r` is held back until the next byte shows whether it
//! starts a `\r\n`; a last line without terminator is held back until it is completed.
//!
//! Unlike Apache, which counts UTF-16 chars while skipping bytes on resume, positions
//! here are byte counts, so a stored position always points at a line start.

use std::io::{self, Read};

use crate::data::converters::Charset;

/// How much one `read` asks for: large reads keep the syscall count low on big files.
pub const READ_CHUNK: usize = 256 * 1024;

/// One complete line and how many bytes it took in the stream, terminator included.
#[derive(Debug, PartialEq, Eq)]
pub struct Line {
    pub text: String,
    pub consumed: usize,
}

/// Bytes read from the input and not yet returned as lines.
pub struct LineBuffer {
    buf: Vec<u8>,
    /// Start of the unreturned bytes.
    start: usize,
    /// End of the bytes read so far.
    end: usize,
    /// Bytes before this index (from `start`) are known to hold no terminator, so a long
    /// partial line is not rescanned after every read.
    scanned: usize,
}

impl Default for LineBuffer {
    fn default() -> Self {
        Self::with_capacity(READ_CHUNK)
    }
}

impl LineBuffer {
    /// A buffer that reads up to `capacity` bytes at a time (it grows for longer lines).
    pub fn with_capacity(capacity: usize) -> Self {
        LineBuffer {
            buf: vec![0; capacity.max(2)],
            start: 0,
            end: 0,
            scanned: 0,
        }
    }

    /// Bytes read but not yet returned as a line.
    pub fn pending(&self) -> usize {
        self.end - self.start
    }

    /// The next complete line, if the buffered bytes hold one.
    pub fn next_line(&mut self) -> Option<Line> {
        let from = self.scanned.max(self.start);
        let window = &self.buf[from..self.end];
        let Some(found) = memchr::memchr2(b'\n', b'\r', window) else {
            self.scanned = self.end;
            return None;
        };
        let at = from + found;
        let next = if self.buf[at] == b'\n' {
            at + 1
        } else if at + 1 == self.end {
            // A `\r` as the last byte: wait for the next byte to know the terminator.
            self.scanned = at;
            return None;
        } else if self.buf[at + 1] == b'\n' {
            at + 2
        } else {
            at + 1
        };
        // Lossy like Java's UTF-8 decoder, which replaces malformed input with U+FFFD.
        let text = Charset::Utf8.decode(&self.buf[self.start..at]);
        let line = Line {
            text,
            consumed: next - self.start,
        };
        self.start = next;
        self.scanned = next;
        Some(line)
    }

    /// Reads once from `input` into free space, compacting or growing the buffer first.
    /// Returns the byte count (0: nothing more for now) and whether the read filled all
    /// the space it was given (then more data is probably waiting).
    pub fn fill(&mut self, input: &mut dyn Read) -> io::Result<(usize, bool)> {
        self.make_room();
        let space = &mut self.buf[self.end..];
        let wanted = space.len();
        loop {
            match input.read(space) {
                Ok(n) => {
                    self.end += n;
                    return Ok((n, n == wanted));
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    fn make_room(&mut self) {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.scanned -= self.start.min(self.scanned);
            self.start = 0;
        }
        if self.end == self.buf.len() {
            // One line longer than the buffer: grow, as Apache doubles its char buffer.
            let doubled = self.buf.len() * 2;
            self.buf.resize(doubled, 0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `chunks` one read at a time and collects `(text, consumed)` per line.
    fn split(chunks: &[&[u8]], capacity: usize) -> (Vec<(String, usize)>, usize) {
        let mut buffer = LineBuffer::with_capacity(capacity);
        let mut lines = Vec::new();
        for chunk in chunks {
            let mut input: &[u8] = chunk;
            while !input.is_empty() {
                buffer.fill(&mut input).unwrap();
                while let Some(line) = buffer.next_line() {
                    lines.push((line.text, line.consumed));
                }
            }
        }
        (lines, buffer.pending())
    }

    fn owned(lines: &[(&str, usize)]) -> Vec<(String, usize)> {
        lines.iter().map(|(t, n)| (t.to_string(), *n)).collect()
    }

    #[test]
    fn every_terminator_ends_a_line_and_counts() {
        let (lines, pending) = split(&[b"a\nbb\r\nccc\rd\n\n"], 64);
        assert_eq!(
            lines,
            owned(&[("a", 2), ("bb", 4), ("ccc", 4), ("d", 2), ("", 1)])
        );
        assert_eq!(pending, 0);
    }

    #[test]
    fn trailing_carriage_return_waits_for_the_next_byte() {
        let (lines, pending) = split(&[b"x\r"], 64);
        assert!(lines.is_empty());
        assert_eq!(pending, 2);
        let (lines, _) = split(&[b"x\r", b"\ny\r", b"z"], 64);
        assert_eq!(lines, owned(&[("x", 3), ("y", 2)]));
    }

    #[test]
    fn partial_line_is_held_until_completed() {
        let (lines, pending) = split(&[b"one\ntw", b"o"], 64);
        assert_eq!(lines, owned(&[("one", 4)]));
        assert_eq!(pending, 3);
        let (lines, _) = split(&[b"one\ntw", b"o\n"], 64);
        assert_eq!(lines, owned(&[("one", 4), ("two", 4)]));
    }

    #[test]
    fn lines_longer_than_the_buffer_grow_it() {
        let long = "L".repeat(1000);
        let input = format!("{long}\r\nshort\n");
        let (lines, pending) = split(&[input.as_bytes()], 8);
        assert_eq!(lines, owned(&[(&long, 1002), ("short", 6)]));
        assert_eq!(pending, 0);
    }

    #[test]
    fn utf8_is_decoded_and_malformed_bytes_replaced() {
        let (lines, _) = split(&["héllo\n".as_bytes(), b"a\xffb\n"], 64);
        assert_eq!(lines, owned(&[("héllo", 7), ("a\u{fffd}b", 4)]));
    }

    #[test]
    fn fill_reports_short_reads() {
        let mut buffer = LineBuffer::with_capacity(4);
        let mut input: &[u8] = b"abcdef";
        assert_eq!(buffer.fill(&mut input).unwrap(), (4, true));
        assert_eq!(buffer.fill(&mut input).unwrap(), (2, false));
        assert_eq!(buffer.fill(&mut input).unwrap(), (0, false));
    }
}
