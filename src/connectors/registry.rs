//! The plugin registry: connector classes by their Java names, with Apache's aliases,
//! and factories for connectors and their tasks.
//!
//! A connector is found, as by Apache's `Plugins.connectorClass`, by its full class
//! name (`org.apache.kafka.connect.file.FileStreamSourceConnector`), its simple name
//! (`FileStreamSourceConnector`) or its simple name without the `Connector` suffix
//! (`FileStreamSource`). Names are case-sensitive.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

use super::api::{Connector, ConnectorKind, SinkTask, SourceTask};
use super::file_stream::{
    self, FileStreamSinkConnector, FileStreamSinkTask, FileStreamSourceConnector,
    FileStreamSourceTask,
};

/// Lookup failures, with Apache's messages.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    /// No connector has this class name or alias.
    #[error(
        "Failed to find any class that implements Connector and which name matches {name}, available connectors are: {available}"
    )]
    UnknownConnector { name: String, available: String },

    /// An alias names more than one connector.
    #[error(
        "More than one connector matches alias {name}. Please use full package and class name instead. Classes found: {available}"
    )]
    AmbiguousAlias { name: String, available: String },

    /// A task of the other kind was asked for.
    #[error("Connector {class} is a {actual} connector, not a {expected} connector")]
    WrongKind {
        class: String,
        expected: ConnectorKind,
        actual: ConnectorKind,
    },
}

/// Makes a connector instance: a built-in's constructor, or a closure over the plugin
/// host for a Java connector.
pub type ConnectorFactory = Arc<dyn Fn() -> Box<dyn Connector> + Send + Sync>;

/// How a plugin makes its tasks; the variant also fixes the connector's kind.
#[derive(Clone)]
pub enum TaskFactory {
    Source(Arc<dyn Fn() -> Box<dyn SourceTask> + Send + Sync>),
    Sink(Arc<dyn Fn() -> Box<dyn SinkTask> + Send + Sync>),
}

impl TaskFactory {
    pub fn source(new_task: impl Fn() -> Box<dyn SourceTask> + Send + Sync + 'static) -> Self {
        TaskFactory::Source(Arc::new(new_task))
    }

    pub fn sink(new_task: impl Fn() -> Box<dyn SinkTask> + Send + Sync + 'static) -> Self {
        TaskFactory::Sink(Arc::new(new_task))
    }
}

/// Where Apache's listing says a plugin was loaded from: `classpath` for the built-ins.
const CLASSPATH: &str = "classpath";

/// One connector plugin: its Java class name, version, where it comes from and its
/// factories.
#[derive(Clone)]
pub struct PluginDesc {
    class: String,
    version: String,
    location: String,
    new_connector: ConnectorFactory,
    tasks: TaskFactory,
}

impl PluginDesc {
    /// Describes a built-in plugin. `class` is the full Java class name users put in
    /// `connector.class`.
    pub fn new(
        class: impl Into<String>,
        version: impl Into<String>,
        new_connector: impl Fn() -> Box<dyn Connector> + Send + Sync + 'static,
        tasks: TaskFactory,
    ) -> Self {
        PluginDesc {
            class: class.into(),
            version: version.into(),
            location: CLASSPATH.to_owned(),
            new_connector: Arc::new(new_connector),
            tasks,
        }
    }

    /// The same plugin, loaded from `location` (a `plugin.path` directory or jar).
    pub fn at(mut self, location: impl Into<String>) -> Self {
        self.location = location.into();
        self
    }

    /// The full class name.
    pub fn class(&self) -> &str {
        &self.class
    }

    pub fn version(&self) -> &str {
        &self.version
    }

    pub fn kind(&self) -> ConnectorKind {
        match self.tasks {
            TaskFactory::Source(_) => ConnectorKind::Source,
            TaskFactory::Sink(_) => ConnectorKind::Sink,
        }
    }

    /// Java's `Class.getSimpleName()`: the name after the package.
    pub fn simple_name(&self) -> &str {
        self.class.rsplit('.').next().unwrap_or(&self.class)
    }

    /// Apache's `PluginUtils.prunedName`: the simple name cut before its last
    /// `Connector`, unless that would leave nothing.
    pub fn pruned_name(&self) -> &str {
        let simple = self.simple_name();
        match simple.rfind("Connector") {
            Some(at) if at > 0 => &simple[..at],
            _ => simple,
        }
    }

    /// The entry of `GET /connector-plugins`.
    pub fn info(&self) -> PluginInfo {
        PluginInfo {
            class: self.class.clone(),
            kind: self.kind(),
            version: self.version.clone(),
        }
    }

    fn matches_alias(&self, alias: &str) -> bool {
        let simple = self.simple_name();
        simple == alias
            || self.pruned_name() == alias
            || simple.strip_suffix("Connector") == Some(alias)
    }
}

impl fmt::Display for PluginDesc {
    /// Apache's `PluginDesc.toString()`, which its lookup errors list.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "PluginDesc{{klass=class {class}, name='{class}', version='{version}', \
             encodedVersion={version}, type={kind}, typeName='{kind}', location='{location}'}}",
            class = self.class,
            version = self.version,
            kind = self.kind(),
            location = self.location,
        )
    }
}

impl fmt::Debug for PluginDesc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// One entry of `GET /connector-plugins`: `{"class": ..., "type": "source", "version": ...}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PluginInfo {
    pub class: String,
    #[serde(rename = "type")]
    pub kind: ConnectorKind,
    pub version: String,
}

/// The connector plugins this process can run, sorted by class name as Apache lists them,
/// and the Java plugins of `plugin.path` it cannot run (transformations, predicates and
/// converters: only connectors run in the plugin host so far), so that naming one gets
/// that reason instead of "not found".
#[derive(Clone, Debug)]
pub struct Registry {
    plugins: Vec<PluginDesc>,
    java_only: std::collections::BTreeMap<String, String>,
}

impl Default for Registry {
    fn default() -> Self {
        Self::builtin()
    }
}

impl Registry {
    /// A registry of exactly `plugins` (e.g. the built-ins plus test connectors).
    pub fn new(mut plugins: Vec<PluginDesc>) -> Self {
        plugins.sort_by(|a, b| a.class.cmp(&b.class));
        plugins.dedup_by(|a, b| a.class == b.class);
        Registry {
            plugins,
            java_only: Default::default(),
        }
    }

    /// Records a Java plugin of `plugin.path` this build does not run, and its kind
    /// (`transformation`, `predicate`, `converter`, `header converter`).
    pub fn with_java_only(mut self, class: impl Into<String>, kind: impl Into<String>) -> Self {
        self.java_only.insert(class.into(), kind.into());
        self
    }

    /// Why `class` cannot be used, when it is a Java plugin of `plugin.path` this build
    /// does not run.
    pub fn java_only_reason(&self, class: &str) -> Option<String> {
        let kind = self.java_only.get(class)?;
        Some(format!(
            "{class} is a Java {kind} from plugin.path: Tributary runs the Java connectors of plugin.path, not yet Java {kind}s (docs/plugin-host.md)"
        ))
    }

    /// The connectors shipped with Tributary.
    pub fn builtin() -> Self {
        let version = file_stream::plugin_version();
        Registry::new(vec![
            PluginDesc::new(
                file_stream::SOURCE_CLASS,
                version.clone(),
                || Box::new(FileStreamSourceConnector::new()),
                TaskFactory::source(|| Box::new(FileStreamSourceTask::new())),
            ),
            PluginDesc::new(
                file_stream::SINK_CLASS,
                version,
                || Box::new(FileStreamSinkConnector::new()),
                TaskFactory::sink(|| Box::new(FileStreamSinkTask::new())),
            ),
        ])
    }

    /// Adds a plugin (replacing one with the same class name).
    pub fn with(mut self, plugin: PluginDesc) -> Self {
        self.plugins.retain(|p| p.class != plugin.class);
        self.plugins.push(plugin);
        let java_only = std::mem::take(&mut self.java_only);
        Registry {
            java_only,
            ..Registry::new(self.plugins)
        }
    }

    /// Every plugin, sorted by class name.
    pub fn descriptors(&self) -> &[PluginDesc] {
        &self.plugins
    }

    /// The body of `GET /connector-plugins`: sink connectors, then source connectors,
    /// each by class name, as Apache 4.3.1 lists them.
    pub fn plugins(&self) -> Vec<PluginInfo> {
        let of_kind = |kind| self.plugins.iter().filter(move |p| p.kind() == kind);
        of_kind(ConnectorKind::Sink)
            .chain(of_kind(ConnectorKind::Source))
            .map(PluginDesc::info)
            .collect()
    }

    /// Finds a connector by full class name or alias.
    pub fn resolve(&self, class_or_alias: &str) -> Result<&PluginDesc, RegistryError> {
        let name = class_or_alias.trim();
        if let Some(plugin) = self.plugins.iter().find(|p| p.class == name) {
            return Ok(plugin);
        }
        let mut matches = self.plugins.iter().filter(|p| p.matches_alias(name));
        match (matches.next(), matches.next()) {
            (Some(plugin), None) => Ok(plugin),
            (None, _) => Err(RegistryError::UnknownConnector {
                name: name.to_owned(),
                available: self.listing(),
            }),
            (Some(_), Some(_)) => Err(RegistryError::AmbiguousAlias {
                name: name.to_owned(),
                available: self.listing(),
            }),
        }
    }

    /// A new, unstarted connector instance.
    pub fn create_connector(
        &self,
        class_or_alias: &str,
    ) -> Result<Box<dyn Connector>, RegistryError> {
        Ok((self.resolve(class_or_alias)?.new_connector)())
    }

    /// A new task of a source connector.
    pub fn create_source_task(
        &self,
        class_or_alias: &str,
    ) -> Result<Box<dyn SourceTask>, RegistryError> {
        let plugin = self.resolve(class_or_alias)?;
        match &plugin.tasks {
            TaskFactory::Source(new_task) => Ok(new_task()),
            TaskFactory::Sink(_) => Err(wrong_kind(plugin, ConnectorKind::Source)),
        }
    }

    /// A new task of a sink connector.
    pub fn create_sink_task(
        &self,
        class_or_alias: &str,
    ) -> Result<Box<dyn SinkTask>, RegistryError> {
        let plugin = self.resolve(class_or_alias)?;
        match &plugin.tasks {
            TaskFactory::Sink(new_task) => Ok(new_task()),
            TaskFactory::Source(_) => Err(wrong_kind(plugin, ConnectorKind::Sink)),
        }
    }

    fn listing(&self) -> String {
        self.plugins
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn wrong_kind(plugin: &PluginDesc, expected: ConnectorKind) -> RegistryError {
    RegistryError::WrongKind {
        class: plugin.class.clone(),
        expected,
        actual: plugin.kind(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_connectors_by_class_simple_name_and_alias() {
        let registry = Registry::builtin();
        for name in [
            "org.apache.kafka.connect.file.FileStreamSourceConnector",
            "FileStreamSourceConnector",
            "FileStreamSource",
        ] {
            let plugin = registry.resolve(name).unwrap();
            assert_eq!(plugin.class(), file_stream::SOURCE_CLASS, "{name}");
            assert_eq!(plugin.kind(), ConnectorKind::Source);
        }
        assert_eq!(
            registry.resolve("FileStreamSink").unwrap().kind(),
            ConnectorKind::Sink
        );
        assert!(registry.resolve("filestreamsource").is_err());
    }

    #[test]
    fn unknown_class_lists_the_available_ones_like_apache() {
        let err = Registry::builtin().resolve("NoSuch").err().unwrap();
        let version = file_stream::plugin_version();
        assert_eq!(
            err.to_string(),
            format!(
                "Failed to find any class that implements Connector and which name matches NoSuch, \
                 available connectors are: \
                 PluginDesc{{klass=class org.apache.kafka.connect.file.FileStreamSinkConnector, \
                 name='org.apache.kafka.connect.file.FileStreamSinkConnector', version='{version}', \
                 encodedVersion={version}, type=sink, typeName='sink', location='classpath'}}, \
                 PluginDesc{{klass=class org.apache.kafka.connect.file.FileStreamSourceConnector, \
                 name='org.apache.kafka.connect.file.FileStreamSourceConnector', version='{version}', \
                 encodedVersion={version}, type=source, typeName='source', location='classpath'}}"
            )
        );
    }

    #[test]
    fn ambiguous_alias_is_refused() {
        let other = PluginDesc::new(
            "com.example.FileStreamSourceConnector",
            "1.0",
            || Box::new(FileStreamSourceConnector::new()),
            TaskFactory::source(|| Box::new(FileStreamSourceTask::new())),
        );
        let registry = Registry::builtin().with(other);
        let err = registry.resolve("FileStreamSource").err().unwrap();
        assert!(matches!(err, RegistryError::AmbiguousAlias { .. }), "{err}");
        assert!(
            registry
                .resolve("com.example.FileStreamSourceConnector")
                .is_ok()
        );
    }

    #[test]
    fn plugin_list_has_class_type_version() {
        let json = serde_json::to_value(Registry::builtin().plugins()).unwrap();
        let version = file_stream::plugin_version();
        assert_eq!(
            json,
            serde_json::json!([
                {"class": "org.apache.kafka.connect.file.FileStreamSinkConnector", "type": "sink", "version": version},
                {"class": "org.apache.kafka.connect.file.FileStreamSourceConnector", "type": "source", "version": version},
            ])
        );
    }

    #[test]
    fn factories_make_the_right_kind() {
        let registry = Registry::builtin();
        assert_eq!(
            registry.create_connector("FileStreamSink").unwrap().kind(),
            ConnectorKind::Sink
        );
        assert!(registry.create_source_task("FileStreamSource").is_ok());
        assert!(registry.create_sink_task("FileStreamSinkConnector").is_ok());
        let err = registry.create_sink_task("FileStreamSource").err().unwrap();
        assert_eq!(
            err.to_string(),
            "Connector org.apache.kafka.connect.file.FileStreamSourceConnector is a source connector, not a sink connector"
        );
    }
}
