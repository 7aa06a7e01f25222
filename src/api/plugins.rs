//! `KafkaConnect.spec.plugins` and `spec.jvmOptions`: where a cluster's Java connector
//! plugins are, and how the plugin host's JVM runs.
//!
//! Shaped for `kubectl`: `plugins.path` is the workers' `plugin.path` (one directory, as
//! Apache reads a `plugin.path` element), and `plugins.volume` is the volume mounted there
//! read-only, in one of the core/v1 volume sources that make sense for jars (a claim, an
//! OCI image volume, a ConfigMap, a host path, NFS, CSI; the fields are Kubernetes' own).
//! Without `volume` the workers' image holds the plugins at `path` (an image built `FROM`
//! Tributary's `-jre` image, as Strimzi builds plugins into a Connect image).
//! `jvmOptions` is Strimzi's `JvmOptions` (`-Xmx`, `-Xms`, `-XX`, `javaSystemProperties`),
//! here for the plugin host, the only JVM a Tributary worker starts.
//!
//! The operator turns them into worker settings and mounts (`controller::plugins`); the
//! CRD's CEL rules refuse what contradicts them in `spec.config`.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    CSIVolumeSource, ConfigMapVolumeSource, HostPathVolumeSource, ImageVolumeSource,
    NFSVolumeSource, PersistentVolumeClaimVolumeSource,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Where the plugins are when `spec.plugins.path` is not given.
pub const DEFAULT_PLUGINS_PATH: &str = "/opt/tributary/plugins";

/// The worker setting that names the plugins: the operator writes it from `spec.plugins`.
pub const PLUGIN_PATH: &str = crate::runtime::config::worker::PLUGIN_PATH;
/// Tributary's worker setting with the plugin host's JVM options; the operator writes it
/// from `spec.jvmOptions`.
pub const JVM_OPTIONS: &str = crate::runtime::config::worker::PLUGIN_HOST_JVM_OPTIONS;

/// A mount path: absolute, and without the `,` that separates `plugin.path` elements.
const PATH_PATTERN: &str = r"^/[^,]*$";
/// Where the operator mounts the worker config and the Secrets
/// (`controller::resources::CONFIG_DIR`, `controller::security::SECRETS_ROOT`): the
/// plugins may not be mounted over or under them.
pub const RESERVED_PATHS: [&str; 2] = ["/etc/tributary", "/opt/tributary/secrets"];

/// A heap size as the JVM reads `-Xmx`/`-Xms`: a number with an optional unit.
const HEAP_PATTERN: &str = r"^[0-9]+[kKmMgGtT]?$";

/// The cluster's Java connector plugins.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [
    {
        "rule": "!has(self.path) || (self.path != '/' && self.path != '/etc/tributary' && !self.path.startsWith('/etc/tributary/') && self.path != '/opt/tributary/secrets' && !self.path.startsWith('/opt/tributary/secrets/'))",
        "message": "path may not be /, nor /etc/tributary or /opt/tributary/secrets (the worker config and the Secrets are mounted there)"
    }
]))]
pub struct Plugins {
    /// The workers' `plugin.path`: a directory holding one directory per plugin (its
    /// jars), plugin jars, or uber-jars, as Apache Kafka Connect reads a `plugin.path`
    /// element. `volume` is mounted here; without `volume`, the workers' image holds the
    /// plugins here. Default `/opt/tributary/plugins`.
    #[serde(default = "default_path")]
    #[schemars(length(min = 2, max = 4096), regex(pattern = PATH_PATTERN))]
    pub path: String,

    /// The volume holding the plugins, mounted read-only at `path` in the worker and REST
    /// containers: exactly one of `persistentVolumeClaim`, `image` (an OCI image's files,
    /// where the cluster has image volumes), `configMap`, `hostPath` (single-node and
    /// development clusters), `nfs` and `csi`. Unset: the plugins are in the workers'
    /// image (`spec.image`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume: Option<PluginVolume>,
}

impl Default for Plugins {
    fn default() -> Self {
        Plugins {
            path: default_path(),
            volume: None,
        }
    }
}

fn default_path() -> String {
    DEFAULT_PLUGINS_PATH.to_owned()
}

/// Why `path` cannot be the plugins' path, if it cannot: the CRD's rules (the pattern and
/// the CEL rule of [`Plugins`]), which the operator checks again for objects stored
/// before them. Absolute, one `plugin.path` element (no `,`), and not over `/` or the
/// directories the operator mounts the worker config and the Secrets at.
pub fn path_problem(path: &str) -> Option<&'static str> {
    let under = |root: &str| path == root || path.starts_with(&format!("{root}/"));
    if !path.starts_with('/') {
        Some("is not an absolute path")
    } else if path.contains(',') {
        Some("contains a comma, which would split plugin.path in two")
    } else if path == "/" || RESERVED_PATHS.iter().any(|root| under(root)) {
        Some(
            "may not be /, nor /etc/tributary or /opt/tributary/secrets (the worker config and the Secrets are mounted there)",
        )
    } else {
        None
    }
}

/// One volume source, with Kubernetes' own fields (`kubectl explain pod.spec.volumes`).
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [
    {
        "rule": "[has(self.persistentVolumeClaim), has(self.image), has(self.configMap), has(self.hostPath), has(self.nfs), has(self.csi)].exists_one(x, x)",
        "message": "set exactly one volume source: persistentVolumeClaim, image, configMap, hostPath, nfs or csi"
    }
]))]
pub struct PluginVolume {
    /// A PersistentVolumeClaim in the cluster's namespace (ReadOnlyMany or ReadWriteMany
    /// when the workers run on several nodes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persistent_volume_claim: Option<PersistentVolumeClaimVolumeSource>,

    /// An OCI image (or artifact) whose files are the plugins: `reference` and
    /// `pullPolicy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<ImageVolumeSource>,

    /// A ConfigMap whose keys (`binaryData` for jars) become files; `items` may place
    /// them in plugin directories.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_map: Option<ConfigMapVolumeSource>,

    /// A directory of the node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_path: Option<HostPathVolumeSource>,

    /// An NFS export.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nfs: Option<NFSVolumeSource>,

    /// A CSI volume.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csi: Option<CSIVolumeSource>,
}

impl PluginVolume {
    /// The names of the sources that are set, in field order.
    pub fn sources(&self) -> Vec<&'static str> {
        [
            (
                "persistentVolumeClaim",
                self.persistent_volume_claim.is_some(),
            ),
            ("image", self.image.is_some()),
            ("configMap", self.config_map.is_some()),
            ("hostPath", self.host_path.is_some()),
            ("nfs", self.nfs.is_some()),
            ("csi", self.csi.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, set)| set.then_some(name))
        .collect()
    }
}

/// Options of the plugin host's JVM, in Strimzi's `JvmOptions` shape.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct JvmOptions {
    /// `-Xmx`: the maximum heap, e.g. `1g` or `512m`.
    #[serde(rename = "-Xmx", default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = HEAP_PATTERN))]
    pub xmx: Option<String>,

    /// `-Xms`: the initial heap, e.g. `256m`.
    #[serde(rename = "-Xms", default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = HEAP_PATTERN))]
    pub xms: Option<String>,

    /// `-XX` options by name: `"true"` gives `-XX:+<name>`, `"false"` `-XX:-<name>`, any
    /// other value `-XX:<name>=<value>` (e.g. `UseSerialGC: "true"`,
    /// `TieredStopAtLevel: "1"`). Names are letters, digits and `_`; values have no spaces.
    #[serde(rename = "-XX", default, skip_serializing_if = "BTreeMap::is_empty")]
    pub xx: BTreeMap<String, String>,

    /// Java system properties, each `-D<name>=<value>`. Values have no spaces.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub java_system_properties: Vec<SystemProperty>,
}

/// A Java system property.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
pub struct SystemProperty {
    /// The property's name.
    #[schemars(length(min = 1, max = 256), regex(pattern = r"^[^\s=]+$"))]
    pub name: String,

    /// The property's value (may be empty).
    #[serde(default)]
    #[schemars(length(max = 4096), regex(pattern = r"^\S*$"))]
    pub value: String,
}

/// Why `jvmOptions` cannot become JVM options.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("spec.jvmOptions.{field} {value:?} {problem}")]
pub struct JvmOptionError {
    pub field: String,
    pub value: String,
    pub problem: &'static str,
}

impl JvmOptions {
    /// The JVM's command-line options, in a stable order: `-Xms`, `-Xmx`, the `-XX`
    /// options by name, then the system properties as listed. The worker setting that
    /// carries them is split at spaces, so no option may contain one.
    pub fn to_args(&self) -> Result<Vec<String>, JvmOptionError> {
        let problem = |field: String, value: &str, problem| JvmOptionError {
            field,
            value: value.to_owned(),
            problem,
        };
        let mut args = Vec::new();
        for (field, value, flag) in [("-Xms", &self.xms, "-Xms"), ("-Xmx", &self.xmx, "-Xmx")] {
            if let Some(value) = value {
                if !is_heap_size(value) {
                    return Err(problem(
                        field.to_owned(),
                        value,
                        "is not a heap size (a number with an optional unit k, m, g or t)",
                    ));
                }
                args.push(format!("{flag}{value}"));
            }
        }
        for (name, value) in &self.xx {
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(problem(
                    format!("-XX.{name}"),
                    name,
                    "is not a -XX option name (letters, digits and _)",
                ));
            }
            if value.is_empty() || value.chars().any(char::is_whitespace) {
                return Err(problem(
                    format!("-XX.{name}"),
                    value,
                    "must be a value without spaces",
                ));
            }
            args.push(match value.as_str() {
                "true" => format!("-XX:+{name}"),
                "false" => format!("-XX:-{name}"),
                other => format!("-XX:{name}={other}"),
            });
        }
        for (index, property) in self.java_system_properties.iter().enumerate() {
            let field = format!("javaSystemProperties[{index}]");
            let name = &property.name;
            if name.is_empty() || name.contains('=') || name.chars().any(char::is_whitespace) {
                return Err(problem(
                    format!("{field}.name"),
                    name,
                    "must be a name without spaces or =",
                ));
            }
            if property.value.chars().any(char::is_whitespace) {
                return Err(problem(
                    format!("{field}.value"),
                    &property.value,
                    "must be a value without spaces",
                ));
            }
            args.push(format!("-D{name}={}", property.value));
        }
        Ok(args)
    }
}

/// Whether `value` matches [`HEAP_PATTERN`].
fn is_heap_size(value: &str) -> bool {
    let digits = value.trim_end_matches(|c: char| "kKmMgGtT".contains(c));
    value.len() - digits.len() <= 1
        && !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit())
}

/// The spec-level CEL rules of plugins: `spec.config` may not name the plugins (that is
/// `spec.plugins`, which also picks the workers' image and mounts the volume), nor set
/// the JVM options `spec.jvmOptions` writes.
pub(crate) fn spec_rules() -> Vec<serde_json::Value> {
    vec![
        serde_json::json!({
            "rule": format!("!has(self.config) || !('{PLUGIN_PATH}' in self.config)"),
            "message": format!(
                "spec.config may not set {PLUGIN_PATH}: name the plugins in spec.plugins (path, and volume unless the workers' image holds them)"
            ),
        }),
        serde_json::json!({
            "rule": format!(
                "!has(self.jvmOptions) || !has(self.config) || !('{JVM_OPTIONS}' in self.config)"
            ),
            "message": format!("spec.config may not set {JVM_OPTIONS}: managed by spec.jvmOptions"),
        }),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jvm_options_become_strimzis_arguments_in_a_stable_order() {
        let options = JvmOptions {
            xmx: Some("1g".into()),
            xms: Some("256m".into()),
            xx: BTreeMap::from([
                ("UseSerialGC".into(), "true".into()),
                ("UsePerfData".into(), "false".into()),
                ("TieredStopAtLevel".into(), "1".into()),
            ]),
            java_system_properties: vec![
                SystemProperty {
                    name: "java.io.tmpdir".into(),
                    value: "/tmp/host".into(),
                },
                SystemProperty {
                    name: "empty".into(),
                    value: String::new(),
                },
            ],
        };
        assert_eq!(
            options.to_args().unwrap(),
            [
                "-Xms256m",
                "-Xmx1g",
                "-XX:TieredStopAtLevel=1",
                "-XX:-UsePerfData",
                "-XX:+UseSerialGC",
                "-Djava.io.tmpdir=/tmp/host",
                "-Dempty=",
            ]
        );
        assert_eq!(
            JvmOptions::default().to_args().unwrap(),
            Vec::<String>::new()
        );
    }

    #[test]
    fn jvm_options_that_would_split_or_mean_something_else_are_refused() {
        let with = |change: fn(&mut JvmOptions)| {
            let mut options = JvmOptions::default();
            change(&mut options);
            options.to_args().unwrap_err().to_string()
        };
        assert_eq!(
            with(|o| o.xmx = Some("1 g".into())),
            "spec.jvmOptions.-Xmx \"1 g\" is not a heap size (a number with an optional unit k, m, g or t)"
        );
        assert!(with(|o| o.xms = Some("g".into())).contains("-Xms"));
        assert!(with(|o| o.xms = Some("1gg".into())).contains("-Xms"));
        assert!(
            with(|o| {
                o.xx.insert("+UseG1GC".into(), "true".into());
            })
            .contains("is not a -XX option name")
        );
        assert!(
            with(|o| {
                o.xx.insert("MaxRAM".into(), "1 g".into());
            })
            .contains("without spaces")
        );
        assert_eq!(
            with(|o| o.java_system_properties.push(SystemProperty {
                name: "a".into(),
                value: "b c".into(),
            })),
            "spec.jvmOptions.javaSystemProperties[0].value \"b c\" must be a value without spaces"
        );
    }

    #[test]
    fn the_resource_reads_strimzis_field_names() {
        let spec: serde_json::Value = serde_json::json!({
            "-Xmx": "512m",
            "-XX": {"UseSerialGC": "true"},
            "javaSystemProperties": [{"name": "a", "value": "b"}]
        });
        let options: JvmOptions = serde_json::from_value(spec.clone()).unwrap();
        assert_eq!(options.xmx.as_deref(), Some("512m"));
        assert_eq!(serde_json::to_value(&options).unwrap(), spec);
        let plugins: Plugins = serde_json::from_value(serde_json::json!({})).unwrap();
        assert_eq!(plugins.path, DEFAULT_PLUGINS_PATH);
        let volume: PluginVolume = serde_json::from_value(serde_json::json!({
            "image": {"reference": "registry.example/plugins:1", "pullPolicy": "IfNotPresent"}
        }))
        .unwrap();
        assert_eq!(volume.sources(), ["image"]);
    }
}
