//! This worker's part of a `KafkaConnector` status, written by server-side apply with the
//! worker's own field manager: the connector instance state and the published task configs
//! (only on the instance's worker) and one `connectorStatus.tasks` entry per task it runs
//! (a map-list keyed by `id`, so workers never overwrite each other). Applying a status
//! without an entry removes the entry this worker owned: that is how it releases a unit.
//!
//! `topics` is a set-type list: each worker applies the topics its own tasks used, the API
//! server keeps the union, and a topic no worker applies any more leaves the list.

use serde_json::{Map, Value, json};

use crate::connectors::ConfigMap;
use crate::runtime::status::Status;

/// What this worker reports for one connector.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WorkerReport {
    /// The connector instance's state and type, when this worker runs the instance.
    pub instance: Option<(Status, Option<String>)>,
    /// Task configs and the generation they were computed for (instance owner only).
    pub task_configs: Option<(Vec<ConfigMap>, i64)>,
    /// State of each task this worker runs, by id.
    pub tasks: Vec<(u32, Status)>,
    /// Topics this worker's tasks of the connector used (the runtime's active topics).
    pub topics: Vec<String>,
}

impl WorkerReport {
    /// The server-side apply body for connector `name`.
    pub fn to_patch(&self, name: &str) -> Value {
        let mut status = Map::new();
        let mut info = Map::new();
        if let Some((state, kind)) = &self.instance {
            info.insert("connector".into(), state_json(state, None));
            if let Some(kind) = kind {
                info.insert("type".into(), json!(kind));
            }
        }
        if !self.tasks.is_empty() {
            let tasks: Vec<Value> = self
                .tasks
                .iter()
                .map(|(id, state)| state_json(state, Some(*id)))
                .collect();
            info.insert("tasks".into(), Value::Array(tasks));
        }
        if !info.is_empty() {
            info.insert("name".into(), json!(name));
            status.insert("connectorStatus".into(), Value::Object(info));
        }
        if let Some((configs, generation)) = &self.task_configs {
            status.insert("taskConfigs".into(), json!(configs));
            status.insert("taskConfigsGeneration".into(), json!(generation));
        }
        if !self.topics.is_empty() {
            status.insert("topics".into(), json!(self.topics));
        }
        json!({
            "apiVersion": "tributary.dev/v1alpha1",
            "kind": "KafkaConnector",
            "status": status,
        })
    }
}

fn state_json(status: &Status, id: Option<u32>) -> Value {
    let mut entry = Map::new();
    if let Some(id) = id {
        entry.insert("id".into(), json!(id));
    }
    entry.insert("state".into(), json!(status.state.as_str()));
    entry.insert("worker_id".into(), json!(status.worker_id));
    if let Some(trace) = &status.trace {
        entry.insert("trace".into(), json!(trace));
    }
    Value::Object(entry)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::status::State;

    fn running() -> Status {
        Status {
            state: State::Running,
            worker_id: "w1".into(),
            trace: None,
        }
    }

    #[test]
    fn an_empty_report_releases_everything() {
        let patch = WorkerReport::default().to_patch("c");
        assert_eq!(patch["status"], json!({}));
    }

    #[test]
    fn a_task_only_worker_writes_its_task_entries_and_the_name() {
        let report = WorkerReport {
            tasks: vec![(1, running())],
            topics: vec!["orders".into()],
            ..Default::default()
        };
        assert_eq!(
            report.to_patch("c")["status"],
            json!({"connectorStatus": {"name": "c", "tasks": [
                {"id": 1, "state": "RUNNING", "worker_id": "w1"}
            ]}, "topics": ["orders"]})
        );
    }

    #[test]
    fn the_instance_owner_publishes_state_type_and_task_configs() {
        let report = WorkerReport {
            instance: Some((running(), Some("source".into()))),
            task_configs: Some((vec![ConfigMap::from([("a".into(), "b".into())])], 3)),
            tasks: vec![],
            topics: vec![],
        };
        let patch = report.to_patch("c");
        assert_eq!(
            patch["status"]["connectorStatus"]["connector"]["state"],
            "RUNNING"
        );
        assert_eq!(patch["status"]["connectorStatus"]["type"], "source");
        assert_eq!(patch["status"]["taskConfigs"], json!([{"a": "b"}]));
        assert_eq!(patch["status"]["taskConfigsGeneration"], 3);
    }
}
