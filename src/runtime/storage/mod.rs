//! Offset, config and status stores.
//!
//! Source offsets follow Apache's split: an [`OffsetBackingStore`] holds key and value bytes
//! for all connectors ([`MemoryOffsetBackingStore`], [`FileOffsetBackingStore`],
//! [`KafkaOffsetBackingStore`], all in Apache's key and value bytes from [`encode_key`]),
//! and each task sees its own connector's offsets through an [`OffsetStorageReader`] and an [`OffsetStorageWriter`].

mod backing_store;
mod error;
mod file;
mod kafka;
mod memory;
mod offsets;
mod reader;
mod writer;

pub use backing_store::{OffsetBackingStore, OffsetUpdates};
pub use error::OffsetStoreError;
pub use file::{FileOffsetBackingStore, load_offsets_file, save_offsets_file};
pub use kafka::{
    KafkaOffsetBackingStore, KafkaOffsetStoreConfig, OFFSET_STORAGE_PARTITIONS,
    OFFSET_STORAGE_REPLICATION_FACTOR, OFFSET_STORAGE_TOPIC,
};
pub use memory::{MemoryOffsetBackingStore, OffsetBytes};
pub use offsets::{OffsetMap, decode_key, decode_value, encode_key, encode_value, validate_format};
pub use reader::OffsetStorageReader;
pub use writer::OffsetStorageWriter;
