//! Where the clinic's database is and how often to sync (non-secret; the desk role's password
//! lives in the keyring under [`PASSWORD_ITEM`]).

use desk_core::settings::SettingsError;

/// The keyring item holding the desk role's password.
pub const PASSWORD_ITEM: &str = "clinic_db_password";

desk_core::settings_table! {
    /// The clinic's PostgreSQL server, as its DBA gave it (docs/clinic-dba-guide.md).
    #[derive(specta::Type)]
    pub struct SyncSettings {
        /// The server's host name, as its certificate names it (TLS checks the name).
        clinic_host: String = "", "Clinic server";
        clinic_port: u16 = 5432u16, "Port", 1..=65535;
        clinic_database: String = "", "Database";
        /// The desk's own login role, made by the DBA's `desk_sync.enroll`.
        clinic_role: String = "", "Desk role";
        /// The CA certificate (PEM) that signed the server's certificate; empty: the public ones.
        clinic_ca_file: String = "", "CA certificate file";
        /// How often sync runs by itself (it also runs when the network comes back).
        sync_interval_minutes: u32 = 5u32, "Sync every (minutes)", 1..=60;
    }
}

/// Settings a password is bound to: changing where the password goes needs it typed again, so
/// an edited host can't receive the stored one.
pub const BOUND_TO_PASSWORD: &[&str] = &["clinic_host", "clinic_port", "clinic_database", "clinic_role"];

impl SyncSettings {
    fn rules(&self) -> Result<(), SettingsError> {
        use desk_core::settings::SettingsGroup;
        let host = self.clinic_host.trim();
        if host.contains(|c: char| c.is_whitespace() || c == '/' || c == '@') {
            if let Some(def) = Self::def("clinic_host") {
                return Err(SettingsError::invalid(def, "must be a host name or address, without spaces, slashes or @"));
            }
        }
        let role = self.clinic_role.trim();
        if !role.is_empty() && !role.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            if let Some(def) = Self::def("clinic_role") {
                return Err(SettingsError::invalid(def, "must be the role name the DBA gave (letters, digits and _)"));
            }
        }
        Ok(())
    }

    /// Enough is set to try a connection.
    pub fn configured(&self) -> bool {
        !self.clinic_host.trim().is_empty() && !self.clinic_database.trim().is_empty() && !self.clinic_role.trim().is_empty()
    }
}

/// The desk role's password from the keyring, as sync reads it at each round.
pub fn read_password(keyring: &desk_core::secrets::Keyring) -> Result<secrecy::SecretString, crate::errors::SyncError> {
    match keyring.get(PASSWORD_ITEM) {
        Ok(Some(p)) => Ok(p),
        Ok(None) => Err(crate::errors::SyncError::PasswordMissing),
        Err(e) => Err(crate::errors::SyncError::Keyring(e.user_message())),
    }
}
