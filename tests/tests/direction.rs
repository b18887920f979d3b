//! The direction rule (shell → facade → delivery / sync → core, never back), checked on the
//! real workspace against `layers.toml`: the crate graph and every module's imports.

use desk_tests::house::{self, Layers};
use desk_tests::workspace_root;

#[test]
fn crates_and_modules_follow_the_declared_layers() {
    let root = workspace_root();
    let layers = Layers::read(&root.join("layers.toml")).expect("layers.toml");
    let members = house::members(&root).expect("workspace members");
    assert!(members.iter().any(|m| m.name == "desk-core") && members.len() >= 5, "{members:?}");
    let mut problems = house::check_crates(&layers, &members);
    problems.extend(house::check_modules(&layers, &members));
    assert!(problems.is_empty(), "the house's direction rule is broken:\n  {}", problems.join("\n  "));
}

#[test]
fn the_core_knows_no_network_and_no_tauri() {
    let root = workspace_root();
    let members = house::members(&root).expect("members");
    let core = members.iter().find(|m| m.name == "desk-core").expect("desk-core");
    let manifest = std::fs::read_to_string(core.dir.join("Cargo.toml")).expect("manifest");
    for banned in ["tauri", "lettre", "reqwest", "tokio-postgres"] {
        assert!(!manifest.lines().any(|l| l.trim_start().starts_with(banned)), "desk-core depends on {banned}");
    }
}
