//! The outbox: one row per message to send, written in the same transaction as the code it
//! carries. The delivery worker (next issue) reads from here; the code travels sealed.

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use secrecy::SecretString;
use serde::Serialize;
use time::OffsetDateTime;

use crate::clock::ts;
use crate::codes::{CodeSecrets, RandomSource};
use crate::contact::{Channel, CodeType};
use crate::error::Result;

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
    // Earlier messages for the same person and contact carry a code that no longer works.
    tx.execute(
        "UPDATE outbox SET status = 'cancelled', sealed_payload = NULL, updated_at = ?3
         WHERE user_id = ?1 AND code_type = ?2 AND status IN ('queued', 'sending')",
        params![m.user_id, m.code_type.as_str(), at],
    )?;
    tx.execute(
        "INSERT INTO outbox (idempotency_key, user_id, code_type, channel, target, language,
             sealed_payload, status, next_attempt_at, expires_at, created_at, created_by,
             device_id, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'queued', ?8, ?9, ?8, ?10, ?11, ?8)",
        params![
            idempotency_key,
            m.user_id,
            m.code_type.as_str(),
            m.channel.as_str(),
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
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, String>(7)?,
                    r.get::<_, Option<Vec<u8>>>(8)?,
                ))
            },
        )
        .optional()?;
    Ok(row.and_then(|(id, key, user_id, code_type, channel, target, language, expires_at, sealed)| {
        Some(QueuedMessage {
            code: sealed.and_then(|s| secrets.unseal(&s, &key)),
            id,
            idempotency_key: key,
            user_id,
            code_type: CodeType::parse(&code_type)?,
            channel: Channel::parse(&channel)?,
            target,
            language,
            expires_at,
        })
    }))
}

/// A message's state, as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxState {
    pub id: i64,
    pub channel: String,
    pub status: String,
    pub last_error: Option<String>,
}
