//! Secrets live in the OS keyring only: Secret Service on Linux, Credential Manager on Windows,
//! Keychain on macOS. In memory they are `secrecy` types, which redact on Debug and cannot be
//! serialized, so a secret can't slip into a log line or an IPC response by accident.

use std::sync::{mpsc, Arc};
use std::time::Duration;

use keyring_core::{CredentialStore, Error as KeyringError};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

mod platform;
use platform::platform_store;

/// The keyring "service" under which every item of this app is filed.
pub const KEYRING_SERVICE: &str = "in.skinspire.verifydesk";

/// A keyring call that takes longer than this is treated as unavailable: a locked keyring can sit
/// waiting for an unlock prompt nobody will answer, and the desk must not freeze on it.
pub const KEYRING_TIMEOUT: Duration = Duration::from_secs(5);

/// Why the keyring can't be used, in terms the UI and the admin can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretsError {
    #[error("no system keyring is available: {0}")]
    Unavailable(String),
    #[error("the system keyring is locked: {0}")]
    Locked(String),
    #[error("the system keyring did not answer in time")]
    TimedOut,
    #[error("the system keyring refused the request: {0}")]
    Failed(String),
}

impl SecretsError {
    pub fn user_message(&self) -> &'static str {
        match self {
            SecretsError::Unavailable(_) => {
                "No system keyring is running, so the clinic's saved passwords can't be used: messages \
                 wait. Start the desktop's keyring (GNOME Keyring or KWallet) or ask your \
                 administrator, then restart the app."
            }
            SecretsError::Locked(_) => {
                "The system keyring is locked. Unlock it (sign out of the computer and in again): \
                 messages waiting for it then go by themselves."
            }
            SecretsError::TimedOut => {
                "The system keyring did not answer. It may be waiting to be unlocked: unlock it, \
                 and messages waiting for it then go by themselves."
            }
            SecretsError::Failed(_) => {
                "The system keyring refused to save or read a password. Ask your administrator \
                 to check the log files."
            }
        }
    }
}

/// Map keyring-core's errors onto what a person can do about them.
fn classify(err: &KeyringError) -> SecretsError {
    match err {
        KeyringError::NoStorageAccess(e) => SecretsError::Locked(e.to_string()),
        KeyringError::NoDefaultStore => SecretsError::Unavailable(err.to_string()),
        KeyringError::PlatformFailure(e) => {
            let detail = e.to_string();
            // zbus reports a missing bus or a bus without a Secret Service provider as platform
            // failures; both mean "there is no keyring here", not "the keyring broke".
            let lower = detail.to_ascii_lowercase();
            if ["serviceunknown", "connection", "no such file", "not provided by any", "address"].iter().any(|m| lower.contains(m)) {
                SecretsError::Unavailable(detail)
            } else {
                SecretsError::Failed(detail)
            }
        }
        other => SecretsError::Failed(other.to_string()),
    }
}

/// Whether the keyring can be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, strum::IntoStaticStr, specta::Type)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum KeyringState {
    Ok,
    Unavailable,
    Locked,
    Error,
}

impl PartialEq<&str> for KeyringState {
    fn eq(&self, other: &&str) -> bool {
        <&'static str>::from(*self) == *other
    }
}

impl std::fmt::Display for KeyringState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str((*self).into())
    }
}

/// The health of the keyring as the status bar shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct KeyringStatus {
    pub state: KeyringState,
    /// Plain words: what is wrong and what to do. Empty when all is well.
    pub message: String,
    /// Which keyring this is (for the admin), e.g. "Secret Service".
    pub backend: String,
}

impl KeyringStatus {
    fn ok(backend: String) -> Self {
        KeyringStatus { state: KeyringState::Ok, message: String::new(), backend }
    }

    fn from_error(err: &SecretsError, backend: String) -> Self {
        let state = match err {
            SecretsError::Unavailable(_) => KeyringState::Unavailable,
            SecretsError::Locked(_) | SecretsError::TimedOut => KeyringState::Locked,
            SecretsError::Failed(_) => KeyringState::Error,
        };
        KeyringStatus { state, message: err.user_message().to_owned(), backend }
    }
}

/// The app's handle on the keyring. Cheap to clone: clones share one connection.
#[derive(Clone)]
pub struct Keyring {
    inner: Arc<Inner>,
}

struct Inner {
    store: std::sync::Mutex<Result<Arc<CredentialStore>, SecretsError>>,
    backend: String,
    /// How to connect afresh (the platform keyring); `None` for a store handed in.
    connect: Option<fn() -> Result<Arc<CredentialStore>, SecretsError>>,
    /// A call that outlived its timeout and still hasn't answered, if one has: (its number,
    /// when it started).
    stuck: std::sync::Mutex<Option<(u64, std::time::Instant)>>,
    generation: std::sync::atomic::AtomicU64,
}

/// A call that has waited this long is given up on: the connection is made afresh. An unlock
/// prompt that nobody answers (no one at the desk, or no display for it) can hold a Secret
/// Service call for ever, and every later call on the same connection behind it.
pub const KEYRING_STUCK_AFTER: Duration = Duration::from_secs(30);

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring").field("backend", &self.inner.backend).finish_non_exhaustive()
    }
}

impl Keyring {
    fn from_parts(
        store: Result<Arc<CredentialStore>, SecretsError>,
        backend: &str,
        connect: Option<fn() -> Result<Arc<CredentialStore>, SecretsError>>,
    ) -> Self {
        Keyring {
            inner: Arc::new(Inner {
                store: std::sync::Mutex::new(store),
                backend: backend.to_owned(),
                connect,
                stuck: std::sync::Mutex::new(None),
                generation: std::sync::atomic::AtomicU64::new(0),
            }),
        }
    }

    /// The platform's own keyring. Never fails: a missing keyring is remembered and reported by
    /// every call, so the desk still opens and can say what is wrong.
    pub fn system() -> Self {
        let (store, backend) = platform_store();
        if let Err(err) = &store {
            tracing::warn!(%err, "system keyring unavailable");
        }
        Keyring::from_parts(store, backend, Some(|| platform_store().0))
    }

    /// A keyring that can't be used, for the reason given (what `system()` yields on a machine
    /// without one; tests use it to prove the desk still works).
    pub fn unavailable(reason: SecretsError, backend: &str) -> Self {
        Keyring::from_parts(Err(reason), backend, None)
    }

    /// Any keyring-core store (tests use `keyring_core::mock`).
    pub fn with_store(store: Arc<CredentialStore>, backend: &str) -> Self {
        Keyring::from_parts(Ok(store), backend, None)
    }

    /// Run one keyring call on its own thread, at most [`KEYRING_TIMEOUT`]. While a call that
    /// timed out is still unanswered (a prompt waiting), new ones are refused at once: no second
    /// prompt, no pile of waiting threads. After [`KEYRING_STUCK_AFTER`] the connection is made
    /// afresh.
    fn call<T: Send + 'static>(
        &self,
        f: impl FnOnce(&CredentialStore) -> Result<T, SecretsError> + Send + 'static,
    ) -> Result<T, SecretsError> {
        use std::sync::atomic::Ordering;
        {
            let mut stuck = self.inner.stuck.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((_, since)) = *stuck {
                if since.elapsed() < KEYRING_STUCK_AFTER {
                    return Err(SecretsError::TimedOut);
                }
                // Stuck: leave that call to its thread and start again on a new connection.
                if let Some(connect) = self.inner.connect {
                    tracing::warn!("a keyring call has waited too long: connecting afresh");
                    *self.inner.store.lock().unwrap_or_else(|p| p.into_inner()) = connect();
                }
                *stuck = None;
            }
        }
        let store = self.inner.store.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let store = match store {
            Ok(s) => s,
            // The platform keyring was missing at start-up: it may have come since.
            Err(e) => match self.inner.connect.map(|connect| connect()) {
                Some(Ok(fresh)) => {
                    *self.inner.store.lock().unwrap_or_else(|p| p.into_inner()) = Ok(fresh.clone());
                    fresh
                }
                _ => return Err(e),
            },
        };
        let generation = self.inner.generation.fetch_add(1, Ordering::SeqCst) + 1;
        let started = std::time::Instant::now();
        let inner = self.inner.clone();
        let (tx, rx) = mpsc::sync_channel(1);
        std::thread::Builder::new()
            .name("keyring-call".into())
            .spawn(move || {
                let result = f(store.as_ref());
                // A late answer: whatever held this call (a prompt) is over.
                let mut stuck = inner.stuck.lock().unwrap_or_else(|p| p.into_inner());
                if stuck.is_some_and(|(g, _)| g == generation) {
                    *stuck = None;
                }
                drop(stuck);
                let _ = tx.send(result);
            })
            .map_err(|e| SecretsError::Failed(e.to_string()))?;
        match rx.recv_timeout(KEYRING_TIMEOUT) {
            Ok(result) => result,
            Err(_) => {
                let mut stuck = self.inner.stuck.lock().unwrap_or_else(|p| p.into_inner());
                // It may have answered just now, before the mark: then it isn't stuck.
                match rx.try_recv() {
                    Ok(result) => result,
                    Err(_) => {
                        stuck.get_or_insert((generation, started));
                        Err(SecretsError::TimedOut)
                    }
                }
            }
        }
    }

    /// Read a secret; `Ok(None)` when there is none under that name.
    pub fn get(&self, name: &str) -> Result<Option<SecretString>, SecretsError> {
        let name = name.to_owned();
        self.call(move |store| {
            let entry = store.build(KEYRING_SERVICE, &name, None).map_err(|e| classify(&e))?;
            match entry.get_password() {
                Ok(v) => Ok(Some(SecretString::from(v))),
                Err(KeyringError::NoEntry) => Ok(None),
                Err(e) => Err(classify(&e)),
            }
        })
    }

    pub fn set(&self, name: &str, value: &SecretString) -> Result<(), SecretsError> {
        let name = name.to_owned();
        let value = value.expose_secret().to_owned();
        self.call(move |store| {
            let entry = store.build(KEYRING_SERVICE, &name, None).map_err(|e| classify(&e))?;
            entry.set_password(&value).map_err(|e| classify(&e))
        })
    }

    /// Delete a secret; deleting one that isn't there is not an error.
    pub fn delete(&self, name: &str) -> Result<(), SecretsError> {
        let name = name.to_owned();
        self.call(move |store| {
            let entry = store.build(KEYRING_SERVICE, &name, None).map_err(|e| classify(&e))?;
            match entry.delete_credential() {
                Ok(()) | Err(KeyringError::NoEntry) => Ok(()),
                Err(e) => Err(classify(&e)),
            }
        })
    }

    /// Prove the keyring works end to end: write, read back and delete a throwaway item.
    /// Reading alone is not enough: a locked Secret Service still answers searches.
    #[tracing::instrument(skip(self))]
    pub fn probe(&self) -> KeyringStatus {
        // One item per probe: two desks, or two probes in one process, running at once must not
        // read back or delete each other's item.
        static PROBES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = PROBES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let item = format!("{PROBE_ITEM}-{}-{n}", std::process::id());
        let result = (|| {
            let marker = SecretString::from(format!("probe-{}", std::process::id()));
            self.set(&item, &marker)?;
            let back = self.get(&item)?;
            self.delete(&item)?;
            match back {
                Some(v) if v.expose_secret() == marker.expose_secret() => Ok(()),
                _ => Err(SecretsError::Failed("probe item did not read back".into())),
            }
        })();
        match result {
            Ok(()) => KeyringStatus::ok(self.inner.backend.clone()),
            Err(err) => {
                tracing::warn!(%err, "keyring probe failed");
                KeyringStatus::from_error(&err, self.inner.backend.clone())
            }
        }
    }
}

const PROBE_ITEM: &str = "health-probe";

#[cfg(test)]
mod tests {
    use super::*;

    fn mock() -> Keyring {
        let store = keyring_core::mock::Store::new().expect("mock store");
        Keyring::with_store(store, "mock")
    }

    #[test]
    fn secrets_round_trip_and_delete() {
        let k = mock();
        assert!(k.get("gmail").expect("get").is_none());
        k.set("gmail", &SecretString::from("app-password-123")).expect("set");
        assert_eq!(k.get("gmail").expect("get").expect("some").expose_secret(), "app-password-123");
        k.delete("gmail").expect("delete");
        k.delete("gmail").expect("deleting twice is fine");
        assert!(k.get("gmail").expect("get").is_none());
    }

    #[test]
    fn probe_of_a_working_store_is_ok() {
        let status = mock().probe();
        assert_eq!(status.state, KeyringState::Ok, "{status:?}");
        assert!(status.message.is_empty());
    }

    #[test]
    fn a_missing_store_is_reported_in_plain_words() {
        let k = Keyring::unavailable(SecretsError::Unavailable("ServiceUnknown".into()), "Secret Service");
        let status = k.probe();
        assert_eq!(status.state, KeyringState::Unavailable);
        assert!(status.message.contains("No system keyring is running"), "{}", status.message);
        assert!(!status.message.contains("ServiceUnknown"));
    }

    #[test]
    fn errors_are_classified_by_what_a_person_can_do() {
        let locked = KeyringError::NoStorageAccess("collection is locked".into());
        assert!(matches!(classify(&locked), SecretsError::Locked(_)));
        let no_bus = KeyringError::PlatformFailure("org.freedesktop.DBus.Error.ServiceUnknown: The name is not activatable".into());
        assert!(matches!(classify(&no_bus), SecretsError::Unavailable(_)));
        assert!(matches!(classify(&KeyringError::NoDefaultStore), SecretsError::Unavailable(_)));
        let odd = KeyringError::Invalid("user".into(), "too long".into());
        assert!(matches!(classify(&odd), SecretsError::Failed(_)));
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let s = SecretString::from("app-password-123");
        assert!(!format!("{s:?}").contains("app-password-123"));
    }
}
