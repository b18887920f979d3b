//! The desk's side of sync with the clinic, as the shell calls it: the admin's sync screen
//! (server, database, role, CA file, password to the keyring, test, sync now, the role map, the
//! rows the desk couldn't read, a new start after a restored backup) and the status line.

use desk_core::clock::{local_hh_mm, parse_ts};
use desk_core::error::{Error, Result};
use desk_core::events::EventKind;
use desk_core::people::clinic::{self as people_clinic, WalkIn};
use desk_core::people::corrections::{self, ContactConflict, Settle};
use desk_core::settings;
use desk_core::staff::clinic::{self as staff_clinic, RoleMapping};
use desk_sync::settings::{SyncSettings, BOUND_TO_PASSWORD, PASSWORD_ITEM};
use desk_sync::state::Unreadable;
use desk_sync::{SyncError, SyncStatus};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::desk::Desk;

/// What the admin types on the sync screen. The password is only sent when typed; it goes to
/// the keyring, never to the store.
#[derive(Clone, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncInput {
    pub host: String,
    pub port: u16,
    pub database: String,
    pub role: String,
    pub ca_file: String,
    pub interval_minutes: u32,
    #[specta(type = Option<String>)]
    pub password: Option<SecretString>,
}

/// The sync screen's settings (never the password: only whether one is saved).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncSetup {
    pub host: String,
    pub port: u16,
    pub database: String,
    pub role: String,
    pub ca_file: String,
    pub interval_minutes: u32,
    pub password_saved: bool,
    pub device_id: String,
}

/// Sync as the status bar shows it: the facts, and one line in plain words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncView {
    #[serde(flatten)]
    pub status: SyncStatus,
    /// "Clinic server unreachable since 10:42; 37 events waiting", or `None` when sync isn't set up.
    pub summary: Option<String>,
}

/// What "Sync now" did, in numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SyncReport {
    pub pushed: u64,
    pub pulled: u64,
    pub added: u64,
    pub changed: u64,
    pub deactivated: u64,
    pub unreadable: u64,
    pub full: bool,
    pub view: SyncView,
}

fn plural(n: i64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

impl SyncInput {
    fn patch(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("clinic_host".into(), self.host.trim().into());
        m.insert("clinic_port".into(), self.port.into());
        m.insert("clinic_database".into(), self.database.trim().into());
        m.insert("clinic_role".into(), self.role.trim().into());
        m.insert("clinic_ca_file".into(), self.ca_file.trim().into());
        m.insert("sync_interval_minutes".into(), self.interval_minutes.into());
        m
    }

    fn settings(&self) -> Result<SyncSettings> {
        let mut v = serde_json::to_value(SyncSettings::default()).unwrap_or_default();
        if let Some(obj) = v.as_object_mut() {
            obj.extend(self.patch());
        }
        let s: SyncSettings =
            serde_json::from_value(v).map_err(|e| Error::InvalidInput(format!("Those sync settings don't read: {e}.")))?;
        use desk_core::settings::SettingsGroup;
        s.validate()?;
        Ok(s)
    }
}

impl Desk {
    /// A change to sync's set-up, in the audit log, in the caller's transaction.
    fn sync_settings_event(&self, tx: &rusqlite::Transaction<'_>, actor: &str, now: time::OffsetDateTime, detail: Value) -> Result<()> {
        let event =
            desk_core::events::NewEvent::action(actor, EventKind::SettingsChanged, actor, desk_core::events::Outcome::Done, Some(detail));
        desk_core::events::append(tx, &self.engine().journal, now, &event)?;
        Ok(())
    }

    fn sync_settings(&self) -> Result<SyncSettings> {
        self.with_store(|s| settings::load::<SyncSettings>(s.conn()))
    }

    pub fn sync_setup(&self) -> Result<SyncSetup> {
        let s = self.sync_settings()?;
        // Outside the store lock: a keyring call may be slow.
        let password_saved = matches!(self.keyring().get(PASSWORD_ITEM), Ok(Some(_)));
        Ok(SyncSetup {
            host: s.clinic_host,
            port: s.clinic_port,
            database: s.clinic_database,
            role: s.clinic_role,
            ca_file: s.clinic_ca_file,
            interval_minutes: s.sync_interval_minutes,
            password_saved,
            device_id: self.engine().journal.device_id().to_owned(),
        })
    }

    /// Save the sync settings (and the password, when typed, to the keyring). Changing where the
    /// password goes (server, port, database, role) needs it typed again.
    pub fn sync_save(&self, actor: &str, input: &SyncInput) -> Result<SyncSetup> {
        let new = input.settings()?;
        let old = self.sync_settings()?;
        let old_v = serde_json::to_value(&old).unwrap_or_default();
        let new_v = serde_json::to_value(&new).unwrap_or_default();
        let moved = BOUND_TO_PASSWORD.iter().any(|k| old_v.get(k) != new_v.get(k));
        let typed = input.password.as_ref().filter(|p| !secrecy::ExposeSecret::expose_secret(*p).is_empty());
        if moved && typed.is_none() && old.configured() {
            return Err(Error::InvalidInput(
                "The clinic server, database or role changed: type the desk role's password again (it only goes where it was given for)."
                    .into(),
            ));
        }
        if let Some(p) = typed {
            self.keyring().set(PASSWORD_ITEM, p).map_err(Error::Keyring)?;
        }
        let now = self.engine().now();
        let changed: Map<String, Value> = input
            .patch()
            .into_iter()
            .filter(|(k, v)| old_v.get(k) != Some(v))
            .map(|(k, v)| {
                let old = old_v.get(&k).cloned();
                (k, serde_json::json!({"old": old, "new": v}))
            })
            .collect();
        self.with_store(|s| {
            let tx = s.conn_mut().transaction()?;
            settings::update::<SyncSettings>(&tx, &input.patch(), actor, &desk_core::clock::ts(now))?;
            let mut detail = changed.clone();
            detail.insert("password_typed".into(), typed.is_some().into());
            self.sync_settings_event(&tx, actor, now, Value::Object(detail))?;
            tx.commit()?;
            Ok(())
        })?;
        self.syncer().wake();
        self.sync_setup()
    }

    /// Try the connection with what is typed (the saved password when none is), saving nothing.
    pub async fn sync_test(&self, input: &SyncInput) -> Result<String> {
        let settings = input.settings()?;
        let password = match input.password.clone().filter(|p| !secrecy::ExposeSecret::expose_secret(p).is_empty()) {
            Some(p) => p,
            None => self.sync_password().map_err(Error::from)?,
        };
        Ok(self.syncer().test(&settings, password).await?)
    }

    pub(crate) fn sync_password(&self) -> std::result::Result<SecretString, SyncError> {
        desk_sync::settings::read_password(self.keyring())
    }

    /// One round now; the answer says what it did, or why it couldn't.
    pub async fn sync_now(&self) -> Result<SyncReport> {
        let r = self.syncer().round().await?;
        Ok(SyncReport {
            pushed: r.pushed.inserted,
            pulled: r.pulled.received,
            added: r.pulled.added,
            changed: r.pulled.changed,
            deactivated: r.pulled.deactivated,
            unreadable: r.pulled.unreadable,
            full: r.pulled.full,
            view: self.sync_view()?,
        })
    }

    /// Sync's facts and its line for the status bar.
    pub fn sync_view(&self) -> Result<SyncView> {
        let status = self.syncer().status()?;
        let offset = self.engine().clock.local_offset();
        let at = |t: &Option<String>| t.as_deref().and_then(parse_ts).map(|t| local_hh_mm(t, offset)).unwrap_or_default();
        let waiting = plural(status.events_waiting, "event waiting", "events waiting");
        let summary = if !status.configured {
            None
        } else if let Some(seq) = status.forked_at_seq {
            Some(format!(
                "Sync stopped: this desk's history differs from the clinic's from event {seq} (restored from a backup?). An admin starts it as a new device; {waiting}."
            ))
        } else if let Some(p) = status.progress.filter(|_| status.running) {
            Some(format!("Syncing with the clinic: {} of {} people", p.done, p.total))
        } else if status.last_error.is_some() {
            let since = at(&status.error_since);
            Some(match status.last_error_code.as_deref() {
                Some("SYNC_UNREACHABLE") => format!("Clinic server unreachable since {since}; {waiting}"),
                _ => format!(
                    "Sync failing since {since}: {}; {waiting}",
                    status.last_error.clone().unwrap_or_default().trim_end_matches('.')
                ),
            })
        } else if status.last_ok_at.is_some() {
            Some(if status.events_waiting > 0 {
                format!("Synced with the clinic at {}; {waiting}", at(&status.last_ok_at))
            } else {
                format!("Synced with the clinic at {}", at(&status.last_ok_at))
            })
        } else {
            Some(format!("Not synced with the clinic yet; {waiting}"))
        };
        Ok(SyncView { status, summary })
    }

    pub fn sync_unreadable(&self) -> Result<Vec<Unreadable>> {
        self.with_store(|s| desk_sync::state::unreadable(s.conn()))
    }

    pub fn sync_role_map(&self) -> Result<Vec<RoleMapping>> {
        self.with_store(|s| staff_clinic::role_map(s.conn()))
    }

    pub fn sync_role_map_save(&self, actor: &str, map: &[RoleMapping]) -> Result<Vec<RoleMapping>> {
        let now = self.engine().now();
        self.with_store(|s| {
            let tx = s.conn_mut().transaction()?;
            staff_clinic::set_role_map(&tx, &self.engine().journal, actor, map, now)?;
            // Applied by the next pull, which fetches every clinic person again for it.
            desk_sync::state::refetch_everything(&tx, now)?;
            tx.commit()?;
            Ok(())
        })?;
        self.syncer().wake();
        self.sync_role_map()
    }

    /// The contacts corrected at a desk that the clinic couldn't take (its record changed
    /// since), as the last pull listed them.
    pub fn sync_conflicts(&self) -> Result<Vec<ContactConflict>> {
        self.with_store(|s| corrections::conflicts(s.conn()))
    }

    /// An admin settles a conflict: the person's contact here takes the kept value at once,
    /// and the next sync tells the clinic (which then tells every desk).
    pub fn sync_conflict_resolve(&self, actor: &str, event_id: &str, keep: Settle) -> Result<Vec<ContactConflict>> {
        let now = self.engine().now();
        self.with_store(|s| {
            let tx = s.conn_mut().transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            people_clinic::settle_conflict(&tx, &self.engine().journal, event_id, keep, actor, now)?;
            tx.commit()?;
            Ok(())
        })?;
        self.syncer().wake();
        self.sync_conflicts()
    }

    /// Walk-ins no clinic record has taken in, each with a clinic person who may be the same.
    pub fn sync_walkins(&self) -> Result<Vec<WalkIn>> {
        self.with_store(|s| people_clinic::walk_ins(s.conn()))
    }

    /// The way out of a fork (a desk restored from an old backup): a new device id, whose event
    /// series starts at 1 in the clinic. The old series stays here as it is, history kept.
    /// Takes effect when the desk starts again (the shell restarts it).
    pub fn sync_start_new_device(&self, actor: &str) -> Result<String> {
        let now = self.engine().now();
        let old = self.engine().journal.device_id().to_owned();
        let fork = self.syncer().status()?.forked_at_seq;
        // Recorded in the old series first, so its last event says where it went.
        self.with_store(|s| {
            let tx = s.conn_mut().transaction()?;
            let new = desk_core::store::new_device_id(&tx)?;
            self.sync_settings_event(&tx, actor, now, serde_json::json!({"new_device": new, "old_device": old, "fork_seq": fork}))?;
            desk_sync::state::reset_for_new_device(&tx, &old, now)?;
            tx.commit()?;
            Ok(new)
        })
    }
}
