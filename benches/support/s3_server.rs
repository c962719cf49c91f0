//! The local S3 server of the benches that publish to S3: moto (what the
//! tests use; one Python process, a few hundred PUTs/s) or s3s-fs (a Rust
//! server writing real files, found through `CORTE_S3S_FS` or `PATH`;
//! TECH-NOTES.md says how to install it), which keeps up far better on the
//! same two cores. An s3s-fs server dies with the bench and its folder is
//! removed when the `S3Server` is dropped.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use corte::publish::TargetConfig;

use super::moto;

fn fail(message: &str) -> ! {
    eprintln!("s3 server: {message}");
    std::process::exit(1);
}

/// A local S3 server for a bench.
pub enum S3Server {
    Moto(&'static moto::Moto),
    /// s3s-fs on a port, storing under `root`; a bucket is a folder there.
    S3sFs {
        port: u16,
        root: PathBuf,
        buckets: u32,
        _child: std::process::Child,
    },
}

impl S3Server {
    /// `moto` or `s3s-fs`.
    pub fn start(name: &str, repo: &Path) -> S3Server {
        if name == "moto" {
            return S3Server::Moto(moto::server());
        }
        let exe = std::env::var_os("CORTE_S3S_FS")
            .map(PathBuf::from)
            .or_else(|| {
                std::env::split_paths(&std::env::var_os("PATH")?)
                    .map(|d| d.join("s3s-fs"))
                    .find(|p| p.is_file())
            })
            .unwrap_or_else(|| {
                fail(
                    "s3s-fs not found (CORTE_S3S_FS or PATH): cargo install s3s-fs \
                     --version 0.14.1 --features binary --locked",
                )
            });
        let root = repo
            .join("target")
            .join("bench-data")
            .join(format!("s3s-fs-{}", std::process::id()));
        std::fs::create_dir_all(&root).unwrap_or_else(|e| fail(&format!("{e}")));
        let port = moto::free_port();
        let mut cmd = std::process::Command::new(&exe);
        cmd.args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--access-key", "testing", "--secret-key", "testing"])
            .arg(&root)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        // The server dies with the bench, even when it exits through fail().
        #[cfg(target_os = "linux")]
        unsafe {
            use std::os::unix::process::CommandExt;
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| fail(&format!("starting {}: {e}", exe.display())));
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                fail(&format!("s3s-fs did not listen on port {port} within 30 s"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        S3Server::S3sFs {
            port,
            root,
            buckets: 0,
            _child: child,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            S3Server::Moto(_) => "moto",
            S3Server::S3sFs { .. } => "s3s-fs",
        }
    }

    /// A fresh bucket's target.
    pub fn target_config(&mut self) -> TargetConfig {
        match self {
            S3Server::Moto(m) => m.target_config(&m.new_bucket()),
            S3Server::S3sFs {
                port,
                root,
                buckets,
                ..
            } => {
                *buckets += 1;
                let bucket = format!("corte-{buckets}");
                std::fs::create_dir_all(root.join(&bucket))
                    .unwrap_or_else(|e| fail(&format!("creating bucket {bucket}: {e}")));
                moto::local_s3_config(&format!("http://127.0.0.1:{port}"), &bucket)
            }
        }
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        if let S3Server::S3sFs { root, _child, .. } = self {
            let _ = _child.kill();
            let _ = _child.wait();
            let _ = std::fs::remove_dir_all(root);
        }
    }
}
