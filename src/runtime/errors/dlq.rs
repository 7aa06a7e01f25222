//! The sink dead-letter queue (Apache's `DeadLetterQueueReporter`): a failed record's
//! original key, value, headers and timestamp are written to
//! `errors.deadletterqueue.topic.name`, with the `__connect.errors.*` context headers when
//! `errors.deadletterqueue.context.headers.enable` is set.
//!
//! Header values are UTF-8 strings, as Apache writes them (numbers in decimal text). The
//! `exception.stacktrace` header cannot hold a Java stack trace: it holds
//! `<exception class>: <message>` and one `Caused by: <class>: <message>` line per cause,
//! each line ending in `\n`, without `\tat` frame lines.
//!
//! Unlike Apache, which logs a failed DLQ write and moves on, a record the queue did not
//! accept fails the task: the consumer offset past it is then never committed, so the
//! record is neither in the queue nor skipped.

use std::time::Duration;

use rdkafka::Message;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{BorrowedMessage, Header, Headers, OwnedHeaders};
use rdkafka::producer::{DeliveryFuture, FutureProducer, FutureRecord, Producer};

use super::failure::{ProcessingError, Stage};
use crate::runtime::TaskId;

/// Apache creates the queue with a single partition.
const DLQ_PARTITIONS: i32 = 1;
const METADATA_TIMEOUT: Duration = Duration::from_secs(30);

/// The `__connect.errors.*` header names.
pub mod headers {
    pub const TOPIC: &str = "__connect.errors.topic";
    pub const PARTITION: &str = "__connect.errors.partition";
    pub const OFFSET: &str = "__connect.errors.offset";
    pub const CONNECTOR_NAME: &str = "__connect.errors.connector.name";
    pub const TASK_ID: &str = "__connect.errors.task.id";
    pub const STAGE: &str = "__connect.errors.stage";
    pub const EXECUTING_CLASS: &str = "__connect.errors.class.name";
    pub const EXCEPTION: &str = "__connect.errors.exception.class.name";
    pub const EXCEPTION_MESSAGE: &str = "__connect.errors.exception.message";
    pub const EXCEPTION_STACK_TRACE: &str = "__connect.errors.exception.stacktrace";
}

/// Why the dead-letter queue could not be set up or written.
#[derive(Debug, thiserror::Error)]
pub enum DlqError {
    #[error("Could not initialize dead letter queue with topic={topic}: {source}")]
    Setup {
        topic: String,
        #[source]
        source: KafkaError,
    },
    #[error("Could not produce message to dead letter queue. topic={topic}: {source}")]
    Produce {
        topic: String,
        #[source]
        source: KafkaError,
    },
}

/// Where a task's failed records go.
pub struct DeadLetterQueue {
    producer: FutureProducer,
    topic: String,
    context_headers: bool,
    task: TaskId,
    pending: Vec<DeliveryFuture>,
}

/// The `errors.deadletterqueue.*` settings of a sink connector.
#[derive(Clone, Debug)]
pub struct DlqSettings {
    pub topic: String,
    pub replication_factor: i16,
    pub context_headers: bool,
}

impl DeadLetterQueue {
    /// Creates the topic when it is missing (one partition, the configured replication
    /// factor) and the queue's producer.
    pub async fn create(
        settings: &DlqSettings,
        task: TaskId,
        admin_config: &rdkafka::ClientConfig,
        producer_config: &rdkafka::ClientConfig,
    ) -> Result<Self, DlqError> {
        let topic = settings.topic.trim().to_owned();
        let setup = |source| DlqError::Setup {
            topic: topic.clone(),
            source,
        };
        let producer: FutureProducer = producer_config.create().map_err(setup)?;
        let admin: AdminClient<DefaultClientContext> = admin_config.create().map_err(setup)?;
        if !topic_exists(&producer, &topic).await.map_err(setup)? {
            tracing::error!(
                topic,
                "Topic {topic} doesn't exist. Will attempt to create topic."
            );
            let new_topic = NewTopic::new(
                &topic,
                DLQ_PARTITIONS,
                TopicReplication::Fixed(i32::from(settings.replication_factor)),
            );
            let results = admin
                .create_topics([&new_topic], &AdminOptions::new())
                .await
                .map_err(setup)?;
            for result in results {
                match result {
                    Ok(_) | Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
                    Err((_, code)) => return Err(setup(KafkaError::AdminOp(code))),
                }
            }
        }
        Ok(DeadLetterQueue {
            producer,
            topic,
            context_headers: settings.context_headers,
            task,
            pending: Vec::new(),
        })
    }

    /// Sends the original record with the failure's context; the delivery is awaited by
    /// [`flush`](Self::flush).
    pub fn report(
        &mut self,
        message: &BorrowedMessage<'_>,
        stage: Stage,
        executing_class: &str,
        error: &ProcessingError,
    ) -> Result<(), DlqError> {
        let mut owned = OwnedHeaders::new();
        if let Some(original) = message.headers() {
            for header in original.iter() {
                owned = owned.insert(header);
            }
        }
        if self.context_headers {
            owned = self.context_headers(owned, message, stage, executing_class, error);
        }
        let mut record: FutureRecord<'_, [u8], [u8]> = FutureRecord::to(&self.topic).headers(owned);
        if let Some(key) = message.key() {
            record = record.key(key);
        }
        if let Some(value) = message.payload() {
            record = record.payload(value);
        }
        if let Some(ts) = message.timestamp().to_millis() {
            record = record.timestamp(ts);
        }
        match self.producer.send_result(record) {
            Ok(delivery) => {
                self.pending.push(delivery);
                Ok(())
            }
            Err((source, _)) => Err(DlqError::Produce {
                topic: self.topic.clone(),
                source,
            }),
        }
    }

    fn context_headers(
        &self,
        owned: OwnedHeaders,
        message: &BorrowedMessage<'_>,
        stage: Stage,
        executing_class: &str,
        error: &ProcessingError,
    ) -> OwnedHeaders {
        let stacktrace = error.stacktrace();
        let entries: [(&str, String); 10] = [
            (headers::TOPIC, message.topic().to_owned()),
            (headers::PARTITION, message.partition().to_string()),
            (headers::OFFSET, message.offset().to_string()),
            (headers::CONNECTOR_NAME, self.task.connector.clone()),
            (headers::TASK_ID, self.task.task.to_string()),
            (headers::STAGE, stage.name().to_owned()),
            (headers::EXECUTING_CLASS, executing_class.to_owned()),
            (headers::EXCEPTION, error.exception_class.clone()),
            (headers::EXCEPTION_MESSAGE, error.message.clone()),
            (headers::EXCEPTION_STACK_TRACE, stacktrace),
        ];
        entries.iter().fold(owned, |owned, (key, value)| {
            owned.insert(Header {
                key,
                value: Some(value.as_bytes()),
            })
        })
    }

    /// Waits for every record sent since the last flush to be acknowledged.
    pub async fn flush(&mut self) -> Result<(), DlqError> {
        for delivery in std::mem::take(&mut self.pending) {
            let failed = match delivery.await {
                Ok(Ok(_)) => continue,
                Ok(Err((e, _))) => e,
                Err(_) => KafkaError::Canceled,
            };
            return Err(DlqError::Produce {
                topic: self.topic.clone(),
                source: failed,
            });
        }
        Ok(())
    }
}

/// Whether `topic` exists, from the cluster's topic list (asking for the one topic
/// could create it through broker auto-creation).
async fn topic_exists(producer: &FutureProducer, topic: &str) -> Result<bool, KafkaError> {
    let producer = producer.clone();
    let topic = topic.to_owned();
    tokio::task::spawn_blocking(move || {
        let metadata = producer.client().fetch_metadata(None, METADATA_TIMEOUT)?;
        Ok(metadata.topics().iter().any(|t| t.name() == topic))
    })
    .await
    .unwrap_or(Err(KafkaError::Canceled))
}
