//! How long start-up took to a screen someone can use: the window reports the moment its first
//! field has focus, and that is logged once per run with the time since the process began (what
//! `scripts/bench-startup.py` reads, and what an admin looking at a slow desk wants to know).

use std::sync::OnceLock;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde::Deserialize;

static STARTED: OnceLock<Instant> = OnceLock::new();
static REPORTED: OnceLock<()> = OnceLock::new();

/// The first screen the window can show with a field ready to type in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, specta::Type, strum::IntoStaticStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum FirstScreen {
    SignIn,
    Setup,
}

/// Called first thing in `run`.
pub fn began() {
    let _ = STARTED.set(Instant::now());
}

/// The window's first usable screen: logged the first time only (a sign-out shows sign-in again).
pub fn ready(screen: FirstScreen) {
    if REPORTED.set(()).is_err() {
        return;
    }
    let since_start_ms = STARTED.get().map(|t| t.elapsed().as_secs_f64() * 1000.0);
    let unix_ms = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
    tracing::info!(screen = <&str>::from(screen), since_start_ms, unix_ms = unix_ms as u64, "first screen usable");
}
