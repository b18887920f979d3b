//! Sending one queued message: claim it (committed before any network call), render it outside
//! the store lock, hand it to its provider, and record the answer with its event.

use desk_core::contact;
use desk_core::error::Result;
use desk_core::events::{self, EventKind, NewEvent, Outcome};
use desk_core::outbox::{self, Claimed, OutboxStatus};
use desk_core::settings::Settings;
use desk_core::templates;
use rusqlite::TransactionBehavior;
use secrecy::ExposeSecret;
use serde_json::{json, Value};
use time::Duration;

use super::fallback::{fall_back, no_fallback_words};
use super::{backoff, quota, DeliveryUpdate, DemoMessage, ACTOR};
use crate::context::Context;
use crate::failure::{Action, Failure};
use crate::provider::Outgoing;
use crate::registry::Providers;

/// What a send came to: the provider's id (and who sent), or a classified failure.
enum Sent {
    Provider { id: String, vendor: &'static str, receipts: bool },
    Demo,
}

pub(super) async fn send_one(ctx: &Context, core: &Settings, providers: &Providers, id: i64) -> Result<()> {
    let now = ctx.now();
    let Some(c) = ctx.db.with(|s| outbox::claim(s.conn(), ctx.journal.secrets(), id, now))? else {
        return Ok(());
    };
    let remaining_min = ((c.expires_at - now).whole_seconds().max(60) + 59) / 60;
    let language = templates::pick_language(Some(&c.msg.language), &core.default_language);
    // The texts are read under the store lock; the render runs without it.
    let saved = ctx.db.with(|s| templates::saved_for(s.conn(), c.msg.channel, language))?;
    let rendered = templates::render_saved(
        c.msg.channel,
        &saved,
        &templates::Vars {
            code: c.code.expose_secret(),
            clinic_name: &core.clinic_name,
            person_name: &c.person_name,
            expiry_minutes: remaining_min as u32,
        },
    )?;

    let result: std::result::Result<Sent, Failure> = if providers.demo {
        ctx.hub.push_demo(DemoMessage {
            outbox_id: id,
            at: desk_core::clock::ts(now),
            channel: c.msg.channel,
            to_masked: contact::mask(c.msg.code_type, &c.msg.target),
            subject: rendered.subject.clone(),
            text: rendered.text.clone(),
        });
        Ok(Sent::Demo)
    } else {
        match providers.for_channel(c.msg.channel) {
            Err(f) => Err(f),
            Ok(provider) => {
                let gate = match provider.quota() {
                    Some(q) => {
                        let state = ctx.db.with(|s| quota::state(s.conn(), c.msg.channel, &q, now))?;
                        quota::gate(&state, &q, now, ctx.clock.local_offset())
                    }
                    None => Ok(()),
                };
                match gate {
                    Err(f) => Err(f),
                    Ok(()) => provider
                        .send(&Outgoing {
                            to: &c.msg.target,
                            subject: rendered.subject.as_deref(),
                            text: &rendered.text,
                            html: rendered.html.as_deref(),
                            language,
                            code: c.code.expose_secret(),
                            idempotency_key: &c.msg.idempotency_key,
                            validity_seconds: (c.expires_at - now).whole_seconds().clamp(1, 36_000) as u32,
                        })
                        .await
                        .map(|id| Sent::Provider { id, vendor: provider.vendor(), receipts: provider.has_receipts() }),
                }
            }
        }
    };
    record(ctx, core, &c, result)
}

fn record(ctx: &Context, core: &Settings, c: &Claimed, result: std::result::Result<Sent, Failure>) -> Result<()> {
    let now = ctx.now();
    let m = &c.msg;
    let masked = contact::mask(m.code_type, &m.target);
    let update = ctx.db.with(|s| {
        let tx = s.conn_mut().transaction_with_behavior(TransactionBehavior::Immediate)?;
        let event = |tx: &rusqlite::Transaction<'_>, kind, outcome, code: Option<&str>, detail: Value| {
            events::append(
                tx,
                &ctx.journal,
                now,
                &NewEvent {
                    user_id: &m.user_id,
                    code_type: Some(m.code_type),
                    kind,
                    actor: ACTOR,
                    channel: Some(m.channel),
                    target: Some(&m.target),
                    outcome,
                    error_code: code,
                    detail: Some(detail),
                },
            )
        };
        let mut update = DeliveryUpdate::new(m, OutboxStatus::Sent);
        match result {
            Ok(sent) => {
                let (provider_id, vendor, receipts, demo) = match sent {
                    Sent::Demo => (format!("demo:{}", m.id), "demo", false, true),
                    Sent::Provider { id, vendor, receipts } => (id, vendor, receipts, false),
                };
                // Without delivery receipts the code isn't needed again; with them it stays
                // (sealed) for a fallback until the message's state is final.
                outbox::mark_sent(&tx, m.id, &provider_id, receipts.then(|| now + Duration::seconds(3)), now)?;
                event(
                    &tx,
                    EventKind::Sent,
                    if demo { Outcome::Demo } else { Outcome::Accepted },
                    None,
                    json!({"outbox_id": m.id, "attempt": c.attempts, "provider": vendor, "provider_id": provider_id}),
                )?;
                update.demo = demo;
                update.message = Some(if demo {
                    "Demo mode: nothing was sent. The message is in the demo outbox.".into()
                } else {
                    format!("Code sent by {} to {masked}.", m.channel.label())
                });
            }
            Err(f) => {
                let code = f.code.clone();
                match f.action {
                    Action::Retry | Action::Offline => {
                        let next = now + backoff(ctx, c.attempts, f.retry_after);
                        if outbox::is_retired(&tx, m.id)? {
                            // A newer code replaced this one while it was being sent: don't try again.
                            let words = "A newer code replaced this one.";
                            outbox::mark_final(&tx, m.id, OutboxStatus::Sending, OutboxStatus::Cancelled, Some(words), Some("superseded"), now)?;
                            event(&tx, EventKind::DeliveryStatus, Outcome::Cancelled, Some("superseded"), json!({"outbox_id": m.id, "attempt": c.attempts}))?;
                            update.status = OutboxStatus::Cancelled;
                            update.message = Some(words.into());
                        } else if next >= c.expires_at {
                            let words = "The code expired before it could be sent. Send a new one.";
                            outbox::mark_final(&tx, m.id, OutboxStatus::Sending, OutboxStatus::Failed, Some(words), code.as_deref(), now)?;
                            event(
                                &tx,
                                EventKind::DeliveryStatus,
                                Outcome::Failed,
                                code.as_deref(),
                                json!({"outbox_id": m.id, "attempt": c.attempts, "reason": "expired_while_retrying"}),
                            )?;
                            update.status = OutboxStatus::Failed;
                            update.message = Some(words.into());
                        } else {
                            let offline = f.action == Action::Offline;
                            let code_or_offline = code.clone().or_else(|| offline.then(|| "offline".to_owned()));
                            outbox::requeue(&tx, m.id, OutboxStatus::Sending, next, &f.message, code_or_offline.as_deref(), now)?;
                            event(
                                &tx,
                                EventKind::DeliveryStatus,
                                if offline { Outcome::Offline } else { Outcome::Retrying },
                                code_or_offline.as_deref(),
                                json!({"outbox_id": m.id, "attempt": c.attempts, "next_attempt_at": desk_core::clock::ts(next)}),
                            )?;
                            update.status = OutboxStatus::Queued;
                            update.offline = offline;
                            update.message = Some(f.message.clone());
                        }
                    }
                    Action::Fallback => {
                        outbox::mark_final(&tx, m.id, OutboxStatus::Sending, OutboxStatus::Failed, Some(&f.message), code.as_deref(), now)?;
                        let next = fall_back(&tx, ctx, core, m, &c.created_by, &c.code, now)?;
                        event(
                            &tx,
                            EventKind::DeliveryStatus,
                            if next.is_some() { Outcome::Fallback } else { Outcome::Failed },
                            code.as_deref(),
                            json!({"outbox_id": m.id, "attempt": c.attempts, "fallback_outbox_id": next.map(|n| n.0), "admin": f.admin_message}),
                        )?;
                        update.status = OutboxStatus::Failed;
                        match next {
                            Some((nid, ch)) => {
                                update.fallback_outbox_id = Some(nid);
                                update.fallback_channel = Some(ch);
                                update.message = Some(f.message.clone());
                            }
                            None => update.message = Some(no_fallback_words(m.channel)),
                        }
                    }
                    Action::Stop => {
                        outbox::mark_final(&tx, m.id, OutboxStatus::Sending, OutboxStatus::Failed, Some(&f.message), code.as_deref(), now)?;
                        event(
                            &tx,
                            EventKind::DeliveryStatus,
                            Outcome::Failed,
                            code.as_deref(),
                            json!({"outbox_id": m.id, "attempt": c.attempts, "admin": f.admin_message}),
                        )?;
                        update.status = OutboxStatus::Failed;
                        update.message = Some(f.message.clone());
                    }
                }
            }
        }
        tx.commit()?;
        Ok(update)
    })?;
    if update.fallback_outbox_id.is_some() {
        ctx.hub.wake.notify_one();
    }
    ctx.hub.publish(update);
    Ok(())
}
