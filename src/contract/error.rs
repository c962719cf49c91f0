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

impl ContractError {
    pub fn new(file: impl Into<String>, message: impl Into<String>) -> Self {
        ContractError {
            file: file.into(),
            row: None,
            field: None,
            message: message.into(),
        }
    }

    pub fn at_row(mut self, row: u64) -> Self {
        self.row = Some(row);
        self
    }

    pub fn at_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
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
