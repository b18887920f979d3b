//! Backups for the admin: the list, "make one now", the daily one, a restore and its report.
//! The files themselves are `desk_core::backup`'s; this adds the desk's settings, the audit log
//! and what a restored desk must be told (credentials a new machine's keyring lacks).

use desk_core::backup::{self, BackupInfo, BackupKind};
use desk_core::error::Result;
use desk_core::events::EventKind;
use desk_core::settings;
use desk_delivery::credentials;
use desk_delivery::DeliverySettings;
use desk_sync::settings::{SyncSettings, PASSWORD_ITEM};
use serde::Serialize;

use crate::desk::Desk;

/// The admin's backups screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Backups {
    /// Where they are, for an admin who copies them elsewhere.
    pub folder: String,
    /// How many are kept (the `backups_kept` setting).
    pub kept: u32,
    /// Newest first.
    pub backups: Vec<BackupInfo>,
}

/// Something a restored desk needs entered again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ReenterItem {
    Gmail,
    Twilio,
    SyncPassword,
    /// Not entered: the keyring's code key is new, so codes from before can't be checked.
    Pepper,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Reenter {
    pub item: ReenterItem,
    pub message: String,
}

/// After a restart from a restore: what happened, and what the admin must do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RestoreReport {
    pub backup_name: String,
    pub backup_made_at: String,
    pub restored_at: String,
    pub messages_cancelled: u32,
    pub new_device: bool,
    pub reenter: Vec<Reenter>,
}

impl Desk {
    fn backups_dir(&self) -> std::path::PathBuf {
        backup::folder(self.paths())
    }

    fn backups_kept(&self) -> Result<u32> {
        Ok(self.policy()?.backups_kept)
    }

    pub fn backups_list(&self) -> Result<Backups> {
        let dir = self.backups_dir();
        Ok(Backups { folder: dir.display().to_string(), kept: self.backups_kept()?, backups: backup::list(&dir)? })
    }

    /// Make a backup now, then keep only the newest `backups_kept`.
    pub fn backup_now(&self, actor: &str) -> Result<BackupInfo> {
        self.backup(actor, BackupKind::Manual)
    }

    /// The daily backup, when none was made in the last day. The shell calls this at start-up
    /// and then every hour, so a desk left on for days still makes one a day.
    pub fn backup_if_due(&self) -> Result<Option<BackupInfo>> {
        if !backup::daily_due(&self.backups_dir(), self.engine().now())? {
            return Ok(None);
        }
        self.backup("desk", BackupKind::Daily).map(Some)
    }

    fn backup(&self, actor: &str, kind: BackupKind) -> Result<BackupInfo> {
        let dir = self.backups_dir();
        let info = backup::make(&self.paths().db_file, &dir, kind, self.engine().now())?;
        backup::prune(&dir, self.backups_kept()? as usize)?;
        let detail = serde_json::json!({"backup": info.name, "kind": info.kind, "size_bytes": info.size_bytes});
        self.record(actor, EventKind::BackupMade, actor, detail)?;
        Ok(info)
    }

    /// Check the backup and have it restored when the desk starts again (the shell restarts it).
    pub fn backup_restore(&self, actor: &str, name: &str) -> Result<BackupInfo> {
        Ok(backup::stage_restore(self.paths(), name, actor, self.engine().now())?)
    }

    /// The last restore's report, with what the keyring here lacks, until the admin dismisses it.
    pub fn restore_report(&self) -> Result<Option<RestoreReport>> {
        let Some(note) = backup::note(self.paths()) else {
            return Ok(None);
        };
        let mut reenter = Vec::new();
        // Outside the store lock: keyring calls may be slow.
        let (delivery, sync) =
            self.with_store(|s| Ok((settings::load::<DeliverySettings>(s.conn())?, settings::load::<SyncSettings>(s.conn())?)))?;
        let view = credentials::view(&delivery, self.keyring());
        if !view.gmail_address.is_empty() && !view.gmail_configured {
            reenter.push(Reenter {
                item: ReenterItem::Gmail,
                message: format!("The Gmail app password for {} isn't in this computer's keyring: enter it again.", view.gmail_address),
            });
        }
        let twilio_named = !(view.whatsapp_from.is_empty() && view.sms_from.is_empty() && view.messaging_service_sid.is_empty());
        if twilio_named && !view.twilio_configured {
            reenter.push(Reenter {
                item: ReenterItem::Twilio,
                message: "The Twilio auth token isn't in this computer's keyring: enter it again.".into(),
            });
        }
        if sync.configured() && !matches!(self.keyring().get(PASSWORD_ITEM), Ok(Some(_))) {
            reenter.push(Reenter {
                item: ReenterItem::SyncPassword,
                message: "The desk's password for the clinic database isn't in this computer's keyring: enter it again.".into(),
            });
        }
        if note.pepper_changed {
            let codes = match note.codes_dead {
                0 => String::new(),
                1 => " The 1 code still waiting to be typed can't be checked: send a new one.".into(),
                n => format!(" The {n} codes still waiting to be typed can't be checked: send new ones."),
            };
            reenter.push(Reenter {
                item: ReenterItem::Pepper,
                message: format!(
                    "This computer's keyring doesn't hold the key the backup's codes were made with.{codes} \
                     The audit log from before the restore can't be re-checked on this computer."
                ),
            });
        }
        Ok(Some(RestoreReport {
            backup_name: note.backup_name,
            backup_made_at: note.backup_made_at,
            restored_at: note.restored_at,
            messages_cancelled: note.messages_cancelled,
            new_device: note.new_device,
            reenter,
        }))
    }

    pub fn restore_report_dismiss(&self) -> Result<()> {
        Ok(backup::dismiss_note(self.paths())?)
    }
}
