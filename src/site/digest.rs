//! Input digests: for each artifact of a corte, a digest of everything its
//! bytes are made from, so that an artifact whose digest did not change
//! since the previous corte need not be rendered again (its previous output
//! entry is reused; see [`super::cache`]).
//!
//! A digest is built in two layers:
//!
//! - the **base** ([`Digests::base`]): what every artifact depends on and
//!   what never changes within a night — the renderer (crate version and
//!   the caller's build id), the theme's files, the whole catalog, the
//!   ruleset, whether this is the final corte (participation changes then),
//!   whether an image folder is in use, and the year in the datasets' names;
//! - the **place**: the acta rows of every casilla the page or document
//!   counts, each with whether its image has arrived ([`Digests::casilla`]),
//!   and for the entidad page the evolution series it charts.
//!
//! A digest that covers too little would reuse a wrong page, so the rule is
//! to over-cover: a distrito's digest covers every acta of every casilla of
//! the distrito, not only the figures shown. Adding a field to [`Acta`]
//! breaks the exhaustive destructuring in [`feed_acta`] until it is covered.
//!
//! What this module is not: it decides nothing about reuse (that is
//! [`super::render`]) and reads nothing but the snapshot in memory.

use chrono::{DateTime, FixedOffset};
use sha2::{Digest as _, Sha256};

use crate::contract::{Acta, Campo, EstadoActa, Snapshot};
use crate::published::images::ImageSet;
use crate::tally::Results;

/// 128 bits of SHA-256: the digest of one artifact's inputs.
pub type Digest = [u8; 16];

/// Bumped when the rendering code changes what it makes of the same inputs
/// without a new crate version (the build id of [`super::RenderOptions`]
/// covers a new binary too).
const REVISION: &str = "corte-render-2";

/// A SHA-256 fed with length-prefixed fields, so that no two different
/// sequences of fields feed the same bytes.
pub struct Feed(Sha256);

impl Feed {
    pub fn new(tag: &str) -> Feed {
        let mut f = Feed(Sha256::new());
        f.str(tag);
        f
    }

    pub fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.0.update((b.len() as u64).to_le_bytes());
        self.0.update(b);
        self
    }

    pub fn str(&mut self, s: &str) -> &mut Self {
        self.bytes(s.as_bytes())
    }

    pub fn u64(&mut self, n: u64) -> &mut Self {
        self.0.update(n.to_le_bytes());
        self
    }

    pub fn digest(&mut self, d: &Digest) -> &mut Self {
        self.0.update(d);
        self
    }

    fn opt_str(&mut self, s: Option<&str>) -> &mut Self {
        match s {
            Some(s) => self.u64(1).str(s),
            None => self.u64(0),
        }
    }

    fn time(&mut self, t: &Option<DateTime<FixedOffset>>) -> &mut Self {
        match t {
            Some(t) => self
                .u64(1)
                .u64(t.timestamp() as u64)
                .u64(t.timestamp_subsec_nanos() as u64)
                .u64(t.offset().local_minus_utc() as u64),
            None => self.u64(0),
        }
    }

    fn campo(&mut self, c: Campo) -> &mut Self {
        match c {
            Campo::Num(n) => self.u64(1).u64(n as u64),
            Campo::Ilegible => self.u64(2),
            Campo::SinDato => self.u64(3),
            Campo::NoAplica => self.u64(4),
        }
    }

    pub fn finish(self) -> Digest {
        let full = self.0.finalize();
        let mut d = [0u8; 16];
        d.copy_from_slice(&full[..16]);
        d
    }
}

/// Feeds every field of an acta that a page or document can show or count
/// (all but its line in the CSV), and its image's key when it has arrived.
fn feed_acta(f: &mut Feed, a: &Acta, images: Option<&ImageSet>) {
    let Acta {
        casilla,
        clave_casilla,
        tipo_acta,
        estado,
        votos,
        total_asentado,
        boletas_sobrantes,
        personas_votaron,
        rep_votaron,
        votos_sacados,
        codigo_integridad,
        mecanismo,
        acopio,
        captura,
        verificacion,
        origen,
        digitalizacion,
        tipo_documento,
        observacion_publicada,
        line: _,
    } = a;
    f.u64(casilla.map_or(u64::MAX, u64::from))
        .str(clave_casilla)
        .str(tipo_acta)
        .str(estado_code(estado));
    f.u64(votos.len() as u64);
    for v in votos.iter() {
        f.campo(*v);
    }
    for c in [
        total_asentado,
        boletas_sobrantes,
        personas_votaron,
        rep_votaron,
        votos_sacados,
    ] {
        f.campo(*c);
    }
    f.opt_str(codigo_integridad.as_deref())
        .opt_str(*mecanismo)
        .time(acopio)
        .time(captura)
        .time(verificacion)
        .opt_str(*origen)
        .opt_str(*digitalizacion)
        .opt_str(*tipo_documento);
    match observacion_publicada {
        None => f.u64(0),
        Some(p) => f.u64(1).str(p.code()),
    };
    let image = codigo_integridad
        .as_deref()
        .and_then(|c| images?.get(c))
        .map(|i| i.key());
    f.opt_str(image.as_deref());
}

fn estado_code(e: &EstadoActa) -> &'static str {
    e.code()
}

/// The digests a corte's artifacts are made from.
pub struct Digests {
    /// What every artifact depends on (see the module's docs).
    pub base: Digest,
    /// Per election, per casilla: its actas of the election (`None`
    /// digests as "no acta").
    casillas: Vec<Vec<Digest>>,
    /// Per election: every acta of it, fuera de catálogo included.
    elections: Vec<Digest>,
}

/// The inputs of the base digest besides the snapshot and the results.
pub struct BaseInputs<'a> {
    pub theme: &'a str,
    /// The caller's build id (the cutover's: its executable's hash).
    pub build: &'a str,
    pub images: Option<&'a ImageSet>,
}

impl Digests {
    pub fn of(snapshot: &Snapshot, results: &Results, base: &BaseInputs) -> Digests {
        use rayon::prelude::*;
        let images = base.images;
        let base = base_digest(snapshot, results, base);
        let per_election: Vec<(Vec<Digest>, Digest)> = (0..snapshot.actas.len())
            .into_par_iter()
            .map(|e| election_digests(snapshot, e, images, &base))
            .collect();
        let (casillas, elections) = per_election.into_iter().unzip();
        Digests {
            base,
            casillas,
            elections,
        }
    }

    /// The actas of casilla `c` in election `e`.
    pub fn casilla(&self, e: usize, c: u32) -> &Digest {
        &self.casillas[e][c as usize]
    }

    /// Every acta of election `e`.
    pub fn election(&self, e: usize) -> &Digest {
        &self.elections[e]
    }

    /// A digest for one artifact: the base, a tag naming it (its key), and
    /// what `more` feeds.
    pub fn artifact(&self, key: &str, more: impl FnOnce(&mut Feed)) -> Digest {
        let mut f = Feed::new("artifact");
        f.digest(&self.base).str(key);
        more(&mut f);
        f.finish()
    }
}

fn base_digest(snapshot: &Snapshot, results: &Results, inputs: &BaseInputs) -> Digest {
    let mut f = Feed::new(REVISION);
    f.str(env!("CARGO_PKG_VERSION"))
        .str(inputs.build)
        .str(inputs.theme);
    // The catalog is Serialize; its JSON feeds every field in a fixed order.
    let catalog = serde_json::to_vec(&snapshot.catalog).unwrap_or_default();
    f.bytes(&catalog);
    let ruleset = serde_json::to_vec(&results.ruleset).unwrap_or_default();
    f.bytes(&ruleset)
        .u64(results.final_corte as u64)
        .u64(inputs.images.is_some() as u64)
        .str(&snapshot.corte.time().format("%Y").to_string());
    f.finish()
}

/// Per casilla of election `e`, the digest of its actas; and the digest of
/// the whole election.
fn election_digests(
    snapshot: &Snapshot,
    e: usize,
    images: Option<&ImageSet>,
    base: &Digest,
) -> (Vec<Digest>, Digest) {
    let n = snapshot.catalog.casillas.len();
    let mut feeds: Vec<Option<Feed>> = (0..n).map(|_| None).collect();
    let mut all = Feed::new("election");
    all.digest(base).u64(e as u64);
    for a in &snapshot.actas[e] {
        feed_acta(&mut all, a, images);
        if let Some(c) = a.casilla
            && let Some(slot) = feeds.get_mut(c as usize)
        {
            feed_acta(slot.get_or_insert_with(|| Feed::new("casilla")), a, images);
        }
    }
    let none = Feed::new("casilla sin actas").finish();
    let casillas = feeds
        .into_iter()
        .map(|f| f.map_or(none, Feed::finish))
        .collect();
    (casillas, all.finish())
}
