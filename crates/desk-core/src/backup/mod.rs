//! Backups of the desk's database: this module owns the `backups/` folder in the data folder and
//! the restore marker beside the database.
//!
//! A backup is made with SQLite's online backup API from a second, read-only connection, all
//! pages in one step: that step reads one consistent snapshot (WAL lets the desk keep writing
//! meanwhile), which a file copy of a database in WAL mode would not be. It is written under a
//! temporary name and renamed, so a crash or a full disk never leaves half a backup that looks
//! whole.
//!
//! A restore happens in two halves: [`stage_restore`] checks the backup and leaves a marker, the
//! app restarts, and [`apply_pending`] copies the backup over the database before anything has
//! opened it (after a copy of today's data is saved as a backup of its own). What the restored
//! data then needs (queued messages cancelled, a new device id on a synced desk) is the
//! facade's, which knows sync.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::clock::{parse_ts, ts};
use crate::paths::AppPaths;
use crate::store::{latest_version, schema_version};

pub mod errors;

pub use errors::BackupError;

pub type Result<T> = std::result::Result<T, BackupError>;

/// Why a backup was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type, strum::EnumString, strum::IntoStaticStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum BackupKind {
    /// The desk's own, once a day.
    Daily,
    /// An admin's "make a backup now".
    Manual,
    /// The data as it was just before a restore replaced it.
    BeforeRestore,
}

/// One backup file, as the admin's list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BackupInfo {
    pub name: String,
    pub made_at: String,
    pub kind: BackupKind,
    pub size_bytes: u64,
    /// The version of the desk that made it.
    pub app_version: String,
    pub schema_version: u32,
    pub restorable: bool,
    /// Why it can't be restored, in plain words, when it can't.
    pub refusal: Option<String>,
}

/// The folder backups go to.
pub fn folder(paths: &AppPaths) -> PathBuf {
    paths.data_dir.join("backups")
}

const PREFIX: &str = "desk-";
const SUFFIX: &str = ".sqlite3";
/// `20261202T010203Z`: sorts by time as text, and is a valid file name on every platform.
const NAME_TIME: &[time::format_description::FormatItem<'static>] =
    time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");

fn name_for(made_at: OffsetDateTime, kind: BackupKind) -> String {
    let stamp = made_at.to_offset(time::UtcOffset::UTC).format(NAME_TIME).unwrap_or_else(|_| made_at.unix_timestamp().to_string());
    format!("{PREFIX}{stamp}-{}{SUFFIX}", <&str>::from(kind))
}

/// (time, kind) from a backup's file name; `None` for any other file (or a path in disguise).
fn parse_name(name: &str) -> Option<(OffsetDateTime, BackupKind)> {
    let core = name.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?;
    let (stamp, kind) = core.split_once('-')?;
    let at = time::PrimitiveDateTime::parse(stamp, NAME_TIME).ok()?.assume_utc();
    Some((at, kind.parse().ok()?))
}

fn io(what: &'static str, dir: &Path) -> impl FnOnce(std::io::Error) -> BackupError {
    let folder = dir.display().to_string();
    move |source| BackupError::Io { what, folder, source }
}

/// Copy the database at `db_file` into a new backup in `dir`, as it is now.
#[tracing::instrument(skip_all, fields(kind = <&str>::from(kind)))]
pub fn make(db_file: &Path, dir: &Path, kind: BackupKind, now: OffsetDateTime) -> Result<BackupInfo> {
    std::fs::create_dir_all(dir).map_err(io("create the backups folder", dir))?;
    let mut name = name_for(now, kind);
    // Two in the same second (a test, a double click): the second waits its turn by name.
    let mut at = now;
    while dir.join(&name).exists() {
        at += Duration::from_secs(1);
        name = name_for(at, kind);
    }
    let partial = dir.join(format!(".{name}.partial"));
    let _ = std::fs::remove_file(&partial);
    let result = (|| {
        let src = Connection::open_with_flags(db_file, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
        src.busy_timeout(Duration::from_secs(10))?;
        let mut dst = Connection::open(&partial)?;
        {
            let backup = rusqlite::backup::Backup::new(&src, &mut dst)?;
            // All pages in one step: one read transaction, so one consistent snapshot.
            backup.step(-1)?;
        }
        // The copy says who made it and when, so it still says so after a move or a rename.
        dst.execute_batch(&format!(
            "INSERT OR REPLACE INTO desk_meta (key, value) VALUES ('backup_app_version', '{}'), ('backup_made_at', '{}');",
            crate::APP_VERSION,
            ts(now)
        ))?;
        // A backup is one self-contained file: no WAL beside it.
        dst.query_row("PRAGMA journal_mode = DELETE", [], |_| Ok(()))?;
        dst.close().map_err(|(_, e)| e)?;
        Ok::<_, BackupError>(())
    })();
    if let Err(err) = result {
        let _ = std::fs::remove_file(&partial);
        tracing::error!(%err, "backup failed");
        return Err(err);
    }
    let path = dir.join(&name);
    if let Err(e) = std::fs::rename(&partial, &path) {
        let _ = std::fs::remove_file(&partial);
        return Err(io("save the backup", dir)(e));
    }
    tracing::info!(name, "backup made");
    Ok(inspect(dir, &name))
}

/// Everything known about one backup file; a file that can't be read is listed as such.
fn inspect(dir: &Path, name: &str) -> BackupInfo {
    let (at, kind) = parse_name(name).unwrap_or((OffsetDateTime::UNIX_EPOCH, BackupKind::Manual));
    let path = dir.join(name);
    let size_bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let mut info = BackupInfo {
        name: name.to_owned(),
        made_at: ts(at),
        kind,
        size_bytes,
        app_version: String::new(),
        schema_version: 0,
        restorable: false,
        refusal: None,
    };
    match check(dir, name) {
        Ok(meta) => {
            info.app_version = meta.app_version;
            info.schema_version = meta.schema as u32;
            info.made_at = meta.made_at.map(ts).unwrap_or(info.made_at);
            info.restorable = true;
        }
        Err(err) => {
            if let BackupError::TooNew { version, schema, .. } = &err {
                info.app_version = version.clone();
                info.schema_version = *schema as u32;
            }
            info.refusal = Some(err.user_message());
        }
    }
    info
}

struct Meta {
    app_version: String,
    schema: usize,
    made_at: Option<OffsetDateTime>,
}

/// Whether the backup `name` in `dir` can be restored by this version: ours, whole, not newer.
fn check(dir: &Path, name: &str) -> Result<Meta> {
    if parse_name(name).is_none() || name.contains(['/', '\\']) {
        return Err(BackupError::BadName(name.to_owned()));
    }
    let path = dir.join(name);
    if !path.is_file() {
        return Err(BackupError::NotFound(name.to_owned()));
    }
    let unreadable = |detail: String| BackupError::Unreadable { name: name.to_owned(), detail };
    let conn = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(|e| unreadable(e.to_string()))?;
    let meta = |key: &str| -> std::result::Result<Option<String>, rusqlite::Error> {
        conn.query_row("SELECT value FROM desk_meta WHERE key = ?1", [key], |r| r.get(0)).optional()
    };
    // Not ours if it has no device id: any SQLite file isn't a desk.
    meta("device_id").map_err(|e| unreadable(e.to_string()))?.ok_or_else(|| unreadable("no device id".into()))?;
    let app_version = meta("backup_app_version").ok().flatten().unwrap_or_else(|| "unknown".into());
    let made_at = meta("backup_made_at").ok().flatten().and_then(|t| parse_ts(&t));
    let schema = schema_version(&conn).map_err(|e| unreadable(e.to_string()))?;
    if schema > latest_version() {
        return Err(BackupError::TooNew { name: name.to_owned(), version: app_version, schema, known: latest_version() });
    }
    let integrity: String = conn.query_row("PRAGMA quick_check", [], |r| r.get(0)).map_err(|e| unreadable(e.to_string()))?;
    if integrity != "ok" {
        return Err(unreadable(integrity));
    }
    Ok(Meta { app_version, schema, made_at })
}

/// Every backup in `dir`, newest first.
pub fn list(dir: &Path) -> Result<Vec<BackupInfo>> {
    let mut names = names(dir)?;
    names.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| b.0.cmp(&a.0)));
    Ok(names.into_iter().map(|(name, _)| inspect(dir, &name)).collect())
}

fn names(dir: &Path) -> Result<Vec<(String, OffsetDateTime)>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io("read the backups folder", dir)(e)),
    };
    Ok(entries
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter_map(|n| parse_name(&n).map(|(at, _)| (n, at)))
        .collect())
}

/// When the newest backup of any kind was made.
pub fn last_made(dir: &Path) -> Result<Option<OffsetDateTime>> {
    Ok(names(dir)?.into_iter().map(|(_, at)| at).max())
}

/// A daily backup is due when none (of any kind) was made in the last day. A clock that went
/// back (a backup "from the future") doesn't hold the next one off for ever.
pub fn daily_due(dir: &Path, now: OffsetDateTime) -> Result<bool> {
    Ok(match last_made(dir)? {
        None => true,
        Some(last) => last > now || now - last >= time::Duration::days(1),
    })
}

/// Keep the newest `keep` backups; delete the rest. Returns the names deleted.
pub fn prune(dir: &Path, keep: usize) -> Result<Vec<String>> {
    let mut names = names(dir)?;
    names.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| b.0.cmp(&a.0)));
    let mut deleted = Vec::new();
    for (name, _) in names.into_iter().skip(keep.max(1)) {
        std::fs::remove_file(dir.join(&name)).map_err(io("delete an old backup", dir))?;
        deleted.push(name);
    }
    if !deleted.is_empty() {
        tracing::info!(count = deleted.len(), "old backups deleted");
    }
    Ok(deleted)
}

/// The restore waiting for the next start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingRestore {
    pub name: String,
    pub requested_by: String,
    pub requested_at: String,
}

/// A restore that [`apply_pending`] carried out: what the facade finishes and reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restored {
    pub name: String,
    pub made_at: String,
    pub requested_by: String,
    /// The backup of the data the restore replaced.
    pub saved_before: Option<String>,
}

fn marker(paths: &AppPaths) -> PathBuf {
    paths.data_dir.join("restore-pending.json")
}

/// Check the backup `name` and ask for it to be restored at the next start.
pub fn stage_restore(paths: &AppPaths, name: &str, by: &str, now: OffsetDateTime) -> Result<BackupInfo> {
    let dir = folder(paths);
    check(&dir, name)?;
    let pending = PendingRestore { name: name.to_owned(), requested_by: by.to_owned(), requested_at: ts(now) };
    let text = serde_json::to_vec(&pending).unwrap_or_default();
    let path = marker(paths);
    let tmp = path.with_extension("json.partial");
    std::fs::write(&tmp, text).map_err(io("ask for the restore", &paths.data_dir))?;
    std::fs::rename(&tmp, &path).map_err(io("ask for the restore", &paths.data_dir))?;
    tracing::info!(name, "restore staged for the next start");
    Ok(inspect(&dir, name))
}

/// The restore asked for, if any.
pub fn pending(paths: &AppPaths) -> Option<PendingRestore> {
    let text = std::fs::read(marker(paths)).ok()?;
    serde_json::from_slice(&text).ok()
}

/// At start-up, before the database is opened: carry out a staged restore. The backup is checked
/// again (it may have changed since); a refused one leaves the data as it was. Either way the
/// marker goes, so a bad backup can't stop the desk from starting.
#[tracing::instrument(skip_all)]
pub fn apply_pending(paths: &AppPaths, now: OffsetDateTime) -> Result<Option<Restored>> {
    let Some(p) = pending(paths) else {
        let _ = std::fs::remove_file(marker(paths));
        return Ok(None);
    };
    let dir = folder(paths);
    let result = (|| {
        let meta = check(&dir, &p.name)?;
        let saved_before =
            if paths.db_file.exists() { Some(make(&paths.db_file, &dir, BackupKind::BeforeRestore, now)?.name) } else { None };
        let mut dst = Connection::open(&paths.db_file)?;
        dst.busy_timeout(Duration::from_secs(10))?;
        // The backup API into the live file (not a file copy): the WAL and the database stay one
        // consistent whole, and a crash half-way leaves SQLite's own journal to roll it back.
        dst.restore(rusqlite::MAIN_DB, dir.join(&p.name), None::<fn(rusqlite::backup::Progress)>)?;
        // The copy's own note of who made it isn't the desk's now.
        dst.execute_batch("DELETE FROM desk_meta WHERE key IN ('backup_app_version', 'backup_made_at')")?;
        Ok::<_, BackupError>(Restored {
            name: p.name.clone(),
            made_at: meta.made_at.map(ts).unwrap_or_else(|| inspect(&dir, &p.name).made_at),
            requested_by: p.requested_by.clone(),
            saved_before,
        })
    })();
    let _ = std::fs::remove_file(marker(paths));
    match result {
        Ok(r) => {
            tracing::info!(name = r.name, "restored from a backup");
            Ok(Some(r))
        }
        Err(err) => {
            tracing::error!(%err, "the staged restore was not carried out");
            Err(err)
        }
    }
}

/// What a restore did, kept for the admin until they have read it (`restore-report.json` in the
/// data folder: a file, so it is written whatever state the restored data is in).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestoreNote {
    pub backup_name: String,
    pub backup_made_at: String,
    pub restored_at: String,
    pub messages_cancelled: u32,
    /// The desk syncs with the clinic and continues as a new device.
    pub new_device: bool,
    /// The keyring's pepper isn't the one the backup's codes were made with.
    pub pepper_changed: bool,
    /// Codes in the backup still waiting to be checked, that no pepper here can check.
    pub codes_dead: u32,
}

fn note_file(paths: &AppPaths) -> PathBuf {
    paths.data_dir.join("restore-report.json")
}

pub fn write_note(paths: &AppPaths, note: &RestoreNote) -> Result<()> {
    let text = serde_json::to_vec_pretty(note).unwrap_or_default();
    std::fs::write(note_file(paths), text).map_err(io("note what the restore did", &paths.data_dir))
}

/// The last restore's note, until the admin dismisses it.
pub fn note(paths: &AppPaths) -> Option<RestoreNote> {
    serde_json::from_slice(&std::fs::read(note_file(paths)).ok()?).ok()
}

pub fn dismiss_note(paths: &AppPaths) -> Result<()> {
    match std::fs::remove_file(note_file(paths)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io("clear the restore note", &paths.data_dir)(e)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn desk() -> (tempfile::TempDir, AppPaths) {
        let tmp = tempfile::tempdir().expect("tempdir");
        let paths = AppPaths::under(tmp.path().join("data"));
        paths.ensure().expect("ensure");
        Store::open(&paths.db_file).expect("open");
        (tmp, paths)
    }

    fn at(s: &str) -> OffsetDateTime {
        parse_ts(s).expect("time")
    }

    #[test]
    fn names_round_trip_and_nothing_else_parses() {
        let t = at("2026-12-02T01:02:03.000Z");
        let name = name_for(t, BackupKind::BeforeRestore);
        assert_eq!(name, "desk-20261202T010203Z-before_restore.sqlite3");
        assert_eq!(parse_name(&name), Some((t, BackupKind::BeforeRestore)));
        for other in ["desk.sqlite3", "desk-20261202T010203Z-weekly.sqlite3", "../desk-20261202T010203Z-daily.sqlite3", ".x.partial"] {
            assert_eq!(parse_name(other), None, "{other}");
        }
    }

    #[test]
    fn a_backup_is_a_whole_database_with_its_maker_noted_and_no_wal() {
        let (_tmp, paths) = desk();
        let conn = Connection::open(&paths.db_file).expect("open");
        conn.execute("INSERT INTO desk_meta (key, value) VALUES ('probe', 'in the backup')", []).expect("insert");
        let dir = folder(&paths);
        let info = make(&paths.db_file, &dir, BackupKind::Manual, at("2026-12-02T01:02:03.000Z")).expect("make");
        assert!(info.restorable, "{info:?}");
        assert_eq!(info.kind, BackupKind::Manual);
        assert_eq!(info.app_version, crate::APP_VERSION);
        assert_eq!(info.schema_version as usize, latest_version());
        assert!(info.size_bytes > 0);
        let copy = Connection::open(dir.join(&info.name)).expect("open copy");
        let probe: String = copy.query_row("SELECT value FROM desk_meta WHERE key = 'probe'", [], |r| r.get(0)).expect("probe");
        assert_eq!(probe, "in the backup");
        let mode: String = copy.query_row("PRAGMA journal_mode", [], |r| r.get(0)).expect("mode");
        assert_eq!(mode, "delete");
        let leftovers: Vec<_> = std::fs::read_dir(&dir).expect("dir").filter_map(|e| e.ok()).map(|e| e.file_name()).collect();
        assert_eq!(leftovers.len(), 1, "no partial or WAL file beside it: {leftovers:?}");
    }

    #[test]
    fn two_backups_in_one_second_both_keep() {
        let (_tmp, paths) = desk();
        let dir = folder(&paths);
        let t = at("2026-12-02T01:02:03.000Z");
        let a = make(&paths.db_file, &dir, BackupKind::Manual, t).expect("a");
        let b = make(&paths.db_file, &dir, BackupKind::Manual, t).expect("b");
        assert_ne!(a.name, b.name);
        assert_eq!(list(&dir).expect("list").len(), 2);
    }

    #[test]
    fn prune_keeps_the_newest_and_daily_is_due_after_a_day() {
        let (_tmp, paths) = desk();
        let dir = folder(&paths);
        assert!(daily_due(&dir, at("2026-12-01T00:00:00.000Z")).expect("due"));
        for day in 1..=5 {
            make(&paths.db_file, &dir, BackupKind::Daily, at(&format!("2026-12-0{day}T08:00:00.000Z"))).expect("make");
        }
        let deleted = prune(&dir, 3).expect("prune");
        assert_eq!(deleted.len(), 2);
        let left: Vec<String> = list(&dir).expect("list").into_iter().map(|b| b.made_at).collect();
        assert_eq!(left, ["2026-12-05T08:00:00.000Z", "2026-12-04T08:00:00.000Z", "2026-12-03T08:00:00.000Z"]);
        assert!(!daily_due(&dir, at("2026-12-06T07:59:00.000Z")).expect("not yet"));
        assert!(daily_due(&dir, at("2026-12-06T08:00:00.000Z")).expect("a day on"));
        // A clock set back: the backup "from the future" doesn't stop the next one.
        assert!(daily_due(&dir, at("2026-11-30T08:00:00.000Z")).expect("clock went back"));
    }

    #[test]
    fn a_backup_from_a_newer_schema_or_a_damaged_one_is_refused_with_its_reason() {
        let (_tmp, paths) = desk();
        let dir = folder(&paths);
        let newer = make(&paths.db_file, &dir, BackupKind::Manual, at("2026-12-02T01:00:00.000Z")).expect("make");
        let c = Connection::open(dir.join(&newer.name)).expect("open");
        c.execute_batch(&format!(
            "PRAGMA user_version = {}; UPDATE desk_meta SET value = '9.9.9' WHERE key = 'backup_app_version';",
            latest_version() + 1
        ))
        .expect("bump");
        drop(c);
        let info = inspect(&dir, &newer.name);
        assert!(!info.restorable);
        assert_eq!(info.app_version, "9.9.9");
        assert!(info.refusal.as_deref().is_some_and(|r| r.contains("newer version") && r.contains("9.9.9")), "{info:?}");
        let err = stage_restore(&paths, &newer.name, "admin", at("2026-12-02T02:00:00.000Z")).expect_err("refused");
        assert!(matches!(err, BackupError::TooNew { .. }), "{err:?}");
        assert!(pending(&paths).is_none(), "nothing staged");

        let junk = dir.join("desk-20261202T030000Z-manual.sqlite3");
        std::fs::write(&junk, b"not a database at all, just some bytes that are long enough").expect("write");
        let info = inspect(&dir, "desk-20261202T030000Z-manual.sqlite3");
        assert!(!info.restorable && info.refusal.as_deref().is_some_and(|r| r.contains("damaged")), "{info:?}");

        for bad in ["../desk.sqlite3", "desk.sqlite3"] {
            assert!(matches!(stage_restore(&paths, bad, "admin", at("2026-12-02T02:00:00.000Z")), Err(BackupError::BadName(_))));
        }
    }

    #[test]
    fn a_staged_restore_replaces_the_data_at_the_next_start_and_saves_what_it_replaced() {
        let (_tmp, paths) = desk();
        let dir = folder(&paths);
        let conn = Connection::open(&paths.db_file).expect("open");
        conn.execute("INSERT INTO desk_meta (key, value) VALUES ('probe', 'then')", []).expect("insert");
        let b = make(&paths.db_file, &dir, BackupKind::Manual, at("2026-12-02T01:00:00.000Z")).expect("make");
        conn.execute("UPDATE desk_meta SET value = 'now' WHERE key = 'probe'", []).expect("update");
        drop(conn);
        stage_restore(&paths, &b.name, "admin-1", at("2026-12-02T02:00:00.000Z")).expect("stage");
        assert_eq!(pending(&paths).map(|p| p.requested_by), Some("admin-1".into()));

        let restored = apply_pending(&paths, at("2026-12-02T02:00:05.000Z")).expect("apply").expect("restored");
        assert_eq!(restored.name, b.name);
        assert!(pending(&paths).is_none(), "marker gone");
        let store = Store::open(&paths.db_file).expect("reopen");
        let probe: String = store.conn().query_row("SELECT value FROM desk_meta WHERE key = 'probe'", [], |r| r.get(0)).expect("probe");
        assert_eq!(probe, "then");
        let noted: Option<String> =
            store.conn().query_row("SELECT value FROM desk_meta WHERE key = 'backup_made_at'", [], |r| r.get(0)).optional().expect("q");
        assert_eq!(noted, None, "the backup's own note is not the desk's");
        // What it replaced is a backup of its own.
        let before = restored.saved_before.expect("saved");
        let c = Connection::open(dir.join(&before)).expect("open before");
        let probe: String = c.query_row("SELECT value FROM desk_meta WHERE key = 'probe'", [], |r| r.get(0)).expect("probe");
        assert_eq!(probe, "now");
        // Nothing staged: nothing happens.
        assert_eq!(apply_pending(&paths, at("2026-12-02T03:00:00.000Z")).expect("none"), None);
    }

    #[test]
    fn a_staged_backup_damaged_before_the_start_is_not_restored_and_the_desk_still_starts() {
        let (_tmp, paths) = desk();
        let dir = folder(&paths);
        let b = make(&paths.db_file, &dir, BackupKind::Manual, at("2026-12-02T01:00:00.000Z")).expect("make");
        stage_restore(&paths, &b.name, "admin-1", at("2026-12-02T02:00:00.000Z")).expect("stage");
        std::fs::write(dir.join(&b.name), b"garbage garbage garbage garbage garbage garbage garbage").expect("damage");
        let err = apply_pending(&paths, at("2026-12-02T02:00:05.000Z")).expect_err("refused");
        assert!(err.is_refusal(), "{err:?}");
        assert!(pending(&paths).is_none(), "the marker goes either way");
        Store::open(&paths.db_file).expect("the desk's own data still opens");
    }
}
