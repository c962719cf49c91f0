//! The contracts with the outside world: the snapshot the central database
//! exports at each corte (`corte.json`, `catalog.json`, `actas/<ELECTION>.csv`),
//! their types, their validation and their versions; and the words every
//! stage shares with them: the 13 summary fields and their percentages, and
//! the SHA-256 in lowercase hex that names members, images and artifacts.
//! The published side (manifest, keys, pointer) is `crate::published`.
//!
//! Nothing here touches files: [`Snapshot::from_members`] takes bytes that
//! `source` has read and checked against `corte.json`. Every error names the
//! file, the row and the field (see [`ContractError`]). This is the bottom
//! of the crate: it imports no other module of it.

pub mod acta;
pub mod catalog;
pub mod corte;
pub mod entidades;
pub mod error;
pub mod hash;
pub mod ids;
pub mod pct;
pub mod ruleset;
pub mod sanity;
pub mod summary;

pub use acta::{Acta, Campo, EstadoActa, MotivoSinActa, Observacion, Publicada};
pub use catalog::{
    BallotOption, Candidacy, Casilla, Catalog, CatalogIndex, ContestLevel, Election, OptionKind,
    Party, Seccion, TipoCasilla, Unit,
};
pub use corte::{CorteMeta, Member, NewSnapshot};
pub use error::ContractError;
pub use hash::sha256_hex;
pub use pct::Porcentaje;
pub use ruleset::{Inconsistencia, RulesetRef, RulesetSpec, VotosBase};
pub use summary::Summary;

/// The snapshot contract version this build reads and writes.
pub const CONTRACT_VERSION: u32 = 1;

pub(crate) fn check_version(file: &str, version: u32) -> Result<(), ContractError> {
    if version == CONTRACT_VERSION {
        Ok(())
    } else {
        Err(ContractError::new(
            file,
            format!(
                "contract version {version} is not supported: this corte reads version {CONTRACT_VERSION}; \
                 upgrade corte or ask the exporter for version {CONTRACT_VERSION}"
            ),
        )
        .at_field("contract_version"))
    }
}

/// Reads `contract_version` before anything else, so that a file of another
/// version is refused for its version, not for a field it renamed.
pub(crate) fn check_version_in_json(file: &str, bytes: &[u8]) -> Result<(), ContractError> {
    // Only the version is read: the rest is skipped, not built (catalogs run to
    // tens of megabytes at national scale).
    #[derive(serde::Deserialize)]
    struct Versioned {
        contract_version: Option<serde_json::Value>,
    }
    let text = json_text(file, bytes)?;
    let v: Versioned = serde_json::from_slice(text).map_err(|e| {
        // On the error path only, say what the document is instead.
        match serde_json::from_slice::<serde_json::Value>(text) {
            Ok(v) if !v.is_object() => ContractError::new(
                file,
                "must be a JSON object ({ … }), not an array or a value",
            ),
            Ok(_) => ContractError::new(file, format!("is not valid JSON: {e}")),
            // The generic parser words syntax errors better ("trailing comma").
            Err(syntax) => ContractError::new(file, format!("is not valid JSON: {syntax}")),
        }
    })?;
    match v.contract_version {
        None => {
            Err(ContractError::new(file, "has no `contract_version`").at_field("contract_version"))
        }
        Some(serde_json::Value::Number(n)) if n.as_u64().is_some() => check_version(
            file,
            n.as_u64().unwrap_or_default().min(u32::MAX as u64) as u32,
        ),
        Some(other) => Err(ContractError::new(
            file,
            format!("`contract_version` is {other}, not a whole number"),
        )
        .at_field("contract_version")),
    }
}

/// The bytes of a JSON member as UTF-8 text, a leading byte-order mark dropped.
/// Another encoding is named as such, not reported as a syntax error.
pub(crate) fn json_text<'a>(file: &str, bytes: &'a [u8]) -> Result<&'a [u8], ContractError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Err(e) = std::str::from_utf8(bytes) {
        let before = &bytes[..e.valid_up_to()];
        let line = before.iter().filter(|b| **b == b'\n').count() + 1;
        let column = before.len()
            - before
                .iter()
                .rposition(|b| *b == b'\n')
                .map_or(0, |i| i + 1)
            + 1;
        return Err(ContractError::new(
            file,
            format!("is not valid UTF-8 (line {line}, column {column}): save it as UTF-8"),
        ));
    }
    Ok(bytes)
}

/// A loaded, validated snapshot: one corte of one process.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub corte: CorteMeta,
    pub catalog: Catalog,
    pub index: CatalogIndex,
    /// Per election of the catalog, in its order: the registered actas.
    pub actas: Vec<Vec<Acta>>,
}

impl Snapshot {
    /// Builds a snapshot from its member files' bytes. `actas` maps each
    /// election id to its CSV bytes; an election without a file has no
    /// registered actas yet.
    pub fn from_members(
        corte: CorteMeta,
        catalog_bytes: &[u8],
        actas: &std::collections::BTreeMap<String, Vec<u8>>,
    ) -> Result<Snapshot, ContractError> {
        Snapshot::from_parts(
            corte,
            catalog_bytes,
            actas,
            |file, bytes, catalog, index, e| acta::parse_actas(file, bytes, catalog, index, e),
        )
    }

    /// As [`Snapshot::from_members`], with each election's actas in
    /// whatever form `validate` reads (CSV bytes, or rows already decoded):
    /// it gets the member's name (`actas/<E>.csv`), the election's actas,
    /// the catalog, its index and the election's position in it.
    pub fn from_parts<T: Sync>(
        corte: CorteMeta,
        catalog_bytes: &[u8],
        actas: &std::collections::BTreeMap<String, T>,
        validate: impl Fn(&str, &T, &Catalog, &CatalogIndex, usize) -> Result<Vec<Acta>, ContractError>
        + Sync,
    ) -> Result<Snapshot, ContractError> {
        let catalog = parse_catalog(catalog_bytes)?;
        if catalog.process.id != corte.process_id {
            return Err(ContractError::new(
                corte::CORTE_FILE,
                format!(
                    "process `{}` does not match catalog.json's process `{}`",
                    corte.process_id, catalog.process.id
                ),
            )
            .at_field("process_id"));
        }
        let index = catalog.index()?;
        for election in actas.keys() {
            if !catalog.elections.iter().any(|e| &e.id == election) {
                return Err(ContractError::new(
                    format!("actas/{election}.csv"),
                    format!("unknown election `{election}`: catalog.json has no such election"),
                ));
            }
        }
        let parsed: Result<Vec<Vec<Acta>>, ContractError> = {
            use rayon::prelude::*;
            catalog
                .elections
                .par_iter()
                .enumerate()
                .map(|(e, election)| match actas.get(&election.id) {
                    Some(part) => {
                        let file = format!("actas/{}.csv", election.id);
                        validate(&file, part, &catalog, &index, e)
                    }
                    None => Ok(Vec::new()),
                })
                .collect()
        };
        Ok(Snapshot {
            corte,
            catalog,
            index,
            actas: parsed?,
        })
    }
}

/// Parses `catalog.json` (version first), without validating it.
pub fn parse_catalog(bytes: &[u8]) -> Result<Catalog, ContractError> {
    check_version_in_json(catalog::CATALOG_FILE, bytes)?;
    serde_json::from_slice(json_text(catalog::CATALOG_FILE, bytes)?).map_err(|e| {
        ContractError::new(
            catalog::CATALOG_FILE,
            format!("does not follow the catalog contract: {e}"),
        )
    })
}
