//! Config value types and their parsing, as Apache's `ConfigDef.Type` and
//! `ConfigDef.parseType`: the key types, importance and width, secrets, parsed values
//! and how Java prints them, and the `ConfigException` messages.

use std::fmt;

use serde::{Deserialize, Serialize};

pub use crate::java::number_format::java_double_to_string;
use crate::java::numbers::{parse_java_double, parse_java_integer};

/// A config value is missing or invalid; the messages are Apache's `ConfigException` ones.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// `Invalid value <value> for configuration <name>[: <reason>]`.
    #[error("Invalid value {value} for configuration {name}{}", reason.as_ref().map(|r| format!(": {r}")).unwrap_or_default())]
    Invalid {
        /// The key.
        name: String,
        /// The value as Java prints it (`null`, `[a, b]`, `[hidden]`...).
        value: String,
        /// Why it is invalid.
        reason: Option<String>,
    },
    /// A key without default is absent.
    #[error("Missing required configuration \"{0}\" which has no default value.")]
    Missing(String),
    /// Any other message (Apache's one-argument `ConfigException`).
    #[error("{0}")]
    Message(String),
}

impl ConfigError {
    /// `Invalid value <value> for configuration <name>: <reason>`.
    pub fn invalid(name: &str, value: impl fmt::Display, reason: impl Into<String>) -> Self {
        ConfigError::Invalid {
            name: name.to_owned(),
            value: value.to_string(),
            reason: Some(reason.into()),
        }
    }

    /// The message for a class name no plugin registry knows (`Class X could not be found.`).
    pub fn class_not_found(name: &str, class: &str) -> Self {
        Self::invalid(name, class, format!("Class {class} could not be found."))
    }
}

/// The type of a config key (Apache's `ConfigDef.Type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ConfigType {
    Boolean,
    String,
    Int,
    Short,
    Long,
    Double,
    List,
    Class,
    Password,
}

impl ConfigType {
    /// The name Apache uses (`LONG`, `STRING`...).
    pub fn name(self) -> &'static str {
        match self {
            ConfigType::Boolean => "BOOLEAN",
            ConfigType::String => "STRING",
            ConfigType::Int => "INT",
            ConfigType::Short => "SHORT",
            ConfigType::Long => "LONG",
            ConfigType::Double => "DOUBLE",
            ConfigType::List => "LIST",
            ConfigType::Class => "CLASS",
            ConfigType::Password => "PASSWORD",
        }
    }
}

impl fmt::Display for ConfigType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How much a key matters (Apache's `ConfigDef.Importance`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Importance {
    High,
    Medium,
    Low,
}

/// The display width of a value (Apache's `ConfigDef.Width`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Width {
    #[default]
    None,
    Short,
    Medium,
    Long,
}

/// A secret: never printed (`[hidden]`, as Apache's `Password`).
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// The placeholder printed instead of the value.
    pub const HIDDEN: &'static str = "[hidden]";

    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Password(value.into())
    }

    /// The secret itself; never log it.
    pub fn value(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(Self::HIDDEN)
    }
}

impl fmt::Display for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(Self::HIDDEN)
    }
}

/// A parsed config value.
#[derive(Debug, Clone, PartialEq)]
pub enum ParsedValue {
    Boolean(bool),
    String(String),
    Int(i32),
    Short(i16),
    Long(i64),
    Double(f64),
    List(Vec<String>),
    /// A class name; whether a plugin with that name exists is for the registry to say.
    Class(String),
    Password(Password),
}

impl ParsedValue {
    /// The value as a number, for range checks.
    pub(crate) fn as_f64(&self) -> Option<f64> {
        match self {
            ParsedValue::Int(v) => Some(f64::from(*v)),
            ParsedValue::Short(v) => Some(f64::from(*v)),
            ParsedValue::Long(v) => Some(*v as f64),
            ParsedValue::Double(v) => Some(*v),
            _ => None,
        }
    }

    /// Apache's `ConfigDef.convertToString`: lists joined by `,`, passwords hidden.
    pub fn to_config_string(&self) -> String {
        match self {
            ParsedValue::List(items) => items.join(","),
            other => other.java_display(),
        }
    }

    /// The value as Java's `String.valueOf` prints it in error messages.
    pub fn java_display(&self) -> String {
        match self {
            ParsedValue::Boolean(v) => v.to_string(),
            ParsedValue::String(v) => v.clone(),
            ParsedValue::Int(v) => v.to_string(),
            ParsedValue::Short(v) => v.to_string(),
            ParsedValue::Long(v) => v.to_string(),
            ParsedValue::Double(v) => java_double_to_string(*v),
            ParsedValue::List(items) => format!("[{}]", items.join(", ")),
            ParsedValue::Class(name) => format!("class {name}"),
            ParsedValue::Password(_) => Password::HIDDEN.to_owned(),
        }
    }
}

/// `String.valueOf` of an optional value: `null` when absent.
pub(crate) fn java_display_opt(value: Option<&ParsedValue>) -> String {
    value.map_or_else(|| "null".to_owned(), ParsedValue::java_display)
}

/// Java's `String.trim`: strips every char up to U+0020 at both ends.
pub fn java_trim(s: &str) -> &str {
    s.trim_matches(|c: char| c <= ' ')
}

/// Splits a list value as Apache does: trimmed, empty means no items, else split on commas
/// with the surrounding whitespace (`\s*,\s*`), keeping empty items.
pub fn parse_list(value: &str) -> Vec<String> {
    let trimmed = java_trim(value);
    if trimmed.is_empty() {
        return Vec::new();
    }
    let is_regex_space = |c: char| matches!(c, ' ' | '\t' | '\n' | '\u{b}' | '\u{c}' | '\r');
    trimmed
        .split(',')
        .map(|item| item.trim_matches(is_regex_space).to_owned())
        .collect()
}

/// Apache's `ConfigDef.parseType` for a string value.
pub fn parse_type(name: &str, value: &str, ty: ConfigType) -> Result<ParsedValue, ConfigError> {
    let trimmed = java_trim(value);
    let not_a_number = || ConfigError::invalid(name, value, format!("Not a number of type {ty}"));
    Ok(match ty {
        ConfigType::Boolean => {
            if trimmed.eq_ignore_ascii_case("true") {
                ParsedValue::Boolean(true)
            } else if trimmed.eq_ignore_ascii_case("false") {
                ParsedValue::Boolean(false)
            } else {
                return Err(ConfigError::invalid(
                    name,
                    value,
                    "Expected value to be either true or false",
                ));
            }
        }
        ConfigType::Password => ParsedValue::Password(Password::new(trimmed)),
        ConfigType::String => ParsedValue::String(trimmed.to_owned()),
        ConfigType::Int => ParsedValue::Int(parse_java_integer(trimmed).ok_or_else(not_a_number)?),
        ConfigType::Short => {
            ParsedValue::Short(parse_java_integer(trimmed).ok_or_else(not_a_number)?)
        }
        ConfigType::Long => {
            ParsedValue::Long(parse_java_integer(trimmed).ok_or_else(not_a_number)?)
        }
        ConfigType::Double => {
            ParsedValue::Double(parse_java_double(trimmed).ok_or_else(not_a_number)?)
        }
        ConfigType::List => ParsedValue::List(parse_list(value)),
        ConfigType::Class => ParsedValue::Class(trimmed.to_owned()),
    })
}
