//! Settings: one JSON value per name in the `settings` table (this module owns it), read over
//! the defaults so a new setting needs no migration. Each group declares its settings once in a
//! [`settings_table!`](crate::settings_table): the core's are below (the clinic's names from
//! `hospital_settings`, category 'verification', plus the desk's own); each provider declares
//! its own in its crate, so this module knows no provider types.

pub mod table;

use rusqlite::{params, Connection};
use serde_json::{Map, Value};

use crate::channel::Channel;
use crate::error::Result;
use crate::language;

pub use table::{SettingDef, SettingsError, SettingsGroup};

crate::settings_table! {
    /// The verification policy and the desk's own settings.
    #[derive(specta::Type)]
    pub struct Settings {
        // --- the clinic system's names (HospitalSettingsService.DEFAULT_SETTINGS["verification"])
        require_phone_verification: bool = true, "Mobile numbers must be verified";
        require_email_verification: bool = true, "Email addresses must be verified";
        verification_required_for_staff: bool = true, "Staff must verify their contacts";
        verification_required_for_patients: bool = true, "Patients must verify their contacts";
        verification_grace_period_days: u32 = 7u32, "Grace period (days)", 0..=30;
        otp_length: u8 = 6u8, "Code length", 4..=8;
        otp_expiry_minutes: u32 = 10u32, "Code lifetime (minutes)", 1..=60;
        max_otp_attempts: u32 = 3u32, "Tries per code", 1..=10;
        // --- the desk's own
        clinic_name: String = "Skinspire Clinic", "Clinic name";
        default_language: String = "en", "Default language";
        /// Seconds between sends to the same person and contact.
        resend_cooldown_seconds: u32 = 30u32, "Wait before resending (seconds)", 10..=600;
        max_sends_per_target_per_10_min: u32 = 5u32, "Codes per contact in 10 minutes", 1..=20;
        max_sends_per_staff_per_hour: u32 = 60u32, "Codes per staff member per hour", 1..=1000;
        max_sends_per_desk_per_hour: u32 = 120u32, "Codes per desk per hour", 1..=2000;
        max_sends_per_day: u32 = 500u32, "Codes per day", 1..=10000;
        /// A verification older than this needs doing again; 0 means it never expires.
        verification_validity_months: u32 = 12u32, "Verification valid for (months)", 0..=120;
        /// Order in which channels are tried (WhatsApp first falls back to SMS).
        channel_order: Vec<Channel> = vec![Channel::WHATSAPP, Channel::SMS, Channel::EMAIL], "Channel order";
        idle_lock_minutes: u32 = 5u32, "Lock after idle (minutes)", 1..=60;
        /// Backups of the desk's data kept in its backups folder (one a day, and any made by hand).
        backups_kept: u32 = 7u32, "Backups kept", 1..=90;
    }
}

impl Settings {
    fn rules(&self) -> Result<(), SettingsError> {
        let invalid = |name: &str, reason: String| match Self::def(name) {
            Some(def) => SettingsError::invalid(def, reason),
            None => SettingsError::Unknown { name: name.into() },
        };
        if self.clinic_name.trim().is_empty() || self.clinic_name.len() > 80 {
            return Err(invalid("clinic_name", "must be 1 to 80 characters".into()));
        }
        if !language::is_shipped(&self.default_language) {
            return Err(invalid("default_language", format!("must be one of {}", language::codes().collect::<Vec<_>>().join(", "))));
        }
        let mut seen = std::collections::HashSet::new();
        if self.channel_order.is_empty() || !self.channel_order.iter().all(|c| seen.insert(*c)) {
            return Err(invalid("channel_order", "must list each channel at most once, and at least one".into()));
        }
        Ok(())
    }

    /// Stored values over the defaults.
    pub fn load(conn: &Connection) -> Result<Self> {
        load(conn)
    }

    /// Apply a partial update (`{"otp_length": 8}`), all or nothing.
    pub fn update(conn: &Connection, patch: &Map<String, Value>, by: &str, now: &str) -> Result<Self> {
        update(conn, patch, by, now)
    }
}

/// The desk's security floor (NIST SP 800-63B, OWASP ASVS 2.7): codes of at least 6 digits, and
/// codes by SMS or WhatsApp live at most 10 minutes. The clinic system allows 4–8 digits and
/// 1–60 minutes, so a stored or synced value may be below it: the desk then uses its floor and
/// tells the admin (see [`Settings::floor_notices`]).
pub const MIN_CODE_LENGTH: u8 = 6;
pub const MAX_PHONE_CODE_MINUTES: u32 = 10;

/// A setting the desk doesn't use as it stands, because it is below the security floor.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct FloorNotice {
    pub setting: String,
    pub stored: u32,
    pub used: u32,
    /// Plain words for the admin.
    pub message: String,
}

impl Settings {
    /// The code length the desk issues: the setting, raised to the floor.
    pub fn code_length(&self) -> u8 {
        self.otp_length.max(MIN_CODE_LENGTH)
    }

    /// How long a code lives on a channel of this contact type: the setting, capped for codes
    /// that go by SMS or WhatsApp.
    pub fn code_minutes(&self, code_type: crate::contact::CodeType) -> u32 {
        match code_type {
            crate::contact::CodeType::Phone => self.otp_expiry_minutes.min(MAX_PHONE_CODE_MINUTES),
            crate::contact::CodeType::Email => self.otp_expiry_minutes,
        }
    }

    /// The settings the desk overrides with its floor, and why.
    pub fn floor_notices(&self) -> Vec<FloorNotice> {
        let mut out = Vec::new();
        if self.otp_length < MIN_CODE_LENGTH {
            out.push(FloorNotice {
                setting: "otp_length".into(),
                stored: self.otp_length.into(),
                used: MIN_CODE_LENGTH.into(),
                message: format!(
                    "Codes are set to {} digits, below the {MIN_CODE_LENGTH} that security standards ask for: the desk sends {MIN_CODE_LENGTH}-digit codes.",
                    self.otp_length
                ),
            });
        }
        if self.otp_expiry_minutes > MAX_PHONE_CODE_MINUTES {
            out.push(FloorNotice {
                setting: "otp_expiry_minutes".into(),
                stored: self.otp_expiry_minutes,
                used: MAX_PHONE_CODE_MINUTES,
                message: format!(
                    "Codes are set to last {} minutes: codes by SMS or WhatsApp last {MAX_PHONE_CODE_MINUTES} minutes at most, as security standards ask; codes by email last the {} minutes set.",
                    self.otp_expiry_minutes, self.otp_expiry_minutes
                ),
            });
        }
        out
    }
}

/// One setting as the admin screen shows it: the table's line and its default.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SettingSchema {
    #[serde(flatten)]
    pub def: SettingDef,
    pub default: Value,
}

/// A group's table, with defaults: what the UI's settings screen and its test fixtures read.
pub fn schema<G: SettingsGroup>() -> Vec<SettingSchema> {
    let defaults = defaults_map::<G>();
    G::DEFS.iter().map(|d| SettingSchema { def: *d, default: defaults.get(d.name).cloned().unwrap_or(Value::Null) }).collect()
}

/// Whether `G` declares a setting of this name.
pub fn knows<G: SettingsGroup>(name: &str) -> bool {
    G::def(name).is_some()
}

/// A group's stored values over its defaults. A value a newer desk wrote, or a damaged one,
/// must not stop this desk working: it is skipped (and logged), and a group that no longer
/// validates as a whole falls back to its defaults.
pub fn load<G: SettingsGroup>(conn: &Connection) -> Result<G> {
    let mut merged = defaults_map::<G>();
    let mut stmt = conn.prepare_cached("SELECT name, value FROM settings")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    for row in rows {
        let (name, value) = row?;
        if G::def(&name).is_none() {
            continue;
        }
        match serde_json::from_str(&value) {
            Ok(v) => {
                merged.insert(name, v);
            }
            Err(err) => tracing::warn!(%name, %err, "ignoring unreadable setting"),
        }
    }
    // The clinic's values over the desk's, each only if the group still holds together with it
    // (the clinic's ranges are its own).
    let mut stmt = conn.prepare_cached("SELECT name, value FROM settings_central")?;
    let central: Vec<(String, String)> = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
    for (name, value) in central {
        if G::def(&name).is_none() {
            continue;
        }
        let Ok(v) = serde_json::from_str::<Value>(&value) else { continue };
        let mut trial = merged.clone();
        trial.insert(name.clone(), v);
        match serde_json::from_value::<G>(Value::Object(trial.clone())).map(|g| g.validate()) {
            Ok(Ok(())) => merged = trial,
            _ => tracing::warn!(%name, "the clinic's value for this setting doesn't fit the desk's; the desk's own is used"),
        }
    }
    let settings: G = serde_json::from_value(Value::Object(merged)).unwrap_or_else(|err| {
        tracing::warn!(%err, "stored settings unreadable; using defaults");
        G::default()
    });
    Ok(if settings.validate().is_ok() { settings } else { G::default() })
}

/// Apply the part of `patch` that names `G`'s settings, all or nothing; names `G` doesn't
/// declare are the caller's to route (or refuse).
pub fn update<G: SettingsGroup>(conn: &Connection, patch: &Map<String, Value>, by: &str, now: &str) -> Result<G> {
    let mut merged = serde_json::to_value(load::<G>(conn)?).ok().and_then(|v| v.as_object().cloned()).unwrap_or_default();
    let mine: Vec<&String> = patch.keys().filter(|n| G::def(n).is_some()).collect();
    for name in &mine {
        merged.insert((*name).clone(), patch[name.as_str()].clone());
    }
    let updated: G = serde_json::from_value(Value::Object(merged)).map_err(|e| {
        let name = mine.iter().map(|n| n.as_str()).collect::<Vec<_>>().join(", ");
        SettingsError::Invalid { label: format!("The setting “{name}”"), name, reason: format!("has the wrong type ({e})") }
    })?;
    updated.validate()?;
    let values = serde_json::to_value(&updated).ok().and_then(|v| v.as_object().cloned()).unwrap_or_default();
    for name in mine {
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

/// Replace the clinic's settings with those the last pull brought (only names the desk knows).
pub fn set_central(conn: &Connection, values: &Map<String, Value>, known: &[fn(&str) -> bool], now: &str) -> Result<()> {
    let current: Map<String, Value> = central(conn)?;
    let wanted: Map<String, Value> =
        values.iter().filter(|(k, _)| known.iter().any(|f| f(k))).map(|(k, v)| (k.clone(), v.clone())).collect();
    if current == wanted {
        return Ok(());
    }
    conn.execute("DELETE FROM settings_central", [])?;
    for (name, value) in &wanted {
        conn.execute("INSERT INTO settings_central (name, value, updated_at) VALUES (?1, ?2, ?3)", params![name, value.to_string(), now])?;
    }
    Ok(())
}

/// The clinic's settings as the desk holds them.
pub fn central(conn: &Connection) -> Result<Map<String, Value>> {
    let mut stmt = conn.prepare_cached("SELECT name, value FROM settings_central ORDER BY name")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    let mut out = Map::new();
    for row in rows {
        let (k, v) = row?;
        if let Ok(v) = serde_json::from_str(&v) {
            out.insert(k, v);
        }
    }
    Ok(out)
}

/// Changes when the clinic's settings do (the engine's cache compares it).
pub fn central_stamp(conn: &Connection) -> Result<String> {
    // The values themselves (a handful of rows): a time could repeat on a desk's manual clock.
    Ok(conn.query_row(
        "SELECT coalesce(group_concat(name || '=' || value, ';'), '') FROM (SELECT name, value FROM settings_central ORDER BY name)",
        [],
        |r| r.get(0),
    )?)
}

/// Refuse names no group declares (the facade calls this with every group it holds).
pub fn refuse_unknown(patch: &Map<String, Value>, known: &[fn(&str) -> bool]) -> std::result::Result<(), SettingsError> {
    match patch.keys().find(|n| !known.iter().any(|k| k(n))) {
        Some(name) => Err(SettingsError::Unknown { name: name.clone() }),
        None => Ok(()),
    }
}

fn defaults_map<G: SettingsGroup>() -> Map<String, Value> {
    serde_json::to_value(G::default()).ok().and_then(|v| v.as_object().cloned()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use crate::test_support::temp_store as store;

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

        for (name, bad) in [
            ("otp_length", 9),
            ("otp_length", 3),
            ("otp_expiry_minutes", 61),
            ("max_otp_attempts", 0),
            ("verification_grace_period_days", 31),
        ] {
            let patch = serde_json::json!({ name: bad });
            let err = Settings::update(s.conn(), patch.as_object().expect("obj"), "admin", "t").expect_err(name);
            assert!(matches!(err, Error::Settings(SettingsError::OutOfRange { .. })), "{name}: {err:?}");
            assert!(err.user_message().contains("between"), "{}", err.user_message());
        }
        // Nothing of a refused update was kept.
        assert_eq!(Settings::load(s.conn()).expect("load").otp_length, 8);
    }

    #[test]
    fn unknown_names_and_wrong_types_are_refused() {
        let (_t, s) = store();
        let patch = serde_json::json!({"otp_lenght": 6});
        assert!(refuse_unknown(patch.as_object().expect("obj"), &[knows::<Settings>]).is_err());
        let patch = serde_json::json!({"otp_length": "six"});
        assert!(Settings::update(s.conn(), patch.as_object().expect("obj"), "a", "t").is_err());
        let patch = serde_json::json!({"channel_order": ["sms", "sms"]});
        assert!(Settings::update(s.conn(), patch.as_object().expect("obj"), "a", "t").is_err());
    }
}
