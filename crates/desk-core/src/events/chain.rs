//! The event format (v1) and the audit chain.
//!
//! Every event has one canonical byte form: the JSON of [`Canonical`], fields in a fixed order,
//! the contact in clear. That form is what the chain hashes and what sync pushes (inside TLS);
//! the local log keeps the contact sealed (`target_sealed`) and rebuilds the form on demand.
//!
//! Each device's events form a chain: an event carries the hash of the one before it, and its own
//! hash is an HMAC (key derived from the pepper in the keyring) over its canonical form, so
//! whoever can edit the database file but not read the keyring can't recompute it. Events
//! written before the chain existed are sealed by one anchor row per device (`audit_anchors`),
//! made once, without touching them.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::clock::ts;
use crate::codes::{CodeSecrets, RandomSource};
use crate::error::Result;

/// The version of the canonical form, inside every hashed byte string.
pub const FORMAT_VERSION: u8 = 1;

/// The `prev_hash` of a device's first chained event when it has no earlier events.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What every event is written with: this device's id and keys, and the clock offset sync last
/// measured (kept in the event, so the clinic can order events from desks whose clocks differ).
pub struct Journal {
    device_id: String,
    secrets: Arc<CodeSecrets>,
    rng: Arc<dyn RandomSource>,
    clock_offset_ms: AtomicI64,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal").field("device_id", &self.device_id).finish_non_exhaustive()
    }
}

impl Journal {
    pub fn new(device_id: String, secrets: Arc<CodeSecrets>, rng: Arc<dyn RandomSource>) -> Self {
        Journal { device_id, secrets, rng, clock_offset_ms: AtomicI64::new(0) }
    }

    pub fn device_id(&self) -> &str {
        &self.device_id
    }

    pub fn secrets(&self) -> &CodeSecrets {
        &self.secrets
    }

    pub(crate) fn rng(&self) -> &dyn RandomSource {
        self.rng.as_ref()
    }

    /// The server's clock minus this desk's, as sync measured it.
    pub fn set_clock_offset_ms(&self, ms: i64) {
        self.clock_offset_ms.store(ms, Ordering::Relaxed);
    }

    pub fn clock_offset_ms(&self) -> i64 {
        self.clock_offset_ms.load(Ordering::Relaxed)
    }
}

/// An event's canonical form. Field order is the byte order: never reorder, only add at the end
/// with a new [`FORMAT_VERSION`].
#[derive(Debug, Serialize)]
pub struct Canonical<'a> {
    pub v: u8,
    pub event_id: &'a str,
    pub device_id: &'a str,
    pub seq: i64,
    pub occurred_at: &'a str,
    pub clock_offset_ms: i64,
    pub user_id: &'a str,
    pub code_type: Option<&'a str>,
    pub kind: &'a str,
    pub actor: &'a str,
    pub channel: Option<&'a str>,
    /// The contact in clear: only here, only inside the TLS push.
    pub target: Option<&'a str>,
    pub target_masked: Option<&'a str>,
    pub outcome: &'a str,
    pub error_code: Option<&'a str>,
    pub detail: Option<&'a Value>,
    pub key_id: &'a str,
    pub prev_hash: &'a str,
}

impl Canonical<'_> {
    pub fn bytes(&self) -> Vec<u8> {
        // Serializing borrowed strings and a JSON value cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }
}

/// One stored event with everything its canonical form needs.
#[derive(Debug, Clone)]
pub struct StoredEvent {
    pub event_id: String,
    pub device_id: String,
    pub seq: i64,
    pub occurred_at: String,
    pub clock_offset_ms: i64,
    pub user_id: String,
    pub code_type: Option<String>,
    pub kind: String,
    pub actor: String,
    pub channel: Option<String>,
    pub target_sealed: Option<Vec<u8>>,
    pub target_masked: Option<String>,
    pub outcome: String,
    pub error_code: Option<String>,
    pub detail: Option<Value>,
    pub key_id: Option<String>,
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
}

pub(crate) const STORED_COLUMNS: &str = "event_id, device_id, seq, occurred_at, clock_offset_ms, user_id, code_type,
    kind, actor, channel, target_sealed, target_masked, outcome, error_code, detail, key_id, prev_hash, hash";

pub(crate) fn stored_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredEvent> {
    let detail: Option<String> = r.get(14)?;
    Ok(StoredEvent {
        event_id: r.get(0)?,
        device_id: r.get(1)?,
        seq: r.get(2)?,
        occurred_at: r.get(3)?,
        clock_offset_ms: r.get(4)?,
        user_id: r.get(5)?,
        code_type: r.get(6)?,
        kind: r.get(7)?,
        actor: r.get(8)?,
        channel: r.get(9)?,
        target_sealed: r.get(10)?,
        target_masked: r.get(11)?,
        outcome: r.get(12)?,
        error_code: r.get(13)?,
        detail: detail.and_then(|d| serde_json::from_str(&d).ok()),
        key_id: r.get(15)?,
        prev_hash: r.get(16)?,
        hash: r.get(17)?,
    })
}

impl StoredEvent {
    /// The canonical form, with the contact as given (unsealed by the caller).
    pub fn canonical<'a>(&'a self, target: Option<&'a str>) -> Canonical<'a> {
        Canonical {
            v: FORMAT_VERSION,
            event_id: &self.event_id,
            device_id: &self.device_id,
            seq: self.seq,
            occurred_at: &self.occurred_at,
            clock_offset_ms: self.clock_offset_ms,
            user_id: &self.user_id,
            code_type: self.code_type.as_deref(),
            kind: &self.kind,
            actor: &self.actor,
            channel: self.channel.as_deref(),
            target,
            target_masked: self.target_masked.as_deref(),
            outcome: &self.outcome,
            error_code: self.error_code.as_deref(),
            detail: self.detail.as_ref(),
            key_id: self.key_id.as_deref().unwrap_or(""),
            prev_hash: self.prev_hash.as_deref().unwrap_or(""),
        }
    }

    /// The contact in clear, if this desk's keys sealed it.
    pub fn target(&self, secrets: &CodeSecrets) -> Option<String> {
        self.target_sealed.as_deref().and_then(|s| secrets.unseal_contact(s, &self.event_id))
    }
}

/// The hash the next event of `device` must carry as its `prev_hash`: the last chained event's,
/// or the anchor's when the last events predate the chain (the anchor is made here if need be).
pub(crate) fn next_prev(tx: &Transaction<'_>, j: &Journal, now: OffsetDateTime) -> Result<(i64, String)> {
    let last: Option<(i64, Option<String>)> = tx
        .query_row("SELECT seq, hash FROM verification_events WHERE device_id = ?1 ORDER BY seq DESC LIMIT 1", [j.device_id()], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    Ok(match last {
        None => (1, GENESIS.to_owned()),
        Some((seq, Some(hash))) => (seq + 1, hash),
        Some((seq, None)) => (seq + 1, anchor(tx, j, now)?.unwrap_or_else(|| GENESIS.to_owned())),
    })
}

/// The anchor over this device's events written before the chain: made on first use, then kept.
/// Returns its hash (`None` if the device has no unchained events).
pub fn anchor(conn: &Connection, j: &Journal, now: OffsetDateTime) -> Result<Option<String>> {
    if let Some(hash) =
        conn.query_row("SELECT hash FROM audit_anchors WHERE device_id = ?1", [j.device_id()], |r| r.get::<_, String>(0)).optional()?
    {
        return Ok(Some(hash));
    }
    let (through, digest) = legacy_digest(conn, j.device_id())?;
    if through == 0 {
        return Ok(None);
    }
    let key_id = j.secrets().key_id();
    let hash = anchor_hash(j.secrets(), j.device_id(), through, &digest);
    conn.execute(
        "INSERT INTO audit_anchors (device_id, through_seq, digest, key_id, hash, made_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![j.device_id(), through, digest, key_id, hash, ts(now)],
    )?;
    tracing::info!(through, "earlier events sealed by an audit anchor");
    Ok(Some(hash))
}

fn anchor_hash(secrets: &CodeSecrets, device: &str, through: i64, digest: &str) -> String {
    secrets.chain_mac(&[b"anchor", device.as_bytes(), &through.to_be_bytes(), digest.as_bytes()])
}

/// SHA-256 over the canonical forms of the device's unchained events (the leading run with no
/// hash), and the last seq of that run.
fn legacy_digest(conn: &Connection, device: &str) -> Result<(i64, String)> {
    let mut stmt =
        conn.prepare(&format!("SELECT {STORED_COLUMNS} FROM verification_events WHERE device_id = ?1 AND hash IS NULL ORDER BY seq"))?;
    let mut hasher = Sha256::new();
    let mut through = 0;
    let mut expected = 1;
    for e in stmt.query_map([device], stored_from_row)? {
        let e = e?;
        if e.seq != expected {
            // Unchained rows after a gap are not the legacy run: leave them for the check to flag.
            break;
        }
        let bytes = e.canonical(None).bytes();
        hasher.update((bytes.len() as u64).to_be_bytes());
        hasher.update(&bytes);
        through = e.seq;
        expected += 1;
    }
    Ok((through, hex::encode(hasher.finalize())))
}

/// An event's own hash.
pub fn event_hash(secrets: &CodeSecrets, canonical: &[u8]) -> String {
    secrets.chain_mac(&[b"event", canonical])
}

/// Where and why a chain breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type, strum::IntoStaticStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum BreakKind {
    /// The event's content no longer matches its hash: it was edited.
    Altered,
    /// The event doesn't follow the one before it: one was removed, inserted or reordered.
    Unlinked,
    /// A number is missing from the device's sequence: an event was deleted.
    Gap,
    /// An event after the chain began carries no hash: it was inserted by hand.
    Unhashed,
    /// The anchor over the earlier events no longer matches them.
    AnchorAltered,
}

impl BreakKind {
    pub fn words(self) -> &'static str {
        match self {
            BreakKind::Altered => "this event was changed after it was written",
            BreakKind::Unlinked => "an event before this one was removed, added or moved",
            BreakKind::Gap => "events before this one are missing",
            BreakKind::Unhashed => "this event was added outside the desk",
            BreakKind::AnchorAltered => "the events from before the audit chain began were changed",
        }
    }
}

/// The first break in a device's chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ChainBreak {
    pub device_id: String,
    pub seq: i64,
    pub event_id: String,
    pub occurred_at: String,
    pub kind: BreakKind,
    /// Plain words for the admin.
    pub message: String,
}

/// What a check of the whole log found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ChainReport {
    /// Every event checked and every link holds.
    pub intact: bool,
    pub checked: i64,
    /// Events written under another pepper (a keyring that could not be read when they were
    /// written): they can't be checked here, which is not the same as broken.
    pub unverifiable: i64,
    /// Events sealed by the anchor (written before the chain began).
    pub anchored: i64,
    pub first_break: Option<ChainBreak>,
}

/// How many events a check reads per step (and reports progress after).
const PAGE: i64 = 2000;

/// Check every device's chain, reporting `(done, total)` as it goes.
pub fn verify(conn: &Connection, secrets: &CodeSecrets, mut progress: impl FnMut(i64, i64)) -> Result<ChainReport> {
    let total: i64 = conn.query_row("SELECT count(*) FROM verification_events", [], |r| r.get(0))?;
    let devices: Vec<String> = conn
        .prepare("SELECT DISTINCT device_id FROM verification_events ORDER BY device_id")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let my_key = secrets.key_id();
    let mut report = ChainReport { intact: true, checked: 0, unverifiable: 0, anchored: 0, first_break: None };
    let mut done = 0;
    progress(0, total);
    for device in devices {
        let anchor: Option<(i64, String, String, String)> = conn
            .query_row("SELECT through_seq, digest, key_id, hash FROM audit_anchors WHERE device_id = ?1", [&device], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .optional()?;
        let mut prev = GENESIS.to_owned();
        let mut expected_seq = 1;
        if let Some((through, digest, key_id, hash)) = &anchor {
            let (legacy_through, legacy) = legacy_digest(conn, &device)?;
            let anchor_ok = key_id != &my_key || &anchor_hash(secrets, &device, *through, digest) == hash;
            if legacy_through != *through || &legacy != digest || !anchor_ok {
                let first: Option<(String, String)> = conn
                    .query_row(
                        "SELECT event_id, occurred_at FROM verification_events WHERE device_id = ?1 ORDER BY seq LIMIT 1",
                        [&device],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .optional()?;
                let (event_id, occurred_at) = first.unwrap_or_default();
                report.first_break.get_or_insert(ChainBreak {
                    device_id: device.clone(),
                    seq: 1,
                    event_id,
                    occurred_at,
                    kind: BreakKind::AnchorAltered,
                    message: BreakKind::AnchorAltered.words().to_owned(),
                });
                report.intact = false;
            }
            report.anchored += through;
            done += through;
            prev = hash.clone();
            expected_seq = through + 1;
        }
        let mut after = expected_seq - 1;
        loop {
            let page: Vec<StoredEvent> = conn
                .prepare_cached(&format!(
                    "SELECT {STORED_COLUMNS} FROM verification_events WHERE device_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3"
                ))?
                .query_map(params![device, after, PAGE], stored_from_row)?
                .collect::<rusqlite::Result<_>>()?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            for e in &page {
                done += 1;
                let broken = |kind: BreakKind| ChainBreak {
                    device_id: device.clone(),
                    seq: e.seq,
                    event_id: e.event_id.clone(),
                    occurred_at: e.occurred_at.clone(),
                    kind,
                    message: kind.words().to_owned(),
                };
                let found = if e.seq != expected_seq {
                    Some(BreakKind::Gap)
                } else if e.hash.is_none() {
                    Some(BreakKind::Unhashed)
                } else if e.prev_hash.as_deref() != Some(prev.as_str()) {
                    Some(BreakKind::Unlinked)
                } else if e.key_id.as_deref() != Some(my_key.as_str()) {
                    report.unverifiable += 1;
                    None
                } else {
                    let target = e.target(secrets);
                    let sealed_but_unreadable = e.target_sealed.is_some() && target.is_none();
                    let bytes = e.canonical(target.as_deref()).bytes();
                    (sealed_but_unreadable || e.hash.as_deref() != Some(event_hash(secrets, &bytes).as_str())).then_some(BreakKind::Altered)
                };
                if let Some(kind) = found {
                    report.intact = false;
                    if report.first_break.is_none() {
                        report.first_break = Some(broken(kind));
                    }
                }
                report.checked += 1;
                expected_seq = e.seq + 1;
                // Follow the chain as written, so one edit is reported once, not at every later row.
                prev = e.hash.clone().unwrap_or_default();
            }
            progress(done, total);
        }
    }
    progress(total, total);
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::SeededRandom;
    use crate::contact::CodeType;
    use crate::events::{append, for_push, EventKind, NewEvent, Outcome};
    use crate::store::Store;
    use time::macros::datetime;

    #[test]
    fn what_is_pushed_is_what_was_hashed_and_only_it_holds_the_contact_in_clear() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(&tmp.path().join("d.sqlite3")).expect("open");
        let j = Journal::new("desk-1".into(), Arc::new(CodeSecrets::from_pepper([4; 32], true)), Arc::new(SeededRandom::new(2)));
        let now = datetime!(2026-11-24 04:30 UTC);
        let tx = store.conn_mut().transaction().expect("tx");
        for i in 0..3 {
            append(
                &tx,
                &j,
                now,
                &NewEvent {
                    user_id: "W1",
                    code_type: Some(CodeType::Phone),
                    kind: EventKind::Issued,
                    actor: "latha.k",
                    channel: None,
                    target: Some("+919845012345"),
                    outcome: Outcome::Queued,
                    error_code: None,
                    detail: Some(serde_json::json!({"n": i})),
                },
            )
            .expect("append");
        }
        tx.commit().expect("commit");
        let pushed = for_push(store.conn(), &j, 0, 10).expect("push");
        assert_eq!(pushed.iter().map(|p| p.seq).collect::<Vec<_>>(), [1, 2, 3]);
        let mut prev = GENESIS.to_owned();
        for p in &pushed {
            assert_eq!(p.hash.as_deref(), Some(event_hash(j.secrets(), &p.body).as_str()), "the pushed bytes are the hashed bytes");
            let body: serde_json::Value = serde_json::from_slice(&p.body).expect("json");
            assert_eq!(body["target"], "+919845012345");
            assert_eq!(body["prev_hash"], prev.as_str());
            assert_eq!(body["v"], 1);
            prev = p.hash.clone().expect("hash");
        }
        // The stored row has the contact only sealed.
        let raw: String = store
            .conn()
            .query_row(
                "SELECT coalesce(target_masked,'') || coalesce(detail,'') || hex(target_sealed) FROM verification_events WHERE seq = 1",
                [],
                |r| r.get(0),
            )
            .expect("row");
        assert!(!raw.contains("9845012345") && !raw.contains(&hex::encode("+919845012345")), "{raw}");
        assert_eq!(after_seq_two(&store, &j), vec![3]);
        let report = verify(store.conn(), j.secrets(), |_, _| {}).expect("verify");
        assert!(report.intact && report.checked == 3 && report.anchored == 0, "{report:?}");
    }

    fn after_seq_two(store: &Store, j: &Journal) -> Vec<i64> {
        for_push(store.conn(), j, 2, 10).expect("push").iter().map(|p| p.seq).collect()
    }
}
