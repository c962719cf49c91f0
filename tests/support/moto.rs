//! A moto S3 server for the tests, started once per test process on a free
//! port. Found through `CORTE_MOTO_SERVER` (the path of `moto_server`),
//! then `PATH`, then `./.venv/bin/moto_server`. Missing, it fails the tests
//! with the commands that install it: the S3 suite never skips silently.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use corte::publish::config::TargetConfig;

pub struct Moto {
    pub port: u16,
    buckets: AtomicU32,
}

const INSTALL: &str = "the S3 tests need moto's server: \
python3 -m venv .venv && .venv/bin/pip install 'moto[server]' \
(in the repository; or set CORTE_MOTO_SERVER=/path/to/moto_server)";

fn find() -> PathBuf {
    if let Some(p) = std::env::var_os("CORTE_MOTO_SERVER") {
        return PathBuf::from(p);
    }
    if let Some(paths) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&paths) {
            let p = dir.join("moto_server");
            if p.is_file() {
                return p;
            }
        }
    }
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/moto_server");
    if venv.is_file() {
        return venv;
    }
    panic!("moto_server not found: {INSTALL}");
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

pub fn server() -> &'static Moto {
    static SERVER: OnceLock<Moto> = OnceLock::new();
    SERVER.get_or_init(start)
}

fn start() -> Moto {
    let exe = find();
    let port = free_port();
    // Spawned from a thread that lives as long as the process, with
    // PR_SET_PDEATHSIG: the server dies with the test process.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut cmd = Command::new(&exe);
        cmd.args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        #[cfg(target_os = "linux")]
        unsafe {
            use std::os::unix::process::CommandExt;
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let child = cmd.spawn();
        let ok = child.is_ok();
        let _ = tx.send(child.map_err(|e| format!("starting {}: {e}: {INSTALL}", exe.display())));
        if ok {
            loop {
                std::thread::park();
            }
        }
    });
    let child = rx
        .recv()
        .expect("the moto starter thread answers")
        .unwrap_or_else(|e| panic!("{e}"));
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "moto_server (pid {}) did not listen on port {port} within 60 s",
            child.id()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    std::mem::forget(child);
    Moto {
        port,
        buckets: AtomicU32::new(0),
    }
}

impl Moto {
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Creates a bucket with a name unique to this process.
    pub fn new_bucket(&self) -> String {
        let n = self.buckets.fetch_add(1, Ordering::SeqCst);
        let name = format!("corte-{}-{n}", std::process::id());
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).expect("moto answers");
        write!(
            s,
            "PUT /{name} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.port
        )
        .expect("sending CreateBucket");
        let mut answer = String::new();
        let _ = s.read_to_string(&mut answer);
        assert!(
            answer.starts_with("HTTP/1.1 200") || answer.starts_with("HTTP/1.0 200"),
            "creating bucket {name}: {answer}"
        );
        name
    }

    pub fn target_config(&self, bucket: &str) -> TargetConfig {
        local_s3_config(&self.endpoint(), bucket)
    }
}

/// A bucket on a local S3 server over plain HTTP, with the test credentials
/// (`testing`/`testing`).
pub fn local_s3_config(endpoint: &str, bucket: &str) -> TargetConfig {
    let mut c = TargetConfig::from_url(&format!("s3://{bucket}"));
    for (k, v) in [
        ("endpoint", endpoint),
        ("region", "us-east-1"),
        ("access_key_id", "testing"),
        ("secret_access_key", "testing"),
        ("allow_http", "true"),
    ] {
        c.options.insert(k.to_string(), v.to_string());
    }
    c
}
