//! Skinspire Verify Desk's core: the domain and the local store, with no Tauri and no network.
//!
//! Modules take what they use (a connection, a clock, randomness, secrets, the device id,
//! settings) as arguments; none reaches up to the layers above (delivery, sync, the facade).
//! Each table's SQL lives in the module that owns it (see docs/development.md).

// Lowest first (layers.toml): each module imports only those above it in this list.
pub mod backup;
pub mod channel;
pub mod clock;
pub mod codes;
pub mod consent;
pub mod contact;
pub mod error;
pub mod events;
pub mod language;
pub mod logging;
pub mod outbox;
pub mod paths;
pub mod people;
pub mod sample;
pub mod secrets;
pub mod settings;
pub mod staff;
pub mod status;
pub mod store;
pub mod templates;
pub mod verify;

#[cfg(test)]
mod test_support;

pub use error::{Error, ErrorCode, PublicError, Result};
pub use paths::AppPaths;

/// The app's reverse-DNS identifier; the per-user data folder is named after it.
pub const APP_IDENTIFIER: &str = "in.skinspire.verifydesk";
/// The window and product name.
pub const APP_NAME: &str = "Skinspire Verify Desk";
/// The version of this build.
pub const APP_VERSION: &str = env!("CARGO_PKG_VERSION");
