//! The Connect runtime shared by standalone mode and the Kubernetes worker: worker and
//! connector configs (and their enrichment with the transforms' keys), offset storage,
//! the transform chain, the source and sink task loops, and the [`Worker`] that starts
//! and stops connectors and tasks.

pub mod config;
pub mod errors;
pub mod kafka;
pub mod metrics;
pub mod pipeline;
pub mod sink_task;
pub mod source_task;
pub mod status;
pub mod storage;
pub mod submitted;
pub mod subscription;
pub mod topics;
pub mod transform_chain;
pub mod worker;

pub use status::{State, Status, StatusStore, TaskId};
pub use transform_chain::TransformChain;
pub use worker::{Worker, WorkerError, WorkerSettings};

use serde::{Deserialize, Serialize};

/// What a connector and its tasks should be doing (Apache's `TargetState`): the one
/// desired-state vocabulary of the crate. Its serde form is `KafkaConnector.spec.state`
/// (`running`, `paused`, `stopped`); [`TargetState::from_name`] reads Apache's
/// `initial_state` constants (REST create requests, connector files).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum TargetState {
    // Variant doc comments would turn the CRD schema into `oneOf` and hide the field's
    // description in `kubectl explain`; the meanings are on `KafkaConnectorSpec::state`.
    #[default]
    #[serde(rename = "running")]
    Started,
    Paused,
    // The connector keeps its config but runs no tasks (`PUT /connectors/x/stop`).
    Stopped,
}

impl TargetState {
    /// Apache's `CreateConnectorRequest.InitialState` constant (`RUNNING`, `PAUSED`,
    /// `STOPPED`), matched exactly.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "RUNNING" => Some(TargetState::Started),
            "PAUSED" => Some(TargetState::Paused),
            "STOPPED" => Some(TargetState::Stopped),
            _ => None,
        }
    }

    /// The state a task reports while it follows this target.
    pub fn task_state(self) -> State {
        match self {
            TargetState::Started => State::Running,
            TargetState::Paused => State::Paused,
            TargetState::Stopped => State::Stopped,
        }
    }
}
