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
//!
//! And one thing it does slowly: **overwriting**. The stable tree rewrites
//! every page at each corte. Renaming a staged file over an existing one
//! makes ext4 start writing the new data at once (`auto_da_alloc`) and free
//! the old file's blocks and inode; and after many inodes were freed, ext4's
//! inode allocator walks past the recently deleted ones (`recently_deleted`)
//! for every new file. Measured here (docs/publishing.md): a round of 20,000
//! page overwrites by rename takes 5.5–8 s, against 2.1 s for new files.
//!
//! So an overwrite stages the new bytes beside the file (`<name>#<n>`, a name
//! object_store's listing ignores) and *exchanges* the two names atomically
//! (`renameat2(RENAME_EXCHANGE)`, Linux): readers see the old bytes or the
//! new, never a missing or partial file, as with a rename. The old bytes'
//! inode, now under the staged name, is kept as the file's **spare**: the
//! next overwrite of that file writes into it in place (no inode or block
//! allocated, none freed) and exchanges again, so a page rewritten at every
//! corte alternates between two inodes (0.4–0.6 s a round in the same test).
//! A spare is reused only while it has one link (a hard link — object_store's
//! local `copy` — is never written into) and only for files up to
//! [`SPARE_MAX`]: a reader still holding the old inode open a whole corte
//! later would see it change, which is harmless for a page read in
//! milliseconds but not for a large dataset downloaded slowly, so larger
//! files' old bytes are unlinked by [`LocalStore::sweep`] instead, which the
//! publisher calls after the pointer flip. `Drop` removes the spares and
//! what is left to sweep. Where the exchange is not available (another OS, a
//! filesystem without it) it falls back to the plain rename.

use std::collections::HashMap;
use std::fs::File;
use std::io::Write;
use std::path::{Path as FsPath, PathBuf};
use std::sync::{Arc, Mutex};

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
    /// Old bytes of overwritten files, under their staged names, to unlink.
    retired: Arc<Mutex<Vec<PathBuf>>>,
    /// Per file, the hidden inode its next overwrite writes into.
    spares: Arc<Mutex<HashMap<PathBuf, PathBuf>>>,
}

/// The largest file whose old inode is kept and rewritten in place.
pub const SPARE_MAX: u64 = 1024 * 1024;

fn locked<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl LocalStore {
    /// `root` must exist.
    pub fn new(root: &FsPath) -> Result<LocalStore> {
        Ok(LocalStore {
            inner: Arc::new(LocalFileSystem::new_with_prefix(root)?.with_automatic_cleanup(true)),
            root: root.to_path_buf(),
            retired: Arc::default(),
            spares: Arc::default(),
        })
    }

    /// Unlinks the old bytes of every file overwritten since the last sweep
    /// and not kept as a spare (blocking; call it off the async workers).
    /// Returns how many.
    pub fn sweep(&self) -> usize {
        let paths = std::mem::take(&mut *locked(&self.retired));
        for p in &paths {
            // Already gone is fine; anything else leaves an invisible file.
            let _ = std::fs::remove_file(p);
        }
        paths.len()
    }

    /// Flushes everything written to the folder's filesystem to the disk
    /// (`syncfs` on Linux, `sync` elsewhere), so that nothing a later write
    /// refers to can be lost in a power cut while that write survives: the
    /// corte tree before its manifest (which says "complete"), the stable
    /// tree and the manifest before the pointer. Without it a crash of the
    /// machine (not of the process: the page cache survives that) could
    /// leave `latest.json` naming a corte whose files came back empty.
    pub fn barrier(&self) -> std::io::Result<()> {
        let dir = File::open(&self.root)?;
        #[cfg(target_os = "linux")]
        rustix::fs::syncfs(&dir)?;
        #[cfg(not(target_os = "linux"))]
        {
            drop(dir);
            rustix::fs::sync();
        }
        Ok(())
    }

    /// How many overwritten files' old bytes wait for [`LocalStore::sweep`].
    pub fn retired(&self) -> usize {
        locked(&self.retired).len()
    }

    /// How many files have a spare inode for their next overwrite.
    pub fn spares(&self) -> usize {
        locked(&self.spares).len()
    }

    async fn overwrite(&self, location: &Path, payload: PutPayload) -> Result<PutResult> {
        let dest = self.inner.path_to_filesystem(location)?;
        let (retired, spares) = (self.retired.clone(), self.spares.clone());
        tokio::task::spawn_blocking(move || {
            // Taken out of the pool while in use: no two writers share it.
            let spare = locked(&spares).remove(&dest);
            let (e_tag, old) = overwrite_file(&dest, &payload, spare)
                .map_err(|e| generic(format!("writing {}: {e}", dest.display())))?;
            match old {
                Old::None => {}
                Old::Spare(p) => {
                    // Two overwrites of one file at once: keep one spare.
                    let other = locked(&spares).insert(dest, p);
                    if let Some(other) = other {
                        locked(&retired).push(other);
                    }
                }
                Old::Retired(p) => locked(&retired).push(p),
            }
            Ok(PutResult {
                e_tag: Some(e_tag),
                version: None,
                extensions: Default::default(),
            })
        })
        .await
        .map_err(|e| generic(e.to_string()))?
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

impl Drop for LocalStore {
    fn drop(&mut self) {
        self.sweep();
        for (_, spare) in locked(&self.spares).drain() {
            let _ = std::fs::remove_file(spare);
        }
    }
}

/// What became of a file's old bytes after an overwrite.
enum Old {
    /// There were none (a new file, or no exchange on this system).
    None,
    /// Kept, under this hidden name, for the next overwrite to write into.
    Spare(PathBuf),
    /// Under this hidden name, to be unlinked by the sweep.
    Retired(PathBuf),
}

/// Writes `payload` to `dest`: into `spare` (the file's previous bytes'
/// inode, if it still has one link) or a new staged file beside it, then
/// exchanged with the existing file or renamed into place when there is
/// none. Returns the ETag `LocalFileSystem` gives the file and what became
/// of the old bytes.
fn overwrite_file(
    dest: &FsPath,
    payload: &PutPayload,
    spare: Option<PathBuf>,
) -> std::io::Result<(String, Old)> {
    let len = payload.content_length() as u64;
    let reusable = spare.and_then(|p| match reopen(&p, len) {
        Some(f) => Some((f, p)),
        None => {
            let _ = std::fs::remove_file(&p);
            None
        }
    });
    let (mut file, staged) = match reusable {
        Some(x) => x,
        None => stage(dest)?,
    };
    let written = payload
        .iter()
        .try_for_each(|chunk| file.write_all(chunk))
        .and_then(|()| file.set_len(len))
        .and_then(|()| file.metadata());
    drop(file);
    let finish = written.and_then(|meta| {
        let old = match exchange(&staged, dest)? {
            // The old bytes' inode, now under the staged name (reopen checks
            // it again before writing into it).
            Some(was) if spare_fits(&was, len) => Old::Spare(staged.clone()),
            Some(_) => Old::Retired(staged.clone()),
            None => {
                std::fs::rename(&staged, dest)?;
                Old::None
            }
        };
        Ok((etag(&meta), old))
    });
    if finish.is_err() {
        let _ = std::fs::remove_file(&staged);
    }
    finish
}

/// Opens a spare for writing from its start, if it still fits.
fn reopen(spare: &FsPath, len: u64) -> Option<File> {
    let file = File::options().write(true).open(spare).ok()?;
    spare_fits(&file.metadata().ok()?, len).then_some(file)
}

/// Whether the inode `meta` describes may be written into in place to hold
/// `len` new bytes: a regular file with one link, both sizes small.
fn spare_fits(meta: &std::fs::Metadata, len: u64) -> bool {
    meta.file_type().is_file() && links(meta) == 1 && meta.len() <= SPARE_MAX && len <= SPARE_MAX
}

#[cfg(unix)]
fn links(meta: &std::fs::Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::nlink(meta)
}

#[cfg(not(unix))]
fn links(_meta: &std::fs::Metadata) -> u64 {
    u64::MAX
}

/// Creates `<dest>#<n>` for the first free `n` (the staging names
/// `LocalFileSystem` uses and hides from listings), and `dest`'s folder.
fn stage(dest: &FsPath) -> std::io::Result<(File, PathBuf)> {
    let mut n: u32 = 1;
    loop {
        let mut name = dest.as_os_str().to_owned();
        name.push(format!("#{n}"));
        let path = PathBuf::from(name);
        match File::options().write(true).create_new(true).open(&path) {
            Ok(f) => return Ok((f, path)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => n += 1,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => match dest.parent() {
                Some(parent) if !parent.exists() => std::fs::create_dir_all(parent)?,
                _ => return Err(e),
            },
            Err(e) => return Err(e),
        }
    }
}

/// Atomically swaps `staged` and `dest` when `dest` is a regular file, and
/// returns what `dest` was (now `staged`'s). `None`: nothing to exchange
/// with (no file there, or no exchange on this system), so the caller renames.
#[cfg(target_os = "linux")]
fn exchange(staged: &FsPath, dest: &FsPath) -> std::io::Result<Option<std::fs::Metadata>> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    let was = match std::fs::symlink_metadata(dest) {
        Ok(m) if m.file_type().is_file() => m,
        _ => return Ok(None),
    };
    match renameat_with(CWD, staged, CWD, dest, RenameFlags::EXCHANGE) {
        Ok(()) => Ok(Some(was)),
        // Gone since the check, or a filesystem without RENAME_EXCHANGE.
        Err(rustix::io::Errno::NOENT | rustix::io::Errno::INVAL | rustix::io::Errno::NOSYS) => {
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_staged: &FsPath, _dest: &FsPath) -> std::io::Result<Option<std::fs::Metadata>> {
    Ok(None)
}

/// `LocalFileSystem`'s ETag: inode, mtime in microseconds and size, in hex.
fn etag(meta: &std::fs::Metadata) -> String {
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(meta);
    #[cfg(not(unix))]
    let inode = 0u64;
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::SystemTime::UNIX_EPOCH).ok())
        .unwrap_or_default()
        .as_micros();
    format!("\"{inode:x}-{mtime:x}-{:x}\"", meta.len())
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
            PutMode::Overwrite => self.overwrite(location, payload).await,
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
                self.overwrite(location, payload).await
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
    use futures::StreamExt;
    use object_store::UpdateVersion;

    #[tokio::test]
    async fn a_barrier_flushes_the_folder_and_fails_when_it_cannot() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("store");
        std::fs::create_dir(&root).unwrap();
        let store = LocalStore::new(&root).unwrap();
        store
            .put_opts(&Path::from("a.html"), "a".into(), PutMode::Create.into())
            .await
            .unwrap();
        store.barrier().unwrap();
        std::fs::remove_dir_all(&root).unwrap();
        let e = store.barrier().unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::NotFound, "{e}");
    }

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

    fn names(dir: &FsPath) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    fn read(p: &FsPath) -> Vec<u8> {
        std::fs::read(p).unwrap()
    }

    #[cfg(unix)]
    fn ino(p: &FsPath) -> u64 {
        std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(p).unwrap())
    }

    #[tokio::test]
    async fn an_overwrite_keeps_the_old_inode_as_the_next_ones_spare() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path()).unwrap();
        let p = Path::from("e/index.html");
        let file = dir.path().join("e/index.html");
        store.put(&p, "uno".into()).await.unwrap();
        assert_eq!((store.spares(), store.retired()), (0, 0), "a new file");
        let put = store.put(&p, "dos".into()).await.unwrap();
        assert_eq!(read(&file), b"dos");
        // The PutResult's ETag is the one head() reads, as LocalFileSystem's.
        assert_eq!(put.e_tag, store.head(&p).await.unwrap().e_tag);
        let listed: Vec<_> = store
            .list(None)
            .map(|m| m.unwrap().location.to_string())
            .collect()
            .await;
        assert_eq!(listed, vec!["e/index.html".to_string()]);
        if !cfg!(target_os = "linux") {
            return;
        }
        assert_eq!((store.spares(), store.retired()), (1, 0));
        let names = names(&dir.path().join("e"));
        assert_eq!(names.len(), 2, "{names:?}");
        let spare = dir.path().join("e").join(&names[1]);
        assert_eq!(read(&spare), b"uno", "the old bytes, hidden");
        #[cfg(unix)]
        {
            let (first, second) = (ino(&spare), ino(&file));
            // Longer, then shorter: the spare is written from its start and cut to length.
            store.put(&p, "tres, más largo".into()).await.unwrap();
            assert_eq!(read(&file), "tres, más largo".as_bytes());
            assert_eq!(ino(&file), first, "written into the spare");
            assert_eq!(ino(&spare), second);
            assert_eq!(read(&spare), b"dos");
            store.put(&p, "4".into()).await.unwrap();
            assert_eq!(read(&file), b"4");
            assert_eq!(ino(&file), second);
            let put = store.put(&p, "cinco".into()).await.unwrap();
            assert_eq!(put.e_tag, store.head(&p).await.unwrap().e_tag);
        }
        assert_eq!(self::names(&dir.path().join("e")).len(), 2);
        assert_eq!(store.sweep(), 0, "spares are kept, not swept");
        drop(store);
        assert_eq!(self::names(&dir.path().join("e")), vec!["index.html"]);
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn large_files_old_bytes_are_swept_and_a_linked_spare_is_never_written() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path()).unwrap();
        let big = Path::from("datos/grande.csv");
        let large = vec![b'x'; SPARE_MAX as usize + 1];
        store.put(&big, large.clone().into()).await.unwrap();
        store.put(&big, large.into()).await.unwrap();
        assert_eq!((store.spares(), store.retired()), (0, 1));
        assert_eq!(names(&dir.path().join("datos")).len(), 2);
        assert_eq!(store.sweep(), 1);
        assert_eq!(names(&dir.path().join("datos")), vec!["grande.csv"]);

        // A spare that gained a link (as a hard-linked copy would) keeps its bytes.
        let p = Path::from("a.html");
        store.put(&p, "a".into()).await.unwrap();
        store.put(&p, "b".into()).await.unwrap();
        let spare = names(dir.path())
            .into_iter()
            .find(|n| n.starts_with("a.html#"))
            .expect("a spare");
        std::fs::hard_link(dir.path().join(&spare), dir.path().join("copia.html")).unwrap();
        store.put(&p, "c".into()).await.unwrap();
        assert_eq!(read(&dir.path().join("copia.html")), b"a");
        assert_eq!(read(&dir.path().join("a.html")), b"c");
    }

    #[tokio::test]
    async fn dropping_the_store_removes_spares_and_what_is_left() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path()).unwrap();
        let (small, big) = (Path::from("a.html"), Path::from("b.csv"));
        let large = vec![b'y'; SPARE_MAX as usize + 1];
        for _ in 0..3 {
            store.put(&small, "1".into()).await.unwrap();
            store.put(&big, large.clone().into()).await.unwrap();
        }
        drop(store);
        assert_eq!(names(dir.path()), vec!["a.html", "b.csv"]);
    }

    #[tokio::test]
    async fn a_folder_in_the_way_is_an_error_and_stays() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("d/x")).unwrap();
        let store = LocalStore::new(dir.path()).unwrap();
        let err = store.put(&Path::from("d"), "x".into()).await;
        assert!(err.is_err());
        assert!(dir.path().join("d/x").is_dir());
        assert_eq!(names(dir.path()), vec!["d"], "no staged file left behind");
    }
}
