//! Verification settings: the clinic's names and ranges (hospital_settings, category
//! 'verification') plus the desk's own. Stored one JSON value per name; anything not stored
//! takes its default, so a new setting needs no migration.

use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::contact::Channel;
use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    // --- the clinic system's names (HospitalSettingsService.DEFAULT_SETTINGS["verification"])
    pub require_phone_verification: bool,
    pub require_email_verification: bool,
    pub verification_required_for_staff: bool,
    pub verification_required_for_patients: bool,
    pub verification_grace_period_days: u32,
    pub otp_length: u8,
    pub otp_expiry_minutes: u32,
    pub max_otp_attempts: u32,
    // --- the desk's own
    pub clinic_name: String,
    pub default_language: String,
    /// Seconds between sends to the same person and contact.
    pub resend_cooldown_seconds: u32,
    pub max_sends_per_target_per_10_min: u32,
    pub max_sends_per_staff_per_hour: u32,
    pub max_sends_per_desk_per_hour: u32,
    pub max_sends_per_day: u32,
    /// A verification older than this needs doing again; 0 means it never expires.
    pub verification_validity_months: u32,
    /// Order in which phone channels are tried (WhatsApp first falls back to SMS).
    pub channel_order: Vec<Channel>,
    pub idle_lock_minutes: u32,
    // --- delivery (non-secret; passwords and tokens live in the keyring)
    pub gmail_address: String,
    pub email_from_name: String,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_tls: crate::delivery::email::SmtpTls,
    /// A CA certificate file (PEM) to trust besides the public ones; empty for Gmail.
    pub smtp_ca_file: String,
    /// Gmail's rolling 24-hour limit: 500 for personal accounts, 2,000 for Workspace.
    pub gmail_daily_limit: u32,
    pub twilio_base_url: String,
    pub twilio_whatsapp_from: String,
    pub twilio_sms_from: String,
    pub twilio_messaging_service_sid: String,
    pub twilio_content_sid: String,
    /// A WhatsApp message not delivered within this is followed by SMS.
    pub whatsapp_delivery_timeout_seconds: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            require_phone_verification: true,
            require_email_verification: true,
            verification_required_for_staff: true,
            verification_required_for_patients: true,
            verification_grace_period_days: 7,
            otp_length: 6,
            otp_expiry_minutes: 10,
            max_otp_attempts: 3,
            clinic_name: "Skinspire Clinic".into(),
            default_language: "en".into(),
            resend_cooldown_seconds: 30,
            max_sends_per_target_per_10_min: 5,
            max_sends_per_staff_per_hour: 60,
            max_sends_per_desk_per_hour: 120,
            max_sends_per_day: 500,
            verification_validity_months: 12,
            channel_order: vec![Channel::Whatsapp, Channel::Sms, Channel::Email],
            idle_lock_minutes: 5,
            gmail_address: String::new(),
            email_from_name: String::new(),
            smtp_host: "smtp.gmail.com".into(),
            smtp_port: 587,
            smtp_tls: crate::delivery::email::SmtpTls::Starttls,
            smtp_ca_file: String::new(),
            gmail_daily_limit: 500,
            twilio_base_url: crate::delivery::twilio::TWILIO_API.into(),
            twilio_whatsapp_from: String::new(),
            twilio_sms_from: String::new(),
            twilio_messaging_service_sid: String::new(),
            twilio_content_sid: String::new(),
            whatsapp_delivery_timeout_seconds: 120,
        }
    }
}

/// A setting's name as an admin reads it.
pub fn label(name: &str) -> String {
    let words = match name {
        "otp_length" => "Code length",
        "otp_expiry_minutes" => "Code lifetime (minutes)",
        "max_otp_attempts" => "Tries per code",
        "verification_grace_period_days" => "Grace period (days)",
        "resend_cooldown_seconds" => "Wait before resending (seconds)",
        "max_sends_per_target_per_10_min" => "Codes per contact in 10 minutes",
        "max_sends_per_staff_per_hour" => "Codes per staff member per hour",
        "max_sends_per_desk_per_hour" => "Codes per desk per hour",
        "max_sends_per_day" => "Codes per day",
        "verification_validity_months" => "Verification valid for (months)",
        "idle_lock_minutes" => "Lock after idle (minutes)",
        "clinic_name" => "Clinic name",
        "default_language" => "Default language",
        "channel_order" => "Channel order",
        "gmail_daily_limit" => "Gmail daily limit",
        "smtp_port" => "SMTP port",
        "whatsapp_delivery_timeout_seconds" => "Wait for WhatsApp delivery (seconds)",
        "twilio_base_url" => "Twilio address",
        other => return format!("The setting “{other}”"),
    };
    words.to_owned()
}

/// Languages the desk ships messages in.
pub const LANGUAGES: &[&str] = &["en", "hi", "kn", "ta", "te", "ml"];

fn range(name: &'static str, value: u64, min: u64, max: u64) -> Result<()> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(Error::SettingOutOfRange { name, min, max })
    }
}

impl Settings {
    pub fn validate(&self) -> Result<()> {
        range("otp_length", self.otp_length.into(), 4, 8)?;
        range("otp_expiry_minutes", self.otp_expiry_minutes.into(), 1, 60)?;
        range("max_otp_attempts", self.max_otp_attempts.into(), 1, 10)?;
        range("verification_grace_period_days", self.verification_grace_period_days.into(), 0, 30)?;
        range("resend_cooldown_seconds", self.resend_cooldown_seconds.into(), 10, 600)?;
        range("max_sends_per_target_per_10_min", self.max_sends_per_target_per_10_min.into(), 1, 20)?;
        range("max_sends_per_staff_per_hour", self.max_sends_per_staff_per_hour.into(), 1, 1_000)?;
        range("max_sends_per_desk_per_hour", self.max_sends_per_desk_per_hour.into(), 1, 2_000)?;
        range("max_sends_per_day", self.max_sends_per_day.into(), 1, 10_000)?;
        range("verification_validity_months", self.verification_validity_months.into(), 0, 120)?;
        range("idle_lock_minutes", self.idle_lock_minutes.into(), 1, 60)?;
        range("gmail_daily_limit", self.gmail_daily_limit.into(), 1, 10_000)?;
        range("smtp_port", self.smtp_port.into(), 1, 65_535)?;
        range("whatsapp_delivery_timeout_seconds", self.whatsapp_delivery_timeout_seconds.into(), 30, 600)?;
        if !(self.twilio_base_url.starts_with("https://") || self.twilio_base_url.starts_with("http://127.0.0.1") || self.twilio_base_url.starts_with("http://localhost")) {
            return Err(Error::InvalidSetting {
                name: "twilio_base_url".into(),
                reason: "must be an https:// address (plain http only for a test server on this computer)".into(),
            });
        }
        if self.clinic_name.trim().is_empty() || self.clinic_name.len() > 80 {
            return Err(Error::InvalidSetting { name: "clinic_name".into(), reason: "must be 1 to 80 characters".into() });
        }
        if !LANGUAGES.contains(&self.default_language.as_str()) {
            return Err(Error::InvalidSetting {
                name: "default_language".into(),
                reason: format!("must be one of {}", LANGUAGES.join(", ")),
            });
        }
        let mut seen = std::collections::HashSet::new();
        if self.channel_order.is_empty() || !self.channel_order.iter().all(|c| seen.insert(*c)) {
            return Err(Error::InvalidSetting {
                name: "channel_order".into(),
                reason: "must list each channel at most once, and at least one".into(),
            });
        }
        Ok(())
    }

    /// Stored values over the defaults.
    pub fn load(conn: &Connection) -> Result<Self> {
        let mut merged = defaults_map();
        let mut stmt = conn.prepare_cached("SELECT name, value FROM settings")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        for row in rows {
            let (name, value) = row?;
            // A setting a newer desk wrote, or a damaged value, must not stop this one working.
            if merged.contains_key(&name) {
                match serde_json::from_str(&value) {
                    Ok(v) => {
                        merged.insert(name, v);
                    }
                    Err(err) => tracing::warn!(%name, %err, "ignoring unreadable setting"),
                }
            }
        }
        let settings: Settings = serde_json::from_value(Value::Object(merged.clone()))
            .or_else(|err| {
                tracing::warn!(%err, "stored settings unreadable; using defaults");
                serde_json::from_value(Value::Object(defaults_map()))
            })
            .map_err(|e| Error::InvalidSetting { name: "settings".into(), reason: e.to_string() })?;
        Ok(if settings.validate().is_ok() { settings } else { Settings::default() })
    }

    /// Apply a partial update (`{"otp_length": 8}`), all or nothing.
    pub fn update(conn: &Connection, patch: &Map<String, Value>, by: &str, now: &str) -> Result<Self> {
        let mut merged = serde_json::to_value(Self::load(conn)?)
            .ok()
            .and_then(|v| v.as_object().cloned())
            .unwrap_or_default();
        for (name, value) in patch {
            if !merged.contains_key(name) {
                return Err(Error::InvalidSetting { name: name.clone(), reason: "is not a setting".into() });
            }
            merged.insert(name.clone(), value.clone());
        }
        let updated: Settings = serde_json::from_value(Value::Object(merged)).map_err(|e| {
            Error::InvalidSetting { name: patch.keys().cloned().collect::<Vec<_>>().join(", "), reason: e.to_string() }
        })?;
        updated.validate()?;
        let values = serde_json::to_value(&updated).ok().and_then(|v| v.as_object().cloned()).unwrap_or_default();
        for name in patch.keys() {
            let value = values.get(name).cloned().unwrap_or(Value::Null);
            conn.execute(
                "INSERT INTO settings (name, value, updated_at, updated_by) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (name) DO UPDATE SET value = excluded.value,
                     updated_at = excluded.updated_at, updated_by = excluded.updated_by",
                params![name, value.to_string(), now, by],
            )?;
        }
        Ok(updated)
    }
}

fn defaults_map() -> Map<String, Value> {
    serde_json::to_value(Settings::default()).ok().and_then(|v| v.as_object().cloned()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn store() -> (tempfile::TempDir, Store) {
        let tmp = tempfile::tempdir().expect("tempdir");
        let s = Store::open(&tmp.path().join("d.sqlite3")).expect("open");
        (tmp, s)
    }

    #[test]
    fn defaults_are_the_clinics() {
        let d = Settings::default();
        assert_eq!((d.otp_length, d.otp_expiry_minutes, d.max_otp_attempts), (6, 10, 3));
        assert_eq!(d.verification_grace_period_days, 7);
        d.validate().expect("defaults valid");
    }

    #[test]
    fn updates_persist_and_ranges_are_enforced() {
        let (_t, s) = store();
        let patch = serde_json::json!({"otp_length": 8, "resend_cooldown_seconds": 45});
        Settings::update(s.conn(), patch.as_object().expect("obj"), "admin", "t").expect("update");
        let loaded = Settings::load(s.conn()).expect("load");
        assert_eq!((loaded.otp_length, loaded.resend_cooldown_seconds), (8, 45));

        for (name, bad) in [("otp_length", 9), ("otp_length", 3), ("otp_expiry_minutes", 61),
                            ("max_otp_attempts", 0), ("verification_grace_period_days", 31)] {
            let patch = serde_json::json!({ name: bad });
            let err = Settings::update(s.conn(), patch.as_object().expect("obj"), "admin", "t").expect_err(name);
            assert!(matches!(err, Error::SettingOutOfRange { .. }), "{name}: {err:?}");
            assert!(err.user_message().contains("between"), "{}", err.user_message());
        }
        // Nothing of a refused update was kept.
        assert_eq!(Settings::load(s.conn()).expect("load").otp_length, 8);
    }

    #[test]
    fn unknown_names_and_wrong_types_are_refused() {
        let (_t, s) = store();
        let patch = serde_json::json!({"otp_lenght": 6});
        assert!(Settings::update(s.conn(), patch.as_object().expect("obj"), "a", "t").is_err());
        let patch = serde_json::json!({"otp_length": "six"});
        assert!(Settings::update(s.conn(), patch.as_object().expect("obj"), "a", "t").is_err());
        let patch = serde_json::json!({"channel_order": ["sms", "sms"]});
        assert!(Settings::update(s.conn(), patch.as_object().expect("obj"), "a", "t").is_err());
    }
}
