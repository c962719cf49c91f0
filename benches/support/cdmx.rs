//! A synthetic corte of Ciudad de México's shape, for the benches that
//! publish one (the builds are the tests' own, `tests/support/synthetic.rs`).

use super::synthetic::Shape;

/// About 17,000 pages (secciones, distritos, demarcaciones, casillas'
/// actas) and a few MB of datasets.
pub fn shape() -> Shape {
    Shape {
        pages: 17_000,
        page_bytes: 10_000,
        datasets: 4,
        dataset_bytes: 1_500_000,
        change_one_in: 25,
    }
}
