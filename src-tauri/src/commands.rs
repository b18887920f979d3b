//! Tauri commands: one traced line each, from IPC into `desk-core`.
//! Every command must also be listed in `build.rs` and granted in `capabilities/`.

use desk_core::{status::AppStatus, PublicError};
use tauri::State;

use crate::state::{blocking, DeskState};

pub fn handler<R: tauri::Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
    tauri::generate_handler![app_status]
}

/// The status bar: version, database path, schema, keyring health.
#[tauri::command]
#[tracing::instrument(skip_all)]
pub async fn app_status(state: State<'_, DeskState>) -> Result<AppStatus, PublicError> {
    blocking(&state, |desk| desk.status()).await
}
