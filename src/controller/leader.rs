//! Leader election on a `coordination.k8s.io/v1` Lease, so two operator replicas are safe.
//!
//! kube-runtime 5 ships no leader elector, and the third-party ones pin their own kube
//! versions (a second kube in the tree), so this is the small client-go recipe: create or
//! take over the Lease with optimistic concurrency (`resourceVersion`), renew it, and give
//! up leadership when a renewal has not succeeded within the renew deadline. Expiry of
//! another holder's lease is judged by *our* clock from when we last saw its record change
//! (as client-go does), so clock skew between replicas does not matter.

use std::time::Duration;

use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use k8s_openapi::jiff::Timestamp;
use kube::api::{Api, PostParams};
use tokio::sync::Mutex;
use tokio::time::Instant;

use super::Result;

/// Timing of the election: its default is client-go's.
pub use crate::api::LeaseTiming;

/// One candidate for one Lease.
pub struct LeaseElector {
    api: Api<Lease>,
    name: String,
    identity: String,
    timing: LeaseTiming,
    /// The other holder's record (holder, renew time) and when we first saw it.
    observed: Mutex<Option<(String, Option<MicroTime>, Instant)>>,
}

impl LeaseElector {
    /// A candidate called `identity` for the Lease `name` behind `api`.
    pub fn new(api: Api<Lease>, name: &str, identity: &str, timing: LeaseTiming) -> Self {
        LeaseElector {
            api,
            name: name.into(),
            identity: identity.into(),
            timing,
            observed: Mutex::new(None),
        }
    }

    /// This candidate's identity (the `holderIdentity` it writes).
    pub fn identity(&self) -> &str {
        &self.identity
    }

    /// One round: creates, renews or takes over the Lease. True when we hold it afterwards;
    /// false when someone else holds a fresh lease or won a race; errors are API failures.
    pub async fn try_acquire_or_renew(&self) -> Result<bool> {
        let now = MicroTime(Timestamp::now());
        let Some(mut lease) = self.api.get_opt(&self.name).await? else {
            let lease = Lease {
                metadata: ObjectMeta {
                    name: Some(self.name.clone()),
                    ..ObjectMeta::default()
                },
                spec: Some(self.spec_for_us(now.clone(), now, 0)),
            };
            return self.write(self.api.create(&PostParams::default(), &lease).await);
        };
        let spec = lease.spec.clone().unwrap_or_default();
        let holder = spec.holder_identity.clone().unwrap_or_default();
        let new_spec = if holder == self.identity {
            LeaseSpec {
                renew_time: Some(now),
                ..spec
            }
        } else {
            if !holder.is_empty() && !self.other_holder_expired(&holder, &spec).await {
                return Ok(false);
            }
            let transitions = spec.lease_transitions.unwrap_or(0) + 1;
            self.spec_for_us(now.clone(), now, transitions)
        };
        lease.spec = Some(new_spec);
        // `replace` sends the resourceVersion we read: a concurrent writer makes it 409.
        self.write(
            self.api
                .replace(&self.name, &PostParams::default(), &lease)
                .await,
        )
    }

    /// Waits until this candidate holds the Lease.
    pub async fn acquire(&self) {
        loop {
            match self.try_acquire_or_renew().await {
                Ok(true) => return,
                Ok(false) => {}
                Err(error) => {
                    tracing::warn!(%error, "leader election: cannot read or write the lease")
                }
            }
            tokio::time::sleep(self.timing.retry_period).await;
        }
    }

    /// Renews the Lease until a renewal fails for longer than the renew deadline or
    /// another holder took it; returns then (leadership is lost).
    pub async fn hold(&self) {
        let mut last_renewal = Instant::now();
        loop {
            tokio::time::sleep(self.timing.retry_period).await;
            match self.try_acquire_or_renew().await {
                Ok(true) => last_renewal = Instant::now(),
                Ok(false) => {
                    tracing::error!("leader election: another candidate holds the lease");
                    return;
                }
                Err(error) => {
                    tracing::warn!(%error, "leader election: renewal failed");
                    if last_renewal.elapsed() >= self.timing.renew_deadline {
                        tracing::error!("leader election: could not renew within the deadline");
                        return;
                    }
                }
            }
        }
    }

    /// Clears the holder so a standby takes over at once (on a clean shutdown).
    pub async fn release(&self) -> Result<()> {
        let Some(mut lease) = self.api.get_opt(&self.name).await? else {
            return Ok(());
        };
        let Some(spec) = lease.spec.as_mut() else {
            return Ok(());
        };
        if spec.holder_identity.as_deref() != Some(&self.identity) {
            return Ok(());
        }
        spec.holder_identity = None;
        spec.lease_duration_seconds = Some(1);
        self.api
            .replace(&self.name, &PostParams::default(), &lease)
            .await?;
        Ok(())
    }

    fn spec_for_us(&self, acquired: MicroTime, renewed: MicroTime, transitions: i32) -> LeaseSpec {
        LeaseSpec {
            holder_identity: Some(self.identity.clone()),
            lease_duration_seconds: Some(self.timing.duration.as_secs() as i32),
            acquire_time: Some(acquired),
            renew_time: Some(renewed),
            lease_transitions: Some(transitions),
            ..LeaseSpec::default()
        }
    }

    /// True once the other holder's record has not changed for its lease duration.
    async fn other_holder_expired(&self, holder: &str, spec: &LeaseSpec) -> bool {
        let duration = spec
            .lease_duration_seconds
            .map_or(self.timing.duration, |s| {
                Duration::from_secs(s.max(0) as u64)
            });
        let mut observed = self.observed.lock().await;
        match observed.as_ref() {
            Some((seen_holder, seen_renewal, since))
                if seen_holder == holder && *seen_renewal == spec.renew_time =>
            {
                since.elapsed() >= duration
            }
            _ => {
                *observed = Some((holder.to_string(), spec.renew_time.clone(), Instant::now()));
                false
            }
        }
    }

    fn write(&self, outcome: kube::Result<Lease>) -> Result<bool> {
        match outcome {
            Ok(_) => Ok(true),
            Err(kube::Error::Api(status)) if status.code == 409 => Ok(false),
            Err(error) => Err(error.into()),
        }
    }
}
