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
