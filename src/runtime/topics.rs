//! The topics each connector has used (`GET /connectors/{name}/topics`, Apache's
//! `topic.tracking.enable`), recorded by the task pipelines.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Shared record of active topics per connector.
#[derive(Clone, Default)]
pub struct ActiveTopics {
    topics: Arc<Mutex<HashMap<String, BTreeSet<String>>>>,
    /// Bumped by every reset, so pipelines know to report topics again.
    resets: Arc<AtomicU64>,
}

impl ActiveTopics {
    pub fn record(&self, connector: &str, topic: &str) {
        let mut topics = self.topics.lock().unwrap_or_else(|e| e.into_inner());
        let set = topics.entry(connector.to_owned()).or_default();
        if !set.contains(topic) {
            set.insert(topic.to_owned());
        }
    }

    /// The topics `connector` has used since the last reset, sorted.
    pub fn get(&self, connector: &str) -> Vec<String> {
        let topics = self.topics.lock().unwrap_or_else(|e| e.into_inner());
        topics
            .get(connector)
            .map(|set| set.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Forgets the topics `connector` has used.
    pub fn reset(&self, connector: &str) {
        self.topics
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(connector);
        self.resets.fetch_add(1, Ordering::Relaxed);
    }

    /// A per-task reporter that takes the lock only for topics it has not reported yet.
    pub fn reporter(&self, connector: &str) -> TopicReporter {
        TopicReporter {
            shared: self.clone(),
            connector: connector.to_owned(),
            reported: BTreeSet::new(),
            seen_resets: u64::MAX,
        }
    }
}

/// Records a task's topics on the hot path: a set lookup per record, a lock per new topic.
pub struct TopicReporter {
    shared: ActiveTopics,
    connector: String,
    reported: BTreeSet<String>,
    seen_resets: u64,
}

impl TopicReporter {
    pub fn saw(&mut self, topic: &str) {
        let resets = self.shared.resets.load(Ordering::Relaxed);
        if resets != self.seen_resets {
            self.reported.clear();
            self.seen_resets = resets;
        }
        if !self.reported.contains(topic) {
            self.shared.record(&self.connector, topic);
            self.reported.insert(topic.to_owned());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_are_reported_again_after_a_reset() {
        let topics = ActiveTopics::default();
        let mut reporter = topics.reporter("c");
        reporter.saw("a");
        reporter.saw("a");
        reporter.saw("b");
        assert_eq!(topics.get("c"), ["a", "b"]);
        topics.reset("c");
        assert!(topics.get("c").is_empty());
        reporter.saw("b");
        assert_eq!(topics.get("c"), ["b"]);
    }
}
