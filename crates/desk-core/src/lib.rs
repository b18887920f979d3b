//! Skinspire Verify Desk's core: everything the desk does, with no Tauri in sight.
//!
//! The Tauri shell (`src-tauri`) holds one [`Desk`] in its state and turns each command into a
//! one-line call here; tests drive the same API directly.

pub mod clock;
pub mod codes;
pub mod contact;
pub mod delivery;
pub mod error;
pub mod events;
pub mod logging;
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

pub mod desk;

pub use desk::Desk;
pub use error::{Error, ErrorCode, PublicError, Result};
pub use paths::AppPaths;

/// The app's reverse-DNS identifier; the per-user data folder is named after it.
pub const APP_IDENTIFIER: &str = "in.skinspire.verifydesk";
/// The window and product name.
pub const APP_NAME: &str = "Skinspire Verify Desk";
/// The version of this build.
pub const APP_VERSION: &str = env!("CARGO_PKG_VERSION");
