//! Tests that change the PostgreSQL server itself: each holds the server
//! alone ([`TestDb::changing_server`]) since it would cut or disturb the
//! other database tests' connections, which run in the same binary:
//!
//! - the server restarted mid-night: the source reconnects with backoff,
//!   shows it in `source.json`, and the night goes on with no corte skipped
//!   nor published twice;
//! - TLS: with `sslmode=require` corte speaks TLS (rustls) and verifies the
//!   server's certificate against the CA it is given, and refuses a server
//!   it cannot verify.

use std::time::{Duration, Instant};

use crate::support::postgres::{TestDb, restart_server};
use corte::cutover::{HistorySource, Publisher};
use corte::generator::{Config, Generator, Scale};
use corte::publish::{Options, TargetConfig};
use corte::site::Theme;
use corte::watch::database::DatabaseFeed;
use corte::watch::{WatchOptions, Watcher};

async fn wait_until(what: &str, timeout: Duration, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The snapshots status.json's recent attempts published, newest first.
fn published_in(status: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(status).unwrap_or_default();
    v["recent"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|a| a["outcome"] == "published")
        .filter_map(|a| a["snapshot"].as_str().map(String::from))
        .collect()
}

type Tasks = Vec<tokio::task::JoinHandle<()>>;

/// `corte watch --source` as the CLI wires it, over `state`, to `store`.
fn start(
    db: &TestDb,
    state: &std::path::Path,
    store: &std::path::Path,
) -> (tokio::sync::watch::Sender<bool>, Tasks) {
    let mut feed = DatabaseFeed::new(db.reader(), state.to_path_buf());
    feed.poll = Duration::from_secs(30);
    feed.retry = Duration::from_millis(200);
    feed.retry_max = Duration::from_secs(2);
    let mut opts = WatchOptions::new(feed.inbox.clone());
    opts.state = state.to_path_buf();
    opts.rescan = Duration::from_millis(200);
    let url = format!("file://{}", store.display());
    let publisher = Publisher {
        targets: vec![crate::support::stores::open(&TargetConfig::from_url(&url))],
        theme: Theme::embedded().unwrap(),
        key: None,
        ruleset: None,
        options: Options::default(),
        history: HistorySource::Folder(state.to_path_buf()),
        images: None,
        confirm: None,
    };
    let watcher = Watcher::new(publisher, opts).unwrap();
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let rx = shutdown.clone();
    let tasks = vec![
        tokio::spawn(async move { watcher.run(rx).await.unwrap() }),
        tokio::spawn(feed.run(shutdown)),
    ];
    (stop, tasks)
}

async fn stop(stop: tokio::sync::watch::Sender<bool>, tasks: Tasks) {
    let _ = stop.send(true);
    for t in tasks {
        t.await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_restarted_mid_night_loses_no_corte_and_publishes_none_twice() {
    let db = TestDb::changing_server("restart").await;
    let g = Generator::new(Config::new(Scale::Example, 3)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let store = dir.path().join("store");
    let (stop_first, tasks) = start(&db, &state, &store);
    let live = || {
        std::fs::read(store.join("latest.json"))
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .and_then(|l| l["seq"].as_u64())
            .unwrap_or(0)
    };
    let source = || std::fs::read_to_string(state.join("source.json")).unwrap_or_default();
    let snapshot = |seq| g.snapshot(seq).unwrap().validate().unwrap();

    let mut loader = db.loader().await;
    loader.write_corte(&snapshot(1)).await.unwrap();
    wait_until("corte 1 live", Duration::from_secs(60), || live() == 1).await;

    tokio::task::spawn_blocking(restart_server).await.unwrap();
    // The source saw its connection go and came back.
    wait_until("the source to reconnect", Duration::from_secs(60), || {
        let s = source();
        s.contains("\"reconnects\": 1") && s.contains("\"state\": \"connected\"")
    })
    .await;
    assert!(source().contains("\"last_error\": null"), "{}", source());
    // Corte 2 closes after the restart; its NOTIFY reaches the new LISTEN.
    let mut loader = db.loader().await.after(&snapshot(1));
    loader
        .write_corte(&snapshot(2))
        .await
        .expect("the server is back");
    wait_until("corte 2 live", Duration::from_secs(60), || live() == 2).await;

    let status = || std::fs::read_to_string(state.join("status.json")).unwrap_or_default();
    let published = || published_in(&status());
    // The pointer moves before the attempt is recorded.
    wait_until("corte 2 recorded", Duration::from_secs(10), || {
        published().len() >= 2
    })
    .await;
    assert_eq!(
        published(),
        ["cdmx-2024-ejemplo-00002", "cdmx-2024-ejemplo-00001"],
        "each corte published once: {}",
        status()
    );
    stop(stop_first, tasks).await;
    assert!(source().contains("\"state\": \"stopped\""), "{}", source());

    // Corte 3 closes while corte is down (its NOTIFY reaches no one): the
    // next start finds it, and reads nothing earlier again.
    loader.write_corte(&snapshot(3)).await.unwrap();
    let (stop_second, tasks) = start(&db, &state, &store);
    wait_until("corte 3 live", Duration::from_secs(60), || live() == 3).await;
    wait_until("corte 3 recorded", Duration::from_secs(10), || {
        !published_in(&status()).is_empty()
    })
    .await;
    stop(stop_second, tasks).await;
    let s = status();
    assert_eq!(published_in(&s), ["cdmx-2024-ejemplo-00003"], "{s}");
    assert!(
        !s.contains("00001") && !s.contains("00002"),
        "nothing earlier read again: {s}"
    );
    let mut done: Vec<String> = std::fs::read_dir(state.join("sealed/.done"))
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    done.sort();
    assert_eq!(
        done,
        [
            "cdmx-2024-ejemplo-00001",
            "cdmx-2024-ejemplo-00002",
            "cdmx-2024-ejemplo-00003"
        ]
    );
}

fn openssl(args: &[&str], dir: &std::path::Path) {
    let out = std::process::Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl (Debian's openssl package) makes the test certificates");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA, and a certificate for `localhost` signed by it, in `dir`.
fn certificates(dir: &std::path::Path) {
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let mut ca = vec![
        "req",
        "-x509",
        "-days",
        "2",
        "-subj",
        "/CN=corte test CA",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
    ];
    ca.extend(ec);
    openssl(&ca, dir);
    let mut csr = vec![
        "req",
        "-subj",
        "/CN=localhost",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
    ];
    csr.extend(ec);
    openssl(&csr, dir);
    std::fs::write(
        dir.join("san.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\n",
    )
    .unwrap();
    openssl(
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "san.ext",
            "-out",
            "server.crt",
        ],
        dir,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_sslmode_require_corte_speaks_tls_and_verifies_the_server() {
    use corte::source::postgres::{DbConfig, connect};
    let db = TestDb::changing_server("tls").await;
    let dir = tempfile::tempdir().unwrap();
    certificates(dir.path());
    // The certificate and key go into the server's data folder, owned by
    // its user with mode 0600, as PostgreSQL demands of a key (the test
    // runs as root under CI, or as the cluster's own user).
    let admin = connect(&db.admin).await.unwrap();
    let data: String = admin
        .client
        .query_one("SHOW data_directory", &[])
        .await
        .unwrap()
        .get(0);
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let owner = std::fs::metadata(&data).unwrap_or_else(|e| {
            panic!("{data}: {e} (the TLS test needs the server on this machine)")
        });
        for file in ["server.crt", "server.key"] {
            let to = std::path::Path::new(&data).join(format!("corte-test-{file}"));
            std::fs::copy(dir.path().join(file), &to).unwrap();
            std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o600)).unwrap();
            std::os::unix::fs::chown(&to, Some(owner.uid()), Some(owner.gid()))
                .unwrap_or_else(|e| panic!("{}: {e}", to.display()));
        }
    }
    // ALTER SYSTEM runs alone, never in a multi-statement batch.
    let set = [
        "ALTER SYSTEM SET ssl = on".to_string(),
        format!("ALTER SYSTEM SET ssl_cert_file = '{data}/corte-test-server.crt'"),
        format!("ALTER SYSTEM SET ssl_key_file = '{data}/corte-test-server.key'"),
        "SELECT pg_reload_conf()".to_string(),
    ];
    for sql in &set {
        admin
            .client
            .batch_execute(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;

    let url = format!("{}?sslmode=require", db.reader_url);
    let mut verified = DbConfig::new(url.clone());
    verified.ca_file = Some(dir.path().join("ca.crt"));
    let outcome = async {
        let conn = connect(&verified).await.map_err(|e| e.to_string())?;
        let row = conn
            .client
            .query_one(
                "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                &[],
            )
            .await
            .map_err(|e| e.to_string())?;
        let ssl: bool = row.get(0);
        let refused = match connect(&DbConfig::new(url.clone())).await {
            Err(e) => Some(e.to_string()),
            Ok(c) => {
                let row = c
                    .client
                    .query_one(
                        "SELECT ssl::text || ' ' || coalesce(issuer_dn, '') FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                        &[],
                    )
                    .await
                    .map_err(|e| e.to_string())?;
                let s: String = row.get(0);
                return Err(format!("connected without the CA: ssl {s}"));
            }
        };
        Ok::<_, String>((ssl, refused))
    }
    .await;
    // Put the server back before judging.
    for sql in [
        "ALTER SYSTEM RESET ssl_cert_file",
        "ALTER SYSTEM RESET ssl_key_file",
        "ALTER SYSTEM RESET ssl",
        "SELECT pg_reload_conf()",
    ] {
        admin.client.batch_execute(sql).await.unwrap();
    }
    let (ssl, refused) = outcome.expect("a TLS connection verified against the test CA");
    assert!(ssl, "the connection is encrypted");
    let refused = refused.expect("a server certificate from an unknown CA is refused");
    assert!(refused.contains("certificate"), "{refused}");
    assert!(!refused.contains(&db.reader_password), "{refused}");
}
