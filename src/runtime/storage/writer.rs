//! Buffered, snapshot-based offset commits for one connector (Apache's
//! `OffsetStorageWriter`).
//!
//! The runtime stages the offset of each record the broker acknowledged with
//! [`OffsetStorageWriter::offset`]; every `offset.flush.interval.ms`, and on shutdown, it
//! calls [`begin_flush`](OffsetStorageWriter::begin_flush) to snapshot what is staged and
//! [`do_flush`](OffsetStorageWriter::do_flush) to write the snapshot while new offsets keep
//! being staged. A failed write puts the snapshot back; so does
//! [`cancel_flush`](OffsetStorageWriter::cancel_flush), e.g. after a timeout.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use super::backing_store::{OffsetBackingStore, OffsetUpdates};
use super::error::OffsetStoreError;
use super::offsets::{OffsetMap, encode_key, encode_value, validate_format};

/// Staged offsets by key bytes (which already name the connector and partition); `None`
/// is a tombstone.
type Staged = HashMap<Vec<u8>, Option<OffsetMap>>;

#[derive(Default)]
struct WriterState {
    /// Offsets staged since the last snapshot.
    staged: Staged,
    /// The snapshot being flushed, if a flush is in progress.
    flushing: Option<Staged>,
    /// Bumped whenever a flush ends, so a write that completes after its flush was
    /// cancelled does not end the next flush.
    flush_id: u64,
}

/// Stages and flushes one connector's source offsets. Shareable between the task that
/// stages offsets and the loop that flushes them (all methods take `&self`).
pub struct OffsetStorageWriter {
    store: Arc<dyn OffsetBackingStore>,
    connector: String,
    state: Mutex<WriterState>,
}

impl OffsetStorageWriter {
    /// A writer of `connector`'s offsets into `store`.
    pub fn new(store: Arc<dyn OffsetBackingStore>, connector: impl Into<String>) -> Self {
        OffsetStorageWriter {
            store,
            connector: connector.into(),
            state: Mutex::new(WriterState::default()),
        }
    }

    /// The connector whose offsets this writer stores.
    pub fn connector(&self) -> &str {
        &self.connector
    }

    fn state(&self) -> MutexGuard<'_, WriterState> {
        // Every critical section leaves the state consistent before it can panic.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Stages `offset` for `partition`, replacing what was staged for it; `None` deletes
    /// the partition's offset when flushed. Both maps must hold only primitive values
    /// (checked here, where Apache checks at flush time, so the error reaches the task
    /// that produced the bad map).
    pub fn offset(
        &self,
        partition: &OffsetMap,
        offset: Option<OffsetMap>,
    ) -> Result<(), OffsetStoreError> {
        validate_format(partition)?;
        if let Some(offset) = &offset {
            validate_format(offset)?;
        }
        let key = encode_key(&self.connector, partition);
        self.state().staged.insert(key, offset);
        Ok(())
    }

    /// Snapshots the staged offsets for [`do_flush`](Self::do_flush). `Ok(false)` when
    /// nothing is staged (no flush begins); an error if a flush is already in progress.
    pub fn begin_flush(&self) -> Result<bool, OffsetStoreError> {
        let mut state = self.state();
        if state.flushing.is_some() {
            tracing::error!(connector = %self.connector,
                "invalid call to begin_flush while already flushing; the runtime should not allow this");
            return Err(OffsetStoreError::AlreadyFlushing);
        }
        if state.staged.is_empty() {
            return Ok(false);
        }
        state.flushing = Some(std::mem::take(&mut state.staged));
        Ok(true)
    }

    /// Whether a flush has begun and not yet completed or been cancelled.
    pub fn is_flushing(&self) -> bool {
        self.state().flushing.is_some()
    }

    /// Writes the snapshot taken by [`begin_flush`](Self::begin_flush) to the store. On
    /// success the flush ends; on failure the snapshot goes back to the staged offsets
    /// (newer staged offsets win) and the error is returned. If this future is dropped
    /// before it completes, call [`cancel_flush`](Self::cancel_flush).
    pub async fn do_flush(&self) -> Result<(), OffsetStoreError> {
        let (flush_id, updates) = {
            let state = self.state();
            let snapshot = state
                .flushing
                .as_ref()
                .ok_or(OffsetStoreError::NoFlushInProgress)?;
            let updates: OffsetUpdates = snapshot
                .iter()
                .map(|(key, offset)| (key.clone(), encode_value(offset.as_ref())))
                .collect();
            (state.flush_id, updates)
        };
        tracing::debug!(connector = %self.connector, entries = updates.len(), "flushing offsets");
        let result = self.store.set(updates).await;

        let mut state = self.state();
        if state.flush_id != flush_id {
            // The flush was cancelled while writing; its snapshot is already staged again.
            return result;
        }
        match &result {
            Ok(()) => {
                state.flushing = None;
                state.flush_id += 1;
            }
            Err(error) => {
                tracing::error!(connector = %self.connector, %error, "failed to flush offsets");
                Self::restore_snapshot(&mut state);
            }
        }
        result
    }

    /// Abandons the flush in progress, if any, putting its snapshot back with the offsets
    /// staged since (which win over the snapshot's for the same partition).
    pub fn cancel_flush(&self) {
        Self::restore_snapshot(&mut self.state());
    }

    fn restore_snapshot(state: &mut WriterState) {
        if let Some(mut snapshot) = state.flushing.take() {
            snapshot.extend(std::mem::take(&mut state.staged));
            state.staged = snapshot;
            state.flush_id += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::storage::{MemoryOffsetBackingStore, OffsetBytes, OffsetStorageReader};
    use async_trait::async_trait;
    use serde_json::json;
    use std::sync::atomic::{AtomicBool, Ordering};

    fn map(value: serde_json::Value) -> OffsetMap {
        value.as_object().cloned().unwrap_or_default()
    }

    fn file(name: &str) -> OffsetMap {
        map(json!({ "filename": name }))
    }

    fn position(n: i64) -> Option<OffsetMap> {
        Some(map(json!({ "position": n })))
    }

    /// A memory store whose writes can be made to fail.
    #[derive(Default)]
    struct FlakyStore {
        inner: MemoryOffsetBackingStore,
        fail: AtomicBool,
    }

    #[async_trait]
    impl OffsetBackingStore for FlakyStore {
        async fn start(&self) -> Result<(), OffsetStoreError> {
            Ok(())
        }
        async fn stop(&self) -> Result<(), OffsetStoreError> {
            Ok(())
        }
        async fn get(&self, keys: &[Vec<u8>]) -> Result<OffsetBytes, OffsetStoreError> {
            self.inner.get(keys).await
        }
        async fn set(&self, updates: OffsetUpdates) -> Result<(), OffsetStoreError> {
            if self.fail.load(Ordering::SeqCst) {
                return Err(OffsetStoreError::NotStarted);
            }
            self.inner.set(updates).await
        }
        async fn keys(&self) -> Result<Vec<Vec<u8>>, OffsetStoreError> {
            self.inner.keys().await
        }
    }

    fn setup() -> (Arc<FlakyStore>, OffsetStorageWriter, OffsetStorageReader) {
        let store = Arc::new(FlakyStore::default());
        let writer = OffsetStorageWriter::new(store.clone(), "conn");
        let reader = OffsetStorageReader::new(store.clone(), "conn");
        (store, writer, reader)
    }

    #[tokio::test]
    async fn nothing_staged_means_no_flush() {
        let (_, writer, _) = setup();
        assert!(!writer.begin_flush().unwrap());
        assert!(!writer.is_flushing());
        assert!(matches!(
            writer.do_flush().await,
            Err(OffsetStoreError::NoFlushInProgress)
        ));
    }

    #[tokio::test]
    async fn flush_writes_the_snapshot_only() {
        let (_, writer, reader) = setup();
        writer.offset(&file("a"), position(1)).unwrap();
        writer.offset(&file("a"), position(2)).unwrap();
        assert!(writer.begin_flush().unwrap());
        // Staged after the snapshot: not part of this flush.
        writer.offset(&file("b"), position(5)).unwrap();
        writer.do_flush().await.unwrap();
        assert!(!writer.is_flushing());
        assert_eq!(reader.offset(&file("a")).await.unwrap(), position(2));
        assert_eq!(reader.offset(&file("b")).await.unwrap(), None);

        assert!(writer.begin_flush().unwrap());
        writer.do_flush().await.unwrap();
        assert_eq!(reader.offset(&file("b")).await.unwrap(), position(5));
        assert!(!writer.begin_flush().unwrap());
    }

    #[tokio::test]
    async fn second_begin_while_flushing_is_an_error() {
        let (_, writer, _) = setup();
        writer.offset(&file("a"), position(1)).unwrap();
        assert!(writer.begin_flush().unwrap());
        writer.offset(&file("b"), position(1)).unwrap();
        let err = writer.begin_flush().unwrap_err();
        assert_eq!(err.to_string(), "OffsetStorageWriter is already flushing");
        assert!(writer.is_flushing());
    }

    #[tokio::test]
    async fn cancel_restores_snapshot_and_newer_offsets_win() {
        let (_, writer, reader) = setup();
        writer.offset(&file("a"), position(1)).unwrap();
        writer.offset(&file("b"), position(1)).unwrap();
        assert!(writer.begin_flush().unwrap());
        writer.offset(&file("a"), position(2)).unwrap();
        writer.cancel_flush();
        assert!(!writer.is_flushing());
        writer.cancel_flush(); // no flush in progress: nothing happens

        assert!(writer.begin_flush().unwrap());
        writer.do_flush().await.unwrap();
        assert_eq!(reader.offset(&file("a")).await.unwrap(), position(2));
        assert_eq!(reader.offset(&file("b")).await.unwrap(), position(1));
    }

    #[tokio::test]
    async fn failed_write_puts_the_snapshot_back() {
        let (store, writer, reader) = setup();
        writer.offset(&file("a"), position(1)).unwrap();
        assert!(writer.begin_flush().unwrap());
        writer.offset(&file("a"), position(3)).unwrap();
        store.fail.store(true, Ordering::SeqCst);
        assert!(writer.do_flush().await.is_err());
        assert!(!writer.is_flushing());

        store.fail.store(false, Ordering::SeqCst);
        assert!(writer.begin_flush().unwrap());
        writer.do_flush().await.unwrap();
        assert_eq!(reader.offset(&file("a")).await.unwrap(), position(3));
    }

    #[tokio::test]
    async fn tombstone_deletes_the_offset() {
        let (store, writer, reader) = setup();
        writer.offset(&file("a"), position(1)).unwrap();
        assert!(writer.begin_flush().unwrap());
        writer.do_flush().await.unwrap();
        writer.offset(&file("a"), None).unwrap();
        assert!(writer.begin_flush().unwrap());
        writer.do_flush().await.unwrap();
        assert_eq!(reader.offset(&file("a")).await.unwrap(), None);
        assert!(store.keys().await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn nested_values_are_refused_with_apaches_message() {
        let (_, writer, _) = setup();
        let err = writer
            .offset(&file("a"), Some(map(json!({"list": [1]}))))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Offsets may only contain primitive types as values, but field list contains class java.util.ArrayList"
        );
        assert!(!writer.begin_flush().unwrap());
    }
}
