//! Password hashes: argon2id for accounts made on the desk; the clinic system's werkzeug
//! `scrypt:N:r:p$salt$hex` and bcrypt `$2a$…` for staff who come from sync. Every other value
//! (plaintext leftovers, NULL, unknown schemes) never verifies.

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use subtle::ConstantTimeEq;

/// Hash a new password (argon2id, the crate's OWASP-grade defaults, random salt).
pub fn hash(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| e.to_string())
}

/// The most work a stored hash may ask for. Hashes come from the clinic system (and a database
/// file can be edited): an absurd cost would freeze the desk or exhaust its memory, so it is
/// refused, never run. Each cap is well above what the schemes use by default (werkzeug scrypt
/// n=32768 r=8 p=1, 32 MiB; bcrypt cost 12; argon2id 19 MiB, t=2).
pub const MAX_SCRYPT_LOG_N: u8 = 17;
pub const MAX_SCRYPT_R: u64 = 16;
pub const MAX_SCRYPT_P: u64 = 4;
/// scrypt needs 128·n·r bytes.
pub const MAX_SCRYPT_MEMORY: u64 = 128 * 1024 * 1024;
pub const MAX_BCRYPT_COST: u32 = 14;
pub const MAX_ARGON2_MEMORY_KIB: u32 = 256 * 1024;
pub const MAX_ARGON2_TIME: u32 = 10;
pub const MAX_ARGON2_LANES: u32 = 8;

#[cfg(test)]
thread_local! {
    /// How many hashes this thread has checked (tests count the work a sign-in does).
    pub static VERIFIED: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// Does `password` match `stored`? Constant-time where the scheme allows it.
pub fn verify(password: &str, stored: Option<&str>) -> bool {
    #[cfg(test)]
    VERIFIED.with(|n| n.set(n.get() + 1));
    let Some(stored) = stored.map(str::trim).filter(|s| !s.is_empty()) else {
        return false;
    };
    if stored.starts_with("$argon2") {
        return PasswordHash::new(stored)
            .ok()
            .filter(argon2_cost_ok)
            .map(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
            .unwrap_or(false);
    }
    if stored.starts_with("scrypt:") {
        return verify_werkzeug_scrypt(password, stored);
    }
    if stored.starts_with("$2a$") || stored.starts_with("$2b$") || stored.starts_with("$2y$") {
        let cost_ok = stored.get(4..6).and_then(|c| c.parse::<u32>().ok()).is_some_and(|c| (4..=MAX_BCRYPT_COST).contains(&c));
        return cost_ok && bcrypt::verify(password, stored).unwrap_or(false);
    }
    false
}

fn argon2_cost_ok(h: &PasswordHash<'_>) -> bool {
    argon2::Params::try_from(h)
        .is_ok_and(|p| p.m_cost() <= MAX_ARGON2_MEMORY_KIB && p.t_cost() <= MAX_ARGON2_TIME && p.p_cost() <= MAX_ARGON2_LANES)
}

/// werkzeug's `generate_password_hash` with scrypt:
/// `scrypt:<n>:<r>:<p>$<salt>$<hex of hashlib.scrypt(pw, salt=salt, n, r, p, dklen=64)>`.
fn verify_werkzeug_scrypt(password: &str, stored: &str) -> bool {
    let mut parts = stored.splitn(3, '$');
    let (Some(method), Some(salt), Some(hex_hash)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let nums: Vec<u64> = method.trim_start_matches("scrypt:").split(':').filter_map(|n| n.parse().ok()).collect();
    let [n, r, p] = nums[..] else { return false };
    if !n.is_power_of_two() || n < 2 || r == 0 || p == 0 || r > MAX_SCRYPT_R || p > MAX_SCRYPT_P {
        return false;
    }
    if n.trailing_zeros() > u32::from(MAX_SCRYPT_LOG_N) || n.saturating_mul(r).saturating_mul(128) > MAX_SCRYPT_MEMORY {
        return false;
    }
    let Ok(expected) = hex::decode(hex_hash) else {
        return false;
    };
    if expected.is_empty() || expected.len() > 128 {
        return false;
    }
    let log_n = n.trailing_zeros() as u8;
    let Ok(params) = scrypt::Params::new(log_n, r as u32, p as u32, expected.len()) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    if scrypt::scrypt(password.as_bytes(), salt.as_bytes(), &params, &mut out).is_err() {
        return false;
    }
    out.ct_eq(&expected).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argon2_hashes_verify_and_differ_per_salt() {
        let a = hash("correct horse").expect("hash");
        let b = hash("correct horse").expect("hash");
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b);
        assert!(verify("correct horse", Some(&a)));
        assert!(!verify("correct hors", Some(&a)));
    }

    #[test]
    fn werkzeug_scrypt_from_the_clinic_verifies() {
        // Made by werkzeug 3.1 itself: generate_password_hash("Skinspire@123"), its default scrypt.
        let stored = include_str!("testdata/werkzeug_scrypt.txt").trim();
        assert!(stored.starts_with("scrypt:32768:8:1$"), "{stored}");
        assert!(verify("Skinspire@123", Some(stored)));
        assert!(!verify("skinspire@123", Some(stored)));
        let (head, _) = stored.rsplit_once('$').expect("format");
        assert!(!verify("Skinspire@123", Some(&format!("{head}$00"))));
        assert!(!verify("Skinspire@123", Some("scrypt:1000:8:1$abc$00ff")), "n must be a power of two");
    }

    #[test]
    fn bcrypt_from_the_clinics_trigger_verifies() {
        let stored = bcrypt::hash_with_result("Reception#1", 4).expect("bcrypt").format_for_version(bcrypt::Version::TwoA);
        assert!(stored.starts_with("$2a$04$"));
        assert!(verify("Reception#1", Some(&stored)));
        assert!(!verify("Reception#2", Some(&stored)));
    }

    #[test]
    fn absurd_costs_are_refused_before_any_work() {
        let started = std::time::Instant::now();
        // n = 2^40 would ask for 128 TiB; r and p far beyond any real hash.
        assert!(!verify("x", Some("scrypt:1099511627776:8:1$salt$00ff")));
        assert!(!verify("x", Some("scrypt:32768:1024:1$salt$00ff")));
        assert!(!verify("x", Some("scrypt:32768:8:64$salt$00ff")));
        assert!(!verify("x", Some("scrypt:131072:16:1$salt$00ff")), "256 MiB is over the memory cap");
        // bcrypt cost 31 is 2^31 rounds: hours.
        let b = bcrypt::hash_with_result("x", 4).expect("bcrypt").format_for_version(bcrypt::Version::TwoB);
        assert!(!verify("x", Some(&b.replacen("$04$", "$31$", 1))));
        // argon2 with 4 GiB of memory and 1000 passes.
        let a = hash("x").expect("hash");
        let huge = a.replacen("m=19456", "m=4194304", 1).replacen("t=2", "t=1000", 1);
        assert_ne!(a, huge);
        assert!(!verify("x", Some(&huge)));
        assert!(started.elapsed() < std::time::Duration::from_secs(2), "nothing was allocated or run");
        // The defaults of every scheme stay within the caps.
        assert!(verify("x", Some(&a)));
        assert!(verify("x", Some(&b)));
    }

    #[test]
    fn anything_else_never_verifies() {
        assert!(!verify("admin123", Some("admin123")), "plaintext leftovers");
        assert!(!verify("", None));
        assert!(!verify("", Some("")));
        assert!(!verify("x", Some("pbkdf2:sha256:600000$salt$abc")));
        assert!(!verify("x", Some("md5$whatever")));
    }
}
