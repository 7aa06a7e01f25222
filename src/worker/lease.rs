//! The worker's membership Lease: named after the pod, labelled with its cluster, renewed
//! by server-side apply. The controller counts the worker as alive while
//! `renewTime + leaseDurationSeconds` lies ahead. When renewals keep failing, the holder
//! reports itself *fenced* before the lease would expire, so the worker stops its tasks
//! before the controller can hand them to someone else.

use std::collections::BTreeMap;

use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
use k8s_openapi::jiff::Timestamp;
use kube::api::{Api, Patch, PatchParams};
use serde_json::json;
use tokio::sync::watch;
use tokio::time::Instant;

use super::metrics::WorkerMetrics;
/// Timing of the membership lease ([`LeaseTiming::membership`]): `renew_deadline` is
/// how long the worker goes without a successful renewal before it fences itself.
pub use crate::api::LeaseTiming;
use crate::api::selector_labels;

/// Holds one worker's membership Lease.
pub struct MembershipLease {
    api: Api<Lease>,
    name: String,
    cluster: String,
    field_manager: String,
    timing: LeaseTiming,
}

impl MembershipLease {
    /// The Lease `pod` (holder `pod`) of `cluster`, written with `field_manager`.
    pub fn new(
        api: Api<Lease>,
        pod: &str,
        cluster: &str,
        field_manager: &str,
        timing: LeaseTiming,
    ) -> Self {
        MembershipLease {
            api,
            name: pod.to_owned(),
            cluster: cluster.to_owned(),
            field_manager: field_manager.to_owned(),
            timing,
        }
    }

    /// Creates or renews the Lease once.
    pub async fn renew(&self) -> kube::Result<()> {
        let labels: BTreeMap<String, String> = selector_labels(&self.cluster);
        let lease = json!({
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": { "name": self.name, "labels": labels },
            "spec": {
                "holderIdentity": self.name,
                "leaseDurationSeconds": self.timing.duration.as_secs(),
                "renewTime": MicroTime(Timestamp::now()),
            },
        });
        self.api
            .patch(
                &self.name,
                &PatchParams::apply(&self.field_manager).force(),
                &Patch::Apply(&lease),
            )
            .await?;
        Ok(())
    }

    /// Renews forever. `held` turns true after each renewal and false once no renewal has
    /// succeeded within `renew_deadline`: then the worker must stop everything it runs.
    /// Renewals, failures and fencings are counted in `metrics`.
    pub async fn hold(&self, held: watch::Sender<bool>, metrics: &WorkerMetrics) {
        let mut last_renewal: Option<Instant> = None;
        loop {
            // A hanging API call counts as a failure too, so fencing is never late.
            let outcome = tokio::time::timeout(self.timing.retry_period, self.renew())
                .await
                .unwrap_or_else(|_| Err(kube::Error::Service("lease renewal timed out".into())));
            match outcome {
                Ok(()) => {
                    metrics.lease_renewals.inc();
                    last_renewal = Some(Instant::now());
                    held.send_if_modified(|h| !std::mem::replace(h, true));
                }
                Err(error) => {
                    metrics.lease_renewal_failures.inc();
                    tracing::warn!(%error, lease = %self.name, "cannot renew the membership lease");
                    let overdue =
                        last_renewal.is_none_or(|t| t.elapsed() >= self.timing.renew_deadline);
                    if overdue && held.send_if_modified(|h| std::mem::replace(h, false)) {
                        metrics.fenced.inc();
                        tracing::error!(
                            lease = %self.name,
                            "membership lease not renewed in time: stopping all tasks"
                        );
                    }
                }
            }
            tokio::time::sleep(self.timing.retry_period).await;
        }
    }

    /// Marks the Lease expired on a clean shutdown (renewed an hour ago), so the controller
    /// reassigns at once. A patch rather than a delete: the workers' Role grants no delete.
    pub async fn release(&self) -> kube::Result<()> {
        let long_ago = Timestamp::now()
            .checked_sub(k8s_openapi::jiff::SignedDuration::from_hours(1))
            .unwrap_or_else(|_| Timestamp::now());
        let lease = json!({
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": { "name": self.name, "labels": selector_labels(&self.cluster) },
            "spec": {
                "holderIdentity": self.name,
                "leaseDurationSeconds": self.timing.duration.as_secs(),
                "renewTime": MicroTime(long_ago),
            },
        });
        self.api
            .patch(
                &self.name,
                &PatchParams::apply(&self.field_manager).force(),
                &Patch::Apply(&lease),
            )
            .await?;
        Ok(())
    }
}
