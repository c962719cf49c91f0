//! corte's integration tests: one binary, one module per subject, the
//! helpers they share in [`support`] (as ripgrep's tests are laid out).
//!
//! `cargo test` runs them all; `cargo test --test integration watch::` runs
//! one module. A new test file is a module declared here: `cargo test`
//! fails (see [`every_test_file_is_a_module_here`]) until it is.

mod support;

mod api;
mod browser;
mod browser_pages;
mod cdn;
mod charts;
mod cli_render;
mod cli_seal;
mod contracts;
mod database;
mod database_server;
mod demo;
mod generator;
mod history;
mod hostile;
mod images;
mod import_quirks;
mod incremental;
mod invalid_snapshots;
mod layering;
mod night;
mod publish;
mod publish_cli;
mod real_data;
mod serve;
mod site_example;
mod site_pages;
mod verify;
mod watch;
mod watch_kill;
mod watch_lock;
mod watch_replay;

/// With `autotests = false` (Cargo.toml), cargo does not build a file of
/// `tests/` that nobody declares: it would be skipped in silence.
#[test]
fn every_test_file_is_a_module_here() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let this = std::fs::read_to_string(dir.join("integration.rs")).expect("integration.rs");
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("tests/") {
        let name = entry.expect("an entry of tests/").file_name();
        let name = name.to_string_lossy();
        let Some(module) = name.strip_suffix(".rs") else {
            continue;
        };
        if module != "integration" && !this.contains(&format!("\nmod {module};\n")) {
            missing.push(name.into_owned());
        }
    }
    assert!(
        missing.is_empty(),
        "tests/{} not declared in tests/integration.rs: add `mod NAME;` there",
        missing.join(", tests/")
    );
}
