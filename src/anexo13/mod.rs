//! The official database file (Anexo 13 of the INE's Reglamento de
//! Elecciones, in the IECM 2024 layout).
//!
//! [`writer`] writes one canonical layout (the datasets of every corte);
//! [`reader`] takes the published files of any year with the quirks of their
//! layout, and [`import`] turns them into a snapshot, reading each field by
//! its meaning and reporting every liberty taken, so a past PREP can be
//! re-published and the real files become tests. [`parties`] knows how
//! parties are spelled. Pure: bytes in, bytes out.

pub mod import;
pub mod leeme;
pub mod parties;
pub mod reader;
pub mod writer;

pub use writer::{DatasetFile, datasets};

use crate::contract::{Catalog, ContestLevel};

/// The column naming a casilla's contest unit in the database file:
/// `ID_DISTRITO_LOCAL`, or `ID_<TERM>` (`ID_ALCALDIA`, `ID_MUNICIPIO`) for
/// elections contested per demarcación.
pub fn unit_column(catalog: &Catalog, contest: ContestLevel) -> String {
    match contest {
        ContestLevel::Demarcacion => format!("ID_{}", catalog.entidad.demarcacion_term),
        _ => "ID_DISTRITO_LOCAL".to_string(),
    }
}
