//! The error type of the offset stores, their reader and their writer.

use std::path::PathBuf;

use crate::java::serialization::JavaSerializationError;

/// What can go wrong while reading, writing or encoding source offsets.
#[derive(Debug, thiserror::Error)]
pub enum OffsetStoreError {
    /// The offsets file exists but could not be read.
    #[error("cannot read offsets file {path}: {source}")]
    ReadFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The offsets file (or its temporary sibling) could not be written or renamed.
    #[error("cannot write offsets file {path}: {source}")]
    WriteFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The offsets file is not a serialized `java.util.HashMap<byte[], byte[]>`.
    #[error("offsets file {path} is corrupt: {source}")]
    CorruptFile {
        path: PathBuf,
        #[source]
        source: JavaSerializationError,
    },

    /// The offsets could not be serialized for the file (a value beyond Java's array sizes).
    #[error("cannot serialize offsets for file {path}: {source}")]
    SerializeFile {
        path: PathBuf,
        #[source]
        source: JavaSerializationError,
    },

    /// `get` or `set` was called on a store that was not started, or was stopped.
    #[error("the offset backing store is not started")]
    NotStarted,

    /// A partition or offset map breaks Connect's rules (Apache's `DataException` messages).
    #[error("{0}")]
    InvalidFormat(String),

    /// Stored key bytes are not a `["<connector>", {partition}]` JSON array.
    #[error("invalid offset key {key}: {reason}")]
    InvalidKey { key: String, reason: String },

    /// Stored value bytes are not a JSON object or null.
    #[error("invalid offset value {value}: {reason}")]
    InvalidValue { value: String, reason: String },

    /// `begin_flush` while the previous flush has not completed or been cancelled.
    #[error("OffsetStorageWriter is already flushing")]
    AlreadyFlushing,

    /// `do_flush` without a successful `begin_flush` before it.
    #[error("OffsetStorageWriter has no flush in progress")]
    NoFlushInProgress,

    /// The worker's Kafka client settings cannot be used (`docs/compatibility.md`).
    #[error(transparent)]
    ClientConfig(#[from] crate::runtime::kafka::ClientConfigError),

    /// A Kafka client of the offset topic failed (creating a client, the topic, a read or a
    /// write); `operation` says which.
    #[error("{operation} for offsets topic '{topic}' failed: {source}")]
    Kafka {
        operation: &'static str,
        topic: String,
        #[source]
        source: rdkafka::error::KafkaError,
    },

    /// The broker refused to create the offsets topic.
    #[error("cannot create offsets topic '{topic}': {reason}")]
    CreateTopic { topic: String, reason: String },

    /// The offsets topic exists with a cleanup policy other than `compact` (Apache's
    /// `ConfigException` message from `TopicAdmin.verifyTopicCleanupPolicyOnlyCompact`).
    #[error("{0}")]
    TopicNotCompacted(String),

    /// The offsets topic's partitions did not show up in the metadata in time (Apache's
    /// `KafkaBasedLog` message).
    #[error(
        "Could not look up partition metadata for topic '{topic}' in the allotted period. This could indicate a connectivity issue, unavailable topic partitions, or if this is your first use of the topic it may have taken too long to create."
    )]
    TopicMetadataTimeout { topic: String },

    /// A read of the offsets topic was given up because its caller stopped waiting.
    #[error("reading offsets topic '{topic}' was cancelled")]
    ReadCancelled { topic: String },

    /// A blocking file task panicked or was cancelled.
    #[error("offset storage background task failed: {0}")]
    Background(#[from] tokio::task::JoinError),
}

impl OffsetStoreError {
    /// A short, stable label for metrics (the `error` label of failure counters).
    pub fn metric_label(&self) -> &'static str {
        match self {
            OffsetStoreError::ReadFile { .. } | OffsetStoreError::WriteFile { .. } => "io",
            OffsetStoreError::CorruptFile { .. } | OffsetStoreError::SerializeFile { .. } => {
                "offsets_file"
            }
            OffsetStoreError::NotStarted => "not_started",
            OffsetStoreError::InvalidFormat(_)
            | OffsetStoreError::InvalidKey { .. }
            | OffsetStoreError::InvalidValue { .. } => "offset_format",
            OffsetStoreError::AlreadyFlushing | OffsetStoreError::NoFlushInProgress => {
                "flush_state"
            }
            OffsetStoreError::ClientConfig(_) => "config",
            OffsetStoreError::Kafka { .. }
            | OffsetStoreError::CreateTopic { .. }
            | OffsetStoreError::TopicNotCompacted(_)
            | OffsetStoreError::TopicMetadataTimeout { .. }
            | OffsetStoreError::ReadCancelled { .. } => "kafka",
            OffsetStoreError::Background(_) => "background",
        }
    }
}
