//! Predicates: HasHeaderKey, RecordIsTombstone, TopicNameMatches.

use super::PredicatePlugin;

/// The built-in predicates.
pub fn plugins() -> Vec<PredicatePlugin> {
    Vec::new()
}
