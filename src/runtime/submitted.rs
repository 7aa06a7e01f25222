//! Which source offsets may be committed: only those whose record, and every record the
//! task produced before it, the broker has acknowledged (Apache's `SubmittedRecords`).
//!
//! Records are tracked in submission order. An acknowledgement only marks its record;
//! the committable offsets advance over the acknowledged prefix. Tracking one global
//! order (rather than one per source partition, as Apache does) is slightly stricter:
//! a slow partition can hold back another partition's offset, never the reverse of what
//! was acknowledged, so no offset is ever committed ahead of its data.

use std::collections::VecDeque;
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::data::RecordOffset;

/// A source partition or offset map, as connectors give them.
pub type JsonMap = Map<String, Value>;

#[derive(Debug)]
struct Submitted {
    acked: bool,
    partition: Arc<JsonMap>,
    offset: RecordOffset,
}

/// Submission-ordered record tracker. Sequence numbers are handed out by [`submit`] and
/// passed back to [`ack`] by the producer's delivery callback.
///
/// [`submit`]: SubmittedRecords::submit
/// [`ack`]: SubmittedRecords::ack
#[derive(Debug, Default)]
pub struct SubmittedRecords {
    /// Sequence number of the front of `records`.
    first_seq: u64,
    records: VecDeque<Submitted>,
    /// Latest offset per partition of the acknowledged prefix, not yet taken by
    /// [`take_committable`].
    ///
    /// [`take_committable`]: SubmittedRecords::take_committable
    committable: Vec<(Arc<JsonMap>, RecordOffset)>,
}

impl SubmittedRecords {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a record about to be sent; returns its sequence number.
    pub fn submit(&mut self, partition: Arc<JsonMap>, offset: RecordOffset) -> u64 {
        let seq = self.first_seq + self.records.len() as u64;
        self.records.push_back(Submitted {
            acked: false,
            partition,
            offset,
        });
        seq
    }

    /// Marks a record acknowledged and advances over the acknowledged prefix.
    /// Unknown or repeated sequence numbers are ignored.
    pub fn ack(&mut self, seq: u64) {
        let Some(index) = seq.checked_sub(self.first_seq) else {
            return;
        };
        if let Some(record) = self.records.get_mut(index as usize) {
            record.acked = true;
        }
        while self.records.front().is_some_and(|r| r.acked) {
            let record = self.records.pop_front().expect("front exists");
            self.first_seq += 1;
            // Connectors without offsets (stdin) give empty maps: nothing to store.
            if record.partition.is_empty() {
                continue;
            }
            // Only the latest offset per partition is worth keeping: between two flushes
            // a source acknowledges millions of records over a handful of partitions.
            // The scan runs from the newest entry, which is almost always the match.
            match self
                .committable
                .iter_mut()
                .rev()
                .find(|(partition, _)| same_map(partition, &record.partition))
            {
                Some(entry) => entry.1 = record.offset,
                None => self.committable.push((record.partition, record.offset)),
            }
        }
    }

    /// Records sent but not yet acknowledged (or acknowledged behind an unacknowledged one).
    pub fn in_flight(&self) -> usize {
        self.records.len()
    }

    /// The latest committable offset of each partition acknowledged since the last call.
    pub fn take_committable(&mut self) -> Vec<(JsonMap, JsonMap)> {
        std::mem::take(&mut self.committable)
            .into_iter()
            .map(|(partition, offset)| (Arc::unwrap_or_clone(partition), offset.into_map()))
            .collect()
    }
}

/// Partition equality with fast paths: connectors hand out one shared partition (same
/// pointer), and maps built the same way have their entries in the same order, where `==`
/// (order independent) hashes every key of one map into the other. That hashing was 7% of
/// a file source's CPU, once per record.
fn same_map(a: &Arc<JsonMap>, b: &Arc<JsonMap>) -> bool {
    Arc::ptr_eq(a, b)
        || (a.len() == b.len() && (a.iter().zip(b.iter()).all(|(x, y)| x == y) || a == b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: serde_json::Value) -> JsonMap {
        v.as_object().unwrap().clone()
    }

    fn partition(v: serde_json::Value) -> Arc<JsonMap> {
        Arc::new(map(v))
    }

    #[test]
    fn offsets_advance_only_over_the_acknowledged_prefix() {
        let mut s = SubmittedRecords::new();
        let p = partition(json!({"filename": "a"}));
        let a = s.submit(p.clone(), map(json!({"position": 10})).into());
        let b = s.submit(p.clone(), map(json!({"position": 20})).into());
        let c = s.submit(p.clone(), map(json!({"position": 30})).into());
        s.ack(b);
        assert!(s.take_committable().is_empty(), "b is acked but a is not");
        s.ack(a);
        let got = s.take_committable();
        assert_eq!(got.len(), 1, "one entry per partition");
        assert_eq!(got[0].1, map(json!({"position": 20})));
        assert_eq!(s.in_flight(), 1);
        s.ack(c);
        s.ack(c);
        assert_eq!(s.take_committable()[0].1, map(json!({"position": 30})));
        assert_eq!(s.in_flight(), 0);
    }

    #[test]
    fn committable_keeps_the_latest_offset_of_each_partition() {
        let mut s = SubmittedRecords::new();
        let (a, b) = (partition(json!({"f": "a"})), partition(json!({"f": "b"})));
        for i in 0..1000 {
            let p = if i % 2 == 0 { a.clone() } else { b.clone() };
            let seq = s.submit(p, map(json!({"position": i})).into());
            s.ack(seq);
        }
        let got = s.take_committable();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0], ((*a).clone(), map(json!({"position": 998}))));
        assert_eq!(got[1], ((*b).clone(), map(json!({"position": 999}))));
    }

    #[test]
    fn records_without_a_partition_are_tracked_but_never_committed() {
        let mut s = SubmittedRecords::new();
        let seq = s.submit(Arc::default(), RecordOffset::default());
        s.ack(seq);
        assert!(s.take_committable().is_empty());
        assert_eq!(s.in_flight(), 0);
    }

    #[test]
    fn partitions_match_whatever_the_order_of_their_entries() {
        let mut s = SubmittedRecords::new();
        let a = s.submit(
            partition(json!({"db": "x", "table": "t"})),
            map(json!({"id": 1})).into(),
        );
        let b = s.submit(
            partition(json!({"table": "t", "db": "x"})),
            map(json!({"id": 2})).into(),
        );
        let c = s.submit(
            partition(json!({"table": "u", "db": "x"})),
            map(json!({"id": 3})).into(),
        );
        s.ack(a);
        s.ack(b);
        s.ack(c);
        let got = s.take_committable();
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0].1, map(json!({"id": 2})));
        assert_eq!(got[1].1, map(json!({"id": 3})));
    }
}
