//! The shell's managed state: the open desk, or why it could not open.

use std::sync::Arc;

use desk_app::Desk;
use desk_core::staff::Session;

use crate::command_list::Access;
use desk_core::{ErrorCode, PublicError};

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

/// How the app starts again (set by the real app at start-up; the mock runtime has none).
static RESTART: std::sync::OnceLock<Box<dyn Fn() + Send + Sync>> = std::sync::OnceLock::new();

pub fn on_restart(f: Box<dyn Fn() + Send + Sync>) {
    let _ = RESTART.set(f);
}

/// Start the app again (after the desk took a new device id). `false` when it can't here.
pub fn restart() -> bool {
    match RESTART.get() {
        Some(f) => {
            f();
            true
        }
        None => false,
    }
}

/// The role check the invoke handler makes before a command runs, from the command list. It
/// never counts as activity (the command itself does, when it is one).
pub fn gate(state: &DeskState, access: Access) -> Result<(), PublicError> {
    match access {
        Access::Open => Ok(()),
        Access::Staff => state.desk()?.session_passive().map(|_| ()).map_err(PublicError::from),
        Access::Admin => state.desk()?.admin_session_passive().map(|_| ()).map_err(PublicError::from),
    }
}

/// Run blocking core work (SQLite, keyring) off the async runtime's workers.
async fn blocking<T: Send + 'static>(
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

/// A command anyone may call (start-up, sign-in).
pub async fn open<T: Send + 'static>(
    state: &DeskState,
    f: impl FnOnce(&Desk) -> desk_core::Result<T> + Send + 'static,
) -> Result<T, PublicError> {
    blocking(state, f).await
}

/// A command for any signed-in staff member; the session's idle lock is checked here.
pub async fn as_staff<T: Send + 'static>(
    state: &DeskState,
    f: impl FnOnce(&Desk, &Session) -> desk_core::Result<T> + Send + 'static,
) -> Result<T, PublicError> {
    blocking(state, move |desk| {
        let who = desk.session()?;
        f(desk, &who)
    })
    .await
}

/// A read the window makes on its own (refreshes): needs a live session, but is not activity,
/// so it never keeps an unattended desk from locking.
pub async fn as_staff_passive<T: Send + 'static>(
    state: &DeskState,
    f: impl FnOnce(&Desk, &Session) -> desk_core::Result<T> + Send + 'static,
) -> Result<T, PublicError> {
    blocking(state, move |desk| {
        let who = desk.session_passive()?;
        f(desk, &who)
    })
    .await
}

/// A command for administrators only.
pub async fn as_admin<T: Send + 'static>(
    state: &DeskState,
    f: impl FnOnce(&Desk, &Session) -> desk_core::Result<T> + Send + 'static,
) -> Result<T, PublicError> {
    blocking(state, move |desk| {
        let who = desk.require_admin()?;
        f(desk, &who)
    })
    .await
}

/// The desk and the signed-in session, for async staff commands.
pub fn staff_session(state: &DeskState) -> Result<(Arc<Desk>, Session), PublicError> {
    let desk = state.desk()?;
    let who = desk.session().map_err(PublicError::from)?;
    Ok((desk, who))
}

/// The desk and an administrator's session, for async admin commands.
pub fn admin_session(state: &DeskState) -> Result<(Arc<Desk>, Session), PublicError> {
    let desk = state.desk()?;
    let who = desk.require_admin().map_err(PublicError::from)?;
    Ok((desk, who))
}
