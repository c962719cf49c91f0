//! The layering of DESIGN.md, checked rather than only written: every
//! `crate::…` path in `src/` (in `use` lines, groups and inline paths, and
//! `super::` paths that climb to the crate root) must name a module that the
//! importing module may use. The allowed graph is written once, in
//! [`ALLOWED`]; an import it does not allow fails with the file, the line
//! and the import.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// What each top-level module of `src/` may import. The data flows one way
/// (DESIGN.md, "Data flow"):
///
/// ```text
/// source → contract::Snapshot → tally → anexo13 / site → Build → publish
///                                  cutover (one corte through all of them) ← watch ← cli
/// ```
///
/// `contract` (the snapshot, the summary, the hash) is the bottom and
/// imports nothing; `published` (manifest, keys, pointer, headers, image
/// keys) sits on it, below every stage. `tally` and `site` never import
/// `source`, `publish`, `serve`, `cutover` or `watch`. `serve` reads what
/// `publish` wrote; `generator` produces snapshots for demos, tests and
/// benches; `cli` wires everything and nothing imports it.
const ALLOWED: &[(&str, &[&str])] = &[
    ("contract", &[]),
    ("published", &["contract"]),
    ("tally", &["contract"]),
    ("source", &["contract", "published"]),
    ("anexo13", &["contract", "tally"]),
    ("site", &["contract", "published", "tally", "anexo13"]),
    ("publish", &["contract", "published", "site"]),
    ("serve", &["contract", "published", "publish"]),
    (
        "cutover",
        &[
            "contract",
            "published",
            "tally",
            "site",
            "source",
            "publish",
        ],
    ),
    (
        "watch",
        &["contract", "published", "source", "publish", "cutover"],
    ),
    (
        "generator",
        &["contract", "published", "tally", "anexo13", "source"],
    ),
    (
        "cli",
        &[
            "contract",
            "published",
            "tally",
            "source",
            "anexo13",
            "site",
            "publish",
            "serve",
            "cutover",
            "watch",
            "generator",
        ],
    ),
];

fn allowed() -> BTreeMap<&'static str, BTreeSet<&'static str>> {
    ALLOWED
        .iter()
        .map(|(m, deps)| (*m, deps.iter().copied().collect()))
        .collect()
}

/// An import of another top-level module: where, which, and the line.
#[derive(Debug, PartialEq, Eq)]
struct Import {
    line: usize,
    module: String,
    text: String,
}

/// The module path of a file under `src/`: `site/pages/mod.rs` → `[site, pages]`.
fn module_path(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if let Some(last) = parts.pop() {
        let stem = last.trim_end_matches(".rs");
        if stem != "mod" {
            parts.push(stem.to_string());
        }
    }
    parts
}

/// The top-level modules a file's code names, line by line. Comment lines
/// are skipped (doc links name modules without importing them).
fn imports(module_path: &[String], source: &str) -> Vec<Import> {
    let mut found = Vec::new();
    let mut group: Option<(usize, String)> = None;
    // Inside an inline module (`mod tests {` … `}`, at the left margin as
    // rustfmt writes them) `super::` starts one level deeper.
    let mut path = module_path.to_vec();
    let file_depth = path.len();
    for (i, raw) in source.lines().enumerate() {
        let line = raw.trim();
        if line.starts_with("//") {
            continue;
        }
        if let Some(name) = inline_module(raw) {
            path.truncate(file_depth);
            path.push(name);
        } else if raw == "}" {
            path.truncate(file_depth);
        }
        let module_path = path.as_slice();
        let mut add = |module: &str, at: usize| {
            found.push(Import {
                line: at + 1,
                module: module.to_string(),
                text: line.to_string(),
            })
        };
        // A `use crate::{…}` group may span lines: gather it whole.
        if let Some((start, text)) = group.as_mut() {
            text.push_str(line);
            if line.contains('}') {
                for m in group_heads(text) {
                    add(&m, *start);
                }
                group = None;
            }
            continue;
        }
        for rest in root_paths(module_path, line) {
            if let Some(inner) = rest.strip_prefix('{') {
                if inner.contains('}') {
                    for m in group_heads(inner) {
                        add(&m, i);
                    }
                } else {
                    group = Some((i, inner.to_string()));
                }
            } else {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    add(&name, i);
                }
            }
        }
    }
    found
}

/// `tests` for a line `mod tests {` (or `pub mod x {`) at the left margin.
fn inline_module(raw: &str) -> Option<String> {
    let rest = raw
        .strip_prefix("pub ")
        .unwrap_or(raw)
        .strip_prefix("mod ")?;
    let name = rest.strip_suffix(" {")?;
    name.chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_')
        .then(|| name.to_string())
}

/// What follows each path to the crate root in `line`: after `crate::`, or
/// after as many `super::` as climb out of this module to the root.
fn root_paths<'a>(module_path: &[String], line: &'a str) -> Vec<&'a str> {
    let mut out = Vec::new();
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < line.len() {
        let word_start = i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        if word_start && line[i..].starts_with("crate::") {
            out.push(&line[i + "crate::".len()..]);
            i += "crate::".len();
            continue;
        }
        if word_start && line[i..].starts_with("super::") {
            let mut j = i;
            let mut depth = 0;
            while line[j..].starts_with("super::") {
                j += "super::".len();
                depth += 1;
            }
            if depth == module_path.len() {
                out.push(&line[j..]);
            }
            i = j;
            continue;
        }
        i += line[i..].chars().next().map_or(1, char::len_utf8);
    }
    out
}

/// The first names of each item of a `{…}` group at its top level:
/// `source::images, contract::{Snapshot, sha256_hex}}` → `source`, `contract`.
fn group_heads(text: &str) -> Vec<String> {
    let mut heads = Vec::new();
    let mut depth = 0;
    let mut at_item_start = true;
    let mut current = String::new();
    for c in text.chars() {
        match c {
            '{' => {
                depth += 1;
                at_item_start = false;
            }
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => at_item_start = true,
            c if at_item_start && (c.is_ascii_alphanumeric() || c == '_') => current.push(c),
            _ => {
                if at_item_start && !current.is_empty() {
                    heads.push(std::mem::take(&mut current));
                    at_item_start = false;
                }
            }
        }
    }
    if !current.is_empty() {
        heads.push(current);
    }
    heads.retain(|h| h != "self");
    heads
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

/// Every import in `src/` that the graph does not allow, as
/// `src/FILE:LINE: MODULE imports OTHER: LINE TEXT`.
fn violations(src: &Path) -> (Vec<String>, BTreeSet<String>) {
    let allowed = allowed();
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files.sort();
    let mut problems = Vec::new();
    let mut modules = BTreeSet::new();
    for file in files {
        let rel = file.strip_prefix(src).expect("under src/");
        let path = module_path(rel);
        let Some(module) = path.first().cloned() else {
            continue;
        };
        if module == "lib" || module == "main" {
            continue;
        }
        modules.insert(module.clone());
        let text = std::fs::read_to_string(&file).expect("a readable source file");
        let may = allowed.get(module.as_str());
        for import in imports(&path, &text) {
            if import.module == module {
                continue;
            }
            if !may.is_some_and(|m| m.contains(import.module.as_str())) {
                problems.push(format!(
                    "src/{}:{}: {module} imports {}: {}",
                    rel.display(),
                    import.line,
                    import.module,
                    import.text
                ));
            }
        }
    }
    (problems, modules)
}

#[test]
fn imports_point_downstream_only() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let (problems, modules) = violations(&src);
    let graph = allowed();
    let unplaced: Vec<&String> = modules
        .iter()
        .filter(|m| !graph.contains_key(m.as_str()))
        .collect();
    assert!(
        unplaced.is_empty(),
        "top-level modules missing from ALLOWED in tests/layering.rs (say what each may import): {unplaced:?}"
    );
    assert!(
        problems.is_empty(),
        "imports against DESIGN.md's data flow (the allowed graph is ALLOWED in tests/layering.rs):\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_allowed_graph_has_no_cycle_and_names_real_modules() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let (_, modules) = violations(&src);
    let graph = allowed();
    for (m, deps) in &graph {
        assert!(
            modules.contains(*m),
            "ALLOWED names {m}, which is not in src/"
        );
        for d in deps {
            assert!(
                graph.contains_key(d),
                "{m} may import {d}, which ALLOWED does not place"
            );
        }
    }
    // Peel off modules whose imports are all peeled already.
    let mut placed: BTreeSet<&str> = BTreeSet::new();
    while placed.len() < graph.len() {
        let next: Vec<&str> = graph
            .iter()
            .filter(|(m, deps)| !placed.contains(*m) && deps.iter().all(|d| placed.contains(d)))
            .map(|(m, _)| *m)
            .collect();
        assert!(
            !next.is_empty(),
            "ALLOWED has a cycle among {:?}",
            graph
                .keys()
                .filter(|m| !placed.contains(*m))
                .collect::<Vec<_>>()
        );
        placed.extend(next);
    }
}

#[test]
fn an_upward_import_is_found_in_every_form() {
    let site = vec!["site".to_string(), "pages".to_string()];
    let found = |text: &str| -> Vec<String> {
        imports(&site, text).into_iter().map(|i| i.module).collect()
    };
    assert_eq!(found("use crate::source::load;"), ["source"]);
    assert_eq!(
        found("use crate::{contract::Snapshot, publish::{Target, sign}};"),
        ["contract", "publish"]
    );
    assert_eq!(
        found("use crate::{\n    tally::Results,\n    watch::Watcher,\n};"),
        ["tally", "watch"]
    );
    assert_eq!(
        found("let s = crate::cutover::Steps::new(id);"),
        ["cutover"]
    );
    assert_eq!(found("use super::super::serve::start;"), ["serve"]);
    assert_eq!(found("use super::theme::Theme;"), Vec::<String>::new());
    assert_eq!(found("/// see [`crate::watch`]"), Vec::<String>::new());
    // In a file's `mod tests`, one more `super::` reaches the same place.
    assert_eq!(
        found("mod tests {\n    use super::super::super::cli::main;\n}"),
        ["cli"]
    );
    assert_eq!(
        found("mod tests {\n    use super::super::theme::Theme;\n}"),
        Vec::<String>::new()
    );
}
