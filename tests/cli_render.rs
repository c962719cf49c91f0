//! `corte render`: a snapshot in, the corte's whole site in a folder, every
//! file as its manifest lists it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn render(out: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_corte"))
        .arg("render")
        .arg(repo("data-contracts/examples/snapshot"))
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .expect("run corte render")
}

fn stdout(o: &Output) -> String {
    assert!(
        o.status.success(),
        "corte render failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn render_writes_every_file_the_manifest_lists_and_prints_its_hash() {
    let dir = tempfile::tempdir().unwrap();
    let printed = stdout(&render(dir.path(), &[]));
    let manifest_bytes = std::fs::read(dir.path().join("manifest.json")).unwrap();
    let sha = corte::contract::sha256_hex(&manifest_bytes);
    assert!(
        printed.contains(&format!("manifest.json sha256 {sha}")),
        "{printed}"
    );
    let manifest = corte::published::Manifest::from_json(&manifest_bytes).unwrap();
    for (key, entry) in &manifest.files {
        let bytes = std::fs::read(dir.path().join(key)).unwrap_or_else(|e| panic!("{key}: {e}"));
        assert_eq!(corte::contract::sha256_hex(&bytes), entry.sha256, "{key}");
    }
    let files = manifest.files.len() + 1;
    assert!(
        printed.starts_with(&format!("{files} files (")),
        "{printed}"
    );
    for key in [
        "index.html",
        "consulta.html",
        "verificacion.html",
        "datos.html",
    ] {
        assert!(manifest.files.contains_key(key), "{key}");
    }
}

#[test]
fn a_theme_folder_renders_like_the_built_in_theme_it_copies() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let built_in = stdout(&render(a.path(), &[]));
    let theme = repo("themes/default");
    let folder = stdout(&render(b.path(), &["--theme", theme.to_str().unwrap()]));
    let hash = |s: &str| {
        s.lines()
            .find(|l| l.starts_with("manifest.json"))
            .map(str::to_string)
    };
    assert_eq!(hash(&built_in), hash(&folder));
}

#[test]
fn a_theme_without_a_required_template_is_refused_by_name() {
    let theme = tempfile::tempdir().unwrap();
    std::fs::write(theme.path().join("theme.toml"), "name = \"incompleto\"\n").unwrap();
    std::fs::create_dir(theme.path().join("templates")).unwrap();
    std::fs::write(
        theme.path().join("templates/base.html"),
        "{% block main %}{% endblock %}",
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let o = render(out.path(), &["--theme", theme.path().to_str().unwrap()]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("templates/") && err.contains("is missing"),
        "{err}"
    );
}

#[test]
fn with_history_the_entidad_pages_chart_the_cortes_and_the_manifest_names_the_previous() {
    // An earlier corte: this snapshot's own manifest, renumbered one corte back.
    let first = tempfile::tempdir().unwrap();
    stdout(&render(first.path(), &[]));
    let mut earlier: serde_json::Value =
        serde_json::from_slice(&std::fs::read(first.path().join("manifest.json")).unwrap())
            .unwrap();
    let seq = earlier["corte"]["seq"].as_u64().unwrap();
    earlier["corte"]["seq"] = (seq - 1).into();
    earlier["corte"]["id"] = "anterior".into();
    earlier["corte"]["timestamp"] = "2024-06-02T20:00:00-06:00".into();
    let history = tempfile::tempdir().unwrap();
    std::fs::write(
        history.path().join("anterior.json"),
        serde_json::to_vec(&earlier).unwrap(),
    )
    .unwrap();

    let out = tempfile::tempdir().unwrap();
    stdout(&render(
        out.path(),
        &["--history", history.path().to_str().unwrap()],
    ));
    let manifest = corte::published::Manifest::from_json(
        &std::fs::read(out.path().join("manifest.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(manifest.previous.as_deref(), Some("anterior"));
    let election = &manifest.elections[0].id;
    let page = std::fs::read_to_string(
        out.path()
            .join(corte::site::api::slug(election))
            .join("index.html"),
    )
    .unwrap();
    assert!(page.contains("<h2>Avance por corte</h2>"));
    assert!(page.contains("Actas contabilizadas por corte"));
    let without = std::fs::read_to_string(
        first
            .path()
            .join(corte::site::api::slug(election))
            .join("index.html"),
    )
    .unwrap();
    assert!(!without.contains("Avance por corte"));
}
