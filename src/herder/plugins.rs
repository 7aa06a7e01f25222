//! The plugin side of the control plane, shared by every herder (Apache keeps it in
//! `AbstractHerder`): listing plugins, their config tables, and validating a connector
//! config against the runtime's table, the transforms' keys and the connector's own table.

use indexmap::IndexMap;

use super::entities::{PluginConfigKey, PluginEntry, ValidatedConfig, ValidationInfos};
use super::{HerderError, HerderResult};
use crate::config::{ConfigKey, ConfigValueInfo};
use crate::connectors::{ConfigMap, ConnectorKind, ConnectorValidation, Registry};
use crate::runtime::config::connector::{sink_config_def, sink_topic_problems, source_config_def};
use crate::runtime::config::enrich::transform_config_infos;
use crate::runtime::config::override_policy::{OverridePolicy, checked_clients};
use crate::runtime::kafka::is_secret_key;
use crate::transforms::plugin_config_keys;
use crate::transforms::{predicate_plugins, transform_plugins};

/// The plugins a cluster has and the worker defaults validation shows.
pub struct PluginCatalog<'a> {
    pub registry: &'a Registry,
    /// The worker's `key.converter` class, shown as the connector's default.
    pub key_converter: &'a str,
    /// The worker's `value.converter` class.
    pub value_converter: &'a str,
    /// Which `*.override.*` client settings connectors may use.
    pub override_policy: &'a OverridePolicy,
}

impl PluginCatalog<'_> {
    /// `GET /connector-plugins`: connectors, and with `connectors_only` false also the
    /// transformations, predicates and converters.
    pub fn plugins(&self, connectors_only: bool) -> Vec<PluginEntry> {
        let mut entries: Vec<PluginEntry> = self
            .registry
            .plugins()
            .into_iter()
            .map(PluginEntry::from)
            .collect();
        if !connectors_only {
            let version = runtime_version();
            // Apache's order: connectors, transformations, predicates, converters.
            entries.extend(transform_plugins().iter().map(|p| PluginEntry {
                class: p.class.to_owned(),
                plugin_type: "transformation".to_owned(),
                version: version.clone(),
            }));
            entries.extend(predicate_plugins().iter().map(|p| PluginEntry {
                class: p.class.to_owned(),
                plugin_type: "predicate".to_owned(),
                version: version.clone(),
            }));
            entries.extend(CONVERTERS.iter().map(|class| PluginEntry {
                class: (*class).to_owned(),
                plugin_type: "converter".to_owned(),
                version: version.clone(),
            }));
        }
        entries
    }

    /// `GET /connector-plugins/{plugin}/config`: a connector's table (the runtime's keys
    /// for its kind), or a transformation's or predicate's own keys.
    pub fn plugin_config(&self, plugin: &str) -> HerderResult<Vec<PluginConfigKey>> {
        let desc = match self.registry.resolve(plugin) {
            Ok(desc) => desc,
            Err(_) => {
                let converter = crate::data::converters::plugin_config_def(plugin)
                    .map(|def| def.keys().map(ConfigKey::info).collect());
                return converter
                    .or_else(|| plugin_config_keys(plugin))
                    .ok_or_else(|| HerderError::NotFound(format!("Unknown plugin {plugin}.")));
            }
        };
        let runtime = match desc.kind() {
            ConnectorKind::Source => source_config_def(),
            ConnectorKind::Sink => sink_config_def(),
        };
        let connector = self
            .registry
            .create_connector(plugin)
            .map_err(|e| HerderError::NotFound(e.to_string()))?;
        // Apache lists the connector's own keys, then the runtime's.
        let mut keys: Vec<PluginConfigKey> = connector.config_infos();
        keys.extend(runtime.keys().map(ConfigKey::info));
        let version = desc.version().to_owned();
        set_version_default(
            keys.iter_mut().find(|k| k.name == PLUGIN_VERSION_KEY),
            &version,
        );
        Ok(keys)
    }

    /// `PUT /connector-plugins/{plugin}/config/validate`.
    pub fn validate_for_plugin(
        &self,
        plugin: &str,
        config: &ConfigMap,
    ) -> HerderResult<ValidationInfos> {
        if let Some(class) = config.get("connector.class")
            && !plugin_matches(class, plugin)
        {
            return Err(HerderError::BadRequest(format!(
                "Included connector type {class} does not match request type {plugin}"
            )));
        }
        // Apache wraps an unknown class here into a 500 with both exception names.
        self.validate_all(config).map_err(|e| match e {
            HerderError::BadRequest(m) if config.contains_key("connector.class") => {
                HerderError::Internal(format!(
                    "org.apache.kafka.connect.runtime.rest.errors.BadRequestException: org.apache.kafka.connect.errors.ConnectException: {m}"
                ))
            }
            other => other,
        })
    }

    /// Checks a config before it is stored: Apache rejects an invalid one with 400 and
    /// the list of problems.
    pub fn validate(&self, config: &ConfigMap) -> HerderResult<()> {
        let infos = self.validate_all(config)?;
        if infos.error_count == 0 {
            return Ok(());
        }
        let errors: Vec<&str> = infos
            .configs
            .iter()
            .flat_map(|c| c.errors().iter().map(String::as_str))
            .collect();
        Err(HerderError::BadRequest(format!(
            "Connector configuration is invalid and contains the following {} error(s):\n{}\nYou can also find the above list of errors at the endpoint `/connector-plugins/{{connectorType}}/config/validate`",
            errors.len(),
            errors.join("\n")
        )))
    }

    /// The version a running connector or task reports: its plugin's.
    pub fn plugin_version(&self, config: &ConfigMap) -> Option<String> {
        let class = config.get("connector.class")?;
        let plugin = self.registry.resolve(class).ok()?;
        Some(plugin.version().to_owned())
    }

    /// `source` or `sink`, when the class is known.
    pub fn connector_type(&self, config: &ConfigMap) -> Option<String> {
        let class = config.get("connector.class")?;
        let plugin = self.registry.resolve(class).ok()?;
        Some(plugin.kind().as_str().to_owned())
    }

    /// Validates a connector config the way Apache's `AbstractHerder.validateConnectorConfig`
    /// does: the runtime's definition table for the connector's kind, then the
    /// connector's own keys.
    pub fn validate_all(&self, config: &ConfigMap) -> HerderResult<ValidationInfos> {
        let class = config.get("connector.class").ok_or_else(|| {
            HerderError::BadRequest(format!(
                "Connector config {} contains no connector type",
                java_map(config)
            ))
        })?;
        let plugin = self
            .registry
            .resolve(class)
            .map_err(|e| HerderError::BadRequest(e.to_string()))?;
        let def = match plugin.kind() {
            ConnectorKind::Source => source_config_def(),
            ConnectorKind::Sink => sink_config_def(),
        };
        let props: IndexMap<String, String> =
            config.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        let runtime = def.config_infos(class, &props);
        let mut configs: Vec<ValidatedConfig> = runtime.configs;
        let mut groups = runtime.groups;
        // Each `transforms=`/`predicates=` alias adds its group and keys, after the
        // runtime's and before the connector's own (Apache's enriched table).
        let (alias_groups, alias_configs) = transform_config_infos(&props);
        groups.extend(alias_groups);
        configs.extend(alias_configs);
        if plugin.kind() == ConnectorKind::Sink {
            // Apache's `SinkConnectorConfig.validate`: the topic rules, on the runtime's keys.
            for (key, _, message) in sink_topic_problems(&props) {
                if let Some(existing) = configs.iter_mut().find(|c| c.name() == key)
                    && let Some(value) = existing.value.as_mut()
                {
                    value.errors.push(message);
                }
            }
        }
        let connector = self
            .registry
            .create_connector(class)
            .map_err(|e| HerderError::BadRequest(e.to_string()))?;
        merge_connector_keys(&mut configs, &mut groups, connector.validation(config));
        configs.extend(client_override_infos(
            self.override_policy,
            plugin.kind(),
            config,
        ));
        let version = plugin.version().to_owned();
        // A converter class that cannot be loaded has no versions to offer, and Apache
        // hides its version key.
        let unloadable: Vec<String> = configs
            .iter()
            .filter(|c| c.name().ends_with(".converter") && !c.errors().is_empty())
            .map(|c| format!("{}.plugin.version", c.name()))
            .collect();
        for config in &mut configs {
            let name = config.name().to_owned();
            let Some(value) = config.value.as_mut() else {
                continue;
            };
            if unloadable.contains(&name) {
                value.visible = false;
                continue;
            }
            // The connector's version for its own key; a converter's for the converter
            // keys (Tributary's converters are built in: the runtime's version).
            let version = if name == PLUGIN_VERSION_KEY {
                version.clone()
            } else if name == "key.converter.plugin.version"
                || name == "value.converter.plugin.version"
                || name == "header.converter.plugin.version"
            {
                runtime_version()
            } else {
                continue;
            };
            value.value.get_or_insert_with(|| version.clone());
            // Apache recommends the versions installed: ours is the one.
            value.recommended_values = vec![version.clone()];
            set_version_default(config.definition.as_mut(), &version);
        }
        // Apache shows the worker's converters as the defaults of the connector's (and
        // as the value when the connector sets none; a class it cannot load shows none).
        for (key, worker_class) in [
            ("key.converter", self.key_converter),
            ("value.converter", self.value_converter),
        ] {
            let submitted = props.contains_key(key);
            if let Some(config) = configs.iter_mut().find(|c| c.name() == key)
                && let Some(definition) = config.definition.as_mut()
                && let Some(value) = config.value.as_mut()
            {
                definition.default_value = Some(worker_class.to_owned());
                if !submitted {
                    value.value.get_or_insert_with(|| worker_class.to_owned());
                }
                value.recommended_values = CONVERTERS.iter().map(|c| (*c).to_owned()).collect();
            }
        }
        // Apache's worker default header converter. Headers are not converted by this
        // build yet; the key is shown as Apache shows it.
        if let Some(config) = configs.iter_mut().find(|c| c.name() == "header.converter")
            && let Some(definition) = config.definition.as_mut()
            && let Some(value) = config.value.as_mut()
        {
            let class = "org.apache.kafka.connect.storage.SimpleHeaderConverter".to_owned();
            definition.default_value = Some(class.clone());
            value.value.get_or_insert(class);
        }
        self.explain_java_only(&mut configs);
        Ok(ValidationInfos {
            name: class.clone(),
            error_count: configs.iter().map(|c| c.errors().len()).sum(),
            groups,
            configs,
        })
    }
}

impl PluginCatalog<'_> {
    /// A class that "could not be found" but is a Java plugin of `plugin.path` this build
    /// does not run gets that reason after Apache's message.
    fn explain_java_only(&self, configs: &mut [ValidatedConfig]) {
        for value in configs.iter_mut().filter_map(|c| c.value.as_mut()) {
            for error in &mut value.errors {
                let Some(class) = error
                    .strip_suffix(" could not be found.")
                    .and_then(|e| e.rsplit("Class ").next())
                else {
                    continue;
                };
                if let Some(reason) = self.registry.java_only_reason(class) {
                    error.push(' ');
                    error.push_str(&reason);
                }
            }
        }
    }
}

/// One result per client override of the clients a connector of `kind` uses, with the
/// policy's message on each it refuses (Apache's `validateClientOverrides`). Apache shows
/// the Java client's definition of a key it knows; this build has no copy of the Java
/// clients' tables, so the definition is absent (`docs/compatibility.md`). Secret values
/// are shown as Apache shows passwords.
fn client_override_infos(
    policy: &OverridePolicy,
    kind: ConnectorKind,
    config: &ConfigMap,
) -> Vec<ValidatedConfig> {
    let mut infos = Vec::new();
    for client in checked_clients(kind, config) {
        for checked in policy.check(config, *client) {
            let shown = if is_secret_key(&checked.client_key) {
                "[hidden]".to_owned()
            } else {
                config[&checked.key].clone()
            };
            infos.push(ValidatedConfig {
                definition: None,
                value: Some(ConfigValueInfo {
                    name: checked.key,
                    value: Some(shown),
                    recommended_values: Vec::new(),
                    errors: checked.refusal.into_iter().collect(),
                    visible: true,
                }),
            });
        }
    }
    infos
}

/// Adds the connector's own keys and their results to the runtime's, as Apache's
/// `validateConnectorConfig` merges them: a key the runtime also defines keeps its place
/// and takes the connector's definition and result; results for keys the connector does
/// not define come first, without definition; the connector's groups follow the others.
fn merge_connector_keys(
    configs: &mut Vec<ValidatedConfig>,
    groups: &mut Vec<String>,
    connector: ConnectorValidation,
) {
    let mut undefined = Vec::new();
    for entry in connector.configs {
        let Some(definition) = &entry.definition else {
            undefined.push(entry);
            continue;
        };
        match configs.iter_mut().find(|c| c.name() == definition.name) {
            Some(existing) => *existing = entry,
            None => configs.push(entry),
        }
    }
    configs.splice(0..0, undefined);
    for group in connector.groups {
        if !groups.contains(&group) {
            groups.push(group);
        }
    }
}

/// The version of the plugins built into Tributary (its FileStream connectors,
/// transformations, predicates and converters), as Apache shows its own with its version.
fn runtime_version() -> String {
    crate::connectors::file_stream::plugin_version()
}

/// The key whose default Apache fills in with the plugin's own version.
const PLUGIN_VERSION_KEY: &str = "connector.plugin.version";

fn set_version_default(key: Option<&mut PluginConfigKey>, version: &str) {
    if let Some(key) = key {
        key.default_value = Some(version.to_owned());
    }
}

/// A string map as Java's `Map.toString` prints it: `{a=b, c=d}`.
fn java_map(config: &ConfigMap) -> String {
    let entries: Vec<String> = config.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{{{}}}", entries.join(", "))
}

/// Apache's `normalizedPluginName`: a trailing `Connector` does not count.
fn normalized_plugin_name(name: &str) -> &str {
    match name.strip_suffix("Connector") {
        Some(stripped) if !stripped.is_empty() => stripped,
        _ => name,
    }
}

/// Whether the validate endpoint's path names the same plugin as the body's class.
fn plugin_matches(included_class: &str, plugin: &str) -> bool {
    normalized_plugin_name(included_class).ends_with(normalized_plugin_name(plugin))
}

/// Converters this build has, listed with `connectorsOnly=false` (type `converter`).
const CONVERTERS: [&str; 3] = crate::data::converters::CONVERTER_CLASSES;

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog(registry: &Registry) -> PluginCatalog<'_> {
        PluginCatalog {
            registry,
            key_converter: "org.apache.kafka.connect.json.JsonConverter",
            value_converter: "org.apache.kafka.connect.json.JsonConverter",
            override_policy: &OverridePolicy::None,
        }
    }

    fn entry<'a>(infos: &'a ValidationInfos, name: &str) -> &'a ValidatedConfig {
        infos
            .configs
            .iter()
            .find(|c| c.name() == name)
            .unwrap_or_else(|| panic!("no {name}"))
    }

    #[test]
    fn plugin_config_lists_the_connectors_keys_first() {
        let registry = Registry::builtin();
        let keys = catalog(&registry)
            .plugin_config("FileStreamSource")
            .unwrap();
        let names: Vec<&str> = keys.iter().take(4).map(|k| k.name.as_str()).collect();
        assert_eq!(names, ["file", "topic", "batch.size", "name"]);
        assert_eq!(keys[2].default_value.as_deref(), Some("2000"));
    }

    #[test]
    fn validation_merges_the_connectors_table_and_the_sink_topic_rule() {
        let registry = Registry::builtin();
        let config = crate::fixtures::string_map(&[
            ("connector.class", "FileStreamSource"),
            ("name", "n"),
            ("topic", "t"),
            ("batch.size", "lots"),
        ]);
        let infos = catalog(&registry).validate_all(&config).unwrap();
        let batch = entry(&infos, "batch.size");
        assert_eq!(batch.definition.as_ref().unwrap().ty, "INT");
        assert_eq!(
            batch.value.as_ref().unwrap().errors,
            ["Invalid value lots for configuration batch.size: Not a number of type INT"]
        );
        assert_eq!(entry(&infos, "file").value.as_ref().unwrap().value, None);
        assert_eq!(infos.error_count, 1);

        let config =
            crate::fixtures::string_map(&[("connector.class", "FileStreamSink"), ("name", "n")]);
        let infos = catalog(&registry).validate_all(&config).unwrap();
        for key in ["topics", "topics.regex"] {
            assert_eq!(
                entry(&infos, key).value.as_ref().unwrap().errors,
                ["Must configure one of topics or topics.regex"]
            );
        }
        assert!(entry(&infos, "file").definition.is_some());
        assert_eq!(infos.error_count, 2);
    }

    #[test]
    fn a_java_transformation_of_plugin_path_is_refused_with_the_reason() {
        let registry = Registry::builtin().with_java_only(
            "io.debezium.transforms.ExtractNewRecordState",
            "transformation",
        );
        let config = crate::fixtures::string_map(&[
            ("connector.class", "FileStreamSource"),
            ("name", "n"),
            ("topic", "t"),
            ("transforms", "unwrap"),
            (
                "transforms.unwrap.type",
                "io.debezium.transforms.ExtractNewRecordState",
            ),
        ]);
        let infos = catalog(&registry).validate_all(&config).unwrap();
        let errors = entry(&infos, "transforms.unwrap.type").errors().to_vec();
        assert_eq!(
            errors,
            [
                "Invalid value io.debezium.transforms.ExtractNewRecordState for configuration transforms.unwrap.type: Class io.debezium.transforms.ExtractNewRecordState could not be found. io.debezium.transforms.ExtractNewRecordState is a Java transformation from plugin.path: Tributary runs the Java connectors of plugin.path, not yet Java transformations (docs/plugin-host.md)"
            ]
        );
    }

    #[test]
    fn a_refused_client_override_is_a_validation_error_with_apaches_message() {
        let registry = Registry::builtin();
        let config = crate::fixtures::string_map(&[
            ("connector.class", "FileStreamSource"),
            ("name", "n"),
            ("topic", "t"),
            ("producer.override.acks", "1"),
            ("producer.override.sasl.jaas.config", "secret"),
            ("consumer.override.fetch.min.bytes", "1"),
        ]);
        let infos = catalog(&registry).validate_all(&config).unwrap();
        let acks = entry(&infos, "producer.override.acks");
        assert_eq!(
            acks.value.as_ref().unwrap().errors,
            [
                "The 'None' policy does not allow 'acks' to be overridden in the connector configuration."
            ]
        );
        assert_eq!(
            entry(&infos, "producer.override.sasl.jaas.config")
                .value
                .as_ref()
                .unwrap()
                .value
                .as_deref(),
            Some("[hidden]")
        );
        // A source has no consumer: Apache does not look at these.
        assert!(
            infos
                .configs
                .iter()
                .all(|c| c.value.as_ref().unwrap().name != "consumer.override.fetch.min.bytes")
        );
        assert_eq!(infos.error_count, 2);
        let refused = catalog(&registry)
            .validate(&config)
            .unwrap_err()
            .to_string();
        assert!(
            refused.contains(
                "contains the following 2 error(s):\nThe 'None' policy does not allow 'acks'"
            ),
            "{refused}"
        );
    }
}
