//! The registry: every provider this build knows, and the desk's providers built from them
//! with settings and the keyring, reused between sends (the SMTP pool and HTTP client keep their
//! connections); rebuilt when settings or credentials change, and after a failed build (a
//! keyring problem may clear up).
//!
//! Adding a channel means a provider (the `Provider` trait), its settings (a
//! `settings_table!`), its templates, and one line in [`registrations`].

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use desk_core::contact::Channel;
use desk_core::secrets::Keyring;
use desk_core::settings::Settings;

use crate::failure::Failure;
use crate::provider::{Built, Provider, Registration};
use crate::settings::DeliverySettings;

/// Every provider this build knows, in no particular order: one line each.
pub fn registrations() -> Vec<Registration> {
    vec![
        crate::gmail::REGISTRATION,
        crate::twilio::WHATSAPP_REGISTRATION,
        crate::twilio::SMS_REGISTRATION,
    ]
}

/// Which providers this desk can use right now.
pub struct Providers {
    ready: HashMap<Channel, Arc<dyn Provider>>,
    /// Why a channel that is set up can't be used (e.g. a setting the client refuses).
    unusable: HashMap<Channel, Failure>,
    /// Nothing is configured at all: every message goes to the demo outbox
    /// ([`CredentialsView::demo_mode`](crate::credentials::CredentialsView::demo_mode), the one
    /// rule the health view also shows).
    pub demo: bool,
}

impl Providers {
    pub fn load(core: &Settings, ds: &DeliverySettings, keyring: &Keyring) -> Providers {
        Self::load_from(&registrations(), core, ds, keyring)
    }

    /// As [`Providers::load`] from the given registrations (a test's own provider, say).
    pub fn load_from(registrations: &[Registration], core: &Settings, ds: &DeliverySettings, keyring: &Keyring) -> Providers {
        let mut ready = HashMap::new();
        let mut unusable = HashMap::new();
        for reg in registrations {
            match (reg.build)(core, ds, keyring) {
                Built::Ready(p) => {
                    ready.insert(reg.channel, p);
                }
                Built::Unusable(f) => {
                    unusable.insert(reg.channel, f);
                }
                Built::NotConfigured => {}
            }
        }
        let demo = crate::credentials::view(ds, keyring).demo_mode();
        Providers { ready, unusable, demo }
    }

    /// The provider for `channel`, or why there is none.
    pub fn for_channel(&self, channel: Channel) -> Result<&Arc<dyn Provider>, Failure> {
        match self.ready.get(&channel) {
            Some(p) => Ok(p),
            None => Err(self.unusable.get(&channel).cloned().unwrap_or_else(|| Failure::not_configured(channel.label()))),
        }
    }

    fn all_built(&self) -> bool {
        self.unusable.values().all(|f| f.code.as_deref() == Some("not_configured"))
    }
}

#[derive(Default)]
pub struct ProviderCache {
    epoch: AtomicU64,
    cached: Mutex<Option<(u64, Arc<Providers>)>>,
}

impl ProviderCache {
    pub fn invalidate(&self) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
    }

    pub fn get(&self, core: &Settings, ds: &DeliverySettings, keyring: &Keyring) -> Arc<Providers> {
        let epoch = self.epoch.load(Ordering::SeqCst);
        let mut cached = self.cached.lock().unwrap_or_else(|p| p.into_inner());
        match cached.as_ref() {
            // A provider that failed to build may work next time: don't keep a broken set.
            Some((e, p)) if *e == epoch && p.all_built() => p.clone(),
            _ => {
                let fresh = Arc::new(Providers::load(core, ds, keyring));
                *cached = Some((epoch, fresh.clone()));
                fresh
            }
        }
    }
}
