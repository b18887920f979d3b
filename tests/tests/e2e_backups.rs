//! Backups in the real window: an admin makes one now, sees it listed, and the file in the data
//! folder is a whole copy of the desk's database. (A restore restarts the app, which ends the
//! WebDriver session: restores are tested through the facade, crates/desk-app/tests/backups.rs.)

use desk_app::{AppPaths, Desk, FirstAdmin};
use desk_core::staff::{NewStaff, Role};
use desk_tests::app::Launch;
use desk_tests::services::secret_service;
use secrecy::SecretString;

const ADMIN: (&str, &str) = ("asha.admin", "admin-passphrase");

#[tokio::test]
async fn an_admin_makes_a_backup_now_and_it_is_listed_and_whole() {
    let keyring = secret_service("e2e_backups");
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    {
        let desk = Desk::open(AppPaths::under(&data), keyring).expect("open desk");
        desk.create_first_admin(&FirstAdmin {
            clinic_name: "Skinspire Clinic".into(),
            admin: NewStaff {
                user_id: ADMIN.0.into(),
                display_name: "Dr. Asha Rao".into(),
                role: Role::Admin,
                password: SecretString::from(ADMIN.1),
            },
        })
        .expect("admin");
        desk.sign_in(ADMIN.0, ADMIN.1).expect("sign in");
        desk.load_sample_data(ADMIN.0).expect("sample people");
    }
    let app = Launch::new().data_dir(&data).start().await;
    app.fill("signin-user-id", ADMIN.0).await;
    app.fill("signin-password", ADMIN.1).await;
    app.click("signin-submit").await;
    app.by_testid("search-input").await;
    app.click("nav-admin").await;
    app.click("admin-backups").await;
    // The daily one, made at start-up, may be listed already; this one is the admin's.
    app.click("backup-now").await;
    let made = app.wait_text("backup-made", |t| !t.trim().is_empty()).await;
    let list = app.by_testid("backups-list").await.text().await.expect("list");
    assert!(list.contains("Made by an admin"), "{list}");
    app.screenshot("backups-made-now").await;
    app.close().await;

    let folder = data.join("backups");
    let manual: Vec<_> = std::fs::read_dir(&folder)
        .expect("backups folder")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with("-manual.sqlite3"))
        .collect();
    assert_eq!(manual.len(), 1, "{manual:?}");
    assert!(made.contains(&manual[0]), "the success line names the file: {made}");
    let copy = rusqlite::Connection::open(folder.join(&manual[0])).expect("open the backup");
    let people: i64 = copy.query_row("SELECT count(*) FROM users", [], |r| r.get(0)).expect("count");
    assert!(people >= 30, "the sample people are in the backup: {people}");
    let ok: String = copy.query_row("PRAGMA integrity_check", [], |r| r.get(0)).expect("check");
    assert_eq!(ok, "ok");
}
