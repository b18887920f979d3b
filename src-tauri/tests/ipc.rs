//! The shell's commands through Tauri's mock runtime: the real IPC path, the real ACL from
//! `capabilities/` and the build-time app manifest, no display.

use desk_core::{secrets::Keyring, AppPaths, Desk, ErrorCode, PublicError};
use desk_shell::{configure, DeskState};
use serde_json::Value;
use tauri::test::{get_ipc_response, mock_builder, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::WebviewWindowBuilder;

fn mock_keyring() -> Keyring {
    Keyring::with_store(keyring_core::mock::Store::new().expect("mock store"), "mock")
}

fn app_with(state: DeskState) -> (tauri::App<tauri::test::MockRuntime>, tauri::WebviewWindow<tauri::test::MockRuntime>) {
    let app = configure(mock_builder(), state)
        .build(tauri::generate_context!("../tauri.conf.json", test = true))
        .expect("build mock app");
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .expect("main window");
    (app, window)
}

fn invoke(window: &tauri::WebviewWindow<tauri::test::MockRuntime>, cmd: &str) -> Result<Value, Value> {
    get_ipc_response(
        window,
        InvokeRequest {
            cmd: cmd.into(),
            callback: tauri::ipc::CallbackFn(0),
            error: tauri::ipc::CallbackFn(1),
            url: "tauri://localhost".parse().expect("url"),
            body: tauri::ipc::InvokeBody::default(),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|body| body.deserialize::<Value>().expect("json body"))
}

#[test]
fn app_status_reports_database_schema_and_keyring() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let desk = Desk::open(AppPaths::under(tmp.path()), mock_keyring()).expect("open desk");
    let (_app, window) = app_with(DeskState::ready(desk));

    let status = invoke(&window, "app_status").expect("app_status succeeds");
    assert_eq!(status["appName"], "Skinspire Verify Desk");
    assert_eq!(status["version"], desk_core::APP_VERSION);
    let db = status["databasePath"].as_str().expect("path");
    assert_eq!(db, tmp.path().join("desk.sqlite3").display().to_string());
    assert_eq!(status["migrationsOk"], true);
    assert_eq!(status["schemaVersion"], desk_core::store::latest_version());
    assert_eq!(status["keyring"]["state"], "ok");
}

#[test]
fn a_failed_start_reaches_the_ui_as_code_and_message() {
    let failed = PublicError {
        code: ErrorCode::DatabaseTooNew,
        message: "This desk's data was saved by a newer version.".into(),
    };
    let (_app, window) = app_with(DeskState::failed(failed));
    let err = invoke(&window, "app_status").expect_err("must fail");
    assert_eq!(
        err,
        serde_json::json!({
            "code": "database_too_new",
            "message": "This desk's data was saved by a newer version."
        })
    );
}

#[test]
fn open_desk_turns_a_newer_database_into_a_start_up_error() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let paths = AppPaths::under(tmp.path());
    paths.ensure().expect("dirs");
    {
        let conn = rusqlite_conn(&paths.db_file);
        conn.pragma_update(None, "user_version", 99).expect("mark newer");
    }
    let state = desk_shell::open_desk(Ok(paths), mock_keyring());
    let err = state.desk().expect_err("refused");
    assert_eq!(err.code, ErrorCode::DatabaseTooNew);
}

fn rusqlite_conn(path: &std::path::Path) -> desk_core::store::RawConnection {
    desk_core::store::RawConnection::open(path).expect("raw sqlite")
}

#[test]
fn commands_outside_the_app_manifest_are_refused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let desk = Desk::open(AppPaths::under(tmp.path()), mock_keyring()).expect("open desk");
    let (_app, window) = app_with(DeskState::ready(desk));
    // Not a command of this app, and no plugin grants it.
    assert!(invoke(&window, "drop_all_tables").is_err());
    assert!(invoke(&window, "plugin:fs|read_file").is_err());
}

#[test]
fn a_window_without_the_capability_cannot_call_app_commands() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let desk = Desk::open(AppPaths::under(tmp.path()), mock_keyring()).expect("open desk");
    let app = configure(mock_builder(), DeskState::ready(desk))
        .build(tauri::generate_context!("../tauri.conf.json", test = true))
        .expect("build mock app");
    // The capability grants app_status to the window labelled "main" only.
    let other = WebviewWindowBuilder::new(&app, "other", Default::default())
        .build()
        .expect("other window");
    let err = invoke(&other, "app_status").expect_err("ACL must refuse");
    assert!(err.to_string().contains("not allowed"), "unexpected refusal: {err}");
}
