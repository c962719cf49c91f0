//! Mexican political parties as published files spell them, for imports
//! (which carry only column names and labels): each party's abbreviations
//! (`PVEM`, `PV`, `VERDE`), its name, and a colour for charts. Unknown ids
//! keep their id as name. Which spelling means which column of a given file
//! is decided in `import::ballot`, against that file's columns.

use crate::anexo13::import::normalize::fold;

/// (abbreviations as they appear in column names and labels, name, colour).
const KNOWN: &[(&[&str], &str, Option<&str>)] = &[
    (&["PAN"], "Partido Acción Nacional", Some("#0049A8")),
    (
        &["PRI"],
        "Partido Revolucionario Institucional",
        Some("#E2231A"),
    ),
    (
        &["PRD"],
        "Partido de la Revolución Democrática",
        Some("#FFCC00"),
    ),
    (
        &["PVEM", "PV", "VERDE"],
        "Partido Verde Ecologista de México",
        Some("#4CB848"),
    ),
    (&["PT"], "Partido del Trabajo", Some("#D52B1E")),
    (&["MC", "PMC"], "Movimiento Ciudadano", Some("#F58025")),
    (&["MORENA", "MOR"], "Morena", Some("#B5261E")),
    (
        &["PES", "PESQROO", "PESC", "ES"],
        "Partido Encuentro Social",
        Some("#5B2C83"),
    ),
    (
        &["RSP", "REDES"],
        "Redes Sociales Progresistas",
        Some("#C7007D"),
    ),
    (&["FM", "FXM", "FPM"], "Fuerza por México", Some("#E6007E")),
    (
        &["NA", "NAQROO", "PANAL", "NUAL", "NAP"],
        "Nueva Alianza",
        Some("#00A3AD"),
    ),
    (&["MAS"], "Movimiento Auténtico Social", Some("#1D3F7A")),
    (&["CQROO"], "Confianza por Quintana Roo", Some("#E35205")),
    (&["CPP"], "Compromiso por Puebla", None),
    (&["PSI"], "Pacto Social de Integración", None),
    (&["PUP"], "Partido Unidad Popular", None),
];

/// Other names a party goes by in candidates files (folded).
const ALSO_NAMED: &[(&str, &str)] = &[
    ("MOVIMIENTO REGENERACION NACIONAL", "MORENA"),
    ("PARTIDO VERDE", "PVEM"),
    ("PARTIDO ENCUENTRO SOLIDARIO", "PES"),
    ("ENCUENTRO SOCIAL", "PES"),
    ("PARTIDO NUEVA ALIANZA", "NA"),
];

/// The display name and colour of a party id.
pub fn lookup(id: &str) -> (String, Option<String>) {
    known(id)
        .map(|k| {
            let (_, name, color) = KNOWN[k];
            (name.to_string(), color.map(str::to_string))
        })
        .unwrap_or_else(|| (id.to_string(), None))
}

/// Which known party a spelling names: by abbreviation (`PV`), by name
/// (`Partido Verde Ecologista de México`, any case or accents), or by
/// another name it goes by. An index into the known parties.
pub fn known(spelling: &str) -> Option<usize> {
    let folded = fold(spelling);
    let bare: String = folded
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    let by_id = |id: &str| KNOWN.iter().position(|(ids, _, _)| ids.contains(&id));
    by_id(&bare)
        .or_else(|| KNOWN.iter().position(|(_, name, _)| fold(name) == folded))
        .or_else(|| {
            ALSO_NAMED
                .iter()
                .find(|(name, _)| *name == folded)
                .and_then(|(_, id)| by_id(id))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_one_party_are_known_as_one() {
        assert_eq!(known("PV"), known("PVEM"));
        assert_eq!(known("MOR"), known("MORENA"));
        assert_eq!(known("PARTIDO VERDE ECOLOGISTA DE MÉXICO"), known("PVEM"));
        assert_eq!(known("Partido Acción Nacional"), known("PAN"));
        assert_ne!(known("PANAL"), known("PAN"));
        assert_eq!(known("XYZ"), None);
        assert_eq!(lookup("PV").0, "Partido Verde Ecologista de México");
        assert_eq!(lookup("XYZ"), ("XYZ".to_string(), None));
    }
}
