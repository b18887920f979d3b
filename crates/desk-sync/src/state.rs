//! The desk's place in sync (`sync_state`, one row) and the clinic rows it couldn't read
//! (`sync_unreadable`): this module owns both tables.

use desk_core::clock::ts;
use desk_core::error::Result;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;

/// What sync is handed from the desk: its store, its journal (device id, keys) and clock.
#[derive(Clone)]
pub struct Local {
    pub db: desk_core::store::Db,
    pub journal: std::sync::Arc<desk_core::events::Journal>,
    pub clock: std::sync::Arc<dyn desk_core::clock::Clock>,
}

/// How far a long pull has got (people applied of the total).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    pub done: u64,
    pub total: u64,
}

/// What sync knows of itself, as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stored {
    pub device_id: Option<String>,
    pub hospital_id: Option<String>,
    pub watermark: Option<String>,
    pub acked_seq: i64,
    pub clock_offset_ms: i64,
    pub last_ok_at: Option<String>,
    pub last_attempt_at: Option<String>,
    pub last_error: Option<String>,
    pub last_error_code: Option<String>,
    pub error_since: Option<String>,
    pub fork_seq: Option<i64>,
}

pub fn load(conn: &Connection) -> Result<Stored> {
    Ok(conn
        .query_row(
            "SELECT device_id, hospital_id, watermark, acked_seq, clock_offset_ms, last_ok_at, last_attempt_at, last_error,
                    last_error_code, error_since, fork_seq
             FROM sync_state WHERE id = 1",
            [],
            |r| {
                Ok(Stored {
                    device_id: r.get(0)?,
                    hospital_id: r.get(1)?,
                    watermark: r.get(2)?,
                    acked_seq: r.get(3)?,
                    clock_offset_ms: r.get(4)?,
                    last_ok_at: r.get(5)?,
                    last_attempt_at: r.get(6)?,
                    last_error: r.get(7)?,
                    last_error_code: r.get(8)?,
                    error_since: r.get(9)?,
                    fork_seq: r.get(10)?,
                })
            },
        )
        .optional()?
        .unwrap_or_default())
}

/// After `hello`: who the clinic says this device is, and the clock offset measured. (The
/// clinic's acknowledgement is recorded by the push, once it has checked the histories agree.)
pub fn record_hello(conn: &Connection, device_id: &str, hospital_id: &str, offset_ms: i64, now: OffsetDateTime) -> Result<()> {
    conn.execute(
        "UPDATE sync_state SET acked_seq = CASE WHEN device_id IS ?1 THEN acked_seq ELSE 0 END, device_id = ?1, hospital_id = ?2,
             clock_offset_ms = ?3, last_attempt_at = ?4, updated_at = ?4
         WHERE id = 1",
        params![device_id, hospital_id, offset_ms, ts(now)],
    )?;
    Ok(())
}

/// The clinic acknowledged events up to `seq` (it only grows).
pub fn record_ack(conn: &Connection, seq: i64, now: OffsetDateTime) -> Result<()> {
    conn.execute("UPDATE sync_state SET acked_seq = max(acked_seq, ?1), updated_at = ?2 WHERE id = 1", params![seq, ts(now)])?;
    Ok(())
}

/// A pull finished: the next one starts from `watermark`. (The clinic's settings it brought are
/// the settings module's: `settings::set_central`.)
pub fn record_pull(conn: &Connection, watermark: &str, now: OffsetDateTime) -> Result<()> {
    conn.execute("UPDATE sync_state SET watermark = ?1, updated_at = ?2 WHERE id = 1", params![watermark, ts(now)])?;
    Ok(())
}

/// The next pull fetches everything again (a changed role map must reach every clinic account,
/// including staff who had no account before).
pub fn refetch_everything(conn: &Connection, now: OffsetDateTime) -> Result<()> {
    conn.execute("UPDATE sync_state SET watermark = NULL, updated_at = ?1 WHERE id = 1", params![ts(now)])?;
    Ok(())
}

/// A whole round went through.
pub fn record_ok(conn: &Connection, now: OffsetDateTime) -> Result<()> {
    conn.execute(
        "UPDATE sync_state SET last_ok_at = ?1, last_attempt_at = ?1, last_error = NULL, last_error_code = NULL, error_since = NULL,
             updated_at = ?1 WHERE id = 1",
        params![ts(now)],
    )?;
    Ok(())
}

/// A round failed; `error_since` keeps the first failure's time.
pub fn record_error(conn: &Connection, code: &str, message: &str, now: OffsetDateTime) -> Result<()> {
    conn.execute(
        "UPDATE sync_state SET last_attempt_at = ?3, last_error = ?2, last_error_code = ?1, error_since = coalesce(error_since, ?3),
             updated_at = ?3 WHERE id = 1",
        params![code, message, ts(now)],
    )?;
    Ok(())
}

pub fn record_fork(conn: &Connection, seq: i64, now: OffsetDateTime) -> Result<()> {
    conn.execute("UPDATE sync_state SET fork_seq = ?1, forked_at = ?2, updated_at = ?2 WHERE id = 1", params![seq, ts(now)])?;
    Ok(())
}

/// A new device (after a fork): its series starts at 0 in the clinic; the people stay. The old
/// device's verifications after what the clinic acknowledged (as this desk last knew it) are to
/// be carried over.
pub fn reset_for_new_device(conn: &Connection, old_device: &str, now: OffsetDateTime) -> Result<()> {
    conn.execute(
        "UPDATE sync_state SET carry_device = ?2, carry_after_seq = CASE WHEN device_id = ?2 THEN acked_seq ELSE 0 END,
             device_id = NULL, acked_seq = 0, fork_seq = NULL, forked_at = NULL, last_error = NULL,
             last_error_code = NULL, error_since = NULL, updated_at = ?1 WHERE id = 1",
        params![ts(now), old_device],
    )?;
    Ok(())
}

/// The old device whose verifications wait to be carried over, and after which seq.
pub fn carry(conn: &Connection) -> Result<Option<(String, i64)>> {
    Ok(conn
        .query_row("SELECT carry_device, carry_after_seq FROM sync_state WHERE id = 1 AND carry_device IS NOT NULL", [], |r| {
            Ok((r.get(0)?, r.get::<_, Option<i64>>(1)?.unwrap_or(0)))
        })
        .optional()?)
}

pub fn carried(conn: &Connection) -> Result<()> {
    conn.execute("UPDATE sync_state SET carry_device = NULL, carry_after_seq = NULL WHERE id = 1", [])?;
    Ok(())
}

/// A clinic row the desk couldn't read, kept raw with what was wrong.
pub fn keep_unreadable(conn: &Connection, user_id: &str, raw: &Value, problems: &[String], now: OffsetDateTime) -> Result<()> {
    conn.execute(
        "INSERT INTO sync_unreadable (user_id, raw, problems, first_seen_at, last_seen_at) VALUES (?1, ?2, ?3, ?4, ?4)
         ON CONFLICT (user_id) DO UPDATE SET raw = excluded.raw, problems = excluded.problems, last_seen_at = excluded.last_seen_at",
        params![user_id, raw.to_string(), serde_json::to_string(problems).unwrap_or_else(|_| "[]".into()), ts(now)],
    )?;
    Ok(())
}

/// The row reads now: off the list.
pub fn clear_unreadable(conn: &Connection, user_id: &str) -> Result<()> {
    conn.prepare_cached("DELETE FROM sync_unreadable WHERE user_id = ?1")?.execute([user_id])?;
    Ok(())
}

/// A clinic row kept raw, for the admin's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Unreadable {
    pub user_id: String,
    pub problems: Vec<String>,
    /// The row as the clinic has it (JSON).
    pub raw: String,
    pub last_seen_at: String,
}

pub fn unreadable(conn: &Connection) -> Result<Vec<Unreadable>> {
    let mut stmt = conn.prepare_cached("SELECT user_id, problems, raw, last_seen_at FROM sync_unreadable ORDER BY user_id")?;
    let rows = stmt.query_map([], |r| {
        let problems: String = r.get(1)?;
        Ok(Unreadable {
            user_id: r.get(0)?,
            problems: serde_json::from_str(&problems).unwrap_or_default(),
            raw: r.get(2)?,
            last_seen_at: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The desk's events the clinic doesn't have yet.
pub fn waiting(conn: &Connection, device_id: &str, acked_seq: i64) -> Result<i64> {
    Ok(desk_core::events::count_after(conn, device_id, acked_seq)?)
}

/// Sync as the status bar and the sync screen show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncStatus {
    pub configured: bool,
    pub running: bool,
    pub last_ok_at: Option<String>,
    pub last_attempt_at: Option<String>,
    /// The last failure, in plain words; `None` after a good round.
    pub last_error: Option<String>,
    pub last_error_code: Option<String>,
    /// Since when sync has been failing.
    pub error_since: Option<String>,
    /// Events made here that the clinic doesn't have yet.
    pub events_waiting: i64,
    /// People this desk has from the clinic.
    pub clinic_people: i64,
    /// Clinic rows kept raw for an admin to look at.
    pub unreadable: i64,
    /// Set when this desk's history doesn't match the clinic's (restored from a backup).
    pub forked_at_seq: Option<i64>,
    /// The first pull's progress, while it runs.
    pub progress: Option<Progress>,
}
