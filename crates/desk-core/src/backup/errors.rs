//! Why a backup couldn't be made, listed or restored: its own plain words (a low layer, so the
//! core's one error type can carry it).

/// Why a backup couldn't be made, listed or restored, in words an admin can act on.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("could not {what} in {folder}: {source}")]
    Io {
        what: &'static str,
        folder: String,
        #[source]
        source: std::io::Error,
    },
    #[error("backup failed: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("no backup named {0}")]
    NotFound(String),
    #[error("not a backup name: {0}")]
    BadName(String),
    #[error("{name} is not a readable desk backup: {detail}")]
    Unreadable { name: String, detail: String },
    #[error("{name} was made by version {version} (schema {schema}); this version knows up to schema {known}")]
    TooNew { name: String, version: String, schema: usize, known: usize },
}

impl BackupError {
    pub fn user_message(&self) -> String {
        match self {
            BackupError::Io { folder, .. } => format!(
                "The backup couldn't be written in {folder}. Check that the disk is not full and that \
                 the folder can be written to, then try again. Nothing was changed."
            ),
            BackupError::Sqlite(_) => "The backup couldn't be made. Nothing was changed. Try again; if it keeps \
                                        happening, ask your administrator to check the log files."
                .to_owned(),
            BackupError::NotFound(_) => "That backup is no longer in the backups folder. Look at the list again.".to_owned(),
            BackupError::BadName(_) => "Choose a backup from the list.".to_owned(),
            BackupError::Unreadable { .. } => {
                "That file is damaged or isn't a backup of this desk, so it can't be restored. Nothing was changed.".to_owned()
            }
            BackupError::TooNew { version, .. } => format!(
                "That backup was made by a newer version of Skinspire Verify Desk ({version}). Install \
                 that version or a later one to restore it. Nothing was changed."
            ),
        }
    }

    /// A refusal of the backup itself (not a failure of this machine).
    pub fn is_refusal(&self) -> bool {
        matches!(self, BackupError::NotFound(_) | BackupError::BadName(_) | BackupError::Unreadable { .. } | BackupError::TooNew { .. })
    }
}
