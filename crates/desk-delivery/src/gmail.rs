//! Email through Gmail's SMTP (or any SMTP server) with lettre: 587 with STARTTLS by default,
//! or 465 with TLS from the first byte; authenticated with the clinic's address and an app
//! password from the keyring. Multipart text + HTML.

use std::sync::Arc;

use async_trait::async_trait;
use desk_core::channel::Channel;
use desk_core::contact;
use desk_core::secrets::Keyring;
use desk_core::settings::Settings;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;

use crate::credentials::SmtpConfig;
use crate::failure::{self, Failure};
use crate::provider::{Built, Outgoing, Provider, Quota, Registration};
use crate::settings::{DeliverySettings, SmtpTls};

/// Email through Gmail SMTP, made when the address is set and the app password is in the keyring.
pub const REGISTRATION: Registration = Registration { channel: Channel::EMAIL, name: "gmail", build };

fn build(core: &Settings, ds: &DeliverySettings, keyring: &Keyring) -> Built {
    match crate::credentials::smtp_config(ds, &core.clinic_name, keyring) {
        Ok(Some(cfg)) => match GmailSmtp::new(&cfg) {
            Ok(mut gmail) => {
                gmail.daily_limit = ds.gmail_daily_limit;
                Built::Ready(Arc::new(gmail))
            }
            Err(f) => Built::Unusable(f),
        },
        Ok(None) => Built::NotConfigured,
        // Set up, but its password can't be read: a problem to show, never demo mode.
        Err(e) => Built::Unusable(Failure::credentials(&e, "Gmail")),
    }
}

/// One email to send. Text and HTML contain the code: never log them.
pub struct Email<'a> {
    pub to: &'a str,
    pub subject: &'a str,
    pub text: &'a str,
    pub html: &'a str,
    pub language: &'a str,
    /// Our idempotency key, carried as the Message-ID so a duplicate is recognisable.
    pub message_id: &'a str,
}

pub struct GmailSmtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    host: String,
    /// Gmail's rolling 24-hour limit for this account.
    daily_limit: u32,
}

/// Gmail's reply when the account's daily limit is used up.
pub const QUOTA_EXHAUSTED: &str = "550 5.4.5";

#[async_trait]
impl Provider for GmailSmtp {
    fn vendor(&self) -> &'static str {
        "gmail"
    }

    fn channel(&self) -> Channel {
        Channel::EMAIL
    }

    async fn send(&self, m: &Outgoing<'_>) -> Result<String, Failure> {
        let reply = GmailSmtp::send(
            self,
            &Email {
                to: m.to,
                subject: m.subject.unwrap_or(""),
                text: m.text,
                html: m.html.unwrap_or(""),
                language: m.language,
                message_id: m.idempotency_key,
            },
        )
        .await?;
        Ok(format!("smtp:{}", reply.chars().take(120).collect::<String>()))
    }

    async fn send_test(&self, to: &str, clinic_name: &str, test_id: &str) -> Result<String, Failure> {
        let text = format!("This is a test message from {clinic_name} (Skinspire Verify Desk). Email is working. No action needed.");
        GmailSmtp::send(
            self,
            &Email {
                to,
                subject: "Test message from the verify desk",
                text: &text,
                html: &format!("<p>{text}</p>"),
                language: "en",
                message_id: test_id,
            },
        )
        .await
        .map(|_| format!("Gmail accepted the test message for {}.", contact::mask_email(to)))
    }

    fn classify(&self, _error_code: Option<i64>) -> Failure {
        // Email has no delivery receipts; a refusal is classified from the SMTP reply at send.
        failure::smtp(Some(554), None, "refused")
    }

    fn quota(&self) -> Option<Quota> {
        Some(Quota { daily_limit: self.daily_limit, exhausted_code: QUOTA_EXHAUSTED })
    }
}

impl GmailSmtp {
    pub fn new(config: &SmtpConfig) -> Result<Self, Failure> {
        let setup = |detail: String| {
            let mut f = failure::smtp(None, None, "configuration");
            f.action = failure::Action::Stop;
            f.message = "The clinic's email settings can't be used. Ask an administrator.".into();
            f.admin_message = Some(format!("Email settings problem: {detail}"));
            f
        };
        let mut params = TlsParameters::builder(config.host.clone());
        if let Some(pem) = &config.extra_ca_pem {
            let cert = Certificate::from_pem(pem).map_err(|e| setup(format!("the CA certificate file can't be read ({e})")))?;
            params = params.add_root_certificate(cert);
        }
        let params = params.build().map_err(|e| setup(e.to_string()))?;
        let tls = match config.tls {
            SmtpTls::Starttls => Tls::Required(params),
            SmtpTls::Tls => Tls::Wrapper(params),
        };
        let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(config.host.as_str())
            .port(config.port)
            .tls(tls)
            .credentials(Credentials::new(config.address.clone(), config.password.expose_secret().to_owned()))
            .timeout(Some(config.timeout))
            .build();
        let from = format!("{} <{}>", config.from_name.replace(['<', '>', '"'], ""), config.address)
            .parse::<Mailbox>()
            .map_err(|e| setup(format!("the sender address isn't valid ({e})")))?;
        Ok(GmailSmtp { transport, from, host: config.host.clone(), daily_limit: 500 })
    }

    /// Send one email; `Ok` carries the server's reply line (Gmail's includes its queue id).
    #[tracing::instrument(skip_all, fields(host = %self.host))]
    pub async fn send(&self, email: &Email<'_>) -> Result<String, Failure> {
        let to: Mailbox = email.to.parse().map_err(|_| failure::smtp(Some(553), None, "bad recipient"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject)
            .message_id(Some(format!("<{}@verify-desk.skinspire>", email.message_id)))
            // Mark it as machine-sent so auto-replies and vacation notices stay away.
            .raw_header(HeaderValue::new(HeaderName::new_from_ascii_str("Auto-Submitted"), "auto-generated".into()))
            .raw_header(HeaderValue::new(HeaderName::new_from_ascii_str("Content-Language"), email.language.into()))
            .multipart(
                MultiPart::alternative()
                    .singlepart(SinglePart::builder().header(ContentType::TEXT_PLAIN).body(email.text.to_owned()))
                    .singlepart(SinglePart::builder().header(ContentType::TEXT_HTML).body(email.html.to_owned())),
            )
            .map_err(|e| {
                let mut f = failure::smtp(Some(554), None, "message build");
                f.admin_message = Some(format!("The email couldn't be built: {e}"));
                f
            })?;
        match self.transport.send(message).await {
            Ok(response) => Ok(response.message().collect::<Vec<_>>().join(" ")),
            Err(err) => Err(classify(&err)),
        }
    }

    /// Connect, STARTTLS/TLS and authenticate, without sending: the "test" for the admin.
    pub async fn check_login(&self) -> Result<(), Failure> {
        match self.transport.test_connection().await {
            Ok(true) => Ok(()),
            Ok(false) => Err(failure::smtp(None, None, "connection refused")),
            Err(err) => Err(classify(&err)),
        }
    }
}

/// lettre's error → reply code, enhanced status ("5.7.8") and the text to look at.
fn classify(err: &lettre::transport::smtp::Error) -> Failure {
    let detail = error_chain(err);
    let code = err.status().and_then(|c| c.to_string().parse::<u16>().ok());
    let enhanced = enhanced_status(&detail);
    if code.is_none() {
        tracing::warn!(detail = %desk_core::logging::redact(&detail.to_string()), tls = err.is_tls(), timeout = err.is_timeout(), "email transport failed");
    } else {
        tracing::warn!(code, enhanced = ?enhanced, "email server refused");
    }
    failure::smtp(code, enhanced.as_deref(), &detail)
}

fn error_chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// The first RFC 3463 enhanced status code ("x.y.z") in a server reply.
fn enhanced_status(text: &str) -> Option<String> {
    text.split(|c: char| c.is_whitespace() || c == '-' || c == ',')
        .find(|w| {
            let parts: Vec<_> = w.split('.').collect();
            parts.len() == 3
                && matches!(parts[0], "2" | "4" | "5")
                && parts[1..].iter().all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()))
        })
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enhanced_codes_are_found_in_replies() {
        assert_eq!(enhanced_status("permanent error (535): 5.7.8 Username and Password not accepted").as_deref(), Some("5.7.8"));
        assert_eq!(enhanced_status("550-5.4.5 Daily user sending limit exceeded").as_deref(), Some("5.4.5"));
        assert_eq!(enhanced_status("connection refused"), None);
        assert_eq!(enhanced_status("version 1.2.3 of"), None);
    }
}
