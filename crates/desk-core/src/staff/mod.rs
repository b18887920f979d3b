//! Staff accounts, sign-in and sessions. Roles are checked here, in Rust: the UI hides admin
//! screens from reception, but the commands refuse them whatever the UI does.

pub mod errors;
pub mod passwords;

use crate::error::AccessError;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use crate::clock::{local_hh_mm, parse_ts, ts};
use crate::error::{Error, Result};

/// Wrong passwords in a row before an account locks, and for how long.
pub const MAX_FAILED_SIGN_INS: u32 = 5;
pub const LOCK_MINUTES: i64 = 15;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::IntoStaticStr, strum::EnumString, specta::Type)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Role {
    Reception,
    Admin,
}

crate::sql_text!(Role);

impl Role {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Anything but "admin" reads as reception: the lesser right is the safe default.
    fn parse(s: &str) -> Role {
        s.parse().unwrap_or(Role::Reception)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct StaffView {
    pub user_id: String,
    pub display_name: String,
    pub role: Role,
    pub is_active: bool,
    pub locked: bool,
    pub last_login: Option<String>,
    pub source: String,
}

#[derive(Clone, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct NewStaff {
    pub user_id: String,
    pub display_name: String,
    pub role: Role,
    #[specta(type = String)]
    pub password: secrecy::SecretString,
}

fn check_password_policy(pw: &str) -> Result<()> {
    // NIST 800-63B: at least 8 characters, allow long passphrases, no composition rules.
    let n = pw.chars().count();
    if n < 8 {
        return Err(Error::InvalidInput("Use a password of at least 8 characters.".into()));
    }
    if n > 128 {
        return Err(Error::InvalidInput("That password is too long (128 characters at most).".into()));
    }
    Ok(())
}

fn check_user_id(id: &str) -> Result<String> {
    let id = id.trim();
    if id.len() < 3 || id.len() > 50 || !id.chars().all(|c| c.is_ascii_alphanumeric() || "._-+@".contains(c)) {
        return Err(Error::InvalidInput(
            "A user ID has 3 to 50 letters, digits, dots, dashes or @ (for example latha.k or +919845070003).".into(),
        ));
    }
    Ok(id.to_owned())
}

pub fn count(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT count(*) FROM staff_accounts", [], |r| r.get(0))?)
}

fn view_from_row(r: &rusqlite::Row<'_>, now: OffsetDateTime) -> rusqlite::Result<StaffView> {
    let locked_until: Option<String> = r.get(4)?;
    Ok(StaffView {
        user_id: r.get(0)?,
        display_name: r.get(1)?,
        role: Role::parse(&r.get::<_, String>(2)?),
        is_active: r.get(3)?,
        locked: locked_until.as_deref().and_then(parse_ts).is_some_and(|t| t > now),
        last_login: r.get(5)?,
        source: r.get(6)?,
    })
}

const COLUMNS: &str = "user_id, display_name, role, is_active, locked_until, last_login, source";

pub fn list(conn: &Connection, now: OffsetDateTime) -> Result<Vec<StaffView>> {
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM staff_accounts ORDER BY display_name COLLATE NOCASE"))?;
    let rows = stmt.query_map([], |r| view_from_row(r, now))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn get(conn: &Connection, user_id: &str, now: OffsetDateTime) -> Result<StaffView> {
    conn.query_row(&format!("SELECT {COLUMNS} FROM staff_accounts WHERE user_id = ?1"), [user_id], |r| view_from_row(r, now))
        .optional()?
        .ok_or_else(|| Error::InvalidInput("There is no staff account with that user ID.".into()))
}

/// Add an account (first admin, or by an admin).
pub fn add(conn: &Connection, by: &str, input: &NewStaff, now: OffsetDateTime) -> Result<StaffView> {
    use secrecy::ExposeSecret;
    let user_id = check_user_id(&input.user_id)?;
    let name = input.display_name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err(Error::InvalidInput("Type the staff member's name.".into()));
    }
    check_password_policy(input.password.expose_secret())?;
    let hash = passwords::hash(input.password.expose_secret()).map_err(|e| Error::InvalidInput(format!("The password couldn't be stored ({e}).")))?;
    let inserted = conn.execute(
        "INSERT INTO staff_accounts (user_id, display_name, role, password_hash, created_at, updated_at, created_by, updated_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?6) ON CONFLICT (user_id) DO NOTHING",
        params![user_id, name, input.role.as_str(), hash, ts(now), by],
    )?;
    if inserted == 0 {
        return Err(Error::InvalidInput("That user ID is already taken. Choose another.".into()));
    }
    tracing::info!(role = input.role.as_str(), "staff account added");
    get(conn, &user_id, now)
}

/// Check a user ID and password. Wrong guesses count towards a temporary lock.
pub fn sign_in(conn: &Connection, user_id: &str, password: &str, now: OffsetDateTime, offset: time::UtcOffset) -> Result<StaffView> {
    let row = conn
        .query_row(
            "SELECT password_hash, is_active, failed_attempts, locked_until FROM staff_accounts WHERE user_id = ?1",
            [user_id.trim()],
            |r| Ok((r.get::<_, Option<String>>(0)?, r.get::<_, bool>(1)?, r.get::<_, u32>(2)?, r.get::<_, Option<String>>(3)?)),
        )
        .optional()?;
    let Some((hash, active, failed, locked_until)) = row else {
        // Same words as a wrong password, and the same hashing work, so an unknown ID can't be
        // told apart from a known one.
        let _ = passwords::verify(password, Some(DUMMY_HASH.as_str()));
        return Err(Error::Access(AccessError::SignInFailed));
    };
    if let Some(until) = locked_until.as_deref().and_then(parse_ts).filter(|t| *t > now) {
        return Err(Error::Access(AccessError::AccountLocked { until: local_hh_mm(until, offset) }));
    }
    if !passwords::verify(password, hash.as_deref()) {
        let failed = failed + 1;
        let lock = (failed >= MAX_FAILED_SIGN_INS).then(|| now + Duration::minutes(LOCK_MINUTES));
        conn.execute(
            "UPDATE staff_accounts SET failed_attempts = ?2, locked_until = ?3 WHERE user_id = ?1",
            params![user_id.trim(), if lock.is_some() { 0 } else { failed }, lock.map(ts)],
        )?;
        tracing::warn!(locked = lock.is_some(), "failed sign-in");
        return match lock {
            Some(until) => Err(Error::Access(AccessError::AccountLocked { until: local_hh_mm(until, offset) })),
            None => Err(Error::Access(AccessError::SignInFailed)),
        };
    }
    if !active {
        return Err(Error::Access(AccessError::AccountDisabled));
    }
    conn.execute(
        "UPDATE staff_accounts SET failed_attempts = 0, locked_until = NULL, last_login = ?2 WHERE user_id = ?1",
        params![user_id.trim(), ts(now)],
    )?;
    get(conn, user_id.trim(), now)
}

/// A real argon2id hash (same cost as real accounts), verified against when the user ID is unknown.
static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| passwords::hash("no account has this password").unwrap_or_default());

fn active_admins(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT count(*) FROM staff_accounts WHERE role = 'admin' AND is_active = 1", [], |r| r.get(0))?)
}

fn last_admin_guard(conn: &Connection, user_id: &str) -> Result<()> {
    let is_active_admin: bool = conn
        .query_row("SELECT role = 'admin' AND is_active = 1 FROM staff_accounts WHERE user_id = ?1", [user_id], |r| r.get(0))
        .optional()?
        .unwrap_or(false);
    if is_active_admin && active_admins(conn)? <= 1 {
        return Err(Error::InvalidInput("This is the only administrator. Make someone else an administrator first.".into()));
    }
    Ok(())
}

pub fn set_active(conn: &Connection, by: &str, user_id: &str, active: bool, now: OffsetDateTime) -> Result<StaffView> {
    if !active {
        last_admin_guard(conn, user_id)?;
    }
    get(conn, user_id, now)?;
    conn.execute(
        "UPDATE staff_accounts SET is_active = ?2, updated_at = ?3, updated_by = ?4 WHERE user_id = ?1",
        params![user_id, active, ts(now), by],
    )?;
    get(conn, user_id, now)
}

pub fn set_role(conn: &Connection, by: &str, user_id: &str, role: Role, now: OffsetDateTime) -> Result<StaffView> {
    if role != Role::Admin {
        last_admin_guard(conn, user_id)?;
    }
    get(conn, user_id, now)?;
    conn.execute(
        "UPDATE staff_accounts SET role = ?2, updated_at = ?3, updated_by = ?4 WHERE user_id = ?1",
        params![user_id, role.as_str(), ts(now), by],
    )?;
    get(conn, user_id, now)
}

/// Set a new password (and lift any lock). Accounts from the clinic move to argon2 here.
pub fn reset_password(conn: &Connection, by: &str, user_id: &str, password: &str, now: OffsetDateTime) -> Result<StaffView> {
    check_password_policy(password)?;
    get(conn, user_id, now)?;
    let hash = passwords::hash(password).map_err(|e| Error::InvalidInput(format!("The password couldn't be stored ({e}).")))?;
    conn.execute(
        "UPDATE staff_accounts SET password_hash = ?2, failed_attempts = 0, locked_until = NULL,
             updated_at = ?3, updated_by = ?4 WHERE user_id = ?1",
        params![user_id, hash, ts(now), by],
    )?;
    get(conn, user_id, now)
}

/// The signed-in staff member at this desk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    pub user_id: String,
    pub display_name: String,
    pub role: Role,
    pub signed_in_at: String,
    #[serde(skip)]
    pub last_activity: Option<OffsetDateTime>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use secrecy::SecretString;
    use time::macros::datetime;

    fn store() -> (tempfile::TempDir, Store) {
        let tmp = tempfile::tempdir().expect("tempdir");
        let s = Store::open(&tmp.path().join("d.sqlite3")).expect("open");
        (tmp, s)
    }

    fn new(id: &str, role: Role) -> NewStaff {
        NewStaff { user_id: id.into(), display_name: "Latha K".into(), role, password: SecretString::from("front-desk-2026") }
    }

    const NOW: OffsetDateTime = datetime!(2026-11-24 04:30 UTC);

    #[test]
    fn sign_in_works_and_wrong_passwords_lock_the_account() {
        let (_t, s) = store();
        add(s.conn(), "setup", &new("latha.k", Role::Reception), NOW).expect("add");
        let v = sign_in(s.conn(), "latha.k", "front-desk-2026", NOW, time::UtcOffset::UTC).expect("sign in");
        assert_eq!(v.role, Role::Reception);
        assert!(v.last_login.is_some());
        for _ in 0..MAX_FAILED_SIGN_INS - 1 {
            assert!(matches!(sign_in(s.conn(), "latha.k", "nope", NOW, time::UtcOffset::UTC), Err(Error::Access(AccessError::SignInFailed))));
        }
        let e = sign_in(s.conn(), "latha.k", "nope", NOW, time::UtcOffset::UTC).expect_err("locks");
        assert_eq!(e.user_message(), "This account is locked after too many wrong passwords. Try again at 04:45, or ask an administrator.");
        // Locked: even the right password waits.
        assert!(matches!(sign_in(s.conn(), "latha.k", "front-desk-2026", NOW, time::UtcOffset::UTC), Err(Error::Access(AccessError::AccountLocked { .. }))));
        let later = NOW + Duration::minutes(16);
        sign_in(s.conn(), "latha.k", "front-desk-2026", later, time::UtcOffset::UTC).expect("unlocked later");
    }

    #[test]
    fn unknown_ids_and_wrong_passwords_read_the_same() {
        let (_t, s) = store();
        add(s.conn(), "setup", &new("latha.k", Role::Reception), NOW).expect("add");
        let a = sign_in(s.conn(), "nobody", "x", NOW, time::UtcOffset::UTC).expect_err("unknown");
        let b = sign_in(s.conn(), "latha.k", "x", NOW, time::UtcOffset::UTC).expect_err("wrong");
        assert_eq!(a.user_message(), b.user_message());
        assert_eq!(a.code(), b.code());
    }

    #[test]
    fn clinic_hashes_verify_and_plaintext_never_does() {
        let (_t, s) = store();
        let werkzeug = include_str!("testdata/werkzeug_scrypt.txt").trim();
        let bcrypt_hash = bcrypt::hash_with_result("Skinspire@123", 4).expect("bcrypt").format_for_version(bcrypt::Version::TwoA);
        for (id, hash) in [("from.flask", werkzeug), ("from.trigger", bcrypt_hash.as_str()), ("plain.left", "Skinspire@123")] {
            s.conn().execute(
                "INSERT INTO staff_accounts (user_id, display_name, role, password_hash, source, created_at, updated_at)
                 VALUES (?1, 'X', 'reception', ?2, 'clinic', 't', 't')",
                params![id, hash],
            ).expect("insert");
        }
        sign_in(s.conn(), "from.flask", "Skinspire@123", NOW, time::UtcOffset::UTC).expect("werkzeug scrypt");
        sign_in(s.conn(), "from.trigger", "Skinspire@123", NOW, time::UtcOffset::UTC).expect("bcrypt");
        assert!(sign_in(s.conn(), "plain.left", "Skinspire@123", NOW, time::UtcOffset::UTC).is_err());
    }

    #[test]
    fn the_last_admin_cannot_be_removed_and_disabled_accounts_cannot_sign_in() {
        let (_t, s) = store();
        add(s.conn(), "setup", &new("asha.admin", Role::Admin), NOW).expect("admin");
        add(s.conn(), "asha.admin", &new("latha.k", Role::Reception), NOW).expect("reception");
        assert!(set_role(s.conn(), "asha.admin", "asha.admin", Role::Reception, NOW).is_err());
        assert!(set_active(s.conn(), "asha.admin", "asha.admin", false, NOW).is_err());
        set_active(s.conn(), "asha.admin", "latha.k", false, NOW).expect("disable");
        assert!(matches!(sign_in(s.conn(), "latha.k", "front-desk-2026", NOW, time::UtcOffset::UTC), Err(Error::Access(AccessError::AccountDisabled))));
        set_active(s.conn(), "asha.admin", "latha.k", true, NOW).expect("enable");
        reset_password(s.conn(), "asha.admin", "latha.k", "a-new-passphrase", NOW).expect("reset");
        sign_in(s.conn(), "latha.k", "a-new-passphrase", NOW, time::UtcOffset::UTC).expect("new password");
        assert!(reset_password(s.conn(), "asha.admin", "latha.k", "short", NOW).is_err());
        assert!(add(s.conn(), "asha.admin", &new("latha.k", Role::Reception), NOW).is_err(), "taken");
    }
}
