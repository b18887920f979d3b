//! A desk process for the sync fault tests to kill: opens the desk in the folder it is given
//! (its clinic password from the environment, into an in-memory keyring) and runs one sync
//! round. The test sends it SIGKILL mid-push.
//!
//!   desk-sync-child DATA_DIR    (env DESK_SYNC_CHILD_PASSWORD)

use std::sync::Arc;

fn main() {
    let Some(dir) = std::env::args().nth(1) else {
        std::process::exit(2);
    };
    let password = std::env::var("DESK_SYNC_CHILD_PASSWORD").unwrap_or_default();
    let keyring = desk_tests::sync_desk::mock_keyring();
    keyring.set(desk_sync::settings::PASSWORD_ITEM, &password.into()).expect("keyring");
    let desk = desk_app::Desk::open_with_providers(
        desk_app::AppPaths::under(std::path::Path::new(&dir)),
        keyring,
        Arc::new(desk_core::clock::SystemClock::new()),
        Arc::new(desk_core::codes::OsRandom),
        desk_tests::sync_desk::carriers(),
    )
    .expect("open desk");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let code = match rt.block_on(desk.syncer().round()) {
        Ok(_) => 0,
        Err(_) => 1,
    };
    std::process::exit(code);
}
