//! The state of each contact as the desk shows it: verified (and until when), not verified,
//! expired, code sent (with time and tries left), or a dead code that needs replacing.

use std::collections::HashMap;

use rusqlite::{params, Connection};
use serde::Serialize;
use serde_json::Value;
use time::{Duration, OffsetDateTime};

use crate::clock::{parse_ts, ts};
use crate::contact::{self, CodeType};
use crate::error::Result;
use crate::people::PersonRow;
use crate::settings::Settings;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(tag = "state", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum ContactStatus {
    /// No contact of this kind on file.
    Missing,
    NotVerified {
        invalidated_at: Option<String>,
        /// Who changed the contact, when its verification was undone.
        changed_by: Option<ChangedBy>,
        due: Option<Due>,
    },
    Verified {
        verified_at: String,
        verified_by: Option<String>,
        channel: Option<String>,
        valid_until: Option<String>,
    },
    /// Verified once, but longer ago than the configured validity.
    Expired {
        verified_at: String,
        expired_at: String,
        due: Option<Due>,
    },
    /// Demo mode: a correct code was typed, but it never left the desk. Not a verification.
    Practice {
        practiced_at: String,
        due: Option<Due>,
    },
    CodeSent {
        channel: String,
        target_masked: String,
        sent_at: String,
        expires_at: String,
        attempts_left: u32,
        resend_available_at: String,
    },
    /// The code can't be used any more (too many wrong tries, or its time ran out).
    CodeDead {
        reason: String,
        resend_available_at: String,
    },
}

/// Where a contact was changed, undoing its verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum ChangedBy {
    /// Edited at this desk.
    Desk,
    /// Changed in the clinic's system, and brought here by sync: "verify again".
    Clinic,
}

/// When policy needs this contact verified by (the clinic's settings: which contacts, for whom,
/// and the grace period).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Due {
    pub by: String,
    /// Past the grace period: search results and the "needs verifying" list show it.
    pub overdue: bool,
}

/// Whether policy requires this kind of contact verified for this kind of person.
pub fn required(settings: &Settings, entity_type: &str, code_type: CodeType) -> bool {
    let contact = match code_type {
        CodeType::Phone => settings.require_phone_verification,
        CodeType::Email => settings.require_email_verification,
    };
    let person =
        if entity_type == "staff" { settings.verification_required_for_staff } else { settings.verification_required_for_patients };
    contact && person
}

/// The deadline for a required contact that isn't verified: the grace period from when it
/// started needing it (added, changed, or its verification ran out).
fn due(settings: &Settings, entity_type: &str, code_type: CodeType, since: &str, now: OffsetDateTime) -> Option<Due> {
    if !required(settings, entity_type, code_type) {
        return None;
    }
    let by = parse_ts(since).unwrap_or(now) + Duration::days(settings.verification_grace_period_days.into());
    Some(Due { by: ts(by), overdue: now >= by })
}

/// Who a contact's status is about, for the policy.
pub(crate) struct Whom<'a> {
    pub entity_type: &'a str,
    pub created_at: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct PersonView {
    pub user_id: String,
    pub display_name: String,
    pub entity_type: String,
    pub phone: Option<String>,
    pub phone_masked: Option<String>,
    pub email: Option<String>,
    pub email_masked: Option<String>,
    pub preferred_language: Option<String>,
    pub phone_status: ContactStatus,
    pub email_status: ContactStatus,
    /// The consent on record for each contact (withdrawn ones can't be sent a code).
    pub phone_consent: Option<crate::consent::ConsentView>,
    pub email_consent: Option<crate::consent::ConsentView>,
}

/// Calendar months later, clamping the day (31 Jan + 1 month = 28/29 Feb).
fn add_months(t: OffsetDateTime, months: u32) -> OffsetDateTime {
    let total = t.month() as i32 - 1 + months as i32;
    let year = t.year() + total / 12;
    let month = time::Month::try_from((total % 12 + 1) as u8).unwrap_or(time::Month::January);
    let last_day = time::util::days_in_month(month, year);
    let date = time::Date::from_calendar_date(year, month, t.day().min(last_day)).unwrap_or(t.date());
    t.replace_date(date)
}

/// A live code row, as the status needs it.
#[derive(Debug, Clone)]
pub(crate) struct CodeRow {
    channel: String,
    target: String,
    created_at: String,
    expires_at: String,
    attempts: u32,
    max_attempts: u32,
    locked: bool,
}

const CODE_COLUMNS: &str = "user_id, code_type, channel, target, created_at, expires_at, attempts, max_attempts, locked_at";

fn code_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<((String, String), CodeRow)> {
    Ok((
        (r.get(0)?, r.get(1)?),
        CodeRow {
            channel: r.get(2)?,
            target: r.get(3)?,
            created_at: r.get(4)?,
            expires_at: r.get(5)?,
            attempts: r.get(6)?,
            max_attempts: r.get(7)?,
            locked: r.get::<_, Option<String>>(8)?.is_some(),
        },
    ))
}

/// Live codes of several people at once, keyed by (user_id, code_type).
pub(crate) fn codes_for(conn: &Connection, user_ids: &[&str]) -> Result<HashMap<(String, String), CodeRow>> {
    if user_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let ids = serde_json::to_string(user_ids).unwrap_or_else(|_| "[]".into());
    let mut stmt =
        conn.prepare_cached(&format!("SELECT {CODE_COLUMNS} FROM verification_codes WHERE user_id IN (SELECT value FROM json_each(?1))"))?;
    let rows = stmt.query_map(params![ids], code_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The state of one contact from what is known about it.
pub(crate) fn contact_status(
    code_type: CodeType,
    value: Option<&str>,
    status_json: &Value,
    code: Option<&CodeRow>,
    whom: &Whom<'_>,
    settings: &Settings,
    now: OffsetDateTime,
) -> ContactStatus {
    if value.is_none() {
        return ContactStatus::Missing;
    }
    if let Some(code) = code {
        let resend_at =
            parse_ts(&code.created_at).map(|c| ts(c + Duration::seconds(settings.resend_cooldown_seconds.into()))).unwrap_or_default();
        let expired = parse_ts(&code.expires_at).is_none_or(|e| now >= e);
        if code.locked || expired {
            let reason = if code.locked { "too_many_tries" } else { "expired" };
            return ContactStatus::CodeDead { reason: reason.into(), resend_available_at: resend_at };
        }
        return ContactStatus::CodeSent {
            channel: code.channel.clone(),
            target_masked: contact::mask(code_type, &code.target),
            sent_at: code.created_at.clone(),
            expires_at: code.expires_at.clone(),
            attempts_left: code.max_attempts.saturating_sub(code.attempts),
            resend_available_at: resend_at,
        };
    }
    let entry = status_json.get(code_type.as_str());
    let verified = entry.and_then(|e| e.get("verified")).and_then(Value::as_bool) == Some(true);
    let text = |k: &str| entry.and_then(|e| e.get(k)).and_then(Value::as_str).map(str::to_owned);
    let due_from = |since: &str| due(settings, whom.entity_type, code_type, since, now);
    if !verified {
        if entry.and_then(|e| e.get("practice")).and_then(Value::as_bool) == Some(true) {
            let practiced_at = text("practiced_at").unwrap_or_default();
            return ContactStatus::Practice { due: due_from(whom.created_at), practiced_at };
        }
        let invalidated_at = text("invalidated_at");
        let changed_by = invalidated_at.as_ref().map(|_| match text("reason").as_deref() {
            Some("changed_in_clinic") => ChangedBy::Clinic,
            _ => ChangedBy::Desk,
        });
        return ContactStatus::NotVerified {
            due: due_from(invalidated_at.as_deref().unwrap_or(whom.created_at)),
            invalidated_at,
            changed_by,
        };
    }
    let verified_at = text("verified_at").unwrap_or_default();
    let valid_until = match (settings.verification_validity_months, parse_ts(&verified_at)) {
        (0, _) => None,
        (months, Some(at)) => Some(add_months(at, months)),
        // A verified flag with no readable time can't be dated: treat it as needing renewal.
        (_, None) => Some(now),
    };
    match valid_until {
        Some(until) if until <= now => ContactStatus::Expired { due: due_from(&ts(until)), verified_at, expired_at: ts(until) },
        _ => ContactStatus::Verified {
            verified_at,
            verified_by: text("verified_by"),
            channel: text("channel"),
            valid_until: valid_until.map(ts),
        },
    }
}

pub(super) fn person_view(
    conn: &Connection,
    secrets: &crate::codes::CodeSecrets,
    p: &PersonRow,
    s: &Settings,
    now: OffsetDateTime,
) -> Result<PersonView> {
    let codes = codes_for(conn, &[p.user_id.as_str()])?;
    let code = |t: CodeType| codes.get(&(p.user_id.clone(), t.as_str().to_owned()));
    let whom = Whom { entity_type: &p.entity_type, created_at: &p.created_at };
    let consent = |t: CodeType, v: Option<&str>| -> Result<Option<crate::consent::ConsentView>> {
        match v {
            Some(v) => crate::consent::get(conn, secrets, &p.user_id, t, v),
            None => Ok(None),
        }
    };
    Ok(PersonView {
        user_id: p.user_id.clone(),
        display_name: p.display_name.clone(),
        entity_type: p.entity_type.clone(),
        phone_masked: p.phone.as_deref().map(contact::mask_phone),
        email_masked: p.email.as_deref().map(contact::mask_email),
        phone_status: contact_status(CodeType::Phone, p.phone.as_deref(), &p.verification_status, code(CodeType::Phone), &whom, s, now),
        email_status: contact_status(CodeType::Email, p.email.as_deref(), &p.verification_status, code(CodeType::Email), &whom, s, now),
        phone_consent: consent(CodeType::Phone, p.phone.as_deref())?,
        email_consent: consent(CodeType::Email, p.email.as_deref())?,
        phone: p.phone.clone(),
        email: p.email.clone(),
        preferred_language: p.preferred_language.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn months_are_calendar_months() {
        assert_eq!(add_months(datetime!(2026-01-31 10:00 UTC), 1), datetime!(2026-02-28 10:00 UTC));
        assert_eq!(add_months(datetime!(2026-11-24 10:00 UTC), 12), datetime!(2027-11-24 10:00 UTC));
        assert_eq!(add_months(datetime!(2026-11-24 10:00 UTC), 3), datetime!(2027-02-24 10:00 UTC));
    }
}
