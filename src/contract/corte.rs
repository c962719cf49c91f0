//! `corte.json`: written last by the central database. Its presence and the
//! matching hashes of every member are what make a snapshot complete.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, FixedOffset, Timelike};
use serde::{Deserialize, Serialize};

use super::error::{ContractError, Result};
use super::ids::{is_sha256_hex, plain_key_problem};

pub const CORTE_FILE: &str = "corte.json";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorteMeta {
    pub contract_version: u32,
    pub process_id: String,
    /// Strictly increasing per process: corte 1, 2, 3…
    pub seq: u32,
    /// The corte time, RFC 3339 with the entidad's UTC offset
    /// (`2024-06-02T20:00:00-06:00`).
    pub timestamp: String,
    /// The last corte of the night (participation then uses the ruleset's
    /// `participacion_ultimo_corte`).
    #[serde(rename = "final", default)]
    pub final_corte: bool,
    /// Every member file with its size and SHA-256.
    pub members: Vec<Member>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Member {
    /// Relative path: `catalog.json` or `actas/<ELECTION>.csv`.
    pub path: String,
    pub size: u64,
    /// Lowercase hex SHA-256 of the file's bytes.
    pub sha256: String,
}

fn err(field: impl Into<String>, message: impl Into<String>) -> ContractError {
    ContractError::new(CORTE_FILE, message).at_field(field)
}

impl CorteMeta {
    /// Parses and checks `corte.json`: the contract version first (so a newer
    /// contract gets a clear refusal, not a confusing field error), then the
    /// fields.
    pub fn from_json(bytes: &[u8]) -> Result<CorteMeta> {
        super::check_version_in_json(CORTE_FILE, bytes)?;
        let meta: CorteMeta = serde_json::from_slice(super::json_text(CORTE_FILE, bytes)?)
            .map_err(|e| ContractError::new(CORTE_FILE, format!("not a valid corte.json: {e}")))?;
        meta.validate()?;
        Ok(meta)
    }

    pub fn validate(&self) -> Result<()> {
        super::check_version(CORTE_FILE, self.contract_version)?;
        if let Some(p) = plain_key_problem(&self.process_id) {
            return Err(err(
                "process_id",
                format!("`{}` is not a plain key: it {p}", self.process_id),
            ));
        }
        if self.seq == 0 {
            return Err(err("seq", "corte sequence numbers start at 1"));
        }
        let time = parse_timestamp(&self.timestamp).map_err(|m| err("timestamp", m))?;
        plausible_time(&self.timestamp, &time).map_err(|m| err("timestamp", m))?;
        let mut seen = std::collections::HashSet::new();
        for (i, m) in self.members.iter().enumerate() {
            let field = format!("members[{i}]");
            member_election(&m.path).map_err(|msg| err(format!("{field}.path"), msg))?;
            if !is_sha256_hex(&m.sha256) {
                return Err(err(
                    format!("{field}.sha256"),
                    format!(
                        "`{}` is not a lowercase hex SHA-256 (64 characters 0-9a-f)",
                        m.sha256
                    ),
                ));
            }
            if !seen.insert(m.path.as_str()) {
                return Err(err(
                    format!("{field}.path"),
                    format!("`{}` is listed twice", m.path),
                ));
            }
        }
        if !seen.contains(super::catalog::CATALOG_FILE) {
            return Err(err(
                "members",
                "catalog.json is not listed among the members",
            ));
        }
        Ok(())
    }

    /// The corte time with its offset. Validated at load, so this cannot fail
    /// on a loaded snapshot.
    pub fn time(&self) -> DateTime<FixedOffset> {
        parse_timestamp(&self.timestamp).unwrap_or_default()
    }

    /// The corte's id in the published layout: `00012-20240602-2000`
    /// (sequence first, so ids sort in publication order).
    pub fn id(&self) -> String {
        let t = self.time();
        format!("{:05}-{}", self.seq, t.format("%Y%m%d-%H%M"))
    }
}

/// `catalog.json` → None; `actas/GUB.csv` → Some("GUB"); anything else is refused.
pub fn member_election(path: &str) -> std::result::Result<Option<&str>, String> {
    if path == super::catalog::CATALOG_FILE {
        return Ok(None);
    }
    let election = path
        .strip_prefix("actas/")
        .and_then(|rest| rest.strip_suffix(".csv"))
        .ok_or_else(|| {
            format!("`{path}` is not a snapshot member (catalog.json or actas/<ELECTION>.csv)")
        })?;
    match plain_key_problem(election) {
        Some(p) => Err(format!(
            "`{path}`: the election id `{election}` is not a plain key: it {p}"
        )),
        None => Ok(Some(election)),
    }
}

/// RFC 3339 with an explicit offset.
pub fn parse_timestamp(s: &str) -> std::result::Result<DateTime<FixedOffset>, String> {
    DateTime::parse_from_rfc3339(s).map_err(|e| {
        format!("`{s}` is not a timestamp with offset ({e}); expected RFC 3339, e.g. 2024-06-02T20:00:00-06:00")
    })
}

/// The first year a corte can be from: the PREP began in the 1990s.
pub const FIRST_YEAR: i32 = 1990;

/// A corte time that no corte can have: an offset no place on Earth uses
/// (beyond -12:00 … +14:00, or not a whole quarter hour) or a year before
/// [`FIRST_YEAR`]. Times in the future are [`check_not_future`]'s business
/// (they depend on the clock).
pub fn plausible_time(text: &str, t: &DateTime<FixedOffset>) -> std::result::Result<(), String> {
    let offset = t.offset().local_minus_utc();
    if !(-12 * 3600..=14 * 3600).contains(&offset) || offset % 900 != 0 {
        return Err(format!(
            "`{text}` has the UTC offset {}, which no time zone uses (offsets run from -12:00 to +14:00, in quarter hours)",
            t.format("%:z")
        ));
    }
    if t.year() < FIRST_YEAR {
        return Err(format!(
            "`{text}` is in the year {}, before any PREP ({FIRST_YEAR}): a clock or export fault",
            t.year()
        ));
    }
    Ok(())
}

/// A corte time more than `skew` ahead of `now` (the exporting machine's
/// clock is wrong, or the time was typed): a named error on
/// `corte.json`'s `timestamp`.
pub fn check_not_future(
    meta: &CorteMeta,
    now: chrono::DateTime<chrono::Utc>,
    skew: chrono::Duration,
) -> Result<()> {
    let t = meta.time();
    if t.with_timezone(&chrono::Utc) > now + skew {
        return Err(err(
            "timestamp",
            format!(
                "`{}` is {} ahead of this machine's clock ({}), more than the {} s allowed (future_skew_secs in corte.toml's [sanity]): check the exporting machine's clock",
                meta.timestamp,
                ahead(t.with_timezone(&chrono::Utc) - now),
                now.format("%Y-%m-%dT%H:%M:%SZ"),
                skew.num_seconds()
            ),
        ));
    }
    Ok(())
}

/// `3 days 4 h`, `2 h 5 min`, `40 min`, `12 s`.
fn ahead(d: chrono::Duration) -> String {
    let s = d.num_seconds();
    match s {
        s if s >= 86_400 => format!("{} days {} h", s / 86_400, (s % 86_400) / 3600),
        s if s >= 3600 => format!("{} h {} min", s / 3600, (s % 3600) / 60),
        s if s >= 60 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

/// `(UTC-6)`, `(UTC+5:30)`, `(UTC)`: the offset as the PREP prints it.
pub fn utc_label(offset: &FixedOffset) -> String {
    let secs = offset.local_minus_utc();
    if secs == 0 {
        return "(UTC)".into();
    }
    let sign = if secs < 0 { '-' } else { '+' };
    let (h, m) = (secs.abs() / 3600, (secs.abs() % 3600) / 60);
    if m == 0 {
        format!("(UTC{sign}{h})")
    } else {
        format!("(UTC{sign}{h}:{m:02})")
    }
}

/// `02/06/2024 20:00 (UTC-6)`: the corte time on every page and file.
pub fn corte_label(t: &DateTime<FixedOffset>) -> String {
    format!(
        "{:02}/{:02}/{:04} {:02}:{:02} {}",
        t.day(),
        t.month(),
        t.year(),
        t.hour(),
        t.minute(),
        utc_label(t.offset())
    )
}

/// `02/06/2024 19:45:12 (UTC-6)`: an acta's acopio, captura or verificación
/// time. Written field by field: pages print three per acta, and a strftime
/// pattern is parsed again at every call.
pub fn fecha_hora_label(t: &DateTime<FixedOffset>) -> String {
    format!(
        "{:02}/{:02}/{:04} {:02}:{:02}:{:02} {}",
        t.day(),
        t.month(),
        t.year(),
        t.hour(),
        t.minute(),
        t.second(),
        utc_label(t.offset())
    )
}

/// What a producer (the importer, the generator, `corte seal`) hands to
/// `source::write`: the corte's identity and its member files' bytes.
/// `corte.json` is computed from them.
pub struct NewSnapshot {
    pub process_id: String,
    pub seq: u32,
    pub timestamp: String,
    pub final_corte: bool,
    /// `catalog.json` and `actas/<ELECTION>.csv`, by relative path.
    pub members: BTreeMap<String, Vec<u8>>,
}

impl NewSnapshot {
    pub fn corte_meta(&self) -> CorteMeta {
        CorteMeta {
            contract_version: super::CONTRACT_VERSION,
            process_id: self.process_id.clone(),
            seq: self.seq,
            timestamp: self.timestamp.clone(),
            final_corte: self.final_corte,
            members: self
                .members
                .iter()
                .map(|(path, bytes)| Member {
                    path: path.clone(),
                    size: bytes.len() as u64,
                    sha256: super::sha256_hex(bytes),
                })
                .collect(),
        }
    }

    /// Validates the members in memory, exactly as `source::load`
    /// validates a snapshot on disk once its hashes match (the database
    /// source's reads, before anything is written).
    pub fn validate(&self) -> std::result::Result<super::Snapshot, super::ContractError> {
        let mut catalog: &[u8] = &[];
        let mut actas = BTreeMap::new();
        for (path, bytes) in &self.members {
            match member_election(path) {
                Ok(None) => catalog = bytes,
                Ok(Some(election)) => {
                    actas.insert(election.to_string(), bytes.clone());
                }
                Err(message) => return Err(super::ContractError::new(CORTE_FILE, message)),
            }
        }
        super::Snapshot::from_members(self.corte_meta(), catalog, &actas)
    }

    pub fn corte_json(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(&self.corte_meta()).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corte_time_prints_as_the_prep_does() {
        let t = parse_timestamp("2024-06-02T20:00:00-06:00").unwrap();
        assert_eq!(corte_label(&t), "02/06/2024 20:00 (UTC-6)");
        let t = parse_timestamp("2021-06-07T20:00:00-05:00").unwrap();
        assert_eq!(corte_label(&t), "07/06/2021 20:00 (UTC-5)");
        let t = parse_timestamp("2024-06-02T19:05:09+05:30").unwrap();
        assert_eq!(fecha_hora_label(&t), "02/06/2024 19:05:09 (UTC+5:30)");
        let t = parse_timestamp("0999-01-01T00:00:00Z").unwrap();
        assert_eq!(
            corte_label(&t),
            t.format("%d/%m/%Y %H:%M (UTC)").to_string()
        );
    }

    #[test]
    fn impossible_offsets_and_years_are_named() {
        let check = |s: &str| plausible_time(s, &parse_timestamp(s).unwrap());
        assert!(check("2024-06-02T20:00:00-06:00").is_ok());
        assert!(check("2024-06-02T20:00:00+05:45").is_ok());
        assert!(check("2024-06-02T20:00:00+14:00").is_ok());
        let e = check("2024-06-02T20:00:00+23:59").unwrap_err();
        assert!(
            e.contains("has the UTC offset +23:59, which no time zone uses"),
            "{e}"
        );
        assert!(check("2024-06-02T20:00:00-06:07").is_err());
        let e = check("0000-06-02T20:00:00-06:00").unwrap_err();
        assert!(
            e.contains("is in the year 0, before any PREP (1990)"),
            "{e}"
        );
    }

    #[test]
    fn a_corte_time_ahead_of_the_clock_beyond_the_skew_is_named() {
        let meta = |ts: &str| CorteMeta {
            contract_version: 1,
            process_id: "p".into(),
            seq: 1,
            timestamp: ts.into(),
            final_corte: false,
            members: vec![],
        };
        let now = parse_timestamp("2024-06-02T20:00:00-06:00")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let skew = chrono::Duration::seconds(300);
        assert!(check_not_future(&meta("2024-06-02T20:05:00-06:00"), now, skew).is_ok());
        let e = check_not_future(&meta("2099-06-02T20:00:00-06:00"), now, skew)
            .unwrap_err()
            .to_string();
        assert!(e.contains("field timestamp: `2099-06-02T20:00:00-06:00` is 27393 days 0 h ahead of this machine's clock (2024-06-03T02:00:00Z), more than the 300 s allowed"), "{e}");
    }

    #[test]
    fn member_paths_are_only_catalog_and_actas() {
        assert_eq!(member_election("catalog.json"), Ok(None));
        assert_eq!(member_election("actas/GUB.csv"), Ok(Some("GUB")));
        assert!(member_election("actas/../x.csv").is_err());
        assert!(member_election("/etc/passwd").is_err());
        assert!(member_election("actas/GUB.txt").is_err());
    }

    #[test]
    fn corte_id_sorts_by_sequence() {
        let meta = CorteMeta {
            contract_version: 1,
            process_id: "p".into(),
            seq: 12,
            timestamp: "2024-06-02T20:00:00-06:00".into(),
            final_corte: false,
            members: vec![],
        };
        assert_eq!(meta.id(), "00012-20240602-2000");
    }
}
