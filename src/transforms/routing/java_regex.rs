//! Java's `java.util.regex` as the transforms use it: `Matcher.matches` (the whole input)
//! and `Matcher.replaceFirst` with Java's replacement syntax (`$1`, `${name}`, `\$`).
//!
//! Patterns are compiled by the `regex` crate, which reads the common Java syntax (classes,
//! groups, named groups `(?<name>..)`, quantifiers, anchors, flags) alike. Java-only
//! constructs (lookaround, backreferences, possessive quantifiers) are refused at
//! configuration time with "Invalid regex", where Java would accept them.

use regex::Regex;

use crate::config::{ConfigError, ParsedValue, Validator};

/// A compiled pattern, plus its anchored form for whole-input matching.
#[derive(Debug, Clone)]
pub struct JavaRegex {
    find: Regex,
    whole: Regex,
}

/// Java's `PatternSyntaxException.getMessage`: description, index, the pattern, and a
/// caret under the index when it falls inside the pattern.
fn java_syntax_message(description: &str, index: usize, pattern: &str) -> String {
    let mut message = format!("{description} near index {index}\n{pattern}");
    if index < pattern.encode_utf16().count() {
        message.push('\n');
        message.push_str(&" ".repeat(index));
        message.push('^');
    }
    message
}

fn invalid(name: &str, pattern: &str, error: &regex::Error) -> ConfigError {
    // The common mistakes get Java's PatternSyntaxException message; the rest are
    // described in the regex crate's words.
    let text = error.to_string();
    let length = pattern.encode_utf16().count();
    let detail = if text.contains("unclosed group") {
        java_syntax_message("Unclosed group", length, pattern)
    } else if text.contains("unclosed character class") {
        java_syntax_message(
            "Unclosed character class",
            length.saturating_sub(1),
            pattern,
        )
    } else if text.contains("repetition operator missing expression")
        && let Some(first) = pattern
            .chars()
            .next()
            .filter(|c| matches!(c, '*' | '+' | '?'))
    {
        java_syntax_message(&format!("Dangling meta character '{first}'"), 0, pattern)
    } else {
        text
    };
    ConfigError::invalid(name, pattern, format!("Invalid regex: {detail}"))
}

impl JavaRegex {
    /// Compiles `pattern`; a bad one is reported against config key `name`.
    pub fn compile(name: &str, pattern: &str) -> Result<Self, ConfigError> {
        let find = Regex::new(pattern).map_err(|e| invalid(name, pattern, &e))?;
        let whole =
            Regex::new(&format!("^(?:{pattern})$")).map_err(|e| invalid(name, pattern, &e))?;
        Ok(JavaRegex { find, whole })
    }

    /// The pattern as written.
    pub fn pattern(&self) -> &str {
        self.find.as_str()
    }

    /// `Matcher.matches`: the pattern matches the entire input.
    pub fn matches(&self, input: &str) -> bool {
        self.whole.is_match(input)
    }

    /// `Matcher.replaceFirst`: the first match replaced by the expanded `replacement`,
    /// or the input unchanged when nothing matches. Errors are Java's messages for a bad
    /// group reference in the replacement.
    pub fn replace_first(&self, input: &str, replacement: &str) -> Result<String, String> {
        let Some(captures) = self.find.captures(input) else {
            return Ok(input.to_owned());
        };
        let whole = captures.get(0).expect("group 0 always participates");
        let mut out = String::with_capacity(input.len() + replacement.len());
        out.push_str(&input[..whole.start()]);
        self.expand(&captures, replacement, &mut out)?;
        out.push_str(&input[whole.end()..]);
        Ok(out)
    }

    /// Java's `Matcher.appendExpandedReplacement`.
    fn expand(
        &self,
        captures: &regex::Captures<'_>,
        replacement: &str,
        out: &mut String,
    ) -> Result<(), String> {
        let group_count = self.find.captures_len() - 1;
        let chars: Vec<char> = replacement.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            match chars[i] {
                '\\' => {
                    i += 1;
                    let escaped = chars.get(i).ok_or("character to be escaped is missing")?;
                    out.push(*escaped);
                    i += 1;
                }
                '$' => {
                    i += 1;
                    let Some(&next) = chars.get(i) else {
                        return Err("Illegal group reference: group index is missing".into());
                    };
                    let text = if next == '{' {
                        i += 1;
                        let start = i;
                        while i < chars.len() && chars[i].is_ascii_alphanumeric() {
                            i += 1;
                        }
                        if i == start {
                            return Err("named capturing group has 0 length name".into());
                        }
                        if chars.get(i) != Some(&'}') {
                            return Err("named capturing group is missing trailing '}'".into());
                        }
                        let name: String = chars[start..i].iter().collect();
                        i += 1;
                        if name.starts_with(|c: char| c.is_ascii_digit()) {
                            return Err("capturing group name {".to_owned()
                                + &name
                                + "} starts with digit character");
                        }
                        if !self.find.capture_names().any(|n| n == Some(name.as_str())) {
                            return Err(format!("No group with name {{{name}}}"));
                        }
                        captures.name(&name)
                    } else {
                        let Some(first) = next.to_digit(10) else {
                            return Err("Illegal group reference".into());
                        };
                        let mut group = first as usize;
                        if group > group_count {
                            return Err(format!("No group {group}"));
                        }
                        i += 1;
                        // Java takes more digits while they still name an existing group.
                        while let Some(d) = chars.get(i).and_then(|c| c.to_digit(10)) {
                            let longer = group * 10 + d as usize;
                            if longer > group_count {
                                break;
                            }
                            group = longer;
                            i += 1;
                        }
                        captures.get(group)
                    };
                    if let Some(m) = text {
                        out.push_str(m.as_str());
                    }
                }
                c => {
                    out.push(c);
                    i += 1;
                }
            }
        }
        Ok(())
    }
}

fn check_regex(name: &str, value: Option<&ParsedValue>) -> Result<(), ConfigError> {
    match value {
        Some(ParsedValue::String(pattern)) => JavaRegex::compile(name, pattern).map(|_| ()),
        _ => Err(ConfigError::invalid(name, "null", "Invalid regex: null")),
    }
}

/// Apache's `RegexValidator` ("valid regex").
pub fn validator() -> Validator {
    Validator::Custom {
        check: check_regex,
        description: "valid regex",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replace_first_follows_java() {
        let r = JavaRegex::compile("regex", "(\\w+)-(\\d+)").unwrap();
        assert!(r.matches("orders-12"));
        assert!(!r.matches("orders-12x"));
        assert_eq!(r.replace_first("orders-12", "$2_$1").unwrap(), "12_orders");
        assert_eq!(r.replace_first("orders-12", "$10").unwrap(), "orders0");
        assert_eq!(r.replace_first("orders-12", "\\$1").unwrap(), "$1");
        assert_eq!(r.replace_first("x orders-12 y", "z").unwrap(), "x z y");
        assert_eq!(
            r.replace_first("orders-12", "$3").unwrap_err(),
            "No group 3"
        );
        assert_eq!(
            r.replace_first("orders-12", "$x").unwrap_err(),
            "Illegal group reference"
        );
        let named = JavaRegex::compile("regex", "(?<base>.*)-raw").unwrap();
        assert_eq!(named.replace_first("a-raw", "${base}").unwrap(), "a");
        assert_eq!(
            named.replace_first("a-raw", "${nope}").unwrap_err(),
            "No group with name {nope}"
        );
    }

    #[test]
    fn bad_patterns_are_config_errors() {
        let err = |p: &str| JavaRegex::compile("regex", p).unwrap_err().to_string();
        assert_eq!(
            err("("),
            "Invalid value ( for configuration regex: Invalid regex: Unclosed group near index 1\n("
        );
        assert_eq!(
            err("*a"),
            "Invalid value *a for configuration regex: Invalid regex: Dangling meta character '*' near index 0\n*a\n^"
        );
    }
}
