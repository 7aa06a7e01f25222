//! The sink pipeline of one task: consumer → converters → transforms → `put`, with
//! consumer offsets committed only after the task flushed them (Apache's
//! `WorkerSinkTask`).
//!
//! Each consumed record goes through the key, value and header converters and the
//! transform chain under the task's [`ErrorHandler`]: a record that fails a step is
//! reported (log, dead-letter queue) and, with `errors.tolerance=all`, skipped. Skipped
//! and filtered records still advance the consumer offsets, and records sent to the
//! dead-letter queue are acknowledged before any offset past them is committed.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use rdkafka::consumer::{
    BaseConsumer, CommitMode, Consumer, ConsumerContext, Rebalance, StreamConsumer,
};
use rdkafka::error::KafkaResult;
use rdkafka::message::BorrowedMessage;
use rdkafka::{ClientContext, Offset, TopicPartitionList};
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use super::TargetState;
use super::errors::failure::java;
use super::errors::{ErrorHandler, HandlerFailure, OriginalRecord, ProcessingError, Stage};
use super::kafka::SecurityFailures;
use super::metrics::TaskMetrics;
use super::pipeline::{Converters, HEADER_CONVERTER_CLASS, sink_record};
use super::status::{State, TaskStatusReporter};
use super::subscription::{self, Subscription};
use crate::connectors::{
    ConnectorError, RecordingSinkTaskContext, SinkOffsets, SinkTask, TopicPartition,
};
use crate::data::SinkRecord;
use crate::runtime::TransformChain;

/// Apache's default `max.poll.records`: the largest batch given to one `put`, unless
/// the consumer settings name another.
pub const MAX_POLL_RECORDS: usize = 500;

/// How often the loop looks for a refused login or TLS handshake.
const SECURITY_CHECK_INTERVAL: Duration = Duration::from_millis(500);

/// After a failed listing of the cluster's topics, a `topics.regex` sink tries again
/// this soon rather than after a whole metadata refresh interval.
const PATTERN_RETRY: Duration = Duration::from_secs(5);

/// Assignment changes, reported by the consumer's rebalance callback.
#[derive(Debug)]
enum AssignmentChange {
    Assigned(Vec<TopicPartition>),
    Revoked(Vec<TopicPartition>),
}

struct RebalanceContext {
    changes: mpsc::UnboundedSender<AssignmentChange>,
    errors: super::metrics::ClientErrors,
    /// A refused login or TLS handshake: the task fails with it instead of staying
    /// RUNNING without a connection.
    security: SecurityFailures,
}

impl ClientContext for RebalanceContext {
    fn log(&self, level: rdkafka::config::RDKafkaLogLevel, fac: &str, log_message: &str) {
        self.security.log(level, fac, log_message);
    }

    fn error(&self, error: rdkafka::error::KafkaError, reason: &str) {
        self.errors.report(&error, reason);
        self.security.observe(&error, reason);
    }
}

impl ConsumerContext for RebalanceContext {
    fn pre_rebalance(&self, _consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        if let Rebalance::Revoke(list) = rebalance {
            let _ = self
                .changes
                .send(AssignmentChange::Revoked(partitions(list)));
        }
    }

    fn post_rebalance(&self, _consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        if let Rebalance::Assign(list) = rebalance {
            let _ = self
                .changes
                .send(AssignmentChange::Assigned(partitions(list)));
        }
    }
}

fn partitions(list: &TopicPartitionList) -> Vec<TopicPartition> {
    list.elements()
        .iter()
        .map(|e| TopicPartition::new(e.topic(), e.partition()))
        .collect()
}

/// Everything one sink task needs to run.
pub struct SinkTaskRunner {
    pub task: Box<dyn SinkTask>,
    pub context: Arc<RecordingSinkTaskContext>,
    pub converters: Converters,
    /// The connector's `transforms=` chain, applied after the converters.
    pub transforms: TransformChain,
    /// `errors.*` handling, with the dead-letter queue when one is configured.
    pub errors: ErrorHandler,
    pub consumer_config: rdkafka::ClientConfig,
    /// The largest batch given to one `put` (`max.poll.records`).
    pub max_batch: usize,
    pub subscription: Subscription,
    /// How often a `topics.regex` subscription looks for new matching topics (the
    /// consumer's `metadata.max.age.ms`).
    pub topic_refresh: Duration,
    pub offset_flush_interval: Duration,
    pub status: TaskStatusReporter,
    pub target: watch::Receiver<TargetState>,
    pub shutdown: CancellationToken,
    pub metrics: Arc<TaskMetrics>,
    pub topics: super::topics::TopicReporter,
}

#[derive(Debug, thiserror::Error)]
enum TaskFailure {
    #[error("{0}")]
    Connector(#[from] ConnectorError),
    #[error("Kafka consumer failed: {0}")]
    Consumer(#[from] rdkafka::error::KafkaError),
    #[error("{0}")]
    Security(String),
    #[error("{0}")]
    Errors(#[from] HandlerFailure),
}

impl SinkTaskRunner {
    pub async fn run(mut self) {
        let (changes_tx, changes_rx) = mpsc::unbounded_channel();
        let consumer: Arc<StreamConsumer<RebalanceContext>> =
            match self.consumer_config.create_with_context(RebalanceContext {
                changes: changes_tx,
                errors: super::metrics::ClientErrors {
                    task: self.status.id.to_string(),
                    metrics: self.metrics.clone(),
                },
                security: SecurityFailures::default(),
            }) {
                Ok(c) => Arc::new(c),
                Err(e) => return self.fail(TaskFailure::Consumer(e)).await,
            };
        // A `topics.regex` sink subscribes to its matching topics in the loop's first
        // round of topic refresh.
        if let Subscription::Topics(topics) = &self.subscription
            && let Err(e) = subscription::subscribe(consumer.as_ref(), topics)
        {
            return self.fail(TaskFailure::Consumer(e)).await;
        }
        let mut state = LoopState {
            consumed: SinkOffsets::new(),
            committed: SinkOffsets::new(),
            changes: changes_rx,
            pattern_topics: None,
        };
        let outcome = self.run_loop(&consumer, &mut state).await;
        match outcome {
            Ok(()) => {
                if let Err(e) = self.commit(&consumer, &mut state, CommitMode::Sync).await {
                    tracing::warn!(task = %self.status.id, error = %e, "final offset commit failed");
                }
                let assigned: Vec<TopicPartition> = state.consumed.keys().cloned().collect();
                let _ = self.task.close(&assigned).await;
                if let Err(e) = self.task.stop().await {
                    tracing::warn!(task = %self.status.id, error = %e, "task stop failed");
                }
                tracing::info!(task = %self.status.id, "sink task stopped");
            }
            Err(failure) => self.fail(failure).await,
        }
        // Closing a consumer leaves its group and waits for the broker; dropping the
        // dead-letter queue's producer flushes it. Both block: off the async threads.
        let SinkTaskRunner { errors, .. } = self;
        let _ = tokio::task::spawn_blocking(move || drop((consumer, errors))).await;
    }

    async fn fail(&mut self, failure: TaskFailure) {
        let trace = match &failure {
            TaskFailure::Connector(e) => e.trace(),
            TaskFailure::Errors(e) => e.trace(),
            other => other.to_string(),
        };
        tracing::error!(task = %self.status.id, error = %trace, "sink task failed");
        self.metrics.record_error();
        self.status.report(State::Failed, Some(trace));
        let _ = self.task.stop().await;
    }

    async fn run_loop(
        &mut self,
        consumer: &Arc<StreamConsumer<RebalanceContext>>,
        state: &mut LoopState,
    ) -> Result<(), TaskFailure> {
        let mut commit_timer = tokio::time::interval(self.offset_flush_interval);
        commit_timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        commit_timer.reset();
        let mut messages = consumer.stream().ready_chunks(self.max_batch);
        let mut security_check = tokio::time::interval(SECURITY_CHECK_INTERVAL);
        // Due at once: a pattern subscription is made on the first round.
        let topic_refresh = tokio::time::sleep(Duration::ZERO);
        tokio::pin!(topic_refresh);
        let follows_pattern = matches!(self.subscription, Subscription::Regex(_));
        let mut reported = None;
        loop {
            let target = *self.target.borrow_and_update();
            if reported != Some(target) {
                self.apply_target(consumer, target)?;
                self.status.report(target.task_state(), None);
                reported = Some(target);
            }
            tokio::select! {
                biased;
                _ = self.shutdown.cancelled() => return Ok(()),
                changed = self.target.changed() => {
                    if changed.is_err() {
                        return Ok(());
                    }
                }
                Some(change) = state.changes.recv() => self.handle_assignment(consumer, state, change).await?,
                _ = commit_timer.tick() => self.commit(consumer, state, CommitMode::Async).await?,
                _ = &mut topic_refresh, if follows_pattern => {
                    let next = self.refresh_pattern_topics(consumer, state).await?;
                    topic_refresh.as_mut().reset(tokio::time::Instant::now() + next);
                }
                _ = security_check.tick() => {
                    if let Some(failure) = consumer.context().security.failure() {
                        return Err(TaskFailure::Security(failure));
                    }
                }
                batch = messages.next() => {
                    let Some(batch) = batch else { return Ok(()) };
                    self.deliver(batch, state).await?;
                    self.apply_requests(consumer, state).await?;
                }
            }
        }
    }

    /// Re-lists the topics `topics.regex` matches and, when they changed, subscribes to
    /// exactly those; returns when to look again.
    async fn refresh_pattern_topics(
        &mut self,
        consumer: &Arc<StreamConsumer<RebalanceContext>>,
        state: &mut LoopState,
    ) -> Result<Duration, TaskFailure> {
        let Subscription::Regex(regex) = &self.subscription else {
            return Ok(self.topic_refresh);
        };
        match subscription::matching_topics(consumer, regex).await {
            Ok(topics) => {
                if state.pattern_topics.as_ref() != Some(&topics) {
                    tracing::info!(task = %self.status.id, ?topics, "topics.regex matches");
                    subscription::subscribe(consumer.as_ref(), &topics)?;
                    state.pattern_topics = Some(topics);
                }
                Ok(self.topic_refresh)
            }
            Err(e) => {
                tracing::warn!(task = %self.status.id, error = %e, "cannot list topics for topics.regex; trying again");
                Ok(PATTERN_RETRY)
            }
        }
    }

    fn apply_target(
        &self,
        consumer: &StreamConsumer<RebalanceContext>,
        target: TargetState,
    ) -> Result<(), TaskFailure> {
        let assignment = consumer.assignment()?;
        if assignment.count() == 0 {
            return Ok(());
        }
        match target {
            TargetState::Started => consumer.resume(&assignment)?,
            TargetState::Paused | TargetState::Stopped => consumer.pause(&assignment)?,
        }
        Ok(())
    }

    async fn handle_assignment(
        &mut self,
        consumer: &StreamConsumer<RebalanceContext>,
        state: &mut LoopState,
        change: AssignmentChange,
    ) -> Result<(), TaskFailure> {
        match change {
            AssignmentChange::Assigned(partitions) => {
                self.context.set_assignment(consumer_assignment(consumer));
                self.task.open(&partitions).await?;
                if *self.target.borrow() != TargetState::Started {
                    self.apply_target(consumer, *self.target.borrow())?;
                }
            }
            AssignmentChange::Revoked(partitions) => {
                // The partitions are already gone from this consumer: what was consumed
                // but not committed will be read again by their new owner (at least once).
                self.task.close(&partitions).await?;
                for tp in &partitions {
                    state.consumed.remove(tp);
                    state.committed.remove(tp);
                }
                self.context.set_assignment(consumer_assignment(consumer));
            }
        }
        Ok(())
    }

    /// Converts and transforms a batch and hands it to the task, retrying retriable
    /// `put` failures with the same records (after the back-off the task asked for).
    async fn deliver(
        &mut self,
        batch: Vec<KafkaResult<BorrowedMessage<'_>>>,
        state: &mut LoopState,
    ) -> Result<(), TaskFailure> {
        let mut records = Vec::with_capacity(batch.len());
        let mut positions = BatchPositions::default();
        let mut polled = 0;
        // Headers nobody reads are not converted (nor parsed by librdkafka, which does
        // that on first access: 6% of a file sink's CPU).
        let converts_headers = !self.transforms.is_empty() || self.task.reads_headers();
        for message in batch {
            let message = match message {
                Ok(message) => message,
                // Consumer errors are informational (a subscribed topic that does not
                // exist yet, a broker going away): librdkafka recovers by itself.
                Err(e @ rdkafka::error::KafkaError::MessageConsumptionFatal(_)) => {
                    return Err(e.into());
                }
                Err(e) => {
                    tracing::warn!(task = %self.status.id, error = %e, "consumer error; continuing");
                    continue;
                }
            };
            polled += 1;
            let topic = rdkafka::Message::topic(&message);
            // Every consumed record moves the offsets on, skipped or filtered ones too.
            positions.advance(
                topic,
                rdkafka::Message::partition(&message),
                rdkafka::Message::offset(&message),
            );
            if let Some(record) = self
                .convert_and_transform(topic, &message, converts_headers)
                .await?
            {
                records.push(record);
            }
        }
        // Failed records must be in the dead-letter queue before their offsets can be
        // committed.
        self.errors.flush().await?;
        self.metrics.record_polled(polled);
        let count = records.len();
        loop {
            match self.task.put(&records).await {
                Ok(()) => break,
                Err(e) if e.is_retriable() => {
                    let backoff = self
                        .context
                        .take_requests()
                        .timeout
                        .unwrap_or(Duration::from_millis(100));
                    self.metrics.record_retriable_error();
                    tracing::warn!(task = %self.status.id, error = %e, "retriable put error; retrying");
                    tokio::select! {
                        _ = self.shutdown.cancelled() => return Ok(()),
                        _ = tokio::time::sleep(backoff) => {}
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
        for (tp, next) in positions.next_offsets {
            self.topics.saw(&tp.topic);
            state.consumed.insert(tp, next);
        }
        self.metrics.record_written(count);
        Ok(())
    }

    /// One consumed record through the converters and the transforms; `None` when a
    /// step failed and the failure was tolerated, or a transform dropped the record.
    /// Without `converts_headers` the record gets no headers.
    async fn convert_and_transform(
        &mut self,
        topic: &str,
        message: &BorrowedMessage<'_>,
        converts_headers: bool,
    ) -> Result<Option<SinkRecord>, TaskFailure> {
        let original = OriginalRecord::Consumed(message);
        let converters = &self.converters;
        let errors = &mut self.errors;
        let Some(key) = errors
            .execute(original, Stage::KeyConverter, &converters.key_class, || {
                converters.key_data(topic, message)
            })
            .await?
        else {
            return Ok(None);
        };
        let Some(value) = errors
            .execute(
                original,
                Stage::ValueConverter,
                &converters.value_class,
                || converters.value_data(topic, message),
            )
            .await?
        else {
            return Ok(None);
        };
        let headers = if converts_headers {
            let Some(headers) = errors
                .execute(
                    original,
                    Stage::HeaderConverter,
                    HEADER_CONVERTER_CLASS,
                    || converters.header_data(message),
                )
                .await?
            else {
                return Ok(None);
            };
            headers
        } else {
            Vec::new()
        };
        let record = sink_record(topic, message, key, value, headers);
        if self.transforms.is_empty() {
            return Ok(Some(record));
        }
        let transformed = self
            .transforms
            .apply_sink(record)
            .map_err(|e| ProcessingError::from_transform(&e));
        Ok(errors
            .handle(
                original,
                Stage::Transformation,
                java::TRANSFORMATION_CHAIN,
                transformed,
            )?
            .flatten())
    }

    /// Applies what the task asked for through its context since the last `put`.
    async fn apply_requests(
        &mut self,
        consumer: &Arc<StreamConsumer<RebalanceContext>>,
        state: &mut LoopState,
    ) -> Result<(), TaskFailure> {
        let requests = self.context.take_requests();
        for (tp, offset) in &requests.reset_offsets {
            consumer.seek(
                &tp.topic,
                tp.partition,
                Offset::Offset(*offset),
                Duration::from_secs(10),
            )?;
            state.consumed.insert(tp.clone(), *offset);
        }
        if !requests.paused.is_empty() {
            consumer.pause(&tpl(requests.paused.iter().map(|tp| (tp, None))))?;
        }
        if !requests.resumed.is_empty() {
            consumer.resume(&tpl(requests.resumed.iter().map(|tp| (tp, None))))?;
        }
        if requests.commit_requested {
            self.commit(consumer, state, CommitMode::Async).await?;
        }
        Ok(())
    }

    /// `pre_commit` (flush by default), then commits what the task declared safe.
    async fn commit(
        &mut self,
        consumer: &Arc<StreamConsumer<RebalanceContext>>,
        state: &mut LoopState,
        mode: CommitMode,
    ) -> Result<(), TaskFailure> {
        let pending: SinkOffsets = state
            .consumed
            .iter()
            .filter(|(tp, offset)| state.committed.get(*tp) != Some(*offset))
            .map(|(tp, offset)| (tp.clone(), *offset))
            .collect();
        if pending.is_empty() {
            return Ok(());
        }
        let safe = self.task.pre_commit(&state.consumed).await?;
        let safe: SinkOffsets = safe
            .into_iter()
            .filter(|(tp, offset)| state.committed.get(tp) != Some(offset))
            .collect();
        if safe.is_empty() {
            return Ok(());
        }
        let list = tpl(safe.iter().map(|(tp, offset)| (tp, Some(*offset))));
        let started = std::time::Instant::now();
        let committed = match mode {
            CommitMode::Async => consumer.commit(&list, mode),
            // A synchronous commit waits for the broker: on the blocking pool.
            CommitMode::Sync => {
                let consumer = Arc::clone(consumer);
                tokio::task::spawn_blocking(move || consumer.commit(&list, mode))
                    .await
                    .unwrap_or(Err(rdkafka::error::KafkaError::Canceled))
            }
        };
        match committed {
            Ok(()) => {
                self.metrics.record_offset_commit(started.elapsed());
                state.committed.extend(safe);
            }
            // A commit can fail during a rebalance; the next one carries the same offsets.
            Err(e) => tracing::warn!(task = %self.status.id, error = %e, "offset commit failed"),
        }
        Ok(())
    }
}

/// The next offset of each partition consumed in one batch. A batch holds long runs of
/// one partition, so the newest entry is almost always the match: one comparison per
/// record instead of a map insert (with a hashed topic name) per record.
#[derive(Default)]
struct BatchPositions {
    next_offsets: Vec<(TopicPartition, i64)>,
}

impl BatchPositions {
    fn advance(&mut self, topic: &str, partition: i32, offset: i64) {
        match self
            .next_offsets
            .iter_mut()
            .rev()
            .find(|(tp, _)| tp.partition == partition && tp.topic == topic)
        {
            Some(entry) => entry.1 = offset + 1,
            None => self
                .next_offsets
                .push((TopicPartition::new(topic, partition), offset + 1)),
        }
    }
}

struct LoopState {
    /// Next offset to consume per partition, for records already given to `put`.
    consumed: SinkOffsets,
    /// What was last committed per partition.
    committed: SinkOffsets,
    changes: mpsc::UnboundedReceiver<AssignmentChange>,
    /// The topics a `topics.regex` subscription holds now (`None` before the first
    /// listing, and for a `topics` subscription).
    pattern_topics: Option<Vec<String>>,
}

fn consumer_assignment(consumer: &StreamConsumer<RebalanceContext>) -> Vec<TopicPartition> {
    consumer
        .assignment()
        .map(|list| partitions(&list))
        .unwrap_or_default()
}

fn tpl<'a>(entries: impl Iterator<Item = (&'a TopicPartition, Option<i64>)>) -> TopicPartitionList {
    let mut list = TopicPartitionList::new();
    for (tp, offset) in entries {
        let mut entry = list.add_partition(&tp.topic, tp.partition);
        if let Some(offset) = offset {
            // Offsets here are always valid positions; setting one cannot fail.
            let _ = entry.set_offset(Offset::Offset(offset));
        }
    }
    list
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_positions_keep_the_next_offset_of_each_partition() {
        let mut positions = BatchPositions::default();
        for (topic, partition, offset) in [
            ("a", 0, 5),
            ("a", 0, 6),
            ("b", 0, 1),
            ("a", 1, 9),
            ("a", 0, 7),
            ("b", 0, 2),
        ] {
            positions.advance(topic, partition, offset);
        }
        assert_eq!(
            positions.next_offsets,
            vec![
                (TopicPartition::new("a", 0), 8),
                (TopicPartition::new("b", 0), 3),
                (TopicPartition::new("a", 1), 10),
            ]
        );
    }
}
