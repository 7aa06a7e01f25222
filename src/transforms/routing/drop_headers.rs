//! `DropHeaders`: removes the headers with the configured names.

use std::collections::HashSet;

use crate::config::{ConfigDef, ConfigKey, ConfigType, Importance, Validator};
use crate::transforms::{ConnectRecord, TransformError, TransformProps, Transformation};

const HEADERS: &str = "headers";

/// DropHeaders' keys: `headers`, a non-empty list of names.
pub fn config_def() -> ConfigDef {
    ConfigDef::new().define(
        ConfigKey::new(
            HEADERS,
            ConfigType::List,
            Importance::High,
            "The name of the headers to be removed.",
        )
        .validator(Validator::non_duplicate_list(false, false)),
    )
}

/// Removes every header whose key is listed.
#[derive(Debug, Clone)]
pub struct DropHeaders {
    headers: HashSet<String>,
}

impl DropHeaders {
    /// Configures from the `transforms.<alias>.*` keys, prefix stripped.
    pub fn from_props(props: &TransformProps) -> Result<Self, TransformError> {
        let parsed = config_def().parse(props)?;
        Ok(DropHeaders {
            headers: parsed
                .list(HEADERS)?
                .unwrap_or_default()
                .iter()
                .cloned()
                .collect(),
        })
    }
}

impl Transformation for DropHeaders {
    fn apply(&self, mut record: ConnectRecord) -> Result<Option<ConnectRecord>, TransformError> {
        record.headers.retain(|h| !self.headers.contains(&h.key));
        Ok(Some(record))
    }
}
