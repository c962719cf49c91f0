//! The 32 entidades federativas: INE key, name and the short name that
//! institutes use in file names (`20240602_2000_PREP_CDMX.zip`).

pub const ENTIDADES: [(&str, &str, &str); 32] = [
    ("01", "AGUASCALIENTES", "AGS"),
    ("02", "BAJA CALIFORNIA", "BC"),
    ("03", "BAJA CALIFORNIA SUR", "BCS"),
    ("04", "CAMPECHE", "CAMP"),
    ("05", "COAHUILA", "COAH"),
    ("06", "COLIMA", "COL"),
    ("07", "CHIAPAS", "CHIS"),
    ("08", "CHIHUAHUA", "CHIH"),
    ("09", "CIUDAD DE MÉXICO", "CDMX"),
    ("10", "DURANGO", "DGO"),
    ("11", "GUANAJUATO", "GTO"),
    ("12", "GUERRERO", "GRO"),
    ("13", "HIDALGO", "HGO"),
    ("14", "JALISCO", "JAL"),
    ("15", "MÉXICO", "MEX"),
    ("16", "MICHOACÁN", "MICH"),
    ("17", "MORELOS", "MOR"),
    ("18", "NAYARIT", "NAY"),
    ("19", "NUEVO LEÓN", "NL"),
    ("20", "OAXACA", "OAX"),
    ("21", "PUEBLA", "PUE"),
    ("22", "QUERÉTARO", "QRO"),
    ("23", "QUINTANA ROO", "QROO"),
    ("24", "SAN LUIS POTOSÍ", "SLP"),
    ("25", "SINALOA", "SIN"),
    ("26", "SONORA", "SON"),
    ("27", "TABASCO", "TAB"),
    ("28", "TAMAULIPAS", "TAMPS"),
    ("29", "TLAXCALA", "TLAX"),
    ("30", "VERACRUZ", "VER"),
    ("31", "YUCATÁN", "YUC"),
    ("32", "ZACATECAS", "ZAC"),
];

/// Looks an entidad up by its INE key, with or without the leading zero.
pub fn by_id(id: &str) -> Option<(&'static str, &'static str, &'static str)> {
    let n: u32 = id.trim().parse().ok()?;
    ENTIDADES
        .iter()
        .copied()
        .find(|(k, _, _)| k.parse::<u32>().ok() == Some(n))
}

/// The IANA time zone most of an entidad lives in (informative: every
/// timestamp in a snapshot carries its own offset).
pub fn time_zone(id: &str) -> &'static str {
    match id.trim().parse::<u32>().unwrap_or(9) {
        2 => "America/Tijuana",
        3 | 18 | 25 => "America/Mazatlan",
        8 => "America/Chihuahua",
        26 => "America/Hermosillo",
        4 | 31 => "America/Merida",
        23 => "America/Cancun",
        _ => "America/Mexico_City",
    }
}
