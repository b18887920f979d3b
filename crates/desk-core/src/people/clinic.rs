//! People who come from the clinic's records (sync's pull): added or brought up to date, their
//! contacts following the clinic's. A contact the clinic changed undoes its verification here,
//! as a local edit does; a verification the clinic holds for the person's current contact
//! (made at another desk, or on the clinic's own pages) is taken over.

use rusqlite::{params, OptionalExtension, Transaction};
use serde_json::{json, Value};
use time::OffsetDateTime;

use super::{parse_status, EntityType};
use crate::clock::{parse_clinic_ts, ts};
use crate::contact::{self, CodeType};
use crate::error::{Error, Result};
use crate::events::{self, EventKind, Journal, NewEvent, Outcome};
use crate::outbox::{self, RetireReason};

/// Who the clinic's pull names in events it causes.
pub const CLINIC_ACTOR: &str = "clinic-sync";

/// A person as the clinic's records have them, already normalised (contacts in the desk's
/// forms; a contact that could not be read is `None` and reported by the caller).
#[derive(Debug, Clone, PartialEq)]
pub struct ClinicPerson {
    pub user_id: String,
    pub entity_type: EntityType,
    pub entity_id: String,
    pub display_name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// Active, not deleted, in the clinic.
    pub active: bool,
    /// The clinic's `verification_status`, unwrapped if it was double-encoded.
    pub verification_status: Value,
}

/// What applying one clinic person did here.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClinicApplied {
    pub added: bool,
    pub changed: bool,
    /// Channels whose verification was undone because the clinic has another contact now.
    pub invalidated: Vec<CodeType>,
    /// Channels whose verification was taken over from the clinic.
    pub adopted: Vec<CodeType>,
    /// The walk-in this clinic person turned out to be (same phone and name), merged into it.
    pub merged_walkin: Option<String>,
}

/// A walk-in typed at this desk who is this clinic person: the same phone and the same name
/// (letter case and spacing aside). Only an exact match merges; anyone else stays a walk-in.
fn matching_walkin(tx: &Transaction<'_>, p: &ClinicPerson) -> Result<Option<(String, Value)>> {
    let Some(phone) = p.phone.as_deref() else { return Ok(None) };
    let found: Option<(String, String)> = tx
        .query_row(
            "SELECT user_id, verification_status FROM users
             WHERE origin = 'desk' AND is_deleted = 0 AND user_id GLOB 'W*' AND phone = ?1 AND lower(display_name) = lower(?2)
             ORDER BY created_at LIMIT 1",
            params![phone, p.display_name],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(found.map(|(id, status)| (id, parse_status(&status))))
}

/// Merge a walk-in into the clinic person just added: its verifications of the same contacts
/// become the clinic person's (each a `verified` event under the clinic's id at its own time,
/// so the clinic's fold gets it), and the walk-in row is retired with its codes and messages.
fn merge_walkin(
    tx: &Transaction<'_>,
    j: &Journal,
    p: &ClinicPerson,
    walkin: &str,
    walkin_status: &Value,
    status: &mut Value,
    now: OffsetDateTime,
) -> Result<()> {
    for (code_type, contact) in [(CodeType::Phone, p.phone.as_deref()), (CodeType::Email, p.email.as_deref())] {
        let key = code_type.as_str();
        let Some(entry) = walkin_status.get(key) else { continue };
        let target = entry.get("target").and_then(Value::as_str);
        if entry.get("verified").and_then(Value::as_bool) != Some(true) || contact.is_none() || target != contact {
            continue;
        }
        let Some(at) = entry.get("verified_at").and_then(Value::as_str).and_then(parse_clinic_ts) else { continue };
        let channel = entry.get("channel").and_then(Value::as_str).and_then(crate::channel::Channel::parse);
        status[key] =
            json!({"verified": true, "verified_at": ts(at), "target": contact, "channel": entry.get("channel"), "source": "walk-in"});
        events::append(
            tx,
            j,
            at,
            &NewEvent {
                user_id: &p.user_id,
                code_type: Some(code_type),
                kind: EventKind::Verified,
                actor: CLINIC_ACTOR,
                channel,
                target: contact,
                outcome: Outcome::Verified,
                error_code: None,
                detail: Some(json!({"merged_from": walkin})),
            },
        )?;
    }
    for code_type in [CodeType::Phone, CodeType::Email] {
        crate::verify::codes_table::discard(tx, walkin, code_type)?;
        outbox::retire_contact(tx, walkin, code_type, RetireReason::ContactChanged, now)?;
    }
    tx.execute(
        "UPDATE users SET is_deleted = 1, deleted_at = ?2, deleted_by = ?3, updated_at = ?2, updated_by = ?3 WHERE user_id = ?1",
        params![walkin, ts(now), CLINIC_ACTOR],
    )?;
    events::append(
        tx,
        j,
        now,
        &NewEvent::action(walkin, EventKind::PersonMerged, CLINIC_ACTOR, Outcome::Done, Some(json!({"into": p.user_id}))),
    )?;
    Ok(())
}

/// The person's row as it stands, for comparison.
struct Current {
    origin: String,
    display_name: String,
    phone: Option<String>,
    email: Option<String>,
    active: bool,
    status: Value,
}

fn current(tx: &Transaction<'_>, user_id: &str) -> Result<Option<Current>> {
    Ok(tx
        .query_row(
            "SELECT origin, display_name, phone, email, is_active AND NOT is_deleted, verification_status FROM users WHERE user_id = ?1",
            [user_id],
            |r| {
                Ok(Current {
                    origin: r.get(0)?,
                    display_name: r.get(1)?,
                    phone: r.get(2)?,
                    email: r.get(3)?,
                    active: r.get(4)?,
                    status: parse_status(&r.get::<_, String>(5)?),
                })
            },
        )
        .optional()?)
}

/// The clinic's verification of this contact, when it holds one for the contact as it is now:
/// `(verified_at, entry)` in the desk's form.
fn clinic_verification(clinic: &Value, code_type: CodeType, contact_now: Option<&str>) -> Option<(OffsetDateTime, Value)> {
    let entry = clinic.get(code_type.as_str())?;
    if entry.get("verified").and_then(Value::as_bool) != Some(true) {
        return None;
    }
    let target = entry.get("target").and_then(Value::as_str)?;
    let same = match code_type {
        CodeType::Phone => contact::normalize_phone(target).ok().as_deref() == contact_now,
        CodeType::Email => contact::normalize_email(target).ok().as_deref() == contact_now,
    };
    if !same {
        return None;
    }
    let at = parse_clinic_ts(entry.get("verified_at").and_then(Value::as_str)?)?;
    let mut local = json!({"verified": true, "verified_at": ts(at), "target": contact_now, "source": "clinic"});
    if let Some(id) = entry.get("event_id").and_then(Value::as_str) {
        local["event_id"] = json!(id);
    }
    Some((at, local))
}

fn local_verified_at(status: &Value, code_type: CodeType) -> Option<OffsetDateTime> {
    let entry = status.get(code_type.as_str())?;
    if entry.get("verified").and_then(Value::as_bool) != Some(true) {
        return None;
    }
    parse_clinic_ts(entry.get("verified_at").and_then(Value::as_str)?)
}

/// Add or bring up to date one person from the clinic, in the caller's transaction.
pub fn apply(tx: &Transaction<'_>, j: &Journal, p: &ClinicPerson, now: OffsetDateTime) -> Result<ClinicApplied> {
    let at = ts(now);
    let mut out = ClinicApplied::default();
    let before = current(tx, &p.user_id)?;
    if let Some(b) = &before {
        if b.origin != "clinic" {
            // A walk-in's id is "W…" and a clinic id is a phone number: this is no coincidence
            // to paper over.
            return Err(Error::InvalidInput(format!("A person typed at this desk already has the clinic's id {}.", p.user_id)));
        }
    }
    let mut status = before.as_ref().map(|b| b.status.clone()).unwrap_or_else(|| json!({}));
    if !status.is_object() {
        status = json!({});
    }
    for (code_type, old, new) in [
        (CodeType::Phone, before.as_ref().and_then(|b| b.phone.as_deref()), p.phone.as_deref()),
        (CodeType::Email, before.as_ref().and_then(|b| b.email.as_deref()), p.email.as_deref()),
    ] {
        let key = code_type.as_str();
        if before.is_some() && old != new {
            let was_verified = status.get(key).and_then(|s| s.get("verified")).and_then(Value::as_bool) == Some(true);
            let code_gone = crate::verify::codes_table::discard(tx, &p.user_id, code_type)?;
            let cancelled = outbox::retire_contact(tx, &p.user_id, code_type, RetireReason::ContactChanged, now)?;
            if was_verified || code_gone || !cancelled.is_empty() {
                status[key] = json!({"verified": false, "invalidated_at": at, "reason": "changed_in_clinic"});
                events::append(
                    tx,
                    j,
                    now,
                    &NewEvent {
                        user_id: &p.user_id,
                        code_type: Some(code_type),
                        kind: EventKind::Invalidated,
                        actor: CLINIC_ACTOR,
                        channel: None,
                        target: old,
                        outcome: Outcome::ContactChanged,
                        error_code: None,
                        detail: Some(
                            json!({"by": "clinic", "was_verified": was_verified, "code_cancelled": code_gone, "cancelled_messages": cancelled}),
                        ),
                    },
                )?;
                out.invalidated.push(code_type);
            }
        }
        // The clinic is the authority on what is verified. Its entry made by a desk (it has an
        // event id) is the order-free fold's winner over every desk's pushed events, this
        // desk's included (a round pushes before it pulls): take it. An entry the clinic's own
        // pages made only fills a contact this desk has not verified.
        if let Some((_, entry)) = clinic_verification(&p.verification_status, code_type, new) {
            let local = status.get(key);
            let take = match entry.get("event_id") {
                Some(id) => local.and_then(|l| l.get("event_id")) != Some(id),
                None => local_verified_at(&status, code_type).is_none(),
            };
            if take {
                status[key] = entry;
                out.adopted.push(code_type);
            }
        }
    }
    match &before {
        None => {
            let walkin = matching_walkin(tx, p)?;
            if let Some((id, walkin_status)) = &walkin {
                merge_walkin(tx, j, p, id, walkin_status, &mut status, now)?;
                out.merged_walkin = Some(id.clone());
            }
            tx.execute(
                "INSERT INTO users (user_id, entity_type, entity_id, display_name, phone, email, is_active, origin,
                     verification_status, created_at, updated_at, created_by, updated_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'clinic', ?8, ?9, ?9, ?10, ?10)",
                params![
                    p.user_id,
                    p.entity_type.as_str(),
                    p.entity_id,
                    p.display_name,
                    p.phone,
                    p.email,
                    p.active,
                    status.to_string(),
                    at,
                    CLINIC_ACTOR
                ],
            )?;
            out.added = true;
        }
        Some(b) => {
            let same = b.display_name == p.display_name && b.phone == p.phone && b.email == p.email && b.active == p.active;
            if !same || b.status != status {
                tx.execute(
                    "UPDATE users SET entity_type = ?2, display_name = ?3, phone = ?4, email = ?5, is_active = ?6, is_deleted = 0,
                         verification_status = ?7, updated_at = ?8, updated_by = ?9
                     WHERE user_id = ?1",
                    params![
                        p.user_id,
                        p.entity_type.as_str(),
                        p.display_name,
                        p.phone,
                        p.email,
                        p.active,
                        status.to_string(),
                        at,
                        CLINIC_ACTOR
                    ],
                )?;
                out.changed = true;
            }
        }
    }
    Ok(out)
}

/// A person the clinic deleted: inactive here (their history stays). `false` if unknown.
pub fn deactivate(tx: &Transaction<'_>, user_id: &str, now: OffsetDateTime) -> Result<bool> {
    Ok(tx.execute(
        "UPDATE users SET is_active = 0, updated_at = ?2, updated_by = ?3 WHERE user_id = ?1 AND origin = 'clinic' AND is_active = 1",
        params![user_id, ts(now), CLINIC_ACTOR],
    )? > 0)
}

/// How many people came from the clinic.
pub fn count(conn: &rusqlite::Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT count(*) FROM users WHERE origin = 'clinic'", [], |r| r.get(0))?)
}

/// The ids of every active clinic person (a full refetch compares them with what came).
pub fn ids(conn: &rusqlite::Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT user_id FROM users WHERE origin = 'clinic' AND is_active = 1")?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
