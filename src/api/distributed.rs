//! From Apache's `connect-distributed.properties` to the equivalent `KafkaConnect`
//! (`tributary convert-distributed`).
//!
//! A distributed worker file describes one Connect cluster: its Kafka, its identity
//! (`group.id`), its internal topics, its REST listener, its group membership and the
//! settings every worker applies to connectors. In Kubernetes mode the operator owns the
//! cluster's shape and the herder state lives in resources, so only part of the file has
//! an equivalent. [`RULES`] decides per key, with Apache's meaning (`WorkerConfig`,
//! `DistributedConfig`, 4.x) in mind:
//! - a spec field: `bootstrap.servers`, `offset.storage.topic`, `group.id`, which is
//!   the cluster's identity and so becomes the resource's name (the operator writes
//!   `group.id=<name>` into the worker config), and `plugin.path`, which becomes
//!   `spec.plugins.path` (one directory: the operator mounts a volume there, or the
//!   workers' image holds the plugins there; a note says which to add);
//! - `spec.config`: what Tributary's worker reads with Apache's meaning (converters,
//!   flush and shutdown timing, offsets topic creation, config providers, client
//!   passthroughs, `plugin.discovery`, the plugin host's `tributary.plugin.host.*`);
//! - a fixed behaviour: accepted only when the file asks for what Tributary always does
//!   (`exactly.once.source.support=disabled`), refused otherwise;
//! - refused, with the reason: no equivalent (config and status topics, REST listeners,
//!   group membership, Java metrics reporters). Refusing, rather than
//!   dropping, keeps a user from believing e.g. that the connectors stored in
//!   `config.storage.topic` come along.
//!
//! Kafka client settings no rule names (top-level `security.protocol`, `sasl.*`, `ssl.*`,
//! ...) go to `spec.config`, where they reach every client of the workers. Other keys no
//! rule names are refused: Tributary's worker would only warn about them, which a silent
//! conversion would hide.

use std::collections::BTreeMap;
use std::fmt;

use indexmap::IndexMap;

use crate::runtime::kafka::is_client_key;
use kube::api::ObjectMeta;

use super::{KafkaConnect, KafkaConnectSpec, Plugins};

/// What becomes of one setting of the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// A field of the resource.
    Field(Field),
    /// Copied into `spec.config`, which the operator writes into the worker config.
    Config,
    /// Tributary always behaves as the setting with this value (short class names
    /// accepted); the setting is accepted, and left out, only with that value.
    Fixed {
        value: &'static str,
        why: &'static str,
    },
    /// No equivalent in Kubernetes mode, and why.
    Refused(&'static str),
}

/// The resource fields that settings become.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// `metadata.name` (from `group.id`).
    Name,
    /// `spec.bootstrapServers`.
    BootstrapServers,
    /// `spec.offsetsTopic`.
    OffsetsTopic,
    /// `spec.plugins.path` (from `plugin.path`).
    PluginPath,
}

/// One row of the mapping: a key, or every key under a prefix (ending with `.`).
#[derive(Clone, Copy, Debug)]
pub struct KeyRule {
    pub key: &'static str,
    pub rule: Rule,
}

const NO_CONFIG_TOPIC: &str =
    "connector configs live in KafkaConnector resources, not in a Kafka topic";
const NO_STATUS_TOPIC: &str =
    "connector and task states live in the KafkaConnector status, not in a Kafka topic";
const NO_GROUP: &str = "workers form no Kafka group: each worker pod holds a Lease and the operator assigns connectors and tasks";
const NO_INTER_WORKER_REQUESTS: &str = "workers send each other no REST requests to sign: task configs travel through the KafkaConnector resource";
const REST_IS_THE_SIDECAR: &str = "the REST API is the `tributary rest` sidecar of each worker pod, on port 8083 behind the Service <name>-connect-api (TLS and authentication are its own settings)";
const NO_JAVA_METRICS: &str =
    "Tributary's metrics are Prometheus series at each worker's /metrics, not Java metrics";
const UNREAD: &str = "Tributary's worker does not read it";

/// The mapping, key by key; a prefix row (ending with `.`) covers the keys under it that
/// no exact row names, the longest prefix winning.
pub const RULES: &[KeyRule] = &[
    // The cluster itself.
    row("bootstrap.servers", Rule::Field(Field::BootstrapServers)),
    row("group.id", Rule::Field(Field::Name)),
    row("offset.storage.topic", Rule::Field(Field::OffsetsTopic)),
    row("plugin.path", Rule::Field(Field::PluginPath)),
    // What the worker reads, with Apache's meaning.
    row("key.converter", Rule::Config),
    row("key.converter.", Rule::Config),
    row("value.converter", Rule::Config),
    row("value.converter.", Rule::Config),
    row("offset.flush.interval.ms", Rule::Config),
    row("offset.flush.timeout.ms", Rule::Config),
    row("task.shutdown.graceful.timeout.ms", Rule::Config),
    row("offset.storage.partitions", Rule::Config),
    row("offset.storage.replication.factor", Rule::Config),
    row("config.providers", Rule::Config),
    row("config.providers.", Rule::Config),
    row("producer.", Rule::Config),
    row("consumer.", Rule::Config),
    row("admin.", Rule::Config),
    // What Tributary always does.
    fixed(
        "header.converter",
        "org.apache.kafka.connect.storage.SimpleHeaderConverter",
        "the worker's header converter is not configurable",
    ),
    fixed(
        "internal.key.converter",
        "org.apache.kafka.connect.json.JsonConverter",
        "internal data is JSON, as Apache writes it (the setting was removed in Kafka 3.0)",
    ),
    fixed(
        "internal.value.converter",
        "org.apache.kafka.connect.json.JsonConverter",
        "internal data is JSON, as Apache writes it (the setting was removed in Kafka 3.0)",
    ),
    fixed(
        "internal.key.converter.schemas.enable",
        "false",
        "internal data is JSON without schemas (the setting was removed in Kafka 3.0)",
    ),
    fixed(
        "internal.value.converter.schemas.enable",
        "false",
        "internal data is JSON without schemas (the setting was removed in Kafka 3.0)",
    ),
    fixed(
        "exactly.once.source.support",
        "disabled",
        "source tasks do not write in transactions",
    ),
    fixed(
        "topic.tracking.enable",
        "true",
        "each connector's topics are always recorded",
    ),
    fixed(
        "topic.tracking.allow.reset",
        "true",
        "PUT /connectors/{name}/topics/reset is always allowed",
    ),
    fixed(
        "topic.creation.enable",
        "false",
        "source tasks do not create topics from topic.creation.* settings",
    ),
    row("connector.client.config.override.policy", Rule::Config),
    row("connector.client.config.override.allowlist", Rule::Config),
    row("plugin.discovery", Rule::Config),
    row(
        crate::runtime::config::worker::PLUGIN_HOST_JVM_OPTIONS,
        Rule::Config,
    ),
    row(
        crate::runtime::config::worker::PLUGIN_HOST_JAVA,
        Rule::Config,
    ),
    // No equivalent.
    row("config.storage.", Rule::Refused(NO_CONFIG_TOPIC)),
    row("status.storage.", Rule::Refused(NO_STATUS_TOPIC)),
    row(
        "offset.storage.",
        Rule::Refused(
            "the operator's offsets topic is created compacted with only offset.storage.partitions and offset.storage.replication.factor",
        ),
    ),
    row(
        "offset.storage.file.filename",
        Rule::Refused(
            "standalone's offsets file: a KafkaConnect keeps source offsets in its offsets topic",
        ),
    ),
    row("session.timeout.ms", Rule::Refused(NO_GROUP)),
    row("heartbeat.interval.ms", Rule::Refused(NO_GROUP)),
    row("rebalance.timeout.ms", Rule::Refused(NO_GROUP)),
    row("worker.sync.timeout.ms", Rule::Refused(NO_GROUP)),
    row("worker.unsync.backoff.ms", Rule::Refused(NO_GROUP)),
    row("connect.protocol", Rule::Refused(NO_GROUP)),
    row("scheduled.rebalance.max.delay.ms", Rule::Refused(NO_GROUP)),
    row("inter.worker.", Rule::Refused(NO_INTER_WORKER_REQUESTS)),
    row("listeners", Rule::Refused(REST_IS_THE_SIDECAR)),
    row("listeners.", Rule::Refused(REST_IS_THE_SIDECAR)),
    row("admin.listeners", Rule::Refused(REST_IS_THE_SIDECAR)),
    row("admin.listeners.", Rule::Refused(REST_IS_THE_SIDECAR)),
    row("rest.", Rule::Refused(REST_IS_THE_SIDECAR)),
    row(
        "access.control.allow.origin",
        Rule::Refused(REST_IS_THE_SIDECAR),
    ),
    row(
        "access.control.allow.methods",
        Rule::Refused(REST_IS_THE_SIDECAR),
    ),
    row(
        "response.http.headers.config",
        Rule::Refused(REST_IS_THE_SIDECAR),
    ),
    row(
        "header.converter.",
        Rule::Refused("the worker's header converter is not configurable"),
    ),
    row("metric.reporters", Rule::Refused(NO_JAVA_METRICS)),
    row("metrics.", Rule::Refused(NO_JAVA_METRICS)),
    row("auto.include.jmx.reporter", Rule::Refused(NO_JAVA_METRICS)),
    row(
        "client.id",
        Rule::Refused("Tributary names the clients of each connector and task itself"),
    ),
];

const fn row(key: &'static str, rule: Rule) -> KeyRule {
    KeyRule { key, rule }
}

const fn fixed(key: &'static str, value: &'static str, why: &'static str) -> KeyRule {
    row(key, Rule::Fixed { value, why })
}

/// The rule for `key`: its exact row, else its longest prefix row, else `spec.config` for
/// a Kafka client setting, else refused as a setting the worker does not read.
pub fn rule_for(key: &str) -> Rule {
    if let Some(exact) = RULES.iter().find(|r| r.key == key) {
        return exact.rule;
    }
    RULES
        .iter()
        .filter(|r| r.key.ends_with('.') && key.starts_with(r.key))
        .max_by_key(|r| r.key.len())
        .map_or_else(
            || {
                if is_client_key(key) {
                    Rule::Config
                } else {
                    Rule::Refused(UNREAD)
                }
            },
            |r| r.rule,
        )
}

/// What the command line adds to the file.
#[derive(Clone, Debug, Default)]
pub struct DistributedOptions {
    /// The resource's name; `group.id` when unset.
    pub name: Option<String>,
    /// The resource's namespace; left to `kubectl` when unset.
    pub namespace: Option<String>,
    /// Worker pods (Apache's cluster grows by starting processes; here it is a number).
    pub replicas: i32,
}

/// A converted file: the resource, and what the user should know about the settings
/// that were accepted without being copied.
#[derive(Clone, Debug)]
pub struct Converted {
    pub resource: KafkaConnect,
    pub notes: Vec<String>,
}

/// A setting with no equivalent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub key: String,
    pub reason: String,
}

/// Why a file could not be converted.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConvertError {
    /// Settings without an equivalent; all of them, in file order.
    #[error("{}", RefusalList(.0))]
    Refused(Vec<Refusal>),
    /// Apache 4.x requires `bootstrap.servers` (it has had no default since 4.0).
    #[error("bootstrap.servers is missing or empty: a KafkaConnect needs its Kafka cluster")]
    MissingBootstrapServers,
    /// Neither `group.id` nor a name was given.
    #[error("the file has no group.id: name the KafkaConnect with --name")]
    MissingName,
    /// The name cannot be the name of a `KafkaConnect`.
    #[error("{name:?} cannot name a KafkaConnect: {problem}{}", if *.from_group_id { " (it comes from group.id: pass --name)" } else { "" })]
    InvalidName {
        name: String,
        problem: &'static str,
        from_group_id: bool,
    },
}

struct RefusalList<'a>(&'a [Refusal]);

impl fmt::Display for RefusalList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} setting(s) of the file have no equivalent in a KafkaConnect:",
            self.0.len()
        )?;
        for refusal in self.0 {
            writeln!(f, "  {}: {}", refusal.key, refusal.reason)?;
        }
        write!(f, "remove them from the file and convert it again")
    }
}

/// Converts the settings of a `connect-distributed.properties` file.
pub fn from_distributed_properties(
    props: &IndexMap<String, String>,
    options: &DistributedOptions,
) -> Result<Converted, ConvertError> {
    let mut refusals = Vec::new();
    let mut notes = Vec::new();
    let mut group_id = None;
    let mut bootstrap_servers = String::new();
    let mut offsets_topic = None;
    let mut plugins_spec = None;
    let mut config = BTreeMap::new();
    for (key, value) in props {
        match rule_for(key) {
            Rule::Field(Field::Name) => group_id = Some(value.trim().to_owned()),
            Rule::Field(Field::BootstrapServers) => bootstrap_servers = list(value),
            Rule::Field(Field::OffsetsTopic) => offsets_topic = Some(value.trim().to_owned()),
            Rule::Field(Field::PluginPath) => match plugins_from_path(value) {
                Ok((plugins, note)) => {
                    plugins_spec = plugins;
                    notes.push(format!("{key}={value}: {note}"));
                }
                Err(reason) => refusals.push(Refusal {
                    key: key.clone(),
                    reason,
                }),
            },
            Rule::Config => {
                config.insert(key.clone(), value.clone());
            }
            Rule::Fixed { value: fixed, why } if same_value(value, fixed) => {
                notes.push(format!(
                    "{key}={value}: left out, Tributary always behaves so ({why})"
                ));
            }
            Rule::Fixed { value: fixed, why } => refusals.push(Refusal {
                key: key.clone(),
                reason: format!("only {fixed} has an equivalent ({why})"),
            }),
            Rule::Refused(reason) => refusals.push(Refusal {
                key: key.clone(),
                reason: reason.to_owned(),
            }),
        }
    }
    if !refusals.is_empty() {
        return Err(ConvertError::Refused(refusals));
    }
    if bootstrap_servers.is_empty() {
        return Err(ConvertError::MissingBootstrapServers);
    }
    let name = match (&options.name, &group_id) {
        (Some(name), Some(group)) if name != group => {
            notes.push(format!(
                "group.id={group}: the cluster is named {name} instead (the operator sets group.id to the KafkaConnect's name)"
            ));
            name.clone()
        }
        (Some(name), _) => name.clone(),
        (None, Some(group)) => group.clone(),
        (None, None) => return Err(ConvertError::MissingName),
    };
    if let Some(problem) = cluster_name_problem(&name) {
        return Err(ConvertError::InvalidName {
            from_group_id: options.name.is_none(),
            name,
            problem,
        });
    }
    let resource = KafkaConnect {
        metadata: ObjectMeta {
            name: Some(name),
            namespace: options.namespace.clone(),
            ..ObjectMeta::default()
        },
        spec: KafkaConnectSpec {
            replicas: options.replicas,
            bootstrap_servers,
            config,
            offsets_topic,
            plugins: plugins_spec,
            ..KafkaConnectSpec::default()
        },
        status: None,
    };
    Ok(Converted { resource, notes })
}

/// `spec.plugins` for a `plugin.path` value, and the note that tells what to add; or
/// why it has no equivalent. Apache reads the value as a list of directories, an empty
/// element meaning the working directory; a `KafkaConnect` mounts one directory.
fn plugins_from_path(value: &str) -> Result<(Option<Plugins>, String), String> {
    let all: Vec<&str> = value.split(',').map(str::trim).collect();
    let elements: Vec<&str> = all.iter().copied().filter(|e| !e.is_empty()).collect();
    let empty = if elements.len() < all.len() {
        " (its empty elements, Apache's working directory, are left out: a worker pod's holds no plugins)"
    } else {
        ""
    };
    match elements.as_slice() {
        [] => Ok((None, format!("left out{empty}"))),
        [path] if !path.starts_with('/') => Err(format!(
            "{path} is relative to the worker's working directory: name the plugins' directory by its absolute path"
        )),
        [path] => {
            if let Some(problem) = super::plugins::path_problem(path) {
                return Err(format!("spec.plugins.path {path} {problem}"));
            }
            let plugins = Plugins {
                path: (*path).to_owned(),
                volume: None,
            };
            Ok((
                Some(plugins),
                format!(
                    "spec.plugins.path{empty}; the workers' image must hold the plugins there (spec.image, built FROM Tributary's -jre image), or add spec.plugins.volume with the volume that holds them (a persistentVolumeClaim, an image volume, ...)"
                ),
            ))
        }
        several => Err(format!(
            "spec.plugins names one directory: gather the plugins of {} in one directory and name it",
            several.join(", ")
        )),
    }
}

/// A Java `LIST` value as the spec holds it: items trimmed, empty ones dropped, joined
/// with `,` (the seed writes `localhost1:9092, localhost2:9092`).
fn list(value: &str) -> String {
    value
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .collect::<Vec<_>>()
        .join(",")
}

/// Whether `value` asks for `fixed`: Apache compares booleans and enums without case,
/// and Tributary accepts a class by its short name too.
fn same_value(value: &str, fixed: &str) -> bool {
    let value = value.trim();
    let short = fixed.rsplit('.').next().unwrap_or(fixed);
    value.eq_ignore_ascii_case(fixed) || value.eq_ignore_ascii_case(short)
}

/// The longest child name is `<name>-connect-api` (a Service: an RFC 1035 label of at
/// most 63 characters), so a cluster name is such a label of at most 51.
const MAX_CLUSTER_NAME: usize = 63 - "-connect-api".len();

/// Why `name` cannot name a `KafkaConnect`, if it cannot.
fn cluster_name_problem(name: &str) -> Option<&'static str> {
    let label = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
    if name.is_empty() {
        Some("it is empty")
    } else if name.len() > MAX_CLUSTER_NAME {
        Some("it is longer than 51 characters (its Service <name>-connect-api must fit in 63)")
    } else if !name.chars().all(label) {
        Some("it may only contain lower-case letters, digits and '-'")
    } else if !name.starts_with(|c: char| c.is_ascii_lowercase()) || name.ends_with('-') {
        Some("it must start with a lower-case letter and end with a letter or a digit")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(pairs: &[(&str, &str)]) -> IndexMap<String, String> {
        crate::fixtures::string_map(pairs)
    }

    fn options(name: Option<&str>) -> DistributedOptions {
        DistributedOptions {
            name: name.map(str::to_owned),
            namespace: None,
            replicas: 1,
        }
    }

    fn refused_keys(result: Result<Converted, ConvertError>) -> Vec<String> {
        match result {
            Err(ConvertError::Refused(refusals)) => refusals.into_iter().map(|r| r.key).collect(),
            other => panic!("expected refusals, got {other:?}"),
        }
    }

    #[test]
    fn the_seeds_file_becomes_a_kafka_connect() {
        let converted = from_distributed_properties(
            &props(&[
                (
                    "bootstrap.servers",
                    "localhost1:9092, localhost2:9092, localhost3:9092",
                ),
                ("group.id", "connect-cluster"),
                (
                    "key.converter",
                    "org.apache.kafka.connect.json.JsonConverter",
                ),
                (
                    "value.converter",
                    "org.apache.kafka.connect.json.JsonConverter",
                ),
            ]),
            &DistributedOptions {
                namespace: Some("team".into()),
                replicas: 3,
                ..options(None)
            },
        )
        .unwrap();
        let resource = converted.resource;
        assert_eq!(resource.metadata.name.as_deref(), Some("connect-cluster"));
        assert_eq!(resource.metadata.namespace.as_deref(), Some("team"));
        assert_eq!(resource.spec.replicas, 3);
        assert_eq!(
            resource.spec.bootstrap_servers,
            "localhost1:9092,localhost2:9092,localhost3:9092"
        );
        assert_eq!(
            resource.spec.config,
            crate::fixtures::string_map(&[
                (
                    "key.converter",
                    "org.apache.kafka.connect.json.JsonConverter"
                ),
                (
                    "value.converter",
                    "org.apache.kafka.connect.json.JsonConverter"
                ),
            ])
        );
        assert_eq!(resource.spec.offsets_topic, None);
        assert!(converted.notes.is_empty(), "{:?}", converted.notes);
    }

    #[test]
    fn top_level_kafka_client_settings_go_to_the_config() {
        let converted = from_distributed_properties(
            &props(&[
                ("bootstrap.servers", "b:9093"),
                ("security.protocol", "SASL_SSL"),
                ("sasl.mechanism", "SCRAM-SHA-512"),
                ("ssl.truststore.location", "/t.jks"),
            ]),
            &options(Some("c")),
        )
        .unwrap();
        assert_eq!(
            converted.resource.spec.config,
            crate::fixtures::string_map(&[
                ("sasl.mechanism", "SCRAM-SHA-512"),
                ("security.protocol", "SASL_SSL"),
                ("ssl.truststore.location", "/t.jks"),
            ])
        );
    }

    #[test]
    fn worker_settings_and_the_offsets_topic_are_mapped() {
        let mapped = [
            ("key.converter.schemas.enable", "true"),
            ("value.converter.schemas.enable", "false"),
            ("offset.flush.interval.ms", "10000"),
            ("offset.flush.timeout.ms", "5000"),
            ("task.shutdown.graceful.timeout.ms", "8000"),
            ("offset.storage.partitions", "5"),
            ("offset.storage.replication.factor", "1"),
            ("config.providers", "env"),
            (
                "config.providers.env.class",
                "org.apache.kafka.common.config.provider.EnvVarConfigProvider",
            ),
            ("producer.linger.ms", "10"),
            ("consumer.max.poll.records", "100"),
            ("admin.request.timeout.ms", "3000"),
        ];
        let mut all = props(&[
            ("bootstrap.servers", "b:9092"),
            ("offset.storage.topic", "my-offsets"),
        ]);
        all.extend(props(&mapped));
        let resource = from_distributed_properties(&all, &options(Some("c")))
            .unwrap()
            .resource;
        assert_eq!(resource.spec.offsets_topic.as_deref(), Some("my-offsets"));
        assert_eq!(resource.spec.config, crate::fixtures::string_map(&mapped));
    }

    #[test]
    fn apaches_shipped_file_is_refused_by_name_for_its_config_and_status_topics() {
        // Apache Kafka's config/connect-distributed.properties, uncommented lines.
        let result = from_distributed_properties(
            &props(&[
                ("bootstrap.servers", "localhost:9092"),
                ("group.id", "connect-cluster"),
                (
                    "key.converter",
                    "org.apache.kafka.connect.json.JsonConverter",
                ),
                (
                    "value.converter",
                    "org.apache.kafka.connect.json.JsonConverter",
                ),
                ("key.converter.schemas.enable", "true"),
                ("value.converter.schemas.enable", "true"),
                ("offset.storage.topic", "connect-offsets"),
                ("offset.storage.replication.factor", "1"),
                ("config.storage.topic", "connect-configs"),
                ("config.storage.replication.factor", "1"),
                ("status.storage.topic", "connect-status"),
                ("status.storage.replication.factor", "1"),
                ("offset.flush.interval.ms", "10000"),
            ]),
            &options(None),
        );
        assert_eq!(
            refused_keys(result),
            [
                "config.storage.topic",
                "config.storage.replication.factor",
                "status.storage.topic",
                "status.storage.replication.factor",
            ]
        );
    }

    #[test]
    fn settings_without_an_equivalent_are_refused_with_their_reason() {
        let cases = [
            ("status.storage.partitions", "5", NO_STATUS_TOPIC),
            ("session.timeout.ms", "10000", NO_GROUP),
            ("scheduled.rebalance.max.delay.ms", "0", NO_GROUP),
            ("inter.worker.key.ttl.ms", "1000", NO_INTER_WORKER_REQUESTS),
            ("listeners", "HTTP://:8083", REST_IS_THE_SIDECAR),
            (
                "listeners.https.ssl.keystore.location",
                "/k",
                REST_IS_THE_SIDECAR,
            ),
            ("admin.listeners", "http://:9000", REST_IS_THE_SIDECAR),
            ("rest.advertised.host.name", "h", REST_IS_THE_SIDECAR),
            ("rest.port", "8083", REST_IS_THE_SIDECAR),
            ("access.control.allow.origin", "*", REST_IS_THE_SIDECAR),
            ("metric.reporters", "com.example.Reporter", NO_JAVA_METRICS),
            ("metrics.num.samples", "2", NO_JAVA_METRICS),
            ("a.typo", "x", UNREAD),
        ];
        for (key, value, reason) in cases {
            let result = from_distributed_properties(
                &props(&[("bootstrap.servers", "b:9092"), (key, value)]),
                &options(Some("c")),
            );
            assert_eq!(
                result.unwrap_err(),
                ConvertError::Refused(vec![Refusal {
                    key: key.into(),
                    reason: reason.into()
                }]),
                "{key}"
            );
        }
        let message = from_distributed_properties(
            &props(&[
                ("config.storage.topic", "c"),
                ("group.id", "g"),
                ("listeners", "x"),
            ]),
            &options(None),
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            message,
            format!(
                "2 setting(s) of the file have no equivalent in a KafkaConnect:\n  \
                 config.storage.topic: {NO_CONFIG_TOPIC}\n  listeners: {REST_IS_THE_SIDECAR}\n\
                 remove them from the file and convert it again"
            )
        );
    }

    #[test]
    fn plugin_path_becomes_spec_plugins_and_the_plugin_settings_go_to_the_config() {
        let converted = from_distributed_properties(
            &props(&[
                ("bootstrap.servers", "b:9092"),
                ("plugin.path", " /opt/connectors "),
                ("plugin.discovery", "service_load"),
                ("tributary.plugin.host.jvm.options", "-Xmx1g"),
                ("tributary.plugin.host.java", "/usr/bin/java"),
            ]),
            &options(Some("c")),
        )
        .unwrap();
        let spec = &converted.resource.spec;
        assert_eq!(
            spec.plugins,
            Some(Plugins {
                path: "/opt/connectors".into(),
                volume: None
            })
        );
        assert_eq!(
            spec.config,
            crate::fixtures::string_map(&[
                ("plugin.discovery", "service_load"),
                ("tributary.plugin.host.java", "/usr/bin/java"),
                ("tributary.plugin.host.jvm.options", "-Xmx1g"),
            ])
        );
        assert_eq!(converted.notes.len(), 1, "{:?}", converted.notes);
        assert!(
            converted.notes[0].starts_with(
                "plugin.path= /opt/connectors : spec.plugins.path; the workers' image must hold the plugins there"
            ),
            "{}",
            converted.notes[0]
        );
        assert!(converted.notes[0].contains("add spec.plugins.volume"));
        // The resource prints as the CRD reads it.
        let yaml = serde_yaml_ng::to_string(&converted.resource).unwrap();
        assert!(
            yaml.contains("plugins:\n    path: /opt/connectors\n"),
            "{yaml}"
        );

        // Apache's empty elements (its working directory) are left out, with a note.
        for (value, plugins) in [("", None), (" , /p ,", Some("/p"))] {
            let converted = from_distributed_properties(
                &props(&[("bootstrap.servers", "b:9092"), ("plugin.path", value)]),
                &options(Some("c")),
            )
            .unwrap();
            assert_eq!(
                converted.resource.spec.plugins.map(|p| p.path).as_deref(),
                plugins
            );
            assert!(
                converted.notes[0].contains("empty elements"),
                "{:?}",
                converted.notes
            );
        }

        for (value, reason) in [
            (
                "/opt/a, /opt/b",
                "spec.plugins names one directory: gather the plugins of /opt/a, /opt/b in one directory and name it",
            ),
            (
                "plugins",
                "plugins is relative to the worker's working directory: name the plugins' directory by its absolute path",
            ),
            (
                "/etc/tributary/plugins",
                "spec.plugins.path /etc/tributary/plugins may not be /, nor /etc/tributary or /opt/tributary/secrets (the worker config and the Secrets are mounted there)",
            ),
        ] {
            assert_eq!(
                from_distributed_properties(
                    &props(&[("bootstrap.servers", "b:9092"), ("plugin.path", value)]),
                    &options(Some("c")),
                )
                .unwrap_err(),
                ConvertError::Refused(vec![Refusal {
                    key: "plugin.path".into(),
                    reason: reason.into()
                }]),
                "{value}"
            );
        }
    }

    #[test]
    fn fixed_behaviours_are_accepted_only_with_their_value() {
        let accepted = [
            (
                "internal.key.converter",
                "org.apache.kafka.connect.json.JsonConverter",
            ),
            ("internal.value.converter", "JsonConverter"),
            ("internal.key.converter.schemas.enable", "false"),
            ("internal.value.converter.schemas.enable", "FALSE"),
            (
                "header.converter",
                "org.apache.kafka.connect.storage.SimpleHeaderConverter",
            ),
            ("exactly.once.source.support", "disabled"),
            ("topic.tracking.enable", "true"),
            ("topic.tracking.allow.reset", "true"),
            ("topic.creation.enable", "false"),
        ];
        let mut all = props(&[("bootstrap.servers", "b:9092")]);
        all.extend(props(&accepted));
        let converted = from_distributed_properties(&all, &options(Some("c"))).unwrap();
        assert!(converted.resource.spec.config.is_empty());
        assert_eq!(
            converted.notes.len(),
            accepted.len(),
            "{:?}",
            converted.notes
        );
        assert!(converted.notes[5].starts_with("exactly.once.source.support=disabled: left out"));

        let refused = [
            (
                "internal.value.converter",
                "org.apache.kafka.connect.storage.StringConverter",
            ),
            ("internal.key.converter.schemas.enable", "true"),
            ("exactly.once.source.support", "enabled"),
            ("topic.creation.enable", "true"),
            (
                "header.converter",
                "org.apache.kafka.connect.storage.StringConverter",
            ),
        ];
        let mut all = props(&[("bootstrap.servers", "b:9092")]);
        all.extend(props(&refused));
        let result = from_distributed_properties(&all, &options(Some("c")));
        let Err(ConvertError::Refused(refusals)) = result else {
            panic!("{result:?}")
        };
        assert_eq!(refusals.len(), refused.len());
        assert_eq!(
            refusals[2].reason,
            "only disabled has an equivalent (source tasks do not write in transactions)"
        );
    }

    #[test]
    fn every_rule_is_reachable_and_prefixes_pick_the_longest() {
        for row in RULES {
            assert_eq!(rule_for(row.key), row.rule, "{}", row.key);
        }
        assert_eq!(rule_for("admin.bootstrap.controllers"), Rule::Config);
        assert_eq!(
            rule_for("admin.listeners.https.ssl.key.password"),
            Rule::Refused(REST_IS_THE_SIDECAR)
        );
        assert_eq!(
            rule_for("offset.storage.cleanup.policy"),
            rule_for("offset.storage.")
        );
        assert_ne!(
            rule_for("offset.storage.file.filename"),
            rule_for("offset.storage.")
        );
        assert_eq!(rule_for("key.converter.schemas.enable"), Rule::Config);
    }

    #[test]
    fn the_name_comes_from_group_id_or_the_option_and_must_suit_kubernetes() {
        let file = props(&[
            ("bootstrap.servers", "b:9092"),
            ("group.id", "connect-cluster"),
        ]);
        let converted = from_distributed_properties(&file, &options(Some("seed"))).unwrap();
        assert_eq!(converted.resource.metadata.name.as_deref(), Some("seed"));
        assert_eq!(converted.notes.len(), 1);
        assert!(
            converted.notes[0].starts_with("group.id=connect-cluster: the cluster is named seed")
        );

        let no_group = props(&[("bootstrap.servers", "b:9092")]);
        assert_eq!(
            from_distributed_properties(&no_group, &options(None)).unwrap_err(),
            ConvertError::MissingName
        );
        let java_name = props(&[
            ("bootstrap.servers", "b:9092"),
            ("group.id", "Connect_Cluster"),
        ]);
        let error = from_distributed_properties(&java_name, &options(None)).unwrap_err();
        assert_eq!(
            error.to_string(),
            "\"Connect_Cluster\" cannot name a KafkaConnect: it may only contain lower-case letters, digits and '-' (it comes from group.id: pass --name)"
        );
        for bad in ["", "1abc", "abc-", "a.b", &"a".repeat(52)] {
            assert!(cluster_name_problem(bad).is_some(), "{bad:?}");
        }
        assert_eq!(cluster_name_problem(&"a".repeat(51)), None);
        assert_eq!(
            from_distributed_properties(
                &props(&[("bootstrap.servers", " , ")]),
                &options(Some("c"))
            )
            .unwrap_err(),
            ConvertError::MissingBootstrapServers
        );
    }
}
