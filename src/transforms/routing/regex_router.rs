//! `RegexRouter`: renames the topic when the whole topic matches `regex`, with
//! `Matcher.replaceFirst(replacement)` semantics.

use super::java_regex::{self, JavaRegex};
use crate::config::{ConfigDef, ConfigKey, ConfigType, Importance};
use crate::transforms::{ConnectRecord, TransformError, TransformProps, Transformation};

const REGEX: &str = "regex";
const REPLACEMENT: &str = "replacement";

/// RegexRouter's keys: `regex` and `replacement`, both required.
pub fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(
            ConfigKey::new(
                REGEX,
                ConfigType::String,
                Importance::High,
                "Regular expression to use for matching.",
            )
            .validator(java_regex::validator()),
        )
        .define(ConfigKey::new(
            REPLACEMENT,
            ConfigType::String,
            Importance::High,
            "Replacement string.",
        ))
}

/// Reroutes records whose topic matches.
#[derive(Debug, Clone)]
pub struct RegexRouter {
    regex: JavaRegex,
    replacement: String,
}

impl RegexRouter {
    /// Configures from the `transforms.<alias>.*` keys, prefix stripped.
    pub fn from_props(props: &TransformProps) -> Result<Self, TransformError> {
        let parsed = config_def().parse(props)?;
        Ok(RegexRouter {
            regex: JavaRegex::compile(REGEX, parsed.string(REGEX)?.unwrap_or_default())?,
            replacement: parsed.string(REPLACEMENT)?.unwrap_or_default().to_owned(),
        })
    }
}

impl Transformation for RegexRouter {
    fn apply(&self, mut record: ConnectRecord) -> Result<Option<ConnectRecord>, TransformError> {
        if self.regex.matches(&record.topic) {
            record.topic = self
                .regex
                .replace_first(&record.topic, &self.replacement)
                .map_err(TransformError::Data)?;
        }
        Ok(Some(record))
    }
}
