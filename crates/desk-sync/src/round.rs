//! One sync round (connect, measure the clock, `hello`, push, pull) and the loop that runs it by
//! itself: every few minutes, sooner when asked ("Sync now", a changed setting), and with a
//! short backoff while the server can't be reached, so sync resumes soon after the network
//! comes back.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use desk_core::settings;
use secrecy::SecretString;

use crate::client::{self, Target};
use crate::errors::SyncError;
use crate::pull::{self, PullReport};
use crate::push::{self, Faults, PushReport};
use crate::settings::SyncSettings;
use crate::state::{self, Local, Progress, SyncStatus};

/// Where the desk role's password comes from (the keyring, read when a round starts).
pub type PasswordSource = Arc<dyn Fn() -> Result<SecretString, SyncError> + Send + Sync>;

/// What a round did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoundReport {
    pub clock_offset_ms: i64,
    pub pushed: PushReport,
    pub pulled: PullReport,
}

pub struct Syncer {
    local: Local,
    password: PasswordSource,
    faults: Mutex<Option<Arc<dyn Faults>>>,
    /// The bound on each call to the server, in milliseconds.
    call_timeout_ms: std::sync::atomic::AtomicU64,
    running: AtomicBool,
    progress: Mutex<Option<Progress>>,
    /// One round at a time (the loop, "Sync now" and "Test connection" share it).
    round_lock: tokio::sync::Mutex<()>,
    wake: tokio::sync::Notify,
    stopped: AtomicBool,
}

impl std::fmt::Debug for Syncer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Syncer").field("running", &self.running).finish_non_exhaustive()
    }
}

/// The waits between failed rounds: quick at first, so a short outage is over soon after the
/// network returns, never more than the configured interval.
pub fn backoff(failures: u32, interval: Duration) -> Duration {
    let secs = 10u64.saturating_mul(1 << failures.min(6));
    Duration::from_secs(secs).min(interval).max(Duration::from_secs(5))
}

impl Syncer {
    pub fn new(local: Local, password: PasswordSource) -> Self {
        Syncer {
            local,
            password,
            faults: Mutex::new(None),
            call_timeout_ms: std::sync::atomic::AtomicU64::new(client::CALL_TIMEOUT.as_millis() as u64),
            running: AtomicBool::new(false),
            progress: Mutex::new(None),
            round_lock: tokio::sync::Mutex::new(()),
            wake: tokio::sync::Notify::new(),
            stopped: AtomicBool::new(false),
        }
    }

    /// A test's failpoints (production sets none).
    pub fn set_faults(&self, faults: Option<Arc<dyn Faults>>) {
        if let Ok(mut f) = self.faults.lock() {
            *f = faults;
        }
    }

    /// How long one call may wait for the server (a test of a silent network shortens it).
    pub fn set_call_timeout(&self, limit: Duration) {
        self.call_timeout_ms.store(limit.as_millis() as u64, Ordering::Relaxed);
    }

    pub fn settings(&self) -> Result<SyncSettings, SyncError> {
        Ok(self.local.db.with(|s| settings::load::<SyncSettings>(s.conn()))?)
    }

    fn target(&self) -> Result<Target, SyncError> {
        let s = self.settings()?;
        if !s.configured() {
            return Err(SyncError::NotConfigured);
        }
        let mut t = Target::from_settings(&s, (self.password)()?)?;
        t.timeout = Duration::from_millis(self.call_timeout_ms.load(Ordering::Relaxed));
        Ok(t)
    }

    /// One round: push first (the clinic's fold then includes this desk's latest), then pull.
    #[tracing::instrument(skip_all)]
    pub async fn round(&self) -> Result<RoundReport, SyncError> {
        let _one = self.round_lock.lock().await;
        self.running.store(true, Ordering::Relaxed);
        let result = self.round_inner().await;
        self.running.store(false, Ordering::Relaxed);
        if let Ok(mut p) = self.progress.lock() {
            *p = None;
        }
        let now = self.local.clock.now();
        match &result {
            Ok(_) => self.local.db.with(|s| state::record_ok(s.conn(), now))?,
            Err(SyncError::NotConfigured) => {}
            Err(e) => {
                tracing::warn!(code = e.code(), error = %e, "sync round failed");
                self.local.db.with(|s| state::record_error(s.conn(), e.code(), &e.to_string(), now))?;
            }
        }
        result
    }

    async fn round_inner(&self) -> Result<RoundReport, SyncError> {
        let target = self.target()?;
        let stored = self.local.db.with(|s| state::load(s.conn()))?;
        if let Some(seq) = stored.fork_seq {
            return Err(SyncError::Forked { seq });
        }
        let mut clinic = client::connect(&target).await?;
        let clock = self.local.clock.clone();
        let offset = clinic.clock_offset_ms(|| clock.now()).await?;
        self.local.journal.set_clock_offset_ms(offset);
        let device_id = self.local.journal.device_id().to_owned();
        let hello = clinic.hello(&device_id, offset).await?;
        let now = self.local.clock.now();
        self.local.db.with(|s| state::record_hello(s.conn(), &device_id, &hello.hospital_id, offset, now))?;
        if hello.forked {
            return Err(SyncError::Forked { seq: stored.fork_seq.unwrap_or(hello.acked_seq + 1) });
        }
        let faults = self.faults.lock().ok().and_then(|f| f.clone());
        let pushed = push::push(&clinic, &self.local, hello.acked_seq, hello.chain_hash.as_deref(), faults.as_deref()).await?;
        let progress = |p: Progress| {
            if let Ok(mut slot) = self.progress.lock() {
                *slot = Some(p);
            }
        };
        if let Some(f) = faults.as_deref() {
            f.at(push::FaultPoint::BeforePull)?;
        }
        let pulled = pull::pull(&mut clinic, &self.local, &progress).await?;
        Ok(RoundReport { clock_offset_ms: offset, pushed, pulled })
    }

    /// Connect with these settings and password, without saving them: what "Test connection"
    /// says. Registers the device with the clinic (harmless, and proves the role may).
    pub async fn test(&self, s: &SyncSettings, password: SecretString) -> Result<String, SyncError> {
        let mut target = Target::from_settings(s, password)?;
        target.timeout = Duration::from_millis(self.call_timeout_ms.load(Ordering::Relaxed));
        let clinic = client::connect(&target).await?;
        let clock = self.local.clock.clone();
        let offset = clinic.clock_offset_ms(|| clock.now()).await?;
        let hello = clinic.hello(self.local.journal.device_id(), offset).await?;
        Ok(format!(
            "Connected to {} as {}: the clinic has {} of this desk's events; clocks differ by {:.1} s.",
            target.host,
            target.role,
            hello.acked_seq,
            offset as f64 / 1000.0
        ))
    }

    pub fn status(&self) -> Result<SyncStatus, SyncError> {
        let configured = self.settings()?.configured();
        let device_id = self.local.journal.device_id().to_owned();
        let progress = self.progress.lock().ok().and_then(|p| *p);
        Ok(self.local.db.with(|s| {
            let st = state::load(s.conn())?;
            // The acknowledgement belongs to a device: after a new start it counts from 0.
            let acked = if st.device_id.as_deref() == Some(device_id.as_str()) { st.acked_seq } else { 0 };
            Ok(SyncStatus {
                configured,
                running: self.running.load(Ordering::Relaxed),
                last_ok_at: st.last_ok_at,
                last_attempt_at: st.last_attempt_at,
                last_error: st.last_error,
                last_error_code: st.last_error_code,
                error_since: st.error_since,
                events_waiting: state::waiting(s.conn(), &device_id, acked)?,
                clinic_people: desk_core::people::clinic::count(s.conn())?,
                unreadable: state::unreadable(s.conn())?.len() as i64,
                forked_at_seq: st.fork_seq,
                progress,
            })
        })?)
    }

    /// Run a round soon ("Sync now" without waiting, a changed setting, the network back).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// The loop: a round, then wait for the interval (or the backoff after a retryable
    /// failure), or until woken. Ends after [`Syncer::stop`].
    pub async fn run(self: Arc<Self>) {
        let mut failures = 0u32;
        while !self.stopped.load(Ordering::Relaxed) {
            let interval =
                self.settings().map(|s| Duration::from_secs(u64::from(s.sync_interval_minutes) * 60)).unwrap_or(Duration::from_secs(300));
            let wait = match self.round().await {
                Ok(_) => {
                    failures = 0;
                    interval
                }
                Err(e) if e.retryable() => {
                    failures += 1;
                    backoff(failures, interval)
                }
                Err(_) => interval,
            };
            if self.stopped.load(Ordering::Relaxed) {
                break;
            }
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// End the loop (the desk is closing).
    pub fn stop(&self) {
        self.stopped.store(true, Ordering::Relaxed);
        self.wake.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_quick_at_first_and_capped_by_the_interval() {
        let five = Duration::from_secs(300);
        assert_eq!(backoff(1, five), Duration::from_secs(20));
        assert_eq!(backoff(2, five), Duration::from_secs(40));
        assert_eq!(backoff(9, five), five);
        assert_eq!(backoff(3, Duration::from_secs(60)), Duration::from_secs(60));
    }
}
