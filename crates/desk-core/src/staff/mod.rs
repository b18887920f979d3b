//! Staff accounts, sign-in and sessions. Roles are checked here, in Rust: the UI hides admin
//! screens from reception, but the commands refuse them whatever the UI does.

pub mod clinic;
pub mod errors;
pub mod passwords;
pub mod recovery;
pub mod signin;

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;

use crate::clock::ts;
use crate::error::{Error, Result};
use crate::events::{self, EventKind, Journal, NewEvent, Outcome};

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
    pub(crate) fn parse(s: &str) -> Role {
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

fn view_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StaffView> {
    Ok(StaffView {
        user_id: r.get(0)?,
        display_name: r.get(1)?,
        role: Role::parse(&r.get::<_, String>(2)?),
        is_active: r.get(3)?,
        locked: false,
        last_login: r.get(4)?,
        source: r.get(5)?,
    })
}

const COLUMNS: &str = "user_id, display_name, role, is_active, last_login, source";

pub fn list(conn: &Connection, now: OffsetDateTime) -> Result<Vec<StaffView>> {
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM staff_accounts ORDER BY display_name COLLATE NOCASE"))?;
    let rows = stmt.query_map([], view_from_row)?;
    let mut out: Vec<StaffView> = rows.collect::<rusqlite::Result<_>>()?;
    for v in &mut out {
        v.locked = signin::is_held(conn, &v.user_id, now)?;
    }
    Ok(out)
}

fn get(conn: &Connection, user_id: &str, now: OffsetDateTime) -> Result<StaffView> {
    let mut v = conn
        .query_row(&format!("SELECT {COLUMNS} FROM staff_accounts WHERE user_id = ?1"), [user_id], view_from_row)
        .optional()?
        .ok_or_else(|| Error::InvalidInput("There is no staff account with that user ID.".into()))?;
    v.locked = signin::is_held(conn, user_id, now)?;
    Ok(v)
}

/// The account's role and whether it is active, read afresh (every privileged command checks
/// it, so a demoted or disabled account loses its rights at once). `None`: no such account.
pub fn current(conn: &Connection, user_id: &str) -> Result<Option<(Role, bool)>> {
    Ok(conn
        .query_row("SELECT role, is_active FROM staff_accounts WHERE user_id = ?1", [user_id], |r| {
            Ok((Role::parse(&r.get::<_, String>(0)?), r.get::<_, bool>(1)?))
        })
        .optional()?)
}

fn staff_event(
    tx: &Transaction<'_>,
    j: &Journal,
    kind: EventKind,
    by: &str,
    user_id: &str,
    detail: serde_json::Value,
    now: OffsetDateTime,
) -> Result<()> {
    events::append(tx, j, now, &NewEvent::action(user_id, kind, by, Outcome::Done, Some(detail)))?;
    Ok(())
}

/// Add an account (first admin, or by an admin).
pub fn add(conn: &Transaction<'_>, j: &Journal, by: &str, input: &NewStaff, now: OffsetDateTime) -> Result<StaffView> {
    use secrecy::ExposeSecret;
    let user_id = check_user_id(&input.user_id)?;
    let name = input.display_name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err(Error::InvalidInput("Type the staff member's name.".into()));
    }
    check_password_policy(input.password.expose_secret())?;
    let hash = passwords::hash(input.password.expose_secret())
        .map_err(|e| Error::InvalidInput(format!("The password couldn't be stored ({e}).")))?;
    let inserted = conn.execute(
        "INSERT INTO staff_accounts (user_id, display_name, role, password_hash, created_at, updated_at, created_by, updated_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?6) ON CONFLICT (user_id) DO NOTHING",
        params![user_id, name, input.role.as_str(), hash, ts(now), by],
    )?;
    if inserted == 0 {
        return Err(Error::InvalidInput("That user ID is already taken. Choose another.".into()));
    }
    staff_event(conn, j, EventKind::StaffAdded, by, &user_id, json!({"role": input.role.as_str()}), now)?;
    tracing::info!(role = input.role.as_str(), "staff account added");
    get(conn, &user_id, now)
}

/// Check a user ID and password (see [`signin`] for the throttles). The password check runs
/// between the two store steps; here, for callers that hold a connection, all in one.
pub fn sign_in(
    conn: &mut Connection,
    j: &Journal,
    user_id: &str,
    password: &str,
    now: OffsetDateTime,
    offset: time::UtcOffset,
) -> Result<StaffView> {
    let attempt = signin::begin(conn, user_id, now, offset)?;
    let ok = check_password(&attempt, password);
    let tx = conn.transaction()?;
    let result = signin::finish(&tx, j, &attempt, ok, now, offset);
    tx.commit()?;
    get(conn, &result?, now)
}

/// The slow part of a sign-in, with no store lock held: the account's hash, or the dummy hash
/// when there is no account or the try is refused, so every answer costs the same.
pub fn check_password(attempt: &signin::Attempt, password: &str) -> bool {
    match (&attempt.refused, attempt.stored_hash.as_deref()) {
        (None, Some(hash)) => passwords::verify(password, Some(hash)),
        _ => {
            let _ = passwords::verify(password, Some(DUMMY_HASH.as_str()));
            false
        }
    }
}

/// The account a finished sign-in names.
pub fn view(conn: &Connection, user_id: &str, now: OffsetDateTime) -> Result<StaffView> {
    get(conn, user_id, now)
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

pub fn set_active(conn: &Transaction<'_>, j: &Journal, by: &str, user_id: &str, active: bool, now: OffsetDateTime) -> Result<StaffView> {
    if !active {
        last_admin_guard(conn, user_id)?;
    }
    get(conn, user_id, now)?;
    conn.execute(
        "UPDATE staff_accounts SET is_active = ?2, updated_at = ?3, updated_by = ?4 WHERE user_id = ?1",
        params![user_id, active, ts(now), by],
    )?;
    staff_event(conn, j, EventKind::StaffActiveChanged, by, user_id, json!({"active": active}), now)?;
    get(conn, user_id, now)
}

pub fn set_role(conn: &Transaction<'_>, j: &Journal, by: &str, user_id: &str, role: Role, now: OffsetDateTime) -> Result<StaffView> {
    if role != Role::Admin {
        last_admin_guard(conn, user_id)?;
    }
    let before = get(conn, user_id, now)?;
    conn.execute(
        "UPDATE staff_accounts SET role = ?2, updated_at = ?3, updated_by = ?4 WHERE user_id = ?1",
        params![user_id, role.as_str(), ts(now), by],
    )?;
    staff_event(conn, j, EventKind::StaffRoleChanged, by, user_id, json!({"from": before.role.as_str(), "to": role.as_str()}), now)?;
    get(conn, user_id, now)
}

/// An administrator lifts the wait or block on an account.
pub fn unlock(conn: &Transaction<'_>, j: &Journal, by: &str, user_id: &str, now: OffsetDateTime) -> Result<StaffView> {
    get(conn, user_id, now)?;
    let was_held = signin::unlock(conn, user_id)?;
    staff_event(conn, j, EventKind::AccountUnlocked, by, user_id, json!({"was_held": was_held}), now)?;
    get(conn, user_id, now)
}

/// Set a new password (and lift any lock). Accounts from the clinic move to argon2 here.
pub fn reset_password(
    conn: &Transaction<'_>,
    j: &Journal,
    by: &str,
    user_id: &str,
    password: &str,
    now: OffsetDateTime,
) -> Result<StaffView> {
    check_password_policy(password)?;
    get(conn, user_id, now)?;
    let hash = passwords::hash(password).map_err(|e| Error::InvalidInput(format!("The password couldn't be stored ({e}).")))?;
    conn.execute(
        "UPDATE staff_accounts SET password_hash = ?2, failed_attempts = 0, locked_until = NULL,
             updated_at = ?3, updated_by = ?4 WHERE user_id = ?1",
        params![user_id, hash, ts(now), by],
    )?;
    signin::unlock(conn, user_id)?;
    staff_event(conn, j, EventKind::PasswordReset, by, user_id, json!({}), now)?;
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
    use crate::codes::SeededRandom;
    use crate::error::AccessError;
    use crate::store::Store;
    use crate::test_support::temp_store_and_journal as store;
    use secrecy::{ExposeSecret, SecretString};
    use time::macros::datetime;
    use time::Duration;

    fn new(id: &str, role: Role) -> NewStaff {
        NewStaff { user_id: id.into(), display_name: "Latha K".into(), role, password: SecretString::from("front-desk-2026") }
    }

    fn added(s: &mut Store, j: &Journal, by: &str, n: &NewStaff) -> Result<StaffView> {
        let tx = s.conn_mut().transaction()?;
        let v = add(&tx, j, by, n, NOW)?;
        tx.commit()?;
        Ok(v)
    }

    fn with_tx<T>(s: &mut Store, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let tx = s.conn_mut().transaction()?;
        let v = f(&tx)?;
        tx.commit()?;
        Ok(v)
    }

    const NOW: OffsetDateTime = datetime!(2026-11-24 04:30 UTC);
    const UTC: time::UtcOffset = time::UtcOffset::UTC;

    #[test]
    fn wrong_passwords_slow_down_an_id_and_the_right_one_then_waits_too() {
        let (_t, mut s, j) = store();
        added(&mut s, &j, "setup", &new("latha.k", Role::Reception)).expect("add");
        let v = sign_in(s.conn_mut(), &j, "latha.k", "front-desk-2026", NOW, UTC).expect("sign in");
        assert_eq!(v.role, Role::Reception);
        assert!(v.last_login.is_some());
        for _ in 0..signin::FREE_FAILURES {
            assert!(matches!(sign_in(s.conn_mut(), &j, "latha.k", "nope", NOW, UTC), Err(Error::Access(AccessError::SignInFailed))));
        }
        let e = sign_in(s.conn_mut(), &j, "latha.k", "nope", NOW, UTC).expect_err("waits");
        assert_eq!(e.user_message(), "Too many wrong passwords for this user ID. Try again at 04:30, or ask an administrator.");
        // While it waits, even the right password is refused.
        assert!(matches!(
            sign_in(s.conn_mut(), &j, "latha.k", "front-desk-2026", NOW, UTC),
            Err(Error::Access(AccessError::AccountLocked { .. }))
        ));
        // 30 seconds later the right password works again, and the count starts afresh.
        sign_in(s.conn_mut(), &j, "latha.k", "front-desk-2026", NOW + Duration::seconds(31), UTC).expect("after the wait");
        assert!(!signin::is_held(s.conn(), "latha.k", NOW).expect("held"));
    }

    #[test]
    fn a_hundred_failures_in_a_row_block_until_an_admin_unlocks() {
        let (_t, mut s, j) = store();
        added(&mut s, &j, "setup", &new("asha.admin", Role::Admin)).expect("admin");
        added(&mut s, &j, "asha.admin", &new("latha.k", Role::Reception)).expect("add");
        // A guesser who waits out every delay: 100 tries over about a day.
        let mut t = NOW;
        for i in 1..=signin::MAX_CONSECUTIVE_FAILURES {
            let r = sign_in(s.conn_mut(), &j, "latha.k", "guess", t, UTC);
            assert!(r.is_err());
            if i == signin::MAX_CONSECUTIVE_FAILURES {
                assert!(matches!(r, Err(Error::Access(AccessError::AccountBlocked))), "{r:?}");
            }
            t += signin::delay_after(i) + Duration::seconds(1);
            // The desk-wide throttle is not what this test is about: space the tries out.
            t += Duration::minutes(1);
        }
        let e =
            sign_in(s.conn_mut(), &j, "latha.k", "front-desk-2026", t + Duration::days(7), UTC).expect_err("still blocked a week later");
        assert_eq!(e.code(), crate::ErrorCode::AccountBlocked);
        assert!(e.user_message().contains("Ask an administrator to unlock it"));
        with_tx(&mut s, |tx| unlock(tx, &j, "asha.admin", "latha.k", t)).expect("unlock");
        sign_in(s.conn_mut(), &j, "latha.k", "front-desk-2026", t + Duration::days(7), UTC).expect("unlocked");
    }

    #[test]
    fn unknown_ids_and_known_ones_answer_alike_even_when_held() {
        let (_t, mut s, j) = store();
        added(&mut s, &j, "setup", &new("latha.k", Role::Reception)).expect("add");
        for _ in 0..=signin::FREE_FAILURES {
            let a = sign_in(s.conn_mut(), &j, "nobody", "x", NOW, UTC).expect_err("unknown");
            let b = sign_in(s.conn_mut(), &j, "latha.k", "x", NOW, UTC).expect_err("wrong");
            assert_eq!(a.user_message(), b.user_message());
            assert_eq!(a.code(), b.code());
        }
        // Held: the same again, and both did the same hashing work (timing is measured in
        // tests/…/sign_in_timing).
        let a = sign_in(s.conn_mut(), &j, "nobody", "x", NOW, UTC).expect_err("unknown");
        let b = sign_in(s.conn_mut(), &j, "latha.k", "x", NOW, UTC).expect_err("held");
        assert_eq!((a.code(), a.user_message()), (b.code(), b.user_message()));
        assert_eq!(a.code(), crate::ErrorCode::AccountLocked);
    }

    #[test]
    fn every_sign_in_does_the_same_work_whatever_the_answer() {
        // A quick answer for a held, blocked or unknown ID would tell a guesser which IDs exist:
        // every try checks exactly one password hash (the account's, or a dummy of the same
        // cost), whatever it comes to. (Timing itself is not asserted: the machine is shared.)
        let (_t, mut s, j) = store();
        added(&mut s, &j, "setup", &new("latha.k", Role::Reception)).expect("add");
        let hashes = |s: &mut Store, id: &str, pw: &str| {
            let before = passwords::VERIFIED.with(|n| n.get());
            let r = sign_in(s.conn_mut(), &j, id, pw, NOW, UTC);
            (passwords::VERIFIED.with(|n| n.get()) - before, r.err().map(|e| e.code()))
        };
        assert_eq!(hashes(&mut s, "latha.k", "front-desk-2026"), (1, None));
        assert_eq!(hashes(&mut s, "latha.k", "wrong"), (1, Some(crate::ErrorCode::SignInFailed)));
        assert_eq!(hashes(&mut s, "nobody.here", "wrong"), (1, Some(crate::ErrorCode::SignInFailed)));
        for _ in 0..signin::FREE_FAILURES {
            let _ = sign_in(s.conn_mut(), &j, "latha.k", "x", NOW, UTC);
            let _ = sign_in(s.conn_mut(), &j, "nobody.here", "x", NOW, UTC);
        }
        // Held: refused before the password matters, but the work is the same.
        assert_eq!(hashes(&mut s, "latha.k", "front-desk-2026"), (1, Some(crate::ErrorCode::AccountLocked)));
        assert_eq!(hashes(&mut s, "nobody.here", "x"), (1, Some(crate::ErrorCode::AccountLocked)));
        // Hashing the dummy costs what a real account's hash costs: the same scheme and cost.
        assert_eq!(DUMMY_HASH.split('$').nth(3), passwords::hash("x").expect("hash").split('$').nth(3), "same argon2 parameters");
    }

    #[test]
    fn many_failures_on_one_desk_hold_every_sign_in_for_a_while() {
        let (_t, mut s, j) = store();
        added(&mut s, &j, "setup", &new("latha.k", Role::Reception)).expect("add");
        for i in 0..signin::DESK_MAX_FAILURES {
            let _ = sign_in(s.conn_mut(), &j, &format!("guess{i}"), "x", NOW, UTC);
        }
        let e = sign_in(s.conn_mut(), &j, "latha.k", "front-desk-2026", NOW + Duration::minutes(1), UTC).expect_err("desk held");
        assert_eq!(e.code(), crate::ErrorCode::DeskBusy);
        sign_in(s.conn_mut(), &j, "latha.k", "front-desk-2026", NOW + signin::DESK_WINDOW + Duration::seconds(1), UTC)
            .expect("after the window");
    }

    #[test]
    fn sign_ins_leave_events_naming_the_account_not_the_typed_text() {
        let (_t, mut s, j) = store();
        added(&mut s, &j, "setup", &new("latha.k", Role::Reception)).expect("add");
        sign_in(s.conn_mut(), &j, "latha.k", "front-desk-2026", NOW, UTC).expect("ok");
        let _ = sign_in(s.conn_mut(), &j, "latha.k", "nope", NOW, UTC);
        let _ = sign_in(s.conn_mut(), &j, "my-secret-password", "x", NOW, UTC);
        let rows: Vec<(String, String, String)> = s
            .conn()
            .prepare("SELECT user_id, outcome, coalesce(detail, '') FROM verification_events WHERE kind = 'sign_in' ORDER BY seq")
            .expect("prepare")
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .expect("query")
            .collect::<rusqlite::Result<_>>()
            .expect("rows");
        assert_eq!(
            rows.iter().map(|r| (r.0.as_str(), r.1.as_str())).collect::<Vec<_>>(),
            [("latha.k", "done"), ("latha.k", "failed"), ("(unknown id)", "failed")]
        );
        assert!(!rows.iter().any(|r| r.2.contains("my-secret-password")));
    }

    #[test]
    fn clinic_hashes_verify_and_plaintext_never_does() {
        let (_t, mut s, j) = store();
        let werkzeug = include_str!("testdata/werkzeug_scrypt.txt").trim();
        let bcrypt_hash = bcrypt::hash_with_result("Skinspire@123", 4).expect("bcrypt").format_for_version(bcrypt::Version::TwoA);
        for (id, hash) in [("from.flask", werkzeug), ("from.trigger", bcrypt_hash.as_str()), ("plain.left", "Skinspire@123")] {
            s.conn()
                .execute(
                    "INSERT INTO staff_accounts (user_id, display_name, role, password_hash, source, created_at, updated_at)
                 VALUES (?1, 'X', 'reception', ?2, 'clinic', 't', 't')",
                    params![id, hash],
                )
                .expect("insert");
        }
        sign_in(s.conn_mut(), &j, "from.flask", "Skinspire@123", NOW, UTC).expect("werkzeug scrypt");
        sign_in(s.conn_mut(), &j, "from.trigger", "Skinspire@123", NOW, UTC).expect("bcrypt");
        assert!(sign_in(s.conn_mut(), &j, "plain.left", "Skinspire@123", NOW, UTC).is_err());
    }

    #[test]
    fn the_recovery_code_resets_an_admin_once_and_is_replaced() {
        let (_t, mut s, j) = store();
        added(&mut s, &j, "setup", &new("asha.admin", Role::Admin)).expect("admin");
        let rng = SeededRandom::new(9);
        let code = with_tx(&mut s, |tx| recovery::make(tx, &j, "asha.admin", &rng, NOW)).expect("make");
        let typed = code.expose_secret().to_lowercase().replace('-', " ");
        let r = recovery::begin(s.conn(), NOW, UTC).expect("begin");
        assert!(!recovery::check(&r, "AAAAA-AAAAA-AAAAA-AAAAA"));
        let ok = recovery::check(&r, &typed);
        assert!(ok, "case and separators don't matter");
        let next =
            with_tx(&mut s, |tx| recovery::finish(tx, &j, &r, ok, "asha.admin", "a-brand-new-pass", &rng, NOW, UTC)).expect("recover");
        assert_ne!(next.expose_secret(), code.expose_secret());
        sign_in(s.conn_mut(), &j, "asha.admin", "a-brand-new-pass", NOW, UTC).expect("new password");
        // The old code is spent.
        let r = recovery::begin(s.conn(), NOW, UTC).expect("begin");
        assert!(!recovery::check(&r, code.expose_secret()));
        assert!(recovery::check(&r, next.expose_secret()));
    }

    #[test]
    fn the_last_admin_cannot_be_removed_and_disabled_accounts_cannot_sign_in() {
        let (_t, mut s, j) = store();
        added(&mut s, &j, "setup", &new("asha.admin", Role::Admin)).expect("admin");
        added(&mut s, &j, "asha.admin", &new("latha.k", Role::Reception)).expect("reception");
        assert!(with_tx(&mut s, |tx| set_role(tx, &j, "asha.admin", "asha.admin", Role::Reception, NOW)).is_err());
        assert!(with_tx(&mut s, |tx| set_active(tx, &j, "asha.admin", "asha.admin", false, NOW)).is_err());
        with_tx(&mut s, |tx| set_active(tx, &j, "asha.admin", "latha.k", false, NOW)).expect("disable");
        assert_eq!(current(s.conn(), "latha.k").expect("current"), Some((Role::Reception, false)));
        assert!(matches!(
            sign_in(s.conn_mut(), &j, "latha.k", "front-desk-2026", NOW, UTC),
            Err(Error::Access(AccessError::AccountDisabled))
        ));
        with_tx(&mut s, |tx| set_active(tx, &j, "asha.admin", "latha.k", true, NOW)).expect("enable");
        with_tx(&mut s, |tx| reset_password(tx, &j, "asha.admin", "latha.k", "a-new-passphrase", NOW)).expect("reset");
        sign_in(s.conn_mut(), &j, "latha.k", "a-new-passphrase", NOW, UTC).expect("new password");
        assert!(with_tx(&mut s, |tx| reset_password(tx, &j, "asha.admin", "latha.k", "short", NOW)).is_err());
        assert!(added(&mut s, &j, "asha.admin", &new("latha.k", Role::Reception)).is_err(), "taken");
    }
}
