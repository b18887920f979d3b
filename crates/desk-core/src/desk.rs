//! `Desk`: the one object the shell holds. It owns the store, the keyring handle and the
//! verification engine, and is the API the Tauri commands call (one line each).

use std::sync::{Arc, Mutex};

use serde::Serialize;
use serde_json::{Map, Value};

use crate::clock::ts;

use crate::clock::{Clock, SystemClock};
use crate::codes::{CodeSecrets, OsRandom, RandomSource};
use crate::contact::{Channel, CodeType};
use crate::error::Result;
use crate::events::{self, Event};
use crate::paths::AppPaths;
use crate::people::{self, EditOutcome, PersonInput};
use crate::secrets::Keyring;
use crate::settings::Settings;
use crate::status::AppStatus;
use crate::store::Store;
use crate::staff::{self, NewStaff, Role, Session, StaffView};
use crate::verify::{ContactStatus, Engine, PersonView, Started, Verified};

pub struct Desk {
    paths: AppPaths,
    store: Mutex<Store>,
    keyring: Keyring,
    engine: Engine,
    delivery: crate::delivery::worker::Hub,
    /// Who is signed in at this desk; `None` when no one is (or the idle lock fired).
    session: Mutex<Option<Session>>,
}

/// What the first screen needs to know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SetupStatus {
    pub needs_first_admin: bool,
    /// People on this desk: 0 means offer "Load sample data".
    pub people_count: i64,
    pub clinic_name: String,
    pub idle_lock_minutes: u32,
}

/// The first start: the clinic's name and its first administrator.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FirstAdmin {
    pub clinic_name: String,
    pub admin: NewStaff,
}

/// Filters for the audit screen; all optional.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AuditFilter {
    pub user_id: Option<String>,
    pub actor: Option<String>,
    pub channel: Option<String>,
    pub outcome: Option<String>,
    pub kind: Option<String>,
    /// ISO dates (YYYY-MM-DD), inclusive, in UTC.
    pub from: Option<String>,
    pub to: Option<String>,
}

impl std::fmt::Debug for Desk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Desk").field("paths", &self.paths).finish_non_exhaustive()
    }
}

/// A search result with its badges.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PersonSummary {
    pub user_id: String,
    pub display_name: String,
    pub entity_type: String,
    pub phone_masked: Option<String>,
    pub email_masked: Option<String>,
    pub phone_status: ContactStatus,
    pub email_status: ContactStatus,
}

/// After a successful check: what was verified and the person as they now stand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckResult {
    pub verified: Verified,
    pub person: PersonView,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EditResult {
    pub person: PersonView,
    pub outcome: EditOutcome,
}

impl Desk {
    /// Open the desk's data with the real clock and the OS random source.
    pub fn open(paths: AppPaths, keyring: Keyring) -> Result<Self> {
        Self::open_with(paths, keyring, Arc::new(SystemClock::new()), Arc::new(OsRandom))
    }

    /// Open with an injected clock and random source (tests, benchmarks).
    #[tracing::instrument(skip_all, fields(data_dir = %paths.data_dir.display()))]
    pub fn open_with(paths: AppPaths, keyring: Keyring, clock: Arc<dyn Clock>, rng: Arc<dyn RandomSource>) -> Result<Self> {
        paths.ensure()?;
        let store = Store::open(&paths.db_file)?;
        let device_id = store.device_id()?;
        let (secrets, _keyring_problem) = CodeSecrets::load_or_create(&keyring, rng.as_ref());
        let engine = Engine::new(clock, rng, secrets, device_id);
        Ok(Desk { paths, store: Mutex::new(store), keyring, engine, delivery: Default::default(), session: Mutex::new(None) })
    }

    pub fn paths(&self) -> &AppPaths {
        &self.paths
    }

    pub fn keyring(&self) -> &Keyring {
        &self.keyring
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The delivery worker's hub: wake-ups, UI updates, the demo outbox.
    pub fn delivery(&self) -> &crate::delivery::worker::Hub {
        &self.delivery
    }

    /// Run `f` with the store. A poisoned lock (a panic elsewhere mid-write) is recovered: SQLite
    /// rolled back the unfinished transaction, so the data is consistent.
    pub fn with_store<T>(&self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        let mut guard = self.store.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard)
    }

    /// The status bar's facts. Probes the keyring, so call it off the UI thread.
    pub fn status(&self) -> Result<AppStatus> {
        let (path, report) = self.with_store(|s| Ok((s.path().display().to_string(), s.migration_report())))?;
        Ok(AppStatus::new(path, self.paths.log_dir.display().to_string(), report, self.keyring.probe()))
    }

    pub fn search(&self, query: &str) -> Result<Vec<PersonSummary>> {
        self.with_store(|s| self.engine.search(s.conn(), query))
    }

    pub fn person(&self, user_id: &str) -> Result<PersonView> {
        self.with_store(|s| self.engine.person_view(s.conn(), user_id))
    }

    pub fn add_person(&self, actor: &str, input: &PersonInput) -> Result<PersonView> {
        self.with_store(|s| {
            let id = people::add(s.conn_mut(), input, actor, self.engine.now(), self.engine.rng.as_ref())?;
            self.engine.person_view(s.conn(), &id)
        })
    }

    pub fn update_person(&self, actor: &str, user_id: &str, input: &PersonInput) -> Result<EditResult> {
        self.with_store(|s| {
            let device = self.engine.device_id.clone();
            let outcome = people::update(s.conn_mut(), &device, user_id, input, actor, self.engine.now())?;
            Ok(EditResult { person: self.engine.person_view(s.conn(), user_id)?, outcome })
        })
    }

    /// Issue and queue a code. `consent`: the person agreed to receive a code at this contact;
    /// it is required, and recorded with the event.
    pub fn start_verification(&self, actor: &str, user_id: &str, channel: Channel, consent: bool) -> Result<Started> {
        if !consent {
            return Err(crate::Error::ConsentRequired);
        }
        let started = self.with_store(|s| self.engine.start(s.conn_mut(), actor, user_id, channel))?;
        self.delivery.wake.notify_one();
        Ok(started)
    }

    pub fn check_code(&self, actor: &str, user_id: &str, code_type: CodeType, code: &str) -> Result<CheckResult> {
        self.with_store(|s| {
            let verified = self.engine.check(s.conn_mut(), actor, user_id, code_type, code)?;
            Ok(CheckResult { person: self.engine.person_view(s.conn(), user_id)?, verified })
        })
    }

    pub fn settings(&self) -> Result<Settings> {
        self.with_store(|s| self.engine.settings(s.conn()))
    }

    pub fn update_settings(&self, actor: &str, patch: &Map<String, Value>) -> Result<Settings> {
        let updated = self.with_store(|s| self.engine.update_settings(s.conn(), patch, actor))?;
        // Provider settings and credentials are saved through here: rebuild the providers.
        self.delivery.invalidate_transports();
        Ok(updated)
    }

    pub fn load_sample_data(&self, actor: &str) -> Result<usize> {
        self.with_store(|s| crate::sample::load(s.conn_mut(), actor, self.engine.now(), self.engine.rng.as_ref()))
    }

    pub fn events_for(&self, user_id: &str) -> Result<Vec<Event>> {
        self.with_store(|s| events::for_user(s.conn(), user_id, 200))
    }

    // --- Staff, sessions and roles -------------------------------------------------------------

    pub fn setup_status(&self) -> Result<SetupStatus> {
        let settings = self.settings()?;
        let (n, people) = self.with_store(|s| Ok((staff::count(s.conn())?, people::count(s.conn())?)))?;
        Ok(SetupStatus { needs_first_admin: n == 0, people_count: people, clinic_name: settings.clinic_name, idle_lock_minutes: settings.idle_lock_minutes })
    }

    /// Only on a desk with no staff yet: name the clinic and create its first administrator.
    pub fn create_first_admin(&self, input: &FirstAdmin) -> Result<StaffView> {
        if self.with_store(|s| staff::count(s.conn()))? > 0 {
            return Err(crate::Error::AlreadySetUp);
        }
        let admin = NewStaff { role: Role::Admin, ..clone_new_staff(&input.admin) };
        let view = self.with_store(|s| staff::add(s.conn(), "setup", &admin, self.engine.now()))?;
        let mut patch = Map::new();
        patch.insert("clinic_name".into(), Value::String(input.clinic_name.trim().to_owned()));
        self.engine.update_settings_unchecked(self, &patch, &view.user_id)?;
        Ok(view)
    }

    pub fn sign_in(&self, user_id: &str, password: &str) -> Result<Session> {
        let now = self.engine.now();
        let offset = self.engine.clock.local_offset();
        let v = self.with_store(|s| staff::sign_in(s.conn(), user_id, password, now, offset))?;
        let session = Session {
            user_id: v.user_id,
            display_name: v.display_name,
            role: v.role,
            signed_in_at: ts(now),
            last_activity: Some(now),
        };
        tracing::info!(role = session.role.as_str(), "signed in");
        *self.session.lock().unwrap_or_else(|p| p.into_inner()) = Some(session.clone());
        Ok(session)
    }

    pub fn sign_out(&self) {
        *self.session.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// The signed-in staff member, if the session is still live; counts as activity. A session
    /// idle for longer than the configured time is ended here: desks are shared.
    pub fn session(&self) -> Result<Session> {
        self.live_session(true)
    }

    /// As [`Desk::session`] without counting as activity: for reads the window makes on its own
    /// (status refreshes, event-driven reloads), which must not keep an unattended desk open.
    pub fn session_passive(&self) -> Result<Session> {
        self.live_session(false)
    }

    fn live_session(&self, touch: bool) -> Result<Session> {
        let idle = time::Duration::minutes(self.settings()?.idle_lock_minutes.into());
        let now = self.engine.now();
        let mut guard = self.session.lock().unwrap_or_else(|p| p.into_inner());
        let Some(session) = guard.as_mut() else { return Err(crate::Error::SignInRequired) };
        if session.last_activity.is_some_and(|t| now - t >= idle) {
            tracing::info!("session locked after idle time");
            *guard = None;
            return Err(crate::Error::SessionLocked);
        }
        if touch {
            session.last_activity = Some(now);
        }
        Ok(session.clone())
    }

    /// As [`Desk::session`], and the staff member must be an administrator.
    pub fn require_admin(&self) -> Result<Session> {
        let s = self.session()?;
        if s.role != Role::Admin {
            tracing::warn!("admin action refused for a reception account");
            return Err(crate::Error::AdminOnly);
        }
        Ok(s)
    }

    /// The live session, if any, without counting as activity (the window asks this at start);
    /// a session past its idle time is ended and reported as none.
    pub fn session_peek(&self) -> Option<Session> {
        self.session_passive().ok()
    }

    pub fn staff_list(&self) -> Result<Vec<StaffView>> {
        self.require_admin()?;
        self.with_store(|s| staff::list(s.conn(), self.engine.now()))
    }

    pub fn staff_add(&self, input: &NewStaff) -> Result<StaffView> {
        let by = self.require_admin()?;
        self.with_store(|s| staff::add(s.conn(), &by.user_id, input, self.engine.now()))
    }

    pub fn staff_set_active(&self, user_id: &str, active: bool) -> Result<StaffView> {
        let by = self.require_admin()?;
        self.with_store(|s| staff::set_active(s.conn(), &by.user_id, user_id, active, self.engine.now()))
    }

    pub fn staff_set_role(&self, user_id: &str, role: Role) -> Result<StaffView> {
        let by = self.require_admin()?;
        self.with_store(|s| staff::set_role(s.conn(), &by.user_id, user_id, role, self.engine.now()))
    }

    pub fn staff_reset_password(&self, user_id: &str, password: &str) -> Result<StaffView> {
        let by = self.require_admin()?;
        self.with_store(|s| staff::reset_password(s.conn(), &by.user_id, user_id, password, self.engine.now()))
    }

    // --- Audit ---------------------------------------------------------------------------------

    /// The event log, filtered, newest first (at most 1,000 rows).
    pub fn audit(&self, f: &AuditFilter) -> Result<Vec<Event>> {
        self.require_admin()?;
        let f = self.audit_filter_in_utc(f);
        self.with_store(|s| events::search(s.conn(), &f, 1_000))
    }

    /// Write the filtered log as CSV into the Downloads folder (else the data folder); returns
    /// the file's path.
    pub fn audit_export(&self, f: &AuditFilter) -> Result<String> {
        self.require_admin()?;
        let f = self.audit_filter_in_utc(f);
        let rows = self.with_store(|s| events::search(s.conn(), &f, 100_000))?;
        let dir = directories::UserDirs::new()
            .and_then(|u| u.download_dir().map(|d| d.to_path_buf()))
            .filter(|d| d.is_dir())
            .unwrap_or_else(|| self.paths.data_dir.join("exports"));
        std::fs::create_dir_all(&dir).map_err(|source| crate::Error::Folder { path: dir.display().to_string(), source })?;
        let now = self.engine.now();
        let path = dir.join(format!(
            "verification-audit-{:04}{:02}{:02}-{:02}{:02}{:02}.csv",
            now.year(), now.month() as u8, now.day(), now.hour(), now.minute(), now.second()
        ));
        std::fs::write(&path, events::to_csv(&rows))
            .map_err(|source| crate::Error::Folder { path: path.display().to_string(), source })?;
        Ok(path.display().to_string())
    }

    /// The filter's dates are the desk's local days; the log is in UTC.
    fn audit_filter_in_utc(&self, f: &AuditFilter) -> AuditFilter {
        let offset = self.engine.clock.local_offset();
        let bound = |d: &Option<String>, end: bool| -> Option<String> {
            let d = d.as_deref().map(str::trim).filter(|d| !d.is_empty())?;
            let date = time::Date::parse(d, time::macros::format_description!("[year]-[month]-[day]")).ok()?;
            let local = if end { date.next_day()?.midnight() } else { date.midnight() };
            let utc = local.assume_offset(offset).to_offset(time::UtcOffset::UTC);
            Some(ts(if end { utc - time::Duration::milliseconds(1) } else { utc }))
        };
        AuditFilter { from: bound(&f.from, false), to: bound(&f.to, true), ..f.clone() }
    }

    pub fn people_count(&self) -> Result<i64> {
        self.with_store(|s| people::count(s.conn()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_reports_the_database_and_keyring() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let keyring = Keyring::with_store(keyring_core::mock::Store::new().expect("mock"), "mock");
        let desk = Desk::open(AppPaths::under(tmp.path()), keyring).expect("open");
        let status = desk.status().expect("status");
        assert!(status.database_path.ends_with("desk.sqlite3"));
        assert!(status.migrations_ok);
        assert_eq!(status.migrations_applied, crate::store::latest_version());
        assert_eq!(status.keyring.state, "ok");
    }
}

fn clone_new_staff(n: &NewStaff) -> NewStaff {
    NewStaff { user_id: n.user_id.clone(), display_name: n.display_name.clone(), role: n.role, password: n.password.clone() }
}
