//! Skinspire Verify Desk's facade: the one [`Desk`] the shell holds. It composes the core
//! (store, verification, staff), delivery and sync, and hands each the dependencies it
//! takes; nothing below it knows it exists. Tests and benchmarks drive the desk through it.

pub mod backups;
pub mod desk;
pub mod sync;

pub use backups::{Backups, Reenter, ReenterItem, RestoreReport};
pub use desk::{setting_defs, AllSettings, CentralSetting, CheckResult, Desk, EditResult, FirstAdmin, FirstAdminResult, SetupStatus};
pub use desk_core::backup::{BackupInfo, BackupKind};
pub use desk_core::people::clinic::{MatchReason, WalkIn, WalkInMatch};
pub use desk_core::people::corrections::{ContactConflict, Settle};
pub use desk_core::{AppPaths, Error, ErrorCode, PublicError, Result, APP_IDENTIFIER, APP_NAME, APP_VERSION};
pub use desk_sync::state::Unreadable;
pub use sync::{SyncInput, SyncReport, SyncSetup, SyncView};
