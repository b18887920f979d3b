//! Staff accounts that come from the clinic's records (sync's pull): the clinic's role names map
//! to the desk's two roles (`sync_role_map`, which this module owns), and the clinic's password
//! hashes come with them, so clinic staff sign in at any desk, offline too. The clinic is the
//! authority: a role taken away or an account disabled there is taken away here at the next pull.

use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;

use super::{staff_event, Role};
use crate::clock::ts;
use crate::error::{Error, Result};
use crate::events::{EventKind, Journal};

/// Who the clinic's pull names in the events it causes.
const CLINIC_ACTOR: &str = "clinic-sync";

/// A clinic staff member as the pull brings them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClinicStaff {
    pub user_id: String,
    pub display_name: String,
    /// The clinic's active role names.
    pub roles: Vec<String>,
    pub password_hash: Option<String>,
    pub active: bool,
}

/// One line of the role map.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RoleMapping {
    pub clinic_role: String,
    pub desk_role: Role,
}

pub fn role_map(conn: &Connection) -> Result<Vec<RoleMapping>> {
    let mut stmt = conn.prepare_cached("SELECT clinic_role, desk_role FROM sync_role_map ORDER BY clinic_role")?;
    let rows = stmt.query_map([], |r| Ok(RoleMapping { clinic_role: r.get(0)?, desk_role: Role::parse(&r.get::<_, String>(1)?) }))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Replace the role map (an admin's choice; the next pull applies it).
pub fn set_role_map(tx: &Transaction<'_>, j: &Journal, by: &str, map: &[RoleMapping], now: OffsetDateTime) -> Result<()> {
    for m in map {
        if m.clinic_role.trim().is_empty() || m.clinic_role.chars().count() > 50 {
            return Err(Error::InvalidInput("A clinic role name has 1 to 50 characters.".into()));
        }
    }
    tx.execute("DELETE FROM sync_role_map", [])?;
    for m in map {
        tx.execute(
            "INSERT INTO sync_role_map (clinic_role, desk_role, updated_at, updated_by) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (clinic_role) DO UPDATE SET desk_role = excluded.desk_role",
            params![m.clinic_role.trim(), m.desk_role.as_str(), ts(now), by],
        )?;
    }
    staff_event(tx, j, EventKind::SettingsChanged, by, by, json!({"role_map": map.len()}), now)?;
    Ok(())
}

/// The desk role the clinic's roles give: admin if any maps to admin, else reception if any
/// maps to reception, else none (no account at the desk).
pub fn desk_role(conn: &Connection, roles: &[String]) -> Result<Option<Role>> {
    let map = role_map(conn)?;
    let mut best = None;
    for r in roles {
        if let Some(m) = map.iter().find(|m| m.clinic_role.eq_ignore_ascii_case(r.trim())) {
            best = match (best, m.desk_role) {
                (_, Role::Admin) | (Some(Role::Admin), _) => Some(Role::Admin),
                _ => Some(Role::Reception),
            };
        }
    }
    Ok(best)
}

/// What applying one clinic staff member did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StaffApplied {
    pub added: bool,
    pub changed: bool,
}

/// Add or bring up to date a clinic staff member's account, in the caller's transaction. Without
/// a mapped role the account (if any) is disabled: the desk keeps no rights the clinic took away.
pub fn apply(tx: &Transaction<'_>, j: &Journal, s: &ClinicStaff, now: OffsetDateTime) -> Result<StaffApplied> {
    let role = desk_role(tx, &s.roles)?;
    let before: Option<(String, String, bool, Option<String>, String)> = tx
        .query_row(
            "SELECT source, role, is_active, password_hash, display_name FROM staff_accounts WHERE user_id = ?1",
            [&s.user_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    let active = s.active && role.is_some();
    match before {
        None => {
            let Some(role) = role else { return Ok(StaffApplied::default()) };
            tx.execute(
                "INSERT INTO staff_accounts (user_id, display_name, role, password_hash, is_active, source, created_at, updated_at, created_by, updated_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'clinic', ?6, ?6, ?7, ?7)",
                params![s.user_id, s.display_name, role.as_str(), s.password_hash, active, ts(now), CLINIC_ACTOR],
            )?;
            staff_event(tx, j, EventKind::StaffAdded, CLINIC_ACTOR, &s.user_id, json!({"role": role.as_str(), "source": "clinic"}), now)?;
            Ok(StaffApplied { added: true, changed: false })
        }
        Some((source, _, _, _, _)) if source != "clinic" => {
            // An account made at this desk with the same id: the desk's own stays as it is.
            Err(Error::InvalidInput(format!("An account made at this desk already uses the clinic's id {}.", s.user_id)))
        }
        Some((_, old_role, old_active, old_hash, old_name)) => {
            let new_role = role.unwrap_or(Role::parse(&old_role));
            let changed =
                old_role != new_role.as_str() || old_active != active || old_hash != s.password_hash || old_name != s.display_name;
            if !changed {
                return Ok(StaffApplied::default());
            }
            tx.execute(
                "UPDATE staff_accounts SET display_name = ?2, role = ?3, password_hash = ?4, is_active = ?5, updated_at = ?6, updated_by = ?7
                 WHERE user_id = ?1",
                params![s.user_id, s.display_name, new_role.as_str(), s.password_hash, active, ts(now), CLINIC_ACTOR],
            )?;
            if old_role != new_role.as_str() {
                staff_event(
                    tx,
                    j,
                    EventKind::StaffRoleChanged,
                    CLINIC_ACTOR,
                    &s.user_id,
                    json!({"role": new_role.as_str(), "source": "clinic"}),
                    now,
                )?;
            }
            if old_active != active {
                staff_event(
                    tx,
                    j,
                    EventKind::StaffActiveChanged,
                    CLINIC_ACTOR,
                    &s.user_id,
                    json!({"active": active, "source": "clinic"}),
                    now,
                )?;
            }
            Ok(StaffApplied { added: false, changed: true })
        }
    }
}

/// A clinic account the clinic deleted: disabled here.
pub fn disable(tx: &Transaction<'_>, j: &Journal, user_id: &str, now: OffsetDateTime) -> Result<bool> {
    let n = tx.execute(
        "UPDATE staff_accounts SET is_active = 0, updated_at = ?2, updated_by = ?3 WHERE user_id = ?1 AND source = 'clinic' AND is_active = 1",
        params![user_id, ts(now), CLINIC_ACTOR],
    )?;
    if n > 0 {
        staff_event(tx, j, EventKind::StaffActiveChanged, CLINIC_ACTOR, user_id, json!({"active": false, "source": "clinic"}), now)?;
    }
    Ok(n > 0)
}
