//! `errors.log.enable`: one error line per failed record (Apache's `LogReporter`).

use rdkafka::Message;

use super::failure::{ProcessingError, Stage};
use super::operator::OriginalRecord;
use crate::data::SourceRecord;
use crate::runtime::TaskId;

/// Writes failures to the application log in Apache's words:
/// `Error encountered in task c-0. Executing stage 'VALUE_CONVERTER' with class
/// 'org.apache.kafka.connect.json.JsonConverter', where consumed record is {topic='t',
/// partition=0, offset=3, timestamp=1700000000000, timestampType=CreateTime}.`
/// followed (as a field) by the exception text.
pub struct LogReporter {
    task: TaskId,
}

impl LogReporter {
    pub fn new(task: TaskId) -> Self {
        LogReporter { task }
    }

    /// Logs one failure; `include_record` is `errors.log.include.messages`.
    pub fn report(
        &self,
        original: OriginalRecord<'_>,
        stage: Stage,
        executing_class: &str,
        error: &ProcessingError,
        include_record: bool,
    ) {
        let line = self.message(original, stage, executing_class, include_record);
        tracing::error!(task = %self.task, error = %error.stacktrace().trim_end(), "{line}");
    }

    /// The log line without the exception.
    pub fn message(
        &self,
        original: OriginalRecord<'_>,
        stage: Stage,
        executing_class: &str,
        include_record: bool,
    ) -> String {
        let mut line = format!(
            "Error encountered in task {}. Executing stage '{}' with class '{}'",
            self.task,
            stage.name(),
            executing_class
        );
        if include_record {
            match original {
                OriginalRecord::Consumed(message) => {
                    line.push_str(&format!(
                        ", where consumed record is {{topic='{}', partition={}, offset={}",
                        message.topic(),
                        message.partition(),
                        message.offset()
                    ));
                    match message.timestamp() {
                        rdkafka::Timestamp::CreateTime(t) => {
                            line.push_str(&format!(", timestamp={t}, timestampType=CreateTime"))
                        }
                        rdkafka::Timestamp::LogAppendTime(t) => {
                            line.push_str(&format!(", timestamp={t}, timestampType=LogAppendTime"))
                        }
                        rdkafka::Timestamp::NotAvailable => {}
                    }
                    line.push('}');
                }
                OriginalRecord::Source(record) => {
                    line.push_str(", where source record is = ");
                    line.push_str(&source_record_text(record));
                }
                OriginalRecord::Unknown => {}
            }
        }
        line.push('.');
        line
    }
}

/// A source record in the shape of Java's `SourceRecord.toString` (values in our debug
/// form, since they are not Java objects).
fn source_record_text(record: &SourceRecord) -> String {
    let partition = record
        .kafka_partition
        .map_or_else(|| "null".to_owned(), |p| p.to_string());
    let timestamp = record
        .timestamp
        .map_or_else(|| "null".to_owned(), |t| t.to_string());
    format!(
        "SourceRecord{{sourcePartition={}, sourceOffset={}}} ConnectRecord{{topic='{}', kafkaPartition={partition}, key={:?}, keySchema={:?}, value={:?}, valueSchema={:?}, timestamp={timestamp}, headers={:?}}}",
        serde_json::Value::Object((*record.source_partition).clone()),
        serde_json::Value::Object(record.source_offset.to_map()),
        record.topic,
        record.key,
        record.key_schema,
        record.value,
        record.value_schema,
        record.headers,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_without_record() {
        let reporter = LogReporter::new(TaskId {
            connector: "sink".into(),
            task: 2,
        });
        assert_eq!(
            reporter.message(
                OriginalRecord::Unknown,
                Stage::ValueConverter,
                "org.apache.kafka.connect.json.JsonConverter",
                true
            ),
            "Error encountered in task sink-2. Executing stage 'VALUE_CONVERTER' with class 'org.apache.kafka.connect.json.JsonConverter'."
        );
    }
}
