//! A task's view of its connector's stored offsets (Apache's `OffsetStorageReaderImpl`).

use std::sync::Arc;

use super::backing_store::OffsetBackingStore;
use super::error::OffsetStoreError;
use super::offsets::{OffsetMap, decode_value, encode_key, validate_format};

/// Reads offsets of one connector's partitions from the shared backing store. Always reads
/// the store (never a cache), so a task that gets a partition back sees its latest offset.
#[derive(Clone)]
pub struct OffsetStorageReader {
    store: Arc<dyn OffsetBackingStore>,
    connector: String,
}

impl OffsetStorageReader {
    /// A reader of `connector`'s offsets in `store`.
    pub fn new(store: Arc<dyn OffsetBackingStore>, connector: impl Into<String>) -> Self {
        OffsetStorageReader {
            store,
            connector: connector.into(),
        }
    }

    /// The connector whose offsets this reader sees.
    pub fn connector(&self) -> &str {
        &self.connector
    }

    /// The stored offset of `partition`, or `None` if there is none.
    pub async fn offset(
        &self,
        partition: &OffsetMap,
    ) -> Result<Option<OffsetMap>, OffsetStoreError> {
        let mut offsets = self.offsets(std::slice::from_ref(partition)).await?;
        Ok(offsets.pop().flatten())
    }

    /// The stored offsets of `partitions`, in the same order. As in Apache, a partition
    /// that breaks the format rules, or whose stored value cannot be decoded, is logged and
    /// answered with `None`; only a failing store is an error.
    pub async fn offsets(
        &self,
        partitions: &[OffsetMap],
    ) -> Result<Vec<Option<OffsetMap>>, OffsetStoreError> {
        let mut keys = Vec::with_capacity(partitions.len());
        for partition in partitions {
            match validate_format(partition) {
                Ok(()) => keys.push(Some(encode_key(&self.connector, partition))),
                Err(error) => {
                    tracing::error!(connector = %self.connector, %error,
                        "invalid partition when reading offsets; no offset will be returned for it");
                    keys.push(None);
                }
            }
        }
        let lookup: Vec<Vec<u8>> = keys.iter().flatten().cloned().collect();
        let stored = self.store.get(&lookup).await?;
        Ok(keys
            .iter()
            .map(|key| {
                let value = stored.get(key.as_ref()?)?;
                decode_value(Some(value))
                    .inspect_err(|error| {
                        tracing::error!(connector = %self.connector, %error,
                            "cannot decode a stored offset; no offset will be returned for it");
                    })
                    .ok()
                    .flatten()
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::storage::{MemoryOffsetBackingStore, OffsetUpdates, encode_key};
    use serde_json::json;

    fn map(value: serde_json::Value) -> OffsetMap {
        value.as_object().cloned().unwrap_or_default()
    }

    #[tokio::test]
    async fn reads_only_its_connectors_offsets() {
        let store = Arc::new(MemoryOffsetBackingStore::new());
        let partition = map(json!({"filename": "/tmp/a"}));
        let bad = map(json!({"filename": "/tmp/bad"}));
        store
            .set(OffsetUpdates::from([
                (
                    encode_key("mine", &partition),
                    Some(br#"{"position":7}"#.to_vec()),
                ),
                (
                    encode_key("other", &bad),
                    Some(br#"{"position":9}"#.to_vec()),
                ),
                (encode_key("mine", &bad), Some(b"not json".to_vec())),
            ]))
            .await
            .unwrap();
        let reader = OffsetStorageReader::new(store, "mine");
        let nested = map(json!({"nested": {"a": 1}}));
        let got = reader
            .offsets(&[
                partition.clone(),
                bad,
                map(json!({"filename": "/tmp/none"})),
                nested,
            ])
            .await
            .unwrap();
        assert_eq!(
            got,
            vec![Some(map(json!({"position": 7}))), None, None, None]
        );
        assert_eq!(
            reader.offset(&partition).await.unwrap(),
            Some(map(json!({"position": 7})))
        );
    }
}
