//! What `spec.tls` and `spec.authentication` become in a cluster's children: the client
//! settings written into `worker.properties` and the Secrets mounted into the pods.
//!
//! Each referenced Secret is mounted read-only at `/opt/tributary/secrets/<name>` in both
//! containers (worker and REST sidecar), with exactly the keys the settings use (so a
//! missing key stops the pod at mount time, naming it, and nothing else of the Secret is
//! exposed). The settings refer to those files through `${tributarysecrets:<dir>:<key>}`
//! placeholders of a `DirectoryConfigProvider` that the operator declares beside the
//! user's own providers; the workers resolve them at start-up (`runtime::config::
//! worker_file`), so no Secret value is ever written into the ConfigMap, the status or an
//! event. The operator itself reads a Secret only to expand a `pattern` (its keys; the
//! values are never kept).
//!
//! The settings are Apache's Java client keys, chosen as Strimzi chooses them for its
//! KafkaConnect: `security.protocol` SSL, SASL_SSL or SASL_PLAINTEXT; the trusted
//! certificates as an inline PEM truststore (`ssl.truststore.type=PEM`,
//! `ssl.truststore.certificates`, several certificates one after the other); the client
//! certificate as an inline PEM keystore; SASL as `sasl.mechanism` and `sasl.jaas.config`.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::Secret;
use kube::Api;

use crate::api::security::MANAGED_GROUPS;
use crate::api::{AuthenticationType, KafkaClientAuthentication, KafkaConnectSpec};

/// Where the Secrets are mounted in the pods, one directory per Secret.
pub const SECRETS_ROOT: &str = "/opt/tributary/secrets";
/// The config provider the operator declares for the mounted Secrets; reserved.
pub const PROVIDER: &str = "tributarysecrets";
const DIRECTORY_PROVIDER: &str = "org.apache.kafka.common.config.provider.DirectoryConfigProvider";
const CONFIG_PROVIDERS: &str = "config.providers";

const SCRAM_MODULE: &str = "org.apache.kafka.common.security.scram.ScramLoginModule";
const PLAIN_MODULE: &str = "org.apache.kafka.common.security.plain.PlainLoginModule";
const OAUTH_MODULE: &str = "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule";

/// Keys of the Secrets a `pattern` refers to, by Secret name, as read by the operator.
pub type SecretKeys = BTreeMap<String, BTreeSet<String>>;

/// Why the spec's security cannot be turned into worker settings. Messages name fields,
/// Secrets and keys, never a Secret's value. These are spec errors: the reconcile reports
/// them in the `Ready` condition instead of retrying them as failures.
#[derive(Debug, thiserror::Error)]
pub enum SecurityError {
    #[error("spec.config sets {}, managed by {owner}: remove them from spec.config", keys.join(", "))]
    ConfigConflict {
        keys: Vec<String>,
        owner: &'static str,
    },
    #[error(
        "spec.config declares the config provider {PROVIDER}, which the operator reserves for the Secrets of spec.tls and spec.authentication"
    )]
    ReservedProvider,
    #[error(
        "authentication type tls requires spec.tls (the client certificate is presented in the TLS handshake)"
    )]
    TlsAuthenticationWithoutTls,
    #[error("spec.authentication type {kind} requires {field}")]
    MissingField {
        kind: &'static str,
        field: &'static str,
    },
    #[error("spec.authentication.{field} does not apply to type {kind}")]
    FieldNotForType {
        kind: &'static str,
        field: &'static str,
    },
    #[error("{field} is not a valid Secret {what}: {value:?}")]
    InvalidReference {
        field: String,
        what: &'static str,
        value: String,
    },
    #[error(
        "spec.tls.trustedCertificates[{index}] must set exactly one of certificate and pattern"
    )]
    CertificateOrPattern { index: usize },
    #[error("spec.tls.trustedCertificates[{index}].pattern {pattern:?} is not a glob: {reason}")]
    InvalidPattern {
        index: usize,
        pattern: String,
        reason: String,
    },
    #[error(
        "no key of Secret {secret} matches spec.tls.trustedCertificates[{index}].pattern {pattern:?}"
    )]
    NoMatch {
        index: usize,
        secret: String,
        pattern: String,
    },
    #[error("Secret {secret} (spec.tls.trustedCertificates pattern) does not exist")]
    SecretNotFound { secret: String },
    #[error(
        "the operator may not read Secret {secret} to expand a spec.tls.trustedCertificates pattern: {message}"
    )]
    SecretForbidden { secret: String, message: String },
}

impl SecurityError {
    /// The `Ready` condition's reason for this error.
    pub fn reason(&self) -> &'static str {
        match self {
            SecurityError::SecretNotFound { .. } => "SecretNotFound",
            SecurityError::SecretForbidden { .. } => "SecretForbidden",
            SecurityError::NoMatch { .. } => "NoCertificateMatched",
            _ => "InvalidSecurityConfig",
        }
    }
}

/// What the operator adds for `spec.tls` and `spec.authentication`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientSecurity {
    /// Worker settings (Java client keys, `config.providers` merged with the user's).
    pub settings: BTreeMap<String, String>,
    /// Secret name → the keys the settings read, mounted at `SECRETS_ROOT/<name>/<key>`.
    pub mounts: BTreeMap<String, BTreeSet<String>>,
}

/// Where a Secret is mounted in the pods.
pub fn mount_path(secret: &str) -> String {
    format!("{SECRETS_ROOT}/{secret}")
}

/// The Secrets whose keys the operator must read: those a trusted-certificate `pattern`
/// refers to.
pub fn pattern_secrets(spec: &KafkaConnectSpec) -> BTreeSet<String> {
    spec.tls
        .iter()
        .flat_map(|tls| &tls.trusted_certificates)
        .filter(|c| c.pattern.is_some())
        .map(|c| c.secret_name.clone())
        .collect()
}

/// Reads the keys of the Secrets `pattern_secrets` names. A missing or forbidden Secret
/// is a [`SecurityError`] (the user's to fix); other API failures are retried.
pub async fn read_secret_keys(
    client: &kube::Client,
    namespace: &str,
    spec: &KafkaConnectSpec,
) -> super::Result<SecretKeys> {
    let api: Api<Secret> = Api::namespaced(client.clone(), namespace);
    let mut keys = SecretKeys::new();
    for name in pattern_secrets(spec) {
        let secret = match api.get(&name).await {
            Ok(secret) => secret,
            Err(kube::Error::Api(status)) if status.code == 404 => {
                return Err(SecurityError::SecretNotFound { secret: name }.into());
            }
            Err(kube::Error::Api(status)) if status.code == 403 => {
                return Err(SecurityError::SecretForbidden {
                    secret: name,
                    message: status.message,
                }
                .into());
            }
            Err(error) => return Err(error.into()),
        };
        // Only the key names leave this function; the values are dropped here.
        let names = secret.data.iter().flat_map(|d| d.keys()).cloned().collect();
        keys.insert(name, names);
    }
    Ok(keys)
}

/// The settings and mounts for `spec`, with the keys of the Secrets patterns refer to.
/// Nothing when neither `tls` nor `authentication` is set: then the user's own client
/// settings in `spec.config` apply unchanged.
pub fn client_security(
    spec: &KafkaConnectSpec,
    secret_keys: &SecretKeys,
) -> Result<ClientSecurity, SecurityError> {
    let tls = spec.tls.as_ref();
    let auth = spec.authentication.as_ref();
    if tls.is_none() && auth.is_none() {
        return Ok(ClientSecurity::default());
    }
    check_config(spec)?;
    if let Some(auth) = auth {
        check_authentication(auth, tls.is_some())?;
    }

    let mut out = Builder::default();
    let protocol = match (tls.is_some(), auth.is_some_and(|a| a.type_.is_sasl())) {
        (true, true) => "SASL_SSL",
        (true, false) => "SSL",
        (false, true) => "SASL_PLAINTEXT",
        // Unreachable: tls authentication without tls was refused above.
        (false, false) => "PLAINTEXT",
    };
    out.set("security.protocol", protocol.to_owned());

    if let Some(tls) = tls {
        let mut certificates = Vec::new();
        for (index, source) in tls.trusted_certificates.iter().enumerate() {
            let field = format!("spec.tls.trustedCertificates[{index}]");
            check_secret_name(&format!("{field}.secretName"), &source.secret_name)?;
            match (&source.certificate, &source.pattern) {
                (Some(key), None) => {
                    check_secret_key(&format!("{field}.certificate"), key)?;
                    certificates.push(out.placeholder(&source.secret_name, key));
                }
                (None, Some(pattern)) => {
                    let matcher =
                        glob(pattern).map_err(|reason| SecurityError::InvalidPattern {
                            index,
                            pattern: pattern.clone(),
                            reason,
                        })?;
                    let keys = secret_keys.get(&source.secret_name).ok_or_else(|| {
                        SecurityError::SecretNotFound {
                            secret: source.secret_name.clone(),
                        }
                    })?;
                    let matched: Vec<&String> = keys
                        .iter()
                        .filter(|k| matcher.is_match(k) && is_secret_key(k))
                        .collect();
                    if matched.is_empty() {
                        return Err(SecurityError::NoMatch {
                            index,
                            secret: source.secret_name.clone(),
                            pattern: pattern.clone(),
                        });
                    }
                    for key in matched {
                        certificates.push(out.placeholder(&source.secret_name, key));
                    }
                }
                _ => return Err(SecurityError::CertificateOrPattern { index }),
            }
        }
        if !certificates.is_empty() {
            // PEM blocks one after the other: the clients trust every certificate.
            out.set("ssl.truststore.type", "PEM".into());
            out.set("ssl.truststore.certificates", certificates.join("\n"));
        }
    }

    if let Some(auth) = auth {
        credentials(auth, &mut out)?;
    }

    if !out.mounts.is_empty() {
        let mut providers: Vec<String> = spec
            .config
            .get(CONFIG_PROVIDERS)
            .map(|list| {
                list.split(',')
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        providers.push(PROVIDER.to_owned());
        out.set(CONFIG_PROVIDERS, providers.join(","));
        out.set(
            &format!("{CONFIG_PROVIDERS}.{PROVIDER}.class"),
            DIRECTORY_PROVIDER.into(),
        );
        // The operator's provider reads the mounted Secrets and nothing else, also when a
        // connector config names it.
        out.set(
            &format!("{CONFIG_PROVIDERS}.{PROVIDER}.param.allowed.paths"),
            SECRETS_ROOT.into(),
        );
    }
    Ok(ClientSecurity {
        settings: out.settings,
        mounts: out.mounts,
    })
}

#[derive(Default)]
struct Builder {
    settings: BTreeMap<String, String>,
    mounts: BTreeMap<String, BTreeSet<String>>,
}

impl Builder {
    fn set(&mut self, key: &str, value: String) {
        self.settings.insert(key.to_owned(), value);
    }

    /// The placeholder the workers resolve to the content of `key` in Secret `secret`,
    /// which is then mounted with that key.
    fn placeholder(&mut self, secret: &str, key: &str) -> String {
        self.mounts
            .entry(secret.to_owned())
            .or_default()
            .insert(key.to_owned());
        format!("${{{PROVIDER}:{}:{key}}}", mount_path(secret))
    }
}

/// Refuses `spec.config` keys that the security settings manage, and the reserved
/// provider name. The CRD's CEL rules refuse the same keys at admission
/// (`api::security::spec_rules`); this catches objects stored before those rules.
fn check_config(spec: &KafkaConnectSpec) -> Result<(), SecurityError> {
    let tls = spec.tls.as_ref();
    let auth = spec.authentication.as_ref();
    for group in MANAGED_GROUPS.iter().filter(|g| (g.applies)(tls, auth)) {
        let keys: Vec<String> = group
            .all_keys()
            .filter(|k| spec.config.contains_key(k))
            .collect();
        if !keys.is_empty() {
            return Err(SecurityError::ConfigConflict {
                keys,
                owner: group.owner,
            });
        }
    }
    let reserved_prefix = format!("{CONFIG_PROVIDERS}.{PROVIDER}.");
    let declared = spec
        .config
        .get(CONFIG_PROVIDERS)
        .is_some_and(|list| list.split(',').any(|n| n.trim() == PROVIDER));
    if declared || spec.config.keys().any(|k| k.starts_with(&reserved_prefix)) {
        return Err(SecurityError::ReservedProvider);
    }
    Ok(())
}

/// The type-dependent fields, as the CRD's CEL rules check them.
fn check_authentication(
    auth: &KafkaClientAuthentication,
    has_tls: bool,
) -> Result<(), SecurityError> {
    let kind = auth.type_.name();
    let present = [
        ("certificateAndKey", auth.certificate_and_key.is_some()),
        ("username", auth.username.is_some()),
        ("passwordSecret", auth.password_secret.is_some()),
        ("clientId", auth.client_id.is_some()),
        ("clientSecret", auth.client_secret.is_some()),
        ("tokenEndpointUri", auth.token_endpoint_uri.is_some()),
        ("scope", auth.scope.is_some()),
    ];
    let (required, allowed): (&[&str], &[&str]) = match auth.type_ {
        AuthenticationType::Tls => (&["certificateAndKey"], &["certificateAndKey"]),
        AuthenticationType::ScramSha512
        | AuthenticationType::ScramSha256
        | AuthenticationType::Plain => (
            &["username", "passwordSecret"],
            &["username", "passwordSecret"],
        ),
        AuthenticationType::Oauth => (
            &["clientId", "clientSecret", "tokenEndpointUri"],
            &["clientId", "clientSecret", "tokenEndpointUri", "scope"],
        ),
    };
    for (field, set) in present {
        if set && !allowed.contains(&field) {
            return Err(SecurityError::FieldNotForType { kind, field });
        }
        if !set && required.contains(&field) {
            return Err(SecurityError::MissingField { kind, field });
        }
    }
    if auth.type_ == AuthenticationType::Tls && !has_tls {
        return Err(SecurityError::TlsAuthenticationWithoutTls);
    }
    Ok(())
}

/// The credential settings of `auth` (checked by `check_authentication`).
fn credentials(auth: &KafkaClientAuthentication, out: &mut Builder) -> Result<(), SecurityError> {
    let missing = |field| SecurityError::MissingField {
        kind: auth.type_.name(),
        field,
    };
    match auth.type_ {
        AuthenticationType::Tls => {
            let source = auth
                .certificate_and_key
                .as_ref()
                .ok_or_else(|| missing("certificateAndKey"))?;
            let field = "spec.authentication.certificateAndKey";
            check_secret_name(&format!("{field}.secretName"), &source.secret_name)?;
            check_secret_key(&format!("{field}.certificate"), &source.certificate)?;
            check_secret_key(&format!("{field}.key"), &source.key)?;
            let chain = out.placeholder(&source.secret_name, &source.certificate);
            let key = out.placeholder(&source.secret_name, &source.key);
            out.set("ssl.keystore.type", "PEM".into());
            out.set("ssl.keystore.certificate.chain", chain);
            out.set("ssl.keystore.key", key);
        }
        AuthenticationType::ScramSha512
        | AuthenticationType::ScramSha256
        | AuthenticationType::Plain => {
            let (mechanism, module) = match auth.type_ {
                AuthenticationType::ScramSha512 => ("SCRAM-SHA-512", SCRAM_MODULE),
                AuthenticationType::ScramSha256 => ("SCRAM-SHA-256", SCRAM_MODULE),
                _ => ("PLAIN", PLAIN_MODULE),
            };
            let username = auth.username.as_ref().ok_or_else(|| missing("username"))?;
            let source = auth
                .password_secret
                .as_ref()
                .ok_or_else(|| missing("passwordSecret"))?;
            let field = "spec.authentication.passwordSecret";
            check_secret_name(&format!("{field}.secretName"), &source.secret_name)?;
            check_secret_key(&format!("{field}.password"), &source.password)?;
            let password = out.placeholder(&source.secret_name, &source.password);
            out.set("sasl.mechanism", mechanism.into());
            out.set(
                "sasl.jaas.config",
                format!(
                    "{module} required username={} password={};",
                    jaas_quoted(username),
                    jaas_quoted(&password)
                ),
            );
        }
        AuthenticationType::Oauth => {
            let client_id = auth.client_id.as_ref().ok_or_else(|| missing("clientId"))?;
            let source = auth
                .client_secret
                .as_ref()
                .ok_or_else(|| missing("clientSecret"))?;
            let endpoint = auth
                .token_endpoint_uri
                .as_ref()
                .ok_or_else(|| missing("tokenEndpointUri"))?;
            let field = "spec.authentication.clientSecret";
            check_secret_name(&format!("{field}.secretName"), &source.secret_name)?;
            check_secret_key(&format!("{field}.key"), &source.key)?;
            let secret = out.placeholder(&source.secret_name, &source.key);
            let mut jaas = format!(
                "{OAUTH_MODULE} required clientId={} clientSecret={}",
                jaas_quoted(client_id),
                jaas_quoted(&secret)
            );
            if let Some(scope) = &auth.scope {
                jaas.push_str(&format!(" scope={}", jaas_quoted(scope)));
            }
            jaas.push(';');
            out.set("sasl.mechanism", "OAUTHBEARER".into());
            out.set("sasl.oauthbearer.token.endpoint.url", endpoint.clone());
            out.set("sasl.jaas.config", jaas);
        }
    }
    Ok(())
}

/// A JAAS option value as a quoted string (Kafka's `JaasConfig` reads `\` escapes).
fn jaas_quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for ch in value.chars() {
        if matches!(ch, '"' | '\\') {
            out.push('\\');
        }
        out.push(ch);
    }
    out.push('"');
    out
}

/// A Secret name is a DNS subdomain. Checked again here (the schema has the pattern)
/// because it becomes part of a path and of a `${...}` placeholder.
fn check_secret_name(field: &str, name: &str) -> Result<(), SecurityError> {
    let valid = !name.is_empty()
        && name.len() <= 253
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    if valid {
        Ok(())
    } else {
        Err(SecurityError::InvalidReference {
            field: field.to_owned(),
            what: "name",
            value: name.to_owned(),
        })
    }
}

fn is_secret_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 253
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn check_secret_key(field: &str, key: &str) -> Result<(), SecurityError> {
    if is_secret_key(key) {
        Ok(())
    } else {
        Err(SecurityError::InvalidReference {
            field: field.to_owned(),
            what: "key",
            value: key.to_owned(),
        })
    }
}

/// A glob over Secret keys as a regex: `*` any run of characters, `?` one character,
/// `[abc]`/`[a-z]`/`[!a]` a class, `{a,b}` alternatives, anything else literal. (Keys
/// have no `/`, so there is no path-separator rule.)
fn glob(pattern: &str) -> Result<regex::Regex, String> {
    let mut out = String::from("^");
    let mut chars = pattern.chars().peekable();
    let mut braces = 0usize;
    while let Some(ch) = chars.next() {
        match ch {
            '*' => out.push_str(".*"),
            '?' => out.push('.'),
            '[' => {
                out.push('[');
                if chars.next_if(|c| *c == '!' || *c == '^').is_some() {
                    out.push('^');
                }
                let mut closed = false;
                for c in chars.by_ref() {
                    if c == ']' {
                        closed = true;
                        break;
                    }
                    if matches!(c, '\\' | '[' | '&' | '~') {
                        out.push('\\');
                    }
                    out.push(c);
                }
                if !closed {
                    return Err("unclosed [".into());
                }
                out.push(']');
            }
            '{' => {
                braces += 1;
                out.push_str("(?:");
            }
            ',' if braces > 0 => out.push('|'),
            '}' if braces > 0 => {
                braces -= 1;
                out.push(')');
            }
            other => out.push_str(&regex::escape(&other.to_string())),
        }
    }
    if braces > 0 {
        return Err("unclosed {".into());
    }
    out.push('$');
    regex::Regex::new(&out).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{
        CertAndKeySecretSource, CertSecretSource, ClientTls, GenericSecretSource,
        PasswordSecretSource,
    };

    fn spec(tls: Option<ClientTls>, auth: Option<KafkaClientAuthentication>) -> KafkaConnectSpec {
        KafkaConnectSpec {
            bootstrap_servers: "k:9093".into(),
            tls,
            authentication: auth,
            ..KafkaConnectSpec::default()
        }
    }

    fn ca(secret: &str, key: &str) -> CertSecretSource {
        CertSecretSource {
            secret_name: secret.into(),
            certificate: Some(key.into()),
            pattern: None,
        }
    }

    fn tls(certs: Vec<CertSecretSource>) -> Option<ClientTls> {
        Some(ClientTls {
            trusted_certificates: certs,
        })
    }

    fn auth(type_: AuthenticationType) -> KafkaClientAuthentication {
        KafkaClientAuthentication {
            type_,
            certificate_and_key: None,
            username: None,
            password_secret: None,
            client_id: None,
            client_secret: None,
            token_endpoint_uri: None,
            scope: None,
        }
    }

    fn scram(type_: AuthenticationType) -> KafkaClientAuthentication {
        KafkaClientAuthentication {
            username: Some("connect".into()),
            password_secret: Some(PasswordSecretSource {
                secret_name: "connect-user".into(),
                password: "password".into(),
            }),
            ..auth(type_)
        }
    }

    fn settings(security: &ClientSecurity) -> Vec<(&str, &str)> {
        security
            .settings
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    fn mounts(security: &ClientSecurity) -> Vec<(&str, Vec<&str>)> {
        security
            .mounts
            .iter()
            .map(|(s, keys)| (s.as_str(), keys.iter().map(String::as_str).collect()))
            .collect()
    }

    /// The librdkafka config of `security`'s settings with every placeholder resolved to
    /// `secret`, as a worker would see them.
    fn translated(security: &ClientSecurity, secret: &str) -> rdkafka::ClientConfig {
        let placeholder = regex::Regex::new(r"\$\{tributarysecrets:[^}]*\}").unwrap();
        let resolved: BTreeMap<String, String> = security
            .settings
            .iter()
            .filter(|(k, _)| !k.starts_with("config.providers"))
            .map(|(k, v)| (k.clone(), placeholder.replace_all(v, secret).into_owned()))
            .collect();
        crate::runtime::kafka::client_config(
            crate::runtime::kafka::ClientKind::Producer,
            "k:9093",
            [&resolved],
        )
        .unwrap()
    }

    const PROVIDERS: [(&str, &str); 3] = [
        ("config.providers", "tributarysecrets"),
        (
            "config.providers.tributarysecrets.class",
            "org.apache.kafka.common.config.provider.DirectoryConfigProvider",
        ),
        (
            "config.providers.tributarysecrets.param.allowed.paths",
            "/opt/tributary/secrets",
        ),
    ];

    fn with_providers<'a>(mut expected: Vec<(&'a str, &'a str)>) -> Vec<(&'a str, &'a str)> {
        expected.extend(PROVIDERS);
        expected.sort();
        expected
    }

    #[test]
    fn nothing_without_tls_or_authentication() {
        let mut s = spec(None, None);
        s.config.insert("security.protocol".into(), "SSL".into());
        assert_eq!(
            client_security(&s, &SecretKeys::new()).unwrap(),
            ClientSecurity::default()
        );
    }

    #[test]
    fn tls_alone_trusts_the_system_store() {
        let s = spec(tls(vec![]), None);
        let security = client_security(&s, &SecretKeys::new()).unwrap();
        assert_eq!(settings(&security), [("security.protocol", "SSL")]);
        assert!(security.mounts.is_empty());
    }

    #[test]
    fn scram_sha_512_over_tls_with_several_certificates() {
        let s = spec(
            tls(vec![
                ca("cluster-ca", "ca.crt"),
                ca("other-ca", "ca.pem"),
                CertSecretSource {
                    secret_name: "bundle".into(),
                    certificate: None,
                    pattern: Some("*.{crt,pem}".into()),
                },
            ]),
            Some(scram(AuthenticationType::ScramSha512)),
        );
        let keys = SecretKeys::from([(
            "bundle".to_owned(),
            BTreeSet::from(["a.crt".into(), "b.pem".into(), "c.key".into()]),
        )]);
        let security = client_security(&s, &keys).unwrap();
        assert_eq!(
            settings(&security),
            with_providers(vec![
                (
                    "sasl.jaas.config",
                    "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"connect\" password=\"${tributarysecrets:/opt/tributary/secrets/connect-user:password}\";"
                ),
                ("sasl.mechanism", "SCRAM-SHA-512"),
                ("security.protocol", "SASL_SSL"),
                (
                    "ssl.truststore.certificates",
                    "${tributarysecrets:/opt/tributary/secrets/cluster-ca:ca.crt}\n${tributarysecrets:/opt/tributary/secrets/other-ca:ca.pem}\n${tributarysecrets:/opt/tributary/secrets/bundle:a.crt}\n${tributarysecrets:/opt/tributary/secrets/bundle:b.pem}"
                ),
                ("ssl.truststore.type", "PEM"),
            ])
        );
        assert_eq!(
            mounts(&security),
            [
                ("bundle", vec!["a.crt", "b.pem"]),
                ("cluster-ca", vec!["ca.crt"]),
                ("connect-user", vec!["password"]),
                ("other-ca", vec!["ca.pem"]),
            ]
        );
    }

    #[test]
    fn scram_sha_256_and_plain_without_tls_are_sasl_plaintext() {
        for (type_, mechanism, module) in [
            (
                AuthenticationType::ScramSha256,
                "SCRAM-SHA-256",
                SCRAM_MODULE,
            ),
            (AuthenticationType::Plain, "PLAIN", PLAIN_MODULE),
        ] {
            let mut auth = scram(type_);
            auth.username = Some("we\"ird\\user".into());
            let security = client_security(&spec(None, Some(auth)), &SecretKeys::new()).unwrap();
            let jaas = format!(
                "{module} required username=\"we\\\"ird\\\\user\" password=\"${{tributarysecrets:/opt/tributary/secrets/connect-user:password}}\";"
            );
            assert_eq!(
                settings(&security),
                with_providers(vec![
                    ("sasl.jaas.config", jaas.as_str()),
                    ("sasl.mechanism", mechanism),
                    ("security.protocol", "SASL_PLAINTEXT"),
                ])
            );
            // Once the worker resolved the placeholder, the clients log in as that user.
            let config = translated(&security, "pw");
            assert_eq!(config.get("sasl.username"), Some("we\"ird\\user"));
            assert_eq!(config.get("sasl.password"), Some("pw"));
            assert_eq!(config.get("sasl.mechanisms"), Some(mechanism));
        }
    }

    #[test]
    fn tls_client_certificate() {
        let s = spec(
            tls(vec![ca("cluster-ca", "ca.crt")]),
            Some(KafkaClientAuthentication {
                certificate_and_key: Some(CertAndKeySecretSource {
                    secret_name: "connect-user".into(),
                    certificate: "user.crt".into(),
                    key: "user.key".into(),
                }),
                ..auth(AuthenticationType::Tls)
            }),
        );
        let security = client_security(&s, &SecretKeys::new()).unwrap();
        assert_eq!(
            settings(&security),
            with_providers(vec![
                ("security.protocol", "SSL"),
                (
                    "ssl.keystore.certificate.chain",
                    "${tributarysecrets:/opt/tributary/secrets/connect-user:user.crt}"
                ),
                (
                    "ssl.keystore.key",
                    "${tributarysecrets:/opt/tributary/secrets/connect-user:user.key}"
                ),
                ("ssl.keystore.type", "PEM"),
                (
                    "ssl.truststore.certificates",
                    "${tributarysecrets:/opt/tributary/secrets/cluster-ca:ca.crt}"
                ),
                ("ssl.truststore.type", "PEM"),
            ])
        );
        assert_eq!(
            mounts(&security),
            [
                ("cluster-ca", vec!["ca.crt"]),
                ("connect-user", vec!["user.crt", "user.key"]),
            ]
        );
    }

    #[test]
    fn oauth_client_credentials() {
        let s = spec(
            tls(vec![]),
            Some(KafkaClientAuthentication {
                client_id: Some("connect".into()),
                client_secret: Some(GenericSecretSource {
                    secret_name: "oauth".into(),
                    key: "secret".into(),
                }),
                token_endpoint_uri: Some("https://sso/token".into()),
                scope: Some("kafka".into()),
                ..auth(AuthenticationType::Oauth)
            }),
        );
        let security = client_security(&s, &SecretKeys::new()).unwrap();
        let jaas = "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required clientId=\"connect\" clientSecret=\"${tributarysecrets:/opt/tributary/secrets/oauth:secret}\" scope=\"kafka\";";
        assert_eq!(
            settings(&security),
            with_providers(vec![
                ("sasl.jaas.config", jaas),
                ("sasl.mechanism", "OAUTHBEARER"),
                ("sasl.oauthbearer.token.endpoint.url", "https://sso/token"),
                ("security.protocol", "SASL_SSL"),
            ])
        );
        // What the clients make of it once resolved: OIDC client credentials.
        let c = translated(&security, "s");
        assert_eq!(c.get("sasl.oauthbearer.method"), Some("oidc"));
        assert_eq!(c.get("sasl.oauthbearer.client.secret"), Some("s"));
        assert_eq!(c.get("sasl.oauthbearer.client.id"), Some("connect"));
        assert_eq!(c.get("sasl.oauthbearer.scope"), Some("kafka"));
        assert_eq!(
            c.get("sasl.oauthbearer.token.endpoint.url"),
            Some("https://sso/token")
        );
    }

    #[test]
    fn user_providers_are_kept() {
        let mut s = spec(None, Some(scram(AuthenticationType::Plain)));
        s.config
            .insert("config.providers".into(), "file, env".into());
        let security = client_security(&s, &SecretKeys::new()).unwrap();
        assert_eq!(
            security.settings["config.providers"],
            "file,env,tributarysecrets"
        );
    }

    #[test]
    fn managed_keys_in_config_are_refused_with_their_names() {
        let mut s = spec(tls(vec![]), Some(scram(AuthenticationType::ScramSha512)));
        s.config
            .insert("consumer.sasl.jaas.config".into(), "x".into());
        s.config.insert("sasl.mechanism".into(), "PLAIN".into());
        // Not managed: allowed.
        s.config.insert(
            "ssl.endpoint.identification.algorithm".into(),
            String::new(),
        );
        s.config.insert("ssl.keystore.location".into(), "/k".into());
        let error = client_security(&s, &SecretKeys::new()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "spec.config sets sasl.mechanism, consumer.sasl.jaas.config, managed by spec.authentication (SASL): remove them from spec.config"
        );
        s.config.clear();
        s.config
            .insert("producer.security.protocol".into(), "PLAINTEXT".into());
        let error = client_security(&s, &SecretKeys::new()).unwrap_err();
        assert!(
            matches!(error, SecurityError::ConfigConflict { .. }),
            "{error}"
        );

        s.config.clear();
        s.config.insert(
            "config.providers.tributarysecrets.class".into(),
            "FileConfigProvider".into(),
        );
        let error = client_security(&s, &SecretKeys::new()).unwrap_err();
        assert!(matches!(error, SecurityError::ReservedProvider), "{error}");
    }

    #[test]
    fn type_dependent_fields_are_checked() {
        let mut tls_auth = auth(AuthenticationType::Tls);
        let error = client_security(
            &spec(tls(vec![]), Some(tls_auth.clone())),
            &SecretKeys::new(),
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "spec.authentication type tls requires certificateAndKey"
        );
        tls_auth.certificate_and_key = Some(CertAndKeySecretSource {
            secret_name: "u".into(),
            certificate: "c".into(),
            key: "k".into(),
        });
        let error =
            client_security(&spec(None, Some(tls_auth.clone())), &SecretKeys::new()).unwrap_err();
        assert!(
            matches!(error, SecurityError::TlsAuthenticationWithoutTls),
            "{error}"
        );
        tls_auth.username = Some("x".into());
        let error =
            client_security(&spec(tls(vec![]), Some(tls_auth)), &SecretKeys::new()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "spec.authentication.username does not apply to type tls"
        );
        let oauth = auth(AuthenticationType::Oauth);
        let error = client_security(&spec(None, Some(oauth)), &SecretKeys::new()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "spec.authentication type oauth requires clientId"
        );
    }

    #[test]
    fn bad_references_and_patterns_are_refused() {
        let mut bad_key = ca("ca", "x}");
        let error = client_security(&spec(tls(vec![bad_key.clone()]), None), &SecretKeys::new())
            .unwrap_err();
        assert!(
            error.to_string().starts_with(
                "spec.tls.trustedCertificates[0].certificate is not a valid Secret key"
            ),
            "{error}"
        );
        bad_key.pattern = Some("*".into());
        let error =
            client_security(&spec(tls(vec![bad_key]), None), &SecretKeys::new()).unwrap_err();
        assert!(
            matches!(error, SecurityError::CertificateOrPattern { index: 0 }),
            "{error}"
        );
        let pattern = |p: &str| CertSecretSource {
            secret_name: "bundle".into(),
            certificate: None,
            pattern: Some(p.into()),
        };
        let keys = SecretKeys::from([("bundle".to_owned(), BTreeSet::from(["ca.crt".to_owned()]))]);
        let error = client_security(&spec(tls(vec![pattern("*.pem")]), None), &keys).unwrap_err();
        assert_eq!(
            error.to_string(),
            "no key of Secret bundle matches spec.tls.trustedCertificates[0].pattern \"*.pem\""
        );
        let error = client_security(&spec(tls(vec![pattern("[a")]), None), &keys).unwrap_err();
        assert!(
            matches!(error, SecurityError::InvalidPattern { .. }),
            "{error}"
        );
        let error =
            client_security(&spec(tls(vec![pattern("*")]), None), &SecretKeys::new()).unwrap_err();
        assert!(
            matches!(error, SecurityError::SecretNotFound { .. }),
            "{error}"
        );
    }

    #[test]
    fn globs() {
        let matches = |pattern: &str, key: &str| glob(pattern).unwrap().is_match(key);
        assert!(matches("*.crt", "ca.crt"));
        assert!(!matches("*.crt", "ca.crt.bak"));
        assert!(matches("ca-?.pem", "ca-1.pem"));
        assert!(!matches("ca-?.pem", "ca-12.pem"));
        assert!(matches("[ab]*.crt", "b.crt"));
        assert!(!matches("[!ab]*.crt", "b.crt"));
        assert!(matches("*.{crt,pem}", "x.pem"));
        assert!(!matches("*.{crt,pem}", "x.key"));
        assert!(matches("a+b.crt", "a+b.crt"));
        assert!(!matches("a.crt", "abcrt"));
        assert!(glob("{a").is_err());
    }
}
