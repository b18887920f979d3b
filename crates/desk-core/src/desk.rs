//! `Desk`: the one object the shell holds. It owns the store and the keyring handle.

use std::sync::Mutex;

use crate::error::Result;
use crate::paths::AppPaths;
use crate::secrets::Keyring;
use crate::status::AppStatus;
use crate::store::Store;

pub struct Desk {
    paths: AppPaths,
    store: Mutex<Store>,
    keyring: Keyring,
}

impl std::fmt::Debug for Desk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Desk").field("paths", &self.paths).finish_non_exhaustive()
    }
}

impl Desk {
    /// Open the desk's data: create folders, open and migrate the database.
    #[tracing::instrument(skip_all, fields(data_dir = %paths.data_dir.display()))]
    pub fn open(paths: AppPaths, keyring: Keyring) -> Result<Self> {
        paths.ensure()?;
        let store = Store::open(&paths.db_file)?;
        Ok(Desk { paths, store: Mutex::new(store), keyring })
    }

    pub fn paths(&self) -> &AppPaths {
        &self.paths
    }

    pub fn keyring(&self) -> &Keyring {
        &self.keyring
    }

    /// Run `f` with the store. A poisoned lock (a panic elsewhere mid-write) is recovered: SQLite
    /// rolled back the unfinished transaction, so the data is consistent.
    pub fn with_store<T>(&self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        let mut guard = self.store.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard)
    }

    /// The status bar's facts. Probes the keyring, so call it off the UI thread.
    pub fn status(&self) -> Result<AppStatus> {
        let (path, report) = self.with_store(|s| Ok((s.path().display().to_string(), s.migration_report())))?;
        Ok(AppStatus::new(
            path,
            self.paths.log_dir.display().to_string(),
            report,
            self.keyring.probe(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_reports_the_database_and_keyring() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let keyring = Keyring::with_store(keyring_core::mock::Store::new().expect("mock"), "mock");
        let desk = Desk::open(AppPaths::under(tmp.path()), keyring).expect("open");
        let status = desk.status().expect("status");
        assert!(status.database_path.ends_with("desk.sqlite3"));
        assert!(status.migrations_ok);
        assert_eq!(status.migrations_applied, crate::store::latest_version());
        assert_eq!(status.keyring.state, "ok");
    }
}
