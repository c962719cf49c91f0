//! Reading earlier cortes' manifests for `render --history DIR`.
//!
//! `DIR` is either a folder of `*.json` manifests, or a published store root
//! laid out as `cortes/<corte-id>/manifest.json`. This module only finds and
//! reads the files; `site::History::from_manifest_bytes` parses, orders and
//! checks them (and names the file when one is wrong).

use std::fs;
use std::path::Path;

use super::SourceError;

/// The manifests under `dir` as (name relative to `dir`, bytes), sorted by
/// name. In a store root, a corte folder without `manifest.json` is skipped:
/// the manifest is written after every object, so such a corte was never
/// completed. In a plain folder every `*.json` file is taken.
pub fn read_manifests(dir: &Path) -> Result<Vec<(String, Vec<u8>)>, SourceError> {
    let cortes = dir.join("cortes");
    let mut found = Vec::new();
    if cortes.is_dir() {
        for corte in sorted_entries(&cortes)? {
            let manifest = cortes.join(&corte).join("manifest.json");
            if !manifest.is_file() {
                continue;
            }
            let bytes = fs::read(&manifest).map_err(|e| SourceError::io(&manifest, e))?;
            found.push((format!("cortes/{corte}/manifest.json"), bytes));
        }
    } else {
        for name in sorted_entries(dir)? {
            let path = dir.join(&name);
            if !name.ends_with(".json") || !path.is_file() {
                continue;
            }
            let bytes = fs::read(&path).map_err(|e| SourceError::io(&path, e))?;
            found.push((name, bytes));
        }
    }
    Ok(found)
}

/// The names in a folder, sorted (directory order is not stable). Names that
/// are not UTF-8 cannot be corte ids or manifest names and are skipped.
fn sorted_entries(dir: &Path) -> Result<Vec<String>, SourceError> {
    let entries = fs::read_dir(dir).map_err(|e| SourceError::io(dir, e))?;
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| SourceError::io(dir, e))?;
        if let Ok(name) = entry.file_name().into_string() {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, bytes: &[u8]) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, bytes).unwrap();
    }

    #[test]
    fn a_folder_of_manifests_gives_its_json_files_in_name_order() {
        let dir = tempfile::tempdir().unwrap();
        write(&dir.path().join("b.json"), b"2");
        write(&dir.path().join("a.json"), b"1");
        write(&dir.path().join("notas.txt"), b"x");
        write(&dir.path().join("sub/c.json"), b"3");
        let found = read_manifests(dir.path()).unwrap();
        assert_eq!(
            found,
            [
                ("a.json".to_string(), b"1".to_vec()),
                ("b.json".to_string(), b"2".to_vec())
            ]
        );
    }

    #[test]
    fn a_store_root_gives_each_completed_cortes_manifest() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(&root.join("latest.json"), b"{}");
        write(&root.join("cortes/index.json"), b"[]");
        write(&root.join("cortes/00002-20240602-2030/manifest.json"), b"2");
        write(
            &root.join("cortes/00002-20240602-2030/manifest.json.sig"),
            b"s",
        );
        write(&root.join("cortes/00001-20240602-2000/manifest.json"), b"1");
        // An upload that stopped before its manifest.
        write(
            &root.join("cortes/00003-20240602-2100/index.html"),
            b"<html>",
        );
        let found = read_manifests(root).unwrap();
        let names: Vec<&str> = found.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "cortes/00001-20240602-2000/manifest.json",
                "cortes/00002-20240602-2030/manifest.json"
            ]
        );
    }

    #[test]
    fn a_missing_folder_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("no-existe");
        let err = read_manifests(&missing).unwrap_err();
        assert!(
            err.to_string().starts_with(&missing.display().to_string()),
            "{err}"
        );
    }
}
