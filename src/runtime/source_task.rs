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
//!
//! A `poll` in flight is never dropped by the loop's other events (the offset flush tick,
//! acknowledgements, a pause): it owns the task until it returns ([`Poller`]), so work a
//! connector does inside `poll` (opening its input, reading its committed offset) is never
//! thrown away and started over. Blocking librdkafka calls (the final flush, dropping the
//! producer) run on the blocking pool, off the async threads other tasks need.

use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt;
use futures::future::BoxFuture;
use rdkafka::ClientContext;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::Message;
use rdkafka::producer::{
    BaseRecord, DeliveryResult, NoCustomPartitioner, Producer, ProducerContext, ThreadedProducer,
};
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use super::TargetState;
use super::errors::failure::java;
use super::errors::{ErrorHandler, HandlerFailure, OriginalRecord, ProcessingError, Stage};
use super::kafka::SecurityFailures;
use super::pipeline::{Converters, HEADER_CONVERTER_CLASS};
use super::status::{State, TaskStatusReporter};
use super::storage::OffsetStorageWriter;
use super::submitted::SubmittedRecords;
use crate::connectors::{ConnectorResult, RecordCommitter, RecordMetadata, SourceTask};
use crate::data::SourceRecord;
use crate::runtime::TransformChain;
use crate::runtime::config::connector::ToleranceType;

/// Upper bound on records sent but not yet acknowledged; `poll` waits beyond it, so a
/// fast source cannot fill memory while the broker is slow or away.
const MAX_IN_FLIGHT: usize = 200_000;

/// How long a clean shutdown waits for outstanding acknowledgements.
const SHUTDOWN_FLUSH_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a stopping task waits for a `poll` in flight to return before it drops it
/// (a connector's `poll` is expected to return within a second or two).
const SHUTDOWN_POLL_WAIT: Duration = Duration::from_secs(2);

/// Back-off after a retriable `poll` error: first wait, and the cap it doubles up to.
const RETRY_BACKOFF_FIRST: Duration = Duration::from_millis(100);
const RETRY_BACKOFF_MAX: Duration = Duration::from_secs(10);

/// A delivery report: the record's sequence number, and the error or (for a task with a
/// [`RecordCommitter`]) where the record landed.
type Ack = (usize, Result<Option<RecordMetadata>, KafkaError>);

/// Sends each delivery report to the task loop.
struct AckContext {
    acks: mpsc::UnboundedSender<Ack>,
    /// Whether the task wants [`RecordMetadata`] (costs a topic copy per record).
    metadata: bool,
    errors: super::metrics::ClientErrors,
    /// A refused login or TLS handshake: the task fails with it instead of staying
    /// RUNNING while librdkafka retries for ever (`message.timeout.ms=0`).
    security: SecurityFailures,
}

impl ClientContext for AckContext {
    fn log(&self, level: rdkafka::config::RDKafkaLogLevel, fac: &str, log_message: &str) {
        self.security.log(level, fac, log_message);
    }

    fn error(&self, error: KafkaError, reason: &str) {
        self.errors.report(&error, reason);
        self.security.observe(&error, reason);
    }
}

impl ProducerContext<NoCustomPartitioner> for AckContext {
    type DeliveryOpaque = usize;

    fn delivery(&self, result: &DeliveryResult<'_>, seq: usize) {
        let report = match result {
            Err((e, _)) => Err(e.clone()),
            Ok(message) if self.metadata => Ok(Some(RecordMetadata {
                topic: message.topic().to_owned(),
                partition: message.partition(),
                offset: message.offset(),
                timestamp: message.timestamp().to_millis(),
            })),
            Ok(_) => Ok(None),
        };
        // The loop is gone only when the task stopped; nothing is waiting for the ack then.
        let _ = self.acks.send((seq, report));
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
    #[error("{0}")]
    Security(String),
}

/// How often the loop looks for a refused login or TLS handshake.
const SECURITY_CHECK_INTERVAL: Duration = Duration::from_millis(500);

impl SourceTaskRunner {
    /// Runs the task until shutdown or failure; reports every state change.
    pub async fn run(self) {
        let (ack_tx, ack_rx) = mpsc::unbounded_channel();
        let committer = self.task.record_committer();
        let created = self
            .producer_config
            .create_with_context::<_, ThreadedProducer<AckContext>>(AckContext {
                acks: ack_tx,
                metadata: committer.is_some(),
                errors: super::metrics::ClientErrors {
                    task: self.status.id.to_string(),
                    metrics: self.metrics.clone(),
                },
                security: SecurityFailures::default(),
            });
        let SourceTaskRunner {
            task,
            converters,
            transforms,
            errors,
            producer_config: _,
            offsets,
            offset_flush_interval,
            offset_flush_timeout,
            status,
            target,
            shutdown,
            metrics,
            topics,
        } = self;
        let mut looping = TaskLoop {
            poller: Poller::Idle(task),
            commit_due: false,
            converters,
            transforms,
            errors,
            offsets,
            offset_flush_interval,
            offset_flush_timeout,
            status,
            target,
            shutdown,
            metrics: metrics.clone(),
            topics,
        };
        let producer = match created {
            Ok(p) => Arc::new(p),
            Err(e) => return looping.fail(TaskFailure::CreateProducer(e)).await,
        };
        let mut pipeline = Pipeline {
            producer,
            acks: ack_rx,
            submitted: SubmittedRecords::new(),
            key_buf: Vec::new(),
            value_buf: Vec::new(),
            metrics,
            committer,
            to_commit: Vec::new(),
        };
        match looping.run_loop(&mut pipeline).await {
            Ok(()) => {
                // Clean stop: wait for what is in flight, then commit what was acknowledged.
                let producer = pipeline.producer.clone();
                let _ = tokio::task::spawn_blocking(move || producer.flush(SHUTDOWN_FLUSH_TIMEOUT))
                    .await;
                if let Err(e) = pipeline.drain_acks(&mut looping.errors) {
                    tracing::warn!(task = %looping.status.id, error = %e, "records failed during shutdown");
                }
                looping.commit_offsets(&mut pipeline).await;
                looping.stop_task().await;
                tracing::info!(task = %looping.status.id, "source task stopped");
            }
            Err(failure) => {
                // Offsets of records acknowledged before the failure are still safe to keep.
                let _ = pipeline.drain_acks(&mut looping.errors);
                looping.commit_offsets(&mut pipeline).await;
                looping.fail(failure).await;
            }
        }
        // Dropping a producer purges and flushes it and joins its thread; the dead-letter
        // queue's producer inside the error handler likewise.
        let TaskLoop { errors, .. } = looping;
        let _ = tokio::task::spawn_blocking(move || drop((pipeline, errors))).await;
    }
}

/// A `poll`'s records, and the task it gives back.
type PollOutcome = (Box<dyn SourceTask>, ConnectorResult<Vec<SourceRecord>>);

/// The task and the `poll` in flight. The future of a `poll` owns the task while it runs
/// and is kept here across the loop's iterations, so no other event of the loop can drop
/// it half-way: the loop only ever awaits it by reference.
enum Poller {
    Idle(Box<dyn SourceTask>),
    Polling(BoxFuture<'static, PollOutcome>),
    /// The task was dropped with a `poll` that did not return in time at shutdown.
    Gone,
}

impl Poller {
    fn is_polling(&self) -> bool {
        matches!(self, Poller::Polling(_))
    }

    /// Starts a `poll` unless one is in flight.
    fn start(&mut self) {
        if let Poller::Idle(_) = self {
            let Poller::Idle(mut task) = std::mem::replace(self, Poller::Gone) else {
                unreachable!("matched just above");
            };
            *self = Poller::Polling(
                async move {
                    let polled = task.poll().await;
                    (task, polled)
                }
                .boxed(),
            );
        }
    }

    /// The outcome of the `poll` in flight. Cancel-safe: dropped before it completes, the
    /// poll goes on and the next call awaits the same one.
    async fn finished(&mut self) -> ConnectorResult<Vec<SourceRecord>> {
        let Poller::Polling(polling) = self else {
            return Ok(Vec::new());
        };
        let (task, polled) = polling.as_mut().await;
        *self = Poller::Idle(task);
        polled
    }

    /// The task, once no `poll` is in flight.
    fn idle(&mut self) -> Option<&mut Box<dyn SourceTask>> {
        match self {
            Poller::Idle(task) => Some(task),
            _ => None,
        }
    }

    /// Waits up to `wait` for the `poll` in flight (its records are dropped: their offsets
    /// were never committed, so they are polled again after a restart), then gives the
    /// task back; `None` when the poll did not return in time (the task is dropped).
    async fn settle(&mut self, wait: Duration) -> Option<&mut Box<dyn SourceTask>> {
        if self.is_polling() && tokio::time::timeout(wait, self.finished()).await.is_err() {
            *self = Poller::Gone;
        }
        self.idle()
    }
}

/// The loop's side of a running task: everything but the producer.
struct TaskLoop {
    poller: Poller,
    /// An offset flush completed while a `poll` was in flight: the task's `commit` hook
    /// runs as soon as that poll returns.
    commit_due: bool,
    converters: Converters,
    transforms: TransformChain,
    errors: ErrorHandler,
    offsets: OffsetStorageWriter,
    offset_flush_interval: Duration,
    offset_flush_timeout: Duration,
    status: TaskStatusReporter,
    target: watch::Receiver<TargetState>,
    shutdown: CancellationToken,
    metrics: Arc<super::metrics::TaskMetrics>,
    topics: super::topics::TopicReporter,
}

impl TaskLoop {
    async fn fail(&mut self, failure: TaskFailure) {
        let trace = match &failure {
            TaskFailure::Connector(e) => e.trace(),
            TaskFailure::Errors(e) => e.trace(),
            other => other.to_string(),
        };
        tracing::error!(task = %self.status.id, error = %trace, "source task failed");
        self.status.report(State::Failed, Some(trace));
        self.stop_task().await;
    }

    /// Calls the task's `stop` once any `poll` in flight returned.
    async fn stop_task(&mut self) {
        let id = self.status.id.clone();
        match self.poller.settle(SHUTDOWN_POLL_WAIT).await {
            Some(task) => {
                if let Err(e) = task.stop().await {
                    tracing::warn!(task = %id, error = %e, "task stop failed");
                }
            }
            None => tracing::warn!(
                task = %id,
                wait = ?SHUTDOWN_POLL_WAIT,
                "poll did not return in time; the task was dropped without stop"
            ),
        }
    }

    async fn run_loop(&mut self, pipeline: &mut Pipeline) -> Result<(), TaskFailure> {
        let mut flush_timer = tokio::time::interval(self.offset_flush_interval);
        flush_timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        flush_timer.reset();
        let mut reported = None;
        let mut retry = Retry::default();
        let mut security_check = tokio::time::interval(SECURITY_CHECK_INTERVAL);
        loop {
            let state = *self.target.borrow_and_update();
            if reported != Some(state) {
                self.status.report(state.task_state(), None);
                reported = Some(state);
            }
            if !self.poller.is_polling() {
                if self.commit_due {
                    self.commit_due = false;
                    self.commit_task().await;
                }
                if state == TargetState::Started
                    && pipeline.submitted.in_flight() < MAX_IN_FLIGHT
                    && retry.due()
                {
                    self.poller.start();
                }
            }
            tokio::select! {
                biased;
                _ = self.shutdown.cancelled() => return Ok(()),
                changed = self.target.changed() => {
                    if changed.is_err() {
                        return Ok(());
                    }
                }
                ack = pipeline.acks.recv() => {
                    // The sender lives in the producer, which lives as long as the loop.
                    let ack = ack.ok_or(TaskFailure::ProducerClosed(
                        "the producer's delivery reports stopped",
                    ))?;
                    pipeline.handle_ack(ack, &mut self.errors)?;
                    pipeline.drain_acks(&mut self.errors)?;
                }
                _ = flush_timer.tick() => self.commit_offsets(pipeline).await,
                _ = security_check.tick() => {
                    if let Some(failure) = pipeline.producer.context().security.failure() {
                        return Err(TaskFailure::Security(failure));
                    }
                }
                () = retry.wait(), if !self.poller.is_polling() => {}
                polled = self.poller.finished(), if self.poller.is_polling() => {
                    match polled {
                        Ok(records) => {
                            retry.succeeded();
                            if records.is_empty() {
                                continue;
                            }
                            self.metrics.record_polled(records.len());
                            for record in &records {
                                self.topics.saw(&record.topic);
                            }
                            pipeline
                                .send_all(records, &self.converters, &self.transforms, &mut self.errors)
                                .await?;
                        }
                        Err(e) if e.is_retriable() => {
                            self.metrics.record_retriable_error();
                            let wait = retry.failed();
                            tracing::warn!(
                                task = %self.status.id,
                                error = %e,
                                attempt = retry.attempts,
                                retry_in = ?wait,
                                "retriable error from poll; retrying"
                            );
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
            }
        }
    }

    /// The task's `commit` hook, now or (with a `poll` in flight) once that poll returns.
    async fn commit_task(&mut self) {
        let id = self.status.id.clone();
        match self.poller.idle() {
            Some(task) => {
                if let Err(e) = task.commit().await {
                    tracing::warn!(task = %id, error = %e, "task commit hook failed");
                }
            }
            None => self.commit_due = true,
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
            // Nothing new to store: Apache still calls the task's `commit` (a source such
            // as Debezium acknowledges its reads there, from the records committed so far).
            Ok(false) => return self.commit_task().await,
            Err(e) => {
                tracing::warn!(task = %self.status.id, error = %e, "offset flush not started");
                return;
            }
        }
        match tokio::time::timeout(self.offset_flush_timeout, self.offsets.do_flush()).await {
            Ok(Ok(())) => {
                self.metrics.record_offset_commit(started.elapsed());
                self.commit_task().await;
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

/// Back-off between `poll`s after retriable errors: doubles from [`RETRY_BACKOFF_FIRST`]
/// up to [`RETRY_BACKOFF_MAX`], and resets on the first successful poll.
#[derive(Default)]
struct Retry {
    attempts: u32,
    next: Option<tokio::time::Instant>,
}

impl Retry {
    /// Records a failure; returns how long to wait before the next poll.
    fn failed(&mut self) -> Duration {
        self.attempts += 1;
        let wait = RETRY_BACKOFF_FIRST
            .saturating_mul(1 << (self.attempts - 1).min(16))
            .min(RETRY_BACKOFF_MAX);
        self.next = Some(tokio::time::Instant::now() + wait);
        wait
    }

    fn succeeded(&mut self) {
        self.attempts = 0;
        self.next = None;
    }

    /// Whether the next poll may start now.
    fn due(&self) -> bool {
        self.next
            .is_none_or(|next| next <= tokio::time::Instant::now())
    }

    /// Completes when the back-off is over; never without one.
    async fn wait(&self) {
        match self.next {
            Some(next) if next > tokio::time::Instant::now() => {
                tokio::time::sleep_until(next).await
            }
            _ => std::future::pending().await,
        }
    }
}

/// The producer side of the loop and its acknowledgement bookkeeping.
struct Pipeline {
    producer: Arc<ThreadedProducer<AckContext>>,
    acks: mpsc::UnboundedReceiver<Ack>,
    submitted: SubmittedRecords,
    key_buf: Vec<u8>,
    value_buf: Vec<u8>,
    metrics: Arc<super::metrics::TaskMetrics>,
    /// The task's `commitRecord`, if it has one, and what to pass it next.
    committer: Option<Arc<dyn RecordCommitter>>,
    to_commit: Vec<(u64, Option<RecordMetadata>)>,
}

impl Pipeline {
    fn handle_ack(
        &mut self,
        (seq, report): Ack,
        errors: &mut ErrorHandler,
    ) -> Result<(), TaskFailure> {
        let metadata = match report {
            Ok(metadata) => metadata,
            Err(error) => return self.handle_failed_send(seq, error, errors),
        };
        if self.committer.is_some() {
            self.to_commit.push((seq as u64, metadata));
        }
        self.submitted.ack(seq as u64);
        self.metrics.record_written(1);
        Ok(())
    }

    fn handle_failed_send(
        &mut self,
        seq: usize,
        error: KafkaError,
        errors: &mut ErrorHandler,
    ) -> Result<(), TaskFailure> {
        {
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
            if self.committer.is_some() {
                self.to_commit.push((seq as u64, None));
            }
            self.submitted.ack(seq as u64);
            Ok(())
        }
    }

    fn drain_acks(&mut self, errors: &mut ErrorHandler) -> Result<(), TaskFailure> {
        while let Ok(ack) = self.acks.try_recv() {
            self.handle_ack(ack, errors)?;
        }
        self.pass_commits();
        Ok(())
    }

    /// Hands the acknowledged and dropped records to the task's `commitRecord`.
    fn pass_commits(&mut self) {
        if let Some(committer) = &self.committer
            && !self.to_commit.is_empty()
        {
            committer.commit_records(std::mem::take(&mut self.to_commit));
        }
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
        if self.committer.is_some() {
            self.to_commit.push((seq, None));
        }
        self.submitted.ack(seq);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::time::Duration;

    use async_trait::async_trait;

    use crate::connectors::ConfigMap;
    use crate::runtime::storage::{
        MemoryOffsetBackingStore, OffsetBackingStore, OffsetStoreError, OffsetUpdates,
    };
    use crate::runtime::{TargetState, TaskId, Worker};

    /// An offset store whose reads take `delay` (an offsets topic read waiting behind a
    /// slow fetch).
    struct SlowReads {
        inner: MemoryOffsetBackingStore,
        delay: Duration,
    }

    #[async_trait]
    impl OffsetBackingStore for SlowReads {
        async fn start(&self) -> Result<(), OffsetStoreError> {
            self.inner.start().await
        }
        async fn stop(&self) -> Result<(), OffsetStoreError> {
            self.inner.stop().await
        }
        async fn get(
            &self,
            keys: &[Vec<u8>],
        ) -> Result<HashMap<Vec<u8>, Vec<u8>>, OffsetStoreError> {
            tokio::time::sleep(self.delay).await;
            self.inner.get(keys).await
        }
        async fn set(&self, updates: OffsetUpdates) -> Result<(), OffsetStoreError> {
            self.inner.set(updates).await
        }
        async fn keys(&self) -> Result<Vec<Vec<u8>>, OffsetStoreError> {
            self.inner.keys().await
        }
    }

    /// Starts a FileStreamSource connector `name` over `file` and its one task on
    /// `worker`; returns the task's metrics.
    async fn start_file_source(
        worker: &Worker,
        name: &str,
        file: &std::path::Path,
    ) -> std::sync::Arc<crate::runtime::metrics::TaskMetrics> {
        let config: ConfigMap = crate::fixtures::string_map(&[
            ("name", name),
            (
                "connector.class",
                "org.apache.kafka.connect.file.FileStreamSourceConnector",
            ),
            ("tasks.max", "1"),
            ("file", file.to_str().unwrap()),
            ("topic", "t"),
        ]);
        let task_configs = worker
            .start_connector(name, &config, TargetState::Started)
            .await
            .unwrap();
        let id = TaskId {
            connector: name.into(),
            task: 0,
        };
        worker
            .start_task(id.clone(), &config, &task_configs[0], TargetState::Started)
            .await
            .unwrap();
        worker.task_metrics(&id).await.unwrap()
    }

    /// The stall of issue 14: FileStreamSource reads its committed offset inside `poll`;
    /// when that read takes longer than the offset flush interval, a loop that let the
    /// flush tick drop the `poll` started it over forever and never produced anything.
    #[tokio::test(start_paused = true)]
    async fn a_poll_slower_than_the_flush_interval_still_delivers() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("source.txt");
        std::fs::write(&file, "one\ntwo\nthree\n").unwrap();
        let store = SlowReads {
            inner: MemoryOffsetBackingStore::new(),
            delay: Duration::from_secs(2),
        };
        store.start().await.unwrap();
        let mut settings = crate::fixtures::worker_settings("w");
        settings.offset_flush_interval = Duration::from_millis(500);
        // Nothing is acknowledged here: let the records expire soon after the stop.
        settings.producer = crate::fixtures::string_map(&[("message.timeout.ms", "1000")]);
        let worker = Worker::new(
            settings,
            std::sync::Arc::default(),
            std::sync::Arc::new(store),
            crate::runtime::StatusStore::new(),
        );
        let metrics = start_file_source(&worker, "slow", &file).await;
        let mut polled = 0;
        for _ in 0..200 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            polled = metrics.records_polled();
            if polled == 3 {
                break;
            }
        }
        assert_eq!(polled, 3, "the three lines were never polled");
        worker.stop_all().await;
    }

    /// Stopping a task whose records are still in flight to an unreachable broker waits
    /// for librdkafka (flush, then the producer's drop). That wait must not hold the
    /// async threads: on a single-threaded runtime a ticker keeps ticking meanwhile.
    #[tokio::test(flavor = "current_thread")]
    async fn stopping_a_task_with_records_in_flight_does_not_block_the_runtime() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("source.txt");
        std::fs::write(&file, "one\ntwo\nthree\n").unwrap();
        // Records expire after 3 s: long enough to see a blocked thread, short enough
        // for the test (the runtime waits for its blocking pool when it shuts down).
        let mut settings = crate::fixtures::worker_settings("w");
        settings.producer = crate::fixtures::string_map(&[("message.timeout.ms", "3000")]);
        let worker = Worker::new(
            settings,
            std::sync::Arc::default(),
            std::sync::Arc::new(MemoryOffsetBackingStore::new()),
            crate::runtime::StatusStore::new(),
        );
        let metrics = start_file_source(&worker, "stuck", &file).await;
        while metrics.records_polled() < 3 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }

        // The longest gap between two 20 ms ticks, in milliseconds.
        let longest = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let ticker = tokio::spawn({
            let longest = longest.clone();
            async move {
                let mut last = std::time::Instant::now();
                loop {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    let gap = last.elapsed().as_millis() as u64;
                    longest.fetch_max(gap, std::sync::atomic::Ordering::Relaxed);
                    last = std::time::Instant::now();
                }
            }
        });
        tokio::task::yield_now().await;
        worker.stop_all().await;
        // Let the ticker see the last gap.
        tokio::time::sleep(Duration::from_millis(100)).await;
        ticker.abort();
        let longest = longest.load(std::sync::atomic::Ordering::Relaxed);
        assert!(
            longest < 500,
            "the runtime thread was blocked for {longest} ms while stopping"
        );
    }
}
