//! An offset store that keeps its bytes in memory only (tests, and the base of the file
//! store's bookkeeping). Like Apache's, a tombstone removes the key.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;

use super::backing_store::{OffsetBackingStore, OffsetUpdates};
use super::error::OffsetStoreError;

/// Key bytes to value bytes, as every backend holds them once loaded.
pub type OffsetBytes = HashMap<Vec<u8>, Vec<u8>>;

/// Applies `updates` to `data`: values replace, tombstones remove.
pub(crate) fn apply_updates(data: &mut OffsetBytes, updates: OffsetUpdates) {
    for (key, value) in updates {
        match value {
            Some(value) => {
                data.insert(key, value);
            }
            None => {
                data.remove(&key);
            }
        }
    }
}

/// The values of `keys` that `data` holds.
pub(crate) fn lookup(data: &OffsetBytes, keys: &[Vec<u8>]) -> OffsetBytes {
    keys.iter()
        .filter_map(|key| data.get(key).map(|value| (key.clone(), value.clone())))
        .collect()
}

/// Offsets in memory; lost when the process ends. Usable without `start`.
#[derive(Debug, Default)]
pub struct MemoryOffsetBackingStore {
    data: Mutex<OffsetBytes>,
}

impl MemoryOffsetBackingStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn data(&self) -> std::sync::MutexGuard<'_, OffsetBytes> {
        // A poisoned lock only means another thread panicked mid-update of plain maps;
        // the map itself is still consistent enough to serve.
        self.data
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[async_trait]
impl OffsetBackingStore for MemoryOffsetBackingStore {
    async fn start(&self) -> Result<(), OffsetStoreError> {
        Ok(())
    }

    async fn stop(&self) -> Result<(), OffsetStoreError> {
        Ok(())
    }

    async fn get(&self, keys: &[Vec<u8>]) -> Result<OffsetBytes, OffsetStoreError> {
        Ok(lookup(&self.data(), keys))
    }

    async fn set(&self, updates: OffsetUpdates) -> Result<(), OffsetStoreError> {
        apply_updates(&mut self.data(), updates);
        Ok(())
    }

    async fn keys(&self) -> Result<Vec<Vec<u8>>, OffsetStoreError> {
        Ok(self.data().keys().cloned().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::storage::offsets::encode_key;
    use serde_json::json;

    #[tokio::test]
    async fn set_get_and_tombstone() {
        let store = MemoryOffsetBackingStore::new();
        store.start().await.unwrap();
        let updates = OffsetUpdates::from([
            (b"a".to_vec(), Some(b"1".to_vec())),
            (b"b".to_vec(), Some(b"2".to_vec())),
        ]);
        store.set(updates).await.unwrap();
        store
            .set(OffsetUpdates::from([(b"a".to_vec(), None)]))
            .await
            .unwrap();
        let got = store
            .get(&[b"a".to_vec(), b"b".to_vec(), b"c".to_vec()])
            .await
            .unwrap();
        assert_eq!(got, OffsetBytes::from([(b"b".to_vec(), b"2".to_vec())]));
    }

    #[tokio::test]
    async fn connector_partitions_pick_one_connector() {
        let store = MemoryOffsetBackingStore::new();
        let p1 = json!({"filename": "a"}).as_object().cloned().unwrap();
        let p2 = json!({"filename": "b"}).as_object().cloned().unwrap();
        store
            .set(OffsetUpdates::from([
                (encode_key("one", &p1), Some(b"{}".to_vec())),
                (encode_key("two", &p2), Some(b"{}".to_vec())),
                (b"garbage".to_vec(), Some(b"{}".to_vec())),
            ]))
            .await
            .unwrap();
        assert_eq!(store.connector_partitions("one").await.unwrap(), vec![p1]);
        assert!(
            store
                .connector_partitions("three")
                .await
                .unwrap()
                .is_empty()
        );
    }
}
