//! Sanity between cortes: what a new corte may not do to the live one
//! without an operator saying so.
//!
//! Within a night, actas captured and counted only grow, elections do not
//! vanish, and the corte time moves forward and is not earlier than the
//! actas it holds. A corte that breaks one of these is not invalid (a
//! database may be corrected, an election withdrawn), but it is not
//! published on its own: it is *held* with what changed, until an operator
//! confirms it (`corte publish --confirm CORTE_ID`) or a newer corte
//! supersedes it. The thresholds are `corte.toml`'s `[sanity]`.
//!
//! Pure: both cortes come in as [`Profile`]s, built by whoever has them
//! (the cutover, from the tally and the live corte's manifest).

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset};
use serde::Deserialize;

/// `corte.toml`'s `[sanity]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Thresholds {
    /// A corte time further than this ahead of the clock is an error (s).
    pub future_skew_secs: u64,
    /// An election's actas captured or counted may go down by this many
    /// between two cortes before the corte is held (0: any drop holds).
    pub actas_drop: u64,
    /// Actas captured later than the corte time by more than this hold the
    /// corte (s).
    pub acta_after_corte_secs: u64,
}

impl Default for Thresholds {
    fn default() -> Thresholds {
        Thresholds {
            future_skew_secs: 300,
            actas_drop: 0,
            acta_after_corte_secs: 300,
        }
    }
}

/// What the comparison needs of a corte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub id: String,
    pub time: DateTime<FixedOffset>,
    /// Per election id: actas captured and counted.
    pub elections: BTreeMap<String, Counts>,
    /// The latest captura time among its actas.
    pub latest_acta: Option<DateTime<FixedOffset>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub capturadas: u64,
    pub contabilizadas: u64,
}

/// What is wrong with `next` given the live corte (None on a first corte):
/// one sentence per concern, empty if nothing is.
pub fn concerns(live: Option<&Profile>, next: &Profile, t: &Thresholds) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(latest) = next.latest_acta
        && (latest - next.time).num_seconds() > t.acta_after_corte_secs as i64
    {
        out.push(format!(
            "the corte time {} is earlier than actas it holds (captured up to {}): a clock or export fault",
            next.time.to_rfc3339(),
            latest.to_rfc3339()
        ));
    }
    let Some(live) = live else { return out };
    if next.time < live.time {
        out.push(format!(
            "the corte time {} is earlier than the live corte {}'s ({})",
            next.time.to_rfc3339(),
            live.id,
            live.time.to_rfc3339()
        ));
    }
    for (election, before) in &live.elections {
        let Some(now) = next.elections.get(election) else {
            out.push(format!(
                "election {election} vanished (the live corte {} has it, with {} actas captured)",
                live.id, before.capturadas
            ));
            continue;
        };
        for (what, b, n) in [
            ("captured", before.capturadas, now.capturadas),
            ("counted", before.contabilizadas, now.contabilizadas),
        ] {
            if n + t.actas_drop < b {
                out.push(format!(
                    "{election}: actas {what} went down from {b} (live corte {}) to {n}",
                    live.id
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(id: &str, time: &str, elections: &[(&str, u64, u64)]) -> Profile {
        Profile {
            id: id.into(),
            time: DateTime::parse_from_rfc3339(time).unwrap(),
            elections: elections
                .iter()
                .map(|(e, c, k)| {
                    (
                        e.to_string(),
                        Counts {
                            capturadas: *c,
                            contabilizadas: *k,
                        },
                    )
                })
                .collect(),
            latest_acta: None,
        }
    }

    #[test]
    fn growing_counts_and_a_later_time_raise_nothing() {
        let live = profile("1", "2024-06-02T20:00:00-06:00", &[("GUB", 10, 9)]);
        let next = profile("2", "2024-06-02T20:15:00-06:00", &[("GUB", 12, 9)]);
        assert!(concerns(Some(&live), &next, &Thresholds::default()).is_empty());
        assert!(concerns(None, &next, &Thresholds::default()).is_empty());
    }

    #[test]
    fn an_election_falling_to_zero_or_vanishing_is_held() {
        let live = profile(
            "00003-x",
            "2024-06-02T20:00:00-06:00",
            &[("GUB", 10, 9), ("ALC", 4, 4)],
        );
        let next = profile("00004-x", "2024-06-02T20:15:00-06:00", &[("GUB", 0, 0)]);
        let c = concerns(Some(&live), &next, &Thresholds::default());
        assert_eq!(
            c,
            vec![
                "election ALC vanished (the live corte 00003-x has it, with 4 actas captured)",
                "GUB: actas captured went down from 10 (live corte 00003-x) to 0",
                "GUB: actas counted went down from 9 (live corte 00003-x) to 0",
            ]
        );
        let lenient = Thresholds {
            actas_drop: 10,
            ..Thresholds::default()
        };
        assert_eq!(concerns(Some(&live), &next, &lenient).len(), 1);
    }

    #[test]
    fn a_corte_time_going_back_or_before_its_actas_is_held() {
        let live = profile("1", "2024-06-02T20:00:00-06:00", &[]);
        let mut next = profile("2", "2024-06-02T19:45:00-06:00", &[]);
        next.latest_acta = Some(DateTime::parse_from_rfc3339("2024-06-02T19:52:00-06:00").unwrap());
        let c = concerns(Some(&live), &next, &Thresholds::default());
        assert_eq!(c.len(), 2, "{c:?}");
        assert!(c[0].starts_with("the corte time 2024-06-02T19:45:00-06:00 is earlier than actas it holds (captured up to 2024-06-02T19:52:00-06:00)"));
        assert!(c[1].starts_with(
            "the corte time 2024-06-02T19:45:00-06:00 is earlier than the live corte 1's"
        ));
    }
}
