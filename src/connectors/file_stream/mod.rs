//! Apache's FileStream connectors (`connect/file`): `FileStreamSource` tails a file or
//! standard input into a topic, one record per line; `FileStreamSink` appends record
//! values to a file or standard output, one per line.
//!
//! Source partitions are `{"filename": <file>}` and offsets `{"position": <bytes consumed,
//! line terminators included>}`, the maps Apache stores, so offsets carry over between
//! Apache Connect and Tributary.

pub mod config;
mod java_text;
mod lines;
mod sink;
mod source;

pub use config::{FileStreamSinkConfig, FileStreamSourceConfig};
pub use java_text::{java_string, write_java_string};
pub use lines::{Line, LineBuffer};
pub use sink::{FileStreamSinkConnector, FileStreamSinkTask};
pub use source::{DEFAULT_IDLE_WAIT, FileStreamSourceConnector, FileStreamSourceTask};

/// Java class name of the source connector.
pub const SOURCE_CLASS: &str = "org.apache.kafka.connect.file.FileStreamSourceConnector";
/// Java class name of the sink connector.
pub const SINK_CLASS: &str = "org.apache.kafka.connect.file.FileStreamSinkConnector";

/// The source partition key: the file name as configured.
pub const FILENAME_FIELD: &str = "filename";
/// The source offset key: bytes consumed from the start of the file.
pub const POSITION_FIELD: &str = "position";

/// The version both connectors report. Apache's report the Kafka build's version; ours
/// report the Tributary build's.
pub fn plugin_version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
