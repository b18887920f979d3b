//! WhatsApp and SMS through Twilio's Messages API (2010-04-01) with reqwest. The base URL is
//! configuration, so tests point it at a local server that enforces Twilio's published OpenAPI
//! contract, or at scripted faults.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use desk_core::channel::Channel;
use desk_core::contact;
use desk_core::secrets::Keyring;
use desk_core::settings::Settings;
use secrecy::ExposeSecret;
use serde::Deserialize;

use crate::credentials::TwilioConfig;
use crate::failure::{self, Failure};
use crate::provider::{self, Built, Provider, Receipt, Registration};
use crate::settings::DeliverySettings;

/// WhatsApp through Twilio, made when the account is in the keyring and a WhatsApp sender is set.
pub const WHATSAPP_REGISTRATION: Registration = Registration { channel: Channel::WHATSAPP, name: "twilio_whatsapp", build: build_whatsapp };
/// SMS through Twilio, made when the account is in the keyring and an SMS sender is set.
pub const SMS_REGISTRATION: Registration = Registration { channel: Channel::SMS, name: "twilio_sms", build: build_sms };

fn build_whatsapp(_: &Settings, ds: &DeliverySettings, keyring: &Keyring) -> Built {
    build(ds, keyring, Route::Whatsapp)
}

fn build_sms(_: &Settings, ds: &DeliverySettings, keyring: &Keyring) -> Built {
    build(ds, keyring, Route::Sms)
}

fn build(ds: &DeliverySettings, keyring: &Keyring, route: Route) -> Built {
    let cfg = match crate::credentials::twilio_config(ds, keyring) {
        Ok(Some(cfg)) => cfg,
        Ok(None) => return Built::NotConfigured,
        // Set up, but its secrets can't be read: a problem to show, never demo mode.
        Err(e) => return Built::Unusable(Failure::credentials(&e, "Twilio")),
    };
    let client = match TwilioClient::new(cfg) {
        Ok(c) => Arc::new(c),
        Err(f) => return Built::Unusable(f),
    };
    if !client.can_send(route) {
        // The account is set up, but not this channel's sender.
        return Built::Unusable(Failure::not_configured(route.label()));
    }
    let timeout = (route == Route::Whatsapp).then(|| Duration::from_secs(ds.whatsapp_delivery_timeout_seconds.into()));
    Built::Ready(Arc::new(TwilioChannel { client, route, timeout }))
}

/// One of Twilio's channels (WhatsApp or SMS) as a provider.
pub struct TwilioChannel {
    client: Arc<TwilioClient>,
    route: Route,
    timeout: Option<Duration>,
}

#[async_trait]
impl Provider for TwilioChannel {
    fn vendor(&self) -> &'static str {
        "twilio"
    }

    fn channel(&self) -> Channel {
        match self.route {
            Route::Whatsapp => Channel::WHATSAPP,
            Route::Sms => Channel::SMS,
        }
    }

    async fn send(&self, m: &provider::Outgoing<'_>) -> Result<String, Failure> {
        self.client
            .create(&Outgoing { route: self.route, to_e164: m.to, body: m.text, code: m.code, validity_seconds: m.validity_seconds })
            .await
            .map(|r| r.sid)
    }

    fn has_receipts(&self) -> bool {
        true
    }

    async fn poll(&self, provider_id: &str) -> Result<Receipt, Failure> {
        let res = self.client.fetch(provider_id, self.route == Route::Whatsapp).await?;
        Ok(match res.status.as_str() {
            "delivered" => Receipt::Delivered,
            "read" => Receipt::Read,
            "failed" => Receipt::Failed { error_code: res.error_code },
            "undelivered" => Receipt::Undelivered { error_code: res.error_code },
            "canceled" => Receipt::Canceled { error_code: res.error_code },
            _ => Receipt::Pending,
        })
    }

    async fn send_test(&self, to: &str, clinic_name: &str, _test_id: &str) -> Result<String, Failure> {
        let body = format!("Test message from {clinic_name} (Skinspire Verify Desk). No action needed.");
        self.client
            .create(&Outgoing { route: self.route, to_e164: to, body: &body, code: "000000", validity_seconds: 600 })
            .await
            .map(|m| format!("Twilio accepted the test message for {} (status: {}).", contact::mask_phone(to), m.status))
    }

    fn classify(&self, error_code: Option<i64>) -> Failure {
        failure::twilio(error_code, 200, self.route == Route::Whatsapp, self.client.has_template())
    }

    fn delivery_timeout(&self) -> Option<Duration> {
        self.timeout
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Whatsapp,
    Sms,
}

impl Route {
    pub fn label(self) -> &'static str {
        match self {
            Route::Whatsapp => "WhatsApp",
            Route::Sms => "SMS",
        }
    }
}

/// The parts of Twilio's Message resource the desk uses.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct MessageResource {
    pub sid: String,
    pub status: String,
    #[serde(default)]
    pub error_code: Option<i64>,
    #[serde(default)]
    pub error_message: Option<String>,
}

impl MessageResource {
    /// Twilio's final states; anything else may still change.
    pub fn is_final(&self) -> bool {
        matches!(self.status.as_str(), "delivered" | "read" | "failed" | "undelivered" | "canceled")
    }
}

#[derive(Debug, Deserialize)]
struct ApiError {
    code: Option<i64>,
    #[serde(default)]
    message: String,
}

pub struct TwilioClient {
    http: reqwest::Client,
    config: TwilioConfig,
}

/// One message to create. `body` contains the code: never log it.
pub struct Outgoing<'a> {
    pub route: Route,
    pub to_e164: &'a str,
    pub body: &'a str,
    pub code: &'a str,
    /// Seconds Twilio may keep it queued: no point delivering a code after it expired.
    pub validity_seconds: u32,
}

impl TwilioClient {
    pub fn new(config: TwilioConfig) -> Result<Self, Failure> {
        // Checked again here, whatever put the address in the settings: Basic auth carries the
        // token, so it goes to Twilio or to this computer only.
        if !crate::settings::twilio_url_allowed(&config.base_url) {
            return Err(Failure::not_configured("Twilio"));
        }
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("skinspire-verify-desk/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Failure::offline(&e.to_string()))?;
        Ok(TwilioClient { http, config })
    }

    pub fn has_template(&self) -> bool {
        self.config.content_sid.is_some()
    }

    pub fn can_send(&self, route: Route) -> bool {
        match route {
            Route::Whatsapp => self.config.whatsapp_from.is_some(),
            Route::Sms => self.config.sms_from.is_some() || self.config.messaging_service_sid.is_some(),
        }
    }

    fn messages_url(&self) -> String {
        format!(
            "{}/2010-04-01/Accounts/{}/Messages.json",
            self.config.base_url.trim_end_matches('/'),
            self.config.account_sid.expose_secret()
        )
    }

    /// The form Twilio's API takes for this message.
    pub fn form(&self, m: &Outgoing<'_>) -> Vec<(&'static str, String)> {
        let mut form = Vec::with_capacity(6);
        match m.route {
            Route::Whatsapp => {
                form.push(("To", format!("whatsapp:{}", m.to_e164)));
                if let Some(from) = &self.config.whatsapp_from {
                    form.push(("From", format!("whatsapp:{from}")));
                }
                match &self.config.content_sid {
                    // Production: Meta's fixed authentication template; its only variable is the code.
                    Some(sid) => {
                        form.push(("ContentSid", sid.clone()));
                        form.push(("ContentVariables", serde_json::json!({ "1": m.code }).to_string()));
                    }
                    // The sandbox takes free-form text.
                    None => form.push(("Body", m.body.to_owned())),
                }
            }
            Route::Sms => {
                form.push(("To", m.to_e164.to_owned()));
                match (&self.config.messaging_service_sid, &self.config.sms_from) {
                    (Some(mg), _) => form.push(("MessagingServiceSid", mg.clone())),
                    (None, Some(from)) => form.push(("From", from.clone())),
                    (None, None) => {}
                }
                form.push(("Body", m.body.to_owned()));
            }
        }
        form.push(("ValidityPeriod", m.validity_seconds.clamp(1, 36_000).to_string()));
        form
    }

    /// Create the message (POST …/Messages.json).
    #[tracing::instrument(skip_all, fields(route = ?m.route))]
    pub async fn create(&self, m: &Outgoing<'_>) -> Result<MessageResource, Failure> {
        let request = self
            .http
            .post(self.messages_url())
            .basic_auth(self.config.account_sid.expose_secret(), Some(self.config.auth_token.expose_secret()))
            .form(&self.form(m));
        self.answer(request, m.route == Route::Whatsapp).await
    }

    /// Fetch a message's current state (GET …/Messages/{Sid}.json).
    pub async fn fetch(&self, sid: &str, whatsapp: bool) -> Result<MessageResource, Failure> {
        let url = format!(
            "{}/2010-04-01/Accounts/{}/Messages/{}.json",
            self.config.base_url.trim_end_matches('/'),
            self.config.account_sid.expose_secret(),
            sid
        );
        let request = self.http.get(url).basic_auth(self.config.account_sid.expose_secret(), Some(self.config.auth_token.expose_secret()));
        self.answer(request, whatsapp).await
    }

    async fn answer(&self, request: reqwest::RequestBuilder, whatsapp: bool) -> Result<MessageResource, Failure> {
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) if e.is_timeout() => {
                tracing::warn!("Twilio request timed out");
                return Err(failure::twilio(None, 504, false, self.has_template()));
            }
            Err(e) => return Err(Failure::offline(&e.without_url().to_string())),
        };
        let status = response.status();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let body = response.bytes().await.unwrap_or_default();
        if status.is_success() {
            return serde_json::from_slice::<MessageResource>(&body).map_err(|e| {
                tracing::warn!(%e, "Twilio answered with an unreadable message resource");
                failure::twilio(None, 502, false, self.has_template())
            });
        }
        let api: Option<ApiError> = serde_json::from_slice(&body).ok();
        let code = api.as_ref().and_then(|a| a.code);
        tracing::warn!(http = status.as_u16(), code, message = %desk_core::logging::redact(api.as_ref().map(|a| a.message.as_str()).unwrap_or("")), "Twilio refused");
        let mut f = failure::twilio(code, status.as_u16(), whatsapp, self.has_template());
        f.retry_after = retry_after;
        Err(f)
    }
}
