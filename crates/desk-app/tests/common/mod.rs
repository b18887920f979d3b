//! Shared set-up for the core's integration tests: a desk on a temporary folder with a manual
//! clock, seeded randomness and an in-memory keyring.
#![allow(dead_code)]

use std::sync::Arc;

use desk_core::clock::ManualClock;
use desk_core::codes::SeededRandom;
use desk_core::people::{EntityType, PersonInput};
use desk_core::secrets::Keyring;
use desk_core::outbox;
use desk_app::{AppPaths, Desk};
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

pub fn desk() -> TestDesk {
    let dir = tempfile::tempdir().expect("tempdir");
    let keyring = mock_keyring();
    let clock = ManualClock::at(datetime!(2026-11-24 04:30 UTC));
    let desk = Desk::open_with(
        AppPaths::under(dir.path()),
        keyring.clone(),
        Arc::new(clock.clone()),
        Arc::new(SeededRandom::new(42)),
    )
    .expect("open desk");
    TestDesk { desk, clock, dir, keyring }
}

impl TestDesk {
    /// The same data folder and keyring opened again, as after a restart.
    pub fn reopen(self) -> TestDesk {
        let TestDesk { desk, clock, dir, keyring } = self;
        drop(desk);
        let desk = Desk::open_with(
            AppPaths::under(dir.path()),
            keyring.clone(),
            Arc::new(clock.clone()),
            Arc::new(SeededRandom::new(7)),
        )
        .expect("reopen desk");
        TestDesk { desk, clock, dir, keyring }
    }

    pub fn add(&self, name: &str, phone: &str, email: &str) -> String {
        self.desk
            .add_person("reception1", &PersonInput {
                display_name: name.into(),
                entity_type: Some(EntityType::Patient),
                phone: (!phone.is_empty()).then(|| phone.into()),
                email: (!email.is_empty()).then(|| email.into()),
                preferred_language: None,
            })
            .expect("add person")
            .user_id
    }

    /// The code a queued message carries (what the patient would receive).
    pub fn code_in(&self, outbox_id: i64) -> String {
        self.desk
            .with_store(|s| outbox::get(s.conn(), &self.desk.engine().secrets, outbox_id))
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

    pub fn set(&self, patch: serde_json::Value) {
        self.desk
            .update_settings("admin", patch.as_object().expect("object"))
            .expect("settings update");
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
