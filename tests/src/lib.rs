//! Shared harness for the integration and end-to-end tests.
//!
//! End-to-end tests drive the real app window: each launch starts its own `tauri-driver`
//! (which starts WebKitWebDriver, which starts the app) with an environment of the test's
//! choosing, so a test can give the app a fresh data folder or a D-Bus bus with no keyring.
//! The tests need a display (`make test` runs them under Xvfb) and the app binary already built.

pub mod app;
pub mod dbus;
pub mod house;
pub mod pg;
pub mod proxy;
pub mod services;
pub mod sync_desk;

use std::path::PathBuf;

/// The workspace root (this crate lives in `tests/`).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."))
}

/// `target/` — honouring CARGO_TARGET_DIR like cargo does.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| workspace_root().join("target"))
}

/// Where screenshots for people to inspect are written.
pub fn screenshot_dir() -> PathBuf {
    target_dir().join("e2e-screenshots")
}

/// A free TCP port on loopback (bound and released; fine for a test harness).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free port on loopback: {e}"))
}
