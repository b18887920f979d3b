//! The outbox: one row per message to send, written in the same transaction as the code it
//! carries; the code travels sealed. This module owns the `outbox` table: every statement on it
//! is here (the delivery worker, the rate limits and the admin views call these), and a row's
//! status moves only along [`OutboxStatus`]'s transitions.

pub mod limits;
mod status;

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use secrecy::SecretString;
use serde::Serialize;
use time::{Duration, OffsetDateTime};

use crate::channel::Channel;
use crate::clock::{parse_ts, ts};
use crate::codes::{CodeSecrets, RandomSource};
use crate::contact::{self, CodeType};
use crate::error::Result;

pub use status::OutboxStatus;

pub struct Enqueue<'a> {
    pub user_id: &'a str,
    pub code_type: CodeType,
    pub channel: Channel,
    pub target: &'a str,
    pub language: &'a str,
    pub expires_at: OffsetDateTime,
    pub actor: &'a str,
    pub device_id: &'a str,
}

/// Queue a message; returns the outbox id.
pub fn enqueue(
    tx: &Transaction<'_>,
    secrets: &CodeSecrets,
    rng: &dyn RandomSource,
    code: &SecretString,
    m: &Enqueue<'_>,
    now: OffsetDateTime,
) -> Result<i64> {
    let mut key = [0u8; 16];
    rng.fill(&mut key);
    let idempotency_key = uuid::Builder::from_random_bytes(key).into_uuid().to_string();
    let sealed = secrets.seal(code, &idempotency_key, rng);
    let at = ts(now);
    tx.execute(
        "INSERT INTO outbox (idempotency_key, user_id, code_type, channel, target, language,
             sealed_payload, status, next_attempt_at, expires_at, created_at, created_by,
             device_id, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'queued', ?8, ?9, ?8, ?10, ?11, ?8)",
        params![
            idempotency_key,
            m.user_id,
            m.code_type,
            m.channel,
            m.target,
            m.language,
            sealed,
            at,
            ts(m.expires_at),
            m.actor,
            m.device_id
        ],
    )?;
    Ok(tx.last_insert_rowid())
}

/// Why a contact's earlier messages are retired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum RetireReason {
    /// A new code was issued: the old one no longer works.
    NewCode,
    /// The contact was edited: the old address is not the person's any more.
    ContactChanged,
    /// The person withdrew consent to be sent codes at this contact.
    ConsentWithdrawn,
    /// The desk's data was restored from a backup: its messages are from another time.
    Restored,
}

/// Retire every earlier message for this person and contact type: queued ones are cancelled,
/// and every one still live (queued, sending, or sent and awaiting a receipt) loses its sealed
/// code and is marked retired, so no retry or fallback can send its code again. Returns the ids
/// of the messages cancelled.
pub fn retire_contact(
    tx: &Transaction<'_>,
    user_id: &str,
    code_type: CodeType,
    why: RetireReason,
    now: OffsetDateTime,
) -> Result<Vec<i64>> {
    let at = ts(now);
    let reason: &'static str = why.into();
    let cancelled: Vec<i64> = {
        let mut stmt = tx.prepare(
            "UPDATE outbox SET status = ?3, sealed_payload = NULL, next_attempt_at = NULL, retired_at = ?4,
                 last_error_code = ?5, updated_at = ?4
             WHERE user_id = ?1 AND code_type = ?2 AND status = 'queued' RETURNING id",
        )?;
        let ids = stmt.query_map(params![user_id, code_type, OutboxStatus::Cancelled, at, reason], |r| r.get(0))?;
        ids.collect::<rusqlite::Result<_>>()?
    };
    tx.execute(
        "UPDATE outbox SET sealed_payload = NULL, retired_at = ?3, updated_at = ?3
         WHERE user_id = ?1 AND code_type = ?2 AND status IN ('sending', 'sent') AND retired_at IS NULL",
        params![user_id, code_type, at],
    )?;
    Ok(cancelled)
}

/// After a restore from a backup: every message that came back waiting is cancelled and every
/// live one loses its sealed code, so no code from the backup's time is ever sent (it may have
/// gone already, from this desk after the backup was made). Returns the ids cancelled.
pub fn retire_all(tx: &Transaction<'_>, why: RetireReason, now: OffsetDateTime) -> Result<Vec<i64>> {
    let at = ts(now);
    let reason: &'static str = why.into();
    let cancelled: Vec<i64> = {
        let mut stmt = tx.prepare(
            "UPDATE outbox SET status = ?1, sealed_payload = NULL, next_attempt_at = NULL, retired_at = ?2,
                 last_error_code = ?3, updated_at = ?2
             WHERE status = 'queued' RETURNING id",
        )?;
        let ids = stmt.query_map(params![OutboxStatus::Cancelled, at, reason], |r| r.get(0))?;
        ids.collect::<rusqlite::Result<_>>()?
    };
    tx.execute(
        "UPDATE outbox SET sealed_payload = NULL, retired_at = ?1, updated_at = ?1
         WHERE status IN ('sending', 'sent') AND retired_at IS NULL",
        params![at],
    )?;
    Ok(cancelled)
}

/// Whether a message was retired (its code replaced): nothing may send its code again.
pub fn is_retired(conn: &Connection, id: i64) -> Result<bool> {
    Ok(conn.query_row("SELECT retired_at IS NOT NULL FROM outbox WHERE id = ?1", [id], |r| r.get(0)).optional()?.unwrap_or(true))
}

/// Whether any message for this contact since `since` was taken by a real provider (not the
/// demo outbox): a verification is real only if its code really went to the contact.
pub fn went_to_provider(conn: &Connection, user_id: &str, code_type: CodeType, since: &str) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM outbox WHERE user_id = ?1 AND code_type = ?2 AND created_at >= ?3
             AND sent_at IS NOT NULL AND provider_message_id NOT LIKE 'demo:%')",
        params![user_id, code_type, since],
        |r| r.get(0),
    )?)
}

/// A queued message with its code opened, for the delivery worker and the demo outbox.
pub struct QueuedMessage {
    pub id: i64,
    pub idempotency_key: String,
    pub user_id: String,
    pub code_type: CodeType,
    pub channel: Channel,
    pub target: String,
    pub language: String,
    pub expires_at: String,
    pub code: Option<SecretString>,
}

impl std::fmt::Debug for QueuedMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueuedMessage").field("id", &self.id).field("channel", &self.channel).finish_non_exhaustive()
    }
}

pub fn get(conn: &Connection, secrets: &CodeSecrets, id: i64) -> Result<Option<QueuedMessage>> {
    let row = conn
        .query_row(
            "SELECT id, idempotency_key, user_id, code_type, channel, target, language, expires_at,
                    sealed_payload
             FROM outbox WHERE id = ?1",
            [id],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, CodeType>(3)?,
                    r.get::<_, Channel>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, String>(7)?,
                    r.get::<_, Option<Vec<u8>>>(8)?,
                ))
            },
        )
        .optional()?;
    Ok(row.map(|(id, key, user_id, code_type, channel, target, language, expires_at, sealed)| QueuedMessage {
        code: sealed.and_then(|s| secrets.unseal(&s, &key)),
        id,
        idempotency_key: key,
        user_id,
        code_type,
        channel,
        target,
        language,
        expires_at,
    }))
}

/// Words kept on a row the desk stopped while sending: whether the provider got it can't be
/// known, so it is never sent again automatically.
const INTERRUPTED_WORDS: &str =
    "The desk stopped while this message was being sent, so it may or may not have gone. If it doesn't arrive, send a new code.";

/// A row in a state that needs an event written (recovery, expiry).
#[derive(Debug, Clone)]
pub struct RowRef {
    pub id: i64,
    pub user_id: String,
    pub code_type: CodeType,
    pub channel: Channel,
    pub target: String,
}

fn row_ref(r: &rusqlite::Row<'_>) -> rusqlite::Result<RowRef> {
    Ok(RowRef { id: r.get(0)?, user_id: r.get(1)?, code_type: r.get(2)?, channel: r.get(3)?, target: r.get(4)? })
}

/// Start-up: rows left `sending` by a crash become `unknown` (never re-sent). Returns them.
pub fn mark_interrupted(tx: &Transaction<'_>, now: OffsetDateTime) -> Result<Vec<RowRef>> {
    let rows: Vec<RowRef> = {
        let mut stmt = tx.prepare("SELECT id, user_id, code_type, channel, target FROM outbox WHERE status = 'sending'")?;
        let rows = stmt.query_map([], row_ref)?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    for row in &rows {
        tx.execute(
            "UPDATE outbox SET status = ?2, sealed_payload = NULL, last_error_code = 'interrupted',
                 last_error = ?3, updated_at = ?4 WHERE id = ?1",
            params![row.id, OutboxStatus::Unknown, INTERRUPTED_WORDS, ts(now)],
        )?;
    }
    Ok(rows)
}

/// Queued rows whose code ran out before they could go become `expired`; sealed codes kept on
/// sent rows for a fallback are wiped once the code is dead. Returns the expired rows.
pub fn expire(tx: &Transaction<'_>, now: OffsetDateTime) -> Result<Vec<RowRef>> {
    let rows: Vec<RowRef> = {
        let mut stmt =
            tx.prepare("SELECT id, user_id, code_type, channel, target FROM outbox WHERE status = 'queued' AND expires_at <= ?1")?;
        let rows = stmt.query_map([ts(now)], row_ref)?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    for row in &rows {
        tx.execute(
            "UPDATE outbox SET status = ?2, sealed_payload = NULL, updated_at = ?3 WHERE id = ?1",
            params![row.id, OutboxStatus::Expired, ts(now)],
        )?;
    }
    // Sent messages keep their sealed code only while it could still be needed for a
    // fallback; after expiry there is nothing left to fall back with.
    tx.execute(
        "UPDATE outbox SET sealed_payload = NULL, next_attempt_at = NULL
         WHERE sealed_payload IS NOT NULL AND status NOT IN ('queued', 'sending') AND expires_at <= ?1",
        [ts(now)],
    )?;
    Ok(rows)
}

/// What is due next for the worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    Send(i64),
    Poll(i64),
}

/// The first message due to be sent, else the first sent message due a delivery check.
pub fn next_due(conn: &Connection, now: OffsetDateTime) -> Result<Option<Due>> {
    let now = ts(now);
    let send: Option<i64> = conn
        .query_row(
            "SELECT id FROM outbox WHERE status = 'queued' AND next_attempt_at <= ?1
             ORDER BY next_attempt_at, id LIMIT 1",
            [&now],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(id) = send {
        return Ok(Some(Due::Send(id)));
    }
    let poll: Option<i64> = conn
        .query_row(
            "SELECT id FROM outbox WHERE status = 'sent' AND provider_message_id IS NOT NULL
                 AND next_attempt_at IS NOT NULL AND next_attempt_at <= ?1
             ORDER BY next_attempt_at, id LIMIT 1",
            [&now],
            |r| r.get(0),
        )
        .optional()?;
    Ok(poll.map(Due::Poll))
}

/// When the next queued send or delivery check falls due.
pub fn next_wake(conn: &Connection) -> Result<Option<OffsetDateTime>> {
    let next: Option<String> = conn.query_row(
        "SELECT min(next_attempt_at) FROM outbox WHERE next_attempt_at IS NOT NULL AND status IN ('queued', 'sent')",
        [],
        |r| r.get(0),
    )?;
    Ok(next.as_deref().and_then(parse_ts))
}

/// A claimed message: marked `sending` and committed before any network call, so a crash
/// mid-send can never lead to a second send.
pub struct Claimed {
    pub msg: QueuedMessage,
    pub code: SecretString,
    pub attempts: u32,
    pub person_name: String,
    pub expires_at: OffsetDateTime,
    pub created_by: String,
}

/// Claim a queued row: `queued` → `sending`, and load everything the send needs, in one trip.
/// `Ok(None)` when the row is no longer queued, or its code can't be opened (sealed under a
/// pepper this desk no longer has): such a row fails with words saying so.
pub fn claim(conn: &Connection, secrets: &CodeSecrets, id: i64, now: OffsetDateTime) -> Result<Option<Claimed>> {
    // The mark must be on disk before the network call, power cut or not.
    let changed = crate::store::durably(conn, |c| {
        Ok(c.execute(
            "UPDATE outbox SET status = ?3, attempts = attempts + 1, updated_at = ?2 WHERE id = ?1 AND status = 'queued'",
            params![id, ts(now), OutboxStatus::Sending],
        )?)
    })?;
    if changed == 0 {
        return Ok(None);
    }
    let Some(mut msg) = get(conn, secrets, id)? else {
        return Ok(None);
    };
    let (attempts, created_by, person_name): (u32, String, Option<String>) = conn.query_row(
        "SELECT o.attempts, o.created_by, u.display_name FROM outbox o LEFT JOIN users u ON u.user_id = o.user_id
         WHERE o.id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    let expires_at = parse_ts(&msg.expires_at).unwrap_or(now);
    match msg.code.take() {
        Some(code) => Ok(Some(Claimed { msg, code, attempts, person_name: person_name.unwrap_or_default(), expires_at, created_by })),
        None => {
            conn.execute(
                "UPDATE outbox SET status = ?4, last_error_code = 'code_unavailable', last_error = ?2,
                     sealed_payload = NULL, updated_at = ?3 WHERE id = ?1",
                params![id, "This code can't be sent any more. Send a new one.", ts(now), OutboxStatus::Failed],
            )?;
            Ok(None)
        }
    }
}

/// The provider took the message. `poll_at`: when to ask for a delivery receipt (providers that
/// have them); such rows keep their sealed code for a fallback until their state is final.
pub fn mark_sent(tx: &Transaction<'_>, id: i64, provider_id: &str, poll_at: Option<OffsetDateTime>, now: OffsetDateTime) -> Result<()> {
    debug_assert!(OutboxStatus::Sending.can_become(OutboxStatus::Sent));
    tx.execute(
        "UPDATE outbox SET status = ?6, provider_message_id = ?2, next_attempt_at = ?3,
             sealed_payload = CASE WHEN ?4 THEN sealed_payload ELSE NULL END,
             last_error = NULL, last_error_code = NULL, sent_at = ?5, updated_at = ?5
         WHERE id = ?1",
        params![id, provider_id, poll_at.map(ts), poll_at.is_some(), ts(now), OutboxStatus::Sent],
    )?;
    Ok(())
}

/// Try again at `next` (a retry, or waiting for the network); `provider_id` is forgotten when a
/// sent message failed and will be sent afresh.
/// `from` is the state the caller found the row in (sending, or sent when a receipt failed).
pub fn requeue(
    tx: &Transaction<'_>,
    id: i64,
    from: OutboxStatus,
    next: OffsetDateTime,
    error: &str,
    error_code: Option<&str>,
    now: OffsetDateTime,
) -> Result<()> {
    debug_assert!(from.can_become(OutboxStatus::Queued), "{from} can't go back to queued");
    tx.execute(
        "UPDATE outbox SET status = ?6, next_attempt_at = ?2, last_error = ?3, last_error_code = ?4,
             provider_message_id = NULL, updated_at = ?5 WHERE id = ?1",
        params![id, ts(next), error, error_code, ts(now), OutboxStatus::Queued],
    )?;
    Ok(())
}

/// A final state: the seal is wiped and nothing more is scheduled.
/// `from` is the state the caller found the row in; the move must be one `OutboxStatus` allows.
pub fn mark_final(
    tx: &Transaction<'_>,
    id: i64,
    from: OutboxStatus,
    status: OutboxStatus,
    error: Option<&str>,
    error_code: Option<&str>,
    now: OffsetDateTime,
) -> Result<()> {
    debug_assert!(status.is_final() && from.can_become(status), "{from} can't become {status}");
    tx.execute(
        "UPDATE outbox SET status = ?2, sealed_payload = NULL, next_attempt_at = NULL, last_error = ?3,
             last_error_code = ?4, updated_at = ?5 WHERE id = ?1",
        params![id, status, error, error_code, ts(now)],
    )?;
    Ok(())
}

/// Ask the provider again at `next` (or stop asking: `None`); a check is not a change.
pub fn poll_again(tx: &Transaction<'_>, id: i64, next: Option<OffsetDateTime>) -> Result<()> {
    tx.execute("UPDATE outbox SET next_attempt_at = ?2, attempts = attempts + 1 WHERE id = ?1", params![id, next.map(ts)])?;
    Ok(())
}

/// Stop checking a message's delivery (its provider can no longer be asked); it stays `sent`.
pub fn stop_polling(conn: &Connection, id: i64) -> Result<()> {
    conn.execute("UPDATE outbox SET next_attempt_at = NULL WHERE id = ?1", [id])?;
    Ok(())
}

/// What the delivery check needs about a sent row.
#[derive(Debug, Clone)]
pub struct SentRow {
    pub provider_message_id: String,
    pub attempts: u32,
    pub sent_at: Option<OffsetDateTime>,
    pub created_by: String,
}

pub fn sent_row(conn: &Connection, id: i64) -> Result<Option<SentRow>> {
    Ok(conn
        .query_row(
            "SELECT provider_message_id, attempts, sent_at, created_by FROM outbox WHERE id = ?1 AND provider_message_id IS NOT NULL",
            [id],
            |r| {
                let sent_at: Option<String> = r.get(2)?;
                Ok(SentRow {
                    provider_message_id: r.get(0)?,
                    attempts: r.get(1)?,
                    sent_at: sent_at.as_deref().and_then(parse_ts),
                    created_by: r.get(3)?,
                })
            },
        )
        .optional()?)
}

/// Messages the provider accepted on `channel` since `since` (demo sends are not counted).
pub fn accepted_since(conn: &Connection, channel: Channel, since: OffsetDateTime) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT count(*) FROM outbox WHERE channel = ?1 AND provider_message_id IS NOT NULL
             AND provider_message_id NOT LIKE 'demo:%' AND updated_at > ?2",
        params![channel, ts(since)],
        |r| r.get(0),
    )?)
}

/// The last time a message on `channel` failed with `error_code`, since `since`.
pub fn last_failure_at(conn: &Connection, channel: Channel, error_code: &str, since: OffsetDateTime) -> Result<Option<OffsetDateTime>> {
    let at: Option<String> = conn.query_row(
        "SELECT max(updated_at) FROM outbox WHERE channel = ?1 AND last_error_code = ?2 AND updated_at > ?3",
        params![channel, error_code, ts(since)],
        |r| r.get(0),
    )?;
    Ok(at.as_deref().and_then(parse_ts))
}

/// Messages not yet final (queued or being sent), and those of them waiting for the network.
pub fn waiting(conn: &Connection) -> Result<(i64, i64)> {
    Ok(conn.query_row(
        "SELECT count(*) FILTER (WHERE status IN ('queued', 'sending')),
                count(*) FILTER (WHERE status = 'queued' AND last_error_code = 'offline')
         FROM outbox",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?)
}

/// How many queued messages wait with this error code (e.g. for the keyring).
pub fn waiting_for(conn: &Connection, error_code: &str) -> Result<i64> {
    Ok(conn.query_row("SELECT count(*) FROM outbox WHERE status = 'queued' AND last_error_code = ?1", [error_code], |r| r.get(0))?)
}

/// Messages waiting with this error code are due now (what they waited for is back).
pub fn retry_now(conn: &Connection, error_code: &str, now: OffsetDateTime) -> Result<usize> {
    Ok(conn.execute(
        "UPDATE outbox SET next_attempt_at = ?2 WHERE status = 'queued' AND last_error_code = ?1 AND next_attempt_at > ?2",
        params![error_code, ts(now)],
    )?)
}

/// One row of the admin's outbox view (and the person panel's state).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct OutboxEntry {
    pub id: i64,
    pub user_id: String,
    pub display_name: String,
    pub code_type: CodeType,
    pub channel: Channel,
    pub target_masked: String,
    pub status: OutboxStatus,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// Recent messages, newest first, optionally for one person.
pub fn list(conn: &Connection, user_id: Option<&str>, limit: u32) -> Result<Vec<OutboxEntry>> {
    let mut stmt = conn.prepare_cached(
        "SELECT o.id, o.user_id, coalesce(u.display_name, ''), o.code_type, o.channel, o.target, o.status,
                o.attempts, o.last_error, o.created_at, o.updated_at
         FROM outbox o LEFT JOIN users u ON u.user_id = o.user_id
         WHERE ?1 IS NULL OR o.user_id = ?1
         ORDER BY o.id DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![user_id, limit], |r| {
        let code_type: CodeType = r.get(3)?;
        let target: String = r.get(5)?;
        Ok(OutboxEntry {
            id: r.get(0)?,
            user_id: r.get(1)?,
            display_name: r.get(2)?,
            target_masked: contact::mask(code_type, &target),
            code_type,
            channel: r.get(4)?,
            status: r.get(6)?,
            attempts: r.get(7)?,
            last_error: r.get(8)?,
            created_at: r.get(9)?,
            updated_at: r.get(10)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Drop final rows older than two days (they only fed the rate limits).
pub fn prune(conn: &Connection, now: OffsetDateTime) -> Result<usize> {
    Ok(conn.execute("DELETE FROM outbox WHERE created_at < ?1 AND status NOT IN ('queued', 'sending')", [ts(now - Duration::days(2))])?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::SeededRandom;
    use crate::store::Store;
    use time::macros::datetime;

    static SEEN: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

    fn record(event: rusqlite::trace::TraceEvent<'_>) {
        if let rusqlite::trace::TraceEvent::Stmt(_, sql) = event {
            SEEN.lock().unwrap_or_else(|p| p.into_inner()).push(sql.to_owned());
        }
    }

    #[test]
    fn the_claim_commits_with_synchronous_full_and_goes_back_to_normal() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(&tmp.path().join("d.sqlite3")).expect("open");
        let now = datetime!(2026-11-24 04:30 UTC);
        let secrets = CodeSecrets::from_pepper([1; 32], true);
        let rng = SeededRandom::new(1);
        let conn = store.conn_mut();
        conn.execute(
            "INSERT INTO users (user_id, entity_type, entity_id, display_name, phone, created_at, updated_at)
             VALUES ('W1', 'patient', 'e1', 'P', '+919845012345', 't', 't')",
            [],
        )
        .expect("person");
        let tx = conn.transaction().expect("tx");
        let id = enqueue(
            &tx,
            &secrets,
            &rng,
            &SecretString::from("123456"),
            &Enqueue {
                user_id: "W1",
                code_type: CodeType::Phone,
                channel: Channel::SMS,
                target: "+919845012345",
                language: "en",
                expires_at: now + Duration::minutes(10),
                actor: "r",
                device_id: "d",
            },
            now,
        )
        .expect("enqueue");
        tx.commit().expect("commit");
        assert_eq!(crate::store::synchronous(conn).expect("pragma"), 1, "NORMAL in general");
        conn.trace_v2(rusqlite::trace::TraceEventCodes::SQLITE_TRACE_STMT, Some(record));
        let claimed = claim(conn, &secrets, id, now).expect("claim").expect("claimed");
        conn.trace_v2(rusqlite::trace::TraceEventCodes::empty(), None);
        assert_eq!(claimed.msg.id, id);
        let seen = SEEN.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let at = |needle: &str| seen.iter().position(|s| s.contains(needle)).unwrap_or_else(|| panic!("{needle} in {seen:?}"));
        assert!(at("synchronous = FULL") < at("UPDATE outbox SET status"), "{seen:?}");
        assert!(at("UPDATE outbox SET status") < at("synchronous = NORMAL"), "{seen:?}");
        assert_eq!(crate::store::synchronous(conn).expect("pragma"), 1, "back to NORMAL after the claim");
        crate::store::durably(conn, |c| {
            assert_eq!(crate::store::synchronous(c)?, 2, "FULL inside");
            Ok(())
        })
        .expect("durably");
    }
}
