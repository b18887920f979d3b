//! Backups: made with SQLite's backup API into the data folder, kept to the number set, one a
//! day; restored at the next start, with what came back waiting cancelled, the fork rule kept on
//! a synced desk, and a report of what a new machine's keyring lacks.

mod common;

use std::sync::Arc;

use common::{desk, mock_keyring, TestDesk};
use desk_app::{AppPaths, BackupKind, Desk, ErrorCode, PublicError, ReenterItem};
use desk_core::channel::Channel;
use desk_core::codes::SeededRandom;

fn count(t: &TestDesk, sql: &str) -> i64 {
    t.desk.with_store(|s| Ok(s.conn().query_row(sql, [], |r| r.get(0))?)).expect("count")
}

fn device_id(t: &TestDesk) -> String {
    t.desk.engine().journal.device_id().to_owned()
}

#[test]
fn a_restore_brings_back_the_data_of_its_day_and_cancels_the_messages_that_come_back_waiting() {
    let t = desk();
    let priya = t.add("Priya Sharma", "+919845012345", "priya@example.in");
    // A code waiting to go out when the backup is made (demo mode: nothing sends it here).
    let started = t.desk.start_verification("reception1", &priya, Channel::SMS, true).expect("start");
    let backup = t.desk.backup_now("admin-1").expect("backup");
    assert_eq!(backup.kind, BackupKind::Manual);
    assert!(backup.restorable, "{backup:?}");
    let later = t.add("Ravi Kumar", "+919845099999", "");
    let device = device_id(&t);

    t.desk.backup_restore("admin-1", &backup.name).expect("staged");
    // Nothing changes until the desk starts again.
    assert_eq!(t.desk.search("Ravi").expect("search").len(), 1);
    let t = t.reopen();

    assert!(t.desk.search("Ravi").expect("search").is_empty(), "work after the backup is not on the desk");
    assert_eq!(t.desk.search("Priya").expect("search").len(), 1);
    let status: String = t
        .desk
        .with_store(|s| Ok(s.conn().query_row("SELECT status FROM outbox WHERE id = ?1", [started.outbox_id], |r| r.get(0))?))
        .expect("status");
    assert_eq!(status, "cancelled", "a code from the backup's time is never sent");
    assert_eq!(count(&t, "SELECT count(*) FROM outbox WHERE sealed_payload IS NOT NULL"), 0);
    assert_eq!(device_id(&t), device, "a desk that never synced keeps its device id");

    // The data it replaced is a backup of its own, with Ravi in it.
    let list = t.desk.backups_list().expect("list");
    let before = list.backups.iter().find(|b| b.kind == BackupKind::BeforeRestore).expect("saved first");
    let copy = rusqlite::Connection::open(std::path::Path::new(&list.folder).join(&before.name)).expect("open");
    let ravi: i64 = copy.query_row("SELECT count(*) FROM users WHERE user_id = ?1", [&later], |r| r.get(0)).expect("ravi");
    assert_eq!(ravi, 1);

    // The audit log says so, and the report tells the admin.
    assert_eq!(count(&t, "SELECT count(*) FROM verification_events WHERE kind = 'backup_restored' AND actor = 'admin-1'"), 1);
    let report = t.desk.restore_report().expect("report").expect("there is one");
    assert_eq!(report.backup_name, backup.name);
    assert_eq!(report.messages_cancelled, 1);
    assert!(!report.new_device);
    assert!(report.reenter.is_empty(), "same machine, same keyring: {:?}", report.reenter);
    t.desk.restore_report_dismiss().expect("dismiss");
    assert_eq!(t.desk.restore_report().expect("report"), None);
}

#[test]
fn restored_on_a_new_machine_the_desk_says_what_its_keyring_lacks() {
    let old = desk();
    old.set(serde_json::json!({"gmail_address": "clinic.desk@gmail.com", "twilio_sms_from": "+15005550006"}));
    let priya = old.add("Priya Sharma", "+919845012345", "priya@example.in");
    old.desk.start_verification("reception1", &priya, Channel::EMAIL, true).expect("a code waiting to be typed");
    let backup = old.desk.backup_now("admin-1").expect("backup");
    let from = std::path::Path::new(&old.desk.backups_list().expect("list").folder).join(&backup.name);

    // A new computer: a fresh desk, an empty keyring (a new pepper), the backup file copied in.
    let dir = tempfile::tempdir().expect("tempdir");
    let paths = AppPaths::under(dir.path());
    let open = |keyring| {
        Desk::open_with(paths.clone(), keyring, Arc::new(old.clock.clone()), Arc::new(SeededRandom::new(5))).expect("open new desk")
    };
    let keyring = mock_keyring();
    let fresh = open(keyring.clone());
    let folder = std::path::PathBuf::from(fresh.backups_list().expect("list").folder);
    std::fs::create_dir_all(&folder).expect("folder");
    std::fs::copy(&from, folder.join(&backup.name)).expect("copy the backup");
    fresh.backup_restore("admin-1", &backup.name).expect("staged");
    drop(fresh);
    let restored = open(keyring);

    assert_eq!(restored.search("Priya").expect("search").len(), 1);
    let report = restored.restore_report().expect("report").expect("one");
    let items: Vec<ReenterItem> = report.reenter.iter().map(|r| r.item).collect();
    assert_eq!(items, [ReenterItem::Gmail, ReenterItem::Twilio, ReenterItem::Pepper], "{:?}", report.reenter);
    assert!(report.reenter[0].message.contains("clinic.desk@gmail.com"));
    assert!(report.reenter[2].message.contains("1 code still waiting"), "{}", report.reenter[2].message);
}

#[test]
fn a_synced_desk_restored_continues_as_a_new_device_and_carries_its_verifications_over() {
    let t = desk();
    t.add("Priya Sharma", "+919845012345", "");
    let old_device = device_id(&t);
    // As a hello from the clinic leaves it: this device known, 1 event acknowledged.
    t.desk
        .with_store(|s| {
            desk_sync::state::record_hello(s.conn(), &old_device, "HOSP1", 0, t.clock_now())?;
            Ok(s.conn().execute("UPDATE sync_state SET acked_seq = 1", [])?)
        })
        .expect("synced");
    let backup = t.desk.backup_now("admin-1").expect("backup");
    t.desk.backup_restore("admin-1", &backup.name).expect("staged");
    let t = t.reopen();

    assert_ne!(device_id(&t), old_device, "a new event series: the old one may go on in the clinic past the backup");
    let report = t.desk.restore_report().expect("report").expect("one");
    assert!(report.new_device);
    let (device, carry): (Option<String>, Option<String>) = t
        .desk
        .with_store(|s| {
            Ok(s.conn().query_row("SELECT device_id, carry_device FROM sync_state WHERE id = 1", [], |r| Ok((r.get(0)?, r.get(1)?)))?)
        })
        .expect("state");
    assert_eq!(device, None, "enrols afresh at the next hello");
    assert_eq!(carry.as_deref(), Some(old_device.as_str()), "the old series' verifications are carried into the new one");
}

#[test]
fn backups_are_kept_to_the_number_set_and_one_is_made_a_day() {
    let t = desk();
    t.set(serde_json::json!({"backups_kept": 2}));
    let first = t.desk.backup_if_due().expect("due").expect("the first start makes one");
    assert_eq!(first.kind, BackupKind::Daily);
    assert_eq!(t.desk.backup_if_due().expect("not due"), None, "one a day");
    t.clock.advance(time::Duration::hours(23));
    assert_eq!(t.desk.backup_if_due().expect("not due"), None);
    t.clock.advance(time::Duration::hours(1));
    assert!(t.desk.backup_if_due().expect("due").is_some(), "a day on");
    t.clock.advance(time::Duration::minutes(1));
    t.desk.backup_now("admin-1").expect("by hand");
    let list = t.desk.backups_list().expect("list");
    assert_eq!(list.kept, 2);
    assert_eq!(list.backups.len(), 2, "the oldest beyond the number kept went: {:?}", list.backups);
    assert_eq!(list.backups[0].kind, BackupKind::Manual, "newest first");
    assert!(list.backups.iter().all(|b| b.name != first.name));
    assert_eq!(count(&t, "SELECT count(*) FROM verification_events WHERE kind = 'backup_made'"), 3);
}

#[test]
fn a_backup_from_a_newer_version_is_refused_in_plain_words_and_nothing_is_staged() {
    let t = desk();
    let backup = t.desk.backup_now("admin-1").expect("backup");
    let path = std::path::Path::new(&t.desk.backups_list().expect("list").folder).join(&backup.name);
    let c = rusqlite::Connection::open(&path).expect("open");
    c.execute_batch(&format!(
        "PRAGMA user_version = {}; UPDATE desk_meta SET value = '0.9.0' WHERE key = 'backup_app_version';",
        desk_core::store::latest_version() + 1
    ))
    .expect("newer");
    drop(c);
    let err = PublicError::from(t.desk.backup_restore("admin-1", &backup.name).expect_err("refused"));
    assert_eq!(err.code, ErrorCode::BackupRefused);
    assert!(err.message.contains("newer version") && err.message.contains("0.9.0"), "{}", err.message);
    let listed = t.desk.backups_list().expect("list").backups.into_iter().find(|b| b.name == backup.name).expect("listed");
    assert!(!listed.restorable);
    let t = t.reopen();
    assert_eq!(t.desk.restore_report().expect("report"), None, "nothing was restored");
}
