//! Rulesets: the small, named set of knobs in which real publishers differ
//! (DOMAIN.md, "Rule variants"). One engine, one ruleset per process. The
//! knobs, the built-ins and their parsing are the contract's
//! ([`crate::contract::ruleset`]); this is the name the counting rules use.

pub use crate::contract::RulesetSpec as Ruleset;

pub use crate::contract::ruleset::{BUILTIN_NAMES, DEFAULT, builtin, from_toml, resolve};

/// The ruleset as TOML, for `corte rulesets` and the help pages.
pub fn to_toml(r: &Ruleset) -> String {
    toml::to_string(r).unwrap_or_default()
}
