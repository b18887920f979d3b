// The one list of the shell's commands, with who may call each. `build.rs` includes this file
// for the app manifest (a command not listed cannot be called from the webview); the tests check
// that `commands::handler()`, the capabilities, the generated TypeScript bindings and
// docs/commands.md all agree with it, and that reception is refused every `Admin` command.
// (A plain file, no `use`s: it is compiled into build.rs as well as the crate.)

/// Who may call a command. `commands.rs` checks it in Rust, whatever the UI shows.
#[allow(dead_code)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// No sign-in needed: start-up and sign-in itself.
    Open,
    /// Anyone signed in.
    Staff,
    /// Administrators only.
    Admin,
}

pub const COMMANDS: &[(&str, Access)] = &[
    ("app_status", Access::Open),
    ("startup_ready", Access::Open),
    ("setup_status", Access::Open),
    ("setup_first_admin", Access::Open),
    ("sign_in", Access::Open),
    ("recovery_use", Access::Open),
    ("sign_out", Access::Open),
    ("session_current", Access::Open),
    ("people_search", Access::Staff),
    ("person_get", Access::Staff),
    ("person_add", Access::Staff),
    ("person_update", Access::Staff),
    ("verification_start", Access::Staff),
    ("verification_check", Access::Staff),
    ("person_events", Access::Staff),
    ("settings_get", Access::Staff),
    ("settings_central", Access::Staff),
    ("credentials_get", Access::Staff),
    ("delivery_health", Access::Staff),
    ("outbox_list", Access::Staff),
    ("demo_outbox", Access::Staff),
    ("needs_verifying", Access::Staff),
    ("consent_notice", Access::Staff),
    ("consent_withdraw", Access::Staff),
    ("consent_renew", Access::Staff),
    ("sync_status", Access::Staff),
    ("sync_now", Access::Staff),
    ("sample_data_load", Access::Admin),
    ("settings_update", Access::Admin),
    ("credentials_save_gmail", Access::Admin),
    ("credentials_save_twilio", Access::Admin),
    ("credentials_delete", Access::Admin),
    ("credentials_test", Access::Admin),
    ("templates_list", Access::Admin),
    ("template_save", Access::Admin),
    ("template_reset", Access::Admin),
    ("template_preview", Access::Admin),
    ("staff_list", Access::Admin),
    ("staff_add", Access::Admin),
    ("staff_set_active", Access::Admin),
    ("staff_set_role", Access::Admin),
    ("staff_reset_password", Access::Admin),
    ("audit_search", Access::Admin),
    ("audit_export", Access::Admin),
    ("audit_chain_check", Access::Admin),
    ("staff_unlock", Access::Admin),
    ("recovery_code_new", Access::Admin),
    ("sync_setup_get", Access::Admin),
    ("sync_setup_save", Access::Admin),
    ("sync_test", Access::Admin),
    ("sync_unreadable", Access::Admin),
    ("sync_role_map_get", Access::Admin),
    ("sync_role_map_save", Access::Admin),
    ("sync_new_device", Access::Admin),
    ("sync_conflicts", Access::Admin),
    ("sync_conflict_resolve", Access::Admin),
    ("sync_walkins", Access::Admin),
    ("backups_list", Access::Admin),
    ("backup_now", Access::Admin),
    ("backup_restore", Access::Admin),
    ("restore_report", Access::Admin),
    ("restore_report_dismiss", Access::Admin),
];
