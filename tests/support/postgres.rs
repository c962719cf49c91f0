//! A real PostgreSQL server for the database tests: the one libpq's
//! environment names (`PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`).
//! `scripts/test` runs the tests inside `pg_virtualenv`, which starts a
//! throwaway cluster and sets them. Without a server the tests fail with
//! how to get one: they never skip.
//!
//! Each test gets a database of its own holding the example schema
//! (`data-contracts/central-db.sql`), and a login role in `corte_lector`
//! (read-only) with a password of its own, for the watcher.

use std::sync::atomic::{AtomicU32, Ordering};

use corte::source::postgres::{DbConfig, connect, load};

pub const NEEDS_SERVER: &str = "the database tests need a PostgreSQL server: run `scripts/test` \
(it installs PostgreSQL if missing and wraps the tests in pg_virtualenv), or run them inside \
`pg_virtualenv cargo test`, or point PGHOST, PGPORT, PGUSER and PGPASSWORD at a server where \
that user may create databases and roles";

pub struct TestDb {
    /// The owner's connection (creates, writes the night).
    pub admin: DbConfig,
    /// The read-only role's URL, password included, as an operator would give it.
    pub reader_url: String,
    pub reader_password: String,
    /// This test's hold on the server, for as long as the database is used.
    _server: Hold,
}

/// The integration tests are one binary whose tests run in parallel: a
/// test that restarts or reconfigures the server would cut every other
/// database test's connections mid-test (the night test then found its
/// source `disconnected`). So a test changing the server holds this
/// exclusively ([`TestDb::changing_server`]), and every other database test
/// holds it shared while its [`TestDb`] lives. One `TestDb` per test: a
/// test asking for a second while a writer waits would wait for ever.
static SERVER: tokio::sync::RwLock<()> = tokio::sync::RwLock::const_new(());

#[allow(dead_code)] // held, never read
enum Hold {
    Shared(tokio::sync::RwLockReadGuard<'static, ()>),
    Exclusive(tokio::sync::RwLockWriteGuard<'static, ()>),
}

static NEXT: AtomicU32 = AtomicU32::new(0);

fn admin_config(db: &str) -> DbConfig {
    let mut c = DbConfig::new(format!("postgres:///{db}"));
    c.application_name = "corte tests".into();
    c
}

/// The server's connection settings as the environment gives them (host, port).
fn server() -> (String, u16) {
    let c = admin_config("postgres")
        .pg_config()
        .unwrap_or_else(|e| panic!("{e}: {NEEDS_SERVER}"));
    let host = match c.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(h)) => h.clone(),
        _ => "localhost".into(),
    };
    (host, c.get_ports().first().copied().unwrap_or(5432))
}

impl TestDb {
    /// A fresh database with the example schema and a read-only login
    /// role, on a server no other test restarts meanwhile.
    pub async fn new(tag: &str) -> TestDb {
        TestDb::create(tag, Hold::Shared(SERVER.read().await)).await
    }

    /// [`TestDb::new`] for a test that restarts or reconfigures the server:
    /// it waits until no other database test runs, and holds them off.
    pub async fn changing_server(tag: &str) -> TestDb {
        TestDb::create(tag, Hold::Exclusive(SERVER.write().await)).await
    }

    async fn create(tag: &str, hold: Hold) -> TestDb {
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let name = format!("corte_{tag}_{}_{n}", std::process::id());
        let admin = connect(&admin_config("postgres"))
            .await
            .unwrap_or_else(|e| panic!("connecting to PostgreSQL: {e}\n{NEEDS_SERVER}"));
        admin
            .client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}\n{NEEDS_SERVER}"));
        let cfg = admin_config(&name);
        let conn = connect(&cfg).await.expect("the new database");
        load::create_example_schema(&conn.client, false)
            .await
            .expect("data-contracts/central-db.sql loads");
        let role = format!("{name}_lector");
        let password = format!("pw-{}-{n}-{}", std::process::id(), rand_suffix());
        conn.client
            .batch_execute(&format!(
                "CREATE ROLE {role} LOGIN PASSWORD '{password}' IN ROLE corte_lector; \
                 ALTER ROLE {role} SET default_transaction_read_only = on;"
            ))
            .await
            .expect("a read-only login role");
        let (host, port) = server();
        TestDb {
            reader_url: format!("postgres://{role}:{password}@{host}:{port}/{name}"),
            reader_password: password,
            admin: cfg,
            _server: hold,
        }
    }

    /// The watcher's view of it: the read-only role.
    pub fn reader(&self) -> DbConfig {
        let mut c = DbConfig::new(self.reader_url.clone());
        c.application_name = "corte watch (test)".into();
        c
    }

    pub async fn loader(&self) -> load::Loader {
        load::Loader::connect(&self.admin)
            .await
            .expect("loader connects")
    }
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() as u64)
        .unwrap_or(7)
}

/// Restarts the server the tests use: `CORTE_PG_RESTART` (a shell
/// command), or else the pg_virtualenv cluster `scripts/test` starts.
pub fn restart_server() {
    let command = std::env::var("CORTE_PG_RESTART").ok().or_else(|| {
        std::env::var("PGVERSION")
            .ok()
            .map(|v| format!("pg_ctlcluster {v} regress restart -m fast"))
    });
    let Some(command) = command else {
        panic!(
            "restarting PostgreSQL: not inside pg_virtualenv (no PGVERSION) and no CORTE_PG_RESTART command. {NEEDS_SERVER}"
        );
    };
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(&command)
        .status()
        .unwrap_or_else(|e| panic!("{command}: {e}"));
    assert!(status.success(), "{command}: {status}");
}
