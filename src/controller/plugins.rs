//! What `spec.plugins` and `spec.jvmOptions` become in a cluster's children: the worker
//! settings (`plugin.path`, `tributary.plugin.host.jvm.options`), the plugin volume
//! mounted read-only into both containers, and whether the workers need the image with a
//! JRE and the plugin host.
//!
//! Both containers get the plugins: the worker runs the Java connectors and tasks, and the
//! REST sidecar lists and validates them (`GET /connector-plugins`, `PUT
//! .../config/validate`), each in its own plugin host. `plugin.discovery` stays in
//! `spec.config`, with Apache's meaning. `plugin.path` in `spec.config` is refused: the
//! operator must know about the plugins to pick the image and mount the volume, and one
//! place to name them keeps a volume from shadowing a path the image holds (the CRD's CEL
//! rules refuse the same; this catches objects stored before them).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Volume, VolumeMount};

use crate::api::plugins::{JVM_OPTIONS, JvmOptionError, PLUGIN_PATH, PluginVolume, path_problem};
use crate::api::{KafkaConnectSpec, Plugins};

/// The name of the plugin volume in the pod.
pub const VOLUME_NAME: &str = "plugins";

/// Why `spec.plugins` or `spec.jvmOptions` cannot be applied. Spec errors: the reconcile
/// reports them in the `Ready` condition instead of retrying them as failures.
#[derive(Debug, thiserror::Error)]
pub enum PluginsError {
    #[error("spec.config sets {key}: {remedy}")]
    ConfigConflict {
        key: &'static str,
        remedy: &'static str,
    },
    #[error(
        "spec.plugins.volume must set exactly one source (persistentVolumeClaim, image, configMap, hostPath, nfs or csi); it sets {}",
        if .found.is_empty() { "none".to_owned() } else { .found.join(", ") }
    )]
    VolumeSources { found: Vec<&'static str> },
    #[error("spec.plugins.path {path:?} {problem}")]
    InvalidPath { path: String, problem: &'static str },
    #[error(transparent)]
    JvmOption(#[from] JvmOptionError),
}

impl PluginsError {
    /// The `Ready` condition's reason for this error.
    pub fn reason(&self) -> &'static str {
        "InvalidPluginsConfig"
    }
}

/// What the operator adds for `spec.plugins` and `spec.jvmOptions`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PluginSetup {
    /// Worker settings the operator owns: `plugin.path` and the JVM options.
    pub settings: BTreeMap<String, String>,
    /// The plugin volume and its mount (the same in both containers), when the plugins
    /// come from a volume rather than the image.
    pub volume: Option<(Volume, VolumeMount)>,
    /// True with `spec.plugins`: the workers need a JRE and the plugin host.
    pub needs_jvm: bool,
}

/// The settings, volume and image need of `spec`.
pub fn plugin_setup(spec: &KafkaConnectSpec) -> Result<PluginSetup, PluginsError> {
    if spec.config.contains_key(PLUGIN_PATH) {
        return Err(PluginsError::ConfigConflict {
            key: PLUGIN_PATH,
            remedy: "name the plugins in spec.plugins (path, and volume unless the workers' image holds them)",
        });
    }
    let mut setup = PluginSetup::default();
    if let Some(options) = &spec.jvm_options {
        if spec.config.contains_key(JVM_OPTIONS) {
            return Err(PluginsError::ConfigConflict {
                key: JVM_OPTIONS,
                remedy: "managed by spec.jvmOptions",
            });
        }
        let args = options.to_args()?;
        if !args.is_empty() {
            setup
                .settings
                .insert(JVM_OPTIONS.to_owned(), args.join(" "));
        }
    }
    if let Some(plugins) = &spec.plugins {
        check_path(&plugins.path)?;
        setup
            .settings
            .insert(PLUGIN_PATH.to_owned(), plugins.path.clone());
        setup.volume = plugins
            .volume
            .as_ref()
            .map(|v| volume(plugins, v))
            .transpose()?;
        setup.needs_jvm = true;
    }
    Ok(setup)
}

/// The path rules of the CRD ([`path_problem`]).
fn check_path(path: &str) -> Result<(), PluginsError> {
    match path_problem(path) {
        Some(problem) => Err(PluginsError::InvalidPath {
            path: path.to_owned(),
            problem,
        }),
        None => Ok(()),
    }
}

/// The pod volume of `source`, and its read-only mount at the plugins' path.
fn volume(plugins: &Plugins, source: &PluginVolume) -> Result<(Volume, VolumeMount), PluginsError> {
    let found = source.sources();
    if found.len() != 1 {
        return Err(PluginsError::VolumeSources { found });
    }
    let volume = Volume {
        name: VOLUME_NAME.to_owned(),
        persistent_volume_claim: source.persistent_volume_claim.clone(),
        image: source.image.clone(),
        config_map: source.config_map.clone(),
        host_path: source.host_path.clone(),
        nfs: source.nfs.clone(),
        csi: source.csi.clone(),
        ..Volume::default()
    };
    let mount = VolumeMount {
        name: VOLUME_NAME.to_owned(),
        mount_path: plugins.path.clone(),
        read_only: Some(true),
        ..VolumeMount::default()
    };
    Ok((volume, mount))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{JvmOptions, SystemProperty};
    use k8s_openapi::api::core::v1::{HostPathVolumeSource, PersistentVolumeClaimVolumeSource};

    fn spec() -> KafkaConnectSpec {
        KafkaConnectSpec {
            bootstrap_servers: "k:9092".into(),
            ..KafkaConnectSpec::default()
        }
    }

    #[test]
    fn the_reserved_paths_are_where_the_operator_mounts() {
        assert_eq!(
            crate::api::plugins::RESERVED_PATHS,
            [
                super::super::resources::CONFIG_DIR,
                super::super::security::SECRETS_ROOT
            ]
        );
    }

    #[test]
    fn no_plugins_no_settings_and_no_jvm() {
        assert_eq!(plugin_setup(&spec()).unwrap(), PluginSetup::default());
    }

    #[test]
    fn plugins_from_a_volume_are_mounted_read_only_at_their_path() {
        let mut spec = spec();
        spec.plugins = Some(Plugins {
            path: "/opt/plugins".into(),
            volume: Some(PluginVolume {
                persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                    claim_name: "connect-plugins".into(),
                    read_only: None,
                }),
                ..PluginVolume::default()
            }),
        });
        spec.jvm_options = Some(JvmOptions {
            xmx: Some("1g".into()),
            java_system_properties: vec![SystemProperty {
                name: "a".into(),
                value: "b".into(),
            }],
            ..JvmOptions::default()
        });
        spec.config
            .insert("plugin.discovery".into(), "service_load".into());
        let setup = plugin_setup(&spec).unwrap();
        assert!(setup.needs_jvm);
        assert_eq!(
            setup.settings,
            crate::fixtures::string_map(&[
                ("plugin.path", "/opt/plugins"),
                ("tributary.plugin.host.jvm.options", "-Xmx1g -Da=b"),
            ])
        );
        let (volume, mount) = setup.volume.unwrap();
        assert_eq!(volume.name, "plugins");
        assert_eq!(
            volume.persistent_volume_claim.unwrap().claim_name,
            "connect-plugins"
        );
        assert_eq!(
            (
                mount.name.as_str(),
                mount.mount_path.as_str(),
                mount.read_only
            ),
            ("plugins", "/opt/plugins", Some(true))
        );
    }

    #[test]
    fn plugins_in_the_image_need_the_jvm_and_no_volume() {
        let mut spec = spec();
        spec.plugins = Some(Plugins::default());
        let setup = plugin_setup(&spec).unwrap();
        assert!(setup.needs_jvm && setup.volume.is_none());
        assert_eq!(
            setup.settings,
            crate::fixtures::string_map(&[("plugin.path", "/opt/tributary/plugins")])
        );
    }

    #[test]
    fn what_contradicts_the_spec_is_refused_with_the_remedy() {
        let mut with_path = spec();
        with_path
            .config
            .insert("plugin.path".into(), "/opt/connectors".into());
        assert_eq!(
            plugin_setup(&with_path).unwrap_err().to_string(),
            "spec.config sets plugin.path: name the plugins in spec.plugins (path, and volume unless the workers' image holds them)"
        );

        let mut with_options = spec();
        with_options.jvm_options = Some(JvmOptions::default());
        with_options
            .config
            .insert("tributary.plugin.host.jvm.options".into(), "-Xmx1g".into());
        assert_eq!(
            plugin_setup(&with_options).unwrap_err().to_string(),
            "spec.config sets tributary.plugin.host.jvm.options: managed by spec.jvmOptions"
        );
        // Without spec.jvmOptions, the worker setting is the user's.
        with_options.jvm_options = None;
        assert!(plugin_setup(&with_options).unwrap().settings.is_empty());

        let mut two_sources = spec();
        two_sources.plugins = Some(Plugins {
            path: "/p".into(),
            volume: Some(PluginVolume {
                host_path: Some(HostPathVolumeSource {
                    path: "/srv/plugins".into(),
                    type_: None,
                }),
                persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                    claim_name: "c".into(),
                    read_only: None,
                }),
                ..PluginVolume::default()
            }),
        });
        assert_eq!(
            plugin_setup(&two_sources).unwrap_err().to_string(),
            "spec.plugins.volume must set exactly one source (persistentVolumeClaim, image, configMap, hostPath, nfs or csi); it sets persistentVolumeClaim, hostPath"
        );
        two_sources.plugins.as_mut().unwrap().volume = Some(PluginVolume::default());
        assert!(
            plugin_setup(&two_sources)
                .unwrap_err()
                .to_string()
                .ends_with("it sets none")
        );

        for (path, problem) in [
            ("plugins", "is not an absolute path"),
            ("/a,/b", "contains a comma"),
            ("/", "may not be /"),
            ("/etc/tributary", "may not be /"),
            ("/opt/tributary/secrets/x", "may not be /"),
        ] {
            let mut bad = spec();
            bad.plugins = Some(Plugins {
                path: path.into(),
                volume: None,
            });
            let message = plugin_setup(&bad).unwrap_err().to_string();
            assert!(message.contains(problem), "{path}: {message}");
        }
        let mut near = spec();
        near.plugins = Some(Plugins {
            path: "/etc/tributary-plugins".into(),
            volume: None,
        });
        assert!(plugin_setup(&near).is_ok());
    }
}
