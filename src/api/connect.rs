//! `KafkaConnect`: a cluster of Tributary workers.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::ResourceRequirements;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition;
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::plugins::{JvmOptions, Plugins};
use super::security::{ClientTls, KafkaClientAuthentication};

/// A Kafka Connect worker cluster: the operator runs it as a StatefulSet of worker pods
/// with the REST sidecar, and assigns the connectors bound to it to those workers.
#[derive(CustomResource, Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[kube(
    group = "tributary.dev",
    version = "v1alpha1",
    kind = "KafkaConnect",
    namespaced,
    status = "KafkaConnectStatus",
    shortname = "kc",
    category = "tributary",
    scale(
        spec_replicas_path = ".spec.replicas",
        status_replicas_path = ".status.replicas",
        label_selector_path = ".status.selector"
    ),
    printcolumn = r#"{"name":"Desired","type":"integer","jsonPath":".spec.replicas"}"#,
    printcolumn = r#"{"name":"Workers","type":"integer","jsonPath":".status.replicas"}"#,
    printcolumn = r#"{"name":"Ready","type":"string","jsonPath":".status.conditions[?(@.type==\"Ready\")].status"}"#,
    printcolumn = r#"{"name":"Bootstrap","type":"string","jsonPath":".spec.bootstrapServers"}"#,
    printcolumn = r#"{"name":"Age","type":"date","jsonPath":".metadata.creationTimestamp"}"#
)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = spec_rules)]
pub struct KafkaConnectSpec {
    /// Number of worker pods (0 or more; 1 when unset). `kubectl scale` sets it.
    #[serde(default = "default_replicas")]
    #[schemars(range(min = 0))]
    pub replicas: i32,

    /// Kafka bootstrap servers (`host:port,host:port`), the worker's `bootstrap.servers`.
    #[schemars(length(min = 1))]
    pub bootstrap_servers: String,

    /// Container image of the workers and the REST sidecar. When unset, the operator's
    /// worker image; with `plugins`, its image with a JRE and the plugin host (the `-jre`
    /// variant, `TRIBUTARY_PLUGIN_WORKER_IMAGE`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,

    /// Worker configuration in Connect's keys (`key.converter`, `offset.flush.interval.ms`,
    /// `plugin.discovery`, ...). `plugin.path` is refused: name the plugins in `plugins`;
    /// with `jvmOptions` set, so is `tributary.plugin.host.jvm.options`.
    /// With `tls` or `authentication` set, the keys they manage are refused here
    /// (`security.protocol`, `ssl.truststore.*`, `ssl.keystore.*`, `ssl.key.password`,
    /// `sasl.mechanism`, `sasl.jaas.config`, ..., also under `producer.`, `consumer.`
    /// and `admin.`); other client settings (`ssl.endpoint.identification.algorithm`,
    /// `ssl.cipher.suites`, `producer.compression.type`, ...) stay yours.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub config: BTreeMap<String, String>,

    /// Compute resources of each worker container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<ResourceRequirements>,

    /// Compacted topic that stores source offsets in Apache's format; `<name>-offsets` when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offsets_topic: Option<String>,

    /// TLS to the brokers: `security.protocol` becomes `SSL` (`SASL_SSL` with SASL
    /// authentication), trusting the CA certificates of `trustedCertificates`. Every
    /// client of the workers and the REST sidecar uses it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<ClientTls>,

    /// How the workers authenticate to the brokers: `tls` (client certificate),
    /// `scram-sha-512`, `scram-sha-256`, `plain` or `oauth`. Credentials come from
    /// Secrets mounted into the worker pods; their values never enter the ConfigMap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentication: Option<KafkaClientAuthentication>,

    /// Java connector plugins (Debezium, JDBC, MirrorMaker 2, ...): a directory of
    /// plugins, as Apache's `plugin.path` names one, from a volume or from the workers'
    /// image. The workers and the REST sidecar then run a plugin host (a JVM) for them,
    /// in the `-jre` image unless `image` is set; Java connectors are assigned and failed
    /// over like built-in ones, with their offsets in the offsets topic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plugins: Option<Plugins>,

    /// Options of the plugin host's JVM in Strimzi's shape (`-Xmx`, `-Xms`, `-XX`,
    /// `javaSystemProperties`); the worker setting `tributary.plugin.host.jvm.options`.
    /// Each worker pod runs two plugin hosts, one per container (the REST sidecar's only
    /// lists and validates plugins); count both in `resources`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jvm_options: Option<JvmOptions>,
}

/// The spec-level CEL rules: those of `tls`/`authentication`, then those of plugins.
fn spec_rules(schema: &mut schemars::Schema) {
    let mut rules = super::security::spec_rules();
    rules.extend(super::plugins::spec_rules());
    schema.insert(
        "x-kubernetes-validations".to_owned(),
        serde_json::Value::Array(rules),
    );
}

fn default_replicas() -> i32 {
    1
}

/// Observed state of a worker cluster.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct KafkaConnectStatus {
    /// Standard conditions (`Ready`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,

    /// The `metadata.generation` this status describes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,

    /// Worker ids whose lease is fresh.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub workers: Vec<String>,

    /// Live worker count (the scale subresource's status replicas).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<i32>,

    /// Label selector of the worker pods (the scale subresource's selector).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<String>,
}
