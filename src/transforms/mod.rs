//! Single Message Transforms and predicates: Apache's built-ins under their class names
//! (`org.apache.kafka.connect.transforms.*`), configured by `transforms=` and `predicates=`
//! chains and applied between the converters and the connector in both pipelines.
//!
//! Layout: `record` is the part of a record a transform may change; `fields` holds the
//! SMTs that reshape keys and values (Cast, Flatten, ReplaceField, ...); `routing` the ones
//! that route, filter or touch headers (RegexRouter, Filter, InsertHeader, ...);
//! `predicates` the predicates; `chain` parses a connector config into a [`TransformChain`];
//! `java` models the Java library behaviour both families rely on (`SimpleDateFormat`,
//! number parsing and printing, `Values.parseString`). Java `HashMap` order is in
//! `crate::data::java`, since the JsonConverter needs it too.

pub mod chain;
pub mod error;
pub mod fields;
pub mod predicates;
pub mod record;
pub mod routing;
pub mod values;

use indexmap::IndexMap;

use crate::config::ConfigDef;

pub use chain::TransformChain;
pub use error::TransformError;
pub use record::ConnectRecord;

/// One configured transformation (Apache's `Transformation`).
pub trait Transformation: Send + Sync {
    /// Transforms a record; `Ok(None)` drops it (Filter).
    fn apply(&self, record: ConnectRecord) -> Result<Option<ConnectRecord>, TransformError>;
}

/// One configured predicate (Apache's `Predicate`).
pub trait Predicate: Send + Sync {
    /// Whether the record matches.
    fn test(&self, record: &ConnectRecord) -> bool;
}

/// The keys of one transform or predicate (`transforms.<alias>.*`, prefix stripped).
pub type TransformProps = IndexMap<String, String>;

/// A built-in transformation: its class name (with `$Key`/`$Value` for the variants), its
/// config table (validation and `GET /connector-plugins/{class}/config`) and its factory,
/// which receives the `transforms.<alias>.*` keys with the prefix stripped.
pub struct TransformPlugin {
    pub class: &'static str,
    pub config_def: fn() -> ConfigDef,
    pub create: fn(&TransformProps) -> Result<Box<dyn Transformation>, TransformError>,
}

/// A built-in predicate, as [`TransformPlugin`].
pub struct PredicatePlugin {
    pub class: &'static str,
    pub config_def: fn() -> ConfigDef,
    pub create: fn(&TransformProps) -> Result<Box<dyn Predicate>, TransformError>,
}

/// Every built-in transformation, sorted by class name.
pub fn transform_plugins() -> Vec<TransformPlugin> {
    let mut plugins = fields::plugins();
    plugins.extend(routing::plugins());
    plugins.sort_by_key(|p| p.class);
    plugins
}

/// Every built-in predicate, sorted by class name.
pub fn predicate_plugins() -> Vec<PredicatePlugin> {
    let mut plugins = predicates::plugins();
    plugins.sort_by_key(|p| p.class);
    plugins
}
