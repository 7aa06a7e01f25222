//! `connector.client.config.override.policy`: which Kafka client settings a connector may
//! override with `producer.override.*`, `consumer.override.*` and `admin.override.*`
//! (Apache's `ConnectorClientConfigOverridePolicy` and its four built-in classes).
//!
//! The herder checks a connector config against the policy before storing it (the
//! violations are validation errors, so `POST /connectors` answers 400 with Apache's
//! message), and the worker checks again before it builds a client, since a stored
//! config may predate a stricter policy.

use crate::config::ConfigError;
use crate::connectors::{ConfigMap, ConnectorKind};
use crate::data::Value;
use crate::data::java::hash_map::filled_order;

/// Worker setting naming the policy (Apache's default: `All`).
pub const OVERRIDE_POLICY: &str = "connector.client.config.override.policy";
/// Worker setting of the `Allowlist` policy: the client keys connectors may override.
pub const OVERRIDE_ALLOWLIST: &str = "connector.client.config.override.allowlist";

const PACKAGE: &str = "org.apache.kafka.connect.connector.policy.";
const SUFFIX: &str = "ConnectorClientConfigOverridePolicy";

/// The keys the `Principal` policy lets a connector override.
const PRINCIPAL_KEYS: [&str; 3] = ["sasl.jaas.config", "sasl.mechanism", "security.protocol"];

/// The built-in policies.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum OverridePolicy {
    /// Any client setting may be overridden.
    #[default]
    All,
    /// No client setting may be overridden.
    None,
    /// Only `sasl.jaas.config`, `sasl.mechanism` and `security.protocol`.
    Principal,
    /// Only the keys of `connector.client.config.override.allowlist`.
    Allowlist(Vec<String>),
}

/// The clients a connector's overrides are for, with their prefixes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OverrideClient {
    Producer,
    Consumer,
    Admin,
}

impl OverrideClient {
    pub fn prefix(self) -> &'static str {
        match self {
            OverrideClient::Producer => "producer.override.",
            OverrideClient::Consumer => "consumer.override.",
            OverrideClient::Admin => "admin.override.",
        }
    }
}

/// One of a connector's overrides, with the policy's verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedOverride {
    /// The connector config key, prefix included (`producer.override.acks`).
    pub key: String,
    /// The client key (`acks`).
    pub client_key: String,
    /// Apache's message when the policy refuses it.
    pub refusal: Option<String>,
}

/// A connector's override the policy refuses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The connector config key, prefix included (`producer.override.acks`).
    pub key: String,
    /// Apache's message, which names the client key without its prefix.
    pub message: String,
}

impl OverridePolicy {
    /// The policy a worker names: an alias (`All`, `None`, `Principal`, `Allowlist`) or a
    /// built-in class name, simple or full, as Apache's plugin lookup accepts them.
    pub fn parse(name: &str, allowlist: &[String]) -> Result<Self, ConfigError> {
        let name = name.trim();
        let simple = name.strip_prefix(PACKAGE).unwrap_or(name);
        let alias = simple.strip_suffix(SUFFIX).unwrap_or(simple);
        match alias {
            "All" => Ok(OverridePolicy::All),
            "None" => Ok(OverridePolicy::None),
            "Principal" => Ok(OverridePolicy::Principal),
            "Allowlist" => Ok(OverridePolicy::Allowlist(allowlist.to_vec())),
            _ => Err(ConfigError::Message(format!(
                "Failed to find any class that implements ConnectorClientConfigOverridePolicy and which name matches {name}, available ConnectorClientConfigOverridePolicy are: {}",
                ["All", "Allowlist", "None", "Principal"]
                    .map(|a| format!("{PACKAGE}{a}{SUFFIX}"))
                    .join(", ")
            ))),
        }
    }

    /// The name Apache's messages give the policy.
    pub fn name(&self) -> &'static str {
        match self {
            OverridePolicy::All => "All",
            OverridePolicy::None => "None",
            OverridePolicy::Principal => "Principal",
            OverridePolicy::Allowlist(_) => "Allowlist",
        }
    }

    fn allows(&self, client_key: &str) -> bool {
        match self {
            OverridePolicy::All => true,
            OverridePolicy::None => false,
            OverridePolicy::Principal => PRINCIPAL_KEYS.contains(&client_key),
            OverridePolicy::Allowlist(keys) => keys.iter().any(|k| k == client_key),
        }
    }

    /// Each override of `config` for one client with the policy's verdict, in the order
    /// Apache reports them: its policy walks the overrides as a Java `HashMap` of the
    /// client keys.
    pub fn check(&self, config: &ConfigMap, client: OverrideClient) -> Vec<CheckedOverride> {
        let client_keys = config
            .keys()
            .filter_map(|key| key.strip_prefix(client.prefix()))
            .map(|k| (Value::String(k.to_owned()), Value::Null))
            .collect();
        filled_order(client_keys)
            .into_iter()
            .filter_map(|(key, _)| match key {
                Value::String(client_key) => Some(client_key),
                _ => None,
            })
            .map(|client_key| CheckedOverride {
                key: format!("{}{client_key}", client.prefix()),
                refusal: (!self.allows(&client_key)).then(|| {
                    format!(
                        "The '{}' policy does not allow '{client_key}' to be overridden in the connector configuration.",
                        self.name()
                    )
                }),
                client_key,
            })
            .collect()
    }

    /// The refused overrides of `config` for one client.
    pub fn violations(&self, config: &ConfigMap, client: OverrideClient) -> Vec<Violation> {
        self.check(config, client)
            .into_iter()
            .filter_map(|checked| {
                Some(Violation {
                    message: checked.refusal?,
                    key: checked.key,
                })
            })
            .collect()
    }

    /// The refused overrides of `config` for the clients a connector of `kind` uses.
    pub fn connector_violations(&self, kind: ConnectorKind, config: &ConfigMap) -> Vec<Violation> {
        checked_clients(kind, config)
            .iter()
            .flat_map(|client| self.violations(config, *client))
            .collect()
    }
}

/// The clients whose overrides Apache's `AbstractHerder` checks for a connector of
/// `kind`: a source's producer (and admin client when it has `topic.creation.*`
/// settings), a sink's consumer (and the dead-letter queue's producer and admin client
/// when it names a DLQ topic).
pub fn checked_clients(kind: ConnectorKind, config: &ConfigMap) -> &'static [OverrideClient] {
    let has_dlq = config
        .get("errors.deadletterqueue.topic.name")
        .is_some_and(|t| !t.trim().is_empty());
    let uses_topic_creation = config.keys().any(|k| k.starts_with("topic.creation."));
    match kind {
        ConnectorKind::Source if uses_topic_creation => {
            &[OverrideClient::Producer, OverrideClient::Admin]
        }
        ConnectorKind::Source => &[OverrideClient::Producer],
        ConnectorKind::Sink if has_dlq => &[
            OverrideClient::Producer,
            OverrideClient::Admin,
            OverrideClient::Consumer,
        ],
        ConnectorKind::Sink => &[OverrideClient::Consumer],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> ConfigMap {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn names_aliases_and_class_names_resolve() {
        for name in [
            "None",
            "NoneConnectorClientConfigOverridePolicy",
            "org.apache.kafka.connect.connector.policy.NoneConnectorClientConfigOverridePolicy",
        ] {
            assert_eq!(
                OverridePolicy::parse(name, &[]).unwrap(),
                OverridePolicy::None
            );
        }
        assert_eq!(
            OverridePolicy::parse("Allowlist", &["acks".into()]).unwrap(),
            OverridePolicy::Allowlist(vec!["acks".into()])
        );
        let error = OverridePolicy::parse("Some", &[]).unwrap_err().to_string();
        assert!(
            error.starts_with("Failed to find any class that implements ConnectorClientConfigOverridePolicy and which name matches Some"),
            "{error}"
        );
    }

    #[test]
    fn none_refuses_every_override_with_apaches_message() {
        let config = config(&[
            ("producer.override.acks", "1"),
            ("consumer.override.max.poll.records", "5"),
            ("topic", "t"),
        ]);
        let violations = OverridePolicy::None.connector_violations(ConnectorKind::Source, &config);
        assert_eq!(
            violations,
            vec![Violation {
                key: "producer.override.acks".into(),
                message: "The 'None' policy does not allow 'acks' to be overridden in the connector configuration.".into(),
            }]
        );
        assert!(
            OverridePolicy::All
                .connector_violations(ConnectorKind::Source, &config)
                .is_empty()
        );
    }

    #[test]
    fn principal_and_allowlist_allow_only_their_keys() {
        let config = config(&[
            ("consumer.override.sasl.jaas.config", "x"),
            ("consumer.override.fetch.min.bytes", "1"),
        ]);
        let keys = |policy: &OverridePolicy| -> Vec<String> {
            policy
                .connector_violations(ConnectorKind::Sink, &config)
                .into_iter()
                .map(|v| v.key)
                .collect()
        };
        assert_eq!(
            keys(&OverridePolicy::Principal),
            ["consumer.override.fetch.min.bytes"]
        );
        assert_eq!(
            keys(&OverridePolicy::Allowlist(vec!["fetch.min.bytes".into()])),
            ["consumer.override.sasl.jaas.config"]
        );
    }

    #[test]
    fn a_sinks_dlq_clients_are_checked_only_with_a_dlq_topic() {
        let mut sink = config(&[("producer.override.acks", "1")]);
        assert!(
            OverridePolicy::None
                .connector_violations(ConnectorKind::Sink, &sink)
                .is_empty()
        );
        sink.insert("errors.deadletterqueue.topic.name".into(), "dlq".into());
        assert_eq!(
            OverridePolicy::None
                .connector_violations(ConnectorKind::Sink, &sink)
                .len(),
            1
        );
    }
}
