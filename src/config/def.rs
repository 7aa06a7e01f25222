//! The definition table (Apache's `ConfigDef` and `ConfigDef.ConfigKey`) and its builder:
//! each key is declared once (type, default, importance, documentation, group,
//! validator...), and the same table parses a string map into typed values
//! ([`ConfigDef::parse`]) and gives the per-key results of the validate endpoint
//! ([`ConfigDef::validate`], [`ConfigDef::config_infos`]).

use std::collections::BTreeMap;
use std::sync::Arc;

use indexmap::IndexMap;

use super::info::{ConfigInfo, ConfigInfos, ConfigKeyInfo, ConfigValue};
use super::parsed::ParsedConfig;
use super::types::{ConfigError, ConfigType, Importance, ParsedValue, Width, parse_type};
use super::validators::{Recommender, Validator};

/// A string map a table reads: Connect's `Map<String, String>` in either form the crate
/// keeps it (insertion-ordered from properties files and REST bodies, sorted for the
/// configs connectors receive), so neither is copied just to be parsed.
pub trait Props {
    /// The value of `key`, if set.
    fn value(&self, key: &str) -> Option<&String>;
    /// The map in its own order, as the parsed config's originals.
    fn to_index_map(&self) -> IndexMap<String, String>;
}

impl Props for IndexMap<String, String> {
    fn value(&self, key: &str) -> Option<&String> {
        self.get(key)
    }
    fn to_index_map(&self) -> IndexMap<String, String> {
        self.clone()
    }
}

impl Props for BTreeMap<String, String> {
    fn value(&self, key: &str) -> Option<&String> {
        self.get(key)
    }
    fn to_index_map(&self) -> IndexMap<String, String> {
        self.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }
}

/// Parses and checks one key of a table: its value or default, duplicates dropped from a
/// `ValidList` (with Apache's warning), then its validator.
fn parse_key(key: &ConfigKey, props: &impl Props) -> Result<Option<ParsedValue>, ConfigError> {
    let mut value = match props.value(&key.name) {
        Some(raw) => Some(parse_type(&key.name, raw, key.ty)?),
        None => match &key.default {
            DefaultValue::Required => return Err(ConfigError::Missing(key.name.clone())),
            DefaultValue::Null => None,
            DefaultValue::Value(v) => Some(v.clone()),
        },
    };
    // Apache drops duplicate list items (with a warning) before a ValidList checks them.
    if let (Some(Validator::ValidList { .. }), Some(ParsedValue::List(items))) =
        (&key.validator, &mut value)
    {
        let before = items.clone();
        let mut seen = std::collections::HashSet::new();
        items.retain(|item| seen.insert(item.clone()));
        if items.len() != before.len() {
            tracing::warn!(
                "Configuration key \"{}\" contains duplicate values. Duplicates will be removed. The original value is: {:?}, the updated value is: {:?}",
                key.name,
                before,
                items
            );
        }
    }
    if let Some(validator) = &key.validator {
        validator.ensure_valid(&key.name, value.as_ref())?;
    }
    Ok(value)
}

/// The default of a key.
#[derive(Debug, Clone, PartialEq)]
pub enum DefaultValue {
    /// No default: the key is required.
    Required,
    /// The default is null: optional, and absent unless set.
    Null,
    /// A parsed default.
    Value(ParsedValue),
}

/// One declared key (Apache's `ConfigDef.ConfigKey`). Build it with [`ConfigKey::new`] and
/// the chained setters.
#[derive(Debug, Clone)]
pub struct ConfigKey {
    pub name: String,
    pub ty: ConfigType,
    pub default: DefaultValue,
    pub validator: Option<Validator>,
    pub importance: Importance,
    pub documentation: String,
    pub group: Option<String>,
    pub order_in_group: i32,
    pub width: Width,
    pub display_name: String,
    pub dependents: Vec<String>,
    pub recommender: Option<Arc<dyn Recommender>>,
    pub internal: bool,
    /// A default that did not parse as `ty` (a bug in the table, reported by `parse`).
    default_error: Option<ConfigError>,
}

impl ConfigKey {
    /// A required key with no group; the display name is the key name, as in Apache.
    pub fn new(name: &str, ty: ConfigType, importance: Importance, documentation: &str) -> Self {
        ConfigKey {
            name: name.to_owned(),
            ty,
            default: DefaultValue::Required,
            validator: None,
            importance,
            documentation: documentation.to_owned(),
            group: None,
            order_in_group: -1,
            width: Width::None,
            display_name: name.to_owned(),
            dependents: Vec::new(),
            recommender: None,
            internal: false,
            default_error: None,
        }
    }

    /// A default written as a string and parsed by the key's type, as Apache does.
    pub fn default_value(mut self, default: &str) -> Self {
        match parse_type(&self.name, default, self.ty) {
            Ok(v) => self.default = DefaultValue::Value(v),
            Err(e) => self.default_error = Some(e),
        }
        self
    }

    /// A null default: the key is optional and absent unless set.
    pub fn default_null(mut self) -> Self {
        self.default = DefaultValue::Null;
        self
    }

    /// Adds a validator.
    pub fn validator(mut self, validator: Validator) -> Self {
        self.validator = Some(validator);
        self
    }

    /// Places the key in a group, at an order within it.
    pub fn group(mut self, group: &str, order: i32) -> Self {
        self.group = Some(group.to_owned());
        self.order_in_group = order;
        self
    }

    /// Sets the display width.
    pub fn width(mut self, width: Width) -> Self {
        self.width = width;
        self
    }

    /// Sets the display name.
    pub fn display_name(mut self, display_name: &str) -> Self {
        self.display_name = display_name.to_owned();
        self
    }

    /// Keys whose validity depends on this one.
    pub fn dependents(mut self, dependents: &[&str]) -> Self {
        self.dependents = dependents.iter().map(|d| d.to_string()).collect();
        self
    }

    /// Sets the recommender.
    pub fn recommender(mut self, recommender: Arc<dyn Recommender>) -> Self {
        self.recommender = Some(recommender);
        self
    }

    /// Whether the key has no default.
    pub fn is_required(&self) -> bool {
        self.default == DefaultValue::Required
    }

    /// The validate endpoint's view of this key (Apache's `AbstractHerder.convertConfigKey`).
    pub fn info(&self) -> ConfigKeyInfo {
        let default_value = match &self.default {
            DefaultValue::Value(v) => Some(v.to_config_string()),
            DefaultValue::Required | DefaultValue::Null => None,
        };
        ConfigKeyInfo {
            name: self.name.clone(),
            ty: self.ty.name().to_owned(),
            required: self.is_required(),
            default_value,
            importance: format!("{:?}", self.importance).to_uppercase(),
            documentation: self.documentation.clone(),
            group: self.group.clone(),
            width: format!("{:?}", self.width).to_uppercase(),
            display_name: self.display_name.clone(),
            dependents: self.dependents.clone(),
            order_in_group: self.order_in_group,
        }
    }
}

/// A definition table: keys in declaration order, and the groups in first-seen order.
#[derive(Debug, Clone, Default)]
pub struct ConfigDef {
    keys: IndexMap<String, ConfigKey>,
    groups: Vec<String>,
    definition_errors: Vec<String>,
}

impl ConfigDef {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Declares a key. Declaring a name twice is a bug in the table: it is reported by
    /// [`ConfigDef::parse`] and [`ConfigDef::check`] as Apache's `... is defined twice.`.
    pub fn define(mut self, key: ConfigKey) -> Self {
        if self.keys.contains_key(&key.name) {
            self.definition_errors
                .push(format!("Configuration {} is defined twice.", key.name));
            return self;
        }
        if let Some(e) = &key.default_error {
            self.definition_errors.push(e.to_string());
        }
        if let Some(group) = &key.group
            && !self.groups.contains(group)
        {
            self.groups.push(group.clone());
        }
        self.keys.insert(key.name.clone(), key);
        self
    }

    /// The keys, in declaration order.
    pub fn keys(&self) -> impl Iterator<Item = &ConfigKey> {
        self.keys.values()
    }

    /// One key.
    pub fn key(&self, name: &str) -> Option<&ConfigKey> {
        self.keys.get(name)
    }

    /// The groups, in the order first declared.
    pub fn groups(&self) -> &[String] {
        &self.groups
    }

    /// Fails on a table bug: a key defined twice, a default that does not parse, a
    /// dependent that is not defined.
    pub fn check(&self) -> Result<(), ConfigError> {
        if let Some(e) = self.definition_errors.first() {
            return Err(ConfigError::Message(e.clone()));
        }
        let undefined = self.undefined_dependents();
        if !undefined.is_empty() {
            return Err(ConfigError::Message(format!(
                "Some configurations in are referred in the dependents, but not defined: {}",
                undefined.join(",")
            )));
        }
        Ok(())
    }

    fn undefined_dependents(&self) -> Vec<String> {
        let mut undefined: Vec<String> = Vec::new();
        for key in self.keys.values() {
            for dependent in &key.dependents {
                if !self.keys.contains_key(dependent) && !undefined.contains(dependent) {
                    undefined.push(dependent.clone());
                }
            }
        }
        undefined
    }

    /// Parses `props` against the table (Apache's `ConfigDef.parse`): the first problem, in
    /// declaration order, is the error. Keys not in the table are kept in
    /// [`ParsedConfig::originals`] and listed by [`ParsedConfig::unknown_keys`].
    pub fn parse(&self, props: &impl Props) -> Result<ParsedConfig, ConfigError> {
        self.check()?;
        let mut values = IndexMap::with_capacity(self.keys.len());
        for key in self.keys.values() {
            values.insert(key.name.clone(), parse_key(key, props)?);
        }
        Ok(ParsedConfig {
            values,
            originals: props.to_index_map(),
        })
    }

    /// Parses one key of the table the way [`ConfigDef::parse`] does (type, default,
    /// validator), for a caller that needs only that key; `Ok(None)` when it is null.
    pub fn parse_one(
        &self,
        name: &str,
        props: &impl Props,
    ) -> Result<Option<ParsedValue>, ConfigError> {
        let key = self
            .keys
            .get(name)
            .ok_or_else(|| ConfigError::Message(format!("Unknown configuration '{name}'")))?;
        parse_key(key, props)
    }

    /// Validates `props` key by key, collecting every problem instead of stopping at the
    /// first (Apache's `ConfigDef.validateAll`), in declaration order.
    pub fn validate(&self, props: &impl Props) -> IndexMap<String, ConfigValue> {
        let mut results: IndexMap<String, ConfigValue> = IndexMap::new();
        let mut parsed: IndexMap<String, Option<ParsedValue>> = IndexMap::new();
        for key in self.keys.values() {
            let mut result = ConfigValue::new(&key.name);
            let mut value = match props.value(&key.name) {
                Some(raw) => match parse_type(&key.name, raw, key.ty) {
                    Ok(v) => Some(v),
                    Err(e) => {
                        result.errors.push(e.to_string());
                        None
                    }
                },
                None => match &key.default {
                    DefaultValue::Required => {
                        result
                            .errors
                            .push(ConfigError::Missing(key.name.clone()).to_string());
                        None
                    }
                    DefaultValue::Null => None,
                    DefaultValue::Value(v) => Some(v.clone()),
                },
            };
            if let Some(validator) = &key.validator
                && let Err(e) = validator.ensure_valid(&key.name, value.as_ref())
            {
                result.errors.push(e.to_string());
                // A class check is Apache's class loading, part of parsing there: a class
                // it cannot load leaves no value to show.
                if key.ty == ConfigType::Class {
                    value = None;
                }
            }
            result.value = value.clone();
            parsed.insert(key.name.clone(), value);
            results.insert(key.name.clone(), result);
        }
        for key in self.keys.values() {
            if let Some(recommender) = &key.recommender {
                let result = &mut results[&key.name];
                result.recommended_values = recommender.valid_values(&key.name, &parsed);
                result.visible = recommender.visible(&key.name, &parsed);
            }
        }
        for undefined in self.undefined_dependents() {
            let mut result = ConfigValue::new(&undefined);
            result.errors.push(format!(
                "{undefined} is referred in the dependents, but not defined."
            ));
            result.visible = false;
            results.insert(undefined, result);
        }
        results
    }

    /// The validate endpoint's answer for `props` (Apache's `ConfigInfos`), named `name`.
    pub fn config_infos(&self, name: &str, props: &impl Props) -> ConfigInfos {
        let mut results = self.validate(props);
        let mut configs = Vec::with_capacity(results.len());
        for key in self.keys.values() {
            if let Some(value) = results.shift_remove(&key.name) {
                configs.push(ConfigInfo {
                    definition: Some(key.info()),
                    value: Some(value.info(key.ty)),
                });
            }
        }
        for (_, value) in results {
            configs.push(ConfigInfo {
                definition: None,
                value: Some(value.info(ConfigType::String)),
            });
        }
        ConfigInfos {
            name: name.to_owned(),
            error_count: configs.iter().map(|c| c.errors().len()).sum(),
            groups: self.groups.clone(),
            configs,
        }
    }
}
/// Apache's `ConfigDef.sortedConfigs`: by group (ungrouped first), order in group, keys
/// without default first, importance (high first), then name.
pub fn sort_like_config_def(keys: &mut [ConfigKey], groups: &[String]) {
    let importance = |i: Importance| match i {
        Importance::High => 0,
        Importance::Medium => 1,
        Importance::Low => 2,
    };
    let group_rank = |k: &ConfigKey| {
        k.group.as_ref().map_or(-1, |g| {
            groups.iter().position(|x| x == g).unwrap_or(0) as i64
        })
    };
    keys.sort_by(|a, b| {
        group_rank(a)
            .cmp(&group_rank(b))
            .then(a.order_in_group.cmp(&b.order_in_group))
            .then(b.is_required().cmp(&a.is_required()))
            .then(importance(a.importance).cmp(&importance(b.importance)))
            .then(a.name.cmp(&b.name))
    });
}
