//! The administrators' way back in: one recovery code at a time, shown once (at first setup,
//! and again each time it is used or an admin makes a new one), stored only as an argon2id hash.
//! It sets a new password for an administrator account and lifts its block. 100 random bits:
//! guessing it is hopeless, and tries are throttled like sign-ins anyway.

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use time::OffsetDateTime;

use crate::clock::ts;
use crate::codes::RandomSource;
use crate::error::{AccessError, Error, Result};
use crate::events::{self, EventKind, Journal, NewEvent, Outcome};

use super::{passwords, signin, Role};

/// The throttle key recovery tries count against (no account can have this ID).
const RECOVERY_ID: &str = "#recovery";

/// A fresh code: four groups of five letters and digits (base 32 without look-alikes).
fn generate(rng: &dyn RandomSource) -> SecretString {
    const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 20];
    rng.fill(&mut bytes);
    let chars: Vec<char> = bytes.iter().map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect();
    SecretString::from(chars.chunks(5).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-"))
}

fn normalize(typed: &str) -> String {
    typed.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect()
}

/// Make a new recovery code (the old one stops working); returns it, to be shown once.
pub fn make(tx: &Transaction<'_>, j: &Journal, by: &str, rng: &dyn RandomSource, now: OffsetDateTime) -> Result<SecretString> {
    let code = generate(rng);
    let hash = passwords::hash(&normalize(code.expose_secret()))
        .map_err(|e| Error::InvalidInput(format!("The recovery code couldn't be stored ({e}).")))?;
    tx.execute("UPDATE recovery_codes SET used_at = ?1, used_for = 'replaced' WHERE used_at IS NULL", [ts(now)])?;
    tx.execute("INSERT INTO recovery_codes (code_hash, created_at, created_by) VALUES (?1, ?2, ?3)", params![hash, ts(now), by])?;
    events::append(tx, j, now, &NewEvent::action(by, EventKind::RecoveryCodeMade, by, Outcome::Done, None))?;
    Ok(code)
}

/// Whether a recovery code is on record.
pub fn exists(conn: &Connection) -> Result<bool> {
    Ok(conn.query_row("SELECT EXISTS (SELECT 1 FROM recovery_codes WHERE used_at IS NULL)", [], |r| r.get(0))?)
}

/// What a recovery needs, read under the lock.
pub struct Recovery {
    attempt: signin::Attempt,
    live: Option<(i64, String)>,
}

pub fn begin(conn: &Connection, now: OffsetDateTime, offset: time::UtcOffset) -> Result<Recovery> {
    let attempt = signin::begin(conn, RECOVERY_ID, now, offset)?;
    let live = conn
        .query_row("SELECT id, code_hash FROM recovery_codes WHERE used_at IS NULL ORDER BY id DESC LIMIT 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    Ok(Recovery { attempt, live })
}

/// The slow check, without the store lock.
pub fn check(r: &Recovery, typed: &str) -> bool {
    let hash = match (&r.attempt.refused, &r.live) {
        (None, Some((_, h))) => h.as_str(),
        _ => "",
    };
    passwords::verify(&normalize(typed), (!hash.is_empty()).then_some(hash))
}

/// Use the code: the administrator account `admin_id` gets `new_password` and is unblocked,
/// the code is spent, and a new one is made and returned (to be shown once).
#[allow(clippy::too_many_arguments)]
pub fn finish(
    tx: &Transaction<'_>,
    j: &Journal,
    r: &Recovery,
    ok: bool,
    admin_id: &str,
    new_password: &str,
    rng: &dyn RandomSource,
    now: OffsetDateTime,
    offset: time::UtcOffset,
) -> Result<SecretString> {
    if r.attempt.refused.is_some() || !ok {
        // Counts against the recovery throttle, with the same words as a failed sign-in.
        let failed = signin::finish(tx, j, &r.attempt, false, now, offset);
        return Err(failed.err().unwrap_or(Error::Access(AccessError::SignInFailed)));
    }
    let Some((id, _)) = &r.live else {
        return Err(Error::Access(AccessError::SignInFailed));
    };
    match super::current(tx, admin_id)? {
        Some((Role::Admin, _)) => {}
        _ => {
            return Err(Error::InvalidInput(
                "The recovery code resets an administrator's password: type an administrator's user ID.".into(),
            ))
        }
    }
    super::check_password_policy(new_password)?;
    let hash = passwords::hash(new_password).map_err(|e| Error::InvalidInput(format!("The password couldn't be stored ({e}).")))?;
    tx.execute(
        "UPDATE staff_accounts SET password_hash = ?2, is_active = 1, updated_at = ?3, updated_by = 'recovery' WHERE user_id = ?1",
        params![admin_id, hash, ts(now)],
    )?;
    signin::unlock(tx, admin_id)?;
    signin::unlock(tx, RECOVERY_ID)?;
    tx.execute("UPDATE recovery_codes SET used_at = ?2, used_for = ?3 WHERE id = ?1", params![id, ts(now), admin_id])?;
    events::append(
        tx,
        j,
        now,
        &NewEvent::action(admin_id, EventKind::RecoveryCodeUsed, admin_id, Outcome::Done, Some(json!({"password_reset": true}))),
    )?;
    make(tx, j, admin_id, rng, now)
}
