//! Email through Gmail's SMTP (or any SMTP server) with lettre: 587 with STARTTLS by default,
//! or 465 with TLS from the first byte; authenticated with the clinic's address and an app
//! password from the keyring. Multipart text + HTML.

use std::time::Duration;

use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use super::failure::{self, Failure};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS, which is required (Gmail's port 587).
    Starttls,
    /// TLS from the first byte (Gmail's port 465).
    Tls,
}

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
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .finish_non_exhaustive()
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
        Ok(GmailSmtp { transport, from, host: config.host.clone() })
    }

    /// Send one email; `Ok` carries the server's reply line (Gmail's includes its queue id).
    #[tracing::instrument(skip_all, fields(host = %self.host))]
    pub async fn send(&self, email: &Email<'_>) -> Result<String, Failure> {
        let to: Mailbox = email.to.parse().map_err(|_| {
            failure::smtp(Some(553), None, "bad recipient")
        })?;
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
        tracing::warn!(detail = %detail, tls = err.is_tls(), timeout = err.is_timeout(), "email transport failed");
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
