//! Reconcile metrics in a `tributary_operator`-prefixed registry: counts, failures by
//! error label, and a duration histogram fed by a drop guard.

use std::sync::Arc;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use tokio::time::Instant;

/// Labels of a reconcile of one kind.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct KindLabels {
    /// The resource kind (`KafkaConnect`).
    pub kind: String,
}

/// Labels of a failed reconcile.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct FailureLabels {
    /// The resource kind (`KafkaConnect`).
    pub kind: String,
    /// [`super::Error::metric_label`] of the failure.
    pub error: String,
}

/// The operator's metrics and the registry they are exported from.
#[derive(Clone)]
pub struct Metrics {
    /// Reconciliations started.
    pub reconciliations: Family<KindLabels, Counter>,
    /// Reconciliations that failed, by error label.
    pub failures: Family<FailureLabels, Counter>,
    /// Duration of reconciliations in seconds.
    pub duration: Family<KindLabels, Histogram>,
    /// The registry `/metrics` encodes.
    pub registry: Arc<Registry>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("tributary_operator");
        let reconciliations = Family::<KindLabels, Counter>::default();
        let failures = Family::<FailureLabels, Counter>::default();
        let duration = Family::<KindLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.005, 2.0, 12))
        });
        registry.register(
            "reconciliations",
            "Reconciliations started",
            reconciliations.clone(),
        );
        registry.register(
            "reconcile_failures",
            "Reconciliations that failed, by error",
            failures.clone(),
        );
        registry.register(
            "reconcile_duration_seconds",
            "Duration of reconciliations",
            duration.clone(),
        );
        Metrics {
            reconciliations,
            failures,
            duration,
            registry: Arc::new(registry),
        }
    }
}

impl Metrics {
    /// Counts a reconcile of `kind` and returns a guard that records its duration on drop.
    pub fn reconcile_started(&self, kind: &str) -> ReconcileTimer {
        let labels = KindLabels { kind: kind.into() };
        self.reconciliations.get_or_create(&labels).inc();
        ReconcileTimer {
            start: Instant::now(),
            histogram: self.duration.get_or_create(&labels).clone(),
        }
    }

    /// Counts a failed reconcile of `kind`.
    pub fn reconcile_failed(&self, kind: &str, error: &super::Error) {
        self.failures
            .get_or_create(&FailureLabels {
                kind: kind.into(),
                error: error.metric_label().into(),
            })
            .inc();
    }

    /// The registry in Prometheus text format.
    pub fn encode(&self) -> Result<String, std::fmt::Error> {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)?;
        Ok(out)
    }
}

/// Records the time from its creation to its drop.
pub struct ReconcileTimer {
    start: Instant,
    histogram: Histogram,
}

impl Drop for ReconcileTimer {
    fn drop(&mut self) {
        self.histogram.observe(self.start.elapsed().as_secs_f64());
    }
}
