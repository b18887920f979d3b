//! Statements on `verification_codes` that others need too: the verify module owns the table,
//! and people (a changed contact) and delivery (a fallback) go through these.

use rusqlite::{params, Transaction};
use time::OffsetDateTime;

use crate::channel::Channel;
use crate::clock::ts;
use crate::contact::CodeType;
use crate::error::Result;

/// Drop the live code for this contact (used, expired, or its contact changed); true if there was one.
pub fn discard(tx: &Transaction<'_>, user_id: &str, code_type: CodeType) -> Result<bool> {
    Ok(tx.execute("DELETE FROM verification_codes WHERE user_id = ?1 AND code_type = ?2", params![user_id, code_type])? > 0)
}

/// The live code for this contact now travels by `channel` (a fallback): what the desk shows.
pub fn moved_to(tx: &Transaction<'_>, user_id: &str, code_type: CodeType, channel: Channel, now: OffsetDateTime) -> Result<()> {
    tx.execute(
        "UPDATE verification_codes SET channel = ?3, updated_at = ?4 WHERE user_id = ?1 AND code_type = ?2",
        params![user_id, code_type, channel, ts(now)],
    )?;
    Ok(())
}

/// Codes still live (not expired at `now`) that another pepper made: after a restore on a
/// machine whose keyring holds a new pepper, none of them can be checked.
pub fn live_from_other_pepper(conn: &rusqlite::Connection, key_id: &str, now: OffsetDateTime) -> Result<u32> {
    Ok(conn.query_row(
        "SELECT count(*) FROM verification_codes WHERE pepper_id IS NOT NULL AND pepper_id <> ?1 AND expires_at > ?2",
        params![key_id, ts(now)],
        |r| r.get(0),
    )?)
}
