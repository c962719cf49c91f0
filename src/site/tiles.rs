//! Maps without map data: a tile grid, one square per distrito or
//! demarcación, placed by the theme's `tiles.toml` and coloured by the
//! candidacy that leads the unit. Each tile links to the unit's page; the
//! page shows the same figures in a table beside the map.
//!
//! What this is not: a geographic map. Positions only approximate where the
//! units lie; a catalog of another entidad, or a unit without a position,
//! gets no tile (the table still lists it).

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Deserialize;

/// The tile positions of a theme (`tiles.toml`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tiles {
    /// The INE key of the entidad the positions are for (`09`).
    #[serde(default)]
    pub entidad: String,
    #[serde(default)]
    pub distrito: BTreeMap<String, Tile>,
    #[serde(default)]
    pub demarcacion: BTreeMap<String, Tile>,
}

/// Where a unit's tile goes: column and row from the top left, and an
/// optional short label (else the unit's number).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Tile {
    pub x: u16,
    pub y: u16,
    #[serde(default)]
    pub abrev: Option<String>,
}

/// The largest grid a theme may ask for, in columns and rows.
const MAX_GRID: u16 = 64;

/// `005` and `5` are the same unit.
fn norm(id: &str) -> &str {
    let t = id.trim_start_matches('0');
    if t.is_empty() { "0" } else { t }
}

impl Tiles {
    /// Parses `tiles.toml`; refuses positions off the grid and two units on
    /// one square.
    pub fn parse(text: &str) -> Result<Tiles, String> {
        let tiles: Tiles = toml::from_str(text).map_err(|e| e.to_string())?;
        for (level, map) in [
            ("distrito", &tiles.distrito),
            ("demarcacion", &tiles.demarcacion),
        ] {
            let mut seen: BTreeMap<(u16, u16), &str> = BTreeMap::new();
            for (id, t) in map {
                if t.x >= MAX_GRID || t.y >= MAX_GRID {
                    return Err(format!(
                        "[{level}] \"{id}\": x and y must be under {MAX_GRID}"
                    ));
                }
                if let Some(other) = seen.insert((t.x, t.y), id) {
                    return Err(format!(
                        "[{level}] \"{id}\" and \"{other}\" are both at x = {}, y = {}",
                        t.x, t.y
                    ));
                }
            }
        }
        Ok(tiles)
    }

    /// The tile of a unit of `entidad` at a level (`distrito`, `demarcacion`).
    pub fn position(&self, entidad: &str, level: &str, id: &str) -> Option<&Tile> {
        if self.entidad.is_empty() || norm(&self.entidad) != norm(entidad) {
            return None;
        }
        let map = match level {
            "distrito" => &self.distrito,
            "demarcacion" => &self.demarcacion,
            _ => return None,
        };
        map.iter()
            .find(|(k, _)| norm(k) == norm(id))
            .map(|(_, t)| t)
    }
}

/// One tile to draw.
#[derive(Debug, Clone)]
pub struct MapTile<'a> {
    pub id: &'a str,
    /// Text on the tile: the theme's `abrev`, else the unit's number.
    pub label: String,
    /// Said to screen readers and in the tooltip: `Distrito 5: MORENA, 1,234 votos (45.1234 %)`.
    pub description: String,
    /// Relative to the site root.
    pub href: String,
    pub x: u16,
    pub y: u16,
    /// The leading candidacy's key and colour; none while nothing is counted.
    pub lider: Option<&'a str>,
    pub color: Option<&'a str>,
}

/// Tiles are this many units wide, with this gap between them.
const TILE: u32 = 44;
const GAP: u32 = 4;
/// Tiles of units with nothing counted yet, and of candidacies with no colour.
pub const NO_DATA: &str = "#E6E6E6";
pub const NO_COLOR: &str = "#8C8C8C";

/// `#RRGGBB` as given, or None.
fn rgb(color: &str) -> Option<(u8, u8, u8)> {
    let hex = color.strip_prefix('#')?;
    if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let c = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
    Some((c(0)?, c(2)?, c(4)?))
}

/// Black or white, whichever contrasts more with the fill (WCAG luminance).
fn ink(fill: (u8, u8, u8)) -> &'static str {
    let lin = |c: u8| {
        let c = c as f64 / 255.0;
        if c <= 0.03928 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    let l = 0.2126 * lin(fill.0) + 0.7152 * lin(fill.1) + 0.0722 * lin(fill.2);
    // Contrast with white (1.05 / (l + 0.05)) against black ((l + 0.05) / 0.05).
    if 1.05 / (l + 0.05) >= (l + 0.05) / 0.05 {
        "#FFFFFF"
    } else {
        "#000000"
    }
}

fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The map as inline SVG. `root` leads from the page to the site root;
/// `title` labels the whole map. Deterministic: tiles in the order given,
/// integer layout. Its size is its own (a tile is about a fingertip wide),
/// so a map of two units stays small; CSS may only shrink it.
pub fn svg(title: &str, tiles: &[MapTile], root: &str) -> String {
    // Cropped to the tiles drawn: a catalog with a few of the units placed
    // gets a small map, not a corner of the whole grid.
    let x0 = tiles.iter().map(|t| t.x as u32).min().unwrap_or(0);
    let y0 = tiles.iter().map(|t| t.y as u32).min().unwrap_or(0);
    let cols = tiles.iter().map(|t| t.x as u32 + 1 - x0).max().unwrap_or(0);
    let rows = tiles.iter().map(|t| t.y as u32 + 1 - y0).max().unwrap_or(0);
    let (w, h) = (cols * TILE, rows * TILE);
    let mut out = String::new();
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"mapa\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"group\" aria-label=\"{}\" font-family=\"Helvetica,Arial,sans-serif\" font-size=\"13\" text-anchor=\"middle\">",
        esc(title)
    );
    for t in tiles {
        let fill = match (t.lider, t.color.and_then(rgb)) {
            (None, _) => NO_DATA.to_string(),
            (Some(_), Some((r, g, b))) => format!("#{r:02X}{g:02X}{b:02X}"),
            (Some(_), None) => NO_COLOR.to_string(),
        };
        let text_color = ink(rgb(&fill).unwrap_or((0xE6, 0xE6, 0xE6)));
        let (x, y) = ((t.x as u32 - x0) * TILE, (t.y as u32 - y0) * TILE);
        let side = TILE - GAP;
        let _ = write!(
            out,
            "<a href=\"{}{}\" data-unit=\"{}\" data-lider=\"{}\" aria-label=\"{}\"><title>{}</title><rect x=\"{x}\" y=\"{y}\" width=\"{side}\" height=\"{side}\" rx=\"4\" fill=\"{fill}\" stroke=\"#595959\" stroke-width=\"1\"/><text x=\"{}\" y=\"{}\" fill=\"{text_color}\">{}</text></a>",
            esc(root),
            esc(&t.href),
            esc(t.id),
            esc(t.lider.unwrap_or("")),
            esc(&t.description),
            esc(&t.description),
            x + side / 2,
            y + side / 2 + 5,
            esc(&t.label),
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_themes_tiles_place_every_cdmx_unit_once() {
        let text = include_str!("../../themes/default/tiles.toml");
        let tiles = Tiles::parse(text).unwrap();
        assert_eq!(tiles.distrito.len(), 33);
        assert_eq!(tiles.demarcacion.len(), 16);
        assert!(tiles.position("09", "distrito", "33").is_some());
        assert!(tiles.position("9", "demarcacion", "002").is_some());
        assert!(
            tiles.position("23", "distrito", "001").is_none(),
            "another entidad"
        );
        assert!(tiles.position("09", "distrito", "034").is_none(), "abroad");
    }

    #[test]
    fn two_units_on_one_square_are_refused() {
        let err = Tiles::parse(
            "entidad = \"09\"\n[distrito]\n\"1\" = { x = 0, y = 0 }\n\"2\" = { x = 0, y = 0 }\n",
        )
        .unwrap_err();
        assert!(err.contains("both at x = 0, y = 0"), "{err}");
    }

    #[test]
    fn a_map_is_cropped_to_its_tiles() {
        let tile = |id, x, y| MapTile {
            id,
            label: id.into(),
            description: id.into(),
            href: format!("d/{id}.html"),
            x,
            y,
            lider: None,
            color: None,
        };
        let svg = svg("m", &[tile("1", 2, 3), tile("2", 3, 3)], "");
        assert!(svg.contains("viewBox=\"0 0 88 44\""), "{svg}");
        assert!(svg.contains("<rect x=\"44\" y=\"0\""), "{svg}");
    }

    #[test]
    fn text_on_a_tile_contrasts_with_its_colour() {
        assert_eq!(ink((0xA6, 0x19, 0x2E)), "#FFFFFF");
        assert_eq!(ink((0xFF, 0xD7, 0x00)), "#000000");
        assert_eq!(ink((0xE6, 0xE6, 0xE6)), "#000000");
    }

    #[test]
    fn names_in_a_map_are_escaped() {
        let t = MapTile {
            id: "1",
            label: "<b>".into(),
            description: "\"x\" & <y>".into(),
            href: "a/1.html".into(),
            x: 0,
            y: 0,
            lider: Some("A"),
            color: Some("#00FF00\"/><script>"),
        };
        let svg = svg("m", &[t], "../");
        assert!(!svg.contains("<script>") && !svg.contains("<b>"));
        assert!(svg.contains(&format!("fill=\"{NO_COLOR}\"")));
        assert!(svg.contains("href=\"../a/1.html\""));
    }
}
