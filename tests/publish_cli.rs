//! The publishing commands end to end, as an operator runs them: a real PREP
//! file imported into snapshots of two cortes, `corte keygen`, `publish`
//! (dry run, then for real, to two folders), `status`, `verify` (and a
//! tampered copy failing, naming the object), `mirror`, `rollback`.

use std::path::{Path, PathBuf};
use std::process::Command;

use corte::anexo13::import::{self, Input, Options};
use corte::contract::RulesetRef;

use crate::support::{moto, snapshots};

fn real(path: &str) -> (String, Vec<u8>) {
    let p = snapshots::real(path);
    let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let name = p.file_name().unwrap().to_string_lossy().into_owned();
    (name, bytes)
}

/// Quintana Roo 2019 as corte `seq`.
pub(crate) fn snapshot(dir: &Path, seq: u32) -> PathBuf {
    let inputs = vec![Input {
        file: real("qroo-2019-dip-loc/QROO_DIP_LOC_2019.csv").0,
        bytes: real("qroo-2019-dip-loc/QROO_DIP_LOC_2019.csv").1,
        candidaturas: Some(real("qroo-2019-dip-loc/QROO_DIP_CANDIDATURAS_2019.csv")),
    }];
    let opts = Options {
        ruleset: RulesetRef::Named("qroo-2019".into()),
        final_corte: false,
        seq,
        ..Options::default()
    };
    let imported = import::import(&inputs, &opts).unwrap_or_else(|e| panic!("import: {e}"));
    let out = dir.join(format!("snapshot-{seq}"));
    corte::source::write(&out, &imported.snapshot).unwrap();
    out
}

fn corte(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_corte"))
        .args(args)
        .env_remove("CORTE_CONFIG")
        .env_remove("CORTE_SIGNING_KEY")
        .current_dir(std::env::temp_dir())
        .output()
        .expect("running corte");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn ok(args: &[&str]) -> String {
    let (success, text) = corte(args);
    assert!(success, "corte {}:\n{text}", args.join(" "));
    eprintln!("$ corte {}\n{text}", args.join(" "));
    text
}

#[test]
fn an_operator_publishes_verifies_mirrors_and_rolls_back() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let s1 = snapshot(d, 1);
    let s2 = snapshot(d, 2);
    let key = d.join("firma.pem");
    let keyfile = key.to_str().unwrap();
    let pubfile = format!("{keyfile}.pub");
    let out = ok(&["keygen", "--out", keyfile]);
    assert!(out.contains("fingerprint"), "{out}");

    let site = url::Url::from_directory_path(d.join("site"))
        .unwrap()
        .to_string();
    let copy = url::Url::from_directory_path(d.join("copy"))
        .unwrap()
        .to_string();
    let unam = url::Url::from_directory_path(d.join("unam"))
        .unwrap()
        .to_string();

    let (success, text) = corte(&["publish", s1.to_str().unwrap(), "--to", &site]);
    assert!(!success && text.contains("no signing key"), "{text}");

    let out = ok(&[
        "publish",
        s1.to_str().unwrap(),
        "--to",
        &site,
        "--dry-run",
        "--signing-key",
        keyfile,
    ]);
    assert!(out.contains("would publish"), "{out}");
    assert!(
        !d.join("site/latest.json").exists(),
        "a dry run writes nothing"
    );

    let out = ok(&[
        "publish",
        s1.to_str().unwrap(),
        "--to",
        &site,
        &copy,
        "--signing-key",
        keyfile,
    ]);
    assert_eq!(out.matches("published 00001-").count(), 2, "{out}");
    let out = ok(&[
        "publish",
        s2.to_str().unwrap(),
        "--to",
        &site,
        "--signing-key",
        keyfile,
    ]);
    assert!(
        out.contains("published 00002-") && out.contains("(was 00001-"),
        "{out}"
    );

    let out = ok(&["status", &site]);
    assert!(out.contains("live: corte 00002-"), "{out}");
    assert!(out.contains("2 pointer moves"), "{out}");
    assert!(
        out.contains("stable-tree lease: free (last publish 00002-"),
        "{out}"
    );

    let out = ok(&["verify", &site, "--key", &pubfile, "--all"]);
    assert!(out.ends_with("ok\n"), "{out}");

    // A difusor mirrors every corte, and can prove it holds what was published.
    let out = ok(&["mirror", &site, "--into", &unam, "--key", &pubfile]);
    assert!(out.contains("2 corte(s) copied"), "{out}");
    let out = ok(&["mirror", &site, "--into", &unam, "--key", &pubfile]);
    assert!(
        out.contains("0 corte(s) copied, 2 already complete"),
        "{out}"
    );
    ok(&["verify", &unam, "--key", &pubfile, "--all"]);

    // A key of the live corte missing at the root (what a racing publisher
    // once deleted): `verify --all` fails too, naming it (issue 17).
    let gone = std::fs::read_dir(d.join("unam/datos"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.is_file())
        .expect("a dataset at the root");
    let kept = std::fs::read(&gone).unwrap();
    std::fs::remove_file(&gone).unwrap();
    let (success, text) = corte(&["verify", &unam, "--key", &pubfile, "--all"]);
    assert!(!success, "{text}");
    let name = gone.file_name().unwrap().to_str().unwrap();
    assert!(
        text.contains(&format!("datos/{name}: is missing")),
        "{text}"
    );
    std::fs::write(&gone, kept).unwrap();
    ok(&["verify", &unam, "--key", &pubfile, "--all"]);

    // Someone edits a dataset in the mirror: verify fails and names it.
    let live: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("unam/latest.json")).unwrap()).unwrap();
    let id = live["corte"].as_str().unwrap();
    let datos = d.join("unam/cortes").join(id).join("datos");
    let csv = std::fs::read_dir(&datos)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "csv"))
        .expect("a CSV dataset");
    let mut bytes = std::fs::read(&csv).unwrap();
    let last = bytes.len() - 2;
    bytes[last] = if bytes[last] == b'1' { b'2' } else { b'1' };
    std::fs::write(&csv, bytes).unwrap();
    let (success, text) = corte(&["verify", &unam, "--key", &pubfile]);
    assert!(!success, "{text}");
    let name = csv.file_name().unwrap().to_str().unwrap();
    assert!(
        text.contains(&format!("cortes/{id}/datos/{name}: has SHA-256")),
        "{text}"
    );

    let first = {
        let v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(d.join("site/cortes/index.json")).unwrap())
                .unwrap();
        v["cortes"][0]["id"].as_str().unwrap().to_string()
    };
    let out = ok(&[
        "rollback", &site, "--to", &first, "--reason", "prueba", "--key", &pubfile,
    ]);
    assert!(out.contains(&format!("rolled back to {first}")), "{out}");
    let out = ok(&["status", &site]);
    assert!(
        out.contains("rollback") && out.contains("prueba") && out.contains("withdrawn"),
        "{out}"
    );
    ok(&["verify", &site, "--key", &pubfile]);
}

/// An ad hoc `s3://` target configured only by the usual AWS_* variables.
#[test]
fn an_s3_target_from_the_environment() {
    let server = moto::server();
    let bucket = server.new_bucket();
    let dir = tempfile::tempdir().unwrap();
    let s1 = snapshot(dir.path(), 1);
    let url = format!("s3://{bucket}/sitio");
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_corte"))
            .args(args)
            .env_remove("CORTE_CONFIG")
            .env("AWS_ENDPOINT", server.endpoint())
            .env("AWS_ALLOW_HTTP", "true")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .current_dir(dir.path())
            .output()
            .expect("running corte");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "corte {}:\n{text}", args.join(" "));
        assert!(
            !text.contains("testing"),
            "a credential was printed:\n{text}"
        );
        text
    };
    run(&["publish", s1.to_str().unwrap(), "--to", &url, "--unsigned"]);
    let out = run(&["verify", &url]);
    assert!(out.contains("UNSIGNED") && out.ends_with("ok\n"), "{out}");
    let out = run(&["status", &url]);
    assert!(out.contains("live: corte 00001-"), "{out}");
}
