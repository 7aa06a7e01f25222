//! Offset, config and status stores.
//!
//! Source offsets follow Apache's split: an [`OffsetBackingStore`] holds key and value bytes
//! for all connectors ([`MemoryOffsetBackingStore`], [`FileOffsetBackingStore`]; a Kafka
//! topic store will reuse [`encode_key`] and friends), and each task sees its own
//! connector's offsets through an [`OffsetStorageReader`] and an [`OffsetStorageWriter`].

mod backing_store;
mod error;
mod file;
mod jackson_json;
pub mod java_serialization;
mod memory;
mod offsets;
mod reader;
mod writer;

pub use backing_store::{OffsetBackingStore, OffsetUpdates};
pub use error::OffsetStoreError;
pub use file::{FileOffsetBackingStore, load_offsets_file, save_offsets_file};
pub use memory::{MemoryOffsetBackingStore, OffsetBytes};
pub use offsets::{OffsetMap, decode_key, decode_value, encode_key, encode_value, validate_format};
pub use reader::OffsetStorageReader;
pub use writer::OffsetStorageWriter;
