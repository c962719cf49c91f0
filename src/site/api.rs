//! The JSON API for difusores' own apps: one document per level under
//! `datos/api/`.

use super::{Artifact, SiteContext};

pub fn artifacts(_ctx: &SiteContext) -> Vec<Artifact> {
    Vec::new()
}
