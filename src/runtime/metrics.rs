//! Per-task counters (Apache's `source-task-metrics` / `sink-task-metrics` groups), kept
//! by the task loops and read by `/metrics` (Prometheus text), tests and benchmarks.
//!
//! One [`TaskMetrics`] lives as long as one run of a task; a restarted task gets a fresh
//! one. Whoever exports them across restarts adds up [`TaskSnapshot`]s (the Kubernetes
//! worker does, so its counters never go backwards while the task stays on it).

use std::ops::AddAssign;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds, in seconds, of the offset-commit latency histogram buckets. A commit
/// writes to a file or a Kafka topic: from about a millisecond to the flush timeout (5 s
/// by default).
pub const COMMIT_LATENCY_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// Counters of one task run. Atomics, so the hot path never takes a lock.
///
/// What "polled" and "written" count depends on the task kind, as in Apache:
/// - source: records returned by `poll` (`source-record-poll-total`) and records the
///   broker acknowledged (`source-record-write-total`);
/// - sink: records read from Kafka (`sink-record-read-total`) and records handed to
///   `put` successfully (`sink-record-send-total`).
#[derive(Debug, Default)]
pub struct TaskMetrics {
    records_polled: AtomicU64,
    records_written: AtomicU64,
    offset_commits: AtomicU64,
    offset_commit_micros_total: AtomicU64,
    /// Commits per latency bucket (not cumulative); the last slot counts commits slower
    /// than every bound.
    offset_commit_buckets: [AtomicU64; COMMIT_LATENCY_BUCKETS.len() + 1],
    errors: AtomicU64,
    retriable_errors: AtomicU64,
}

impl TaskMetrics {
    /// Counts `n` records polled (source) or read from Kafka (sink).
    pub fn record_polled(&self, n: usize) {
        self.records_polled.fetch_add(n as u64, Ordering::Relaxed);
    }

    /// Counts `n` records acknowledged by the broker (source) or put (sink).
    pub fn record_written(&self, n: usize) {
        self.records_written.fetch_add(n as u64, Ordering::Relaxed);
    }

    /// Counts one successful offset commit that took `took`.
    pub fn record_offset_commit(&self, took: Duration) {
        self.offset_commits.fetch_add(1, Ordering::Relaxed);
        self.offset_commit_micros_total
            .fetch_add(took.as_micros() as u64, Ordering::Relaxed);
        let seconds = took.as_secs_f64();
        let slot = COMMIT_LATENCY_BUCKETS
            .iter()
            .position(|bound| seconds <= *bound)
            .unwrap_or(COMMIT_LATENCY_BUCKETS.len());
        self.offset_commit_buckets[slot].fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one error the task loop ran into (a failure, a failed record).
    pub fn record_error(&self) {
        self.errors.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one retriable error (a `poll` or `put` that will be retried).
    pub fn record_retriable_error(&self) {
        self.retriable_errors.fetch_add(1, Ordering::Relaxed);
    }

    /// Retriable errors so far.
    pub fn retriable_errors(&self) -> u64 {
        self.retriable_errors.load(Ordering::Relaxed)
    }

    /// Records polled (source) or read (sink) so far.
    pub fn records_polled(&self) -> u64 {
        self.records_polled.load(Ordering::Relaxed)
    }

    /// Records acknowledged (source) or put (sink) so far.
    pub fn records_written(&self) -> u64 {
        self.records_written.load(Ordering::Relaxed)
    }

    /// Successful offset commits so far.
    pub fn offset_commits(&self) -> u64 {
        self.offset_commits.load(Ordering::Relaxed)
    }

    /// Errors so far.
    pub fn errors(&self) -> u64 {
        self.errors.load(Ordering::Relaxed)
    }

    /// A consistent-enough copy of every counter (each one read atomically).
    pub fn snapshot(&self) -> TaskSnapshot {
        TaskSnapshot {
            records_polled: self.records_polled(),
            records_written: self.records_written(),
            offset_commits: self.offset_commits(),
            offset_commit_seconds: self.offset_commit_micros_total.load(Ordering::Relaxed) as f64
                / 1e6,
            offset_commit_buckets: std::array::from_fn(|i| {
                self.offset_commit_buckets[i].load(Ordering::Relaxed)
            }),
            errors: self.errors(),
            retriable_errors: self.retriable_errors(),
        }
    }
}

/// What a task's Kafka client reports about itself (a broker that went away, a failed
/// connection or authentication): librdkafka retries these by itself, so the task stays
/// RUNNING; each one is logged at `warn` with the task and counted as a retriable error, so
/// a task that cannot reach Kafka shows in its log and in `/metrics`.
pub struct ClientErrors {
    /// The task's id, for the log line.
    pub task: String,
    pub metrics: Arc<TaskMetrics>,
}

impl ClientErrors {
    pub fn report(&self, error: &rdkafka::error::KafkaError, reason: &str) {
        self.metrics.record_retriable_error();
        tracing::warn!(task = %self.task, %error, reason, "Kafka client error; it retries");
    }
}

/// The counters of a task at one moment; snapshots of successive runs add up.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TaskSnapshot {
    /// Records polled (source) or read (sink).
    pub records_polled: u64,
    /// Records acknowledged (source) or put (sink).
    pub records_written: u64,
    /// Successful offset commits.
    pub offset_commits: u64,
    /// Total time spent in successful offset commits, in seconds.
    pub offset_commit_seconds: f64,
    /// Commits per latency bucket of [`COMMIT_LATENCY_BUCKETS`] (not cumulative), plus one
    /// slot for slower commits.
    pub offset_commit_buckets: [u64; COMMIT_LATENCY_BUCKETS.len() + 1],
    /// Errors.
    pub errors: u64,
    /// Retriable errors (retried `poll`s and `put`s).
    pub retriable_errors: u64,
}

impl TaskSnapshot {
    /// The commit latency buckets as `(upper bound, count)` pairs, the last one `+Inf`.
    pub fn commit_latency_buckets(&self) -> Vec<(f64, u64)> {
        COMMIT_LATENCY_BUCKETS
            .iter()
            .copied()
            .chain(std::iter::once(f64::INFINITY))
            .zip(self.offset_commit_buckets)
            .collect()
    }
}

impl AddAssign<&TaskSnapshot> for TaskSnapshot {
    fn add_assign(&mut self, other: &TaskSnapshot) {
        self.records_polled += other.records_polled;
        self.records_written += other.records_written;
        self.offset_commits += other.offset_commits;
        self.offset_commit_seconds += other.offset_commit_seconds;
        for (mine, theirs) in self
            .offset_commit_buckets
            .iter_mut()
            .zip(other.offset_commit_buckets)
        {
            *mine += theirs;
        }
        self.errors += other.errors;
        self.retriable_errors += other.retriable_errors;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commits_land_in_their_latency_bucket() {
        let metrics = TaskMetrics::default();
        metrics.record_offset_commit(Duration::from_micros(500));
        metrics.record_offset_commit(Duration::from_millis(3));
        metrics.record_offset_commit(Duration::from_secs(30));
        let snapshot = metrics.snapshot();
        assert_eq!(snapshot.offset_commits, 3);
        let buckets = snapshot.commit_latency_buckets();
        assert_eq!(buckets[0], (0.001, 1));
        assert_eq!(buckets[2], (0.005, 1));
        assert_eq!(buckets.last(), Some(&(f64::INFINITY, 1)));
        assert!((snapshot.offset_commit_seconds - 30.0035).abs() < 1e-9);
    }

    #[test]
    fn client_errors_count_as_retriable() {
        let metrics = Arc::new(TaskMetrics::default());
        let errors = ClientErrors {
            task: "c-0".into(),
            metrics: metrics.clone(),
        };
        errors.report(
            &rdkafka::error::KafkaError::Global(rdkafka::types::RDKafkaErrorCode::AllBrokersDown),
            "1/1 brokers are down",
        );
        assert_eq!(metrics.snapshot().retriable_errors, 1);
    }

    #[test]
    fn snapshots_of_successive_runs_add_up() {
        let first = TaskMetrics::default();
        first.record_polled(3);
        first.record_written(2);
        first.record_offset_commit(Duration::from_millis(1));
        let second = TaskMetrics::default();
        second.record_polled(4);
        second.record_error();
        let mut total = first.snapshot();
        total += &second.snapshot();
        assert_eq!(total.records_polled, 7);
        assert_eq!(total.records_written, 2);
        assert_eq!(total.offset_commits, 1);
        assert_eq!(total.errors, 1);
        assert_eq!(total.offset_commit_buckets.iter().sum::<u64>(), 1);
    }
}
