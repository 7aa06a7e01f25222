//! The Java client key table: what each Apache client setting becomes in librdkafka.
//!
//! One table (`TABLE`) drives the translation and `docs/compatibility.md`. Keys not in
//! the table reach librdkafka unchanged (many Java keys share librdkafka's names, and a
//! user may also write librdkafka's own keys); librdkafka refuses an unknown one at
//! client creation, naming it. Security keys (`ssl.*`, `sasl.jaas.config`) are turned
//! into librdkafka's here too, with the stores read by `security`.

use std::collections::BTreeMap;

use rdkafka::ClientConfig;

use crate::config::{ConfigError, ParsedValue, Validator, java_trim};

use super::jaas::{self, JaasError};
use super::security::{self, SecurityError, StoreType};

/// Which client a configuration is for: a few Java keys mean different librdkafka keys
/// per client (`request.timeout.ms`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientKind {
    Producer,
    Consumer,
    Admin,
}

/// What Tributary does with one Java key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// Passed to librdkafka under the same name, same meaning.
    Same,
    /// Passed under librdkafka's name for the same setting.
    Rename(&'static str),
    /// Translated by code (value mapping, stores, JAAS); the text says how.
    Translated(&'static str),
    /// Meaningless here (Java-only mechanics); listed once in a warning and ignored.
    JavaOnly,
    /// Would change behaviour and cannot be honoured: a configuration error.
    Unsupported(&'static str),
}

/// Java key → rule. The order is the order of `docs/compatibility.md`.
pub const TABLE: &[(&str, Rule)] = &[
    ("bootstrap.servers", Rule::Same),
    ("client.id", Rule::Same),
    (
        "security.protocol",
        Rule::Translated("lower-cased into librdkafka's `security.protocol`"),
    ),
    (
        "ssl.truststore.location",
        Rule::Translated(
            "JKS/PKCS12: certificates read and given as `ssl.ca.pem`; PEM: `ssl.ca.location`",
        ),
    ),
    (
        "ssl.truststore.password",
        Rule::Translated("opens the JKS/PKCS12 truststore"),
    ),
    (
        "ssl.truststore.type",
        Rule::Translated("JKS (default), PKCS12 or PEM"),
    ),
    ("ssl.truststore.certificates", Rule::Rename("ssl.ca.pem")),
    (
        "ssl.keystore.location",
        Rule::Translated(
            "PKCS12: `ssl.keystore.location`; JKS: key and chain read and given as `ssl.key.pem`/`ssl.certificate.pem`; PEM: `ssl.certificate.location` and `ssl.key.location`",
        ),
    ),
    (
        "ssl.keystore.password",
        Rule::Translated("PKCS12: `ssl.keystore.password`; JKS: opens the store"),
    ),
    (
        "ssl.keystore.type",
        Rule::Translated("JKS (default), PKCS12 or PEM"),
    ),
    (
        "ssl.key.password",
        Rule::Translated("JKS: decrypts the key entry; PEM: `ssl.key.password`"),
    ),
    (
        "ssl.keystore.certificate.chain",
        Rule::Rename("ssl.certificate.pem"),
    ),
    ("ssl.keystore.key", Rule::Rename("ssl.key.pem")),
    (
        "ssl.endpoint.identification.algorithm",
        Rule::Translated("`https` → `https`; empty → `none`"),
    ),
    (
        "ssl.enabled.protocols",
        Rule::Translated(
            "accepted when it includes TLSv1.2 (OpenSSL negotiates TLSv1.2 or TLSv1.3); a list without TLSv1.2 is an error, it cannot be enforced",
        ),
    ),
    ("ssl.protocol", Rule::JavaOnly),
    (
        "ssl.cipher.suites",
        Rule::Translated(
            "IANA names turned into OpenSSL names for `ssl.cipher.suites`; TLS 1.3 suites are OpenSSL's defaults",
        ),
    ),
    ("ssl.keymanager.algorithm", Rule::JavaOnly),
    ("ssl.trustmanager.algorithm", Rule::JavaOnly),
    ("ssl.secure.random.implementation", Rule::JavaOnly),
    ("ssl.provider", Rule::JavaOnly),
    ("ssl.client.auth", Rule::JavaOnly),
    (
        "ssl.engine.factory.class",
        Rule::Unsupported("a Java SSL engine class cannot run in librdkafka"),
    ),
    ("sasl.mechanism", Rule::Rename("sasl.mechanisms")),
    (
        "sasl.jaas.config",
        Rule::Translated(
            "parsed: Plain/ScramLoginModule → `sasl.username`/`sasl.password`; OAuthBearerLoginModule → OIDC client credentials; Krb5LoginModule → `sasl.kerberos.keytab`/`sasl.kerberos.principal`",
        ),
    ),
    ("sasl.kerberos.service.name", Rule::Same),
    ("sasl.kerberos.min.time.before.relogin", Rule::Same),
    ("sasl.kerberos.kinit.cmd", Rule::JavaOnly),
    ("sasl.kerberos.ticket.renew.jitter", Rule::JavaOnly),
    ("sasl.kerberos.ticket.renew.window.factor", Rule::JavaOnly),
    (
        "sasl.oauthbearer.token.endpoint.url",
        Rule::Translated(
            "`sasl.oauthbearer.token.endpoint.url` with `sasl.oauthbearer.method=oidc`",
        ),
    ),
    ("sasl.oauthbearer.scope.claim.name", Rule::JavaOnly),
    ("sasl.oauthbearer.sub.claim.name", Rule::JavaOnly),
    (
        "sasl.login.class",
        Rule::Unsupported("a Java login class cannot run in librdkafka"),
    ),
    (
        "sasl.login.callback.handler.class",
        Rule::Unsupported("a Java callback handler cannot run in librdkafka"),
    ),
    (
        "sasl.client.callback.handler.class",
        Rule::Unsupported("a Java callback handler cannot run in librdkafka"),
    ),
    ("sasl.login.refresh.window.factor", Rule::JavaOnly),
    ("sasl.login.refresh.window.jitter", Rule::JavaOnly),
    ("sasl.login.refresh.min.period.seconds", Rule::JavaOnly),
    ("sasl.login.refresh.buffer.seconds", Rule::JavaOnly),
    ("security.providers", Rule::JavaOnly),
    ("acks", Rule::Same),
    ("enable.idempotence", Rule::Same),
    (
        "compression.type",
        Rule::Translated(
            "checked as Apache checks it (`none`, `gzip`, `snappy`, `lz4` or `zstd`, case-sensitive; anything else is Apache's `Invalid value ... String must be one of` error), then passed to librdkafka under the same name",
        ),
    ),
    (
        "compression.gzip.level",
        Rule::Translated(
            "the level of the codec `compression.type` names becomes librdkafka's `compression.level` (which takes -1 to 12; a level outside is an error); the levels of other codecs do not apply, as in Java",
        ),
    ),
    (
        "compression.lz4.level",
        Rule::Translated(
            "the level of the codec `compression.type` names becomes librdkafka's `compression.level` (which takes -1 to 12; a level outside is an error); the levels of other codecs do not apply, as in Java",
        ),
    ),
    (
        "compression.zstd.level",
        Rule::Translated(
            "the level of the codec `compression.type` names becomes librdkafka's `compression.level` (which takes -1 to 12; a level outside is an error); the levels of other codecs do not apply, as in Java",
        ),
    ),
    ("linger.ms", Rule::Same),
    ("batch.size", Rule::Same),
    (
        "buffer.memory",
        Rule::Translated("bytes → KiB in `queue.buffering.max.kbytes`"),
    ),
    ("max.request.size", Rule::Rename("message.max.bytes")),
    ("delivery.timeout.ms", Rule::Rename("message.timeout.ms")),
    (
        "request.timeout.ms",
        Rule::Translated("producer: `request.timeout.ms`; consumer and admin: `socket.timeout.ms`"),
    ),
    ("retries", Rule::Same),
    ("retry.backoff.ms", Rule::Same),
    ("retry.backoff.max.ms", Rule::Same),
    ("reconnect.backoff.ms", Rule::Same),
    ("reconnect.backoff.max.ms", Rule::Same),
    ("max.in.flight.requests.per.connection", Rule::Same),
    ("transactional.id", Rule::Same),
    ("transaction.timeout.ms", Rule::Same),
    ("metadata.max.age.ms", Rule::Same),
    ("connections.max.idle.ms", Rule::Same),
    (
        "send.buffer.bytes",
        Rule::Rename("socket.send.buffer.bytes"),
    ),
    (
        "receive.buffer.bytes",
        Rule::Rename("socket.receive.buffer.bytes"),
    ),
    ("client.rack", Rule::Same),
    ("group.id", Rule::Same),
    ("group.instance.id", Rule::Same),
    ("session.timeout.ms", Rule::Same),
    ("heartbeat.interval.ms", Rule::Same),
    ("max.poll.interval.ms", Rule::Same),
    (
        "max.poll.records",
        Rule::Translated("the sink's largest `put` batch (default 500)"),
    ),
    ("fetch.min.bytes", Rule::Same),
    ("fetch.max.bytes", Rule::Same),
    ("fetch.max.wait.ms", Rule::Rename("fetch.wait.max.ms")),
    ("max.partition.fetch.bytes", Rule::Same),
    ("isolation.level", Rule::Same),
    (
        "auto.offset.reset",
        Rule::Translated("`earliest`/`latest` as they are; `none` → `error`"),
    ),
    ("enable.auto.commit", Rule::Same),
    ("auto.commit.interval.ms", Rule::Same),
    ("check.crcs", Rule::Same),
    ("allow.auto.create.topics", Rule::Same),
    (
        "partition.assignment.strategy",
        Rule::Translated("Java assignor classes → `range`, `roundrobin`, `cooperative-sticky`"),
    ),
    ("key.serializer", Rule::JavaOnly),
    ("value.serializer", Rule::JavaOnly),
    ("key.deserializer", Rule::JavaOnly),
    ("value.deserializer", Rule::JavaOnly),
    ("max.block.ms", Rule::JavaOnly),
    ("default.api.timeout.ms", Rule::JavaOnly),
    ("metric.reporters", Rule::JavaOnly),
    ("metrics.num.samples", Rule::JavaOnly),
    ("metrics.sample.window.ms", Rule::JavaOnly),
    ("metrics.recording.level", Rule::JavaOnly),
    ("auto.include.jmx.reporter", Rule::JavaOnly),
    ("partitioner.class", Rule::JavaOnly),
    (
        "interceptor.classes",
        Rule::Unsupported("Java interceptors can change records and cannot run in librdkafka"),
    ),
];

/// A setting that cannot be used; messages name the key, never a secret value.
#[derive(Debug, thiserror::Error)]
pub enum ClientConfigError {
    #[error("Invalid value for configuration {key}: {reason}")]
    Invalid { key: String, reason: String },
    #[error("Configuration {key} is not supported by Tributary: {reason}")]
    Unsupported { key: String, reason: &'static str },
    #[error("Invalid value for configuration sasl.jaas.config: {0}")]
    Jaas(#[from] JaasError),
    #[error(transparent)]
    Security(#[from] SecurityError),
    /// A value Apache's own validator refuses, with Apache's message.
    #[error(transparent)]
    Apache(#[from] ConfigError),
}

/// A translated client configuration.
pub struct Translated {
    /// librdkafka's settings.
    pub config: ClientConfig,
    /// `max.poll.records`, for the sink's batch size.
    pub max_poll_records: Option<usize>,
    /// Java-only keys that were ignored.
    pub ignored: Vec<String>,
}

fn rule(key: &str) -> Option<Rule> {
    TABLE.iter().find(|(k, _)| *k == key).map(|(_, r)| *r)
}

/// Whether a top-level worker key is a client setting that reaches every client the
/// worker makes. The worker's own keys that share a client key's name are not:
/// `bootstrap.servers` is passed separately, `client.id` names the worker, and the group
/// keys belong to a distributed worker's group, not to sink consumers' groups.
pub fn is_client_key(key: &str) -> bool {
    const WORKER_KEYS: &[&str] = &[
        "bootstrap.servers",
        "client.id",
        "group.id",
        "group.instance.id",
        "session.timeout.ms",
        "heartbeat.interval.ms",
        "rebalance.timeout.ms",
    ];
    !WORKER_KEYS.contains(&key)
        && (rule(key).is_some() || key.starts_with("ssl.") || key.starts_with("sasl."))
}

fn invalid(key: &str, reason: impl Into<String>) -> ClientConfigError {
    ClientConfigError::Invalid {
        key: key.to_owned(),
        reason: reason.into(),
    }
}

/// Translates merged Java settings for one client.
pub fn translate(
    kind: ClientKind,
    settings: &BTreeMap<String, String>,
) -> Result<Translated, ClientConfigError> {
    let mut config = ClientConfig::new();
    let mut ignored = Vec::new();
    let mut max_poll_records = None;
    let get = |key: &str| settings.get(key).map(String::as_str);
    for (key, value) in settings {
        match rule(key) {
            None | Some(Rule::Same) => {
                config.set(key, value);
            }
            Some(Rule::Rename(to)) => {
                config.set(to, value);
            }
            Some(Rule::JavaOnly) => ignored.push(key.clone()),
            Some(Rule::Unsupported(reason)) => {
                if !value.trim().is_empty() {
                    return Err(ClientConfigError::Unsupported {
                        key: key.clone(),
                        reason,
                    });
                }
            }
            Some(Rule::Translated(_)) => match key.as_str() {
                "security.protocol" => {
                    config.set(key, value.trim().to_ascii_lowercase());
                }
                "compression.type" => {
                    config.set(key, compression_type(value)?);
                }
                "compression.gzip.level" | "compression.lz4.level" | "compression.zstd.level" => {
                    if let Some(level) = compression_level(key, value, get("compression.type"))? {
                        config.set("compression.level", level.to_string());
                    }
                }
                "buffer.memory" => {
                    config.set("queue.buffering.max.kbytes", buffer_memory_kbytes(value));
                }
                "request.timeout.ms" => {
                    let to = match kind {
                        ClientKind::Producer => "request.timeout.ms",
                        ClientKind::Consumer | ClientKind::Admin => "socket.timeout.ms",
                    };
                    config.set(to, value);
                }
                "max.poll.records" => {
                    let n: usize = value
                        .trim()
                        .parse()
                        .ok()
                        .filter(|n| *n >= 1)
                        .ok_or_else(|| invalid(key, "Value must be at least 1"))?;
                    max_poll_records = Some(n);
                }
                "auto.offset.reset" => {
                    let v = match value.trim() {
                        "none" => "error",
                        other => other,
                    };
                    config.set(key, v);
                }
                "partition.assignment.strategy" => {
                    config.set(key, assignors(value)?);
                }
                "ssl.endpoint.identification.algorithm" => {
                    let v = match value.trim().to_ascii_lowercase().as_str() {
                        "" => "none",
                        "https" => "https",
                        _ => return Err(invalid(key, "must be https or empty")),
                    };
                    config.set(key, v);
                }
                // OpenSSL negotiates TLSv1.2 or TLSv1.3 and librdkafka cannot narrow it: a
                // list without TLSv1.2 asks for what cannot be enforced.
                "ssl.enabled.protocols" if !value.split(',').any(|p| p.trim() == "TLSv1.2") => {
                    return Err(invalid(
                        key,
                        "librdkafka cannot restrict TLS versions; list TLSv1.2 (it negotiates TLSv1.2 or TLSv1.3)",
                    ));
                }
                "ssl.cipher.suites" => {
                    if let Some(list) = cipher_list(value)? {
                        config.set(key, list);
                    }
                }
                "sasl.oauthbearer.token.endpoint.url" => {
                    config.set(key, value);
                    config.set("sasl.oauthbearer.method", "oidc");
                }
                // The stores, their passwords and `sasl.jaas.config` are read as groups below.
                _ => {}
            },
        }
    }
    stores(&get, &mut config)?;
    if let Some(text) = get("sasl.jaas.config").filter(|t| !t.trim().is_empty()) {
        jaas_settings(text, &mut config)?;
    }
    Ok(Translated {
        config,
        max_poll_records,
        ignored,
    })
}

/// The codecs Apache's producer knows (`CompressionType`), in its order.
const CODECS: [&str; 5] = ["none", "gzip", "snappy", "lz4", "zstd"];

/// `compression.type`, checked with Apache's validator (`ValidString.in`, after the
/// trimming of a STRING key). librdkafka would also refuse an unknown codec, but only
/// when the client is created, naming its own key (`compression.codec`) and accepting
/// what Apache refuses (`GZIP`); the same worker file must fail the same way on both.
fn compression_type(value: &str) -> Result<&str, ClientConfigError> {
    let value = java_trim(value);
    Validator::one_of(&CODECS).ensure_valid(
        "compression.type",
        Some(&ParsedValue::String(value.to_owned())),
    )?;
    Ok(value)
}

/// The `compression.<codec>.level` setting as librdkafka's `compression.level`, when
/// `<codec>` is the one `compression.type` chooses (Java reads only that codec's level).
fn compression_level(
    key: &str,
    value: &str,
    compression_type: Option<&str>,
) -> Result<Option<i32>, ClientConfigError> {
    let level: i32 = java_trim(value)
        .parse()
        .map_err(|_| invalid(key, "Not a number of type INT"))?;
    let codec = key
        .strip_prefix("compression.")
        .and_then(|k| k.strip_suffix(".level"));
    if codec != compression_type.map(java_trim) {
        return Ok(None);
    }
    if !(-1..=12).contains(&level) {
        return Err(invalid(
            key,
            "librdkafka's compression.level takes -1 (the codec's default) to 12",
        ));
    }
    Ok(Some(level))
}

/// `buffer.memory` in KiB, at least 1 (librdkafka's minimum). A value that is not a
/// number is passed on as it is, so librdkafka refuses it and names the setting.
fn buffer_memory_kbytes(bytes: &str) -> String {
    match bytes.trim().parse::<u64>() {
        Ok(bytes) => (bytes / 1024).clamp(1, i32::MAX as u64).to_string(),
        Err(_) => bytes.to_owned(),
    }
}

fn assignors(value: &str) -> Result<String, ClientConfigError> {
    let mut out = Vec::new();
    for class in value.split(',').map(str::trim).filter(|c| !c.is_empty()) {
        let name = match class.rsplit('.').next().unwrap_or(class) {
            "RangeAssignor" | "range" => "range",
            "RoundRobinAssignor" | "roundrobin" => "roundrobin",
            "CooperativeStickyAssignor" | "cooperative-sticky" => "cooperative-sticky",
            _ => {
                return Err(invalid(
                    "partition.assignment.strategy",
                    format!(
                        "{class} has no librdkafka counterpart (range, roundrobin, cooperative-sticky)"
                    ),
                ));
            }
        };
        out.push(name);
    }
    Ok(out.join(","))
}

/// Java (IANA) cipher suite names as an OpenSSL cipher list; `None` when only TLS 1.3
/// suites are listed (OpenSSL enables those by default and librdkafka sets no TLS 1.3
/// suite list).
fn cipher_list(value: &str) -> Result<Option<String>, ClientConfigError> {
    let mut out = Vec::new();
    for name in value.split(',').map(str::trim).filter(|c| !c.is_empty()) {
        if matches!(
            name,
            "TLS_AES_128_GCM_SHA256" | "TLS_AES_256_GCM_SHA384" | "TLS_CHACHA20_POLY1305_SHA256"
        ) {
            continue;
        }
        let openssl_name = openssl::ssl::cipher_name(name);
        if openssl_name == "(NONE)" {
            return Err(invalid(
                "ssl.cipher.suites",
                format!("{name} is not a cipher suite OpenSSL knows"),
            ));
        }
        out.push(openssl_name.to_owned());
    }
    Ok((!out.is_empty()).then(|| out.join(":")))
}

/// The truststore and keystore settings, as librdkafka's.
fn stores<'a>(
    get: &impl Fn(&str) -> Option<&'a str>,
    config: &mut ClientConfig,
) -> Result<(), ClientConfigError> {
    let present = |key: &str| get(key).filter(|v| !v.trim().is_empty());
    if let Some(location) = present("ssl.truststore.location") {
        let store_type = StoreType::parse("ssl.truststore.type", get("ssl.truststore.type"))?;
        match store_type {
            StoreType::Pem => {
                config.set("ssl.ca.location", location);
            }
            _ => {
                let password = get("ssl.truststore.password").unwrap_or_default();
                let text = security::truststore_pem(location, password, store_type)?;
                config.set("ssl.ca.pem", text);
            }
        }
    }
    let key_password = present("ssl.key.password");
    if let Some(location) = present("ssl.keystore.location") {
        let store_type = StoreType::parse("ssl.keystore.type", get("ssl.keystore.type"))?;
        let password = get("ssl.keystore.password").unwrap_or_default();
        match store_type {
            StoreType::Pkcs12 => {
                config.set("ssl.keystore.location", location);
                config.set("ssl.keystore.password", password);
            }
            StoreType::Jks => {
                let pair = security::jks_key_pair(location, password, key_password)?;
                config.set("ssl.certificate.pem", pair.certificate_chain);
                config.set("ssl.key.pem", pair.private_key);
            }
            StoreType::Pem => {
                config.set("ssl.certificate.location", location);
                config.set("ssl.key.location", location);
                if let Some(key_password) = key_password {
                    config.set("ssl.key.password", key_password);
                }
            }
        }
    } else if let Some(key_password) = key_password {
        // With inline `ssl.keystore.key`, the password decrypts that key.
        config.set("ssl.key.password", key_password);
    }
    Ok(())
}

const PLAIN: &str = "org.apache.kafka.common.security.plain.PlainLoginModule";
const SCRAM: &str = "org.apache.kafka.common.security.scram.ScramLoginModule";
const OAUTH: &str = "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule";
/// The pre-3.1 package name of the OAuth module, still accepted by Apache.
const OAUTH_OLD: &str =
    "org.apache.kafka.common.security.oauthbearer.internals.OAuthBearerLoginModule";
const KRB5: &str = "com.sun.security.auth.module.Krb5LoginModule";

/// `sasl.jaas.config` as librdkafka's SASL settings.
fn jaas_settings(text: &str, config: &mut ClientConfig) -> Result<(), ClientConfigError> {
    let entry = jaas::parse(text)?;
    let option = |name: &str| entry.options.get(name).map(String::as_str);
    let required = |name: &str| {
        option(name).ok_or_else(|| {
            invalid(
                "sasl.jaas.config",
                format!("{} requires option {name}", entry.login_module),
            )
        })
    };
    match entry.login_module.as_str() {
        PLAIN | SCRAM => {
            config.set("sasl.username", required("username")?);
            config.set("sasl.password", required("password")?);
        }
        OAUTH | OAUTH_OLD => {
            if let Some(client_id) = option("clientId") {
                config.set("sasl.oauthbearer.method", "oidc");
                config.set("sasl.oauthbearer.client.id", client_id);
                config.set("sasl.oauthbearer.client.secret", required("clientSecret")?);
                if let Some(scope) = option("scope") {
                    config.set("sasl.oauthbearer.scope", scope);
                }
                let extensions: Vec<String> = entry
                    .options
                    .iter()
                    .filter_map(|(k, v)| k.strip_prefix("extension_").map(|k| format!("{k}={v}")))
                    .collect();
                if !extensions.is_empty() {
                    config.set("sasl.oauthbearer.extensions", extensions.join(","));
                }
            } else if let Some(sub) = option("unsecuredLoginStringClaim_sub") {
                // Apache's unsecured (test) tokens: librdkafka's builtin unsecure JWT.
                config.set("enable.sasl.oauthbearer.unsecure.jwt", "true");
                config.set("sasl.oauthbearer.config", format!("principal={sub}"));
            } else {
                return Err(invalid(
                    "sasl.jaas.config",
                    "OAuthBearerLoginModule needs clientId and clientSecret (with sasl.oauthbearer.token.endpoint.url) or unsecuredLoginStringClaim_sub",
                ));
            }
        }
        KRB5 => {
            if let Some(keytab) = option("keyTab") {
                config.set("sasl.kerberos.keytab", keytab);
            }
            if let Some(principal) = option("principal") {
                config.set("sasl.kerberos.principal", principal);
            }
        }
        other => {
            return Err(invalid(
                "sasl.jaas.config",
                format!(
                    "login module {other} is not supported (Plain, Scram, OAuthBearer and Krb5 are)"
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn translate_pairs(kind: ClientKind, pairs: &[(&str, &str)]) -> Translated {
        translate(kind, &crate::fixtures::string_map(pairs)).unwrap()
    }

    fn error(kind: ClientKind, pairs: &[(&str, &str)]) -> String {
        match translate(kind, &crate::fixtures::string_map(pairs)) {
            Ok(_) => panic!("expected an error for {pairs:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn renamed_and_same_keys() {
        let t = translate_pairs(
            ClientKind::Producer,
            &[
                ("delivery.timeout.ms", "120000"),
                ("max.request.size", "2000000"),
                ("request.timeout.ms", "30000"),
                ("metadata.max.age.ms", "1000"),
                ("linger.ms", "7"),
                ("batch.size", "16384"),
                ("acks", "all"),
                ("enable.idempotence", "true"),
                ("compression.type", "zstd"),
                ("client.id", "c"),
                ("sasl.mechanism", "SCRAM-SHA-512"),
                ("security.protocol", "SASL_SSL"),
            ],
        );
        let c = &t.config;
        assert_eq!(c.get("message.timeout.ms"), Some("120000"));
        assert_eq!(c.get("message.max.bytes"), Some("2000000"));
        assert_eq!(c.get("request.timeout.ms"), Some("30000"));
        assert_eq!(c.get("metadata.max.age.ms"), Some("1000"));
        assert_eq!(c.get("linger.ms"), Some("7"));
        assert_eq!(c.get("batch.size"), Some("16384"));
        assert_eq!(c.get("acks"), Some("all"));
        assert_eq!(c.get("enable.idempotence"), Some("true"));
        assert_eq!(c.get("compression.type"), Some("zstd"));
        assert_eq!(c.get("client.id"), Some("c"));
        assert_eq!(c.get("sasl.mechanisms"), Some("SCRAM-SHA-512"));
        assert_eq!(c.get("security.protocol"), Some("sasl_ssl"));
        assert_eq!(c.get("delivery.timeout.ms"), None);
    }

    /// Apache's five codecs reach librdkafka (which takes each); anything else is refused
    /// before any client exists, with the message Apache's `ProducerConfig` gives.
    #[test]
    fn the_chosen_codecs_level_becomes_compression_level() {
        let t = translate_pairs(
            ClientKind::Producer,
            &[
                ("compression.type", "zstd"),
                ("compression.zstd.level", "7"),
                ("compression.gzip.level", "2"),
            ],
        );
        assert_eq!(t.config.get("compression.level"), Some("7"));
        // librdkafka takes the setting as it is written (no broker needed to create).
        t.config
            .create::<rdkafka::producer::BaseProducer>()
            .expect("librdkafka accepts compression.level");
        let t = translate_pairs(ClientKind::Producer, &[("compression.gzip.level", "2")]);
        assert_eq!(t.config.get("compression.level"), None);
        let refused = error(
            ClientKind::Producer,
            &[("compression.type", "lz4"), ("compression.lz4.level", "17")],
        );
        assert!(refused.contains("compression.lz4.level"), "{refused}");
    }

    #[test]
    fn compression_types_are_checked_as_apache_checks_them() {
        for codec in CODECS {
            let t = translate_pairs(ClientKind::Producer, &[("compression.type", codec)]);
            assert_eq!(t.config.get("compression.type"), Some(codec));
            t.config
                .create::<rdkafka::producer::BaseProducer>()
                .unwrap_or_else(|e| panic!("librdkafka refuses {codec}: {e}"));
        }
        let t = translate_pairs(ClientKind::Producer, &[("compression.type", " zstd ")]);
        assert_eq!(t.config.get("compression.type"), Some("zstd"));
        for (value, shown) in [("brotli", "brotli"), ("GZIP", "GZIP"), ("", "")] {
            assert_eq!(
                error(ClientKind::Producer, &[("compression.type", value)]),
                format!(
                    "Invalid value {shown} for configuration compression.type: String must be one of: none, gzip, snappy, lz4, zstd"
                )
            );
        }
    }

    #[test]
    fn consumer_keys() {
        let t = translate_pairs(
            ClientKind::Consumer,
            &[
                ("max.poll.records", "42"),
                ("max.poll.interval.ms", "300000"),
                ("fetch.min.bytes", "10"),
                ("fetch.max.wait.ms", "100"),
                ("max.partition.fetch.bytes", "1048576"),
                ("isolation.level", "read_committed"),
                ("auto.offset.reset", "none"),
                ("request.timeout.ms", "20000"),
                (
                    "partition.assignment.strategy",
                    "org.apache.kafka.clients.consumer.CooperativeStickyAssignor",
                ),
            ],
        );
        let c = &t.config;
        assert_eq!(t.max_poll_records, Some(42));
        assert_eq!(c.get("max.poll.records"), None);
        assert_eq!(c.get("max.poll.interval.ms"), Some("300000"));
        assert_eq!(c.get("fetch.min.bytes"), Some("10"));
        assert_eq!(c.get("fetch.wait.max.ms"), Some("100"));
        assert_eq!(c.get("max.partition.fetch.bytes"), Some("1048576"));
        assert_eq!(c.get("isolation.level"), Some("read_committed"));
        assert_eq!(c.get("auto.offset.reset"), Some("error"));
        assert_eq!(c.get("socket.timeout.ms"), Some("20000"));
        assert_eq!(c.get("request.timeout.ms"), None);
        assert_eq!(
            c.get("partition.assignment.strategy"),
            Some("cooperative-sticky")
        );
        assert!(
            error(ClientKind::Consumer, &[("max.poll.records", "0")]).contains("max.poll.records")
        );
        assert!(
            error(
                ClientKind::Consumer,
                &[("partition.assignment.strategy", "com.x.Mine")]
            )
            .contains("com.x.Mine")
        );
    }

    #[test]
    fn java_only_are_listed_and_unsupported_fail() {
        let t = translate_pairs(
            ClientKind::Producer,
            &[
                ("key.serializer", "x"),
                ("max.block.ms", "1"),
                ("linger.ms", "7"),
            ],
        );
        assert_eq!(t.ignored, vec!["key.serializer", "max.block.ms"]);
        assert_eq!(t.config.get("key.serializer"), None);
        let err = error(ClientKind::Producer, &[("interceptor.classes", "com.x.I")]);
        assert!(err.contains("interceptor.classes"), "{err}");
        let err = error(
            ClientKind::Producer,
            &[("sasl.login.callback.handler.class", "X")],
        );
        assert!(err.contains("not supported"), "{err}");
        // Empty means unset in Java.
        translate_pairs(ClientKind::Producer, &[("interceptor.classes", "")]);
    }

    #[test]
    fn tls_settings() {
        let t = translate_pairs(
            ClientKind::Admin,
            &[
                ("ssl.endpoint.identification.algorithm", ""),
                ("ssl.enabled.protocols", "TLSv1.2,TLSv1.3"),
                (
                    "ssl.cipher.suites",
                    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_AES_128_GCM_SHA256",
                ),
                ("ssl.truststore.certificates", "-----BEGIN CERTIFICATE-----"),
                ("ssl.keystore.certificate.chain", "CHAIN"),
                ("ssl.keystore.key", "KEY"),
                ("ssl.key.password", "kp"),
            ],
        );
        let c = &t.config;
        assert_eq!(c.get("ssl.endpoint.identification.algorithm"), Some("none"));
        assert_eq!(
            c.get("ssl.cipher.suites"),
            Some("ECDHE-RSA-AES128-GCM-SHA256")
        );
        assert_eq!(c.get("ssl.ca.pem"), Some("-----BEGIN CERTIFICATE-----"));
        assert_eq!(c.get("ssl.certificate.pem"), Some("CHAIN"));
        assert_eq!(c.get("ssl.key.pem"), Some("KEY"));
        assert_eq!(c.get("ssl.key.password"), Some("kp"));
        assert_eq!(c.get("ssl.enabled.protocols"), None);
        let https = translate_pairs(
            ClientKind::Admin,
            &[("ssl.endpoint.identification.algorithm", "HTTPS")],
        );
        assert_eq!(
            https.config.get("ssl.endpoint.identification.algorithm"),
            Some("https")
        );
        assert!(
            error(ClientKind::Admin, &[("ssl.enabled.protocols", "TLSv1.3")]).contains("TLSv1.2")
        );
        assert!(
            error(ClientKind::Admin, &[("ssl.cipher.suites", "TLS_NOPE")]).contains("TLS_NOPE")
        );
    }

    #[test]
    fn stores_by_type() {
        let (cert, key) = super::security::tests::self_signed("ca");
        let dir = tempfile::tempdir().unwrap();
        let jks = dir.path().join("t.jks");
        std::fs::write(
            &jks,
            super::security::tests::jks_truststore(&cert, "changeit"),
        )
        .unwrap();
        let p12 = dir.path().join("k.p12");
        let store = openssl::pkcs12::Pkcs12::builder()
            .name("k")
            .pkey(&key)
            .cert(&cert)
            .build2("pw")
            .unwrap();
        std::fs::write(&p12, store.to_der().unwrap()).unwrap();
        let t = translate_pairs(
            ClientKind::Producer,
            &[
                ("ssl.truststore.location", jks.to_str().unwrap()),
                ("ssl.truststore.password", "changeit"),
                ("ssl.keystore.location", p12.to_str().unwrap()),
                ("ssl.keystore.password", "pw"),
                ("ssl.keystore.type", "PKCS12"),
            ],
        );
        assert!(
            t.config
                .get("ssl.ca.pem")
                .unwrap()
                .contains("BEGIN CERTIFICATE")
        );
        assert_eq!(t.config.get("ssl.truststore.location"), None);
        assert_eq!(t.config.get("ssl.keystore.location"), p12.to_str());
        assert_eq!(t.config.get("ssl.keystore.password"), Some("pw"));
        // librdkafka accepts the result.
        t.config
            .create::<rdkafka::producer::BaseProducer>()
            .unwrap();

        let pem = translate_pairs(
            ClientKind::Producer,
            &[
                ("ssl.truststore.location", "/ca.pem"),
                ("ssl.truststore.type", "PEM"),
                ("ssl.keystore.location", "/k.pem"),
                ("ssl.keystore.type", "PEM"),
                ("ssl.key.password", "kp"),
            ],
        );
        assert_eq!(pem.config.get("ssl.ca.location"), Some("/ca.pem"));
        assert_eq!(pem.config.get("ssl.certificate.location"), Some("/k.pem"));
        assert_eq!(pem.config.get("ssl.key.location"), Some("/k.pem"));
        assert_eq!(pem.config.get("ssl.key.password"), Some("kp"));
        let err = error(
            ClientKind::Producer,
            &[("ssl.truststore.location", "/nope.jks")],
        );
        assert!(
            err.contains("ssl.truststore.location") && err.contains("/nope.jks"),
            "{err}"
        );
    }

    #[test]
    fn jaas_modules() {
        let scram = translate_pairs(
            ClientKind::Producer,
            &[(
                "sasl.jaas.config",
                r#"org.apache.kafka.common.security.scram.ScramLoginModule required username="u" password="p w";"#,
            )],
        );
        assert_eq!(scram.config.get("sasl.username"), Some("u"));
        assert_eq!(scram.config.get("sasl.password"), Some("p w"));
        assert_eq!(scram.config.get("sasl.jaas.config"), None);

        let oauth = translate_pairs(
            ClientKind::Producer,
            &[
                (
                    "sasl.jaas.config",
                    r#"org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required clientId="id" clientSecret="s" scope="kafka" extension_tenant="t1";"#,
                ),
                ("sasl.oauthbearer.token.endpoint.url", "https://idp/token"),
            ],
        );
        let c = &oauth.config;
        assert_eq!(c.get("sasl.oauthbearer.method"), Some("oidc"));
        assert_eq!(c.get("sasl.oauthbearer.client.id"), Some("id"));
        assert_eq!(c.get("sasl.oauthbearer.client.secret"), Some("s"));
        assert_eq!(c.get("sasl.oauthbearer.scope"), Some("kafka"));
        assert_eq!(c.get("sasl.oauthbearer.extensions"), Some("tenant=t1"));
        assert_eq!(
            c.get("sasl.oauthbearer.token.endpoint.url"),
            Some("https://idp/token")
        );

        let krb = translate_pairs(
            ClientKind::Consumer,
            &[
                (
                    "sasl.jaas.config",
                    r#"com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true storeKey=true keyTab="/k.keytab" principal="svc@REALM";"#,
                ),
                ("sasl.kerberos.service.name", "kafka"),
            ],
        );
        assert_eq!(krb.config.get("sasl.kerberos.keytab"), Some("/k.keytab"));
        assert_eq!(krb.config.get("sasl.kerberos.principal"), Some("svc@REALM"));
        assert_eq!(krb.config.get("sasl.kerberos.service.name"), Some("kafka"));

        let err = error(
            ClientKind::Producer,
            &[("sasl.jaas.config", "com.x.Custom required;")],
        );
        assert!(err.contains("com.x.Custom"), "{err}");
        let err = error(
            ClientKind::Producer,
            &[(
                "sasl.jaas.config",
                r#"org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="secret""#,
            )],
        );
        assert!(
            err.contains("semi-colon") && !err.contains("secret"),
            "{err}"
        );
        let err = error(
            ClientKind::Producer,
            &[(
                "sasl.jaas.config",
                r#"org.apache.kafka.common.security.plain.PlainLoginModule required username="u";"#,
            )],
        );
        assert!(err.contains("password"), "{err}");
    }

    #[test]
    fn top_level_client_keys() {
        assert!(is_client_key("security.protocol"));
        assert!(is_client_key("ssl.truststore.location"));
        assert!(is_client_key("sasl.jaas.config"));
        assert!(is_client_key("metadata.max.age.ms"));
        assert!(!is_client_key("group.id"));
        assert!(!is_client_key("bootstrap.servers"));
        assert!(!is_client_key("offset.flush.interval.ms"));
        assert!(!is_client_key("key.converter"));
    }

    #[test]
    fn every_table_key_is_documented() {
        let doc = include_str!("../../../docs/compatibility.md");
        for (key, _) in TABLE {
            assert!(
                doc.contains(&format!("`{key}`")),
                "{key} missing from docs/compatibility.md"
            );
        }
    }
}
