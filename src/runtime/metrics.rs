//! Per-task counters, read by `/metrics` (Prometheus text) and by tests and benchmarks.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Counters of one task. Atomics, so the hot path never takes a lock.
#[derive(Debug, Default)]
pub struct TaskMetrics {
    records_polled: AtomicU64,
    records_written: AtomicU64,
    offset_commits: AtomicU64,
    offset_commit_micros_total: AtomicU64,
    errors: AtomicU64,
}

impl TaskMetrics {
    pub fn record_polled(&self, n: usize) {
        self.records_polled.fetch_add(n as u64, Ordering::Relaxed);
    }
    pub fn record_written(&self, n: usize) {
        self.records_written.fetch_add(n as u64, Ordering::Relaxed);
    }
    pub fn record_offset_commit(&self, took: Duration) {
        self.offset_commits.fetch_add(1, Ordering::Relaxed);
        self.offset_commit_micros_total
            .fetch_add(took.as_micros() as u64, Ordering::Relaxed);
    }
    pub fn record_error(&self) {
        self.errors.fetch_add(1, Ordering::Relaxed);
    }
    pub fn records_polled(&self) -> u64 {
        self.records_polled.load(Ordering::Relaxed)
    }
    pub fn records_written(&self) -> u64 {
        self.records_written.load(Ordering::Relaxed)
    }
    pub fn offset_commits(&self) -> u64 {
        self.offset_commits.load(Ordering::Relaxed)
    }
    pub fn errors(&self) -> u64 {
        self.errors.load(Ordering::Relaxed)
    }
}
