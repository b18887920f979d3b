//! Shared set-up for the shell's tests: the real IPC path and ACL through Tauri's mock runtime.
#![allow(dead_code)]

use desk_core::secrets::Keyring;
use desk_shell::{configure, DeskState};
use serde_json::Value;
use tauri::test::{get_ipc_response, mock_builder, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::WebviewWindowBuilder;

pub type Window = tauri::WebviewWindow<tauri::test::MockRuntime>;

pub fn mock_keyring() -> Keyring {
    Keyring::with_store(keyring_core::mock::Store::new().expect("mock store"), "mock")
}

pub fn app_with(state: DeskState) -> (tauri::App<tauri::test::MockRuntime>, tauri::WebviewWindow<tauri::test::MockRuntime>) {
    let app = configure(mock_builder(), state).build(tauri::generate_context!("../tauri.conf.json", test = true)).expect("build mock app");
    let window = WebviewWindowBuilder::new(&app, "main", Default::default()).build().expect("main window");
    (app, window)
}

pub fn invoke(window: &tauri::WebviewWindow<tauri::test::MockRuntime>, cmd: &str) -> Result<Value, Value> {
    invoke_with(window, cmd, serde_json::json!({}))
}

pub fn invoke_with(window: &tauri::WebviewWindow<tauri::test::MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    get_ipc_response(
        window,
        InvokeRequest {
            cmd: cmd.into(),
            callback: tauri::ipc::CallbackFn(0),
            error: tauri::ipc::CallbackFn(1),
            url: "tauri://localhost".parse().expect("url"),
            body: tauri::ipc::InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|body| body.deserialize::<Value>().expect("json body"))
}

/// First start over IPC: create the clinic's first admin and sign in as them.
pub fn signed_in_admin(w: &tauri::WebviewWindow<tauri::test::MockRuntime>) {
    use serde_json::json;
    invoke_with(
        w,
        "setup_first_admin",
        json!({"input": {"clinicName": "Skinspire Clinic",
        "admin": {"userId": "asha.admin", "displayName": "Dr. Asha Rao", "role": "admin", "password": "admin-passphrase"}}}),
    )
    .expect("first admin");
    let session = invoke_with(w, "sign_in", json!({"userId": "asha.admin", "password": "admin-passphrase"})).expect("sign in");
    assert_eq!(session["role"], "admin");
}
