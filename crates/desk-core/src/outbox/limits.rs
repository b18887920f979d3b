//! The outbox read as send history, for the rate limits (`verify::ratelimit` decides; this
//! module only counts). Every outbox row is one send, written in the same transaction as its
//! code, so the limits survive a restart and never drift from what was queued.

use rusqlite::{params, OptionalExtension, Transaction};
use time::{Duration, OffsetDateTime};

use crate::clock::{parse_ts, ts};
use crate::contact::CodeType;
use crate::error::Result;

/// The last send to this person on this contact type.
pub fn last_send(tx: &Transaction<'_>, user_id: &str, code_type: CodeType) -> Result<Option<OffsetDateTime>> {
    let last: Option<String> = tx
        .query_row(
            "SELECT created_at FROM outbox WHERE user_id = ?1 AND code_type = ?2
             ORDER BY created_at DESC LIMIT 1",
            params![user_id, code_type],
            |r| r.get(0),
        )
        .optional()?;
    Ok(last.as_deref().and_then(parse_ts))
}

/// Which sends a sliding window counts.
#[derive(Debug, Clone, Copy)]
pub enum Key<'a> {
    /// Sends to this contact (already normalised). Compared without letter case: an address
    /// typed as Priya@Gmail.com and priya@gmail.com is one inbox to a limit.
    Target(&'a str),
    /// Sends by this staff member.
    Actor(&'a str),
}

/// If `cap` sends already fall inside the sliding window, when the oldest of them leaves it.
pub fn window_full(tx: &Transaction<'_>, key: Key<'_>, cap: u32, window: Duration, now: OffsetDateTime) -> Result<Option<OffsetDateTime>> {
    let since = ts(now - window);
    let (filter, value) = match key {
        Key::Target(t) => ("target = ?1 COLLATE NOCASE", t),
        Key::Actor(a) => ("created_by = ?1", a),
    };
    // The cap-th newest send in the window: when it ages out, one more is allowed.
    let sql = format!(
        "SELECT created_at FROM outbox WHERE {filter} AND created_at > ?2
         ORDER BY created_at DESC LIMIT 1 OFFSET ?3"
    );
    let nth: Option<String> = tx.query_row(&sql, params![value, since, cap.saturating_sub(1)], |r| r.get(0)).optional()?;
    Ok(nth.as_deref().and_then(parse_ts).map(|t| t + window))
}

/// Like [`window_full`] over every outbox row (the outbox holds only this desk's own sends, so
/// "per desk" and "per day" count the whole table), answered from row ids in O(log n): ids
/// only grow and old rows are pruned from the oldest end, so the cap-th newest send is the
/// newest row with `id <= max(id) - cap + 1`.
pub fn table_window_full(tx: &Transaction<'_>, cap: u32, window: Duration, now: OffsetDateTime) -> Result<Option<OffsetDateTime>> {
    let newest: Option<i64> = tx.query_row("SELECT max(id) FROM outbox", [], |r| r.get(0))?;
    let Some(newest) = newest else {
        return Ok(None);
    };
    let nth_id = newest - i64::from(cap) + 1;
    let nth: Option<String> =
        tx.query_row("SELECT created_at FROM outbox WHERE id <= ?1 ORDER BY id DESC LIMIT 1", [nth_id], |r| r.get(0)).optional()?;
    Ok(nth.as_deref().and_then(parse_ts).map(|t| t + window).filter(|lifts| *lifts > now))
}
