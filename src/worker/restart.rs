//! Restarts: requests from the `KafkaConnector`'s restart annotations (written by the REST
//! sidecar for `POST /connectors/{name}/restart` and `.../tasks/{id}/restart`, or by hand
//! with `kubectl annotate`), and automatic restarts of failed units (`spec.autoRestart`).
//!
//! Requests are acted on when an annotation's *value changes*, never for its presence:
//! every worker records the values it first sees for a connector without acting, so a
//! worker that starts (or a connector that is created) later does not replay old requests.

use std::collections::BTreeMap;
use std::time::Duration;

use tokio::time::Instant;

use crate::api::{RESTART_ANNOTATION, RESTART_TASK_ANNOTATION_PREFIX, RestartRequest};

/// One restart to perform, from an annotation change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RestartAction {
    /// Restart the connector instance (and, per the request, its tasks).
    Connector(RestartRequest),
    /// Restart one task.
    Task(u32),
}

/// The annotation values last seen on one connector object.
#[derive(Debug, Default)]
struct Seen {
    /// The object's uid: a connector deleted and created again starts over.
    uid: String,
    connector: Option<String>,
    tasks: BTreeMap<u32, String>,
}

/// Tracks each connector's restart annotations between syncs.
#[derive(Debug, Default)]
pub struct RestartRequests {
    seen: BTreeMap<String, Seen>,
}

impl RestartRequests {
    /// The restarts asked for on connector `name` since the last call. The first call for
    /// an object only records its values.
    pub fn changes(
        &mut self,
        name: &str,
        uid: &str,
        annotations: &BTreeMap<String, String>,
    ) -> Vec<RestartAction> {
        let connector = annotations.get(RESTART_ANNOTATION).cloned();
        let tasks: BTreeMap<u32, String> = annotations
            .iter()
            .filter_map(|(key, value)| {
                let id = key.strip_prefix(RESTART_TASK_ANNOTATION_PREFIX)?;
                Some((id.parse().ok()?, value.clone()))
            })
            .collect();
        let current = Seen {
            uid: uid.to_owned(),
            connector,
            tasks,
        };
        let Some(previous) = self.seen.insert(name.to_owned(), current) else {
            return Vec::new();
        };
        let current = &self.seen[name];
        if previous.uid != current.uid {
            return Vec::new();
        }
        let mut actions = Vec::new();
        if let Some(value) = &current.connector
            && previous.connector.as_ref() != Some(value)
        {
            actions.push(RestartAction::Connector(parse_request(value)));
        }
        for (id, value) in &current.tasks {
            if previous.tasks.get(id) != Some(value) {
                actions.push(RestartAction::Task(*id));
            }
        }
        actions
    }

    /// Forgets connectors that no longer exist.
    pub fn retain(&mut self, exists: impl Fn(&str) -> bool) {
        self.seen.retain(|name, _| exists(name));
    }
}

/// The request in a [`RESTART_ANNOTATION`] value. A value that is not the JSON of a
/// [`RestartRequest`] (say `kubectl annotate ... tributary.dev/restart=now`) is a plain
/// restart of the connector instance, as `POST /connectors/{name}/restart` without
/// parameters.
pub fn parse_request(value: &str) -> RestartRequest {
    serde_json::from_str(value).unwrap_or_else(|_| RestartRequest {
        id: value.to_owned(),
        include_tasks: false,
        only_failed: false,
    })
}

/// A connector instance (`task: None`) or one of its tasks.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Unit {
    /// The connector name.
    pub connector: String,
    /// The task id, or `None` for the connector instance.
    pub task: Option<u32>,
}

/// Back-off of automatic restarts: the first restart of a failed unit comes
/// [`AutoRestart::INITIAL_DELAY`] (2 s) after the failure is seen, each further one
/// waits twice as long, up to [`AutoRestart::MAX_DELAY`] (60 s). A unit that has stayed
/// out of FAILED for [`AutoRestart::HEALTHY_AFTER`] (5 min) since its last restart starts
/// over at 2 s. Apache Connect has no automatic restart; a fast first retry catches
/// passing causes, and the one-minute cap bounds the log noise of a lasting one.
#[derive(Debug, Default)]
pub struct AutoRestart {
    units: BTreeMap<Unit, Backoff>,
}

#[derive(Debug, Default)]
struct Backoff {
    /// Automatic restarts since the unit was last healthy.
    attempts: u32,
    /// When the pending restart is due, once a failure was seen.
    due: Option<Instant>,
    /// When the last automatic restart happened.
    restarted_at: Option<Instant>,
}

impl AutoRestart {
    /// Delay before the first automatic restart.
    pub const INITIAL_DELAY: Duration = Duration::from_secs(2);
    /// Longest delay between automatic restarts.
    pub const MAX_DELAY: Duration = Duration::from_secs(60);
    /// Time out of FAILED after which the back-off starts over.
    pub const HEALTHY_AFTER: Duration = Duration::from_secs(300);

    /// The delay before automatic restart number `attempts + 1`.
    pub fn delay(attempts: u32) -> Duration {
        Self::INITIAL_DELAY
            .saturating_mul(2u32.saturating_pow(attempts.min(16)))
            .min(Self::MAX_DELAY)
    }

    /// Observes `unit` at `now`; true when it is failed and its restart is due (the
    /// caller restarts it). A first failure only schedules the restart.
    pub fn observe(&mut self, unit: &Unit, failed: bool, now: Instant) -> bool {
        if !failed {
            if let Some(backoff) = self.units.get_mut(unit) {
                backoff.due = None;
                if backoff
                    .restarted_at
                    .is_none_or(|at| now.duration_since(at) >= Self::HEALTHY_AFTER)
                {
                    self.units.remove(unit);
                }
            }
            return false;
        }
        let backoff = self.units.entry(unit.clone()).or_default();
        match backoff.due {
            None => {
                backoff.due = Some(now + Self::delay(backoff.attempts));
                false
            }
            Some(due) if now >= due => {
                backoff.attempts += 1;
                backoff.due = None;
                backoff.restarted_at = Some(now);
                true
            }
            Some(_) => false,
        }
    }

    /// The earliest pending restart, for the worker loop's timer.
    pub fn next_due(&self) -> Option<Instant> {
        self.units.values().filter_map(|b| b.due).min()
    }

    /// Forgets units that no longer run here or no longer restart automatically.
    pub fn retain(&mut self, keep: impl Fn(&Unit) -> bool) {
        self.units.retain(|unit, _| keep(unit));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn annotations(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn old_values_are_ignored_and_changes_are_acted_on() {
        let mut requests = RestartRequests::default();
        let old = r#"{"id":"1","includeTasks":true,"onlyFailed":false}"#;
        let found = annotations(&[
            (RESTART_ANNOTATION, old),
            ("tributary.dev/restart-task-0", "a"),
        ]);
        assert!(requests.changes("c", "u1", &found).is_empty());
        assert!(requests.changes("c", "u1", &found).is_empty());

        let new = r#"{"id":"2","includeTasks":true,"onlyFailed":true}"#;
        let changed = annotations(&[
            (RESTART_ANNOTATION, new),
            ("tributary.dev/restart-task-0", "a"),
            ("tributary.dev/restart-task-3", "b"),
        ]);
        assert_eq!(
            requests.changes("c", "u1", &changed),
            vec![
                RestartAction::Connector(RestartRequest {
                    id: "2".into(),
                    include_tasks: true,
                    only_failed: true,
                }),
                RestartAction::Task(3),
            ]
        );
        // A connector created again under the same name: its values are old news.
        let recreated = annotations(&[("tributary.dev/restart-task-0", "z")]);
        assert!(requests.changes("c", "u2", &recreated).is_empty());
    }

    #[test]
    fn a_plain_value_is_a_plain_restart() {
        assert_eq!(
            parse_request("now"),
            RestartRequest {
                id: "now".into(),
                include_tasks: false,
                only_failed: false,
            }
        );
    }

    #[test]
    fn back_off_doubles_to_a_minute_and_resets_after_five_healthy_minutes() {
        assert_eq!(AutoRestart::delay(0), Duration::from_secs(2));
        assert_eq!(AutoRestart::delay(1), Duration::from_secs(4));
        assert_eq!(AutoRestart::delay(5), Duration::from_secs(60));
        assert_eq!(AutoRestart::delay(40), Duration::from_secs(60));

        let unit = Unit {
            connector: "c".into(),
            task: Some(0),
        };
        let mut auto = AutoRestart::default();
        let t0 = Instant::now();
        assert!(!auto.observe(&unit, true, t0));
        assert_eq!(auto.next_due(), Some(t0 + Duration::from_secs(2)));
        assert!(!auto.observe(&unit, true, t0 + Duration::from_secs(1)));
        assert!(auto.observe(&unit, true, t0 + Duration::from_secs(2)));
        // Fails again right away: the next wait is 4 s.
        let t1 = t0 + Duration::from_secs(3);
        assert!(!auto.observe(&unit, true, t1));
        assert_eq!(auto.next_due(), Some(t1 + Duration::from_secs(4)));
        assert!(auto.observe(&unit, true, t1 + Duration::from_secs(4)));
        // Healthy for a while, but not five minutes: the back-off is remembered.
        let t2 = t1 + Duration::from_secs(60);
        assert!(!auto.observe(&unit, false, t2));
        assert!(!auto.observe(&unit, true, t2));
        assert_eq!(auto.next_due(), Some(t2 + Duration::from_secs(8)));
        assert!(auto.observe(&unit, true, t2 + Duration::from_secs(8)));
        // Five healthy minutes after that restart: back to 2 s.
        let t3 = t2 + Duration::from_secs(8) + AutoRestart::HEALTHY_AFTER;
        assert!(!auto.observe(&unit, false, t3));
        assert!(!auto.observe(&unit, true, t3));
        assert_eq!(auto.next_due(), Some(t3 + Duration::from_secs(2)));
    }
}
