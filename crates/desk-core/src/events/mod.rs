//! The append-only event log: audit trail and sync feed. Each device numbers its own events
//! (`device_id`, `seq`), ids are UUID v7 (time-ordered), and every state change writes its event
//! inside the same transaction as the change.

use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;

use crate::clock::ts;
use crate::channel::Channel;
use crate::contact::CodeType;
use crate::error::Result;

mod kinds;

pub use kinds::{EventKind, Outcome};

/// An event about to be written.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    pub user_id: &'a str,
    pub code_type: Option<CodeType>,
    pub kind: EventKind,
    pub actor: &'a str,
    pub channel: Option<Channel>,
    /// Already masked: the full contact never goes into the event log.
    pub target_masked: Option<String>,
    pub outcome: Outcome,
    pub error_code: Option<&'a str>,
    pub detail: Option<Value>,
}

/// Append one event in the caller's transaction; returns its id.
pub fn append(tx: &Transaction<'_>, device_id: &str, at: OffsetDateTime, ev: &NewEvent<'_>) -> Result<String> {
    let seq: i64 = tx
        .query_row(
            "SELECT seq FROM verification_events WHERE device_id = ?1 ORDER BY seq DESC LIMIT 1",
            [device_id],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(0)
        + 1;
    let nanos = at.unix_timestamp_nanos();
    let ts_v7 = uuid::Timestamp::from_unix(
        uuid::NoContext,
        (nanos / 1_000_000_000) as u64,
        (nanos % 1_000_000_000) as u32,
    );
    let id = uuid::Uuid::new_v7(ts_v7).to_string();
    tx.execute(
        "INSERT INTO verification_events (event_id, device_id, seq, occurred_at, user_id, code_type,
             kind, actor, channel, target_masked, outcome, error_code, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            id,
            device_id,
            seq,
            ts(at),
            ev.user_id,
            ev.code_type,
            ev.kind,
            ev.actor,
            ev.channel,
            ev.target_masked,
            ev.outcome,
            ev.error_code,
            ev.detail.as_ref().map(Value::to_string),
        ],
    )?;
    Ok(id)
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
    })
}

/// Events for one person, newest first.
pub fn for_user(conn: &rusqlite::Connection, user_id: &str, limit: u32) -> Result<Vec<Event>> {
    let mut stmt = conn.prepare_cached(
        "SELECT event_id, device_id, seq, occurred_at, user_id, code_type, kind, actor, channel,
                target_masked, outcome, error_code
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
    let day_end = |d: &str| if d.len() == 10 { format!("{d}T23:59:59.999Z") } else { d.to_owned() };
    let mut stmt = conn.prepare_cached(
        "SELECT event_id, device_id, seq, occurred_at, user_id, code_type, kind, actor, channel,
                target_masked, outcome, error_code
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
        if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
    }
    let mut out = String::from("occurred_at,kind,outcome,user_id,code_type,channel,target_masked,actor,error_code,device_id,seq,event_id\r\n");
    for e in events {
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
            &e.device_id,
            &e.seq.to_string(),
            &e.event_id,
        ];
        out.push_str(&row.iter().map(|c| cell(c)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}
