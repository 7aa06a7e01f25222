//! The child objects of a `KafkaConnect`, built as plain values (no API calls), so their
//! content is unit-testable and the reconciler only applies them.
//!
//! Names: ConfigMap `<name>-config`, headless Service `<name>-workers`, REST Service
//! `<name>-connect-api`, ServiceAccount/Role/RoleBinding `<name>-worker`, StatefulSet
//! `<name>-worker` (pods `<name>-worker-0..`, whose names are the worker ids).

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::apps::v1::{StatefulSet, StatefulSetSpec};
use k8s_openapi::api::core::v1::{
    ConfigMap, ConfigMapVolumeSource, Container, ContainerPort, EnvVar, EnvVarSource,
    HTTPGetAction, KeyToPath, ObjectFieldSelector, PodSpec, PodTemplateSpec, Probe,
    SecretVolumeSource, Service, ServiceAccount, ServicePort, ServiceSpec, Volume, VolumeMount,
};
use k8s_openapi::api::rbac::v1::{PolicyRule, Role, RoleBinding, RoleRef, Subject};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta, OwnerReference};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kube::{Resource, ResourceExt};

use super::plugins::{self, PluginSetup};
use super::security::{self, ClientSecurity, SecretKeys};
use super::{Error, Result};
pub use crate::api::{COMPONENT_LABEL, selector_labels, selector_string};
use crate::api::{GROUP, KafkaConnect, KafkaConnector};

/// Port of the Connect REST API (the `rest` container and the `-connect-api` Service).
pub const REST_PORT: i32 = 8083;
/// Port of the worker container's `/healthz` and `/readyz`.
pub const WORKER_HEALTH_PORT: i32 = 8084;
/// Where the worker config is mounted; the file is `worker.properties`.
pub const CONFIG_DIR: &str = "/etc/tributary";
/// Key of the worker config in the ConfigMap.
pub const WORKER_PROPERTIES: &str = "worker.properties";
/// Pod template annotation with a hash of the worker config: a config change rolls the pods.
pub const CONFIG_HASH_ANNOTATION: &str = "tributary.dev/config-hash";

/// The images of worker pods when a `KafkaConnect` names none in `spec.image`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkerImages {
    /// Without `spec.plugins`: the JVM-free image.
    pub default: String,
    /// With `spec.plugins`: the image with a JRE and the plugin host.
    pub plugins: String,
}

impl WorkerImages {
    /// `default` for both (tests, and clusters that name their image).
    pub fn same(image: &str) -> Self {
        WorkerImages {
            default: image.to_owned(),
            plugins: image.to_owned(),
        }
    }
}

/// The JRE variant of a worker image, as the Dockerfile's `tributary-jre` target is
/// tagged: `-jre` after the tag (`repo:0.1.0` → `repo:0.1.0-jre`, `repo` →
/// `repo:latest-jre`). `None` for an image pinned by digest, which has no variant.
pub fn jre_variant(image: &str) -> Option<String> {
    if image.contains('@') {
        return None;
    }
    let name_start = image.rfind('/').map_or(0, |i| i + 1);
    if image[name_start..].contains(':') {
        Some(format!("{image}-jre"))
    } else {
        Some(format!("{image}:latest-jre"))
    }
}

/// Names of the child objects of one cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChildNames {
    /// ConfigMap with `worker.properties`.
    pub config_map: String,
    /// Headless Service that gives each worker pod a stable DNS name.
    pub headless_service: String,
    /// Service of the REST API, port 8083.
    pub rest_service: String,
    /// StatefulSet, ServiceAccount, Role and RoleBinding of the workers.
    pub workers: String,
}

impl ChildNames {
    /// The names for cluster `name`.
    pub fn of(name: &str) -> Self {
        ChildNames {
            config_map: format!("{name}-config"),
            headless_service: format!("{name}-workers"),
            rest_service: format!("{name}-connect-api"),
            workers: format!("{name}-worker"),
        }
    }
}

/// Everything the reconciler applies for one cluster, in apply order.
pub struct Children {
    pub config_map: ConfigMap,
    pub service_account: ServiceAccount,
    pub role: Role,
    pub role_binding: RoleBinding,
    pub headless_service: Service,
    pub rest_service: Service,
    pub stateful_set: StatefulSet,
}

/// Builds the children of `connect`. `connectors` are the `KafkaConnector`s bound to it
/// (their `${secrets:...}` references decide the Role's secret rule); `images` are used
/// when the spec names none; `secret_keys` are the keys of the Secrets that `spec.tls`
/// patterns refer to ([`security::read_secret_keys`]).
pub fn build(
    connect: &KafkaConnect,
    connectors: &[KafkaConnector],
    images: &WorkerImages,
    secret_keys: &SecretKeys,
) -> Result<Children> {
    let name = connect.name_any();
    let namespace = connect
        .namespace()
        .ok_or(Error::MissingField("metadata.namespace"))?;
    let owner = connect
        .controller_owner_ref(&())
        .ok_or(Error::MissingField("metadata.uid"))?;
    let names = ChildNames::of(&name);
    let meta = |child_name: &str| ObjectMeta {
        name: Some(child_name.to_string()),
        namespace: Some(namespace.clone()),
        labels: Some(selector_labels(&name)),
        owner_references: Some(vec![owner.clone()]),
        ..ObjectMeta::default()
    };
    let security = security::client_security(&connect.spec, secret_keys)?;
    let plugins = plugins::plugin_setup(&connect.spec)?;
    let properties = worker_properties(connect, &security, &plugins);
    let config_hash = format!("{:016x}", fnv1a(properties.as_bytes()));
    let secrets = referenced_secrets(&namespace, connectors);

    Ok(Children {
        config_map: ConfigMap {
            metadata: meta(&names.config_map),
            data: Some(BTreeMap::from([(
                WORKER_PROPERTIES.to_string(),
                properties,
            )])),
            ..ConfigMap::default()
        },
        service_account: ServiceAccount {
            metadata: meta(&names.workers),
            ..ServiceAccount::default()
        },
        role: Role {
            metadata: meta(&names.workers),
            rules: Some(worker_rules(&name, &secrets)),
        },
        role_binding: RoleBinding {
            metadata: meta(&names.workers),
            role_ref: RoleRef {
                api_group: Some("rbac.authorization.k8s.io".into()),
                kind: "Role".into(),
                name: names.workers.clone(),
            },
            subjects: Some(vec![Subject {
                kind: "ServiceAccount".into(),
                name: names.workers.clone(),
                namespace: Some(namespace.clone()),
                ..Subject::default()
            }]),
        },
        headless_service: Service {
            metadata: meta(&names.headless_service),
            spec: Some(ServiceSpec {
                cluster_ip: Some("None".into()),
                // Workers find each other (and the REST sidecar forwards) before readiness.
                publish_not_ready_addresses: Some(true),
                selector: Some(selector_labels(&name)),
                ports: Some(vec![rest_service_port()]),
                ..ServiceSpec::default()
            }),
            ..Service::default()
        },
        rest_service: Service {
            metadata: meta(&names.rest_service),
            spec: Some(ServiceSpec {
                selector: Some(selector_labels(&name)),
                ports: Some(vec![rest_service_port()]),
                ..ServiceSpec::default()
            }),
            ..Service::default()
        },
        stateful_set: stateful_set(
            connect,
            &names,
            meta(&names.workers),
            images,
            config_hash,
            &security,
            &plugins,
        ),
    })
}

fn rest_service_port() -> ServicePort {
    ServicePort {
        name: Some("rest".into()),
        port: REST_PORT,
        target_port: Some(IntOrString::String("rest".into())),
        protocol: Some("TCP".into()),
        ..ServicePort::default()
    }
}

/// Least privilege for the worker and the REST sidecar, inside the cluster's namespace:
/// worker leases (membership), connectors and their status (the REST API writes specs, the
/// workers write task status), a read of their own `KafkaConnect`, and reads of exactly the
/// secrets that bound connectors reference.
fn worker_rules(cluster: &str, secrets: &BTreeSet<String>) -> Vec<PolicyRule> {
    let rule = |groups: &[&str], resources: &[&str], names: &[String], verbs: &[&str]| PolicyRule {
        api_groups: Some(groups.iter().map(|s| s.to_string()).collect()),
        resources: Some(resources.iter().map(|s| s.to_string()).collect()),
        resource_names: (!names.is_empty()).then(|| names.to_vec()),
        verbs: verbs.iter().map(|s| s.to_string()).collect(),
        ..PolicyRule::default()
    };
    let mut rules = vec![
        rule(
            &["coordination.k8s.io"],
            &["leases"],
            &[],
            &["get", "list", "watch", "create", "update", "patch"],
        ),
        rule(
            &[GROUP],
            &["kafkaconnectors"],
            &[],
            &[
                "get", "list", "watch", "create", "update", "patch", "delete",
            ],
        ),
        rule(
            &[GROUP],
            &["kafkaconnectors/status"],
            &[],
            &["get", "update", "patch"],
        ),
        rule(
            &[GROUP],
            &["kafkaconnects"],
            &[cluster.to_string()],
            &["get"],
        ),
    ];
    if !secrets.is_empty() {
        let names: Vec<String> = secrets.iter().cloned().collect();
        rules.push(rule(&[""], &["secrets"], &names, &["get"]));
    }
    rules
}

/// Secret names in `namespace` referenced as `${secrets:<namespace>/<name>:<key>}` by the
/// connectors' configs. References to other namespaces are not granted: a Role cannot.
pub fn referenced_secrets(namespace: &str, connectors: &[KafkaConnector]) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for value in connectors.iter().flat_map(|c| c.spec.config.values()) {
        let mut rest = value.as_str();
        while let Some(start) = rest.find("${secrets:") {
            rest = &rest[start + "${secrets:".len()..];
            let Some(end) = rest.find('}') else { break };
            let reference = &rest[..end];
            // `<namespace>/<name>:<key>`; a bare `<name>:<key>` means the same namespace.
            let path = reference.split(':').next().unwrap_or_default();
            let (ns, secret) = path.split_once('/').unwrap_or((namespace, path));
            if ns == namespace && !secret.is_empty() {
                names.insert(secret.to_string());
            }
            rest = &rest[end..];
        }
    }
    names
}

/// The worker config file: the spec's `config` in Connect keys, the client security
/// settings of `spec.tls`/`spec.authentication` (which the spec's `config` may not set,
/// except `config.providers`, which they extend), the plugin settings of `spec.plugins`
/// and `spec.jvmOptions` (`plugin.path`, `tributary.plugin.host.jvm.options`), then the
/// keys the operator owns (`bootstrap.servers`, `group.id`, `offset.storage.topic`),
/// which win.
pub fn worker_properties(
    connect: &KafkaConnect,
    security: &ClientSecurity,
    plugins: &PluginSetup,
) -> String {
    let name = connect.name_any();
    let mut config = connect.spec.config.clone();
    config.extend(security.settings.clone());
    config.extend(plugins.settings.clone());
    config.insert(
        "bootstrap.servers".into(),
        connect.spec.bootstrap_servers.clone(),
    );
    config.insert("group.id".into(), name.clone());
    let topic = connect
        .spec
        .offsets_topic
        .clone()
        .unwrap_or_else(|| format!("{name}-offsets"));
    config.insert("offset.storage.topic".into(), topic);
    let mut out = String::from("# Written by tributary-operator from the KafkaConnect spec.\n");
    for (key, value) in &config {
        out.push_str(&escape_properties(key, true));
        out.push('=');
        out.push_str(&escape_properties(value, false));
        out.push('\n');
    }
    out
}

/// Escapes text for a `java.util.Properties` file: backslash, line breaks, tabs, and (in
/// keys) the separators; leading spaces in values; non-ASCII as `\uXXXX`.
fn escape_properties(text: &str, is_key: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for (index, ch) in text.chars().enumerate() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '=' | ':' | '#' | '!' if is_key || index == 0 => {
                out.push('\\');
                out.push(ch);
            }
            ' ' if is_key || index == 0 => out.push_str("\\ "),
            ch if ch.is_ascii() => out.push(ch),
            ch => {
                let mut units = [0u16; 2];
                for unit in ch.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    out
}

/// FNV-1a: a stable hash (unlike `DefaultHasher`, it does not change between Rust
/// releases), so an operator upgrade alone does not roll the workers.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn stateful_set(
    connect: &KafkaConnect,
    names: &ChildNames,
    metadata: ObjectMeta,
    images: &WorkerImages,
    config_hash: String,
    security: &ClientSecurity,
    plugins: &PluginSetup,
) -> StatefulSet {
    let cluster = connect.name_any();
    let image = connect.spec.image.clone().unwrap_or_else(|| {
        if plugins.needs_jvm {
            images.plugins.clone()
        } else {
            images.default.clone()
        }
    });
    let field_env = |name: &str, path: &str| EnvVar {
        name: name.into(),
        value_from: Some(EnvVarSource {
            field_ref: Some(ObjectFieldSelector {
                field_path: path.into(),
                ..ObjectFieldSelector::default()
            }),
            ..EnvVarSource::default()
        }),
        ..EnvVar::default()
    };
    let env = vec![
        field_env("POD_NAME", "metadata.name"),
        field_env("POD_NAMESPACE", "metadata.namespace"),
        EnvVar {
            name: "TRIBUTARY_CLUSTER".into(),
            value: Some(cluster.clone()),
            ..EnvVar::default()
        },
        EnvVar {
            name: "TRIBUTARY_WORKER_CONFIG".into(),
            value: Some(format!("{CONFIG_DIR}/{WORKER_PROPERTIES}")),
            ..EnvVar::default()
        },
    ];
    let probe = |path: &str, port: &str| Probe {
        http_get: Some(HTTPGetAction {
            path: Some(path.into()),
            port: IntOrString::String(port.into()),
            ..HTTPGetAction::default()
        }),
        period_seconds: Some(10),
        ..Probe::default()
    };
    let (volumes, mounts) = volumes(names, security, plugins);
    let container = |name: &str, command: &str, port_name: &str, port: i32| Container {
        name: name.into(),
        image: Some(image.clone()),
        args: Some(vec![command.into()]),
        env: Some(env.clone()),
        ports: Some(vec![ContainerPort {
            name: Some(port_name.into()),
            container_port: port,
            protocol: Some("TCP".into()),
            ..ContainerPort::default()
        }]),
        liveness_probe: Some(probe("/healthz", port_name)),
        readiness_probe: Some(probe("/readyz", port_name)),
        volume_mounts: Some(mounts.clone()),
        ..Container::default()
    };
    let mut worker = container("worker", "worker", "health", WORKER_HEALTH_PORT);
    worker.resources = connect.spec.resources.clone();
    let rest = container("rest", "rest", "rest", REST_PORT);
    StatefulSet {
        metadata,
        spec: Some(StatefulSetSpec {
            replicas: Some(connect.spec.replicas),
            service_name: Some(names.headless_service.clone()),
            // Workers are independent: start and stop them all at once.
            pod_management_policy: Some("Parallel".into()),
            selector: LabelSelector {
                match_labels: Some(selector_labels(&cluster)),
                ..LabelSelector::default()
            },
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(selector_labels(&cluster)),
                    annotations: Some(BTreeMap::from([(
                        CONFIG_HASH_ANNOTATION.to_string(),
                        config_hash,
                    )])),
                    ..ObjectMeta::default()
                }),
                spec: Some(PodSpec {
                    service_account_name: Some(names.workers.clone()),
                    containers: vec![worker, rest],
                    volumes: Some(volumes),
                    ..PodSpec::default()
                }),
            },
            ..StatefulSetSpec::default()
        }),
        ..StatefulSet::default()
    }
}

/// The pod's volumes and the mounts of both containers: the ConfigMap at [`CONFIG_DIR`],
/// and each Secret of `security` read-only at its own directory under
/// [`security::SECRETS_ROOT`], projecting only the keys the settings read (the kubelet
/// refuses to start a pod whose Secret lacks one, naming it), then the plugin volume
/// read-only at `spec.plugins.path`. The REST sidecar gets the same mounts: it reads the
/// same worker properties for its offsets clients, and lists and validates the plugins.
fn volumes(
    names: &ChildNames,
    security: &ClientSecurity,
    plugins: &PluginSetup,
) -> (Vec<Volume>, Vec<VolumeMount>) {
    let mut volumes = vec![Volume {
        name: "config".into(),
        config_map: Some(ConfigMapVolumeSource {
            name: names.config_map.clone(),
            ..ConfigMapVolumeSource::default()
        }),
        ..Volume::default()
    }];
    let mut mounts = vec![VolumeMount {
        name: "config".into(),
        mount_path: CONFIG_DIR.into(),
        read_only: Some(true),
        ..VolumeMount::default()
    }];
    // Volume names must be DNS labels; Secret names may be longer and hold dots, so the
    // volumes are numbered in Secret name order (stable for an unchanged spec).
    for (index, (secret, keys)) in security.mounts.iter().enumerate() {
        let name = format!("secret-{index}");
        volumes.push(Volume {
            name: name.clone(),
            secret: Some(SecretVolumeSource {
                secret_name: Some(secret.clone()),
                items: Some(
                    keys.iter()
                        .map(|key| KeyToPath {
                            key: key.clone(),
                            path: key.clone(),
                            ..KeyToPath::default()
                        })
                        .collect(),
                ),
                ..SecretVolumeSource::default()
            }),
            ..Volume::default()
        });
        mounts.push(VolumeMount {
            name,
            mount_path: security::mount_path(secret),
            read_only: Some(true),
            ..VolumeMount::default()
        });
    }
    if let Some((volume, mount)) = &plugins.volume {
        volumes.push(volume.clone());
        mounts.push(mount.clone());
    }
    (volumes, mounts)
}

/// True when `owner` is the controller owner reference of `connect`.
pub fn is_owned_by(owner: &OwnerReference, connect: &KafkaConnect) -> bool {
    owner.controller == Some(true)
        && owner.kind == "KafkaConnect"
        && Some(&owner.uid) == connect.metadata.uid.as_ref()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{KafkaConnectSpec, KafkaConnectorSpec};

    fn cluster() -> KafkaConnect {
        let mut connect = KafkaConnect::new(
            "conn",
            KafkaConnectSpec {
                replicas: 2,
                bootstrap_servers: "k:9092".into(),
                config: BTreeMap::from([
                    (
                        "key.converter".into(),
                        "org.apache.kafka.connect.json.JsonConverter".into(),
                    ),
                    ("bootstrap.servers".into(), "ignored:1".into()),
                    ("weird key".into(), " lead\\ing é".into()),
                ]),
                ..KafkaConnectSpec::default()
            },
        );
        connect.metadata.namespace = Some("ns".into());
        connect.metadata.uid = Some("uid-1".into());
        connect
    }

    #[test]
    fn worker_properties_put_operator_keys_last_and_escape() {
        let text = worker_properties(
            &cluster(),
            &ClientSecurity::default(),
            &PluginSetup::default(),
        );
        let props = crate::java::properties::parse_str(&text).unwrap();
        let get = |k: &str| props.get(k).map(String::as_str);
        assert_eq!(get("bootstrap.servers"), Some("k:9092"));
        assert_eq!(get("group.id"), Some("conn"));
        assert_eq!(get("offset.storage.topic"), Some("conn-offsets"));
        assert_eq!(get("weird key"), Some(" lead\\ing é"));
    }

    #[test]
    fn children_carry_owner_labels_and_replicas() {
        let children = build(
            &cluster(),
            &[],
            &WorkerImages::same("img:1"),
            &SecretKeys::new(),
        )
        .unwrap();
        let sts = children.stateful_set;
        let owner = &sts.metadata.owner_references.as_ref().unwrap()[0];
        assert!(is_owned_by(owner, &cluster()));
        let spec = sts.spec.unwrap();
        assert_eq!(spec.replicas, Some(2));
        assert_eq!(spec.service_name.as_deref(), Some("conn-workers"));
        let pod = spec.template.spec.unwrap();
        let names: Vec<&str> = pod.containers.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["worker", "rest"]);
        assert_eq!(pod.containers[0].image.as_deref(), Some("img:1"));
        assert!(
            children
                .role
                .rules
                .unwrap()
                .iter()
                .all(|r| { r.resources.as_ref().unwrap() != &vec!["secrets".to_string()] })
        );
    }

    #[test]
    fn secrets_rule_lists_only_referenced_secrets_of_the_namespace() {
        let connector = |config: &[(&str, &str)]| {
            KafkaConnector::new(
                "c",
                KafkaConnectorSpec {
                    class: "X".into(),
                    config: config
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                    ..KafkaConnectorSpec::default()
                },
            )
        };
        let connectors = [
            connector(&[
                ("password", "${secrets:ns/db:password}"),
                ("user", "${secrets:ns/db:user}"),
            ]),
            connector(&[("x", "a ${secrets:other/nope:k} b ${secrets:tls:cert}")]),
        ];
        let secrets = referenced_secrets("ns", &connectors);
        assert_eq!(secrets.into_iter().collect::<Vec<_>>(), ["db", "tls"]);
        let children = build(
            &cluster(),
            &connectors,
            &WorkerImages::same("img"),
            &SecretKeys::new(),
        )
        .unwrap();
        let rules = children.role.rules.unwrap();
        let secret_rule = rules
            .iter()
            .find(|r| r.resources.as_ref().unwrap()[0] == "secrets")
            .unwrap();
        assert_eq!(secret_rule.verbs, ["get"]);
        assert_eq!(secret_rule.resource_names.as_ref().unwrap(), &["db", "tls"]);
    }

    /// The operator's part and the kubelet's part of a secured cluster: the StatefulSet
    /// mounts each Secret (only the keys used) into both containers, and the worker
    /// properties, read from files standing for those mounts, resolve to the Secrets'
    /// contents while the ConfigMap holds only placeholders.
    #[tokio::test]
    async fn a_secured_cluster_mounts_its_secrets_and_its_workers_resolve_them() {
        use crate::api::{AuthenticationType, CertSecretSource, ClientTls};
        use crate::api::{KafkaClientAuthentication, PasswordSecretSource};
        use crate::runtime::config::worker::WorkerMode;
        use crate::runtime::config::worker_file;

        let mut connect = cluster();
        connect.spec.config.extend([
            (
                "value.converter".to_string(),
                "org.apache.kafka.connect.json.JsonConverter".to_string(),
            ),
            ("config.providers".into(), "env".into()),
            (
                "config.providers.env.class".into(),
                "org.apache.kafka.common.config.provider.EnvVarConfigProvider".into(),
            ),
        ]);
        connect.spec.tls = Some(ClientTls {
            trusted_certificates: ["ca-a", "ca-b"]
                .map(|secret| CertSecretSource {
                    secret_name: secret.into(),
                    certificate: Some("ca.crt".into()),
                    pattern: None,
                })
                .to_vec(),
        });
        connect.spec.authentication = Some(KafkaClientAuthentication {
            type_: AuthenticationType::ScramSha512,
            certificate_and_key: None,
            username: Some("connect".into()),
            password_secret: Some(PasswordSecretSource {
                secret_name: "connect-user".into(),
                password: "password".into(),
            }),
            client_id: None,
            client_secret: None,
            token_endpoint_uri: None,
            scope: None,
        });
        let children = build(
            &connect,
            &[],
            &WorkerImages::same("img"),
            &SecretKeys::new(),
        )
        .unwrap();
        let properties = children.config_map.data.unwrap()[WORKER_PROPERTIES].clone();
        let pod = children.stateful_set.spec.unwrap().template.spec.unwrap();

        // Volumes: the ConfigMap, then one per Secret with only the keys used.
        let volumes = pod.volumes.unwrap();
        let secrets: Vec<(&str, &str, Vec<&str>)> = volumes
            .iter()
            .filter_map(|v| {
                let secret = v.secret.as_ref()?;
                let items = secret.items.as_ref()?.iter().map(|i| i.key.as_str());
                Some((
                    v.name.as_str(),
                    secret.secret_name.as_deref()?,
                    items.collect(),
                ))
            })
            .collect();
        assert_eq!(
            secrets,
            [
                ("secret-0", "ca-a", vec!["ca.crt"]),
                ("secret-1", "ca-b", vec!["ca.crt"]),
                ("secret-2", "connect-user", vec!["password"]),
            ]
        );
        for container in &pod.containers {
            let mounts: Vec<(&str, &str, Option<bool>)> = container
                .volume_mounts
                .iter()
                .flatten()
                .map(|m| (m.name.as_str(), m.mount_path.as_str(), m.read_only))
                .collect();
            assert_eq!(
                mounts,
                [
                    ("config", "/etc/tributary", Some(true)),
                    ("secret-0", "/opt/tributary/secrets/ca-a", Some(true)),
                    ("secret-1", "/opt/tributary/secrets/ca-b", Some(true)),
                    (
                        "secret-2",
                        "/opt/tributary/secrets/connect-user",
                        Some(true)
                    ),
                ],
                "{}",
                container.name
            );
        }

        // The kubelet's part: the Secrets' keys as files under a root of our own.
        let root = tempfile::tempdir().unwrap();
        let root_path = root.path().display().to_string();
        let ca_a = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        let ca_b = "-----BEGIN CERTIFICATE-----\nBBBB\n-----END CERTIFICATE-----\n";
        for (secret, key, value) in [
            ("ca-a", "ca.crt", ca_a),
            ("ca-b", "ca.crt", ca_b),
            ("connect-user", "password", "pa55-w0rd"),
        ] {
            let dir = root.path().join(secret);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join(key), value).unwrap();
        }
        assert!(!properties.contains("pa55-w0rd") && !properties.contains("AAAA"));
        let file = root.path().join("worker.properties");
        std::fs::write(
            &file,
            properties.replace(security::SECRETS_ROOT, &root_path),
        )
        .unwrap();
        let config = worker_file::load(&file, WorkerMode::Kubernetes)
            .await
            .unwrap();
        let settings = &config.client_settings;
        assert_eq!(settings["security.protocol"], "SASL_SSL");
        assert_eq!(settings["sasl.mechanism"], "SCRAM-SHA-512");
        assert_eq!(
            settings["sasl.jaas.config"],
            "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"connect\" password=\"pa55-w0rd\";"
        );
        assert_eq!(
            settings["ssl.truststore.certificates"],
            format!("{ca_a}\n{ca_b}")
        );
        // The user's own provider is still declared, beside the operator's.
        assert_eq!(
            config.originals()["config.providers"],
            "env,tributarysecrets"
        );
    }

    /// `spec.plugins`: the JRE image unless the spec names one, the plugin volume
    /// read-only at its path in both containers (after the config), and `plugin.path` and
    /// the JVM options in the worker properties beside the user's `plugin.discovery`.
    #[test]
    fn a_cluster_with_plugins_gets_the_jre_image_the_volume_and_the_settings() {
        use crate::api::{JvmOptions, PluginVolume, Plugins};
        use k8s_openapi::api::core::v1::ImageVolumeSource;

        let images = WorkerImages {
            default: "tributary:1".into(),
            plugins: "tributary:1-jre".into(),
        };
        let mut connect = cluster();
        connect
            .spec
            .config
            .insert("plugin.discovery".into(), "service_load".into());
        connect.spec.plugins = Some(Plugins {
            path: "/opt/tributary/plugins".into(),
            volume: Some(PluginVolume {
                image: Some(ImageVolumeSource {
                    reference: Some("registry.example/debezium-plugins:3.6.1".into()),
                    pull_policy: Some("IfNotPresent".into()),
                }),
                ..PluginVolume::default()
            }),
        });
        connect.spec.jvm_options = Some(JvmOptions {
            xmx: Some("768m".into()),
            ..JvmOptions::default()
        });
        let children = build(&connect, &[], &images, &SecretKeys::new()).unwrap();
        let properties = &children.config_map.data.as_ref().unwrap()[WORKER_PROPERTIES];
        let props = crate::java::properties::parse_str(properties).unwrap();
        assert_eq!(props["plugin.path"], "/opt/tributary/plugins");
        assert_eq!(props["plugin.discovery"], "service_load");
        assert_eq!(props["tributary.plugin.host.jvm.options"], "-Xmx768m");
        let pod = children.stateful_set.spec.unwrap().template.spec.unwrap();
        let volume = pod.volumes.unwrap().pop().unwrap();
        assert_eq!(volume.name, "plugins");
        assert_eq!(
            volume.image.unwrap().reference.as_deref(),
            Some("registry.example/debezium-plugins:3.6.1")
        );
        for container in &pod.containers {
            assert_eq!(container.image.as_deref(), Some("tributary:1-jre"));
            let mounts = container.volume_mounts.as_ref().unwrap();
            let names: Vec<&str> = mounts.iter().map(|m| m.name.as_str()).collect();
            assert_eq!(names, ["config", "plugins"], "{}", container.name);
            let plugins = &mounts[1];
            assert_eq!(plugins.mount_path, "/opt/tributary/plugins");
            assert_eq!(plugins.read_only, Some(true));
        }

        // The spec's own image wins; without plugins, the JVM-free image.
        connect.spec.image = Some("mine:2".into());
        let children = build(&connect, &[], &images, &SecretKeys::new()).unwrap();
        let pod = children.stateful_set.spec.unwrap().template.spec.unwrap();
        assert_eq!(pod.containers[0].image.as_deref(), Some("mine:2"));
        let children = build(&cluster(), &[], &images, &SecretKeys::new()).unwrap();
        let pod = children.stateful_set.spec.unwrap().template.spec.unwrap();
        assert_eq!(pod.containers[1].image.as_deref(), Some("tributary:1"));
        assert!(!children.config_map.data.unwrap()[WORKER_PROPERTIES].contains("plugin"));
    }

    #[test]
    fn a_plugin_spec_error_is_a_plugins_error() {
        let mut connect = cluster();
        connect
            .spec
            .config
            .insert("plugin.path".into(), "/opt/connectors".into());
        let error = build(&connect, &[], &WorkerImages::same("i"), &SecretKeys::new())
            .err()
            .unwrap();
        assert!(matches!(error, Error::Plugins(_)), "{error}");
    }

    #[test]
    fn the_jre_variant_is_the_tag_with_a_suffix() {
        assert_eq!(
            jre_variant("ghcr.io/tributary-dev/tributary:0.1.0").as_deref(),
            Some("ghcr.io/tributary-dev/tributary:0.1.0-jre")
        );
        assert_eq!(
            jre_variant("localhost:5000/tributary").as_deref(),
            Some("localhost:5000/tributary:latest-jre")
        );
        assert_eq!(
            jre_variant("tributary").as_deref(),
            Some("tributary:latest-jre")
        );
        assert_eq!(jre_variant("tributary@sha256:abc"), None);
    }
}
