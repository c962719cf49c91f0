//! Earlier cortes, for the charts of how counts and shares evolved. Built from
//! their manifests (which carry each election's summary and candidacy totals),
//! so no earlier snapshot is needed.

use super::manifest::Manifest;

#[derive(Debug, Clone, Default)]
pub struct History {
    /// Earlier cortes' manifests, oldest first.
    pub cortes: Vec<Manifest>,
}

impl History {
    /// Keeps the manifests of cortes before `seq`, ordered by sequence, one per corte.
    pub fn before(mut manifests: Vec<Manifest>, seq: u32) -> History {
        manifests.retain(|m| m.corte.seq < seq);
        manifests.sort_by_key(|m| m.corte.seq);
        manifests.dedup_by_key(|m| m.corte.seq);
        History { cortes: manifests }
    }
}
