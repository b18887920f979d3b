//! What an event records: its kind, and how it came out. Stored as snake_case names.

use serde::{Deserialize, Serialize};

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::Display,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::EnumIter,
    specta::Type,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum EventKind {
    Issued,
    Sent,
    DeliveryStatus,
    Verified,
    WrongCode,
    Locked,
    Expired,
    Invalidated,
    Overridden,
    SendRefused,
    /// A code checked in demo mode: practice, never a verification.
    Practised,
    // --- security-relevant actions (the audit trail)
    SignIn,
    SignOut,
    IdleLock,
    AccountUnlocked,
    RecoveryCodeMade,
    RecoveryCodeUsed,
    SettingsChanged,
    CredentialsSaved,
    CredentialsRemoved,
    CredentialsTested,
    TemplateSaved,
    TemplateReset,
    StaffAdded,
    StaffRoleChanged,
    StaffActiveChanged,
    PasswordReset,
    SampleDataLoaded,
    PersonAdded,
    ContactEdited,
    /// A walk-in found in the clinic's records (same phone and name) became that clinic person.
    PersonMerged,
    /// A clinic person's contact as the desk had it, replaced by the `contact_corrected` event
    /// that follows (two events, so neither holds a contact outside its sealed target).
    ContactReplaced,
    /// A clinic person's contact corrected at this desk, for the clinic's record.
    ContactCorrected,
    /// An admin kept the clinic's value of a contact in conflict.
    ContactConflictClosed,
    AuditExported,
    ConsentGiven,
    ConsentWithdrawn,
    /// An administrator's command ran (every one leaves this, whatever else it records).
    AdminCommand,
    /// A backup of the desk's data was made (detail: the file, and whether daily or by hand).
    BackupMade,
    /// The desk's data was replaced by a backup (detail: which, made when, what was cancelled).
    BackupRestored,
}

crate::sql_text!(EventKind);

impl EventKind {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// How the thing an event records came out.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::Display,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::EnumIter,
    specta::Type,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Outcome {
    /// A code was issued and its message queued.
    Queued,
    /// A send was refused by a rate limit.
    Refused,
    /// The provider took the message.
    Accepted,
    /// Demo mode: the message went to the on-screen demo outbox only.
    Demo,
    /// The network is down: the message waits for it.
    Offline,
    /// A retryable failure: tried again later.
    Retrying,
    /// This channel can't reach the person: the code went on by the next one.
    Fallback,
    Delivered,
    Read,
    Failed,
    Undelivered,
    Cancelled,
    /// The desk stopped mid-send: whether the message went can't be known.
    Unknown,
    /// The code ran out before its message could be sent.
    ExpiredUnsent,
    /// The code ran out before it was checked.
    Expired,
    WrongCode,
    Verified,
    /// A changed contact undid its verification.
    ContactChanged,
    /// Demo mode: a correct code that proves nothing (it never left the desk).
    Practice,
    /// The action was carried out.
    Done,
}

crate::sql_text!(Outcome);

impl Outcome {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::IntoEnumIterator;

    #[test]
    fn names_round_trip() {
        for k in EventKind::iter() {
            assert_eq!(k.to_string().parse::<EventKind>().ok(), Some(k));
        }
        for o in Outcome::iter() {
            assert_eq!(o.to_string().parse::<Outcome>().ok(), Some(o));
        }
        assert_eq!(EventKind::DeliveryStatus.to_string(), "delivery_status");
        assert_eq!(Outcome::ExpiredUnsent.to_string(), "expired_unsent");
    }
}
