//! A folder as a target: object_store's `LocalFileSystem` (atomic writes by
//! staging and rename) with the two things it lacks for publishing.
//!
//! - **Attributes** are dropped: a folder has no per-file headers. Every
//!   object's Content-Type, Cache-Control and Content-Encoding are in the
//!   manifests, which is where `corte serve` (or an nginx map) reads them
//!   from; see docs/publishing.md.
//! - **Conditional puts** (`PutMode::Update`, which `LocalFileSystem` does not
//!   implement) are done under an exclusive `flock` on `.corte.lock` in the
//!   folder: compare the current ETag, then rename the new file in. The
//!   kernel drops the lock when a process dies, so a crash never wedges it.
//!   `PutMode::Create` takes the same lock, so the two never interleave.

use std::fs::File;
use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use futures::stream::BoxStream;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{
    Attributes, CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta,
    ObjectStore, ObjectStoreExt, PutMode, PutMultipartOptions, PutOptions, PutPayload, PutResult,
    RenameOptions, Result,
};

pub const LOCK_FILE: &str = ".corte.lock";

#[derive(Debug)]
pub struct LocalStore {
    inner: Arc<LocalFileSystem>,
    root: PathBuf,
}

impl LocalStore {
    /// `root` must exist.
    pub fn new(root: &FsPath) -> Result<LocalStore> {
        Ok(LocalStore {
            inner: Arc::new(LocalFileSystem::new_with_prefix(root)?.with_automatic_cleanup(true)),
            root: root.to_path_buf(),
        })
    }

    /// Takes the folder's exclusive lock; it is released when the file drops.
    async fn lock(&self) -> Result<File> {
        let lock_path = self.root.join(LOCK_FILE);
        tokio::task::spawn_blocking(move || -> std::io::Result<File> {
            let file = File::options()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&lock_path)?;
            file.lock()?;
            Ok(file)
        })
        .await
        .map_err(|e| generic(e.to_string()))?
        .map_err(|e| generic(format!("locking {LOCK_FILE}: {e}")))
    }
}

fn generic(message: String) -> object_store::Error {
    object_store::Error::Generic {
        store: "LocalStore",
        source: message.into(),
    }
}

impl std::fmt::Display for LocalStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LocalStore({})", self.root.display())
    }
}

#[async_trait]
impl ObjectStore for LocalStore {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> Result<PutResult> {
        let opts = PutOptions {
            attributes: Attributes::new(),
            ..opts
        };
        match opts.mode.clone() {
            PutMode::Overwrite => self.inner.put_opts(location, payload, opts).await,
            PutMode::Create => {
                let _lock = self.lock().await?;
                self.inner.put_opts(location, payload, opts).await
            }
            PutMode::Update(version) => {
                let _lock = self.lock().await?;
                let current = self.inner.head(location).await?;
                if current.e_tag != version.e_tag {
                    return Err(object_store::Error::Precondition {
                        path: location.to_string(),
                        source: format!(
                            "ETag is {:?}, expected {:?}",
                            current.e_tag, version.e_tag
                        )
                        .into(),
                    });
                }
                let opts = PutOptions {
                    mode: PutMode::Overwrite,
                    ..opts
                };
                self.inner.put_opts(location, payload, opts).await
            }
        }
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> Result<Box<dyn MultipartUpload>> {
        let opts = PutMultipartOptions {
            attributes: Attributes::new(),
            ..opts
        };
        self.inner.put_multipart_opts(location, opts).await
    }

    async fn get_opts(&self, location: &Path, options: GetOptions) -> Result<GetResult> {
        self.inner.get_opts(location, options).await
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, Result<Path>>,
    ) -> BoxStream<'static, Result<Path>> {
        self.inner.delete_stream(locations)
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, Result<ObjectMeta>> {
        self.inner.list(prefix)
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> Result<ListResult> {
        self.inner.list_with_delimiter(prefix).await
    }

    async fn copy_opts(&self, from: &Path, to: &Path, options: CopyOptions) -> Result<()> {
        self.inner.copy_opts(from, to, options).await
    }

    async fn rename_opts(&self, from: &Path, to: &Path, options: RenameOptions) -> Result<()> {
        self.inner.rename_opts(from, to, options).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use object_store::UpdateVersion;

    #[tokio::test]
    async fn update_is_conditional_on_the_etag() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path()).unwrap();
        let p = Path::from("latest.json");
        let first = store
            .put_opts(&p, "1".into(), PutMode::Create.into())
            .await
            .unwrap();
        let again = store.put_opts(&p, "x".into(), PutMode::Create.into()).await;
        assert!(matches!(
            again,
            Err(object_store::Error::AlreadyExists { .. })
        ));
        let second = store
            .put_opts(
                &p,
                "22".into(),
                PutMode::Update(first.clone().into()).into(),
            )
            .await
            .unwrap();
        let stale = store
            .put_opts(&p, "333".into(), PutMode::Update(first.into()).into())
            .await;
        assert!(matches!(
            stale,
            Err(object_store::Error::Precondition { .. })
        ));
        let v: UpdateVersion = second.into();
        store
            .put_opts(&p, "4444".into(), PutMode::Update(v).into())
            .await
            .unwrap();
        let got = store.get(&p).await.unwrap().bytes().await.unwrap();
        assert_eq!(&got[..], b"4444");
    }

    #[tokio::test]
    async fn attributes_are_dropped_not_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path()).unwrap();
        let mut attrs = Attributes::new();
        attrs.insert(object_store::Attribute::ContentType, "text/html".into());
        store
            .put_opts(&Path::from("a/b.html"), "<p>".into(), attrs.into())
            .await
            .unwrap();
        assert!(dir.path().join("a/b.html").exists());
    }
}
