//! The standalone offset store: Apache's `FileOffsetBackingStore`, in its on-disk format.
//!
//! The file (`offset.storage.file.filename`) is a Java-serialized
//! `java.util.HashMap<byte[], byte[]>` of key and value bytes (see
//! [`crate::java::serialization`]), so Apache's `connect-standalone` and Tributary can take
//! over each other's offsets file. Every `set` rewrites the whole file, as Apache's does.
//!
//! Where we differ from Apache, on purpose:
//! - writes go to a temporary sibling that is synced and renamed over the file, so a crash
//!   never leaves a torn file (Apache truncates and rewrites in place);
//! - a tombstone removes its key from the file (Apache keeps the key with a null value;
//!   both read back as "no offset", and Apache reads our files fine);
//! - a truncated or corrupt file is an error naming the file, where Apache silently starts
//!   from no offsets when it hits end-of-file (we still accept an empty, zero-byte file).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;

use super::backing_store::{OffsetBackingStore, OffsetUpdates};
use super::error::OffsetStoreError;
use super::memory::{OffsetBytes, apply_updates, lookup};
use crate::java::serialization::{read_byte_array_map, write_byte_array_map};

/// Offsets kept in a local file in Apache's format; blocking file work runs on tokio's
/// blocking pool.
#[derive(Debug)]
pub struct FileOffsetBackingStore {
    path: PathBuf,
    /// The file's contents once started; `None` before `start` and after `stop`, so a
    /// `set` can never overwrite a file that was not loaded first.
    data: Mutex<Option<OffsetBytes>>,
    /// Serializes `set` calls, so each write starts from the previous one's result.
    write_lock: tokio::sync::Mutex<()>,
}

impl FileOffsetBackingStore {
    /// A store over `path` (the worker's `offset.storage.file.filename`); `start` loads it.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileOffsetBackingStore {
            path: path.into(),
            data: Mutex::new(None),
            write_lock: tokio::sync::Mutex::new(()),
        }
    }

    /// The offsets file this store reads and writes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn data(&self) -> MutexGuard<'_, Option<OffsetBytes>> {
        // Only plain map operations run under this lock; a panic elsewhere cannot leave
        // the map half-updated, so a poisoned lock is still safe to use.
        self.data
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[async_trait]
impl OffsetBackingStore for FileOffsetBackingStore {
    async fn start(&self) -> Result<(), OffsetStoreError> {
        let path = self.path.clone();
        let loaded = tokio::task::spawn_blocking(move || load_offsets_file(&path)).await??;
        tracing::info!(file = %self.path.display(), entries = loaded.len(), "started file offset store");
        *self.data() = Some(loaded);
        Ok(())
    }

    async fn stop(&self) -> Result<(), OffsetStoreError> {
        // Wait for a write in progress so that `stop` returning means the file is final.
        let _writing = self.write_lock.lock().await;
        *self.data() = None;
        tracing::info!(file = %self.path.display(), "stopped file offset store");
        Ok(())
    }

    async fn get(&self, keys: &[Vec<u8>]) -> Result<OffsetBytes, OffsetStoreError> {
        let data = self.data();
        let data = data.as_ref().ok_or(OffsetStoreError::NotStarted)?;
        Ok(lookup(data, keys))
    }

    async fn set(&self, updates: OffsetUpdates) -> Result<(), OffsetStoreError> {
        let _writing = self.write_lock.lock().await;
        let mut next = self
            .data()
            .as_ref()
            .ok_or(OffsetStoreError::NotStarted)?
            .clone();
        apply_updates(&mut next, updates);
        let path = self.path.clone();
        // The map becomes visible to readers only once it is on disk.
        let next =
            tokio::task::spawn_blocking(move || save_offsets_file(&path, &next).map(|()| next))
                .await??;
        let mut data = self.data();
        if data.is_some() {
            *data = Some(next);
        }
        Ok(())
    }

    async fn keys(&self) -> Result<Vec<Vec<u8>>, OffsetStoreError> {
        let data = self.data();
        let data = data.as_ref().ok_or(OffsetStoreError::NotStarted)?;
        Ok(data.keys().cloned().collect())
    }
}

/// Reads an offsets file in Apache's format. A missing or zero-byte file is empty; null
/// values (Apache's tombstones) and a null key are skipped. Blocking.
pub fn load_offsets_file(path: &Path) -> Result<OffsetBytes, OffsetStoreError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(OffsetBytes::new()),
        Err(source) => {
            return Err(OffsetStoreError::ReadFile {
                path: path.to_owned(),
                source,
            });
        }
    };
    if bytes.is_empty() {
        tracing::warn!(file = %path.display(), "offsets file is empty; starting with no offsets");
        return Ok(OffsetBytes::new());
    }
    let entries = read_byte_array_map(&bytes).map_err(|source| OffsetStoreError::CorruptFile {
        path: path.to_owned(),
        source,
    })?;
    let mut data = OffsetBytes::with_capacity(entries.len());
    for (key, value) in entries {
        match (key, value) {
            (Some(key), Some(value)) => {
                data.insert(key, value);
            }
            (Some(_), None) => {}
            (None, _) => {
                tracing::warn!(file = %path.display(), "ignoring an offset with a null key")
            }
        }
    }
    Ok(data)
}

/// Writes `data` as an offsets file in Apache's format, atomically: into `<file>.tmp`
/// beside it, synced, then renamed over it. Entries are sorted by key so equal contents
/// give equal files. Blocking.
pub fn save_offsets_file(path: &Path, data: &OffsetBytes) -> Result<(), OffsetStoreError> {
    let write_error = |source| OffsetStoreError::WriteFile {
        path: path.to_owned(),
        source,
    };
    let mut entries: Vec<(&Vec<u8>, Option<&Vec<u8>>)> =
        data.iter().map(|(k, v)| (k, Some(v))).collect();
    entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let bytes =
        write_byte_array_map(&entries).map_err(|source| OffsetStoreError::SerializeFile {
            path: path.to_owned(),
            source,
        })?;

    let Some(file_name) = path.file_name() else {
        return Err(write_error(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "the path has no file name",
        )));
    };
    let mut temp_name = file_name.to_owned();
    temp_name.push(".tmp");
    let temp_path = path.with_file_name(temp_name);

    let mut file = std::fs::File::create(&temp_path).map_err(write_error)?;
    file.write_all(&bytes).map_err(write_error)?;
    file.sync_all().map_err(write_error)?;
    drop(file);
    std::fs::rename(&temp_path, path).map_err(write_error)?;
    // Make the rename itself durable. Some filesystems refuse to sync a directory; the
    // data is already safe in the renamed file then, so that is not worth failing for.
    if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty())
        && let Ok(dir) = std::fs::File::open(dir)
    {
        let _ = dir.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn updates(entries: &[(&str, Option<&str>)]) -> OffsetUpdates {
        entries
            .iter()
            .map(|(k, v)| (k.as_bytes().to_vec(), v.map(|v| v.as_bytes().to_vec())))
            .collect()
    }

    #[tokio::test]
    async fn missing_file_is_empty_and_writes_survive_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("offsets.dat");
        let store = FileOffsetBackingStore::new(&path);
        store.start().await.unwrap();
        assert!(store.keys().await.unwrap().is_empty());
        store
            .set(updates(&[("a", Some("1")), ("b", Some("2"))]))
            .await
            .unwrap();
        store
            .set(updates(&[("a", None), ("c", Some("3"))]))
            .await
            .unwrap();
        store.stop().await.unwrap();
        assert!(!dir.path().join("offsets.dat.tmp").exists());

        let again = FileOffsetBackingStore::new(&path);
        again.start().await.unwrap();
        let got = again
            .get(&[b"a".to_vec(), b"b".to_vec(), b"c".to_vec()])
            .await
            .unwrap();
        assert_eq!(
            got,
            OffsetBytes::from([
                (b"b".to_vec(), b"2".to_vec()),
                (b"c".to_vec(), b"3".to_vec())
            ])
        );
    }

    #[tokio::test]
    async fn not_started_store_refuses_to_write() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("offsets.dat");
        let store = FileOffsetBackingStore::new(&path);
        let err = store.set(updates(&[("a", Some("1"))])).await.unwrap_err();
        assert!(matches!(err, OffsetStoreError::NotStarted));
        assert!(!path.exists());
    }

    #[tokio::test]
    async fn corrupt_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("offsets.dat");
        let good = write_byte_array_map(&[(b"k".to_vec(), Some(b"v".to_vec()))]).unwrap();
        std::fs::write(&path, &good[..good.len() - 3]).unwrap();
        let err = FileOffsetBackingStore::new(&path)
            .start()
            .await
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(&format!("offsets file {} is corrupt", path.display())),
            "{err}"
        );

        std::fs::write(&path, b"").unwrap();
        let store = FileOffsetBackingStore::new(&path);
        store.start().await.unwrap();
        assert!(store.keys().await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn unwritable_location_is_an_error_and_keeps_memory_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing-dir").join("offsets.dat");
        let store = FileOffsetBackingStore::new(&path);
        store.start().await.unwrap();
        let err = store
            .set(updates(&[("a", Some("1"))]))
            .await
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("cannot write offsets file"), "{err}");
        assert!(store.get(&[b"a".to_vec()]).await.unwrap().is_empty());
    }
}
