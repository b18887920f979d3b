//! The state of each contact as the desk shows it: verified (and until when), not verified,
//! expired, code sent (with time and tries left), or a dead code that needs replacing.

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use serde_json::Value;
use time::{Duration, OffsetDateTime};

use crate::clock::{parse_ts, ts};
use crate::contact::{self, CodeType};
use crate::error::Result;
use crate::people::PersonRow;
use crate::settings::Settings;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum ContactStatus {
    /// No contact of this kind on file.
    Missing,
    NotVerified { invalidated_at: Option<String> },
    Verified { verified_at: String, verified_by: Option<String>, channel: Option<String>, valid_until: Option<String> },
    /// Verified once, but longer ago than the configured validity.
    Expired { verified_at: String, expired_at: String },
    CodeSent {
        channel: String,
        target_masked: String,
        sent_at: String,
        expires_at: String,
        attempts_left: u32,
        resend_available_at: String,
    },
    /// The code can't be used any more (too many wrong tries, or its time ran out).
    CodeDead { reason: String, resend_available_at: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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

fn contact_status(
    conn: &Connection,
    person: &PersonRow,
    code_type: CodeType,
    value: Option<&str>,
    settings: &Settings,
    now: OffsetDateTime,
) -> Result<ContactStatus> {
    if value.is_none() {
        return Ok(ContactStatus::Missing);
    }
    let code = conn
        .query_row(
            "SELECT channel, target, created_at, expires_at, attempts, max_attempts, locked_at
             FROM verification_codes WHERE user_id = ?1 AND code_type = ?2",
            params![person.user_id, code_type.as_str()],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, u32>(4)?,
                    r.get::<_, u32>(5)?,
                    r.get::<_, Option<String>>(6)?,
                ))
            },
        )
        .optional()?;
    if let Some((channel, target, created_at, expires_at, attempts, max_attempts, locked_at)) = code {
        let resend_at = parse_ts(&created_at)
            .map(|c| ts(c + Duration::seconds(settings.resend_cooldown_seconds.into())))
            .unwrap_or_default();
        let expired = parse_ts(&expires_at).is_none_or(|e| now >= e);
        if locked_at.is_some() || expired {
            let reason = if locked_at.is_some() { "too_many_tries" } else { "expired" };
            return Ok(ContactStatus::CodeDead { reason: reason.into(), resend_available_at: resend_at });
        }
        return Ok(ContactStatus::CodeSent {
            channel,
            target_masked: contact::mask(code_type, &target),
            sent_at: created_at,
            expires_at,
            attempts_left: max_attempts.saturating_sub(attempts),
            resend_available_at: resend_at,
        });
    }
    let entry = person.verification_status.get(code_type.as_str());
    let verified = entry.and_then(|e| e.get("verified")).and_then(Value::as_bool) == Some(true);
    let text = |k: &str| entry.and_then(|e| e.get(k)).and_then(Value::as_str).map(str::to_owned);
    if !verified {
        return Ok(ContactStatus::NotVerified { invalidated_at: text("invalidated_at") });
    }
    let verified_at = text("verified_at").unwrap_or_default();
    let valid_until = match (settings.verification_validity_months, parse_ts(&verified_at)) {
        (0, _) => None,
        (months, Some(at)) => Some(add_months(at, months)),
        // A verified flag with no readable time can't be dated: treat it as needing renewal.
        (_, None) => Some(now),
    };
    match valid_until {
        Some(until) if until <= now => Ok(ContactStatus::Expired { verified_at, expired_at: ts(until) }),
        _ => Ok(ContactStatus::Verified {
            verified_at,
            verified_by: text("verified_by"),
            channel: text("channel"),
            valid_until: valid_until.map(ts),
        }),
    }
}

pub(super) fn person_view(conn: &Connection, p: &PersonRow, s: &Settings, now: OffsetDateTime) -> Result<PersonView> {
    Ok(PersonView {
        user_id: p.user_id.clone(),
        display_name: p.display_name.clone(),
        entity_type: p.entity_type.clone(),
        phone_masked: p.phone.as_deref().map(contact::mask_phone),
        email_masked: p.email.as_deref().map(contact::mask_email),
        phone_status: contact_status(conn, p, CodeType::Phone, p.phone.as_deref(), s, now)?,
        email_status: contact_status(conn, p, CodeType::Email, p.email.as_deref(), s, now)?,
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
