//! Kafka client configuration shared by the source (producer) and sink (consumer) loops.
//!
//! Users bring Java client settings (`producer.*`, `consumer.*` in the worker config,
//! `producer.override.*` in connector configs). librdkafka understands most of them under
//! the same names; the few that only make sense to the Java client are dropped here with
//! a debug log instead of failing the client, and anything else librdkafka rejects fails
//! with its own message naming the key.

use std::collections::BTreeMap;

use rdkafka::ClientConfig;

/// Java client settings with no librdkafka counterpart (serializers are the converters'
/// job here; blocking limits work differently in librdkafka).
const JAVA_ONLY: &[&str] = &[
    "key.serializer",
    "value.serializer",
    "key.deserializer",
    "value.deserializer",
    "max.block.ms",
    "max.in.flight.requests.per.connection",
    "delivery.timeout.ms",
    "request.timeout.ms",
    "metadata.max.age.ms",
    "max.poll.records",
    "max.poll.interval.ms",
    "interceptor.classes",
    "metric.reporters",
    "partitioner.class",
    "default.api.timeout.ms",
    "auto.include.jmx.reporter",
];

/// The Java producer's `buffer.memory` (bytes the producer may hold unsent) is
/// librdkafka's `queue.buffering.max.kbytes` (KiB of queued messages).
const BUFFER_MEMORY: &str = "buffer.memory";
const QUEUE_MAX_KBYTES: &str = "queue.buffering.max.kbytes";

/// The Java producer's default `buffer.memory`, 32 MiB.
const DEFAULT_BUFFER_MEMORY: u64 = 32 * 1024 * 1024;

/// Builds a client config from `bootstrap.servers` and raw passthrough settings; later
/// maps override earlier ones.
pub fn client_config<'a>(
    bootstrap_servers: &str,
    settings: impl IntoIterator<Item = &'a BTreeMap<String, String>>,
) -> ClientConfig {
    let mut config = ClientConfig::new();
    config.set("bootstrap.servers", bootstrap_servers);
    for map in settings {
        for (key, value) in map {
            if JAVA_ONLY.contains(&key.as_str()) {
                tracing::debug!(key, "ignoring a Java-client-only setting");
                continue;
            }
            if key == BUFFER_MEMORY {
                config.set(QUEUE_MAX_KBYTES, buffer_memory_kbytes(value));
                continue;
            }
            config.set(key, value);
        }
    }
    config
}

/// `buffer.memory` in KiB, at least 1 (librdkafka's minimum). A value that is not a
/// number is passed on as it is, so librdkafka refuses it and names the setting.
fn buffer_memory_kbytes(bytes: &str) -> String {
    match bytes.trim().parse::<u64>() {
        Ok(bytes) => (bytes / 1024).clamp(1, i32::MAX as u64).to_string(),
        Err(_) => bytes.to_owned(),
    }
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

    #[test]
    fn buffer_memory_becomes_the_queue_limit_in_kib() {
        let config = client_config("b:9092", [&source_producer_defaults("p")]);
        assert_eq!(config.get(QUEUE_MAX_KBYTES), Some("32768"));
        assert_eq!(config.get(BUFFER_MEMORY), None);
        let user = settings(&[("buffer.memory", "1048576")]);
        let config = client_config("b:9092", [&source_producer_defaults("p"), &user]);
        assert_eq!(config.get(QUEUE_MAX_KBYTES), Some("1024"));
        let tiny = settings(&[("buffer.memory", "100")]);
        assert_eq!(client_config("b", [&tiny]).get(QUEUE_MAX_KBYTES), Some("1"));
    }

    #[test]
    fn a_bad_buffer_memory_reaches_librdkafka_which_refuses_it() {
        let bad = settings(&[("buffer.memory", "lots")]);
        let err = client_config("b:9092", [&bad])
            .create::<rdkafka::producer::BaseProducer>()
            .err()
            .expect("librdkafka refuses a non-numeric queue limit");
        assert!(err.to_string().contains(QUEUE_MAX_KBYTES), "{err}");
    }

    #[test]
    fn java_only_settings_are_dropped() {
        let java = settings(&[("key.serializer", "x"), ("linger.ms", "7")]);
        let config = client_config("b:9092", [&java]);
        assert_eq!(config.get("key.serializer"), None);
        assert_eq!(config.get("linger.ms"), Some("7"));
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
            assert!(features.contains(&wanted), "{wanted} missing from {features:?}");
        }
    }
}
