//! The backends every publish test runs against, as object_store's own
//! integration suite does: `memory://`, a `file://` folder, and a real
//! S3-compatible server (moto) that the tests start themselves; and the
//! publishers the cutover and watcher tests publish with.

use std::path::Path;
use std::sync::Arc;

use corte::cutover::{HistorySource, Publisher};
use corte::publish::config::{Settings, TargetConfig};
use corte::publish::faults::{Faults, FaultyStore};
use corte::publish::{Kind, Options, Progress, Step, Target, transfer};
use corte::published::manifest::stored_sha256;
use corte::published::{CachePolicy, Manifest};
use corte::site::Theme;
use object_store::ObjectStore;
use object_store::memory::InMemory;

use super::moto;

pub struct Backend {
    pub name: &'static str,
    kind: Kind,
    store: Arc<dyn ObjectStore>,
    pub url: String,
    pub dir: Option<tempfile::TempDir>,
}

/// Quick retries: the tests inject failures and must not sleep for long.
pub fn settings() -> Settings {
    Settings {
        concurrency: 8,
        retries: 8,
        retry_base_ms: 1,
        retry_max_ms: 20,
        http_retries: 1,
        timeout_secs: 20,
        ..Settings::default()
    }
}

impl Backend {
    pub fn memory() -> Backend {
        Backend {
            name: "memory",
            kind: Kind::Memory,
            store: Arc::new(InMemory::new()),
            url: "memory://".into(),
            dir: None,
        }
    }

    pub fn folder() -> Backend {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let url = url::Url::from_directory_path(dir.path())
            .expect("an absolute path")
            .to_string();
        let t = open(&TargetConfig::from_url(&url));
        Backend {
            name: "folder",
            kind: Kind::Local,
            store: t.store,
            url,
            dir: Some(dir),
        }
    }

    /// A fresh bucket on the shared moto server.
    pub fn s3() -> Backend {
        let server = moto::server();
        let bucket = server.new_bucket();
        let config = server.target_config(&bucket);
        let t = open(&config);
        Backend {
            name: "s3",
            kind: Kind::S3,
            store: t.store,
            url: config.url,
            dir: None,
        }
    }

    pub fn by_name(name: &str) -> Backend {
        match name {
            "memory" => Backend::memory(),
            "folder" => Backend::folder(),
            _ => Backend::s3(),
        }
    }

    /// A target on this backend's store.
    pub fn target(&self, name: &str) -> Target {
        self.wrap(name, self.store.clone())
    }

    /// A target whose store misbehaves as told.
    pub fn faulty(&self, name: &str, faults: Faults) -> (Target, Arc<FaultyStore>) {
        let f = Arc::new(FaultyStore::new(self.store.clone(), faults));
        (self.wrap(name, f.clone()), f)
    }

    fn wrap(&self, name: &str, store: Arc<dyn ObjectStore>) -> Target {
        let mut t = Target::new(name, store, self.kind);
        t.policy = corte::publish::Policy::from_settings(&settings());
        t.url = self.url.clone();
        t
    }
}

/// A `file://` target on `dir` with the default settings, as the commands
/// open one.
pub fn folder_target(dir: &Path) -> Target {
    Target::open(
        &TargetConfig::from_url(&format!("file://{}", dir.display())),
        &Default::default(),
        &Default::default(),
    )
    .unwrap_or_else(|e| panic!("opening {}: {e}", dir.display()))
}

/// A publisher to `targets` with the built-in theme, unsigned, by each
/// catalog's ruleset, without an image folder.
pub fn publisher(targets: Vec<Target>, options: Options, history: HistorySource) -> Publisher {
    Publisher {
        targets,
        theme: Theme::embedded().expect("the built-in theme loads"),
        key: None,
        ruleset: None,
        options,
        history,
        images: None,
        confirm: None,
    }
}

pub fn open(config: &TargetConfig) -> Target {
    Target::open(config, &settings(), &CachePolicy::default())
        .unwrap_or_else(|e| panic!("opening {}: {e}", config.url))
}

/// A progress display that asks for a shutdown when `step` begins, as a
/// SIGTERM arriving at that moment would. Pass the receiver as
/// `Options::stop` (or a cutover's `shutdown`).
pub struct ShutdownAt {
    step: Step,
    stop: tokio::sync::watch::Sender<bool>,
}

impl ShutdownAt {
    pub fn new(step: Step) -> (ShutdownAt, tokio::sync::watch::Receiver<bool>) {
        let (stop, rx) = tokio::sync::watch::channel(false);
        (ShutdownAt { step, stop }, rx)
    }
}

impl Progress for ShutdownAt {
    fn begin(&self, _target: &str, step: Step, _objects: u64, _bytes: u64) {
        if step == self.step {
            let _ = self.stop.send(true);
        }
    }
}

/// The stable tree holds exactly the stored bytes of `m`'s corte for every key.
pub async fn assert_stable_tree_is(t: &Target, m: &Manifest) {
    for (key, entry) in &m.files {
        let (bytes, _) = transfer::get(t, key)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{key} is missing at the root"));
        assert_eq!(
            corte::contract::sha256_hex(&bytes),
            stored_sha256(entry),
            "{key} at the root is not corte {}'s",
            m.corte.id
        );
    }
}
