//! A target: one object store (a bucket and prefix, or a folder) that cortes
//! are published to, with its name for reports and its transfer policy.

use std::sync::Arc;
use std::time::Duration;

use object_store::memory::InMemory;
use object_store::prefix::PrefixStore;
use object_store::{BackoffConfig, ObjectStore, RetryConfig};

use super::config::{Config, Settings, TargetConfig, redact_url};
use super::error::{ErrorKind, PublishError, Step};
use super::local::LocalStore;
use super::objects::Known;
use crate::published::CachePolicy;

/// What kind of store is behind a target: it decides how an object already
/// there is recognised (see `transfer::Presence`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A folder: no object attributes; headers come from the manifests.
    Local,
    Memory,
    S3,
    Gcs,
    Azure,
}

impl Kind {
    /// Whether the store keeps Content-Type, Cache-Control, … and metadata.
    pub fn keeps_attributes(self) -> bool {
        self != Kind::Local
    }

    /// Whether a listed ETag of a single-part upload is the MD5 of its bytes.
    pub fn md5_etags(self) -> bool {
        matches!(self, Kind::S3 | Kind::Gcs)
    }
}

/// How objects move: bounded concurrency, retries with backoff, parts.
#[derive(Debug, Clone)]
pub struct Policy {
    pub concurrency: usize,
    pub retries: u32,
    pub retry_base: Duration,
    pub retry_max: Duration,
    pub multipart_threshold: u64,
    pub part_size: u64,
    /// The stable-tree lease's time to live (see `publish::lease`).
    pub lease_ttl: Duration,
}

impl Policy {
    pub fn from_settings(s: &Settings) -> Policy {
        Policy {
            concurrency: s.concurrency.max(1),
            retries: s.retries,
            retry_base: Duration::from_millis(s.retry_base_ms),
            retry_max: Duration::from_millis(s.retry_max_ms.max(s.retry_base_ms)),
            multipart_threshold: s.multipart_threshold_mib.saturating_mul(1 << 20),
            part_size: s.part_size_mib.max(5).saturating_mul(1 << 20),
            lease_ttl: Duration::from_secs(s.lease_secs.max(1)),
        }
    }
}

impl Default for Policy {
    fn default() -> Self {
        Policy::from_settings(&Settings::default())
    }
}

#[derive(Clone)]
pub struct Target {
    /// Name in reports and errors.
    pub name: String,
    /// The URL with any credentials removed.
    pub url: String,
    pub store: Arc<dyn ObjectStore>,
    pub kind: Kind,
    pub policy: Policy,
    pub cache: CachePolicy,
    /// The folder store behind `store` for a `file://` target, whose
    /// overwritten large files' old bytes are swept after the pointer flip.
    pub local: Option<Arc<LocalStore>>,
    /// The archive objects the target is known to hold, shared by the
    /// clones of this target (see `publish::objects`).
    pub known: Arc<Known>,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Target({} {})", self.name, self.url)
    }
}

impl Target {
    /// A target over a store the caller built (tests, wrappers).
    pub fn new(name: &str, store: Arc<dyn ObjectStore>, kind: Kind) -> Target {
        Target {
            name: name.to_string(),
            url: format!("{kind:?}"),
            store,
            kind,
            policy: Policy::default(),
            cache: CachePolicy::default(),
            local: None,
            known: Arc::default(),
        }
    }

    /// On a folder target, flushes what was written to the disk before a
    /// write that refers to it (`LocalStore::barrier`); nothing elsewhere
    /// (an object store has the object once the put is answered). A flush
    /// that fails means written bytes may not be on the disk: the step fails.
    pub async fn barrier(&self, step: Step, before: &str) -> Result<(), PublishError> {
        let Some(local) = &self.local else {
            return Ok(());
        };
        let local = local.clone();
        let t = std::time::Instant::now();
        let flushed = tokio::task::spawn_blocking(move || local.barrier())
            .await
            .map_err(std::io::Error::other)
            .and_then(|r| r);
        tracing::debug!(target = %self.name, before, ms = t.elapsed().as_millis() as u64, "folder flushed to the disk");
        flushed.map_err(|e| {
            self.err(
                step,
                ErrorKind::Invalid(format!(
                    "flushing the folder to the disk before writing {before} failed: {e}"
                )),
            )
        })
    }

    /// Unlinks the old bytes of files overwritten on a folder target
    /// (`LocalStore::sweep`); nothing elsewhere. Returns how many.
    pub async fn sweep(&self) -> usize {
        match &self.local {
            Some(local) => {
                let local = local.clone();
                tokio::task::spawn_blocking(move || local.sweep())
                    .await
                    .unwrap_or_default()
            }
            None => 0,
        }
    }

    /// Opens the targets named (or given by URL) in `to`; every configured
    /// target when `to` is empty.
    pub fn open_all(config: &Config, to: &[String]) -> Result<Vec<Target>, String> {
        config
            .select(to)?
            .iter()
            .map(|t| Target::open(t, &config.publish, &config.cache).map_err(|e| e.to_string()))
            .collect()
    }

    /// Opens a configured target.
    pub fn open(
        config: &TargetConfig,
        settings: &Settings,
        cache: &CachePolicy,
    ) -> Result<Target, PublishError> {
        let fail = |m: String| PublishError::new(&config.name, Step::Open, ErrorKind::Invalid(m));
        let url = url::Url::parse(&config.url)
            .map_err(|e| fail(format!("`{}` is not a URL: {e}", redact_url(&config.url))))?;
        let options = config.expanded_options().map_err(fail)?;
        let bucket = url.host_str().unwrap_or_default().to_string();
        let prefix = url.path().trim_matches('/').to_string();
        let retry = RetryConfig {
            backoff: BackoffConfig {
                init_backoff: Duration::from_millis(settings.retry_base_ms.max(1)),
                max_backoff: Duration::from_millis(settings.retry_max_ms.max(1)),
                base: 2.0,
            },
            max_retries: settings.http_retries,
            retry_timeout: Duration::from_secs(settings.timeout_secs.saturating_mul(4).max(1)),
        };
        // Set through the builders' config keys, not with_client_options,
        // which would replace what from_env read (AWS_ALLOW_HTTP, proxies…).
        let timeout = format!("{}s", settings.timeout_secs.max(1));
        let store_err = |e: object_store::Error| {
            PublishError::new(&config.name, Step::Open, ErrorKind::Store(e))
        };
        let mut local = None;
        let (store, kind): (Arc<dyn ObjectStore>, Kind) = match url.scheme() {
            "file" => {
                let path = url
                    .to_file_path()
                    .map_err(|_| fail(format!("`{}` is not a local path", config.url)))?;
                std::fs::create_dir_all(&path)
                    .map_err(|e| fail(format!("creating {}: {e}", path.display())))?;
                let store = Arc::new(LocalStore::new(&path).map_err(store_err)?);
                local = Some(store.clone());
                (store, Kind::Local)
            }
            "memory" => (Arc::new(InMemory::new()), Kind::Memory),
            "s3" | "s3a" => {
                let mut b = object_store::aws::AmazonS3Builder::from_env()
                    .with_bucket_name(&bucket)
                    .with_retry(retry)
                    .with_config("timeout".parse().map_err(store_err)?, &timeout);
                for (k, v) in &options {
                    b = b.with_config(k.parse().map_err(store_err)?, v);
                }
                (Arc::new(b.build().map_err(store_err)?), Kind::S3)
            }
            "gs" => {
                let mut b = object_store::gcp::GoogleCloudStorageBuilder::from_env()
                    .with_bucket_name(&bucket)
                    .with_retry(retry)
                    .with_config("timeout".parse().map_err(store_err)?, &timeout);
                for (k, v) in &options {
                    b = b.with_config(k.parse().map_err(store_err)?, v);
                }
                (Arc::new(b.build().map_err(store_err)?), Kind::Gcs)
            }
            "az" | "azure" => {
                let mut b = object_store::azure::MicrosoftAzureBuilder::from_env()
                    .with_container_name(&bucket)
                    .with_retry(retry)
                    .with_config("timeout".parse().map_err(store_err)?, &timeout);
                for (k, v) in &options {
                    b = b.with_config(k.parse().map_err(store_err)?, v);
                }
                (Arc::new(b.build().map_err(store_err)?), Kind::Azure)
            }
            other => {
                return Err(fail(format!(
                    "unknown scheme `{other}:`; use file://, s3://, gs://, az:// or memory://"
                )));
            }
        };
        let store: Arc<dyn ObjectStore> = if prefix.is_empty() || kind == Kind::Local {
            store
        } else {
            Arc::new(PrefixStore::new(store, prefix.as_str()))
        };
        let mut policy = Policy::from_settings(settings);
        if let Some(c) = config.concurrency {
            policy.concurrency = c.max(1);
        }
        Ok(Target {
            name: config.name.clone(),
            url: redact_url(&config.url),
            store,
            kind,
            policy,
            cache: cache.clone(),
            local,
            known: Arc::default(),
        })
    }

    pub fn err(&self, step: Step, kind: ErrorKind) -> PublishError {
        PublishError::new(&self.name, step, kind)
    }

    pub fn store_err(&self, step: Step, key: &str, e: object_store::Error) -> PublishError {
        PublishError::new(&self.name, step, ErrorKind::Store(e)).at(key)
    }
}
