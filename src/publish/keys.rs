//! `keys/`: every public key a store's cortes were signed with, and from
//! which corte on, so that key rotation is explicit and older cortes verify
//! against the key that signed them.
//!
//! ```text
//! keys/index.json        the keys in the order they came into use (below)
//! keys/<fingerprint>.pem each key (SubjectPublicKeyInfo PEM), never rewritten
//! ```
//!
//! A key is valid from its entry's `from_seq` until the next entry's
//! `from_seq`: corte seq `s` must be signed by the last entry whose
//! `from_seq <= s`. The last entry is the store's current key: a publish
//! signed with another key is refused unless the operator asks for a
//! rotation (`corte publish --rotate-key`), which appends an entry. The
//! entry is recorded before anything public changes (a rotation whose
//! publish then fails stays recorded; the re-run completes it).
//! `public-key.pem` stays what it always was: the key of the live corte.
//! A store published before `keys/` existed adopts its `public-key.pem` as
//! the first entry, valid from the history's first signed corte.

use bytes::Bytes;
use object_store::{ObjectStoreExt, PutMode};
use serde::{Deserialize, Serialize};

use super::corte::Corte;
use super::error::{ErrorKind, PublishError, Step};
use super::pointer::now;
use super::sign;
use super::target::Target;
use super::transfer;
use crate::published::{Headers, layout};

pub const PREFIX: &str = layout::KEYS;
pub const INDEX: &str = "keys/index.json";

/// `keys/<fingerprint>.pem`.
pub fn pem_key(fingerprint: &str) -> String {
    format!("{PREFIX}{fingerprint}.pem")
}

/// `keys/index.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyIndex {
    /// In the order the keys came into use; `from_seq` never decreases.
    pub keys: Vec<KeyEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyEntry {
    /// SHA-256 of the raw 32-byte public key.
    pub fingerprint: String,
    /// `keys/<fingerprint>.pem`.
    pub pem: String,
    /// The first corte sequence this key signs.
    pub from_seq: u32,
    /// The corte whose publish brought the key into use; None for a key
    /// adopted from a store's `public-key.pem` (valid from its first signed corte). Present
    /// even when null, as the schema requires.
    #[serde(deserialize_with = "Option::deserialize")]
    pub from_corte: Option<String>,
    /// When the entry was recorded (UTC).
    pub recorded_at: String,
    /// The fingerprint of the key this one replaced (a rotation); present
    /// even when null.
    #[serde(deserialize_with = "Option::deserialize")]
    pub replaces: Option<String>,
}

impl KeyIndex {
    pub fn from_json(bytes: &[u8]) -> Result<KeyIndex, String> {
        let ix: KeyIndex =
            serde_json::from_slice(bytes).map_err(|e| format!("is not a key index: {e}"))?;
        ix.check()?;
        Ok(ix)
    }

    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(self).unwrap_or_default()
    }

    /// The rules a key index keeps: fingerprints are SHA-256 hex, each
    /// names its own PEM, and `from_seq` never decreases.
    pub fn check(&self) -> Result<(), String> {
        let mut last = 0;
        for (i, k) in self.keys.iter().enumerate() {
            if k.fingerprint.len() != 64
                || !k
                    .fingerprint
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            {
                return Err(format!(
                    "key {i}: fingerprint {:?} is not a SHA-256 in lowercase hex",
                    k.fingerprint
                ));
            }
            if k.pem != pem_key(&k.fingerprint) {
                return Err(format!(
                    "key {i}: pem is {:?}, not {}",
                    k.pem,
                    pem_key(&k.fingerprint)
                ));
            }
            if k.from_seq < last {
                return Err(format!(
                    "key {i}: from_seq {} is lower than the key before it ({last})",
                    k.from_seq
                ));
            }
            last = k.from_seq;
        }
        Ok(())
    }

    /// The key new cortes must be signed with.
    pub fn current(&self) -> Option<&KeyEntry> {
        self.keys.last()
    }

    /// The key that signs corte sequence `seq`.
    pub fn for_seq(&self, seq: u32) -> Option<&KeyEntry> {
        self.keys.iter().rev().find(|k| k.from_seq <= seq)
    }
}

/// The key index and the version to condition a change on; None when the
/// store has none. A damaged index is an integrity error naming it.
pub async fn read(
    target: &Target,
    step: Step,
) -> Result<Option<(KeyIndex, object_store::UpdateVersion)>, PublishError> {
    let Some((bytes, version)) = transfer::get(target, INDEX)
        .await
        .map_err(|e| target.store_err(step, INDEX, e))?
    else {
        return Ok(None);
    };
    let ix = KeyIndex::from_json(&bytes)
        .map_err(|m| target.err(step, ErrorKind::Integrity(m)).at(INDEX))?;
    Ok(Some((ix, version)))
}

/// Reads `keys/<fingerprint>.pem` and checks that it is the key of that
/// fingerprint: Err names what is wrong (the caller names the object).
pub async fn load(
    target: &Target,
    step: Step,
    fingerprint: &str,
) -> Result<Result<sign::PublicKey, String>, PublishError> {
    let key = pem_key(fingerprint);
    let Some((pem, _)) = transfer::get(target, &key)
        .await
        .map_err(|e| target.store_err(step, &key, e))?
    else {
        return Ok(Err("is missing, yet keys/index.json lists it".into()));
    };
    Ok(sign::parse_public(&pem).and_then(|k| {
        let got = sign::fingerprint(&k);
        if got == fingerprint {
            Ok(k)
        } else {
            Err(format!("holds the key {got}, not {fingerprint}"))
        }
    }))
}

/// The public key that must verify corte `seq` on a store without a pinned
/// key, and where it comes from: the entry of `keys/index.json` valid at
/// `seq`, or (a store without `keys/`) `public-key.pem`. `Ok(Err((object,
/// what)))` when there is none or it is damaged.
pub async fn key_for(
    target: &Target,
    step: Step,
    seq: u32,
) -> Result<Result<(sign::PublicKey, String), (String, String)>, PublishError> {
    let ix = match read(target, step).await {
        Ok(ix) => ix,
        Err(e) if matches!(*e.kind, ErrorKind::Integrity(_)) => {
            return Ok(Err((INDEX.into(), e.kind.to_string())));
        }
        Err(e) => return Err(e),
    };
    if let Some((ix, _)) = ix {
        let Some(entry) = ix.for_seq(seq) else {
            return Ok(Err((
                INDEX.into(),
                format!("names no key valid at seq {seq}: nothing to check the signature with"),
            )));
        };
        return Ok(match load(target, step, &entry.fingerprint).await? {
            Ok(k) => Ok((k, entry.pem.clone())),
            Err(m) => Err((entry.pem.clone(), m)),
        });
    }
    let pem = transfer::get(target, layout::PUBLIC_KEY)
        .await
        .map_err(|e| target.store_err(step, layout::PUBLIC_KEY, e))?;
    Ok(match pem {
        Some((b, _)) => sign::parse_public(&b)
            .map(|k| (k, layout::PUBLIC_KEY.to_string()))
            .map_err(|m| (layout::PUBLIC_KEY.to_string(), m)),
        None => Err((
            layout::PUBLIC_KEY.to_string(),
            "is missing: nothing to check the signature with (give --key)".into(),
        )),
    })
}

/// What admitting a corte's key did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admitted {
    /// Unsigned, or signed with the store's current key: nothing written.
    Unchanged,
    /// The store's first key (or its `public-key.pem` adopted, and this one).
    First,
    /// A rotation from the key of this fingerprint.
    Rotated { from: String },
}

/// Before a signed corte is published: its key must be the store's current
/// one, or `rotate` must be given, and then the new key is recorded
/// (`keys/<fp>.pem`, then the index by a conditional put). A dry run checks
/// and writes nothing.
pub async fn admit(
    target: &Target,
    corte: &Corte,
    rotate: bool,
    dry_run: bool,
) -> Result<Admitted, PublishError> {
    let step = Step::Sign;
    let Some(signed) = &corte.signed else {
        return Ok(Admitted::Unchanged);
    };
    let fp = &signed.public_key_sha256;
    for _ in 0..16 {
        let (mut ix, version) = match read(target, step).await? {
            Some((ix, v)) => (ix, Some(v)),
            None => (adopted(target).await?, None),
        };
        let admitted = match ix.current() {
            Some(cur) if cur.fingerprint == *fp && version.is_some() => {
                return Ok(Admitted::Unchanged);
            }
            // A store without keys/ whose public-key.pem is this key.
            Some(cur) if cur.fingerprint == *fp => Admitted::First,
            Some(cur) if !rotate => {
                return Err(target
                    .err(
                        step,
                        ErrorKind::Conflict(format!(
                            "corte {} is signed with the key {fp}, but this store's key is {} (since seq {}); \
                             publish with --rotate-key to rotate to the new key (recorded in {INDEX}), \
                             or sign with the store's key",
                            corte.id, cur.fingerprint, cur.from_seq
                        )),
                    )
                    .at(INDEX));
            }
            Some(cur) => {
                let from = cur.fingerprint.clone();
                if corte.seq < cur.from_seq {
                    return Err(target
                        .err(
                            step,
                            ErrorKind::Conflict(format!(
                                "corte {} (seq {}) is older than the current key's first corte (seq {}): a rotation starts at a newer corte",
                                corte.id, corte.seq, cur.from_seq
                            )),
                        )
                        .at(INDEX));
                }
                ix.keys.push(entry(fp, corte, Some(from.clone())));
                Admitted::Rotated { from }
            }
            None => {
                ix.keys.push(entry(fp, corte, None));
                Admitted::First
            }
        };
        if dry_run {
            return Ok(admitted);
        }
        put_pem(target, fp, &signed.public_key_pem).await?;
        if let Some(first) = ix.keys.first()
            && first.fingerprint != *fp
            && first.from_corte.is_none()
        {
            // The adopted public-key.pem gets its own file too.
            if let Some((pem, _)) = transfer::get(target, layout::PUBLIC_KEY)
                .await
                .map_err(|e| target.store_err(step, layout::PUBLIC_KEY, e))?
            {
                put_pem(target, &first.fingerprint.clone(), &pem).await?;
            }
        }
        let bytes = Bytes::from(ix.to_json());
        let headers = Headers::document(INDEX, &bytes, &target.cache);
        let mode = match version {
            Some(v) => PutMode::Update(v),
            None => PutMode::Create,
        };
        match transfer::put(target, INDEX, bytes, &headers, mode).await {
            Ok(_) => {
                tracing::info!(target = %target.name, corte = %corte.id, key = %fp, ?admitted, "signing key recorded");
                return Ok(admitted);
            }
            Err(
                object_store::Error::Precondition { .. }
                | object_store::Error::AlreadyExists { .. },
            ) => continue,
            Err(e) => return Err(target.store_err(step, INDEX, e)),
        }
    }
    Err(target
        .err(
            step,
            ErrorKind::Conflict("kept changing under us (16 attempts)".into()),
        )
        .at(INDEX))
}

fn entry(fp: &str, corte: &Corte, replaces: Option<String>) -> KeyEntry {
    KeyEntry {
        fingerprint: fp.to_string(),
        pem: pem_key(fp),
        from_seq: corte.seq,
        from_corte: Some(corte.id.clone()),
        recorded_at: now(),
        replaces,
    }
}

/// A store without `keys/`: its `public-key.pem`, when there is one, as the
/// first key, valid from the first signed corte of the history (the cortes
/// it signed came before keys/; unsigned trial cortes before them stay
/// outside its validity), or from seq 0 when the history has none.
async fn adopted(target: &Target) -> Result<KeyIndex, PublishError> {
    let step = Step::Sign;
    let Some((pem, _)) = transfer::get(target, layout::PUBLIC_KEY)
        .await
        .map_err(|e| target.store_err(step, layout::PUBLIC_KEY, e))?
    else {
        return Ok(KeyIndex::default());
    };
    let key = sign::parse_public(&pem).map_err(|m| {
        target
            .err(step, ErrorKind::Integrity(m))
            .at(layout::PUBLIC_KEY)
    })?;
    let fp = sign::fingerprint(&key);
    let (history, _) = super::pointer::read_index(target).await?;
    let mut cortes: Vec<(u32, &str)> = history
        .cortes
        .iter()
        .map(|c| (c.seq, c.id.as_str()))
        .collect();
    cortes.sort();
    let mut from_seq = 0;
    for (seq, id) in cortes {
        let sig = layout::signature_key(id);
        let location = transfer::path(&sig);
        let found = transfer::retry(&target.policy, &sig, || target.store.head(&location)).await;
        match found {
            Ok(_) => {
                from_seq = seq;
                break;
            }
            Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(target.store_err(step, &sig, e)),
        }
    }
    Ok(KeyIndex {
        keys: vec![KeyEntry {
            pem: pem_key(&fp),
            fingerprint: fp,
            from_seq,
            from_corte: None,
            recorded_at: now(),
            replaces: None,
        }],
    })
}

/// `keys/<fp>.pem`, written once: an existing one is left as it is.
async fn put_pem(target: &Target, fp: &str, pem: &Bytes) -> Result<(), PublishError> {
    let key = pem_key(fp);
    let headers = Headers::document(&key, pem, &target.cache);
    match transfer::put(target, &key, pem.clone(), &headers, PutMode::Create).await {
        Ok(_) | Err(object_store::Error::AlreadyExists { .. }) => Ok(()),
        Err(e) => Err(target.store_err(Step::Sign, &key, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(fp: char, from_seq: u32) -> KeyEntry {
        let fingerprint: String = std::iter::repeat_n(fp, 64).collect();
        KeyEntry {
            pem: pem_key(&fingerprint),
            fingerprint,
            from_seq,
            from_corte: None,
            recorded_at: "t".into(),
            replaces: None,
        }
    }

    #[test]
    fn a_key_is_valid_from_its_seq_until_the_next_key() {
        let ix = KeyIndex {
            keys: vec![e('a', 0), e('b', 5), e('c', 5), e('d', 9)],
        };
        ix.check().unwrap();
        let at = |s| ix.for_seq(s).map(|k| k.fingerprint.chars().next().unwrap());
        assert_eq!(at(0), Some('a'));
        assert_eq!(at(4), Some('a'));
        assert_eq!(at(5), Some('c'));
        assert_eq!(at(8), Some('c'));
        assert_eq!(at(100), Some('d'));
        assert_eq!(ix.current().unwrap().from_seq, 9);
        let late = KeyIndex {
            keys: vec![e('a', 3)],
        };
        assert_eq!(late.for_seq(2), None);
    }

    #[test]
    fn a_damaged_index_is_refused_with_the_reason() {
        let back = KeyIndex {
            keys: vec![e('a', 5), e('b', 4)],
        };
        assert!(back.check().unwrap_err().contains("from_seq 4"));
        let mut bad = e('a', 0);
        bad.pem = "../etc/passwd".into();
        let ix = KeyIndex { keys: vec![bad] };
        assert!(ix.check().unwrap_err().contains("pem"));
        let mut upper = e('A', 0);
        upper.pem = pem_key(&upper.fingerprint);
        assert!(KeyIndex { keys: vec![upper] }.check().is_err());
        assert!(KeyIndex::from_json(b"{\"keys\": 3}").is_err());
        let ok = KeyIndex {
            keys: vec![e('a', 0)],
        };
        assert_eq!(KeyIndex::from_json(&ok.to_json()).unwrap(), ok);
    }
}
