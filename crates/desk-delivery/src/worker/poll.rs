//! Asking a provider where a sent message has got to (its delivery receipt), and what follows:
//! final states, a retry, a fallback to the next channel, or giving up on a channel that sits
//! undelivered too long.

use desk_core::clock::parse_ts;
use desk_core::error::Result;
use desk_core::events::{self, EventKind, NewEvent, Outcome};
use desk_core::outbox::{self, OutboxStatus};
use desk_core::settings::Settings;
use rusqlite::TransactionBehavior;
use serde_json::json;
use time::Duration;

use super::fallback::{fall_back, no_fallback_words};
use super::{backoff, DeliveryUpdate, ACTOR};
use crate::context::Context;
use crate::failure::Action;
use crate::provider::Receipt;
use crate::registry::Providers;

pub(super) async fn poll_one(ctx: &Context, core: &Settings, providers: &Providers, id: i64) -> Result<()> {
    let now = ctx.now();
    let (row, msg) = ctx.db.with(|s| Ok((outbox::sent_row(s.conn(), id)?, outbox::get(s.conn(), ctx.journal.secrets(), id)?)))?;
    let (Some(row), Some(msg)) = (row, msg) else {
        return Ok(());
    };
    let provider = match providers.for_channel(msg.channel) {
        Ok(p) if p.has_receipts() => p.clone(),
        // Credentials removed since: stop asking; the message stays "sent".
        _ => return ctx.db.with(|s| outbox::stop_polling(s.conn(), id)),
    };
    let polled = provider.poll(&row.provider_message_id).await;
    let sent_at = row.sent_at.unwrap_or(now);
    let label = msg.channel.label();
    let update = ctx.db.with(|s| {
        let tx = s.conn_mut().transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut update = DeliveryUpdate::new(&msg, OutboxStatus::Sent);
        let event = |tx: &rusqlite::Transaction<'_>, outcome: Outcome, code: Option<&str>| {
            events::append(
                tx,
                &ctx.journal,
                now,
                &NewEvent {
                    user_id: &msg.user_id,
                    code_type: Some(msg.code_type),
                    kind: EventKind::DeliveryStatus,
                    actor: ACTOR,
                    channel: Some(msg.channel),
                    target: Some(&msg.target),
                    outcome,
                    error_code: code,
                    detail: Some(json!({"outbox_id": id, "provider_id": row.provider_message_id})),
                },
            )
        };
        let still_going = |tx: &rusqlite::Transaction<'_>| -> Result<()> {
            // Ask again with backoff, but not past the code's life.
            let next = now + backoff(ctx, row.attempts, None);
            let next = (next < parse_ts(&msg.expires_at).unwrap_or(now)).then_some(next);
            outbox::poll_again(tx, id, next)
        };
        let timed_out = provider.delivery_timeout().is_some_and(|t| now - sent_at >= Duration::try_from(t).unwrap_or(Duration::MAX));
        match polled {
            Err(f) if matches!(f.action, Action::Retry | Action::Offline) => still_going(&tx)?,
            Err(f) => {
                // The message can't be looked up (credentials changed?): stop asking.
                outbox::stop_polling(&tx, id)?;
                tracing::warn!(code = ?f.code, "stopped polling a message");
            }
            Ok(Receipt::Delivered | Receipt::Read) => {
                let read = matches!(polled, Ok(Receipt::Read));
                let status = if read { OutboxStatus::Read } else { OutboxStatus::Delivered };
                outbox::mark_final(&tx, id, OutboxStatus::Sent, status, None, None, now)?;
                event(&tx, if read { Outcome::Read } else { Outcome::Delivered }, None)?;
                update.status = status;
                update.message = Some(if read { "Read on the phone.".into() } else { "Delivered to the phone.".into() });
            }
            Ok(Receipt::Failed { error_code } | Receipt::Undelivered { error_code } | Receipt::Canceled { error_code }) => {
                let (status, outcome) = match polled {
                    Ok(Receipt::Canceled { .. }) => (OutboxStatus::Cancelled, Outcome::Cancelled),
                    Ok(Receipt::Undelivered { .. }) => (OutboxStatus::Undelivered, Outcome::Undelivered),
                    _ => (OutboxStatus::Failed, Outcome::Failed),
                };
                let f = provider.classify(error_code);
                match (f.action, msg.code.as_ref()) {
                    (Action::Fallback, Some(code)) => {
                        outbox::mark_final(&tx, id, OutboxStatus::Sent, status, Some(&f.message), f.code.as_deref(), now)?;
                        let next = fall_back(&tx, ctx, core, &msg, &row.created_by, code, now)?;
                        event(&tx, if next.is_some() { Outcome::Fallback } else { outcome }, f.code.as_deref())?;
                        update.status = status;
                        update.message = Some(if next.is_some() { f.message.clone() } else { no_fallback_words(msg.channel) });
                        update.fallback_outbox_id = next.map(|n| n.0);
                        update.fallback_channel = next.map(|n| n.1);
                    }
                    (Action::Retry, Some(_)) => {
                        let next = now + backoff(ctx, row.attempts, f.retry_after);
                        outbox::requeue(&tx, id, OutboxStatus::Sent, next, &f.message, f.code.as_deref(), now)?;
                        event(&tx, Outcome::Retrying, f.code.as_deref())?;
                        update.status = OutboxStatus::Queued;
                        update.message = Some(f.message.clone());
                    }
                    _ => {
                        outbox::mark_final(&tx, id, OutboxStatus::Sent, status, Some(&f.message), f.code.as_deref(), now)?;
                        event(&tx, outcome, f.code.as_deref())?;
                        update.status = status;
                        update.message = Some(f.message.clone());
                    }
                }
            }
            // Not delivered yet, for too long on a channel that says so (WhatsApp: the person
            // probably isn't on it): carry on by the next channel, with the same code.
            Ok(Receipt::Pending) if timed_out => {
                let timeout_code = format!("{}_timeout", msg.channel.as_str());
                let words = format!("{label} didn't deliver in time.");
                outbox::mark_final(&tx, id, OutboxStatus::Sent, OutboxStatus::Undelivered, Some(&words), Some(&timeout_code), now)?;
                let next = match msg.code.as_ref() {
                    Some(code) => fall_back(&tx, ctx, core, &msg, &row.created_by, code, now)?,
                    None => None,
                };
                event(&tx, if next.is_some() { Outcome::Fallback } else { Outcome::Undelivered }, Some(&timeout_code))?;
                update.status = OutboxStatus::Undelivered;
                update.message = Some(match next {
                    Some((_, ch)) => format!("{label} hasn't delivered the code. Sending by {} instead.", ch.label()),
                    None => format!("{label} hasn't delivered the code. Try SMS or email."),
                });
                update.fallback_outbox_id = next.map(|n| n.0);
                update.fallback_channel = next.map(|n| n.1);
            }
            Ok(Receipt::Pending) => still_going(&tx)?,
        }
        tx.commit()?;
        Ok(update)
    })?;
    if update.fallback_outbox_id.is_some() {
        ctx.hub.wake.notify_one();
    }
    if update.status != OutboxStatus::Sent {
        ctx.hub.publish(update);
    }
    Ok(())
}
