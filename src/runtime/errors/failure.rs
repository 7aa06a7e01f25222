//! What went wrong with one record, in the terms Apache's error reporters use: the
//! pipeline stage, the class that was executing, and the exception with its causes.

use std::fmt;

/// The pipeline step a failure happened in (Apache's `Stage`; its names go into the
/// `__connect.errors.stage` header and the error log).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// `SinkTask::put` / `SourceTask::poll`.
    TaskPut,
    TaskPoll,
    KeyConverter,
    ValueConverter,
    HeaderConverter,
    Transformation,
    /// Sending a source record to Kafka.
    KafkaProduce,
    /// Reading a record from Kafka.
    KafkaConsume,
}

impl Stage {
    /// Apache's enum constant name.
    pub fn name(self) -> &'static str {
        match self {
            Stage::TaskPut => "TASK_PUT",
            Stage::TaskPoll => "TASK_POLL",
            Stage::KeyConverter => "KEY_CONVERTER",
            Stage::ValueConverter => "VALUE_CONVERTER",
            Stage::HeaderConverter => "HEADER_CONVERTER",
            Stage::Transformation => "TRANSFORMATION",
            Stage::KafkaProduce => "KAFKA_PRODUCE",
            Stage::KafkaConsume => "KAFKA_CONSUME",
        }
    }

    /// Whether any failure of this stage may be tolerated (converters and transforms);
    /// other stages tolerate only retriable failures whose retries ran out.
    pub fn tolerates_any_failure(self) -> bool {
        matches!(
            self,
            Stage::KeyConverter
                | Stage::ValueConverter
                | Stage::HeaderConverter
                | Stage::Transformation
        )
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Java class names reported for our failures, as Apache would report them.
pub mod java {
    pub const DATA_EXCEPTION: &str = "org.apache.kafka.connect.errors.DataException";
    pub const CONNECT_EXCEPTION: &str = "org.apache.kafka.connect.errors.ConnectException";
    pub const RETRIABLE_EXCEPTION: &str = "org.apache.kafka.connect.errors.RetriableException";
    pub const CONFIG_EXCEPTION: &str = "org.apache.kafka.common.config.ConfigException";
    pub const SERIALIZATION_EXCEPTION: &str =
        "org.apache.kafka.common.errors.SerializationException";
    pub const KAFKA_EXCEPTION: &str = "org.apache.kafka.common.KafkaException";
    /// The executing class of the produce stage on sources.
    pub const WORKER_SOURCE_TASK: &str = "org.apache.kafka.connect.runtime.WorkerSourceTask";
    /// The executing class of a transformation step whose own class is not known.
    pub const TRANSFORMATION_CHAIN: &str = "org.apache.kafka.connect.runtime.TransformationChain";
}

/// One failure, shaped like a Java exception: class name, message, optional cause.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessingError {
    /// The Java class Apache would throw for this case.
    pub exception_class: String,
    pub message: String,
    pub cause: Option<Box<ProcessingError>>,
    /// A transient failure (Apache's `RetriableException`): the operation is retried
    /// until `errors.retry.timeout` runs out.
    pub retriable: bool,
}

/// What `JsonConverter` says when bytes are not JSON; Apache's `DataException` carries
/// only this prefix as its message and the parser's complaint as its cause.
const JSON_SERIALIZATION_PREFIX: &str =
    "Converting byte[] to Kafka Connect data failed due to serialization error: ";

impl ProcessingError {
    /// A non-retriable failure of the given Java class.
    pub fn new(exception_class: impl Into<String>, message: impl Into<String>) -> Self {
        ProcessingError {
            exception_class: exception_class.into(),
            message: message.into(),
            cause: None,
            retriable: false,
        }
    }

    /// Adds a cause.
    pub fn caused_by(mut self, cause: ProcessingError) -> Self {
        self.cause = Some(Box::new(cause));
        self
    }

    /// A converter failure: Apache's `DataException` (or `ConfigException`). The JSON
    /// parse failure is split as Apache splits it, so `exception.message` matches.
    pub fn from_conversion(error: &crate::data::converters::ConversionError) -> Self {
        use crate::data::converters::ConversionError;
        match error {
            ConversionError::Data(message) => match message.strip_prefix(JSON_SERIALIZATION_PREFIX)
            {
                Some(detail) => {
                    ProcessingError::new(java::DATA_EXCEPTION, JSON_SERIALIZATION_PREFIX)
                        .caused_by(ProcessingError::new(java::SERIALIZATION_EXCEPTION, detail))
                }
                None => ProcessingError::new(java::DATA_EXCEPTION, message.clone()),
            },
            ConversionError::Config(error) => {
                ProcessingError::new(java::CONFIG_EXCEPTION, error.to_string())
            }
        }
    }

    /// A transformation failure.
    pub fn from_transform(error: &crate::transforms::TransformError) -> Self {
        use crate::transforms::TransformError;
        match error {
            TransformError::Config(e) => {
                ProcessingError::new(java::CONFIG_EXCEPTION, e.to_string())
            }
            TransformError::Data(message) => {
                ProcessingError::new(java::DATA_EXCEPTION, message.clone())
            }
        }
    }

    /// A failed delivery to Kafka (source records).
    pub fn from_kafka(error: &rdkafka::error::KafkaError) -> Self {
        ProcessingError::new(java::KAFKA_EXCEPTION, error.to_string())
    }

    /// `class: message` (Java's `Throwable.toString`).
    pub fn headline(&self) -> String {
        if self.message.is_empty() {
            self.exception_class.clone()
        } else {
            format!("{}: {}", self.exception_class, self.message)
        }
    }

    /// The text written where Java writes `printStackTrace`: the headline, then one
    /// `Caused by: ` line per cause. There are no Java frames (`\tat ...` lines) to write.
    pub fn stacktrace(&self) -> String {
        let mut text = self.headline();
        text.push('\n');
        let mut cause = self.cause.as_deref();
        while let Some(c) = cause {
            text.push_str("Caused by: ");
            text.push_str(&c.headline());
            text.push('\n');
            cause = c.cause.as_deref();
        }
        text
    }
}

impl fmt::Display for ProcessingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// The task must fail: a failure was not tolerated (Apache's `ConnectException` with
/// `Tolerance exceeded in error handler`, or `Unhandled exception in error handler` for
/// a stage that tolerates only retriable failures).
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct ToleranceExceeded {
    pub message: &'static str,
    pub cause: ProcessingError,
}

impl ToleranceExceeded {
    /// The task's FAILED trace, shaped like Java's stack trace of the exception.
    pub fn trace(&self) -> String {
        format!(
            "{}: {}\nCaused by: {}",
            java::CONNECT_EXCEPTION,
            self.message,
            self.cause.stacktrace().trim_end()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::converters::ConversionError;

    #[test]
    fn json_parse_failures_split_like_apache() {
        let e = ProcessingError::from_conversion(&ConversionError::Data(format!(
            "{JSON_SERIALIZATION_PREFIX}Unexpected character ('x')"
        )));
        assert_eq!(e.exception_class, java::DATA_EXCEPTION);
        assert_eq!(e.message, JSON_SERIALIZATION_PREFIX);
        assert_eq!(
            e.stacktrace(),
            "org.apache.kafka.connect.errors.DataException: Converting byte[] to Kafka Connect data failed due to serialization error: \n\
             Caused by: org.apache.kafka.common.errors.SerializationException: Unexpected character ('x')\n"
        );
    }

    #[test]
    fn other_data_errors_keep_their_message() {
        let e = ProcessingError::from_conversion(&ConversionError::Data("bad".into()));
        assert_eq!(
            e.headline(),
            "org.apache.kafka.connect.errors.DataException: bad"
        );
        assert!(e.cause.is_none());
    }

    #[test]
    fn task_trace_names_the_tolerance_and_the_cause() {
        let failure = ToleranceExceeded {
            message: "Tolerance exceeded in error handler",
            cause: ProcessingError::new(java::DATA_EXCEPTION, "bad"),
        };
        assert_eq!(
            failure.trace(),
            "org.apache.kafka.connect.errors.ConnectException: Tolerance exceeded in error handler\n\
             Caused by: org.apache.kafka.connect.errors.DataException: bad"
        );
    }
}
