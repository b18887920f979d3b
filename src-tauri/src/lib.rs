//! The desktop shell: builds the Tauri app around one `desk_app::Desk`. Commands live in
//! `commands` and are one line each; everything they do is in the facade (`desk-app`).

pub mod args;
pub mod command_list;
pub mod commands;
pub mod single_instance;
pub mod startup;
pub mod state;

use std::process::ExitCode;

use desk_app::Desk;
use desk_core::{logging, secrets::Keyring, AppPaths, PublicError};
use tauri::{Manager, Runtime};

pub use state::DeskState;

/// Register state and commands on any runtime: the real one in `run`, the mock one in tests.
pub fn configure<R: Runtime>(builder: tauri::Builder<R>, state: DeskState) -> tauri::Builder<R> {
    builder.manage(state).invoke_handler(commands::handler())
}

/// Open the desk's data. A failure is kept, not raised: the window still opens and shows an
/// error screen with the reason, instead of the app vanishing.
pub fn open_desk(paths: Result<AppPaths, desk_core::Error>, keyring: Keyring) -> DeskState {
    let desk = paths.and_then(|paths| Desk::open(paths, keyring));
    match desk {
        Ok(desk) => DeskState::ready(desk),
        Err(err) => {
            tracing::error!(error = %err, "the desk could not start");
            DeskState::failed(PublicError::from(&err))
        }
    }
}

/// Start the outbox worker and forward its updates to the window as `delivery` events.
pub fn start_delivery<R: Runtime>(app: &tauri::AppHandle<R>) {
    let Ok(desk) = app.state::<DeskState>().desk() else {
        return;
    };
    let mut updates = desk.delivery().subscribe();
    tauri::async_runtime::spawn(desk_delivery::worker::run(desk.ctx().clone()));
    // Sync with the clinic runs beside it (it waits quietly until an admin sets it up).
    tauri::async_runtime::spawn(desk.syncer().clone().run());
    tauri::async_runtime::spawn(daily_backups(desk.clone()));
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        use tauri::Emitter;
        loop {
            match updates.recv().await {
                Ok(update) => {
                    if let Err(err) = app.emit("delivery", &update) {
                        tracing::warn!(%err, "could not tell the window about a delivery update");
                    }
                }
                // Missed some: the window re-reads the outbox when it next looks.
                Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!(n, "delivery updates lagged")
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    });
}

/// One backup a day: looked for at start-up and then every hour, so a desk left on for days still
/// makes one a day, and one switched on each morning makes it then.
async fn daily_backups(desk: std::sync::Arc<Desk>) {
    let mut every_hour = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        every_hour.tick().await;
        let desk = desk.clone();
        match tauri::async_runtime::spawn_blocking(move || desk.backup_if_due()).await {
            Ok(Ok(Some(b))) => tracing::info!(name = b.name, "daily backup made"),
            Ok(Ok(None)) => {}
            Ok(Err(err)) => tracing::error!(error = %err, "the daily backup failed; trying again in an hour"),
            Err(err) => tracing::error!(%err, "the daily backup task stopped"),
        }
    }
}

pub fn run() -> ExitCode {
    startup::began();
    let paths = AppPaths::resolve();
    // Without a usable folder, logs go to stderr only; `logging::init` handles that.
    let log_dir = paths.as_ref().map(|p| p.log_dir.clone()).unwrap_or_default();
    if let Ok(p) = &paths {
        let _ = p.ensure();
    }
    let _log_guard = logging::init(&log_dir);
    tracing::info!(version = desk_core::APP_VERSION, "Skinspire Verify Desk starting");

    let state = open_desk(paths, Keyring::system());

    let builder = tauri::Builder::default().plugin(single_instance::plugin()).plugin(tauri_plugin_window_state::Builder::default().build());

    let builder = builder.setup(|app| {
        start_delivery(app.handle());
        let handle = app.handle().clone();
        state::on_restart(Box::new(move || handle.request_restart()));
        Ok(())
    });
    let result = configure(builder, state).run(tauri::generate_context!("../tauri.conf.json"));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %err, "the window could not be opened");
            ExitCode::FAILURE
        }
    }
}
