//! `HasHeaderKey`: true for records with at least one header of the configured name.

use crate::config::{ConfigDef, ConfigKey, ConfigType, Importance, Validator};
use crate::transforms::{ConnectRecord, Predicate, TransformError, TransformProps};

const NAME: &str = "name";

/// The predicate's keys: `name`, a non-empty header name.
pub fn config_def() -> ConfigDef {
    ConfigDef::new().define(
        ConfigKey::new(
            NAME,
            ConfigType::String,
            Importance::Medium,
            "The header name.",
        )
        .validator(Validator::NonEmptyString),
    )
}

/// Matches records that carry a header named `name`.
#[derive(Debug, Clone)]
pub struct HasHeaderKey {
    name: String,
}

impl HasHeaderKey {
    /// Configures from the `predicates.<alias>.*` keys, prefix stripped.
    pub fn from_props(props: &TransformProps) -> Result<Self, TransformError> {
        let parsed = config_def().parse(props)?;
        Ok(HasHeaderKey {
            name: parsed.string(NAME)?.unwrap_or_default().to_owned(),
        })
    }
}

impl Predicate for HasHeaderKey {
    fn test(&self, record: &ConnectRecord) -> bool {
        record.headers.iter().any(|h| h.key == self.name)
    }
}
