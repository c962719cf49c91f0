//! A [`Publisher`] from what an operator gives: `corte.toml` (read, with
//! the environment and flags applied) and the flags of `corte publish`,
//! `corte watch` or `corte demo`. One call, the same for all three.

use std::path::{Path, PathBuf};

use super::Publisher;
use super::history::{HistorySource, IMAGES_RECORD};
use crate::publish::{Config, Options, Target, sign};
use crate::site::{SiteError, Theme};
use crate::source::SourceError;
use crate::source::images::ImageFolder;

/// What a publisher is made of.
#[derive(Debug, Clone, Default)]
pub struct Setup {
    /// `[publish]`, `[cache]` and `[[target]]`.
    pub config: Config,
    /// Target names or URLs; empty: every configured target.
    pub to: Vec<String>,
    /// A theme folder replacing the built-in one.
    pub theme: Option<PathBuf>,
    /// The signing key's file, over `[publish].signing_key`.
    pub signing_key: Option<PathBuf>,
    /// Publish unsigned (trials only).
    pub unsigned: bool,
    /// A built-in ruleset name or a TOML file, over the catalog's.
    pub ruleset: Option<String>,
    /// Keep stable-tree objects a new corte no longer has.
    pub keep_stale: bool,
    pub dry_run: bool,
    /// Publish a corte that a rollback withdrew.
    pub allow_withdrawn: bool,
    /// The state folder: earlier cortes are read from it and each published
    /// one recorded there, with the images chosen for it. Without one,
    /// earlier cortes come from the first target and nothing is recorded.
    pub state: Option<PathBuf>,
    /// The acta image folder; without one no image is published.
    pub images: Option<PathBuf>,
    /// The corte id an operator confirmed despite the sanity checks.
    pub confirm: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("{0}")]
    Targets(String),
    #[error(transparent)]
    ThemeFiles(#[from] SourceError),
    #[error(transparent)]
    Theme(#[from] SiteError),
    #[error("{0}")]
    SigningKey(String),
    #[error(
        "no signing key: give --signing-key FILE (make one with `corte keygen`), set [publish].signing_key or CORTE_SIGNING_KEY, or pass --unsigned"
    )]
    NoSigningKey,
    #[error("choosing the ruleset: {0}")]
    Ruleset(String),
}

impl Publisher {
    /// Opens the targets and loads the theme, the signing key and the
    /// ruleset, in that order (the first problem is the one reported).
    pub fn open(setup: &Setup) -> Result<Publisher, SetupError> {
        let targets = Target::open_all(&setup.config, &setup.to).map_err(SetupError::Targets)?;
        let theme = theme(setup.theme.as_deref())?;
        let key = signing_key(setup)?;
        let ruleset = setup
            .ruleset
            .as_deref()
            .map(crate::source::ruleset::from_arg)
            .transpose()
            .map_err(SetupError::Ruleset)?;
        let state = setup.state.as_ref();
        Ok(Publisher {
            targets,
            theme,
            key,
            ruleset,
            options: Options {
                dry_run: setup.dry_run,
                delete_stale: setup.config.publish.delete_stale && !setup.keep_stale,
                allow_withdrawn: setup.allow_withdrawn,
                rotate_key: false,
                reason: None,
                // The cutover sets it from the shutdown signal.
                stop: None,
            },
            history: match state {
                Some(dir) => HistorySource::Folder(dir.clone()),
                None => HistorySource::FirstTarget,
            },
            images: setup.images.as_ref().map(|dir| {
                let folder = ImageFolder::new(dir);
                match state {
                    Some(state) => folder.recording(state.join(IMAGES_RECORD)),
                    None => folder,
                }
            }),
            confirm: setup.confirm.clone(),
        })
    }
}

/// The theme of a folder, or the one built into corte.
pub fn theme(dir: Option<&Path>) -> Result<Theme, SetupError> {
    Ok(match dir {
        Some(dir) => {
            let files = crate::source::read_tree(dir)?;
            Theme::from_files(&dir.display().to_string(), files)?
        }
        None => Theme::embedded()?,
    })
}

/// The signing key from the flag, else the config (or the environment).
fn signing_key(setup: &Setup) -> Result<Option<sign::PrivateKey>, SetupError> {
    let path = setup
        .signing_key
        .as_ref()
        .or(setup.config.publish.signing_key.as_ref());
    match (path, setup.unsigned) {
        (_, true) => Ok(None),
        (Some(p), false) => sign::load_private(p)
            .map(Some)
            .map_err(SetupError::SigningKey),
        (None, false) => Err(SetupError::NoSigningKey),
    }
}
