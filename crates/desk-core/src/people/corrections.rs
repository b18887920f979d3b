//! A clinic person's contact corrected at this desk, until the clinic has it: the owner of
//! `contact_corrections` and `clinic_conflicts` (docs/sync-protocol.md, "Corrections").
//!
//! A correction travels as two events, so that neither holds a contact outside its sealed
//! `target`: `contact_replaced` (the clinic's value the desk had) and, next, `contact_corrected`
//! (the new value, naming the first). The clinic applies it unless its own record changed since;
//! then it keeps a conflict that an admin settles here. Meanwhile no pull overwrites the desk's
//! value: a correction is let go only once the clinic has acknowledged it and either holds the
//! same value, or holds another one without a conflict (a later correction won, or the clinic
//! changed the contact after taking this one).

use std::collections::HashSet;

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;

use crate::clock::ts;
use crate::contact::CodeType;
use crate::error::{Error, Result};
use crate::events::{self, EventKind, Journal, NewEvent, Outcome};

/// What a pull knows when it meets a clinic person's contact.
#[derive(Debug, Clone, Default)]
pub struct PullContext {
    /// The clinic's acknowledgement of this desk's events: a correction after it isn't there yet.
    pub acked_seq: i64,
    /// The `contact_corrected` events the clinic holds as open conflicts.
    pub open_conflicts: HashSet<String>,
}

/// Whether a pull takes the clinic's value of a contact or keeps the desk's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hold {
    Follow,
    /// The desk's own value (None: removed here), which the clinic hasn't taken yet.
    Keep(Option<String>),
}

/// One event about a person's contact on a channel (its id is returned).
#[allow(clippy::too_many_arguments)]
fn contact_event(
    tx: &Transaction<'_>,
    j: &Journal,
    user_id: &str,
    code_type: CodeType,
    kind: EventKind,
    target: Option<&str>,
    actor: &str,
    detail: serde_json::Value,
    now: OffsetDateTime,
) -> Result<String> {
    events::append(
        tx,
        j,
        now,
        &NewEvent {
            user_id,
            code_type: Some(code_type),
            kind,
            actor,
            channel: None,
            target,
            outcome: Outcome::Done,
            error_code: None,
            detail: Some(detail),
        },
    )
}

/// Record that `user_id`'s contact was corrected here from `before` (the clinic's value as this
/// desk had it) to `after`, in the caller's transaction.
#[allow(clippy::too_many_arguments)]
pub fn record(
    tx: &Transaction<'_>,
    j: &Journal,
    user_id: &str,
    code_type: CodeType,
    before: Option<&str>,
    after: Option<&str>,
    actor: &str,
    now: OffsetDateTime,
) -> Result<()> {
    // A second correction before the clinic took the first is based on the same clinic value.
    let base: Option<Option<String>> = tx
        .query_row(
            "SELECT base FROM contact_corrections WHERE user_id = ?1 AND code_type = ?2",
            params![user_id, code_type.as_str()],
            |r| r.get(0),
        )
        .optional()?;
    let base = base.unwrap_or_else(|| before.map(str::to_owned));
    let replaced = contact_event(tx, j, user_id, code_type, EventKind::ContactReplaced, base.as_deref(), actor, json!({}), now)?;
    let corrected =
        contact_event(tx, j, user_id, code_type, EventKind::ContactCorrected, after, actor, json!({"replaces": replaced}), now)?;
    let seq = events::seq_of(tx, &corrected)?;
    tx.execute(
        "INSERT INTO contact_corrections (user_id, code_type, value, base, event_id, seq, made_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (user_id, code_type) DO UPDATE SET value = excluded.value, base = excluded.base,
             event_id = excluded.event_id, seq = excluded.seq, made_at = excluded.made_at",
        params![user_id, code_type.as_str(), after, base, corrected, seq, ts(now)],
    )?;
    Ok(())
}

/// What a pull does with the clinic's `clinic_value` for a contact (see the module's words).
pub fn hold(tx: &Transaction<'_>, user_id: &str, code_type: CodeType, clinic_value: Option<&str>, ctx: &PullContext) -> Result<Hold> {
    let row: Option<(Option<String>, String, i64)> = tx
        .prepare_cached("SELECT value, event_id, seq FROM contact_corrections WHERE user_id = ?1 AND code_type = ?2")?
        .query_row(params![user_id, code_type.as_str()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let Some((value, event_id, seq)) = row else { return Ok(Hold::Follow) };
    if seq > ctx.acked_seq || (value.as_deref() != clinic_value && ctx.open_conflicts.contains(&event_id)) {
        return Ok(Hold::Keep(value));
    }
    forget(tx, user_id, code_type)?;
    Ok(Hold::Follow)
}

fn forget(tx: &Transaction<'_>, user_id: &str, code_type: CodeType) -> Result<()> {
    tx.execute("DELETE FROM contact_corrections WHERE user_id = ?1 AND code_type = ?2", params![user_id, code_type.as_str()])?;
    Ok(())
}

/// Whether any person has a correction here (a pull asks before reading rows one by one).
pub fn any(conn: &Connection) -> Result<bool> {
    Ok(conn.query_row("SELECT EXISTS (SELECT 1 FROM contact_corrections)", [], |r| r.get(0))?)
}

/// A conflict as the clinic lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClinicConflict {
    pub event_id: String,
    pub user_id: String,
    pub code_type: CodeType,
    pub device_id: String,
    pub desk_name: String,
    pub desk_value: Option<String>,
    pub base_value: Option<String>,
    pub clinic_value: Option<String>,
    pub made_at: String,
    pub opened_at: String,
}

/// Replace the list with what the clinic holds open now (every pull).
pub fn set_conflicts(tx: &Transaction<'_>, list: &[ClinicConflict], now: OffsetDateTime) -> Result<()> {
    tx.execute("DELETE FROM clinic_conflicts", [])?;
    let mut stmt = tx.prepare_cached(
        "INSERT INTO clinic_conflicts (event_id, user_id, code_type, device_id, desk_name, desk_value, base_value, clinic_value,
             made_at, opened_at, pulled_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?;
    for c in list {
        stmt.execute(params![
            c.event_id,
            c.user_id,
            c.code_type.as_str(),
            c.device_id,
            c.desk_name,
            c.desk_value,
            c.base_value,
            c.clinic_value,
            c.made_at,
            c.opened_at,
            ts(now)
        ])?;
    }
    Ok(())
}

/// A conflict as an admin reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ContactConflict {
    pub event_id: String,
    pub user_id: String,
    pub display_name: String,
    pub channel: CodeType,
    pub desk_value: Option<String>,
    pub clinic_value: Option<String>,
    pub desk_name: String,
    pub made_at: String,
}

/// The open conflicts, oldest first.
pub fn conflicts(conn: &Connection) -> Result<Vec<ContactConflict>> {
    let mut stmt = conn.prepare(
        "SELECT c.event_id, c.user_id, coalesce(u.display_name, c.user_id), c.code_type, c.desk_value, c.clinic_value, c.desk_name, c.made_at
         FROM clinic_conflicts c LEFT JOIN users u ON u.user_id = c.user_id
         ORDER BY c.made_at, c.event_id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(ContactConflict {
            event_id: r.get(0)?,
            user_id: r.get(1)?,
            display_name: r.get(2)?,
            channel: r.get(3)?,
            desk_value: r.get(4)?,
            clinic_value: r.get(5)?,
            desk_name: r.get(6)?,
            made_at: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Which value an admin keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "lowercase")]
pub enum Settle {
    /// The desk's value goes to the clinic (a new correction, based on the clinic's value now).
    Desk,
    /// The clinic's value is taken here, and the clinic closes the conflict for every desk.
    Clinic,
}

/// What settling a conflict asks of the person's row here: the value the contact takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settled {
    pub user_id: String,
    pub code_type: CodeType,
    pub value: Option<String>,
}

/// Settle one conflict in the caller's transaction: the events for the clinic, this desk's
/// correction let go or renewed, and the conflict off the list. The caller then sets the
/// person's contact to [`Settled::value`].
pub fn settle(tx: &Transaction<'_>, j: &Journal, event_id: &str, keep: Settle, actor: &str, now: OffsetDateTime) -> Result<Settled> {
    let row = tx
        .query_row("SELECT user_id, code_type, desk_value, clinic_value FROM clinic_conflicts WHERE event_id = ?1", [event_id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, CodeType>(1)?, r.get::<_, Option<String>>(2)?, r.get::<_, Option<String>>(3)?))
        })
        .optional()?
        .ok_or_else(|| Error::InvalidInput("That conflict is settled already (another desk may have settled it).".into()))?;
    let (user_id, code_type, desk_value, clinic_value) = row;
    let value = match keep {
        Settle::Desk => {
            // Based on the clinic's value now, so the clinic applies it.
            forget(tx, &user_id, code_type)?;
            record(tx, j, &user_id, code_type, clinic_value.as_deref(), desk_value.as_deref(), actor, now)?;
            desk_value
        }
        Settle::Clinic => {
            contact_event(
                tx,
                j,
                &user_id,
                code_type,
                EventKind::ContactConflictClosed,
                clinic_value.as_deref(),
                actor,
                json!({"conflict_event_id": event_id}),
                now,
            )?;
            forget(tx, &user_id, code_type)?;
            clinic_value
        }
    };
    tx.execute("DELETE FROM clinic_conflicts WHERE event_id = ?1", [event_id])?;
    Ok(Settled { user_id, code_type, value })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use crate::test_support::temp_store_and_journal as store;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-24 04:30 UTC);

    fn corrected(s: &mut Store, j: &Journal, before: Option<&str>, after: Option<&str>) -> i64 {
        let tx = s.conn_mut().transaction().expect("tx");
        record(&tx, j, "+919845012345", CodeType::Phone, before, after, "reception1", NOW).expect("record");
        let seq = tx.query_row("SELECT seq FROM contact_corrections", [], |r| r.get(0)).expect("row");
        tx.commit().expect("commit");
        seq
    }

    fn hold_now(s: &mut Store, clinic: Option<&str>, ctx: &PullContext) -> Hold {
        let tx = s.conn_mut().transaction().expect("tx");
        let h = hold(&tx, "+919845012345", CodeType::Phone, clinic, ctx).expect("hold");
        tx.commit().expect("commit");
        h
    }

    #[test]
    fn a_correction_is_two_events_that_name_each_other_and_hold_no_contact_in_their_details() {
        let (_t, mut s, j) = store();
        corrected(&mut s, &j, Some("+919845012345"), Some("+919845099999"));
        let rows: Vec<(String, String, String)> = s
            .conn()
            .prepare("SELECT kind, event_id, coalesce(detail, '') FROM verification_events ORDER BY seq")
            .expect("prepare")
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .expect("query")
            .collect::<rusqlite::Result<_>>()
            .expect("rows");
        assert_eq!(rows.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(), vec!["contact_replaced", "contact_corrected"]);
        assert!(rows[1].2.contains(&rows[0].1), "the correction names the event it follows: {}", rows[1].2);
        assert!(rows.iter().all(|r| !r.2.contains("98450")), "no contact in clear in a detail: {rows:?}");
    }

    #[test]
    fn a_pull_keeps_the_desks_value_until_the_clinic_has_it_or_settles_otherwise() {
        let (_t, mut s, j) = store();
        let seq = corrected(&mut s, &j, Some("+919845012345"), Some("+919845099999"));
        let mine = Hold::Keep(Some("+919845099999".into()));
        // Not acknowledged yet: kept, whatever the clinic says.
        assert_eq!(hold_now(&mut s, Some("+919845012345"), &PullContext { acked_seq: seq - 1, ..Default::default() }), mine);
        // Acknowledged and in conflict: kept.
        let event_id: String = s.conn().query_row("SELECT event_id FROM contact_corrections", [], |r| r.get(0)).expect("id");
        let conflict = PullContext { acked_seq: seq, open_conflicts: [event_id].into_iter().collect() };
        assert_eq!(hold_now(&mut s, Some("+919845000000"), &conflict), mine);
        // Acknowledged, no conflict, the clinic holds another value (a later correction won):
        // the clinic's is taken and the correction let go.
        assert_eq!(hold_now(&mut s, Some("+919845011111"), &PullContext { acked_seq: seq, ..Default::default() }), Hold::Follow);
        assert!(!any(s.conn()).expect("any"));
        // The clinic took it: let go too.
        let seq = corrected(&mut s, &j, Some("+919845011111"), Some("+919845022222"));
        assert_eq!(hold_now(&mut s, Some("+919845022222"), &PullContext { acked_seq: seq, ..Default::default() }), Hold::Follow);
        assert!(!any(s.conn()).expect("any"));
    }

    #[test]
    fn a_second_correction_before_the_clinic_took_the_first_keeps_the_first_ones_base() {
        let (_t, mut s, j) = store();
        corrected(&mut s, &j, Some("+919845012345"), Some("+919845099999"));
        corrected(&mut s, &j, Some("+919845099999"), Some("+919845088888"));
        let base: Option<String> = s.conn().query_row("SELECT base FROM contact_corrections", [], |r| r.get(0)).expect("base");
        assert_eq!(base.as_deref(), Some("+919845012345"), "the clinic still has the first value");
    }
}
