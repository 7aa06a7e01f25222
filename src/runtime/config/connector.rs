//! The keys every connector config shares (Apache's `ConnectorConfig`), and the sink and
//! source additions (`SinkConnectorConfig`, `SourceConnectorConfig`), as of Kafka 4.3.1.
//! Definitions, documentation and messages follow Apache so the validate endpoint answers alike.

use crate::config::{
    ConfigDef, ConfigError, ConfigKey, ConfigType, Importance, ParsedConfig, ParsedValue,
    Validator, Width, parse_list, strip_prefix,
};
use crate::runtime::subscription::Subscription;
use crate::transforms::routing::java_regex::{self, JavaRegex};
use indexmap::IndexMap;

pub const NAME: &str = "name";
pub const CONNECTOR_CLASS: &str = "connector.class";
pub const TASKS_MAX: &str = "tasks.max";
pub const TASKS_MAX_ENFORCE: &str = "tasks.max.enforce";
pub const KEY_CONVERTER: &str = "key.converter";
pub const VALUE_CONVERTER: &str = "value.converter";
pub const HEADER_CONVERTER: &str = "header.converter";
pub const TRANSFORMS: &str = "transforms";
pub const PREDICATES: &str = "predicates";
pub const CONFIG_ACTION_RELOAD: &str = "config.action.reload";
pub const ERRORS_RETRY_TIMEOUT: &str = "errors.retry.timeout";
pub const ERRORS_RETRY_MAX_DELAY: &str = "errors.retry.delay.max.ms";
pub const ERRORS_TOLERANCE: &str = "errors.tolerance";
pub const ERRORS_LOG_ENABLE: &str = "errors.log.enable";
pub const ERRORS_LOG_INCLUDE_MESSAGES: &str = "errors.log.include.messages";
pub const TOPICS: &str = "topics";
pub const TOPICS_REGEX: &str = "topics.regex";
pub const DLQ_TOPIC_NAME: &str = "errors.deadletterqueue.topic.name";
pub const DLQ_TOPIC_REPLICATION_FACTOR: &str = "errors.deadletterqueue.topic.replication.factor";
pub const DLQ_CONTEXT_HEADERS_ENABLE: &str = "errors.deadletterqueue.context.headers.enable";
pub const TOPIC_CREATION_GROUPS: &str = "topic.creation.groups";
pub const EXACTLY_ONCE_SUPPORT: &str = "exactly.once.support";
pub const TRANSACTION_BOUNDARY: &str = "transaction.boundary";
pub const TRANSACTION_BOUNDARY_INTERVAL_MS: &str = "transaction.boundary.interval.ms";
pub const OFFSETS_STORAGE_TOPIC: &str = "offsets.storage.topic";

const COMMON_GROUP: &str = "Common";
const ERROR_GROUP: &str = "Error Handling";

fn unique_aliases(name: &str, value: Option<&ParsedValue>) -> Result<(), ConfigError> {
    if let Some(list @ ParsedValue::List(items)) = value {
        let unique: std::collections::HashSet<&String> = items.iter().collect();
        if unique.len() < items.len() {
            return Err(ConfigError::invalid(
                name,
                list.java_display(),
                "Duplicate alias provided.",
            ));
        }
    }
    Ok(())
}

/// Apache's alias check: non-null, no duplicates (they are an error here, not dropped).
fn alias_validator(description: &'static str) -> Validator {
    Validator::Composite(vec![
        Validator::NonNull,
        Validator::Custom {
            check: unique_aliases,
            description,
        },
    ])
}

fn at_least_zero_or_null(name: &str, value: Option<&ParsedValue>) -> Result<(), ConfigError> {
    match value {
        None => Ok(()),
        Some(v) => Validator::at_least(0).ensure_valid(name, Some(v)),
    }
}

fn optional_string(name: &str, display: &str, doc: &str, order: i32, width: Width) -> ConfigKey {
    ConfigKey::new(name, ConfigType::String, Importance::Low, doc)
        .default_null()
        .group(COMMON_GROUP, order)
        .width(width)
        .display_name(display)
}

fn converter(name: &str, display: &str, doc: &str, order: i32) -> ConfigKey {
    ConfigKey::new(name, ConfigType::Class, Importance::Low, doc)
        .default_null()
        .validator(Validator::Custom {
            check: known_converter,
            description: "",
        })
        .group(COMMON_GROUP, order)
        .width(Width::Short)
        .display_name(display)
}

/// A converter class this build has (by class name or alias), as Apache's class lookup
/// checks it when the config is parsed, with its message; unset is the worker's.
fn known_converter(name: &str, value: Option<&ParsedValue>) -> Result<(), ConfigError> {
    let Some(ParsedValue::Class(class)) = value else {
        return Ok(());
    };
    let header_default = name == HEADER_CONVERTER && class == HEADER_CONVERTER_DEFAULT;
    if header_default || crate::data::converters::resolve_class(class).is_some() {
        Ok(())
    } else {
        Err(ConfigError::class_not_found(name, class))
    }
}

/// Apache's default header converter, which this build accepts by name.
const HEADER_CONVERTER_DEFAULT: &str = "org.apache.kafka.connect.storage.SimpleHeaderConverter";

const CONVERTER_DOC: &str = "Converter class used to convert between Kafka Connect format and the serialized form that is written to Kafka. This controls the format of the {} in messages written to or read from Kafka, and since this is independent of connectors it allows any connector to work with any serialization format. Examples of common formats include JSON and Avro.";

/// The table shared by every connector (Apache's `ConnectorConfig.configDef()`).
pub fn connector_config_def() -> ConfigDef {
    use ConfigType::*;
    use Importance::*;
    ConfigDef::new()
        .define(
            ConfigKey::new(NAME, String, High, "Globally unique name to use for this connector.")
                .validator(Validator::NonEmptyStringWithoutControlChars)
                .group(COMMON_GROUP, 1).width(Width::Medium).display_name("Connector name"),
        )
        .define(
            ConfigKey::new(CONNECTOR_CLASS, String, High,
                "Name or alias of the class for this connector. Must be a subclass of org.apache.kafka.connect.connector.Connector. If the connector is org.apache.kafka.connect.file.FileStreamSinkConnector, you can either specify this full name,  or use \"FileStreamSink\" or \"FileStreamSinkConnector\" to make the configuration a bit shorter")
                .group(COMMON_GROUP, 2).width(Width::Long).display_name("Connector class"),
        )
        .define(
            ConfigKey::new("connector.plugin.version", String, Medium, "Version of the connector.")
                .default_null().group(COMMON_GROUP, 3).width(Width::Medium).display_name("Connector version"),
        )
        .define(
            ConfigKey::new(TASKS_MAX, Int, High, "Maximum number of tasks to use for this connector.")
                .default_value("1").validator(Validator::at_least(1))
                .group(COMMON_GROUP, 4).width(Width::Short).display_name("Tasks max"),
        )
        .define(
            ConfigKey::new(TASKS_MAX_ENFORCE, Boolean, Low,
                "(Deprecated) Whether to enforce that the tasks.max property is respected by the connector. By default, connectors that generate too many tasks will fail, and existing sets of tasks that exceed the tasks.max property will also be failed. If this property is set to false, then connectors will be allowed to generate more than the maximum number of tasks, and existing sets of tasks that exceed the tasks.max property will be allowed to run. This property is deprecated and will be removed in an upcoming major release.")
                .default_value("true").group(COMMON_GROUP, 5).width(Width::Short).display_name("Enforce tasks max"),
        )
        .define(converter(KEY_CONVERTER, "Key converter class", &CONVERTER_DOC.replace("{}", "keys"), 6))
        .define(optional_string("key.converter.plugin.version", "Key converter version", "Version of the key converter.", 7, Width::Short))
        .define(converter(VALUE_CONVERTER, "Value converter class", &CONVERTER_DOC.replace("{}", "values"), 8))
        .define(optional_string("value.converter.plugin.version", "Value converter version", "Version of the value converter.", 9, Width::Short))
        .define(converter(HEADER_CONVERTER, "Header converter class",
            "HeaderConverter class used to convert between Kafka Connect format and the serialized form that is written to Kafka. This controls the format of the header values in messages written to or read from Kafka, and since this is independent of connectors it allows any connector to work with any serialization format. Examples of common formats include JSON and Avro. By default, the SimpleHeaderConverter is used to serialize header values to strings and deserialize them by inferring the schemas.", 10))
        .define(optional_string("header.converter.plugin.version", "Header converter version", "Version of the header converter.", 11, Width::Short))
        .define(
            ConfigKey::new(TRANSFORMS, List, Low, "Aliases for the transformations to be applied to records.")
                .default_value("").validator(alias_validator("unique transformation aliases"))
                .group("Transforms", 12).width(Width::Long).display_name("Transforms"),
        )
        .define(
            ConfigKey::new(PREDICATES, List, Low, "Aliases for the predicates used by transformations.")
                .default_value("").validator(alias_validator("unique predicate aliases"))
                .group("Predicates", 13).width(Width::Long).display_name("Predicates"),
        )
        .define(
            ConfigKey::new(CONFIG_ACTION_RELOAD, String, Low,
                "The action that Connect should take on the connector when changes in external configuration providers result in a change in the connector's configuration properties. A value of 'none' indicates that Connect will do nothing. A value of 'restart' indicates that Connect should restart/reload the connector with the updated configuration properties.The restart may actually be scheduled in the future if the external configuration provider indicates that a configuration value will expire in the future.")
                .default_value("restart").validator(Validator::one_of(&["none", "restart"]))
                .group(COMMON_GROUP, 14).width(Width::Medium).display_name("Reload Action"),
        )
        .define(
            ConfigKey::new(ERRORS_RETRY_TIMEOUT, Long, Medium,
                "The maximum duration in milliseconds that a failed operation will be reattempted. The default is 0, which means no retries will be attempted. Use -1 for infinite retries.")
                .default_value("0").group(ERROR_GROUP, 1).width(Width::Medium).display_name("Retry Timeout for Errors"),
        )
        .define(
            ConfigKey::new(ERRORS_RETRY_MAX_DELAY, Long, Medium,
                "The maximum duration in milliseconds between consecutive retry attempts. Jitter will be added to the delay once this limit is reached to prevent thundering herd issues.")
                .default_value("60000").group(ERROR_GROUP, 2).width(Width::Medium)
                .display_name("Maximum Delay Between Retries for Errors"),
        )
        .define(
            ConfigKey::new(ERRORS_TOLERANCE, String, Medium,
                "Behavior for tolerating errors during connector operation. 'none' is the default value and signals that any error will result in an immediate connector task failure; 'all' changes the behavior to skip over problematic records.")
                .default_value("none").validator(Validator::one_of(&["none", "all"]))
                .group(ERROR_GROUP, 3).width(Width::Short).display_name("Error Tolerance"),
        )
        .define(
            ConfigKey::new(ERRORS_LOG_ENABLE, Boolean, Medium,
                "If true, write each error and the details of the failed operation and problematic record to the Connect application log. This is 'false' by default, so that only errors that are not tolerated are reported.")
                .default_value("false").group(ERROR_GROUP, 4).width(Width::Short).display_name("Log Errors"),
        )
        .define(
            ConfigKey::new(ERRORS_LOG_INCLUDE_MESSAGES, Boolean, Medium,
                "Whether to include in the log the Connect record that resulted in a failure. For sink records, the topic, partition, offset, and timestamp will be logged. For source records, the key and value (and their schemas), all headers, and the timestamp, Kafka topic, Kafka partition, source partition, and source offset will be logged. This is 'false' by default, which will prevent record keys, values, and headers from being written to log files.")
                .default_value("false").group(ERROR_GROUP, 5).width(Width::Short).display_name("Log Error Details"),
        )
}

/// The sink table (Apache's `SinkConnectorConfig.configDef()`).
pub fn sink_config_def() -> ConfigDef {
    use ConfigType::*;
    use Importance::*;
    connector_config_def()
        .define(
            ConfigKey::new(TOPICS, List, High, "List of topics to consume, separated by commas")
                .default_value("").validator(Validator::non_duplicate_list(true, false))
                .group(COMMON_GROUP, 4).width(Width::Long).display_name("Topics"),
        )
        .define(
            ConfigKey::new(TOPICS_REGEX, String, High,
                "Regular expression giving topics to consume. Under the hood, the regex is compiled to a <code>java.util.regex.Pattern</code>. Only one of topics or topics.regex should be specified.")
                .default_value("").validator(java_regex::validator())
                .group(COMMON_GROUP, 4).width(Width::Long).display_name("Topics regex"),
        )
        .define(
            ConfigKey::new(DLQ_TOPIC_NAME, String, Medium,
                "The name of the topic to be used as the dead letter queue (DLQ) for messages that result in an error when processed by this sink connector, or its transformations or converters. The topic name is blank by default, which means that no messages are to be recorded in the DLQ.")
                .default_value("").group(ERROR_GROUP, 6).width(Width::Medium).display_name("Dead Letter Queue Topic Name"),
        )
        .define(
            ConfigKey::new(DLQ_TOPIC_REPLICATION_FACTOR, Short, Medium,
                "Replication factor used to create the dead letter queue topic when it doesn't already exist.")
                .default_value("3").group(ERROR_GROUP, 7).width(Width::Medium)
                .display_name("Dead Letter Queue Topic Replication Factor"),
        )
        .define(
            ConfigKey::new(DLQ_CONTEXT_HEADERS_ENABLE, Boolean, Medium,
                "If true, add headers containing error context to the messages written to the dead letter queue. To avoid clashing with headers from the original record, all error context header keys, all error context header keys will start with <code>__connect.errors.</code>")
                .default_value("false").group(ERROR_GROUP, 8).width(Width::Medium).display_name("Enable Error Context Headers"),
        )
}

/// The source table (Apache's `SourceConnectorConfig.configDef()`).
pub fn source_config_def() -> ConfigDef {
    use ConfigType::*;
    use Importance::*;
    connector_config_def()
        .define(
            ConfigKey::new(TOPIC_CREATION_GROUPS, List, Low, "Groups of configurations for topics created by source connectors")
                .default_value("").validator(alias_validator("unique topic creation groups"))
                .group("Topic Creation", 1).width(Width::Long).display_name("Topic Creation Groups"),
        )
        .define(
            ConfigKey::new(EXACTLY_ONCE_SUPPORT, String, Medium,
                "Permitted values are requested, required. If set to \"required\", forces a preflight check for the connector to ensure that it can provide exactly-once semantics with the given configuration. Some connectors may be capable of providing exactly-once semantics but not signal to Connect that they support this; in that case, documentation for the connector should be consulted carefully before creating it, and the value for this property should be set to \"requested\". Additionally, if the value is set to \"required\" but the worker that performs preflight validation does not have exactly-once support enabled for source connectors, requests to create or validate the connector will fail.")
                .default_value("requested").validator(Validator::one_of_ignore_case(&["REQUIRED", "REQUESTED"]))
                .group("Exactly Once Support", 2).width(Width::Short).display_name("Exactly once support"),
        )
        .define(
            ConfigKey::new(TRANSACTION_BOUNDARY, String, Medium,
                "Permitted values are: poll, interval, connector. If set to 'poll', a new producer transaction will be started and committed for every batch of records that each task from this connector provides to Connect. If set to 'connector', relies on connector-defined transaction boundaries; note that not all connectors are capable of defining their own transaction boundaries, and in that case, attempts to instantiate a connector with this value will fail. Finally, if set to 'interval', commits transactions only after a user-defined time interval has passed.")
                .default_value("poll").validator(Validator::one_of_ignore_case(&["INTERVAL", "POLL", "CONNECTOR"]))
                .group("Exactly Once Support", 3).width(Width::Short).display_name("Transaction Boundary"),
        )
        .define(
            ConfigKey::new(TRANSACTION_BOUNDARY_INTERVAL_MS, Long, Low,
                "If 'transaction.boundary' is set to 'interval', determines the interval for producer transaction commits by connector tasks. If unset, defaults to the value of the worker-level 'offset.flush.interval.ms' property. It has no effect if a different transaction.boundary is specified.")
                .default_null().validator(Validator::Custom { check: at_least_zero_or_null, description: "[0,...]" })
                .group("Exactly Once Support", 4).width(Width::Short).display_name("Transaction boundary interval"),
        )
        .define(
            ConfigKey::new(OFFSETS_STORAGE_TOPIC, String, Low,
                "The name of a separate offsets topic to use for this connector. If empty or not specified, the worker\u{2019}s global offsets topic name will be used. If specified, the offsets topic will be created if it does not already exist on the Kafka cluster targeted by this connector (which may be different from the one used for the worker's global offsets topic if the bootstrap.servers property of the connector's producer has been overridden from the worker's). Only applicable in distributed mode; in standalone mode, setting this property will have no effect.")
                .default_null().validator(Validator::NonEmptyString)
                .group("offsets.topic", 1).width(Width::Long).display_name("Offsets topic"),
        )
}

/// `errors.tolerance`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToleranceType {
    /// Any error fails the task.
    None,
    /// Problematic records are skipped.
    All,
}

/// `config.action.reload`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReloadAction {
    None,
    Restart,
}

/// The error-handling keys, shared by sources and sinks.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorHandling {
    /// `errors.retry.timeout` in ms; 0 = no retries, -1 = forever.
    pub retry_timeout_ms: i64,
    pub retry_delay_max_ms: i64,
    pub tolerance: ToleranceType,
    pub log_enable: bool,
    pub log_include_messages: bool,
}

/// The keys every connector has, parsed and checked.
#[derive(Debug, Clone)]
pub struct ConnectorConfig {
    pub name: String,
    pub connector_class: String,
    pub tasks_max: u32,
    pub tasks_max_enforce: bool,
    /// Per-connector converter overrides (None = the worker's).
    pub key_converter: Option<String>,
    pub value_converter: Option<String>,
    pub header_converter: Option<String>,
    pub transforms: Vec<String>,
    pub predicates: Vec<String>,
    pub config_action_reload: ReloadAction,
    pub errors: ErrorHandling,
    originals: IndexMap<String, String>,
}

fn missing(key: &str) -> ConfigError {
    ConfigError::Missing(key.to_owned())
}

impl ConnectorConfig {
    /// Parses the common keys with the common table.
    pub fn from_props(props: &IndexMap<String, String>) -> Result<Self, ConfigError> {
        Self::from_parsed(&connector_config_def().parse(props)?)
    }

    fn from_parsed(parsed: &ParsedConfig) -> Result<Self, ConfigError> {
        let tasks_max = parsed.int(TASKS_MAX)?.ok_or_else(|| missing(TASKS_MAX))?;
        Ok(ConnectorConfig {
            name: parsed
                .string(NAME)?
                .ok_or_else(|| missing(NAME))?
                .to_owned(),
            connector_class: parsed
                .string(CONNECTOR_CLASS)?
                .ok_or_else(|| missing(CONNECTOR_CLASS))?
                .to_owned(),
            // The table's `at least 1` check makes the conversion infallible in practice.
            tasks_max: u32::try_from(tasks_max).map_err(|_| {
                ConfigError::invalid(TASKS_MAX, tasks_max, "Value must be at least 1")
            })?,
            tasks_max_enforce: parsed.boolean(TASKS_MAX_ENFORCE)?.unwrap_or(true),
            key_converter: parsed.class(KEY_CONVERTER)?.map(str::to_owned),
            value_converter: parsed.class(VALUE_CONVERTER)?.map(str::to_owned),
            header_converter: parsed.class(HEADER_CONVERTER)?.map(str::to_owned),
            transforms: parsed.list(TRANSFORMS)?.unwrap_or_default().to_vec(),
            predicates: parsed.list(PREDICATES)?.unwrap_or_default().to_vec(),
            config_action_reload: match parsed.string(CONFIG_ACTION_RELOAD)? {
                Some("none") => ReloadAction::None,
                _ => ReloadAction::Restart,
            },
            errors: ErrorHandling {
                retry_timeout_ms: parsed.long(ERRORS_RETRY_TIMEOUT)?.unwrap_or(0),
                retry_delay_max_ms: parsed.long(ERRORS_RETRY_MAX_DELAY)?.unwrap_or(60000),
                tolerance: match parsed.string(ERRORS_TOLERANCE)? {
                    Some("all") => ToleranceType::All,
                    _ => ToleranceType::None,
                },
                log_enable: parsed.boolean(ERRORS_LOG_ENABLE)?.unwrap_or(false),
                log_include_messages: parsed
                    .boolean(ERRORS_LOG_INCLUDE_MESSAGES)?
                    .unwrap_or(false),
            },
            originals: parsed.originals().clone(),
        })
    }

    /// A converter override's own config: `<converter_key>.*`, prefix stripped.
    pub fn converter_config(&self, converter_key: &str) -> IndexMap<String, String> {
        strip_prefix(&self.originals, &format!("{converter_key}."))
    }

    /// The config of one transformation: `transforms.<alias>.*`, prefix stripped.
    pub fn transform_config(&self, alias: &str) -> IndexMap<String, String> {
        strip_prefix(&self.originals, &format!("{TRANSFORMS}.{alias}."))
    }

    /// The config of one predicate: `predicates.<alias>.*`, prefix stripped.
    pub fn predicate_config(&self, alias: &str) -> IndexMap<String, String> {
        strip_prefix(&self.originals, &format!("{PREDICATES}.{alias}."))
    }

    /// The whole string map, connector-specific keys included (what the connector receives).
    pub fn originals(&self) -> &IndexMap<String, String> {
        &self.originals
    }
}

/// A sink connector's config.
#[derive(Debug, Clone)]
pub struct SinkConnectorConfig {
    pub common: ConnectorConfig,
    /// `topics`; empty when `topics.regex` is used.
    pub topics: Vec<String>,
    /// `topics.regex`, when used: matched against whole topic names, as Java's
    /// `Pattern.matcher(topic).matches()` does.
    pub topics_regex: Option<JavaRegex>,
    /// `errors.deadletterqueue.topic.name`, when set.
    pub dlq_topic_name: Option<String>,
    pub dlq_topic_replication_factor: i16,
    pub dlq_context_headers_enable: bool,
}

impl SinkConnectorConfig {
    /// Parses with the sink table, then checks the topic rules.
    pub fn from_props(props: &IndexMap<String, String>) -> Result<Self, ConfigError> {
        let parsed = sink_config_def().parse(props)?;
        validate_sink_topics(props)?;
        let regex = parsed.string(TOPICS_REGEX)?.unwrap_or_default();
        let dlq = parsed.string(DLQ_TOPIC_NAME)?.unwrap_or_default();
        Ok(SinkConnectorConfig {
            common: ConnectorConfig::from_parsed(&parsed)?,
            topics: parsed.list(TOPICS)?.unwrap_or_default().to_vec(),
            topics_regex: if regex.is_empty() {
                None
            } else {
                Some(JavaRegex::compile(TOPICS_REGEX, regex)?)
            },
            dlq_topic_name: (!dlq.is_empty()).then(|| dlq.to_owned()),
            dlq_topic_replication_factor: parsed.short(DLQ_TOPIC_REPLICATION_FACTOR)?.unwrap_or(3),
            dlq_context_headers_enable: parsed
                .boolean(DLQ_CONTEXT_HEADERS_ENABLE)?
                .unwrap_or(false),
        })
    }
}

impl SinkConnectorConfig {
    /// What the task's consumer subscribes to: exactly one of the two is set, as
    /// [`validate_sink_topics`] checked while parsing.
    pub fn subscription(&self) -> Subscription {
        match &self.topics_regex {
            Some(regex) => Subscription::Regex(regex.clone()),
            None => Subscription::Topics(self.topics.clone()),
        }
    }
}

fn is_blank(value: Option<&String>) -> bool {
    value.is_none_or(|v| crate::config::java_trim(v).is_empty())
}

/// Apache's `SinkConnectorConfig.validate`, as per-key messages: exactly one of `topics` and
/// `topics.regex`, and the DLQ topic not among the consumed topics. Each entry is
/// (key, raw value or None, message).
pub fn sink_topic_problems(
    props: &IndexMap<String, String>,
) -> Vec<(&'static str, Option<String>, String)> {
    let topics = props.get(TOPICS);
    let regex = props.get(TOPICS_REGEX);
    let mut problems = Vec::new();
    match (is_blank(topics), is_blank(regex)) {
        (false, false) => {
            let message = format!(
                "{TOPICS} and {TOPICS_REGEX} are mutually exclusive options, but both are set."
            );
            problems.push((TOPICS, topics.cloned(), message.clone()));
            problems.push((TOPICS_REGEX, regex.cloned(), message));
        }
        (true, true) => {
            let message = format!("Must configure one of {TOPICS} or {TOPICS_REGEX}");
            problems.push((TOPICS, topics.cloned(), message.clone()));
            problems.push((TOPICS_REGEX, regex.cloned(), message));
        }
        _ => {}
    }
    let dlq = props
        .get(DLQ_TOPIC_NAME)
        .map(|d| crate::config::java_trim(d))
        .unwrap_or("");
    if !dlq.is_empty()
        && let Some(list) = topics.filter(|t| !is_blank(Some(t)))
    {
        let parsed = parse_list(list);
        if parsed.iter().any(|t| t == dlq) {
            problems.push((
                TOPICS,
                Some(list.clone()),
                format!(
                    "The DLQ topic '{dlq}' may not be included in the list of topics ('{TOPICS}=[{}]') consumed by the connector",
                    parsed.join(", ")
                ),
            ));
        }
    }
    problems
}

/// The first of [`sink_topic_problems`] as an error, as Apache's `SinkConnectorConfig.validate`.
pub fn validate_sink_topics(props: &IndexMap<String, String>) -> Result<(), ConfigError> {
    match sink_topic_problems(props).into_iter().next() {
        None => Ok(()),
        Some((key, value, message)) => Err(ConfigError::invalid(
            key,
            value.as_deref().unwrap_or("null"),
            message,
        )),
    }
}

/// `exactly.once.support`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExactlyOnceSupport {
    Requested,
    Required,
}

/// `transaction.boundary`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransactionBoundary {
    Poll,
    Interval,
    Connector,
}

/// A source connector's config.
#[derive(Debug, Clone)]
pub struct SourceConnectorConfig {
    pub common: ConnectorConfig,
    pub topic_creation_groups: Vec<String>,
    pub exactly_once_support: ExactlyOnceSupport,
    pub transaction_boundary: TransactionBoundary,
    pub transaction_boundary_interval_ms: Option<i64>,
    /// Per-connector offsets topic (distributed mode only; no effect in standalone).
    pub offsets_storage_topic: Option<String>,
}

impl SourceConnectorConfig {
    /// Parses with the source table.
    pub fn from_props(props: &IndexMap<String, String>) -> Result<Self, ConfigError> {
        let parsed = source_config_def().parse(props)?;
        let lower = |key| -> Result<String, ConfigError> {
            Ok(parsed.string(key)?.unwrap_or_default().to_ascii_lowercase())
        };
        Ok(SourceConnectorConfig {
            common: ConnectorConfig::from_parsed(&parsed)?,
            topic_creation_groups: parsed
                .list(TOPIC_CREATION_GROUPS)?
                .unwrap_or_default()
                .to_vec(),
            exactly_once_support: match lower(EXACTLY_ONCE_SUPPORT)?.as_str() {
                "required" => ExactlyOnceSupport::Required,
                _ => ExactlyOnceSupport::Requested,
            },
            transaction_boundary: match lower(TRANSACTION_BOUNDARY)?.as_str() {
                "interval" => TransactionBoundary::Interval,
                "connector" => TransactionBoundary::Connector,
                _ => TransactionBoundary::Poll,
            },
            transaction_boundary_interval_ms: parsed.long(TRANSACTION_BOUNDARY_INTERVAL_MS)?,
            offsets_storage_topic: parsed.string(OFFSETS_STORAGE_TOPIC)?.map(str::to_owned),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(pairs: &[(&str, &str)]) -> IndexMap<String, String> {
        crate::fixtures::string_map(pairs)
    }

    fn err_of(result: Result<impl std::fmt::Debug, ConfigError>) -> String {
        result.unwrap_err().to_string()
    }

    #[test]
    fn common_defaults_and_prefixes() {
        let config = ConnectorConfig::from_props(&props(&[
            ("name", "local-file-source"),
            ("connector.class", "FileStreamSource"),
            (
                "value.converter",
                "org.apache.kafka.connect.storage.StringConverter",
            ),
            ("value.converter.encoding", "UTF-8"),
            ("transforms", "a, b"),
            ("transforms.a.type", "InsertField"),
            ("file", "/tmp/x"),
        ]))
        .unwrap();
        assert_eq!(config.tasks_max, 1);
        assert!(config.tasks_max_enforce);
        assert_eq!(config.key_converter, None);
        assert_eq!(
            config.value_converter.as_deref(),
            Some("org.apache.kafka.connect.storage.StringConverter")
        );
        assert_eq!(
            config.converter_config("value.converter"),
            props(&[("encoding", "UTF-8")])
        );
        assert_eq!(config.transforms, ["a", "b"]);
        assert_eq!(
            config.transform_config("a"),
            props(&[("type", "InsertField")])
        );
        assert_eq!(config.config_action_reload, ReloadAction::Restart);
        assert_eq!(
            config.errors,
            ErrorHandling {
                retry_timeout_ms: 0,
                retry_delay_max_ms: 60000,
                tolerance: ToleranceType::None,
                log_enable: false,
                log_include_messages: false
            }
        );
        assert_eq!(config.originals()["file"], "/tmp/x");
    }

    #[test]
    fn common_messages_match_apache_4_3() {
        let base = [("name", "x"), ("connector.class", "Foo")];
        let with = |extra: &[(&str, &str)]| {
            let mut p = props(&base);
            p.extend(props(extra));
            err_of(ConnectorConfig::from_props(&p))
        };
        assert_eq!(
            err_of(ConnectorConfig::from_props(&props(&[(
                "connector.class",
                "Foo"
            )]))),
            "Missing required configuration \"name\" which has no default value."
        );
        assert_eq!(
            with(&[("transforms", "a,a")]),
            "Invalid value [a, a] for configuration transforms: Duplicate alias provided."
        );
        assert_eq!(
            with(&[("tasks.max", "0")]),
            "Invalid value 0 for configuration tasks.max: Value must be at least 1"
        );
        assert_eq!(
            with(&[("name", "")]),
            "Invalid value  for configuration name: String may not be empty"
        );
        assert_eq!(
            with(&[("errors.tolerance", "ALL")]),
            "Invalid value ALL for configuration errors.tolerance: String must be one of: none, all"
        );
        assert_eq!(
            with(&[("tasks.max", "1.5")]),
            "Invalid value 1.5 for configuration tasks.max: Not a number of type INT"
        );
        assert_eq!(
            with(&[("errors.log.enable", "yes")]),
            "Invalid value yes for configuration errors.log.enable: Expected value to be either true or false"
        );
    }

    #[test]
    fn sink_topics_rules() {
        let base = [("name", "x"), ("connector.class", "FileStreamSink")];
        let with = |extra: &[(&str, &str)]| {
            let mut p = props(&base);
            p.extend(props(extra));
            SinkConnectorConfig::from_props(&p)
        };
        assert_eq!(
            err_of(with(&[])),
            "Invalid value null for configuration topics: Must configure one of topics or topics.regex"
        );
        assert_eq!(
            err_of(with(&[("topics", "a"), ("topics.regex", "b.*")])),
            "Invalid value a for configuration topics: topics and topics.regex are mutually exclusive options, but both are set."
        );
        assert_eq!(
            err_of(with(&[
                ("topics", "a, dlq"),
                ("errors.deadletterqueue.topic.name", "dlq")
            ])),
            "Invalid value a, dlq for configuration topics: The DLQ topic 'dlq' may not be included in the list of topics ('topics=[a, dlq]') consumed by the connector"
        );
        let sink = with(&[
            ("topics", "a,a,b"),
            ("errors.deadletterqueue.topic.name", "dlq"),
        ])
        .unwrap();
        assert_eq!(sink.topics, ["a", "b"]);
        assert_eq!(sink.dlq_topic_name.as_deref(), Some("dlq"));
        assert_eq!(sink.dlq_topic_replication_factor, 3);
        let sink = with(&[("topics.regex", "t-.*")]).unwrap();
        assert_eq!(
            sink.topics_regex.as_ref().map(JavaRegex::pattern),
            Some("t-.*")
        );
        assert!(sink.topics.is_empty());
    }

    #[test]
    fn source_keys() {
        let base = props(&[("name", "x"), ("connector.class", "FileStreamSource")]);
        let source = SourceConnectorConfig::from_props(&base).unwrap();
        assert_eq!(source.exactly_once_support, ExactlyOnceSupport::Requested);
        assert_eq!(source.transaction_boundary, TransactionBoundary::Poll);
        assert_eq!(source.transaction_boundary_interval_ms, None);
        let mut p = base.clone();
        p.extend(props(&[
            ("exactly.once.support", "REQUIRED"),
            ("transaction.boundary", "Interval"),
        ]));
        let source = SourceConnectorConfig::from_props(&p).unwrap();
        assert_eq!(source.exactly_once_support, ExactlyOnceSupport::Required);
        assert_eq!(source.transaction_boundary, TransactionBoundary::Interval);
        let mut p = base.clone();
        p.insert("transaction.boundary".into(), "batch".into());
        assert_eq!(
            err_of(SourceConnectorConfig::from_props(&p)),
            "Invalid value batch for configuration transaction.boundary: String must be one of (case insensitive): INTERVAL, POLL, CONNECTOR"
        );
        let mut p = base;
        p.insert("offsets.storage.topic".into(), "".into());
        assert_eq!(
            err_of(SourceConnectorConfig::from_props(&p)),
            "Invalid value  for configuration offsets.storage.topic: String must be non-empty"
        );
    }

    #[test]
    fn tables_are_consistent_and_ordered_like_apache() {
        for def in [
            connector_config_def(),
            sink_config_def(),
            source_config_def(),
        ] {
            def.check().unwrap();
        }
        let names: Vec<String> = sink_config_def().keys().map(|k| k.name.clone()).collect();
        assert_eq!(names.len(), 24);
        assert_eq!(names[0], "name");
        assert_eq!(names[19], "topics");
        assert_eq!(
            sink_config_def().groups(),
            ["Common", "Transforms", "Predicates", "Error Handling"]
        );
        assert_eq!(source_config_def().keys().count(), 24);
    }
}
