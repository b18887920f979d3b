//! What delivery is handed by the facade, and the hub it shares with the shell.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use desk_core::clock::Clock;
use desk_core::codes::RandomSource;
use desk_core::error::Result;
use desk_core::events::Journal;
use desk_core::secrets::Keyring;
use desk_core::settings::{self, Settings};
use desk_core::store::Db;
use time::OffsetDateTime;
use tokio::sync::{broadcast, Notify};

use crate::registry::ProviderCache;
use crate::settings::DeliverySettings;
use crate::updates::{DeliveryUpdate, DemoMessage};

/// How many demo messages the in-app demo outbox keeps (memory only: they hold codes).
const DEMO_KEEP: usize = 50;

/// The dependencies delivery works with: handed down, never looked up.
#[derive(Clone)]
pub struct Context {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub rng: Arc<dyn RandomSource>,
    /// The event log's writer: this device's id, keys and clock offset.
    pub journal: Arc<Journal>,
    pub keyring: Keyring,
    pub hub: Arc<Hub>,
}

impl Context {
    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    /// The core's and the providers' settings, read together.
    pub fn settings(&self) -> Result<(Settings, DeliverySettings)> {
        self.db.with(|s| Ok((settings::load::<Settings>(s.conn())?, settings::load::<DeliverySettings>(s.conn())?)))
    }
}

/// Shared between the worker, the facade and the shell: wake-ups, UI updates, the demo outbox,
/// and the providers built from settings and the keyring.
pub struct Hub {
    pub wake: Notify,
    updates: broadcast::Sender<DeliveryUpdate>,
    demo: Mutex<VecDeque<DemoMessage>>,
    pub(crate) providers: ProviderCache,
}

impl Default for Hub {
    fn default() -> Self {
        Hub::with_registrations(crate::registry::registrations())
    }
}

impl Hub {
    /// A hub for these providers (the built-in ones and, say, a test's own); their channels are
    /// registered so their messages can be stored.
    pub fn with_registrations(registrations: Vec<crate::provider::Registration>) -> Self {
        Hub {
            wake: Notify::new(),
            updates: broadcast::channel(256).0,
            demo: Mutex::new(VecDeque::new()),
            providers: ProviderCache::new(registrations),
        }
    }

    pub fn registrations(&self) -> &[crate::provider::Registration] {
        self.providers.registrations()
    }

    pub fn subscribe(&self) -> broadcast::Receiver<DeliveryUpdate> {
        self.updates.subscribe()
    }

    pub(crate) fn publish(&self, update: DeliveryUpdate) {
        // No subscriber (no window yet) is fine: the state is in the database.
        let _ = self.updates.send(update);
    }

    /// Settings or credentials changed: build the providers afresh before the next send.
    pub fn invalidate_transports(&self) {
        self.providers.invalidate();
    }

    pub fn demo_messages(&self) -> Vec<DemoMessage> {
        self.demo.lock().unwrap_or_else(|p| p.into_inner()).iter().rev().cloned().collect()
    }

    pub(crate) fn push_demo(&self, m: DemoMessage) {
        let mut demo = self.demo.lock().unwrap_or_else(|p| p.into_inner());
        demo.push_back(m);
        while demo.len() > DEMO_KEEP {
            demo.pop_front();
        }
    }
}
