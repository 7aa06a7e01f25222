//! A config parsed against its table (Apache's `AbstractConfig`): typed getters, the
//! originals, and prefix views of them.

use indexmap::IndexMap;

use super::types::{ConfigError, ParsedValue, Password};

/// The result of [`ConfigDef::parse`]: a typed value (None = null) for every defined key,
/// and the original string map.
#[derive(Debug, Clone)]
pub struct ParsedConfig {
    pub(super) values: IndexMap<String, Option<ParsedValue>>,
    pub(super) originals: IndexMap<String, String>,
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
