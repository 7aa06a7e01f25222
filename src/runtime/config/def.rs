//! Config definition tables, as Apache's `ConfigDef`: each key is declared once (type,
//! default, importance, documentation, group, validator...), and the same table parses a
//! string map into typed values and produces the per-key results of the validate endpoint.
//! Messages follow Apache's wording (checked against Kafka 4.3.1).

use std::fmt;
use std::sync::Arc;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

/// A config value is missing or invalid; the messages are Apache's `ConfigException` ones.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
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
    fn as_f64(&self) -> Option<f64> {
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
fn java_display_opt(value: Option<&ParsedValue>) -> String {
    value.map_or_else(|| "null".to_owned(), ParsedValue::java_display)
}

pub use crate::java::number_format::java_double_to_string;
use crate::java::numbers::{parse_java_double, parse_java_integer};

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

/// The default of a key.
#[derive(Debug, Clone, PartialEq)]
pub enum DefaultValue {
    /// No default: the key is required.
    Required,
    /// The default is null: optional, and absent unless set.
    Null,
    /// A parsed default.
    Value(ParsedValue),
}

/// One declared key (Apache's `ConfigDef.ConfigKey`). Build it with [`ConfigKey::new`] and
/// the chained setters.
#[derive(Debug, Clone)]
pub struct ConfigKey {
    pub name: String,
    pub ty: ConfigType,
    pub default: DefaultValue,
    pub validator: Option<Validator>,
    pub importance: Importance,
    pub documentation: String,
    pub group: Option<String>,
    pub order_in_group: i32,
    pub width: Width,
    pub display_name: String,
    pub dependents: Vec<String>,
    pub recommender: Option<Arc<dyn Recommender>>,
    pub internal: bool,
    /// A default that did not parse as `ty` (a bug in the table, reported by `parse`).
    default_error: Option<ConfigError>,
}

impl ConfigKey {
    /// A required key with no group; the display name is the key name, as in Apache.
    pub fn new(name: &str, ty: ConfigType, importance: Importance, documentation: &str) -> Self {
        ConfigKey {
            name: name.to_owned(),
            ty,
            default: DefaultValue::Required,
            validator: None,
            importance,
            documentation: documentation.to_owned(),
            group: None,
            order_in_group: -1,
            width: Width::None,
            display_name: name.to_owned(),
            dependents: Vec::new(),
            recommender: None,
            internal: false,
            default_error: None,
        }
    }

    /// A default written as a string and parsed by the key's type, as Apache does.
    pub fn default_value(mut self, default: &str) -> Self {
        match parse_type(&self.name, default, self.ty) {
            Ok(v) => self.default = DefaultValue::Value(v),
            Err(e) => self.default_error = Some(e),
        }
        self
    }

    /// A null default: the key is optional and absent unless set.
    pub fn default_null(mut self) -> Self {
        self.default = DefaultValue::Null;
        self
    }

    /// Adds a validator.
    pub fn validator(mut self, validator: Validator) -> Self {
        self.validator = Some(validator);
        self
    }

    /// Places the key in a group, at an order within it.
    pub fn group(mut self, group: &str, order: i32) -> Self {
        self.group = Some(group.to_owned());
        self.order_in_group = order;
        self
    }

    /// Sets the display width.
    pub fn width(mut self, width: Width) -> Self {
        self.width = width;
        self
    }

    /// Sets the display name.
    pub fn display_name(mut self, display_name: &str) -> Self {
        self.display_name = display_name.to_owned();
        self
    }

    /// Keys whose validity depends on this one.
    pub fn dependents(mut self, dependents: &[&str]) -> Self {
        self.dependents = dependents.iter().map(|d| d.to_string()).collect();
        self
    }

    /// Sets the recommender.
    pub fn recommender(mut self, recommender: Arc<dyn Recommender>) -> Self {
        self.recommender = Some(recommender);
        self
    }

    /// Whether the key has no default.
    pub fn is_required(&self) -> bool {
        self.default == DefaultValue::Required
    }

    /// The validate endpoint's view of this key (Apache's `AbstractHerder.convertConfigKey`).
    pub fn info(&self) -> ConfigKeyInfo {
        let default_value = match &self.default {
            DefaultValue::Value(v) => Some(v.to_config_string()),
            DefaultValue::Required | DefaultValue::Null => None,
        };
        ConfigKeyInfo {
            name: self.name.clone(),
            ty: self.ty.name().to_owned(),
            required: self.is_required(),
            default_value,
            importance: format!("{:?}", self.importance).to_uppercase(),
            documentation: self.documentation.clone(),
            group: self.group.clone(),
            width: format!("{:?}", self.width).to_uppercase(),
            display_name: self.display_name.clone(),
            dependents: self.dependents.clone(),
            order_in_group: self.order_in_group,
        }
    }
}

/// A definition table: keys in declaration order, and the groups in first-seen order.
#[derive(Debug, Clone, Default)]
pub struct ConfigDef {
    keys: IndexMap<String, ConfigKey>,
    groups: Vec<String>,
    definition_errors: Vec<String>,
}

impl ConfigDef {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Declares a key. Declaring a name twice is a bug in the table: it is reported by
    /// [`ConfigDef::parse`] and [`ConfigDef::check`] as Apache's `... is defined twice.`.
    pub fn define(mut self, key: ConfigKey) -> Self {
        if self.keys.contains_key(&key.name) {
            self.definition_errors
                .push(format!("Configuration {} is defined twice.", key.name));
            return self;
        }
        if let Some(e) = &key.default_error {
            self.definition_errors.push(e.to_string());
        }
        if let Some(group) = &key.group
            && !self.groups.contains(group)
        {
            self.groups.push(group.clone());
        }
        self.keys.insert(key.name.clone(), key);
        self
    }

    /// The keys, in declaration order.
    pub fn keys(&self) -> impl Iterator<Item = &ConfigKey> {
        self.keys.values()
    }

    /// One key.
    pub fn key(&self, name: &str) -> Option<&ConfigKey> {
        self.keys.get(name)
    }

    /// The groups, in the order first declared.
    pub fn groups(&self) -> &[String] {
        &self.groups
    }

    /// Fails on a table bug: a key defined twice, a default that does not parse, a
    /// dependent that is not defined.
    pub fn check(&self) -> Result<(), ConfigError> {
        if let Some(e) = self.definition_errors.first() {
            return Err(ConfigError::Message(e.clone()));
        }
        let undefined = self.undefined_dependents();
        if !undefined.is_empty() {
            return Err(ConfigError::Message(format!(
                "Some configurations in are referred in the dependents, but not defined: {}",
                undefined.join(",")
            )));
        }
        Ok(())
    }

    fn undefined_dependents(&self) -> Vec<String> {
        let mut undefined: Vec<String> = Vec::new();
        for key in self.keys.values() {
            for dependent in &key.dependents {
                if !self.keys.contains_key(dependent) && !undefined.contains(dependent) {
                    undefined.push(dependent.clone());
                }
            }
        }
        undefined
    }

    /// Parses `props` against the table (Apache's `ConfigDef.parse`): the first problem, in
    /// declaration order, is the error. Keys not in the table are kept in
    /// [`ParsedConfig::originals`] and listed by [`ParsedConfig::unknown_keys`].
    pub fn parse(&self, props: &IndexMap<String, String>) -> Result<ParsedConfig, ConfigError> {
        self.check()?;
        let mut values = IndexMap::with_capacity(self.keys.len());
        for key in self.keys.values() {
            let mut value = match props.get(&key.name) {
                Some(raw) => Some(parse_type(&key.name, raw, key.ty)?),
                None => match &key.default {
                    DefaultValue::Required => return Err(ConfigError::Missing(key.name.clone())),
                    DefaultValue::Null => None,
                    DefaultValue::Value(v) => Some(v.clone()),
                },
            };
            // Apache drops duplicate list items (with a warning) before a ValidList checks them.
            if let (Some(Validator::ValidList { .. }), Some(ParsedValue::List(items))) =
                (&key.validator, &mut value)
            {
                let before = items.clone();
                let mut seen = std::collections::HashSet::new();
                items.retain(|item| seen.insert(item.clone()));
                if items.len() != before.len() {
                    tracing::warn!(
                        "Configuration key \"{}\" contains duplicate values. Duplicates will be removed. The original value is: {:?}, the updated value is: {:?}",
                        key.name,
                        before,
                        items
                    );
                }
            }
            if let Some(validator) = &key.validator {
                validator.ensure_valid(&key.name, value.as_ref())?;
            }
            values.insert(key.name.clone(), value);
        }
        Ok(ParsedConfig {
            values,
            originals: props.clone(),
        })
    }

    /// Validates `props` key by key, collecting every problem instead of stopping at the
    /// first (Apache's `ConfigDef.validateAll`), in declaration order.
    pub fn validate(&self, props: &IndexMap<String, String>) -> IndexMap<String, ConfigValue> {
        let mut results: IndexMap<String, ConfigValue> = IndexMap::new();
        let mut parsed: IndexMap<String, Option<ParsedValue>> = IndexMap::new();
        for key in self.keys.values() {
            let mut result = ConfigValue::new(&key.name);
            let value = match props.get(&key.name) {
                Some(raw) => match parse_type(&key.name, raw, key.ty) {
                    Ok(v) => Some(v),
                    Err(e) => {
                        result.errors.push(e.to_string());
                        None
                    }
                },
                None => match &key.default {
                    DefaultValue::Required => {
                        result
                            .errors
                            .push(ConfigError::Missing(key.name.clone()).to_string());
                        None
                    }
                    DefaultValue::Null => None,
                    DefaultValue::Value(v) => Some(v.clone()),
                },
            };
            if let Some(validator) = &key.validator
                && let Err(e) = validator.ensure_valid(&key.name, value.as_ref())
            {
                result.errors.push(e.to_string());
            }
            result.value = value.clone();
            parsed.insert(key.name.clone(), value);
            results.insert(key.name.clone(), result);
        }
        for key in self.keys.values() {
            if let Some(recommender) = &key.recommender {
                let result = &mut results[&key.name];
                result.recommended_values = recommender.valid_values(&key.name, &parsed);
                result.visible = recommender.visible(&key.name, &parsed);
            }
        }
        for undefined in self.undefined_dependents() {
            let mut result = ConfigValue::new(&undefined);
            result.errors.push(format!(
                "{undefined} is referred in the dependents, but not defined."
            ));
            result.visible = false;
            results.insert(undefined, result);
        }
        results
    }

    /// The validate endpoint's answer for `props` (Apache's `ConfigInfos`), named `name`.
    pub fn config_infos(&self, name: &str, props: &IndexMap<String, String>) -> ConfigInfos {
        let mut results = self.validate(props);
        let mut configs = Vec::with_capacity(results.len());
        for key in self.keys.values() {
            if let Some(value) = results.shift_remove(&key.name) {
                configs.push(ConfigInfo {
                    definition: Some(key.info()),
                    value: value.info(key.ty),
                });
            }
        }
        for (_, value) in results {
            configs.push(ConfigInfo {
                definition: None,
                value: value.info(ConfigType::String),
            });
        }
        ConfigInfos {
            name: name.to_owned(),
            error_count: configs.iter().map(|c| c.value.errors.len()).sum(),
            groups: self.groups.clone(),
            configs,
        }
    }
}

/// The result of [`ConfigDef::parse`]: a typed value (None = null) for every defined key,
/// and the original string map.
#[derive(Debug, Clone)]
pub struct ParsedConfig {
    values: IndexMap<String, Option<ParsedValue>>,
    originals: IndexMap<String, String>,
}

impl ParsedConfig {
    /// The parsed value of a defined key (None when null).
    pub fn get(&self, name: &str) -> Result<Option<&ParsedValue>, ConfigError> {
        self.values
            .get(name)
            .map(Option::as_ref)
            .ok_or_else(|| ConfigError::Message(format!("Unknown configuration '{name}'")))
    }

    fn typed<'a, T>(
        &'a self,
        name: &str,
        ty: &str,
        pick: impl FnOnce(&'a ParsedValue) -> Option<T>,
    ) -> Result<Option<T>, ConfigError> {
        match self.get(name)? {
            None => Ok(None),
            Some(v) => pick(v).map(Some).ok_or_else(|| {
                ConfigError::Message(format!("Configuration '{name}' is not of type {ty}"))
            }),
        }
    }

    /// A STRING value.
    pub fn string(&self, name: &str) -> Result<Option<&str>, ConfigError> {
        self.typed(name, "STRING", |v| match v {
            ParsedValue::String(s) => Some(s.as_str()),
            _ => None,
        })
    }

    /// A CLASS value (the class name).
    pub fn class(&self, name: &str) -> Result<Option<&str>, ConfigError> {
        self.typed(name, "CLASS", |v| match v {
            ParsedValue::Class(s) => Some(s.as_str()),
            _ => None,
        })
    }

    /// A BOOLEAN value.
    pub fn boolean(&self, name: &str) -> Result<Option<bool>, ConfigError> {
        self.typed(name, "BOOLEAN", |v| match v {
            ParsedValue::Boolean(b) => Some(*b),
            _ => None,
        })
    }

    /// An INT value.
    pub fn int(&self, name: &str) -> Result<Option<i32>, ConfigError> {
        self.typed(name, "INT", |v| match v {
            ParsedValue::Int(i) => Some(*i),
            _ => None,
        })
    }

    /// A SHORT value.
    pub fn short(&self, name: &str) -> Result<Option<i16>, ConfigError> {
        self.typed(name, "SHORT", |v| match v {
            ParsedValue::Short(i) => Some(*i),
            _ => None,
        })
    }

    /// A LONG value.
    pub fn long(&self, name: &str) -> Result<Option<i64>, ConfigError> {
        self.typed(name, "LONG", |v| match v {
            ParsedValue::Long(i) => Some(*i),
            _ => None,
        })
    }

    /// A DOUBLE value.
    pub fn double(&self, name: &str) -> Result<Option<f64>, ConfigError> {
        self.typed(name, "DOUBLE", |v| match v {
            ParsedValue::Double(d) => Some(*d),
            _ => None,
        })
    }

    /// A LIST value.
    pub fn list(&self, name: &str) -> Result<Option<&[String]>, ConfigError> {
        self.typed(name, "LIST", |v| match v {
            ParsedValue::List(items) => Some(items.as_slice()),
            _ => None,
        })
    }

    /// A PASSWORD value.
    pub fn password(&self, name: &str) -> Result<Option<&Password>, ConfigError> {
        self.typed(name, "PASSWORD", |v| match v {
            ParsedValue::Password(p) => Some(p),
            _ => None,
        })
    }

    /// The string map the config was parsed from.
    pub fn originals(&self) -> &IndexMap<String, String> {
        &self.originals
    }

    /// The original entries whose key starts with `prefix`, with the prefix stripped (Apache's
    /// `originalsWithPrefix(prefix, true)`).
    pub fn originals_with_prefix(&self, prefix: &str) -> IndexMap<String, String> {
        strip_prefix(&self.originals, prefix)
    }

    /// Original keys the table does not define (Apache logs them as unused).
    pub fn unknown_keys(&self) -> Vec<&str> {
        self.originals
            .keys()
            .filter(|k| !self.values.contains_key(*k))
            .map(String::as_str)
            .collect()
    }
}

/// The entries of `map` whose key starts with `prefix`, prefix stripped, in order.
pub fn strip_prefix(map: &IndexMap<String, String>, prefix: &str) -> IndexMap<String, String> {
    map.iter()
        .filter_map(|(k, v)| {
            k.strip_prefix(prefix)
                .map(|rest| (rest.to_owned(), v.clone()))
        })
        .collect()
}

/// The validation result of one key (Apache's `ConfigValue`).
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigValue {
    pub name: String,
    pub value: Option<ParsedValue>,
    pub recommended_values: Vec<ParsedValue>,
    pub errors: Vec<String>,
    pub visible: bool,
}

impl ConfigValue {
    /// A result with no value, no errors, visible.
    pub fn new(name: &str) -> Self {
        ConfigValue {
            name: name.to_owned(),
            value: None,
            recommended_values: Vec::new(),
            errors: Vec::new(),
            visible: true,
        }
    }

    /// The wire form (Apache's `AbstractHerder.convertConfigValue`); passwords print as
    /// `[hidden]`.
    pub fn info(&self, ty: ConfigType) -> ConfigValueInfo {
        let _ = ty; // Apache converts by type; our parsed values carry their type already.
        ConfigValueInfo {
            name: self.name.clone(),
            value: self.value.as_ref().map(ParsedValue::to_config_string),
            recommended_values: self
                .recommended_values
                .iter()
                .map(ParsedValue::to_config_string)
                .collect(),
            errors: self.errors.clone(),
            visible: self.visible,
        }
    }
}

/// `POST /connector-plugins/{type}/config/validate` answer (Apache's `ConfigInfos`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigInfos {
    pub name: String,
    pub error_count: usize,
    pub groups: Vec<String>,
    pub configs: Vec<ConfigInfo>,
}

/// One key of a [`ConfigInfos`] (Apache's `ConfigInfo`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigInfo {
    pub definition: Option<ConfigKeyInfo>,
    pub value: ConfigValueInfo,
}

/// A key's definition on the wire (Apache's `ConfigKeyInfo`), in the field order and with
/// the names Apache 4.3.1 writes (checked by `tests/rest_parity.rs`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigKeyInfo {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: String,
    pub required: bool,
    pub default_value: Option<String>,
    pub importance: String,
    pub documentation: String,
    pub group: Option<String>,
    pub order_in_group: i32,
    pub width: String,
    pub display_name: String,
    pub dependents: Vec<String>,
}

/// A key's validated value on the wire (Apache's `ConfigValueInfo`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigValueInfo {
    pub name: String,
    pub value: Option<String>,
    pub recommended_values: Vec<String>,
    pub errors: Vec<String>,
    pub visible: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(pairs: &[(&str, &str)]) -> IndexMap<String, String> {
        crate::fixtures::string_map(pairs)
    }

    fn table() -> ConfigDef {
        ConfigDef::new()
            .define(
                ConfigKey::new("name", ConfigType::String, Importance::High, "n")
                    .validator(Validator::NonEmptyStringWithoutControlChars)
                    .group("Common", 1)
                    .width(Width::Medium)
                    .display_name("Connector name"),
            )
            .define(
                ConfigKey::new("interval", ConfigType::Long, Importance::Low, "i")
                    .default_value("60000"),
            )
            .define(
                ConfigKey::new("tasks", ConfigType::Int, Importance::High, "t")
                    .default_value("1")
                    .validator(Validator::at_least(1)),
            )
            .define(
                ConfigKey::new("mode", ConfigType::String, Importance::Low, "m")
                    .default_value("none")
                    .validator(Validator::one_of(&["none", "all"])),
            )
            .define(
                ConfigKey::new("servers", ConfigType::List, Importance::High, "s")
                    .default_value("a")
                    .validator(Validator::non_duplicate_list(false, false)),
            )
            .define(
                ConfigKey::new("secret", ConfigType::Password, Importance::High, "p")
                    .default_null(),
            )
            .define(
                ConfigKey::new("ratio", ConfigType::Double, Importance::Low, "r")
                    .default_value("0.5"),
            )
    }

    #[test]
    fn parse_gives_typed_values_and_defaults() {
        let parsed = table()
            .parse(&props(&[
                ("name", " x "),
                ("servers", "b , c,b"),
                ("secret", "s3"),
                ("other", "kept"),
            ]))
            .unwrap();
        assert_eq!(parsed.string("name").unwrap(), Some("x"));
        assert_eq!(parsed.long("interval").unwrap(), Some(60000));
        assert_eq!(parsed.int("tasks").unwrap(), Some(1));
        assert_eq!(parsed.list("servers").unwrap().unwrap(), ["b", "c"]);
        assert_eq!(parsed.password("secret").unwrap().unwrap().value(), "s3");
        assert_eq!(
            format!("{:?}", parsed.password("secret").unwrap()),
            "Some([hidden])"
        );
        assert_eq!(parsed.double("ratio").unwrap(), Some(0.5));
        assert_eq!(parsed.unknown_keys(), ["other"]);
        assert!(parsed.int("interval").is_err());
        assert!(parsed.get("nope").is_err());
    }

    #[test]
    fn parse_errors_use_apache_wording() {
        let t = table();
        let err = |p: &[(&str, &str)]| t.parse(&props(p)).unwrap_err().to_string();
        assert_eq!(
            err(&[]),
            "Missing required configuration \"name\" which has no default value."
        );
        assert_eq!(
            err(&[("name", "x"), ("interval", "abc")]),
            "Invalid value abc for configuration interval: Not a number of type LONG"
        );
        assert_eq!(
            err(&[("name", "x"), ("tasks", "1.5")]),
            "Invalid value 1.5 for configuration tasks: Not a number of type INT"
        );
        assert_eq!(
            err(&[("name", "x"), ("tasks", "0")]),
            "Invalid value 0 for configuration tasks: Value must be at least 1"
        );
        assert_eq!(
            err(&[("name", "x"), ("mode", "ALL")]),
            "Invalid value ALL for configuration mode: String must be one of: none, all"
        );
        assert_eq!(
            err(&[("name", "")]),
            "Invalid value  for configuration name: String may not be empty"
        );
        assert_eq!(
            err(&[("name", "a\u{1}b")]),
            "Invalid value a\u{1}b for configuration name: String may not contain control sequences but had the following ASCII chars: 1"
        );
        assert_eq!(
            err(&[("name", "x"), ("servers", "")]),
            "Configuration 'servers' must not be empty. Valid values include: any non-empty value"
        );
        assert_eq!(
            err(&[("name", "x"), ("servers", "a,,b")]),
            "Configuration 'servers' values must not be empty."
        );
        assert_eq!(
            err(&[("name", "x"), ("ratio", "inf")]),
            "Invalid value inf for configuration ratio: Not a number of type DOUBLE"
        );
    }

    #[test]
    fn java_number_rules() {
        assert_eq!(
            parse_type("k", " +7 ", ConfigType::Int).unwrap(),
            ParsedValue::Int(7)
        );
        assert!(parse_type("k", "2147483648", ConfigType::Int).is_err());
        assert!(parse_type("k", "40000", ConfigType::Short).is_err());
        assert_eq!(
            parse_type("k", "1e3", ConfigType::Double).unwrap(),
            ParsedValue::Double(1000.0)
        );
        assert_eq!(
            parse_type("k", "2.5d", ConfigType::Double).unwrap(),
            ParsedValue::Double(2.5)
        );
        assert!(parse_type("k", "NaN", ConfigType::Double).is_ok());
        assert!(parse_type("k", "nan", ConfigType::Double).is_err());
        assert_eq!(
            parse_type("k", "TRUE", ConfigType::Boolean).unwrap(),
            ParsedValue::Boolean(true)
        );
        assert_eq!(
            parse_type("k", "yes", ConfigType::Boolean)
                .unwrap_err()
                .to_string(),
            "Invalid value yes for configuration k: Expected value to be either true or false"
        );
        assert_eq!(java_double_to_string(1.0), "1.0");
        assert_eq!(java_double_to_string(1e7), "1.0E7");
        assert_eq!(java_double_to_string(0.0001), "1.0E-4");
        assert_eq!(parse_list(" a , b,,c, "), ["a", "b", "", "c", ""]);
        assert!(parse_list("  ").is_empty());
    }

    #[test]
    fn validate_collects_all_errors_and_serializes_like_apache() {
        let infos = table().config_infos(
            "Test",
            &props(&[("interval", "x"), ("tasks", "0"), ("secret", "pw")]),
        );
        assert_eq!(infos.error_count, 3);
        assert_eq!(infos.groups, ["Common"]);
        let json = serde_json::to_value(&infos).unwrap();
        let name = &json["configs"][0];
        assert_eq!(name["definition"]["type"], "STRING");
        assert_eq!(name["definition"]["required"], true);
        // Apache 4.3.1 writes `order_in_group` right after `group` (what its REST API
        // answers, compared in tests/rest_parity.rs), not the `order` of older sources.
        assert_eq!(name["definition"]["order_in_group"], 1);
        assert_eq!(name["definition"]["width"], "MEDIUM");
        assert_eq!(name["definition"]["display_name"], "Connector name");
        assert_eq!(
            name["value"]["errors"][0],
            "Missing required configuration \"name\" which has no default value."
        );
        assert_eq!(name["value"]["value"], serde_json::Value::Null);
        let secret = &json["configs"][5]["value"];
        assert_eq!(secret["value"], "[hidden]");
        let servers = &json["configs"][4];
        assert_eq!(servers["definition"]["default_value"], "a");
        let keys: Vec<&str> = name["definition"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "name",
                "type",
                "required",
                "default_value",
                "importance",
                "documentation",
                "group",
                "order_in_group",
                "width",
                "display_name",
                "dependents"
            ]
        );
        let value_keys: Vec<&str> = name["value"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            value_keys,
            ["name", "value", "recommended_values", "errors", "visible"]
        );
    }

    #[test]
    fn table_bugs_are_reported_not_panicked() {
        let dup = ConfigDef::new()
            .define(ConfigKey::new("a", ConfigType::Int, Importance::Low, ""))
            .define(ConfigKey::new("a", ConfigType::Int, Importance::Low, ""));
        assert_eq!(
            dup.check().unwrap_err().to_string(),
            "Configuration a is defined twice."
        );
        let bad_default = ConfigDef::new()
            .define(ConfigKey::new("a", ConfigType::Int, Importance::Low, "").default_value("x"));
        assert!(bad_default.parse(&IndexMap::new()).is_err());
        let missing_dep = ConfigDef::new().define(
            ConfigKey::new("a", ConfigType::Int, Importance::Low, "")
                .default_null()
                .dependents(&["b"]),
        );
        let results = missing_dep.validate(&IndexMap::new());
        assert_eq!(
            results["b"].errors,
            ["b is referred in the dependents, but not defined."]
        );
        assert!(!results["b"].visible);
    }
}
