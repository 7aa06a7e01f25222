//! SMTs that route, filter or touch headers: DropHeaders, Filter, HeaderFrom,
//! InsertHeader, RegexRouter, TimestampRouter.

use super::TransformPlugin;

/// The transformations of this family.
pub fn plugins() -> Vec<TransformPlugin> {
    Vec::new()
}
