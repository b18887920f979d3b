//! `Desk`: the one object the shell holds. It owns the store, the keyring handle and the
//! verification engine, and is the API the Tauri commands call (one line each).

use desk_core::error::{AccessError, CodeError};
use std::sync::{Arc, Mutex};

use desk_core::clock::{ts, Clock, SystemClock};
use desk_core::codes::{CodeSecrets, OsRandom, RandomSource};
use desk_core::channel::Channel;
use desk_core::contact::CodeType;
use desk_core::error::{Error, Result};
use desk_core::events::{self, AuditFilter, Event};
use desk_core::outbox::{self, OutboxEntry};
use desk_core::paths::AppPaths;
use desk_core::people::{self, EditOutcome, PersonInput};
use desk_core::secrets::Keyring;
use desk_core::settings::{self, Settings};
use desk_core::staff::{self, NewStaff, Role, Session, StaffView};
use desk_core::status::AppStatus;
use desk_core::store::{Db, Store};
use desk_core::templates::{self, Part, Preview, TemplateView};
use desk_core::verify::{Engine, PersonSummary, PersonView, Started, Verified};
use desk_delivery::admin::{self, Health, Provider, TestResult};
use desk_delivery::credentials::{CredentialsView, GmailInput, TwilioInput};
use desk_delivery::{Context, DeliverySettings, Hub};
use serde::Serialize;
use serde_json::{Map, Value};

pub struct Desk {
    paths: AppPaths,
    db: Db,
    keyring: Keyring,
    engine: Engine,
    /// What delivery is handed: the same store, clock, randomness, secrets and keyring.
    delivery: Context,
    /// Who is signed in at this desk; `None` when no one is (or the idle lock fired).
    session: Mutex<Option<Session>>,
}

/// Every setting the desk has: the core's and the providers', as one object for the UI.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct AllSettings {
    #[serde(flatten)]
    pub core: Settings,
    #[serde(flatten)]
    pub delivery: DeliverySettings,
}

/// Every setting's line of the table (the core's and the providers'), with its default.
pub fn setting_defs() -> Vec<settings::SettingSchema> {
    let mut all = settings::schema::<Settings>();
    all.extend(settings::schema::<DeliverySettings>());
    all
}

/// What the first screen needs to know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SetupStatus {
    pub needs_first_admin: bool,
    /// People on this desk: 0 means offer "Load sample data".
    pub people_count: i64,
    pub clinic_name: String,
    pub idle_lock_minutes: u32,
}

/// The first start: the clinic's name and its first administrator.
#[derive(serde::Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct FirstAdmin {
    pub clinic_name: String,
    pub admin: NewStaff,
}

impl std::fmt::Debug for Desk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Desk").field("paths", &self.paths).finish_non_exhaustive()
    }
}

/// After a successful check: what was verified and the person as they now stand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CheckResult {
    pub verified: Verified,
    pub person: PersonView,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
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
    pub fn open_with(paths: AppPaths, keyring: Keyring, clock: Arc<dyn Clock>, rng: Arc<dyn RandomSource>) -> Result<Self> {
        Self::open_with_providers(paths, keyring, clock, rng, desk_delivery::registry::registrations())
    }

    /// As [`Desk::open_with`], sending through these providers (the built-in ones and, in a
    /// test, its own: a new channel needs nothing else).
    #[tracing::instrument(skip_all, fields(data_dir = %paths.data_dir.display()))]
    pub fn open_with_providers(
        paths: AppPaths,
        keyring: Keyring,
        clock: Arc<dyn Clock>,
        rng: Arc<dyn RandomSource>,
        providers: Vec<desk_delivery::provider::Registration>,
    ) -> Result<Self> {
        // Registered before the store opens, so their channels are recorded as storable.
        let hub = Arc::new(Hub::with_registrations(providers));
        paths.ensure()?;
        let store = Store::open(&paths.db_file)?;
        let device_id = store.device_id()?;
        let (secrets, _keyring_problem) = CodeSecrets::load_or_create(&keyring, rng.as_ref());
        let db = Db::new(store);
        let delivery = Context {
            db: db.clone(),
            clock: clock.clone(),
            rng: rng.clone(),
            secrets: secrets.clone(),
            device_id: device_id.clone(),
            keyring: keyring.clone(),
            hub,
        };
        let engine = Engine::new(clock, rng, secrets, device_id);
        Ok(Desk { paths, db, keyring, engine, delivery, session: Mutex::new(None) })
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
    pub fn delivery(&self) -> &Hub {
        &self.delivery.hub
    }

    /// What the delivery worker runs with (the shell spawns it; tests tick it).
    pub fn ctx(&self) -> &Context {
        &self.delivery
    }

    /// Run `f` with the store (tests and tools; the desk's own code goes through its modules).
    pub fn with_store<T>(&self, f: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        self.db.with(f)
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
            return Err(Error::Code(CodeError::ConsentRequired));
        }
        let started = self.with_store(|s| self.engine.start(s.conn_mut(), actor, user_id, channel))?;
        self.delivery.hub.wake.notify_one();
        Ok(started)
    }

    pub fn check_code(&self, actor: &str, user_id: &str, code_type: CodeType, code: &str) -> Result<CheckResult> {
        self.with_store(|s| {
            let verified = self.engine.check(s.conn_mut(), actor, user_id, code_type, code)?;
            Ok(CheckResult { person: self.engine.person_view(s.conn(), user_id)?, verified })
        })
    }

    /// The core's settings (the verification policy and the desk's own).
    pub fn policy(&self) -> Result<Settings> {
        self.with_store(|s| self.engine.settings(s.conn()))
    }

    /// Every setting, the core's and the providers'.
    pub fn settings(&self) -> Result<AllSettings> {
        Ok(AllSettings { core: self.policy()?, delivery: self.with_store(|s| settings::load::<DeliverySettings>(s.conn()))? })
    }

    /// Change settings (partial), all or nothing: each group takes its own names, in one
    /// transaction; a name no group declares is refused.
    pub fn update_settings(&self, actor: &str, patch: &Map<String, Value>) -> Result<AllSettings> {
        settings::refuse_unknown(patch, &[settings::knows::<Settings>, settings::knows::<DeliverySettings>])?;
        let now = ts(self.engine.now());
        self.with_store(|s| {
            let tx = s.conn_mut().transaction()?;
            self.engine.update_settings(&tx, patch, actor)?;
            settings::update::<DeliverySettings>(&tx, patch, actor, &now)?;
            tx.commit()?;
            Ok(())
        })
        .inspect_err(|_| self.engine.forget_settings())?;
        // Provider settings may have changed: rebuild the providers.
        self.delivery.hub.invalidate_transports();
        self.settings()
    }

    pub fn load_sample_data(&self, actor: &str) -> Result<usize> {
        self.with_store(|s| desk_core::sample::load(s.conn_mut(), actor, self.engine.now(), self.engine.rng.as_ref()))
    }

    pub fn events_for(&self, user_id: &str) -> Result<Vec<Event>> {
        self.with_store(|s| events::for_user(s.conn(), user_id, 200))
    }

    // --- Staff, sessions and roles -------------------------------------------------------------

    pub fn setup_status(&self) -> Result<SetupStatus> {
        let settings = self.policy()?;
        let (n, people) = self.with_store(|s| Ok((staff::count(s.conn())?, people::count(s.conn())?)))?;
        Ok(SetupStatus { needs_first_admin: n == 0, people_count: people, clinic_name: settings.clinic_name, idle_lock_minutes: settings.idle_lock_minutes })
    }

    /// Only on a desk with no staff yet: name the clinic and create its first administrator.
    pub fn create_first_admin(&self, input: &FirstAdmin) -> Result<StaffView> {
        if self.with_store(|s| staff::count(s.conn()))? > 0 {
            return Err(Error::Access(AccessError::AlreadySetUp));
        }
        let admin = NewStaff { role: Role::Admin, ..input.admin.clone() };
        let view = self.with_store(|s| staff::add(s.conn(), "setup", &admin, self.engine.now()))?;
        let mut patch = Map::new();
        patch.insert("clinic_name".into(), Value::String(input.clinic_name.trim().to_owned()));
        self.with_store(|s| self.engine.update_settings(s.conn(), &patch, &view.user_id))?;
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
        let idle = time::Duration::minutes(self.policy()?.idle_lock_minutes.into());
        let now = self.engine.now();
        let mut guard = self.session.lock().unwrap_or_else(|p| p.into_inner());
        let Some(session) = guard.as_mut() else { return Err(Error::Access(AccessError::SignInRequired)) };
        if session.last_activity.is_some_and(|t| now - t >= idle) {
            tracing::info!("session locked after idle time");
            *guard = None;
            return Err(Error::Access(AccessError::SessionLocked));
        }
        if touch {
            session.last_activity = Some(now);
        }
        Ok(session.clone())
    }

    /// As [`Desk::session`], and the staff member must be an administrator.
    pub fn require_admin(&self) -> Result<Session> {
        admin_only(self.session()?)
    }

    /// As [`Desk::require_admin`] without counting as activity (the shell's check before a
    /// command runs).
    pub fn admin_session_passive(&self) -> Result<Session> {
        admin_only(self.session_passive()?)
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
        let f = f.in_utc(self.engine.clock.local_offset());
        self.with_store(|s| events::search(s.conn(), &f, 1_000))
    }

    /// Write the filtered log as CSV into the Downloads folder (else the data folder); returns
    /// the file's path.
    pub fn audit_export(&self, f: &AuditFilter) -> Result<String> {
        self.require_admin()?;
        let f = f.in_utc(self.engine.clock.local_offset());
        let rows = self.with_store(|s| events::search(s.conn(), &f, 100_000))?;
        let dir = directories::UserDirs::new()
            .and_then(|u| u.download_dir().map(|d| d.to_path_buf()))
            .filter(|d| d.is_dir())
            .unwrap_or_else(|| self.paths.data_dir.join("exports"));
        std::fs::create_dir_all(&dir).map_err(|source| Error::Folder { path: dir.display().to_string(), source })?;
        let now = self.engine.now();
        let path = dir.join(format!(
            "verification-audit-{:04}{:02}{:02}-{:02}{:02}{:02}.csv",
            now.year(), now.month() as u8, now.day(), now.hour(), now.minute(), now.second()
        ));
        std::fs::write(&path, events::to_csv(&rows))
            .map_err(|source| Error::Folder { path: path.display().to_string(), source })?;
        Ok(path.display().to_string())
    }

    // --- Delivery and messages ---------------------------------------------------------------

    pub fn credentials_view(&self) -> Result<CredentialsView> {
        admin::credentials_view(&self.delivery)
    }

    pub fn save_gmail(&self, actor: &str, input: &GmailInput) -> Result<CredentialsView> {
        admin::save_gmail(&self.delivery, actor, input)
    }

    pub fn save_twilio(&self, actor: &str, input: &TwilioInput) -> Result<CredentialsView> {
        admin::save_twilio(&self.delivery, actor, input)
    }

    pub fn delete_credentials(&self, actor: &str, provider: Provider) -> Result<CredentialsView> {
        admin::delete_credentials(&self.delivery, actor, provider)
    }

    pub async fn send_test(&self, actor: &str, provider: Provider, to: &str) -> Result<TestResult> {
        admin::send_test(&self.delivery, actor, provider, to).await
    }

    pub fn health(&self) -> Result<Health> {
        admin::health(&self.delivery)
    }

    /// Recent messages, newest first (the admin's outbox view, and the person panel's state).
    pub fn outbox_list(&self, user_id: Option<&str>, limit: u32) -> Result<Vec<OutboxEntry>> {
        self.with_store(|s| outbox::list(s.conn(), user_id, limit))
    }

    /// Drop final outbox rows older than two days (they only fed the rate limits).
    pub fn prune_outbox(&self) -> Result<usize> {
        self.with_store(|s| outbox::prune(s.conn(), self.engine.now()))
    }

    pub fn templates_list(&self, channel: Channel, language: &str) -> Result<Vec<TemplateView>> {
        self.with_store(|s| templates::list(s.conn(), channel, language))
    }

    pub fn template_save(&self, actor: &str, channel: Channel, language: &str, part: Part, body: &str) -> Result<Vec<TemplateView>> {
        let now = ts(self.engine.now());
        self.with_store(|s| {
            templates::save(s.conn(), channel, language, part, body, actor, &now)?;
            templates::list(s.conn(), channel, language)
        })
    }

    pub fn template_reset(&self, channel: Channel, language: &str, part: Option<Part>) -> Result<Vec<TemplateView>> {
        self.with_store(|s| {
            templates::reset(s.conn(), channel, language, part)?;
            templates::list(s.conn(), channel, language)
        })
    }

    pub fn template_preview(&self, channel: Channel, language: &str, draft: Option<(Part, &str)>) -> Result<Preview> {
        let clinic = self.policy()?.clinic_name;
        self.with_store(|s| templates::preview(s.conn(), channel, language, &clinic, draft))
    }
}

fn admin_only(s: Session) -> Result<Session> {
    if s.role != Role::Admin {
        tracing::warn!("admin action refused for a reception account");
        return Err(Error::Access(AccessError::AdminOnly));
    }
    Ok(s)
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
        assert_eq!(status.migrations_applied, desk_core::store::latest_version());
        assert_eq!(status.keyring.state, desk_core::secrets::KeyringState::Ok);
    }
}
