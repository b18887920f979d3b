//! Consent (India's DPDP Act): the notice the receptionist reads out and the person agrees to
//! before a code is sent, versioned; the latest consent state per person and contact; and
//! withdrawal at the desk, which stops every message still waiting for that contact. This module
//! owns the `consents` table; the history is in the event log.

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;

use crate::clock::ts;
use crate::codes::CodeSecrets;
use crate::contact::CodeType;
use crate::error::{CodeError, Error, Result};
use crate::events::{self, EventKind, Journal, NewEvent, Outcome};
use crate::outbox::{self, RetireReason};

/// The notice's version: raise it whenever a text below changes in meaning, so every event
/// says which words the person agreed to.
pub const NOTICE_VERSION: u32 = 1;

/// The language the desk's own screens are in, and so the one the receptionist reads the notice
/// out in (the window shows `notice(DESK_LANGUAGE)` beside the consent box).
pub const DESK_LANGUAGE: &str = "en";

/// What the notice is for, recorded with every consent.
pub const PURPOSE: &str = "verification of this contact";

/// The consent notice as the desk shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Notice {
    pub version: u32,
    pub language: String,
    pub purpose: String,
    pub text: String,
}

/// The notice in `language` (English when the desk has no translation of this version).
pub fn notice(language: &str) -> Notice {
    let (language, text) = match language {
        "hi" => ("hi", "व्यक्ति सहमत है कि इस संपर्क की पुष्टि के लिए उसे एक कोड भेजा जाए। यह सहमति कभी भी वापस ली जा सकती है।"),
        _ => (
            "en",
            "The person agrees to receive a one-time code at this contact, used only to verify it. They can withdraw this consent at any time at the desk.",
        ),
    };
    Notice { version: NOTICE_VERSION, language: language.into(), purpose: PURPOSE.into(), text: text.into() }
}

/// The receptionist's confirmation that the person agreed, with the notice they were shown.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ConsentGiven {
    pub notice_version: u32,
    pub language: String,
}

impl ConsentGiven {
    /// The current notice, in `language`.
    pub fn current(language: &str) -> Self {
        ConsentGiven { notice_version: NOTICE_VERSION, language: notice(language).language }
    }
}

/// Where consent stands for one contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type, strum::IntoStaticStr, strum::EnumString)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ConsentState {
    Given,
    Withdrawn,
}

crate::sql_text!(ConsentState);

/// The consent record for a contact, as the person panel shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ConsentView {
    pub state: ConsentState,
    pub notice_version: u32,
    pub at: String,
    pub by: String,
}

fn target_key(secrets: &CodeSecrets, code_type: CodeType, target: &str) -> String {
    secrets.chain_mac(&[b"consent", code_type.as_str().as_bytes(), target.as_bytes()])
}

/// The consent on record for this contact, if any (a record about an earlier contact of the
/// person's does not count).
pub fn get(conn: &Connection, secrets: &CodeSecrets, user_id: &str, code_type: CodeType, target: &str) -> Result<Option<ConsentView>> {
    let row: Option<(String, ConsentState, u32, String, String)> = conn
        .query_row(
            "SELECT target_key, state, notice_version, at, by_staff FROM consents WHERE user_id = ?1 AND code_type = ?2",
            params![user_id, code_type],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    Ok(row.filter(|(key, ..)| *key == target_key(secrets, code_type, target)).map(|(_, state, notice_version, at, by)| ConsentView {
        state,
        notice_version,
        at,
        by,
    }))
}

/// Refuse a send to a contact whose consent was withdrawn.
pub fn check_not_withdrawn(conn: &Connection, secrets: &CodeSecrets, user_id: &str, code_type: CodeType, target: &str) -> Result<()> {
    match get(conn, secrets, user_id, code_type, target)? {
        Some(v) if v.state == ConsentState::Withdrawn => Err(Error::Code(CodeError::ConsentWithdrawn)),
        _ => Ok(()),
    }
}

fn store(
    tx: &Transaction<'_>,
    secrets: &CodeSecrets,
    user_id: &str,
    code_type: CodeType,
    target: &str,
    state: ConsentState,
    notice: &Notice,
    by: &str,
    now: OffsetDateTime,
) -> Result<()> {
    tx.execute(
        "INSERT INTO consents (user_id, code_type, target_key, state, notice_version, language, at, by_staff)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (user_id, code_type) DO UPDATE SET target_key = excluded.target_key, state = excluded.state,
             notice_version = excluded.notice_version, language = excluded.language, at = excluded.at,
             by_staff = excluded.by_staff",
        params![user_id, code_type, target_key(secrets, code_type, target), state, notice.version, notice.language, ts(now), by],
    )?;
    Ok(())
}

/// Record consent given with a send (the event of the send carries the notice). Refuses a notice
/// version the desk doesn't know: the person must have been shown the words on record.
#[allow(clippy::too_many_arguments)]
pub fn record_given(
    tx: &Transaction<'_>,
    j: &Journal,
    user_id: &str,
    code_type: CodeType,
    target: &str,
    given: &ConsentGiven,
    by: &str,
    now: OffsetDateTime,
) -> Result<Notice> {
    if given.notice_version != NOTICE_VERSION {
        return Err(Error::Code(CodeError::ConsentRequired));
    }
    let notice = notice(&given.language);
    store(tx, j.secrets(), user_id, code_type, target, ConsentState::Given, &notice, by, now)?;
    Ok(notice)
}

/// Consent given again at the desk after a withdrawal (its own event).
#[allow(clippy::too_many_arguments)]
pub fn renew(
    tx: &Transaction<'_>,
    j: &Journal,
    user_id: &str,
    code_type: CodeType,
    target: &str,
    given: &ConsentGiven,
    by: &str,
    now: OffsetDateTime,
) -> Result<()> {
    let notice = record_given(tx, j, user_id, code_type, target, given, by, now)?;
    events::append(
        tx,
        j,
        now,
        &NewEvent {
            user_id,
            code_type: Some(code_type),
            kind: EventKind::ConsentGiven,
            actor: by,
            channel: None,
            target: Some(target),
            outcome: Outcome::Done,
            error_code: None,
            detail: Some(json!({"notice_version": notice.version, "language": notice.language, "purpose": notice.purpose})),
        },
    )?;
    Ok(())
}

/// The person withdraws consent for this contact: recorded, and every message still waiting for
/// it is cancelled. Returns the cancelled message ids.
pub fn withdraw(
    tx: &Transaction<'_>,
    j: &Journal,
    user_id: &str,
    code_type: CodeType,
    target: &str,
    by: &str,
    now: OffsetDateTime,
) -> Result<Vec<i64>> {
    let notice = notice("en");
    store(tx, j.secrets(), user_id, code_type, target, ConsentState::Withdrawn, &notice, by, now)?;
    let cancelled = outbox::retire_contact(tx, user_id, code_type, RetireReason::ConsentWithdrawn, now)?;
    events::append(
        tx,
        j,
        now,
        &NewEvent {
            user_id,
            code_type: Some(code_type),
            kind: EventKind::ConsentWithdrawn,
            actor: by,
            channel: None,
            target: Some(target),
            outcome: Outcome::Done,
            error_code: None,
            detail: Some(json!({"notice_version": notice.version, "purpose": notice.purpose, "cancelled_messages": cancelled})),
        },
    )?;
    Ok(cancelled)
}
