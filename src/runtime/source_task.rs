//! The source pipeline of one task: `poll` → transforms → converters → producer, with
//! source offsets committed only for records the broker acknowledged (Apache's
//! `WorkerSourceTask`).
//!
//! Transforms and converters run under the task's [`ErrorHandler`]: with
//! `errors.tolerance=all` a record that fails them is reported and skipped, and so is a
//! record the broker refused (the `KAFKA_PRODUCE` stage). A skipped record, like one a
//! transform dropped, still has its source offset committed, as in Apache.
//!
//! The producer is librdkafka's threaded producer: each record is handed over with its
//! submission sequence number as the delivery opaque, and the delivery callback sends
//! that number back over a channel. No future per record, no allocation per ack.

use std::sync::Arc;
use std::time::Duration;

use rdkafka::ClientContext;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::producer::{
    BaseRecord, DeliveryResult, NoCustomPartitioner, Producer, ProducerContext, ThreadedProducer,
};
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use super::TargetState;
use super::errors::failure::java;
use super::errors::{ErrorHandler, HandlerFailure, OriginalRecord, ProcessingError, Stage};
use super::pipeline::{Converters, HEADER_CONVERTER_CLASS};
use super::status::{State, TaskStatusReporter};
use super::storage::OffsetStorageWriter;
use super::submitted::SubmittedRecords;
use crate::connectors::SourceTask;
use crate::data::SourceRecord;
use crate::runtime::config::connector::ToleranceType;
use crate::transforms::TransformChain;

/// Upper bound on records sent but not yet acknowledged; `poll` waits beyond it, so a
/// fast source cannot fill memory while the broker is slow or away.
const MAX_IN_FLIGHT: usize = 200_000;

/// How long a clean shutdown waits for outstanding acknowledgements.
const SHUTDOWN_FLUSH_TIMEOUT: Duration = Duration::from_secs(30);

type Ack = (usize, Option<KafkaError>);

/// Sends each delivery report (sequence number, error) to the task loop.
struct AckContext {
    acks: mpsc::UnboundedSender<Ack>,
}

impl ClientContext for AckContext {}

impl ProducerContext<NoCustomPartitioner> for AckContext {
    type DeliveryOpaque = usize;

    fn delivery(&self, result: &DeliveryResult<'_>, seq: usize) {
        let error = result.as_ref().err().map(|(e, _)| e.clone());
        // The loop is gone only when the task stopped; nothing is waiting for the ack then.
        let _ = self.acks.send((seq, error));
    }
}

/// Everything one source task needs to run.
pub struct SourceTaskRunner {
    pub task: Box<dyn SourceTask>,
    pub converters: Converters,
    /// The connector's `transforms=` chain, applied before the converters.
    pub transforms: TransformChain,
    /// `errors.*` handling.
    pub errors: ErrorHandler,
    pub producer_config: rdkafka::ClientConfig,
    pub offsets: OffsetStorageWriter,
    pub offset_flush_interval: Duration,
    pub offset_flush_timeout: Duration,
    pub status: TaskStatusReporter,
    pub target: watch::Receiver<TargetState>,
    pub shutdown: CancellationToken,
    pub metrics: Arc<super::metrics::TaskMetrics>,
    pub topics: super::topics::TopicReporter,
}

/// Why the loop ended with an error: the trace of the FAILED state.
#[derive(Debug, thiserror::Error)]
enum TaskFailure {
    #[error("{0}")]
    Connector(#[from] crate::connectors::ConnectorError),
    #[error("Unrecoverable exception from producer send callback: {0}")]
    Producer(KafkaError),
    #[error("{0}")]
    Errors(#[from] HandlerFailure),
    #[error("{0}")]
    ProducerClosed(&'static str),
    #[error("Failed to create the producer: {0}")]
    CreateProducer(KafkaError),
}

impl SourceTaskRunner {
    /// Runs the task until shutdown or failure; reports every state change.
    pub async fn run(mut self) {
        let (ack_tx, ack_rx) = mpsc::unbounded_channel();
        let producer = match self
            .producer_config
            .create_with_context::<_, ThreadedProducer<AckContext>>(AckContext { acks: ack_tx })
        {
            Ok(p) => p,
            Err(e) => return self.fail(TaskFailure::CreateProducer(e)).await,
        };
        let mut pipeline = Pipeline {
            producer,
            acks: ack_rx,
            submitted: SubmittedRecords::new(),
            key_buf: Vec::new(),
            value_buf: Vec::new(),
            metrics: self.metrics.clone(),
        };
        match self.run_loop(&mut pipeline).await {
            Ok(()) => {
                // Clean stop: wait for what is in flight, then commit what was acknowledged.
                let _ = pipeline.producer.flush(SHUTDOWN_FLUSH_TIMEOUT);
                if let Err(e) = pipeline.drain_acks(&mut self.errors) {
                    tracing::warn!(task = %self.status.id, error = %e, "records failed during shutdown");
                }
                self.commit_offsets(&mut pipeline).await;
                if let Err(e) = self.task.stop().await {
                    tracing::warn!(task = %self.status.id, error = %e, "task stop failed");
                }
                tracing::info!(task = %self.status.id, "source task stopped");
            }
            Err(failure) => {
                // Offsets of records acknowledged before the failure are still safe to keep.
                let _ = pipeline.drain_acks(&mut self.errors);
                self.commit_offsets(&mut pipeline).await;
                self.fail(failure).await;
            }
        }
    }

    async fn fail(mut self, failure: TaskFailure) {
        let trace = match &failure {
            TaskFailure::Connector(e) => e.trace(),
            TaskFailure::Errors(e) => e.trace(),
            other => other.to_string(),
        };
        tracing::error!(task = %self.status.id, error = %trace, "source task failed");
        self.status.report(State::Failed, Some(trace));
        let _ = self.task.stop().await;
    }

    async fn run_loop(&mut self, pipeline: &mut Pipeline) -> Result<(), TaskFailure> {
        let mut flush_timer = tokio::time::interval(self.offset_flush_interval);
        flush_timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        flush_timer.reset();
        let mut reported = None;
        loop {
            let state = *self.target.borrow_and_update();
            if reported != Some(state) {
                self.status.report(state.task_state(), None);
                reported = Some(state);
            }
            let can_poll =
                state == TargetState::Started && pipeline.submitted.in_flight() < MAX_IN_FLIGHT;
            tokio::select! {
                biased;
                _ = self.shutdown.cancelled() => return Ok(()),
                changed = self.target.changed() => {
                    if changed.is_err() {
                        return Ok(());
                    }
                }
                ack = pipeline.acks.recv() => {
                    if let Some(ack) = ack {
                        pipeline.handle_ack(ack, &mut self.errors)?;
                        pipeline.drain_acks(&mut self.errors)?;
                    }
                }
                _ = flush_timer.tick() => self.commit_offsets(pipeline).await,
                polled = self.task.poll(), if can_poll => {
                    match polled {
                        Ok(records) if records.is_empty() => {}
                        Ok(records) => {
                            self.metrics.record_polled(records.len());
                            for record in &records {
                                self.topics.saw(&record.topic);
                            }
                            pipeline
                                .send_all(records, &self.converters, &self.transforms, &mut self.errors)
                                .await?;
                        }
                        Err(e) if e.is_retriable() => {
                            tracing::debug!(task = %self.status.id, error = %e, "retriable poll error");
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
            }
        }
    }

    /// Stages the acknowledged offsets and writes them to the offset store.
    async fn commit_offsets(&mut self, pipeline: &mut Pipeline) {
        for (partition, offset) in pipeline.submitted.take_committable() {
            if let Err(e) = self.offsets.offset(&partition, Some(offset)) {
                tracing::warn!(task = %self.status.id, error = %e, "offset not staged");
            }
        }
        let started = std::time::Instant::now();
        match self.offsets.begin_flush() {
            Ok(true) => {}
            Ok(false) => return,
            Err(e) => {
                tracing::warn!(task = %self.status.id, error = %e, "offset flush not started");
                return;
            }
        }
        match tokio::time::timeout(self.offset_flush_timeout, self.offsets.do_flush()).await {
            Ok(Ok(())) => {
                self.metrics.record_offset_commit(started.elapsed());
                if let Err(e) = self.task.commit().await {
                    tracing::warn!(task = %self.status.id, error = %e, "task commit hook failed");
                }
            }
            Ok(Err(e)) => {
                tracing::error!(task = %self.status.id, error = %e, "offset flush failed; will retry");
                self.offsets.cancel_flush();
            }
            Err(_) => {
                tracing::error!(task = %self.status.id, "offset flush timed out; will retry");
                self.offsets.cancel_flush();
            }
        }
    }
}

/// The producer side of the loop and its acknowledgement bookkeeping.
struct Pipeline {
    producer: ThreadedProducer<AckContext>,
    acks: mpsc::UnboundedReceiver<Ack>,
    submitted: SubmittedRecords,
    key_buf: Vec<u8>,
    value_buf: Vec<u8>,
    metrics: Arc<super::metrics::TaskMetrics>,
}

impl Pipeline {
    fn handle_ack(
        &mut self,
        (seq, error): Ack,
        errors: &mut ErrorHandler,
    ) -> Result<(), TaskFailure> {
        if let Some(error) = error {
            tracing::error!(error = %error, "failed to send record");
            if errors.tolerance() != ToleranceType::All {
                return Err(TaskFailure::Producer(error));
            }
            // Tolerated: reported, and the record counts as done so its offset commits.
            errors.execute_failed(
                OriginalRecord::Unknown,
                Stage::KafkaProduce,
                java::WORKER_SOURCE_TASK,
                ProcessingError::from_kafka(&error),
            )?;
            self.submitted.ack(seq as u64);
            return Ok(());
        }
        self.submitted.ack(seq as u64);
        self.metrics.record_written(1);
        Ok(())
    }

    fn drain_acks(&mut self, errors: &mut ErrorHandler) -> Result<(), TaskFailure> {
        while let Ok(ack) = self.acks.try_recv() {
            self.handle_ack(ack, errors)?;
        }
        Ok(())
    }

    /// Transforms, converts and sends every record; waits for acknowledgements when
    /// librdkafka's queue is full instead of dropping or failing.
    async fn send_all(
        &mut self,
        records: Vec<SourceRecord>,
        converters: &Converters,
        transforms: &TransformChain,
        errors: &mut ErrorHandler,
    ) -> Result<(), TaskFailure> {
        for polled in records {
            // With transforms, the record as polled is kept for error reports; without,
            // nothing is copied.
            let (original, record) = if transforms.is_empty() {
                (None, polled)
            } else {
                let result = transforms
                    .apply_source(polled.clone())
                    .map_err(|e| ProcessingError::from_transform(&e));
                match errors.handle(
                    OriginalRecord::Source(&polled),
                    Stage::Transformation,
                    java::TRANSFORMATION_CHAIN,
                    result,
                )? {
                    Some(Some(transformed)) => (Some(polled), transformed),
                    // Dropped by a transform, or failed and tolerated.
                    _ => {
                        self.skip(polled);
                        continue;
                    }
                }
            };
            let report_as = OriginalRecord::Source(original.as_ref().unwrap_or(&record));
            let key_buf = &mut self.key_buf;
            let Some(key) = errors
                .execute(
                    report_as,
                    Stage::KeyConverter,
                    &converters.key_class,
                    || converters.key_bytes(&record, key_buf),
                )
                .await?
            else {
                self.skip(record);
                continue;
            };
            let value_buf = &mut self.value_buf;
            let Some(value) = errors
                .execute(
                    report_as,
                    Stage::ValueConverter,
                    &converters.value_class,
                    || converters.value_bytes(&record, value_buf),
                )
                .await?
            else {
                self.skip(record);
                continue;
            };
            let Some(headers) = errors
                .execute(
                    report_as,
                    Stage::HeaderConverter,
                    HEADER_CONVERTER_CLASS,
                    || converters.header_bytes(&record),
                )
                .await?
            else {
                self.skip(record);
                continue;
            };
            let (partition, offset) = (record.source_partition, record.source_offset);
            let seq = self.submitted.submit(partition, offset) as usize;
            loop {
                let mut base = BaseRecord::with_opaque_to(&record.topic, seq);
                if key {
                    base = base.key(&self.key_buf[..]);
                }
                if value {
                    base = base.payload(&self.value_buf[..]);
                }
                if let Some(p) = record.kafka_partition {
                    base = base.partition(p);
                }
                if let Some(ts) = record.timestamp {
                    base = base.timestamp(ts);
                }
                if let Some(h) = headers.clone() {
                    base = base.headers(h);
                }
                match self.producer.send(base) {
                    Ok(()) => break,
                    Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), _)) => {
                        // Let librdkafka deliver; acknowledgements free queue space.
                        match tokio::time::timeout(Duration::from_millis(100), self.acks.recv())
                            .await
                        {
                            Ok(Some(ack)) => self.handle_ack(ack, errors)?,
                            Ok(None) => return Err(TaskFailure::ProducerClosed("producer closed")),
                            Err(_) => {}
                        }
                    }
                    Err((e, _)) => return Err(TaskFailure::Producer(e)),
                }
            }
        }
        Ok(())
    }

    /// A record that is not sent (dropped by a transform, or failed and tolerated): its
    /// source offset is committed once the records before it are acknowledged.
    fn skip(&mut self, record: SourceRecord) {
        let seq = self
            .submitted
            .submit(record.source_partition, record.source_offset);
        self.submitted.ack(seq);
    }
}
