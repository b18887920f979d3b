//! `Desk`: the one object the shell holds. It owns the store, the keyring handle and the
//! verification engine, and is the API the Tauri commands call (one line each).

use desk_core::error::{AccessError, CodeError};
use std::sync::{Arc, Mutex};

use desk_core::backup;
use desk_core::channel::Channel;
use desk_core::clock::{ts, Clock, SystemClock};
use desk_core::codes::{CodeSecrets, OsRandom, RandomSource};
use desk_core::consent::{self, ConsentGiven, Notice};
use desk_core::contact::CodeType;
use desk_core::error::{Error, Result};
use desk_core::events::{self, AuditFilter, ChainReport, Event, EventKind, Journal, NewEvent, Outcome};
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
    /// Why the code pepper is only in memory (the keyring couldn't be read at start-up).
    pepper_problem: Option<desk_core::secrets::SecretsError>,
    /// The keyring's state at the last status check, to notice it coming back.
    keyring_was_ok: std::sync::atomic::AtomicBool,
    /// Sync with the clinic: the shell runs its loop; "Sync now" and the status use it here.
    syncer: Arc<desk_sync::Syncer>,
}

impl Drop for Desk {
    fn drop(&mut self) {
        self.syncer.stop();
    }
}

/// The first start's result: the administrator, and the recovery code, shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct FirstAdminResult {
    pub admin: StaffView,
    /// Shown once, to be written down and kept somewhere safe: the way back in if every
    /// administrator is locked out or forgets the password.
    pub recovery_code: String,
}

/// Every setting the desk has: the core's and the providers', as one object for the UI.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct AllSettings {
    #[serde(flatten)]
    pub core: Settings,
    #[serde(flatten)]
    pub delivery: DeliverySettings,
}

/// A setting the clinic system sets for every desk (sync brings it; read-only on the desk).
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct CentralSetting {
    pub name: String,
    pub label: String,
    pub value: Value,
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
        // A restore an admin asked for happens now, before anything has the database open. One
        // that can't be done leaves the data as it was (the reason is in the log).
        let restored = backup::apply_pending(&paths, clock.now()).unwrap_or_else(|err| {
            tracing::error!(%err, "the restore asked for was not done");
            None
        });
        let mut store = Store::open(&paths.db_file)?;
        // A desk stopped in the middle of a large pull left the search index paused: rebuild it.
        desk_core::people::search_index::resume(store.conn())?;
        // A synced desk restored from a backup continues as a new device, before its journal
        // starts: its old series may go on in the clinic past the backup (the fork rule).
        let new_device = match &restored {
            Some(_) => restart_series_if_synced(&mut store, clock.now())?,
            None => false,
        };
        let device_id = store.device_id()?;
        let (secrets, pepper_problem) = CodeSecrets::load_or_create(&keyring, rng.as_ref());
        let journal = Arc::new(Journal::new(device_id, secrets, rng.clone()));
        // Events from before the audit chain are sealed by one anchor, made once.
        events::chain::anchor(store.conn(), &journal, clock.now())?;
        if let Some(r) = restored {
            finish_restore(&paths, &mut store, &journal, &r, new_device, clock.now())?;
        }
        let db = Db::new(store);
        let delivery =
            Context { db: db.clone(), clock: clock.clone(), rng: rng.clone(), journal: journal.clone(), keyring: keyring.clone(), hub };
        // The clock offset sync last measured, until it measures again.
        let offset = db.with(|s| Ok(desk_sync::state::load(s.conn())?.clock_offset_ms))?;
        journal.set_clock_offset_ms(offset);
        let password_keyring = keyring.clone();
        let syncer = Arc::new(desk_sync::Syncer::new(
            desk_sync::Local { db: db.clone(), journal: journal.clone(), clock: clock.clone() },
            Arc::new(move || desk_sync::settings::read_password(&password_keyring)),
        ));
        let engine = Engine::new(clock, rng, journal);
        Ok(Desk {
            paths,
            db,
            keyring,
            engine,
            delivery,
            session: Mutex::new(None),
            pepper_problem,
            keyring_was_ok: std::sync::atomic::AtomicBool::new(true),
            syncer,
        })
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

    /// Sync with the clinic (the shell spawns its loop with [`desk_sync::Syncer::run`]).
    pub fn syncer(&self) -> &Arc<desk_sync::Syncer> {
        &self.syncer
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

    /// The status bar's facts. Probes the keyring (outside the store lock), so call it off the
    /// UI thread. When the keyring has come back, messages waiting for it go at once.
    pub fn status(&self) -> Result<AppStatus> {
        let keyring = self.keyring.probe();
        let ok = keyring.state == desk_core::secrets::KeyringState::Ok;
        if ok && !self.keyring_was_ok.swap(true, std::sync::atomic::Ordering::SeqCst) {
            self.keyring_recovered()?;
        } else if !ok {
            self.keyring_was_ok.store(false, std::sync::atomic::Ordering::SeqCst);
        }
        let (path, report, waiting) = self.with_store(|s| {
            Ok((
                s.path().display().to_string(),
                s.migration_report(),
                outbox::waiting_for(s.conn(), desk_delivery::failure::KEYRING_LOCKED)?,
            ))
        })?;
        let mut status = AppStatus::new(path, self.paths.log_dir.display().to_string(), report, keyring);
        status.waiting_for_keyring = waiting;
        status.temporary_pepper = self.pepper_problem.as_ref().map(|_| {
            "The desk couldn't read its keyring when it started, so codes sent now can't be checked after a restart. \
             Unlock the keyring, then restart the app."
                .to_owned()
        });
        Ok(status)
    }

    /// The keyring answers again: rebuild the providers and send what waited for it now.
    pub fn keyring_recovered(&self) -> Result<()> {
        let now = self.engine.now();
        let n = self.with_store(|s| outbox::retry_now(s.conn(), desk_delivery::failure::KEYRING_LOCKED, now))?;
        tracing::info!(waiting = n, "keyring is back: sending what waited for it");
        self.delivery.hub.invalidate_transports();
        self.delivery.hub.wake.notify_one();
        Ok(())
    }

    /// Append one event about an action (in its own transaction).
    pub(crate) fn record(&self, subject: &str, kind: EventKind, actor: &str, detail: Value) -> Result<()> {
        let now = self.engine.now();
        self.with_store(|s| {
            let tx = s.conn_mut().transaction()?;
            events::append(&tx, &self.engine.journal, now, &NewEvent::action(subject, kind, actor, Outcome::Done, Some(detail)))?;
            tx.commit()?;
            Ok(())
        })
    }

    /// Every administrator command leaves an event, whatever else it records (the shell calls
    /// this for each one before it runs, from the one command list).
    pub fn record_admin_command(&self, command: &str) -> Result<()> {
        let who = self.session_passive()?;
        self.record(&who.user_id, EventKind::AdminCommand, &who.user_id, serde_json::json!({"command": command}))
    }

    pub fn search(&self, query: &str) -> Result<Vec<PersonSummary>> {
        self.with_store(|s| self.engine.search(s.conn(), query))
    }

    /// People whose required contacts aren't verified, oldest first.
    pub fn needs_verifying(&self, limit: u32) -> Result<Vec<PersonSummary>> {
        self.with_store(|s| self.engine.needs_verifying(s.conn(), limit))
    }

    pub fn person(&self, user_id: &str) -> Result<PersonView> {
        self.with_store(|s| self.engine.person_view(s.conn(), user_id))
    }

    pub fn add_person(&self, actor: &str, input: &PersonInput) -> Result<PersonView> {
        self.with_store(|s| {
            let id = people::add(s.conn_mut(), &self.engine.journal, input, actor, self.engine.now(), self.engine.rng.as_ref())?;
            self.engine.person_view(s.conn(), &id)
        })
    }

    pub fn update_person(&self, actor: &str, user_id: &str, input: &PersonInput) -> Result<EditResult> {
        self.with_store(|s| {
            let outcome = people::update(s.conn_mut(), &self.engine.journal, user_id, input, actor, self.engine.now())?;
            Ok(EditResult { person: self.engine.person_view(s.conn(), user_id)?, outcome })
        })
    }

    /// Issue and queue a code. `consent`: the person agreed to receive a code at this contact;
    /// it is required, and recorded with the event.
    pub fn start_verification(&self, actor: &str, user_id: &str, channel: Channel, consent: bool) -> Result<Started> {
        if !consent {
            return Err(Error::Code(CodeError::ConsentRequired));
        }
        // The notice as the window showed it, beside the box the receptionist ticked.
        let given = ConsentGiven::current(consent::DESK_LANGUAGE);
        let started = self.with_store(|s| self.engine.start(s.conn_mut(), actor, user_id, channel, &given))?;
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

    /// The settings the clinic system sets for every desk (read-only here), with their labels.
    pub fn settings_central(&self) -> Result<Vec<CentralSetting>> {
        let central = self.with_store(|s| settings::central(s.conn()))?;
        let defs = setting_defs();
        // The value in effect: the clinic's, raised to the security floor where it is below it
        // (the floor notice says so).
        let in_effect = serde_json::to_value(self.settings()?).unwrap_or_default();
        Ok(central
            .into_iter()
            .map(|(name, value)| {
                let label = defs.iter().find(|d| d.def.name == name.as_str()).map_or_else(|| name.clone(), |d| d.def.label.to_owned());
                let value = in_effect.get(name.as_str()).cloned().unwrap_or(value);
                CentralSetting { name, label, value }
            })
            .collect())
    }

    /// Change settings (partial), all or nothing: each group takes its own names, in one
    /// transaction; a name no group declares is refused.
    pub fn update_settings(&self, actor: &str, patch: &Map<String, Value>) -> Result<AllSettings> {
        settings::refuse_unknown(patch, &[settings::knows::<Settings>, settings::knows::<DeliverySettings>])?;
        if let Some(name) = patch.keys().find(|k| desk_delivery::credentials::BOUND_TO_SECRETS.contains(&k.as_str())) {
            return Err(Error::InvalidInput(format!(
                "“{name}” changes where a saved password goes: change it in Admin → Providers, with the password typed again."
            )));
        }
        let central = self.with_store(|s| settings::central(s.conn()))?;
        if let Some(name) = patch.keys().find(|k| central.contains_key(k.as_str())) {
            let label = settings::schema::<Settings>()
                .into_iter()
                .find(|d| d.def.name == name.as_str())
                .map(|d| d.def.label.to_owned())
                .unwrap_or(name.clone());
            return Err(Error::InvalidInput(format!(
                "“{label}” is set in the clinic system for every desk: change it there, and the next sync brings it here."
            )));
        }
        let now_at = self.engine.now();
        let now = ts(now_at);
        let before = serde_json::to_value(self.settings()?).unwrap_or_default();
        self.with_store(|s| {
            let tx = s.conn_mut().transaction()?;
            self.engine.update_settings(&tx, patch, actor)?;
            settings::update::<DeliverySettings>(&tx, patch, actor, &now)?;
            // Old and new values of what changed, in the same transaction as the change.
            let changes: Map<String, Value> = patch
                .iter()
                .filter(|(k, v)| before.get(k.as_str()) != Some(v))
                .map(|(k, v)| (k.clone(), serde_json::json!({"old": before.get(k.as_str()), "new": v})))
                .collect();
            events::append(
                &tx,
                &self.engine.journal,
                now_at,
                &NewEvent::action(actor, EventKind::SettingsChanged, actor, Outcome::Done, Some(Value::Object(changes))),
            )?;
            tx.commit()?;
            Ok(())
        })
        .inspect_err(|_| self.engine.forget_settings())?;
        // Provider settings may have changed: rebuild the providers.
        self.delivery.hub.invalidate_transports();
        self.settings()
    }

    pub fn load_sample_data(&self, actor: &str) -> Result<usize> {
        self.with_store(|s| desk_core::sample::load(s.conn_mut(), &self.engine.journal, actor, self.engine.now(), self.engine.rng.as_ref()))
    }

    pub fn events_for(&self, user_id: &str) -> Result<Vec<Event>> {
        self.with_store(|s| events::for_user(s.conn(), user_id, 200))
    }

    // --- Staff, sessions and roles -------------------------------------------------------------

    pub fn setup_status(&self) -> Result<SetupStatus> {
        let settings = self.policy()?;
        let (n, people) = self.with_store(|s| Ok((staff::count(s.conn())?, people::count(s.conn())?)))?;
        Ok(SetupStatus {
            needs_first_admin: n == 0,
            people_count: people,
            clinic_name: settings.clinic_name,
            idle_lock_minutes: settings.idle_lock_minutes,
        })
    }

    /// Only on a desk with no staff yet: name the clinic and create its first administrator,
    /// and make the recovery code, all in one transaction (a failure leaves the desk as it was).
    pub fn create_first_admin(&self, input: &FirstAdmin) -> Result<FirstAdminResult> {
        let admin = NewStaff { role: Role::Admin, ..input.admin.clone() };
        let now = self.engine.now();
        let mut patch = Map::new();
        patch.insert("clinic_name".into(), Value::String(input.clinic_name.trim().to_owned()));
        let (view, code) = self
            .with_store(|s| {
                let tx = s.conn_mut().transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                if staff::count(&tx)? > 0 {
                    return Err(Error::Access(AccessError::AlreadySetUp));
                }
                let view = staff::add(&tx, &self.engine.journal, "setup", &admin, now)?;
                self.engine.update_settings(&tx, &patch, &view.user_id)?;
                events::append(
                    &tx,
                    &self.engine.journal,
                    now,
                    &NewEvent::action(
                        &view.user_id,
                        EventKind::SettingsChanged,
                        &view.user_id,
                        Outcome::Done,
                        Some(serde_json::json!({"clinic_name": {"old": null, "new": input.clinic_name.trim()}})),
                    ),
                )?;
                let code = staff::recovery::make(&tx, &self.engine.journal, &view.user_id, self.engine.rng.as_ref(), now)?;
                tx.commit()?;
                Ok((view, code))
            })
            .inspect_err(|_| self.engine.forget_settings())?;
        use secrecy::ExposeSecret;
        Ok(FirstAdminResult { admin: view, recovery_code: code.expose_secret().to_owned() })
    }

    /// Sign in. The password check (the slow part) runs without the store lock, so search and
    /// checks at other windows don't wait on it.
    pub fn sign_in(&self, user_id: &str, password: &str) -> Result<Session> {
        let now = self.engine.now();
        let offset = self.engine.clock.local_offset();
        let attempt = self.with_store(|s| staff::signin::begin(s.conn(), user_id, now, offset))?;
        let ok = staff::check_password(&attempt, password);
        let v = self.with_store(|s| {
            let tx = s.conn_mut().transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let result = staff::signin::finish(&tx, &self.engine.journal, &attempt, ok, now, offset);
            tx.commit()?;
            staff::view(s.conn(), &result?, now)
        })?;
        let session =
            Session { user_id: v.user_id, display_name: v.display_name, role: v.role, signed_in_at: ts(now), last_activity: Some(now) };
        tracing::info!(role = session.role.as_str(), "signed in");
        *self.session.lock().unwrap_or_else(|p| p.into_inner()) = Some(session.clone());
        Ok(session)
    }

    /// Use the recovery code: an administrator's password is set anew and its block lifted.
    /// Returns the next recovery code (the used one is spent), to be shown once.
    pub fn recover(&self, admin_id: &str, code: &str, new_password: &str) -> Result<String> {
        let now = self.engine.now();
        let offset = self.engine.clock.local_offset();
        let r = self.with_store(|s| staff::recovery::begin(s.conn(), now, offset))?;
        let ok = staff::recovery::check(&r, code);
        let next = self.with_store(|s| {
            let tx = s.conn_mut().transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let result = staff::recovery::finish(
                &tx,
                &self.engine.journal,
                &r,
                ok,
                admin_id.trim(),
                new_password,
                self.engine.rng.as_ref(),
                now,
                offset,
            );
            // A failed try is recorded (it counts against the throttle) even though it errs.
            tx.commit()?;
            result
        })?;
        use secrecy::ExposeSecret;
        Ok(next.expose_secret().to_owned())
    }

    /// An administrator makes a new recovery code (the old one stops working).
    pub fn recovery_code_new(&self) -> Result<String> {
        let by = self.require_admin()?;
        let now = self.engine.now();
        let code = self.with_store(|s| {
            let tx = s.conn_mut().transaction()?;
            let c = staff::recovery::make(&tx, &self.engine.journal, &by.user_id, self.engine.rng.as_ref(), now)?;
            tx.commit()?;
            Ok(c)
        })?;
        use secrecy::ExposeSecret;
        Ok(code.expose_secret().to_owned())
    }

    pub fn sign_out(&self) -> Result<()> {
        let was = self.session.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(who) = was {
            self.record(&who.user_id, EventKind::SignOut, &who.user_id, serde_json::json!({}))?;
        }
        Ok(())
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
        let Some(session) = guard.as_mut() else {
            return Err(Error::Access(AccessError::SignInRequired));
        };
        if session.last_activity.is_some_and(|t| now - t >= idle) {
            tracing::info!("session locked after idle time");
            let who = session.user_id.clone();
            *guard = None;
            drop(guard);
            self.record(&who, EventKind::IdleLock, &who, serde_json::json!({"idle_minutes": idle.whole_minutes()}))?;
            return Err(Error::Access(AccessError::SessionLocked));
        }
        // The role and the active flag are read afresh every time: an account demoted or
        // switched off by another admin loses its rights at once, not at its next sign-in.
        match self.with_store(|s| staff::current(s.conn(), &session.user_id))? {
            Some((role, true)) => session.role = role,
            _ => {
                tracing::info!("session ended: the account was switched off or removed");
                *guard = None;
                return Err(Error::Access(AccessError::AccountDisabled));
            }
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

    /// An admin's change to staff, in one transaction with its event.
    fn staff_change(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>, &Journal, &str, time::OffsetDateTime) -> Result<StaffView>,
    ) -> Result<StaffView> {
        let by = self.require_admin()?;
        let now = self.engine.now();
        self.with_store(|s| {
            let tx = s.conn_mut().transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let v = f(&tx, &self.engine.journal, &by.user_id, now)?;
            tx.commit()?;
            Ok(v)
        })
    }

    pub fn staff_add(&self, input: &NewStaff) -> Result<StaffView> {
        self.staff_change(|tx, j, by, now| staff::add(tx, j, by, input, now))
    }

    pub fn staff_set_active(&self, user_id: &str, active: bool) -> Result<StaffView> {
        self.staff_change(|tx, j, by, now| staff::set_active(tx, j, by, user_id, active, now))
    }

    pub fn staff_set_role(&self, user_id: &str, role: Role) -> Result<StaffView> {
        self.staff_change(|tx, j, by, now| staff::set_role(tx, j, by, user_id, role, now))
    }

    pub fn staff_reset_password(&self, user_id: &str, password: &str) -> Result<StaffView> {
        self.staff_change(|tx, j, by, now| staff::reset_password(tx, j, by, user_id, password, now))
    }

    pub fn staff_unlock(&self, user_id: &str) -> Result<StaffView> {
        self.staff_change(|tx, j, by, now| staff::unlock(tx, j, by, user_id, now))
    }

    // --- Consent ------------------------------------------------------------------------------

    /// The consent notice the receptionist reads out, in `language`.
    pub fn consent_notice(&self, language: &str) -> Notice {
        consent::notice(language)
    }

    fn contact_of(&self, conn: &rusqlite::Connection, user_id: &str, code_type: CodeType) -> Result<String> {
        let p = people::get(conn, user_id)?;
        let value = match code_type {
            CodeType::Phone => p.phone,
            CodeType::Email => p.email,
        };
        value.ok_or_else(|| Error::InvalidInput("This person has no such contact on file.".into()))
    }

    /// The person withdraws consent for one contact: recorded, and its waiting messages cancelled.
    pub fn consent_withdraw(&self, actor: &str, user_id: &str, code_type: CodeType) -> Result<PersonView> {
        let now = self.engine.now();
        self.with_store(|s| {
            let target = self.contact_of(s.conn(), user_id, code_type)?;
            let tx = s.conn_mut().transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            consent::withdraw(&tx, &self.engine.journal, user_id, code_type, &target, actor, now)?;
            tx.commit()?;
            self.engine.person_view(s.conn(), user_id)
        })
    }

    /// The person consents again after a withdrawal (with the current notice).
    pub fn consent_renew(&self, actor: &str, user_id: &str, code_type: CodeType) -> Result<PersonView> {
        let now = self.engine.now();
        let given = ConsentGiven::current(consent::DESK_LANGUAGE);
        self.with_store(|s| {
            let target = self.contact_of(s.conn(), user_id, code_type)?;
            let tx = s.conn_mut().transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            consent::renew(&tx, &self.engine.journal, user_id, code_type, &target, &given, actor, now)?;
            tx.commit()?;
            self.engine.person_view(s.conn(), user_id)
        })
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
            now.year(),
            now.month() as u8,
            now.day(),
            now.hour(),
            now.minute(),
            now.second()
        ));
        std::fs::write(&path, events::to_csv(&rows)).map_err(|source| Error::Folder { path: path.display().to_string(), source })?;
        let who = self.session_passive()?;
        self.record(
            &who.user_id,
            EventKind::AuditExported,
            &who.user_id,
            serde_json::json!({"rows": rows.len(), "file": path.file_name().map(|n| n.to_string_lossy().into_owned())}),
        )?;
        Ok(path.display().to_string())
    }

    /// Check the audit chain of every device's events, reporting `(done, total)` as it goes.
    /// Reads in pages outside one long lock, so the desk stays usable during a year's check.
    pub fn audit_chain_check(&self, progress: impl FnMut(i64, i64)) -> Result<ChainReport> {
        self.require_admin()?;
        // A snapshot of its own: a second connection, so the check never holds the desk's lock.
        let conn = rusqlite::Connection::open_with_flags(&self.paths.db_file, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        let tx = conn.unchecked_transaction()?;
        let report = events::chain::verify(&tx, self.engine.secrets(), progress)?;
        Ok(report)
    }

    // --- Delivery and messages ---------------------------------------------------------------

    pub fn credentials_view(&self) -> Result<CredentialsView> {
        admin::credentials_view(&self.delivery)
    }

    pub fn save_gmail(&self, actor: &str, input: &GmailInput) -> Result<CredentialsView> {
        let v = admin::save_gmail(&self.delivery, actor, input)?;
        // Never the values: which provider, and which settings went with it.
        self.record(
            actor,
            EventKind::CredentialsSaved,
            actor,
            serde_json::json!({"provider": "gmail", "address": v.gmail_address, "smtp_host": v.smtp_host}),
        )?;
        Ok(v)
    }

    pub fn save_twilio(&self, actor: &str, input: &TwilioInput) -> Result<CredentialsView> {
        let v = admin::save_twilio(&self.delivery, actor, input)?;
        self.record(actor, EventKind::CredentialsSaved, actor, serde_json::json!({"provider": "twilio"}))?;
        Ok(v)
    }

    pub fn delete_credentials(&self, actor: &str, provider: Provider) -> Result<CredentialsView> {
        let v = admin::delete_credentials(&self.delivery, actor, provider)?;
        self.record(actor, EventKind::CredentialsRemoved, actor, serde_json::json!({"provider": provider.as_str()}))?;
        Ok(v)
    }

    pub async fn send_test(&self, actor: &str, provider: Provider, to: &str) -> Result<TestResult> {
        let r = admin::send_test(&self.delivery, actor, provider, to).await?;
        self.record(actor, EventKind::CredentialsTested, actor, serde_json::json!({"provider": provider.as_str(), "ok": r.ok}))?;
        Ok(r)
    }

    /// The health view (the window reads it every 30 seconds). Its keyring probe also notices
    /// a keyring that has come back, and sends what waited for it then.
    pub fn health(&self) -> Result<Health> {
        let h = admin::health(&self.delivery)?;
        let ok = h.keyring.state == desk_core::secrets::KeyringState::Ok;
        self.keyring_was_ok.store(ok, std::sync::atomic::Ordering::SeqCst);
        if ok && h.waiting_for_keyring > 0 {
            self.keyring_recovered()?;
        }
        Ok(h)
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
        let list = self.with_store(|s| {
            templates::save(s.conn(), channel, language, part, body, actor, &now)?;
            templates::list(s.conn(), channel, language)
        })?;
        self.record(
            actor,
            EventKind::TemplateSaved,
            actor,
            serde_json::json!({"channel": channel.as_str(), "language": language, "part": part}),
        )?;
        Ok(list)
    }

    pub fn template_reset(&self, actor: &str, channel: Channel, language: &str, part: Option<Part>) -> Result<Vec<TemplateView>> {
        let list = self.with_store(|s| {
            templates::reset(s.conn(), channel, language, part)?;
            templates::list(s.conn(), channel, language)
        })?;
        self.record(
            actor,
            EventKind::TemplateReset,
            actor,
            serde_json::json!({"channel": channel.as_str(), "language": language, "part": part}),
        )?;
        Ok(list)
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

/// After a restore, on a desk that has synced: a new device id and a fresh place in sync, as
/// "start as a new device" does (its verifications the clinic may lack are carried over).
fn restart_series_if_synced(store: &mut Store, now: time::OffsetDateTime) -> Result<bool> {
    let old = store.device_id()?;
    let tx = store.conn_mut().transaction()?;
    let synced = desk_sync::state::load(&tx)?.device_id.is_some() || settings::load::<desk_sync::settings::SyncSettings>(&tx)?.configured();
    if synced {
        desk_core::store::new_device_id(&tx)?;
        desk_sync::state::reset_for_new_device(&tx, &old, now)?;
    }
    tx.commit()?;
    Ok(synced)
}

/// What restored data needs before anyone works on it: every message that came back waiting is
/// cancelled (its code is from another time), the restore is in the audit log, and a note says
/// what happened for the admin.
fn finish_restore(
    paths: &AppPaths,
    store: &mut Store,
    journal: &Journal,
    r: &backup::Restored,
    new_device: bool,
    now: time::OffsetDateTime,
) -> Result<()> {
    let key_id = journal.secrets().key_id();
    let tx = store.conn_mut().transaction()?;
    let pepper_changed = events::latest_key_id(&tx)?.is_some_and(|k| k != key_id);
    let codes_dead = desk_core::verify::codes_table::live_from_other_pepper(&tx, &key_id, now)?;
    let cancelled = outbox::retire_all(&tx, outbox::RetireReason::Restored, now)?;
    let detail = serde_json::json!({
        "backup": r.name, "made_at": r.made_at, "messages_cancelled": cancelled.len(),
        "new_device": new_device, "saved_before": r.saved_before,
    });
    events::append(
        &tx,
        journal,
        now,
        &NewEvent::action(&r.requested_by, EventKind::BackupRestored, &r.requested_by, Outcome::Done, Some(detail)),
    )?;
    tx.commit()?;
    backup::write_note(
        paths,
        &backup::RestoreNote {
            backup_name: r.name.clone(),
            backup_made_at: r.made_at.clone(),
            restored_at: ts(now),
            messages_cancelled: cancelled.len() as u32,
            new_device,
            pepper_changed,
            codes_dead,
        },
    )?;
    Ok(())
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
