//! The installed package, driven in its real window: `scripts/package-check.sh` installs the
//! `.deb` with apt-get and runs these in order, one step at a time between the package steps
//! (so this file builds only with `--features installed`, and `make test` doesn't run it: on a
//! machine without the package every one of them would fail, by design):
//!
//! 1. with an older package installed: the program starts from its installed path into the
//!    first-start form (a blank window fails), and a desk is set up in the per-user data folder;
//! 2. after the newer package is installed over it: that desk is all there;
//! 3. the new version opens the database 0.1.0 left (the committed fixture): staff, people, a
//!    verification and queued messages are there, and its migrations run once;
//! 4. after the package is purged (removed with its configuration): the data folder and the
//!    keyring items are still there.

use std::path::{Path, PathBuf};
use std::process::Command;

use desk_core::codes::PEPPER_ITEM;
use desk_tests::app::{AppUnderTest, Launch};
use desk_tests::services::secret_service;
use serde_json::json;

const INSTALLED: &str = "/usr/bin/skinspire-verify-desk";
const ADMIN: (&str, &str) = ("meera.admin", "installed-desk-pass");

/// The version dpkg has installed, if any.
fn installed_version() -> Option<String> {
    let out = Command::new("dpkg-query").args(["-W", "-f=${Status} ${Version}", "skinspire-verify-desk"]).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.strip_prefix("install ok installed ").map(str::to_owned)
}

/// The program under test is the installed one, owned by the package.
fn assert_installed(version: &str) {
    assert_eq!(installed_version().as_deref(), Some(version), "the package at this version is installed");
    let bin = std::env::var("DESK_APP_BIN").expect("package-check.sh sets DESK_APP_BIN to the installed program");
    assert_eq!(bin, INSTALLED, "the test drives the installed program, not a build");
    let owner = Command::new("dpkg").args(["-S", INSTALLED]).output().expect("dpkg -S");
    assert!(String::from_utf8_lossy(&owner.stdout).starts_with("skinspire-verify-desk:"), "{INSTALLED} belongs to the package");
}

fn expected(var: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| panic!("package-check.sh sets {var}"))
}

fn data_folder() -> PathBuf {
    desk_core::AppPaths::resolve().expect("the per-user data folder").data_dir
}

async fn page_text(app: &AppUnderTest) -> String {
    app.client.execute("return document.body.innerText", vec![]).await.expect("page text").as_str().unwrap_or_default().to_owned()
}

async fn sign_in(app: &AppUnderTest, who: (&str, &str)) {
    app.fill("signin-user-id", who.0).await;
    app.fill("signin-password", who.1).await;
    app.click("signin-submit").await;
    app.by_testid("search-input").await;
}

#[tokio::test]
async fn installed_1_the_package_starts_from_its_installed_path_into_the_first_start_form() {
    assert_installed(&expected("DESK_OLDER_VERSION"));
    secret_service("installed_1");
    assert!(!data_folder().exists(), "a fresh account: no data folder yet at {}", data_folder().display());
    let app = Launch::new().os_data_folder().start().await;
    app.by_testid("setup-form").await;
    let text = page_text(&app).await;
    for words in ["Skinspire Verify Desk", "Clinic name", "Password"] {
        assert!(text.contains(words), "the first-start form says {words:?}; the page reads {text:?}");
    }
    app.screenshot("installed-first-start").await;

    app.fill("setup-clinic", "Skinspire Clinic Whitefield").await;
    app.fill("setup-name", "Dr. Meera Iyer").await;
    app.fill("setup-user-id", ADMIN.0).await;
    app.fill("setup-password", ADMIN.1).await;
    app.fill("setup-password-confirm", ADMIN.1).await;
    app.click("setup-submit").await;
    // The new admin's recovery code is shown once; then the sign-in.
    app.wait_text("recovery-code", |t| !t.trim().is_empty()).await;
    app.click("recovery-code-done").await;
    sign_in(&app, ADMIN).await;
    let person = json!({"input": {"displayName": "Kavya Nair", "entityType": "patient", "phone": "+919845011111", "email": null, "preferredLanguage": null}});
    app.invoke("person_add", person).await.expect("a person added");
    app.close().await;
    assert!(data_folder().join("desk.sqlite3").is_file(), "the desk keeps its data in the per-user folder");
}

#[tokio::test]
async fn installed_2_an_upgrade_over_the_older_package_keeps_the_data() {
    assert_installed(&expected("DESK_NEW_VERSION"));
    secret_service("installed_2");
    let app = Launch::new().os_data_folder().start().await;
    sign_in(&app, ADMIN).await;
    let found = app.invoke("people_search", json!({"query": "Kavya"})).await.expect("search");
    assert_eq!(found.as_array().map(Vec::len), Some(1), "the person added under the older package: {found}");
    let status = app.invoke("app_status", json!({})).await.expect("status");
    assert_eq!(status["version"], desk_core::APP_VERSION, "{status}");
    app.close().await;
}

#[tokio::test]
async fn installed_3_the_new_version_opens_what_0_1_0_left_and_migrates_it_once() {
    assert_installed(&expected("DESK_NEW_VERSION"));
    secret_service("installed_3");
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).expect("data folder");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/desk-v0.1.0.sqlite3");
    std::fs::copy(&fixture, data.join("desk.sqlite3")).expect("the 0.1.0 database");

    let app = Launch::new().data_dir(&data).start().await;
    let status = app.invoke("app_status", json!({})).await.expect("status");
    let latest = desk_core::store::latest_version();
    assert_eq!(
        (status["migrationsApplied"].as_u64(), status["schemaVersion"].as_u64()),
        (Some((latest - 5) as u64), Some(latest as u64)),
        "{status}"
    );
    sign_in(&app, ("asha.admin", "fixture-admin-pass")).await;
    let staff = app.invoke("staff_list", json!({})).await.expect("staff");
    assert_eq!(staff.as_array().map(Vec::len), Some(2), "{staff}");
    let priya = app.invoke("people_search", json!({"query": "Priya"})).await.expect("search");
    assert_eq!(priya[0]["emailStatus"]["state"], "verified", "the verification came along: {priya}");
    let rajesh = app.invoke("people_search", json!({"query": "राजेश"})).await.expect("search");
    assert_eq!(rajesh.as_array().map(Vec::len), Some(1), "{rajesh}");
    let outbox = app.invoke("outbox_list", json!({"userId": null})).await.expect("outbox");
    // The messages 0.1.0 left waiting are all there. Their codes ran out days ago by this
    // machine's clock, so the worker retires them as expired (or hasn't looked yet): never sent.
    let rows = outbox.as_array().expect("rows");
    assert_eq!(rows.len(), 3, "{outbox}");
    for id in [2, 3] {
        let row = rows.iter().find(|r| r["id"] == id).unwrap_or_else(|| panic!("message {id} came along: {outbox}"));
        assert!(row["status"] == "queued" || row["status"] == "expired", "an old code is never sent: {row}");
    }
    app.close().await;

    let again = Launch::new().data_dir(&data).start().await;
    let status = again.invoke("app_status", json!({})).await.expect("status");
    assert_eq!(status["migrationsApplied"].as_u64(), Some(0), "the migrations ran once: {status}");
    again.close().await;
}

#[tokio::test]
async fn installed_4_removing_the_package_leaves_the_data_and_the_keyring_alone() {
    assert_eq!(installed_version(), None, "the package is purged");
    assert!(!Path::new(INSTALLED).exists(), "its program is gone");
    let keyring = secret_service("installed_4");
    let db = data_folder().join("desk.sqlite3");
    let conn =
        rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).expect("the data folder is still there");
    let admins: i64 = conn.query_row("SELECT count(*) FROM staff_accounts WHERE user_id = ?1", [ADMIN.0], |r| r.get(0)).expect("count");
    assert_eq!(admins, 1, "the admin set up under the package");
    let people: i64 = conn.query_row("SELECT count(*) FROM users WHERE display_name = 'Kavya Nair'", [], |r| r.get(0)).expect("count");
    assert_eq!(people, 1, "the person added under the package");
    assert!(keyring.get(PEPPER_ITEM).expect("keyring").is_some(), "the desk's keyring item is still there");
}
