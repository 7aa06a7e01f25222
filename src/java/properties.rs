//! Reading `.properties` files exactly as `java.util.Properties.load` does.
//!
//! Apache Connect reads worker and connector files with `Utils.loadProps`, which hands an
//! `InputStream` (not a `Reader`) to `Properties.load`. Each byte therefore becomes one char
//! (ISO-8859-1). A UTF-8 file with `é` (bytes `C3 A9`) yields the two chars `Ã©`, as it does in
//! Apache; non-Latin-1 text must be written as `\uXXXX` escapes. [`parse_bytes`] does the same.
//! [`parse_str`] is the `Reader` variant, for text that is already decoded.
//!
//! The grammar, as the JDK implements it:
//! - natural lines end with `\n`, `\r` or `\r\n`; leading spaces, tabs and form feeds are skipped;
//! - a line whose first non-blank char is `#` or `!` is a comment (a trailing `\` does not
//!   continue a comment);
//! - a line ending with an odd number of backslashes continues on the next natural line,
//!   whose leading blanks are skipped;
//! - the key ends at the first unescaped `=`, `:` or blank; blanks around the separator, and
//!   one `=`/`:` after blanks, are dropped;
//! - escapes: `\t \n \r \f`, `\uXXXX` (exactly four hex digits, else an error), and a
//!   backslash before any other char stands for that char;
//! - a later duplicate key replaces the earlier value.

use std::path::{Path, PathBuf};

use indexmap::IndexMap;

/// The entries of a properties file, in the order keys first appear.
pub type Properties = IndexMap<String, String>;

/// Why a properties file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum PropertiesError {
    /// The file could not be opened or read.
    #[error("cannot read properties file {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// The content is not a valid properties file (Java throws `IllegalArgumentException`).
    #[error("{}line {line}: {message}", path.as_ref().map(|p| format!("{}: ", p.display())).unwrap_or_default())]
    Syntax {
        /// The file, when the text came from one.
        path: Option<PathBuf>,
        /// The natural line (1-based) where the faulty logical line starts.
        line: usize,
        /// Java's message, e.g. `Malformed \uxxxx encoding.`.
        message: String,
    },
}

impl PropertiesError {
    /// The message Java's `Properties.load` would throw, without file and line.
    pub fn java_message(&self) -> Option<&str> {
        match self {
            PropertiesError::Syntax { message, .. } => Some(message),
            PropertiesError::Io { .. } => None,
        }
    }

    fn with_path(self, file: &Path) -> Self {
        match self {
            PropertiesError::Syntax { line, message, .. } => PropertiesError::Syntax {
                path: Some(file.to_path_buf()),
                line,
                message,
            },
            other => other,
        }
    }
}

/// The message `Properties.load` throws for a bad `\u` escape.
pub const MALFORMED_UNICODE_ESCAPE: &str = "Malformed \\uxxxx encoding.";

/// Reads and parses a properties file as Apache's `Utils.loadProps` does (bytes as ISO-8859-1).
pub fn load_file(path: &Path) -> Result<Properties, PropertiesError> {
    let bytes = std::fs::read(path).map_err(|source| PropertiesError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_bytes(&bytes).map_err(|e| e.with_path(path))
}

/// Parses file bytes as `Properties.load(InputStream)`: one char per byte (ISO-8859-1).
pub fn parse_bytes(bytes: &[u8]) -> Result<Properties, PropertiesError> {
    let chars: Vec<char> = bytes.iter().map(|&b| char::from(b)).collect();
    parse_chars(&chars)
}

/// Parses decoded text as `Properties.load(Reader)`.
pub fn parse_str(text: &str) -> Result<Properties, PropertiesError> {
    let chars: Vec<char> = text.chars().collect();
    parse_chars(&chars)
}

fn parse_chars(chars: &[char]) -> Result<Properties, PropertiesError> {
    let mut reader = LineReader::new(chars);
    let mut properties = Properties::new();
    while let Some(line) = reader.next_logical_line() {
        let (key, value) = split_key_value(&line.chars);
        let syntax = |message: &str| PropertiesError::Syntax {
            path: None,
            line: line.number,
            message: message.to_owned(),
        };
        let key = unescape(key).map_err(syntax)?;
        let value = unescape(value).map_err(syntax)?;
        // IndexMap keeps the position of the first occurrence; the last value wins, as in Java.
        properties.insert(key, value);
    }
    Ok(properties)
}

fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\u{c}')
}

/// One logical line (natural lines joined by continuations), with the number of the natural
/// line it starts on.
struct LogicalLine {
    chars: Vec<char>,
    number: usize,
}

/// A port of the JDK's `Properties.LineReader` state machine over the whole input.
struct LineReader<'a> {
    input: &'a [char],
    pos: usize,
    /// 1-based number of the natural line at `pos`.
    line: usize,
}

impl<'a> LineReader<'a> {
    fn new(input: &'a [char]) -> Self {
        LineReader {
            input,
            pos: 0,
            line: 1,
        }
    }

    /// Consumes one char, counting natural lines (`\r\n` counts once).
    fn bump(&mut self) -> Option<char> {
        let c = *self.input.get(self.pos)?;
        self.pos += 1;
        let ends_line = c == '\n' || (c == '\r' && self.input.get(self.pos) != Some(&'\n'));
        if ends_line {
            self.line += 1;
        }
        Some(c)
    }

    fn next_logical_line(&mut self) -> Option<LogicalLine> {
        let mut buf: Vec<char> = Vec::new();
        let mut start_line = self.line;
        let mut skip_white_space = true;
        let mut appended_line_begin = false;
        let mut preceding_backslash = false;

        loop {
            let Some(c) = self.bump() else {
                return finish(buf, preceding_backslash, start_line);
            };
            if skip_white_space {
                if is_blank(c) {
                    continue;
                }
                if !appended_line_begin && (c == '\r' || c == '\n') {
                    continue;
                }
                skip_white_space = false;
                appended_line_begin = false;
            }
            if buf.is_empty() {
                // The line may start here (blank lines before it were skipped).
                if c != '\r' && c != '\n' {
                    start_line = self.line;
                }
                if c == '#' || c == '!' {
                    // A comment runs to the end of the natural line; EOF inside it ends input.
                    loop {
                        match self.bump() {
                            None => return None,
                            Some('\r' | '\n') => break,
                            Some(_) => {}
                        }
                    }
                    skip_white_space = true;
                    continue;
                }
            }
            if c != '\n' && c != '\r' {
                buf.push(c);
                preceding_backslash = if c == '\\' {
                    !preceding_backslash
                } else {
                    false
                };
                continue;
            }
            // End of a natural line.
            if buf.is_empty() {
                skip_white_space = true;
                continue;
            }
            if self.pos >= self.input.len() {
                return finish(buf, preceding_backslash, start_line);
            }
            if preceding_backslash {
                // The backslash is not part of the line; the next natural line continues it.
                buf.pop();
                skip_white_space = true;
                appended_line_begin = true;
                preceding_backslash = false;
                if c == '\r' && self.input.get(self.pos) == Some(&'\n') {
                    self.bump();
                }
            } else {
                return Some(LogicalLine {
                    chars: buf,
                    number: start_line,
                });
            }
        }
    }
}

/// The end of input: like the JDK, an empty buffer means no line, and a trailing unpaired
/// backslash is dropped (which can leave an empty line, giving the entry `"" = ""`).
fn finish(mut buf: Vec<char>, preceding_backslash: bool, number: usize) -> Option<LogicalLine> {
    if buf.is_empty() {
        return None;
    }
    if preceding_backslash {
        buf.pop();
    }
    Some(LogicalLine { chars: buf, number })
}

/// Splits a logical line into raw (still escaped) key and value, as `Properties.load0`.
fn split_key_value(line: &[char]) -> (&[char], &[char]) {
    let limit = line.len();
    let mut key_len = 0;
    let mut value_start = limit;
    let mut has_separator = false;
    let mut preceding_backslash = false;
    while key_len < limit {
        let c = line[key_len];
        if (c == '=' || c == ':') && !preceding_backslash {
            value_start = key_len + 1;
            has_separator = true;
            break;
        } else if is_blank(c) && !preceding_backslash {
            value_start = key_len + 1;
            break;
        }
        preceding_backslash = c == '\\' && !preceding_backslash;
        key_len += 1;
    }
    while value_start < limit {
        let c = line[value_start];
        if !is_blank(c) {
            if !has_separator && (c == '=' || c == ':') {
                has_separator = true;
            } else {
                break;
            }
        }
        value_start += 1;
    }
    (&line[..key_len], &line[value_start..])
}

/// Resolves escapes. Java works on UTF-16 units, so `\uD83D\uDE00` is one emoji; a lone
/// surrogate cannot live in a Rust `String` and becomes U+FFFD (Java would keep it).
fn unescape(raw: &[char]) -> Result<String, &'static str> {
    if !raw.contains(&'\\') {
        return Ok(raw.iter().collect());
    }
    let mut units: Vec<u16> = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let mut c = raw[i];
        i += 1;
        if c == '\\' {
            // The line reader never leaves an unpaired backslash at the end.
            let Some(&next) = raw.get(i) else { break };
            i += 1;
            if next == 'u' {
                if i + 4 > raw.len() {
                    return Err(MALFORMED_UNICODE_ESCAPE);
                }
                let mut value: u16 = 0;
                for &h in &raw[i..i + 4] {
                    let digit = h.to_digit(16).filter(|_| h.is_ascii_hexdigit());
                    let Some(digit) = digit else {
                        return Err(MALFORMED_UNICODE_ESCAPE);
                    };
                    value = (value << 4) | digit as u16;
                }
                i += 4;
                units.push(value);
                continue;
            }
            c = match next {
                't' => '\t',
                'r' => '\r',
                'n' => '\n',
                'f' => '\u{c}',
                other => other,
            };
        }
        let mut pair = [0u16; 2];
        units.extend_from_slice(c.encode_utf16(&mut pair));
    }
    Ok(String::from_utf16_lossy(&units))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Vec<(String, String)> {
        parse_str(text).unwrap().into_iter().collect()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn separators_and_blanks() {
        assert_eq!(
            parse("a=1\nb:2\nc 3\n  d = 4 \ne\t:\t5\nf\n g =\n"),
            pairs(&[
                ("a", "1"),
                ("b", "2"),
                ("c", "3"),
                ("d", "4 "),
                ("e", "5"),
                ("f", ""),
                ("g", "")
            ])
        );
        // Only one separator is swallowed after blanks; a second one belongs to the value.
        assert_eq!(parse("k = =v"), pairs(&[("k", "=v")]));
        assert_eq!(parse("k==v"), pairs(&[("k", "=v")]));
    }

    #[test]
    fn comments_and_blank_lines() {
        assert_eq!(
            parse("# c\n! c\n   # indented\n\n\r\na=1 # not a comment\n#x\\\nb=2"),
            pairs(&[("a", "1 # not a comment"), ("b", "2")])
        );
    }

    #[test]
    fn continuations() {
        assert_eq!(
            parse("a=one \\\n   two\\\n three"),
            pairs(&[("a", "one twothree")])
        );
        assert_eq!(
            parse("a=x\\\r\n  y\r\nb=z"),
            pairs(&[("a", "xy"), ("b", "z")])
        );
        // An even number of backslashes does not continue.
        assert_eq!(parse("a=x\\\\\nb=y"), pairs(&[("a", "x\\"), ("b", "y")]));
        // Continuing into a blank line ends the logical line there.
        assert_eq!(parse("a=x\\\n\nb=y"), pairs(&[("a", "x"), ("b", "y")]));
        // A continued line does not start a comment.
        assert_eq!(parse("a=x\\\n  #y"), pairs(&[("a", "x#y")]));
        // A trailing backslash at EOF is dropped.
        assert_eq!(parse("a=x\\"), pairs(&[("a", "x")]));
        assert_eq!(parse("\\"), pairs(&[("", "")]));
    }

    #[test]
    fn escapes() {
        assert_eq!(
            parse(r"k\=e\:y\ x=\t\n\r\f\u0041\u00e9\q\\"),
            pairs(&[("k=e:y x", "\t\n\r\u{c}A\u{e9}q\\")])
        );
        assert_eq!(parse(r"e=\uD83D\uDE00"), pairs(&[("e", "😀")]));
    }

    #[test]
    fn malformed_unicode_escape_names_the_line() {
        let err = parse_str("a=1\n\nb=\\u12G4").unwrap_err();
        assert_eq!(err.java_message(), Some(MALFORMED_UNICODE_ESCAPE));
        assert_eq!(err.to_string(), "line 3: Malformed \\uxxxx encoding.");
        let err = parse_str("a=\\u12").unwrap_err();
        assert_eq!(err.java_message(), Some(MALFORMED_UNICODE_ESCAPE));
    }

    #[test]
    fn duplicate_keys_last_wins_first_position_kept() {
        assert_eq!(parse("a=1\nb=2\na=3"), pairs(&[("a", "3"), ("b", "2")]));
    }

    #[test]
    fn bytes_are_latin1() {
        let props = parse_bytes("k=é".as_bytes()).unwrap();
        assert_eq!(props["k"], "Ã©");
        let props = parse_bytes(b"k=\xe9").unwrap();
        assert_eq!(props["k"], "é");
    }

    #[test]
    fn file_errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.properties");
        std::fs::write(&path, "x=\\uzzzz\n").unwrap();
        let err = load_file(&path).unwrap_err().to_string();
        assert!(err.contains("bad.properties: line 1: Malformed"), "{err}");
        let err = load_file(&dir.path().join("missing"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("cannot read properties file"), "{err}");
    }
}
