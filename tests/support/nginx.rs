//! Debian's nginx running `publish/nginx-cdn.conf`, for the CDN test
//! (`tests/cdn.rs`) and the load bench (`benches/load.rs`, which includes
//! this file by `#[path]`).
//!
//! The config is templated as its header says (origin, path prefix, a
//! temporary folder for the cache, logs and pid, a free loopback port) and
//! nginx is run in the foreground as one process (`daemon off;
//! master_process off;`) by whoever runs the tests, with that folder as its
//! prefix: no system service, no privileged port, nothing outside the
//! folder. It is killed when the handle is dropped.
//!
//! Found through `CORTE_NGINX`, then `PATH`, then `/usr/sbin/nginx`. Missing,
//! it fails with the command that installs it (scripts/test does): the CDN
//! tests never skip.

#![allow(dead_code)]

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const INSTALL: &str = "the CDN tests run Debian's nginx: `apt-get install nginx` \
(scripts/test installs it), or set CORTE_NGINX=/path/to/nginx";

/// The config as committed.
pub fn config_text() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("publish/nginx-cdn.conf");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn find() -> PathBuf {
    if let Some(p) = std::env::var_os("CORTE_NGINX") {
        return PathBuf::from(p);
    }
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    dirs.push(PathBuf::from("/usr/sbin"));
    for dir in dirs {
        let p = dir.join("nginx");
        if p.is_file() {
            return p;
        }
    }
    panic!("nginx not found: {INSTALL}");
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

pub struct Nginx {
    child: Option<Child>,
    pub addr: SocketAddr,
    pub dir: tempfile::TempDir,
}

impl Nginx {
    /// nginx on a free loopback port in front of `origin` (`host:port`),
    /// each key asked for at `prefix` + `/key` (`/bucket` for S3, `` for
    /// `corte serve`).
    pub fn start(origin: SocketAddr, prefix: &str) -> Nginx {
        Nginx::start_with(&find(), origin, prefix)
    }

    /// [`Nginx::start`] with the nginx at `exe`.
    pub fn start_with(exe: &Path, origin: SocketAddr, prefix: &str) -> Nginx {
        let dir = tempfile::tempdir().expect("a folder for nginx");
        let port = free_port();
        let conf = config_text()
            .replace("@ORIGIN@", &origin.to_string())
            .replace("@PREFIX@", prefix)
            .replace("@CACHE@", &dir.path().display().to_string())
            .replace("@PORT@", &port.to_string());
        assert!(!conf.contains('@'), "a placeholder left in the config");
        let conf_path = dir.path().join("nginx.conf");
        std::fs::write(&conf_path, conf).expect("the config is written");
        let err = std::fs::File::create(dir.path().join("stderr")).expect("a stderr file");
        let child = Command::new(exe)
            .arg("-p")
            .arg(dir.path())
            .arg("-e")
            .arg(dir.path().join("error.log"))
            .arg("-c")
            .arg(&conf_path)
            .args(["-g", "daemon off; master_process off;"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e} ({INSTALL})", exe.display()));
        let mut nginx = Nginx {
            child: Some(child),
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            dir,
        };
        nginx.wait_ready();
        nginx
    }

    fn wait_ready(&mut self) {
        let started = Instant::now();
        loop {
            if TcpStream::connect(self.addr).is_ok() {
                return;
            }
            let exited = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten());
            if exited.is_some() || started.elapsed() > Duration::from_secs(10) {
                panic!(
                    "nginx did not start on {} ({exited:?}):\n{}",
                    self.addr,
                    self.log()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// What nginx said on stderr and in its error log.
    pub fn log(&self) -> String {
        ["stderr", "error.log"]
            .iter()
            .map(|f| std::fs::read_to_string(self.dir.path().join(f)).unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n")
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn get(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        request(self.addr, "GET", path, headers)
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

pub use super::http::Reply;

/// One HTTP/1.0 request (so the answer is never chunked and ends with the
/// connection), the target on the request line as given.
pub fn request(addr: SocketAddr, method: &str, target: &str, headers: &[(&str, &str)]) -> Reply {
    super::http::send(addr, super::http::Version::Http10, method, target, headers)
}
