//! The publishing part of `corte.toml`: targets, concurrency, retries, the
//! signing key and the cache policy. Other sections of the file (theme,
//! ruleset, watch) belong to other modules and are ignored here.
//!
//! Precedence, lowest first: built-in defaults, `corte.toml`, environment
//! (`CORTE_CONCURRENCY`, `CORTE_RETRIES`, `CORTE_SIGNING_KEY`), flags.
//!
//! Credentials are never written in this file: an option value may name an
//! environment variable as `${NAME}`, expanded when the target is opened, so
//! each difusor's bucket can have its own keys. Without options, S3 targets
//! read the usual `AWS_*` variables. [`TargetConfig`]'s `Debug` never prints
//! option values.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::published::CachePolicy;

pub const DEFAULT_CONFIG: &str = "corte.toml";

/// The whole file as far as publishing is concerned.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Config {
    #[serde(default)]
    pub publish: Settings,
    #[serde(default)]
    pub cache: CachePolicy,
    #[serde(default, rename = "target")]
    pub targets: Vec<TargetConfig>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Objects in flight per target.
    pub concurrency: usize,
    /// Attempts after the first for one object operation that failed
    /// transiently (after the HTTP client's own retries).
    pub retries: u32,
    /// First backoff; doubles per attempt up to `retry_max_ms`, with full jitter.
    pub retry_base_ms: u64,
    pub retry_max_ms: u64,
    /// The HTTP client's low-level retries per request (S3, GCS, Azure).
    pub http_retries: usize,
    /// Per-request timeout of the HTTP client.
    pub timeout_secs: u64,
    /// Objects at least this large go up in parts.
    pub multipart_threshold_mib: u64,
    pub part_size_mib: u64,
    /// PKCS#8 PEM Ed25519 private key (`corte keygen`). Without one, cortes
    /// are published unsigned and `corte verify` says so.
    pub signing_key: Option<PathBuf>,
    /// Remove objects of the stable tree that the new live corte no longer has
    /// (after the pointer moved). See docs/publishing.md.
    pub delete_stale: bool,
    /// How long the stable-tree lease (`cortes/lease.json`) of a publisher
    /// that stopped renewing it is honoured before another takes it over.
    /// See docs/publishing.md, "Racing publishers".
    pub lease_secs: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            concurrency: 32,
            retries: 4,
            retry_base_ms: 200,
            retry_max_ms: 10_000,
            http_retries: 2,
            timeout_secs: 30,
            multipart_threshold_mib: 16,
            part_size_mib: 8,
            signing_key: None,
            delete_stale: true,
            lease_secs: 60,
        }
    }
}

/// One place a corte is published to.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetConfig {
    /// Short name used in reports: `iecm`, `unam`, `local`.
    pub name: String,
    /// `file:///srv/prep`, `s3://bucket/prefix`, `gs://…`, `az://…`, `memory://`.
    pub url: String,
    /// Overrides `[publish].concurrency` for this target.
    #[serde(default)]
    pub concurrency: Option<usize>,
    /// object_store builder options (`endpoint`, `region`, `allow_http`,
    /// `access_key_id`, …); values may be `${ENV_VAR}`.
    #[serde(default)]
    pub options: BTreeMap<String, String>,
}

impl fmt::Debug for TargetConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TargetConfig")
            .field("name", &self.name)
            .field("url", &redact_url(&self.url))
            .field("concurrency", &self.concurrency)
            .field("options", &self.options.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl TargetConfig {
    /// A target given only by its URL (`--to s3://bucket/site`).
    pub fn from_url(url: &str) -> TargetConfig {
        TargetConfig {
            name: default_name(url),
            url: url.to_string(),
            concurrency: None,
            options: BTreeMap::new(),
        }
    }

    /// Options with `${VAR}` expanded from the environment.
    pub fn expanded_options(&self) -> Result<Vec<(String, String)>, String> {
        self.options
            .iter()
            .map(|(k, v)| {
                expand_env(v)
                    .map(|v| (k.clone(), v))
                    .map_err(|var| {
                        format!(
                            "target {}: option `{k}` names the environment variable {var}, which is not set",
                            self.name
                        )
                    })
            })
            .collect()
    }
}

/// The URL without any user:password part, for logs and reports.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if !u.username().is_empty() || u.password().is_some() => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.to_string()
        }
        _ => url.to_string(),
    }
}

/// The name a target given only by its URL goes by in reports.
pub fn default_name(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) if u.scheme() == "file" => format!("file:{}", u.path()),
        Ok(u) => match u.host_str() {
            Some(h) => format!("{}:{h}{}", u.scheme(), u.path().trim_end_matches('/')),
            None => u.scheme().to_string(),
        },
        Err(_) => url.to_string(),
    }
}

/// Expands every `${NAME}`; returns the first missing variable's name.
fn expand_env(value: &str) -> Result<String, String> {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return Ok(out);
        };
        let name = &after[..end];
        out.push_str(&std::env::var(name).map_err(|_| name.to_string())?);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

impl Config {
    /// Reads `path`, or `$CORTE_CONFIG`, or `./corte.toml` when it exists;
    /// defaults otherwise. Then applies the environment overrides.
    pub fn load(path: Option<&Path>) -> Result<Config, String> {
        let env_path = std::env::var_os("CORTE_CONFIG").map(PathBuf::from);
        let chosen = path.map(Path::to_path_buf).or(env_path);
        let mut config = match chosen {
            Some(p) => Config::read(&p)?,
            None if Path::new(DEFAULT_CONFIG).exists() => Config::read(Path::new(DEFAULT_CONFIG))?,
            None => Config::default(),
        };
        config.apply_env()?;
        Ok(config)
    }

    pub fn read(path: &Path) -> Result<Config, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("reading {}: {e}", path.display()))?;
        Config::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn parse(text: &str) -> Result<Config, String> {
        let config: Config = toml::from_str(text).map_err(|e| e.to_string())?;
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> Result<(), String> {
        let s = &self.publish;
        if s.concurrency == 0 {
            return Err("[publish] concurrency must be at least 1".into());
        }
        if s.part_size_mib < 5 {
            return Err("[publish] part_size_mib must be at least 5 (S3's smallest part)".into());
        }
        let mut names = std::collections::HashSet::new();
        for t in &self.targets {
            if !names.insert(t.name.as_str()) {
                return Err(format!("[[target]] name `{}` is used twice", t.name));
            }
            if t.concurrency == Some(0) {
                return Err(format!("target {}: concurrency must be at least 1", t.name));
            }
        }
        Ok(())
    }

    fn apply_env(&mut self) -> Result<(), String> {
        let num = |name: &str| -> Result<Option<u64>, String> {
            match std::env::var(name) {
                Ok(v) => v
                    .parse()
                    .map(Some)
                    .map_err(|_| format!("{name}={v}: expected a whole number")),
                Err(_) => Ok(None),
            }
        };
        if let Some(n) = num("CORTE_CONCURRENCY")? {
            self.publish.concurrency = n.max(1) as usize;
        }
        if let Some(n) = num("CORTE_RETRIES")? {
            self.publish.retries = n as u32;
        }
        if let Some(p) = std::env::var_os("CORTE_SIGNING_KEY") {
            self.publish.signing_key = Some(PathBuf::from(p));
        }
        Ok(())
    }

    /// The targets named or given by URL in `to`; every configured target
    /// when `to` is empty.
    pub fn select(&self, to: &[String]) -> Result<Vec<TargetConfig>, String> {
        if to.is_empty() {
            if self.targets.is_empty() {
                return Err(
                    "no target: give --to URL (file:///path, s3://bucket/prefix, …) or list [[target]]s in corte.toml"
                        .into(),
                );
            }
            return Ok(self.targets.clone());
        }
        Ok(to
            .iter()
            .map(|t| {
                self.targets
                    .iter()
                    .find(|c| &c.name == t || &c.url == t)
                    .cloned()
                    .unwrap_or_else(|| TargetConfig::from_url(t))
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_profile_parses_and_options_expand_from_the_environment() {
        let text = r#"
            [publish]
            concurrency = 8
            signing_key = "/etc/corte/key.pem"
            [theme]
            dir = "themes/iecm"
            [[target]]
            name = "iecm"
            url = "s3://prep/site"
            options = { endpoint = "http://127.0.0.1:9000", secret_access_key = "${CORTE_TEST_SECRET_X}" }
        "#;
        let c = Config::parse(text).unwrap();
        assert_eq!(c.publish.concurrency, 8);
        assert_eq!(c.targets[0].name, "iecm");
        let missing = c.targets[0].expanded_options().unwrap_err();
        assert!(missing.contains("CORTE_TEST_SECRET_X"), "{missing}");
        assert!(
            !format!("{:?}", c.targets[0]).contains("CORTE_TEST_SECRET_X"),
            "Debug shows no option values"
        );
    }

    #[test]
    fn a_url_that_is_not_configured_becomes_an_ad_hoc_target() {
        let c = Config::default();
        let t = c.select(&["s3://bucket/prefix".into()]).unwrap();
        assert_eq!(t[0].name, "s3:bucket/prefix");
        assert!(c.select(&[]).is_err());
    }

    #[test]
    fn credentials_in_a_url_are_redacted() {
        assert_eq!(
            redact_url("https://user:secret@example.org/x"),
            "https://example.org/x"
        );
    }

    #[test]
    fn the_example_profiles_parse() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("publish");
        for name in ["local.toml", "s3-compatible.toml", "difusores.toml"] {
            let c = Config::read(&dir.join(name)).unwrap_or_else(|e| panic!("{e}"));
            assert!(!c.targets.is_empty(), "{name}");
            assert!(c.publish.signing_key.is_some(), "{name}");
        }
    }

    #[test]
    fn env_expansion() {
        // PATH is set in every test environment.
        let path = std::env::var("PATH").unwrap();
        assert_eq!(expand_env("a${PATH}b").unwrap(), format!("a{path}b"));
        assert_eq!(expand_env("plain").unwrap(), "plain");
    }
}
