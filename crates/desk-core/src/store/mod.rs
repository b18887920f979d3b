//! The local SQLite store: opened in WAL mode with foreign keys on, migrated at start-up from the
//! embedded `migrations/` folder, and refused if a newer version of the app wrote it.

mod migrations;
mod sql_text;

use std::path::{Path, PathBuf};

use rusqlite::Connection;
use serde::Serialize;

use crate::error::{Error, Result};

pub use migrations::{latest_version, schema_version};
/// The raw SQLite connection type, for tests and tools that inspect the file directly.
pub use rusqlite::Connection as RawConnection;

/// What start-up did to the schema, for the status bar and the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MigrationReport {
    pub from_version: usize,
    pub to_version: usize,
}

impl MigrationReport {
    pub fn applied(&self) -> usize {
        self.to_version - self.from_version
    }
}

/// An open, migrated database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    report: MigrationReport,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).field("report", &self.report).finish()
    }
}

impl Store {
    /// Open (creating if needed) and migrate the database at `path`.
    #[tracing::instrument(skip_all, fields(path = %path.display()))]
    pub fn open(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|source| Error::Folder { path: dir.display().to_string(), source })?;
        }
        let open_err = |source| Error::DatabaseOpen { path: path.display().to_string(), source };
        let mut conn = Connection::open(path).map_err(open_err)?;
        configure(&conn).map_err(open_err)?;
        let report = migrations::migrate(&mut conn, path)?;
        crate::language::record_known(&conn)?;
        crate::channel::record_known(&conn)?;
        tracing::info!(from = report.from_version, to = report.to_version, "database ready");
        Ok(Store { conn, path: path.to_owned(), report })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn migration_report(&self) -> MigrationReport {
        self.report
    }

    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    pub fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// Record channels registered since the store was opened (a provider's own).
    pub fn record_channels(&self) -> Result<()> {
        Ok(crate::channel::record_known(&self.conn)?)
    }

    /// This workstation's id for its own event series.
    pub fn device_id(&self) -> Result<String> {
        Ok(self.conn.query_row("SELECT value FROM desk_meta WHERE key = 'device_id'", [], |r| r.get(0))?)
    }
}

/// The store shared by the facade, the delivery worker and (later) sync: one connection behind a
/// lock. Lower layers are handed this, not the facade.
#[derive(Clone)]
pub struct Db(std::sync::Arc<std::sync::Mutex<Store>>);

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Db").finish_non_exhaustive()
    }
}

impl Db {
    pub fn new(store: Store) -> Self {
        Db(std::sync::Arc::new(std::sync::Mutex::new(store)))
    }

    /// Run `f` with the store. A poisoned lock (a panic elsewhere mid-write) is recovered: SQLite
    /// rolled back the unfinished transaction, so the data is consistent.
    pub fn with<T>(&self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        let mut guard = self.0.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard)
    }
}

/// Start a new event series under a new device id (a desk restored from a backup enrolls again
/// as a new device; its old events keep their own id). Takes effect at the next start.
pub fn new_device_id(conn: &Connection) -> Result<String> {
    Ok(conn
        .query_row("UPDATE desk_meta SET value = lower(hex(randomblob(16))) WHERE key = 'device_id' RETURNING value", [], |r| r.get(0))?)
}

/// Run `f` with each commit synced to disk before it returns (`synchronous = FULL`), then go
/// back to NORMAL. Under WAL, NORMAL may lose the last commits in a power cut (never corrupts);
/// the outbox claim uses this, because a `sending` mark lost in a power cut could mean a code
/// sent twice.
pub fn durably<T>(conn: &Connection, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
    conn.execute_batch("PRAGMA synchronous = FULL")?;
    let result = f(conn);
    conn.execute_batch("PRAGMA synchronous = NORMAL")?;
    result
}

/// The connection's current `synchronous` level (1 NORMAL, 2 FULL).
pub fn synchronous(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("PRAGMA synchronous", [], |r| r.get(0))?)
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    // WAL lets the UI read while the delivery worker writes; NORMAL sync is safe under WAL.
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        tracing::warn!(mode, "database did not switch to WAL");
    }
    conn.execute_batch(
        "PRAGMA foreign_keys = ON;
         PRAGMA synchronous = NORMAL;
         PRAGMA busy_timeout = 5000;",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_in_wal_with_foreign_keys() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&tmp.path().join("d.sqlite3")).expect("open");
        let mode: String = store.conn().query_row("PRAGMA journal_mode", [], |r| r.get(0)).expect("pragma");
        let fk: i64 = store.conn().query_row("PRAGMA foreign_keys", [], |r| r.get(0)).expect("fk");
        assert_eq!(mode, "wal");
        assert_eq!(fk, 1);
        assert_eq!(store.device_id().expect("device").len(), 32);
    }

    #[test]
    fn a_file_that_is_not_a_database_is_a_clear_error() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join("d.sqlite3");
        std::fs::write(&path, b"this is not sqlite, just some text that is long enough....").expect("write");
        let err = Store::open(&path).expect_err("must refuse");
        assert!(matches!(err, Error::DatabaseOpen { .. }), "{err:?}");
        assert!(err.user_message().contains("can't be opened"));
    }
}
