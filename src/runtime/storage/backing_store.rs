//! The byte-level offset store shared by every task of a worker (Apache's
//! `OffsetBackingStore`): bulk reads and writes of key and value bytes, nothing more. Keys
//! carry the connector name (see [`super::offsets::encode_key`]), so one store serves all
//! connectors.

use std::collections::HashMap;

use async_trait::async_trait;

use super::error::OffsetStoreError;
use super::offsets::{OffsetMap, decode_key};

/// Key bytes to value bytes; a `None` value deletes the key (a tombstone).
pub type OffsetUpdates = HashMap<Vec<u8>, Option<Vec<u8>>>;

/// A store of offset bytes: in memory, a local file (standalone), or a Kafka topic.
#[async_trait]
pub trait OffsetBackingStore: Send + Sync {
    /// Loads what the store already holds; `get` and `set` need it first.
    async fn start(&self) -> Result<(), OffsetStoreError>;

    /// Stops the store. Data already written stays; later calls fail with `NotStarted`.
    async fn stop(&self) -> Result<(), OffsetStoreError>;

    /// The stored values of `keys`; keys with no value are left out of the answer.
    async fn get(&self, keys: &[Vec<u8>]) -> Result<HashMap<Vec<u8>, Vec<u8>>, OffsetStoreError>;

    /// Writes all `updates` (a `None` value deletes its key). When this returns `Ok`, the
    /// updates are durable as far as the backend goes.
    async fn set(&self, updates: OffsetUpdates) -> Result<(), OffsetStoreError>;

    /// Every key currently stored (for listing a connector's partitions).
    async fn keys(&self) -> Result<Vec<Vec<u8>>, OffsetStoreError>;

    /// The partitions `connector` has offsets for (Apache's `connectorPartitions`, behind
    /// `GET /connectors/{name}/offsets`). Keys that are not `[connector, partition]` JSON,
    /// and null partitions, are skipped, as Apache skips them.
    async fn connector_partitions(
        &self,
        connector: &str,
    ) -> Result<Vec<OffsetMap>, OffsetStoreError> {
        let mut partitions = Vec::new();
        for key in self.keys().await? {
            match decode_key(&key) {
                Ok((name, Some(partition))) if name == connector => partitions.push(partition),
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "ignoring offset key with unexpected format"),
            }
        }
        Ok(partitions)
    }
}
