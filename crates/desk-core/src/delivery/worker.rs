//! The outbox worker: a tokio task that sends queued messages, polls Twilio for delivery,
//! retries with backoff and jitter within the code's lifetime, falls back from WhatsApp to SMS
//! in the admin's channel order, and reports every change as an event and to the UI.
//!
//! Idempotency: a row is marked `sending` (committed) before the provider is called. A row
//! found `sending` at start-up was interrupted mid-send; whether the provider took it can't be
//! known, so it becomes `unknown` and is never sent again automatically. Nothing queued is lost:
//! `queued` rows survive any crash and go out after restart (if their code is still valid).

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration as StdDuration;

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde_json::json;
use time::{Duration, OffsetDateTime};
use tokio::sync::{broadcast, Notify};

use super::credentials;
use super::email::{Email, GmailSmtp};
use super::failure::{Action, Failure};
use super::twilio::{self, Outgoing, TwilioClient};
use crate::clock::{parse_ts, ts};
use crate::contact::{self, Channel, CodeType};
use crate::desk::Desk;
use crate::error::Result;
use crate::events::{self, EventKind, NewEvent};
use crate::people;
use crate::settings::Settings;
use crate::templates;
use crate::verify::outbox;

const ACTOR: &str = "system:delivery";
/// How many demo messages the in-app demo outbox keeps (memory only: they hold codes).
const DEMO_KEEP: usize = 50;

/// A change in a message's state, for the UI (sent as a Tauri event by the shell).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryUpdate {
    pub outbox_id: i64,
    pub user_id: String,
    pub code_type: CodeType,
    pub channel: Channel,
    /// The outbox status: queued, sending, sent, delivered, read, failed, undelivered,
    /// cancelled, unknown, expired.
    pub status: String,
    /// Plain words for the receptionist, when there is something to say.
    pub message: Option<String>,
    /// The message that carries on by another channel after a fallback.
    pub fallback_outbox_id: Option<i64>,
    pub fallback_channel: Option<Channel>,
    pub offline: bool,
    pub demo: bool,
}

/// A message "sent" in demo mode: shown in the app, clearly not sent. Holds the code, so it
/// lives in memory only and never reaches the database or the log.
#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DemoMessage {
    pub outbox_id: i64,
    pub at: String,
    pub channel: Channel,
    pub to_masked: String,
    pub subject: Option<String>,
    pub text: String,
}

impl std::fmt::Debug for DemoMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoMessage").field("outbox_id", &self.outbox_id).finish_non_exhaustive()
    }
}

/// Shared between the worker, the desk and the shell.
pub struct Hub {
    pub wake: Notify,
    updates: broadcast::Sender<DeliveryUpdate>,
    demo: Mutex<VecDeque<DemoMessage>>,
    /// Providers built from settings and the keyring, reused between sends (the SMTP pool and
    /// HTTP client keep their connections); rebuilt when settings or credentials change.
    transports: Mutex<Option<(u64, std::sync::Arc<Transports>)>>,
    epoch: std::sync::atomic::AtomicU64,
}

impl Default for Hub {
    fn default() -> Self {
        Hub {
            wake: Notify::new(),
            updates: broadcast::channel(256).0,
            demo: Mutex::new(VecDeque::new()),
            transports: Mutex::new(None),
            epoch: std::sync::atomic::AtomicU64::new(0),
        }
    }
}

impl Hub {
    pub fn subscribe(&self) -> broadcast::Receiver<DeliveryUpdate> {
        self.updates.subscribe()
    }

    fn publish(&self, update: DeliveryUpdate) {
        // No subscriber (no window yet) is fine: the state is in the database.
        let _ = self.updates.send(update);
    }

    /// Settings or credentials changed: build the providers afresh before the next send.
    pub fn invalidate_transports(&self) {
        self.epoch.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }

    fn transports(&self, settings: &Settings, keyring: &crate::secrets::Keyring) -> std::sync::Arc<Transports> {
        let epoch = self.epoch.load(std::sync::atomic::Ordering::SeqCst);
        let mut cached = self.transports.lock().unwrap_or_else(|p| p.into_inner());
        match cached.as_ref() {
            // A keyring problem may clear up (unlocked later): don't keep a broken set for long.
            Some((e, t)) if *e == epoch && t.problem.is_none() => t.clone(),
            _ => {
                let fresh = std::sync::Arc::new(Transports::load(settings, keyring));
                *cached = Some((epoch, fresh.clone()));
                fresh
            }
        }
    }

    pub fn demo_messages(&self) -> Vec<DemoMessage> {
        self.demo.lock().unwrap_or_else(|p| p.into_inner()).iter().rev().cloned().collect()
    }

    fn push_demo(&self, m: DemoMessage) {
        let mut demo = self.demo.lock().unwrap_or_else(|p| p.into_inner());
        demo.push_back(m);
        while demo.len() > DEMO_KEEP {
            demo.pop_front();
        }
    }
}

/// Which providers this desk can use right now.
pub struct Transports {
    pub email: Option<GmailSmtp>,
    pub twilio: Option<TwilioClient>,
    /// Nothing configured at all: every message goes to the demo outbox.
    pub demo: bool,
    /// Why a configured provider can't be used (e.g. the keyring is locked).
    pub problem: Option<Failure>,
}

impl Transports {
    pub fn load(settings: &Settings, keyring: &crate::secrets::Keyring) -> Transports {
        let mut problem = None;
        let email = match credentials::smtp_config(settings, keyring) {
            Ok(Some(cfg)) => GmailSmtp::new(&cfg).map_err(|f| problem = Some(f)).ok(),
            Ok(None) => None,
            Err(e) => {
                tracing::warn!(%e, "email credentials unreadable");
                None
            }
        };
        let twilio = match credentials::twilio_config(settings, keyring) {
            Ok(Some(cfg)) => TwilioClient::new(cfg).map_err(|f| problem = Some(f)).ok(),
            Ok(None) => None,
            Err(e) => {
                tracing::warn!(%e, "Twilio credentials unreadable");
                None
            }
        };
        let nothing_configured = settings.gmail_address.is_empty()
            && settings.twilio_whatsapp_from.is_empty()
            && settings.twilio_sms_from.is_empty()
            && settings.twilio_messaging_service_sid.is_empty();
        let demo = email.is_none() && twilio.is_none() && (nothing_configured || problem.is_none());
        Transports { email, twilio, demo, problem }
    }
}

/// Start-up: rows left `sending` by a crash become `unknown`.
pub fn recover(desk: &Desk) -> Result<usize> {
    let now = desk.engine().now();
    let device = desk.engine().device_id.clone();
    desk.with_store(|s| {
        let tx = s.conn_mut().transaction_with_behavior(TransactionBehavior::Immediate)?;
        let rows: Vec<(i64, String, String, String, String)> = {
            let mut stmt = tx.prepare("SELECT id, user_id, code_type, channel, target FROM outbox WHERE status = 'sending'")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        for (id, user_id, code_type, channel, target) in &rows {
            tx.execute(
                "UPDATE outbox SET status = 'unknown', sealed_payload = NULL, last_error_code = 'interrupted',
                     last_error = ?2, updated_at = ?3 WHERE id = ?1",
                params![id, UNKNOWN_WORDS, ts(now)],
            )?;
            let ct = CodeType::parse(code_type);
            events::append(&tx, &device, now, &NewEvent {
                user_id,
                code_type: ct,
                kind: EventKind::DeliveryStatus,
                actor: ACTOR,
                channel: Channel::parse(channel),
                target_masked: ct.map(|c| contact::mask(c, target)),
                outcome: "unknown",
                error_code: Some("interrupted"),
                detail: Some(json!({"outbox_id": id})),
            })?;
        }
        tx.commit()?;
        if !rows.is_empty() {
            tracing::warn!(count = rows.len(), "messages interrupted mid-send marked unknown (not resent)");
        }
        Ok(rows.len())
    })
}

const UNKNOWN_WORDS: &str = "The desk stopped while this message was being sent, so it may or may not have gone. If it doesn't arrive, send a new code.";

/// One unit of work found due.
enum Due {
    Send(i64),
    Poll(i64),
}

/// Do everything that is due now; returns when the next thing falls due (if anything is waiting).
pub async fn tick(desk: &Desk) -> Result<Option<OffsetDateTime>> {
    expire_stale(desk)?;
    let settings = desk.settings()?;
    let transports = desk.delivery().transports(&settings, desk.keyring());
    // Bounded: a burst never starves the UI of the store for long.
    for _ in 0..50 {
        let due = next_due(desk)?;
        match due {
            Some(Due::Send(id)) => send_one(desk, &settings, &transports, id).await?,
            Some(Due::Poll(id)) => poll_one(desk, &settings, &transports, id).await?,
            None => break,
        }
    }
    next_wake(desk)
}

/// Run until the process ends: tick, then sleep until something is due or a send is queued.
pub async fn run(desk: std::sync::Arc<Desk>) {
    if let Err(err) = recover(&desk) {
        tracing::error!(%err, "could not recover interrupted sends");
    }
    let mut last_prune: Option<OffsetDateTime> = None;
    loop {
        // Old final rows only fed the rate limits; drop them now and then.
        let now = desk.engine().now();
        if last_prune.is_none_or(|t| now - t >= Duration::hours(1)) {
            match super::admin::prune_outbox(&desk) {
                Ok(n) if n > 0 => tracing::info!(n, "pruned old outbox rows"),
                Ok(_) => {}
                Err(err) => tracing::warn!(%err, "could not prune the outbox"),
            }
            last_prune = Some(now);
        }
        let next = match tick(&desk).await {
            Ok(next) => next,
            Err(err) => {
                tracing::error!(%err, "delivery tick failed");
                None
            }
        };
        let now = desk.engine().now();
        let wait = next
            .map(|t| StdDuration::from_millis((t - now).whole_milliseconds().clamp(50, 15_000) as u64))
            .unwrap_or(StdDuration::from_secs(15));
        tokio::select! {
            _ = desk.delivery().wake.notified() => {}
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

fn expire_stale(desk: &Desk) -> Result<()> {
    let now = desk.engine().now();
    let device = desk.engine().device_id.clone();
    let expired = desk.with_store(|s| {
        let tx = s.conn_mut().transaction_with_behavior(TransactionBehavior::Immediate)?;
        let rows: Vec<(i64, String, String, String)> = {
            let mut stmt = tx.prepare(
                "SELECT id, user_id, code_type, channel FROM outbox WHERE status = 'queued' AND expires_at <= ?1",
            )?;
            let rows = stmt.query_map([ts(now)], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        for (id, user_id, code_type, channel) in &rows {
            tx.execute(
                "UPDATE outbox SET status = 'expired', sealed_payload = NULL, updated_at = ?2 WHERE id = ?1",
                params![id, ts(now)],
            )?;
            events::append(&tx, &device, now, &NewEvent {
                user_id,
                code_type: CodeType::parse(code_type),
                kind: EventKind::DeliveryStatus,
                actor: ACTOR,
                channel: Channel::parse(channel),
                target_masked: None,
                outcome: "expired_unsent",
                error_code: None,
                detail: Some(json!({"outbox_id": id})),
            })?;
        }
        // Sent messages keep their sealed code only while it could still be needed for a
        // fallback; after expiry there is nothing left to fall back with.
        tx.execute(
            "UPDATE outbox SET sealed_payload = NULL, next_attempt_at = NULL
             WHERE sealed_payload IS NOT NULL AND status NOT IN ('queued', 'sending') AND expires_at <= ?1",
            [ts(now)],
        )?;
        tx.commit()?;
        Ok(rows)
    })?;
    for (id, user_id, code_type, channel) in expired {
        if let (Some(code_type), Some(channel)) = (CodeType::parse(&code_type), Channel::parse(&channel)) {
            desk.delivery().publish(DeliveryUpdate {
                outbox_id: id,
                user_id,
                code_type,
                channel,
                status: "expired".into(),
                message: Some("The code expired before it could be sent. Send a new one.".into()),
                fallback_outbox_id: None,
                fallback_channel: None,
                offline: false,
                demo: false,
            });
        }
    }
    Ok(())
}

fn next_due(desk: &Desk) -> Result<Option<Due>> {
    let now = ts(desk.engine().now());
    desk.with_store(|s| {
        let conn = s.conn();
        let send: Option<i64> = conn
            .query_row(
                "SELECT id FROM outbox WHERE status = 'queued' AND next_attempt_at <= ?1
                 ORDER BY next_attempt_at, id LIMIT 1",
                [&now],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(id) = send {
            return Ok(Some(Due::Send(id)));
        }
        let poll: Option<i64> = conn
            .query_row(
                "SELECT id FROM outbox WHERE status = 'sent' AND provider_message_id IS NOT NULL
                     AND channel IN ('whatsapp', 'sms') AND next_attempt_at IS NOT NULL AND next_attempt_at <= ?1
                 ORDER BY next_attempt_at, id LIMIT 1",
                [&now],
                |r| r.get(0),
            )
            .optional()?;
        Ok(poll.map(Due::Poll))
    })
}

fn next_wake(desk: &Desk) -> Result<Option<OffsetDateTime>> {
    desk.with_store(|s| {
        let next: Option<String> = s.conn().query_row(
            "SELECT min(next_attempt_at) FROM outbox WHERE next_attempt_at IS NOT NULL AND status IN ('queued', 'sent')",
            [],
            |r| r.get(0),
        )?;
        Ok(next.as_deref().and_then(parse_ts))
    })
}

/// Backoff with ±20 % jitter: 5 s, 10 s, 20 s … capped at 2 minutes.
fn backoff(desk: &Desk, attempt: u32, at_least: Option<StdDuration>) -> Duration {
    let base = 5_000u64.saturating_mul(1 << attempt.saturating_sub(1).min(5)).min(120_000);
    let mut r = [0u8; 2];
    desk.engine().rng.fill(&mut r);
    let jitter = (u16::from_le_bytes(r) as i64 % 401) - 200; // -200..=200 per mille
    let ms = (base as i64 + base as i64 * jitter / 1_000).max(1_000);
    let ms = at_least.map(|d| ms.max(d.as_millis() as i64)).unwrap_or(ms);
    Duration::milliseconds(ms)
}

/// Rolling-24-hour count of emails Gmail accepted from this desk.
pub fn gmail_sent_24h(conn: &Connection, now: OffsetDateTime) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT count(*) FROM outbox WHERE channel = 'email' AND provider_message_id IS NOT NULL
             AND provider_message_id NOT LIKE 'demo:%' AND updated_at > ?1",
        [ts(now - Duration::hours(24))],
        |r| r.get(0),
    )?)
}

/// When Gmail last said its quota was exhausted (550 5.4.5), within the last 24 hours.
pub fn gmail_exhausted_until(conn: &Connection, now: OffsetDateTime) -> Result<Option<OffsetDateTime>> {
    let at: Option<String> = conn.query_row(
        "SELECT max(updated_at) FROM outbox WHERE channel = 'email' AND last_error_code = '550 5.4.5' AND updated_at > ?1",
        [ts(now - Duration::hours(24))],
        |r| r.get(0),
    )?;
    Ok(at.as_deref().and_then(parse_ts).map(|t| t + Duration::hours(24)))
}

struct Claimed {
    msg: outbox::QueuedMessage,
    code: SecretString,
    attempts: u32,
    person_name: String,
    expires_at: OffsetDateTime,
}

/// Mark a queued row `sending` (committed before any network call) and load what to send.
fn claim(desk: &Desk, id: i64) -> Result<Option<Claimed>> {
    let now = desk.engine().now();
    desk.with_store(|s| {
        let changed = s.conn().execute(
            "UPDATE outbox SET status = 'sending', attempts = attempts + 1, updated_at = ?2
             WHERE id = ?1 AND status = 'queued'",
            params![id, ts(now)],
        )?;
        if changed == 0 {
            return Ok(None);
        }
        let msg = outbox::get(s.conn(), &desk.engine().secrets, id)?;
        let Some(mut msg) = msg else { return Ok(None) };
        let attempts: u32 = s.conn().query_row("SELECT attempts FROM outbox WHERE id = ?1", [id], |r| r.get(0))?;
        let person_name = people::get(s.conn(), &msg.user_id).map(|p| p.display_name).unwrap_or_default();
        let expires_at = parse_ts(&msg.expires_at).unwrap_or(now);
        match msg.code.take() {
            Some(code) => Ok(Some(Claimed { msg, code, attempts, person_name, expires_at })),
            None => {
                // Sealed under another pepper (keyring was unavailable at issue time and the app
                // restarted): this code can't be recovered, so it can't be sent.
                s.conn().execute(
                    "UPDATE outbox SET status = 'failed', last_error_code = 'code_unavailable', last_error = ?2,
                         sealed_payload = NULL, updated_at = ?3 WHERE id = ?1",
                    params![id, "This code can't be sent any more. Send a new one.", ts(now)],
                )?;
                Ok(None)
            }
        }
    })
}

async fn send_one(desk: &Desk, settings: &Settings, transports: &Transports, id: i64) -> Result<()> {
    let Some(c) = claim(desk, id)? else { return Ok(()) };
    let now = desk.engine().now();
    let remaining_min = ((c.expires_at - now).whole_seconds().max(60) + 59) / 60;
    let language = templates::pick_language(Some(&c.msg.language), &settings.default_language);
    let rendered = desk.with_store(|s| {
        templates::render(s.conn(), c.msg.channel, language, &templates::Vars {
            code: c.code.expose_secret(),
            clinic_name: &settings.clinic_name,
            person_name: &c.person_name,
            expiry_minutes: remaining_min as u32,
        })
    })?;

    let result: std::result::Result<String, Failure> = if transports.demo {
        desk.delivery().push_demo(DemoMessage {
            outbox_id: id,
            at: ts(now),
            channel: c.msg.channel,
            to_masked: contact::mask(c.msg.code_type, &c.msg.target),
            subject: rendered.subject.clone(),
            text: rendered.text.clone(),
        });
        Ok(format!("demo:{id}"))
    } else {
        match c.msg.channel {
            Channel::Email => match &transports.email {
                None => Err(transports.problem.clone().unwrap_or_else(|| Failure::not_configured("email"))),
                Some(gmail) => {
                    let quota = desk.with_store(|s| {
                        Ok((gmail_sent_24h(s.conn(), now)?, gmail_exhausted_until(s.conn(), now)?))
                    })?;
                    let offset = desk.engine().clock.local_offset();
                    match quota {
                        (_, Some(until)) if until > now => {
                            Err(Failure::gmail_paused(Some(&crate::clock::local_hh_mm(until, offset))))
                        }
                        (sent, _) if sent >= i64::from(settings.gmail_daily_limit) => Err(Failure::gmail_paused(None)),
                        (sent, _) if sent * 100 >= i64::from(settings.gmail_daily_limit) * 80 => {
                            tracing::warn!(sent, limit = settings.gmail_daily_limit, "Gmail's daily limit is 80 % used");
                            send_email(gmail, &c, &rendered, language).await
                        }
                        _ => send_email(gmail, &c, &rendered, language).await,
                    }
                }
            },
            Channel::Whatsapp | Channel::Sms => {
                let route = if c.msg.channel == Channel::Whatsapp { twilio::Route::Whatsapp } else { twilio::Route::Sms };
                match &transports.twilio {
                    Some(tw) if tw.can_send(route) => tw
                        .create(&Outgoing {
                            route,
                            to_e164: &c.msg.target,
                            body: &rendered.text,
                            code: c.code.expose_secret(),
                            validity_seconds: (c.expires_at - now).whole_seconds().clamp(1, 36_000) as u32,
                        })
                        .await
                        .map(|m| m.sid),
                    _ => Err(transports.problem.clone().unwrap_or_else(|| Failure::not_configured(c.msg.channel.label()))),
                }
            }
        }
    };
    record_send(desk, settings, &c, result)
}

async fn send_email(gmail: &GmailSmtp, c: &Claimed, rendered: &templates::Rendered, language: &str) -> std::result::Result<String, Failure> {
    gmail
        .send(&Email {
            to: &c.msg.target,
            subject: rendered.subject.as_deref().unwrap_or(""),
            text: &rendered.text,
            html: rendered.html.as_deref().unwrap_or(""),
            language,
            message_id: &c.msg.idempotency_key,
        })
        .await
        .map(|reply| format!("smtp:{}", reply.chars().take(120).collect::<String>()))
}

fn record_send(desk: &Desk, settings: &Settings, c: &Claimed, result: std::result::Result<String, Failure>) -> Result<()> {
    let now = desk.engine().now();
    let device = desk.engine().device_id.clone();
    let m = &c.msg;
    let masked = contact::mask(m.code_type, &m.target);
    let demo = result.as_ref().is_ok_and(|p| p.starts_with("demo:"));
    let update = desk.with_store(|s| {
        let tx = s.conn_mut().transaction_with_behavior(TransactionBehavior::Immediate)?;
        let event = |tx: &rusqlite::Transaction<'_>, kind, outcome: &str, code: Option<&str>, detail| {
            events::append(tx, &device, now, &NewEvent {
                user_id: &m.user_id,
                code_type: Some(m.code_type),
                kind,
                actor: ACTOR,
                channel: Some(m.channel),
                target_masked: Some(masked.clone()),
                outcome,
                error_code: code,
                detail: Some(detail),
            })
        };
        let mut update = DeliveryUpdate {
            outbox_id: m.id,
            user_id: m.user_id.clone(),
            code_type: m.code_type,
            channel: m.channel,
            status: String::new(),
            message: None,
            fallback_outbox_id: None,
            fallback_channel: None,
            offline: false,
            demo,
        };
        match result {
            Ok(provider_id) => {
                // Email and demo have no delivery receipts: the code isn't needed again.
                // Twilio messages keep it (sealed) for a fallback until their state is final.
                let pollable = !demo && m.channel != Channel::Email;
                let next_poll = pollable.then(|| ts(now + Duration::seconds(3)));
                tx.execute(
                    "UPDATE outbox SET status = 'sent', provider_message_id = ?2, next_attempt_at = ?3,
                         sealed_payload = CASE WHEN ?4 THEN sealed_payload ELSE NULL END,
                         last_error = NULL, last_error_code = NULL, updated_at = ?5
                     WHERE id = ?1",
                    params![m.id, provider_id, next_poll, pollable, ts(now)],
                )?;
                let provider = if demo { "demo" } else if m.channel == Channel::Email { "gmail" } else { "twilio" };
                event(&tx, EventKind::Sent, if demo { "demo" } else { "accepted" }, None,
                    json!({"outbox_id": m.id, "attempt": c.attempts, "provider": provider, "provider_id": provider_id}))?;
                update.status = "sent".into();
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
                        let next = now + backoff(desk, c.attempts, f.retry_after);
                        if next >= c.expires_at {
                            tx.execute(
                                "UPDATE outbox SET status = 'failed', sealed_payload = NULL, next_attempt_at = NULL,
                                     last_error = ?2, last_error_code = ?3, updated_at = ?4 WHERE id = ?1",
                                params![m.id, "The code expired before it could be sent. Send a new one.", code, ts(now)],
                            )?;
                            event(&tx, EventKind::DeliveryStatus, "failed", code.as_deref(), json!({"outbox_id": m.id, "attempt": c.attempts, "reason": "expired_while_retrying"}))?;
                            update.status = "failed".into();
                            update.message = Some("The code expired before it could be sent. Send a new one.".into());
                        } else {
                            let offline = f.action == Action::Offline;
                            let code_or_offline = code.clone().or_else(|| offline.then(|| "offline".to_owned()));
                            tx.execute(
                                "UPDATE outbox SET status = 'queued', next_attempt_at = ?2, last_error = ?3,
                                     last_error_code = ?4, updated_at = ?5 WHERE id = ?1",
                                params![m.id, ts(next), f.message, code_or_offline, ts(now)],
                            )?;
                            event(&tx, EventKind::DeliveryStatus, if offline { "offline" } else { "retrying" }, code_or_offline.as_deref(),
                                json!({"outbox_id": m.id, "attempt": c.attempts, "next_attempt_at": ts(next)}))?;
                            update.status = "queued".into();
                            update.offline = offline;
                            update.message = Some(f.message.clone());
                        }
                    }
                    Action::Fallback => {
                        let next = fall_back(&tx, desk, settings, m, &c.code, now)?;
                        mark_final(&tx, m.id, "failed", &f, now)?;
                        event(&tx, EventKind::DeliveryStatus, if next.is_some() { "fallback" } else { "failed" }, code.as_deref(),
                            json!({"outbox_id": m.id, "attempt": c.attempts, "fallback_outbox_id": next.map(|n| n.0), "admin": f.admin_message}))?;
                        update.status = "failed".into();
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
                        mark_final(&tx, m.id, "failed", &f, now)?;
                        event(&tx, EventKind::DeliveryStatus, "failed", code.as_deref(),
                            json!({"outbox_id": m.id, "attempt": c.attempts, "admin": f.admin_message}))?;
                        update.status = "failed".into();
                        update.message = Some(f.message.clone());
                    }
                }
            }
        }
        tx.commit()?;
        Ok(update)
    })?;
    if update.fallback_outbox_id.is_some() {
        desk.delivery().wake.notify_one();
    }
    desk.delivery().publish(update);
    Ok(())
}

fn no_fallback_words(channel: Channel) -> String {
    format!("The message couldn't go by {}, and no other way to reach this number is switched on. Try email.", channel.label())
}

fn mark_final(tx: &rusqlite::Transaction<'_>, id: i64, status: &str, f: &Failure, now: OffsetDateTime) -> Result<()> {
    tx.execute(
        "UPDATE outbox SET status = ?2, sealed_payload = NULL, next_attempt_at = NULL, last_error = ?3,
             last_error_code = ?4, updated_at = ?5 WHERE id = ?1",
        params![id, status, f.message, f.code, ts(now)],
    )?;
    Ok(())
}

/// Queue the same code on the next phone channel in the admin's order, if there is one.
fn fall_back(
    tx: &rusqlite::Transaction<'_>,
    desk: &Desk,
    settings: &Settings,
    m: &outbox::QueuedMessage,
    code: &SecretString,
    now: OffsetDateTime,
) -> Result<Option<(i64, Channel)>> {
    let order = &settings.channel_order;
    let after = order.iter().position(|c| *c == m.channel).map(|i| i + 1).unwrap_or(order.len());
    let Some(next) = order[after..].iter().copied().find(|c| c.code_type() == m.code_type && *c != m.channel) else {
        return Ok(None);
    };
    let expires_at = parse_ts(&m.expires_at).unwrap_or(now);
    let created_by: String = tx.query_row("SELECT created_by FROM outbox WHERE id = ?1", [m.id], |r| r.get(0))?;
    // The current row must be final before enqueue, which cancels live rows for this contact.
    tx.execute("UPDATE outbox SET status = 'failed', updated_at = ?2 WHERE id = ?1", params![m.id, ts(now)])?;
    let id = outbox::enqueue(tx, &desk.engine().secrets, desk.engine().rng.as_ref(), code, &outbox::Enqueue {
        user_id: &m.user_id,
        code_type: m.code_type,
        channel: next,
        target: &m.target,
        language: &m.language,
        expires_at,
        actor: &created_by,
        device_id: &desk.engine().device_id,
    }, now)?;
    tx.execute(
        "UPDATE verification_codes SET channel = ?3, updated_at = ?4 WHERE user_id = ?1 AND code_type = ?2",
        params![m.user_id, m.code_type.as_str(), next.as_str(), ts(now)],
    )?;
    Ok(Some((id, next)))
}

/// Ask Twilio where a sent message has got to.
async fn poll_one(desk: &Desk, settings: &Settings, transports: &Transports, id: i64) -> Result<()> {
    let now = desk.engine().now();
    let row = desk.with_store(|s| {
        let r = s.conn().query_row(
            "SELECT provider_message_id, attempts, updated_at, created_at FROM outbox WHERE id = ?1",
            [id],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?)),
        )?;
        let msg = outbox::get(s.conn(), &desk.engine().secrets, id)?;
        Ok((r, msg))
    })?;
    let ((sid, attempts, _updated, _created), Some(msg)) = row else { return Ok(()) };
    let Some(tw) = &transports.twilio else {
        // Credentials removed since: stop polling, the message stays "sent".
        desk.with_store(|s| Ok(s.conn().execute("UPDATE outbox SET next_attempt_at = NULL WHERE id = ?1", [id])?))?;
        return Ok(());
    };
    let whatsapp = msg.channel == Channel::Whatsapp;
    let polled = tw.fetch(&sid, whatsapp).await;
    let sent_at = desk.with_store(|s| {
        Ok(s.conn().query_row(
            "SELECT occurred_at FROM verification_events WHERE kind = 'sent' AND json_extract(detail, '$.outbox_id') = ?1
             ORDER BY occurred_at DESC LIMIT 1",
            [id],
            |r| r.get::<_, String>(0),
        ).optional()?)
    })?;
    let sent_at = sent_at.as_deref().and_then(parse_ts).unwrap_or(now);
    let device = desk.engine().device_id.clone();
    let masked = contact::mask(msg.code_type, &msg.target);
    let update = desk.with_store(|s| {
        let tx = s.conn_mut().transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut update = DeliveryUpdate {
            outbox_id: id,
            user_id: msg.user_id.clone(),
            code_type: msg.code_type,
            channel: msg.channel,
            status: "sent".into(),
            message: None,
            fallback_outbox_id: None,
            fallback_channel: None,
            offline: false,
            demo: false,
        };
        let event = |tx: &rusqlite::Transaction<'_>, outcome: &str, code: Option<&str>| {
            events::append(tx, &device, now, &NewEvent {
                user_id: &msg.user_id,
                code_type: Some(msg.code_type),
                kind: EventKind::DeliveryStatus,
                actor: ACTOR,
                channel: Some(msg.channel),
                target_masked: Some(masked.clone()),
                outcome,
                error_code: code,
                detail: Some(json!({"outbox_id": id, "provider_id": sid})),
            })
        };
        let still_going = |tx: &rusqlite::Transaction<'_>, polls: u32| -> Result<()> {
            // Poll again with backoff, but not past the code's life.
            let next = now + backoff(desk, polls, None);
            let next = (next < parse_ts(&msg.expires_at).unwrap_or(now)).then(|| ts(next));
            tx.execute(
                "UPDATE outbox SET next_attempt_at = ?2, attempts = attempts + 1, updated_at = updated_at WHERE id = ?1",
                params![id, next],
            )?;
            Ok(())
        };
        let timed_out = whatsapp && now - sent_at >= Duration::seconds(settings.whatsapp_delivery_timeout_seconds.into());
        match polled {
            Err(f) if matches!(f.action, Action::Retry | Action::Offline) => still_going(&tx, attempts)?,
            Err(f) => {
                // The message can't be looked up (credentials changed?): stop asking.
                tx.execute("UPDATE outbox SET next_attempt_at = NULL WHERE id = ?1", [id])?;
                tracing::warn!(code = ?f.code, "stopped polling a message");
            }
            Ok(res) => match res.status.as_str() {
                "delivered" | "read" => {
                    tx.execute(
                        "UPDATE outbox SET status = ?2, sealed_payload = NULL, next_attempt_at = NULL, updated_at = ?3 WHERE id = ?1",
                        params![id, res.status, ts(now)],
                    )?;
                    event(&tx, &res.status, None)?;
                    update.status = res.status.clone();
                    update.message = Some(if res.status == "read" { "Read on the phone.".into() } else { "Delivered to the phone.".into() });
                }
                "failed" | "undelivered" | "canceled" => {
                    let f = super::failure::twilio(res.error_code, 200, whatsapp, tw.has_template());
                    let final_status = if res.status == "canceled" { "cancelled" } else { res.status.as_str() };
                    match (f.action, msg.code.as_ref()) {
                        (Action::Fallback, Some(code)) => {
                            let next = fall_back(&tx, desk, settings, &msg, code, now)?;
                            mark_final(&tx, id, final_status, &f, now)?;
                            event(&tx, if next.is_some() { "fallback" } else { final_status }, f.code.as_deref())?;
                            update.status = final_status.into();
                            update.message = Some(if next.is_some() { f.message.clone() } else { no_fallback_words(msg.channel) });
                            update.fallback_outbox_id = next.map(|n| n.0);
                            update.fallback_channel = next.map(|n| n.1);
                        }
                        (Action::Retry, Some(_)) => {
                            let next = now + backoff(desk, attempts, f.retry_after);
                            tx.execute(
                                "UPDATE outbox SET status = 'queued', next_attempt_at = ?2, last_error = ?3, last_error_code = ?4,
                                     provider_message_id = NULL, updated_at = ?5 WHERE id = ?1",
                                params![id, ts(next), f.message, f.code, ts(now)],
                            )?;
                            event(&tx, "retrying", f.code.as_deref())?;
                            update.status = "queued".into();
                            update.message = Some(f.message.clone());
                        }
                        _ => {
                            mark_final(&tx, id, final_status, &f, now)?;
                            event(&tx, final_status, f.code.as_deref())?;
                            update.status = final_status.into();
                            update.message = Some(f.message.clone());
                        }
                    }
                }
                // Not delivered yet. WhatsApp that sits undelivered too long means the person
                // probably isn't reachable there: carry on by SMS, with the same code.
                _ if timed_out => {
                    let f = super::failure::twilio(Some(63_003), 200, true, tw.has_template());
                    let next = match msg.code.as_ref() {
                        Some(code) => fall_back(&tx, desk, settings, &msg, code, now)?,
                        None => None,
                    };
                    tx.execute(
                        "UPDATE outbox SET status = 'undelivered', sealed_payload = NULL, next_attempt_at = NULL,
                             last_error_code = 'whatsapp_timeout', last_error = ?2, updated_at = ?3 WHERE id = ?1",
                        params![id, "WhatsApp didn't deliver in time.", ts(now)],
                    )?;
                    event(&tx, if next.is_some() { "fallback" } else { "undelivered" }, Some("whatsapp_timeout"))?;
                    update.status = "undelivered".into();
                    update.message = Some(match next {
                        Some(_) => "WhatsApp hasn't delivered the code. Sending by SMS instead.".into(),
                        None => "WhatsApp hasn't delivered the code. Try SMS or email.".into(),
                    });
                    let _ = f;
                    update.fallback_outbox_id = next.map(|n| n.0);
                    update.fallback_channel = next.map(|n| n.1);
                }
                _ => still_going(&tx, attempts)?,
            },
        }
        tx.commit()?;
        Ok(update)
    })?;
    if update.fallback_outbox_id.is_some() {
        desk.delivery().wake.notify_one();
    }
    if update.status != "sent" {
        desk.delivery().publish(update);
    }
    Ok(())
}
