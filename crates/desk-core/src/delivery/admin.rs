//! What the admin screens need from delivery: credentials (configured or not, never the
//! secrets), "send test message", health, the outbox, and template editing.

use rusqlite::params;

use serde::{Deserialize, Serialize};
use time::Duration;

use super::credentials::{self, CredentialsView, GmailInput, TwilioInput};
use super::email::{Email, GmailSmtp};
use super::failure::Failure;
use super::twilio::{self, Outgoing, TwilioClient};
use super::worker;
use crate::clock::{local_hh_mm, ts};
use crate::contact::{self, Channel, CodeType};
use crate::desk::Desk;
use crate::error::{Error, Result};
use crate::secrets::KeyringStatus;
use crate::templates::{self, Part, Preview, TemplateView};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    Gmail,
    TwilioWhatsapp,
    TwilioSms,
}

impl Provider {
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Gmail => "gmail",
            Provider::TwilioWhatsapp => "twilio_whatsapp",
            Provider::TwilioSms => "twilio_sms",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TestResult {
    pub provider: Provider,
    pub ok: bool,
    /// The provider's answer in plain words.
    pub message: String,
    pub tested_at: String,
}

pub fn credentials_view(desk: &Desk) -> Result<CredentialsView> {
    Ok(credentials::view(&desk.settings()?, desk.keyring()))
}

pub fn save_gmail(desk: &Desk, actor: &str, input: &GmailInput) -> Result<CredentialsView> {
    let patch = credentials::gmail_patch(desk.keyring(), input)?;
    desk.update_settings(actor, &patch)?;
    tracing::info!("Gmail credentials saved to the keyring");
    credentials_view(desk)
}

pub fn save_twilio(desk: &Desk, actor: &str, input: &TwilioInput) -> Result<CredentialsView> {
    let patch = credentials::twilio_patch(desk.keyring(), input)?;
    desk.update_settings(actor, &patch)?;
    tracing::info!("Twilio credentials saved to the keyring");
    credentials_view(desk)
}

pub fn delete_credentials(desk: &Desk, actor: &str, provider: Provider) -> Result<CredentialsView> {
    let patch = match provider {
        Provider::Gmail => credentials::delete_gmail(desk.keyring())?,
        Provider::TwilioWhatsapp | Provider::TwilioSms => credentials::delete_twilio(desk.keyring())?,
    };
    desk.update_settings(actor, &patch)?;
    credentials_view(desk)
}

/// Send a real test message through `provider` to `to` and record the answer.
pub async fn send_test(desk: &Desk, actor: &str, provider: Provider, to: &str) -> Result<TestResult> {
    let settings = desk.settings()?;
    let outcome: std::result::Result<String, Failure> = async {
        let r: Result<std::result::Result<String, Failure>> = async {
        match provider {
            Provider::Gmail => {
                let to = contact::normalize_email(to).map_err(Error::from)?;
                let Some(cfg) = credentials::smtp_config(&settings, desk.keyring()).map_err(Error::Keyring)? else {
                    return Ok(Err(Failure::not_configured("email")));
                };
                let gmail = match GmailSmtp::new(&cfg) {
                    Ok(g) => g,
                    Err(f) => return Ok(Err(f)),
                };
                let text = format!(
                    "This is a test message from {} (Skinspire Verify Desk). Email is working. No action needed.",
                    settings.clinic_name
                );
                let id = format!("test-{}", desk.engine().now().unix_timestamp_nanos());
                Ok(gmail
                    .send(&Email { to: &to, subject: "Test message from the verify desk", text: &text, html: &format!("<p>{text}</p>"), language: "en", message_id: &id })
                    .await
                    .map(|_| format!("Gmail accepted the test message for {}.", contact::mask_email(&to))))
            }
            Provider::TwilioWhatsapp | Provider::TwilioSms => {
                let to = contact::normalize_mobile(to).map_err(Error::from)?;
                let Some(cfg) = credentials::twilio_config(&settings, desk.keyring()).map_err(Error::Keyring)? else {
                    return Ok(Err(Failure::not_configured("Twilio")));
                };
                let route = if provider == Provider::TwilioWhatsapp { twilio::Route::Whatsapp } else { twilio::Route::Sms };
                let client = match TwilioClient::new(cfg) {
                    Ok(c) => c,
                    Err(f) => return Ok(Err(f)),
                };
                if !client.can_send(route) {
                    return Ok(Err(Failure::not_configured(if route == twilio::Route::Whatsapp { "WhatsApp" } else { "SMS" })));
                }
                let body = format!("Test message from {} (Skinspire Verify Desk). No action needed.", settings.clinic_name);
                Ok(client
                    .create(&Outgoing { route, to_e164: &to, body: &body, code: "000000", validity_seconds: 600 })
                    .await
                    .map(|m| format!("Twilio accepted the test message for {} (status: {}).", contact::mask_phone(&to), m.status)))
            }
        }
        }
        .await;
        r
    }
    .await?;
    let (ok, message) = match outcome {
        Ok(m) => (true, m),
        Err(f) => (false, f.admin_message.unwrap_or(f.message)),
    };
    let tested_at = ts(desk.engine().now());
    desk.with_store(|s| {
        s.conn().execute(
            "INSERT INTO channel_health (provider, ok, message, tested_at, tested_by) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (provider) DO UPDATE SET ok = excluded.ok, message = excluded.message,
                 tested_at = excluded.tested_at, tested_by = excluded.tested_by",
            params![provider.as_str(), ok, message, tested_at, actor],
        )?;
        Ok(())
    })?;
    Ok(TestResult { provider, ok, message, tested_at })
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GmailUsage {
    pub sent_24h: i64,
    pub limit: u32,
    /// At 80 % of the limit the admin is warned.
    pub warn: bool,
    /// Gmail said the quota is used up: email is paused until then (local time, "14:05").
    pub paused_until: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecentError {
    pub at: String,
    pub channel: Option<String>,
    pub code: Option<String>,
    pub outcome: String,
    /// What the admin should fix, when it is theirs to fix.
    pub admin_message: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Health {
    pub keyring: KeyringStatus,
    pub credentials: CredentialsView,
    /// Nothing configured: messages go to the demo outbox.
    pub demo_mode: bool,
    /// Channels the desk can send on now; `None` in demo mode (all of them).
    pub usable_channels: Option<Vec<Channel>>,
    pub gmail: GmailUsage,
    pub last_tests: Vec<TestResult>,
    pub queued: i64,
    pub waiting_offline: i64,
    pub last_errors: Vec<RecentError>,
}

pub fn health(desk: &Desk) -> Result<Health> {
    let settings = desk.settings()?;
    let now = desk.engine().now();
    let credentials = credentials::view(&settings, desk.keyring());
    let demo_mode = credentials.demo_mode();
    let usable_channels = credentials.usable_channels();
    desk.with_store(|s| {
        let conn = s.conn();
        let sent = worker::gmail_sent_24h(conn, now)?;
        let paused = worker::gmail_exhausted_until(conn, now)?.filter(|u| *u > now);
        let limit = settings.gmail_daily_limit;
        let mut stmt = conn.prepare("SELECT provider, ok, message, tested_at FROM channel_health ORDER BY provider")?;
        let last_tests = stmt
            .query_map([], |r| {
                let p: String = r.get(0)?;
                Ok(TestResult {
                    provider: match p.as_str() {
                        "gmail" => Provider::Gmail,
                        "twilio_whatsapp" => Provider::TwilioWhatsapp,
                        _ => Provider::TwilioSms,
                    },
                    ok: r.get(1)?,
                    message: r.get(2)?,
                    tested_at: r.get(3)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        let queued: i64 = conn.query_row("SELECT count(*) FROM outbox WHERE status IN ('queued', 'sending')", [], |r| r.get(0))?;
        let waiting_offline: i64 =
            conn.query_row("SELECT count(*) FROM outbox WHERE status = 'queued' AND last_error_code = 'offline'", [], |r| r.get(0))?;
        let mut stmt = conn.prepare(
            "SELECT occurred_at, channel, error_code, outcome, json_extract(detail, '$.admin') FROM verification_events
             WHERE kind IN ('delivery_status', 'send_refused') AND outcome NOT IN ('delivered', 'read')
             ORDER BY occurred_at DESC LIMIT 10",
        )?;
        let last_errors = stmt
            .query_map([], |r| Ok(RecentError { at: r.get(0)?, channel: r.get(1)?, code: r.get(2)?, outcome: r.get(3)?, admin_message: r.get(4)? }))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(Health {
            keyring: desk.keyring().probe(),
            credentials,
            demo_mode,
            usable_channels,
            gmail: GmailUsage {
                sent_24h: sent,
                limit,
                warn: sent * 100 >= i64::from(limit) * 80,
                paused_until: paused.map(|p| local_hh_mm(p, desk.engine().clock.local_offset())),
            },
            last_tests,
            queued,
            waiting_offline,
            last_errors,
        })
    })
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxEntry {
    pub id: i64,
    pub user_id: String,
    pub display_name: String,
    pub code_type: String,
    pub channel: String,
    pub target_masked: String,
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// Recent messages, newest first (the admin's outbox view, and the person panel's state).
pub fn outbox_list(desk: &Desk, user_id: Option<&str>, limit: u32) -> Result<Vec<OutboxEntry>> {
    desk.with_store(|s| {
        let mut stmt = s.conn().prepare(
            "SELECT o.id, o.user_id, coalesce(u.display_name, ''), o.code_type, o.channel, o.target, o.status,
                    o.attempts, o.last_error, o.created_at, o.updated_at
             FROM outbox o LEFT JOIN users u ON u.user_id = o.user_id
             WHERE ?1 IS NULL OR o.user_id = ?1
             ORDER BY o.id DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![user_id, limit], |r| {
            let code_type: String = r.get(3)?;
            let target: String = r.get(5)?;
            Ok(OutboxEntry {
                id: r.get(0)?,
                user_id: r.get(1)?,
                display_name: r.get(2)?,
                target_masked: contact::mask(CodeType::parse(&code_type).unwrap_or(CodeType::Phone), &target),
                code_type,
                channel: r.get(4)?,
                status: r.get(6)?,
                attempts: r.get(7)?,
                last_error: r.get(8)?,
                created_at: r.get(9)?,
                updated_at: r.get(10)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    })
}

/// Drop outbox rows older than two days that are final (they only fed the rate limits).
pub fn prune_outbox(desk: &Desk) -> Result<usize> {
    let cutoff = ts(desk.engine().now() - Duration::days(2));
    desk.with_store(|s| {
        Ok(s.conn().execute(
            "DELETE FROM outbox WHERE created_at < ?1 AND status NOT IN ('queued', 'sending')",
            [cutoff],
        )?)
    })
}

pub fn templates_list(desk: &Desk, channel: Channel, language: &str) -> Result<Vec<TemplateView>> {
    desk.with_store(|s| templates::list(s.conn(), channel, language))
}

pub fn template_save(desk: &Desk, actor: &str, channel: Channel, language: &str, part: Part, body: &str) -> Result<Vec<TemplateView>> {
    let now = ts(desk.engine().now());
    desk.with_store(|s| {
        templates::save(s.conn(), channel, language, part, body, actor, &now)?;
        templates::list(s.conn(), channel, language)
    })
}

pub fn template_reset(desk: &Desk, channel: Channel, language: &str, part: Option<Part>) -> Result<Vec<TemplateView>> {
    desk.with_store(|s| {
        templates::reset(s.conn(), channel, language, part)?;
        templates::list(s.conn(), channel, language)
    })
}

pub fn template_preview(desk: &Desk, channel: Channel, language: &str, draft: Option<(Part, &str)>) -> Result<Preview> {
    let clinic = desk.settings()?.clinic_name;
    desk.with_store(|s| templates::preview(s.conn(), channel, language, &clinic, draft))
}


