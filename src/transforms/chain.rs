//! A connector's `transforms=` chain, with each step's optional predicate.

use super::{ConnectRecord, TransformError, Transformation};
use crate::data::{SinkRecord, SourceRecord};
use crate::runtime::config::connector::ConnectorConfig;

/// The configured transformations of one connector, in order.
#[derive(Default)]
pub struct TransformChain {
    steps: Vec<Box<dyn Transformation>>,
}

impl TransformChain {
    /// Builds the chain `transforms=` names, with `transforms.<alias>.type`, its own keys,
    /// and `predicate`/`negate`.
    pub fn from_config(config: &ConnectorConfig) -> Result<TransformChain, TransformError> {
        if let Some(alias) = config.transforms.first() {
            // Replaced by the real parser (transforms::chain is being written).
            return Err(TransformError::Data(format!(
                "transform {alias}: transforms are not supported yet"
            )));
        }
        Ok(TransformChain::default())
    }

    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// Runs the chain on a record; `Ok(None)` when a step dropped it.
    pub fn apply(
        &self,
        mut record: ConnectRecord,
    ) -> Result<Option<ConnectRecord>, TransformError> {
        for step in &self.steps {
            match step.apply(record)? {
                Some(next) => record = next,
                None => return Ok(None),
            }
        }
        Ok(Some(record))
    }

    /// Runs the chain on a source record (before conversion).
    pub fn apply_source(
        &self,
        record: SourceRecord,
    ) -> Result<Option<SourceRecord>, TransformError> {
        if self.is_empty() {
            return Ok(Some(record));
        }
        let (common, extras) = ConnectRecord::from_source(record);
        Ok(self.apply(common)?.map(|r| r.into_source(extras)))
    }

    /// Runs the chain on a sink record (after conversion).
    pub fn apply_sink(&self, record: SinkRecord) -> Result<Option<SinkRecord>, TransformError> {
        if self.is_empty() {
            return Ok(Some(record));
        }
        let (common, extras) = ConnectRecord::from_sink(record);
        Ok(self.apply(common)?.map(|r| r.into_sink(extras)))
    }
}
