//! SMTs that reshape keys and values: Cast, ExtractField, Flatten, HoistField, InsertField,
//! MaskField, ReplaceField, SetSchemaMetadata, TimestampConverter, ValueToKey, under
//! Apache's class names (`org.apache.kafka.connect.transforms.Cast$Key`, ...), with its
//! config keys, defaults, output schemas and error messages (Kafka 4.3.1).
//!
//! Schemaless values are maps; where Apache builds a `HashMap` for a result, the entries are
//! put in that `HashMap`'s iteration order (see `crate::data::java::hash_map`), so the JSON comes out in
//! the same order.

pub mod cast;
pub mod extract_field;
mod field_path;
pub mod flatten;
pub mod hoist_field;
pub mod insert_field;
pub mod mask_field;
pub mod replace_field;
pub mod set_schema_metadata;
pub mod timestamp_converter;
mod util;
pub mod value_to_key;

pub use util::Side;

use super::TransformPlugin;

/// The transformations of this family.
pub fn plugins() -> Vec<TransformPlugin> {
    let mut plugins = Vec::new();
    plugins.extend(cast::plugins());
    plugins.extend(extract_field::plugins());
    plugins.extend(flatten::plugins());
    plugins.extend(hoist_field::plugins());
    plugins.extend(insert_field::plugins());
    plugins.extend(mask_field::plugins());
    plugins.extend(replace_field::plugins());
    plugins.extend(set_schema_metadata::plugins());
    plugins.extend(timestamp_converter::plugins());
    plugins.extend(value_to_key::plugins());
    plugins
}
