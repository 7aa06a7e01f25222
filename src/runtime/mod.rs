//! The Connect runtime shared by standalone mode and the Kubernetes worker: config
//! definitions, offset storage, the source and sink task loops, and the [`Worker`] that
//! starts and stops connectors and tasks.

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
pub mod topics;
pub mod worker;

pub use status::{State, Status, StatusStore, TaskId};
pub use worker::{Worker, WorkerError, WorkerSettings};

/// What a connector and its tasks should be doing (Apache's `TargetState`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum TargetState {
    #[default]
    Started,
    Paused,
    /// The connector keeps its config but runs no tasks (`PUT /connectors/x/stop`).
    Stopped,
}

impl TargetState {
    /// The state a task reports while it follows this target.
    pub fn task_state(self) -> State {
        match self {
            TargetState::Started => State::Running,
            TargetState::Paused => State::Paused,
            TargetState::Stopped => State::Stopped,
        }
    }
}
