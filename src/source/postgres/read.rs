//! Reading one closed corte: every view in one read-only REPEATABLE READ
//! snapshot (so a corte is never read half-written, whatever the database
//! is doing meanwhile). The catalog is read on the caller's connection;
//! each election's actas are bulk-read (binary `COPY … TO STDOUT`) on a
//! connection of its own that joins the same snapshot
//! (`pg_export_snapshot()` / `SET TRANSACTION SNAPSHOT`), all at once, and
//! made into the snapshot contract's CSV here ([`super::copy`]). Where the
//! snapshot cannot be shared (a server that refuses to export it, a
//! connection refused), those elections are read on the caller's
//! connection, in the same transaction: slower, the same bytes.
//!
//! The result is an ordinary snapshot's members ([`NewSnapshot`]): the
//! caller validates it with [`crate::contract::Snapshot::from_members`], or
//! seals it with [`crate::source::write`] for the watcher to load — the same
//! checks, the same errors as a file snapshot. [`corte_validated`] gives the
//! validated snapshot too, from the rows as decoded (the contract's row
//! checks, fed without parsing the CSV back): the same checks, the same
//! errors; measured, no faster than validating the CSV, and it holds the
//! rows beside the CSV until validated (docs/database.md, "Benchmark").

use std::collections::BTreeMap;

use futures::TryStreamExt;
use tokio_postgres::{Client, IsolationLevel};

use super::copy::{self, Shape};
use super::{DbConfig, DbError, connection_lost, describe_error, query, quote_literal};
use crate::contract::acta::{HEAD_COLUMNS, TAIL_COLUMNS};
use crate::contract::catalog::CATALOG_FILE;
use crate::contract::ids::plain_key_problem;
use crate::contract::{ContractError, NewSnapshot, Snapshot};

/// RFC 3339 with the offset of the session's time zone (the process's).
const TIMESTAMP: &str = r#"'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM'"#;

/// `work_mem` for the read's transaction: room to sort the catalog's
/// expected actas in memory.
const SORT_MEMORY: &str = "256MB";

/// At most this many connections read actas at once, besides the caller's.
const READERS: usize = 3;

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

/// Reads corte `seq` whole, as of one REPEATABLE READ snapshot. A corte that
/// is not closed (or not there) is refused.
pub async fn corte(client: &mut Client, cfg: &DbConfig, seq: u32) -> Result<NewSnapshot, DbError> {
    read_corte(client, cfg, seq, false).await.map(|(s, _)| s)
}

/// A corte's members and, beside them, its validation's verdict.
pub type Validated = (NewSnapshot, Result<Snapshot, ContractError>);

/// As [`corte`], and validates the corte from the rows as decoded: the
/// snapshot [`NewSnapshot::validate`] would give (the same checks, the
/// same errors naming `actas/<E>.csv`, its row and field, and the acta),
/// without parsing the CSV back. The members are given either way: a
/// corte that breaks the contract was still read.
pub async fn corte_validated(
    client: &mut Client,
    cfg: &DbConfig,
    seq: u32,
) -> Result<Validated, DbError> {
    let (read, decoded) = read_corte(client, cfg, seq, true).await?;
    tokio::task::spawn_blocking(move || {
        let catalog = read
            .members
            .get(CATALOG_FILE)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let snapshot = Snapshot::from_parts(
            read.corte_meta(),
            catalog,
            &decoded,
            |file, rows, catalog, index, e| rows.validate(file, catalog, index, e),
        );
        (read, snapshot)
    })
    .await
    .map_err(|e| DbError::Data(format!("validating corte {seq}: {e}")))
}

/// The read; with `keep`, each election's decoded rows too (by election id).
async fn read_corte(
    client: &mut Client,
    cfg: &DbConfig,
    seq: u32,
    keep: bool,
) -> Result<(NewSnapshot, BTreeMap<String, copy::Decoded>), DbError> {
    let tx = begin(client, cfg).await?;
    // The snapshot the other connections join; None: read on this one only.
    let (tx, shared) = match tx.query_one("SELECT pg_export_snapshot()", &[]).await {
        Ok(row) => {
            let id: Option<String> = row.try_get(0).ok();
            (tx, id)
        }
        Err(e) if connection_lost(&e) => return Err(query(cfg, "cortes", &e)),
        Err(e) => {
            // The failed statement ended the transaction: start it again.
            tracing::info!(error = %describe_error(&e), "the read's snapshot cannot be shared; reading on one connection");
            tx.rollback().await.map_err(|e| query(cfg, "cortes", &e))?;
            (begin(client, cfg).await?, None)
        }
    };
    let mut catalog = super::catalog::head(&tx, cfg).await?;
    let session = session_settings(&catalog.time_zone);
    tx.batch_execute(&session).await.map_err(|e| {
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
    let elections: Vec<ElectionRead> = catalog
        .elections
        .iter()
        .map(|e| ElectionRead::new(cfg, seq, e))
        .collect::<Result<_, _>>()?;
    // Each reader takes every READERS-th election, on a connection of its own.
    let mut readers = tokio::task::JoinSet::new();
    if let Some(snapshot) = &shared {
        let count = READERS.min(elections.len());
        for r in 0..count {
            let mine: Vec<(usize, ElectionRead)> = elections
                .iter()
                .enumerate()
                .skip(r)
                .step_by(count)
                .map(|(i, e)| (i, e.clone()))
                .collect();
            let (cfg, setup) = (cfg.clone(), join_snapshot(snapshot, &session));
            readers.spawn(async move { read_elsewhere(&cfg, &setup, mine, keep).await });
        }
    }
    // Meanwhile, the rest of the catalog on this connection.
    super::catalog::rest(&tx, cfg, &mut catalog).await?;
    let mut csvs: Vec<Option<ElectionCsv>> = (0..elections.len()).map(|_| None).collect();
    while let Some(joined) = readers.join_next().await {
        let read = joined.map_err(|e| DbError::Data(format!("reading the actas: {e}")))?;
        match read {
            Ok(done) => {
                for (i, csv) in done {
                    csvs[i] = Some(csv);
                }
            }
            Err(Unshared(why)) => {
                tracing::info!(error = %why, "a connection could not join the read's snapshot; its elections are read on this one");
            }
            Err(Failed(e)) => return Err(e),
        }
    }
    let mut members = BTreeMap::new();
    let mut decoded = BTreeMap::new();
    for (election, csv) in elections.iter().zip(csvs) {
        let (csv, rows) = match csv {
            Some(csv) => csv,
            None => {
                election
                    .read(tx.copy_out(&election.sql).await, cfg, keep)
                    .await?
            }
        };
        members.insert(format!("actas/{}.csv", election.id), csv);
        if let Some(rows) = rows {
            decoded.insert(election.id.clone(), rows);
        }
    }
    let mut catalog_json = serde_json::to_vec(&catalog)
        .map_err(|e| DbError::Data(format!("writing catalog.json: {e}")))?;
    catalog_json.push(b'\n');
    members.insert(CATALOG_FILE.to_string(), catalog_json);
    // Read-only: nothing to commit; ending it releases the snapshot.
    tx.rollback().await.map_err(|e| query(cfg, "cortes", &e))?;
    let read = NewSnapshot {
        process_id: catalog.process.id.clone(),
        seq,
        timestamp,
        final_corte: final_corte.unwrap_or(false),
        members,
    };
    Ok((read, decoded))
}

async fn begin<'a>(
    client: &'a mut Client,
    cfg: &DbConfig,
) -> Result<tokio_postgres::Transaction<'a>, DbError> {
    client
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await
        .map_err(|e| query(cfg, "cortes", &e))
}

/// Every timestamp is written with the process's offset, from ISO text.
/// The catalog's sort of expected actas fits in memory (the default 4 MB
/// spills to disk at the national scale).
fn session_settings(time_zone: &str) -> String {
    format!(
        "SET LOCAL TIME ZONE {}; SET LOCAL DateStyle = 'ISO'; SET LOCAL work_mem = '{SORT_MEMORY}'",
        quote_literal(time_zone)
    )
}

/// What another connection runs to read as of the exported snapshot.
pub(crate) fn join_snapshot(snapshot: &str, session: &str) -> String {
    format!(
        "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT {}; {session}",
        quote_literal(snapshot)
    )
}

/// Why a reader came back without its elections.
enum ReaderError {
    /// It could not connect or join the snapshot: read them on the caller's.
    Unshared(String),
    /// The read itself failed: the corte's read fails.
    Failed(DbError),
}
use ReaderError::{Failed, Unshared};

/// One election's CSV and, if kept, its decoded rows.
type ElectionCsv = (Vec<u8>, Option<copy::Decoded>);

/// Reads `elections` on a new connection that joins the snapshot (`setup`).
async fn read_elsewhere(
    cfg: &DbConfig,
    setup: &str,
    elections: Vec<(usize, ElectionRead)>,
    keep: bool,
) -> Result<Vec<(usize, ElectionCsv)>, ReaderError> {
    let conn = super::connect(cfg)
        .await
        .map_err(|e| Unshared(e.to_string()))?;
    conn.client
        .batch_execute(setup)
        .await
        .map_err(|e| Unshared(describe_error(&e)))?;
    let mut done = Vec::new();
    for (i, election) in elections {
        done.push((
            i,
            election
                .read(conn.client.copy_out(&election.sql).await, cfg, keep)
                .await
                .map_err(Failed)?,
        ));
    }
    // Dropping the client closes the connection and its transaction.
    Ok(done)
}

/// One election's read: the binary COPY's text and what its rows hold.
#[derive(Clone)]
struct ElectionRead {
    id: String,
    sql: String,
    at: String,
    header: Vec<String>,
    options: usize,
    times: Vec<usize>,
}

impl ElectionRead {
    /// The COPY of the election's actas as of corte `seq`: the view's
    /// columns as they are (texts, `votos` whole, times as ISO text), for
    /// [`copy::read`] to lay out, format and sort.
    fn new(
        cfg: &DbConfig,
        seq: u32,
        e: &crate::contract::catalog::Election,
    ) -> Result<ElectionRead, DbError> {
        // COPY takes no parameters: ids go into its text, so they must be plain keys.
        for id in std::iter::once(&e.id).chain(e.options.iter().map(|o| &o.column)) {
            if let Some(p) = plain_key_problem(id) {
                return Err(DbError::Data(format!(
                    "{}.elections / options: `{id}` is not a plain key: it {p}",
                    cfg.schema
                )));
            }
        }
        let mut columns = vec![
            "clave_casilla::text".to_string(),
            "tipo_acta::text".into(),
            "estado::text".into(),
            "votos::text[]".into(),
        ];
        let mut times = Vec::new();
        for name in TAIL_COLUMNS {
            let source = name.to_lowercase();
            if source.starts_with("fecha_hora_") {
                times.push(columns.len());
                columns.push(format!("{source}::timestamptz::text"));
            } else {
                columns.push(format!("{source}::text"));
            }
        }
        let header = HEAD_COLUMNS
            .iter()
            .map(|s| s.to_string())
            .chain(e.options.iter().map(|o| o.column.clone()))
            .chain(TAIL_COLUMNS.iter().map(|s| s.to_string()))
            .collect();
        Ok(ElectionRead {
            id: e.id.clone(),
            sql: format!(
                "COPY (SELECT {} FROM {} WHERE corte = {seq} AND election = {}) TO STDOUT WITH (FORMAT binary)",
                columns.join(", "),
                cfg.view("actas"),
                quote_literal(&e.id)
            ),
            at: format!("{}.actas, corte {seq}, election {}", cfg.schema, e.id),
            header,
            options: e.options.len(),
            times,
        })
    }

    /// The election's COPY, started on a connection in its open
    /// transaction, into CSV; with `keep`, its decoded rows too.
    async fn read(
        &self,
        started: Result<tokio_postgres::CopyOutStream, tokio_postgres::Error>,
        cfg: &DbConfig,
        keep: bool,
    ) -> Result<ElectionCsv, DbError> {
        let stream = started.map_err(|e| query(cfg, "actas", &e))?;
        // Into one buffer as it comes: the chunks are not held twice.
        let raw = stream
            .try_fold(Vec::new(), |mut raw, chunk| async move {
                raw.extend_from_slice(&chunk);
                Ok(raw)
            })
            .await
            .map_err(|e| query(cfg, "actas", &e))?;
        let this = self.clone();
        tokio::task::spawn_blocking(move || {
            let shape = Shape {
                at: this.at,
                header: this.header.iter().map(String::as_str).collect(),
                options: this.options,
                times: this.times,
            };
            let mut decoded = copy::read(&raw, &shape)?;
            drop(raw);
            let csv = std::mem::take(&mut decoded.csv);
            Ok((csv, keep.then_some(decoded)))
        })
        .await
        .map_err(|e| DbError::Data(format!("{}: {e}", self.at)))?
    }
}
