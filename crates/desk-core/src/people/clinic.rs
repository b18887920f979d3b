//! People who come from the clinic's records (sync's pull): added or brought up to date, their
//! contacts following the clinic's. A contact the clinic changed undoes its verification here,
//! as a local edit does; a verification the clinic holds for the person's current contact
//! (made at another desk, or on the clinic's own pages) is taken over.

use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;
use serde_json::{json, Value};
use time::OffsetDateTime;

use super::corrections::{self, Hold, PullContext};
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
        .prepare_cached(
            "SELECT user_id, verification_status FROM users
             WHERE origin = 'desk' AND is_deleted = 0 AND user_id GLOB 'W*' AND phone = ?1 AND lower(display_name) = lower(?2)
             ORDER BY created_at LIMIT 1",
        )?
        .query_row(params![phone, p.display_name], |r| Ok((r.get(0)?, r.get(1)?)))
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
        .prepare_cached(
            "SELECT origin, display_name, phone, email, is_active AND NOT is_deleted, verification_status FROM users WHERE user_id = ?1",
        )?
        .query_row([user_id], |r| {
            Ok(Current {
                origin: r.get(0)?,
                display_name: r.get(1)?,
                phone: r.get(2)?,
                email: r.get(3)?,
                active: r.get(4)?,
                status: parse_status(&r.get::<_, String>(5)?),
            })
        })
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

/// What applying a page of clinic people needs to know beyond the rows.
#[derive(Debug, Clone, Default)]
pub struct ApplyContext {
    /// Whether any contact was corrected here (else no row needs a look for one).
    pub has_corrections: bool,
    pub corrections: PullContext,
}

impl ApplyContext {
    pub fn new(conn: &rusqlite::Connection, corrections: PullContext) -> Result<Self> {
        Ok(ApplyContext { has_corrections: corrections::any(conn)?, corrections })
    }
}

/// A contact of a clinic person changes here because of the clinic (a pull, or an admin
/// settling a conflict): its code in flight and waiting messages go, and a verification of
/// the old contact is undone and recorded so. `true` when something was undone.
fn follow_contact(
    tx: &Transaction<'_>,
    j: &Journal,
    user_id: &str,
    code_type: CodeType,
    old: Option<&str>,
    status: &mut Value,
    now: OffsetDateTime,
) -> Result<bool> {
    let key = code_type.as_str();
    let was_verified = status.get(key).and_then(|s| s.get("verified")).and_then(Value::as_bool) == Some(true);
    let code_gone = crate::verify::codes_table::discard(tx, user_id, code_type)?;
    let cancelled = outbox::retire_contact(tx, user_id, code_type, RetireReason::ContactChanged, now)?;
    if !(was_verified || code_gone || !cancelled.is_empty()) {
        return Ok(false);
    }
    status[key] = json!({"verified": false, "invalidated_at": ts(now), "reason": "changed_in_clinic"});
    events::append(
        tx,
        j,
        now,
        &NewEvent {
            user_id,
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
    Ok(true)
}

/// Settle a conflict here: the clinic person's contact takes the kept value (see
/// [`corrections::settle`]), in the caller's transaction.
pub fn settle_conflict(
    tx: &Transaction<'_>,
    j: &Journal,
    event_id: &str,
    keep: corrections::Settle,
    actor: &str,
    now: OffsetDateTime,
) -> Result<corrections::Settled> {
    let settled = corrections::settle(tx, j, event_id, keep, actor, now)?;
    if let Some(b) = current(tx, &settled.user_id)? {
        let old = match settled.code_type {
            CodeType::Phone => b.phone.clone(),
            CodeType::Email => b.email.clone(),
        };
        if old != settled.value {
            let mut status = b.status.clone();
            if !status.is_object() {
                status = json!({});
            }
            follow_contact(tx, j, &settled.user_id, settled.code_type, old.as_deref(), &mut status, now)?;
            let column = match settled.code_type {
                CodeType::Phone => "phone",
                CodeType::Email => "email",
            };
            tx.execute(
                &format!("UPDATE users SET {column} = ?2, verification_status = ?3, updated_at = ?4, updated_by = ?5 WHERE user_id = ?1"),
                params![settled.user_id, settled.value, status.to_string(), ts(now), actor],
            )?;
        }
    }
    Ok(settled)
}

/// Add or bring up to date one person from the clinic, in the caller's transaction.
pub fn apply(tx: &Transaction<'_>, j: &Journal, p: &ClinicPerson, ctx: &ApplyContext, now: OffsetDateTime) -> Result<ClinicApplied> {
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
    // A contact corrected here that the clinic hasn't taken yet stays as the desk has it.
    let mut phone = p.phone.clone();
    let mut email = p.email.clone();
    if before.is_some() && ctx.has_corrections {
        for (code_type, value) in [(CodeType::Phone, &mut phone), (CodeType::Email, &mut email)] {
            if let Hold::Keep(mine) = corrections::hold(tx, &p.user_id, code_type, value.as_deref(), &ctx.corrections)? {
                *value = mine;
            }
        }
    }
    for (code_type, old, new) in [
        (CodeType::Phone, before.as_ref().and_then(|b| b.phone.as_deref()), phone.as_deref()),
        (CodeType::Email, before.as_ref().and_then(|b| b.email.as_deref()), email.as_deref()),
    ] {
        let key = code_type.as_str();
        if before.is_some() && old != new && follow_contact(tx, j, &p.user_id, code_type, old, &mut status, now)? {
            out.invalidated.push(code_type);
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
            tx.prepare_cached(
                "INSERT INTO users (user_id, entity_type, entity_id, display_name, phone, email, is_active, origin,
                     verification_status, created_at, updated_at, created_by, updated_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'clinic', ?8, ?9, ?9, ?10, ?10)",
            )?
            .execute(params![
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
            ])?;
            out.added = true;
        }
        Some(b) => {
            let same = b.display_name == p.display_name && b.phone == phone && b.email == email && b.active == p.active;
            if !same || b.status != status {
                tx.execute(
                    "UPDATE users SET entity_type = ?2, display_name = ?3, phone = ?4, email = ?5, is_active = ?6, is_deleted = 0,
                         verification_status = ?7, updated_at = ?8, updated_by = ?9
                     WHERE user_id = ?1",
                    params![
                        p.user_id,
                        p.entity_type.as_str(),
                        p.display_name,
                        phone,
                        email,
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

/// A clinic person who shares a walk-in's phone or email under another name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct WalkInMatch {
    pub user_id: String,
    pub display_name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub reason: MatchReason,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum MatchReason {
    SamePhone,
    SameEmail,
}

/// A walk-in no clinic record took in (no clinic person with the same phone and name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct WalkIn {
    pub user_id: String,
    pub display_name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub created_at: String,
    /// A clinic person with the same phone (or else email) under another name: for an admin to
    /// check with the clinic's records, never merged by itself.
    pub possible_match: Option<WalkInMatch>,
}

/// The walk-ins still only on this desk, oldest first, each with a clinic person that may be
/// the same one.
pub fn walk_ins(conn: &rusqlite::Connection) -> Result<Vec<WalkIn>> {
    let mut stmt = conn.prepare(
        "SELECT w.user_id, w.display_name, w.phone, w.email, w.created_at,
                m.user_id, m.display_name, m.phone, m.email
         FROM users w
         LEFT JOIN users m ON m.origin = 'clinic' AND m.is_deleted = 0 AND m.phone = w.phone
         WHERE w.origin = 'desk' AND w.is_deleted = 0 AND w.user_id GLOB 'W*'
         ORDER BY w.created_at, w.user_id",
    )?;
    let mut out: Vec<WalkIn> = Vec::new();
    let rows = stmt.query_map([], |r| {
        let possible = match r.get::<_, Option<String>>(5)? {
            Some(id) => Some(WalkInMatch {
                user_id: id,
                display_name: r.get(6)?,
                phone: r.get(7)?,
                email: r.get(8)?,
                reason: MatchReason::SamePhone,
            }),
            None => None,
        };
        Ok((
            WalkIn {
                user_id: r.get(0)?,
                display_name: r.get(1)?,
                phone: r.get(2)?,
                email: r.get(3)?,
                created_at: r.get(4)?,
                possible_match: None,
            },
            possible,
        ))
    })?;
    for row in rows {
        let (mut w, possible) = row?;
        if out.last().is_some_and(|l| l.user_id == w.user_id) {
            continue; // one clinic person is enough to send the admin looking
        }
        w.possible_match = possible;
        out.push(w);
    }
    // No one with the phone: the same email (letter case aside: a hint, not a merge) is next.
    let mut by_email = conn.prepare_cached(
        "SELECT user_id, display_name, phone, email FROM users
         WHERE origin = 'clinic' AND is_deleted = 0 AND email IS NOT NULL AND lower(email) = lower(?1) ORDER BY user_id LIMIT 1",
    )?;
    for w in out.iter_mut().filter(|w| w.possible_match.is_none()) {
        let Some(email) = w.email.as_deref() else { continue };
        w.possible_match = by_email
            .query_row([email], |r| {
                Ok(WalkInMatch {
                    user_id: r.get(0)?,
                    display_name: r.get(1)?,
                    phone: r.get(2)?,
                    email: r.get(3)?,
                    reason: MatchReason::SameEmail,
                })
            })
            .optional()?;
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
