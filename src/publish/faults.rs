//! A store that misbehaves on purpose, for tests: it wraps another store as
//! object_store's `ThrottledStore` does, and can add latency to every call,
//! fail a share of puts (before they land, or after they land with the
//! answer lost), and "stop the process" after a number of writes — every
//! later call fails, as if the publisher had died between two steps. It
//! also keeps a log of the keys written and deleted, so a test can check
//! exactly what a publish wrote.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    PutMultipartOptions, PutOptions, PutPayload, PutResult, RenameOptions, Result,
};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Added before every call.
    pub latency: Duration,
    /// Share of puts (0.0–1.0) that fail before reaching the store.
    pub fail_puts: f64,
    /// Share of puts that land but whose answer is lost (the caller sees an error).
    pub lose_answers: f64,
    /// After this many successful writes, every call fails.
    pub stop_after_writes: Option<u64>,
    pub seed: u64,
}

#[derive(Debug)]
struct State {
    faults: Faults,
    rng: Mutex<ChaCha8Rng>,
    writes: AtomicU64,
    stopped: AtomicBool,
    injected: AtomicU64,
    /// Keys written (puts, copies' and renames' destinations) and deleted,
    /// in the order they landed.
    log: Mutex<Log>,
}

/// What landed on the inner store.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Log {
    pub written: Vec<String>,
    pub deleted: Vec<String>,
}

#[derive(Debug)]
pub struct FaultyStore {
    inner: Arc<dyn ObjectStore>,
    state: Arc<State>,
}

fn injected(what: &str) -> object_store::Error {
    object_store::Error::Generic {
        store: "FaultyStore",
        source: what.to_string().into(),
    }
}

impl State {
    fn roll(&self, p: f64) -> bool {
        p > 0.0 && self.rng.lock().is_ok_and(|mut r| r.random_bool(p.min(1.0)))
    }

    async fn before_call(&self) -> Result<()> {
        if !self.faults.latency.is_zero() {
            tokio::time::sleep(self.faults.latency).await;
        }
        if self.stopped.load(Ordering::SeqCst) {
            return Err(injected("the publisher stopped (injected)"));
        }
        Ok(())
    }

    /// Whether the next write may happen.
    fn before_write(&self) -> Result<()> {
        if let Some(limit) = self.faults.stop_after_writes
            && self.writes.load(Ordering::SeqCst) >= limit
        {
            self.stopped.store(true, Ordering::SeqCst);
            return Err(injected("the publisher stopped (injected)"));
        }
        Ok(())
    }

    fn wrote(&self, location: &Path) {
        self.writes.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut log) = self.log.lock() {
            log.written.push(location.to_string());
        }
    }

    fn deleted(&self, location: &Path) {
        self.writes.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut log) = self.log.lock() {
            log.deleted.push(location.to_string());
        }
    }
}

impl FaultyStore {
    pub fn new(inner: Arc<dyn ObjectStore>, faults: Faults) -> FaultyStore {
        let rng = Mutex::new(ChaCha8Rng::seed_from_u64(faults.seed));
        FaultyStore {
            inner,
            state: Arc::new(State {
                faults,
                rng,
                writes: AtomicU64::new(0),
                stopped: AtomicBool::new(false),
                injected: AtomicU64::new(0),
                log: Mutex::default(),
            }),
        }
    }

    /// Writes that reached the inner store.
    pub fn writes(&self) -> u64 {
        self.state.writes.load(Ordering::SeqCst)
    }

    /// Whether the simulated stop happened.
    pub fn stopped(&self) -> bool {
        self.state.stopped.load(Ordering::SeqCst)
    }

    /// Failures injected into puts so far.
    pub fn injected(&self) -> u64 {
        self.state.injected.load(Ordering::SeqCst)
    }

    /// The keys written and deleted since the last call, and a fresh log.
    pub fn take_log(&self) -> Log {
        self.state
            .log
            .lock()
            .map(|mut l| std::mem::take(&mut *l))
            .unwrap_or_default()
    }
}

impl std::fmt::Display for FaultyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FaultyStore({})", self.inner)
    }
}

#[async_trait]
impl ObjectStore for FaultyStore {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> Result<PutResult> {
        let s = &self.state;
        s.before_call().await?;
        s.before_write()?;
        if s.roll(s.faults.fail_puts) {
            s.injected.fetch_add(1, Ordering::SeqCst);
            return Err(injected("503 Slow Down (injected)"));
        }
        let r = self.inner.put_opts(location, payload, opts).await?;
        s.wrote(location);
        if s.roll(s.faults.lose_answers) {
            s.injected.fetch_add(1, Ordering::SeqCst);
            return Err(injected("connection reset after the put landed (injected)"));
        }
        Ok(r)
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> Result<Box<dyn MultipartUpload>> {
        self.state.before_call().await?;
        self.state.before_write()?;
        let r = self.inner.put_multipart_opts(location, opts).await?;
        self.state.wrote(location);
        Ok(r)
    }

    async fn get_opts(&self, location: &Path, options: GetOptions) -> Result<GetResult> {
        self.state.before_call().await?;
        self.inner.get_opts(location, options).await
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, Result<Path>>,
    ) -> BoxStream<'static, Result<Path>> {
        let inner = self.inner.clone();
        let state = self.state.clone();
        locations
            .then(move |loc| {
                let inner = inner.clone();
                let state = state.clone();
                async move {
                    let loc = loc?;
                    state.before_call().await?;
                    state.before_write()?;
                    let one = futures::stream::once(async move { Ok(loc) }).boxed();
                    let done: Vec<Path> = inner.delete_stream(one).try_collect().await?;
                    if let Some(gone) = done.first() {
                        state.deleted(gone);
                    }
                    done.into_iter()
                        .next()
                        .ok_or_else(|| injected("delete returned nothing"))
                }
            })
            .boxed()
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, Result<ObjectMeta>> {
        if self.state.stopped.load(Ordering::SeqCst) {
            return futures::stream::once(async {
                Err(injected("the publisher stopped (injected)"))
            })
            .boxed();
        }
        self.inner.list(prefix)
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> Result<ListResult> {
        self.state.before_call().await?;
        self.inner.list_with_delimiter(prefix).await
    }

    async fn copy_opts(&self, from: &Path, to: &Path, options: CopyOptions) -> Result<()> {
        self.state.before_call().await?;
        self.state.before_write()?;
        self.inner.copy_opts(from, to, options).await?;
        self.state.wrote(to);
        Ok(())
    }

    async fn rename_opts(&self, from: &Path, to: &Path, options: RenameOptions) -> Result<()> {
        self.state.before_call().await?;
        self.state.before_write()?;
        self.inner.rename_opts(from, to, options).await?;
        self.state.wrote(to);
        Ok(())
    }
}
