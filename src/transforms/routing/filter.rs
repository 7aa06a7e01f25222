//! `Filter`: drops every record it is applied to; meant to be used with a predicate.

use crate::config::ConfigDef;
use crate::transforms::{ConnectRecord, TransformError, Transformation};

/// Filter has no keys.
pub fn config_def() -> ConfigDef {
    ConfigDef::new()
}

/// Drops the record.
#[derive(Debug, Clone, Copy)]
pub struct Filter;

impl Transformation for Filter {
    fn apply(&self, _record: ConnectRecord) -> Result<Option<ConnectRecord>, TransformError> {
        Ok(None)
    }
}
