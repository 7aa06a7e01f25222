//! A parser for Java's JAAS configuration syntax, as Kafka reads `sasl.jaas.config`:
//! `<LoginModule class> <flag> key=value ... ;`, exactly one module entry.
//!
//! Kafka's `JaasConfig` uses `java.io.StreamTokenizer`: values are bare words or
//! double-quoted strings with backslash escapes, and `//` and `/* */` comments are
//! skipped. This module does the same so a `worker.properties` that works with Apache
//! parses identically here. Option values are secrets (passwords, client secrets): the
//! errors below name keys and positions, never values.

use indexmap::IndexMap;

/// One login module entry: its class, control flag and options in written order.
#[derive(Clone, PartialEq, Eq)]
pub struct JaasEntry {
    pub login_module: String,
    pub flag: String,
    pub options: IndexMap<String, String>,
}

/// Hand-written so a debug print of a parsed entry never shows option values.
impl std::fmt::Debug for JaasEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JaasEntry")
            .field("login_module", &self.login_module)
            .field("flag", &self.flag)
            .field("options", &self.options.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// Why `sasl.jaas.config` could not be read; the messages follow Kafka's
/// (`JaasConfig` throws `IllegalArgumentException` with these texts).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JaasError {
    #[error("JAAS config entry not terminated by semi-colon")]
    NotTerminated,
    #[error("JAAS config property does not contain a value for key '{0}'")]
    MissingValue(String),
    #[error("Login module control flag not specified in JAAS config")]
    MissingFlag,
    #[error("Invalid login module control flag '{0}' in JAAS config")]
    InvalidFlag(String),
    #[error("Login module not specified in JAAS config")]
    MissingLoginModule,
    #[error("JAAS config property contains {0} login modules, should be 1 module")]
    ModuleCount(usize),
    #[error("Unterminated quoted string in JAAS config")]
    UnterminatedQuote,
    #[error("Unexpected character '{0}' in JAAS config")]
    Unexpected(char),
}

#[derive(Debug, PartialEq)]
enum Token {
    Word(String),
    Equals,
    Semicolon,
}

/// Splits the text into words, quoted strings (as words), `=` and `;`.
fn tokenize(text: &str) -> Result<Vec<Token>, JaasError> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '=' => {
                chars.next();
                tokens.push(Token::Equals);
            }
            ';' => {
                chars.next();
                tokens.push(Token::Semicolon);
            }
            '"' | '\'' => {
                let quote = c;
                chars.next();
                let mut value = String::new();
                loop {
                    match chars.next() {
                        None => return Err(JaasError::UnterminatedQuote),
                        Some(c) if c == quote => break,
                        // StreamTokenizer's escapes: \n \t \r \b \f, anything else literal.
                        Some('\\') => match chars.next() {
                            None => return Err(JaasError::UnterminatedQuote),
                            Some('n') => value.push('\n'),
                            Some('t') => value.push('\t'),
                            Some('r') => value.push('\r'),
                            Some('b') => value.push('\u{8}'),
                            Some('f') => value.push('\u{c}'),
                            Some(other) => value.push(other),
                        },
                        Some(c) => value.push(c),
                    }
                }
                tokens.push(Token::Word(value));
            }
            '/' => {
                chars.next();
                match chars.peek() {
                    Some('/') => {
                        for c in chars.by_ref() {
                            if c == '\n' {
                                break;
                            }
                        }
                    }
                    Some('*') => {
                        chars.next();
                        let mut previous = ' ';
                        for c in chars.by_ref() {
                            if previous == '*' && c == '/' {
                                break;
                            }
                            previous = c;
                        }
                    }
                    _ => return Err(JaasError::Unexpected('/')),
                }
            }
            _ => {
                let mut word = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || matches!(c, '=' | ';' | '"' | '\'') {
                        break;
                    }
                    word.push(c);
                    chars.next();
                }
                tokens.push(Token::Word(word));
            }
        }
    }
    Ok(tokens)
}

/// Parses `sasl.jaas.config`; Kafka requires exactly one login module.
pub fn parse(text: &str) -> Result<JaasEntry, JaasError> {
    let tokens = tokenize(text)?;
    let mut entries = Vec::new();
    let mut rest = tokens.as_slice();
    while !rest.is_empty() {
        let (entry, tail) = parse_entry(rest)?;
        entries.push(entry);
        rest = tail;
    }
    match entries.len() {
        1 => Ok(entries.remove(0)),
        n => Err(JaasError::ModuleCount(n)),
    }
}

fn parse_entry(tokens: &[Token]) -> Result<(JaasEntry, &[Token]), JaasError> {
    let mut iter = tokens.iter().enumerate();
    let login_module = match iter.next() {
        Some((_, Token::Word(w))) => w.clone(),
        _ => return Err(JaasError::MissingLoginModule),
    };
    let flag = match iter.next() {
        Some((_, Token::Word(w))) => w.clone(),
        _ => return Err(JaasError::MissingFlag),
    };
    if !["required", "requisite", "sufficient", "optional"]
        .iter()
        .any(|f| f.eq_ignore_ascii_case(&flag))
    {
        return Err(JaasError::InvalidFlag(flag));
    }
    let mut options = IndexMap::new();
    loop {
        match iter.next() {
            Some((i, Token::Semicolon)) => {
                let entry = JaasEntry {
                    login_module,
                    flag,
                    options,
                };
                return Ok((entry, &tokens[i + 1..]));
            }
            Some((_, Token::Word(key))) => {
                if !matches!(iter.next(), Some((_, Token::Equals))) {
                    return Err(JaasError::MissingValue(key.clone()));
                }
                match iter.next() {
                    Some((_, Token::Word(value))) => {
                        options.insert(key.clone(), value.clone());
                    }
                    _ => return Err(JaasError::MissingValue(key.clone())),
                }
            }
            Some((_, Token::Equals)) => return Err(JaasError::Unexpected('=')),
            None => return Err(JaasError::NotTerminated),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scram_with_quoted_values() {
        let entry = parse(
            r#"org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="s3=c;r\"et";"#,
        )
        .unwrap();
        assert_eq!(
            entry.login_module,
            "org.apache.kafka.common.security.scram.ScramLoginModule"
        );
        assert_eq!(entry.flag, "required");
        assert_eq!(entry.options["username"], "alice");
        assert_eq!(entry.options["password"], r#"s3=c;r"et"#);
    }

    #[test]
    fn bare_words_comments_and_newlines() {
        let entry = parse(
            "com.sun.security.auth.module.Krb5LoginModule required\n  useKeyTab=true /* c */ storeKey=true\n keyTab=\"/etc/k.keytab\" // x\n principal=\"kafka/h@R\";",
        )
        .unwrap();
        assert_eq!(entry.options["useKeyTab"], "true");
        assert_eq!(entry.options["keyTab"], "/etc/k.keytab");
        assert_eq!(entry.options["principal"], "kafka/h@R");
        assert_eq!(entry.options.len(), 4);
    }

    #[test]
    fn escapes_in_quotes() {
        let entry = parse(r#"M required a="x\\y\tz";"#).unwrap();
        assert_eq!(entry.options["a"], "x\\y\tz");
    }

    #[test]
    fn errors_name_what_is_wrong() {
        assert_eq!(
            parse(r#"M required username="a""#),
            Err(JaasError::NotTerminated)
        );
        assert_eq!(parse("M;"), Err(JaasError::MissingFlag));
        assert_eq!(
            parse("M always a=b;"),
            Err(JaasError::InvalidFlag("always".into()))
        );
        assert_eq!(
            parse("M required a=;"),
            Err(JaasError::MissingValue("a".into()))
        );
        assert_eq!(
            parse("M required a b;"),
            Err(JaasError::MissingValue("a".into()))
        );
        assert_eq!(
            parse(r#"M required a="unterminated;"#),
            Err(JaasError::UnterminatedQuote)
        );
        assert_eq!(parse(""), Err(JaasError::ModuleCount(0)));
        assert_eq!(
            parse("M required; N required;"),
            Err(JaasError::ModuleCount(2))
        );
    }

    #[test]
    fn debug_hides_option_values() {
        let entry = parse(r#"M required password="hunter2";"#).unwrap();
        let shown = format!("{entry:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("password"));
    }
}
