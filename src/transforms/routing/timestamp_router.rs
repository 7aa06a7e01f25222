//! `TimestampRouter`: sets the topic from `topic.format`, replacing `${topic}` with the
//! topic and `${timestamp}` with the record timestamp formatted by `timestamp.format`
//! (a `SimpleDateFormat` pattern, in UTC).

use crate::config::{ConfigDef, ConfigKey, ConfigType, Importance};
use crate::java::date_format::SimpleDateFormat;
use crate::transforms::{ConnectRecord, TransformError, TransformProps, Transformation};

const TOPIC_FORMAT: &str = "topic.format";
const TIMESTAMP_FORMAT: &str = "timestamp.format";

/// TimestampRouter's keys, with Apache's defaults.
pub fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(
            ConfigKey::new(
                TOPIC_FORMAT,
                ConfigType::String,
                Importance::High,
                "Format string which can contain <code>${topic}</code> and <code>${timestamp}</code> as placeholders for the topic and timestamp, respectively.",
            )
            .default_value("${topic}-${timestamp}"),
        )
        .define(
            ConfigKey::new(
                TIMESTAMP_FORMAT,
                ConfigType::String,
                Importance::High,
                "Format string for the timestamp that is compatible with <code>java.text.SimpleDateFormat</code>.",
            )
            .default_value("yyyyMMdd"),
        )
}

/// Routes each record to a topic named after its topic and timestamp.
#[derive(Debug, Clone)]
pub struct TimestampRouter {
    topic_format: String,
    /// Java builds the `SimpleDateFormat` lazily on the first record, so a bad pattern
    /// fails records, not the configuration; the error is kept for that.
    timestamp_format: Result<SimpleDateFormat, String>,
}

impl TimestampRouter {
    /// Configures from the `transforms.<alias>.*` keys, prefix stripped.
    pub fn from_props(props: &TransformProps) -> Result<Self, TransformError> {
        let parsed = config_def().parse(props)?;
        Ok(TimestampRouter {
            topic_format: parsed.string(TOPIC_FORMAT)?.unwrap_or_default().to_owned(),
            timestamp_format: SimpleDateFormat::new(
                parsed.string(TIMESTAMP_FORMAT)?.unwrap_or_default(),
            )
            .map_err(|e| e.to_string()),
        })
    }
}

impl Transformation for TimestampRouter {
    fn apply(&self, mut record: ConnectRecord) -> Result<Option<ConnectRecord>, TransformError> {
        let format = self
            .timestamp_format
            .as_ref()
            .map_err(|e| TransformError::Data(e.clone()))?;
        let Some(timestamp) = record.timestamp else {
            // Apache appends the record's toString, which has source-side fields this
            // view of the record does not carry.
            return Err(TransformError::Data(format!(
                "Timestamp missing on record: ConnectRecord{{topic='{}', kafkaPartition={}}}",
                record.topic,
                record
                    .kafka_partition
                    .map_or_else(|| "null".to_owned(), |p| p.to_string())
            )));
        };
        let formatted = format.format(timestamp);
        // Two literal passes, in Apache's order: a topic containing "${timestamp}" is
        // replaced by the second pass too.
        record.topic = self
            .topic_format
            .replace("${topic}", &record.topic)
            .replace("${timestamp}", &formatted);
        Ok(Some(record))
    }
}
