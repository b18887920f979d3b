//! What a provider's error means for the desk: retry later, fall back to the next channel, or
//! stop, and the plain words for the receptionist (and for the admin when it's theirs to fix).
//! Codes and advice: ../shared/reference/providers-and-rules.md (Twilio's and Google's docs).

use std::time::Duration;

use serde::Serialize;

/// Why a provider that is set up (its settings name a sender) can't read its secrets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialProblem {
    /// The keyring is locked, timed out or gone: it may come back by itself.
    #[error(transparent)]
    Keyring(#[from] desk_core::secrets::SecretsError),
    /// The keyring works but the item isn't there: an admin must enter it again.
    #[error("the saved secret is missing from the keyring")]
    Missing,
}

/// The codes a message waiting for the keyring carries (the desk retries them when the keyring
/// comes back).
pub const KEYRING_LOCKED: &str = "keyring_locked";
pub const CREDENTIALS_MISSING: &str = "credentials_missing";

/// What to do about a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Try the same channel again later (within the code's lifetime).
    Retry,
    /// No network: wait for it to come back, then send (if the code is still valid).
    Offline,
    /// This channel can't reach the person: try the next one in the admin's order.
    Fallback,
    /// Give up on this message.
    Stop,
}

/// A classified failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Failure {
    pub action: Action,
    /// The provider's code ("63003", "535 5.7.8"), for the audit log.
    pub code: Option<String>,
    /// For the receptionist: what happened and what to do next.
    pub message: String,
    /// For the admin, when the fix is in the settings or credentials.
    pub admin_message: Option<String>,
    /// The provider asked us to wait this long (Retry-After).
    #[serde(skip)]
    pub retry_after: Option<Duration>,
}

impl Failure {
    fn new(action: Action, code: impl Into<Option<String>>, message: &str) -> Self {
        Failure { action, code: code.into(), message: message.to_owned(), admin_message: None, retry_after: None }
    }

    fn admin(mut self, admin_message: &str) -> Self {
        self.admin_message = Some(admin_message.to_owned());
        self
    }

    /// A provider that is set up can't read its secrets. Its messages wait (they are never sent
    /// to the demo outbox): a locked keyring clears by itself, a missing item needs an admin.
    pub fn credentials(problem: &CredentialProblem, provider_label: &str) -> Self {
        tracing::warn!(%problem, provider = provider_label, "provider credentials unreadable: messages wait");
        match problem {
            CredentialProblem::Keyring(_) => {
                Failure::new(Action::Offline, Some(KEYRING_LOCKED.into()), "The keyring is locked: unlock it and the waiting messages go.")
            }
            CredentialProblem::Missing => Failure::new(
                Action::Offline,
                Some(CREDENTIALS_MISSING.into()),
                &format!("The saved {provider_label} password is missing from the keyring. The messages wait until an administrator enters it again."),
            )
            .admin(&format!("Enter the {provider_label} credentials again in Admin → Providers.")),
        }
    }

    pub fn offline(detail: &str) -> Self {
        tracing::info!(detail = %desk_core::logging::redact(detail), "provider unreachable: treating as offline");
        Failure::new(Action::Offline, None, "No internet connection. The message will go when the connection is back.")
    }

    /// Email refused by the desk itself, without asking Gmail: the rolling 24-hour count is at
    /// the configured limit, or Gmail said 550 5.4.5 and the window hasn't freed yet. A code of
    /// its own, so a local refusal never looks like (or extends) a refusal from Gmail.
    pub fn gmail_paused(until_local: Option<&str>) -> Self {
        let when =
            until_local.map(|t| format!(" Email works again at {t}.")).unwrap_or_else(|| " Email works again within 24 hours.".into());
        Failure::new(
            Action::Stop,
            Some("gmail_paused".into()),
            &format!("The clinic's email has reached its daily sending limit. Verify by phone instead.{when}"),
        )
        .admin("Gmail's daily sending limit is used up; the desk is holding email until the 24-hour window frees.")
    }

    pub fn not_configured(channel_label: &str) -> Self {
        Failure::new(
            Action::Stop,
            Some("not_configured".into()),
            &format!("Sending by {channel_label} isn't set up on this desk. Use another way, or ask an administrator."),
        )
        .admin(&format!("Add the {channel_label} credentials under Admin → Credentials."))
    }
}

/// Twilio's REST error code (and HTTP status) for a message create or fetch.
pub fn twilio(code: Option<i64>, http_status: u16, channel_is_whatsapp: bool, has_template: bool) -> Failure {
    let c = code.map(|c| c.to_string());
    match code {
        Some(20429) => Failure::new(Action::Retry, c, "The text service is busy. Trying again in a moment."),
        Some(20003) => Failure::new(Action::Stop, c, "The desk can't sign in to the text service. Ask an administrator to check the Twilio settings.")
            .admin("Twilio refused the Account SID or Auth Token (error 20003). Enter them again under Admin → Credentials and send a test message."),
        Some(21211) => Failure::new(Action::Stop, c, "This phone number isn't valid. Check it with the person and edit the contact."),
        Some(21610) => Failure::new(Action::Stop, c, "This number has opted out of text messages (it replied STOP). Verify by email instead, or ask the person to reply START."),
        Some(21614) => Failure::new(Action::Stop, c, "This number can't receive text messages (it may be a landline). Ask for a mobile number or use email."),
        Some(21408) => Failure::new(Action::Stop, c, "Texts to this country aren't switched on for the clinic. Ask an administrator.")
            .admin("Twilio Geo Permissions block this country (error 21408). Enable it in the Twilio console."),
        Some(21608) => Failure::new(Action::Stop, c, "The clinic's text account can only send to numbers it has verified. Ask an administrator.")
            .admin("The Twilio account is a trial or lacks a compliance profile (error 21608)."),
        Some(63003) | Some(63024) => Failure::new(Action::Fallback, c, "This number isn't on WhatsApp. Sending by SMS instead."),
        Some(63016) if !has_template => Failure::new(Action::Fallback, c, "WhatsApp needs an approved template for this person. Sending by SMS instead.")
            .admin("WhatsApp refused a free-form message outside the 24-hour window (error 63016). Add an approved authentication template (ContentSid) under Admin → Credentials."),
        Some(63016) => Failure::new(Action::Stop, c, "WhatsApp refused the message. Send by SMS instead.")
            .admin("WhatsApp refused the approved template (error 63016). Check the ContentSid."),
        Some(63007) => Failure::new(Action::Fallback, c, "The clinic's WhatsApp sender isn't working. Sending by SMS instead.")
            .admin("Twilio has no WhatsApp sender for the configured From number (error 63007)."),
        Some(30003) | Some(30008) => Failure::new(Action::Retry, c, "The phone couldn't be reached. Trying again shortly."),
        Some(30004) => Failure::new(Action::Stop, c, "The message was blocked by the phone network. Verify by email instead."),
        Some(30005) => Failure::new(Action::Stop, c, "This number is unknown or switched off. Check the number with the person."),
        Some(30006) => Failure::new(Action::Stop, c, "This number is a landline or its network can't take texts. Ask for a mobile number."),
        Some(30007) => Failure::new(Action::Stop, c, "The phone network filtered the message as spam. Verify by email instead.")
            .admin("Carrier filtering (error 30007): for +91 numbers, register the SMS template under TRAI DLT."),
        _ if http_status == 429 => Failure::new(Action::Retry, c, "The text service is busy. Trying again in a moment."),
        _ if http_status >= 500 => Failure::new(Action::Retry, c, "The text service had a problem. Trying again shortly."),
        _ if http_status == 401 => Failure::new(Action::Stop, c.or(Some("401".into())), "The desk can't sign in to the text service. Ask an administrator to check the Twilio settings.")
            .admin("Twilio answered 401: check the Account SID and Auth Token."),
        _ if channel_is_whatsapp => Failure::new(Action::Fallback, c, "WhatsApp couldn't take the message. Sending by SMS instead."),
        _ => Failure::new(Action::Stop, c, "The text service refused the message. Try email, or ask an administrator to check the log."),
    }
}

/// An SMTP reply (`code` like 535, `enhanced` like "5.7.8") or a transport failure.
pub fn smtp(code: Option<u16>, enhanced: Option<&str>, detail: &str) -> Failure {
    let c = code.map(|c| match enhanced {
        Some(e) => format!("{c} {e}"),
        None => c.to_string(),
    });
    match (code, enhanced) {
        (Some(535), _) => Failure::new(Action::Stop, c, "The desk can't sign in to the clinic's email. Ask an administrator to check the Gmail settings.")
            .admin("Gmail refused the address or app password (535 5.7.8). Create a new app password (Google account → Security → App passwords) and save it under Admin → Credentials."),
        (Some(534), _) => Failure::new(Action::Stop, c, "The desk can't sign in to the clinic's email. Ask an administrator to check the Gmail settings.")
            .admin("Gmail needs an app password, not the account password (534 5.7.9)."),
        (Some(550), Some("5.4.5")) | (Some(452), Some("4.5.3")) => Failure::new(Action::Stop, c, "The clinic's email has reached Gmail's daily sending limit. Verify by phone instead; email works again within 24 hours.")
            .admin("Gmail's daily sending limit is used up (550 5.4.5). Sending resumes as the 24-hour window frees."),
        (Some(454), _) | (Some(421), _) => Failure::new(Action::Retry, c, "The email service asked the desk to wait. Trying again shortly."),
        (Some(code), _) if (400..500).contains(&code) => Failure::new(Action::Retry, c, "The email service had a temporary problem. Trying again shortly."),
        (Some(_), _) => Failure::new(Action::Stop, c, "The email service refused the message. Check the address with the person."),
        (None, _) => {
            let lower = detail.to_ascii_lowercase();
            if lower.contains("certificate") || lower.contains("unknownissuer") || lower.contains("invalid peer") {
                Failure::new(Action::Stop, Some("tls".into()), "The desk couldn't make a secure connection to the email server. Ask an administrator.")
                    .admin("The email server's certificate isn't trusted. Check the SMTP host name, or add the server's CA certificate file.")
            } else {
                Failure::offline(detail)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twilio_codes_decide_retry_fallback_or_stop() {
        let a = |code, status, wa, tpl| twilio(Some(code), status, wa, tpl).action;
        assert_eq!(a(20429, 429, false, false), Action::Retry);
        assert_eq!(a(30003, 200, false, false), Action::Retry);
        assert_eq!(a(30008, 200, false, false), Action::Retry);
        assert_eq!(a(63003, 400, true, false), Action::Fallback);
        assert_eq!(a(63024, 400, true, false), Action::Fallback);
        assert_eq!(a(63016, 400, true, false), Action::Fallback);
        assert_eq!(a(63016, 400, true, true), Action::Stop);
        for code in [21211, 21610, 21614, 20003] {
            assert_eq!(a(code, 400, false, false), Action::Stop, "{code}");
        }
        assert_eq!(twilio(None, 503, false, false).action, Action::Retry);
        assert!(twilio(Some(20003), 401, false, false).admin_message.is_some());
        assert_eq!(twilio(Some(63003), 400, true, false).message, "This number isn't on WhatsApp. Sending by SMS instead.");
    }

    #[test]
    fn smtp_replies_decide_retry_or_stop() {
        assert_eq!(smtp(Some(535), Some("5.7.8"), "").action, Action::Stop);
        assert!(smtp(Some(535), Some("5.7.8"), "").admin_message.expect("admin").contains("app password"));
        assert_eq!(smtp(Some(421), Some("4.7.0"), "").action, Action::Retry);
        assert_eq!(smtp(Some(454), Some("4.7.0"), "").action, Action::Retry);
        assert_eq!(smtp(Some(450), Some("4.2.1"), "").action, Action::Retry);
        let quota = smtp(Some(550), Some("5.4.5"), "");
        assert_eq!((quota.action, quota.code.as_deref()), (Action::Stop, Some("550 5.4.5")));
        assert_eq!(smtp(None, None, "Connection refused (os error 111)").action, Action::Offline);
        assert_eq!(smtp(None, None, "invalid peer certificate: UnknownIssuer").action, Action::Stop);
    }
}
