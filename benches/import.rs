//! Import time of every real published file, in release mode:
//! `cargo bench --bench import`.
//!
//! Each file (with its candidates file) is imported from bytes in memory, as
//! `corte import anexo13` does before writing the snapshot, five times; the
//! median is printed beside the median time to only decode and split the
//! same bytes into CSV records (`reader::table`, the first step of an
//! import), so the ratio says what reading the fields by their meaning
//! costs. The aim (issue 16) is under 1 s per file. Asserts nothing.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Instant;

use corte::anexo13::import::report::Log;
use corte::anexo13::import::{self, Input, Options};
use corte::anexo13::reader;
use corte::contract::RulesetRef;

/// (label, database file, candidates file, ruleset, final), under ../shared/data/real.
const FILES: [(&str, &str, &str, &str, bool); 10] = [
    (
        "Campeche 2021 GOB",
        "campeche-2021-gob/CAMP_GOB_2021.csv",
        "campeche-2021-gob/CAMP_GOB_CANDIDATURA_2021.csv",
        "campeche-2021",
        true,
    ),
    (
        "Quintana Roo 2019 DIP_LOC",
        "qroo-2019-dip-loc/QROO_DIP_LOC_2019.csv",
        "qroo-2019-dip-loc/QROO_DIP_CANDIDATURAS_2019.csv",
        "qroo-2019",
        true,
    ),
    (
        "IECM 2024 drill GUB",
        "iecm-2024-simulacro/CDMX_GUB_2024.csv",
        "iecm-2024-simulacro/CDMX_GUB_CANDIDATURAS_2024.csv",
        "iecm-2024",
        false,
    ),
    (
        "Puebla 2018 GOB",
        "iee-puebla-2018/PUE_GOB_2018.csv",
        "iee-puebla-2018/PUE_GOB_CANDIDATURAS_2018.csv",
        "puebla-2018",
        true,
    ),
    (
        "Puebla 2018 DIP_LOC",
        "iee-puebla-2018/PUE_DIP_LOC_2018.csv",
        "iee-puebla-2018/PUE_DIP_LOC_CANDIDATURAS_2018.csv",
        "puebla-2018",
        true,
    ),
    (
        "Puebla 2018 AYUN",
        "iee-puebla-2018/PUE_AYUN_2018.csv",
        "iee-puebla-2018/PUE_AYUN_CANDIDATURAS_2018.csv",
        "puebla-2018",
        true,
    ),
    (
        "Oaxaca 2022 GUB 21:20",
        "ieepco-oaxaca-2022/20220605_2120/OAX_GUB_2022.csv",
        "ieepco-oaxaca-2022/20220605_2120/OAX_GUB_Candidatura_2022.csv",
        "oaxaca-2022",
        false,
    ),
    (
        "Oaxaca 2022 GUB 23:40",
        "ieepco-oaxaca-2022/20220605_2340/OAX_GUB_2022.csv",
        "ieepco-oaxaca-2022/20220605_2340/OAX_GUB_Candidatura_2022.csv",
        "oaxaca-2022",
        false,
    ),
    (
        "Oaxaca 2022 GUB 00:00",
        "ieepco-oaxaca-2022/20220606_0000/OAX_GUB_2022.csv",
        "ieepco-oaxaca-2022/20220606_0000/OAX_GUB_Candidatura_2022.csv",
        "oaxaca-2022",
        false,
    ),
    (
        "Oaxaca 2022 GUB 15:00",
        "ieepco-oaxaca-2022/20220606_1500/OAX_GUB_2022.csv",
        "ieepco-oaxaca-2022/20220606_1500/OAX_GUB_Candidatura_2022.csv",
        "oaxaca-2022",
        true,
    ),
];

const RUNS: usize = 5;

fn real(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/real")
        .join(path)
}

fn read(path: &str) -> (String, Vec<u8>) {
    let p = real(path);
    let bytes = std::fs::read(&p).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; the real files live in ../shared/data/real beside the repository",
            p.display()
        )
    });
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    (name, bytes)
}

/// The median of `RUNS` timings of `f`, in milliseconds.
fn median_ms(mut f: impl FnMut()) -> f64 {
    f();
    let mut times: Vec<f64> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(|a, b| a.total_cmp(b));
    times[RUNS / 2]
}

fn main() {
    println!(
        "| file | MB | rows | import (ms, median of {RUNS}) | decode + split only (ms) | ratio |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    let mut worst: f64 = 0.0;
    for (label, db, cand, ruleset, final_corte) in FILES {
        let (file, bytes) = read(db);
        let input = Input {
            file: file.clone(),
            bytes: bytes.clone(),
            candidaturas: Some(read(cand)),
        };
        let opts = Options {
            ruleset: RulesetRef::Named(ruleset.into()),
            final_corte,
            ..Options::default()
        };
        let rows = import::import(std::slice::from_ref(&input), &opts)
            .unwrap_or_else(|e| panic!("{label}: {e}"))
            .report
            .elections[0]
            .rows
            .total;
        let full = median_ms(|| {
            black_box(import::import(std::slice::from_ref(&input), &opts).ok());
        });
        let split = median_ms(|| {
            black_box(reader::table(&file, &bytes, &mut Log::default()).ok());
        });
        worst = worst.max(full);
        println!(
            "| {label} | {:.1} | {rows} | {full:.0} | {split:.0} | {:.1} |",
            bytes.len() as f64 / 1e6,
            full / split
        );
    }
    println!();
    println!("slowest import: {worst:.0} ms (aim: under 1000 ms per file)");
}
