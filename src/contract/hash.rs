//! SHA-256 in lowercase hex: how corte names a snapshot's members, an acta's
//! image, every published artifact and every manifest.

use sha2::{Digest, Sha256};

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}
