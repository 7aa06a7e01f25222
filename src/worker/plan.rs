//! The worker's decisions, without side effects: from a `KafkaConnector` and what runs here,
//! what this worker wants for that connector ([`wanted`]); from what is wanted and what
//! runs, the steps that get there ([`plan`]). The worker loop applies the steps to the
//! runtime (`super::Node::sync`); the unit tests below pin every decision, the way
//! `controller::assignment` is tested.

use std::collections::BTreeMap;

use crate::api::KafkaConnector;
use crate::connectors::ConfigMap;
use crate::runtime::TargetState;

/// What this worker wants to run for one connector, from its resource.
#[derive(Clone, Debug, PartialEq)]
pub struct Wanted {
    pub config: ConfigMap,
    pub generation: i64,
    pub target: TargetState,
    pub owns_instance: bool,
    pub auto_restart: bool,
    /// Whether `tasks` comes from task configs of the current generation.
    pub configs_current: bool,
    /// Task id to task config, for the tasks assigned here with current task configs.
    pub tasks: BTreeMap<u32, ConfigMap>,
}

/// What runs here for one connector.
#[derive(Clone, Debug, PartialEq)]
pub struct Running {
    pub owns_instance: bool,
    /// `spec.autoRestart`: restart failed units here with back-off.
    pub auto_restart: bool,
    pub config: ConfigMap,
    pub target: TargetState,
    /// Task configs the instance produced and the generation they belong to.
    pub task_configs: Vec<ConfigMap>,
    pub generation: i64,
    pub tasks: BTreeMap<u32, ConfigMap>,
}

/// One step towards what is wanted for one connector, in the order [`plan`] gives them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Nothing of the connector is assigned here any more: stop its instance and tasks.
    Remove,
    /// The instance moves here, where its tasks already run with the same config: start
    /// it beside them; the tasks keep running.
    Promote,
    /// Stop whatever runs (instance and tasks), then load the connector again: started as
    /// the instance when `instance`, else loaded without starting, for its tasks' sake
    /// (the runtime needs the connector to know its kind).
    Reload { instance: bool },
    /// Change the target state of what runs (pause, resume, stop).
    SetTarget(TargetState),
    /// Stop a task that is no longer assigned here (`unassigned`) or whose task config
    /// changed.
    StopTask { id: u32, unassigned: bool },
    /// Forget the metrics of tasks neither running nor wanted (the task configs are
    /// current, so the set of tasks is final).
    RetainTaskMetrics,
    /// Start an assigned task that does not run.
    StartTask { id: u32 },
}

/// What worker `me` wants for `connector`, given what runs here for it; `None` when
/// nothing of it is assigned here.
pub fn wanted(me: &str, connector: &KafkaConnector, running: Option<&Running>) -> Option<Wanted> {
    let spec = &connector.spec;
    let status = connector.status.clone().unwrap_or_default();
    let generation = connector.metadata.generation.unwrap_or(0);
    let state = connector.target_state();
    let owns_instance = status.connector_worker.as_deref() == Some(me);
    let configs_current = status.task_configs_generation == Some(generation);
    let config = connector.connect_config();
    let tasks: BTreeMap<u32, ConfigMap> = status
        .task_assignment
        .iter()
        .filter(|(_, worker)| worker.as_str() == me)
        .filter(|_| state != TargetState::Stopped)
        .filter_map(|(id, _)| {
            let id: u32 = id.parse().ok()?;
            if configs_current {
                return Some((id, status.task_configs.get(id as usize)?.clone()));
            }
            // A new generation whose task configs are not published yet: after a state
            // change, running tasks keep going and nothing new starts; after a config
            // change, nothing runs until the instance published the new task configs (a
            // task must not start with the new connector config and an old task config).
            let running = running.filter(|r| r.config == config)?;
            Some((id, running.tasks.get(&id)?.clone()))
        })
        .collect();
    if !owns_instance && tasks.is_empty() {
        return None;
    }
    Some(Wanted {
        config,
        generation,
        target: state,
        owns_instance,
        auto_restart: spec.auto_restart.unwrap_or(false),
        configs_current,
        tasks,
    })
}

/// The steps from what runs (`running`) to what is wanted (`wanted`) for one connector.
/// Only differences become steps: what already runs as wanted is left alone.
pub fn plan(running: Option<&Running>, wanted: Option<&Wanted>) -> Vec<Step> {
    let Some(wanted) = wanted else {
        return running.map(|_| vec![Step::Remove]).unwrap_or_default();
    };
    let stopped = |target: TargetState| target == TargetState::Stopped;
    let mut steps = Vec::new();
    let promote = running.is_some_and(|r| {
        !r.owns_instance
            && wanted.owns_instance
            && r.config == wanted.config
            && !stopped(wanted.target)
    });
    let reload = running.is_none_or(|r| {
        r.owns_instance != wanted.owns_instance
            || r.config != wanted.config
            || (wanted.owns_instance && stopped(r.target) != stopped(wanted.target))
    });
    // What runs once the instance step is done.
    let empty = BTreeMap::new();
    let (target, tasks) = match running {
        Some(r) if promote || !reload => (r.target, &r.tasks),
        _ => {
            steps.push(Step::Reload {
                instance: wanted.owns_instance,
            });
            (wanted.target, &empty)
        }
    };
    if promote {
        steps.push(Step::Promote);
    }
    if target != wanted.target {
        steps.push(Step::SetTarget(wanted.target));
    }
    let mut kept = Vec::new();
    for (id, config) in tasks {
        if wanted.tasks.get(id) == Some(config) {
            kept.push(*id);
        } else {
            steps.push(Step::StopTask {
                id: *id,
                unassigned: !wanted.tasks.contains_key(id),
            });
        }
    }
    if wanted.configs_current {
        steps.push(Step::RetainTaskMetrics);
    }
    steps.extend(
        wanted
            .tasks
            .keys()
            .filter(|id| !kept.contains(id))
            .map(|id| Step::StartTask { id: *id }),
    );
    steps
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{KafkaConnectorSpec, KafkaConnectorStatus};

    fn config(value: &str) -> ConfigMap {
        crate::fixtures::string_map(&[("file", value)])
    }

    fn tasks(entries: &[(u32, &str)]) -> BTreeMap<u32, ConfigMap> {
        entries.iter().map(|(id, c)| (*id, config(c))).collect()
    }

    fn wanted_of(owns: bool, target: TargetState, task_entries: &[(u32, &str)]) -> Wanted {
        Wanted {
            config: config("a"),
            generation: 2,
            target,
            owns_instance: owns,
            auto_restart: false,
            configs_current: true,
            tasks: tasks(task_entries),
        }
    }

    fn running_of(owns: bool, target: TargetState, task_entries: &[(u32, &str)]) -> Running {
        Running {
            owns_instance: owns,
            auto_restart: false,
            config: config("a"),
            target,
            task_configs: Vec::new(),
            generation: 2,
            tasks: tasks(task_entries),
        }
    }

    use TargetState::{Paused, Started, Stopped};

    #[test]
    fn nothing_wanted_nothing_running_is_no_step() {
        assert_eq!(plan(None, None), vec![]);
    }

    #[test]
    fn a_connector_no_longer_assigned_here_is_removed() {
        let running = running_of(true, Started, &[(0, "t0")]);
        assert_eq!(plan(Some(&running), None), vec![Step::Remove]);
    }

    #[test]
    fn a_new_instance_with_its_tasks_is_loaded_then_its_tasks_start() {
        let wanted = wanted_of(true, Started, &[(0, "t0"), (1, "t1")]);
        assert_eq!(
            plan(None, Some(&wanted)),
            vec![
                Step::Reload { instance: true },
                Step::RetainTaskMetrics,
                Step::StartTask { id: 0 },
                Step::StartTask { id: 1 },
            ]
        );
    }

    #[test]
    fn tasks_alone_load_the_connector_without_its_instance() {
        let wanted = wanted_of(false, Started, &[(1, "t1")]);
        assert_eq!(
            plan(None, Some(&wanted))[0],
            Step::Reload { instance: false }
        );
    }

    #[test]
    fn what_runs_as_wanted_is_left_alone() {
        let running = running_of(true, Started, &[(0, "t0")]);
        let wanted = wanted_of(true, Started, &[(0, "t0")]);
        assert_eq!(
            plan(Some(&running), Some(&wanted)),
            vec![Step::RetainTaskMetrics]
        );
    }

    #[test]
    fn a_pause_changes_the_target_and_keeps_the_tasks() {
        let running = running_of(true, Started, &[(0, "t0")]);
        let wanted = wanted_of(true, Paused, &[(0, "t0")]);
        assert_eq!(
            plan(Some(&running), Some(&wanted)),
            vec![Step::SetTarget(Paused), Step::RetainTaskMetrics]
        );
    }

    #[test]
    fn stopping_the_instance_reloads_it() {
        let running = running_of(true, Started, &[(0, "t0")]);
        let wanted = wanted_of(true, Stopped, &[]);
        assert_eq!(
            plan(Some(&running), Some(&wanted)),
            vec![Step::Reload { instance: true }, Step::RetainTaskMetrics]
        );
    }

    #[test]
    fn a_config_change_reloads_and_restarts_every_task() {
        let running = running_of(true, Started, &[(0, "t0")]);
        let mut wanted = wanted_of(true, Started, &[(0, "t0")]);
        wanted.config = config("b");
        assert_eq!(
            plan(Some(&running), Some(&wanted)),
            vec![
                Step::Reload { instance: true },
                Step::RetainTaskMetrics,
                Step::StartTask { id: 0 },
            ]
        );
    }

    #[test]
    fn a_task_moved_away_stops_and_a_changed_task_config_restarts_its_task() {
        let running = running_of(true, Started, &[(0, "t0"), (1, "t1")]);
        let wanted = wanted_of(true, Started, &[(1, "t1-new"), (2, "t2")]);
        assert_eq!(
            plan(Some(&running), Some(&wanted)),
            vec![
                Step::StopTask {
                    id: 0,
                    unassigned: true
                },
                Step::StopTask {
                    id: 1,
                    unassigned: false
                },
                Step::RetainTaskMetrics,
                Step::StartTask { id: 1 },
                Step::StartTask { id: 2 },
            ]
        );
    }

    #[test]
    fn an_instance_moving_to_where_its_tasks_run_is_promoted() {
        let running = running_of(false, Started, &[(0, "t0")]);
        let wanted = wanted_of(true, Started, &[(0, "t0")]);
        assert_eq!(
            plan(Some(&running), Some(&wanted)),
            vec![Step::Promote, Step::RetainTaskMetrics]
        );
    }

    #[test]
    fn an_instance_leaving_reloads_the_connector_for_the_tasks_that_stay() {
        // Known gap (no demote path): the tasks restart with the reload.
        let running = running_of(true, Started, &[(0, "t0")]);
        let wanted = wanted_of(false, Started, &[(0, "t0")]);
        assert_eq!(
            plan(Some(&running), Some(&wanted)),
            vec![
                Step::Reload { instance: false },
                Step::RetainTaskMetrics,
                Step::StartTask { id: 0 },
            ]
        );
    }

    #[test]
    fn without_current_task_configs_no_metrics_are_dropped() {
        let running = running_of(true, Started, &[(0, "t0")]);
        let mut wanted = wanted_of(true, Started, &[(0, "t0")]);
        wanted.configs_current = false;
        assert_eq!(plan(Some(&running), Some(&wanted)), vec![]);
    }

    fn resource(
        worker: Option<&str>,
        assignment: &[(&str, &str)],
        configs_generation: i64,
    ) -> KafkaConnector {
        let mut connector = KafkaConnector::new(
            "c",
            KafkaConnectorSpec {
                class: "FileStreamSource".into(),
                tasks_max: Some(2),
                ..KafkaConnectorSpec::default()
            },
        );
        connector.metadata.generation = Some(3);
        connector.status = Some(KafkaConnectorStatus {
            connector_worker: worker.map(str::to_owned),
            task_assignment: assignment
                .iter()
                .map(|(id, w)| (id.to_string(), w.to_string()))
                .collect(),
            task_configs: vec![config("t0"), config("t1")],
            task_configs_generation: Some(configs_generation),
            ..KafkaConnectorStatus::default()
        });
        connector
    }

    #[test]
    fn wanted_takes_the_tasks_assigned_here_with_their_configs() {
        let c = resource(Some("w-0"), &[("0", "w-0"), ("1", "w-1")], 3);
        let mine = wanted("w-0", &c, None).unwrap();
        assert!(mine.owns_instance && mine.configs_current);
        assert_eq!(mine.tasks, tasks(&[(0, "t0")]));
        let theirs = wanted("w-1", &c, None).unwrap();
        assert!(!theirs.owns_instance);
        assert_eq!(theirs.tasks, tasks(&[(1, "t1")]));
        assert_eq!(wanted("w-2", &c, None), None);
    }

    #[test]
    fn stale_task_configs_keep_only_what_runs_with_the_same_config() {
        let c = resource(None, &[("0", "w-0"), ("1", "w-0")], 2);
        // Nothing runs: nothing may start on old task configs.
        assert_eq!(wanted("w-0", &c, None), None);
        // Task 0 runs with the same connector config: it keeps its task config.
        let mut running = running_of(false, Started, &[(0, "t0-running")]);
        running.config = c.connect_config();
        let kept = wanted("w-0", &c, Some(&running)).unwrap();
        assert!(!kept.configs_current);
        assert_eq!(kept.tasks, tasks(&[(0, "t0-running")]));
    }
}
