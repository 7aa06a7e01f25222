//! SMTs that reshape keys and values: Cast, ExtractField, Flatten, HoistField, InsertField,
//! MaskField, ReplaceField, SetSchemaMetadata, TimestampConverter, ValueToKey.

use super::TransformPlugin;

/// The transformations of this family.
pub fn plugins() -> Vec<TransformPlugin> {
    Vec::new()
}
