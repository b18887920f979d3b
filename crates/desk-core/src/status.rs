//! What the status bar shows: version, where the data lives, the schema, the keyring.

use serde::Serialize;

use crate::secrets::KeyringStatus;
use crate::store::MigrationReport;

#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct AppStatus {
    pub app_name: &'static str,
    pub version: &'static str,
    pub database_path: String,
    pub log_dir: String,
    pub schema_version: usize,
    /// True when the schema is at this build's latest version.
    pub migrations_ok: bool,
    /// Migration steps applied at this start-up.
    pub migrations_applied: usize,
    pub keyring: KeyringStatus,
    /// Messages waiting for the keyring to be unlocked.
    pub waiting_for_keyring: i64,
    /// Set when the code pepper is only in memory: what that means and what to do.
    pub temporary_pepper: Option<String>,
}

impl AppStatus {
    pub fn new(database_path: String, log_dir: String, report: MigrationReport, keyring: KeyringStatus) -> Self {
        AppStatus {
            app_name: crate::APP_NAME,
            version: crate::APP_VERSION,
            database_path,
            log_dir,
            schema_version: report.to_version,
            migrations_ok: report.to_version == crate::store::latest_version(),
            migrations_applied: report.applied(),
            keyring,
            waiting_for_keyring: 0,
            temporary_pepper: None,
        }
    }
}
