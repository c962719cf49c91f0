//! `cortes/<id>/cambios.json`: the stable keys a corte added, changed and
//! removed when it went live on a target, against the corte that was live
//! there before (`previous`). A CDN purges exactly these URLs; a difusor's
//! mirror fetches exactly these keys. Anyone can check it: it is the
//! difference between two signed manifests (`corte verify --corte` does),
//! plus any key the publisher rewrote to repair a publish that had stopped
//! halfway (listed as changed).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::manifest::{FileEntry, Manifest};

pub const CAMBIOS_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cambios {
    pub cambios_version: u32,
    /// The corte these changes made live.
    pub corte: String,
    /// SHA-256 of that corte's `manifest.json`.
    pub manifest_sha256: String,
    /// The corte live on this target before (none on a first publish: then
    /// every key is added).
    pub previous: Option<String>,
    /// Keys `previous` did not have. Sorted.
    pub added: Vec<String>,
    /// Keys whose bytes this corte rewrote. Sorted.
    pub changed: Vec<String>,
    /// Keys `previous` had and this corte does not. Sorted.
    pub removed: Vec<String>,
}

impl Cambios {
    /// The changes from `from` (the live corte's manifest) to `to`, with
    /// `repaired` (keys rewritten although their entry did not change)
    /// counted as changed.
    pub fn between(
        from: Option<&Manifest>,
        to: &Manifest,
        to_sha256: &str,
        repaired: &BTreeSet<String>,
    ) -> Cambios {
        let empty = BTreeMap::new();
        let before: &BTreeMap<String, FileEntry> = from.map_or(&empty, |m| &m.files);
        let (mut added, mut changed) = (Vec::new(), Vec::new());
        for (key, entry) in &to.files {
            match before.get(key) {
                None => added.push(key.clone()),
                Some(old) if old != entry || repaired.contains(key) => changed.push(key.clone()),
                Some(_) => {}
            }
        }
        let removed = before
            .keys()
            .filter(|k| !to.files.contains_key(*k))
            .cloned()
            .collect();
        Cambios {
            cambios_version: CAMBIOS_VERSION,
            corte: to.corte.id.clone(),
            manifest_sha256: to_sha256.to_string(),
            previous: from.map(|m| m.corte.id.clone()),
            added,
            changed,
            removed,
        }
    }

    /// The keys whose bytes went up at the stable URLs (added and changed).
    pub fn written(&self) -> impl Iterator<Item = &String> {
        self.added.iter().chain(&self.changed)
    }

    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(self).unwrap_or_default()
    }

    pub fn from_json(bytes: &[u8]) -> Result<Cambios, String> {
        let c: Cambios =
            serde_json::from_slice(bytes).map_err(|e| format!("not a change list: {e}"))?;
        if c.cambios_version != CAMBIOS_VERSION {
            return Err(format!(
                "change list version {} is not supported (this corte reads version {CAMBIOS_VERSION})",
                c.cambios_version
            ));
        }
        Ok(c)
    }

    /// What is wrong with this list as the change from `from` to `to`: a
    /// key whose entry differs but is not listed, or a key listed in the
    /// wrong place.
    pub fn check(&self, from: Option<&Manifest>, to: &Manifest) -> Vec<String> {
        let mut wrong = Vec::new();
        if self.corte != to.corte.id {
            wrong.push(format!("names corte {}, not {}", self.corte, to.corte.id));
        }
        let want = from.map(|m| m.corte.id.clone());
        if self.previous != want {
            wrong.push(format!(
                "names {:?} as the previous corte, not {:?}",
                self.previous, want
            ));
        }
        let truth = Cambios::between(from, to, &self.manifest_sha256, &BTreeSet::new());
        let listed: BTreeSet<&String> = self.changed.iter().collect();
        for (what, ours, theirs) in [
            ("added", &self.added, &truth.added),
            ("removed", &self.removed, &truth.removed),
        ] {
            if ours != theirs {
                wrong.push(format!("its {what} keys are not the manifests' difference"));
            }
        }
        if let Some(k) = truth.changed.iter().find(|k| !listed.contains(k)) {
            wrong.push(format!("does not list {k}, which changed"));
        }
        let both =
            |k: &String| from.is_some_and(|m| m.files.contains_key(k)) && to.files.contains_key(k);
        if let Some(k) = self.changed.iter().find(|k| !both(k)) {
            wrong.push(format!("lists {k} as changed, but not both cortes have it"));
        }
        wrong
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::published::manifest::CacheClass;

    fn manifest(id: &str, files: &[(&str, &str)]) -> Manifest {
        let mut m: Manifest = serde_json::from_value(serde_json::json!({
            "manifest_version": crate::published::manifest::MANIFEST_VERSION,
            "generator": "t", "process": {"id": "p", "name": "P", "entidad": "E"},
            "corte": {"id": id, "seq": 1, "timestamp": "t", "final": false},
            "previous": null, "snapshot": [],
            "ruleset": crate::contract::ruleset::builtin(crate::contract::ruleset::DEFAULT).unwrap(),
            "elections": [], "files": {}
        }))
        .unwrap();
        for (k, sha) in files {
            m.files.insert(
                k.to_string(),
                FileEntry {
                    sha256: sha.repeat(64),
                    size: 1,
                    content_type: "text/html; charset=utf-8".into(),
                    cache: CacheClass::Short,
                    gzip: None,
                },
            );
        }
        m
    }

    #[test]
    fn the_changes_between_two_cortes_and_their_check() {
        let a = manifest(
            "1",
            &[("index.html", "a"), ("x.html", "b"), ("old.html", "c")],
        );
        let b = manifest(
            "2",
            &[("index.html", "d"), ("x.html", "b"), ("new.html", "e")],
        );
        let c = Cambios::between(Some(&a), &b, "h", &BTreeSet::new());
        assert_eq!(c.added, ["new.html"]);
        assert_eq!(c.changed, ["index.html"]);
        assert_eq!(c.removed, ["old.html"]);
        assert_eq!(c.previous.as_deref(), Some("1"));
        assert!(c.check(Some(&a), &b).is_empty());
        let repaired = BTreeSet::from(["x.html".to_string()]);
        let r = Cambios::between(Some(&a), &b, "h", &repaired);
        assert_eq!(r.changed, ["index.html", "x.html"]);
        assert!(
            r.check(Some(&a), &b).is_empty(),
            "a repaired key may be listed"
        );
        let mut bad = c.clone();
        bad.changed.clear();
        assert_eq!(
            bad.check(Some(&a), &b),
            ["does not list index.html, which changed"]
        );
        let first = Cambios::between(None, &b, "h", &BTreeSet::new());
        assert_eq!(first.added.len(), 3);
        assert!(first.check(None, &b).is_empty());
        assert_eq!(Cambios::from_json(&c.to_json()).unwrap(), c);
    }
}
