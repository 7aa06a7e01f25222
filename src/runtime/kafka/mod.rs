//! Kafka client configuration shared by every client the worker makes: source
//! producers, sink consumers, the dead-letter queue's producer and admin client, the
//! offsets store's clients and the cluster-id lookup.
//!
//! Users bring Java client settings (top-level and `producer.*`, `consumer.*`, `admin.*`
//! in the worker config, `*.override.*` in connector configs). `keys` translates them
//! into librdkafka's in one place (table in `docs/compatibility.md`), `security` reads
//! the JKS/PKCS#12 stores and `jaas` parses `sasl.jaas.config`. Anything librdkafka
//! still rejects fails with its own message naming the key.

use std::collections::BTreeMap;

use rdkafka::ClientConfig;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};

mod jaas;
mod keys;
mod security;

pub use keys::{ClientConfigError, ClientKind, Translated, is_client_key};

/// The Java producer's `buffer.memory` (bytes the producer may hold unsent) is
/// librdkafka's `queue.buffering.max.kbytes` (KiB of queued messages).
const BUFFER_MEMORY: &str = "buffer.memory";
#[cfg(test)]
const QUEUE_MAX_KBYTES: &str = "queue.buffering.max.kbytes";

/// The Java producer's default `buffer.memory`, 32 MiB.
const DEFAULT_BUFFER_MEMORY: u64 = 32 * 1024 * 1024;

/// Merges Java settings (later maps win, as Apache's `putAll` order) and translates them
/// for one client; Java-only keys are named in one warning.
pub fn translate_client<'a>(
    kind: ClientKind,
    bootstrap_servers: &str,
    settings: impl IntoIterator<Item = &'a BTreeMap<String, String>>,
) -> Result<Translated, ClientConfigError> {
    let mut merged = BTreeMap::new();
    for map in settings {
        merged.extend(map.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    merged.insert("bootstrap.servers".to_owned(), bootstrap_servers.to_owned());
    let translated = keys::translate(kind, &merged)?;
    if !translated.ignored.is_empty() {
        tracing::warn!(
            client = ?kind,
            keys = translated.ignored.join(", "),
            "ignoring Java-client-only settings that have no meaning for librdkafka"
        );
    }
    Ok(translated)
}

/// The librdkafka config of [`translate_client`].
pub fn client_config<'a>(
    kind: ClientKind,
    bootstrap_servers: &str,
    settings: impl IntoIterator<Item = &'a BTreeMap<String, String>>,
) -> Result<ClientConfig, ClientConfigError> {
    translate_client(kind, bootstrap_servers, settings).map(|t| t.config)
}

/// Why a client cannot work at all with its security settings: librdkafka reports a
/// rejected login as `_AUTHENTICATION` (or the broker's `SASL_AUTHENTICATION_FAILED`) and
/// a failed TLS handshake (untrusted certificate, hostname mismatch) as `_SSL`. Retrying
/// cannot help; the caller fails with this text instead of waiting for a broker.
pub fn security_failure(error: &KafkaError, reason: &str) -> Option<String> {
    let what = match error.rdkafka_error_code()? {
        RDKafkaErrorCode::Authentication | RDKafkaErrorCode::SaslAuthenticationFailed => {
            AUTHENTICATION_FAILED
        }
        RDKafkaErrorCode::SSL => TLS_FAILED,
        _ => return None,
    };
    Some(explained(what, reason))
}

const AUTHENTICATION_FAILED: &str =
    "Kafka authentication failed (check the SASL mechanism, user and password in sasl.jaas.config)";
const TLS_FAILED: &str = "TLS handshake with Kafka failed (untrusted broker certificate, hostname mismatch or a client certificate the broker refuses; check ssl.truststore.*, ssl.keystore.* and ssl.endpoint.identification.algorithm)";

fn explained(what: &str, reason: &str) -> String {
    if reason.is_empty() {
        what.to_owned()
    } else {
        format!("{what}: {reason}")
    }
}

/// The same failures seen in librdkafka's `FAIL` log lines: a broker connection that
/// fails authentication or the TLS handshake is logged there even when no error event
/// reaches the client (librdkafka raises an error event only once all brokers are down).
/// The log text carries no secrets.
pub fn security_failure_in_log(facility: &str, message: &str) -> Option<String> {
    if facility != "FAIL" {
        return None;
    }
    let what = if message.contains("SASL authentication error") {
        AUTHENTICATION_FAILED
    } else if message.contains("SSL handshake failed")
        || message.contains("certificate verify failed")
    {
        TLS_FAILED
    } else {
        return None;
    };
    Some(explained(what, message))
}

/// A client context that keeps the first security failure librdkafka reports (errors are
/// still logged as rdkafka's default context does).
#[derive(Default)]
pub struct SecurityFailures {
    first: std::sync::Mutex<Option<String>>,
}

impl SecurityFailures {
    /// The first authentication or TLS failure seen, if any.
    pub fn failure(&self) -> Option<String> {
        self.first.lock().map(|f| f.clone()).unwrap_or_default()
    }
}

impl SecurityFailures {
    /// Keeps `error` if it is a security failure, without logging it (for contexts that
    /// log client errors themselves).
    pub fn observe(&self, error: &KafkaError, reason: &str) {
        self.keep(security_failure(error, reason));
    }

    fn keep(&self, failure: Option<String>) {
        if let Some(failure) = failure
            && let Ok(mut first) = self.first.lock()
        {
            first.get_or_insert(failure);
        }
    }
}

impl rdkafka::ClientContext for SecurityFailures {
    fn log(&self, level: rdkafka::config::RDKafkaLogLevel, fac: &str, log_message: &str) {
        self.keep(security_failure_in_log(fac, log_message));
        rdkafka::client::DefaultClientContext.log(level, fac, log_message);
    }

    fn error(&self, error: KafkaError, reason: &str) {
        self.observe(&error, reason);
        rdkafka::client::DefaultClientContext.error(error, reason);
    }
}

/// Only for clients that look up metadata and never produce (the cluster-id lookup).
impl rdkafka::producer::ProducerContext for SecurityFailures {
    type DeliveryOpaque = ();
    fn delivery(&self, _: &rdkafka::producer::DeliveryResult<'_>, _: Self::DeliveryOpaque) {}
}

/// Whether a setting's value is secret: passwords, keys, client secrets, JAAS text.
pub fn is_secret_key(key: &str) -> bool {
    [
        "password",
        "secret",
        ".pem",
        "ssl.keystore.key",
        "jaas.config",
        "ssl.key.",
    ]
    .iter()
    .any(|part| key.contains(part))
        && !key.ends_with(".location")
}

/// A client config for logs and debug output: secret values replaced.
pub fn redacted(config: &ClientConfig) -> BTreeMap<String, String> {
    config
        .config_map()
        .into_iter()
        .map(|(k, v)| {
            let shown = if is_secret_key(k) { "[hidden]" } else { v };
            (k.to_owned(), shown.to_owned())
        })
        .collect()
}

/// The producer settings Connect uses for source tasks, before user overrides: every
/// record acknowledged by all in-sync replicas, in order, retried without limit.
pub fn source_producer_defaults(client_id: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        // The Java producer's memory bound. librdkafka's own default (1 GiB, capped at
        // 100k messages) let a source with 1 KiB records hold ~100 MiB unsent, and its
        // delivery bookkeeping with it: 236-276 MiB peak where 32 MiB of queue gives the
        // same throughput (`bench/run`, docs/benchmarks.md).
        (BUFFER_MEMORY.into(), DEFAULT_BUFFER_MEMORY.to_string()),
        ("client.id".into(), client_id.into()),
        ("acks".into(), "all".into()),
        // Idempotence keeps per-partition order with several requests in flight, which
        // Apache gets by allowing only one.
        ("enable.idempotence".into(), "true".into()),
        ("message.timeout.ms".into(), "0".into()),
        ("linger.ms".into(), "5".into()),
    ])
}

/// The consumer settings Connect uses for sink tasks, before user overrides.
pub fn sink_consumer_defaults(group_id: &str, client_id: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("group.id".into(), group_id.into()),
        ("client.id".into(), client_id.into()),
        ("enable.auto.commit".into(), "false".into()),
        ("auto.offset.reset".into(), "earliest".into()),
        // Connect sink consumers only read committed data from transactional producers
        // when asked; Apache's default isolation is read_uncommitted.
        ("isolation.level".into(), "read_uncommitted".into()),
        // The Java consumer creates a missing subscribed topic (when the broker allows
        // it); librdkafka only does when asked, and would otherwise wait for the next
        // metadata refresh (5 minutes) to see a topic the source creates later.
        ("allow.auto.create.topics".into(), "true".into()),
        // librdkafka stops fetching once `queued.min.messages` (100k) are buffered and then
        // waits `fetch.queue.backoff.ms` (1 s) before fetching again, so a sink that drains
        // its buffer in 0.2 s sat idle the rest of each second (188k records/s where the
        // broker gives 1M; `bench/run`). A smaller buffer refetched at once keeps the
        // consumer busy and memory lower: 20k buffered records, like a few of the Java
        // consumer's fetches.
        ("queued.min.messages".into(), "20000".into()),
        ("fetch.queue.backoff.ms".into(), "10".into()),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        crate::fixtures::string_map(pairs)
    }

    const P: ClientKind = ClientKind::Producer;

    fn config<'a>(maps: impl IntoIterator<Item = &'a BTreeMap<String, String>>) -> ClientConfig {
        client_config(P, "b:9092", maps).unwrap()
    }

    #[test]
    fn buffer_memory_becomes_the_queue_limit_in_kib() {
        let c = config([&source_producer_defaults("p")]);
        assert_eq!(c.get(QUEUE_MAX_KBYTES), Some("32768"));
        assert_eq!(c.get(BUFFER_MEMORY), None);
        let user = settings(&[("buffer.memory", "1048576")]);
        let c = config([&source_producer_defaults("p"), &user]);
        assert_eq!(c.get(QUEUE_MAX_KBYTES), Some("1024"));
        let tiny = settings(&[("buffer.memory", "100")]);
        assert_eq!(config([&tiny]).get(QUEUE_MAX_KBYTES), Some("1"));
    }

    #[test]
    fn later_maps_win_and_bootstrap_is_set() {
        let top = settings(&[("linger.ms", "1"), ("acks", "1")]);
        let prefixed = settings(&[("linger.ms", "9")]);
        let c = config([&top, &prefixed]);
        assert_eq!(c.get("linger.ms"), Some("9"));
        assert_eq!(c.get("acks"), Some("1"));
        assert_eq!(c.get("bootstrap.servers"), Some("b:9092"));
    }

    #[test]
    fn security_failures_are_named() {
        let auth = KafkaError::Global(RDKafkaErrorCode::Authentication);
        let text =
            security_failure(&auth, "SASL authentication error: invalid credentials").unwrap();
        assert!(text.contains("authentication failed") && text.contains("invalid credentials"));
        let tls = KafkaError::Global(RDKafkaErrorCode::SSL);
        assert!(
            security_failure(&tls, "certificate verify failed")
                .unwrap()
                .contains("TLS handshake")
        );
        let down = KafkaError::Global(RDKafkaErrorCode::AllBrokersDown);
        assert_eq!(security_failure(&down, "1/1 brokers are down"), None);
        let logged = security_failure_in_log(
            "FAIL",
            "sasl_ssl://b:9095/bootstrap: SASL authentication error: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512",
        )
        .unwrap();
        assert!(
            logged.starts_with("Kafka authentication failed"),
            "{logged}"
        );
        let logged = security_failure_in_log(
            "FAIL",
            "ssl://b:9094/bootstrap: SSL handshake failed: error:0A000086:SSL routines::certificate verify failed",
        )
        .unwrap();
        assert!(logged.starts_with("TLS handshake"), "{logged}");
        assert_eq!(security_failure_in_log("FAIL", "Connection refused"), None);
    }

    #[test]
    fn redaction_hides_secrets() {
        let s = settings(&[
            (
                "sasl.jaas.config",
                r#"org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="hunter2";"#,
            ),
            ("ssl.truststore.certificates", "PEMTEXT"),
        ]);
        let shown = format!("{:?}", redacted(&config([&s])));
        assert!(
            !shown.contains("hunter2") && !shown.contains("PEMTEXT"),
            "{shown}"
        );
        assert!(
            shown.contains("sasl.username") && shown.contains("\"u\""),
            "{shown}"
        );
    }

    #[test]
    fn a_bad_buffer_memory_reaches_librdkafka_which_refuses_it() {
        let bad = settings(&[("buffer.memory", "lots")]);
        let err = config([&bad])
            .create::<rdkafka::producer::BaseProducer>()
            .err()
            .expect("librdkafka refuses a non-numeric queue limit");
        assert!(err.to_string().contains(QUEUE_MAX_KBYTES), "{err}");
    }

    #[test]
    fn java_only_settings_are_dropped() {
        let java = settings(&[("key.serializer", "x"), ("linger.ms", "7")]);
        let c = config([&java]);
        assert_eq!(c.get("key.serializer"), None);
        assert_eq!(c.get("linger.ms"), Some("7"));
    }

    /// The linked librdkafka was built with TLS, every SASL mechanism and every codec
    /// (Cargo features `ssl`, `gssapi`, `curl`, `zstd-pkg-config`).
    #[test]
    fn librdkafka_has_tls_sasl_and_every_codec() {
        let features = ClientConfig::new()
            .create_native_config()
            .and_then(|native| native.get("builtin.features"))
            .expect("librdkafka reports its builtin features");
        let features: Vec<&str> = features.split(',').collect();
        for wanted in [
            "gzip",
            "snappy",
            "lz4",
            "zstd",
            "ssl",
            "sasl",
            "sasl_plain",
            "sasl_scram",
            "sasl_gssapi",
            "sasl_oauthbearer",
            "http",
            "oidc",
        ] {
            assert!(
                features.contains(&wanted),
                "{wanted} missing from {features:?}"
            );
        }
    }
}
