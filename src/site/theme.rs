//! Themes: minijinja templates, CSS and a little progressive-enhancement JS,
//! loaded once per process. The default theme (`themes/default/`) is built
//! into the binary; an institute brands its site by passing another folder
//! with the same file names (`--theme DIR`), without code changes.
//!
//! A theme folder holds `theme.toml`, `templates/*.html`, `static/*` and,
//! optionally, `tiles.toml` (the tile positions of the maps, [`Tiles`]).
//! Static files are published content-hashed (`assets/style.3f2a9c1b.css`).

use std::collections::BTreeMap;

use minijinja::{AutoEscape, Environment, Error, Output, State, Value};
use serde::Deserialize;

use super::SiteError;
use super::tiles::Tiles;

/// The default theme's files, embedded at build time.
const DEFAULT_FILES: &[(&str, &str)] = &[
    (
        "theme.toml",
        include_str!("../../themes/default/theme.toml"),
    ),
    (
        "tiles.toml",
        include_str!("../../themes/default/tiles.toml"),
    ),
    (
        "templates/base.html",
        include_str!("../../themes/default/templates/base.html"),
    ),
    (
        "templates/macros.html",
        include_str!("../../themes/default/templates/macros.html"),
    ),
    (
        "templates/home.html",
        include_str!("../../themes/default/templates/home.html"),
    ),
    (
        "templates/level.html",
        include_str!("../../themes/default/templates/level.html"),
    ),
    (
        "templates/seccion.html",
        include_str!("../../themes/default/templates/seccion.html"),
    ),
    (
        "templates/consulta.html",
        include_str!("../../themes/default/templates/consulta.html"),
    ),
    (
        "templates/verificacion.html",
        include_str!("../../themes/default/templates/verificacion.html"),
    ),
    (
        "templates/datos.html",
        include_str!("../../themes/default/templates/datos.html"),
    ),
    (
        "templates/ayuda.html",
        include_str!("../../themes/default/templates/ayuda.html"),
    ),
    (
        "static/style.css",
        include_str!("../../themes/default/static/style.css"),
    ),
    (
        "static/app.js",
        include_str!("../../themes/default/static/app.js"),
    ),
];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThemeMeta {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Institute name shown in the header and footer.
    #[serde(default)]
    pub institute: String,
}

/// A static file of the theme, published under `assets/` with a content hash.
#[derive(Debug, Clone)]
pub struct ThemeAsset {
    /// `style.css`.
    pub name: String,
    /// `assets/style.3f2a9c1b.css`.
    pub key: String,
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
}

pub struct Theme {
    /// SHA-256 over every file of the theme (names and bytes): part of every
    /// artifact's input digest, so another theme renders everything again.
    pub digest: String,
    pub meta: ThemeMeta,
    /// Tile positions of the maps (`tiles.toml`; none if the theme has none).
    pub tiles: Tiles,
    pub env: Environment<'static>,
    pub assets: Vec<ThemeAsset>,
}

impl Theme {
    /// The theme built into corte.
    pub fn embedded() -> Result<Theme, SiteError> {
        let files = DEFAULT_FILES
            .iter()
            .map(|(n, s)| (n.to_string(), s.as_bytes().to_vec()))
            .collect();
        Theme::from_files("themes/default", files)
    }

    /// Builds a theme from its files (relative path → bytes). `origin` names
    /// the theme in errors.
    pub fn from_files(origin: &str, files: BTreeMap<String, Vec<u8>>) -> Result<Theme, SiteError> {
        let err = |file: &str, message: String| SiteError::Theme {
            file: format!("{origin}/{file}"),
            message,
        };
        let meta_bytes = files
            .get("theme.toml")
            .ok_or_else(|| err("theme.toml", "is missing".into()))?;
        let meta_text = std::str::from_utf8(meta_bytes)
            .map_err(|_| err("theme.toml", "is not UTF-8".into()))?;
        let meta: ThemeMeta =
            toml::from_str(meta_text).map_err(|e| err("theme.toml", e.to_string()))?;
        let tiles = match files.get("tiles.toml") {
            Some(bytes) => std::str::from_utf8(bytes)
                .map_err(|_| err("tiles.toml", "is not UTF-8".into()))
                .and_then(|text| Tiles::parse(text).map_err(|e| err("tiles.toml", e)))?,
            None => Tiles::default(),
        };
        let digest = {
            let mut all = Vec::new();
            for (path, bytes) in &files {
                for part in [path.as_bytes(), bytes] {
                    all.extend_from_slice(&(part.len() as u64).to_le_bytes());
                    all.extend_from_slice(part);
                }
            }
            crate::contract::sha256_hex(&all)
        };
        let mut env = Environment::new();
        env.set_formatter(html_formatter);
        super::format::register_filters(&mut env);
        let mut assets = Vec::new();
        for (path, bytes) in files {
            if let Some(name) = path.strip_prefix("templates/") {
                let text =
                    String::from_utf8(bytes).map_err(|_| err(&path, "is not UTF-8".into()))?;
                env.add_template_owned(name.to_string(), text)
                    .map_err(|e| err(&path, e.to_string()))?;
            } else if let Some(name) = path.strip_prefix("static/") {
                let content_type = super::content_type(name);
                let hash = crate::contract::sha256_hex(&bytes);
                let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
                let key = format!("assets/{stem}.{}.{ext}", &hash[..10]);
                assets.push(ThemeAsset {
                    name: name.to_string(),
                    key,
                    bytes,
                    content_type,
                });
            }
        }
        for required in super::pages::TEMPLATES {
            if env.get_template(required).is_err() {
                return Err(err(&format!("templates/{required}"), "is missing".into()));
            }
        }
        Ok(Theme {
            digest,
            meta,
            tiles,
            env,
            assets,
        })
    }

    /// The published key of a static file (`style.css` → `assets/style.3f2a9c1b.css`).
    pub fn asset_key(&self, name: &str) -> Option<&str> {
        self.assets
            .iter()
            .find(|a| a.name == name)
            .map(|a| a.key.as_str())
    }
}

/// Auto-escaping of `.html` templates for the five characters that matter in
/// text and quoted attributes (`& < > " '`). minijinja's default also
/// escapes `/`, which turns every relative link and every date into
/// `&#x2f;` entities: valid, but heavier and harder to read.
fn html_formatter(out: &mut Output, state: &mut State, value: &Value) -> Result<(), Error> {
    if *state.auto_escape() == AutoEscape::Html
        && !value.is_safe()
        && let Some(text) = value.as_str()
    {
        return write_html(out, text).map_err(Error::from);
    }
    minijinja::escape_formatter(out, state, value)
}

fn write_html(out: &mut Output, text: &str) -> std::fmt::Result {
    let mut rest = text;
    while let Some(i) = rest.find(['&', '<', '>', '"', '\'']) {
        out.write_str(&rest[..i])?;
        out.write_str(match rest.as_bytes()[i] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => "&#39;",
        })?;
        rest = &rest[i + 1..];
    }
    out.write_str(rest)
}

#[cfg(test)]
mod tests {
    #[test]
    fn html_templates_escape_markup_but_not_slashes() {
        let mut files = std::collections::BTreeMap::new();
        files.insert("theme.toml".to_string(), b"name = \"t\"".to_vec());
        for t in super::super::pages::TEMPLATES {
            files.insert(
                format!("templates/{t}"),
                b"{{ x }}|{{ x|safe }}|{{ n }}".to_vec(),
            );
        }
        let theme = super::Theme::from_files("t", files).unwrap();
        let tpl = theme.env.get_template("home.html").unwrap();
        let out = tpl
            .render(minijinja::context! { x => "<a href=\"x/y\">'&'</a>", n => 1234 })
            .unwrap();
        assert_eq!(
            out,
            "&lt;a href=&quot;x/y&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;|<a href=\"x/y\">'&'</a>|1234"
        );
    }
}
