//! Plain keys: the ids that become file names, URL path segments and CSV keys.
//!
//! An id from the outside (an election, a distrito, a casilla key, an option
//! column) must be a *plain key* so that it can never climb out of a folder or
//! break a URL: ASCII letters, digits, `_` and `-`, 1 to 64 characters.

/// Why a string is not a plain key, in words for people.
pub fn plain_key_problem(s: &str) -> Option<String> {
    if s.is_empty() {
        return Some("is empty".into());
    }
    if s.len() > 64 {
        return Some(format!("is {} characters long (at most 64)", s.len()));
    }
    if let Some(c) = s
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-'))
    {
        return Some(format!(
            "contains {c:?}; only ASCII letters, digits, '_' and '-' are allowed"
        ));
    }
    None
}

pub fn is_plain_key(s: &str) -> bool {
    plain_key_problem(s).is_none()
}

/// A lowercase hex SHA-256 (64 characters).
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_keys_refuse_paths_and_spaces() {
        assert!(is_plain_key("DIP_LOC"));
        assert!(is_plain_key("090001C0100"));
        assert!(!is_plain_key("../etc"));
        assert!(!is_plain_key("a b"));
        assert!(!is_plain_key(""));
        assert!(!is_plain_key("Ñ"));
        assert!(!is_plain_key(&"x".repeat(65)));
    }

    #[test]
    fn sha256_is_lowercase_hex_of_64() {
        assert!(is_sha256_hex(&"a".repeat(64)));
        assert!(!is_sha256_hex(&"A".repeat(64)));
        assert!(!is_sha256_hex(&"a".repeat(63)));
    }
}
