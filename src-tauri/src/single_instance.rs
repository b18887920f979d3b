//! One desk window per user session: a second launch (a double click on the menu entry) brings
//! the open window to the front instead. The plugin's platform mechanism (D-Bus on Linux, a
//! named mutex on Windows, a socket on macOS) lives behind this one function.

use tauri::{Manager, Runtime};

pub fn plugin<R: Runtime>() -> tauri::plugin::TauriPlugin<R> {
    tauri_plugin_single_instance::init(|app, _args, _cwd| {
        if let Some(window) = app.get_webview_window("main") {
            let _ = window.unminimize();
            let _ = window.set_focus();
        }
    })
}
