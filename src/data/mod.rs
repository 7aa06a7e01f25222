//! The Connect data model: schemas, values and records, and the converters that turn
//! them into Kafka bytes and back.

pub mod converters;
pub mod java;
mod java_names;
mod record;
mod schema;
mod value;

pub use java_names::{java_class, java_class_name, java_type_name};
pub use record::{Header, RecordOffset, SinkRecord, SourceRecord, TimestampType};
pub use schema::{Field, Schema, SchemaRef, SchemaType, logical};
pub use value::{SchemaAndValue, Struct, Value};
