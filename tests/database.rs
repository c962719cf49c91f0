//! The central database as a source, against a real PostgreSQL server
//! (tests/support/postgres.rs): the contract loads, a night written corte by
//! corte publishes through `corte watch`'s own loop, an open corte is never
//! read, a missed notification is caught by the poll, a bad corte is
//! rejected and named while the previous stays live, and what was sealed
//! re-renders to the published manifest — the same one the generator's
//! file snapshot of that corte renders to.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::support::postgres::TestDb;
use corte::contract::Snapshot;
use corte::cutover::{HistorySource, Publisher};
use corte::generator::{Config, Generator, Scale};
use corte::publish::{Options, Quiet, TargetConfig};
use corte::site::Theme;
use corte::source::postgres::{load, read};
use corte::watch::database::DatabaseFeed;
use corte::watch::{WatchOptions, Watcher};

fn night(cortes: u32) -> Generator {
    Generator::new(Config::new(Scale::Example, cortes))
        .expect("the example night (needs ../shared/data/real)")
}

fn snapshot(g: &Generator, seq: u32) -> Snapshot {
    g.snapshot(seq).unwrap().validate().unwrap()
}

fn publisher(store: &Path, state: &Path) -> Publisher {
    let url = format!("file://{}", store.display());
    Publisher {
        targets: vec![crate::support::stores::open(&TargetConfig::from_url(&url))],
        theme: Theme::embedded().unwrap(),
        key: None,
        ruleset: None,
        options: Options {
            delete_stale: true,
            ..Options::default()
        },
        history: HistorySource::Folder(state.to_path_buf()),
        images: None,
        confirm: None,
    }
}

/// `corte watch --source` as the CLI wires it: the feed and the watcher's loop.
struct Watching {
    _dir: tempfile::TempDir,
    state: PathBuf,
    store: PathBuf,
    stop: tokio::sync::watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Watching {
    fn start(db: &TestDb, poll: Duration) -> Watching {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        let store = dir.path().join("store");
        let mut feed = DatabaseFeed::new(db.reader(), state.clone());
        feed.poll = poll;
        feed.retry = Duration::from_millis(200);
        feed.retry_max = Duration::from_secs(2);
        let mut opts = WatchOptions::new(feed.inbox.clone());
        opts.state = state.clone();
        opts.rescan = Duration::from_millis(200);
        let watcher = Watcher::new(publisher(&store, &state), opts).unwrap();
        let (stop, shutdown) = tokio::sync::watch::channel(false);
        let rx = shutdown.clone();
        let tasks = vec![
            tokio::spawn(async move { watcher.run(rx).await.unwrap() }),
            tokio::spawn(feed.run(shutdown)),
        ];
        Watching {
            _dir: dir,
            state,
            store,
            stop,
            tasks,
        }
    }

    fn live_seq(&self) -> u64 {
        std::fs::read(self.store.join("latest.json"))
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .and_then(|l| l["seq"].as_u64())
            .unwrap_or(0)
    }

    async fn wait_live(&self, seq: u64) {
        wait_until(
            &format!("corte {seq} live"),
            Duration::from_secs(90),
            || self.live_seq() == seq,
        )
        .await;
    }

    fn shelf(&self, shelf: &str) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.state.join("sealed").join(shelf))
            .map(|d| {
                d.filter_map(Result::ok)
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }

    fn file(&self, name: &str) -> String {
        std::fs::read_to_string(self.state.join(name)).unwrap_or_default()
    }

    async fn stop(self) -> (PathBuf, tempfile::TempDir) {
        let _ = self.stop.send(true);
        for t in self.tasks {
            t.await.unwrap();
        }
        (self.state, self._dir)
    }
}

async fn wait_until(what: &str, timeout: Duration, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_contract_loads_and_a_corte_reads_back_as_the_generator_wrote_it() {
    let db = TestDb::new("contract").await;
    let g = night(2);
    let mut loader = db.loader().await;
    for seq in 1..=2 {
        loader.write_corte(&snapshot(&g, seq)).await.unwrap();
    }
    let mut conn = corte::source::postgres::connect(&db.reader())
        .await
        .unwrap();
    let read = read::corte(&mut conn.client, &db.reader(), 2)
        .await
        .unwrap();
    let file = g.snapshot(2).unwrap();
    assert_eq!(
        read.members["catalog.json"], file.members["catalog.json"],
        "the catalog read from the views is the generator's catalog.json, byte for byte"
    );
    assert_eq!(read.timestamp, file.timestamp);
    assert_eq!(read.process_id, file.process_id);
    let from_db = read.validate().unwrap();
    let from_file = file.validate().unwrap();
    for (e, election) in from_file.catalog.elections.iter().enumerate() {
        // The fields each read could get wrong, sorted alike.
        let fields = |actas: &[corte::contract::Acta]| {
            let mut f: Vec<_> = actas
                .iter()
                .map(|a| {
                    (
                        a.clave_casilla.clone(),
                        a.tipo_acta.clone(),
                        a.votos.clone(),
                        a.codigo_integridad.clone(),
                        a.verificacion,
                    )
                })
                .collect();
            f.sort_by(|x, y| format!("{x:?}").cmp(&format!("{y:?}")));
            f
        };
        let (a, b) = (fields(&from_db.actas[e]), fields(&from_file.actas[e]));
        assert_eq!(a, b, "{}: the same actas, field by field", election.id);
    }
    // Corte 1 still reads as corte 1: the view gives the actas as of each corte.
    let first = read::corte(&mut conn.client, &db.reader(), 1)
        .await
        .unwrap();
    let n = |s: &corte::contract::NewSnapshot| {
        s.validate()
            .unwrap()
            .actas
            .iter()
            .map(Vec::len)
            .sum::<usize>()
    };
    assert_eq!(n(&first), n(&g.snapshot(1).unwrap()));
    assert!(n(&first) < n(&read));
    // The role is read-only.
    let write = conn
        .client
        .batch_execute("DELETE FROM prep.corte")
        .await
        .unwrap_err();
    assert!(write.as_db_error().is_some(), "{write}");
    // An open corte is refused by name.
    let Err(missing) = read::corte(&mut conn.client, &db.reader(), 3).await else {
        panic!("corte 3 was never written, yet it was read");
    };
    assert!(missing.to_string().contains("no corte 3"), "{missing}");
}

/// corte lays out the actas CSV itself from a binary COPY: it must be what
/// the server's own CSV COPY of the contract's columns gives (the way corte
/// read them before), byte for byte, odd values included: quoting, empty
/// texts, fractions of seconds, offsets with seconds, `infinity`, a `votos`
/// array not starting at 1 or holding NULLs, and rows equal in their key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_actas_csv_is_what_the_servers_own_csv_copy_gives() {
    use corte::contract::acta::{HEAD_COLUMNS, TAIL_COLUMNS};
    use futures::TryStreamExt;
    let db = TestDb::new("bytes").await;
    let g = night(2);
    let mut loader = db.loader().await;
    for seq in 1..=2 {
        loader.write_corte(&snapshot(&g, seq)).await.unwrap();
    }
    // The k-th acta with votes (every one of them in corte 2's view).
    let row = |k: u32| {
        format!(
            "(SELECT id FROM prep.acta WHERE votos IS NOT NULL AND reemplazada_en IS NULL ORDER BY id OFFSET {k} LIMIT 1)"
        )
    };
    loader
        .client
        .batch_execute(&format!(
            "UPDATE prep.acta SET codigo_integridad = 'a,\"b\"' WHERE id = {r0};
             UPDATE prep.acta SET origen = '', tipo_documento = E'x\ny' WHERE id = {r1};
             UPDATE prep.acta SET fecha_hora_captura = '2024-06-02 18:19:49.987654-06',
                 fecha_hora_acopio = 'infinity', fecha_hora_verificacion = '1900-01-01 00:00:00'
                 WHERE id = {r2};
             UPDATE prep.acta SET votos = ('[0:' || (cardinality(votos) - 1) || ']=' || votos::text)::text[]
                 WHERE id = {r3};
             UPDATE prep.acta SET votos[2] = NULL, votos[3] = 'SIN DATO' WHERE id = {r4};
             INSERT INTO prep.acta (corte, eleccion, clave_casilla, tipo_acta, estado)
                 SELECT corte, eleccion, clave_casilla, tipo_acta, estado FROM prep.acta
                 WHERE id IN ({r0}, {r4});",
            r0 = row(0),
            r1 = row(1),
            r2 = row(2),
            r3 = row(3),
            r4 = row(4),
        ))
        .await
        .unwrap();
    let reader = db.reader();
    let mut conn = corte::source::postgres::connect(&reader).await.unwrap();
    let read = read::corte(&mut conn.client, &reader, 2).await.unwrap();
    let catalog = corte::contract::parse_catalog(&read.members["catalog.json"]).unwrap();

    let tx = conn.client.transaction().await.unwrap();
    tx.batch_execute(&format!(
        "SET LOCAL TIME ZONE '{}'",
        catalog.time_zone.replace('\'', "''")
    ))
    .await
    .unwrap();
    for e in &catalog.elections {
        let col = |expr: String, name: &str| format!("{expr} COLLATE \"C\" AS \"{name}\"");
        let mut columns: Vec<String> = ["clave_casilla", "tipo_acta", "estado"]
            .iter()
            .zip(HEAD_COLUMNS)
            .map(|(s, n)| col(format!("{s}::text"), n))
            .collect();
        for (i, o) in e.options.iter().enumerate() {
            columns.push(col(format!("votos[{}]::text", i + 1), &o.column));
        }
        for name in TAIL_COLUMNS {
            let source = name.to_lowercase();
            let expr = if source.starts_with("fecha_hora_") {
                format!("to_char({source}, 'YYYY-MM-DD\"T\"HH24:MI:SSTZH:TZM')")
            } else {
                format!("{source}::text")
            };
            columns.push(col(expr, name));
        }
        let order: Vec<String> = (1..=columns.len()).map(|i| i.to_string()).collect();
        let sql = format!(
            "COPY (SELECT {} FROM corte.actas WHERE corte = 2 AND election = '{}' ORDER BY {}) \
             TO STDOUT WITH (FORMAT csv, HEADER)",
            columns.join(", "),
            e.id,
            order.join(", ")
        );
        let chunks: Vec<bytes::Bytes> = tx
            .copy_out(&sql)
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        let server: Vec<u8> = chunks.concat();
        let ours = &read.members[&format!("actas/{}.csv", e.id)];
        if ours != &server {
            let (a, b) = (
                String::from_utf8_lossy(ours),
                String::from_utf8_lossy(&server),
            );
            let line = a.lines().zip(b.lines()).find(|(x, y)| x != y);
            panic!("actas/{}.csv differs from the server's CSV: {line:?}", e.id);
        }
    }
}

/// The read spreads over several connections (the catalog on one, the
/// actas on others); all read as of the one snapshot its transaction took.
/// Here the read is stopped at a lock after that snapshot is taken and
/// before the other connections start; a writer deletes actas and commits
/// meanwhile: the read still gives the corte as it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corte_read_on_several_connections_is_one_snapshot() {
    use corte::source::postgres::connect;
    let db = TestDb::new("snapshot").await;
    let g = night(2);
    let mut loader = db.loader().await;
    for seq in 1..=2 {
        loader.write_corte(&snapshot(&g, seq)).await.unwrap();
    }
    let reader = db.reader();
    let mut conn = connect(&reader).await.unwrap();
    let before = read::corte(&mut conn.client, &reader, 2).await.unwrap();

    let tx = loader.client.transaction().await.unwrap();
    tx.batch_execute("LOCK TABLE prep.partido IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    let reading = {
        let reader = reader.clone();
        tokio::spawn(async move { read::corte(&mut conn.client, &reader, 2).await })
    };
    // The read waits for the lock, its snapshot taken (it exports it first).
    let watch = connect(&db.admin).await.unwrap();
    let start = Instant::now();
    loop {
        let waiting: i64 = watch
            .client
            .query_one(
                "SELECT count(*) FROM pg_stat_activity \
                 WHERE datname = current_database() AND wait_event_type = 'Lock'",
                &[],
            )
            .await
            .unwrap()
            .get(0);
        if waiting > 0 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the read never waited for the lock"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tx.batch_execute("DELETE FROM prep.acta WHERE corte = 2")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let during = reading.await.unwrap().unwrap();
    assert!(
        during.members == before.members,
        "a read spread over connections gives the corte as of its one snapshot"
    );
    // A read begun now sees the deletion: the test could tell them apart.
    let mut conn = connect(&reader).await.unwrap();
    let after = read::corte(&mut conn.client, &reader, 2).await.unwrap();
    assert!(after.members != before.members);
    assert!(after.members["catalog.json"] == before.members["catalog.json"]);
}

/// Bad rows, each spoiled into corte 1 in turn (and put back), read and
/// validated as the source does: an error naming the view, or the corte's
/// actas file, the acta and the field; never a panic. Validated from the
/// decoded rows (`read::corte_validated`) or from the CSV they make, the
/// error is the same text: file, row, field, acta.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_rows_in_the_view_are_named_never_a_panic() {
    let db = TestDb::new("rows").await;
    let g = night(1);
    let mut loader = db.loader().await;
    loader.write_corte(&snapshot(&g, 1)).await.unwrap();
    let id: i64 = loader
        .client
        .query_one(
            "SELECT min(id) FROM prep.acta WHERE eleccion = 'GUB' AND estado = 'CAPTURADA'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    let clave: String = loader
        .client
        .query_one("SELECT clave_casilla FROM prep.acta WHERE id = $1", &[&id])
        .await
        .unwrap()
        .get(0);
    loader
        .client
        .batch_execute(&format!(
            "CREATE TABLE public.kept AS SELECT * FROM prep.acta WHERE id = {id}"
        ))
        .await
        .unwrap();
    let restore = format!(
        "DELETE FROM prep.acta WHERE id = {id} OR clave_casilla = '099999B0100'; \
         INSERT INTO prep.acta SELECT * FROM public.kept"
    );
    let reader = db.reader();
    let mut conn = corte::source::postgres::connect(&reader).await.unwrap();
    let cases: [(&str, &[&str]); 10] = [
        ("votos[1] = NULL", &["actas/GUB.csv", &clave, "is empty"]),
        (
            "votos[1] = '-5'",
            &["actas/GUB.csv", &clave, "`-5` is negative"],
        ),
        (
            "votos[1] = '4294967296'",
            &["actas/GUB.csv", &clave, "too large"],
        ),
        (
            "votos = votos || '1'::text",
            &["corte.actas, corte 1, election GUB", &clave, "votos has"],
        ),
        (
            "votos = ARRAY[ARRAY['1','2'],ARRAY['3','4']]",
            &["election GUB", &clave, "dimensions"],
        ),
        (
            "codigo_integridad = repeat('x', 5000000)",
            &["actas/GUB.csv", &clave, "CODIGO_INTEGRIDAD"],
        ),
        (
            "clave_casilla = '099999B0100'",
            &["actas/GUB.csv", "unknown casilla `099999B0100`"],
        ),
        // Quoted in the CSV, a line feed in it: the row is still named by
        // the line it starts on.
        (
            "codigo_integridad = E'a,\\nb\"c'",
            &["actas/GUB.csv", &clave, "CODIGO_INTEGRIDAD", "a,\nb\"c"],
        ),
        (
            "fecha_hora_acopio = '0044-03-15 00:00:00 BC'",
            &["actas/GUB.csv", &clave, "FECHA_HORA_ACOPIO"],
        ),
        (
            "estado = 'SIN_ACTA'",
            &["actas/GUB.csv", &clave, "sin-acta row carries no votes"],
        ),
    ];
    for (spoil, parts) in cases {
        loader
            .client
            .batch_execute(&format!("UPDATE prep.acta SET {spoil} WHERE id = {id}"))
            .await
            .unwrap();
        let err = match read::corte(&mut conn.client, &reader, 1).await {
            Err(e) => e.to_string(),
            Ok(read) => match read.validate() {
                Err(e) => e.to_string(),
                Ok(_) => panic!("{spoil}: the corte was accepted"),
            },
        };
        let from_rows = match read::corte_validated(&mut conn.client, &reader, 1).await {
            Err(e) => e.to_string(),
            Ok((_, validated)) => match validated {
                Err(e) => e.to_string(),
                Ok(_) => panic!("{spoil}: the corte was accepted from its rows"),
            },
        };
        assert_eq!(from_rows, err, "{spoil}: the same error either way");
        assert!(
            err.contains(" row ") || err.starts_with("corte.actas"),
            "{spoil}: the row is named: {err:.2000}"
        );
        for part in parts {
            assert!(
                err.contains(part),
                "{spoil}: the error names {part}: {err:.2000}"
            );
        }
        assert!(err.len() < 4096, "{spoil}: a bounded error: {err:.2000}");
        loader.client.batch_execute(&restore).await.unwrap();
    }
    // Put back, the corte reads and validates again, to the same snapshot
    // from its rows as from its CSV.
    let read = read::corte(&mut conn.client, &reader, 1).await.unwrap();
    let from_csv = read.validate().unwrap();
    let (members, from_rows) = read::corte_validated(&mut conn.client, &reader, 1)
        .await
        .unwrap();
    let from_rows = from_rows.unwrap();
    assert!(members.members == read.members, "the same members");
    assert_eq!(from_rows.actas, from_csv.actas);
    assert_eq!(from_rows.corte, from_csv.corte);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_night_from_the_database_publishes_each_corte_and_rerenders_to_the_same_manifest() {
    let db = TestDb::new("night").await;
    let g = night(3);
    let watching = Watching::start(&db, Duration::from_secs(30));
    let mut loader = db.loader().await;
    for seq in 1..=3 {
        loader.write_corte(&snapshot(&g, seq)).await.unwrap();
        // Woken by the NOTIFY: the poll is 30 s away.
        watching.wait_live(seq as u64).await;
    }
    // The pointer moves before the snapshot is shelved.
    wait_until("corte 3 shelved", Duration::from_secs(10), || {
        watching.shelf(".done").len() == 3
    })
    .await;
    assert_eq!(
        watching.shelf(".done"),
        [
            "cdmx-2024-ejemplo-00001",
            "cdmx-2024-ejemplo-00002",
            "cdmx-2024-ejemplo-00003"
        ]
    );
    let source = watching.file("source.json");
    assert!(source.contains("\"state\": \"connected\""), "{source}");
    let password = db.reader_password.clone();
    for file in ["source.json", "status.json"] {
        assert!(
            !watching.file(file).contains(&password),
            "{file} shows the password"
        );
    }
    let (state, _dir) = watching.stop().await;

    // The sealed snapshot is an ordinary one: it loads (every member's
    // SHA-256 checked) and re-renders to the manifest that was published.
    let sealed = state.join("sealed/.done/cdmx-2024-ejemplo-00003/cdmx-2024-ejemplo-00003");
    let published = std::fs::read(state.join("history/00003-20240602-2030.json")).unwrap();
    let rerender = |snapshot: Snapshot| {
        let state = state.clone();
        async move {
            let other = tempfile::tempdir().unwrap();
            let (_stop, shutdown) = tokio::sync::watch::channel(false);
            publisher(other.path(), &state)
                .cutover(Arc::new(snapshot), Arc::new(Quiet), &shutdown)
                .await
                .unwrap()
                .manifest_bytes
        }
    };
    let again = rerender(corte::source::load(&sealed).unwrap()).await;
    assert!(
        again == published,
        "the sealed corte re-renders to the published manifest"
    );
    // And the generator's file snapshot of the same corte renders the same
    // site, once its rows are in the database's order (by casilla key; the
    // verification page shows the first acta's image hash as its example).
    // Only the manifest's record of the snapshot's member hashes differs:
    // the rows are in another order, so the CSV bytes are others.
    let mut from_files = snapshot(&g, 3);
    for actas in &mut from_files.actas {
        actas.sort_by(|a, b| {
            let key = |x: &corte::contract::Acta| {
                (
                    x.clave_casilla.clone(),
                    x.tipo_acta.clone(),
                    x.estado.code(),
                    x.codigo_integridad.clone(),
                )
            };
            key(a).cmp(&key(b))
        });
    }
    let mut from_files =
        corte::published::Manifest::from_json(&rerender(from_files).await).unwrap();
    let mut published = corte::published::Manifest::from_json(&published).unwrap();
    assert_eq!(from_files.snapshot.len(), published.snapshot.len());
    from_files.snapshot.clear();
    published.snapshot.clear();
    let differ: Vec<&String> = from_files
        .files
        .keys()
        .filter(|k| from_files.files.get(*k) != published.files.get(*k))
        .collect();
    assert!(
        differ.is_empty(),
        "read from the database or from files, these differ: {differ:?}"
    );
    assert!(
        from_files == published,
        "read from the database or from files, the same manifest"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corte_being_written_in_an_open_transaction_is_not_read_until_it_closes() {
    let db = TestDb::new("open").await;
    let g = night(3);
    let watching = Watching::start(&db, Duration::from_millis(200));
    let mut loader = db.loader().await;
    let first = snapshot(&g, 1);
    loader.write_corte(&first).await.unwrap();
    watching.wait_live(1).await;

    let second = snapshot(&g, 2);
    let from: Vec<usize> = first.actas.iter().map(Vec::len).collect();
    let tx = loader.client.transaction().await.unwrap();
    load::write_actas(&tx, 2, &second, &from).await.unwrap();
    load::close_corte(&tx, &second.corte).await.unwrap();
    // Written and closed, but not committed: several polls see nothing.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(watching.live_seq(), 1);
    assert_eq!(watching.shelf(".done"), ["cdmx-2024-ejemplo-00001"]);
    assert!(
        !watching
            .state
            .join("sealed/cdmx-2024-ejemplo-00002")
            .exists()
    );
    tx.commit().await.unwrap();
    watching.wait_live(2).await;

    // Committed but still open (closed_at NULL): not read either.
    let tx = loader.client.transaction().await.unwrap();
    let third = snapshot(&g, 3);
    let from: Vec<usize> = second.actas.iter().map(Vec::len).collect();
    load::write_actas(&tx, 3, &third, &from).await.unwrap();
    tx.execute(
        "INSERT INTO prep.corte (seq, fecha_hora, final) VALUES (3, now(), true)",
        &[],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(watching.live_seq(), 2);
    loader
        .client
        .execute(
            "UPDATE prep.corte SET cerrado_en = now() WHERE seq = 3",
            &[],
        )
        .await
        .unwrap();
    watching.wait_live(3).await;
    watching.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missed_notification_is_caught_by_the_poll() {
    let db = TestDb::new("poll").await;
    let g = night(2);
    let watching = Watching::start(&db, Duration::from_secs(2));
    let mut loader = db.loader().await;
    loader.write_corte(&snapshot(&g, 1)).await.unwrap();
    watching.wait_live(1).await;
    // The closing corte sends nothing: as if the notification were lost.
    loader
        .client
        .batch_execute("ALTER TABLE prep.corte DISABLE TRIGGER corte_cerrado")
        .await
        .unwrap();
    loader.write_corte(&snapshot(&g, 2)).await.unwrap();
    watching.wait_live(2).await;
    watching.stop().await;
}

/// Writes corte `seq` with `spoil` (SQL) run before it closes.
async fn write_spoiled(
    loader: &mut load::Loader,
    g: &Generator,
    seq: u32,
    written: &mut Vec<usize>,
    spoil: &str,
) {
    let s = snapshot(g, seq);
    let tx = loader.client.transaction().await.unwrap();
    if seq == 1 {
        load::write_catalog(&tx, &s.catalog).await.unwrap();
    }
    load::write_actas(&tx, seq, &s, written).await.unwrap();
    tx.batch_execute(spoil).await.unwrap();
    load::close_corte(&tx, &s.corte).await.unwrap();
    tx.commit().await.unwrap();
    *written = s.actas.iter().map(Vec::len).collect();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corte_with_a_bad_row_is_rejected_and_named_while_the_previous_stays_live() {
    let db = TestDb::new("bad").await;
    let g = night(4);
    let watching = Watching::start(&db, Duration::from_millis(300));
    let mut loader = db.loader().await;
    let mut written = vec![0; 3];
    write_spoiled(&mut loader, &g, 1, &mut written, "").await;
    watching.wait_live(1).await;

    // Corte 2: an acta of Jefatura de Gobierno with negative votes for PAN.
    let bad = "(SELECT min(id) FROM prep.acta WHERE corte = 2 AND eleccion = 'GUB' AND estado = 'CAPTURADA')";
    write_spoiled(
        &mut loader,
        &g,
        2,
        &mut written,
        &format!("UPDATE prep.acta SET votos[1] = '-5' WHERE id = {bad}"),
    )
    .await;
    let status = || watching.file("status.json");
    wait_until("corte 2 rejected", Duration::from_secs(60), || {
        status().contains("\"outcome\": \"rejected\"")
    })
    .await;
    let (clave,): (String,) = {
        let row = loader
            .client
            .query_one(
                &format!("SELECT clave_casilla FROM prep.acta WHERE id = {bad}"),
                &[],
            )
            .await
            .unwrap();
        (row.get(0),)
    };
    let s = status();
    for part in [
        "cdmx-2024-ejemplo-00002",
        "actas/GUB.csv",
        "field PAN",
        "`-5` is negative",
        &clave,
    ] {
        assert!(s.contains(part), "status.json names {part}: {s}");
    }
    assert_eq!(watching.live_seq(), 1, "the previous corte stays live");
    assert!(
        watching
            .state
            .join("sealed/.rejected/cdmx-2024-ejemplo-00002/error.txt")
            .exists()
    );

    // Corte 3 corrects that acta (a new version from corte 3 on) but
    // registers an acta of a casilla the catalog does not have.
    write_spoiled(
        &mut loader,
        &g,
        3,
        &mut written,
        &format!(
            "INSERT INTO prep.acta (corte, eleccion, clave_casilla, tipo_acta, estado, votos, \
               total_votos_asentado, total_boletas_sobrantes, total_personas_votaron, \
               total_rep_partido_ci_votaron, total_votos_sacados, codigo_integridad, \
               mecanismos_traslado, fecha_hora_acopio, fecha_hora_captura, fecha_hora_verificacion, \
               origen, digitalizacion, tipo_documento) \
             SELECT 3, eleccion, clave_casilla, tipo_acta, estado, array_replace(votos, '-5', '5'), \
               total_votos_asentado, total_boletas_sobrantes, total_personas_votaron, \
               total_rep_partido_ci_votaron, total_votos_sacados, codigo_integridad, \
               mecanismos_traslado, fecha_hora_acopio, fecha_hora_captura, fecha_hora_verificacion, \
               origen, digitalizacion, tipo_documento FROM prep.acta WHERE id = {bad}; \
             UPDATE prep.acta SET reemplazada_en = 3 WHERE id = {bad}; \
             INSERT INTO prep.acta (corte, eleccion, clave_casilla, tipo_acta, estado, votos) \
             SELECT 3, eleccion, '099999B0100', tipo_acta, estado, votos FROM prep.acta \
               WHERE corte = 3 AND eleccion = 'ALC' AND estado = 'CAPTURADA' LIMIT 1;"
        ),
    )
    .await;
    wait_until("corte 3 rejected", Duration::from_secs(60), || {
        status().contains("unknown casilla `099999B0100`")
    })
    .await;
    let s = status();
    assert!(
        s.contains("cdmx-2024-ejemplo-00003") && s.contains("actas/ALC.csv"),
        "{s}"
    );
    assert_eq!(watching.live_seq(), 1);

    // Corte 4 drops the unknown acta: it publishes.
    write_spoiled(
        &mut loader,
        &g,
        4,
        &mut written,
        "UPDATE prep.acta SET reemplazada_en = 4 WHERE clave_casilla = '099999B0100'",
    )
    .await;
    watching.wait_live(4).await;
    assert_eq!(
        watching.shelf(".rejected"),
        ["cdmx-2024-ejemplo-00002", "cdmx-2024-ejemplo-00003"]
    );
    watching.stop().await;
}
