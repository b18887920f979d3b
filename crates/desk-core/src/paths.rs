//! Where the desk keeps its files: the OS's per-user app data folder, or a folder named by
//! `SKINSPIRE_DESK_DATA_DIR` (tests, and admins who want the data elsewhere).

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Environment variable that overrides the data folder.
pub const DATA_DIR_ENV: &str = "SKINSPIRE_DESK_DATA_DIR";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppPaths {
    pub data_dir: PathBuf,
    pub db_file: PathBuf,
    pub log_dir: PathBuf,
}

impl AppPaths {
    /// All paths under one folder.
    pub fn under(data_dir: impl Into<PathBuf>) -> Self {
        let data_dir = data_dir.into();
        AppPaths { db_file: data_dir.join("desk.sqlite3"), log_dir: data_dir.join("logs"), data_dir }
    }

    /// The override if set, else the platform's per-user data folder for this app
    /// (`~/.local/share/in.skinspire.verifydesk` on Linux, the same folder Tauri would pick).
    pub fn resolve() -> Result<Self> {
        if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|d| !d.is_empty()) {
            return Ok(Self::under(PathBuf::from(dir)));
        }
        let base = directories::BaseDirs::new().ok_or(Error::NoDataFolder)?;
        Ok(Self::under(base.data_dir().join(crate::APP_IDENTIFIER)))
    }

    /// Create the data and log folders if they are missing.
    pub fn ensure(&self) -> Result<()> {
        for dir in [&self.data_dir, &self.log_dir] {
            create_dir(dir)?;
        }
        Ok(())
    }
}

fn create_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Folder { path: dir.display().to_string(), source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everything_lives_under_the_data_folder() {
        let p = AppPaths::under("/x/y");
        assert_eq!(p.db_file, PathBuf::from("/x/y/desk.sqlite3"));
        assert_eq!(p.log_dir, PathBuf::from("/x/y/logs"));
    }

    #[test]
    fn ensure_reports_an_unwritable_folder() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let file = tmp.path().join("a-file");
        std::fs::write(&file, b"").expect("write");
        let err = AppPaths::under(file.join("inside")).ensure().expect_err("must fail");
        assert!(matches!(err, Error::Folder { .. }), "{err:?}");
    }
}
