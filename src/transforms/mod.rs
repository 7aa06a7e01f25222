//! Single Message Transforms and predicates: Apache's built-ins under their class names
//! (`org.apache.kafka.connect.transforms.*`), configured by `transforms=` and `predicates=`
//! chains and applied between the converters and the connector in both pipelines.
//!
//! Layout: `record` is the part of a record a transform may change; `fields` holds the
//! SMTs that reshape keys and values (Cast, Flatten, ReplaceField, ...); `routing` the ones
//! that route, filter or touch headers (RegexRouter, Filter, InsertHeader, ...);
//! `predicates` the predicates. The runtime builds the chain from a connector config.
//! `values` is Connect's `Values` (`parseString` and friends). The plugins read their
//! config through `crate::config` and import nothing from the runtime.

pub mod error;
pub mod fields;
pub mod predicates;
pub mod record;
pub mod routing;
pub mod values;

use indexmap::IndexMap;

use crate::config::{ConfigDef, ConfigKey, ConfigKeyInfo};

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

/// Finds a transformation by its class name, or by its simple name when no other
/// plugin shares it (Apache's plugin aliases).
pub fn find_transform(class: &str) -> Option<TransformPlugin> {
    find_by_name(transform_plugins(), class, |p| p.class)
}

/// Finds a predicate as [`find_transform`] does.
pub fn find_predicate(class: &str) -> Option<PredicatePlugin> {
    find_by_name(predicate_plugins(), class, |p| p.class)
}

fn simple_name(class: &str) -> &str {
    class.rsplit(['.', '$']).next().unwrap_or(class)
}

fn find_by_name<P>(plugins: Vec<P>, name: &str, class: fn(&P) -> &'static str) -> Option<P> {
    let mut by_simple = Vec::new();
    for plugin in plugins {
        if class(&plugin) == name {
            return Some(plugin);
        }
        if !name.contains('.') && simple_name(class(&plugin)) == name {
            by_simple.push(plugin);
        }
    }
    (by_simple.len() == 1).then(|| by_simple.pop()).flatten()
}

/// The version every built-in transformation and predicate reports (Apache's
/// `AppInfoParser.getVersion()` of the Kafka release they come with).
pub const PLUGIN_VERSION: &str = "4.3.1";

/// `GET /connector-plugins/{class}/config` for a transformation or predicate: its own keys
/// (Apache answers the plugin's `config()` as declared, unprefixed); `None` when the name
/// is neither.
pub fn plugin_config_keys(name: &str) -> Option<Vec<ConfigKeyInfo>> {
    let def = find_transform(name)
        .map(|p| (p.config_def)())
        .or_else(|| find_predicate(name).map(|p| (p.config_def)()))?;
    Some(def.keys().map(ConfigKey::info).collect())
}
