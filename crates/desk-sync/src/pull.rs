//! Pull: the people and staff of the desk's hospital changed since its watermark, read in one
//! `REPEATABLE READ READ ONLY` snapshot and applied to the desk's store in small transactions (so
//! search and checks stay responsive during a first pull of a large clinic).
//!
//! The watermark is the snapshot's `xmin`: every transaction below it had finished when the
//! snapshot was taken, so the next pull asks for changes from transactions at or above it. A
//! long transaction that commits after a pull is therefore never skipped (an `updated_at`
//! watermark would skip it), at the cost of re-reading an overlap, which applies idempotently.

use std::collections::HashSet;

use desk_core::clock::parse_ts;
use desk_core::contact::CodeType;
use desk_core::people::clinic as people_clinic;
use desk_core::people::corrections::{self, ClinicConflict, PullContext};
use desk_core::people::{self, search_index};
use desk_core::staff::clinic as staff_clinic;
use desk_core::staff::signin::{self, SharedFailures};
use rusqlite::TransactionBehavior;
use serde_json::Value;
use tokio_postgres::IsolationLevel;

use crate::client::{bounded, Clinic};
use crate::clinic_row::{self, RawRow};
use crate::errors::SyncError;
use crate::state::{self, Local, Progress};

/// People per page: one page is one small local transaction.
pub const PAGE: i32 = 500;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PullReport {
    /// Everything was fetched again (first pull, or the change log was pruned past the watermark).
    pub full: bool,
    pub received: u64,
    pub added: u64,
    pub changed: u64,
    pub deactivated: u64,
    pub invalidated: u64,
    pub unreadable: u64,
    /// Contacts corrected at a desk that the clinic holds as conflicts (for an admin).
    pub conflicts: u64,
    /// Clinic staff whose throttle here changed because of sign-ins at other desks.
    pub sign_ins_shared: u64,
    pub watermark: String,
    /// Where the time went: applying pages here, and waiting for the clinic's rows.
    pub apply_time: std::time::Duration,
    pub server_time: std::time::Duration,
}

fn raw_from(r: &tokio_postgres::Row) -> RawRow {
    RawRow {
        user_id: r.get("user_id"),
        entity_type: r.get("entity_type"),
        entity_id: r.get("entity_id"),
        deleted: r.get::<_, Option<bool>>("deleted").unwrap_or(false),
        is_active: r.get::<_, Option<bool>>("is_active").unwrap_or(false),
        first_name: r.get("first_name"),
        last_name: r.get("last_name"),
        full_name: r.get("full_name"),
        personal_info: r.get("personal_info"),
        contact_info: r.get("contact_info"),
        verification_status: r.get("verification_status"),
        password_hash: r.get("password_hash"),
        roles: r.get::<_, Option<Vec<String>>>("roles").unwrap_or_default(),
    }
}

/// A clinic timestamp as the desk writes them (UTC, milliseconds).
const TS: &str = r#"'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'"#;

/// The hospital's open conflicts over contacts corrected at desks.
async fn read_conflicts(
    tx: &tokio_postgres::Transaction<'_>,
    device_id: &str,
    limit: std::time::Duration,
) -> Result<Vec<ClinicConflict>, SyncError> {
    let sql = format!(
        "SELECT event_id::text, user_id, code_type, device_id, desk_name, desk_value, base_value, clinic_value,
                to_char(made_at AT TIME ZONE 'UTC', {TS}), to_char(opened_at AT TIME ZONE 'UTC', {TS})
         FROM desk_sync.pull_conflicts($1)"
    );
    let rows = bounded(limit, "the pull", tx.query(&sql, &[&device_id])).await?;
    // The clinic's conflicts are about phones and emails only; anything else isn't one.
    Ok(rows
        .iter()
        .filter_map(|r| Some((r, CodeType::parse(r.get::<_, &str>(2))?)))
        .map(|(r, code_type)| ClinicConflict {
            event_id: r.get(0),
            user_id: r.get(1),
            code_type,
            device_id: r.get(3),
            desk_name: r.get(4),
            desk_value: r.get(5),
            base_value: r.get(6),
            clinic_value: r.get(7),
            made_at: r.get(8),
            opened_at: r.get(9),
        })
        .collect())
}

/// The hospital's staff with failed sign-ins at any desk, on this desk's clock.
async fn read_sign_ins(
    tx: &tokio_postgres::Transaction<'_>,
    device_id: &str,
    limit: std::time::Duration,
    offset_ms: i64,
) -> Result<Vec<SharedFailures>, SyncError> {
    let sql = format!(
        "SELECT user_id, failures, to_char(last_failed_at AT TIME ZONE 'UTC', {TS}), to_char(last_reset_at AT TIME ZONE 'UTC', {TS})
         FROM desk_sync.pull_sign_ins($1)"
    );
    let rows = bounded(limit, "the pull", tx.query(&sql, &[&device_id])).await?;
    // The clinic's times are its own clock's: this desk's clock is `offset` behind it.
    let here = |t: Option<String>| t.as_deref().and_then(parse_ts).map(|t| t - time::Duration::milliseconds(offset_ms));
    Ok(rows
        .iter()
        .map(|r| SharedFailures {
            user_id: r.get(0),
            failures: r.get::<_, i32>(1).max(0) as u32,
            last_failed_at: here(r.get(2)),
            last_reset_at: here(r.get(3)),
        })
        .collect())
}

/// Apply one page of rows in one local transaction.
fn apply_page(local: &Local, rows: &[RawRow], ctx: &people_clinic::ApplyContext, report: &mut PullReport) -> Result<(), SyncError> {
    let now = local.clock.now();
    local.db.with(|s| {
        let tx = s.conn_mut().transaction_with_behavior(TransactionBehavior::Immediate)?;
        for row in rows {
            if row.deleted {
                let a = people_clinic::deactivate(&tx, &row.user_id, now)?;
                let b = staff_clinic::disable(&tx, &local.journal, &row.user_id, now)?;
                if a || b {
                    report.deactivated += 1;
                }
                continue;
            }
            let read = clinic_row::read(row);
            let mut problems = read.problems.clone();
            match people_clinic::apply(&tx, &local.journal, &read.person, ctx, now) {
                Ok(applied) => {
                    report.added += u64::from(applied.added);
                    report.changed += u64::from(applied.changed);
                    report.invalidated += applied.invalidated.len() as u64;
                    if !read.person.active {
                        report.deactivated += u64::from(applied.changed);
                    }
                }
                Err(desk_core::Error::InvalidInput(why)) => problems.push(why),
                Err(e) => return Err(e),
            }
            if let Some(staff) = &read.staff {
                match staff_clinic::apply(&tx, &local.journal, staff, now) {
                    Ok(_) => {}
                    Err(desk_core::Error::InvalidInput(why)) => problems.push(why),
                    Err(e) => return Err(e),
                }
            }
            if problems.is_empty() {
                state::clear_unreadable(&tx, &row.user_id)?;
            } else {
                tracing::warn!(problems = problems.len(), "a clinic row could not be read in full; kept for an admin");
                state::keep_unreadable(&tx, &row.user_id, &row.as_json(), &problems, now)?;
                report.unreadable += 1;
            }
        }
        tx.commit()?;
        Ok(())
    })?;
    Ok(())
}

/// Read the people through a portal, one page at a time, each applied in its own small local
/// transaction as it arrives (the server works out the list once, in the pull's snapshot).
#[allow(clippy::too_many_arguments)]
async fn apply_pages(
    tx: &tokio_postgres::Transaction<'_>,
    stmt: &tokio_postgres::Statement,
    params: [&(dyn tokio_postgres::types::ToSql + Sync); 3],
    local: &Local,
    ctx: &people_clinic::ApplyContext,
    total: i64,
    seen: &mut HashSet<String>,
    report: &mut PullReport,
    progress: &(dyn Fn(Progress) + Send + Sync),
    limit: std::time::Duration,
) -> Result<(), SyncError> {
    let portal = bounded(limit, "the pull", tx.bind(stmt, &params)).await?;
    loop {
        let waited = std::time::Instant::now();
        let rows = bounded(limit, "the pull", tx.query_portal(&portal, PAGE)).await?;
        report.server_time += waited.elapsed();
        if rows.is_empty() {
            break;
        }
        let page: Vec<RawRow> = rows.iter().map(raw_from).collect();
        if report.full {
            seen.extend(page.iter().map(|r| r.user_id.clone()));
        }
        report.received += page.len() as u64;
        let applying = std::time::Instant::now();
        apply_page(local, &page, ctx, report)?;
        report.apply_time += applying.elapsed();
        progress(Progress { done: report.received, total: (total.max(0) as u64).max(report.received) });
        if page.len() < PAGE as usize {
            break;
        }
    }
    Ok(())
}

/// Pull everything changed since the stored watermark (or everything).
#[tracing::instrument(skip_all)]
pub async fn pull(clinic: &mut Clinic, local: &Local, progress: &(dyn Fn(Progress) + Send + Sync)) -> Result<PullReport, SyncError> {
    let device_id = local.journal.device_id().to_owned();
    let limit = clinic.timeout;
    let stored = local.db.with(|s| state::load(s.conn()))?;
    let (since, acked_seq, offset_ms) = (stored.watermark, stored.acked_seq, stored.clock_offset_ms);
    let tx = bounded(
        limit,
        "the pull",
        clinic.client.build_transaction().isolation_level(IsolationLevel::RepeatableRead).read_only(true).start(),
    )
    .await?;
    let begin = bounded(
        limit,
        "the pull",
        tx.query_one("SELECT watermark::text, full_refetch, total FROM desk_sync.pull_begin($1, $2::text::xid8)", &[&device_id, &since]),
    )
    .await?;
    let watermark: String = begin.get(0);
    let full: bool = begin.get(1);
    let total: i64 = begin.get(2);
    let mut report = PullReport { full, watermark: watermark.clone(), ..PullReport::default() };
    // The clinic's open conflicts come first: a contact corrected here that is in conflict
    // stays as the desk has it while the people are applied.
    let conflicts = read_conflicts(&tx, &device_id, limit).await?;
    let shared = read_sign_ins(&tx, &device_id, limit, offset_ms).await?;
    let ctx = {
        let corrections = PullContext { acked_seq, open_conflicts: conflicts.iter().map(|c| c.event_id.clone()).collect() };
        local.db.with(|s| people_clinic::ApplyContext::new(s.conn(), corrections))?
    };
    let mut seen: HashSet<String> = HashSet::new();
    progress(Progress { done: 0, total: total.max(0) as u64 });
    // One query, read in pages through a portal: the server works out the list once (in this
    // snapshot), and the desk applies each page in its own small transaction as it arrives.
    let stmt = bounded(
        limit,
        "the pull",
        tx.prepare(
            "SELECT user_id, entity_type, NULL::text AS entity_id, deleted, is_active, first_name, last_name, full_name,
                    personal_info, contact_info, verification_status, password_hash, roles
             FROM desk_sync.pull_people($1, $2::text::xid8, $3, NULL, NULL)",
        ),
    )
    .await?;
    // A pull that brings many people at once pauses the search index's row-by-row upkeep and
    // rebuilds it when the pages are in (people::search_index): ended whatever happens below.
    let paused = local.db.with(|s| {
        let present = people::count(s.conn())?.max(0) as u64;
        let pause = search_index::worth_pausing(total.max(0) as u64, present);
        if pause {
            search_index::pause(s.conn(), local.clock.now())?;
        }
        Ok(pause)
    })?;
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 3] = [&device_id, &since, &full];
    let pages = apply_pages(&tx, &stmt, params, local, &ctx, total, &mut seen, &mut report, progress, limit).await;
    if paused {
        local.db.with(|s| search_index::resume(s.conn()))?;
    }
    pages?;
    let settings: Option<Value> =
        bounded(limit, "the pull", tx.query_one("SELECT desk_sync.pull_settings($1)", &[&device_id])).await?.get::<_, Option<Value>>(0);
    bounded(limit, "the pull", tx.commit()).await?;
    let now = local.clock.now();
    local.db.with(|s| {
        let tx = s.conn_mut().transaction_with_behavior(TransactionBehavior::Immediate)?;
        if full {
            // A full refetch is the whole list: clinic people missing from it were deleted and
            // their tombstones pruned.
            for id in people_clinic::ids(&tx)? {
                if !seen.contains(&id) {
                    let a = people_clinic::deactivate(&tx, &id, now)?;
                    let b = staff_clinic::disable(&tx, &local.journal, &id, now)?;
                    report.deactivated += u64::from(a || b);
                }
            }
        }
        corrections::set_conflicts(&tx, &conflicts, now)?;
        report.conflicts = conflicts.len() as u64;
        report.sign_ins_shared = u64::from(signin::merge_shared(&tx, &local.journal, acked_seq, &shared, now)?);
        state::record_pull(&tx, &watermark, now)?;
        // The clinic's verification settings apply here, read-only (the floor still holds).
        let central = settings.as_ref().and_then(Value::as_object).cloned().unwrap_or_default();
        desk_core::settings::set_central(
            &tx,
            &central,
            &[desk_core::settings::knows::<desk_core::settings::Settings>],
            &desk_core::clock::ts(now),
        )?;
        tx.commit()?;
        Ok(())
    })?;
    tracing::info!(full, received = report.received, added = report.added, changed = report.changed, "pulled from the clinic");
    Ok(report)
}
