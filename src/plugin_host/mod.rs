//! The plugin host: Java connector plugins from `plugin.path`, run in a JVM that
//! Tributary starts and supervises, with Apache Kafka Connect's own plugin isolation
//! (`plugin-host/`, built from source by `scripts/build-plugin-host`).
//!
//! Tributary keeps everything around the plugin: REST, assignment, offsets, converters,
//! transforms, error handling and the DLQ. Only the plugin's own code runs in the JVM:
//! connectors (start, task configs, validation, config tables, stop, offsets), source
//! tasks (poll batches, commit) and sink tasks (open, put batches, pre-commit, close).
//! `docs/plugin-host.md` describes the protocol and the choices behind it.

pub mod connectors;
pub mod process;
pub mod records;
pub mod wire;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;

pub use connectors::{JavaConnector, JavaPlugin, JavaSinkTask, JavaSourceTask};
pub use process::{HostError, HostEvent, HostSettings, JavaException, PluginHost};

use crate::connectors::{ConnectorKind, PluginDesc, Registry, TaskFactory};
use crate::runtime::config::worker::WorkerConfig;

/// Where the host's class path is, when not told: installed beside the binary
/// (`<prefix>/share/tributary/plugin-host`, the container image's layout), or built in
/// this source tree (`plugin-host/target/host`).
fn default_class_path() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let exe_dir = exe.parent()?;
    let candidates = [
        exe_dir.join("../share/tributary/plugin-host"),
        Path::new(env!("CARGO_MANIFEST_DIR")).join("plugin-host/target/host"),
    ];
    candidates
        .into_iter()
        .find(|dir| dir.join("tributary-plugin-host.jar").is_file())
}

/// The host's heap when nothing says otherwise. The JVM's own default (a quarter of the
/// machine's memory) let the host alone grow as large as Apache's whole worker in the
/// Debezium benchmark; plugins keep bounded queues, and a plugin that needs more fails
/// with `OutOfMemoryError` in its trace and gets it from `tributary.plugin.host.jvm.options`.
pub const DEFAULT_JVM_OPTIONS: &str = "-Xms64m -Xmx512m";

/// Why the host cannot be set up for a worker that names `plugin.path`.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(
        "plugin.path is set but the plugin host is not installed: no tributary-plugin-host.jar in {0} (build it with scripts/build-plugin-host, or set TRIBUTARY_PLUGIN_HOST_CLASSPATH to its directory)"
    )]
    NotInstalled(String),
    #[error(transparent)]
    Host(#[from] HostError),
    #[error("unreadable plugin listing from the plugin host: {0}")]
    Listing(String),
}

/// The host settings for a worker config with a `plugin.path`: the worker's
/// `tributary.plugin.host.java` and `tributary.plugin.host.jvm.options` (e.g. `-Xmx1g`),
/// else the environment's `TRIBUTARY_PLUGIN_HOST_JAVA` (then `$JAVA_HOME/bin/java`, then
/// `java`) and `TRIBUTARY_PLUGIN_HOST_JVM_OPTIONS`; the class path from
/// `TRIBUTARY_PLUGIN_HOST_CLASSPATH` or the default locations. `None` without a
/// `plugin.path`: then there is nothing to host.
pub fn settings(config: &WorkerConfig) -> Result<Option<HostSettings>, SetupError> {
    let Some(elements) = config.plugin_path.as_deref().filter(|p| !p.is_empty()) else {
        return Ok(None);
    };
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let java = config
        .plugin_host
        .java
        .clone()
        .or_else(|| env("TRIBUTARY_PLUGIN_HOST_JAVA"))
        .map(PathBuf::from)
        .or_else(|| env("JAVA_HOME").map(|home| Path::new(&home).join("bin/java")))
        .unwrap_or_else(|| PathBuf::from("java"));
    let class_path = match env("TRIBUTARY_PLUGIN_HOST_CLASSPATH") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            if !dir.join("tributary-plugin-host.jar").is_file() {
                return Err(SetupError::NotInstalled(dir.display().to_string()));
            }
            dir
        }
        None => default_class_path().ok_or_else(|| {
            SetupError::NotInstalled(
                "the default locations (<binary>/../share/tributary/plugin-host, plugin-host/target/host)"
                    .to_owned(),
            )
        })?,
    };
    let jvm_options = config
        .plugin_host
        .jvm_options
        .clone()
        .or_else(|| env("TRIBUTARY_PLUGIN_HOST_JVM_OPTIONS"))
        .unwrap_or_else(|| DEFAULT_JVM_OPTIONS.to_owned())
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let mut worker = BTreeMap::from([("plugin.path".to_owned(), elements.join(","))]);
    if let Some(discovery) = &config.plugin_discovery {
        worker.insert("plugin.discovery".to_owned(), discovery.to_owned());
    }
    Ok(Some(HostSettings {
        java,
        class_path,
        jvm_options,
        worker,
    }))
}

/// What the host found on `plugin.path`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Listing {
    connectors: Vec<ListedPlugin>,
    transformations: Vec<ListedPlugin>,
    predicates: Vec<ListedPlugin>,
    converters: Vec<ListedPlugin>,
    header_converters: Vec<ListedPlugin>,
}

#[derive(Debug, Deserialize)]
struct ListedPlugin {
    class: String,
    #[serde(rename = "type")]
    kind: String,
    version: String,
    location: String,
}

/// Starts the host and adds the connectors it found on `plugin.path` to `registry`.
/// A built-in keeps its class name: Tributary's own FileStream connectors stay native.
pub async fn start_with_plugins(
    registry: Registry,
    settings: HostSettings,
) -> Result<(Registry, Arc<PluginHost>), SetupError> {
    let (host, listing) = PluginHost::start(settings).await?;
    let listing: Listing =
        serde_json::from_value(listing).map_err(|e| SetupError::Listing(e.to_string()))?;
    let mut registry = registry;
    // Tributary's own transforms, predicates and converters keep their class names; the
    // Java ones it has no equivalent of are named as such when a config uses them.
    let natives: Vec<&str> = crate::transforms::transform_plugins()
        .iter()
        .map(|p| p.class)
        .chain(
            crate::transforms::predicate_plugins()
                .iter()
                .map(|p| p.class),
        )
        .chain(crate::data::converters::CONVERTER_CLASSES)
        .collect();
    for (listed, kind) in listing
        .transformations
        .iter()
        .map(|p| (p, "transformation"))
        .chain(listing.predicates.iter().map(|p| (p, "predicate")))
        .chain(listing.converters.iter().map(|p| (p, "converter")))
        .chain(
            listing
                .header_converters
                .iter()
                .map(|p| (p, "header converter")),
        )
    {
        if !natives.contains(&listed.class.as_str()) {
            registry = registry.with_java_only(listed.class.clone(), kind);
        }
    }
    for listed in listing.connectors {
        if registry
            .descriptors()
            .iter()
            .any(|p| p.class() == listed.class)
        {
            continue;
        }
        let kind = match listed.kind.as_str() {
            "source" => ConnectorKind::Source,
            "sink" => ConnectorKind::Sink,
            _ => continue,
        };
        let plugin = JavaPlugin {
            class: listed.class.clone(),
            kind,
            version: listed.version.clone(),
        };
        let connector = {
            let (host, plugin) = (host.clone(), plugin.clone());
            move || Box::new(JavaConnector::new(host.clone(), plugin.clone())) as _
        };
        let tasks = {
            let (host, plugin) = (host.clone(), plugin.clone());
            match kind {
                ConnectorKind::Source => TaskFactory::source(move || {
                    Box::new(JavaSourceTask::new(host.clone(), plugin.clone()))
                }),
                ConnectorKind::Sink => TaskFactory::sink(move || {
                    Box::new(JavaSinkTask::new(host.clone(), plugin.clone()))
                }),
            }
        };
        tracing::info!(
            class = listed.class,
            version = listed.version,
            location = listed.location,
            "Java connector plugin"
        );
        registry = registry.with(
            PluginDesc::new(listed.class, listed.version, connector, tasks).at(listed.location),
        );
    }
    Ok((registry, host))
}
