//! Connector placement, the second reconciler of `KafkaConnect`: for each cluster, places
//! every connector instance and task on a live worker and writes the controller's part of
//! each connector's status by server-side apply under the operator's field manager: the
//! placement (`connectorWorker`, `taskAssignment`), `tasksReady`, `observedGeneration` and
//! the `Ready` condition (see [`super::readiness`]). The workers' fields are left to them. Placement
//! changes are published as Events on the connector (`Assigned`, `Moving`, `Moved`,
//! `Unassigned`), with the destination worker's Lease as related object.
//!
//! Inputs: live workers (fresh membership Leases), the connectors bound to the cluster by
//! label, their task counts (the `taskConfigs` the instance's worker published) and the
//! previous placement (the status itself). [`assign`] decides; this module adds the
//! two-phase move: a unit whose new worker differs from a *live* worker that still reports
//! running it is left unassigned until that worker has released it (its status entry is
//! gone), so no task runs on two workers at once. A dead worker (expired lease) releases
//! everything at once; it stopped its tasks before its lease expired (self-fencing).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::ObjectReference;
use kube::api::{Api, ListParams, Patch, PatchParams};
use kube::runtime::controller::Action;
use kube::runtime::events::{Event, EventType};
use kube::{Resource, ResourceExt};
use serde_json::json;

use super::assignment::{Assignment, ConnectorDemand, Unit, assign};
use super::connect::live_workers;
use super::readiness::ControllerStatus;
use super::{Context, Error, FIELD_MANAGER, Result};
use crate::api::{CLUSTER_LABEL, KafkaConnect, KafkaConnector};

/// Leases expire without an event, so clusters are looked at again this often.
const RESYNC: Duration = Duration::from_secs(2);

/// Assigns the connectors of one `KafkaConnect` cluster.
pub async fn reconcile(connect: Arc<KafkaConnect>, ctx: Arc<Context>) -> Result<Action> {
    let _timer = ctx.metrics.reconcile_started("KafkaConnector");
    let namespace = connect
        .namespace()
        .ok_or(Error::MissingField("metadata.namespace"))?;
    let cluster = connect.name_any();
    let workers = live_workers(&ctx.client, &namespace, &cluster).await?;
    let api: Api<KafkaConnector> = Api::namespaced(ctx.client.clone(), &namespace);
    let connectors = api
        .list(&ListParams::default().labels(&format!("{CLUSTER_LABEL}={cluster}")))
        .await?
        .items;

    let current = current_assignment(&connectors);
    // Units between the two phases of a move are unplaced in the statuses: balance them
    // as if already on the worker the last round chose for them.
    let key = format!("{namespace}/{cluster}");
    let mut sticky = current.clone();
    if let Some(targets) = ctx
        .move_targets
        .lock()
        .ok()
        .and_then(|targets| targets.get(&key).cloned())
    {
        for (unit, worker) in targets.placements {
            sticky.placements.entry(unit).or_insert(worker);
        }
    }
    let demands: Vec<ConnectorDemand> = connectors.iter().map(|c| demand(c, &sticky)).collect();
    let wanted = assign(&workers, &demands, &sticky);
    if let Ok(mut targets) = ctx.move_targets.lock() {
        targets.insert(key, wanted.clone());
    }
    let live: BTreeSet<&str> = workers.iter().map(String::as_str).collect();
    let next = hold_back_moves(&wanted, &connectors, &live);
    let round = Round {
        ctx: &ctx,
        api: &api,
        cluster: &cluster,
        live: &live,
        current: &current,
        wanted: &wanted,
        next: &next,
    };
    // Connectors are independent: update them a few at a time, so a cluster with
    // hundreds of connectors is not one long sequence of API round trips.
    let updates: Vec<_> = connectors.iter().map(|c| round.update(c)).collect();
    futures::stream::iter(updates)
        .buffer_unordered(CONCURRENT_UPDATES)
        .try_collect::<Vec<()>>()
        .await?;
    Ok(Action::requeue(RESYNC))
}

/// How many connectors one round updates at the same time.
const CONCURRENT_UPDATES: usize = 16;

/// One assignment round of a cluster: its inputs and decisions, shared by the updates of
/// its connectors.
struct Round<'a> {
    ctx: &'a Context,
    api: &'a Api<KafkaConnector>,
    cluster: &'a str,
    live: &'a BTreeSet<&'a str>,
    /// The placement the statuses hold.
    current: &'a Assignment,
    /// The balanced placement.
    wanted: &'a Assignment,
    /// What this round writes: `wanted` minus the moves that wait for a release.
    next: &'a Assignment,
}

impl Round<'_> {
    /// Releases dead writers, applies the controller's status part when it changed, and
    /// publishes Events about this connector's placement changes.
    async fn update(&self, connector: &KafkaConnector) -> Result<()> {
        release_dead_writers(self.api, connector, self.live).await?;
        let status = ControllerStatus::wanted(connector, self.cluster, self.live.len(), self.next);
        let previous = ControllerStatus::current(connector);
        if status == previous {
            return Ok(());
        }
        let name = connector.name_any();
        tracing::info!(
            connector = %name,
            assignment = %serde_json::to_value(&status)?,
            "updating status"
        );
        self.api
            .patch_status(
                &name,
                &PatchParams::apply(FIELD_MANAGER).force(),
                &Patch::Apply(&status.to_patch()),
            )
            .await?;
        let reference = connector.object_ref(&());
        let changes = placement_events(&name, self.current, self.wanted, self.next, self.live);
        for change in changes {
            let related = change.worker.as_deref().map(|w| lease_ref(connector, w));
            publish(
                self.ctx,
                &reference,
                change.type_,
                change.reason,
                change.note,
                related,
            )
            .await;
        }
        let reason = status.reason().unwrap_or_default();
        if previous.reason() != Some(reason)
            && let Some(condition) = status.conditions.first()
            && condition.status == "False"
            && matches!(reason, "TasksFailed" | "ConnectorFailed")
        {
            publish(
                self.ctx,
                &reference,
                EventType::Warning,
                reason,
                condition.message.clone(),
                None,
            )
            .await;
        }
        Ok(())
    }
}

/// An Event about a connector's placement.
#[derive(Clone, Debug, PartialEq, Eq)]
struct PlacementEvent {
    type_: EventType,
    reason: &'static str,
    /// The worker the units go to (the Event's related object is its Lease).
    worker: Option<String>,
    note: String,
}

fn describe(unit: &Unit) -> String {
    match unit {
        Unit::Connector(_) => "connector instance".into(),
        Unit::Task(_, id) => format!("task {id}"),
    }
}

/// The placement changes of connector `name` in one round, one Event per reason and
/// worker: `Assigned` (a unit gets a worker), `Moving` (phase one of a move: the old
/// worker must stop it), `Moved` (from a dead worker, or one that never started it) and
/// `Unassigned` (no live worker left). Units that are simply no longer needed (fewer
/// tasks, a stopped connector) make no Event.
fn placement_events(
    name: &str,
    current: &Assignment,
    wanted: &Assignment,
    next: &Assignment,
    live: &BTreeSet<&str>,
) -> Vec<PlacementEvent> {
    let mut grouped: BTreeMap<(&'static str, Option<String>), Vec<String>> = BTreeMap::new();
    let units: BTreeSet<&Unit> = current
        .placements
        .keys()
        .chain(next.placements.keys())
        .filter(|u| u.connector() == name)
        .collect();
    for unit in units {
        let what = describe(unit);
        match (current.worker_of(unit), next.worker_of(unit)) {
            (None, Some(to)) => grouped
                .entry(("Assigned", Some(to.to_owned())))
                .or_default()
                .push(format!("{what} assigned to worker {to}")),
            (Some(from), Some(to)) if from != to => {
                let why = if live.contains(from) {
                    ""
                } else {
                    " (its lease expired)"
                };
                grouped
                    .entry(("Moved", Some(to.to_owned())))
                    .or_default()
                    .push(format!("{what} moved from worker {from}{why} to {to}"));
            }
            (Some(from), None) => {
                match wanted.worker_of(unit) {
                    Some(to) => grouped
                        .entry(("Moving", Some(to.to_owned())))
                        .or_default()
                        .push(format!(
                            "{what} moving from worker {from} to {to}: {from} stops it first"
                        )),
                    None if live.is_empty() => grouped
                        .entry(("Unassigned", None))
                        .or_default()
                        .push(format!(
                            "{what} unassigned from worker {from}: no live worker"
                        )),
                    None => {}
                }
            }
            _ => {}
        }
    }
    grouped
        .into_iter()
        .map(|((reason, worker), notes)| PlacementEvent {
            type_: if reason == "Unassigned" {
                EventType::Warning
            } else {
                EventType::Normal
            },
            reason,
            worker,
            note: notes.join("; "),
        })
        .collect()
}

/// The membership Lease of `worker`, the related object of a placement Event.
fn lease_ref(connector: &KafkaConnector, worker: &str) -> ObjectReference {
    ObjectReference {
        api_version: Some("coordination.k8s.io/v1".into()),
        kind: Some("Lease".into()),
        name: Some(worker.to_owned()),
        namespace: connector.namespace(),
        ..ObjectReference::default()
    }
}

/// Events are best effort: a failure to publish one is logged, never fails a round.
async fn publish(
    ctx: &Context,
    reference: &ObjectReference,
    type_: EventType,
    reason: &str,
    note: String,
    related: Option<ObjectReference>,
) {
    let event = Event {
        type_,
        reason: reason.into(),
        note: Some(note),
        action: reason.into(),
        secondary: related,
    };
    if let Err(error) = ctx.recorder.publish(&event, reference).await {
        tracing::warn!(%error, "cannot publish event");
    }
}

/// Field managers of the workers' status writes: `tributary-worker-<pod>`.
const WORKER_MANAGER_PREFIX: &str = "tributary-worker-";

/// Releases the status entries of workers whose lease expired: an empty apply under the
/// dead worker's own field manager drops its ownership. Without it, fields a new owner
/// wrote with the same value (`state: RUNNING`) stay co-owned by the dead worker, and the
/// new owner could never remove its entry cleanly later.
async fn release_dead_writers(
    api: &Api<KafkaConnector>,
    connector: &KafkaConnector,
    live: &BTreeSet<&str>,
) -> Result<()> {
    let dead: BTreeSet<&str> = connector
        .metadata
        .managed_fields
        .iter()
        .flatten()
        .filter(|entry| entry.subresource.as_deref() == Some("status"))
        // An entry that owns nothing stays behind as `{"f:status": {}}`: skip those.
        .filter(|entry| {
            entry.fields_v1.as_ref().is_some_and(|fields| {
                fields.0["f:status"]
                    .as_object()
                    .is_some_and(|owned| !owned.is_empty())
            })
        })
        .filter_map(|entry| {
            entry
                .manager
                .as_deref()?
                .strip_prefix(WORKER_MANAGER_PREFIX)
        })
        .filter(|pod| !live.contains(pod))
        .collect();
    for pod in dead {
        tracing::info!(connector = %connector.name_any(), worker = pod, "releasing a dead worker's status");
        let empty = json!({
            "apiVersion": "tributary.dev/v1alpha1",
            "kind": "KafkaConnector",
            "status": {},
        });
        api.patch_status(
            &connector.name_any(),
            &PatchParams::apply(&format!("{WORKER_MANAGER_PREFIX}{pod}")),
            &Patch::Apply(&empty),
        )
        .await?;
    }
    Ok(())
}

/// Logs a failed assignment round and retries soon.
pub fn error_policy(connect: Arc<KafkaConnect>, error: &Error, ctx: Arc<Context>) -> Action {
    tracing::warn!(cluster = %connect.name_any(), %error, "connector assignment failed");
    ctx.metrics.reconcile_failed("KafkaConnector", error);
    Action::requeue(Duration::from_secs(5))
}

/// The placement the controller last wrote, read back from the statuses.
fn current_assignment(connectors: &[KafkaConnector]) -> Assignment {
    let mut placements = BTreeMap::new();
    for connector in connectors {
        let name = connector.name_any();
        let Some(status) = &connector.status else {
            continue;
        };
        if let Some(worker) = &status.connector_worker {
            placements.insert(Unit::Connector(name.clone()), worker.clone());
        }
        for (id, worker) in &status.task_assignment {
            if let Ok(id) = id.parse() {
                placements.insert(Unit::Task(name.clone(), id), worker.clone());
            }
        }
    }
    Assignment { placements }
}

/// What a connector needs: its instance, and as many tasks as its published task configs.
///
/// While no worker publishes task configs (the instance is moving: its old worker took
/// its configs away with its status entries, the new one has not computed them yet), the
/// task count is unknown, not zero: the tasks `placed` (in the statuses, or on their way
/// to a worker) keep their places, so a move of the instance stops no task elsewhere.
fn demand(connector: &KafkaConnector, placed: &Assignment) -> ConnectorDemand {
    let name = connector.name_any();
    let status = connector.status.clone().unwrap_or_default();
    let tasks = if status.task_configs_generation.is_some() {
        status.task_configs.len() as u32
    } else {
        placed
            .placements
            .keys()
            .filter_map(|unit| match unit {
                Unit::Task(owner, id) if *owner == name => Some(id + 1),
                _ => None,
            })
            .max()
            .unwrap_or(0)
    };
    ConnectorDemand {
        name,
        tasks,
        state: connector.spec.state.unwrap_or_default(),
    }
}

/// The live worker other than `to` that still reports running `unit`, if any.
fn live_holder<'a>(
    connector: &'a KafkaConnector,
    unit: &Unit,
    to: &str,
    live: &BTreeSet<&str>,
) -> Option<&'a str> {
    let info = connector.status.as_ref()?.connector_status.as_ref()?;
    let holder = match unit {
        Unit::Connector(_) => info.connector.worker_id.as_str(),
        Unit::Task(_, id) => info
            .tasks
            .iter()
            .find(|t| t.id as u32 == *id && t.state != "UNASSIGNED")
            .map(|t| t.worker_id.as_str())?,
    };
    (!holder.is_empty() && holder != to && live.contains(holder)).then_some(holder)
}

/// Phase one of a move: units still held by another live worker are left unassigned, so
/// their holder stops them; a later round places them once the holder released them.
fn hold_back_moves(
    wanted: &Assignment,
    connectors: &[KafkaConnector],
    live: &BTreeSet<&str>,
) -> Assignment {
    let by_name: BTreeMap<String, &KafkaConnector> =
        connectors.iter().map(|c| (c.name_any(), c)).collect();
    let placements = wanted
        .placements
        .iter()
        .filter(|(unit, worker)| {
            let Some(connector) = by_name.get(unit.connector()) else {
                return false;
            };
            match live_holder(connector, unit, worker, live) {
                Some(holder) => {
                    tracing::info!(?unit, from = holder, to = %worker, "waiting for release");
                    false
                }
                None => true,
            }
        })
        .map(|(unit, worker)| (unit.clone(), worker.clone()))
        .collect();
    Assignment { placements }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{
        ConnectorStatusInfo, KafkaConnectorSpec, KafkaConnectorStatus, StateInfo, TaskStatus,
    };

    fn connector(worker_running_task0: &str) -> KafkaConnector {
        let mut c = KafkaConnector::new("c", KafkaConnectorSpec::default());
        c.status = Some(KafkaConnectorStatus {
            connector_status: Some(ConnectorStatusInfo {
                name: "c".into(),
                connector: StateInfo {
                    state: "RUNNING".into(),
                    worker_id: "w1".into(),
                    trace: None,
                },
                tasks: vec![TaskStatus {
                    id: 0,
                    state: "RUNNING".into(),
                    worker_id: worker_running_task0.into(),
                    trace: None,
                }],
                connector_type: None,
            }),
            ..Default::default()
        });
        c
    }

    fn wanted(task_worker: &str) -> Assignment {
        Assignment {
            placements: BTreeMap::from([
                (Unit::Connector("c".into()), "w1".into()),
                (Unit::Task("c".into(), 0), task_worker.into()),
            ]),
        }
    }

    #[test]
    fn a_move_waits_while_the_old_live_owner_still_runs_the_task() {
        let c = connector("w1");
        let live = BTreeSet::from(["w1", "w2"]);
        let next = hold_back_moves(&wanted("w2"), std::slice::from_ref(&c), &live);
        assert_eq!(next.worker_of(&Unit::Task("c".into(), 0)), None);
        assert_eq!(next.worker_of(&Unit::Connector("c".into())), Some("w1"));
    }

    #[test]
    fn a_move_from_a_dead_owner_happens_at_once() {
        let c = connector("w1");
        let live = BTreeSet::from(["w2"]);
        let next = hold_back_moves(&wanted("w2"), std::slice::from_ref(&c), &live);
        assert_eq!(next.worker_of(&Unit::Task("c".into(), 0)), Some("w2"));
    }

    #[test]
    fn a_released_task_moves() {
        let mut c = connector("w1");
        if let Some(info) = c.status.as_mut().and_then(|s| s.connector_status.as_mut()) {
            info.tasks.clear();
        }
        let live = BTreeSet::from(["w1", "w2"]);
        let next = hold_back_moves(&wanted("w2"), std::slice::from_ref(&c), &live);
        assert_eq!(next.worker_of(&Unit::Task("c".into(), 0)), Some("w2"));
    }

    #[test]
    fn the_status_counts_only_running_tasks_on_their_assigned_worker() {
        let c = connector("w1");
        let status = ControllerStatus::wanted(&c, "files", 2, &wanted("w1"));
        assert_eq!(status.tasks_ready, "1/1");
        assert_eq!(status.connector_worker.as_deref(), Some("w1"));
        let status = ControllerStatus::wanted(&c, "files", 2, &wanted("w2"));
        assert_eq!(status.tasks_ready, "0/1");
    }

    #[test]
    fn tasks_keep_their_places_while_no_worker_publishes_task_configs() {
        let mut c = connector("w2");
        let placed = Assignment {
            placements: BTreeMap::from([
                (Unit::Task("c".into(), 0), "w2".into()),
                (Unit::Task("c".into(), 1), "w1".into()),
                (Unit::Task("other".into(), 4), "w1".into()),
            ]),
        };
        assert_eq!(
            demand(&c, &placed).tasks,
            2,
            "instance moving: placed tasks stay"
        );
        let status = c.status.as_mut().unwrap();
        status.task_configs_generation = Some(1);
        status.task_configs = vec![BTreeMap::new()];
        assert_eq!(
            demand(&c, &placed).tasks,
            1,
            "published task configs decide"
        );
    }

    #[test]
    fn events_tell_assignments_and_both_phases_of_a_move() {
        let live = BTreeSet::from(["w1", "w2"]);
        let none = Assignment::default();
        let first = placement_events("c", &none, &wanted("w1"), &wanted("w1"), &live);
        assert_eq!(first.len(), 1, "{first:?}");
        assert_eq!(first[0].reason, "Assigned");
        assert_eq!(
            first[0].note,
            "connector instance assigned to worker w1; task 0 assigned to worker w1"
        );

        // Phase one: task 0 should go to w2 but w1 still runs it.
        let held = hold_back_moves(&wanted("w2"), &[connector("w1")], &live);
        let moving = placement_events("c", &wanted("w1"), &wanted("w2"), &held, &live);
        assert_eq!(moving.len(), 1, "{moving:?}");
        assert_eq!(moving[0].reason, "Moving");
        assert_eq!(moving[0].worker.as_deref(), Some("w2"));
        assert_eq!(
            moving[0].note,
            "task 0 moving from worker w1 to w2: w1 stops it first"
        );
        // Phase two: released, assigned.
        let placed = placement_events("c", &held, &wanted("w2"), &wanted("w2"), &live);
        assert_eq!(placed[0].reason, "Assigned");
        assert_eq!(placed[0].note, "task 0 assigned to worker w2");

        // A dead worker's units move at once.
        let survivors = BTreeSet::from(["w2"]);
        let moved = placement_events("c", &wanted("w1"), &wanted("w2"), &wanted("w2"), &survivors);
        assert!(
            moved.iter().any(|e| e.reason == "Moved"
                && e.note == "task 0 moved from worker w1 (its lease expired) to w2"),
            "{moved:?}"
        );

        // No worker at all.
        let gone = placement_events("c", &wanted("w1"), &none, &none, &BTreeSet::new());
        assert_eq!(gone[0].reason, "Unassigned");
        assert_eq!(gone[0].type_, EventType::Warning);
    }
}
