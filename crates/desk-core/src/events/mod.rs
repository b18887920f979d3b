//! The append-only event log: audit trail and sync feed. Each device numbers its own events
//! (`device_id`, `seq`), ids are UUID v7 (time-ordered), and every state change writes its event
//! inside the same transaction as the change.

use rusqlite::{params, Transaction};
use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;

use crate::channel::Channel;
use crate::clock::ts;
use crate::contact::{self, CodeType};
use crate::error::Result;

pub mod chain;
mod kinds;

pub use chain::{ChainReport, Journal, StoredEvent};
pub use kinds::{EventKind, Outcome};

/// An event about to be written.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    /// Whom the event is about: a person, or a staff account for sign-in and staff events.
    pub user_id: &'a str,
    pub code_type: Option<CodeType>,
    pub kind: EventKind,
    pub actor: &'a str,
    pub channel: Option<Channel>,
    /// The contact in clear. The log keeps it sealed and shows only its masked form; it leaves
    /// the desk only inside the TLS push (see [`chain`]).
    pub target: Option<&'a str>,
    pub outcome: Outcome,
    pub error_code: Option<&'a str>,
    pub detail: Option<Value>,
}

impl<'a> NewEvent<'a> {
    /// An event about no contact: sign-ins, settings, staff changes.
    pub fn action(user_id: &'a str, kind: EventKind, actor: &'a str, outcome: Outcome, detail: Option<Value>) -> Self {
        NewEvent { user_id, code_type: None, kind, actor, channel: None, target: None, outcome, error_code: None, detail }
    }
}

/// Append one event in the caller's transaction, chained to the device's last; returns its id.
pub fn append(tx: &Transaction<'_>, j: &Journal, at: OffsetDateTime, ev: &NewEvent<'_>) -> Result<String> {
    append_with_offset(tx, j, at, j.clock_offset_ms(), ev)
}

/// As [`append`], with the clock offset the event was made under (a carried-over event keeps
/// its own, so the clinic orders it as it was).
fn append_with_offset(tx: &Transaction<'_>, j: &Journal, at: OffsetDateTime, clock_offset_ms: i64, ev: &NewEvent<'_>) -> Result<String> {
    let (seq, prev_hash) = chain::next_prev(tx, j, at)?;
    let nanos = at.unix_timestamp_nanos();
    let ts_v7 = uuid::Timestamp::from_unix(uuid::NoContext, (nanos / 1_000_000_000) as u64, (nanos % 1_000_000_000) as u32);
    let id = uuid::Uuid::new_v7(ts_v7).to_string();
    let target_masked = match (ev.target, ev.code_type) {
        (Some(t), Some(ct)) => Some(contact::mask(ct, t)),
        _ => None,
    };
    let stored = StoredEvent {
        event_id: id.clone(),
        device_id: j.device_id().to_owned(),
        seq,
        occurred_at: ts(at),
        clock_offset_ms,
        user_id: ev.user_id.to_owned(),
        code_type: ev.code_type.map(|c| c.as_str().to_owned()),
        kind: ev.kind.as_str().to_owned(),
        actor: ev.actor.to_owned(),
        channel: ev.channel.map(|c| c.as_str().to_owned()),
        target_sealed: ev.target.map(|t| j.secrets().seal_contact(t, &id, j.rng())),
        target_masked,
        outcome: ev.outcome.as_str().to_owned(),
        error_code: ev.error_code.map(str::to_owned),
        detail: ev.detail.clone(),
        key_id: Some(j.secrets().key_id()),
        prev_hash: Some(prev_hash),
        hash: None,
    };
    let hash = chain::event_hash(j.secrets(), &stored.canonical(ev.target).bytes());
    tx.execute(
        "INSERT INTO verification_events (event_id, device_id, seq, occurred_at, clock_offset_ms, user_id, code_type,
             kind, actor, channel, target_sealed, target_masked, outcome, error_code, detail, key_id, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
        params![
            stored.event_id,
            stored.device_id,
            stored.seq,
            stored.occurred_at,
            stored.clock_offset_ms,
            stored.user_id,
            stored.code_type,
            stored.kind,
            stored.actor,
            stored.channel,
            stored.target_sealed,
            stored.target_masked,
            stored.outcome,
            stored.error_code,
            stored.detail.as_ref().map(Value::to_string),
            stored.key_id,
            stored.prev_hash,
            hash,
        ],
    )?;
    Ok(id)
}

/// The canonical forms of a device's events after `after_seq`, in order, as sync pushes them.
pub fn for_push(conn: &rusqlite::Connection, j: &Journal, after_seq: i64, limit: u32) -> Result<Vec<Pushed>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {} FROM verification_events WHERE device_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
        chain::STORED_COLUMNS
    ))?;
    let rows = stmt.query_map(params![j.device_id(), after_seq, limit], chain::stored_from_row)?;
    let mut out = Vec::new();
    for e in rows {
        let e = e?;
        let target = e.target(j.secrets());
        out.push(Pushed { seq: e.seq, event_id: e.event_id.clone(), body: e.canonical(target.as_deref()).bytes(), hash: e.hash.clone() });
    }
    Ok(out)
}

/// The seq of one of this desk's events, by its id.
pub fn seq_of(conn: &rusqlite::Connection, event_id: &str) -> Result<i64> {
    Ok(conn.query_row("SELECT seq FROM verification_events WHERE event_id = ?1", [event_id], |r| r.get(0))?)
}

/// The seq of a device's latest event of this kind and outcome about `user_id`, if any.
pub fn last_seq_about(
    conn: &rusqlite::Connection,
    device_id: &str,
    kind: EventKind,
    outcome: Outcome,
    user_id: &str,
) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT max(seq) FROM verification_events WHERE device_id = ?1 AND kind = ?2 AND outcome = ?3 AND user_id = ?4")?
        .query_row(params![device_id, kind, outcome, user_id], |r| r.get(0))?)
}

/// How many of a device's events come after a seq (what sync has still to push).
pub fn count_after(conn: &rusqlite::Connection, device_id: &str, after_seq: i64) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT count(*) FROM verification_events WHERE device_id = ?1 AND seq > ?2",
        params![device_id, after_seq],
        |r| r.get(0),
    )?)
}

/// A device's last seq and hash (what sync records with the clinic as the chain's head).
pub fn last_of(conn: &rusqlite::Connection, device_id: &str) -> Result<Option<(i64, Option<String>)>> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .query_row("SELECT seq, hash FROM verification_events WHERE device_id = ?1 ORDER BY seq DESC LIMIT 1", [device_id], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?)
}

/// After a fork (a desk restored from a backup starts as a new device), the verifications of the
/// old series after `after_seq` are carried into the new one: same person, contact, time and
/// clock offset, a new event saying where it came from. The old events stay as they are.
pub fn carry_over(tx: &Transaction<'_>, j: &Journal, old_device: &str, after_seq: i64, _now: OffsetDateTime) -> Result<usize> {
    let old: Vec<chain::StoredEvent> = {
        let mut stmt = tx.prepare(&format!(
            "SELECT {} FROM verification_events WHERE device_id = ?1 AND seq > ?2 AND kind IN ('verified', 'practised') ORDER BY seq",
            chain::STORED_COLUMNS
        ))?;
        let rows = stmt.query_map(params![old_device, after_seq], chain::stored_from_row)?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut n = 0;
    for e in &old {
        let (Ok(kind), Ok(outcome)) = (e.kind.parse::<EventKind>(), e.outcome.parse::<Outcome>()) else { continue };
        let Some(at) = crate::clock::parse_ts(&e.occurred_at) else { continue };
        let target = e.target(j.secrets());
        let mut detail = e.detail.clone().unwrap_or_else(|| serde_json::json!({}));
        if let Some(obj) = detail.as_object_mut() {
            obj.insert("carried_from".into(), serde_json::json!({"device_id": e.device_id, "seq": e.seq, "event_id": e.event_id}));
        }
        let channel = e.channel.as_deref().and_then(Channel::parse);
        let code_type = e.code_type.as_deref().and_then(|c| c.parse::<CodeType>().ok());
        append_with_offset(
            tx,
            j,
            at,
            e.clock_offset_ms,
            &NewEvent {
                user_id: &e.user_id,
                code_type,
                kind,
                actor: &e.actor,
                channel,
                target: target.as_deref(),
                outcome,
                error_code: e.error_code.as_deref(),
                detail: Some(detail),
            },
        )?;
        n += 1;
    }
    Ok(n)
}

/// The chain hash of a device's event `seq` (`None`: no such event, or one from before the chain).
pub fn hash_at(conn: &rusqlite::Connection, device_id: &str, seq: i64) -> Result<Option<String>> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .query_row("SELECT hash FROM verification_events WHERE device_id = ?1 AND seq = ?2", params![device_id, seq], |r| r.get(0))
        .optional()?
        .flatten())
}

/// One event as it leaves the desk.
#[derive(Debug, Clone)]
pub struct Pushed {
    pub seq: i64,
    pub event_id: String,
    /// The canonical form: the bytes the chain hashed.
    pub body: Vec<u8>,
    /// `None` for events from before the chain began.
    pub hash: Option<String>,
}

/// An event as the audit screen shows it.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    pub event_id: String,
    pub device_id: String,
    pub seq: i64,
    pub occurred_at: String,
    pub user_id: String,
    pub code_type: Option<CodeType>,
    pub kind: EventKind,
    pub actor: String,
    pub channel: Option<Channel>,
    pub target_masked: Option<String>,
    pub outcome: Outcome,
    pub error_code: Option<String>,
    /// What else the event records (consent notice, old and new settings, attempts…). Never a
    /// code, a secret or a contact in clear.
    pub detail: Option<Value>,
}

/// Reads the columns every event query selects, in this order.
fn event_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Event> {
    Ok(Event {
        event_id: r.get(0)?,
        device_id: r.get(1)?,
        seq: r.get(2)?,
        occurred_at: r.get(3)?,
        user_id: r.get(4)?,
        code_type: r.get(5)?,
        kind: r.get(6)?,
        actor: r.get(7)?,
        channel: r.get(8)?,
        target_masked: r.get(9)?,
        outcome: r.get(10)?,
        error_code: r.get(11)?,
        detail: r.get::<_, Option<String>>(12)?.and_then(|d| serde_json::from_str(&d).ok()),
    })
}

/// Events for one person, newest first.
pub fn for_user(conn: &rusqlite::Connection, user_id: &str, limit: u32) -> Result<Vec<Event>> {
    let mut stmt = conn.prepare_cached(
        "SELECT event_id, device_id, seq, occurred_at, user_id, code_type, kind, actor, channel,
                target_masked, outcome, error_code, detail
         FROM verification_events WHERE user_id = ?1 ORDER BY device_id, seq DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![user_id, limit], event_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Filters for the audit screen; all optional.
#[derive(Debug, Clone, Default, serde::Deserialize, specta::Type)]
#[serde(rename_all = "camelCase", default)]
pub struct AuditFilter {
    pub user_id: Option<String>,
    pub actor: Option<String>,
    pub channel: Option<String>,
    pub outcome: Option<String>,
    pub kind: Option<String>,
    /// ISO dates (YYYY-MM-DD), inclusive: the desk's local days.
    pub from: Option<String>,
    pub to: Option<String>,
}

impl AuditFilter {
    /// The filter's dates are the desk's local days; the log is in UTC. Returns the filter with
    /// `from`/`to` as UTC timestamps bounding those days.
    pub fn in_utc(&self, offset: time::UtcOffset) -> AuditFilter {
        let bound = |d: &Option<String>, end: bool| -> Option<String> {
            let d = d.as_deref().map(str::trim).filter(|d| !d.is_empty())?;
            let date = time::Date::parse(d, time::macros::format_description!("[year]-[month]-[day]")).ok()?;
            let local = if end { date.next_day()?.midnight() } else { date.midnight() };
            let utc = local.assume_offset(offset).to_offset(time::UtcOffset::UTC);
            Some(ts(if end { utc - time::Duration::milliseconds(1) } else { utc }))
        };
        AuditFilter { from: bound(&self.from, false), to: bound(&self.to, true), ..self.clone() }
    }
}

/// Events matching an audit filter, newest first.
pub fn search(conn: &rusqlite::Connection, f: &AuditFilter, limit: u32) -> Result<Vec<Event>> {
    // `from`/`to` are full timestamps (the desk turns local days into UTC bounds); a bare
    // date still works, as a UTC day.
    let day_end = |d: &str| {
        if d.len() == 10 {
            format!("{d}T23:59:59.999Z")
        } else {
            d.to_owned()
        }
    };
    let mut stmt = conn.prepare_cached(
        "SELECT event_id, device_id, seq, occurred_at, user_id, code_type, kind, actor, channel,
                target_masked, outcome, error_code, detail
         FROM verification_events
         WHERE (?1 IS NULL OR user_id = ?1) AND (?2 IS NULL OR actor = ?2) AND (?3 IS NULL OR channel = ?3)
           AND (?4 IS NULL OR outcome = ?4) AND (?5 IS NULL OR kind = ?5)
           AND (?6 IS NULL OR occurred_at >= ?6) AND (?7 IS NULL OR occurred_at <= ?7)
         ORDER BY occurred_at DESC, seq DESC LIMIT ?8",
    )?;
    let empty = |o: &Option<String>| o.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    let rows = stmt.query_map(
        params![
            empty(&f.user_id),
            empty(&f.actor),
            empty(&f.channel),
            empty(&f.outcome),
            empty(&f.kind),
            empty(&f.from),
            empty(&f.to).map(|d| day_end(&d)),
            limit
        ],
        event_from_row,
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// How many `kind` events with `outcome` happened since `since`, counting at most `cap`, and
/// the oldest of those counted (the desk-wide sign-in throttle asks this).
pub fn recent_count(
    conn: &rusqlite::Connection,
    kind: EventKind,
    outcome: Outcome,
    since: OffsetDateTime,
    cap: i64,
) -> Result<(i64, Option<String>)> {
    Ok(conn.query_row(
        "SELECT count(*), min(occurred_at) FROM (SELECT occurred_at FROM verification_events
             WHERE kind = ?1 AND outcome = ?2 AND occurred_at >= ?3 ORDER BY occurred_at DESC LIMIT ?4)",
        params![kind, outcome, ts(since), cap],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?)
}

/// A recent delivery problem, for the admin's health view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RecentError {
    pub at: String,
    pub channel: Option<Channel>,
    pub code: Option<String>,
    pub outcome: Outcome,
    /// What the admin should fix, when it is theirs to fix.
    pub admin_message: Option<String>,
}

/// The last delivery problems and refused sends, newest first.
pub fn recent_delivery_errors(conn: &rusqlite::Connection, limit: u32) -> Result<Vec<RecentError>> {
    let mut stmt = conn.prepare_cached(
        "SELECT occurred_at, channel, error_code, outcome, json_extract(detail, '$.admin') FROM verification_events
         WHERE kind IN ('delivery_status', 'send_refused') AND outcome NOT IN ('delivered', 'read')
         ORDER BY occurred_at DESC LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit], |r| {
        Ok(RecentError { at: r.get(0)?, channel: r.get(1)?, code: r.get(2)?, outcome: r.get(3)?, admin_message: r.get(4)? })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// RFC 4180 CSV of events. Cells starting with = + - @ are prefixed with ' so a spreadsheet
/// never runs them as formulas.
pub fn to_csv(events: &[Event]) -> String {
    fn cell(s: &str) -> String {
        let s = if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.to_owned() };
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s
        }
    }
    let mut out =
        String::from("occurred_at,kind,outcome,user_id,code_type,channel,target_masked,actor,error_code,detail,device_id,seq,event_id\r\n");
    for e in events {
        let detail = e.detail.as_ref().map(Value::to_string).unwrap_or_default();
        let row = [
            e.occurred_at.as_str(),
            e.kind.into(),
            e.outcome.into(),
            &e.user_id,
            e.code_type.map(CodeType::as_str).unwrap_or(""),
            e.channel.map(Channel::as_str).unwrap_or(""),
            e.target_masked.as_deref().unwrap_or(""),
            &e.actor,
            e.error_code.as_deref().unwrap_or(""),
            &detail,
            &e.device_id,
            &e.seq.to_string(),
            &e.event_id,
        ];
        out.push_str(&row.iter().map(|c| cell(c)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}

/// Which pepper made the latest event that names one (`None` on a desk with no such event).
pub fn latest_key_id(conn: &rusqlite::Connection) -> Result<Option<String>> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .query_row("SELECT key_id FROM verification_events WHERE key_id IS NOT NULL ORDER BY occurred_at DESC, seq DESC LIMIT 1", [], |r| {
            r.get(0)
        })
        .optional()?)
}
