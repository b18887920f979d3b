//! The house's direction rule as a check: crates and modules against the order declared in
//! `layers.toml` (the crate graph from each member's Cargo.toml, the module graph from the
//! `crate::` and `super::` paths in each source file). `tests/tests/direction.rs` runs it on the
//! workspace; the unit tests below prove it catches an upward import.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct Layers {
    pub crates: CrateOrder,
    #[serde(default)]
    pub modules: BTreeMap<String, ModuleOrder>,
}

#[derive(Debug, Deserialize)]
pub struct CrateOrder {
    pub order: Vec<Vec<String>>,
}

#[derive(Debug, Deserialize)]
pub struct ModuleOrder {
    pub order: Vec<String>,
}

impl Layers {
    pub fn read(path: &Path) -> Result<Layers, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    fn crate_layer(&self, name: &str) -> Option<usize> {
        self.crates.order.iter().position(|group| group.iter().any(|c| c == name))
    }
}

/// One member of the workspace: its package name, folder, and the workspace crates it uses.
#[derive(Debug)]
pub struct Member {
    pub name: String,
    pub dir: PathBuf,
    pub deps: Vec<String>,
}

#[derive(Deserialize)]
struct Manifest {
    package: Option<Package>,
    workspace: Option<Workspace>,
    #[serde(default)]
    dependencies: BTreeMap<String, toml::Value>,
    #[serde(default, rename = "dev-dependencies")]
    dev_dependencies: BTreeMap<String, toml::Value>,
    #[serde(default, rename = "build-dependencies")]
    build_dependencies: BTreeMap<String, toml::Value>,
}

#[derive(Deserialize)]
struct Package {
    name: String,
}

#[derive(Deserialize)]
struct Workspace {
    members: Vec<String>,
}

fn manifest(path: &Path) -> Result<Manifest, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The workspace's members, from the root Cargo.toml.
pub fn members(root: &Path) -> Result<Vec<Member>, String> {
    let ws = manifest(&root.join("Cargo.toml"))?.workspace.ok_or("the root Cargo.toml has no [workspace]")?;
    let mut out = Vec::new();
    let mut names = Vec::new();
    let mut raw = Vec::new();
    for m in &ws.members {
        let dir = root.join(m);
        let man = manifest(&dir.join("Cargo.toml"))?;
        let name = man.package.as_ref().map(|p| p.name.clone()).ok_or(format!("{m} has no [package]"))?;
        names.push(name.clone());
        raw.push((name, dir, man));
    }
    for (name, dir, man) in raw {
        let deps = man
            .dependencies
            .keys()
            .chain(man.dev_dependencies.keys())
            .chain(man.build_dependencies.keys())
            .filter(|d| names.contains(d))
            .cloned()
            .collect();
        out.push(Member { name, dir, deps });
    }
    Ok(out)
}

/// Every crate depends only on crates in earlier groups, and every member is placed.
pub fn check_crates(layers: &Layers, members: &[Member]) -> Vec<String> {
    let mut problems = Vec::new();
    for m in members {
        let Some(own) = layers.crate_layer(&m.name) else {
            problems.push(format!("crate {} is not placed in layers.toml", m.name));
            continue;
        };
        for d in &m.deps {
            match layers.crate_layer(d) {
                Some(l) if l < own => {}
                Some(_) => problems.push(format!("crate {} depends on {d}, which is not below it", m.name)),
                None => problems.push(format!("crate {} depends on {d}, which is not placed in layers.toml", m.name)),
            }
        }
    }
    problems
}

/// A source file's module path under `src/` ("verify::ratelimit"); `None` for the crate root.
fn module_path(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let last = parts.pop()?;
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" && !(parts.is_empty() && (stem == "lib" || stem == "main")) {
        parts.push(stem.to_owned());
    }
    (!parts.is_empty()).then(|| parts.join("::"))
}

/// The layer a module path belongs to: the longest declared prefix.
fn node<'a>(order: &'a [String], path: &str) -> Option<(usize, &'a str)> {
    order
        .iter()
        .enumerate()
        .filter(|(_, n)| path == n.as_str() || path.starts_with(&format!("{n}::")))
        .max_by_key(|(_, n)| n.len())
        .map(|(i, n)| (i, n.as_str()))
}

/// The code of a file that counts: without its `#[cfg(test)]` module and comments.
fn code_of(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let t = line.trim_start();
        if t.starts_with("#[cfg(test)]") {
            break;
        }
        if t.starts_with("//") {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn ident_chars(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The module paths a file names: `crate::a::b` (not `$crate::`, which a macro resolves where
/// it is used), `crate::{a, b::c}`, and `super::x` resolved against the file's own path.
pub fn imports(code: &str, own: &str) -> Vec<String> {
    let mut found = Vec::new();
    let text = code;
    let mut push_path = |p: String| {
        if !p.is_empty() {
            found.push(p);
        }
    };
    // crate:: paths
    let mut i = 0;
    while let Some(off) = text[i..].find("crate::") {
        let at = i + off;
        i = at + 7;
        let prev = text[..at].chars().last();
        if prev.is_some_and(|c| ident_chars(c) || c == '$') {
            continue;
        }
        let rest = &text[at + 7..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                push_path(path_prefix(item.trim()));
            }
        } else {
            push_path(path_prefix(rest));
        }
    }
    // super:: paths, resolved
    // `own` is the module a file is (a mod.rs is its folder's module): `super` is its parent.
    let parent = {
        let mut segs: Vec<&str> = own.split("::").collect();
        segs.pop();
        segs.join("::")
    };
    let mut i = 0;
    while let Some(off) = text[i..].find("super::") {
        let at = i + off;
        i = at + 7;
        if text[..at].chars().last().is_some_and(ident_chars) {
            continue;
        }
        let rest = &text[at + 7..];
        let items: Vec<String> = match rest.strip_prefix('{') {
            Some(group) => group[..group.find('}').unwrap_or(group.len())].split(',').map(|s| path_prefix(s.trim())).collect(),
            None => vec![path_prefix(rest)],
        };
        for item in items {
            // `super::Item` names the parent module itself.
            push_path(match (parent.is_empty(), item.is_empty()) {
                (true, _) => item,
                (false, true) => parent.clone(),
                (false, false) => format!("{parent}::{item}"),
            });
        }
    }
    found
}

/// The module part of a path: its lower-case segments (a trailing function name stays, and falls
/// under its module's layer), up to the first type, macro or glob.
fn path_prefix(rest: &str) -> String {
    let mut segs = Vec::new();
    let mut cur = String::new();
    let mut chars = rest.chars().peekable();
    loop {
        match chars.next() {
            Some(c) if ident_chars(c) => cur.push(c),
            Some(':') if chars.peek() == Some(&':') => {
                chars.next();
                segs.push(std::mem::take(&mut cur));
                if chars.peek() == Some(&'{') {
                    break;
                }
            }
            Some('!') => {
                // A macro: `crate::name!` names no module.
                cur.clear();
                break;
            }
            _ => break,
        }
    }
    if !cur.is_empty() {
        segs.push(cur);
    }
    // Keep lower-case module segments; the rest is an item in the module.
    let modules: Vec<String> = segs.into_iter().take_while(|s| s.chars().next().is_some_and(|c| c.is_ascii_lowercase())).collect();
    modules.join("::")
}

/// Inside each crate listed under [modules], every module is placed and imports only modules at
/// or below its own layer.
pub fn check_modules(layers: &Layers, members: &[Member]) -> Vec<String> {
    let mut problems = Vec::new();
    for m in members {
        let Some(order) = layers.modules.get(&m.name).map(|o| &o.order) else {
            continue;
        };
        let src = m.dir.join("src");
        for file in rust_files(&src) {
            let Some(own) = module_path(&src, &file) else {
                continue;
            };
            if file.file_name().is_some_and(|n| n == "tests.rs") {
                continue;
            }
            let rel = file.strip_prefix(&m.dir).unwrap_or(&file).display().to_string();
            let Some((own_layer, own_node)) = node(order, &own) else {
                problems.push(format!("{}: module {own} ({rel}) is not placed in layers.toml", m.name));
                continue;
            };
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            for target in imports(&code_of(&text), &own) {
                match node(order, &target) {
                    Some((l, _)) if l <= own_layer => {}
                    Some((_, t)) => problems.push(format!("{}: {rel} ({own_node}) imports {target}, which is above it ({t})", m.name)),
                    None => problems.push(format!("{}: {rel} imports {target}, which is not placed in layers.toml", m.name)),
                }
            }
        }
    }
    problems
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layers(text: &str) -> Layers {
        toml::from_str(text).expect("layers")
    }

    fn write(dir: &Path, rel: &str, text: &str) {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }

    const LAYERS: &str = r#"
        [crates]
        order = [["low"], ["high"]]
        [modules.low]
        order = ["base::leaf", "base", "top"]
    "#;

    #[test]
    fn an_upward_import_between_modules_is_caught() {
        let tmp = tempfile::tempdir().expect("tmp");
        write(tmp.path(), "src/lib.rs", "pub mod base;\npub mod top;\n");
        write(tmp.path(), "src/base/mod.rs", "pub mod leaf;\nuse crate::top::Thing;\nuse self::leaf::X;\n");
        write(tmp.path(), "src/base/leaf.rs", "use super::Helper;\n");
        write(tmp.path(), "src/top.rs", "use crate::{base::leaf, base};\nuse crate::base::leaf::X;\n$crate::top::y();\n");
        let members = [Member { name: "low".into(), dir: tmp.path().into(), deps: vec![] }];
        let problems = check_modules(&layers(LAYERS), &members);
        assert_eq!(problems.len(), 2, "{problems:#?}");
        assert!(problems.iter().any(|p| p.contains("src/base/mod.rs (base) imports top, which is above it")), "{problems:#?}");
        assert!(problems.iter().any(|p| p.contains("src/base/leaf.rs (base::leaf) imports base, which is above it")), "{problems:#?}");
    }

    #[test]
    fn a_test_module_and_comments_do_not_count_but_unplaced_modules_do() {
        let tmp = tempfile::tempdir().expect("tmp");
        write(tmp.path(), "src/base/mod.rs", "// use crate::top::X;\n#[cfg(test)]\nmod tests { use crate::top::X; }\n");
        write(tmp.path(), "src/extra.rs", "");
        let members = [Member { name: "low".into(), dir: tmp.path().into(), deps: vec![] }];
        let problems = check_modules(&layers(LAYERS), &members);
        assert_eq!(problems, vec!["low: module extra (src/extra.rs) is not placed in layers.toml".to_owned()]);
    }

    #[test]
    fn a_crate_depending_upward_is_caught() {
        let members = [
            Member { name: "low".into(), dir: PathBuf::new(), deps: vec!["high".into()] },
            Member { name: "high".into(), dir: PathBuf::new(), deps: vec!["low".into()] },
            Member { name: "stray".into(), dir: PathBuf::new(), deps: vec![] },
        ];
        let problems = check_crates(&layers(LAYERS), &members);
        assert_eq!(
            problems,
            vec!["crate low depends on high, which is not below it".to_owned(), "crate stray is not placed in layers.toml".to_owned()]
        );
    }

    #[test]
    fn paths_keep_their_module_part() {
        // A function keeps its name (it is lower-case too); it still belongs to its module's layer.
        assert_eq!(path_prefix("outbox::limits::window_full(tx)"), "outbox::limits::window_full");
        assert_eq!(path_prefix("error::{Error, Result};"), "error");
        assert_eq!(path_prefix("Error::RateLimited"), "");
        assert_eq!(path_prefix("sql_text!(X)"), "");
        assert_eq!(imports("use super::{a, b::C};", "worker::send"), vec!["worker::a", "worker::b"]);
        assert_eq!(imports("use super::Thing;", "worker"), vec![""; 0], "a crate root item");
    }
}
