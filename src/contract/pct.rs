//! Percentages in integer arithmetic: four decimals, truncated, never rounded
//! (Anexo 13). Floating point gets the fourth decimal wrong.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A percentage in ten-thousandths of a percent: `Porcentaje(850052)` is 85.0052 %.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Porcentaje(pub u64);

impl Porcentaje {
    /// `part / whole × 100`, truncated to four decimals; 0 when `whole` is 0.
    pub fn of(part: u64, whole: u64) -> Porcentaje {
        if whole == 0 {
            return Porcentaje(0);
        }
        Porcentaje(((part as u128 * 1_000_000) / whole as u128) as u64)
    }

    /// `35.1234`: as in the database file.
    pub fn plain(self) -> String {
        format!("{}.{:04}", self.0 / 10_000, self.0 % 10_000)
    }
}

impl fmt::Display for Porcentaje {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:04}", self.0 / 10_000, self.0 % 10_000)
    }
}

impl Serialize for Porcentaje {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.plain())
    }
}

impl std::str::FromStr for Porcentaje {
    type Err = String;

    /// `35.1234` (exactly four decimals, as written).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("`{s}` is not a percentage with four decimals such as 35.1234");
        let (int, frac) = s.split_once('.').ok_or_else(bad)?;
        if frac.len() != 4
            || int.is_empty()
            || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
        {
            return Err(bad());
        }
        let int: u64 = int.parse().map_err(|_| bad())?;
        let frac: u64 = frac.parse().map_err(|_| bad())?;
        Ok(Porcentaje(int * 10_000 + frac))
    }
}

impl<'de> Deserialize<'de> for Porcentaje {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_truncate_and_keep_trailing_zeros() {
        assert_eq!(Porcentaje::of(1092, 1190).to_string(), "91.7647");
        assert_eq!(Porcentaje::of(1050, 1190).to_string(), "88.2352"); // 88.23529… truncated
        assert_eq!(Porcentaje::of(2136, 2136).to_string(), "100.0000");
        assert_eq!(Porcentaje::of(0, 0).to_string(), "0.0000");
        assert_eq!(Porcentaje::of(1, 3).to_string(), "33.3333");
        assert_eq!(Porcentaje::of(2, 3).to_string(), "66.6666");
    }

    #[test]
    fn no_overflow_at_national_scale() {
        assert_eq!(
            Porcentaje::of(98_000_000_000, 98_000_000_000).to_string(),
            "100.0000"
        );
    }
}
