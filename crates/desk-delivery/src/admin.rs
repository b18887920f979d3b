//! What the admin screens need from delivery: credentials (configured or not, never the
//! secrets), "send test message", and health. This module owns the `channel_health` table.

use desk_core::channel::Channel;
use desk_core::clock::ts;
use desk_core::contact;
use desk_core::error::{Error, Result};
use desk_core::events;
use desk_core::outbox;
use desk_core::secrets::KeyringStatus;
use desk_core::settings::{self, Settings};
use rusqlite::params;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::context::Context;
use crate::credentials::{self, CredentialsView, GmailInput, TwilioInput};
use crate::failure::Failure;
use crate::gmail::QUOTA_EXHAUSTED;
use crate::provider::{Built, Quota};
use crate::settings::DeliverySettings;
use crate::worker::quota;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::IntoStaticStr, strum::EnumString, specta::Type)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Provider {
    Gmail,
    TwilioWhatsapp,
    TwilioSms,
}

desk_core::sql_text!(Provider);

impl Provider {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    fn channel(self) -> Channel {
        match self {
            Provider::Gmail => Channel::EMAIL,
            Provider::TwilioWhatsapp => Channel::WHATSAPP,
            Provider::TwilioSms => Channel::SMS,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TestResult {
    pub provider: Provider,
    pub ok: bool,
    /// The provider's answer in plain words.
    pub message: String,
    pub tested_at: String,
}

fn delivery_settings(ctx: &Context) -> Result<DeliverySettings> {
    ctx.db.with(|s| settings::load::<DeliverySettings>(s.conn()))
}

pub fn credentials_view(ctx: &Context) -> Result<CredentialsView> {
    Ok(credentials::view(&delivery_settings(ctx)?, &ctx.keyring))
}

/// Save the providers' settings named in `patch` and rebuild the providers.
fn save(ctx: &Context, actor: &str, patch: &Map<String, Value>) -> Result<()> {
    let now = ts(ctx.now());
    ctx.db.with(|s| settings::update::<DeliverySettings>(s.conn(), patch, actor, &now))?;
    ctx.hub.invalidate_transports();
    Ok(())
}

pub fn save_gmail(ctx: &Context, actor: &str, input: &GmailInput) -> Result<CredentialsView> {
    let patch = credentials::gmail_patch(&ctx.keyring, &delivery_settings(ctx)?, input)?;
    save(ctx, actor, &patch)?;
    tracing::info!("Gmail credentials saved to the keyring");
    credentials_view(ctx)
}

pub fn save_twilio(ctx: &Context, actor: &str, input: &TwilioInput) -> Result<CredentialsView> {
    let patch = credentials::twilio_patch(&ctx.keyring, &delivery_settings(ctx)?, input)?;
    save(ctx, actor, &patch)?;
    tracing::info!("Twilio credentials saved to the keyring");
    credentials_view(ctx)
}

pub fn delete_credentials(ctx: &Context, actor: &str, provider: Provider) -> Result<CredentialsView> {
    let patch = match provider {
        Provider::Gmail => credentials::delete_gmail(&ctx.keyring)?,
        Provider::TwilioWhatsapp | Provider::TwilioSms => credentials::delete_twilio(&ctx.keyring)?,
    };
    save(ctx, actor, &patch)?;
    credentials_view(ctx)
}

/// Send a real test message through `provider` to `to` and record the answer.
pub async fn send_test(ctx: &Context, actor: &str, provider: Provider, to: &str) -> Result<TestResult> {
    let (core, ds): (Settings, DeliverySettings) = ctx.settings()?;
    let channel = provider.channel();
    let to = match channel.code_type() {
        contact::CodeType::Email => contact::normalize_email(to).map_err(Error::from)?,
        contact::CodeType::Phone => contact::normalize_mobile(to).map_err(Error::from)?,
    };
    // Built afresh, so the test shows what the saved settings and keyring give now.
    let Some(reg) = ctx.hub.registrations().iter().find(|r| r.channel == channel).copied() else {
        return Err(Error::InvalidInput("This desk has no such provider.".into()));
    };
    let outcome: std::result::Result<String, Failure> = match (reg.build)(&core, &ds, &ctx.keyring) {
        Built::NotConfigured => Err(Failure::not_configured(if provider == Provider::Gmail { "email" } else { "Twilio" })),
        Built::Unusable(f) => Err(f),
        Built::Ready(p) => {
            let test_id = format!("test-{}", ctx.now().unix_timestamp_nanos());
            p.send_test(&to, &core.clinic_name, &test_id).await
        }
    };
    let (ok, message) = match outcome {
        Ok(m) => (true, m),
        Err(f) => (false, f.admin_message.unwrap_or(f.message)),
    };
    let tested_at = ts(ctx.now());
    ctx.db.with(|s| {
        s.conn().execute(
            "INSERT INTO channel_health (provider, ok, message, tested_at, tested_by) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (provider) DO UPDATE SET ok = excluded.ok, message = excluded.message,
                 tested_at = excluded.tested_at, tested_by = excluded.tested_by",
            params![provider, ok, message, tested_at, actor],
        )?;
        Ok(())
    })?;
    Ok(TestResult { provider, ok, message, tested_at })
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Health {
    pub keyring: KeyringStatus,
    pub credentials: CredentialsView,
    /// Nothing configured: messages go to the demo outbox.
    pub demo_mode: bool,
    /// Channels the desk can send on now; `None` in demo mode (all of them).
    pub usable_channels: Option<Vec<Channel>>,
    pub gmail: quota::Usage,
    pub last_tests: Vec<TestResult>,
    pub queued: i64,
    pub waiting_offline: i64,
    /// Messages waiting because a provider's secrets can't be read (locked keyring, lost item).
    pub waiting_for_keyring: i64,
    pub last_errors: Vec<events::RecentError>,
    /// Settings below the desk's security floor, and what the desk uses instead.
    pub floor_notices: Vec<settings::FloorNotice>,
    /// The code pepper is only in memory (the keyring couldn't be read at start-up): codes sent
    /// now can't be checked after a restart.
    pub temporary_pepper: bool,
}

pub fn health(ctx: &Context) -> Result<Health> {
    let (core, ds) = ctx.settings()?;
    let now = ctx.now();
    // The keyring is asked outside the store lock: it may take seconds to answer.
    let credentials = credentials::view(&ds, &ctx.keyring);
    let keyring = ctx.keyring.probe();
    // The worker's own providers, so the health view shows the rule the worker sends by.
    let providers = ctx.hub.providers.get(&core, &ds, &ctx.keyring);
    let demo_mode = providers.demo;
    let usable_channels = providers.usable_channels();
    let gmail_quota = Quota { daily_limit: ds.gmail_daily_limit, exhausted_code: QUOTA_EXHAUSTED };
    ctx.db.with(|s| {
        let conn = s.conn();
        let state = quota::state(conn, Channel::EMAIL, &gmail_quota, now)?;
        let mut stmt = conn.prepare("SELECT provider, ok, message, tested_at FROM channel_health ORDER BY provider")?;
        let last_tests = stmt
            .query_map([], |r| Ok(TestResult { provider: r.get(0)?, ok: r.get(1)?, message: r.get(2)?, tested_at: r.get(3)? }))?
            .collect::<rusqlite::Result<_>>()?;
        let (queued, waiting_offline) = outbox::waiting(conn)?;
        let waiting_for_keyring =
            outbox::waiting_for(conn, crate::failure::KEYRING_LOCKED)? + outbox::waiting_for(conn, crate::failure::CREDENTIALS_MISSING)?;
        Ok(Health {
            keyring,
            credentials,
            demo_mode,
            usable_channels,
            gmail: quota::usage(&state, ds.gmail_daily_limit, now, ctx.clock.local_offset()),
            last_tests,
            queued,
            waiting_offline,
            waiting_for_keyring,
            last_errors: events::recent_delivery_errors(conn, 10)?,
            floor_notices: core.floor_notices(),
            temporary_pepper: !ctx.journal.secrets().persistent,
        })
    })
}
