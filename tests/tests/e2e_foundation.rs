//! End to end: the real app window over WebDriver, under Xvfb, against the real gnome-keyring.

use desk_tests::app::{x_window_titles, Launch};
use desk_tests::dbus::BareBus;

#[tokio::test]
async fn the_app_opens_with_its_status_bar_and_a_working_keyring() {
    let app = Launch::new().start().await;

    let keyring = app.wait_text("status-keyring", |t| !t.trim().is_empty()).await;
    assert_eq!(keyring.trim().trim_start_matches('✓').trim(), "keyring: ok", "{}", app.driver_log());

    let db = app.by_testid("status-db").await.text().await.expect("db text");
    let expected = app.data_dir.join("desk.sqlite3");
    assert!(db.contains(&expected.display().to_string()), "status bar shows {db:?}, want {expected:?}");
    let schema = app.by_testid("status-migrations").await.text().await.expect("schema text");
    assert!(schema.contains('✓'), "migrations not reported as done: {schema:?}");
    let version = app.by_testid("status-version").await.text().await.expect("version");
    assert_eq!(version.trim(), format!("v{}", desk_core::APP_VERSION));

    assert_eq!(app.client.title().await.expect("title"), "Skinspire Verify Desk");
    assert!(
        x_window_titles().iter().any(|t| t == "Skinspire Verify Desk"),
        "no X window titled Skinspire Verify Desk: {:?}",
        x_window_titles()
    );

    // The database really is where the bar says, migrated; and the log file was started.
    let conn = rusqlite::Connection::open(&expected).expect("open app db");
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).expect("version");
    assert_eq!(version as usize, desk_core::store::latest_version());
    let logs: Vec<_> = std::fs::read_dir(app.data_dir.join("logs")).expect("log dir").collect();
    assert!(!logs.is_empty(), "no log file written");

    let shot = app.screenshot("foundation-main-window").await;
    assert!(std::fs::metadata(&shot).expect("shot").len() > 5_000);
    app.close().await;
}

#[tokio::test]
async fn without_a_secret_service_the_app_opens_and_says_what_to_do() {
    let bus = BareBus::start();
    let app = Launch::new().env("DBUS_SESSION_BUS_ADDRESS", &bus.address).start().await;

    let keyring = app.wait_text("status-keyring", |t| t.contains("keyring:")).await;
    assert!(keyring.contains("keyring: unavailable"), "got {keyring:?}");
    let message = app.by_testid("status-keyring-message").await.text().await.expect("message");
    assert!(message.contains("No system keyring is running"), "got {message:?}");
    assert!(message.contains("restart the app"), "says what to do: {message:?}");
    // The rest of the desk still works: the database opened.
    let db = app.by_testid("status-db").await.text().await.expect("db text");
    assert!(db.contains("desk.sqlite3"), "{db:?}");

    app.screenshot("foundation-no-keyring").await;
    app.close().await;
}

#[tokio::test]
async fn a_database_from_a_newer_version_shows_an_error_screen_not_a_crash() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).expect("mkdir");
    {
        let conn = rusqlite::Connection::open(data.join("desk.sqlite3")).expect("db");
        conn.execute_batch("CREATE TABLE t(x); PRAGMA user_version = 99;").expect("mark newer");
    }
    let app = Launch::new().data_dir(&data).start().await;

    let message = app.wait_text("startup-error-message", |t| !t.is_empty()).await;
    assert!(message.contains("newer version of Skinspire Verify Desk"), "got {message:?}");
    app.screenshot("foundation-startup-error").await;
    app.close().await;

    // Refused, not rewritten.
    let conn = rusqlite::Connection::open(data.join("desk.sqlite3")).expect("db");
    let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).expect("version");
    assert_eq!(v, 99);
}
