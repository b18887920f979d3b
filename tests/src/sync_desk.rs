//! A desk for the sync tests: its own folder, manual clock and in-memory keyring, providers that
//! take every message at once (so a typed code counts as a real verification, not practice),
//! and its sync settings pointed at a clinic database of the test's server.

use std::sync::{Arc, Mutex};

use desk_app::{AppPaths, Desk, SyncInput};
use desk_core::channel::Channel;
use desk_core::clock::ManualClock;
use desk_core::codes::SeededRandom;
use desk_core::contact::CodeType;
use desk_core::secrets::Keyring;
use desk_delivery::provider::{Built, Outgoing, Provider, Registration};
use desk_sync::{RoundReport, SyncError};
use serde_json::Value;

use crate::pg::ClinicDb;

/// What the providers carried: (idempotency key, to, code).
static CARRIED: Mutex<Vec<(String, String, String)>> = Mutex::new(Vec::new());

struct Carrier(Channel);

#[async_trait::async_trait]
impl Provider for Carrier {
    fn channel(&self) -> Channel {
        self.0
    }
    fn vendor(&self) -> &'static str {
        "test-carrier"
    }
    async fn send(&self, m: &Outgoing<'_>) -> Result<String, desk_delivery::failure::Failure> {
        CARRIED.lock().unwrap_or_else(|p| p.into_inner()).push((m.idempotency_key.to_owned(), m.to.to_owned(), m.code.to_owned()));
        Ok(format!("carried-{}", m.idempotency_key))
    }
    async fn send_test(&self, _to: &str, _clinic: &str, _id: &str) -> Result<String, desk_delivery::failure::Failure> {
        Ok("Carried.".into())
    }
    fn classify(&self, _code: Option<i64>) -> desk_delivery::failure::Failure {
        desk_delivery::failure::Failure::not_configured("test-carrier")
    }
}

fn carrier_email(_: &desk_core::settings::Settings, _: &desk_delivery::DeliverySettings, _: &Keyring) -> Built {
    Built::Ready(Arc::new(Carrier(Channel::EMAIL)))
}
fn carrier_sms(_: &desk_core::settings::Settings, _: &desk_delivery::DeliverySettings, _: &Keyring) -> Built {
    Built::Ready(Arc::new(Carrier(Channel::SMS)))
}
fn carrier_whatsapp(_: &desk_core::settings::Settings, _: &desk_delivery::DeliverySettings, _: &Keyring) -> Built {
    Built::Ready(Arc::new(Carrier(Channel::WHATSAPP)))
}

pub fn carriers() -> Vec<Registration> {
    vec![
        Registration { channel: Channel::WHATSAPP, name: "carrier_whatsapp", build: carrier_whatsapp },
        Registration { channel: Channel::SMS, name: "carrier_sms", build: carrier_sms },
        Registration { channel: Channel::EMAIL, name: "carrier_email", build: carrier_email },
    ]
}

pub struct SyncDesk {
    pub desk: Desk,
    pub clock: ManualClock,
    pub dir: tempfile::TempDir,
    pub keyring: Keyring,
    pub role: String,
    pub password: String,
    /// On the real clock (`clock` is then unused).
    pub live: bool,
}

pub fn mock_keyring() -> Keyring {
    Keyring::with_store(keyring_core::mock::Store::new().expect("mock store"), "mock")
}

/// What the admin would type on the sync screen for this clinic.
pub fn input_for(clinic: &ClinicDb, role: &str, password: Option<&str>) -> SyncInput {
    SyncInput {
        host: "127.0.0.1".into(),
        port: clinic.port,
        database: clinic.db.clone(),
        role: role.into(),
        ca_file: clinic.ca.display().to_string(),
        interval_minutes: 5,
        password: password.map(|p| p.to_owned().into()),
    }
}

impl SyncDesk {
    /// A desk enrolled in `clinic` for `hospital`, its clock at `start`.
    pub fn enrolled(clinic: &ClinicDb, name: &str, hospital: &str, start: time::OffsetDateTime) -> SyncDesk {
        let (role, password) = clinic.enroll(name, hospital);
        let d = SyncDesk::open(tempfile::tempdir().expect("tempdir"), mock_keyring(), start, role, password);
        d.desk.sync_save("admin", &input_for(clinic, &d.role, Some(&d.password))).expect("save sync settings");
        d
    }

    /// As [`SyncDesk::enrolled`], on the real clock: for tests where the desks' time must pass
    /// with the server's (a manual clock jumps where the server's doesn't, so each sync would
    /// measure another offset).
    pub fn enrolled_live(clinic: &ClinicDb, name: &str, hospital: &str) -> SyncDesk {
        let (role, password) = clinic.enroll(name, hospital);
        let mut d = SyncDesk::open_on(tempfile::tempdir().expect("tempdir"), mock_keyring(), None, role, password);
        d.live = true;
        d.desk.sync_save("admin", &input_for(clinic, &d.role, Some(&d.password))).expect("save sync settings");
        d
    }

    fn open(dir: tempfile::TempDir, keyring: Keyring, start: time::OffsetDateTime, role: String, password: String) -> SyncDesk {
        SyncDesk::open_on(dir, keyring, Some(start), role, password)
    }

    fn open_on(dir: tempfile::TempDir, keyring: Keyring, start: Option<time::OffsetDateTime>, role: String, password: String) -> SyncDesk {
        let clock = ManualClock::at(start.unwrap_or_else(time::OffsetDateTime::now_utc));
        let real: Arc<dyn desk_core::clock::Clock> = match start {
            Some(_) => Arc::new(clock.clone()),
            None => Arc::new(desk_core::clock::SystemClock::new()),
        };
        let seed = start.unwrap_or_else(time::OffsetDateTime::now_utc).unix_timestamp_nanos() as u64;
        let desk =
            Desk::open_with_providers(AppPaths::under(dir.path()), keyring.clone(), real, Arc::new(SeededRandom::new(seed)), carriers())
                .expect("open desk");
        SyncDesk { desk, clock, dir, keyring, role, password, live: start.is_none() }
    }

    /// The same folder and keyring opened again, as after a restart (or a crash).
    pub fn reopen(self) -> SyncDesk {
        let SyncDesk { desk, clock, dir, keyring, role, password, live } = self;
        drop(desk);
        let start = (!live).then(|| desk_core::clock::Clock::now(&clock));
        let mut d = SyncDesk::open_on(dir, keyring, start, role, password);
        if !live {
            d.clock = clock;
        }
        d
    }

    /// One sync round, as "Sync now" runs it.
    pub fn sync(&self) -> Result<RoundReport, SyncError> {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        rt.block_on(self.desk.syncer().round())
    }

    pub fn synced(&self) -> RoundReport {
        self.sync().unwrap_or_else(|e| panic!("sync failed: {e} ({})", e.code()))
    }

    /// Send a code by `channel` and type it: a real verification (the carrier took the message).
    pub fn verify(&self, user_id: &str, channel: Channel) {
        let started = self.desk.start_verification("reception1", user_id, channel, true).expect("start verification");
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        rt.block_on(async {
            for _ in 0..5 {
                desk_delivery::worker::tick(self.desk.ctx()).await.expect("worker tick");
            }
        });
        let key: String = self
            .desk
            .with_store(|s| {
                Ok(s.conn().query_row("SELECT idempotency_key FROM outbox WHERE id = ?1", [started.outbox_id], |r| r.get(0))?)
            })
            .expect("outbox row");
        let code = CARRIED
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, _, c)| c.clone())
            .expect("the carrier took the message");
        self.desk.check_code("reception1", user_id, channel.code_type(), &code).expect("the code checks");
    }

    /// Each person's verified contacts as this desk holds them: (user id, phone, email), each
    /// `Some((verified_at, target))` when verified. What two desks must agree on.
    pub fn verified(&self) -> Vec<(String, Option<(String, String)>, Option<(String, String)>)> {
        self.desk
            .with_store(|s| {
                let mut stmt =
                    s.conn().prepare("SELECT user_id, verification_status FROM users WHERE origin = 'clinic' ORDER BY user_id")?;
                let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
                let mut out = Vec::new();
                for row in rows {
                    let (id, status) = row?;
                    let v: Value = desk_core::people::parse_status(&status);
                    let pick = |k: CodeType| {
                        let e = v.get(k.as_str())?;
                        if e.get("verified")?.as_bool()? {
                            Some((e.get("verified_at")?.as_str()?.to_owned(), e.get("target")?.as_str()?.to_owned()))
                        } else {
                            None
                        }
                    };
                    out.push((id, pick(CodeType::Phone), pick(CodeType::Email)));
                }
                Ok(out)
            })
            .expect("read people")
    }

    /// When this desk last verified a person's contact (its own status entry).
    pub fn last_verified_at(&self, user_id: &str, key: &str) -> String {
        let person = self.desk.with_store(|s| desk_core::people::get(s.conn(), user_id)).expect("person");
        person.verification_status[key]["verified_at"].as_str().expect("verified").to_owned()
    }
}
