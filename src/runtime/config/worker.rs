//! The worker config (Apache's `WorkerConfig` and `RestServerConfig` as of Kafka 4.3.1),
//! parsed once into [`WorkerConfig`], in one of two modes ([`WorkerMode`]): standalone
//! (Apache's `StandaloneConfig`: the offsets file is required) or the workers and REST
//! sidecars of a `KafkaConnect` (the offsets topic keys of Apache's `DistributedConfig`).
//!
//! Differences from the seed's Kafka 2.0 that matter to old files: `bootstrap.servers` has no
//! default since Kafka 4.x (it was `localhost:9092`), and `rest.port`/`rest.host.name` were
//! removed in 3.0; we still honour them when `listeners` is unset, with a deprecation warning.

use std::path::PathBuf;
use std::time::Duration;

use indexmap::IndexMap;

use super::override_policy::{OVERRIDE_ALLOWLIST, OVERRIDE_POLICY, OverridePolicy};

use crate::config::{
    ConfigDef, ConfigError, ConfigKey, ConfigType, Importance, ParsedConfig, ParsedValue,
    Validator, strip_prefix,
};

pub const BOOTSTRAP_SERVERS: &str = "bootstrap.servers";
pub const KEY_CONVERTER: &str = "key.converter";
pub const VALUE_CONVERTER: &str = "value.converter";
pub const HEADER_CONVERTER: &str = "header.converter";
pub const OFFSET_STORAGE_FILE_FILENAME: &str = "offset.storage.file.filename";
pub const OFFSET_STORAGE_TOPIC: &str = "offset.storage.topic";
pub const OFFSET_STORAGE_PARTITIONS: &str = "offset.storage.partitions";
pub const OFFSET_STORAGE_REPLICATION_FACTOR: &str = "offset.storage.replication.factor";
pub const OFFSET_FLUSH_INTERVAL_MS: &str = "offset.flush.interval.ms";
pub const OFFSET_FLUSH_TIMEOUT_MS: &str = "offset.flush.timeout.ms";
pub const TASK_SHUTDOWN_GRACEFUL_TIMEOUT_MS: &str = "task.shutdown.graceful.timeout.ms";
pub const LISTENERS: &str = "listeners";
pub const REST_PORT: &str = "rest.port";
pub const REST_HOST_NAME: &str = "rest.host.name";
pub const REST_ADVERTISED_HOST_NAME: &str = "rest.advertised.host.name";
pub const REST_ADVERTISED_PORT: &str = "rest.advertised.port";
pub const REST_ADVERTISED_LISTENER: &str = "rest.advertised.listener";
pub const PLUGIN_PATH: &str = "plugin.path";
pub const PLUGIN_DISCOVERY: &str = "plugin.discovery";
pub const PLUGIN_HOST_JVM_OPTIONS: &str = "tributary.plugin.host.jvm.options";
pub const PLUGIN_HOST_JAVA: &str = "tributary.plugin.host.java";
pub const CLIENT_ID: &str = "client.id";
pub const CONFIG_PROVIDERS: &str = "config.providers";
pub const ACCESS_CONTROL_ALLOW_ORIGIN: &str = "access.control.allow.origin";
pub const ACCESS_CONTROL_ALLOW_METHODS: &str = "access.control.allow.methods";
pub const ADMIN_LISTENERS: &str = "admin.listeners";

/// Apache's default header converter.
pub const SIMPLE_HEADER_CONVERTER: &str = "org.apache.kafka.connect.storage.SimpleHeaderConverter";

const LISTENERS_DESCRIPTION: &str =
    "List of comma-separated URLs, ex: http://localhost:8080,https://localhost:8443.";

/// Apache's listeners check: at least one URL, none empty.
fn check_listeners(_name: &str, value: Option<&ParsedValue>) -> Result<(), ConfigError> {
    let Some(ParsedValue::List(urls)) = value else {
        return Err(ConfigError::Message(
            "Invalid value type for listeners (expected list of URLs , ex: http://localhost:8080,https://localhost:8443).".into(),
        ));
    };
    if urls.is_empty() {
        return Err(ConfigError::Message(
            "Invalid value for listeners, at least one URL is expected, ex: http://localhost:8080,https://localhost:8443.".into(),
        ));
    }
    if urls.iter().any(|u| u.trim().is_empty()) {
        return Err(ConfigError::Message(
            "Empty URL found when parsing listeners list.".into(),
        ));
    }
    Ok(())
}

/// Apache's check of the offsets topic's partitions and replication factor
/// (`DistributedConfig`'s validators): -1 for the broker's default, or at least 1.
fn positive_or_broker_default(name: &str, value: Option<&ParsedValue>) -> Result<(), ConfigError> {
    let number = match value {
        Some(ParsedValue::Int(n)) => i64::from(*n),
        Some(ParsedValue::Short(n)) => i64::from(*n),
        _ => return Ok(()),
    };
    if number == -1 || number >= 1 {
        return Ok(());
    }
    Err(ConfigError::invalid(
        name,
        number,
        "Value must be -1 to use the broker's default, or at least 1",
    ))
}

const POSITIVE_OR_BROKER_DEFAULT: &str = "Must be -1 to use the broker's default, or at least 1";

/// Which worker a config is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkerMode {
    /// `tributary standalone` (Apache's `connect-standalone`): source offsets in
    /// `offset.storage.file.filename`, which is required.
    Standalone,
    /// A `KafkaConnect`'s workers and REST sidecars: source offsets in
    /// `offset.storage.topic` (the operator always names one), or, without it, in a file
    /// of each worker's own.
    Kubernetes,
}

/// The worker's definition table for `mode`.
pub fn worker_config_def(mode: WorkerMode) -> ConfigDef {
    use ConfigType::*;
    use Importance::*;
    let def = common_worker_config_def();
    match mode {
        WorkerMode::Standalone => def.define(ConfigKey::new(
            OFFSET_STORAGE_FILE_FILENAME,
            String,
            High,
            "File to store source connector offsets in.",
        )),
        WorkerMode::Kubernetes => def
            .define(
                ConfigKey::new(OFFSET_STORAGE_TOPIC, String, High,
                    "The name of the Kafka topic where source connector offsets are stored.")
                    .default_null(),
            )
            .define(
                ConfigKey::new(OFFSET_STORAGE_PARTITIONS, Int, Low,
                    "The number of partitions used when creating the offset storage topic.")
                    .default_value("25")
                    .validator(Validator::Custom {
                        check: positive_or_broker_default,
                        description: POSITIVE_OR_BROKER_DEFAULT,
                    }),
            )
            .define(
                ConfigKey::new(OFFSET_STORAGE_REPLICATION_FACTOR, Short, Low,
                    "Replication factor used when creating the offset storage topic.")
                    .default_value("3")
                    .validator(Validator::Custom {
                        check: positive_or_broker_default,
                        description: POSITIVE_OR_BROKER_DEFAULT,
                    }),
            )
            .define(
                ConfigKey::new(OFFSET_STORAGE_FILE_FILENAME, String, Low,
                    "Tributary's own: where a worker keeps source offsets when no offsets topic is named.")
                    .default_null(),
            ),
    }
}

/// The keys both modes share.
fn common_worker_config_def() -> ConfigDef {
    use ConfigType::*;
    use Importance::*;
    ConfigDef::new()
        .define(
            ConfigKey::new(BOOTSTRAP_SERVERS, List, High,
                "A list of host/port pairs used to establish the initial connection to the Kafka cluster.")
                .validator(Validator::non_duplicate_list(false, false)),
        )
        .define(ConfigKey::new(KEY_CONVERTER, Class, High,
            "Converter class for the keys of records written to or read from Kafka."))
        .define(ConfigKey::new(VALUE_CONVERTER, Class, High,
            "Converter class for the values of records written to or read from Kafka."))
        .define(
            ConfigKey::new(HEADER_CONVERTER, Class, Low,
                "HeaderConverter class for the header values of records written to or read from Kafka.")
                .default_value(SIMPLE_HEADER_CONVERTER),
        )
        .define(
            ConfigKey::new(TASK_SHUTDOWN_GRACEFUL_TIMEOUT_MS, Long, Low,
                "Time to wait for tasks to shut down gracefully, in total over all tasks, in milliseconds.")
                .default_value("5000"),
        )
        .define(
            ConfigKey::new(OFFSET_FLUSH_INTERVAL_MS, Long, Low, "Interval at which to try committing offsets for tasks.")
                .default_value("60000"),
        )
        .define(
            ConfigKey::new(OFFSET_FLUSH_TIMEOUT_MS, Long, Low,
                "Milliseconds to wait for records to flush and offsets to be committed before cancelling and retrying.")
                .default_value("5000"),
        )
        .define(
            ConfigKey::new(PLUGIN_PATH, List, Low,
                "List of paths separated by commas (,) that contain Java plugins: directories of plugin directories, jars or class directories, and uber-jars. When set, Tributary runs them in its plugin host with Apache's plugin isolation.")
                .default_null()
                .validator(Validator::non_duplicate_list(false, true)),
        )
        .define(
            ConfigKey::new(PLUGIN_DISCOVERY, String, Low,
                "How the plugin host finds the plugins of plugin.path, as in Apache: only_scan (reflection), service_load (ServiceLoader manifests, fastest), hybrid_warn (both, warning about plugins without manifests) or hybrid_fail (both, failing on them).")
                .default_value("hybrid_warn")
                .validator(Validator::one_of_ignore_case(&["only_scan", "hybrid_warn", "hybrid_fail", "service_load"])),
        )
        .define(
            ConfigKey::new(PLUGIN_HOST_JVM_OPTIONS, String, Low,
                "Tributary's own: options of the plugin host's JVM, space-separated (heap, e.g. -Xmx1g -Xms256m; start-up, e.g. -XX:TieredStopAtLevel=1 -Xshare:auto). Overrides TRIBUTARY_PLUGIN_HOST_JVM_OPTIONS.")
                .default_null(),
        )
        .define(
            ConfigKey::new(PLUGIN_HOST_JAVA, String, Low,
                "Tributary's own: the java executable of the plugin host. Default: TRIBUTARY_PLUGIN_HOST_JAVA, else $JAVA_HOME/bin/java, else java on the PATH.")
                .default_null(),
        )
        .define(
            ConfigKey::new(OVERRIDE_POLICY, String, Medium,
                "Class name or alias of the policy that says which Kafka client settings a connector may override (All, None, Principal, Allowlist).")
                .default_value("All"),
        )
        .define(
            ConfigKey::new(OVERRIDE_ALLOWLIST, List, Medium,
                "List of client configurations that can be overridden by connectors under the Allowlist policy.")
                .default_value("")
                .validator(Validator::non_duplicate_list(true, false)),
        )
        .define(
            ConfigKey::new(CONFIG_PROVIDERS, List, Low,
                "Aliases of the ConfigProvider classes used to resolve ${provider:path:key} references.")
                .default_value("")
                .validator(Validator::non_duplicate_list(true, false)),
        )
        .define(
            ConfigKey::new(LISTENERS, List, Low, "List of comma-separated URIs the REST API will listen on.")
                .default_value("http://:8083")
                .validator(Validator::Custom { check: check_listeners, description: LISTENERS_DESCRIPTION }),
        )
        .define(ConfigKey::new(REST_ADVERTISED_HOST_NAME, String, Low,
            "Host name given to other workers to connect to, when set.").default_null())
        .define(ConfigKey::new(REST_ADVERTISED_PORT, Int, Low,
            "Port given to other workers to connect to, when set.").default_null())
        .define(ConfigKey::new(REST_ADVERTISED_LISTENER, String, Low,
            "Advertised listener (HTTP or HTTPS) given to other workers.").default_null())
        .define(ConfigKey::new(ACCESS_CONTROL_ALLOW_ORIGIN, String, Low,
            "Value of the Access-Control-Allow-Origin header of REST responses; empty disables CORS.").default_value(""))
        .define(ConfigKey::new(ACCESS_CONTROL_ALLOW_METHODS, String, Low,
            "Value of the Access-Control-Allow-Methods header; empty means GET, POST and HEAD.").default_value(""))
        .define(
            ConfigKey::new(ADMIN_LISTENERS, List, Low,
                "List of comma-separated URIs the Admin REST API will listen on; empty disables it, unset uses `listeners`.")
                .default_null()
                .validator(Validator::non_duplicate_list(true, true)),
        )
        // Not in Apache 4.x's worker table: Tributary's own, and the removed Kafka 2.x keys.
        .define(ConfigKey::new(CLIENT_ID, String, Low,
            "Prefix of the client.id of the worker's Kafka clients; empty lets the worker choose.").default_value(""))
        .define(ConfigKey::new(REST_PORT, Int, Low,
            "Deprecated (removed in Kafka 3.0): REST port, used only when `listeners` is unset.").default_null())
        .define(ConfigKey::new(REST_HOST_NAME, String, Low,
            "Deprecated (removed in Kafka 3.0): REST host name, used only when `listeners` is unset.").default_null())
}

/// A standalone worker's config, parsed and checked.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    pub bootstrap_servers: Vec<String>,
    /// Class name (or short name) of the key converter.
    pub key_converter: String,
    /// Class name (or short name) of the value converter.
    pub value_converter: String,
    /// Class name of the header converter.
    pub header_converter: String,
    /// Always set in standalone mode; in Kubernetes mode only when the properties name it.
    pub offset_storage_file_filename: Option<PathBuf>,
    /// `offset.storage.topic` (Kubernetes mode).
    pub offset_storage_topic: Option<String>,
    /// `offset.storage.partitions` and `offset.storage.replication.factor` (Kubernetes
    /// mode; Apache's defaults 25 and 3, -1 for the broker's default).
    pub offset_storage_partitions: Option<i32>,
    pub offset_storage_replication_factor: Option<i32>,
    pub offset_flush_interval: Duration,
    pub offset_flush_timeout: Duration,
    pub task_shutdown_graceful_timeout: Duration,
    /// REST listeners; from `rest.host.name`/`rest.port` when only those are given.
    pub listeners: Vec<String>,
    pub rest_advertised_host_name: Option<String>,
    pub rest_advertised_port: Option<i32>,
    pub rest_advertised_listener: Option<String>,
    /// Where Java plugins are: the plugin host runs them when set.
    pub plugin_path: Option<Vec<String>>,
    /// How the plugin host finds them (`plugin.discovery`).
    pub plugin_discovery: Option<String>,
    /// Tributary's own `tributary.plugin.host.*` settings.
    pub plugin_host: PluginHostConfig,
    pub client_id: String,
    pub config_providers: Vec<String>,
    /// `connector.client.config.override.policy` (with its allowlist).
    pub override_policy: OverridePolicy,
    pub access_control_allow_origin: String,
    pub access_control_allow_methods: String,
    pub admin_listeners: Option<Vec<String>>,
    /// Top-level Java client settings (`security.protocol`, `ssl.*`, `sasl.*`, the client
    /// keys of `runtime::kafka`'s table): they reach every client the worker makes,
    /// under the prefixed ones. Holds secrets: never log it.
    pub client_settings: IndexMap<String, String>,
    /// Every `producer.*` entry, prefix stripped, Java keys translated by `runtime::kafka`
    /// for the producers.
    pub producer_passthrough: IndexMap<String, String>,
    /// Raw passthrough: every `consumer.*` entry, prefix stripped, for the consumer client.
    pub consumer_passthrough: IndexMap<String, String>,
    /// Raw passthrough: every `admin.*` entry, prefix stripped, for the admin client.
    pub admin_passthrough: IndexMap<String, String>,
    /// Keys the table does not define (Apache logs them as unused; they are not errors).
    pub unknown_keys: Vec<String>,
    /// Deprecation and "unused" notices, also logged when the config is built.
    pub notices: Vec<String>,
    originals: IndexMap<String, String>,
}

/// The plugin host's JVM, as a worker file may set it (`tributary.plugin.host.*`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PluginHostConfig {
    pub jvm_options: Option<String>,
    pub java: Option<String>,
}

fn millis(parsed: &ParsedConfig, key: &str) -> Result<Duration, ConfigError> {
    let ms = parsed.long(key)?.unwrap_or_default();
    u64::try_from(ms)
        .map(Duration::from_millis)
        .map_err(|_| ConfigError::invalid(key, ms, "Value must be at least 0"))
}

fn required<T>(value: Option<T>, key: &str) -> Result<T, ConfigError> {
    value.ok_or_else(|| ConfigError::Missing(key.to_owned()))
}

impl WorkerConfig {
    /// Parses a standalone worker's properties.
    pub fn from_props(props: &IndexMap<String, String>) -> Result<Self, ConfigError> {
        Self::from_props_in(WorkerMode::Standalone, props)
    }

    /// Parses a worker's properties for `mode`.
    pub fn from_props_in(
        mode: WorkerMode,
        props: &IndexMap<String, String>,
    ) -> Result<Self, ConfigError> {
        let parsed = worker_config_def(mode).parse(props)?;
        let mut notices = Vec::new();

        let mut listeners = required(parsed.list(LISTENERS)?, LISTENERS)?.to_vec();
        let rest_port = parsed.int(REST_PORT)?;
        let rest_host = parsed.string(REST_HOST_NAME)?;
        if props.contains_key(LISTENERS) {
            if rest_port.is_some() || rest_host.is_some() {
                notices.push(format!(
                    "{REST_PORT} and {REST_HOST_NAME} are deprecated and ignored because {LISTENERS} is set"
                ));
            }
        } else if rest_port.is_some() || rest_host.is_some() {
            let port = rest_port.unwrap_or(8083);
            listeners = vec![format!("http://{}:{port}", rest_host.unwrap_or(""))];
            notices.push(format!(
                "{REST_PORT} and {REST_HOST_NAME} were removed in Kafka 3.0; use {LISTENERS}={} instead",
                listeners[0]
            ));
        }
        // The plugin host's scan logs Apache's own warnings about these elements.
        let plugin_path = parsed.list(PLUGIN_PATH)?.map(<[String]>::to_vec);
        let plugin_discovery = parsed.string(PLUGIN_DISCOVERY)?.map(str::to_owned);
        let plugin_host = PluginHostConfig {
            jvm_options: parsed.string(PLUGIN_HOST_JVM_OPTIONS)?.map(str::to_owned),
            java: parsed.string(PLUGIN_HOST_JAVA)?.map(str::to_owned),
        };
        let unknown_keys: Vec<String> = parsed
            .unknown_keys()
            .into_iter()
            .filter(|k| !crate::runtime::kafka::is_client_key(k))
            .filter(|k| {
                ![
                    "producer.",
                    "consumer.",
                    "admin.",
                    "key.converter.",
                    "value.converter.",
                    "header.converter.",
                ]
                .iter()
                .any(|p| k.starts_with(p))
            })
            .map(str::to_owned)
            .collect();
        for key in &unknown_keys {
            notices.push(format!(
                "The configuration '{key}' was supplied but isn't a known config."
            ));
        }
        for notice in &notices {
            tracing::warn!("{notice}");
        }

        Ok(WorkerConfig {
            bootstrap_servers: required(parsed.list(BOOTSTRAP_SERVERS)?, BOOTSTRAP_SERVERS)?
                .to_vec(),
            key_converter: required(parsed.class(KEY_CONVERTER)?, KEY_CONVERTER)?.to_owned(),
            value_converter: required(parsed.class(VALUE_CONVERTER)?, VALUE_CONVERTER)?.to_owned(),
            header_converter: required(parsed.class(HEADER_CONVERTER)?, HEADER_CONVERTER)?
                .to_owned(),
            offset_storage_file_filename: match mode {
                WorkerMode::Standalone => Some(
                    required(
                        parsed.string(OFFSET_STORAGE_FILE_FILENAME)?,
                        OFFSET_STORAGE_FILE_FILENAME,
                    )?
                    .into(),
                ),
                WorkerMode::Kubernetes => {
                    parsed.string(OFFSET_STORAGE_FILE_FILENAME)?.map(Into::into)
                }
            },
            offset_storage_topic: match mode {
                WorkerMode::Standalone => None,
                WorkerMode::Kubernetes => parsed.string(OFFSET_STORAGE_TOPIC)?.map(str::to_owned),
            },
            offset_storage_partitions: match mode {
                WorkerMode::Standalone => None,
                WorkerMode::Kubernetes => parsed.int(OFFSET_STORAGE_PARTITIONS)?,
            },
            offset_storage_replication_factor: match mode {
                WorkerMode::Standalone => None,
                WorkerMode::Kubernetes => parsed
                    .short(OFFSET_STORAGE_REPLICATION_FACTOR)?
                    .map(i32::from),
            },
            offset_flush_interval: millis(&parsed, OFFSET_FLUSH_INTERVAL_MS)?,
            offset_flush_timeout: millis(&parsed, OFFSET_FLUSH_TIMEOUT_MS)?,
            task_shutdown_graceful_timeout: millis(&parsed, TASK_SHUTDOWN_GRACEFUL_TIMEOUT_MS)?,
            listeners,
            rest_advertised_host_name: parsed.string(REST_ADVERTISED_HOST_NAME)?.map(str::to_owned),
            rest_advertised_port: parsed.int(REST_ADVERTISED_PORT)?,
            rest_advertised_listener: parsed.string(REST_ADVERTISED_LISTENER)?.map(str::to_owned),
            plugin_path,
            plugin_discovery,
            plugin_host,
            client_id: parsed.string(CLIENT_ID)?.unwrap_or_default().to_owned(),
            config_providers: parsed.list(CONFIG_PROVIDERS)?.unwrap_or_default().to_vec(),
            override_policy: OverridePolicy::parse(
                parsed.string(OVERRIDE_POLICY)?.unwrap_or("All"),
                parsed.list(OVERRIDE_ALLOWLIST)?.unwrap_or_default(),
            )?,
            access_control_allow_origin: parsed
                .string(ACCESS_CONTROL_ALLOW_ORIGIN)?
                .unwrap_or_default()
                .to_owned(),
            access_control_allow_methods: parsed
                .string(ACCESS_CONTROL_ALLOW_METHODS)?
                .unwrap_or_default()
                .to_owned(),
            admin_listeners: parsed.list(ADMIN_LISTENERS)?.map(<[String]>::to_vec),
            client_settings: props
                .iter()
                .filter(|(k, _)| crate::runtime::kafka::is_client_key(k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            producer_passthrough: strip_prefix(props, "producer."),
            consumer_passthrough: strip_prefix(props, "consumer."),
            // `admin.listeners` (and its `admin.listeners.https.*`) are REST keys, not admin ones.
            admin_passthrough: strip_prefix(props, "admin.")
                .into_iter()
                .filter(|(k, _)| k != "listeners" && !k.starts_with("listeners."))
                .collect(),
            unknown_keys,
            notices,
            originals: props.clone(),
        })
    }

    /// The settings of an admin-like client of the worker itself (the cluster-id lookup):
    /// top-level client settings, then `admin.*` over them.
    pub fn admin_client_settings(&self) -> std::collections::BTreeMap<String, String> {
        let mut settings: std::collections::BTreeMap<String, String> =
            self.client_settings.clone().into_iter().collect();
        settings.extend(self.admin_passthrough.clone());
        settings
    }

    /// A converter's own config: the entries under `<converter_key>.`, prefix stripped
    /// (`key.converter.schemas.enable=false` gives `schemas.enable=false`).
    pub fn converter_config(&self, converter_key: &str) -> IndexMap<String, String> {
        strip_prefix(&self.originals, &format!("{converter_key}."))
    }

    /// The properties the config was built from.
    pub fn originals(&self) -> &IndexMap<String, String> {
        &self.originals
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(pairs: &[(&str, &str)]) -> IndexMap<String, String> {
        crate::fixtures::string_map(pairs)
    }

    fn base() -> Vec<(&'static str, &'static str)> {
        vec![
            ("bootstrap.servers", "localhost:9092"),
            (
                "key.converter",
                "org.apache.kafka.connect.json.JsonConverter",
            ),
            (
                "value.converter",
                "org.apache.kafka.connect.json.JsonConverter",
            ),
            ("offset.storage.file.filename", "/tmp/connect.offsets"),
        ]
    }

    #[test]
    fn defaults_match_apache() {
        let config = WorkerConfig::from_props(&props(&base())).unwrap();
        assert_eq!(config.offset_flush_interval, Duration::from_millis(60000));
        assert_eq!(config.offset_flush_timeout, Duration::from_millis(5000));
        assert_eq!(
            config.task_shutdown_graceful_timeout,
            Duration::from_millis(5000)
        );
        assert_eq!(config.listeners, ["http://:8083"]);
        assert_eq!(config.header_converter, SIMPLE_HEADER_CONVERTER);
        assert!(config.config_providers.is_empty());
        assert_eq!(config.admin_listeners, None);
        assert!(config.notices.is_empty(), "{:?}", config.notices);
    }

    #[test]
    fn required_keys() {
        for missing in [
            "bootstrap.servers",
            "key.converter",
            "value.converter",
            "offset.storage.file.filename",
        ] {
            let p: Vec<_> = base().into_iter().filter(|(k, _)| *k != missing).collect();
            assert_eq!(
                WorkerConfig::from_props(&props(&p))
                    .unwrap_err()
                    .to_string(),
                format!("Missing required configuration \"{missing}\" which has no default value.")
            );
        }
    }

    #[test]
    fn apache_messages() {
        let with = |k: &'static str, v: &'static str| {
            let mut p = base();
            p.push((k, v));
            WorkerConfig::from_props(&props(&p))
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            with("offset.flush.interval.ms", "abc"),
            "Invalid value abc for configuration offset.flush.interval.ms: Not a number of type LONG"
        );
        assert_eq!(
            with("bootstrap.servers", ""),
            "Configuration 'bootstrap.servers' must not be empty. Valid values include: any non-empty value"
        );
        assert_eq!(
            with("config.providers", "a,,b"),
            "Configuration 'config.providers' values must not be empty."
        );
        assert_eq!(
            with("listeners", ""),
            "Invalid value for listeners, at least one URL is expected, ex: http://localhost:8080,https://localhost:8443."
        );
    }

    #[test]
    fn top_level_client_settings_reach_every_client() {
        let mut p = base();
        p.extend([
            ("security.protocol", "SASL_SSL"),
            ("sasl.mechanism", "SCRAM-SHA-512"),
            ("ssl.truststore.location", "/t.jks"),
            ("admin.ssl.truststore.location", "/admin.jks"),
        ]);
        let config = WorkerConfig::from_props(&props(&p)).unwrap();
        assert_eq!(
            config.client_settings,
            props(&[
                ("security.protocol", "SASL_SSL"),
                ("sasl.mechanism", "SCRAM-SHA-512"),
                ("ssl.truststore.location", "/t.jks"),
            ])
        );
        assert!(config.unknown_keys.is_empty(), "{:?}", config.unknown_keys);
        let admin = config.admin_client_settings();
        assert_eq!(admin["ssl.truststore.location"], "/admin.jks");
        assert_eq!(admin["security.protocol"], "SASL_SSL");
    }

    #[test]
    fn legacy_rest_port_and_passthrough() {
        let mut p = base();
        p.extend([
            ("rest.port", "9000"),
            ("plugin.path", "/opt/plugins"),
            ("key.converter.schemas.enable", "false"),
            ("producer.linger.ms", "5"),
            ("consumer.max.poll.records", "10"),
            ("admin.request.timeout.ms", "1000"),
            ("admin.listeners", "http://:8085"),
            ("some.unknown", "x"),
        ]);
        let config = WorkerConfig::from_props(&props(&p)).unwrap();
        assert_eq!(config.listeners, ["http://:9000"]);
        assert_eq!(
            config.plugin_path.as_deref(),
            Some(&["/opt/plugins".to_owned()][..])
        );
        assert_eq!(
            config.converter_config("key.converter"),
            props(&[("schemas.enable", "false")])
        );
        assert!(config.converter_config("value.converter").is_empty());
        assert_eq!(config.producer_passthrough, props(&[("linger.ms", "5")]));
        assert_eq!(
            config.consumer_passthrough,
            props(&[("max.poll.records", "10")])
        );
        assert_eq!(
            config.admin_passthrough,
            props(&[("request.timeout.ms", "1000")])
        );
        assert_eq!(config.unknown_keys, ["some.unknown"]);
        // rest.port and some.unknown (the plugin host logs about plugin.path).
        assert_eq!(config.notices.len(), 2, "{:?}", config.notices);

        p.push(("listeners", "http://localhost:8084"));
        let config = WorkerConfig::from_props(&props(&p)).unwrap();
        assert_eq!(config.listeners, ["http://localhost:8084"]);
    }

    #[test]
    fn table_is_consistent() {
        worker_config_def(WorkerMode::Standalone).check().unwrap();
        worker_config_def(WorkerMode::Kubernetes).check().unwrap();
    }

    #[test]
    fn kubernetes_mode_knows_the_offsets_topic_and_needs_no_file() {
        let mut pairs = base();
        pairs.retain(|(k, _)| *k != "offset.storage.file.filename");
        pairs.push(("offset.storage.topic", "connect-offsets"));
        pairs.push(("offset.storage.partitions", "5"));
        let config = WorkerConfig::from_props_in(WorkerMode::Kubernetes, &props(&pairs)).unwrap();
        assert_eq!(
            config.offset_storage_topic.as_deref(),
            Some("connect-offsets")
        );
        assert_eq!(config.offset_storage_file_filename, None);
        assert!(config.unknown_keys.is_empty(), "{:?}", config.unknown_keys);
        // Standalone still requires the file, and does not know the topic.
        let error = WorkerConfig::from_props(&props(&pairs)).unwrap_err();
        assert!(
            error.to_string().contains("offset.storage.file.filename"),
            "{error}"
        );
    }
}
