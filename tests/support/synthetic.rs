//! Builds of the shape of a real corte with made-up content, for the publish
//! and serve tests and the publish benches (which include this file): HTML pages
//! with gzip copies, CSV datasets with `.csv.gz` copies, a content-hashed
//! stylesheet and a home page. Deterministic; a share of the pages (and
//! every dataset and the home page) changes from one corte to the next.

use corte::published::manifest::{
    CacheClass, FileEntry, GzipEntry, MANIFEST_VERSION, Manifest, ManifestCorte, ManifestProcess,
};
use corte::site::{Artifact, Build};
use rayon::prelude::*;

#[derive(Debug, Clone)]
pub struct Shape {
    pub pages: usize,
    /// Roughly; pages are tables of figures, so they compress like real ones.
    pub page_bytes: usize,
    pub datasets: usize,
    pub dataset_bytes: usize,
    /// One page in this many changes at every corte.
    pub change_one_in: usize,
}

impl Shape {
    pub fn small(pages: usize) -> Shape {
        Shape {
            pages,
            page_bytes: 2_000,
            datasets: 2,
            dataset_bytes: 20_000,
            change_one_in: 4,
        }
    }
}

/// The corte id of sequence `seq`: `00003-20240602-2010`.
pub fn corte_id(seq: u32) -> String {
    let minutes = 20 * 60 + seq * 5;
    format!(
        "{seq:05}-20240602-{:02}{:02}",
        (minutes / 60) % 24,
        minutes % 60
    )
}

/// Corte `seq` of a process of this shape.
pub fn build(seq: u32, shape: &Shape) -> Build {
    let css = format!("body{{font-family:sans-serif}} /* theme {} */", shape.pages);
    let css_key = format!(
        "assets/style.{}.css",
        &corte::contract::sha256_hex(css.as_bytes())[..10]
    );
    let mut artifacts: Vec<Artifact> = (0..shape.pages)
        .into_par_iter()
        .map(|i| {
            let epoch = if i % shape.change_one_in.max(1) == 0 {
                seq
            } else {
                0
            };
            let key = format!("gub/seccion/{:05}.html", i);
            Artifact::new(
                key,
                page(i, epoch, shape.page_bytes, &css_key),
                CacheClass::Short,
            )
        })
        .collect();
    artifacts.push(Artifact::new(
        "index.html",
        page(usize::MAX, seq, shape.page_bytes, &css_key),
        CacheClass::Short,
    ));
    artifacts.push(Artifact::new(
        css_key,
        css.into_bytes(),
        CacheClass::Immutable,
    ));
    for d in 0..shape.datasets {
        let csv = dataset(d, seq, shape.dataset_bytes);
        let gz = corte::published::gzip::gzip(&csv);
        artifacts.push(Artifact::new(
            format!("datos/ELECCION_{d}.csv.gz"),
            gz,
            CacheClass::Short,
        ));
        artifacts.push(Artifact::new(
            format!("datos/ELECCION_{d}.csv"),
            csv,
            CacheClass::Short,
        ));
    }
    artifacts.par_sort_unstable_by(|a, b| a.key.cmp(&b.key));
    artifacts.par_iter_mut().for_each(Artifact::seal);
    let files = artifacts
        .iter()
        .map(|a| {
            let entry = FileEntry {
                sha256: a.sha256.clone(),
                size: a.bytes.len() as u64,
                content_type: a.content_type.to_string(),
                cache: a.cache,
                gzip: a.gzip.as_ref().map(|g| GzipEntry {
                    sha256: a.gzip_sha256.clone(),
                    size: g.len() as u64,
                }),
            };
            (a.key.clone(), entry)
        })
        .collect();
    let id = corte_id(seq);
    let manifest = Manifest {
        manifest_version: MANIFEST_VERSION,
        generator: "corte synthetic".into(),
        process: ManifestProcess {
            id: "sintetico-2024".into(),
            name: "Proceso sintético".into(),
            entidad: "Ciudad de México".into(),
        },
        corte: ManifestCorte {
            id: id.clone(),
            seq,
            timestamp: format!("2024-06-02T{}:{}:00-06:00", &id[15..17], &id[17..19]),
            final_corte: false,
        },
        previous: (seq > 1).then(|| corte_id(seq - 1)),
        snapshot: Vec::new(),
        ruleset: corte::contract::ruleset::builtin(corte::contract::ruleset::DEFAULT)
            .expect("the default ruleset is built in"),
        elections: Vec::new(),
        files,
        images: Default::default(),
    };
    let manifest_bytes = manifest.to_canonical_json();
    Build {
        corte_id: id,
        manifest_sha256: corte::contract::sha256_hex(&manifest_bytes),
        manifest_bytes,
        manifest,
        artifacts,
        image_files: Default::default(),
    }
}

/// The same files as another corte, under sequence `seq` (a corte whose
/// figures did not move, or went back).
pub fn relabel(mut build: Build, seq: u32) -> Build {
    let id = corte_id(seq);
    build.manifest.corte.id = id.clone();
    build.manifest.corte.seq = seq;
    build.manifest.previous = (seq > 1).then(|| corte_id(seq - 1));
    build.manifest_bytes = build.manifest.to_canonical_json();
    build.manifest_sha256 = corte::contract::sha256_hex(&build.manifest_bytes);
    build.corte_id = id;
    build
}

/// A page of figures: a table whose numbers depend on the page and epoch.
fn page(i: usize, epoch: u32, bytes: usize, css: &str) -> Vec<u8> {
    let mut s = format!(
        "<!doctype html><html lang=\"es-MX\"><head><meta charset=\"utf-8\"><title>Sección {i}</title><link rel=\"stylesheet\" href=\"/{css}\"></head><body><h1>Sección {i}</h1><table><tr><th>Casilla</th><th>PAN</th><th>PRI</th><th>MORENA</th><th>Nulos</th></tr>"
    );
    let mut x = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (epoch as u64 + 1);
    let mut row = 0;
    while s.len() < bytes {
        let mut n = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % 400
        };
        s.push_str(&format!(
            "<tr><td>{i}-B{row}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            n(),
            n(),
            n(),
            n() % 20
        ));
        row += 1;
    }
    s.push_str("</table></body></html>");
    s.into_bytes()
}

fn dataset(d: usize, seq: u32, bytes: usize) -> Vec<u8> {
    let mut s = String::from("CLAVE_CASILLA,PAN,PRI,MORENA,NULOS,TOTAL\n");
    let mut x = (d as u64 + 7).wrapping_mul(0x2545_F491_4F6C_DD1D) ^ seq as u64;
    let mut row = 0u64;
    while s.len() < bytes {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let (a, b, c) = (x % 300, (x >> 9) % 300, (x >> 18) % 300);
        s.push_str(&format!(
            "09-{row:06},{a},{b},{c},{},{}\n",
            x % 9,
            a + b + c
        ));
        row += 1;
    }
    s.into_bytes()
}
