//! Tauri commands: one line each, from IPC into the facade (`desk-app`). Who may call each is
//! in the one command list (`command_list.rs`), checked before the command runs; each command
//! then takes the session it needs: `open` (no sign-in), `as_staff` (anyone signed in) or
//! `as_admin` (administrators). A command is listed there, registered here and granted in
//! `capabilities/`; the IPC tests check that all of these agree.

use desk_app::{AllSettings, CheckResult, EditResult, FirstAdmin, FirstAdminResult, SetupStatus};
use desk_app::{BackupInfo, Backups, RestoreReport};
use desk_app::{CentralSetting, ContactConflict, Settle, Unreadable, WalkIn};
use desk_app::{SyncInput, SyncReport, SyncSetup, SyncView};
use desk_core::channel::Channel;
use desk_core::consent::Notice;
use desk_core::contact::CodeType;
use desk_core::events::ChainReport;
use desk_core::events::{AuditFilter, Event};
use desk_core::outbox::OutboxEntry;
use desk_core::people::PersonInput;
use desk_core::staff::clinic::RoleMapping;
use desk_core::staff::{NewStaff, Role, Session, StaffView};
use desk_core::templates::{Part, Preview, TemplateView};
use desk_core::verify::{PersonSummary, PersonView, Started};
use desk_core::{status::AppStatus, PublicError};
use desk_delivery::admin::{Health, Provider, TestResult};
use desk_delivery::credentials::{CredentialsView, GmailInput, TwilioInput};
use desk_delivery::worker::DemoMessage;
use secrecy::ExposeSecret;
use serde_json::{Map, Value};
use tauri::State;

use crate::args::{Arg, Secret};
use crate::command_list::COMMANDS;
use crate::state::{as_admin, as_staff, as_staff_passive, open, DeskState};

type Reply<T> = Result<T, PublicError>;

/// Every command, for tauri-specta: the handler is made from this, and so are the TypeScript
/// bindings (`ui/src/lib/bindings.ts`, checked against the Rust by a test).
pub fn specta_builder<R: tauri::Runtime>() -> tauri_specta::Builder<R> {
    tauri_specta::Builder::<R>::new()
        .commands(tauri_specta::collect_commands![
            app_status,
            startup_ready,
            setup_status,
            setup_first_admin,
            sign_in,
            recovery_use,
            sign_out,
            session_current,
            people_search,
            person_get,
            person_add,
            person_update,
            verification_start,
            verification_check,
            person_events,
            settings_get,
            settings_central,
            credentials_get,
            delivery_health,
            outbox_list,
            demo_outbox,
            needs_verifying,
            consent_notice,
            consent_withdraw,
            consent_renew,
            sample_data_load,
            settings_update,
            credentials_save_gmail,
            credentials_save_twilio,
            credentials_delete,
            credentials_test,
            templates_list,
            template_save,
            template_reset,
            template_preview,
            staff_list,
            staff_add,
            staff_set_active,
            staff_set_role,
            staff_reset_password,
            audit_search,
            audit_export,
            audit_chain_check,
            staff_unlock,
            recovery_code_new,
            sync_status,
            sync_now,
            sync_setup_get,
            sync_setup_save,
            sync_test,
            sync_unreadable,
            sync_role_map_get,
            sync_role_map_save,
            sync_new_device,
            sync_conflicts,
            sync_conflict_resolve,
            sync_walkins,
            backups_list,
            backup_now,
            backup_restore,
            restore_report,
            restore_report_dismiss,
        ])
        .typ::<desk_delivery::updates::DeliveryUpdate>()
        .constant("LANGUAGES", desk_core::language::LANGUAGES)
        .constant("SETTINGS", desk_app::setting_defs())
        // Ids and counts are well inside JavaScript's safe integers.
        .dangerously_cast_bigints_to_number()
        .error_handling(tauri_specta::ErrorHandlingMode::Throw)
}

/// The app's invoke handler: who may call each command is checked first, from the one command
/// list (`command_list.rs`), before its arguments are even read; then the command runs (and
/// checks again, taking the session it needs).
pub fn handler<R: tauri::Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
    // tauri-specta's handler holds only its own copy of the command table, but its signature ties
    // it to the builder; the builder is made once per app, so keeping it alive for the process
    // costs nothing.
    let builder: &'static tauri_specta::Builder<R> = Box::leak(Box::new(specta_builder::<R>()));
    let commands = builder.invoke_handler();
    move |invoke: tauri::ipc::Invoke<R>| {
        use tauri::Manager;
        let name = invoke.message.command();
        if let Some((_, access)) = COMMANDS.iter().find(|(n, _)| *n == name) {
            let state = invoke.message.webview_ref().state::<DeskState>();
            if let Err(refused) = crate::state::gate(&state, *access) {
                invoke.resolver.reject(refused);
                return true;
            }
            // Every administrator command leaves an event, taken from the one list: a new
            // command can't be left out of the audit trail.
            if *access == crate::command_list::Access::Admin {
                if let Err(err) = state.desk().map_err(|e| e.message).and_then(|d| d.record_admin_command(name).map_err(|e| e.to_string()))
                {
                    tracing::error!(%err, command = name, "could not record an admin command: refused");
                    invoke.resolver.reject(desk_core::PublicError::from(desk_core::Error::NotReady));
                    return true;
                }
            }
        }
        commands(invoke)
    }
}

// --- Start-up and sign-in (no session needed) ---------------------------------------------------

/// The status bar: version, database path, schema, keyring health.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn app_status(state: State<'_, DeskState>) -> Reply<AppStatus> {
    open(&state, |desk| desk.status()).await
}

/// The window's first screen has a field with focus: start-up is over (logged once).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn startup_ready(screen: Arg<crate::startup::FirstScreen>) -> Reply<()> {
    crate::startup::ready(*screen);
    Ok(())
}

/// Whether this desk still needs its first administrator, and the clinic's name.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn setup_status(state: State<'_, DeskState>) -> Reply<SetupStatus> {
    open(&state, |desk| desk.setup_status()).await
}

/// First start only: name the clinic and create its first administrator.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn setup_first_admin(state: State<'_, DeskState>, input: Arg<FirstAdmin>) -> Reply<FirstAdminResult> {
    open(&state, move |desk| desk.create_first_admin(&input)).await
}

/// Sign in with a staff user ID and password (never logged).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn sign_in(state: State<'_, DeskState>, user_id: Arg<String>, password: Arg<Secret>) -> Reply<Session> {
    open(&state, move |desk| desk.sign_in(&user_id, password.0 .0.expose_secret())).await
}

/// Use the recovery code to set a new password for an administrator; returns the next code.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn recovery_use(
    state: State<'_, DeskState>,
    admin_id: Arg<String>,
    code: Arg<Secret>,
    new_password: Arg<Secret>,
) -> Reply<String> {
    open(&state, move |desk| desk.recover(&admin_id, code.0 .0.expose_secret(), new_password.0 .0.expose_secret())).await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn sign_out(state: State<'_, DeskState>) -> Reply<()> {
    open(&state, |desk| desk.sign_out()).await
}

/// Who is signed in, without counting as activity (the UI's idle timer asks this).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn session_current(state: State<'_, DeskState>) -> Reply<Option<Session>> {
    open(&state, |desk| Ok(desk.session_peek())).await
}

// --- Reception: anyone signed in ----------------------------------------------------------------

/// Find people by any part of name, phone or email.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn people_search(state: State<'_, DeskState>, query: Arg<String>) -> Reply<Vec<PersonSummary>> {
    as_staff(&state, move |desk, _| desk.search(&query)).await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn person_get(state: State<'_, DeskState>, user_id: Arg<String>) -> Reply<PersonView> {
    as_staff(&state, move |desk, _| desk.person(&user_id)).await
}

/// Add a walk-in.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn person_add(state: State<'_, DeskState>, input: Arg<PersonInput>) -> Reply<PersonView> {
    as_staff(&state, move |desk, who| desk.add_person(&who.user_id, &input)).await
}

/// Edit a person; a changed contact needs verifying again.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn person_update(state: State<'_, DeskState>, user_id: Arg<String>, input: Arg<PersonInput>) -> Reply<EditResult> {
    as_staff(&state, move |desk, who| desk.update_person(&who.user_id, &user_id, &input)).await
}

/// Issue a code and queue it on `channel`; `consent` must be true and is recorded.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, user_id))]
pub async fn verification_start(
    state: State<'_, DeskState>,
    user_id: Arg<String>,
    channel: Arg<Channel>,
    consent: Arg<bool>,
) -> Reply<Started> {
    as_staff(&state, move |desk, who| desk.start_verification(&who.user_id, &user_id, *channel, *consent)).await
}

/// Check the code the person read out. The code is never logged.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, user_id, code))]
pub async fn verification_check(
    state: State<'_, DeskState>,
    user_id: Arg<String>,
    code_type: Arg<CodeType>,
    code: Arg<String>,
) -> Reply<CheckResult> {
    as_staff(&state, move |desk, who| desk.check_code(&who.user_id, &user_id, *code_type, &code)).await
}

/// A person's verification history, newest first.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn person_events(state: State<'_, DeskState>, user_id: Arg<String>) -> Reply<Vec<Event>> {
    as_staff(&state, move |desk, _| desk.events_for(&user_id)).await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn settings_get(state: State<'_, DeskState>) -> Reply<AllSettings> {
    as_staff(&state, |desk, _| desk.settings()).await
}

/// The settings the clinic system sets for every desk: read-only on the desk.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn settings_central(state: State<'_, DeskState>) -> Reply<Vec<CentralSetting>> {
    as_staff(&state, |desk, _| desk.settings_central()).await
}

/// Which providers are set up (never the secrets): the desk offers only those channels.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn credentials_get(state: State<'_, DeskState>) -> Reply<CredentialsView> {
    as_staff(&state, |desk, _| desk.credentials_view()).await
}

/// Keyring, providers, Gmail's 24-hour count, queued messages, recent errors.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn delivery_health(state: State<'_, DeskState>) -> Reply<Health> {
    as_staff_passive(&state, |desk, _| desk.health()).await
}

/// Recent messages and their states, optionally for one person.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn outbox_list(state: State<'_, DeskState>, user_id: Arg<Option<String>>) -> Reply<Vec<OutboxEntry>> {
    as_staff_passive(&state, move |desk, _| desk.outbox_list(user_id.as_deref(), 100)).await
}

/// Messages "sent" in demo mode (shown in the app, clearly not sent).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn demo_outbox(state: State<'_, DeskState>) -> Reply<Vec<DemoMessage>> {
    as_staff_passive(&state, |desk, _| Ok(desk.delivery().demo_messages())).await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn needs_verifying(state: State<'_, DeskState>) -> Reply<Vec<PersonSummary>> {
    as_staff_passive(&state, |desk, _| desk.needs_verifying(200)).await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn consent_notice(state: State<'_, DeskState>, language: Arg<String>) -> Reply<Notice> {
    as_staff_passive(&state, move |desk, _| Ok(desk.consent_notice(&language))).await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, user_id))]
pub async fn consent_withdraw(state: State<'_, DeskState>, user_id: Arg<String>, code_type: Arg<CodeType>) -> Reply<PersonView> {
    as_staff(&state, move |desk, who| desk.consent_withdraw(&who.user_id, &user_id, *code_type)).await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, user_id))]
pub async fn consent_renew(state: State<'_, DeskState>, user_id: Arg<String>, code_type: Arg<CodeType>) -> Reply<PersonView> {
    as_staff(&state, move |desk, who| desk.consent_renew(&who.user_id, &user_id, *code_type)).await
}

// --- Administrators only ------------------------------------------------------------------------

/// Fill an empty desk with a realistic sample set.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn sample_data_load(state: State<'_, DeskState>) -> Reply<usize> {
    as_admin(&state, |desk, who| desk.load_sample_data(&who.user_id)).await
}

/// Change settings (partial, all or nothing).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn settings_update(state: State<'_, DeskState>, patch: Arg<Map<String, Value>>) -> Reply<AllSettings> {
    as_admin(&state, move |desk, who| desk.update_settings(&who.user_id, &patch)).await
}

/// Save the Gmail address and app password (the password goes to the OS keyring only).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn credentials_save_gmail(state: State<'_, DeskState>, input: Arg<GmailInput>) -> Reply<CredentialsView> {
    as_admin(&state, move |desk, who| desk.save_gmail(&who.user_id, &input)).await
}

/// Save the Twilio account SID, auth token and senders (SID and token to the keyring only).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn credentials_save_twilio(state: State<'_, DeskState>, input: Arg<TwilioInput>) -> Reply<CredentialsView> {
    as_admin(&state, move |desk, who| desk.save_twilio(&who.user_id, &input)).await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state))]
pub async fn credentials_delete(state: State<'_, DeskState>, provider: Arg<Provider>) -> Reply<CredentialsView> {
    as_admin(&state, move |desk, who| desk.delete_credentials(&who.user_id, *provider)).await
}

/// Send a real test message and report the provider's answer in plain words.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, to))]
pub async fn credentials_test(state: State<'_, DeskState>, provider: Arg<Provider>, to: Arg<String>) -> Reply<TestResult> {
    let (desk, who) = crate::state::admin_session(&state)?;
    desk.send_test(&who.user_id, *provider, &to).await.map_err(PublicError::from)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state))]
pub async fn templates_list(state: State<'_, DeskState>, channel: Arg<Channel>, language: Arg<String>) -> Reply<Vec<TemplateView>> {
    as_admin(&state, move |desk, _| desk.templates_list(*channel, &language)).await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, body))]
pub async fn template_save(
    state: State<'_, DeskState>,
    channel: Arg<Channel>,
    language: Arg<String>,
    part: Arg<Part>,
    body: Arg<String>,
) -> Reply<Vec<TemplateView>> {
    as_admin(&state, move |desk, who| desk.template_save(&who.user_id, *channel, &language, *part, &body)).await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state))]
pub async fn template_reset(
    state: State<'_, DeskState>,
    channel: Arg<Channel>,
    language: Arg<String>,
    part: Arg<Option<Part>>,
) -> Reply<Vec<TemplateView>> {
    as_admin(&state, move |desk, who| desk.template_reset(&who.user_id, *channel, &language, *part)).await
}

/// A draft being edited, rendered with sample values, with SMS length and segments.
#[derive(serde::Deserialize, specta::Type)]
pub struct Draft {
    part: Part,
    body: String,
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip(state, draft))]
pub async fn template_preview(
    state: State<'_, DeskState>,
    channel: Arg<Channel>,
    language: Arg<String>,
    draft: Arg<Option<Draft>>,
) -> Reply<Preview> {
    as_admin(&state, move |desk, _| desk.template_preview(*channel, &language, draft.as_ref().map(|d| (d.part, d.body.as_str())))).await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn staff_list(state: State<'_, DeskState>) -> Reply<Vec<StaffView>> {
    as_admin(&state, |desk, _| desk.staff_list()).await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn staff_add(state: State<'_, DeskState>, input: Arg<NewStaff>) -> Reply<StaffView> {
    as_admin(&state, move |desk, _| desk.staff_add(&input)).await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn staff_set_active(state: State<'_, DeskState>, user_id: Arg<String>, active: Arg<bool>) -> Reply<StaffView> {
    as_admin(&state, move |desk, _| desk.staff_set_active(&user_id, *active)).await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn staff_set_role(state: State<'_, DeskState>, user_id: Arg<String>, role: Arg<Role>) -> Reply<StaffView> {
    as_admin(&state, move |desk, _| desk.staff_set_role(&user_id, *role)).await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn staff_reset_password(state: State<'_, DeskState>, user_id: Arg<String>, password: Arg<Secret>) -> Reply<StaffView> {
    as_admin(&state, move |desk, _| desk.staff_reset_password(&user_id, password.0 .0.expose_secret())).await
}

/// The event log, filtered (person, staff member, channel, outcome, dates).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn audit_search(state: State<'_, DeskState>, filter: Arg<AuditFilter>) -> Reply<Vec<Event>> {
    as_admin(&state, move |desk, _| desk.audit(&filter)).await
}

/// Write the filtered log as CSV to the Downloads folder; returns the file's path.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn audit_export(state: State<'_, DeskState>, filter: Arg<AuditFilter>) -> Reply<String> {
    as_admin(&state, move |desk, _| desk.audit_export(&filter)).await
}

/// How far a check of the audit chain has got.
#[derive(Clone, serde::Serialize, specta::Type)]
pub struct CheckProgress {
    done: i64,
    total: i64,
}

/// Check the audit chain; progress goes to `on_progress` a few times a second.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn audit_chain_check(state: State<'_, DeskState>, on_progress: crate::args::Progress<CheckProgress>) -> Reply<ChainReport> {
    as_admin(&state, move |desk, _| {
        let mut last: Option<std::time::Instant> = None;
        desk.audit_chain_check(|done, total| {
            if done == total || last.is_none_or(|l| l.elapsed() >= std::time::Duration::from_millis(100)) {
                last = Some(std::time::Instant::now());
                let _ = on_progress.0.send(CheckProgress { done, total });
            }
        })
    })
    .await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn staff_unlock(state: State<'_, DeskState>, user_id: Arg<String>) -> Reply<StaffView> {
    as_admin(&state, move |desk, _| desk.staff_unlock(&user_id)).await
}

/// A new recovery code (the old one stops working), shown once.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn recovery_code_new(state: State<'_, DeskState>) -> Reply<String> {
    as_admin(&state, |desk, _| desk.recovery_code_new()).await
}

// --- Sync with the clinic ------------------------------------------------------------------

/// The status bar's sync line and facts (the window polls it; faster while a sync runs).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn sync_status(state: State<'_, DeskState>) -> Reply<SyncView> {
    as_staff_passive(&state, |desk, _| desk.sync_view()).await
}

/// One round now (push, then pull); its progress shows in `sync_status`.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn sync_now(state: State<'_, DeskState>) -> Reply<SyncReport> {
    let (desk, _) = crate::state::staff_session(&state)?;
    desk.sync_now().await.map_err(PublicError::from)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn sync_setup_get(state: State<'_, DeskState>) -> Reply<SyncSetup> {
    as_admin(&state, |desk, _| desk.sync_setup()).await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn sync_setup_save(state: State<'_, DeskState>, input: Arg<SyncInput>) -> Reply<SyncSetup> {
    as_admin(&state, move |desk, who| desk.sync_save(&who.user_id, &input)).await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn sync_test(state: State<'_, DeskState>, input: Arg<SyncInput>) -> Reply<String> {
    let (desk, _) = crate::state::admin_session(&state)?;
    desk.sync_test(&input).await.map_err(PublicError::from)
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn sync_unreadable(state: State<'_, DeskState>) -> Reply<Vec<Unreadable>> {
    as_admin(&state, |desk, _| desk.sync_unreadable()).await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn sync_role_map_get(state: State<'_, DeskState>) -> Reply<Vec<RoleMapping>> {
    as_admin(&state, |desk, _| desk.sync_role_map()).await
}

#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn sync_role_map_save(state: State<'_, DeskState>, map: Arg<Vec<RoleMapping>>) -> Reply<Vec<RoleMapping>> {
    as_admin(&state, move |desk, who| desk.sync_role_map_save(&who.user_id, &map)).await
}

/// After a fork (a restored backup): a new device id, then the app starts again with it.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn sync_new_device(state: State<'_, DeskState>) -> Reply<String> {
    let id = as_admin(&state, |desk, who| desk.sync_start_new_device(&who.user_id)).await?;
    if !crate::state::restart() {
        tracing::warn!("no way to restart here: the new device id takes effect at the next start");
    }
    Ok(id)
}

/// Contacts corrected at a desk that the clinic holds as conflicts, for an admin to settle.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn sync_conflicts(state: State<'_, DeskState>) -> Reply<Vec<ContactConflict>> {
    as_admin(&state, |desk, _| desk.sync_conflicts()).await
}

/// Keep the desk's or the clinic's value of a contact in conflict; returns those left.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn sync_conflict_resolve(state: State<'_, DeskState>, event_id: Arg<String>, keep: Arg<Settle>) -> Reply<Vec<ContactConflict>> {
    as_admin(&state, move |desk, who| desk.sync_conflict_resolve(&who.user_id, &event_id, *keep)).await
}

/// Walk-ins no clinic record took in, each with a clinic person who may be the same.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn sync_walkins(state: State<'_, DeskState>) -> Reply<Vec<WalkIn>> {
    as_admin(&state, |desk, _| desk.sync_walkins()).await
}

/// The backups in the data folder, newest first, and how many are kept.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn backups_list(state: State<'_, DeskState>) -> Reply<Backups> {
    as_admin(&state, |desk, _| desk.backups_list()).await
}

/// Make a backup now (the oldest beyond the number kept are deleted).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn backup_now(state: State<'_, DeskState>) -> Reply<BackupInfo> {
    as_admin(&state, |desk, who| desk.backup_now(&who.user_id)).await
}

/// Restore a backup: checked now, carried out as the desk starts again (it restarts at once).
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn backup_restore(state: State<'_, DeskState>, name: Arg<String>) -> Reply<()> {
    as_admin(&state, move |desk, who| desk.backup_restore(&who.user_id, &name)).await?;
    if !crate::state::restart() {
        tracing::warn!("no way to restart here: the restore happens at the next start");
    }
    Ok(())
}

/// After a restore: what happened and what must be entered again; `null` otherwise.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn restore_report(state: State<'_, DeskState>) -> Reply<Option<RestoreReport>> {
    as_admin(&state, |desk, _| desk.restore_report()).await
}

/// The admin has read the restore's report.
#[tauri::command]
#[specta::specta]
#[tracing::instrument(skip_all)]
pub async fn restore_report_dismiss(state: State<'_, DeskState>) -> Reply<()> {
    as_admin(&state, |desk, _| desk.restore_report_dismiss()).await
}
