//! Broken snapshots must fail with a clear message, never a panic.
//!
//! Each folder of `tests/invalid-snapshots/` is one case, as Zola keeps
//! `test_sites_invalid/`: a snapshot with one thing wrong (or, for the archive
//! cases, a `snapshot.tar.gz`) and `expected-error.txt`, whose every non-empty
//! line must appear in the error's message. `regenerate.sh` there says how
//! each case was made.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

/// The corpus may grow, never silently shrink.
const MIN_CASES: usize = 30;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/invalid-snapshots")
}

fn cases() -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(corpus())
        .expect("tests/invalid-snapshots/")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    cases
}

fn case_name(case: &Path) -> String {
    case.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Loads one case and says what is wrong with how it failed, if anything.
fn check_case(case: &Path) -> Result<(), String> {
    let expected_file = case.join("expected-error.txt");
    let expected = std::fs::read_to_string(&expected_file)
        .map_err(|e| format!("cannot read {}: {e}", expected_file.display()))?;
    let expected: Vec<&str> = expected.lines().filter(|l| !l.trim().is_empty()).collect();
    if expected.is_empty() {
        return Err("expected-error.txt is empty".into());
    }
    let archive = case.join("snapshot.tar.gz");
    let target = if archive.exists() {
        archive
    } else {
        case.to_path_buf()
    };
    let outcome = catch_unwind(AssertUnwindSafe(|| corte::source::load(&target)));
    let error = match outcome {
        Err(panic) => {
            let why = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            return Err(format!("panicked: {why}"));
        }
        Ok(Ok(_)) => return Err("loaded without error".into()),
        Ok(Err(e)) => e.to_string(),
    };
    let missing: Vec<&&str> = expected.iter().filter(|l| !error.contains(**l)).collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the error does not say {missing:?}\n      it says: {error}"
        ))
    }
}

#[test]
fn every_invalid_snapshot_fails_with_its_expected_message() {
    let cases = cases();
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            check_case(case)
                .err()
                .map(|why| format!("  {}: {why}", case_name(case)))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} invalid snapshots did not fail as expected:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn the_corpus_does_not_shrink() {
    let cases = cases();
    assert!(
        cases.len() >= MIN_CASES,
        "only {} invalid snapshots in tests/invalid-snapshots/ (at least {MIN_CASES})",
        cases.len()
    );
    for case in &cases {
        assert!(
            case.join("expected-error.txt").is_file(),
            "{} has no expected-error.txt",
            case_name(case)
        );
    }
}

/// The message names the snapshot it is about, so that an operator with
/// several cortes in the inbox knows which one is wrong.
#[test]
fn every_message_names_its_snapshot() {
    for case in cases() {
        let archive = case.join("snapshot.tar.gz");
        let target = if archive.exists() {
            archive
        } else {
            case.clone()
        };
        let outcome = catch_unwind(AssertUnwindSafe(|| corte::source::load(&target)));
        if let Ok(Err(e)) = outcome {
            let message = e.to_string();
            assert!(
                message.starts_with(&target.display().to_string()),
                "{}: the message does not start with the snapshot's path: {message}",
                case_name(&case)
            );
        }
    }
}
