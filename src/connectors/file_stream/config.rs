//! The configs of FileStreamSource and FileStreamSink: Apache's keys, defaults and
//! validation messages, parsed into typed structs.

use crate::connectors::validation::{ConfigErrors, ConfigMap, ConfigReader, KeyValidation};

/// Source: the file to read; absent or empty means standard input.
/// Sink: the file to append to; absent or empty means standard output.
pub const FILE_CONFIG: &str = "file";
/// Source: the topic to publish to (required, non-empty).
pub const TOPIC_CONFIG: &str = "topic";
/// Source: the most records one `poll` returns.
pub const TASK_BATCH_SIZE_CONFIG: &str = "batch.size";
/// Source: default of [`TASK_BATCH_SIZE_CONFIG`].
pub const DEFAULT_TASK_BATCH_SIZE: i32 = 2000;
/// Sink: the topics to consume (list), exclusive with [`TOPICS_REGEX_CONFIG`].
pub const TOPICS_CONFIG: &str = "topics";
/// Sink: a regex of topics to consume, exclusive with [`TOPICS_CONFIG`].
pub const TOPICS_REGEX_CONFIG: &str = "topics.regex";

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
    /// Parses `config`, or returns every problem found.
    pub fn parse(config: &ConfigMap) -> Result<Self, ConfigErrors> {
        let mut reader = ConfigReader::new(config);
        let parsed = Self::read(&mut reader);
        reader.finish(parsed)
    }

    /// One entry per key this connector defines, each with its problems.
    pub fn validate(config: &ConfigMap) -> Vec<KeyValidation> {
        let mut reader = ConfigReader::new(config);
        Self::read(&mut reader);
        reader.into_report()
    }

    /// How many records a poll may return, at least one.
    pub fn max_batch(&self) -> usize {
        usize::try_from(self.batch_size.max(1)).unwrap_or(1)
    }

    fn read(reader: &mut ConfigReader<'_>) -> Option<Self> {
        let file = reader
            .optional_string(FILE_CONFIG)
            .filter(|f| !f.is_empty());
        let topic = reader.required_non_empty_string(TOPIC_CONFIG);
        let batch_size = reader.int_or(TASK_BATCH_SIZE_CONFIG, DEFAULT_TASK_BATCH_SIZE);
        Some(FileStreamSourceConfig {
            file,
            topic: topic?,
            batch_size: batch_size?,
        })
    }
}

/// A validated FileStreamSink task config. The task only needs `file`; the topics are
/// the runtime's business (see [`FileStreamSinkConfig::validate`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileStreamSinkConfig {
    /// The file to append to; `None` writes to standard output.
    pub file: Option<String>,
}

impl FileStreamSinkConfig {
    /// Parses the task's config.
    pub fn parse(config: &ConfigMap) -> Result<Self, ConfigErrors> {
        let mut reader = ConfigReader::new(config);
        let file = reader
            .optional_string(FILE_CONFIG)
            .filter(|f| !f.is_empty());
        reader.finish(Some(FileStreamSinkConfig { file }))
    }

    /// Validates `file` plus the sink's `topics` / `topics.regex`, with the messages of
    /// Apache's `SinkConnectorConfig.validate` (which Apache runs in the runtime for every
    /// sink; the runtime here may run [`check_sink_topics`] itself instead).
    pub fn validate(config: &ConfigMap) -> Vec<KeyValidation> {
        let mut reader = ConfigReader::new(config);
        reader.optional_string(FILE_CONFIG);
        check_sink_topics(&mut reader);
        reader.into_report()
    }
}

/// Exactly one of `topics` and `topics.regex` must be set (blank counts as unset).
/// The messages are Apache's, reported on both keys as Apache does.
pub fn check_sink_topics(reader: &mut ConfigReader<'_>) {
    let has_topics = reader
        .optional_string(TOPICS_CONFIG)
        .is_some_and(|v| !v.is_empty());
    let has_regex = reader
        .optional_string(TOPICS_REGEX_CONFIG)
        .is_some_and(|v| !v.is_empty());
    let message = match (has_topics, has_regex) {
        (true, true) => format!(
            "{TOPICS_CONFIG} and {TOPICS_REGEX_CONFIG} are mutually exclusive options, but both are set."
        ),
        (false, false) => format!("Must configure one of {TOPICS_CONFIG} or {TOPICS_REGEX_CONFIG}"),
        _ => return,
    };
    reader.error(TOPICS_CONFIG, message.clone());
    reader.error(TOPICS_REGEX_CONFIG, message);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> ConfigMap {
        crate::fixtures::string_map(pairs)
    }

    fn errors_of<'a>(report: &'a [KeyValidation], key: &str) -> &'a [String] {
        &report.iter().find(|k| k.key == key).unwrap().errors
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
        let report =
            FileStreamSourceConfig::validate(&map(&[("topic", "t"), ("batch.size", "lots")]));
        let keys: Vec<&str> = report.iter().map(|k| k.key.as_str()).collect();
        assert_eq!(keys, ["file", "topic", "batch.size"]);
        assert_eq!(
            errors_of(&report, "batch.size"),
            ["Invalid value lots for configuration batch.size: Not a number of type INT"]
        );
        assert!(errors_of(&report, "topic").is_empty());
    }

    #[test]
    fn batch_below_one_behaves_as_one() {
        let config =
            FileStreamSourceConfig::parse(&map(&[("topic", "t"), ("batch.size", "0")])).unwrap();
        assert_eq!(config.max_batch(), 1);
    }

    #[test]
    fn sink_topics_must_be_exactly_one_of_two() {
        let none = FileStreamSinkConfig::validate(&map(&[("file", "/x")]));
        assert_eq!(
            errors_of(&none, "topics"),
            ["Must configure one of topics or topics.regex"]
        );
        assert_eq!(
            errors_of(&none, "topics.regex"),
            ["Must configure one of topics or topics.regex"]
        );
        let both =
            FileStreamSinkConfig::validate(&map(&[("topics", "a"), ("topics.regex", "b.*")]));
        assert_eq!(
            errors_of(&both, "topics"),
            ["topics and topics.regex are mutually exclusive options, but both are set."]
        );
        let one = FileStreamSinkConfig::validate(&map(&[("topics", "a,b")]));
        assert!(one.iter().all(|k| k.errors.is_empty()));
        assert_eq!(FileStreamSinkConfig::parse(&map(&[])).unwrap().file, None);
    }
}
