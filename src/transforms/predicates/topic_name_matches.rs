//! `TopicNameMatches`: true for records whose whole topic name matches `pattern`.

use crate::config::{ConfigDef, ConfigKey, ConfigType, Importance, Validator};
use crate::transforms::routing::java_regex::{self, JavaRegex};
use crate::transforms::{ConnectRecord, Predicate, TransformError, TransformProps};

const PATTERN: &str = "pattern";

/// The predicate's keys: `pattern`, a non-empty regular expression.
pub fn config_def() -> ConfigDef {
    ConfigDef::new().define(
        ConfigKey::new(
            PATTERN,
            ConfigType::String,
            Importance::Medium,
            "A Java regular expression for matching against the name of a record's topic.",
        )
        .validator(Validator::Composite(vec![
            Validator::NonEmptyString,
            java_regex::validator(),
        ])),
    )
}

/// Matches records whose topic matches the pattern entirely (Java's `Matcher.matches`).
#[derive(Debug, Clone)]
pub struct TopicNameMatches {
    pattern: JavaRegex,
}

impl TopicNameMatches {
    /// Configures from the `predicates.<alias>.*` keys, prefix stripped.
    pub fn from_props(props: &TransformProps) -> Result<Self, TransformError> {
        let parsed = config_def().parse(props)?;
        let pattern = parsed.string(PATTERN)?.unwrap_or_default();
        Ok(TopicNameMatches {
            pattern: JavaRegex::compile(PATTERN, pattern)?,
        })
    }
}

impl Predicate for TopicNameMatches {
    fn test(&self, record: &ConnectRecord) -> bool {
        self.pattern.matches(&record.topic)
    }
}
