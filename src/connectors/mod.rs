//! The connector API (connector and task traits, their contexts and errors), the
//! class-name registry of built-in plugins, and the built-in connectors.

pub mod api;
pub mod error;
pub mod file_stream;
pub mod registry;

pub use api::{
    ConfigMap, Connector, ConnectorKind, ConnectorResult, ConnectorValidation, MemoryOffsetReader,
    OffsetReader, RecordCommitter, RecordMetadata, RecordingSinkTaskContext, SinkOffsets, SinkTask,
    SinkTaskContext, SinkTaskRequests, SourceOffset, SourcePartition, SourceTask,
    SourceTaskContext, TopicPartition,
};
pub use error::ConnectorError;
pub use registry::{
    ConnectorFactory, PluginDesc, PluginInfo, Registry, RegistryError, TaskFactory,
};
