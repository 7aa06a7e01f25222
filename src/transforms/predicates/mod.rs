//! Predicates: HasHeaderKey, RecordIsTombstone, TopicNameMatches. A transformation with
//! `transforms.<alias>.predicate=<predicate alias>` applies only to the records its
//! predicate matches (or does not match, with `negate=true`).

mod has_header_key;
mod record_is_tombstone;
mod topic_name_matches;

pub use has_header_key::HasHeaderKey;
pub use record_is_tombstone::RecordIsTombstone;
pub use topic_name_matches::TopicNameMatches;

use super::PredicatePlugin;

/// The built-in predicates.
pub fn plugins() -> Vec<PredicatePlugin> {
    vec![
        PredicatePlugin {
            class: "org.apache.kafka.connect.transforms.predicates.HasHeaderKey",
            config_def: has_header_key::config_def,
            create: |props| Ok(Box::new(HasHeaderKey::from_props(props)?)),
        },
        PredicatePlugin {
            class: "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone",
            config_def: record_is_tombstone::config_def,
            create: |_| Ok(Box::new(RecordIsTombstone)),
        },
        PredicatePlugin {
            class: "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
            config_def: topic_name_matches::config_def,
            create: |props| Ok(Box::new(TopicNameMatches::from_props(props)?)),
        },
    ]
}
