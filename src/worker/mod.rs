//! `tributary worker` in a cluster: holds this pod's membership Lease, watches the
//! `KafkaConnector`s of its cluster, runs exactly the connector instances and tasks the
//! controller assigned to this pod with the runtime [`Worker`], and writes their states
//! (and, on the instance's worker, the task configs) into each connector's status.
//!
//! One loop owns all decisions: it wakes on a watch event, a runtime status change, a
//! lease change, a due automatic restart or a periodic tick, compares the wanted set with
//! what runs, and starts or stops only the differences, so no other connector is touched.
//! The same loop acts on restart requests (annotations, see [`restart`]) and restarts
//! failed units of connectors with `spec.autoRestart` (back-off in
//! [`restart::AutoRestart`]).

pub mod http;
pub mod lease;
pub mod metrics;
pub mod plan;
pub mod restart;
pub mod status;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use kube::api::{Api, Patch, PatchParams};
use kube::runtime::reflector::{self, Store};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Client, ResourceExt};
use tokio::sync::{Notify, watch};
use tokio_util::sync::CancellationToken;

use crate::api::{CLUSTER_LABEL, KafkaConnector, RestartRequest};
use crate::connectors::ConfigMap;
use crate::runtime::status::StatusChange;
use crate::runtime::{State, Status, TargetState, TaskId, Worker};
use lease::MembershipLease;
use metrics::WorkerMetrics;
use plan::{Running, Step, Wanted};
use restart::{AutoRestart, RestartAction, RestartRequests, Unit};
use status::WorkerReport;

/// Failures of the worker loop.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The Kubernetes API answered with an error.
    #[error("kubernetes API: {0}")]
    Kube(#[from] kube::Error),
}

/// Who this worker is.
#[derive(Clone, Debug)]
pub struct Identity {
    /// The pod name: worker id, Lease name and holder.
    pub pod: String,
    /// The namespace of the pod, its Lease and its cluster's connectors.
    pub namespace: String,
    /// The `KafkaConnect` this worker belongs to.
    pub cluster: String,
}

impl Identity {
    /// This worker's server-side apply field manager.
    pub fn field_manager(&self) -> String {
        format!("tributary-worker-{}", self.pod)
    }
}

/// Whether this worker is ready (lease held and connectors listed), for `/readyz`.
#[derive(Clone, Default)]
pub struct Readiness(Arc<std::sync::atomic::AtomicBool>);

impl Readiness {
    /// True once the lease is held and the connector watch has listed.
    pub fn is_ready(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn set(&self, ready: bool) {
        self.0.store(ready, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Runs the worker until `shutdown` is cancelled; then stops everything, releases its
/// status entries and expires its Lease. `metrics` is what `/metrics` exports (build it
/// with [`WorkerMetrics::new`] over `runtime.status()`).
pub async fn run(
    identity: Identity,
    client: Client,
    runtime: Arc<Worker>,
    lease_timing: lease::LeaseTiming,
    readiness: Readiness,
    metrics: WorkerMetrics,
    shutdown: CancellationToken,
) -> Result<(), Error> {
    let lease = Arc::new(MembershipLease::new(
        Api::namespaced(client.clone(), &identity.namespace),
        &identity.pod,
        &identity.cluster,
        &identity.field_manager(),
        lease_timing,
    ));
    let (held_tx, mut held) = watch::channel(false);
    let holder = tokio::spawn({
        let lease = lease.clone();
        let metrics = metrics.clone();
        async move { lease.hold(held_tx, &metrics).await }
    });

    let api: Api<KafkaConnector> = Api::namespaced(client, &identity.namespace);
    let (store, writer) = reflector::store();
    let wake = Arc::new(Notify::new());
    let watch_task = tokio::spawn({
        let wake = wake.clone();
        let config =
            watcher::Config::default().labels(&format!("{CLUSTER_LABEL}={}", identity.cluster));
        let stream = watcher(api.clone(), config)
            .default_backoff()
            .reflect(writer);
        async move {
            futures::pin_mut!(stream);
            while let Some(event) = stream.next().await {
                if let Err(error) = event {
                    tracing::warn!(%error, "watching KafkaConnectors");
                }
                wake.notify_one();
            }
        }
    });
    let mut changes = runtime.status().subscribe();
    let mut node = Node {
        identity,
        api,
        runtime,
        metrics,
        running: BTreeMap::new(),
        published: BTreeMap::new(),
        requests: RestartRequests::default(),
        auto: AutoRestart::default(),
    };
    // The loop ends on `shutdown`; what it is doing then (an API call to a server that
    // does not answer, say) gets a grace period, then is dropped.
    let deadline = async {
        shutdown.cancelled().await;
        tokio::time::sleep(SHUTDOWN_GRACE).await;
    };
    tokio::select! {
        () = node.run_loop(&store, &wake, &mut changes, &mut held, &readiness, &shutdown) => {}
        () = deadline => tracing::warn!(grace = ?SHUTDOWN_GRACE, "the worker loop did not stop in time; leaving it"),
    }

    readiness.set(false);
    holder.abort();
    watch_task.abort();
    node.runtime.stop_all().await;
    for (name, running) in std::mem::take(&mut node.running) {
        node.forget_tasks(&name, running.tasks.keys().copied());
    }
    // Clearing this worker's status entries and expiring its lease let others take over
    // sooner; without an API server they expire on their own.
    let farewell = async {
        node.publish(&store).await;
        lease.release().await
    };
    match tokio::time::timeout(SHUTDOWN_GRACE, farewell).await {
        Ok(released) => released?,
        Err(_) => tracing::warn!("could not release the lease in time; it expires by itself"),
    }
    Ok(())
}

/// How long the worker's last API calls (status, lease release) and a loop iteration in
/// progress may take once shutdown was requested.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Sleeps until `deadline`, or forever without one.
async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

struct Node {
    identity: Identity,
    api: Api<KafkaConnector>,
    runtime: Arc<Worker>,
    metrics: WorkerMetrics,
    running: BTreeMap<String, Running>,
    /// The last status this worker applied per connector, to skip identical applies.
    published: BTreeMap<String, serde_json::Value>,
    /// Restart annotation values seen so far.
    requests: RestartRequests,
    /// Back-off of automatic restarts.
    auto: AutoRestart,
}

impl Node {
    /// The decision loop: runs until `shutdown` is cancelled or the watch store is gone.
    async fn run_loop(
        &mut self,
        store: &Store<KafkaConnector>,
        wake: &Notify,
        changes: &mut tokio::sync::broadcast::Receiver<StatusChange>,
        held: &mut watch::Receiver<bool>,
        readiness: &Readiness,
        shutdown: &CancellationToken,
    ) {
        let mut tick = tokio::time::interval(Duration::from_secs(5));
        loop {
            let next_restart = self.auto.next_due();
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = wake.notified() => {}
                change = changes.recv() => {
                    if let Ok(StatusChange::Task(id, Some(status))) = change
                        && status.state == State::Failed
                    {
                        self.metrics.task_failed(&id);
                    }
                }
                _ = held.changed() => {}
                _ = tick.tick() => {}
                () = sleep_until(next_restart) => {}
            }
            if !*held.borrow() {
                readiness.set(false);
                self.fence().await;
                continue;
            }
            // The store is ready once the first list answered; until then, and whenever
            // shutdown comes first, there is nothing to decide.
            let ready = tokio::select! {
                ready = store.wait_until_ready() => ready.is_ok(),
                () = shutdown.cancelled() => return,
            };
            if !ready {
                return;
            }
            readiness.set(true);
            self.sync(store).await;
            self.restart_requested(store).await;
            self.restart_failed().await;
            let running = &self.running;
            self.metrics
                .retain_connectors(|name| running.get(name).is_some_and(|r| r.owns_instance));
            self.publish(store).await;
        }
    }

    /// Starts and stops the differences between what is assigned here and what runs,
    /// connector by connector, as [`plan::plan`] decides.
    async fn sync(&mut self, store: &Store<KafkaConnector>) {
        let me = self.identity.pod.clone();
        let mut wanted: BTreeMap<String, Wanted> = store
            .state()
            .iter()
            .filter_map(|c| {
                let name = c.name_any();
                let wanted = plan::wanted(&me, c, self.running.get(&name))?;
                Some((name, wanted))
            })
            .collect();
        let names: std::collections::BTreeSet<String> =
            self.running.keys().chain(wanted.keys()).cloned().collect();
        for name in names {
            let wanted = wanted.remove(&name);
            let steps = plan::plan(self.running.get(&name), wanted.as_ref());
            for step in steps {
                self.apply(&name, step, wanted.as_ref()).await;
            }
            // Same config, new generation (a state change): the task configs still hold,
            // and the instance publishes them under the new generation.
            if let (Some(running), Some(wanted)) = (self.running.get_mut(&name), &wanted) {
                running.generation = wanted.generation;
                running.auto_restart = wanted.auto_restart;
            }
        }
    }

    /// Carries out one step of [`plan::plan`] for connector `name`; `wanted` is what the
    /// plan was made for (present for every step but [`Step::Remove`]).
    async fn apply(&mut self, name: &str, step: Step, wanted: Option<&Wanted>) {
        let Some(wanted) = wanted else {
            if step == Step::Remove {
                tracing::info!(connector = %name, "no longer assigned here: stopping");
                self.runtime.stop_connector(name).await;
                self.runtime.status().remove_connector(name);
                // Its topics are reported by whoever runs its tasks next.
                self.runtime.reset_active_topics(name);
                if let Some(running) = self.running.remove(name) {
                    self.forget_tasks(name, running.tasks.keys().copied());
                }
            }
            return;
        };
        match step {
            Step::Remove => {}
            Step::Promote => {
                // The runtime replaces the loaded-only connector entry; the tasks keep
                // running.
                tracing::info!(connector = name, "connector instance assigned here");
                self.metrics.connector_started(name);
                let task_configs = self
                    .runtime
                    .start_connector(name, &wanted.config, wanted.target)
                    .await
                    .unwrap_or_default();
                if let Some(running) = self.running.get_mut(name) {
                    running.owns_instance = true;
                    running.task_configs = task_configs;
                }
            }
            Step::Reload { instance } => {
                if self.running.remove(name).is_some() {
                    tracing::info!(connector = name, "connector changed: restarting it here");
                    self.runtime.stop_connector(name).await;
                    self.runtime.status().remove_connector(name);
                    // The tasks' metrics stay (their start count goes on when they start
                    // again here); those that do not come back are dropped once the new
                    // task configs are current.
                }
                let target = if instance {
                    self.metrics.connector_started(name);
                    wanted.target
                } else {
                    TargetState::Stopped
                };
                let task_configs = self
                    .runtime
                    .start_connector(name, &wanted.config, target)
                    .await
                    .unwrap_or_default();
                self.running.insert(
                    name.to_owned(),
                    Running {
                        owns_instance: instance,
                        auto_restart: wanted.auto_restart,
                        config: wanted.config.clone(),
                        target: wanted.target,
                        task_configs,
                        generation: wanted.generation,
                        tasks: BTreeMap::new(),
                    },
                );
            }
            Step::SetTarget(target) => {
                tracing::info!(connector = name, ?target, "changing target state");
                self.runtime.set_target_state(name, target).await;
                if let Some(running) = self.running.get_mut(name) {
                    running.target = target;
                }
            }
            Step::StopTask { id, unassigned } => {
                let task = TaskId {
                    connector: name.to_owned(),
                    task: id,
                };
                tracing::info!(%task, "task no longer assigned here or reconfigured: stopping");
                self.runtime.stop_tasks(std::slice::from_ref(&task)).await;
                self.runtime.status().remove_task(&task);
                if unassigned {
                    self.metrics.task_removed(&task);
                }
                if let Some(running) = self.running.get_mut(name) {
                    running.tasks.remove(&id);
                }
            }
            Step::RetainTaskMetrics => {
                let running = self.running.get(name);
                self.metrics.retain_tasks(name, |id| {
                    running.is_some_and(|r| r.tasks.contains_key(&id))
                        || wanted.tasks.contains_key(&id)
                });
            }
            Step::StartTask { id } => {
                let (Some(running), Some(task_config)) =
                    (self.running.get_mut(name), wanted.tasks.get(&id))
                else {
                    return;
                };
                running.tasks.insert(id, task_config.clone());
                let (config, target) = (running.config.clone(), running.target);
                let task = TaskId {
                    connector: name.to_owned(),
                    task: id,
                };
                tracing::info!(%task, "starting assigned task");
                // A failure is reported as the task's FAILED state by the runtime; the
                // task stays recorded so it is not retried in a loop (a config change, a
                // restart request or `autoRestart` retries it).
                self.start_task(task, &config, task_config, target).await;
            }
        }
    }

    /// Starts one task in the runtime and counts the start.
    async fn start_task(
        &self,
        task: TaskId,
        config: &ConfigMap,
        task_config: &ConfigMap,
        target: TargetState,
    ) {
        let outcome = self
            .runtime
            .start_task(task.clone(), config, task_config, target)
            .await;
        if let Some(kind) = self.runtime.connector_kind(&task.connector).await {
            let run = match outcome {
                Ok(()) => self.runtime.task_metrics(&task).await,
                Err(_) => None,
            };
            self.metrics.task_started(&task, kind, run);
        }
    }

    /// Drops the metrics of tasks that no longer run here.
    fn forget_tasks(&self, name: &str, ids: impl IntoIterator<Item = u32>) {
        for task in ids {
            self.metrics.task_removed(&TaskId {
                connector: name.to_owned(),
                task,
            });
        }
    }

    /// Acts on changed restart annotations of the connectors that run here.
    async fn restart_requested(&mut self, store: &Store<KafkaConnector>) {
        let connectors = store.state();
        self.requests.retain(|name| {
            connectors
                .iter()
                .any(|c| c.metadata.name.as_deref() == Some(name))
        });
        for connector in connectors {
            let name = connector.name_any();
            let uid = connector.metadata.uid.clone().unwrap_or_default();
            let actions = self.requests.changes(&name, &uid, connector.annotations());
            for action in actions {
                let Some(running) = self.running.get(&name) else {
                    continue;
                };
                let failed =
                    |state: Option<Status>| state.is_some_and(|s| s.state == State::Failed);
                let (instance, tasks) = match &action {
                    RestartAction::Connector(RestartRequest {
                        id,
                        include_tasks,
                        only_failed,
                    }) => {
                        tracing::info!(connector = %name, request = %id, include_tasks, only_failed, "restart requested");
                        let instance = running.owns_instance
                            && (!only_failed || failed(self.runtime.status().connector(&name)));
                        let tasks: Vec<u32> = running
                            .tasks
                            .keys()
                            .copied()
                            .filter(|_| *include_tasks)
                            .filter(|id| {
                                !only_failed
                                    || failed(self.runtime.status().task(&TaskId {
                                        connector: name.clone(),
                                        task: *id,
                                    }))
                            })
                            .collect();
                        (instance, tasks)
                    }
                    RestartAction::Task(id) if running.tasks.contains_key(id) => {
                        tracing::info!(connector = %name, task = id, "task restart requested");
                        (false, vec![*id])
                    }
                    RestartAction::Task(_) => continue,
                };
                self.restart(&name, instance, &tasks).await;
            }
        }
    }

    /// Restarts failed units of connectors with `autoRestart`, each when its back-off
    /// allows; healthy units are left alone.
    async fn restart_failed(&mut self) {
        let now = tokio::time::Instant::now();
        let store = self.runtime.status().clone();
        let mut units: Vec<(Unit, bool)> = Vec::new();
        for (name, running) in self.running.iter().filter(|(_, r)| r.auto_restart) {
            if running.owns_instance {
                let failed = store
                    .connector(name)
                    .is_some_and(|s| s.state == State::Failed);
                let unit = Unit {
                    connector: name.clone(),
                    task: None,
                };
                units.push((unit, failed));
            }
            for id in running.tasks.keys() {
                let task = TaskId {
                    connector: name.clone(),
                    task: *id,
                };
                let failed = store.task(&task).is_some_and(|s| s.state == State::Failed);
                let unit = Unit {
                    connector: name.clone(),
                    task: Some(*id),
                };
                units.push((unit, failed));
            }
        }
        self.auto
            .retain(|unit| units.iter().any(|(u, _)| u == unit));
        let mut due: BTreeMap<String, (bool, Vec<u32>)> = BTreeMap::new();
        for (unit, failed) in &units {
            if self.auto.observe(unit, *failed, now) {
                let entry = due.entry(unit.connector.clone()).or_default();
                match unit.task {
                    None => entry.0 = true,
                    Some(id) => entry.1.push(id),
                }
            }
        }
        for (name, (instance, tasks)) in due {
            tracing::info!(connector = %name, instance, ?tasks, "restarting failed units (autoRestart)");
            self.restart(&name, instance, &tasks).await;
        }
    }

    /// Restarts the connector instance (when `instance`) and the given tasks of `name`,
    /// showing them RESTARTING in the status first, as Apache does.
    async fn restart(&mut self, name: &str, instance: bool, tasks: &[u32]) {
        if !instance && tasks.is_empty() {
            return;
        }
        let worker_id = self.runtime.worker_id().to_owned();
        let restarting = Status {
            state: State::Restarting,
            worker_id,
            trace: None,
        };
        let status = self.runtime.status().clone();
        if instance {
            status.put_connector(name, restarting.clone());
        }
        let ids: Vec<TaskId> = tasks
            .iter()
            .map(|id| TaskId {
                connector: name.to_owned(),
                task: *id,
            })
            .collect();
        for id in &ids {
            status.put_task(id, restarting.clone());
        }
        self.publish_one(name).await;

        let Some(running) = self.running.get(name) else {
            return;
        };
        let (config, target) = (running.config.clone(), running.target);
        if !ids.is_empty() {
            self.runtime.stop_tasks(&ids).await;
        }
        if instance {
            self.runtime.stop_connector_instance(name).await;
            self.metrics.connector_started(name);
            let started = self.runtime.start_connector(name, &config, target).await;
            // Published with the current generation: tasks whose config changed are
            // restarted by the next sync, like after a reconfiguration. A failed start
            // (reported as FAILED) keeps the task configs, so its tasks stay assigned.
            if let (Ok(task_configs), Some(running)) = (started, self.running.get_mut(name)) {
                running.task_configs = task_configs;
            }
        }
        for id in ids {
            let Some(task_config) = self
                .running
                .get(name)
                .and_then(|r| r.tasks.get(&id.task))
                .cloned()
            else {
                continue;
            };
            tracing::info!(task = %id, "restarting task");
            self.start_task(id, &config, &task_config, target).await;
        }
    }

    /// Stops everything: the lease could not be renewed in time.
    async fn fence(&mut self) {
        // While this worker's lease has lapsed the operator releases its status fields
        // (they read as a dead worker's). A part published before is no longer this
        // worker's: forget them all, so the next publish applies them again and owns them;
        // otherwise an unchanged RUNNING part is skipped, and a later stop cannot remove
        // what it does not own (the operator then waits for ever to move the task).
        self.published.clear();
        if self.running.is_empty() {
            return;
        }
        self.runtime.stop_all().await;
        for (name, running) in std::mem::take(&mut self.running) {
            self.runtime.status().remove_connector(&name);
            self.forget_tasks(&name, running.tasks.keys().copied());
        }
    }

    /// What this worker reports for `name`.
    async fn report(&self, name: &str) -> WorkerReport {
        let Some(running) = self.running.get(name) else {
            return WorkerReport::default();
        };
        let store = self.runtime.status();
        let mut report = WorkerReport::default();
        if running.owns_instance {
            if let Some(state) = store.connector(name) {
                let kind = self.runtime.connector_kind(name).await;
                report.instance = Some((state, kind.map(|k| k.to_string())));
            }
            report.task_configs = Some((running.task_configs.clone(), running.generation));
        }
        for id in running.tasks.keys() {
            let task = TaskId {
                connector: name.to_owned(),
                task: *id,
            };
            if let Some(state) = store.task(&task) {
                report.tasks.push((*id, state));
            }
        }
        report.topics = self.runtime.active_topics(name);
        report
    }

    /// Applies this worker's status part of every connector whose part changed.
    async fn publish(&mut self, store: &Store<KafkaConnector>) {
        let names: Vec<String> = store.state().iter().map(|c| c.name_any()).collect();
        self.published.retain(|name, _| names.contains(name));
        for name in names {
            self.publish_one(&name).await;
        }
    }

    /// Applies this worker's status part of connector `name` when it changed.
    async fn publish_one(&mut self, name: &str) {
        let params = PatchParams::apply(&self.identity.field_manager()).force();
        let patch = self.report(name).await.to_patch(name);
        if self.published.get(name) == Some(&patch) {
            return;
        }
        match self
            .api
            .patch_status(name, &params, &Patch::Apply(&patch))
            .await
        {
            Ok(_) => {
                self.published.insert(name.to_owned(), patch);
            }
            Err(error) => {
                tracing::warn!(connector = %name, %error, "cannot write connector status")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Shutdown is bounded even when the API server never answers: the watch store never
    /// becomes ready, and the lease and status calls hang.
    #[tokio::test]
    async fn stops_within_the_grace_when_the_api_server_never_answers() {
        let (client, server) = crate::fixtures::silent_api_server().await;
        let runtime = crate::fixtures::runtime_worker("w-0");
        let metrics = WorkerMetrics::new(runtime.status().clone());
        let shutdown = CancellationToken::new();
        let identity = Identity {
            pod: "w-0".into(),
            namespace: "ns".into(),
            cluster: "c".into(),
        };
        let worker = tokio::spawn(run(
            identity,
            client,
            runtime,
            lease::LeaseTiming::membership(),
            Readiness::default(),
            metrics,
            shutdown.clone(),
        ));
        tokio::time::sleep(Duration::from_millis(200)).await;
        shutdown.cancel();
        let stopped =
            tokio::time::timeout(SHUTDOWN_GRACE * 2 + Duration::from_secs(3), worker).await;
        assert!(matches!(stopped, Ok(Ok(Ok(())))), "{stopped:?}");
        server.abort();
    }
}
