//! The Kubernetes controller (`tributary operator`): one [`Context`] for the reconcilers,
//! a [`State`] shared with the HTTP server (`/metrics`, `/healthz`, `/readyz`), and [`run`],
//! which waits for leadership and then drives the `KafkaConnect` controller.

pub mod assignment;
pub mod connect;
pub mod leader;
pub mod metrics;
pub mod placement;
pub mod plugins;
pub mod readiness;
pub mod resources;
pub mod security;
pub mod unbound;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::State as AxumState;
use axum::http::StatusCode;
use axum::routing::get;
use futures::{FutureExt, StreamExt};
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::{ConfigMap, Service};
use kube::runtime::controller::Controller;
use kube::runtime::events::{Recorder, Reporter};
use kube::runtime::reflector::ObjectRef;
use kube::runtime::{finalizer, watcher};
use kube::{Api, Client, ResourceExt};

use crate::api::{CLUSTER_LABEL, KafkaConnect, KafkaConnector};
use leader::{LeaseElector, LeaseTiming};
use metrics::Metrics;

/// The field manager of every server-side apply the operator makes.
pub const FIELD_MANAGER: &str = "tributary-operator";

/// Failures of a reconcile; [`Error::metric_label`] names them on the failure counter.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The Kubernetes API answered with an error.
    #[error("kubernetes API: {0}")]
    Kube(#[from] kube::Error),

    /// Adding or removing the finalizer, or the reconcile inside it, failed.
    #[error("finalizer: {0}")]
    Finalizer(#[source] Box<finalizer::Error<Error>>),

    /// A status or child object could not be serialized.
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),

    /// The object lacks a field the API server always sets (`metadata.namespace`, `uid`).
    #[error("object has no {0}")]
    MissingField(&'static str),

    /// This replica lost the leader lease; the process should exit and restart.
    #[error("lost the leader lease {0}")]
    LeadershipLost(String),

    /// `spec.tls` or `spec.authentication` cannot be applied as written.
    #[error(transparent)]
    Security(#[from] security::SecurityError),

    /// `spec.plugins` or `spec.jvmOptions` cannot be applied as written.
    #[error(transparent)]
    Plugins(#[from] plugins::PluginsError),
}

impl Error {
    /// A short, stable label for the failure counter.
    pub fn metric_label(&self) -> &'static str {
        match self {
            Error::Kube(_) => "kube",
            Error::Finalizer(inner) => match inner.as_ref() {
                finalizer::Error::ApplyFailed(e) | finalizer::Error::CleanupFailed(e) => {
                    e.metric_label()
                }
                _ => "finalizer",
            },
            Error::Json(_) => "json",
            Error::MissingField(_) => "missing_field",
            Error::LeadershipLost(_) => "leadership_lost",
            Error::Security(_) => "security",
            Error::Plugins(_) => "plugins",
        }
    }
}

/// The controller's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// How the operator runs: what it watches, its lease, and the workers' default image.
#[derive(Clone, Debug)]
pub struct OperatorConfig {
    /// Watch only this namespace; all namespaces when `None`.
    pub watch_namespace: Option<String>,
    /// Namespace of the leader Lease.
    pub lease_namespace: String,
    /// Name of the leader Lease.
    pub lease_name: String,
    /// This replica's identity in the Lease and in Events (the pod name in a cluster).
    pub identity: String,
    /// Image of the workers when a `KafkaConnect` names none (the operator's own image).
    pub default_image: String,
    /// Image of the workers of a `KafkaConnect` with `spec.plugins` that names none: the
    /// variant with a JRE and the plugin host.
    pub plugin_image: String,
    /// Timing of the leader election.
    pub lease_timing: LeaseTiming,
}

/// Shared between the controller and the HTTP server.
#[derive(Clone, Default)]
pub struct State {
    metrics: Arc<Metrics>,
    /// True once the API server answered a lease round-trip (standbys are ready too).
    ready: Arc<AtomicBool>,
    /// True while this replica leads.
    leader: Arc<AtomicBool>,
}

impl State {
    /// The metrics in Prometheus text format.
    pub fn metrics_text(&self) -> String {
        self.metrics.encode().unwrap_or_default()
    }

    /// True while this replica holds the leader lease.
    pub fn is_leader(&self) -> bool {
        self.leader.load(Ordering::Relaxed)
    }

    fn context(&self, client: Client, config: &OperatorConfig) -> Arc<Context> {
        let reporter = Reporter {
            controller: FIELD_MANAGER.into(),
            instance: Some(config.identity.clone()),
        };
        Arc::new(Context {
            recorder: Recorder::new(client.clone(), reporter),
            client,
            metrics: self.metrics.clone(),
            images: resources::WorkerImages {
                default: config.default_image.clone(),
                plugins: config.plugin_image.clone(),
            },
            move_targets: Arc::default(),
        })
    }
}

/// What every reconcile gets.
#[derive(Clone)]
pub struct Context {
    /// The API client.
    pub client: Client,
    /// Publishes Kubernetes Events about the reconciled objects.
    pub recorder: Recorder,
    /// Reconcile counters and durations.
    pub metrics: Arc<Metrics>,
    /// Worker images when a `KafkaConnect` names none.
    pub images: resources::WorkerImages,
    /// Per cluster (`namespace/name`), the balanced placement of the last assignment
    /// round. A unit in the middle of a two-phase move has no worker in its status; this
    /// remembers where it is going, so it lands there once released and not wherever the
    /// balance happens to put a free unit (possibly back on its old worker, a pointless
    /// restart). Lost on a restart of the operator: then released units are placed afresh.
    pub move_targets:
        Arc<std::sync::Mutex<std::collections::BTreeMap<String, assignment::Assignment>>>,
}

/// The HTTP routes: `/metrics` (Prometheus text), `/healthz` (the process serves),
/// `/readyz` (the API server has answered a lease round-trip).
pub fn router(state: State) -> Router {
    Router::new()
        .route("/metrics", get(metrics_handler))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready_handler))
        .with_state(state)
}

async fn metrics_handler(AxumState(state): AxumState<State>) -> String {
    state.metrics_text()
}

async fn ready_handler(AxumState(state): AxumState<State>) -> (StatusCode, &'static str) {
    if state.ready.load(Ordering::Relaxed) {
        (StatusCode::OK, "ok")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "not ready")
    }
}

/// How long the operator may take to stop once `shutdown` completed: the reconciles in
/// flight finish and the lease is released within it, or are dropped.
///
/// The bound is needed because a kube-runtime controller stopped before its watch stores
/// are ready never ends: `graceful_shutdown_on` stops polling its trigger stream without
/// dropping it, the stream owns the store's writer, and the scheduler waits for that
/// store forever. An API server that never answers holds the lease calls the same way.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Waits for the leader lease, then runs the controllers until `shutdown` completes
/// (then releases the lease and returns `Ok`) or leadership is lost (returns
/// [`Error::LeadershipLost`]: the caller exits so the pod restarts as a candidate).
/// Returns at most [`SHUTDOWN_GRACE`] after `shutdown` completed, whatever the API server
/// does.
pub async fn run(
    state: State,
    client: Client,
    config: OperatorConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let shutdown = shutdown.shared();
    let outcome = within_grace_of(
        shutdown.clone(),
        lead(state.clone(), client, config, shutdown),
    )
    .await;
    outcome.unwrap_or_else(|| {
        tracing::warn!(grace = ?SHUTDOWN_GRACE, "the operator did not stop in time; leaving");
        state.leader.store(false, Ordering::Relaxed);
        Ok(())
    })
}

/// Runs `work` to its end, or until [`SHUTDOWN_GRACE`] after `stop` completed (then drops
/// it and returns `None`).
async fn within_grace_of<T>(
    stop: impl Future<Output = ()>,
    work: impl Future<Output = T>,
) -> Option<T> {
    let deadline = async {
        stop.await;
        tokio::time::sleep(SHUTDOWN_GRACE).await;
    };
    tokio::select! {
        outcome = work => Some(outcome),
        () = deadline => None,
    }
}

/// [`run`] without the bound on its shutdown.
async fn lead(
    state: State,
    client: Client,
    config: OperatorConfig,
    shutdown: impl Future<Output = ()> + Clone + Send + Sync + 'static,
) -> Result<()> {
    let leases: Api<Lease> = Api::namespaced(client.clone(), &config.lease_namespace);
    let elector = Arc::new(LeaseElector::new(
        leases,
        &config.lease_name,
        &config.identity,
        config.lease_timing,
    ));

    // A standby is healthy and ready once it can talk to the API server.
    let probe = elector.try_acquire_or_renew().await?;
    state.ready.store(true, Ordering::Relaxed);
    if !probe {
        tracing::info!(lease = %config.lease_name, "waiting for the leader lease");
        tokio::select! {
            () = elector.acquire() => {}
            () = shutdown.clone() => return Ok(()),
        }
    }
    state.leader.store(true, Ordering::Relaxed);
    tracing::info!(identity = %config.identity, "leading");

    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let lost = Arc::new(AtomicBool::new(false));
    let watchdog = tokio::spawn({
        let elector = elector.clone();
        let lost = lost.clone();
        let shutdown = shutdown.clone();
        async move {
            tokio::select! {
                () = elector.hold() => lost.store(true, Ordering::Relaxed),
                () = shutdown => {}
            }
            let _ = stop_tx.send(());
        }
    });

    run_controllers(
        state.context(client.clone(), &config),
        &config,
        stop_rx.map(|_| ()),
    )
    .await;
    watchdog.abort();
    state.leader.store(false, Ordering::Relaxed);
    if lost.load(Ordering::Relaxed) {
        return Err(Error::LeadershipLost(config.lease_name));
    }
    elector.release().await
}

async fn run_controllers(
    ctx: Arc<Context>,
    config: &OperatorConfig,
    stop: impl Future<Output = ()> + Send + Sync + 'static,
) {
    let client = ctx.client.clone();
    fn api<K>(client: &Client, namespace: Option<&str>) -> Api<K>
    where
        K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope>,
        K::DynamicType: Default,
    {
        match namespace {
            Some(ns) => Api::namespaced(client.clone(), ns),
            None => Api::all(client.clone()),
        }
    }
    let ns = config.watch_namespace.as_deref();
    let stop = stop.shared();
    let assignments = run_assignment(ctx.clone(), ns, stop.clone());
    let unbound = run_unbound(ctx.clone(), ns, stop.clone());
    let children = watcher::Config::default().labels(CLUSTER_LABEL);
    let resources = Controller::new(api::<KafkaConnect>(&client, ns), watcher::Config::default())
        .owns(api::<StatefulSet>(&client, ns), children.clone())
        .owns(api::<ConfigMap>(&client, ns), children.clone())
        .owns(api::<Service>(&client, ns), children)
        // A connector's `${secrets:..}` references shape its cluster's Role.
        .watches(
            api::<KafkaConnector>(&client, ns),
            watcher::Config::default().labels(CLUSTER_LABEL),
            |connector| {
                let namespace = connector.namespace();
                connector.labels().get(CLUSTER_LABEL).map(|cluster| {
                    ObjectRef::new(cluster).within(namespace.as_deref().unwrap_or_default())
                })
            },
        )
        .graceful_shutdown_on(stop.clone())
        .run(connect::reconcile, connect::error_policy, ctx)
        .for_each(|outcome| async move {
            if let Err(error) = outcome {
                tracing::debug!(%error, "reconcile did not complete");
            }
        });
    let all = async {
        futures::join!(resources, assignments, unbound);
    };
    if within_grace_of(stop, all).await.is_none() {
        tracing::warn!(grace = ?SHUTDOWN_GRACE, "controllers did not stop in time; dropped them");
    }
}

/// The reconciler of connectors without a cluster: every `KafkaConnector`, woken also when
/// a `KafkaConnect` appears or goes (mapped to the connectors that name it).
fn run_unbound(
    ctx: Arc<Context>,
    ns: Option<&str>,
    stop: impl Future<Output = ()> + Send + Sync + 'static,
) -> impl Future<Output = ()> {
    let client = ctx.client.clone();
    let (connectors, connects) = match ns {
        Some(ns) => (
            Api::<KafkaConnector>::namespaced(client.clone(), ns),
            Api::<KafkaConnect>::namespaced(client, ns),
        ),
        None => (Api::all(client.clone()), Api::all(client)),
    };
    let controller = Controller::new(connectors, watcher::Config::default());
    let store = controller.store();
    controller
        .watches(connects, watcher::Config::default(), move |connect| {
            let (name, namespace) = (connect.name_any(), connect.namespace());
            store
                .state()
                .into_iter()
                .filter(|c| {
                    c.namespace() == namespace && c.labels().get(CLUSTER_LABEL) == Some(&name)
                })
                .map(|c| ObjectRef::from_obj(&*c))
                .collect::<Vec<_>>()
        })
        .graceful_shutdown_on(stop)
        .run(unbound::reconcile, unbound::error_policy, ctx)
        .for_each(|outcome| async move {
            if let Err(error) = outcome {
                tracing::debug!(%error, "unbound connector check did not complete");
            }
        })
}

/// The connector assignment controller: one reconcile per `KafkaConnect` cluster, woken by
/// its connectors and its workers' Leases, and periodically (leases expire silently).
fn run_assignment(
    ctx: Arc<Context>,
    ns: Option<&str>,
    stop: impl Future<Output = ()> + Send + Sync + 'static,
) -> impl Future<Output = ()> {
    let client = ctx.client.clone();
    let to_cluster = |labels: &std::collections::BTreeMap<String, String>,
                      namespace: Option<String>| {
        labels.get(CLUSTER_LABEL).map(|cluster| {
            ObjectRef::<KafkaConnect>::new(cluster).within(namespace.as_deref().unwrap_or_default())
        })
    };
    let (connects, connectors, leases) = match ns {
        Some(ns) => (
            Api::<KafkaConnect>::namespaced(client.clone(), ns),
            Api::<KafkaConnector>::namespaced(client.clone(), ns),
            Api::<Lease>::namespaced(client.clone(), ns),
        ),
        None => (
            Api::all(client.clone()),
            Api::all(client.clone()),
            Api::all(client),
        ),
    };
    Controller::new(connects, watcher::Config::default())
        .watches(
            connectors,
            watcher::Config::default().labels(CLUSTER_LABEL),
            move |c| to_cluster(c.labels(), c.namespace()),
        )
        .watches(
            leases,
            watcher::Config::default().labels(&format!(
                "{CLUSTER_LABEL},{}=worker",
                resources::COMPONENT_LABEL
            )),
            move |l| to_cluster(l.labels(), l.namespace()),
        )
        .graceful_shutdown_on(stop)
        .run(placement::reconcile, placement::error_policy, ctx)
        .for_each(|outcome| async move {
            if let Err(error) = outcome {
                tracing::debug!(%error, "connector assignment did not complete");
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn operator_config() -> OperatorConfig {
        OperatorConfig {
            watch_namespace: Some("ns".into()),
            lease_namespace: "ns".into(),
            lease_name: "tributary-operator".into(),
            identity: "me".into(),
            default_image: "tributary".into(),
            plugin_image: "tributary-jre".into(),
            lease_timing: LeaseTiming::default(),
        }
    }

    /// The standby-operator hang: controllers stopped before their watch stores are
    /// ready (here they never can be) used to wait for those stores forever.
    #[tokio::test]
    async fn controllers_stopped_before_their_stores_are_ready_still_stop() {
        let (client, server) = crate::fixtures::silent_api_server().await;
        let config = operator_config();
        let ctx = State::default().context(client, &config);
        let started = std::time::Instant::now();
        let stopped = tokio::time::timeout(
            SHUTDOWN_GRACE + Duration::from_secs(5),
            run_controllers(ctx, &config, std::future::ready(())),
        )
        .await;
        assert!(stopped.is_ok(), "run_controllers did not return after stop");
        assert!(started.elapsed() < SHUTDOWN_GRACE + Duration::from_secs(2));
        server.abort();
    }

    /// The whole operator, stopped while its first lease call hangs, returns too.
    #[tokio::test]
    async fn run_returns_within_the_grace_when_the_api_server_never_answers() {
        let (client, server) = crate::fixtures::silent_api_server().await;
        let stopped = tokio::time::timeout(
            SHUTDOWN_GRACE + Duration::from_secs(5),
            run(
                State::default(),
                client,
                operator_config(),
                std::future::ready(()),
            ),
        )
        .await;
        assert!(matches!(stopped, Ok(Ok(()))), "{stopped:?}");
        server.abort();
    }
}
