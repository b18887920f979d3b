//! The append-only event log: audit trail and sync feed. Each device numbers its own events
//! (`device_id`, `seq`), ids are UUID v7 (time-ordered), and every state change writes its event
//! inside the same transaction as the change.

use rusqlite::{params, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use crate::clock::ts;
use crate::contact::{Channel, CodeType};
use crate::error::Result;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Issued,
    Sent,
    DeliveryStatus,
    Verified,
    WrongCode,
    Locked,
    Expired,
    Invalidated,
    Overridden,
    SendRefused,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Issued => "issued",
            EventKind::Sent => "sent",
            EventKind::DeliveryStatus => "delivery_status",
            EventKind::Verified => "verified",
            EventKind::WrongCode => "wrong_code",
            EventKind::Locked => "locked",
            EventKind::Expired => "expired",
            EventKind::Invalidated => "invalidated",
            EventKind::Overridden => "overridden",
            EventKind::SendRefused => "send_refused",
        }
    }
}

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
    pub outcome: &'a str,
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
            ev.code_type.map(CodeType::as_str),
            ev.kind.as_str(),
            ev.actor,
            ev.channel.map(Channel::as_str),
            ev.target_masked,
            ev.outcome,
            ev.error_code,
            ev.detail.as_ref().map(Value::to_string),
        ],
    )?;
    Ok(id)
}

/// An event as the audit screen shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    pub event_id: String,
    pub device_id: String,
    pub seq: i64,
    pub occurred_at: String,
    pub user_id: String,
    pub code_type: Option<String>,
    pub kind: String,
    pub actor: String,
    pub channel: Option<String>,
    pub target_masked: Option<String>,
    pub outcome: String,
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

/// Events matching an audit filter, newest first.
pub fn search(conn: &rusqlite::Connection, f: &crate::desk::AuditFilter, limit: u32) -> Result<Vec<Event>> {
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
            &e.kind,
            &e.outcome,
            &e.user_id,
            e.code_type.as_deref().unwrap_or(""),
            e.channel.as_deref().unwrap_or(""),
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
