//! The `KafkaConnector` assignment: for each `KafkaConnect` cluster, places every connector
//! instance and task on a live worker and writes the placement into each connector's status
//! (`connectorWorker`, `taskAssignment`, plus `tasksReady`) by server-side apply.
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

use kube::ResourceExt;
use kube::api::{Api, ListParams, Patch, PatchParams};
use kube::runtime::controller::Action;
use serde_json::json;

use super::assignment::{Assignment, ConnectorDemand, Unit, assign};
use super::connect::live_workers;
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
    let demands: Vec<ConnectorDemand> = connectors.iter().map(demand).collect();
    let wanted = assign(&workers, &demands, &current);
    let live: BTreeSet<&str> = workers.iter().map(String::as_str).collect();
    let next = hold_back_moves(&wanted, &connectors, &live);

    for connector in &connectors {
        release_dead_writers(&api, connector, &live).await?;
        let patch = status_patch(connector, &next);
        if status_differs(connector, &patch) {
            tracing::info!(
                connector = %connector.name_any(),
                assignment = %patch["status"],
                "assigning"
            );
            api.patch_status(
                &connector.name_any(),
                &PatchParams::apply(FIELD_MANAGER).force(),
                &Patch::Apply(&patch),
            )
            .await?;
        }
    }
    Ok(Action::requeue(RESYNC))
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
fn demand(connector: &KafkaConnector) -> ConnectorDemand {
    let tasks = connector
        .status
        .as_ref()
        .map_or(0, |s| s.task_configs.len() as u32);
    ConnectorDemand {
        name: connector.name_any(),
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

/// The controller's part of one connector's status.
fn status_patch(connector: &KafkaConnector, assignment: &Assignment) -> serde_json::Value {
    let name = connector.name_any();
    let connector_worker = assignment
        .worker_of(&Unit::Connector(name.clone()))
        .map(str::to_owned);
    let task_assignment: BTreeMap<String, String> = assignment
        .placements
        .iter()
        .filter_map(|(unit, worker)| match unit {
            Unit::Task(owner, id) if *owner == name => Some((id.to_string(), worker.clone())),
            _ => None,
        })
        .collect();
    let tasks_max = connector.spec.tasks_max.unwrap_or(1);
    let running = connector
        .status
        .as_ref()
        .and_then(|s| s.connector_status.as_ref())
        .map_or(0, |info| {
            info.tasks
                .iter()
                .filter(|t| {
                    t.state == "RUNNING"
                        && task_assignment.get(&t.id.to_string()) == Some(&t.worker_id)
                })
                .count()
        });
    let mut status = serde_json::Map::new();
    if let Some(worker) = connector_worker {
        status.insert("connectorWorker".into(), json!(worker));
    }
    if !task_assignment.is_empty() {
        status.insert("taskAssignment".into(), json!(task_assignment));
    }
    status.insert("tasksReady".into(), json!(format!("{running}/{tasks_max}")));
    json!({
        "apiVersion": "tributary.dev/v1alpha1",
        "kind": "KafkaConnector",
        "status": status,
    })
}

/// True when applying `patch` would change what the controller owns.
fn status_differs(connector: &KafkaConnector, patch: &serde_json::Value) -> bool {
    let status = connector.status.clone().unwrap_or_default();
    let wanted = &patch["status"];
    let task_assignment: BTreeMap<String, String> =
        serde_json::from_value(wanted["taskAssignment"].clone()).unwrap_or_default();
    status.connector_worker.as_deref() != wanted["connectorWorker"].as_str()
        || status.task_assignment != task_assignment
        || status.tasks_ready.as_deref() != wanted["tasksReady"].as_str()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{
        ConnectorStatusInfo, KafkaConnectorSpec, KafkaConnectorStatus, StateInfo, TaskStateInfo,
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
                tasks: vec![TaskStateInfo {
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
    fn the_patch_counts_only_running_tasks_on_their_assigned_worker() {
        let c = connector("w1");
        let patch = status_patch(&c, &wanted("w1"));
        assert_eq!(patch["status"]["tasksReady"], "1/1");
        assert_eq!(patch["status"]["connectorWorker"], "w1");
        let patch = status_patch(&c, &wanted("w2"));
        assert_eq!(patch["status"]["tasksReady"], "0/1");
    }
}
