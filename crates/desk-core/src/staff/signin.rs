//! Sign-in that can't be abused (NIST SP 800-63B §5.2.2):
//! - each typed user ID has its own throttle, whether or not an account has it, so an unknown ID
//!   and a known one answer with the same words after the same work: the first wrong tries are
//!   free, then each waits longer (30 s doubling, at most 15 minutes), and after
//!   [`MAX_CONSECUTIVE_FAILURES`] in a row the ID is blocked until an administrator unlocks it
//!   (or the recovery code is used). Nobody is locked out for ever by a guesser who keeps at it:
//!   the delays never exceed 15 minutes before the block, and the block has a way back.
//! - the whole desk slows down when many sign-ins fail at once (someone trying many IDs).
//! - the password check (the slow part) runs without the store lock: [`begin`] reads, the caller
//!   verifies, [`finish`] records.

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde_json::json;
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

use crate::clock::{local_hh_mm, parse_ts, ts};
use crate::error::{AccessError, Error, Result};
use crate::events::{self, EventKind, Journal, NewEvent, Outcome};

/// Wrong passwords in a row that cost nothing.
pub const FREE_FAILURES: u32 = 4;
/// NIST's cap on consecutive failed attempts for one account.
pub const MAX_CONSECUTIVE_FAILURES: u32 = 100;
/// The longest wait between tries before the block.
pub const MAX_DELAY: Duration = Duration::minutes(15);
/// Failed sign-ins on this desk (any IDs) in [`DESK_WINDOW`] before the whole desk waits.
pub const DESK_MAX_FAILURES: i64 = 30;
pub const DESK_WINDOW: Duration = Duration::minutes(10);

/// The wait after `failures` wrong passwords in a row.
pub fn delay_after(failures: u32) -> Duration {
    if failures <= FREE_FAILURES {
        return Duration::ZERO;
    }
    let doublings = (failures - FREE_FAILURES - 1).min(10);
    (Duration::seconds(30) * 2i32.pow(doublings)).min(MAX_DELAY)
}

/// The throttle's key for a typed ID: a hash, since people type passwords into the ID field.
pub fn id_key(typed_id: &str) -> String {
    hex::encode(Sha256::digest(typed_id.trim().to_lowercase().as_bytes()))
}

/// What the password check needs, read under the lock.
#[derive(Debug)]
pub struct Attempt {
    pub typed_id: String,
    pub id_key: String,
    /// The account's stored hash, when the ID is an account and nothing refuses the try.
    pub stored_hash: Option<String>,
    pub account: Option<(String, bool)>,
    /// Why the try is refused before the password is looked at (still hashed, for timing).
    pub refused: Option<AccessError>,
    failures: u32,
}

/// Read what a sign-in needs: the ID's throttle, the desk's, and the account.
pub fn begin(conn: &Connection, typed_id: &str, now: OffsetDateTime, offset: time::UtcOffset) -> Result<Attempt> {
    let typed_id = typed_id.trim().to_owned();
    let key = id_key(&typed_id);
    let throttle: Option<(u32, String, Option<String>)> = conn
        .query_row("SELECT failures, next_try_at, blocked_at FROM sign_in_throttle WHERE id_key = ?1", [&key], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    let account: Option<(String, Option<String>, bool)> = conn
        .query_row("SELECT user_id, password_hash, is_active FROM staff_accounts WHERE user_id = ?1", [&typed_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    let failures = throttle.as_ref().map_or(0, |t| t.0);
    let refused = match &throttle {
        Some((_, _, Some(_))) => Some(AccessError::AccountBlocked),
        Some((_, next, None)) => parse_ts(next).filter(|t| *t > now).map(|t| AccessError::AccountLocked { until: local_hh_mm(t, offset) }),
        None => None,
    }
    .or(desk_wait(conn, now)?.map(|t| AccessError::DeskBusy { until: local_hh_mm(t, offset) }));
    let stored_hash = if refused.is_some() { None } else { account.as_ref().and_then(|a| a.1.clone()) };
    Ok(Attempt { typed_id, id_key: key, stored_hash, account: account.map(|(id, _, active)| (id, active)), refused, failures })
}

/// When the desk-wide throttle lets sign-ins through again, if it is holding them.
fn desk_wait(conn: &Connection, now: OffsetDateTime) -> Result<Option<OffsetDateTime>> {
    // The failed sign-ins are the event log's: counted there, not kept twice.
    let (count, oldest) = events::recent_count(conn, EventKind::SignIn, Outcome::Failed, now - DESK_WINDOW, DESK_MAX_FAILURES)?;
    Ok((count >= DESK_MAX_FAILURES).then(|| oldest.as_deref().and_then(parse_ts).map(|t| t + DESK_WINDOW)).flatten())
}

/// Record the outcome of a try and say what the person reads. `password_ok` is the check's
/// answer (ignored when the try was refused beforehand).
pub fn finish(
    tx: &Transaction<'_>,
    j: &Journal,
    a: &Attempt,
    password_ok: bool,
    now: OffsetDateTime,
    offset: time::UtcOffset,
) -> Result<String> {
    // The event names the account when there is one; a typed ID that is no account is not
    // recorded (it may be a password typed into the wrong field).
    let subject = a.account.as_ref().map_or("(unknown id)", |(id, _)| id.as_str());
    let event = |outcome: Outcome, code: Option<&str>, detail: serde_json::Value| {
        events::append(
            tx,
            j,
            now,
            &NewEvent {
                user_id: subject,
                code_type: None,
                kind: EventKind::SignIn,
                actor: subject,
                channel: None,
                target: None,
                outcome,
                error_code: code,
                detail: Some(detail),
            },
        )
    };
    if let Some(refused) = &a.refused {
        let code = match refused {
            AccessError::AccountBlocked => "blocked",
            AccessError::DeskBusy { .. } => "desk_throttled",
            _ => "throttled",
        };
        event(Outcome::Refused, Some(code), json!({"id_key": &a.id_key[..12]}))?;
        return Err(Error::Access(refused.clone()));
    }
    let ok = password_ok && a.account.is_some();
    if !ok {
        let failures = a.failures + 1;
        let next = now + delay_after(failures);
        let blocked = failures >= MAX_CONSECUTIVE_FAILURES;
        tx.execute(
            "INSERT INTO sign_in_throttle (id_key, failures, next_try_at, blocked_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (id_key) DO UPDATE SET failures = excluded.failures, next_try_at = excluded.next_try_at,
                 blocked_at = excluded.blocked_at, updated_at = excluded.updated_at",
            params![a.id_key, failures, ts(next), blocked.then(|| ts(now)), ts(now)],
        )?;
        event(
            Outcome::Failed,
            Some(if blocked { "blocked" } else { "wrong_password" }),
            json!({"id_key": &a.id_key[..12], "failures": failures}),
        )?;
        if blocked {
            events::append(
                tx,
                j,
                now,
                &NewEvent::action(subject, EventKind::Locked, subject, Outcome::Refused, Some(json!({"failures": failures}))),
            )?;
        }
        tracing::warn!(failures, blocked, "failed sign-in");
        return Err(Error::Access(if blocked {
            AccessError::AccountBlocked
        } else if next > now {
            AccessError::AccountLocked { until: local_hh_mm(next, offset) }
        } else {
            AccessError::SignInFailed
        }));
    }
    let Some((user_id, active)) = &a.account else {
        return Err(Error::Access(AccessError::SignInFailed));
    };
    tx.execute("DELETE FROM sign_in_throttle WHERE id_key = ?1", [&a.id_key])?;
    if !active {
        event(Outcome::Refused, Some("disabled"), json!({}))?;
        return Err(Error::Access(AccessError::AccountDisabled));
    }
    tx.execute(
        "UPDATE staff_accounts SET failed_attempts = 0, locked_until = NULL, last_login = ?2 WHERE user_id = ?1",
        params![user_id, ts(now)],
    )?;
    event(Outcome::Done, None, json!({}))?;
    Ok(user_id.clone())
}

/// An administrator lifts the throttle and block on an account.
pub fn unlock(tx: &Transaction<'_>, user_id: &str) -> Result<bool> {
    Ok(tx.execute("DELETE FROM sign_in_throttle WHERE id_key = ?1", [id_key(user_id)])? > 0)
}

/// A clinic staff member's failed sign-ins at every desk of the hospital, as the clinic counts
/// them from the desks' pushed events: the failures since the last success or unlock anywhere,
/// times on this desk's clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedFailures {
    pub user_id: String,
    pub failures: u32,
    pub last_failed_at: Option<OffsetDateTime>,
    pub last_reset_at: Option<OffsetDateTime>,
}

/// Take the clinic's count into this desk's throttle, so a guesser can't move from desk to
/// desk: an account waits (or is blocked) here as long as its failures everywhere say, and a
/// success or an admin's unlock at another desk lifts the wait here too, once the clinic has
/// every failure of this desk (`acked_seq`: a failure it hasn't seen yet still counts here).
/// The desk's own failures are in the clinic's count already (a round pushes before it pulls),
/// so the larger count wins rather than the sum. Returns the accounts whose throttle changed.
pub fn merge_shared(tx: &Transaction<'_>, j: &Journal, acked_seq: i64, shared: &[SharedFailures], now: OffsetDateTime) -> Result<u32> {
    let mut changed = 0;
    for s in shared {
        let known: bool =
            tx.prepare_cached("SELECT EXISTS (SELECT 1 FROM staff_accounts WHERE user_id = ?1)")?.query_row([&s.user_id], |r| r.get(0))?;
        if !known {
            continue;
        }
        let key = id_key(&s.user_id);
        let local: Option<(u32, Option<String>, String)> = tx
            .prepare_cached("SELECT failures, blocked_at, updated_at FROM sign_in_throttle WHERE id_key = ?1")?
            .query_row([&key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        let local_failures = local.as_ref().map_or(0, |l| l.0);
        if s.failures > local_failures {
            let last = s.last_failed_at.unwrap_or(now).min(now);
            let blocked = s.failures >= MAX_CONSECUTIVE_FAILURES;
            let blocked_at = local.as_ref().and_then(|l| l.1.clone()).or_else(|| blocked.then(|| ts(now)));
            tx.execute(
                "INSERT INTO sign_in_throttle (id_key, failures, next_try_at, blocked_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (id_key) DO UPDATE SET failures = excluded.failures, next_try_at = excluded.next_try_at,
                     blocked_at = excluded.blocked_at, updated_at = excluded.updated_at",
                params![key, s.failures, ts(last + delay_after(s.failures)), blocked_at, ts(last)],
            )?;
            tracing::info!(failures = s.failures, blocked, "failed sign-ins at other desks count here");
            changed += 1;
        } else if s.failures == 0 && local.is_some() {
            // Times can't say which came first (two desks' clocks), the clinic's order can: its
            // count is 0 after every failure of this desk it holds.
            let last_failure = events::last_seq_about(tx, j.device_id(), EventKind::SignIn, Outcome::Failed, &s.user_id)?;
            if last_failure.is_none_or(|seq| seq <= acked_seq) {
                tx.execute("DELETE FROM sign_in_throttle WHERE id_key = ?1", [&key])?;
                changed += 1;
            }
        }
    }
    Ok(changed)
}

/// Whether an account is waiting or blocked (the staff list shows it).
pub fn is_held(conn: &Connection, user_id: &str, now: OffsetDateTime) -> Result<bool> {
    let row: Option<(String, Option<String>)> = conn
        .query_row("SELECT next_try_at, blocked_at FROM sign_in_throttle WHERE id_key = ?1", [id_key(user_id)], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    Ok(row.is_some_and(|(next, blocked)| blocked.is_some() || parse_ts(&next).is_some_and(|t| t > now)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_then_stop_growing() {
        assert_eq!(delay_after(1), Duration::ZERO);
        assert_eq!(delay_after(4), Duration::ZERO);
        assert_eq!(delay_after(5), Duration::seconds(30));
        assert_eq!(delay_after(6), Duration::minutes(1));
        assert_eq!(delay_after(9), Duration::minutes(8));
        assert_eq!(delay_after(10), MAX_DELAY);
        assert_eq!(delay_after(99), MAX_DELAY);
    }

    #[test]
    fn the_key_ignores_case_and_spaces() {
        assert_eq!(id_key(" Latha.K "), id_key("latha.k"));
        assert_ne!(id_key("latha.k"), id_key("latha.j"));
    }
}
