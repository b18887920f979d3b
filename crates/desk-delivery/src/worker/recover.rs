//! Crash recovery at start-up and the expiry of messages whose code ran out.

use desk_core::error::Result;
use desk_core::events::{self, EventKind, NewEvent, Outcome};
use desk_core::outbox::{self, OutboxStatus};
use rusqlite::TransactionBehavior;
use serde_json::json;

use super::{DeliveryUpdate, ACTOR};
use crate::context::Context;

/// Start-up: rows left `sending` by a crash become `unknown`, each with its event.
pub fn recover(ctx: &Context) -> Result<usize> {
    let now = ctx.now();
    let rows = ctx.db.with(|s| {
        let tx = s.conn_mut().transaction_with_behavior(TransactionBehavior::Immediate)?;
        let rows = outbox::mark_interrupted(&tx, now)?;
        for row in &rows {
            row_event(&tx, ctx, row, Outcome::Unknown, Some("interrupted"), now)?;
        }
        tx.commit()?;
        Ok(rows)
    })?;
    if !rows.is_empty() {
        tracing::warn!(count = rows.len(), "messages interrupted mid-send marked unknown (not resent)");
    }
    Ok(rows.len())
}

/// Queued messages whose code ran out become `expired`, with an event and a word for the UI.
pub(super) fn expire_stale(ctx: &Context) -> Result<()> {
    let now = ctx.now();
    let expired = ctx.db.with(|s| {
        let tx = s.conn_mut().transaction_with_behavior(TransactionBehavior::Immediate)?;
        let rows = outbox::expire(&tx, now)?;
        for row in &rows {
            row_event(&tx, ctx, row, Outcome::ExpiredUnsent, None, now)?;
        }
        tx.commit()?;
        Ok(rows)
    })?;
    for row in expired {
        ctx.hub.publish(DeliveryUpdate {
            outbox_id: row.id,
            user_id: row.user_id,
            code_type: row.code_type,
            channel: row.channel,
            status: OutboxStatus::Expired,
            message: Some("The code expired before it could be sent. Send a new one.".into()),
            fallback_outbox_id: None,
            fallback_channel: None,
            offline: false,
            demo: false,
        });
    }
    Ok(())
}

/// A delivery-status event about an outbox row, by the worker.
fn row_event(
    tx: &rusqlite::Transaction<'_>,
    ctx: &Context,
    row: &outbox::RowRef,
    outcome: Outcome,
    error_code: Option<&str>,
    now: time::OffsetDateTime,
) -> Result<()> {
    events::append(
        tx,
        &ctx.journal,
        now,
        &NewEvent {
            user_id: &row.user_id,
            code_type: Some(row.code_type),
            kind: EventKind::DeliveryStatus,
            actor: ACTOR,
            channel: Some(row.channel),
            target: Some(&row.target),
            outcome,
            error_code,
            detail: Some(json!({"outbox_id": row.id})),
        },
    )?;
    Ok(())
}
