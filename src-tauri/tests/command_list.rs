//! The one command list (`src/command_list.rs`) against everything else that names commands:
//! the invoke handler, the capabilities, the app manifest (build.rs includes the list itself),
//! and docs/commands.md. A command added in one place and not the others fails here.

mod common;

use std::collections::BTreeSet;

use common::{app_with, invoke_with, mock_keyring};
use desk_app::{AppPaths, Desk};
use desk_shell::command_list::{Access, COMMANDS};
use desk_shell::DeskState;
use serde_json::json;

fn names() -> BTreeSet<&'static str> {
    COMMANDS.iter().map(|(n, _)| *n).collect()
}

#[test]
fn every_listed_command_is_registered_with_the_handler() {
    assert_eq!(names().len(), COMMANDS.len(), "a command is listed twice");
    let tmp = tempfile::tempdir().expect("tempdir");
    let desk = Desk::open(AppPaths::under(tmp.path()), mock_keyring()).expect("open desk");
    let (_app, w) = app_with(DeskState::ready(desk));
    common::signed_in_admin(&w);
    for (name, _) in COMMANDS {
        if *name == "sign_out" {
            continue;
        }
        // Any answer but "no such command" means the handler knows it (most refuse `{}`).
        let answer = invoke_with(&w, name, json!({}));
        let text = format!("{answer:?}");
        assert!(!text.contains("not found"), "{name} is listed but not registered: {text}");
    }
    let unknown = invoke_with(&w, "no_such_command", json!({})).expect_err("unknown");
    assert!(unknown.to_string().contains("not"), "{unknown}");
}

#[test]
fn the_capability_grants_exactly_the_listed_commands() {
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/capabilities/main-window.json");
    let cap: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(file).expect("capability")).expect("json");
    let granted: BTreeSet<String> = cap["permissions"]
        .as_array()
        .expect("permissions")
        .iter()
        .filter_map(|p| p.as_str())
        .filter_map(|p| p.strip_prefix("allow-"))
        .map(|p| p.replace('-', "_"))
        .collect();
    let listed: BTreeSet<String> = names().into_iter().map(str::to_owned).collect();
    assert_eq!(granted, listed, "capabilities/main-window.json and command_list.rs differ");
}

#[test]
fn the_command_reference_documents_every_command_with_its_role() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/commands.md")).expect("docs/commands.md");
    let mut documented = BTreeSet::new();
    for line in doc.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let [_, name, who, ..] = cells.as_slice() else {
            continue;
        };
        let Some(name) = name.strip_prefix('`').and_then(|n| n.strip_suffix('`')) else {
            continue;
        };
        let Some((_, access)) = COMMANDS.iter().find(|(n, _)| *n == name) else {
            panic!("docs/commands.md documents {name}, which is not in command_list.rs");
        };
        let expected = match access {
            Access::Open => "open",
            Access::Staff => "staff",
            Access::Admin => "admin",
        };
        assert!(who.starts_with(expected), "docs/commands.md says {name} is for '{who}'; the list says {expected}");
        documented.insert(name.to_owned());
    }
    let listed: BTreeSet<String> = names().into_iter().map(str::to_owned).collect();
    assert_eq!(documented, listed, "docs/commands.md and command_list.rs differ");
}

/// The TypeScript bindings the UI calls, generated from the Rust commands and types.
fn generated_bindings() -> String {
    let out = std::env::temp_dir().join(format!("desk-bindings-{}.ts", std::process::id()));
    desk_shell::commands::specta_builder::<tauri::test::MockRuntime>()
        .export(
            specta_typescript::Typescript::default()
                .header("// Generated from the Rust by src-tauri/tests/command_list.rs (UPDATE_BINDINGS=1 to remake). Do not edit.\n/* eslint-disable */"),
            &out,
        )
        .expect("export bindings");
    let text = std::fs::read_to_string(&out).expect("read bindings");
    let _ = std::fs::remove_file(&out);
    text
}

#[test]
fn the_committed_bindings_are_what_the_rust_generates() {
    let committed = concat!(env!("CARGO_MANIFEST_DIR"), "/../ui/src/lib/bindings.ts");
    let generated = generated_bindings();
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(committed, &generated).expect("write bindings");
    }
    let on_disk = std::fs::read_to_string(committed).unwrap_or_default();
    assert!(
        on_disk == generated,
        "ui/src/lib/bindings.ts differs from the Rust: run `UPDATE_BINDINGS=1 cargo test -p skinspire-verify-desk --test command_list` and commit it"
    );
}

/// Captures the command names tauri-specta collected (the handler is made from the same list).
struct Names(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

impl tauri_specta::LanguageExt for Names {
    type Error = std::io::Error;
    fn export(self, cfg: &tauri_specta::BuilderConfiguration, _: &std::path::Path) -> Result<(), Self::Error> {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = cfg.commands.iter().map(|f| f.name().to_string()).collect();
        Ok(())
    }
}

#[test]
fn the_handler_holds_exactly_the_listed_commands() {
    let got = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    desk_shell::commands::specta_builder::<tauri::test::MockRuntime>().export(Names(got.clone()), "unused").expect("names");
    let handled: BTreeSet<String> = got.lock().unwrap_or_else(|p| p.into_inner()).iter().cloned().collect();
    let listed: BTreeSet<String> = names().into_iter().map(str::to_owned).collect();
    assert_eq!(handled, listed, "commands::specta_builder() and command_list.rs differ");
    // And the bindings call every one of them by its IPC name.
    let bindings = generated_bindings();
    for name in &listed {
        assert!(bindings.contains(&format!("\"{name}\"")), "the bindings don't call {name}");
    }
}

#[test]
fn malformed_arguments_get_the_same_code_and_message_shape_as_every_error() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let desk = Desk::open(AppPaths::under(tmp.path()), mock_keyring()).expect("open desk");
    let (_app, w) = app_with(DeskState::ready(desk));
    common::signed_in_admin(&w);
    let payloads = [
        json!({}),
        json!({"userId": 42, "query": false, "input": "not an object", "channel": "carrier_owl", "filter": 7}),
        json!({"userId": null, "codeType": "fax", "provider": "pigeon", "part": "footer", "patch": [], "active": "yes"}),
        json!({"input": {"displayName": ["x"]}, "language": 3, "draft": "x", "role": "owner", "password": 1}),
    ];
    let mut calls = 0;
    for (name, _) in COMMANDS {
        if matches!(*name, "sign_out" | "sign_in" | "setup_first_admin") {
            continue; // these would end or repeat the admin's session; covered below
        }
        for payload in &payloads {
            calls += 1;
            if let Err(err) = invoke_with(&w, name, payload.clone()) {
                assert!(err["code"].is_string() && err["message"].is_string(), "{name} with {payload}: {err}");
                assert!(!err["message"].as_str().unwrap_or_default().contains("invalid args"), "{name}: {err}");
            }
        }
    }
    assert!(calls > 100, "{calls}");
    let err = invoke_with(&w, "sign_in", json!({"password": "x"})).expect_err("missing userId");
    assert_eq!(err["code"], "invalid_input", "{err}");
    assert!(err["message"].as_str().unwrap_or_default().contains("userId"), "{err}");
    let err = invoke_with(&w, "setup_first_admin", json!({"input": 5})).expect_err("mistyped");
    assert_eq!(err["code"], "invalid_input", "{err}");
}
