use std::net::{IpAddr, SocketAddr};
use std::path::Path;

use anyhow::{Context, bail};

use super::targets::{self, Common};
use crate::publish::pointer;

#[derive(clap::Args)]
pub struct Args {
    /// The store: a folder published to, a target URL (file://…, s3://bucket/prefix,
    /// gs://…, az://…) or the name of a [[target]] in corte.toml.
    pub store: String,
    /// Port to listen on; 0 picks a free one (printed).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Address to listen on; 0.0.0.0 serves other machines too.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// Log one line per request (RUST_LOG, when set, decides instead).
    #[arg(long, short)]
    pub verbose: bool,
    #[command(flatten)]
    pub common: Common,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let config = args.common.config()?;
    let store = store_url(&config, &args.store)?;
    let target = targets::open_one(&config, &store)?;
    let rt = targets::runtime()?;
    rt.block_on(async {
        let live = pointer::read(&target)
            .await
            .with_context(|| format!("reading {}", target.url))?;
        let (addr, handle) =
            crate::serve::start(target.clone(), SocketAddr::new(args.host, args.port))
                .await
                .with_context(|| format!("listening on {}:{}", args.host, args.port))?;
        match live {
            Some((p, _)) => println!("{}: live corte {} (seq {})", target.url, p.corte, p.seq),
            None => println!(
                "{}: nothing published yet (the stable tree answers 404)",
                target.url
            ),
        }
        println!("serving http://{addr}/");
        handle.wait().await;
        Ok(())
    })
}

/// A configured target's name or URL as is; a folder as its `file://` URL.
/// A folder must exist: serving never creates one.
fn store_url(config: &crate::publish::Config, store: &str) -> anyhow::Result<String> {
    if config.targets.iter().any(|t| t.name == store) {
        return Ok(store.to_string());
    }
    let path = if store.contains("://") {
        let url = url::Url::parse(store).with_context(|| format!("`{store}` is not a URL"))?;
        if url.scheme() != "file" {
            return Ok(store.to_string());
        }
        url.to_file_path()
            .map_err(|_| anyhow::anyhow!("`{store}` is not a local path"))?
    } else {
        Path::new(store).to_path_buf()
    };
    if !path.is_dir() {
        bail!(
            "{} is not a folder: give the folder a corte was published to (or an s3://… URL)",
            path.display()
        );
    }
    let path = path
        .canonicalize()
        .with_context(|| format!("resolving {}", path.display()))?;
    url::Url::from_directory_path(&path)
        .map(String::from)
        .map_err(|_| anyhow::anyhow!("{} cannot be a file:// URL", path.display()))
}
