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

/// Does `password` match `stored`? Constant-time where the scheme allows it.
pub fn verify(password: &str, stored: Option<&str>) -> bool {
    let Some(stored) = stored.map(str::trim).filter(|s| !s.is_empty()) else { return false };
    if stored.starts_with("$argon2") {
        return PasswordHash::new(stored)
            .map(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
            .unwrap_or(false);
    }
    if stored.starts_with("scrypt:") {
        return verify_werkzeug_scrypt(password, stored);
    }
    if stored.starts_with("$2a$") || stored.starts_with("$2b$") || stored.starts_with("$2y$") {
        return bcrypt::verify(password, stored).unwrap_or(false);
    }
    false
}

/// werkzeug's `generate_password_hash` with scrypt:
/// `scrypt:<n>:<r>:<p>$<salt>$<hex of hashlib.scrypt(pw, salt=salt, n, r, p, dklen=64)>`.
fn verify_werkzeug_scrypt(password: &str, stored: &str) -> bool {
    let mut parts = stored.splitn(3, '$');
    let (Some(method), Some(salt), Some(hex_hash)) = (parts.next(), parts.next(), parts.next()) else { return false };
    let nums: Vec<u64> = method.trim_start_matches("scrypt:").split(':').filter_map(|n| n.parse().ok()).collect();
    let [n, r, p] = nums[..] else { return false };
    if !n.is_power_of_two() || n < 2 || r == 0 || p == 0 || r > 64 || p > 64 {
        return false;
    }
    let Ok(expected) = hex::decode(hex_hash) else { return false };
    if expected.is_empty() || expected.len() > 128 {
        return false;
    }
    let log_n = n.trailing_zeros() as u8;
    let Ok(params) = scrypt::Params::new(log_n, r as u32, p as u32, expected.len()) else { return false };
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
    fn anything_else_never_verifies() {
        assert!(!verify("admin123", Some("admin123")), "plaintext leftovers");
        assert!(!verify("", None));
        assert!(!verify("", Some("")));
        assert!(!verify("x", Some("pbkdf2:sha256:600000$salt$abc")));
        assert!(!verify("x", Some("md5$whatever")));
    }
}
