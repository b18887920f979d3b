//! Shared set-up for the core's integration tests: a desk on a temporary folder with a manual
//! clock, seeded randomness and an in-memory keyring.
#![allow(dead_code)]

use std::sync::Arc;

use desk_app::{AppPaths, Desk};
use desk_core::clock::ManualClock;
use desk_core::codes::SeededRandom;
use desk_core::outbox;
use desk_core::people::{EntityType, PersonInput};
use desk_core::secrets::Keyring;
use secrecy::ExposeSecret;
use time::macros::datetime;

pub struct TestDesk {
    pub desk: Desk,
    pub clock: ManualClock,
    pub dir: tempfile::TempDir,
    pub keyring: Keyring,
}

pub fn mock_keyring() -> Keyring {
    Keyring::with_store(keyring_core::mock::Store::new().expect("mock store"), "mock")
}

/// What the loopback providers carried: (idempotency key, to, code). Keyed by the message, so
/// tests running side by side never read each other's.
static CARRIED: std::sync::Mutex<Vec<(String, String, String)>> = std::sync::Mutex::new(Vec::new());

/// A provider that takes every message at once and keeps what it carried: the test's stand-in
/// for a phone or mailbox, so the real outbox and worker send, and a verification is real.
struct Loopback(desk_core::channel::Channel);

#[async_trait::async_trait]
impl desk_delivery::provider::Provider for Loopback {
    fn channel(&self) -> desk_core::channel::Channel {
        self.0
    }
    fn vendor(&self) -> &'static str {
        "loopback"
    }
    async fn send(&self, m: &desk_delivery::provider::Outgoing<'_>) -> Result<String, desk_delivery::failure::Failure> {
        CARRIED.lock().unwrap_or_else(|p| p.into_inner()).push((m.idempotency_key.to_owned(), m.to.to_owned(), m.code.to_owned()));
        Ok(format!("loop-{}", m.idempotency_key))
    }
    async fn send_test(&self, _to: &str, _clinic: &str, _id: &str) -> Result<String, desk_delivery::failure::Failure> {
        Ok("Looped.".into())
    }
    fn classify(&self, _code: Option<i64>) -> desk_delivery::failure::Failure {
        desk_delivery::failure::Failure::not_configured("loopback")
    }
}

macro_rules! loopback {
    ($name:ident, $channel:expr) => {
        fn $name(_: &desk_core::settings::Settings, _: &desk_delivery::DeliverySettings, _: &Keyring) -> desk_delivery::provider::Built {
            desk_delivery::provider::Built::Ready(Arc::new(Loopback($channel)))
        }
    };
}
loopback!(loop_whatsapp, desk_core::channel::Channel::WHATSAPP);
loopback!(loop_sms, desk_core::channel::Channel::SMS);
loopback!(loop_email, desk_core::channel::Channel::EMAIL);

fn loopback_registrations() -> Vec<desk_delivery::provider::Registration> {
    use desk_core::channel::Channel;
    use desk_delivery::provider::Registration;
    vec![
        Registration { channel: Channel::WHATSAPP, name: "loop_whatsapp", build: loop_whatsapp },
        Registration { channel: Channel::SMS, name: "loop_sms", build: loop_sms },
        Registration { channel: Channel::EMAIL, name: "loop_email", build: loop_email },
    ]
}

/// A desk whose every channel is set up (loopback providers): codes really go out, through the
/// outbox and the worker, when the test delivers them.
pub fn delivering_desk() -> TestDesk {
    let dir = tempfile::tempdir().expect("tempdir");
    let keyring = mock_keyring();
    let clock = ManualClock::at(datetime!(2026-11-24 04:30 UTC));
    let desk = Desk::open_with_providers(
        AppPaths::under(dir.path()),
        keyring.clone(),
        Arc::new(clock.clone()),
        Arc::new(SeededRandom::new(42)),
        loopback_registrations(),
    )
    .expect("open desk");
    TestDesk { desk, clock, dir, keyring }
}

/// A desk with nothing set up: demo mode.
pub fn desk() -> TestDesk {
    let dir = tempfile::tempdir().expect("tempdir");
    let keyring = mock_keyring();
    let clock = ManualClock::at(datetime!(2026-11-24 04:30 UTC));
    let desk = Desk::open_with(AppPaths::under(dir.path()), keyring.clone(), Arc::new(clock.clone()), Arc::new(SeededRandom::new(42)))
        .expect("open desk");
    TestDesk { desk, clock, dir, keyring }
}

impl TestDesk {
    /// The same data folder and keyring opened again, as after a restart.
    pub fn reopen(self) -> TestDesk {
        let TestDesk { desk, clock, dir, keyring } = self;
        drop(desk);
        let desk = Desk::open_with(AppPaths::under(dir.path()), keyring.clone(), Arc::new(clock.clone()), Arc::new(SeededRandom::new(7)))
            .expect("reopen desk");
        TestDesk { desk, clock, dir, keyring }
    }

    pub fn add(&self, name: &str, phone: &str, email: &str) -> String {
        self.desk
            .add_person(
                "reception1",
                &PersonInput {
                    display_name: name.into(),
                    entity_type: Some(EntityType::Patient),
                    phone: (!phone.is_empty()).then(|| phone.into()),
                    email: (!email.is_empty()).then(|| email.into()),
                    preferred_language: None,
                },
            )
            .expect("add person")
            .user_id
    }

    /// Run the worker until nothing is due: queued messages go to their providers.
    pub fn deliver(&self) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        rt.block_on(async {
            for _ in 0..10 {
                desk_delivery::worker::tick(self.desk.ctx()).await.expect("worker tick");
            }
        });
    }

    /// The code that went out in a message, as the person received it: the message is
    /// delivered first (a loopback provider on a delivering desk; the demo outbox otherwise).
    pub fn received(&self, outbox_id: i64) -> String {
        let key: String = self
            .desk
            .with_store(|s| Ok(s.conn().query_row("SELECT idempotency_key FROM outbox WHERE id = ?1", [outbox_id], |r| r.get(0))?))
            .expect("outbox row");
        let queued = self.code_in(outbox_id);
        self.deliver();
        let carried = CARRIED.lock().unwrap_or_else(|p| p.into_inner());
        match carried.iter().find(|(k, _, _)| *k == key) {
            Some((_, _, code)) => code.clone(),
            None => queued,
        }
    }

    /// The code a queued message carries (what the patient would receive).
    pub fn code_in(&self, outbox_id: i64) -> String {
        self.desk
            .with_store(|s| outbox::get(s.conn(), self.desk.engine().secrets(), outbox_id))
            .expect("outbox read")
            .and_then(|m| m.code)
            .map(|c| c.expose_secret().to_owned())
            .expect("queued message has a code")
    }

    pub fn event_kinds(&self, user_id: &str) -> Vec<String> {
        let mut kinds: Vec<_> = self.desk.events_for(user_id).expect("events").into_iter().map(|e| e.kind.to_string()).collect();
        kinds.reverse();
        kinds
    }

    /// Change settings; those that point a provider at the test's server (which the admin
    /// screen only changes with the secret typed again) are written to the store as a fixture.
    pub fn set(&self, patch: serde_json::Value) {
        let (bound, rest): (serde_json::Map<_, _>, serde_json::Map<_, _>) = patch
            .as_object()
            .expect("object")
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .partition(|(k, _)| desk_delivery::credentials::BOUND_TO_SECRETS.contains(&k.as_str()));
        if !bound.is_empty() {
            self.desk
                .with_store(|s| {
                    desk_core::settings::update::<desk_delivery::DeliverySettings>(s.conn(), &bound, "test", "2026-01-01T00:00:00.000Z")
                        .map(|_| ())
                })
                .expect("provider settings");
            self.desk.delivery().invalidate_transports();
        }
        self.desk.update_settings("admin", &rest).expect("settings update");
    }

    pub fn clock_now(&self) -> time::OffsetDateTime {
        use desk_core::clock::Clock;
        self.clock.now()
    }

    /// Some other code of the right length that is not `code`.
    pub fn wrong(code: &str) -> String {
        code.chars().map(|c| if c == '9' { '0' } else { char::from(c as u8 + 1) }).collect()
    }
}
