//! The HTML pages of a corte.

use super::{Artifact, SiteContext, SiteError};

/// Templates every theme must provide.
pub const TEMPLATES: &[&str] = &[
    "base.html",
    "home.html",
    "level.html",
    "seccion.html",
    "consulta.html",
    "verificacion.html",
    "datos.html",
];

pub fn render_all(_ctx: &SiteContext) -> Result<Vec<Artifact>, SiteError> {
    Ok(Vec::new())
}
