//! `Desk`: the one object the shell holds. It owns the store, the keyring handle and the
//! verification engine, and is the API the Tauri commands call (one line each).

use std::sync::{Arc, Mutex};

use serde::Serialize;
use serde_json::{Map, Value};

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
use crate::verify::{ContactStatus, Engine, PersonView, Started, Verified};

pub struct Desk {
    paths: AppPaths,
    store: Mutex<Store>,
    keyring: Keyring,
    engine: Engine,
    delivery: crate::delivery::worker::Hub,
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
        Ok(Desk { paths, store: Mutex::new(store), keyring, engine, delivery: Default::default() })
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
        self.with_store(|s| self.engine.update_settings(s.conn(), patch, actor))
    }

    pub fn load_sample_data(&self, actor: &str) -> Result<usize> {
        self.with_store(|s| crate::sample::load(s.conn_mut(), actor, self.engine.now(), self.engine.rng.as_ref()))
    }

    pub fn events_for(&self, user_id: &str) -> Result<Vec<Event>> {
        self.with_store(|s| events::for_user(s.conn(), user_id, 200))
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
