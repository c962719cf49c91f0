//! Names and colours of Mexican political parties, for imports of published
//! files (which carry only column names). Unknown ids keep their id as name.

/// (ids as they appear in column names, name, colour).
const KNOWN: &[(&[&str], &str, &str)] = &[
    (&["PAN"], "Partido Acción Nacional", "#0049A8"),
    (&["PRI"], "Partido Revolucionario Institucional", "#E2231A"),
    (&["PRD"], "Partido de la Revolución Democrática", "#FFCC00"),
    (
        &["PVEM", "VERDE"],
        "Partido Verde Ecologista de México",
        "#4CB848",
    ),
    (&["PT"], "Partido del Trabajo", "#D52B1E"),
    (&["MC"], "Movimiento Ciudadano", "#F58025"),
    (&["MORENA", "MOR"], "Morena", "#B5261E"),
    (
        &["PES", "PESQROO", "PESC"],
        "Partido Encuentro Social",
        "#5B2C83",
    ),
    (&["RSP"], "Redes Sociales Progresistas", "#C7007D"),
    (&["FM", "FXM"], "Fuerza por México", "#E6007E"),
    (&["NA", "NAQROO", "PANAL"], "Nueva Alianza", "#00A3AD"),
    (&["MAS"], "Movimiento Auténtico Social", "#1D3F7A"),
    (&["CQROO"], "Confianza por Quintana Roo", "#E35205"),
];

/// The display name and colour of a party id.
pub fn lookup(id: &str) -> (String, Option<String>) {
    KNOWN
        .iter()
        .find(|(ids, _, _)| ids.contains(&id))
        .map(|(_, name, color)| (name.to_string(), Some(color.to_string())))
        .unwrap_or_else(|| (id.to_string(), None))
}
