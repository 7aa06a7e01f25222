//! Config providers: `${provider:path:key}` placeholders in connector configs, resolved
//! by the worker when it starts a connector or task (Apache's `ConfigProvider`,
//! `ConfigTransformer` and `WorkerConfigTransformer`).
//!
//! A worker names its providers in `config.providers=file,env,dir` and configures each
//! with `config.providers.<name>.class` and `config.providers.<name>.param.*`. The built-in
//! classes are Apache's [`FileConfigProvider`](file), [`EnvVarConfigProvider`](env) and
//! [`DirectoryConfigProvider`](directory); the Kubernetes worker adds a
//! [`secrets`](kubernetes) provider with [`ConfigProviders::with`].
//!
//! Resolved values exist only inside the worker, on their way to a connector or task: the
//! stored config keeps its placeholders, task configs computed from resolved values get
//! them back ([`reverse_transform`]), and nothing here logs a value.

mod allowed_paths;
pub mod directory;
pub mod env;
pub mod file;
pub mod kubernetes;
pub mod variables;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

use indexmap::IndexMap;

use crate::connectors::ConfigMap;
use crate::runtime::config::worker::{CONFIG_PROVIDERS, WorkerConfig};

/// Why a provider could not be configured or could not answer (Apache's
/// `ConfigException`, in its words).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    #[error("{0}")]
    Config(String),
    #[error(
        "Failed to find any class that implements ConfigProvider and which name matches {0}, available ConfigProviders are: {classes}",
        classes = BUILT_IN_CLASSES.join(", ")
    )]
    UnknownClass(String),
}

/// Where config values come from (Apache's `ConfigProvider`).
#[async_trait::async_trait]
pub trait ConfigProvider: Send + Sync {
    /// The values of `keys` under `path` (empty when the placeholder had none); a key
    /// without a value is left out, which leaves its placeholder unresolved.
    async fn get(
        &self,
        path: &str,
        keys: &BTreeSet<String>,
    ) -> Result<BTreeMap<String, String>, ProviderError>;
}

/// The provider classes this worker knows, by Java class name.
pub const BUILT_IN_CLASSES: [&str; 3] = [
    "org.apache.kafka.common.config.provider.DirectoryConfigProvider",
    "org.apache.kafka.common.config.provider.EnvVarConfigProvider",
    "org.apache.kafka.common.config.provider.FileConfigProvider",
];

/// Builds a built-in provider from its class name (full or simple) and its
/// `param.*` settings.
pub fn built_in(
    class: &str,
    params: &BTreeMap<String, String>,
) -> Result<Arc<dyn ConfigProvider>, ProviderError> {
    let class = class.trim();
    let simple = class.rsplit('.').next().unwrap_or(class);
    let known = BUILT_IN_CLASSES
        .iter()
        .any(|c| *c == class || (!class.contains('.') && c.ends_with(&format!(".{simple}"))));
    match (known, simple) {
        (true, "FileConfigProvider") => Ok(Arc::new(file::FileConfigProvider::configure(params)?)),
        (true, "DirectoryConfigProvider") => Ok(Arc::new(
            directory::DirectoryConfigProvider::configure(params)?,
        )),
        (true, "EnvVarConfigProvider") => Ok(Arc::new(env::EnvVarConfigProvider::configure(
            params,
            std::env::vars().collect(),
        )?)),
        _ => Err(ProviderError::UnknownClass(class.to_owned())),
    }
}

/// The providers of one worker, by name.
#[derive(Clone, Default)]
pub struct ConfigProviders {
    providers: BTreeMap<String, Arc<dyn ConfigProvider>>,
}

impl fmt::Debug for ConfigProviders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.providers.keys()).finish()
    }
}

impl ConfigProviders {
    /// The providers a worker config declares. A listed name without
    /// `config.providers.<name>.class` is skipped, as Apache does.
    pub fn from_worker_config(config: &WorkerConfig) -> Result<Self, ProviderError> {
        let mut providers = ConfigProviders::default();
        for (name, built) in declared(config) {
            providers = providers.with(&name, built?);
        }
        Ok(providers)
    }

    /// As [`from_worker_config`](Self::from_worker_config), but a provider that cannot
    /// be built is logged and kept as one that fails every lookup with its error, so a
    /// connector using it fails with that message and the others run.
    pub fn from_worker_config_or_failing(config: &WorkerConfig) -> Self {
        let mut providers = ConfigProviders::default();
        for (name, built) in declared(config) {
            let provider = built.unwrap_or_else(|error| {
                tracing::error!(provider = name, %error, "config provider cannot be configured");
                Arc::new(Failing(error))
            });
            providers = providers.with(&name, provider);
        }
        providers
    }

    /// Adds (or replaces) the provider called `name`.
    pub fn with(mut self, name: &str, provider: Arc<dyn ConfigProvider>) -> Self {
        self.providers.insert(name.to_owned(), provider);
        self
    }

    /// Whether no provider is configured.
    pub fn is_empty(&self) -> bool {
        self.providers.is_empty()
    }

    /// The names of the configured providers.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.providers.keys().map(String::as_str)
    }

    /// `config` with every resolvable placeholder replaced (Apache's
    /// `ConfigTransformer.transform`): each provider is asked once per path for all the
    /// keys wanted there.
    pub async fn transform(&self, config: &ConfigMap) -> Result<ConfigMap, ProviderError> {
        // provider -> path -> keys
        let mut wanted: BTreeMap<&str, BTreeMap<&str, BTreeSet<String>>> = BTreeMap::new();
        for value in config.values() {
            for variable in variables::variables(value) {
                if self.providers.contains_key(variable.provider) {
                    wanted
                        .entry(variable.provider)
                        .or_default()
                        .entry(variable.path)
                        .or_default()
                        .insert(variable.key.to_owned());
                }
            }
        }
        if wanted.is_empty() {
            return Ok(config.clone());
        }
        let mut found: BTreeMap<(&str, &str), BTreeMap<String, String>> = BTreeMap::new();
        for (name, paths) in wanted {
            let provider = &self.providers[name];
            for (path, keys) in paths {
                found.insert((name, path), provider.get(path, &keys).await?);
            }
        }
        Ok(config
            .iter()
            .map(|(key, value)| {
                let resolved = variables::replace(value, |v| {
                    found
                        .get(&(v.provider, v.path))
                        .and_then(|values| values.get(v.key))
                        .cloned()
                });
                (key.clone(), resolved)
            })
            .collect())
    }
}

/// A provider as built from the worker config, or why it could not be.
type BuiltProvider = Result<Arc<dyn ConfigProvider>, ProviderError>;

/// Each provider the worker config declares, by name, built from its class and params.
fn declared(config: &WorkerConfig) -> Vec<(String, BuiltProvider)> {
    declared_in(&config.config_providers, config.originals())
}

/// Each provider of `names` that `originals` configures (`config.providers.<name>.class`
/// and `.param.*`), by name.
fn declared_in(
    names: &[String],
    originals: &IndexMap<String, String>,
) -> Vec<(String, BuiltProvider)> {
    names
        .iter()
        .filter_map(|name| {
            let prefix = format!("{CONFIG_PROVIDERS}.{name}");
            let class = originals.get(&format!("{prefix}.class"))?;
            let param_prefix = format!("{prefix}.param.");
            let params: BTreeMap<String, String> = originals
                .iter()
                .filter_map(|(k, v)| {
                    k.strip_prefix(&param_prefix)
                        .map(|k| (k.to_owned(), v.clone()))
                })
                .collect();
            Some((name.clone(), built_in(class, &params)))
        })
        .collect()
}

/// Worker properties with their placeholders resolved by the providers they declare
/// themselves, as Apache's `WorkerConfig` does (`AbstractConfig.resolveConfigVariables`),
/// so that a JAAS password can live in a mounted file or Secret. A provider that cannot
/// be configured, or fails a lookup, stops the worker with its error; a placeholder no
/// provider answers stays as written.
pub async fn resolve_worker_properties(
    props: &IndexMap<String, String>,
) -> Result<IndexMap<String, String>, ProviderError> {
    let Some(list) = props.get(CONFIG_PROVIDERS) else {
        return Ok(props.clone());
    };
    // The list's own validation (no empty names) is `WorkerConfig`'s, after this.
    let names: Vec<String> = list
        .split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .collect();
    let mut providers = ConfigProviders::default();
    for (name, built) in declared_in(&names, props) {
        providers = providers.with(&name, built?);
    }
    let values: ConfigMap = props.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    let resolved = providers.transform(&values).await?;
    Ok(props
        .keys()
        .map(|k| (k.clone(), resolved[k].clone()))
        .collect())
}

/// A provider whose configuration was refused.
struct Failing(ProviderError);

#[async_trait::async_trait]
impl ConfigProvider for Failing {
    async fn get(
        &self,
        _path: &str,
        _keys: &BTreeSet<String>,
    ) -> Result<BTreeMap<String, String>, ProviderError> {
        Err(self.0.clone())
    }
}

/// The keys of `config` whose values hold placeholders.
pub fn keys_with_variables(config: &ConfigMap) -> BTreeSet<&str> {
    config
        .iter()
        .filter(|(_, v)| variables::has_variables(v))
        .map(|(k, _)| k.as_str())
        .collect()
}

/// A task config computed from a resolved connector config, with the connector's
/// placeholders put back under the same keys (Apache's `AbstractHerder.reverseTransform`),
/// so no resolved value is stored or shown.
pub fn reverse_transform(
    raw_connector_config: &ConfigMap,
    mut task_config: ConfigMap,
) -> ConfigMap {
    for key in keys_with_variables(raw_connector_config) {
        if let Some(value) = task_config.get_mut(key) {
            value.clone_from(&raw_connector_config[key]);
        }
    }
    task_config
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed(BTreeMap<(String, String), String>);

    #[async_trait::async_trait]
    impl ConfigProvider for Fixed {
        async fn get(
            &self,
            path: &str,
            keys: &BTreeSet<String>,
        ) -> Result<BTreeMap<String, String>, ProviderError> {
            Ok(keys
                .iter()
                .filter_map(|k| {
                    self.0
                        .get(&(path.to_owned(), k.clone()))
                        .map(|v| (k.clone(), v.clone()))
                })
                .collect())
        }
    }

    fn map(entries: &[(&str, &str)]) -> ConfigMap {
        entries
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn providers() -> ConfigProviders {
        ConfigProviders::default().with(
            "vault",
            Arc::new(Fixed(BTreeMap::from([
                (("db".into(), "password".into()), "s3cret".into()),
                (("".into(), "user".into()), "alice".into()),
            ]))),
        )
    }

    #[tokio::test]
    async fn transform_resolves_known_and_keeps_the_rest() {
        let config = map(&[
            ("a", "${vault:db:password}"),
            ("b", "u=${vault:user};x=${vault:db:missing};y=${other:k}"),
            ("c", "plain"),
        ]);
        let out = providers().transform(&config).await.unwrap();
        assert_eq!(out["a"], "s3cret");
        assert_eq!(out["b"], "u=alice;x=${vault:db:missing};y=${other:k}");
        assert_eq!(out["c"], "plain");
    }

    #[test]
    fn reverse_transform_puts_placeholders_back() {
        let raw = map(&[("password", "${vault:db:password}"), ("topic", "t")]);
        let task = map(&[("password", "s3cret"), ("topic", "t"), ("task.id", "0")]);
        let out = reverse_transform(&raw, task);
        assert_eq!(out["password"], "${vault:db:password}");
        assert_eq!(out["topic"], "t");
        assert_eq!(out["task.id"], "0");
    }

    #[test]
    fn unknown_class_names_the_known_ones() {
        let err = built_in("com.example.Nope", &BTreeMap::new())
            .err()
            .unwrap();
        assert!(err.to_string().starts_with(
            "Failed to find any class that implements ConfigProvider and which name matches com.example.Nope"
        ));
        assert!(built_in("FileConfigProvider", &BTreeMap::new()).is_ok());
    }
}
