//! Reading one closed corte: every view in one read-only REPEATABLE READ
//! transaction (so a corte is never read half-written, whatever the
//! database is doing meanwhile), the actas bulk-read with `COPY … TO STDOUT`
//! straight into the snapshot contract's CSV.
//!
//! The result is an ordinary snapshot's members ([`NewSnapshot`]): the
//! caller validates it with [`crate::contract::Snapshot::from_members`], or
//! seals it with [`crate::source::write`] for the watcher to load — the same
//! checks, the same errors as a file snapshot.

use std::collections::BTreeMap;

use futures::TryStreamExt;
use tokio_postgres::{Client, IsolationLevel, Transaction};

use super::{DbConfig, DbError, describe_error, query, quote_ident, quote_literal};
use crate::contract::NewSnapshot;
use crate::contract::acta::{HEAD_COLUMNS, TAIL_COLUMNS};
use crate::contract::catalog::{CATALOG_FILE, Catalog};
use crate::contract::ids::plain_key_problem;

/// RFC 3339 with the offset of the session's time zone (the process's).
const TIMESTAMP: &str = r#"'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM'"#;

/// `work_mem` for the read's transaction: room to sort an election in memory.
const SORT_MEMORY: &str = "256MB";

/// A corte as `corte.cortes` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorteRow {
    pub seq: u32,
    pub closed: bool,
}

/// The process this database publishes (`corte.process`'s id).
pub async fn process_id(client: &Client, cfg: &DbConfig) -> Result<String, DbError> {
    let sql = format!("SELECT process_id::text FROM {}", cfg.view("process"));
    let rows = client
        .query(&sql, &[])
        .await
        .map_err(|e| query(cfg, "process", &e))?;
    match rows.as_slice() {
        [row] => row
            .try_get::<_, Option<String>>(0)
            .ok()
            .flatten()
            .ok_or_else(|| DbError::Data(format!("{}.process: process_id is NULL", cfg.schema))),
        _ => Err(DbError::Data(format!(
            "{}.process holds {} rows; it must hold exactly one",
            cfg.schema,
            rows.len()
        ))),
    }
}

/// The closed cortes after `after`, oldest first.
pub async fn closed_after(
    client: &Client,
    cfg: &DbConfig,
    after: u32,
) -> Result<Vec<u32>, DbError> {
    let sql = format!(
        "SELECT seq::int8 FROM {} WHERE closed_at IS NOT NULL AND seq > $1::int8 ORDER BY seq",
        cfg.view("cortes")
    );
    let rows = client
        .query(&sql, &[&i64::from(after)])
        .await
        .map_err(|e| query(cfg, "cortes", &e))?;
    rows.iter()
        .map(|r| {
            let seq: i64 = r.try_get(0).map_err(|e| query(cfg, "cortes", &e))?;
            u32::try_from(seq).map_err(|_| {
                DbError::Data(format!("{}.cortes: seq {seq} is out of range", cfg.schema))
            })
        })
        .collect()
}

/// Reads corte `seq` whole, in one read-only REPEATABLE READ transaction.
/// A corte that is not closed (or not there) is refused.
pub async fn corte(client: &mut Client, cfg: &DbConfig, seq: u32) -> Result<NewSnapshot, DbError> {
    let tx = client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await
        .map_err(|e| query(cfg, "cortes", &e))?;
    let catalog = super::catalog::read(&tx, cfg).await?;
    // Every timestamp is written with the process's offset.
    // The sort of an election's actas fits in memory (about 100 MB at the
    // national scale) instead of spilling to disk at the default 4 MB.
    tx.batch_execute(&format!(
        "SET LOCAL TIME ZONE {}; SET LOCAL work_mem = '{SORT_MEMORY}'",
        quote_literal(&catalog.time_zone)
    ))
    .await
    .map_err(|e| {
        DbError::Data(format!(
            "{}.process: time_zone `{}`: {}",
            cfg.schema,
            catalog.time_zone,
            describe_error(&e)
        ))
    })?;
    let sql = format!(
        "SELECT to_char(\"timestamp\", {TIMESTAMP}), final, closed_at IS NOT NULL FROM {} WHERE seq = $1::int8",
        cfg.view("cortes")
    );
    let row = tx
        .query_opt(&sql, &[&i64::from(seq)])
        .await
        .map_err(|e| query(cfg, "cortes", &e))?
        .ok_or_else(|| DbError::Data(format!("{}.cortes has no corte {seq}", cfg.schema)))?;
    let at = |e: tokio_postgres::Error| query(cfg, "cortes", &e);
    let timestamp: Option<String> = row.try_get(0).map_err(at)?;
    let final_corte: Option<bool> = row.try_get(1).map_err(at)?;
    let closed: bool = row.try_get(2).map_err(at)?;
    if !closed {
        return Err(DbError::Data(format!(
            "corte {seq} is not closed yet (closed_at is NULL): it is read once closed"
        )));
    }
    let timestamp = timestamp.ok_or_else(|| {
        DbError::Data(format!(
            "{}.cortes, corte {seq}: timestamp is NULL",
            cfg.schema
        ))
    })?;
    let mut members = BTreeMap::new();
    for election in &catalog.elections {
        let bytes = actas(&tx, cfg, &catalog, &election.id, seq).await?;
        members.insert(format!("actas/{}.csv", election.id), bytes);
    }
    let mut catalog_json = serde_json::to_vec(&catalog)
        .map_err(|e| DbError::Data(format!("writing catalog.json: {e}")))?;
    catalog_json.push(b'\n');
    members.insert(CATALOG_FILE.to_string(), catalog_json);
    // Read-only: nothing to commit; ending it releases the snapshot.
    tx.rollback().await.map_err(|e| query(cfg, "cortes", &e))?;
    Ok(NewSnapshot {
        process_id: catalog.process.id.clone(),
        seq,
        timestamp,
        final_corte: final_corte.unwrap_or(false),
        members,
    })
}

/// One election's actas as of corte `seq`: the snapshot contract's CSV,
/// made by the server (`COPY … TO STDOUT`), in a fixed order.
async fn actas(
    tx: &Transaction<'_>,
    cfg: &DbConfig,
    catalog: &Catalog,
    election: &str,
    seq: u32,
) -> Result<Vec<u8>, DbError> {
    let Some(e) = catalog.elections.iter().find(|e| e.id == election) else {
        return Ok(Vec::new());
    };
    // COPY takes no parameters: ids go into its text, so they must be plain keys.
    for id in std::iter::once(&e.id).chain(e.options.iter().map(|o| &o.column)) {
        if let Some(p) = plain_key_problem(id) {
            return Err(DbError::Data(format!(
                "{}.elections / options: `{id}` is not a plain key: it {p}",
                cfg.schema
            )));
        }
    }
    check_votos_length(tx, cfg, election, seq, e.options.len()).await?;
    // Every column is text in the "C" collation, and the rows are sorted by
    // all of them in order: the acta's key first (CLAVE_CASILLA, TIPO_ACTA,
    // unique in a valid corte), every other field breaking ties, so the
    // same corte always gives the same bytes. Sorting by the output
    // columns compares values the query computes anyway; in "C" a
    // comparison is a byte comparison.
    let mut columns: Vec<String> = Vec::new();
    let col = |expr: String, name: &str| format!("{expr} COLLATE \"C\" AS {}", quote_ident(name));
    for (source, name) in [
        ("clave_casilla", HEAD_COLUMNS[0]),
        ("tipo_acta", HEAD_COLUMNS[1]),
        ("estado", HEAD_COLUMNS[2]),
    ] {
        columns.push(col(format!("{source}::text"), name));
    }
    for (i, o) in e.options.iter().enumerate() {
        columns.push(col(format!("votos[{}]::text", i + 1), &o.column));
    }
    for name in TAIL_COLUMNS {
        let source = name.to_lowercase();
        let expr = if source.starts_with("fecha_hora_") {
            format!("to_char({source}, {TIMESTAMP})")
        } else {
            format!("{source}::text")
        };
        columns.push(col(expr, name));
    }
    let order: Vec<String> = (1..=columns.len()).map(|i| i.to_string()).collect();
    let sql = format!(
        "COPY (SELECT {} FROM {} WHERE corte = {seq} AND election = {} ORDER BY {}) TO STDOUT WITH (FORMAT csv, HEADER)",
        columns.join(", "),
        cfg.view("actas"),
        quote_literal(election),
        order.join(", ")
    );
    let stream = tx
        .copy_out(&sql)
        .await
        .map_err(|e| query(cfg, "actas", &e))?;
    let chunks: Vec<bytes::Bytes> = stream
        .try_collect()
        .await
        .map_err(|e| query(cfg, "actas", &e))?;
    let mut csv = Vec::with_capacity(chunks.iter().map(|c| c.len()).sum());
    for c in chunks {
        csv.extend_from_slice(&c);
    }
    Ok(csv)
}

/// `votos` holds one field per option of the election, or is NULL (no votes).
async fn check_votos_length(
    tx: &Transaction<'_>,
    cfg: &DbConfig,
    election: &str,
    seq: u32,
    options: usize,
) -> Result<(), DbError> {
    let sql = format!(
        "SELECT clave_casilla::text, tipo_acta::text, cardinality(votos)::int8 FROM {} \
         WHERE corte = $1::int8 AND election = $2::text AND votos IS NOT NULL AND cardinality(votos) <> $3::int8 LIMIT 1",
        cfg.view("actas")
    );
    let row = tx
        .query_opt(&sql, &[&i64::from(seq), &election, &(options as i64)])
        .await
        .map_err(|e| query(cfg, "actas", &e))?;
    if let Some(row) = row {
        let clave: Option<String> = row.try_get(0).unwrap_or(None);
        let tipo: Option<String> = row.try_get(1).unwrap_or(None);
        let n: Option<i64> = row.try_get(2).unwrap_or(None);
        return Err(DbError::Data(format!(
            "{}.actas, corte {seq}, election {election}, acta {} {}: votos has {} fields, but the election has {options} options",
            cfg.schema,
            clave.unwrap_or_default(),
            tipo.unwrap_or_default(),
            n.unwrap_or(0)
        )));
    }
    Ok(())
}
