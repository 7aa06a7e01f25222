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
    HTTPGetAction, ObjectFieldSelector, PodSpec, PodTemplateSpec, Probe, Service, ServiceAccount,
    ServicePort, ServiceSpec, Volume, VolumeMount,
};
use k8s_openapi::api::rbac::v1::{PolicyRule, Role, RoleBinding, RoleRef, Subject};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta, OwnerReference};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kube::{Resource, ResourceExt};

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
/// (their `${secrets:...}` references decide the Role's secret rule); `default_image` is
/// used when the spec names none.
pub fn build(
    connect: &KafkaConnect,
    connectors: &[KafkaConnector],
    default_image: &str,
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
    let properties = worker_properties(connect);
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
            default_image,
            config_hash,
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

/// The worker config file: the spec's `config` in Connect keys, then the keys the operator
/// owns (`bootstrap.servers`, `group.id`, `offset.storage.topic`), which win.
pub fn worker_properties(connect: &KafkaConnect) -> String {
    let name = connect.name_any();
    let mut config = connect.spec.config.clone();
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
    default_image: &str,
    config_hash: String,
) -> StatefulSet {
    let cluster = connect.name_any();
    let image = connect
        .spec
        .image
        .clone()
        .unwrap_or_else(|| default_image.to_string());
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
        volume_mounts: Some(vec![VolumeMount {
            name: "config".into(),
            mount_path: CONFIG_DIR.into(),
            read_only: Some(true),
            ..VolumeMount::default()
        }]),
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
                    volumes: Some(vec![Volume {
                        name: "config".into(),
                        config_map: Some(ConfigMapVolumeSource {
                            name: names.config_map.clone(),
                            ..ConfigMapVolumeSource::default()
                        }),
                        ..Volume::default()
                    }]),
                    ..PodSpec::default()
                }),
            },
            ..StatefulSetSpec::default()
        }),
        ..StatefulSet::default()
    }
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
        let text = worker_properties(&cluster());
        let props = crate::java::properties::parse_str(&text).unwrap();
        let get = |k: &str| props.get(k).map(String::as_str);
        assert_eq!(get("bootstrap.servers"), Some("k:9092"));
        assert_eq!(get("group.id"), Some("conn"));
        assert_eq!(get("offset.storage.topic"), Some("conn-offsets"));
        assert_eq!(get("weird key"), Some(" lead\\ing é"));
    }

    #[test]
    fn children_carry_owner_labels_and_replicas() {
        let children = build(&cluster(), &[], "img:1").unwrap();
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
        let children = build(&cluster(), &connectors, "img").unwrap();
        let rules = children.role.rules.unwrap();
        let secret_rule = rules
            .iter()
            .find(|r| r.resources.as_ref().unwrap()[0] == "secrets")
            .unwrap();
        assert_eq!(secret_rule.verbs, ["get"]);
        assert_eq!(secret_rule.resource_names.as_ref().unwrap(), &["db", "tls"]);
    }
}
