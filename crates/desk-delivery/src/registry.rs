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

use desk_core::channel::Channel;
use desk_core::secrets::Keyring;
use desk_core::settings::Settings;

use crate::failure::Failure;
use crate::provider::{Built, Provider, Registration};
use crate::settings::DeliverySettings;

/// Every provider this build knows, in no particular order: one line each.
pub fn registrations() -> Vec<Registration> {
    vec![crate::twilio::WHATSAPP_REGISTRATION, crate::twilio::SMS_REGISTRATION, crate::gmail::REGISTRATION]
}

/// Which providers this desk can use right now.
pub struct Providers {
    ready: HashMap<Channel, Arc<dyn Provider>>,
    /// Why a channel that is set up can't be used (e.g. a setting the client refuses).
    unusable: HashMap<Channel, Failure>,
    /// Nothing is configured at all: every message goes to the demo outbox. The one rule: the
    /// worker sends by it and the health view shows it.
    pub demo: bool,
    /// The channels in registration order.
    order: Vec<Channel>,
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
        // Demo mode means nothing is set up at all: not a provider that is set up but unusable.
        let demo = ready.is_empty() && unusable.is_empty();
        let order = registrations.iter().map(|r| r.channel).collect();
        Providers { ready, unusable, demo, order }
    }

    /// The provider for `channel`, or why there is none.
    pub fn for_channel(&self, channel: Channel) -> Result<&Arc<dyn Provider>, Failure> {
        match self.ready.get(&channel) {
            Some(p) => Ok(p),
            None => Err(self.unusable.get(&channel).cloned().unwrap_or_else(|| Failure::not_configured(channel.label()))),
        }
    }

    /// The channels this desk can send on now: `None` in demo mode (all of them, to the demo
    /// outbox), otherwise those whose provider and sender are set up.
    /// A channel set up but waiting for its keyring counts: a code sent on it waits, says why,
    /// and goes when the keyring opens.
    pub fn usable_channels(&self) -> Option<Vec<Channel>> {
        let waits = |c: &Channel| self.unusable.get(c).is_some_and(|f| f.action == crate::failure::Action::Offline);
        (!self.demo).then(|| self.order.iter().copied().filter(|c| self.ready.contains_key(c) || waits(c)).collect())
    }

    fn all_built(&self) -> bool {
        self.unusable.values().all(|f| f.code.as_deref() == Some("not_configured"))
    }
}

/// The providers in use, built from the desk's registrations and reused until settings change.
pub struct ProviderCache {
    registrations: Vec<Registration>,
    epoch: AtomicU64,
    cached: Mutex<Option<(u64, Arc<Providers>)>>,
}

impl ProviderCache {
    /// A cache over these registrations; their channels are registered (and so can be stored).
    /// A registration whose channel can't be registered (a bad name, or another channel's) is
    /// left out, loudly: it is a mistake in the build, not something a clinic can fix.
    pub fn new(registrations: Vec<Registration>) -> Self {
        let registrations = registrations
            .into_iter()
            .filter(|r| match desk_core::channel::register(r.channel) {
                Ok(()) => true,
                Err(err) => {
                    tracing::error!(%err, provider = r.name, "provider left out");
                    false
                }
            })
            .collect();
        ProviderCache { registrations, epoch: AtomicU64::new(0), cached: Mutex::new(None) }
    }

    pub fn registrations(&self) -> &[Registration] {
        &self.registrations
    }

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
                let fresh = Arc::new(Providers::load_from(&self.registrations, core, ds, keyring));
                *cached = Some((epoch, fresh.clone()));
                fresh
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::SecretString;

    fn keyring(gmail: bool, twilio: bool) -> Keyring {
        let k = Keyring::with_store(keyring_core::mock::Store::new().expect("mock"), "mock");
        if gmail {
            k.set(crate::credentials::GMAIL_PASSWORD, &SecretString::from("abcdabcdabcdabcd")).expect("set");
        }
        if twilio {
            k.set(crate::credentials::TWILIO_SID, &SecretString::from("AC0123456789abcdef0123456789abcdef")).expect("set");
            k.set(crate::credentials::TWILIO_TOKEN, &SecretString::from("0123456789abcdef0123456789abcdef")).expect("set");
        }
        k
    }

    fn only_whatsapp() -> DeliverySettings {
        DeliverySettings { twilio_whatsapp_from: "+14155238886".into(), ..DeliverySettings::default() }
    }

    fn usable(ds: &DeliverySettings, k: &Keyring) -> Option<Vec<Channel>> {
        Providers::load(&Settings::default(), ds, k).usable_channels()
    }

    // The SMTP pool needs a runtime to be built in.
    #[tokio::test]
    async fn only_what_is_set_up_is_usable() {
        assert_eq!(usable(&only_whatsapp(), &keyring(false, true)), Some(vec![Channel::WHATSAPP]));
        let mg = DeliverySettings {
            twilio_whatsapp_from: String::new(),
            twilio_messaging_service_sid: "MG0123456789abcdef0123456789abcdef".into(),
            ..only_whatsapp()
        };
        assert_eq!(usable(&mg, &keyring(false, true)), Some(vec![Channel::SMS]), "a Messaging Service is an SMS sender");
        let both = DeliverySettings { gmail_address: "clinic@gmail.com".into(), twilio_sms_from: "+15005550006".into(), ..only_whatsapp() };
        assert_eq!(usable(&both, &keyring(true, true)), Some(vec![Channel::WHATSAPP, Channel::SMS, Channel::EMAIL]));
    }

    #[test]
    fn demo_mode_offers_everything() {
        let none = Providers::load(&Settings::default(), &DeliverySettings::default(), &keyring(false, false));
        assert!(none.demo, "no sender set anywhere: nothing is set up");
        assert_eq!(none.usable_channels(), None);
    }

    // The SMTP pool needs a runtime to be built in.
    #[tokio::test]
    async fn a_set_up_provider_whose_secrets_are_gone_is_a_problem_not_demo_mode() {
        // A sender is set, but the keyring lost the account: messages wait and say why.
        let lost = Providers::load(&Settings::default(), &only_whatsapp(), &keyring(false, false));
        assert!(!lost.demo);
        let f = lost.for_channel(Channel::WHATSAPP).err().expect("unusable");
        assert_eq!(f.code.as_deref(), Some(crate::failure::CREDENTIALS_MISSING));
        assert_eq!(f.action, crate::failure::Action::Offline, "it waits, it isn't dropped");
        // A locked keyring: the same, with words saying what to do.
        let locked = Keyring::unavailable(desk_core::secrets::SecretsError::Locked("collection is locked".into()), "Secret Service");
        let gmail = DeliverySettings { gmail_address: "clinic@gmail.com".into(), ..DeliverySettings::default() };
        let p = Providers::load(&Settings::default(), &gmail, &locked);
        assert!(!p.demo);
        let f = p.for_channel(Channel::EMAIL).err().expect("unusable");
        assert_eq!(f.code.as_deref(), Some(crate::failure::KEYRING_LOCKED));
        assert_eq!(f.message, "The keyring is locked: unlock it and the waiting messages go.");
        assert_eq!(p.usable_channels(), Some(vec![Channel::EMAIL]), "still offered: a code sent waits for the keyring");
    }
}
