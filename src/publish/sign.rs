//! Ed25519 signatures of manifests (ed25519-dalek).
//!
//! The private key is a PKCS#8 PEM file (`corte keygen`); the public key is
//! published as `public-key.pem` (SubjectPublicKeyInfo PEM) beside the
//! pointer; each signature is the raw 64 bytes in
//! `cortes/<id>/manifest.json.sig`, over the manifest's exact bytes. Anyone
//! can check one without corte:
//!
//! ```text
//! openssl pkeyutl -verify -pubin -inkey public-key.pem -rawin \
//!     -in manifest.json -sigfile manifest.json.sig
//! ```
//!
//! An auditor should pin the institute's key (obtained out of band, by its
//! fingerprint) rather than trust the `public-key.pem` next to the data.

use std::path::Path;

use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};

pub use ed25519_dalek::{SigningKey as PrivateKey, VerifyingKey as PublicKey};

/// A fresh key from the operating system's random source.
pub fn generate() -> Result<SigningKey, String> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| format!("no random source: {e}"))?;
    Ok(SigningKey::from_bytes(&seed))
}

pub fn private_pem(key: &SigningKey) -> Result<String, String> {
    key.to_pkcs8_pem(LineEnding::LF)
        .map(|p| p.to_string())
        .map_err(|e| format!("encoding the private key: {e}"))
}

pub fn public_pem(key: &VerifyingKey) -> String {
    key.to_public_key_pem(LineEnding::LF).unwrap_or_default()
}

/// SHA-256 of the raw 32-byte public key: the fingerprint to publish out of band.
pub fn fingerprint(key: &VerifyingKey) -> String {
    crate::contract::sha256_hex(key.as_bytes())
}

pub fn load_private(path: &Path) -> Result<SigningKey, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("reading the signing key {}: {e}", path.display()))?;
    SigningKey::from_pkcs8_pem(&text).map_err(|e| {
        format!(
            "{}: not a PKCS#8 PEM Ed25519 private key ({e}); make one with `corte keygen`",
            path.display()
        )
    })
}

pub fn parse_public(pem: &[u8]) -> Result<VerifyingKey, String> {
    let text = std::str::from_utf8(pem).map_err(|_| "the public key is not text".to_string())?;
    VerifyingKey::from_public_key_pem(text)
        .map_err(|e| format!("not a PEM Ed25519 public key: {e}"))
}

pub fn load_public(path: &Path) -> Result<VerifyingKey, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
    parse_public(&bytes).map_err(|e| format!("{}: {e}", path.display()))
}

pub fn sign(key: &SigningKey, message: &[u8]) -> Vec<u8> {
    key.sign(message).to_bytes().to_vec()
}

/// Strict verification of a raw 64-byte signature.
pub fn verify(key: &VerifyingKey, message: &[u8], signature: &[u8]) -> Result<(), String> {
    let sig = Signature::from_slice(signature).map_err(|_| {
        format!(
            "is {} bytes, not a 64-byte Ed25519 signature",
            signature.len()
        )
    })?;
    key.verify(message, &sig)
        .map_err(|_| "does not match the manifest's bytes and the public key".to_string())
}

/// Writes a new private key (mode 0600, refusing to overwrite) and its public
/// key beside it (`<path>.pub`). Returns the fingerprint.
pub fn keygen(path: &Path) -> Result<String, String> {
    use std::io::Write;
    let key = generate()?;
    let pem = private_pem(&key)?;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).map_err(|e| {
        format!(
            "creating {}: {e} (an existing key is never overwritten)",
            path.display()
        )
    })?;
    f.write_all(pem.as_bytes())
        .and_then(|_| f.sync_all())
        .map_err(|e| format!("writing {}: {e}", path.display()))?;
    let public = key.verifying_key();
    let pub_path = public_path(path);
    std::fs::write(&pub_path, public_pem(&public))
        .map_err(|e| format!("writing {}: {e}", pub_path.display()))?;
    Ok(fingerprint(&public))
}

pub fn public_path(private: &Path) -> std::path::PathBuf {
    let mut s = private.as_os_str().to_owned();
    s.push(".pub");
    s.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_and_a_changed_byte_does_not() {
        let key = generate().unwrap();
        let sig = sign(&key, b"manifest");
        let public = parse_public(public_pem(&key.verifying_key()).as_bytes()).unwrap();
        verify(&public, b"manifest", &sig).unwrap();
        assert!(verify(&public, b"manifesT", &sig).is_err());
        assert!(verify(&public, b"manifest", &sig[..10]).is_err());
    }

    #[test]
    fn keygen_writes_a_private_key_that_loads_and_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.pem");
        let fp = keygen(&path).unwrap();
        let key = load_private(&path).unwrap();
        assert_eq!(fingerprint(&key.verifying_key()), fp);
        let public = load_public(&public_path(&path)).unwrap();
        assert_eq!(public, key.verifying_key());
        assert!(keygen(&path).is_err());
    }
}
