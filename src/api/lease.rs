//! Timing of the two `coordination.k8s.io/v1` Leases Tributary holds: the operator's
//! leader election and each worker's membership. Both are the same three numbers with
//! the same meaning (client-go's): how long a renewal is trusted, how long the holder may
//! go without a successful renewal before it gives up, and the pause between attempts.

use std::time::Duration;

/// Timing of a Lease. The default is client-go's leader election (the operator); the
/// workers use [`LeaseTiming::membership`].
#[derive(Clone, Copy, Debug)]
pub struct LeaseTiming {
    /// `leaseDurationSeconds`: how long a lease is valid after its last renewal.
    pub duration: Duration,
    /// The holder gives up (the leader steps down, a worker fences itself and stops its
    /// tasks) when it could not renew for this long. Shorter than `duration`, so it
    /// stops before anyone else sees the lease expire.
    pub renew_deadline: Duration,
    /// Pause between attempts, for candidates and for the holder's renewals.
    pub retry_period: Duration,
}

impl Default for LeaseTiming {
    fn default() -> Self {
        LeaseTiming {
            duration: Duration::from_secs(15),
            renew_deadline: Duration::from_secs(10),
            retry_period: Duration::from_secs(2),
        }
    }
}

impl LeaseTiming {
    /// A worker's membership lease: shorter than the election's, so a dead worker's
    /// tasks move sooner.
    pub fn membership() -> Self {
        LeaseTiming {
            duration: Duration::from_secs(10),
            renew_deadline: Duration::from_secs(7),
            retry_period: Duration::from_secs(2),
        }
    }
}
