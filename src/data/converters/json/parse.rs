//! A small JSON reader that keeps what Jackson's tree keeps and `serde_json::Value`
//! would lose: the exact text of each number (integral or not, beyond 64 bits), and
//! the raw span of a value (to key the schema cache). It borrows from the input.
//!
//! Jackson's reading rules that the converter relies on are followed: leading zeros
//! in numbers are allowed (the converter turns that feature on), a repeated object key
//! replaces the earlier value in place, and anything after the first value is ignored.

use std::borrow::Cow;

use crate::java::jackson::plain_run;

/// One parsed JSON value.
#[derive(Clone, Debug, PartialEq)]
pub enum Node<'a> {
    Null,
    Bool(bool),
    Number(Number<'a>),
    String(Cow<'a, str>),
    Array(Vec<Node<'a>>),
    Object(Vec<(Cow<'a, str>, Node<'a>)>),
}

/// A JSON number as written: integral (Jackson's int/long/BigInteger nodes) or with a
/// fraction or exponent (a `BigDecimal` node, since the converter reads floats exactly).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Number<'a> {
    pub text: &'a str,
    pub integral: bool,
}

impl<'a> Node<'a> {
    /// Jackson's `JsonNodeType` name, used in the converter's error messages.
    pub fn node_type(&self) -> &'static str {
        match self {
            Node::Null => "NULL",
            Node::Bool(_) => "BOOLEAN",
            Node::Number(_) => "NUMBER",
            Node::String(_) => "STRING",
            Node::Array(_) => "ARRAY",
            Node::Object(_) => "OBJECT",
        }
    }

    /// A field of an object (`None` for a missing field or a non-object).
    pub fn get(&self, key: &str) -> Option<&Node<'a>> {
        match self {
            Node::Object(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

/// Where and why the input is not JSON.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message} at byte {offset}")]
pub struct ParseError {
    pub message: &'static str,
    pub offset: usize,
}

/// Parses the first JSON value of `input`. `Ok(None)` for input with no value at all
/// (Jackson's "missing" node).
pub fn parse(input: &[u8]) -> Result<Option<Node<'_>>, ParseError> {
    let mut parser = Parser { input, pos: 0 };
    parser.skip_whitespace();
    if parser.pos == input.len() {
        return Ok(None);
    }
    parser.value(0).map(Some)
}

/// Parses the value at the start of `input` (after whitespace) as a field value of a
/// top-level object; returns it with the number of bytes read.
pub fn parse_field_value(input: &[u8]) -> Result<(Node<'_>, usize), ParseError> {
    let mut parser = Parser { input, pos: 0 };
    let node = parser.value(1)?;
    Ok((node, parser.pos))
}

/// Whether `input` holds nothing but JSON whitespace before `byte`.
pub fn next_is(input: &[u8], byte: u8) -> bool {
    input
        .iter()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        == Some(&byte)
}

/// A parsed value and the raw bytes of its top-level `"schema"` field, if any.
pub type NodeWithSchemaSpan<'a> = (Node<'a>, Option<&'a [u8]>);

/// Parses the envelope's top-level object, also returning the raw bytes of its
/// `"schema"` value. `Ok(None)` when the input holds no value.
pub fn parse_with_schema_span(input: &[u8]) -> Result<Option<NodeWithSchemaSpan<'_>>, ParseError> {
    let mut parser = Parser { input, pos: 0 };
    parser.skip_whitespace();
    if parser.pos == input.len() {
        return Ok(None);
    }
    if parser.peek() != Some(b'{') {
        return parser.value(0).map(|node| Some((node, None)));
    }
    let mut span = None;
    let node = parser.object(0, &mut |key, start, end| {
        if key == "schema" {
            span = Some((start, end));
        }
    })?;
    Ok(Some((node, span.map(|(s, e)| &input[s..e]))))
}

/// Deeper nesting than this is refused rather than risking the stack.
const MAX_DEPTH: usize = 512;

struct Parser<'a> {
    input: &'a [u8],
    pos: usize,
}

impl<'a> Parser<'a> {
    fn error<T>(&self, message: &'static str) -> Result<T, ParseError> {
        Err(ParseError {
            message,
            offset: self.pos,
        })
    }

    fn peek(&self) -> Option<u8> {
        self.input.get(self.pos).copied()
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Result<Node<'a>, ParseError> {
        if depth > MAX_DEPTH {
            return self.error("nesting too deep");
        }
        self.skip_whitespace();
        match self.peek() {
            None => self.error("unexpected end of input"),
            Some(b'{') => self.object(depth, &mut |_, _, _| {}),
            Some(b'[') => self.array(depth),
            Some(b'"') => self.string().map(Node::String),
            Some(b't') => self.literal(b"true", Node::Bool(true)),
            Some(b'f') => self.literal(b"false", Node::Bool(false)),
            Some(b'n') => self.literal(b"null", Node::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => self.error("unexpected character"),
        }
    }

    fn literal(&mut self, word: &'static [u8], node: Node<'a>) -> Result<Node<'a>, ParseError> {
        if self.input[self.pos..].starts_with(word) {
            self.pos += word.len();
            // `trueish` is not `true`.
            if self
                .peek()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_')
            {
                return self.error("unrecognized token");
            }
            Ok(node)
        } else {
            self.error("unrecognized token")
        }
    }

    fn number(&mut self) -> Result<Node<'a>, ParseError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        let int_start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        if self.pos == int_start {
            return self.error("expected digit");
        }
        let mut integral = true;
        if self.peek() == Some(b'.') {
            integral = false;
            self.pos += 1;
            let frac_start = self.pos;
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.pos += 1;
            }
            if self.pos == frac_start {
                return self.error("expected digit after decimal point");
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            integral = false;
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            let exp_start = self.pos;
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.pos += 1;
            }
            if self.pos == exp_start {
                return self.error("expected digit in exponent");
            }
        }
        // Only ASCII was consumed, so this cannot fail.
        let text = std::str::from_utf8(&self.input[start..self.pos]).unwrap_or("0");
        Ok(Node::Number(Number { text, integral }))
    }

    fn string(&mut self) -> Result<Cow<'a, str>, ParseError> {
        self.pos += 1; // opening quote
        let start = self.pos;
        // Fast path: no escapes, borrow the input.
        self.pos += plain_run(&self.input[start..], |b| {
            b == b'"' || b == b'\\' || b < 0x20
        });
        match self.peek() {
            Some(b'"') => {
                let raw = &self.input[start..self.pos];
                self.pos += 1;
                return match std::str::from_utf8(raw) {
                    Ok(s) => Ok(Cow::Borrowed(s)),
                    Err(_) => self.error("invalid UTF-8 in string"),
                };
            }
            Some(0..=0x1F) => return self.error("unescaped control character in string"),
            // An escape, or the end of the input.
            _ => {}
        }
        let mut owned: Vec<u8> = self.input[start..self.pos].to_vec();
        loop {
            match self.peek() {
                None => return self.error("unterminated string"),
                Some(b'"') => {
                    self.pos += 1;
                    return match String::from_utf8(owned) {
                        Ok(s) => Ok(Cow::Owned(s)),
                        Err(_) => self.error("invalid UTF-8 in string"),
                    };
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let escaped = match self.peek() {
                        Some(b'"') => b'"',
                        Some(b'\\') => b'\\',
                        Some(b'/') => b'/',
                        Some(b'b') => 0x08,
                        Some(b'f') => 0x0C,
                        Some(b'n') => b'\n',
                        Some(b'r') => b'\r',
                        Some(b't') => b'\t',
                        Some(b'u') => {
                            self.pos += 1;
                            let ch = self.unicode_escape()?;
                            let mut buf = [0u8; 4];
                            owned.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                            continue;
                        }
                        _ => return self.error("unrecognized escape"),
                    };
                    owned.push(escaped);
                    self.pos += 1;
                }
                Some(0..=0x1F) => return self.error("unescaped control character in string"),
                Some(c) => {
                    owned.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    /// Reads the four hex digits after `\u` (and a low surrogate's escape after a high
    /// one). A lone surrogate, legal in a Java string, has no Rust form: U+FFFD.
    fn unicode_escape(&mut self) -> Result<char, ParseError> {
        let first = self.hex4()?;
        if (0xD800..0xDC00).contains(&first) && self.input[self.pos..].starts_with(b"\\u") {
            let save = self.pos;
            self.pos += 2;
            let second = self.hex4()?;
            if (0xDC00..0xE000).contains(&second) {
                let code = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
                return Ok(char::from_u32(code).unwrap_or('\u{FFFD}'));
            }
            self.pos = save;
        }
        Ok(char::from_u32(first).unwrap_or('\u{FFFD}'))
    }

    fn hex4(&mut self) -> Result<u32, ParseError> {
        let Some(digits) = self.input.get(self.pos..self.pos + 4) else {
            return self.error("truncated unicode escape");
        };
        let mut code = 0;
        for d in digits {
            let v = match d {
                b'0'..=b'9' => d - b'0',
                b'a'..=b'f' => d - b'a' + 10,
                b'A'..=b'F' => d - b'A' + 10,
                _ => return self.error("invalid unicode escape"),
            };
            code = code * 16 + u32::from(v);
        }
        self.pos += 4;
        Ok(code)
    }

    fn array(&mut self, depth: usize) -> Result<Node<'a>, ParseError> {
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Node::Array(items));
        }
        loop {
            items.push(self.value(depth + 1)?);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Node::Array(items));
                }
                _ => return self.error("expected ',' or ']'"),
            }
        }
    }

    /// Parses an object; `on_field` sees each key with the byte span of its value.
    fn object(
        &mut self,
        depth: usize,
        on_field: &mut dyn FnMut(&str, usize, usize),
    ) -> Result<Node<'a>, ParseError> {
        self.pos += 1;
        let mut entries: Vec<(Cow<'a, str>, Node<'a>)> = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Node::Object(entries));
        }
        loop {
            self.skip_whitespace();
            if self.peek() != Some(b'"') {
                return self.error("expected field name");
            }
            let key = self.string()?;
            self.skip_whitespace();
            if self.peek() != Some(b':') {
                return self.error("expected ':'");
            }
            self.pos += 1;
            self.skip_whitespace();
            let start = self.pos;
            let value = self.value(depth + 1)?;
            on_field(&key, start, self.pos);
            entries.push((key, value));
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    dedup_keys(&mut entries);
                    return Ok(Node::Object(entries));
                }
                _ => return self.error("expected ',' or '}'"),
            }
        }
    }
}

/// Jackson keeps one entry per key: the last value, at the first key's position.
fn dedup_keys(entries: &mut Vec<(Cow<'_, str>, Node<'_>)>) {
    if entries.len() < 2 {
        return;
    }
    let has_duplicates = if entries.len() <= 16 {
        (1..entries.len()).any(|i| entries[..i].iter().any(|(k, _)| *k == entries[i].0))
    } else {
        let mut seen = std::collections::HashSet::with_capacity(entries.len());
        !entries.iter().all(|(k, _)| seen.insert(k.as_ref()))
    };
    if !has_duplicates {
        return;
    }
    let mut result: Vec<(Cow<'_, str>, Node<'_>)> = Vec::with_capacity(entries.len());
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (key, value) in entries.drain(..) {
        match index.get(key.as_ref()) {
            Some(&i) => result[i].1 = value,
            None => {
                index.insert(key.to_string(), result.len());
                result.push((key, value));
            }
        }
    }
    *entries = result;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_number_text_and_kind() {
        let node = parse(b"[1, -2.50, 1e10, 007]").unwrap().unwrap();
        let Node::Array(items) = node else { panic!() };
        let texts: Vec<_> = items
            .iter()
            .map(|n| match n {
                Node::Number(n) => (n.text, n.integral),
                _ => panic!(),
            })
            .collect();
        assert_eq!(
            texts,
            [
                ("1", true),
                ("-2.50", false),
                ("1e10", false),
                ("007", true)
            ]
        );
    }

    #[test]
    fn repeated_keys_keep_first_position_last_value() {
        let node = parse(br#"{"a":1,"b":2,"a":3}"#).unwrap().unwrap();
        let Node::Object(entries) = node else {
            panic!()
        };
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].0, "a");
        assert_eq!(
            entries[0].1,
            Node::Number(Number {
                text: "3",
                integral: true
            })
        );
    }

    #[test]
    fn escapes_and_surrogates() {
        let node = parse(br#""a\n\u00e9\ud83d\ude00\/""#).unwrap().unwrap();
        assert_eq!(node, Node::String(Cow::Owned("a\n\u{e9}\u{1F600}/".into())));
    }

    #[test]
    fn rejects_bad_input_and_ignores_trailing_content() {
        assert!(parse(b"{\"a\":}").is_err());
        assert!(parse(b"\"a\x01\"").is_err());
        assert!(parse(b"tru").is_err());
        assert_eq!(parse(b"  ").unwrap(), None);
        assert_eq!(
            parse(b"1 2").unwrap(),
            Some(Node::Number(Number {
                text: "1",
                integral: true
            }))
        );
    }

    #[test]
    fn reports_the_schema_span() {
        let input = br#"{"schema": {"type":"int32"} ,"payload":1}"#;
        let (_, span) = parse_with_schema_span(input).unwrap().unwrap();
        assert_eq!(span.unwrap(), br#"{"type":"int32"}"#);
    }

    #[test]
    fn plain_run_finds_the_first_special_byte_at_any_position() {
        for len in [0, 1, 31, 32, 33, 64, 100] {
            let plain = vec![b'a'; len];
            assert_eq!(plain_run(&plain, |b| b == b'"'), len);
            for at in 0..len {
                let mut bytes = plain.clone();
                bytes[at] = b'"';
                assert_eq!(plain_run(&bytes, |b| b == b'"'), at, "len {len} at {at}");
            }
        }
    }

    #[test]
    fn strings_across_block_boundaries() {
        let long = "x".repeat(40);
        let text = format!(r#"["{long}","{long}\"{long}","{long}\u00e9"]"#);
        let node = parse(text.as_bytes()).unwrap().unwrap();
        let Node::Array(items) = node else {
            panic!("not an array")
        };
        assert_eq!(items[0], Node::String(Cow::Borrowed(long.as_str())));
        assert_eq!(items[1], Node::String(format!("{long}\"{long}").into()));
        assert_eq!(items[2], Node::String(format!("{long}é").into()));
        let control = format!("\"{long}\u{1}\"");
        assert_eq!(
            parse(control.as_bytes()).unwrap_err(),
            ParseError {
                message: "unescaped control character in string",
                offset: 41
            }
        );
        let open = format!("\"{long}");
        assert_eq!(
            parse(open.as_bytes()).unwrap_err().message,
            "unterminated string"
        );
    }
}
