//! Tauri's build step, with the config at the repository root (the design card's layout) and the
//! app's own commands gated through the app manifest: a command not listed here, and not granted
//! to a window in `capabilities/`, cannot be called from the webview.

// COMMANDS: every command the shell exposes, with who may call it (the one list).
include!("src/command_list.rs");

fn main() {
    println!("cargo:rerun-if-changed=../tauri.conf.json");
    println!("cargo:rerun-if-changed=capabilities");
    println!("cargo:rerun-if-changed=src/command_list.rs");
    // The manifest wants a 'static list; a build script ends right after, so leaking is free.
    let names: &'static [&'static str] = COMMANDS.iter().map(|(name, _)| *name).collect::<Vec<_>>().leak();
    let attributes =
        tauri_build::Attributes::new().config_path("../tauri.conf.json").app_manifest(tauri_build::AppManifest::new().commands(names));
    if let Err(err) = tauri_build::try_build(attributes) {
        // A build script has no caller to return to; fail the build with the reason.
        panic!("tauri-build failed: {err:#}");
    }
}
