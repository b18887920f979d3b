//! The Provider trait: what the worker needs of any way of sending a code, and how a provider
//! is registered (built from settings and the keyring; see `registry`).

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use desk_core::channel::Channel;
use desk_core::secrets::Keyring;
use desk_core::settings::Settings;

use crate::failure::Failure;
use crate::settings::DeliverySettings;

/// One message to send. `text`, `html` and `code` carry the code: never log them.
pub struct Outgoing<'a> {
    /// Normalised: E.164 for phones, the address for email.
    pub to: &'a str,
    pub subject: Option<&'a str>,
    pub text: &'a str,
    pub html: Option<&'a str>,
    pub language: &'a str,
    pub code: &'a str,
    /// Our idempotency key: carried to the provider where it can take one.
    pub idempotency_key: &'a str,
    /// Seconds the provider may keep trying: no point delivering a code after it expired.
    pub validity_seconds: u32,
}

/// Where a sent message has got to, by the provider's delivery receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Receipt {
    /// Not final yet (queued, sending, sent).
    Pending,
    Delivered,
    Read,
    /// The provider gave up; the error code says why (classified by [`Provider::classify`]).
    Failed {
        error_code: Option<i64>,
    },
    Undelivered {
        error_code: Option<i64>,
    },
    Canceled {
        error_code: Option<i64>,
    },
}

/// A daily sending limit the provider enforces (Gmail's rolling 24 hours).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub daily_limit: u32,
    /// The error code with which the provider says the limit is used up.
    pub exhausted_code: &'static str,
}

#[async_trait]
pub trait Provider: Send + Sync {
    /// The channel this provider sends on.
    fn channel(&self) -> Channel;

    /// Who sends ("gmail", "twilio"), for the audit log.
    fn vendor(&self) -> &'static str;

    /// Send one message; `Ok` carries the provider's id for it.
    async fn send(&self, m: &Outgoing<'_>) -> Result<String, Failure>;

    /// Whether [`Provider::poll`] can tell where a message has got to.
    fn has_receipts(&self) -> bool {
        false
    }

    /// The delivery receipt for a message this provider took.
    async fn poll(&self, _provider_id: &str) -> Result<Receipt, Failure> {
        Ok(Receipt::Pending)
    }

    /// Send a real test message to `to` (already normalised); `Ok` is the provider's answer in
    /// the admin's words.
    async fn send_test(&self, to: &str, clinic_name: &str, test_id: &str) -> Result<String, Failure>;

    /// What a receipt's error code means for the desk.
    fn classify(&self, error_code: Option<i64>) -> Failure;

    /// A message still pending after this long is given up on this channel, and the code goes
    /// on by the next one (WhatsApp: the person is probably not on it).
    fn delivery_timeout(&self) -> Option<Duration> {
        None
    }

    fn quota(&self) -> Option<Quota> {
        None
    }
}

/// What a registration found: nothing set up, a provider ready to send, or one set up but
/// unusable (the reason is kept for the admin and the status bar).
pub enum Built {
    NotConfigured,
    Ready(Arc<dyn Provider>),
    Unusable(Failure),
}

/// How a channel's provider is made from settings and the keyring.
#[derive(Clone, Copy)]
pub struct Registration {
    pub channel: Channel,
    /// The provider's name in the admin's health view.
    pub name: &'static str,
    pub build: fn(&Settings, &DeliverySettings, &Keyring) -> Built,
}
