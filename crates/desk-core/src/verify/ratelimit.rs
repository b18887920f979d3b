//! Send limits, derived from the outbox rows themselves. The outbox is already persisted and
//! written in the same transaction as every send, so the limits survive a restart and can
//! never drift from what was actually queued: there is no separate counter to keep in step,
//! and an in-memory limiter (governor and the like) would forget everything on restart.

use rusqlite::{params, OptionalExtension, Transaction};
use time::{Duration, OffsetDateTime};

use crate::clock::{parse_ts, ts};
use crate::contact::CodeType;
use crate::error::Result;
use crate::settings::Settings;

/// Which limit refused a send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    Cooldown,
    PerTarget,
    PerStaff,
    PerDesk,
    Daily,
}

impl Limit {
    pub fn as_str(self) -> &'static str {
        match self {
            Limit::Cooldown => "cooldown",
            Limit::PerTarget => "per_target",
            Limit::PerStaff => "per_staff",
            Limit::PerDesk => "per_desk",
            Limit::Daily => "daily",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    pub limit: Limit,
    pub retry_at: OffsetDateTime,
}

pub struct SendRequest<'a> {
    pub user_id: &'a str,
    pub code_type: CodeType,
    pub target: &'a str,
    pub actor: &'a str,
}

/// `Ok(None)` if a send is allowed now, else the first limit that refuses and when it lifts.
pub fn check(tx: &Transaction<'_>, s: &Settings, req: &SendRequest<'_>, now: OffsetDateTime) -> Result<Option<Refusal>> {
    // Cooldown: since the last send to this person on this contact type.
    let last: Option<String> = tx
        .query_row(
            "SELECT created_at FROM outbox WHERE user_id = ?1 AND code_type = ?2
             ORDER BY created_at DESC LIMIT 1",
            params![req.user_id, req.code_type.as_str()],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(last) = last.as_deref().and_then(parse_ts) {
        let ready = last + Duration::seconds(s.resend_cooldown_seconds.into());
        if ready > now {
            return Ok(Some(Refusal { limit: Limit::Cooldown, retry_at: ready }));
        }
    }
    let windows: [(Limit, &str, &str, u32, Duration); 2] = [
        (Limit::PerTarget, "target = ?1", req.target, s.max_sends_per_target_per_10_min, Duration::minutes(10)),
        (Limit::PerStaff, "created_by = ?1", req.actor, s.max_sends_per_staff_per_hour, Duration::hours(1)),
    ];
    for (limit, filter, key, cap, window) in windows {
        if let Some(retry_at) = window_full(tx, filter, key, cap, window, now)? {
            return Ok(Some(Refusal { limit, retry_at }));
        }
    }
    // The outbox holds only this desk's own sends, so "per desk" and "per day" count the whole
    // table: both are answered from row ids in O(log n), whatever the caps.
    for (limit, cap, window) in [
        (Limit::PerDesk, s.max_sends_per_desk_per_hour, Duration::hours(1)),
        (Limit::Daily, s.max_sends_per_day, Duration::hours(24)),
    ] {
        if let Some(retry_at) = table_window_full(tx, cap, window, now)? {
            return Ok(Some(Refusal { limit, retry_at }));
        }
    }
    Ok(None)
}

/// Like [`window_full`] over every outbox row. Ids only grow and old rows are pruned from the
/// oldest end, so the cap-th newest send is the newest row with `id <= max(id) - cap + 1`.
fn table_window_full(tx: &Transaction<'_>, cap: u32, window: Duration, now: OffsetDateTime) -> Result<Option<OffsetDateTime>> {
    let newest: Option<i64> = tx.query_row("SELECT max(id) FROM outbox", [], |r| r.get(0))?;
    let Some(newest) = newest else { return Ok(None) };
    let nth_id = newest - i64::from(cap) + 1;
    let nth: Option<String> = tx
        .query_row(
            "SELECT created_at FROM outbox WHERE id <= ?1 ORDER BY id DESC LIMIT 1",
            [nth_id],
            |r| r.get(0),
        )
        .optional()?;
    Ok(nth.as_deref().and_then(parse_ts).map(|t| t + window).filter(|lifts| *lifts > now))
}

/// If `cap` sends already fall inside the sliding window, when the oldest of them leaves it.
fn window_full(
    tx: &Transaction<'_>,
    filter: &str,
    key: &str,
    cap: u32,
    window: Duration,
    now: OffsetDateTime,
) -> Result<Option<OffsetDateTime>> {
    let since = ts(now - window);
    // The cap-th newest send in the window: when it ages out, one more is allowed.
    let sql = format!(
        "SELECT created_at FROM outbox WHERE {filter} AND created_at > ?2
         ORDER BY created_at DESC LIMIT 1 OFFSET ?3"
    );
    let nth: Option<String> = tx
        .query_row(&sql, params![key, since, cap.saturating_sub(1)], |r| r.get(0))
        .optional()?;
    Ok(nth.as_deref().and_then(parse_ts).map(|t| t + window))
}
