//! `site-example/`: the three cortes of the example election that `corte demo`
//! publishes. Each renders, with no access to `../shared`, to the manifest
//! pinned here; and the folder is exactly what its regenerate command writes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The command of `site-example/README.md`, after `corte`.
const REGENERATE: [&str; 8] = [
    "gen",
    "--scale",
    "example",
    "--cortes",
    "3",
    "--interval-minutes",
    "120",
    "--out",
];

/// Per corte: its snapshot folder and the SHA-256 of its rendered `manifest.json`.
const PINNED: [(&str, &str); 3] = [
    (
        "cdmx-2024-ejemplo-00001",
        "5de9a947eab610dfd4ac7df3ed74ea30ad24f2dc745f171fff5aedb3816e63c9",
    ),
    (
        "cdmx-2024-ejemplo-00002",
        "9ec78dcd7813ecfaae47357aebe4bfef8f98e232e422d2fe6fe6aff3d719c8fe",
    ),
    (
        "cdmx-2024-ejemplo-00003",
        "db3cbbdae300faf187135a38c4990c9d25946c3cfd5632179beed1358efa46b9",
    ),
];

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// Every file under `dir` by its `/`-separated relative path.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let path = entry.expect("a folder entry").path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            let rel = path.strip_prefix(dir).expect("under the folder");
            let key = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            files.insert(key, bytes);
        }
    }
    files
}

#[test]
fn each_example_corte_renders_to_its_pinned_manifest_without_the_shared_data() {
    let mut problems = Vec::new();
    for (name, pinned) in PINNED {
        let snapshot = repo("site-example").join(name);
        let work = tempfile::tempdir().unwrap();
        // Run from an empty folder: nothing relative (../shared) can be reached.
        let out = Command::new(env!("CARGO_BIN_EXE_corte"))
            .current_dir(work.path())
            .arg("render")
            .arg(&snapshot)
            .arg("--out")
            .arg("sitio")
            .output()
            .expect("run corte render");
        assert!(
            out.status.success(),
            "corte render {} failed: {}",
            snapshot.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let manifest = std::fs::read(work.path().join("sitio/manifest.json")).unwrap();
        let sha = corte::contract::sha256_hex(&manifest);
        if sha != pinned {
            problems.push(format!(
                "{name}: rendered manifest.json sha256 {sha}, pinned {pinned}"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "the example site's output changed:\n  {}\n\
         If the change is intended (a template, a chart, a dataset, the counting \
         rules or the crate version changed what is published), render the corte \
         (`corte render site-example/<corte> --out /tmp/x`), check the pages, and \
         update PINNED in tests/site_example.rs to the new hashes in the same commit. \
         If not, the render is no longer reproducible: find what changed.",
        problems.join("\n  ")
    );
}

#[test]
fn site_example_is_exactly_what_its_regenerate_command_writes() {
    let real = repo("../shared/data/real/iecm-2024-computos");
    assert!(
        real.exists(),
        "{} is missing: regenerating the example needs the real files beside the repository",
        real.display()
    );
    let out = tempfile::tempdir().unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_corte"))
        .current_dir(repo(""))
        .args(REGENERATE)
        .arg(out.path())
        .output()
        .expect("run corte gen");
    assert!(
        run.status.success(),
        "corte gen failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let mut committed = tree(&repo("site-example"));
    assert!(
        committed.remove("README.md").is_some(),
        "site-example/README.md is missing"
    );
    let generated = tree(out.path());
    let names = |t: &BTreeMap<String, Vec<u8>>| t.keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        names(&committed),
        names(&generated),
        "site-example/ holds other files than `corte {}` writes: regenerate it (site-example/README.md)",
        REGENERATE.join(" ")
    );
    for (path, bytes) in &generated {
        assert!(
            committed[path] == *bytes,
            "site-example/{path} differs from what `corte {} DIR` writes: the generator changed. \
             Regenerate the folder (site-example/README.md) and update the pinned manifests \
             in tests/site_example.rs in the same commit.",
            REGENERATE.join(" ")
        );
    }
}
