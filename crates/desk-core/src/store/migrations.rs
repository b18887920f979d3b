//! Embedded migrations. Every `migrations/NNNN_name/up.sql` is one step, in the order of its
//! number; a folder there that doesn't start with a number is not a SQLite migration.

use std::path::Path;
use std::sync::LazyLock;

use include_dir::{include_dir, Dir};
use rusqlite::Connection;
use rusqlite_migration::{Migrations, SchemaVersion, M};

use super::MigrationReport;
use crate::error::{Error, Result};

static MIGRATIONS_DIR: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../../migrations");

static MIGRATIONS: LazyLock<Migrations<'static>> = LazyLock::new(|| {
    let mut steps: Vec<(&str, &str)> = MIGRATIONS_DIR
        .dirs()
        .filter_map(|dir| {
            let name = dir.path().file_name()?.to_str()?;
            if !name.starts_with(|c: char| c.is_ascii_digit()) {
                return None;
            }
            let sql = dir.get_file(dir.path().join("up.sql"))?.contents_utf8()?;
            Some((name, sql))
        })
        .collect();
    steps.sort_by_key(|(name, _)| *name);
    Migrations::new(steps.into_iter().map(|(_, sql)| M::up(sql)).collect())
});

/// The schema version this build knows.
pub fn latest_version() -> usize {
    MIGRATIONS_DIR
        .dirs()
        .filter(|d| d.path().file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(|c: char| c.is_ascii_digit())))
        .count()
}

/// The schema version recorded in a database (`PRAGMA user_version`).
pub fn schema_version(conn: &Connection) -> Result<usize> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))?.max(0) as usize)
}

pub(super) fn migrate(conn: &mut Connection, path: &Path) -> Result<MigrationReport> {
    let known = latest_version();
    let before = MIGRATIONS.current_version(conn)?;
    if let SchemaVersion::Outside(found) = before {
        // Written by a newer app: touching it could lose data that version relies on.
        return Err(Error::DatabaseTooNew { path: path.display().to_string(), found: found.get(), known });
    }
    let from_version = usize::from(&before);
    MIGRATIONS.to_latest(conn)?;
    Ok(MigrationReport { from_version, to_version: known })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn migrations_are_valid() {
        MIGRATIONS.validate().expect("migrations validate");
        assert!(latest_version() >= 1);
    }

    #[test]
    fn a_fresh_database_reaches_the_latest_version() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join("d.sqlite3");
        let store = Store::open(&path).expect("open");
        assert_eq!(store.migration_report(), MigrationReport { from_version: 0, to_version: latest_version() });
        assert_eq!(schema_version(store.conn()).expect("version"), latest_version());
        drop(store);
        // Opening again applies nothing.
        let again = Store::open(&path).expect("reopen");
        assert_eq!(again.migration_report().applied(), 0);
    }

    #[test]
    fn a_database_marked_newer_is_refused_and_left_untouched() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = tmp.path().join("d.sqlite3");
        drop(Store::open(&path).expect("open"));
        let newer = latest_version() + 3;
        {
            let conn = Connection::open(&path).expect("raw open");
            conn.pragma_update(None, "user_version", newer as i64).expect("mark newer");
        }
        let err = Store::open(&path).expect_err("must refuse");
        match &err {
            Error::DatabaseTooNew { found, known, .. } => {
                assert_eq!((*found, *known), (newer, latest_version()));
            }
            other => panic!("wrong error: {other:?}"),
        }
        assert_eq!(err.code(), crate::ErrorCode::DatabaseTooNew);
        let conn = Connection::open(&path).expect("raw open");
        assert_eq!(schema_version(&conn).expect("version"), newer, "refusal must not rewrite");
    }
}
