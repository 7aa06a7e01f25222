//! A connector's `transforms=` chain, with each step's optional predicate.
//!
//! Building follows Apache's worker step by step, so the same config fails with the same
//! message: `ConnectorConfig.enrich` (each alias's `type` must name a known class of the
//! right kind), then the enriched table's parse (the keys `transforms.<alias>.predicate`,
//! `.negate` and the transform's own keys, prefixed, in Apache's sorted order), then
//! `transformationStages` (each transform configured with its keys, its predicate looked
//! up and configured). The same enrichment gives the validate endpoint its
//! `Transforms: <alias>` and `Predicates: <alias>` groups ([`transform_config_infos`]).

use indexmap::IndexMap;

use super::{
    ConnectRecord, Predicate, PredicatePlugin, TransformError, TransformPlugin, Transformation,
    predicate_plugins, transform_plugins,
};
use crate::config::{
    ConfigDef, ConfigError, ConfigInfo, ConfigKey, ConfigKeyInfo, ConfigType, ConfigValueInfo,
    DefaultValue, Importance, ParsedValue, parse_type, strip_prefix,
};
use crate::data::{SinkRecord, SourceRecord};
use crate::runtime::config::connector::{ConnectorConfig, PREDICATES, TRANSFORMS};

/// The implicit key naming a transformation's predicate alias.
pub const PREDICATE_KEY: &str = "predicate";
/// The implicit key inverting a transformation's predicate.
pub const NEGATE_KEY: &str = "negate";
/// The suffix of the per-alias plugin version keys (`transforms.<alias>.plugin.version`).
const VERSION_SUFFIX: &str = "plugin.version";

/// One configured step: a transformation, applied when its predicate (if any) agrees.
struct Step {
    transform: Box<dyn Transformation>,
    predicate: Option<Box<dyn Predicate>>,
    negate: bool,
}

impl Step {
    fn applies_to(&self, record: &ConnectRecord) -> bool {
        match &self.predicate {
            None => true,
            Some(predicate) => self.negate ^ predicate.test(record),
        }
    }
}

/// The configured transformations of one connector, in order.
#[derive(Default)]
pub struct TransformChain {
    steps: Vec<Step>,
}

impl std::fmt::Debug for TransformChain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransformChain")
            .field("steps", &self.steps.len())
            .finish()
    }
}

impl TransformChain {
    /// Builds the chain `transforms=` names, with `transforms.<alias>.type`, its own keys,
    /// and `predicate`/`negate`; the errors are Apache's for the same config.
    pub fn from_config(config: &ConnectorConfig) -> Result<TransformChain, TransformError> {
        let props = config.originals();
        let aliases = Enrichment::resolve(props, &config.transforms, &config.predicates)?;
        aliases.check(props)?;
        let mut steps = Vec::with_capacity(config.transforms.len());
        for alias in &config.transforms {
            let prefix = format!("{TRANSFORMS}.{alias}.");
            let plugin = aliases
                .transform(alias)
                .ok_or_else(|| ConfigError::Message(format!("Unknown transformation {alias}")))?;
            let mut own = strip_prefix(props, &prefix);
            let predicate_alias = own.shift_remove(PREDICATE_KEY);
            // Apache reads the original string with Boolean.parseBoolean, untrimmed.
            let negate = own
                .shift_remove(NEGATE_KEY)
                .is_some_and(|v| v.eq_ignore_ascii_case("true"));
            let transform = (plugin.create)(&own)?;
            let predicate = match predicate_alias {
                None => None,
                Some(predicate_alias) => {
                    // Used untrimmed, as Apache reads it from the originals.
                    let Some(plugin) = aliases.predicate(&predicate_alias) else {
                        // Apache looks the undefined alias up in its enriched config and
                        // fails on the first key it asks for, the version.
                        return Err(ConfigError::Message(format!(
                            "Unknown configuration '{PREDICATES}.{predicate_alias}.{VERSION_SUFFIX}'"
                        ))
                        .into());
                    };
                    let own = strip_prefix(props, &format!("{PREDICATES}.{predicate_alias}."));
                    Some((plugin.create)(&own)?)
                }
            };
            steps.push(Step {
                transform,
                predicate,
                negate,
            });
        }
        Ok(TransformChain { steps })
    }

    /// Whether no transformation is configured.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// Runs the chain on a record; `Ok(None)` when a step dropped it.
    pub fn apply(
        &self,
        mut record: ConnectRecord,
    ) -> Result<Option<ConnectRecord>, TransformError> {
        for step in &self.steps {
            if !step.applies_to(&record) {
                continue;
            }
            match step.transform.apply(record)? {
                Some(next) => record = next,
                None => return Ok(None),
            }
        }
        Ok(Some(record))
    }

    /// Runs the chain on a source record (before conversion).
    pub fn apply_source(
        &self,
        record: SourceRecord,
    ) -> Result<Option<SourceRecord>, TransformError> {
        if self.is_empty() {
            return Ok(Some(record));
        }
        let (common, extras) = ConnectRecord::from_source(record);
        Ok(self.apply(common)?.map(|r| r.into_source(extras)))
    }

    /// Runs the chain on a sink record (after conversion).
    pub fn apply_sink(&self, record: SinkRecord) -> Result<Option<SinkRecord>, TransformError> {
        if self.is_empty() {
            return Ok(Some(record));
        }
        let (common, extras) = ConnectRecord::from_sink(record);
        Ok(self.apply(common)?.map(|r| r.into_sink(extras)))
    }
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

/// The class of the other kind a name resolves to (a predicate used as a transformation
/// or the reverse): Apache says that class does not implement the interface.
fn other_kind_class(kind: Kind, class: &str) -> Option<&'static str> {
    match kind {
        Kind::Transformation => find_predicate(class).map(|p| p.class),
        Kind::Predicate => find_transform(class).map(|p| p.class),
    }
}

/// Transformation or predicate: the two families of aliased plugins.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Transformation,
    Predicate,
}

impl Kind {
    fn list_key(self) -> &'static str {
        match self {
            Kind::Transformation => TRANSFORMS,
            Kind::Predicate => PREDICATES,
        }
    }
    fn group(self) -> &'static str {
        match self {
            Kind::Transformation => "Transforms",
            Kind::Predicate => "Predicates",
        }
    }
    fn name(self) -> &'static str {
        match self {
            Kind::Transformation => "Transformation",
            Kind::Predicate => "Predicate",
        }
    }
    fn lower(self) -> &'static str {
        match self {
            Kind::Transformation => "transformation",
            Kind::Predicate => "predicate",
        }
    }
}

/// One alias of `transforms=` or `predicates=` with what its `type` resolved to.
struct Alias {
    kind: Kind,
    alias: String,
    /// The plugin's class and its keys, when `type` names a known plugin of this kind.
    resolved: Option<(&'static str, ConfigDef)>,
    /// Why `type` did not resolve (Apache's enrichment error).
    problem: Option<ConfigError>,
}

impl Alias {
    fn prefix(&self) -> String {
        format!("{}.{}.", self.kind.list_key(), self.alias)
    }
    fn type_key(&self) -> String {
        format!("{}type", self.prefix())
    }
    fn group(&self) -> String {
        format!("{}: {}", self.kind.group(), self.alias)
    }

    /// The alias's own keys as Apache embeds them: for transformations the implicit
    /// `predicate` and `negate` first defined, then all sorted as `ConfigDef.embed` sorts.
    fn embedded_keys(&self) -> Vec<ConfigKey> {
        let Some((_, def)) = &self.resolved else {
            return Vec::new();
        };
        let mut keys: Vec<ConfigKey> = Vec::new();
        if self.kind == Kind::Transformation {
            keys.push(
                ConfigKey::new(
                    PREDICATE_KEY,
                    ConfigType::String,
                    Importance::Medium,
                    "The alias of a predicate used to determine whether to apply this transformation.",
                )
                .default_null(),
            );
            keys.push(
                ConfigKey::new(
                    NEGATE_KEY,
                    ConfigType::Boolean,
                    Importance::Medium,
                    "Whether the configured predicate should be negated.",
                )
                .default_value("false"),
            );
        }
        // A plugin key named like an implicit one is masked by it, as in Apache.
        keys.extend(
            def.keys()
                .filter(|k| {
                    self.kind != Kind::Transformation
                        || (k.name != PREDICATE_KEY && k.name != NEGATE_KEY)
                })
                .cloned(),
        );
        sort_like_config_def(&mut keys, def.groups());
        keys
    }
}

/// Apache's `ConfigDef.sortedConfigs`: by group (ungrouped first), order in group, keys
/// without default first, importance (high first), then name.
fn sort_like_config_def(keys: &mut [ConfigKey], groups: &[String]) {
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

/// The aliases of a connector config, resolved to plugins (Apache's `EnrichablePlugin`).
struct Enrichment {
    aliases: Vec<Alias>,
}

impl Enrichment {
    /// Resolves every alias's `type`. With `require_full` (building a chain) the first
    /// problem is the error; without (validation) problems are kept on the aliases.
    fn enrich(
        props: &IndexMap<String, String>,
        transforms: &[String],
        predicates: &[String],
        require_full: bool,
    ) -> Result<Self, ConfigError> {
        let mut aliases = Vec::new();
        for (kind, list) in [
            (Kind::Transformation, transforms),
            (Kind::Predicate, predicates),
        ] {
            let mut seen = std::collections::HashSet::new();
            for alias in list.iter().filter(|a| seen.insert(a.as_str())) {
                let mut entry = Alias {
                    kind,
                    alias: alias.clone(),
                    resolved: None,
                    problem: None,
                };
                let type_key = entry.type_key();
                let problem = match props.get(&type_key) {
                    None => Some(ConfigError::invalid(
                        &type_key,
                        "null",
                        format!("Not a {}", kind.name()),
                    )),
                    Some(raw) => {
                        let class = crate::config::java_trim(raw);
                        let found = match kind {
                            Kind::Transformation => {
                                find_transform(class).map(|p| (p.class, (p.config_def)()))
                            }
                            Kind::Predicate => {
                                find_predicate(class).map(|p| (p.class, (p.config_def)()))
                            }
                        };
                        match found {
                            // Apache resolves the trimmed class, then instantiates the plugin
                            // by the raw value, which fails when it has surrounding spaces.
                            Some(_) if class != raw => Some(ConfigError::invalid(
                                &type_key,
                                raw,
                                format!(
                                    "Error getting config definition from {}: {raw}",
                                    kind.name()
                                ),
                            )),
                            Some(resolved) => {
                                entry.resolved = Some(resolved);
                                None
                            }
                            None => match other_kind_class(kind, class) {
                                Some(other) => Some(ConfigError::Message(format!(
                                    "Class class {other} does not implement the {} interface",
                                    kind.name()
                                ))),
                                None => Some(ConfigError::class_not_found(&type_key, class)),
                            },
                        }
                    }
                };
                if let Some(problem) = problem {
                    if require_full {
                        return Err(problem);
                    }
                    entry.problem = Some(problem);
                }
                aliases.push(entry);
            }
        }
        Ok(Enrichment { aliases })
    }

    fn resolve(
        props: &IndexMap<String, String>,
        transforms: &[String],
        predicates: &[String],
    ) -> Result<Self, ConfigError> {
        Self::enrich(props, transforms, predicates, true)
    }

    fn find(&self, kind: Kind, alias: &str) -> Option<&Alias> {
        self.aliases
            .iter()
            .find(|a| a.kind == kind && a.alias == alias)
    }

    fn transform(&self, alias: &str) -> Option<TransformPlugin> {
        let (class, _) = self.find(Kind::Transformation, alias)?.resolved.as_ref()?;
        find_transform(class)
    }

    fn predicate(&self, alias: &str) -> Option<PredicatePlugin> {
        let (class, _) = self.find(Kind::Predicate, alias)?.resolved.as_ref()?;
        find_predicate(class)
    }

    /// The enriched table's parse, as Apache runs it once the aliases resolved: the first
    /// problem in declaration order.
    fn check(&self, props: &IndexMap<String, String>) -> Result<(), ConfigError> {
        for alias in &self.aliases {
            if let Some(problem) = negate_without_predicate(alias, props) {
                return Err(problem);
            }
            let prefix = alias.prefix();
            for key in alias.embedded_keys() {
                let (_, errors) = embedded_value(&prefix, &key, props);
                if let Some(first) = errors.into_iter().next() {
                    return Err(first);
                }
            }
        }
        Ok(())
    }
}

/// Apache's extra check of a transformation alias (run by its `type` validator).
fn negate_without_predicate(
    alias: &Alias,
    props: &IndexMap<String, String>,
) -> Option<ConfigError> {
    if alias.kind != Kind::Transformation {
        return None;
    }
    let prefix = alias.prefix();
    let negate = format!("{prefix}{NEGATE_KEY}");
    let predicate = format!("{prefix}{PREDICATE_KEY}");
    (props.contains_key(&negate) && !props.contains_key(&predicate)).then(|| {
        ConfigError::Message(format!(
            "Config '{negate}' was provided but there is no config '{predicate}' defining a predicate to be negated."
        ))
    })
}

/// Parses and validates one embedded key: type and missing errors name the prefixed key,
/// validator errors the plugin's own name (Apache's embedded validators strip the prefix).
fn embedded_value(
    prefix: &str,
    key: &ConfigKey,
    props: &IndexMap<String, String>,
) -> (Option<ParsedValue>, Vec<ConfigError>) {
    let name = format!("{prefix}{}", key.name);
    let mut errors = Vec::new();
    let value = match props.get(&name) {
        Some(raw) => match parse_type(&name, raw, key.ty) {
            Ok(v) => Some(v),
            Err(e) => {
                errors.push(e);
                None
            }
        },
        None => match &key.default {
            DefaultValue::Required => {
                errors.push(ConfigError::Missing(name.clone()));
                None
            }
            DefaultValue::Null => None,
            DefaultValue::Value(v) => Some(v.clone()),
        },
    };
    // No duplicate dropping here: Apache does that only for a bare `ValidList`, and the
    // embedded validator is a wrapper around it, so duplicates are an error.
    if let Some(validator) = &key.validator
        && let Err(e) = validator.ensure_valid(&key.name, value.as_ref())
    {
        errors.push(e);
    }
    (value, errors)
}

/// The version every built-in transformation and predicate reports (Apache's
/// `AppInfoParser.getVersion()` of the Kafka release they come with).
pub const PLUGIN_VERSION: &str = "4.3.1";

/// What the validate endpoint adds for the `transforms=` and `predicates=` aliases of a
/// connector config (Apache's `ConnectorConfig.enrich` with `requireFullConfig=false`,
/// then `validateAll`): the new groups, in order, and one entry per key.
pub fn transform_config_infos(props: &IndexMap<String, String>) -> (Vec<String>, Vec<ConfigInfo>) {
    let list = |key: &str| {
        props
            .get(key)
            .map(|v| crate::config::parse_list(v))
            .unwrap_or_default()
    };
    let Ok(enrichment) = Enrichment::enrich(props, &list(TRANSFORMS), &list(PREDICATES), false)
    else {
        return (Vec::new(), Vec::new());
    };
    let mut groups = Vec::new();
    let mut infos = Vec::new();
    let transform_classes: Vec<String> = transform_plugins()
        .iter()
        .map(|p| p.class.to_owned())
        .collect();
    let predicate_classes: Vec<String> = predicate_plugins()
        .iter()
        .map(|p| p.class.to_owned())
        .collect();
    for alias in &enrichment.aliases {
        let group = alias.group();
        groups.push(group.clone());
        let prefix = alias.prefix();
        let kind = alias.kind;
        let simple = match kind {
            Kind::Transformation => "Transformation",
            Kind::Predicate => "Predicate",
        };

        // `<prefix>type`.
        let type_key = alias.type_key();
        let mut errors = Vec::new();
        let raw_type = props.get(&type_key);
        if raw_type.is_none() {
            errors.push(ConfigError::Missing(type_key.clone()).to_string());
        } else if let Some(problem) = &alias.problem {
            errors.push(problem.to_string());
        }
        if let Some(problem) = negate_without_predicate(alias, props) {
            errors.push(problem.to_string());
        }
        let recommended = match kind {
            Kind::Transformation => transform_classes.clone(),
            Kind::Predicate => predicate_classes.clone(),
        };
        infos.push(ConfigInfo {
            definition: Some(ConfigKeyInfo {
                name: type_key.clone(),
                ty: ConfigType::Class.name().to_owned(),
                required: true,
                default_value: None,
                importance: "HIGH".to_owned(),
                documentation: format!("Class for the '{}' {}.", alias.alias, kind.lower()),
                group: Some(group.clone()),
                order_in_group: 0,
                width: "LONG".to_owned(),
                display_name: format!("{simple} type for {}", alias.alias),
                dependents: Vec::new(),
            }),
            value: ConfigValueInfo {
                name: type_key.clone(),
                value: alias
                    .resolved
                    .as_ref()
                    .map(|(class, _)| (*class).to_owned()),
                recommended_values: recommended,
                errors,
                visible: true,
            },
        });

        // `<prefix>plugin.version`: the built-ins have one version.
        let version_key = format!("{prefix}{VERSION_SUFFIX}");
        let version_default = alias.resolved.as_ref().map(|_| PLUGIN_VERSION.to_owned());
        infos.push(ConfigInfo {
            definition: Some(ConfigKeyInfo {
                name: version_key.clone(),
                ty: ConfigType::String.name().to_owned(),
                required: false,
                default_value: version_default.clone(),
                importance: "HIGH".to_owned(),
                documentation: format!("Version of the '{}' {}.", alias.alias, kind.lower()),
                group: Some(group.clone()),
                order_in_group: 1,
                width: "LONG".to_owned(),
                display_name: format!("{simple} version for {}", alias.alias),
                dependents: Vec::new(),
            }),
            value: ConfigValueInfo {
                name: version_key.clone(),
                value: props.get(&version_key).cloned().or(version_default),
                recommended_values: alias
                    .resolved
                    .as_ref()
                    .map(|_| vec![PLUGIN_VERSION.to_owned()])
                    .unwrap_or_default(),
                errors: Vec::new(),
                visible: true,
            },
        });

        // The embedded keys, numbered from 2 in their sorted order.
        for (order, key) in alias.embedded_keys().iter().enumerate() {
            let (value, errors) = embedded_value(&prefix, key, props);
            let mut definition = key.info();
            definition.name = format!("{prefix}{}", key.name);
            definition.group = Some(match &key.group {
                Some(own) => format!("{group}: {own}"),
                None => group.clone(),
            });
            definition.order_in_group = order as i32 + 2;
            definition.dependents = key
                .dependents
                .iter()
                .map(|d| format!("{prefix}{d}"))
                .collect();
            infos.push(ConfigInfo {
                value: ConfigValueInfo {
                    name: definition.name.clone(),
                    value: value.as_ref().map(ParsedValue::to_config_string),
                    recommended_values: Vec::new(),
                    errors: errors.iter().map(ToString::to_string).collect(),
                    visible: true,
                },
                definition: Some(definition),
            });
        }
    }
    (groups, infos)
}

/// `GET /connector-plugins/{class}/config` for a transformation or predicate: its own keys
/// (Apache answers the plugin's `config()` as declared, unprefixed); `None` when the name
/// is neither.
pub fn plugin_config_keys(name: &str) -> Option<Vec<ConfigKeyInfo>> {
    let def = find_transform(name)
        .map(|p| (p.config_def)())
        .or_else(|| find_predicate(name).map(|p| (p.config_def)()))?;
    Some(def.keys().map(ConfigKey::info).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Header, Value};

    fn config(pairs: &[(&str, &str)]) -> ConnectorConfig {
        let mut props: IndexMap<String, String> =
            [("name", "c"), ("connector.class", "FileStreamSource")]
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
        props.extend(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        ConnectorConfig::from_props(&props).unwrap()
    }

    fn chain(pairs: &[(&str, &str)]) -> Result<TransformChain, String> {
        TransformChain::from_config(&config(pairs)).map_err(|e| e.to_string())
    }

    fn record(topic: &str, value: Value) -> ConnectRecord {
        ConnectRecord {
            topic: topic.into(),
            kafka_partition: None,
            kafka_offset: None,
            key_schema: None,
            key: Value::Null,
            value_schema: None,
            value,
            timestamp: Some(0),
            headers: vec![Header {
                key: "h".into(),
                schema: None,
                value: Value::Null,
            }],
        }
    }

    #[test]
    fn predicates_gate_their_transformation() {
        let chain = chain(&[
            ("transforms", "drop"),
            (
                "transforms.drop.type",
                "org.apache.kafka.connect.transforms.Filter",
            ),
            ("transforms.drop.predicate", "isLogs"),
            ("predicates", "isLogs"),
            (
                "predicates.isLogs.type",
                "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
            ),
            ("predicates.isLogs.pattern", "logs-.*"),
        ])
        .unwrap();
        assert!(
            chain
                .apply(record("logs-1", Value::Null))
                .unwrap()
                .is_none()
        );
        assert!(
            chain
                .apply(record("orders", Value::Null))
                .unwrap()
                .is_some()
        );

        let negated = self::chain(&[
            ("transforms", "drop"),
            (
                "transforms.drop.type",
                "org.apache.kafka.connect.transforms.Filter",
            ),
            ("transforms.drop.predicate", "t"),
            ("transforms.drop.negate", "true"),
            ("predicates", "t"),
            (
                "predicates.t.type",
                "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone",
            ),
        ])
        .unwrap();
        assert!(negated.apply(record("a", Value::Null)).unwrap().is_some());
        assert!(
            negated
                .apply(record("a", Value::Int8(1)))
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn config_errors_are_apaches() {
        assert_eq!(
            chain(&[("transforms", "r")]).unwrap_err(),
            "Invalid value null for configuration transforms.r.type: Not a Transformation"
        );
        assert_eq!(
            chain(&[
                ("transforms", "r"),
                ("transforms.r.type", "com.example.Nope")
            ])
            .unwrap_err(),
            "Invalid value com.example.Nope for configuration transforms.r.type: Class com.example.Nope could not be found."
        );
        assert_eq!(
            chain(&[
                ("transforms", "r"),
                (
                    "transforms.r.type",
                    "org.apache.kafka.connect.transforms.RegexRouter"
                ),
            ])
            .unwrap_err(),
            "Missing required configuration \"transforms.r.regex\" which has no default value."
        );
        assert_eq!(
            chain(&[
                ("transforms", "r"),
                (
                    "transforms.r.type",
                    "org.apache.kafka.connect.transforms.Filter"
                ),
                ("transforms.r.negate", "true"),
            ])
            .unwrap_err(),
            "Config 'transforms.r.negate' was provided but there is no config 'transforms.r.predicate' defining a predicate to be negated."
        );
        assert_eq!(
            chain(&[
                ("transforms", "r"),
                (
                    "transforms.r.type",
                    "org.apache.kafka.connect.transforms.Filter"
                ),
                ("transforms.r.predicate", "p"),
            ])
            .unwrap_err(),
            "Unknown configuration 'predicates.p.plugin.version'"
        );
        assert!(chain(&[]).unwrap().is_empty());
    }

    #[test]
    fn validation_groups_and_keys() {
        let props: IndexMap<String, String> = [
            ("transforms", "r"),
            (
                "transforms.r.type",
                "org.apache.kafka.connect.transforms.RegexRouter",
            ),
            ("transforms.r.regex", "a"),
            ("predicates", "p"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let (groups, infos) = transform_config_infos(&props);
        assert_eq!(groups, ["Transforms: r", "Predicates: p"]);
        let names: Vec<&str> = infos.iter().map(|i| i.value.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "transforms.r.type",
                "transforms.r.plugin.version",
                "transforms.r.regex",
                "transforms.r.replacement",
                "transforms.r.negate",
                "transforms.r.predicate",
                "predicates.p.type",
                "predicates.p.plugin.version",
            ]
        );
        assert_eq!(
            infos[3].value.errors,
            [
                "Missing required configuration \"transforms.r.replacement\" which has no default value."
            ]
        );
        assert_eq!(
            infos[6].value.errors,
            ["Missing required configuration \"predicates.p.type\" which has no default value."]
        );
    }
}
