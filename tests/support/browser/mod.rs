//! The browser tests' tools: headless Chromium driven over the DevTools
//! protocol ([`cdp`]) and a static server of a rendered site ([`server`]).

pub mod cdp;
pub mod server;

/// Writes a rendered corte's pages as a folder a [`server::Server`] serves,
/// with the pointer (`latest.json`) a published store has, which the
/// theme's script reads to show the live corte.
pub fn write_site(
    dir: &std::path::Path,
    build: &corte::site::Build,
    snapshot: &corte::contract::Snapshot,
) {
    for a in &build.artifacts {
        let path = dir.join(&a.key);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{}: {e}", parent.display()));
        }
        std::fs::write(&path, &a.bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
    let pointer = serde_json::json!({
        "corte": snapshot.corte.id(),
        "seq": snapshot.corte.seq,
        "timestamp": snapshot.corte.timestamp,
    });
    std::fs::write(dir.join("latest.json"), pointer.to_string()).expect("latest.json");
}
