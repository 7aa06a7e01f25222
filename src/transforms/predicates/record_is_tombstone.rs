//! `RecordIsTombstone`: true for records whose value is null.

use crate::config::ConfigDef;
use crate::transforms::{ConnectRecord, Predicate};

/// The predicate has no keys.
pub fn config_def() -> ConfigDef {
    ConfigDef::new()
}

/// Matches tombstones (null value, whatever the value schema).
#[derive(Debug, Clone, Copy)]
pub struct RecordIsTombstone;

impl Predicate for RecordIsTombstone {
    fn test(&self, record: &ConnectRecord) -> bool {
        record.value.is_null()
    }
}
