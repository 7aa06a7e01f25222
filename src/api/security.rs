//! `KafkaConnect.spec.tls` and `spec.authentication`: how the workers reach a secured
//! Kafka cluster, with certificates and passwords taken from Secrets.
//!
//! Shaped like Strimzi's `KafkaConnect` (`ClientTls`, `KafkaClientAuthentication*`,
//! `CertSecretSource`, `CertAndKeySecretSource`, `PasswordSecretSource`,
//! `GenericSecretSource`), so a Strimzi user can move a spec over field by field. Only
//! what the workers' Kafka clients can honour is in the schema: OAuth is the client
//! credentials grant (client id, secret, token endpoint, scope); Strimzi's other OAuth
//! fields (refresh and access tokens, the token endpoint's own trust store, timeouts) have
//! no counterpart in the client settings translation and are not accepted.
//!
//! The schema checks the type-dependent fields with CEL rules; the operator checks the
//! same again ([`crate::controller::security`]) for objects stored before a CRD upgrade.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Secret names are DNS subdomains; they become directory names under the mount root and
/// parts of `${provider:path:key}` placeholders, so nothing else may pass.
const SECRET_NAME_PATTERN: &str = r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$";
/// Secret keys as Kubernetes allows them; they become file names and placeholder keys.
const SECRET_KEY_PATTERN: &str = r"^[-._a-zA-Z0-9]+$";

/// TLS to the Kafka brokers.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ClientTls {
    /// CA certificates the workers trust for the brokers' certificates, each from a
    /// Secret (PEM). Several may be listed; all are trusted. When empty, the container's
    /// system trust store is used (public CAs, e.g. a managed Kafka service).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trusted_certificates: Vec<CertSecretSource>,
}

/// A certificate (or several) inside a Secret: exactly one of `certificate` and `pattern`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [
    {
        "rule": "has(self.certificate) != has(self.pattern)",
        "message": "set exactly one of certificate and pattern"
    }
]))]
pub struct CertSecretSource {
    /// The name of the Secret containing the certificate, in the KafkaConnect's namespace.
    #[schemars(length(min = 1, max = 253), regex(pattern = SECRET_NAME_PATTERN))]
    pub secret_name: String,

    /// The key of the certificate (PEM) in the Secret, e.g. `ca.crt`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 253), regex(pattern = SECRET_KEY_PATTERN))]
    pub certificate: Option<String>,

    /// Glob pattern (`*`, `?`, `[a-z]`, `{crt,pem}`) over the Secret's keys: every
    /// matching key is a trusted certificate. The operator reads the Secret's keys to
    /// expand it (it needs `get` on that Secret) and looks again every 30 s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 253))]
    pub pattern: Option<String>,
}

/// How the workers authenticate to Kafka. `type` decides which other fields apply.
#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [
    {
        "rule": "self.type != 'tls' || has(self.certificateAndKey)",
        "message": "type tls requires certificateAndKey"
    },
    {
        "rule": "!has(self.certificateAndKey) || self.type == 'tls'",
        "message": "certificateAndKey applies to type tls only"
    },
    {
        "rule": "!(self.type in ['scram-sha-512', 'scram-sha-256', 'plain']) || (has(self.username) && has(self.passwordSecret))",
        "message": "types scram-sha-512, scram-sha-256 and plain require username and passwordSecret"
    },
    {
        "rule": "!(has(self.username) || has(self.passwordSecret)) || self.type in ['scram-sha-512', 'scram-sha-256', 'plain']",
        "message": "username and passwordSecret apply to types scram-sha-512, scram-sha-256 and plain only"
    },
    {
        "rule": "self.type != 'oauth' || (has(self.clientId) && has(self.clientSecret) && has(self.tokenEndpointUri))",
        "message": "type oauth requires clientId, clientSecret and tokenEndpointUri"
    },
    {
        "rule": "!(has(self.clientId) || has(self.clientSecret) || has(self.tokenEndpointUri) || has(self.scope)) || self.type == 'oauth'",
        "message": "clientId, clientSecret, tokenEndpointUri and scope apply to type oauth only"
    }
]))]
pub struct KafkaClientAuthentication {
    /// `tls` (a client certificate; needs `spec.tls`), `scram-sha-512`, `scram-sha-256`,
    /// `plain` (SASL with a username and a password from a Secret) or `oauth` (SASL
    /// OAUTHBEARER with OAuth client credentials).
    #[serde(rename = "type")]
    pub type_: AuthenticationType,

    /// Type `tls`: the client certificate and its private key (PEM, PKCS #8 or PKCS #1,
    /// unencrypted) in a Secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_and_key: Option<CertAndKeySecretSource>,

    /// Types `scram-sha-512`, `scram-sha-256` and `plain`: the username.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub username: Option<String>,

    /// Types `scram-sha-512`, `scram-sha-256` and `plain`: the Secret key holding the
    /// password. The password is written into a JAAS quoted string, so it may not
    /// contain `"` or `\` (as with Apache Connect's config providers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_secret: Option<PasswordSecretSource>,

    /// Type `oauth`: the OAuth client id (client credentials grant).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub client_id: Option<String>,

    /// Type `oauth`: the Secret key holding the OAuth client secret (no `"` or `\`, as
    /// for passwords).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<GenericSecretSource>,

    /// Type `oauth`: the authorization server's token endpoint (`https://...`); the
    /// workers' `sasl.oauthbearer.token.endpoint.url`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^https?://\S+$"))]
    pub token_endpoint_uri: Option<String>,

    /// Type `oauth`: the scope requested with the token (optional; none by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub scope: Option<String>,
}

/// The authentication mechanisms, with Strimzi's names.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub enum AuthenticationType {
    #[serde(rename = "tls")]
    Tls,
    #[serde(rename = "scram-sha-512")]
    ScramSha512,
    #[serde(rename = "scram-sha-256")]
    ScramSha256,
    #[serde(rename = "plain")]
    Plain,
    #[serde(rename = "oauth")]
    Oauth,
}

impl AuthenticationType {
    /// The name in the resource (`scram-sha-512`, ...).
    pub fn name(self) -> &'static str {
        match self {
            AuthenticationType::Tls => "tls",
            AuthenticationType::ScramSha512 => "scram-sha-512",
            AuthenticationType::ScramSha256 => "scram-sha-256",
            AuthenticationType::Plain => "plain",
            AuthenticationType::Oauth => "oauth",
        }
    }

    /// Whether the mechanism is SASL (every type but `tls`).
    pub fn is_sasl(self) -> bool {
        self != AuthenticationType::Tls
    }
}

/// A certificate and its private key inside a Secret.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CertAndKeySecretSource {
    /// The name of the Secret, in the KafkaConnect's namespace.
    #[schemars(length(min = 1, max = 253), regex(pattern = SECRET_NAME_PATTERN))]
    pub secret_name: String,

    /// The key of the certificate (PEM, optionally followed by its chain), e.g. `user.crt`.
    #[schemars(length(min = 1, max = 253), regex(pattern = SECRET_KEY_PATTERN))]
    pub certificate: String,

    /// The key of the private key (PEM, unencrypted), e.g. `user.key`.
    #[schemars(length(min = 1, max = 253), regex(pattern = SECRET_KEY_PATTERN))]
    pub key: String,
}

/// A password inside a Secret.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PasswordSecretSource {
    /// The name of the Secret, in the KafkaConnect's namespace.
    #[schemars(length(min = 1, max = 253), regex(pattern = SECRET_NAME_PATTERN))]
    pub secret_name: String,

    /// The key of the password in the Secret, e.g. `password`.
    #[schemars(length(min = 1, max = 253), regex(pattern = SECRET_KEY_PATTERN))]
    pub password: String,
}

/// A value inside a Secret.
#[derive(Clone, Debug, Default, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct GenericSecretSource {
    /// The name of the Secret, in the KafkaConnect's namespace.
    #[schemars(length(min = 1, max = 253), regex(pattern = SECRET_NAME_PATTERN))]
    pub secret_name: String,

    /// The key of the value in the Secret.
    #[schemars(length(min = 1, max = 253), regex(pattern = SECRET_KEY_PATTERN))]
    pub key: String,
}

/// Prefixes under which a client setting reaches one kind of client only (and wins over
/// the top level): a managed key is managed under each of them too.
const CLIENT_PREFIXES: [&str; 4] = ["", "producer.", "consumer.", "admin."];

/// Worker settings the operator writes, or that would contradict what it writes, for
/// each part of the spec. Apache's Java keys and librdkafka's own names (which pass
/// through the translation) both count.
pub mod managed {
    /// Whenever `tls` or `authentication` is set: the operator picks the protocol.
    pub const PROTOCOL: &[&str] = &["security.protocol"];
    /// With `tls`: the brokers' trust.
    pub const TRUST: &[&str] = &[
        "ssl.truststore.location",
        "ssl.truststore.password",
        "ssl.truststore.type",
        "ssl.truststore.certificates",
        "ssl.ca.location",
        "ssl.ca.pem",
    ];
    /// With `authentication.type: tls`: the client certificate and key.
    pub const CLIENT_CERTIFICATE: &[&str] = &[
        "ssl.keystore.location",
        "ssl.keystore.password",
        "ssl.keystore.type",
        "ssl.keystore.certificate.chain",
        "ssl.keystore.key",
        "ssl.key.password",
        "ssl.certificate.location",
        "ssl.certificate.pem",
        "ssl.key.location",
        "ssl.key.pem",
    ];
    /// With a SASL `authentication.type`: the mechanism and its credentials.
    pub const SASL: &[&str] = &[
        "sasl.mechanism",
        "sasl.mechanisms",
        "sasl.jaas.config",
        "sasl.username",
        "sasl.password",
        "sasl.oauthbearer.token.endpoint.url",
        "sasl.oauthbearer.method",
        "sasl.oauthbearer.client.id",
        "sasl.oauthbearer.client.secret",
        "sasl.oauthbearer.scope",
        "sasl.oauthbearer.extensions",
        "sasl.oauthbearer.config",
    ];
}

/// One group of managed keys: when it applies (a CEL condition on the spec, and the
/// same in Rust) and what manages it.
pub struct ManagedGroup {
    pub keys: &'static [&'static str],
    /// CEL condition on `self` (the spec) under which the group is managed.
    pub cel_condition: &'static str,
    /// What manages the keys, for messages.
    pub owner: &'static str,
    /// The same condition in Rust.
    pub applies: fn(Option<&ClientTls>, Option<&KafkaClientAuthentication>) -> bool,
}

/// The groups, in message order.
pub const MANAGED_GROUPS: [ManagedGroup; 4] = [
    ManagedGroup {
        keys: managed::PROTOCOL,
        cel_condition: "has(self.tls) || has(self.authentication)",
        owner: "spec.tls and spec.authentication",
        applies: |tls, auth| tls.is_some() || auth.is_some(),
    },
    ManagedGroup {
        keys: managed::TRUST,
        cel_condition: "has(self.tls)",
        owner: "spec.tls",
        applies: |tls, _| tls.is_some(),
    },
    ManagedGroup {
        keys: managed::CLIENT_CERTIFICATE,
        cel_condition: "has(self.authentication) && self.authentication.type == 'tls'",
        owner: "spec.authentication (type tls)",
        applies: |_, auth| auth.is_some_and(|a| a.type_ == AuthenticationType::Tls),
    },
    ManagedGroup {
        keys: managed::SASL,
        cel_condition: "has(self.authentication) && self.authentication.type != 'tls'",
        owner: "spec.authentication (SASL)",
        applies: |_, auth| auth.is_some_and(|a| a.type_.is_sasl()),
    },
];

impl ManagedGroup {
    /// Every key of the group, top-level and under the client prefixes.
    pub fn all_keys(&self) -> impl Iterator<Item = String> + '_ {
        CLIENT_PREFIXES
            .iter()
            .flat_map(|prefix| self.keys.iter().map(move |key| format!("{prefix}{key}")))
    }

    /// A CEL rule on the spec refusing a `config` that sets one of the group's keys while
    /// the group is managed. The message is static: a `messageExpression` naming the keys
    /// found (a filter and a join over the config) exceeds the API server's CEL cost
    /// budget for an unbounded map, so the operator's own check names them.
    fn cel_rule(&self) -> serde_json::Value {
        let list = self
            .all_keys()
            .map(|k| format!("'{k}'"))
            .collect::<Vec<_>>()
            .join(", ");
        serde_json::json!({
            "rule": format!(
                "!({}) || !has(self.config) || ![{list}].exists(k, k in self.config)",
                self.cel_condition
            ),
            "message": format!(
                "spec.config may not set {} (nor their producer., consumer. and admin. forms): managed by {}",
                self.keys.join(", "),
                self.owner
            ),
        })
    }
}

/// The spec-level rules of the `KafkaConnectSpec` schema for security:
/// `authentication.type: tls` needs `tls`, and `config` may not set what
/// `tls`/`authentication` manage. Generated from [`MANAGED_GROUPS`], which the operator
/// checks too.
pub(crate) fn spec_rules() -> Vec<serde_json::Value> {
    let mut rules = vec![serde_json::json!({
        "rule": "!has(self.authentication) || self.authentication.type != 'tls' || has(self.tls)",
        "message": "authentication type tls requires spec.tls (the client certificate is presented in the TLS handshake)",
    })];
    rules.extend(MANAGED_GROUPS.iter().map(ManagedGroup::cel_rule));
    rules
}
