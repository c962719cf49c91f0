//! Realistic synthetic snapshots for demos, tests and benchmarks.
