//! What can go wrong with sync, each in the words an admin or receptionist reads.

use desk_core::error::SyncProblem;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("The clinic server isn't set up on this desk: an admin enters it in Admin → Clinic sync.")]
    NotConfigured,
    #[error("The clinic database password isn't in the keyring: an admin enters it again in Admin → Clinic sync.")]
    PasswordMissing,
    #[error("The keyring couldn't be read for the clinic database password: {0}")]
    Keyring(&'static str),
    #[error("The CA certificate file couldn't be used: {0}")]
    CaFile(String),
    #[error("The clinic server can't be reached ({0}).")]
    Unreachable(String),
    #[error("The clinic server's certificate wasn't accepted ({0}): check the server name and the CA certificate file.")]
    Certificate(String),
    #[error("The clinic server refused this desk's role or password.")]
    LoginRefused,
    #[error("The clinic database has no desk sync installed: its DBA runs migrations/hms/install.sql.")]
    NotInstalled,
    #[error("This desk isn't enrolled in the clinic database, or it was revoked: ask the clinic's DBA.")]
    NotEnrolled,
    #[error("This desk's device id belongs to another desk in the clinic database.")]
    DeviceTaken,
    #[error("The clinic is missing this desk's earlier events (it has up to {acked}); sync stopped so nothing is lost.")]
    Gap { acked: i64 },
    #[error(
        "This desk's history no longer matches what the clinic holds from it (from event {seq}): it was probably restored from a backup. Nothing was overwritten. An admin starts it as a new device in Admin → Clinic sync."
    )]
    Forked { seq: i64 },
    #[error("The clinic server answered with an error: {0}")]
    Server(String),
    #[error(transparent)]
    Store(#[from] desk_core::Error),
}

impl SyncError {
    /// The stable code the UI and the status line use.
    pub fn code(&self) -> &'static str {
        match self {
            SyncError::NotConfigured => "SYNC_NOT_CONFIGURED",
            SyncError::PasswordMissing => "SYNC_PASSWORD_MISSING",
            SyncError::Keyring(_) => "KEYRING_UNAVAILABLE",
            SyncError::CaFile(_) => "SYNC_CA_FILE",
            SyncError::Unreachable(_) => "SYNC_UNREACHABLE",
            SyncError::Certificate(_) => "SYNC_CERTIFICATE",
            SyncError::LoginRefused => "SYNC_LOGIN_REFUSED",
            SyncError::NotInstalled => "SYNC_NOT_INSTALLED",
            SyncError::NotEnrolled => "SYNC_NOT_ENROLLED",
            SyncError::DeviceTaken => "SYNC_DEVICE_TAKEN",
            SyncError::Gap { .. } => "SYNC_GAP",
            SyncError::Forked { .. } => "SYNC_FORKED",
            SyncError::Server(_) => "SYNC_SERVER_ERROR",
            SyncError::Store(_) => "SYNC_LOCAL_STORE",
        }
    }

    /// Worth trying again by itself later (the network, the server), as opposed to something an
    /// admin must fix first.
    pub fn retryable(&self) -> bool {
        matches!(self, SyncError::Unreachable(_) | SyncError::Server(_))
    }

    /// Read a PostgreSQL error: the sync functions' own SQLSTATEs (class DS), refused logins,
    /// missing functions, and the network or TLS underneath.
    pub fn from_pg(e: tokio_postgres::Error) -> Self {
        use tokio_postgres::error::SqlState;
        if let Some(db) = e.as_db_error() {
            let code = db.code();
            return match code.code() {
                "DS001" => SyncError::NotEnrolled,
                "DS002" => SyncError::DeviceTaken,
                "DS003" => SyncError::Gap { acked: 0 },
                "DS005" => SyncError::Forked { seq: 0 },
                _ if *code == SqlState::INVALID_PASSWORD || *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION => {
                    SyncError::LoginRefused
                }
                _ if *code == SqlState::UNDEFINED_FUNCTION || *code == SqlState::INVALID_SCHEMA_NAME => SyncError::NotInstalled,
                _ if *code == SqlState::INSUFFICIENT_PRIVILEGE => SyncError::NotEnrolled,
                _ => SyncError::Server(db.message().to_owned()),
            };
        }
        // Walk the sources for a TLS refusal (a certificate that doesn't check out).
        let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(&e);
        while let Some(s) = source {
            if let Some(tls) = s.downcast_ref::<rustls::Error>() {
                return SyncError::Certificate(tls.to_string());
            }
            if let Some(io) = s.downcast_ref::<std::io::Error>() {
                if let Some(inner) = io.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
                    return SyncError::Certificate(inner.to_string());
                }
            }
            source = s.source();
        }
        SyncError::Unreachable(short(&e))
    }
}

/// tokio-postgres's error text, first line, for the status line (no passwords are in it).
fn short(e: &tokio_postgres::Error) -> String {
    let mut text = e.to_string();
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(s) = source {
        text = format!("{text}: {s}");
        source = s.source();
    }
    text.lines().next().unwrap_or_default().chars().take(200).collect()
}

impl From<tokio_postgres::Error> for SyncError {
    fn from(e: tokio_postgres::Error) -> Self {
        SyncError::from_pg(e)
    }
}

impl From<SyncError> for desk_core::Error {
    fn from(e: SyncError) -> Self {
        let problem = match &e {
            SyncError::Store(_) => SyncProblem::Failed,
            SyncError::NotConfigured => SyncProblem::NotConfigured,
            SyncError::Forked { .. } => SyncProblem::Forked,
            _ => SyncProblem::Failed,
        };
        match e {
            SyncError::Store(inner) => inner,
            other => desk_core::Error::Sync { problem, message: other.to_string() },
        }
    }
}
