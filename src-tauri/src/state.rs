//! The shell's managed state: the open desk, or why it could not open.

use std::sync::Arc;

use desk_core::{Desk, ErrorCode, PublicError};

pub struct DeskState(Result<Arc<Desk>, PublicError>);

impl DeskState {
    pub fn ready(desk: Desk) -> Self {
        DeskState(Ok(Arc::new(desk)))
    }

    pub fn failed(err: PublicError) -> Self {
        DeskState(Err(err))
    }

    /// The desk, or the start-up error every command then returns (so the UI can show it).
    pub fn desk(&self) -> Result<Arc<Desk>, PublicError> {
        self.0.clone()
    }
}

/// Who is acting at this desk, as events and rate limits record it.
/// Until staff sign-in arrives (issue 5) every action is the workstation's own reception
/// account; this is the one place that changes when sessions exist.
pub fn actor(_state: &DeskState) -> String {
    "reception".to_owned()
}

/// Run blocking core work (SQLite, keyring) off the async runtime's workers.
pub async fn blocking<T: Send + 'static>(
    state: &DeskState,
    f: impl FnOnce(&Desk) -> desk_core::Result<T> + Send + 'static,
) -> Result<T, PublicError> {
    let desk = state.desk()?;
    tauri::async_runtime::spawn_blocking(move || f(&desk))
        .await
        .map_err(|err| {
            tracing::error!(%err, "core task panicked or was cancelled");
            PublicError {
                code: ErrorCode::Internal,
                message: "The desk could not finish that. Try again; if it keeps happening, \
                          ask your administrator to check the log files."
                    .into(),
            }
        })?
        .map_err(PublicError::from)
}
