//! Phone numbers and email addresses: validated, normalised (E.164, lower-case domain) and
//! masked for display. Phone parsing is the `phonenumber` crate (libphonenumber's metadata);
//! India is the default region because that is where the clinic is.

use phonenumber::{country, Mode, PhoneNumber};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContactError {
    #[error("phone number is empty")]
    EmptyPhone,
    #[error("not a phone number: {0}")]
    NotAPhoneNumber(String),
    #[error("not a valid number for its country")]
    InvalidPhone,
    #[error("not a mobile number")]
    NotMobile,
    #[error("email address is empty")]
    EmptyEmail,
    #[error("not a valid email address")]
    InvalidEmail,
}

impl ContactError {
    pub fn user_message(&self) -> String {
        match self {
            ContactError::EmptyPhone => "Type a phone number.".into(),
            ContactError::NotAPhoneNumber(_) | ContactError::InvalidPhone => {
                "That isn't a valid phone number. Check the digits: an Indian mobile number has \
                 10 digits, or type the country code first (for example +44 for the UK)."
                    .into()
            }
            ContactError::NotMobile => "That looks like a landline. Codes by WhatsApp or SMS \
                 need a mobile number; use email instead, or ask for a mobile number."
                .into(),
            ContactError::EmptyEmail => "Type an email address.".into(),
            ContactError::InvalidEmail => "That isn't a valid email address. Check it has one @ \
                 and a domain, like name@example.com."
                .into(),
        }
    }
}

/// Which contact a code verifies: the clinic's `code_type`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, strum::IntoStaticStr, strum::EnumString, strum::EnumIter, specta::Type,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum CodeType {
    Phone,
    Email,
}

crate::sql_text!(CodeType);

impl CodeType {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn parse(s: &str) -> Option<Self> {
        s.parse().ok()
    }
}

fn parse_phone(raw: &str) -> Result<PhoneNumber, ContactError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(ContactError::EmptyPhone);
    }
    // The clinic's old rows hold bare 10-digit numbers and "0"-prefixed trunk forms; the
    // parser handles both against the default region.
    let number = phonenumber::parse(Some(country::Id::IN), trimmed).map_err(|e| ContactError::NotAPhoneNumber(e.to_string()))?;
    if !phonenumber::is_valid(&number) {
        return Err(ContactError::InvalidPhone);
    }
    Ok(number)
}

/// Validate and normalise a phone number to E.164 (`+919876543210`).
pub fn normalize_phone(raw: &str) -> Result<String, ContactError> {
    Ok(parse_phone(raw)?.format().mode(Mode::E164).to_string())
}

/// As [`normalize_phone`], and refuse numbers that cannot receive WhatsApp or SMS.
pub fn normalize_mobile(raw: &str) -> Result<String, ContactError> {
    use phonenumber::metadata::DATABASE;
    use phonenumber::Type;
    let number = parse_phone(raw)?;
    match number.number_type(&DATABASE) {
        Type::Mobile | Type::FixedLineOrMobile => Ok(number.format().mode(Mode::E164).to_string()),
        _ => Err(ContactError::NotMobile),
    }
}

/// Validate and normalise an email address: trimmed, domain lower-cased (the local part is
/// left alone: some servers treat it case-sensitively).
pub fn normalize_email(raw: &str) -> Result<String, ContactError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(ContactError::EmptyEmail);
    }
    let parsed: email_address::EmailAddress = trimmed.parse().map_err(|_| ContactError::InvalidEmail)?;
    let (local, domain) = (parsed.local_part(), parsed.domain());
    // A desk never needs quoted local parts, IP-literal domains or dotless hosts; refusing them
    // catches typos such as "name@gmail".
    if local.starts_with('"') || domain.starts_with('[') || !domain.contains('.') {
        return Err(ContactError::InvalidEmail);
    }
    if domain.split('.').any(|label| label.is_empty()) || trimmed.contains(char::is_whitespace) {
        return Err(ContactError::InvalidEmail);
    }
    Ok(format!("{local}@{}", domain.to_ascii_lowercase()))
}

/// Length of the ITU country calling code at the start of an E.164 number's digits. One-digit
/// codes are 1 (NANP) and 7; two-digit codes are the fixed set below; everything else has
/// three. (Masking runs on every screen refresh: no need to re-parse with libphonenumber.)
fn country_code_len(digits: &str) -> usize {
    const TWO_DIGIT: &[&str] = &[
        "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46", "47", "48", "49", "51", "52", "53", "54",
        "55", "56", "57", "58", "60", "61", "62", "63", "64", "65", "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98",
    ];
    if digits.starts_with('1') || digits.starts_with('7') {
        1
    } else if digits.len() >= 2 && TWO_DIGIT.contains(&&digits[..2]) {
        2
    } else {
        3
    }
}

/// "+91 98••• ••210": enough to recognise, not enough to copy. Takes E.164.
pub fn mask_phone(e164: &str) -> String {
    let digits = e164.trim_start_matches('+');
    if !e164.starts_with('+') || digits.len() < 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return "••••".to_owned();
    }
    let (cc, national) = digits.split_at(country_code_len(digits));
    let (head, tail) = (&national[..2], &national[national.len() - 3..]);
    format!("+{cc} {head}••• ••{tail}")
}

/// "p•••••@gmail.com".
pub fn mask_email(email: &str) -> String {
    match email.rsplit_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}•••••@{domain}")
        }
        None => "•••••".to_owned(),
    }
}

/// A user id as it may appear in logs: the clinic keys people by phone number, and a log is
/// no place for one.
pub fn log_id(user_id: &str) -> String {
    if user_id.starts_with('+') {
        mask_phone(user_id)
    } else {
        user_id.to_owned()
    }
}

pub fn mask(code_type: CodeType, target: &str) -> String {
    match code_type {
        CodeType::Phone => mask_phone(target),
        CodeType::Email => mask_email(target),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indian_numbers_in_every_usual_form_normalise_to_e164() {
        for raw in ["9876543210", "+91 98765 43210", "098765-43210", "+919876543210", " 98765 43210 "] {
            assert_eq!(normalize_phone(raw).as_deref(), Ok("+919876543210"), "{raw}");
        }
        assert_eq!(normalize_phone("+44 7911 123456").as_deref(), Ok("+447911123456"));
    }

    #[test]
    fn malformed_numbers_are_refused_with_a_reason() {
        assert_eq!(normalize_phone(""), Err(ContactError::EmptyPhone));
        assert!(normalize_phone("12345").is_err());
        assert!(normalize_phone("hello").is_err());
        assert!(normalize_phone("+91 00000 00000").is_err(), "no Indian number starts with 0 after the country code");
        assert!(normalize_phone("+91 98765 4321").is_err(), "nine digits is one short");
    }

    #[test]
    fn only_mobiles_can_get_whatsapp_or_sms() {
        assert_eq!(normalize_mobile("9876543210").as_deref(), Ok("+919876543210"));
        // A Bengaluru landline.
        assert_eq!(normalize_mobile("080 2222 3333"), Err(ContactError::NotMobile));
    }

    #[test]
    fn emails_are_checked_and_domains_lower_cased() {
        assert_eq!(normalize_email(" Priya.S@Gmail.COM ").as_deref(), Ok("Priya.S@gmail.com"));
        for bad in ["", "priya", "priya@", "@gmail.com", "priya@gmail", "pri ya@gmail.com", "a@b..com"] {
            assert!(normalize_email(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn masks_hide_the_middle() {
        assert_eq!(mask_phone("+919876543210"), "+91 98••• ••210");
        assert_eq!(mask_phone("+447911123456"), "+44 79••• ••456");
        assert_eq!(mask_phone("+14155238886"), "+1 41••• ••886");
        assert_eq!(mask_phone("+9715012345678"), "+971 50••• ••678");
        assert_eq!(mask_phone("9876543210"), "••••", "only E.164 is masked");
        assert_eq!(mask_email("priya@gmail.com"), "p•••••@gmail.com");
    }
}
