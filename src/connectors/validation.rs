//! Connector config validation: per-key error reports and a small reader that parses
//! string maps the way Kafka's `ConfigDef` does, with its error messages.
//!
//! The shared config-definition table (`runtime::config`) is meant to replace
//! [`ConfigReader`] later; connectors only depend on [`KeyValidation`] and
//! [`ConfigErrors`], so swapping the parser does not change the connector API.

use std::collections::BTreeMap;
use std::fmt;

/// A connector or task config as the runtime hands it over: Connect's `Map<String, String>`.
pub type ConfigMap = BTreeMap<String, String>;

/// The validation result of one config key: its name and every problem found with it
/// (empty when the value is fine). Mirrors the `errors` list of Apache's `ConfigValue`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyValidation {
    pub key: String,
    pub errors: Vec<String>,
}

/// The keys of a config that failed validation, each with its messages. Shown as the
/// messages themselves, so a single problem reads exactly like Apache's `ConfigException`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigErrors(Vec<KeyValidation>);

impl ConfigErrors {
    /// One error on one key.
    pub fn single(key: impl Into<String>, message: impl Into<String>) -> Self {
        ConfigErrors(vec![KeyValidation {
            key: key.into(),
            errors: vec![message.into()],
        }])
    }

    /// The keys that failed, each with at least one message.
    pub fn keys(&self) -> &[KeyValidation] {
        &self.0
    }

    /// The messages reported for `key`, empty when that key is fine.
    pub fn messages_for(&self, key: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|k| k.key == key)
            .flat_map(|k| k.errors.iter().map(String::as_str))
            .collect()
    }
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let messages: Vec<&str> = self
            .0
            .iter()
            .flat_map(|k| k.errors.iter().map(String::as_str))
            .collect();
        f.write_str(&messages.join("; "))
    }
}

impl std::error::Error for ConfigErrors {}

/// Reads typed values out of a [`ConfigMap`], recording every key it was asked about and
/// every problem, so that one pass yields both the typed config and the per-key report.
pub struct ConfigReader<'a> {
    config: &'a ConfigMap,
    report: Vec<KeyValidation>,
}

impl<'a> ConfigReader<'a> {
    pub fn new(config: &'a ConfigMap) -> Self {
        ConfigReader {
            config,
            report: Vec::new(),
        }
    }

    /// A `STRING` key with a null default: trimmed, `None` when absent.
    pub fn optional_string(&mut self, key: &str) -> Option<String> {
        self.declare(key);
        self.config.get(key).map(|v| v.trim().to_owned())
    }

    /// A `STRING` key with no default: a missing key is an error.
    pub fn required_string(&mut self, key: &str) -> Option<String> {
        let value = self.optional_string(key);
        if value.is_none() {
            self.missing(key);
        }
        value
    }

    /// A required `STRING` key with `ConfigDef.NonEmptyString` as validator.
    pub fn required_non_empty_string(&mut self, key: &str) -> Option<String> {
        let value = self.required_string(key)?;
        if value.is_empty() {
            self.invalid(key, &value, "String must be non-empty");
            return None;
        }
        Some(value)
    }

    /// An `INT` key with a default. Like Java's `Integer.parseInt` on the trimmed value.
    pub fn int_or(&mut self, key: &str, default: i32) -> Option<i32> {
        self.declare(key);
        let Some(raw) = self.config.get(key) else {
            return Some(default);
        };
        match raw.trim().parse::<i32>() {
            Ok(value) => Some(value),
            Err(_) => {
                let raw = raw.clone();
                self.invalid(key, &raw, "Not a number of type INT");
                None
            }
        }
    }

    /// A `LIST` key whose default is empty: comma separated, whitespace around commas
    /// dropped, empty when absent or blank.
    pub fn list_or_empty(&mut self, key: &str) -> Vec<String> {
        self.declare(key);
        match self.config.get(key).map(|v| v.trim()) {
            None | Some("") => Vec::new(),
            Some(value) => value.split(',').map(|s| s.trim().to_owned()).collect(),
        }
    }

    /// Records `message` against `key`.
    pub fn error(&mut self, key: &str, message: impl Into<String>) {
        let message = message.into();
        self.declare(key);
        if let Some(entry) = self.report.iter_mut().find(|k| k.key == key) {
            entry.errors.push(message);
        }
    }

    /// Kafka's `ConfigException(name, value, message)` text.
    pub fn invalid(&mut self, key: &str, value: &str, message: &str) {
        self.error(
            key,
            format!("Invalid value {value} for configuration {key}: {message}"),
        );
    }

    /// Kafka's text for a required key without default.
    pub fn missing(&mut self, key: &str) {
        self.error(
            key,
            format!("Missing required configuration \"{key}\" which has no default value."),
        );
    }

    /// Every key that was read, in reading order, with its problems.
    pub fn into_report(self) -> Vec<KeyValidation> {
        self.report
    }

    /// `Ok(value)` when no key had a problem, otherwise the keys that had.
    pub fn finish<T>(self, value: Option<T>) -> Result<T, ConfigErrors> {
        let failed: Vec<KeyValidation> = self
            .report
            .into_iter()
            .filter(|k| !k.errors.is_empty())
            .collect();
        match value {
            Some(value) if failed.is_empty() => Ok(value),
            // A `None` value always comes with at least one recorded error; the fallback
            // keeps the function total should a caller forget to record one.
            _ if failed.is_empty() => Err(ConfigErrors::single("", "invalid configuration")),
            _ => Err(ConfigErrors(failed)),
        }
    }

    fn declare(&mut self, key: &str) {
        if !self.report.iter().any(|k| k.key == key) {
            self.report.push(KeyValidation {
                key: key.to_owned(),
                errors: Vec::new(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> ConfigMap {
        crate::fixtures::string_map(pairs)
    }

    #[test]
    fn messages_match_kafka_config_def() {
        let config = map(&[("batch.size", " x1 "), ("topic", "  ")]);
        let mut reader = ConfigReader::new(&config);
        assert_eq!(reader.required_non_empty_string("topic"), None);
        assert_eq!(reader.int_or("batch.size", 7), None);
        assert_eq!(reader.required_string("file"), None);
        let errors = reader.finish::<()>(None).unwrap_err();
        assert_eq!(
            errors.messages_for("topic"),
            ["Invalid value  for configuration topic: String must be non-empty"]
        );
        assert_eq!(
            errors.messages_for("batch.size"),
            ["Invalid value  x1  for configuration batch.size: Not a number of type INT"]
        );
        assert_eq!(
            errors.messages_for("file"),
            ["Missing required configuration \"file\" which has no default value."]
        );
    }

    #[test]
    fn values_are_trimmed_and_defaulted() {
        let config = map(&[("a", " v "), ("n", " +12 "), ("l", " x , y,z ")]);
        let mut reader = ConfigReader::new(&config);
        assert_eq!(reader.optional_string("a").as_deref(), Some("v"));
        assert_eq!(reader.optional_string("absent"), None);
        assert_eq!(reader.int_or("n", 1), Some(12));
        assert_eq!(reader.int_or("m", 5), Some(5));
        assert_eq!(reader.list_or_empty("l"), ["x", "y", "z"]);
        assert!(reader.list_or_empty("none").is_empty());
        let report = reader.into_report();
        assert_eq!(report.len(), 6);
        assert!(report.iter().all(|k| k.errors.is_empty()));
    }

    #[test]
    fn single_error_displays_as_its_message() {
        let err = ConfigErrors::single("topic", "Missing it");
        assert_eq!(err.to_string(), "Missing it");
    }
}
