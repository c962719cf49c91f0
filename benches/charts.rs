//! Time per chart, in release mode: `cargo bench --bench charts`.
//!
//! A national render draws about 200,000 charts (votes, actas, participation
//! per sección, distrito and election), so the per-chart cost decides
//! whether plotters can draw them all. Prints microseconds per chart and
//! bytes per chart; asserts nothing.

use std::hint::black_box;
use std::time::{Duration, Instant};

use corte::site::charts::{self, Bar, Series};
use corte::tally::Porcentaje;

fn ballot(n: usize) -> Vec<Bar> {
    (0..n)
        .map(|i| Bar {
            label: format!("Partido {i}"),
            value: 1_000 + 7_919 * i as u64,
            color: (i % 3 != 0).then(|| format!("#{:02X}{:02X}80", 40 * i % 256, 90 + i)),
        })
        .collect()
}

fn evolution(cortes: usize, lines: usize) -> (Vec<String>, Vec<Series>) {
    let labels = (0..cortes)
        .map(|i| format!("{:02}/06 {:02}:{:02}", 2 + i / 48, i / 2 % 24, i % 2 * 30))
        .collect();
    let series = (0..lines)
        .map(|k| Series {
            label: format!("Candidatura {k}"),
            color: None,
            points: (0..cortes as u64)
                .map(|i| Porcentaje(k as u64 * 50_000 + i * 311))
                .collect(),
        })
        .collect();
    (labels, series)
}

/// This thread's CPU time in ns (Linux), which other processes competing
/// for the cores do not inflate the way they inflate wall time.
fn cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

/// Runs `f` for about a second after a warm-up; prints µs per call (wall
/// and CPU) and the size of what it drew.
fn measure(name: &str, mut f: impl FnMut() -> usize) {
    for _ in 0..200 {
        black_box(f());
    }
    let mut runs = 0u64;
    let mut bytes = 0;
    let cpu = cpu_ns();
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(1) {
        for _ in 0..100 {
            bytes = black_box(f());
        }
        runs += 100;
    }
    let wall = start.elapsed().as_secs_f64() * 1e6 / runs as f64;
    let cpu = match (cpu, cpu_ns()) {
        (Some(a), Some(b)) => format!("{:>8.2}", (b - a) as f64 / 1e3 / runs as f64),
        _ => "       ?".into(),
    };
    println!("{name:<34} {wall:>8.2} µs wall {cpu} µs CPU {bytes:>7} bytes");
}

fn main() {
    let three = ballot(3);
    let ten = ballot(10);
    let twenty = ballot(20);
    measure("votes, 3 bars", || charts::votes("Votos", &three).svg.len());
    measure("votes, 10 bars", || charts::votes("Votos", &ten).svg.len());
    measure("votes, 20 bars", || {
        charts::votes("Votos", &twenty).svg.len()
    });
    measure("actas", || charts::actas(1_500, 36, 2_136).svg.len());
    measure("participation", || {
        charts::participation(Porcentaje(612_345)).svg.len()
    });
    let (labels, series) = evolution(12, 8);
    measure("evolution, 12 cortes x 8 lines", || {
        charts::evolution("Votos", &labels, &series).svg.len()
    });
    let (labels, series) = evolution(96, 8);
    measure("evolution, 96 cortes x 8 lines", || {
        charts::evolution("Votos", &labels, &series).svg.len()
    });
    // What a sección page draws: its votes (10 options), actas, participation.
    measure("sección set (votes 10, actas, part.)", || {
        let v = charts::votes("Votos", &ten);
        let a = charts::actas(1_500, 36, 2_136);
        let p = charts::participation(Porcentaje(612_345));
        v.svg.len() + a.svg.len() + p.svg.len()
    });
}
