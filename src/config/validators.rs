//! Validators and recommenders (Apache's `ConfigDef.Validator` implementations and
//! `ConfigDef.Recommender`), with Apache's messages and the `toString` its docs print.

use std::fmt;

use indexmap::IndexMap;

use super::types::{ConfigError, ParsedValue, java_display_opt, java_double_to_string};

/// A bound of a [`Validator::Range`], printed as Java prints the `Number` it was given.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    /// An integral bound (`1`).
    Integer(i64),
    /// A floating bound (`0.5`).
    Double(f64),
}

impl Bound {
    fn value(self) -> f64 {
        match self {
            Bound::Integer(v) => v as f64,
            Bound::Double(v) => v,
        }
    }
}

impl fmt::Display for Bound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Bound::Integer(v) => write!(f, "{v}"),
            Bound::Double(v) => f.write_str(&java_double_to_string(*v)),
        }
    }
}

/// A custom check: key name and parsed value (None = null) to a verdict.
pub type CheckFn = fn(&str, Option<&ParsedValue>) -> Result<(), ConfigError>;

/// Checks on a single parsed value, as Apache's validators (same messages).
#[derive(Debug, Clone)]
pub enum Validator {
    /// `Range.atLeast` / `Range.between`.
    Range {
        min: Option<Bound>,
        max: Option<Bound>,
    },
    /// `ValidString.in`: one of these, case-sensitive.
    ValidString(Vec<String>),
    /// `CaseInsensitiveValidString.in`.
    CaseInsensitiveValidString(Vec<String>),
    /// `ValidList`: items non-empty and unique (duplicates are dropped while parsing, with a
    /// warning), optionally from a fixed set.
    ValidList {
        valid: Vec<String>,
        empty_allowed: bool,
        null_allowed: bool,
    },
    /// `NonNullValidator`.
    NonNull,
    /// `NonEmptyString`.
    NonEmptyString,
    /// `NonEmptyStringWithoutControlChars` (connector names).
    NonEmptyStringWithoutControlChars,
    /// All of these, in order.
    Composite(Vec<Validator>),
    /// A check of its own, with the description Apache prints for it.
    Custom {
        check: CheckFn,
        description: &'static str,
    },
}

impl Validator {
    /// `Range.atLeast(min)` with an integral bound.
    pub fn at_least(min: i64) -> Self {
        Validator::Range {
            min: Some(Bound::Integer(min)),
            max: None,
        }
    }

    /// `ValidString.in(...)`.
    pub fn one_of(valid: &[&str]) -> Self {
        Validator::ValidString(valid.iter().map(|s| s.to_string()).collect())
    }

    /// `CaseInsensitiveValidString.in(...)`.
    pub fn one_of_ignore_case(valid: &[&str]) -> Self {
        Validator::CaseInsensitiveValidString(valid.iter().map(|s| s.to_string()).collect())
    }

    /// `ValidList.anyNonDuplicateValues(empty_allowed, null_allowed)`.
    pub fn non_duplicate_list(empty_allowed: bool, null_allowed: bool) -> Self {
        Validator::ValidList {
            valid: Vec::new(),
            empty_allowed,
            null_allowed,
        }
    }

    /// Checks `value` (None = null) for key `name`.
    pub fn ensure_valid(&self, name: &str, value: Option<&ParsedValue>) -> Result<(), ConfigError> {
        let shown = || java_display_opt(value);
        let as_str = || match value {
            Some(ParsedValue::String(s)) => Some(s.as_str()),
            _ => None,
        };
        match self {
            Validator::Range { min, max } => {
                let Some(n) = value.and_then(ParsedValue::as_f64) else {
                    return Err(ConfigError::invalid(name, "null", "Value must be non-null"));
                };
                if let Some(min) = min.filter(|m| n < m.value()) {
                    return Err(ConfigError::invalid(
                        name,
                        shown(),
                        format!("Value must be at least {min}"),
                    ));
                }
                if let Some(max) = max.filter(|m| n > m.value()) {
                    return Err(ConfigError::invalid(
                        name,
                        shown(),
                        format!("Value must be no more than {max}"),
                    ));
                }
                Ok(())
            }
            Validator::ValidString(valid) => match as_str() {
                Some(s) if valid.iter().any(|v| v == s) => Ok(()),
                _ => Err(ConfigError::invalid(
                    name,
                    shown(),
                    format!("String must be one of: {}", valid.join(", ")),
                )),
            },
            Validator::CaseInsensitiveValidString(valid) => match as_str() {
                Some(s) if valid.iter().any(|v| v.eq_ignore_ascii_case(s)) => Ok(()),
                _ => Err(ConfigError::invalid(
                    name,
                    shown(),
                    format!(
                        "String must be one of (case insensitive): {}",
                        valid.join(", ")
                    ),
                )),
            },
            Validator::ValidList {
                valid,
                empty_allowed,
                null_allowed,
            } => {
                let Some(ParsedValue::List(items)) = value else {
                    return if *null_allowed && value.is_none() {
                        Ok(())
                    } else {
                        Err(ConfigError::Message(format!(
                            "Configuration '{name}' values must not be null."
                        )))
                    };
                };
                if !empty_allowed && items.is_empty() {
                    let allowed = if valid.is_empty() {
                        "any non-empty value".to_owned()
                    } else {
                        format!("[{}]", valid.join(", "))
                    };
                    return Err(ConfigError::Message(format!(
                        "Configuration '{name}' must not be empty. Valid values include: {allowed}"
                    )));
                }
                let unique: std::collections::HashSet<&String> = items.iter().collect();
                if unique.len() != items.len() {
                    return Err(ConfigError::Message(format!(
                        "Configuration '{name}' values must not be duplicated."
                    )));
                }
                for item in items {
                    if item.is_empty() {
                        return Err(ConfigError::Message(format!(
                            "Configuration '{name}' values must not be empty."
                        )));
                    }
                    if !valid.is_empty() && !valid.contains(item) {
                        return Err(ConfigError::invalid(
                            name,
                            item,
                            format!("String must be one of: {}", valid.join(", ")),
                        ));
                    }
                }
                Ok(())
            }
            Validator::NonNull => match value {
                Some(_) => Ok(()),
                None => Err(ConfigError::invalid(name, "null", "entry must be non null")),
            },
            Validator::NonEmptyString => match as_str() {
                Some("") => Err(ConfigError::invalid(name, "", "String must be non-empty")),
                _ => Ok(()),
            },
            Validator::NonEmptyStringWithoutControlChars => {
                let Some(s) = as_str() else { return Ok(()) };
                if s.is_empty() {
                    return Err(ConfigError::invalid(name, s, "String may not be empty"));
                }
                // Java's Character.isISOControl: U+0000..U+001F and U+007F..U+009F.
                let controls: Vec<String> = s
                    .chars()
                    .filter(|c| c.is_control())
                    .map(|c| u32::from(c).to_string())
                    .collect();
                if controls.is_empty() {
                    Ok(())
                } else {
                    Err(ConfigError::invalid(
                        name,
                        s,
                        format!(
                            "String may not contain control sequences but had the following ASCII chars: {}",
                            controls.join(", ")
                        ),
                    ))
                }
            }
            Validator::Composite(validators) => validators
                .iter()
                .try_for_each(|v| v.ensure_valid(name, value)),
            Validator::Custom { check, .. } => check(name, value),
        }
    }
}

impl fmt::Display for Validator {
    /// The `toString` Apache shows as "Valid Values" in its docs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Validator::Range { min, max } => match (min, max) {
                (None, None) => f.write_str("[...]"),
                (None, Some(max)) => write!(f, "[...,{max}]"),
                (Some(min), None) => write!(f, "[{min},...]"),
                (Some(min), Some(max)) => write!(f, "[{min},...,{max}]"),
            },
            Validator::ValidString(valid) => write!(f, "[{}]", valid.join(", ")),
            Validator::CaseInsensitiveValidString(valid) => {
                let upper: Vec<String> = valid.iter().map(|v| v.to_uppercase()).collect();
                write!(f, "(case insensitive) [{}]", upper.join(", "))
            }
            Validator::ValidList { valid, .. } if valid.is_empty() => Ok(()),
            Validator::ValidList { valid, .. } => write!(f, "[{}]", valid.join(", ")),
            Validator::NonNull => f.write_str("non-null string"),
            Validator::NonEmptyString => f.write_str("non-empty string"),
            Validator::NonEmptyStringWithoutControlChars => {
                f.write_str("non-empty string without ISO control characters")
            }
            Validator::Composite(validators) => {
                let parts: Vec<String> = validators.iter().map(|v| v.to_string()).collect();
                f.write_str(&parts.join(", "))
            }
            Validator::Custom { description, .. } => f.write_str(description),
        }
    }
}

/// Suggests values and visibility for a key given the other parsed values (Apache's
/// `ConfigDef.Recommender`), for the validate endpoint.
pub trait Recommender: Send + Sync + fmt::Debug {
    /// The values that would be valid now.
    fn valid_values(
        &self,
        name: &str,
        parsed: &IndexMap<String, Option<ParsedValue>>,
    ) -> Vec<ParsedValue>;
    /// Whether the key matters now.
    fn visible(&self, name: &str, parsed: &IndexMap<String, Option<ParsedValue>>) -> bool;
}
