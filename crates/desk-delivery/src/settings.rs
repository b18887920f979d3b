//! The providers' own settings (non-secret; passwords and tokens live in the keyring), declared
//! once in the settings table beside the core's. The core's settings know none of these.

use desk_core::settings::SettingsError;
use serde::{Deserialize, Serialize};

/// Twilio's API, the only non-local address the Twilio clients may use.
pub const TWILIO_API: &str = "https://api.twilio.com";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS, which is required (Gmail's port 587).
    Starttls,
    /// TLS from the first byte (Gmail's port 465).
    Tls,
}

desk_core::settings_table! {
    /// Gmail SMTP and Twilio: addresses, senders and limits.
    #[derive(specta::Type)]
    pub struct DeliverySettings {
        gmail_address: String = "", "Gmail address";
        email_from_name: String = "", "Sender name";
        smtp_host: String = "smtp.gmail.com", "SMTP server";
        smtp_port: u16 = 587u16, "SMTP port", 1..=65535;
        smtp_tls: SmtpTls = SmtpTls::Starttls, "SMTP security";
        /// A CA certificate file (PEM) to trust besides the public ones; empty for Gmail.
        smtp_ca_file: String = "", "CA certificate file";
        /// Gmail's rolling 24-hour limit: 500 for personal accounts, 2,000 for Workspace.
        gmail_daily_limit: u32 = 500u32, "Gmail daily limit", 1..=10000;
        twilio_base_url: String = TWILIO_API, "Twilio address";
        twilio_whatsapp_from: String = "", "WhatsApp sender";
        twilio_sms_from: String = "", "SMS sender";
        twilio_messaging_service_sid: String = "", "Messaging Service SID";
        twilio_content_sid: String = "", "WhatsApp template (ContentSid)";
        /// A WhatsApp message not delivered within this is followed by SMS.
        whatsapp_delivery_timeout_seconds: u32 = 120u32, "Wait for WhatsApp delivery (seconds)", 30..=600;
    }
}

impl DeliverySettings {
    fn rules(&self) -> Result<(), SettingsError> {
        use desk_core::settings::SettingsGroup;
        if !twilio_url_allowed(&self.twilio_base_url) {
            if let Some(def) = Self::def("twilio_base_url") {
                return Err(SettingsError::invalid(
                    def,
                    "must be https://api.twilio.com (or, for a test server, an address on this computer)",
                ));
            }
        }
        Ok(())
    }
}

/// Where the Twilio account's secrets may be sent, decided by parsing the URL (a prefix check
/// would let `http://127.0.0.1@evil.example` through): Twilio's own API over https, or a
/// loopback address (a local contract server in tests). No user name or password in the URL.
pub fn twilio_url_allowed(raw: &str) -> bool {
    let Ok(url) = reqwest::Url::parse(raw.trim()) else {
        return false;
    };
    if !url.username().is_empty() || url.password().is_some() || url.query().is_some() || url.fragment().is_some() {
        return false;
    }
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    match url.scheme() {
        "https" => loopback || (url.host_str() == Some("api.twilio.com") && url.port().is_none() && matches!(url.path(), "" | "/")),
        "http" => loopback,
        _ => false,
    }
}

#[cfg(test)]
mod url_tests {
    use super::twilio_url_allowed;

    #[test]
    fn only_twilio_or_this_computer_gets_the_secrets() {
        for ok in [
            "https://api.twilio.com",
            "https://api.twilio.com/",
            "http://127.0.0.1:4010",
            "http://localhost:4010",
            "https://127.0.0.1:8443",
            "http://[::1]:4010",
        ] {
            assert!(twilio_url_allowed(ok), "{ok}");
        }
        for bad in [
            "http://127.0.0.1@evil.example",
            "http://127.0.0.1:4010@evil.example",
            "https://api.twilio.com@evil.example",
            "https://api.twilio.com.evil.example",
            "http://api.twilio.com",
            "https://evil.example",
            "http://localhost.evil.example",
            "https://user:pw@api.twilio.com",
            "https://api.twilio.com:8443",
            "ftp://127.0.0.1",
            "127.0.0.1:4010",
            "",
        ] {
            assert!(!twilio_url_allowed(bad), "{bad}");
        }
    }
}
