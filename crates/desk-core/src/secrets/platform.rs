//! Which keyring store this platform uses: the one place a port to another OS changes. Linux
//! and the BSDs: the Secret Service over D-Bus (GNOME Keyring, KWallet, KeePassXC); Windows: the
//! Credential Manager; macOS: the login Keychain. `scripts/check-platforms.sh` checks that each
//! target's store crate resolves.

#[cfg(all(unix, not(any(target_os = "macos", target_os = "ios", target_os = "android"))))]
use std::sync::mpsc;
use std::sync::Arc;

use keyring_core::CredentialStore;

#[cfg(all(unix, not(any(target_os = "macos", target_os = "ios", target_os = "android"))))]
use super::KEYRING_TIMEOUT;
use super::{classify, SecretsError};

/// Run a call on its own thread so a hung D-Bus call cannot hang the caller (connecting).
#[cfg(all(unix, not(any(target_os = "macos", target_os = "ios", target_os = "android"))))]
fn with_timeout<T: Send + 'static>(f: impl FnOnce() -> Result<T, SecretsError> + Send + 'static) -> Result<T, SecretsError> {
    let (tx, rx) = mpsc::sync_channel(1);
    std::thread::Builder::new()
        .name("keyring-call".into())
        .spawn(move || {
            let _ = tx.send(f());
        })
        .map_err(|e| SecretsError::Failed(e.to_string()))?;
    rx.recv_timeout(KEYRING_TIMEOUT).unwrap_or(Err(SecretsError::TimedOut))
}

#[cfg(all(unix, not(any(target_os = "macos", target_os = "ios", target_os = "android"))))]
pub(super) fn platform_store() -> (Result<Arc<CredentialStore>, SecretsError>, &'static str) {
    let store =
        with_timeout(|| zbus_secret_service_keyring_store::Store::new().map(|s| s as Arc<CredentialStore>).map_err(|e| classify(&e)));
    (store, "Secret Service")
}

#[cfg(target_os = "windows")]
pub(super) fn platform_store() -> (Result<Arc<CredentialStore>, SecretsError>, &'static str) {
    let store = windows_native_keyring_store::Store::new().map(|s| s as Arc<CredentialStore>).map_err(|e| classify(&e));
    (store, "Windows Credential Manager")
}

#[cfg(target_os = "macos")]
pub(super) fn platform_store() -> (Result<Arc<CredentialStore>, SecretsError>, &'static str) {
    let store = apple_native_keyring_store::keychain::Store::new().map(|s| s as Arc<CredentialStore>).map_err(|e| classify(&e));
    (store, "macOS Keychain")
}
