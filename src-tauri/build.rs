//! Tauri's build step, with the config at the repository root (the design card's layout) and the
//! app's own commands gated through the app manifest: a command not listed here, and not granted
//! to a window in `capabilities/`, cannot be called from the webview.

/// Every command the shell exposes. Keep in step with `commands::handler()`.
const COMMANDS: &[&str] = &[
    "app_status",
    "setup_status",
    "setup_first_admin",
    "sign_in",
    "sign_out",
    "session_current",
    "people_search",
    "person_get",
    "person_add",
    "person_update",
    "sample_data_load",
    "verification_start",
    "verification_check",
    "settings_get",
    "settings_update",
    "person_events",
    "credentials_get",
    "credentials_save_gmail",
    "credentials_save_twilio",
    "credentials_delete",
    "credentials_test",
    "delivery_health",
    "outbox_list",
    "demo_outbox",
    "templates_list",
    "template_save",
    "template_reset",
    "template_preview",
    "staff_list",
    "staff_add",
    "staff_set_active",
    "staff_set_role",
    "staff_reset_password",
    "audit_search",
    "audit_export",
];

fn main() {
    println!("cargo:rerun-if-changed=../tauri.conf.json");
    println!("cargo:rerun-if-changed=capabilities");
    let attributes = tauri_build::Attributes::new()
        .config_path("../tauri.conf.json")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(err) = tauri_build::try_build(attributes) {
        // A build script has no caller to return to; fail the build with the reason.
        panic!("tauri-build failed: {err:#}");
    }
}
