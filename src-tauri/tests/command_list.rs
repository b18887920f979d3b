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
        let [_, name, who, ..] = cells.as_slice() else { continue };
        let Some(name) = name.strip_prefix('`').and_then(|n| n.strip_suffix('`')) else { continue };
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
