//! The clinic's provider credentials: secrets in the OS keyring only, the rest in settings.
//! Nothing here returns a secret: callers learn "configured or not" and the last test result.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use desk_core::contact;
use desk_core::error::{Error, Result};
use desk_core::secrets::{Keyring, SecretsError};

use crate::settings::{DeliverySettings, SmtpTls};

/// Everything needed to send by email. The password comes from the keyring.
#[derive(Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub address: String,
    pub from_name: String,
    pub password: SecretString,
    /// Extra CA certificate (PEM) to trust, for a clinic relay with a private CA (and tests).
    pub extra_ca_pem: Option<Vec<u8>>,
    pub timeout: Duration,
}

impl std::fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpConfig").field("host", &self.host).field("port", &self.port).field("tls", &self.tls).finish_non_exhaustive()
    }
}

#[derive(Clone)]
pub struct TwilioConfig {
    pub base_url: String,
    pub account_sid: SecretString,
    pub auth_token: SecretString,
    /// WhatsApp sender in E.164 (the sandbox is +14155238886).
    pub whatsapp_from: Option<String>,
    /// SMS sender: a number in E.164 …
    pub sms_from: Option<String>,
    /// … or a Messaging Service SID (MG…), which Twilio prefers for India (DLT).
    pub messaging_service_sid: Option<String>,
    /// An approved WhatsApp authentication template (HX…): its one variable is the code.
    pub content_sid: Option<String>,
    pub timeout: Duration,
}

impl std::fmt::Debug for TwilioConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TwilioConfig").field("base_url", &self.base_url).finish_non_exhaustive()
    }
}

pub const GMAIL_PASSWORD: &str = "gmail-app-password";
pub const TWILIO_SID: &str = "twilio-account-sid";
pub const TWILIO_TOKEN: &str = "twilio-auth-token";

/// What the admin types for Gmail. The password deserializes straight into a `SecretString`.
#[derive(Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct GmailInput {
    pub address: String,
    #[specta(type = String)]
    pub app_password: SecretString,
    #[serde(default)]
    pub from_name: Option<String>,
    #[serde(default)]
    pub smtp_host: Option<String>,
    #[serde(default)]
    pub smtp_port: Option<u16>,
    #[serde(default)]
    pub smtp_tls: Option<SmtpTls>,
}

#[derive(Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TwilioInput {
    #[specta(type = String)]
    pub account_sid: SecretString,
    #[specta(type = String)]
    pub auth_token: SecretString,
    #[serde(default)]
    pub whatsapp_from: Option<String>,
    #[serde(default)]
    pub sms_from: Option<String>,
    #[serde(default)]
    pub messaging_service_sid: Option<String>,
    #[serde(default)]
    pub content_sid: Option<String>,
    #[serde(default)]
    pub base_url: Option<String>,
}

fn bad(msg: &str) -> Error {
    Error::InvalidInput(msg.to_owned())
}

fn keyring_err(e: SecretsError) -> Error {
    Error::Keyring(e)
}

/// Settings that say where a saved secret is sent: they change only with the secret typed again
/// (through [`gmail_patch`] and [`twilio_patch`]), so no admin can redirect a saved secret to a
/// server of their own. The general settings update refuses them.
pub const BOUND_TO_SECRETS: &[&str] = &["gmail_address", "smtp_host", "smtp_port", "smtp_tls", "smtp_ca_file", "twilio_base_url"];

/// Validate and store the Gmail credentials; returns the settings patch applied. `current`:
/// the settings in force, to tell whether the server changes.
pub fn gmail_patch(
    keyring: &Keyring,
    current: &DeliverySettings,
    input: &GmailInput,
) -> Result<serde_json::Map<String, serde_json::Value>> {
    let address =
        contact::normalize_email(&input.address).map_err(|_| bad("Type the clinic's full Gmail address, like clinic@gmail.com."))?;
    // Google shows app passwords as four groups of four letters; people paste them with spaces.
    let password: String = input.app_password.expose_secret().chars().filter(|c| !c.is_whitespace()).collect();
    let new_host = input.smtp_host.as_deref().map(str::trim).filter(|h| !h.is_empty());
    let redirected = new_host.is_some_and(|h| !h.eq_ignore_ascii_case(&current.smtp_host))
        || input.smtp_port.is_some_and(|p| p != current.smtp_port)
        || !address.eq_ignore_ascii_case(&current.gmail_address) && !current.gmail_address.is_empty();
    // A blank password keeps the one already saved, but only for the same server and account:
    // the saved password never goes anywhere it wasn't typed for.
    if password.is_empty() && redirected {
        return Err(bad("Type the app password again: a saved password is only sent to the server and address it was typed for."));
    }
    if password.is_empty() {
        if keyring.get(GMAIL_PASSWORD).map_err(keyring_err)?.is_none() {
            return Err(bad("Type the app password (16 letters, from Google account → Security → App passwords)."));
        }
    } else {
        keyring.set(GMAIL_PASSWORD, &SecretString::from(password)).map_err(keyring_err)?;
    }
    let mut patch = serde_json::Map::new();
    patch.insert("gmail_address".into(), address.into());
    if let Some(name) = &input.from_name {
        patch.insert("email_from_name".into(), name.trim().into());
    }
    if let Some(host) = input.smtp_host.as_deref().map(str::trim).filter(|h| !h.is_empty()) {
        patch.insert("smtp_host".into(), host.into());
    }
    if let Some(port) = input.smtp_port {
        patch.insert("smtp_port".into(), port.into());
    }
    if let Some(tls) = input.smtp_tls {
        patch.insert("smtp_tls".into(), serde_json::to_value(tls).unwrap_or_default());
    }
    Ok(patch)
}

fn sid_ok(value: &str, prefix: &str) -> bool {
    value.len() == 34 && value.starts_with(prefix) && value[2..].bytes().all(|b| b.is_ascii_hexdigit())
}

pub fn twilio_patch(
    keyring: &Keyring,
    current: &DeliverySettings,
    input: &TwilioInput,
) -> Result<serde_json::Map<String, serde_json::Value>> {
    // Blank SID or token keeps the saved one (changing only a sender number).
    let sid = input.account_sid.expose_secret().trim();
    let token = input.auth_token.expose_secret().trim();
    let keep_sid = sid.is_empty() && keyring.get(TWILIO_SID).map_err(keyring_err)?.is_some();
    let keep_token = token.is_empty() && keyring.get(TWILIO_TOKEN).map_err(keyring_err)?.is_some();
    let new_url = input.base_url.as_deref().map(str::trim).filter(|u| !u.is_empty());
    if let Some(url) = new_url {
        if !crate::settings::twilio_url_allowed(url) {
            return Err(bad("The Twilio address must be https://api.twilio.com (or a test server on this computer)."));
        }
        if url.trim_end_matches('/') != current.twilio_base_url.trim_end_matches('/')
            && (keep_sid || keep_token || sid.is_empty() || token.is_empty())
        {
            return Err(bad("Type the Account SID and Auth Token again: saved ones are only sent to the address they were typed for."));
        }
    }
    if !keep_sid && !sid_ok(sid, "AC") {
        return Err(bad("The Account SID starts with AC and has 34 characters. Copy it from the Twilio console."));
    }
    if !keep_token && token.len() < 32 {
        return Err(bad("The Auth Token has 32 characters. Copy it from the Twilio console."));
    }
    let number = |label: &str, v: &Option<String>| -> Result<String> {
        match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(String::new()),
            Some(n) => contact::normalize_phone(n)
                .map_err(|_| bad(&format!("The {label} must be a phone number with its country code, like +14155238886."))),
        }
    };
    let whatsapp_from = number("WhatsApp sender", &input.whatsapp_from)?;
    let sms_from = number("SMS sender", &input.sms_from)?;
    let mg = input.messaging_service_sid.as_deref().map(str::trim).unwrap_or("");
    if !mg.is_empty() && !sid_ok(mg, "MG") {
        return Err(bad("A Messaging Service SID starts with MG and has 34 characters."));
    }
    let hx = input.content_sid.as_deref().map(str::trim).unwrap_or("");
    if !hx.is_empty() && !sid_ok(hx, "HX") {
        return Err(bad("A template ContentSid starts with HX and has 34 characters."));
    }
    if whatsapp_from.is_empty() && sms_from.is_empty() && mg.is_empty() {
        return Err(bad("Give a WhatsApp sender, an SMS sender or a Messaging Service SID: otherwise there is nothing to send with."));
    }
    if !keep_sid {
        keyring.set(TWILIO_SID, &SecretString::from(sid.to_owned())).map_err(keyring_err)?;
    }
    if !keep_token {
        keyring.set(TWILIO_TOKEN, &SecretString::from(token.to_owned())).map_err(keyring_err)?;
    }
    let mut patch = serde_json::Map::new();
    patch.insert("twilio_whatsapp_from".into(), whatsapp_from.into());
    patch.insert("twilio_sms_from".into(), sms_from.into());
    patch.insert("twilio_messaging_service_sid".into(), mg.into());
    patch.insert("twilio_content_sid".into(), hx.into());
    if let Some(url) = input.base_url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
        patch.insert("twilio_base_url".into(), url.into());
    }
    Ok(patch)
}

pub fn delete_gmail(keyring: &Keyring) -> Result<serde_json::Map<String, serde_json::Value>> {
    keyring.delete(GMAIL_PASSWORD).map_err(keyring_err)?;
    let mut patch = serde_json::Map::new();
    patch.insert("gmail_address".into(), "".into());
    Ok(patch)
}

pub fn delete_twilio(keyring: &Keyring) -> Result<serde_json::Map<String, serde_json::Value>> {
    keyring.delete(TWILIO_SID).map_err(keyring_err)?;
    keyring.delete(TWILIO_TOKEN).map_err(keyring_err)?;
    let mut patch = serde_json::Map::new();
    for k in ["twilio_whatsapp_from", "twilio_sms_from", "twilio_messaging_service_sid", "twilio_content_sid"] {
        patch.insert(k.into(), "".into());
    }
    Ok(patch)
}

pub use crate::failure::CredentialProblem;

/// The SMTP configuration, if Gmail is set up: `Ok(None)` when no address is set (not set up);
/// an error when it is set up but its password can't be read.
pub fn smtp_config(
    settings: &DeliverySettings,
    clinic_name: &str,
    keyring: &Keyring,
) -> std::result::Result<Option<SmtpConfig>, CredentialProblem> {
    if settings.gmail_address.is_empty() {
        return Ok(None);
    }
    let password = keyring.get(GMAIL_PASSWORD)?.ok_or(CredentialProblem::Missing)?;
    let extra_ca_pem = (!settings.smtp_ca_file.is_empty()).then(|| std::fs::read(&settings.smtp_ca_file).ok()).flatten();
    Ok(Some(SmtpConfig {
        host: settings.smtp_host.clone(),
        port: settings.smtp_port,
        tls: settings.smtp_tls,
        address: settings.gmail_address.clone(),
        from_name: if settings.email_from_name.is_empty() { clinic_name.to_owned() } else { settings.email_from_name.clone() },
        password,
        extra_ca_pem,
        timeout: std::time::Duration::from_secs(30),
    }))
}

/// The Twilio configuration, if a sender is set; an error when one is set but the account's
/// secrets can't be read.
pub fn twilio_config(settings: &DeliverySettings, keyring: &Keyring) -> std::result::Result<Option<TwilioConfig>, CredentialProblem> {
    // Without a sender on this desk there is nothing to send with, whatever the keyring holds.
    if !has_sender(settings) {
        return Ok(None);
    }
    let sid = keyring.get(TWILIO_SID)?.ok_or(CredentialProblem::Missing)?;
    let token = keyring.get(TWILIO_TOKEN)?.ok_or(CredentialProblem::Missing)?;
    let opt = |s: &String| (!s.is_empty()).then(|| s.clone());
    Ok(Some(TwilioConfig {
        base_url: settings.twilio_base_url.clone(),
        account_sid: sid,
        auth_token: token,
        whatsapp_from: opt(&settings.twilio_whatsapp_from),
        sms_from: opt(&settings.twilio_sms_from),
        messaging_service_sid: opt(&settings.twilio_messaging_service_sid),
        content_sid: opt(&settings.twilio_content_sid),
        timeout: std::time::Duration::from_secs(20),
    }))
}

/// What the admin screen shows about credentials: never the secrets themselves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CredentialsView {
    pub gmail_configured: bool,
    pub gmail_address: String,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub twilio_configured: bool,
    pub whatsapp_from: String,
    pub sms_from: String,
    pub messaging_service_sid: String,
    pub content_sid: String,
    /// Why the keyring can't be read, when it can't.
    pub keyring_problem: Option<String>,
}

fn has_sender(settings: &DeliverySettings) -> bool {
    !(settings.twilio_whatsapp_from.is_empty() && settings.twilio_sms_from.is_empty() && settings.twilio_messaging_service_sid.is_empty())
}

pub fn view(settings: &DeliverySettings, keyring: &Keyring) -> CredentialsView {
    let gmail = keyring.get(GMAIL_PASSWORD).map(|p| p.is_some());
    let twilio = keyring.get(TWILIO_TOKEN).map(|p| p.is_some());
    let keyring_problem = gmail.as_ref().err().or(twilio.as_ref().err()).map(|e| e.user_message().to_owned());
    CredentialsView {
        // Set up means: the settings name an account and its secret is saved. A keyring that
        // can't be read right now doesn't make an account not set up (its messages wait, and
        // `keyring_problem` says why).
        gmail_configured: !settings.gmail_address.is_empty() && gmail.as_ref().map_or(true, |saved| *saved),
        gmail_address: settings.gmail_address.clone(),
        smtp_host: settings.smtp_host.clone(),
        smtp_port: settings.smtp_port,
        twilio_configured: has_sender(settings) && twilio.as_ref().map_or(true, |saved| *saved),
        whatsapp_from: settings.twilio_whatsapp_from.clone(),
        sms_from: settings.twilio_sms_from.clone(),
        messaging_service_sid: settings.twilio_messaging_service_sid.clone(),
        content_sid: settings.twilio_content_sid.clone(),
        keyring_problem,
    }
}
