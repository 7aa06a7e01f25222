//! Assignment of connector instances and tasks to live workers: a pure function, so every
//! property (balance, stickiness, determinism) is checked by unit tests without a cluster.
//!
//! The two kinds of unit (connector instances and tasks) are balanced separately, as
//! Apache's `IncrementalCooperativeAssignor` does: for each kind, the counts of any two
//! workers differ by at most one. Within that bound, new units go to the worker with the
//! fewest tasks of the same connector, then the smallest total load, so totals stay close
//! and a connector's tasks spread out.
//!
//! Stickiness: a unit already on a live worker stays there unless its worker holds more
//! than its balanced share; only that surplus moves. This is the minimum number of moves:
//! any balanced result has to take at least the surplus away from each overloaded worker.
//! Consequences the tests pin down: adding a connector moves no other unit (it only raises
//! the shares), removing a worker moves only the units it held, adding a worker moves only
//! enough units to fill it to its share.

use std::collections::{BTreeMap, BTreeSet};

use crate::runtime::TargetState;

/// One thing a worker runs: a connector instance, or one task of a connector.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Unit {
    /// The connector instance (it computes task configs; present even when stopped).
    Connector(String),
    /// Task `id` of the named connector.
    Task(String, u32),
}

impl Unit {
    /// The connector this unit belongs to.
    pub fn connector(&self) -> &str {
        match self {
            Unit::Connector(name) | Unit::Task(name, _) => name,
        }
    }

    fn is_task(&self) -> bool {
        matches!(self, Unit::Task(..))
    }
}

/// What one connector needs: its instance, plus `tasks` tasks unless it is stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectorDemand {
    /// The connector name (the `KafkaConnector` name).
    pub name: String,
    /// Number of task configs the connector produced (at most `tasksMax`).
    pub tasks: u32,
    /// The desired state; a stopped connector holds its instance but no tasks.
    pub state: TargetState,
}

impl ConnectorDemand {
    /// The units this connector needs placed, in a stable order.
    fn units(&self) -> impl Iterator<Item = Unit> + '_ {
        let tasks = if self.state == TargetState::Stopped {
            0
        } else {
            self.tasks
        };
        std::iter::once(Unit::Connector(self.name.clone()))
            .chain((0..tasks).map(|id| Unit::Task(self.name.clone(), id)))
    }
}

/// Unit to worker id. Units that are not in the map are unassigned (no live worker).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Assignment {
    /// Where each unit runs.
    pub placements: BTreeMap<Unit, String>,
}

impl Assignment {
    /// The worker a unit is placed on.
    pub fn worker_of(&self, unit: &Unit) -> Option<&str> {
        self.placements.get(unit).map(String::as_str)
    }

    /// Units that sit on a different worker in `self` than in `previous` (units new in
    /// `self` or gone from it do not count).
    pub fn moved_from<'a>(&'a self, previous: &'a Assignment) -> Vec<&'a Unit> {
        self.placements
            .iter()
            .filter(|(unit, worker)| previous.placements.get(*unit).is_some_and(|w| w != *worker))
            .map(|(unit, _)| unit)
            .collect()
    }

    /// Number of (connector instances, tasks) on each worker.
    pub fn loads(&self) -> BTreeMap<&str, (usize, usize)> {
        let mut loads: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        for (unit, worker) in &self.placements {
            let load = loads.entry(worker.as_str()).or_default();
            if unit.is_task() {
                load.1 += 1;
            } else {
                load.0 += 1;
            }
        }
        loads
    }
}

/// Computes the next assignment from the live `workers`, the `connectors` with their
/// demands, and the `current` assignment. Deterministic: the same inputs (in any order)
/// give the same output. With no live worker, nothing is assigned.
pub fn assign(
    workers: &[String],
    connectors: &[ConnectorDemand],
    current: &Assignment,
) -> Assignment {
    let workers: BTreeSet<&str> = workers.iter().map(String::as_str).collect();
    if workers.is_empty() {
        return Assignment::default();
    }
    let wanted: BTreeSet<Unit> = connectors.iter().flat_map(ConnectorDemand::units).collect();
    let mut plan = Plan::new(&workers);
    // Connector instances first: task placement then sees them in the total loads.
    for tasks in [false, true] {
        let kind: BTreeSet<&Unit> = wanted.iter().filter(|u| u.is_task() == tasks).collect();
        plan.place_kind(&kind, current);
    }
    Assignment {
        placements: plan
            .by_worker
            .into_iter()
            .flat_map(|(worker, units)| {
                units
                    .into_iter()
                    .map(move |unit| (unit.clone(), worker.to_string()))
            })
            .collect(),
    }
}

/// The assignment under construction: units per worker, every kind together.
struct Plan<'a> {
    by_worker: BTreeMap<&'a str, BTreeSet<&'a Unit>>,
}

impl<'a> Plan<'a> {
    fn new(workers: &BTreeSet<&'a str>) -> Self {
        Plan {
            by_worker: workers.iter().map(|w| (*w, BTreeSet::new())).collect(),
        }
    }

    fn count_of_kind(&self, worker: &str, tasks: bool) -> usize {
        self.by_worker[worker]
            .iter()
            .filter(|u| u.is_task() == tasks)
            .count()
    }

    fn same_connector(&self, worker: &str, connector: &str) -> usize {
        self.by_worker[worker]
            .iter()
            .filter(|u| u.connector() == connector)
            .count()
    }

    /// Places every unit of one kind: keeps sticky placements up to the balanced share,
    /// sheds the surplus, then fills the least loaded workers.
    fn place_kind(&mut self, units: &BTreeSet<&'a Unit>, current: &Assignment) {
        let Some(first) = units.first() else {
            return;
        };
        let tasks = first.is_task();
        let worker_count = self.by_worker.len();
        let base = units.len() / worker_count;
        // How many workers may hold one more than `base`.
        let mut extra_slots = units.len() % worker_count;

        // Keep what already runs on a live worker.
        let mut kept: BTreeMap<&'a str, Vec<&'a Unit>> = BTreeMap::new();
        let mut pool: BTreeSet<&'a Unit> = BTreeSet::new();
        for unit in units {
            match current
                .worker_of(unit)
                .and_then(|w| self.by_worker.get_key_value(w))
            {
                Some((&worker, _)) => kept.entry(worker).or_default().push(unit),
                None => {
                    pool.insert(unit);
                }
            }
        }

        // Shed down to `base + 1` everywhere; then, if more workers than `extra_slots`
        // sit at `base + 1`, the most loaded of them (ties: the last by id) shed one more.
        // An instance that leaves a worker where tasks of its connector stay makes that
        // worker reload the connector; among equal choices, shed instances without tasks
        // next to them.
        let beside_tasks = |unit: &Unit, worker: &str| {
            !tasks
                && current.placements.iter().any(|(other, w)| {
                    w == worker && other.is_task() && other.connector() == unit.connector()
                })
        };
        for (worker, held) in kept.iter_mut() {
            while held.len() > base + 1 {
                pool.insert(shed_one(held, |u| beside_tasks(u, worker)));
            }
        }
        let mut at_ceiling: Vec<&'a str> = kept
            .iter()
            .filter(|(_, held)| held.len() == base + 1)
            .map(|(worker, _)| *worker)
            .collect();
        let total = |plan: &Self, worker: &str, kept: &BTreeMap<&str, Vec<&Unit>>| {
            plan.by_worker[worker].len() + kept.get(worker).map_or(0, Vec::len)
        };
        // Keep the ceiling for the least loaded workers; the others shed one unit.
        at_ceiling.sort_by_key(|w| (total(self, w, &kept), *w));
        for worker in at_ceiling.iter().skip(extra_slots) {
            if let Some(held) = kept.get_mut(worker) {
                pool.insert(shed_one(held, |u| beside_tasks(u, worker)));
            }
        }
        extra_slots = extra_slots.saturating_sub(at_ceiling.len().min(extra_slots));
        for (worker, held) in kept {
            self.by_worker
                .get_mut(worker)
                .expect("kept only live workers")
                .extend(held);
        }

        // Fill: each unit goes to an eligible worker with the fewest of this kind, then
        // the fewest units of the same connector, then the smallest total, then by id.
        for unit in pool {
            let target = self
                .by_worker
                .keys()
                .copied()
                .filter(|w| {
                    let count = self.count_of_kind(w, tasks);
                    count < base || (count == base && extra_slots > 0)
                })
                .min_by_key(|w| {
                    (
                        self.count_of_kind(w, tasks),
                        self.same_connector(w, unit.connector()),
                        self.by_worker[w].len(),
                        *w,
                    )
                })
                .expect("the shares add up to the number of units");
            if self.count_of_kind(target, tasks) == base {
                extra_slots -= 1;
            }
            self.by_worker
                .get_mut(target)
                .expect("target is a live worker")
                .insert(unit);
        }
    }
}

/// Takes one unit off a worker's kept list: a unit of the connector with the most units
/// there (so a connector's tasks spread out), then one whose move costs nothing beyond
/// itself (`costly` false), the last in order among ties.
fn shed_one<'a>(held: &mut Vec<&'a Unit>, costly: impl Fn(&Unit) -> bool) -> &'a Unit {
    let mut per_connector: BTreeMap<&str, usize> = BTreeMap::new();
    for unit in held.iter() {
        *per_connector.entry(unit.connector()).or_default() += 1;
    }
    let index = held
        .iter()
        .enumerate()
        .max_by_key(|(_, unit)| (per_connector[unit.connector()], !costly(unit), **unit))
        .map(|(index, _)| index)
        .expect("shed only from a non-empty list");
    held.remove(index)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workers(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    fn running(name: &str, tasks: u32) -> ConnectorDemand {
        ConnectorDemand {
            name: name.into(),
            tasks,
            state: TargetState::Started,
        }
    }

    /// Checks balance per kind and that every wanted unit is placed on a live worker.
    fn assert_balanced(assignment: &Assignment, live: &[String], connectors: &[ConnectorDemand]) {
        let wanted: BTreeSet<Unit> = connectors.iter().flat_map(ConnectorDemand::units).collect();
        let placed: BTreeSet<Unit> = assignment.placements.keys().cloned().collect();
        assert_eq!(placed, wanted, "every wanted unit is placed, nothing else");
        for worker in assignment.placements.values() {
            assert!(live.contains(worker), "{worker} is not live");
        }
        let loads = assignment.loads();
        let per = |pick: fn(&(usize, usize)) -> usize| -> Vec<usize> {
            live.iter()
                .map(|w| loads.get(w.as_str()).map_or(0, pick))
                .collect()
        };
        for (kind, counts) in [("connectors", per(|l| l.0)), ("tasks", per(|l| l.1))] {
            let (min, max) = (counts.iter().min().unwrap(), counts.iter().max().unwrap());
            assert!(
                max - min <= 1,
                "{kind} unbalanced: {counts:?} in {assignment:?}"
            );
        }
    }

    #[test]
    fn no_workers_means_nothing_assigned() {
        let current = Assignment::default();
        assert!(
            assign(&[], &[running("a", 3)], &current)
                .placements
                .is_empty()
        );
    }

    #[test]
    fn spreads_a_fresh_cluster_and_a_connectors_tasks() {
        let live = workers(&["w-0", "w-1", "w-2"]);
        let connectors = [running("a", 3), running("b", 2)];
        let result = assign(&live, &connectors, &Assignment::default());
        assert_balanced(&result, &live, &connectors);
        let a_workers: BTreeSet<&str> = (0..3)
            .map(|id| result.worker_of(&Unit::Task("a".into(), id)).unwrap())
            .collect();
        assert_eq!(a_workers.len(), 3, "a's three tasks sit on three workers");
    }

    #[test]
    fn is_deterministic_whatever_the_input_order() {
        let connectors = [running("a", 4), running("b", 1), running("c", 2)];
        let mut reversed = connectors.to_vec();
        reversed.reverse();
        let one = assign(&workers(&["x", "y"]), &connectors, &Assignment::default());
        let two = assign(&workers(&["y", "x"]), &reversed, &Assignment::default());
        assert_eq!(one, two);
        assert_eq!(one, assign(&workers(&["x", "y"]), &connectors, &one));
    }

    #[test]
    fn a_balanced_assignment_is_a_fixed_point() {
        let live = workers(&["w-0", "w-1", "w-2", "w-3"]);
        let connectors = [running("a", 5), running("b", 3), running("c", 0)];
        let first = assign(&live, &connectors, &Assignment::default());
        let second = assign(&live, &connectors, &first);
        assert_eq!(first, second);
    }

    #[test]
    fn adding_a_worker_moves_only_the_minimum() {
        let before_workers = workers(&["w-0", "w-1", "w-2"]);
        let connectors = [running("a", 6), running("b", 3), running("c", 3)];
        let before = assign(&before_workers, &connectors, &Assignment::default());
        // 3 connectors, 12 tasks on 3 workers: (1, 4) each.
        let after_workers = workers(&["w-0", "w-1", "w-2", "w-3"]);
        let after = assign(&after_workers, &connectors, &before);
        assert_balanced(&after, &after_workers, &connectors);
        // The new worker gets 3 tasks (12 / 4), and no connector instance needs to move
        // (3 instances on 4 workers is already balanced).
        let moved = after.moved_from(&before);
        assert_eq!(moved.len(), 3, "moved {moved:?}");
        assert!(moved.iter().all(|u| after.worker_of(u) == Some("w-3")));
    }

    #[test]
    fn adding_a_worker_to_one_busy_worker_moves_half_of_each_kind() {
        let connectors = [
            running("a", 1),
            running("b", 1),
            running("c", 1),
            running("d", 1),
        ];
        let before = assign(&workers(&["w-0"]), &connectors, &Assignment::default());
        let live = workers(&["w-0", "w-1"]);
        let after = assign(&live, &connectors, &before);
        assert_balanced(&after, &live, &connectors);
        // 4 instances and 4 tasks on 2 workers: exactly 2 of each move to w-1.
        assert_eq!(after.moved_from(&before).len(), 4);
    }

    #[test]
    fn a_joining_worker_takes_instances_whose_tasks_run_elsewhere() {
        // w-0 holds a, b and c's instances, and b's and c's tasks; w-1 holds a's task.
        let current = Assignment {
            placements: BTreeMap::from([
                (Unit::Connector("a".into()), "w-0".into()),
                (Unit::Connector("b".into()), "w-0".into()),
                (Unit::Connector("c".into()), "w-0".into()),
                (Unit::Task("a".into(), 0), "w-1".into()),
                (Unit::Task("b".into(), 0), "w-0".into()),
                (Unit::Task("c".into(), 0), "w-0".into()),
            ]),
        };
        let connectors = [running("a", 1), running("b", 1), running("c", 1)];
        let live = workers(&["w-0", "w-1", "w-2"]);
        let after = assign(&live, &connectors, &current);
        assert_balanced(&after, &live, &connectors);
        // Two instances leave w-0; a's (no task beside it) is one of them, although it
        // comes first in order (ties otherwise shed the last).
        assert_ne!(after.worker_of(&Unit::Connector("a".into())), Some("w-0"));
        assert_eq!(
            after.moved_from(&current).len(),
            3,
            "two instances, one task"
        );
    }

    #[test]
    fn removing_a_worker_moves_only_its_units() {
        let live = workers(&["w-0", "w-1", "w-2"]);
        let connectors = [running("a", 4), running("b", 4), running("c", 1)];
        let before = assign(&live, &connectors, &Assignment::default());
        let survivors = workers(&["w-0", "w-2"]);
        let after = assign(&survivors, &connectors, &before);
        assert_balanced(&after, &survivors, &connectors);
        for unit in after.moved_from(&before) {
            assert_eq!(
                before.worker_of(unit),
                Some("w-1"),
                "{unit:?} moved but was not on w-1"
            );
        }
        let orphans = before.placements.values().filter(|w| *w == "w-1").count();
        assert_eq!(after.moved_from(&before).len(), orphans);
    }

    #[test]
    fn adding_a_connector_never_moves_other_units() {
        let live = workers(&["w-0", "w-1", "w-2"]);
        let mut connectors = vec![running("a", 2), running("b", 5)];
        let before = assign(&live, &connectors, &Assignment::default());
        for (name, tasks) in [("c", 1), ("d", 7), ("e", 0), ("f", 3)] {
            connectors.push(running(name, tasks));
            let after = assign(&live, &connectors, &before);
            assert_balanced(&after, &live, &connectors);
            assert!(
                after.moved_from(&before).is_empty(),
                "adding {name} moved others"
            );
        }
    }

    #[test]
    fn raising_tasks_max_moves_nothing_and_lowering_it_moves_only_for_balance() {
        let live = workers(&["w-0", "w-1"]);
        let before = assign(
            &live,
            &[running("a", 2), running("b", 2)],
            &Assignment::default(),
        );
        let raised = [running("a", 5), running("b", 2)];
        let after = assign(&live, &raised, &before);
        assert_balanced(&after, &live, &raised);
        assert!(after.moved_from(&before).is_empty());

        // Lowering a's tasks from 5 to 1 drops tasks 1..=4; then at most the balance
        // difference moves (3 tasks left on 2 workers).
        let lowered = [running("a", 1), running("b", 2)];
        let last = assign(&live, &lowered, &after);
        assert_balanced(&last, &live, &lowered);
        assert!(last.worker_of(&Unit::Task("a".into(), 4)).is_none());
        assert!(last.moved_from(&after).len() <= 1);
    }

    #[test]
    fn stopped_connectors_hold_their_instance_but_no_tasks() {
        let live = workers(&["w-0", "w-1"]);
        let connectors = [
            running("a", 3),
            ConnectorDemand {
                name: "b".into(),
                tasks: 4,
                state: TargetState::Stopped,
            },
            ConnectorDemand {
                name: "c".into(),
                tasks: 2,
                state: TargetState::Paused,
            },
        ];
        let result = assign(&live, &connectors, &Assignment::default());
        assert_balanced(&result, &live, &connectors);
        assert!(result.worker_of(&Unit::Connector("b".into())).is_some());
        assert!(
            result
                .placements
                .keys()
                .all(|u| !matches!(u, Unit::Task(n, _) if n == "b"))
        );
        // Paused connectors keep their tasks placed: pausing happens on the worker.
        assert!(result.worker_of(&Unit::Task("c".into(), 1)).is_some());
    }

    #[test]
    fn deleted_connectors_and_dead_workers_vanish_from_the_result() {
        let live = workers(&["w-0", "w-1"]);
        let before = assign(
            &live,
            &[running("a", 2), running("b", 2)],
            &Assignment::default(),
        );
        let after = assign(&workers(&["w-1", "w-9"]), &[running("b", 2)], &before);
        assert!(after.placements.keys().all(|u| u.connector() == "b"));
        assert!(after.placements.values().all(|w| w != "w-0"));
    }

    /// The fewest units that must leave a live worker for a balanced result, computed
    /// independently of `assign`: per kind, every worker above `base + 1` sheds down to it,
    /// and beyond the `extra` workers allowed at `base + 1`, each other one sheds one.
    fn minimum_moves(
        live: &[String],
        connectors: &[ConnectorDemand],
        current: &Assignment,
    ) -> usize {
        let wanted: BTreeSet<Unit> = connectors.iter().flat_map(ConnectorDemand::units).collect();
        let mut total = 0;
        for tasks in [false, true] {
            let units: Vec<&Unit> = wanted.iter().filter(|u| u.is_task() == tasks).collect();
            let (base, extra) = (units.len() / live.len(), units.len() % live.len());
            let mut at_ceiling = 0usize;
            for worker in live {
                let held = units
                    .iter()
                    .filter(|u| current.worker_of(u) == Some(worker.as_str()))
                    .count();
                total += held.saturating_sub(base + 1);
                if held > base {
                    at_ceiling += 1;
                }
            }
            total += at_ceiling.saturating_sub(extra);
        }
        total
    }

    #[test]
    fn many_random_steps_stay_balanced_and_move_no_more_than_needed() {
        // A small deterministic generator, so the test needs no extra crate.
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move |bound: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % bound
        };
        let mut live: Vec<String> = workers(&["w-0", "w-1"]);
        let mut connectors: Vec<ConnectorDemand> = vec![running("c-0", 3)];
        let mut current = assign(&live, &connectors, &Assignment::default());
        for step in 0..300 {
            match next(4) {
                0 if live.len() < 7 => live.push(format!("w-{}", step + 10)),
                1 if live.len() > 1 => {
                    live.remove(next(live.len() as u64) as usize);
                }
                2 => connectors.push(running(&format!("c-{}", step + 1), next(9) as u32)),
                _ => {
                    let i = next(connectors.len() as u64) as usize;
                    connectors[i].tasks = next(9) as u32;
                }
            }
            let result = assign(&live, &connectors, &current);
            assert_balanced(&result, &live, &connectors);
            let moved_between_live = result
                .moved_from(&current)
                .into_iter()
                .filter(|u| {
                    current
                        .worker_of(u)
                        .is_some_and(|w| live.iter().any(|l| l == w))
                })
                .count();
            assert_eq!(
                moved_between_live,
                minimum_moves(&live, &connectors, &current),
                "step {step}"
            );
            assert_eq!(result, assign(&live, &connectors, &result), "step {step}");
            current = result;
        }
    }
}
