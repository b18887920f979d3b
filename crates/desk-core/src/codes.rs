//! One-time codes: drawn from the OS CSPRNG, stored only as a keyed hash (HMAC-SHA256 with a
//! pepper kept in the OS keyring), compared in constant time, and sealed (ChaCha20-Poly1305)
//! while they wait in the outbox. Nothing here ever logs or formats a code.

use std::sync::{Arc, Mutex};

use chacha20poly1305::aead::{Aead, KeyInit as AeadKeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use hmac::{Hmac, KeyInit, Mac};
use rand::rngs::OsRng;
use rand::{RngCore, SeedableRng, TryRngCore};
use secrecy::{ExposeSecret, SecretBox, SecretString};
use sha2::Sha256;

use crate::contact::CodeType;
use crate::secrets::{Keyring, SecretsError};

type HmacSha256 = Hmac<Sha256>;

/// Where random bytes come from. Production: the OS CSPRNG. Tests: a seeded generator.
pub trait RandomSource: Send + Sync + 'static {
    fn fill(&self, buf: &mut [u8]);
}

/// The operating system's CSPRNG (getrandom).
#[derive(Debug, Clone, Copy, Default)]
pub struct OsRandom;

impl RandomSource for OsRandom {
    fn fill(&self, buf: &mut [u8]) {
        // The OS RNG failing means the machine can't do cryptography at all; there is no safe
        // fallback, and issuing a predictable code would be worse than stopping.
        #[allow(clippy::expect_used)]
        OsRng.try_fill_bytes(buf).expect("the operating system's random number generator failed");
    }
}

/// Deterministic randomness for tests and benchmarks. Never used by the app.
pub struct SeededRandom(Mutex<rand::rngs::StdRng>);

impl SeededRandom {
    pub fn new(seed: u64) -> Self {
        SeededRandom(Mutex::new(rand::rngs::StdRng::seed_from_u64(seed)))
    }
}

impl RandomSource for SeededRandom {
    fn fill(&self, buf: &mut [u8]) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).fill_bytes(buf);
    }
}

/// A code of `len` decimal digits, uniform (rejection sampling: no modulo bias).
pub fn generate(len: u8, rng: &dyn RandomSource) -> SecretString {
    let mut out = String::with_capacity(len as usize);
    let mut byte = [0u8; 1];
    while out.len() < len as usize {
        rng.fill(&mut byte);
        if byte[0] < 250 {
            out.push(char::from(b'0' + byte[0] % 10));
        }
    }
    SecretString::from(out)
}

/// Strip what people type around a code: spaces, dashes, dots.
pub fn normalize_typed_code(typed: &str) -> String {
    typed.chars().filter(|c| !matches!(c, ' ' | '-' | '.' | '\u{a0}')).collect()
}

/// The keyed secrets behind codes: the HMAC pepper and a sealing key derived from it.
pub struct CodeSecrets {
    pepper: SecretBox<[u8; 32]>,
    /// False when the keyring was unavailable and the pepper lives only in memory.
    pub persistent: bool,
}

impl std::fmt::Debug for CodeSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CodeSecrets").field("persistent", &self.persistent).finish_non_exhaustive()
    }
}

pub const PEPPER_ITEM: &str = "otp-pepper";

impl CodeSecrets {
    pub fn from_pepper(pepper: [u8; 32], persistent: bool) -> Self {
        CodeSecrets { pepper: SecretBox::new(Box::new(pepper)), persistent }
    }

    /// The pepper from the keyring, made on first run. If the keyring can't be used the desk
    /// still works with a pepper held in memory: codes issued now can't be checked after a
    /// restart, which is acceptable for codes that live ten minutes.
    pub fn load_or_create(keyring: &Keyring, rng: &dyn RandomSource) -> (Arc<Self>, Option<SecretsError>) {
        let fresh = || {
            let mut p = [0u8; 32];
            rng.fill(&mut p);
            p
        };
        let loaded = keyring.get(PEPPER_ITEM).and_then(|found| match found {
            Some(hexed) => {
                let bytes = hex::decode(hexed.expose_secret())
                    .ok()
                    .and_then(|b| <[u8; 32]>::try_from(b).ok())
                    .ok_or_else(|| SecretsError::Failed("stored pepper is malformed".into()))?;
                Ok(bytes)
            }
            None => {
                let p = fresh();
                keyring.set(PEPPER_ITEM, &SecretString::from(hex::encode(p)))?;
                tracing::info!("created the code pepper in the keyring");
                Ok(p)
            }
        });
        match loaded {
            Ok(p) => (Arc::new(Self::from_pepper(p, true)), None),
            Err(err) => {
                tracing::warn!(%err, "keyring unusable: codes are keyed by an in-memory pepper until restart");
                (Arc::new(Self::from_pepper(fresh(), false)), Some(err))
            }
        }
    }

    fn mac(&self) -> HmacSha256 {
        // HMAC takes keys of any length; 32 bytes can't fail.
        #[allow(clippy::expect_used)]
        <HmacSha256 as KeyInit>::new_from_slice(self.pepper.expose_secret()).expect("HMAC key")
    }

    /// The stored form of a code: bound to the person, the contact type and the exact target,
    /// so a code sent to one number can't verify another.
    pub fn hash(&self, user_id: &str, code_type: CodeType, target: &str, code: &str) -> String {
        let mut mac = self.mac();
        absorb(&mut mac, user_id, code_type, target, code);
        hex::encode(mac.finalize().into_bytes())
    }

    /// Constant-time comparison of a typed code against the stored hash.
    pub fn matches(&self, stored_hex: &str, user_id: &str, code_type: CodeType, target: &str, code: &str) -> bool {
        let Ok(stored) = hex::decode(stored_hex) else {
            return false;
        };
        let mut mac = self.mac();
        absorb(&mut mac, user_id, code_type, target, code);
        mac.verify_slice(&stored).is_ok()
    }

    /// A key for one purpose, derived from the pepper: one keyring item backs them all, and a
    /// key for one use never opens another's data.
    fn derived(&self, purpose: &[u8]) -> [u8; 32] {
        let mut mac = self.mac();
        mac.update(purpose);
        mac.finalize().into_bytes().into()
    }

    fn seal_cipher(&self) -> ChaCha20Poly1305 {
        ChaCha20Poly1305::new(Key::from_slice(&self.derived(b"skinspire-desk/outbox-seal/v1")))
    }

    /// Which pepper this is, without revealing it: stored beside every code and event the pepper
    /// made, so a code or an event written under another pepper is recognised as such.
    pub fn key_id(&self) -> String {
        hex::encode(&self.derived(b"skinspire-desk/key-id/v1")[..8])
    }

    /// The audit chain's HMAC: someone who can edit the database file can't recompute it
    /// without the keyring.
    pub fn chain_mac(&self, parts: &[&[u8]]) -> String {
        // The pepper's own HMAC, with a purpose tag first: a separate key for the chain, without
        // a second key set-up (and its can't-fail branch).
        let mut mac = self.mac();
        mac.update(b"skinspire-desk/audit-chain/v1");
        for part in parts {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        hex::encode(mac.finalize().into_bytes())
    }

    fn contact_cipher(&self) -> ChaCha20Poly1305 {
        ChaCha20Poly1305::new(Key::from_slice(&self.derived(b"skinspire-desk/event-contact/v1")))
    }

    /// Seal a contact for the event log, bound to its event id: the log keeps it for the
    /// clinic's comparison at push time, but the database file alone doesn't show it.
    pub fn seal_contact(&self, contact: &str, event_id: &str, rng: &dyn RandomSource) -> Vec<u8> {
        let mut nonce = [0u8; 12];
        rng.fill(&mut nonce);
        let sealed =
            self.contact_cipher().encrypt(Nonce::from_slice(&nonce), Payload { msg: contact.as_bytes(), aad: event_id.as_bytes() });
        let mut out = nonce.to_vec();
        out.extend(sealed.unwrap_or_default());
        out
    }

    /// Open a sealed contact; `None` if another pepper sealed it or it was altered.
    pub fn unseal_contact(&self, sealed: &[u8], event_id: &str) -> Option<String> {
        if sealed.len() < 12 + 16 {
            return None;
        }
        let (nonce, body) = sealed.split_at(12);
        let plain = self.contact_cipher().decrypt(Nonce::from_slice(nonce), Payload { msg: body, aad: event_id.as_bytes() }).ok()?;
        String::from_utf8(plain).ok()
    }

    /// Seal a code for the outbox, bound to the message's idempotency key.
    pub fn seal(&self, code: &SecretString, aad: &str, rng: &dyn RandomSource) -> Vec<u8> {
        let mut nonce = [0u8; 12];
        rng.fill(&mut nonce);
        let sealed =
            self.seal_cipher().encrypt(Nonce::from_slice(&nonce), Payload { msg: code.expose_secret().as_bytes(), aad: aad.as_bytes() });
        let mut out = nonce.to_vec();
        // Encryption with a valid key and nonce cannot fail for inputs this small.
        out.extend(sealed.unwrap_or_default());
        out
    }

    /// Open a sealed code; `None` if it was sealed under another pepper or tampered with.
    pub fn unseal(&self, sealed: &[u8], aad: &str) -> Option<SecretString> {
        if sealed.len() < 12 + 16 {
            return None;
        }
        let (nonce, body) = sealed.split_at(12);
        let plain = self.seal_cipher().decrypt(Nonce::from_slice(nonce), Payload { msg: body, aad: aad.as_bytes() }).ok()?;
        String::from_utf8(plain).ok().map(SecretString::from)
    }
}

fn absorb(mac: &mut HmacSha256, user_id: &str, code_type: CodeType, target: &str, code: &str) {
    // Length-prefixed fields: no two different requests produce the same input.
    for part in ["v1", user_id, code_type.as_str(), target, code] {
        mac.update(&(part.len() as u32).to_be_bytes());
        mac.update(part.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets() -> CodeSecrets {
        CodeSecrets::from_pepper([7u8; 32], true)
    }

    #[test]
    fn codes_have_the_asked_length_and_only_digits() {
        let rng = SeededRandom::new(1);
        for len in 4..=8u8 {
            let c = generate(len, &rng);
            assert_eq!(c.expose_secret().len(), len as usize);
            assert!(c.expose_secret().chars().all(|ch| ch.is_ascii_digit()));
        }
    }

    #[test]
    fn digits_are_roughly_uniform() {
        let rng = SeededRandom::new(2);
        let mut counts = [0u32; 10];
        for _ in 0..5_000 {
            for ch in generate(6, &rng).expose_secret().chars() {
                counts[(ch as u8 - b'0') as usize] += 1;
            }
        }
        // 30,000 digits: each should be near 3,000.
        assert!(counts.iter().all(|&c| (2_700..3_300).contains(&c)), "{counts:?}");
    }

    #[test]
    fn os_random_codes_differ() {
        let a = generate(8, &OsRandom);
        let b = generate(8, &OsRandom);
        let c = generate(8, &OsRandom);
        assert!(!(a.expose_secret() == b.expose_secret() && b.expose_secret() == c.expose_secret()));
    }

    #[test]
    fn the_hash_is_bound_to_person_type_target_and_code() {
        let s = secrets();
        let h = s.hash("u1", CodeType::Phone, "+919876543210", "123456");
        assert_eq!(h.len(), 64);
        assert!(!h.contains("123456"));
        assert!(s.matches(&h, "u1", CodeType::Phone, "+919876543210", "123456"));
        assert!(!s.matches(&h, "u1", CodeType::Phone, "+919876543210", "123457"));
        assert!(!s.matches(&h, "u2", CodeType::Phone, "+919876543210", "123456"));
        assert!(!s.matches(&h, "u1", CodeType::Email, "+919876543210", "123456"));
        assert!(!s.matches(&h, "u1", CodeType::Phone, "+919876543211", "123456"));
        assert!(!s.matches("not-hex", "u1", CodeType::Phone, "+919876543210", "123456"));
        let other = CodeSecrets::from_pepper([8u8; 32], true);
        assert!(!other.matches(&h, "u1", CodeType::Phone, "+919876543210", "123456"));
    }

    #[test]
    fn sealed_codes_open_only_with_the_same_key_and_binding() {
        let s = secrets();
        let rng = SeededRandom::new(3);
        let sealed = s.seal(&SecretString::from("482913"), "key-1", &rng);
        assert!(!sealed.windows(6).any(|w| w == b"482913"));
        assert_eq!(s.unseal(&sealed, "key-1").map(|c| c.expose_secret().to_owned()).as_deref(), Some("482913"));
        assert!(s.unseal(&sealed, "key-2").is_none());
        assert!(CodeSecrets::from_pepper([9u8; 32], true).unseal(&sealed, "key-1").is_none());
    }

    #[test]
    fn typed_codes_lose_spaces_and_dashes() {
        assert_eq!(normalize_typed_code(" 482-913 "), "482913");
        assert_eq!(normalize_typed_code("48 29 13"), "482913");
    }

    #[test]
    fn pepper_is_created_once_and_reused() {
        let k = Keyring::with_store(keyring_core::mock::Store::new().expect("mock"), "mock");
        let rng = SeededRandom::new(4);
        let (a, err) = CodeSecrets::load_or_create(&k, &rng);
        assert!(err.is_none() && a.persistent);
        let (b, _) = CodeSecrets::load_or_create(&k, &rng);
        assert_eq!(a.hash("u", CodeType::Email, "t", "1"), b.hash("u", CodeType::Email, "t", "1"));
    }
}
