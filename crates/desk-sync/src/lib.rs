//! Sync with the clinic's PostgreSQL (docs/sync-protocol.md): pull the clinic's people and staff
//! into the desk's store, push the desk's events to the clinic, over TLS with the desk's own login
//! role, whose only right is to execute the `desk_sync` functions.
//!
//! Like delivery, this crate is handed what it uses (the store handle, the journal, the clock,
//! the password) and never reaches up to the facade.

// Lowest first (layers.toml).
pub mod client;
pub mod clinic_row;
pub mod errors;
pub mod pull;
pub mod push;
pub mod round;
pub mod settings;
pub mod state;
pub mod tls;

pub use errors::SyncError;
pub use round::{RoundReport, Syncer};
pub use settings::SyncSettings;
pub use state::{Local, Progress, SyncStatus};
