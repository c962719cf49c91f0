//! One error type for everything a snapshot can get wrong.
//!
//! Every error says *where* (file, row, field) and *what*, in words an
//! operator can act on at 20:05 on election night.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractError {
    /// The member file, relative to the snapshot root (`catalog.json`, `actas/GUB.csv`).
    pub file: String,
    /// 1-based line in a CSV file (the header is line 1), or the JSON path's index.
    pub row: Option<u64>,
    /// The column or JSON field.
    pub field: Option<String>,
    pub message: String,
}

/// The longest message or field name an error keeps. Messages quote the
/// value they refuse, and a hostile value can be megabytes long: the error
/// goes to the log and to `status.json`, so it keeps the head and the tail
/// (where the acta's key is named) and says how much it cut.
pub const MAX_MESSAGE_BYTES: usize = 512;

/// `text` bounded to [`MAX_MESSAGE_BYTES`]: its head and tail, cut at
/// character boundaries, with the number of bytes left out between them.
pub fn bounded(text: String) -> String {
    if text.len() <= MAX_MESSAGE_BYTES {
        return text;
    }
    let mut head = MAX_MESSAGE_BYTES / 2;
    while !text.is_char_boundary(head) {
        head -= 1;
    }
    let mut tail = text.len() - MAX_MESSAGE_BYTES / 4;
    while !text.is_char_boundary(tail) {
        tail += 1;
    }
    format!(
        "{}… [{} bytes cut] …{}",
        &text[..head],
        tail - head,
        &text[tail..]
    )
}

impl ContractError {
    pub fn new(file: impl Into<String>, message: impl Into<String>) -> Self {
        ContractError {
            file: bounded(file.into()),
            row: None,
            field: None,
            message: bounded(message.into()),
        }
    }

    pub fn at_row(mut self, row: u64) -> Self {
        self.row = Some(row);
        self
    }

    pub fn at_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(bounded(field.into()));
        self
    }
}

impl fmt::Display for ContractError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(row) = self.row {
            write!(f, ", row {row}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ", field {field}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ContractError {}

pub type Result<T, E = ContractError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_huge_value_is_cut_in_the_middle_keeping_both_ends() {
        let value = "é".repeat(2_000_000);
        let e = ContractError::new(
            "actas/GUB.csv",
            format!("`{value}` is not a lowercase hex SHA-256 (acta 090001B0100 GUB)"),
        )
        .at_row(7)
        .at_field("x".repeat(10_000));
        assert!(
            e.message.len() <= MAX_MESSAGE_BYTES + 40,
            "{}",
            e.message.len()
        );
        assert!(e.message.starts_with("`éé"), "{}", e.message);
        assert!(
            e.message.ends_with("(acta 090001B0100 GUB)"),
            "{}",
            e.message
        );
        assert!(e.message.contains("bytes cut"), "{}", e.message);
        assert!(e.to_string().len() < 3 * MAX_MESSAGE_BYTES);
        let short = ContractError::new("catalog.json", "fine as it is");
        assert_eq!(short.message, "fine as it is");
    }
}
