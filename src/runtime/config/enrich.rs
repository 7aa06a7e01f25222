//! Connector-config enrichment (Apache's `ConnectorConfig.enrich`): each alias of
//! `transforms=` and `predicates=` resolved to a plugin, and that plugin's keys embedded
//! under `transforms.<alias>.` / `predicates.<alias>.`. The chain builds on it
//! ([`crate::runtime::transform_chain`]), and it gives the validate endpoint its
//! `Transforms: <alias>` and `Predicates: <alias>` groups ([`transform_config_infos`]).

use indexmap::IndexMap;

use super::connector::{PREDICATES, TRANSFORMS};
use crate::config::{
    ConfigDef, ConfigError, ConfigInfo, ConfigKey, ConfigKeyInfo, ConfigType, ConfigValueInfo,
    DefaultValue, Importance, ParsedValue, parse_type, sort_like_config_def,
};
use crate::transforms::{
    PLUGIN_VERSION, PredicatePlugin, TransformPlugin, find_predicate, find_transform,
    predicate_plugins, transform_plugins,
};

/// The implicit key naming a transformation's predicate alias.
pub const PREDICATE_KEY: &str = "predicate";
/// The implicit key inverting a transformation's predicate.
pub const NEGATE_KEY: &str = "negate";
/// The suffix of the per-alias plugin version keys (`transforms.<alias>.plugin.version`).
pub const VERSION_SUFFIX: &str = "plugin.version";

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

/// The aliases of a connector config, resolved to plugins (Apache's `EnrichablePlugin`).
pub(crate) struct Enrichment {
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

    pub(crate) fn resolve(
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

    pub(crate) fn transform(&self, alias: &str) -> Option<TransformPlugin> {
        let (class, _) = self.find(Kind::Transformation, alias)?.resolved.as_ref()?;
        find_transform(class)
    }

    pub(crate) fn predicate(&self, alias: &str) -> Option<PredicatePlugin> {
        let (class, _) = self.find(Kind::Predicate, alias)?.resolved.as_ref()?;
        find_predicate(class)
    }

    /// The enriched table's parse, as Apache runs it once the aliases resolved: the first
    /// problem in declaration order.
    pub(crate) fn check(&self, props: &IndexMap<String, String>) -> Result<(), ConfigError> {
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
            value: Some(ConfigValueInfo {
                name: type_key.clone(),
                value: alias
                    .resolved
                    .as_ref()
                    .map(|(class, _)| (*class).to_owned()),
                recommended_values: recommended,
                errors,
                visible: true,
            }),
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
            value: Some(ConfigValueInfo {
                name: version_key.clone(),
                value: props.get(&version_key).cloned().or(version_default),
                recommended_values: alias
                    .resolved
                    .as_ref()
                    .map(|_| vec![PLUGIN_VERSION.to_owned()])
                    .unwrap_or_default(),
                errors: Vec::new(),
                visible: true,
            }),
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
                value: Some(ConfigValueInfo {
                    name: definition.name.clone(),
                    value: value.as_ref().map(ParsedValue::to_config_string),
                    recommended_values: Vec::new(),
                    errors: errors.iter().map(ToString::to_string).collect(),
                    visible: true,
                }),
                definition: Some(definition),
            });
        }
    }
    (groups, infos)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let names: Vec<&str> = infos.iter().map(|i| i.name()).collect();
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
            infos[3].value.as_ref().unwrap().errors,
            [
                "Missing required configuration \"transforms.r.replacement\" which has no default value."
            ]
        );
        assert_eq!(
            infos[6].value.as_ref().unwrap().errors,
            ["Missing required configuration \"predicates.p.type\" which has no default value."]
        );
    }
}
