//! Tauri commands: one traced line each, from IPC into `desk-core`.
//! Every command must also be listed in `build.rs` and granted in `capabilities/`.

use desk_core::contact::{Channel, CodeType};
use desk_core::desk::{CheckResult, EditResult, PersonSummary};
use desk_core::events::Event;
use desk_core::people::PersonInput;
use desk_core::settings::Settings;
use desk_core::verify::{PersonView, Started};
use desk_core::{status::AppStatus, PublicError};
use serde_json::{Map, Value};
use tauri::State;

use crate::state::{actor, blocking, DeskState};

type Reply<T> = Result<T, PublicError>;

pub fn handler<R: tauri::Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        app_status,
        people_search,
        person_get,
        person_add,
        person_update,
        sample_data_load,
        verification_start,
        verification_check,
        settings_get,
        settings_update,
        person_events,
        credentials_get,
        credentials_save_gmail,
        credentials_save_twilio,
        credentials_delete,
        credentials_test,
        delivery_health,
        outbox_list,
        demo_outbox,
        templates_list,
        template_save,
        template_reset,
        template_preview,
    ]
}

/// The status bar: version, database path, schema, keyring health.
#[tauri::command]
#[tracing::instrument(skip_all)]
pub async fn app_status(state: State<'_, DeskState>) -> Reply<AppStatus> {
    blocking(&state, |desk| desk.status()).await
}

/// Find people by any part of name, phone or email.
#[tauri::command]
#[tracing::instrument(skip_all)]
pub async fn people_search(state: State<'_, DeskState>, query: String) -> Reply<Vec<PersonSummary>> {
    blocking(&state, move |desk| desk.search(&query)).await
}

#[tauri::command]
#[tracing::instrument(skip_all)]
pub async fn person_get(state: State<'_, DeskState>, user_id: String) -> Reply<PersonView> {
    blocking(&state, move |desk| desk.person(&user_id)).await
}

/// Add a walk-in.
#[tauri::command]
#[tracing::instrument(skip_all)]
pub async fn person_add(state: State<'_, DeskState>, input: PersonInput) -> Reply<PersonView> {
    let by = actor(&state);
    blocking(&state, move |desk| desk.add_person(&by, &input)).await
}

/// Edit a person; a changed contact needs verifying again.
#[tauri::command]
#[tracing::instrument(skip_all)]
pub async fn person_update(state: State<'_, DeskState>, user_id: String, input: PersonInput) -> Reply<EditResult> {
    let by = actor(&state);
    blocking(&state, move |desk| desk.update_person(&by, &user_id, &input)).await
}

/// Fill an empty desk with a realistic sample set.
#[tauri::command]
#[tracing::instrument(skip_all)]
pub async fn sample_data_load(state: State<'_, DeskState>) -> Reply<usize> {
    let by = actor(&state);
    blocking(&state, move |desk| desk.load_sample_data(&by)).await
}

/// Issue a code and queue it on `channel`.
#[tauri::command]
#[tracing::instrument(skip(state, user_id))]
pub async fn verification_start(state: State<'_, DeskState>, user_id: String, channel: Channel, consent: bool) -> Reply<Started> {
    let by = actor(&state);
    blocking(&state, move |desk| desk.start_verification(&by, &user_id, channel, consent)).await
}

/// Check the code the person read out. The code is never logged.
#[tauri::command]
#[tracing::instrument(skip(state, user_id, code))]
pub async fn verification_check(state: State<'_, DeskState>, user_id: String, code_type: CodeType, code: String) -> Reply<CheckResult> {
    let by = actor(&state);
    blocking(&state, move |desk| desk.check_code(&by, &user_id, code_type, &code)).await
}

#[tauri::command]
#[tracing::instrument(skip_all)]
pub async fn settings_get(state: State<'_, DeskState>) -> Reply<Settings> {
    blocking(&state, |desk| desk.settings()).await
}

/// Change settings (partial, all or nothing).
#[tauri::command]
#[tracing::instrument(skip_all)]
pub async fn settings_update(state: State<'_, DeskState>, patch: Map<String, Value>) -> Reply<Settings> {
    let by = actor(&state);
    blocking(&state, move |desk| desk.update_settings(&by, &patch)).await
}

/// A person's verification history, newest first.
#[tauri::command]
#[tracing::instrument(skip_all)]
pub async fn person_events(state: State<'_, DeskState>, user_id: String) -> Reply<Vec<Event>> {
    blocking(&state, move |desk| desk.events_for(&user_id)).await
}

// --- Delivery: credentials, health, outbox, templates (admin screens).
// Role checks arrive with staff sign-in (issue 5); `actor` is the one place that changes.

use desk_core::delivery::admin::{self, Health, OutboxEntry, Provider, TestResult};
use desk_core::delivery::credentials::{CredentialsView, GmailInput, TwilioInput};
use desk_core::delivery::worker::DemoMessage;
use desk_core::templates::{Part, Preview, TemplateView};

/// Which providers are set up (never the secrets).
#[tauri::command]
#[tracing::instrument(skip_all)]
pub async fn credentials_get(state: State<'_, DeskState>) -> Reply<CredentialsView> {
    blocking(&state, admin::credentials_view).await
}

/// Save the Gmail address and app password (the password goes to the OS keyring only).
#[tauri::command]
#[tracing::instrument(skip_all)]
pub async fn credentials_save_gmail(state: State<'_, DeskState>, input: GmailInput) -> Reply<CredentialsView> {
    let by = actor(&state);
    blocking(&state, move |desk| admin::save_gmail(desk, &by, &input)).await
}

/// Save the Twilio account SID, auth token and senders (SID and token to the keyring only).
#[tauri::command]
#[tracing::instrument(skip_all)]
pub async fn credentials_save_twilio(state: State<'_, DeskState>, input: TwilioInput) -> Reply<CredentialsView> {
    let by = actor(&state);
    blocking(&state, move |desk| admin::save_twilio(desk, &by, &input)).await
}

#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn credentials_delete(state: State<'_, DeskState>, provider: Provider) -> Reply<CredentialsView> {
    let by = actor(&state);
    blocking(&state, move |desk| admin::delete_credentials(desk, &by, provider)).await
}

/// Send a real test message and report the provider's answer in plain words.
#[tauri::command]
#[tracing::instrument(skip(state, to))]
pub async fn credentials_test(state: State<'_, DeskState>, provider: Provider, to: String) -> Reply<TestResult> {
    let (desk, by) = (state.desk()?, actor(&state));
    admin::send_test(&desk, &by, provider, &to).await.map_err(PublicError::from)
}

/// Keyring, providers, Gmail's 24-hour count, queued messages, recent errors.
#[tauri::command]
#[tracing::instrument(skip_all)]
pub async fn delivery_health(state: State<'_, DeskState>) -> Reply<Health> {
    blocking(&state, admin::health).await
}

/// Recent messages and their states, optionally for one person.
#[tauri::command]
#[tracing::instrument(skip_all)]
pub async fn outbox_list(state: State<'_, DeskState>, user_id: Option<String>) -> Reply<Vec<OutboxEntry>> {
    blocking(&state, move |desk| admin::outbox_list(desk, user_id.as_deref(), 100)).await
}

/// Messages "sent" in demo mode (shown in the app, clearly not sent).
#[tauri::command]
#[tracing::instrument(skip_all)]
pub async fn demo_outbox(state: State<'_, DeskState>) -> Reply<Vec<DemoMessage>> {
    blocking(&state, |desk| Ok(desk.delivery().demo_messages())).await
}

#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn templates_list(state: State<'_, DeskState>, channel: Channel, language: String) -> Reply<Vec<TemplateView>> {
    blocking(&state, move |desk| admin::templates_list(desk, channel, &language)).await
}

#[tauri::command]
#[tracing::instrument(skip(state, body))]
pub async fn template_save(state: State<'_, DeskState>, channel: Channel, language: String, part: Part, body: String) -> Reply<Vec<TemplateView>> {
    let by = actor(&state);
    blocking(&state, move |desk| admin::template_save(desk, &by, channel, &language, part, &body)).await
}

#[tauri::command]
#[tracing::instrument(skip(state))]
pub async fn template_reset(state: State<'_, DeskState>, channel: Channel, language: String, part: Option<Part>) -> Reply<Vec<TemplateView>> {
    blocking(&state, move |desk| admin::template_reset(desk, channel, &language, part)).await
}

/// A draft being edited, rendered with sample values, with SMS length and segments.
#[derive(serde::Deserialize)]
pub struct Draft {
    part: Part,
    body: String,
}

#[tauri::command]
#[tracing::instrument(skip(state, draft))]
pub async fn template_preview(state: State<'_, DeskState>, channel: Channel, language: String, draft: Option<Draft>) -> Reply<Preview> {
    blocking(&state, move |desk| {
        admin::template_preview(desk, channel, &language, draft.as_ref().map(|d| (d.part, d.body.as_str())))
    })
    .await
}
