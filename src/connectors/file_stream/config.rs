//! The configs of FileStreamSource and FileStreamSink: Apache's `CONFIG_DEF` tables of
//! `FileStreamSourceConnector` and `FileStreamSinkConnector` (keys, types, defaults,
//! importance, documentation, validators), parsed into typed structs.
//!
//! The sink's `topics` / `topics.regex` are the runtime's keys, checked by the runtime
//! for every sink (`runtime::config::connector`), as in Apache.

use crate::config::{
    ConfigDef, ConfigError, ConfigKey, ConfigType, Importance, ParsedConfig, Props, Validator,
};

/// Source: the file to read; absent or empty means standard input.
/// Sink: the file to append to; absent or empty means standard output.
pub const FILE_CONFIG: &str = "file";
/// Source: the topic to publish to (required, non-empty).
pub const TOPIC_CONFIG: &str = "topic";
/// Source: the most records one `poll` returns.
pub const TASK_BATCH_SIZE_CONFIG: &str = "batch.size";
/// Source: default of [`TASK_BATCH_SIZE_CONFIG`].
pub const DEFAULT_TASK_BATCH_SIZE: i32 = 2000;

/// `FileStreamSourceConnector.CONFIG_DEF`.
pub fn source_config_def() -> ConfigDef {
    ConfigDef::new()
        .define(
            ConfigKey::new(
                FILE_CONFIG,
                ConfigType::String,
                Importance::High,
                "Source filename. If not specified, the standard input will be used",
            )
            .default_null(),
        )
        .define(
            ConfigKey::new(
                TOPIC_CONFIG,
                ConfigType::String,
                Importance::High,
                "The topic to publish data to",
            )
            .validator(Validator::NonEmptyString),
        )
        .define(
            ConfigKey::new(
                TASK_BATCH_SIZE_CONFIG,
                ConfigType::Int,
                Importance::Low,
                "The maximum number of records the source task can read from the file each time it is polled",
            )
            .default_value(&DEFAULT_TASK_BATCH_SIZE.to_string()),
        )
}

/// `FileStreamSinkConnector.CONFIG_DEF`.
pub fn sink_config_def() -> ConfigDef {
    ConfigDef::new().define(
        ConfigKey::new(
            FILE_CONFIG,
            ConfigType::String,
            Importance::High,
            "Destination filename. If not specified, the standard output will be used",
        )
        .default_null(),
    )
}

/// `file`, with empty meaning none (standard input or output), as both connectors read it.
fn file(parsed: &ParsedConfig) -> Result<Option<String>, ConfigError> {
    Ok(parsed
        .string(FILE_CONFIG)?
        .filter(|f| !f.is_empty())
        .map(str::to_owned))
}

/// A validated FileStreamSource (connector and task) config.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileStreamSourceConfig {
    /// The file to tail, as written in the config (trimmed); `None` reads standard input.
    /// This exact string is the `filename` of the source partition.
    pub file: Option<String>,
    /// The topic every record goes to.
    pub topic: String,
    /// The most records one poll returns; values below 1 behave as 1, as in Apache.
    pub batch_size: i32,
}

impl FileStreamSourceConfig {
    /// Parses `config` against [`source_config_def`]; the first problem is the error.
    pub fn parse(config: &impl Props) -> Result<Self, ConfigError> {
        let parsed = source_config_def().parse(config)?;
        Ok(FileStreamSourceConfig {
            file: file(&parsed)?,
            topic: parsed.string(TOPIC_CONFIG)?.unwrap_or_default().to_owned(),
            batch_size: parsed
                .int(TASK_BATCH_SIZE_CONFIG)?
                .unwrap_or(DEFAULT_TASK_BATCH_SIZE),
        })
    }

    /// How many records a poll may return, at least one.
    pub fn max_batch(&self) -> usize {
        usize::try_from(self.batch_size.max(1)).unwrap_or(1)
    }
}

/// A validated FileStreamSink task config.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileStreamSinkConfig {
    /// The file to append to; `None` writes to standard output.
    pub file: Option<String>,
}

impl FileStreamSinkConfig {
    /// Parses the task's config against [`sink_config_def`].
    pub fn parse(config: &impl Props) -> Result<Self, ConfigError> {
        let parsed = sink_config_def().parse(config)?;
        Ok(FileStreamSinkConfig {
            file: file(&parsed)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connectors::ConfigMap;

    fn map(pairs: &[(&str, &str)]) -> ConfigMap {
        crate::fixtures::string_map(pairs)
    }

    #[test]
    fn source_defaults_and_stdin() {
        let config = FileStreamSourceConfig::parse(&map(&[("topic", "t"), ("file", "")])).unwrap();
        assert_eq!(config.file, None);
        assert_eq!(config.batch_size, 2000);
        let config =
            FileStreamSourceConfig::parse(&map(&[("topic", " t "), ("file", " /tmp/x ")])).unwrap();
        assert_eq!(config.file.as_deref(), Some("/tmp/x"));
        assert_eq!(config.topic, "t");
    }

    #[test]
    fn source_errors_use_apache_messages() {
        let err = FileStreamSourceConfig::parse(&map(&[])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Missing required configuration \"topic\" which has no default value."
        );
        let err = FileStreamSourceConfig::parse(&map(&[("topic", "")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Invalid value  for configuration topic: String must be non-empty"
        );
        let report = source_config_def().validate(&map(&[("topic", "t"), ("batch.size", "lots")]));
        let keys: Vec<&str> = report.keys().map(String::as_str).collect();
        assert_eq!(keys, ["file", "topic", "batch.size"]);
        assert_eq!(
            report["batch.size"].errors,
            ["Invalid value lots for configuration batch.size: Not a number of type INT"]
        );
        assert!(report["topic"].errors.is_empty());
    }

    #[test]
    fn batch_below_one_behaves_as_one() {
        let config =
            FileStreamSourceConfig::parse(&map(&[("topic", "t"), ("batch.size", "0")])).unwrap();
        assert_eq!(config.max_batch(), 1);
    }

    #[test]
    fn sink_reads_only_its_file() {
        assert_eq!(FileStreamSinkConfig::parse(&map(&[])).unwrap().file, None);
        let keys: Vec<String> = sink_config_def().keys().map(|k| k.name.clone()).collect();
        assert_eq!(keys, ["file"]);
    }
}
