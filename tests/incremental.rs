//! Incremental render: a corte rendered with the previous corte's render
//! cache gives the very manifest a full render gives, renders only what
//! changed, and a cache that does not fit (another theme, another build)
//! reuses nothing. Over a generated night of ten cortes (with acta images
//! arriving a corte late) and over `site-example/`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::OnceLock;

use corte::contract::Snapshot;
use corte::published::Manifest;
use corte::published::images::{Image, ImageSet};
use corte::site::{History, RenderCache, RenderOptions, Rendered, Theme, render_batches};

use crate::support::snapshots;

const CORTES: u32 = 10;

/// A night of the example scale (two distritos, about 2,200 actas).
fn night() -> &'static Vec<Snapshot> {
    static NIGHT: OnceLock<Vec<Snapshot>> = OnceLock::new();
    NIGHT.get_or_init(|| snapshots::example_night(CORTES))
}

/// The images that have "arrived" by a corte: those of every acta of the
/// corte before it (images come a corte late).
fn images_of(earlier: Option<&Snapshot>) -> ImageSet {
    let mut images = BTreeMap::new();
    for a in earlier.iter().flat_map(|s| s.actas.iter().flatten()) {
        if let Some(code) = &a.codigo_integridad {
            images.insert(
                code.clone(),
                Image {
                    sha256: code.clone(),
                    ext: "png".into(),
                    size: 1000,
                    path: PathBuf::from(format!("/nowhere/{code}.png")),
                },
            );
        }
    }
    ImageSet {
        images,
        rejected: Vec::new(),
        pending: 0,
    }
}

struct Run {
    rendered: Rendered,
    /// Keys handed to the sink, with their stored bytes' length.
    handed: BTreeMap<String, usize>,
}

fn run(snapshot: &Snapshot, opts: &RenderOptions) -> Run {
    let results = snapshots::tally(snapshot);
    let mut handed = BTreeMap::new();
    let rendered = render_batches(snapshot, &results, opts, &mut |batch| {
        for a in batch {
            assert!(
                handed.insert(a.key.clone(), a.stored().len()).is_none(),
                "{} handed twice",
                a.key
            );
        }
        Ok(())
    })
    .unwrap_or_else(|e| panic!("corte {}: {e}", snapshot.corte.id()));
    Run { rendered, handed }
}

/// Every corte of `cortes` rendered in full and incrementally (the cache
/// passed through its bytes, as the cutover keeps it), checked corte by
/// corte; returns per corte (made incrementally, made in full).
fn full_and_incremental(cortes: &[Snapshot], with_images: bool) -> Vec<(usize, usize)> {
    let theme = Theme::embedded().unwrap();
    let mut manifests: Vec<Manifest> = Vec::new();
    let mut cache: Option<RenderCache> = None;
    let mut counts = Vec::new();
    let mut previous_images: Option<ImageSet> = None;
    for (i, snapshot) in cortes.iter().enumerate() {
        let history = History::before(manifests.clone(), snapshot.corte.seq);
        let images = with_images.then(|| images_of(i.checked_sub(1).map(|j| &cortes[j])));
        let previous = manifests.last().map(|m| m.corte.id.clone());
        let full_opts = RenderOptions {
            previous: previous.clone(),
            images: images.as_ref(),
            build_id: "test",
            ..RenderOptions::new(&theme, &history)
        };
        let full = run(snapshot, &full_opts);
        let inc = run(
            snapshot,
            &RenderOptions {
                cache: cache.as_ref(),
                batch_size: 97,
                ..full_opts
            },
        );
        let id = snapshot.corte.id();
        assert_eq!(
            String::from_utf8_lossy(&inc.rendered.manifest_bytes),
            String::from_utf8_lossy(&full.rendered.manifest_bytes),
            "corte {id}: the incremental render's manifest differs from the full one"
        );
        assert_eq!(
            full.handed.len(),
            full.rendered.manifest.files.len(),
            "corte {id}: a full render hands over every file"
        );
        // What the incremental render handed over is exactly what it made,
        // and every other file came from the cache with the same entry.
        assert_eq!(inc.handed.len(), inc.rendered.made, "corte {id}");
        assert_eq!(
            inc.rendered.made + inc.rendered.reused,
            full.rendered.manifest.files.len(),
            "corte {id}"
        );
        for (key, len) in &inc.handed {
            let entry = &full.rendered.manifest.files[key];
            let stored = entry.gzip.as_ref().map_or(entry.size, |g| g.size);
            assert_eq!(*len as u64, stored, "corte {id}: {key}");
        }
        // Only the secciones whose actas (or acta images) changed have
        // their pages and documents made again (the final corte changes
        // every participation figure: all is made then).
        if i > 0 && !snapshot.corte.final_corte {
            let before = seccion_inputs(&cortes[i - 1], previous_images.as_ref());
            let now = seccion_inputs(snapshot, images.as_ref());
            for key in inc.handed.keys() {
                let Some(seccion) = seccion_of(key) else {
                    continue;
                };
                assert!(
                    before.get(seccion) != now.get(seccion),
                    "corte {id}: {key} was made again, but nothing of sección {seccion} changed"
                );
            }
        }
        previous_images = images;
        counts.push((inc.rendered.made, full.rendered.made));
        manifests.push(full.rendered.manifest.clone());
        let bytes = inc.rendered.cache.to_bytes();
        cache = Some(RenderCache::from_bytes(&bytes).expect("the cache reads back"));
    }
    counts
}

#[test]
fn a_night_rendered_incrementally_gives_the_full_renders_manifests_and_renders_less() {
    let counts = full_and_incremental(night(), true);
    let (first_inc, first_full) = counts[0];
    assert_eq!(first_inc, first_full, "without a cache, everything is made");
    assert_saves_between_first_and_final(night(), &counts);
}

/// Per sección, every acta row of its casillas (of every election) and
/// whether each acta's image has arrived: what its pages can show.
fn seccion_inputs(s: &Snapshot, images: Option<&ImageSet>) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    for a in s.actas.iter().flatten() {
        let seccion = a
            .casilla
            .and_then(|c| s.catalog.casillas.get(c as usize))
            .and_then(|c| c.seccion.clone());
        let Some(seccion) = seccion else { continue };
        let arrived = a
            .codigo_integridad
            .as_ref()
            .is_some_and(|code| images.is_some_and(|i| i.images.contains_key(code)));
        out.entry(seccion)
            .or_default()
            .push_str(&format!("{a:?} {arrived}\n"));
    }
    out
}

/// The sección of a sección page or API document:
/// `gub/seccion/0001.html`, `datos/api/gub/seccion/0001.json` → `0001`.
fn seccion_of(key: &str) -> Option<&str> {
    let (_, file) = key.split_once("/seccion/")?;
    file.split_once('.').map(|(id, _)| id)
}

#[test]
fn the_example_night_renders_incrementally_to_the_full_manifests() {
    let dir = snapshots::repo("site-example");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            let e = e.ok()?;
            e.path()
                .is_dir()
                .then(|| e.file_name().to_string_lossy().into_owned())
        })
        .collect();
    names.sort();
    assert!(names.len() >= 3, "site-example has its cortes: {names:?}");
    let cortes: Vec<Snapshot> = names
        .iter()
        .map(|n| {
            corte::source::load(&dir.join(n)).unwrap_or_else(|e| panic!("site-example/{n}: {e}"))
        })
        .collect();
    let counts = full_and_incremental(&cortes, false);
    assert_saves_between_first_and_final(&cortes, &counts);
}

/// Every corte but the first (no cache) and the final one renders less
/// than all; the final corte changes what every participation figure
/// counts, so it is rendered in full.
fn assert_saves_between_first_and_final(cortes: &[Snapshot], counts: &[(usize, usize)]) {
    let mut checked = 0;
    for (i, (made, all)) in counts.iter().enumerate().skip(1) {
        if cortes[i].corte.final_corte {
            assert_eq!(made, all, "the final corte {} is rendered in full", i + 1);
            continue;
        }
        assert!(
            made < all,
            "corte {}: {made} of {all} made: the cache saved nothing",
            i + 1
        );
        checked += 1;
    }
    assert!(
        checked > 0,
        "no corte between the first and the final: {counts:?}"
    );
}

#[test]
fn a_cache_of_another_build_or_theme_reuses_nothing() {
    let snapshot = &night()[3];
    let theme = Theme::embedded().unwrap();
    let history = History::default();
    let opts = RenderOptions {
        build_id: "one",
        ..RenderOptions::new(&theme, &history)
    };
    let first = run(snapshot, &opts).rendered;
    let again = run(
        snapshot,
        &RenderOptions {
            cache: Some(&first.cache),
            ..RenderOptions::new(&theme, &history)
        },
    );
    // Build "" against "one": every digest differs, everything is made again.
    assert_eq!(again.rendered.reused, 0);
    let same = run(
        snapshot,
        &RenderOptions {
            cache: Some(&first.cache),
            build_id: "one",
            ..RenderOptions::new(&theme, &history)
        },
    );
    assert!(same.rendered.reused > 0);
    assert_eq!(same.rendered.manifest_bytes, first.manifest_bytes);
}

#[test]
fn only_the_keys_asked_for_are_handed_over() {
    let snapshot = &night()[4];
    let theme = Theme::embedded().unwrap();
    let history = History::default();
    let full = run(snapshot, &RenderOptions::new(&theme, &history)).rendered;
    let wanted: BTreeSet<String> = full
        .manifest
        .files
        .keys()
        .filter(|k| k.contains("/seccion/"))
        .take(5)
        .cloned()
        .collect();
    let some = run(
        snapshot,
        &RenderOptions {
            cache: Some(&full.cache),
            only: Some(&wanted),
            ..RenderOptions::new(&theme, &history)
        },
    );
    assert_eq!(some.handed.keys().cloned().collect::<BTreeSet<_>>(), wanted);
    assert_eq!(some.rendered.manifest_bytes, full.manifest_bytes);
}
