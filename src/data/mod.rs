//! The Connect data model: schemas, values and records, and the converters that turn
//! them into Kafka bytes and back.

pub mod converters;
pub mod java;
mod record;
mod schema;
mod value;

pub use record::{Header, RecordOffset, SinkRecord, SourceRecord, TimestampType};
pub use schema::{Field, Schema, SchemaRef, SchemaType, logical};
pub use value::{SchemaAndValue, Struct, Value};
