//! One error type for the core, and the one shape that crosses IPC: `{code, message}`.
//!
//! `code` is a stable snake_case identifier the UI may branch on; `message` is plain words a
//! receptionist can act on. Internal detail (paths, SQLite messages) goes to the log, never only
//! to the screen.

use serde::Serialize;

pub use crate::staff::errors::AccessError;
pub use crate::verify::errors::CodeError;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the local database at {path} was written by a newer version of the app (schema {found}, this version knows up to {known})")]
    DatabaseTooNew { path: String, found: usize, known: usize },

    #[error("could not open the local database at {path}: {source}")]
    DatabaseOpen {
        path: String,
        #[source]
        source: rusqlite::Error,
    },

    #[error("could not bring the local database up to date: {0}")]
    Migration(#[from] rusqlite_migration::Error),

    #[error("database error: {0}")]
    Database(#[from] rusqlite::Error),

    #[error("could not create the folder {path}: {source}")]
    Folder {
        path: String,
        #[source]
        source: std::io::Error,
    },

    #[error("no per-user data folder could be found for this account (is HOME set?)")]
    NoDataFolder,

    #[error("the app is still starting or failed to start")]
    NotReady,

    #[error("invalid contact: {0}")]
    InvalidContact(#[from] crate::contact::ContactError),

    /// Bad input whose plain-words message is already written.
    #[error("invalid input: {0}")]
    InvalidInput(String),

    #[error("no such person")]
    PersonNotFound,

    /// A send limit refused; `message` is the rate limiter's own words (when the next send is
    /// allowed).
    #[error("send refused by the {limit} limit until {retry_at}")]
    RateLimited { limit: &'static str, retry_at: time::OffsetDateTime, now: time::OffsetDateTime, message: String },

    #[error(transparent)]
    Settings(#[from] crate::settings::table::SettingsError),

    #[error("sample data needs an empty desk")]
    NotEmpty,

    #[error("keyring: {0}")]
    Keyring(crate::secrets::SecretsError),

    /// A message template that can't be used; the text says why in plain words.
    #[error("invalid template: {0}")]
    InvalidTemplate(String),

    #[error(transparent)]
    Code(#[from] crate::verify::errors::CodeError),

    #[error(transparent)]
    Access(#[from] crate::staff::errors::AccessError),

    #[error(transparent)]
    Backup(#[from] crate::backup::errors::BackupError),

    /// Sync with the clinic couldn't be done; the sync crate's own words.
    #[error("sync: {message}")]
    Sync { problem: SyncProblem, message: String },
}

/// Which kind of sync trouble, for the UI to tell apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncProblem {
    NotConfigured,
    /// The server, the network, TLS or the login: try again or fix the settings.
    Failed,
    /// The desk's history doesn't match the clinic's: start as a new device.
    Forked,
}

/// Stable error identifiers for the UI. Add one only when the UI needs to tell it apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    DatabaseTooNew,
    DatabaseUnavailable,
    StorageUnavailable,
    NotReady,
    Internal,
    InvalidContact,
    InvalidInput,
    PersonNotFound,
    PersonInactive,
    NoContact,
    NoCodeInProgress,
    CodeFormat,
    WrongCode,
    CodeLocked,
    CodeExpired,
    RateLimited,
    InvalidSetting,
    NotEmpty,
    ConsentRequired,
    ConsentWithdrawn,
    CodeFromOtherPepper,
    InvalidTemplate,
    KeyringUnavailable,
    SignInFailed,
    AccountLocked,
    AccountBlocked,
    DeskBusy,
    AccountDisabled,
    SignInRequired,
    SessionLocked,
    AdminOnly,
    AlreadySetUp,
    SyncNotConfigured,
    SyncFailed,
    SyncForked,
    /// The backup itself can't be restored (newer version, damaged, gone).
    BackupRefused,
    /// This machine couldn't make or read a backup (disk full, folder not writable).
    BackupFailed,
}

impl Error {
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::DatabaseTooNew { .. } => ErrorCode::DatabaseTooNew,
            Error::DatabaseOpen { .. } | Error::Migration(_) => ErrorCode::DatabaseUnavailable,
            Error::Folder { .. } | Error::NoDataFolder => ErrorCode::StorageUnavailable,
            Error::NotReady => ErrorCode::NotReady,
            Error::Database(_) => ErrorCode::Internal,
            Error::InvalidContact(_) => ErrorCode::InvalidContact,
            Error::InvalidInput(_) => ErrorCode::InvalidInput,
            Error::PersonNotFound => ErrorCode::PersonNotFound,
            Error::RateLimited { .. } => ErrorCode::RateLimited,
            Error::Settings(_) => ErrorCode::InvalidSetting,
            Error::Code(e) => match e {
                CodeError::PersonInactive => ErrorCode::PersonInactive,
                CodeError::NoContact { .. } => ErrorCode::NoContact,
                CodeError::ConsentRequired => ErrorCode::ConsentRequired,
                CodeError::NoCodeInProgress => ErrorCode::NoCodeInProgress,
                CodeError::CodeFormat { .. } => ErrorCode::CodeFormat,
                CodeError::WrongCode { .. } => ErrorCode::WrongCode,
                CodeError::WrongCodeLocked | CodeError::CodeLocked => ErrorCode::CodeLocked,
                CodeError::CodeExpired => ErrorCode::CodeExpired,
                CodeError::CodeFromOtherPepper => ErrorCode::CodeFromOtherPepper,
                CodeError::ConsentWithdrawn => ErrorCode::ConsentWithdrawn,
            },
            Error::Access(e) => match e {
                AccessError::SignInFailed => ErrorCode::SignInFailed,
                AccessError::AccountLocked { .. } => ErrorCode::AccountLocked,
                AccessError::AccountBlocked => ErrorCode::AccountBlocked,
                AccessError::DeskBusy { .. } => ErrorCode::DeskBusy,
                AccessError::AccountDisabled => ErrorCode::AccountDisabled,
                AccessError::SignInRequired => ErrorCode::SignInRequired,
                AccessError::SessionLocked => ErrorCode::SessionLocked,
                AccessError::AdminOnly => ErrorCode::AdminOnly,
                AccessError::AlreadySetUp => ErrorCode::AlreadySetUp,
            },
            Error::NotEmpty => ErrorCode::NotEmpty,
            Error::InvalidTemplate(_) => ErrorCode::InvalidTemplate,
            Error::Keyring(_) => ErrorCode::KeyringUnavailable,
            Error::Backup(e) if e.is_refusal() => ErrorCode::BackupRefused,
            Error::Backup(_) => ErrorCode::BackupFailed,
            Error::Sync { problem, .. } => match problem {
                SyncProblem::NotConfigured => ErrorCode::SyncNotConfigured,
                SyncProblem::Failed => ErrorCode::SyncFailed,
                SyncProblem::Forked => ErrorCode::SyncForked,
            },
        }
    }

    /// What the person at the desk reads: what happened and what to do next.
    pub fn user_message(&self) -> String {
        match self {
            Error::DatabaseTooNew { path, .. } => format!(
                "This desk's data was saved by a newer version of Skinspire Verify Desk. \
                 Install the newer version to open it. Nothing has been changed. (Data file: {path})"
            ),
            Error::DatabaseOpen { path, .. } | Error::Folder { path, .. } => format!(
                "The desk's data file can't be opened ({path}). Check that the disk is not full \
                 and that you can write to this folder, then start the app again."
            ),
            Error::Migration(_) => "The desk's data file couldn't be updated to this version. \
                 Nothing was lost. Ask your administrator to check the log files."
                .to_owned(),
            Error::NoDataFolder => "This computer account has no home folder, so the desk has \
                 nowhere to keep its data. Sign in with a normal user account."
                .to_owned(),
            Error::NotReady => "The desk is still starting. Try again in a moment.".to_owned(),
            Error::Database(_) => "The desk couldn't read or save its data. Try again; if it \
                 keeps happening, ask your administrator to check the log files."
                .to_owned(),
            Error::InvalidContact(e) => e.user_message(),
            Error::InvalidInput(m) => m.clone(),
            Error::PersonNotFound => "That person is no longer on this desk. Search again.".to_owned(),
            Error::RateLimited { message, .. } => message.clone(),
            Error::Settings(e) => e.user_message(),
            Error::Code(e) => e.user_message(),
            Error::Access(e) => e.user_message(),
            Error::NotEmpty => "Sample data can only be loaded into an empty desk.".to_owned(),
            Error::InvalidTemplate(m) => m.clone(),
            Error::Keyring(e) => e.user_message().to_owned(),
            Error::Sync { message, .. } => message.clone(),
            Error::Backup(e) => e.user_message(),
        }
    }
}

/// The only error shape that crosses the IPC boundary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct PublicError {
    pub code: ErrorCode,
    pub message: String,
}

impl From<Error> for PublicError {
    fn from(err: Error) -> Self {
        PublicError::from(&err)
    }
}

impl From<&Error> for PublicError {
    fn from(err: &Error) -> Self {
        // The full detail goes to the log; the screen gets plain words.
        tracing::warn!(error = %err, code = ?err.code(), "command failed");
        PublicError { code: err.code(), message: err.user_message() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_error_shape_is_pinned() {
        let err = Error::DatabaseTooNew { path: "/data/desk.sqlite3".into(), found: 9, known: 1 };
        insta::assert_json_snapshot!(PublicError::from(err), @r#"
        {
          "code": "database_too_new",
          "message": "This desk's data was saved by a newer version of Skinspire Verify Desk. Install the newer version to open it. Nothing has been changed. (Data file: /data/desk.sqlite3)"
        }
        "#);
    }

    #[test]
    fn every_message_is_plain_words() {
        let errors = [
            Error::DatabaseTooNew { path: "p".into(), found: 2, known: 1 },
            Error::NoDataFolder,
            Error::NotReady,
            Error::Database(rusqlite::Error::InvalidQuery),
        ];
        for err in errors {
            let msg = err.user_message();
            assert!(!msg.contains("rusqlite") && !msg.contains("Error"), "{msg}");
            assert!(msg.ends_with('.') || msg.ends_with(')'), "{msg}");
        }
    }
}
