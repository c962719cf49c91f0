//! Reading a ruleset given on the command line or in `corte.toml`: a TOML
//! file, or the name of a built-in one.

use std::path::Path;

use crate::contract::RulesetSpec;
use crate::contract::ruleset::{from_toml, named};

/// `--ruleset NAME|FILE`: a path to an existing file is read as TOML, anything
/// else is a built-in name.
pub fn from_arg(arg: &str) -> Result<RulesetSpec, String> {
    let path = Path::new(arg);
    if path.is_file() {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{arg}: cannot read the ruleset: {e}"))?;
        return from_toml(arg, &text);
    }
    named(arg)
}
