//! Synthetic acta images: a small PNG per acta that carries a
//! `CODIGO_INTEGRIDAD`, drawn from the acta's own figures, so that the code
//! is the SHA-256 of a real file, as in a real PREP.
//!
//! Each image is [`IMAGE_WIDTH`] × [`IMAGE_HEIGHT`] pixels, 16-colour palette
//! (4 bits per pixel), and shows, top to bottom:
//! - a barcode of 188 one-pixel modules, the first bits of the SHA-256 of
//!   `election|casilla key|acta type`, so that every image differs;
//! - the casilla key, acta type and election in a 3×5 pixel font (scale 2);
//! - one bar per vote field, in the election's option order, then a gap and
//!   one bar per count (TOTAL_VOTOS_ASENTADO, BOLETAS_SOBRANTES,
//!   PERSONAS_VOTARON, REP_PARTIDO_CI_VOTARON, VOTOS_SACADOS). Bars share one
//!   scale: the acta's largest legible figure fills the chart's height. An
//!   `ILEGIBLE` field is a full-height red hatched bar, a `SIN DATO` field a
//!   full-height grey outline, a field off the ballot nothing;
//! - the same figures written out in the 3×5 font (scale 1): the votes, `/`,
//!   the counts, with `?` for `ILEGIBLE`, `-` for `SIN DATO` and `.` for a
//!   field off the ballot, on up to four lines (what does not fit is dropped).
//!
//! Encoding is fixed (no text, time or gamma chunks; fdeflate's fast mode;
//! the Up row filter), so the same acta always gives the same bytes. Images
//! are about 2–3 KB.
//!
//! Which images arrive when: [`late_images`] picks, by seed, the
//! [`LATE_IMAGE_RATE`] share of actas whose image comes one corte after the
//! acta's row (the digitalisation backlog); [`super::Generator::images`] cuts
//! them per corte.

use std::path::Path;

use rand::RngExt;
use rayon::prelude::*;

use crate::contract::{Acta, Campo};

use super::GenError;
use super::model;
use super::night::Registered;

pub const IMAGE_WIDTH: u32 = 200;
pub const IMAGE_HEIGHT: u32 = 120;

/// Share of actas with an image whose image arrives one corte after the
/// acta's row first appears (except at the final corte, where every image
/// has arrived).
pub const LATE_IMAGE_RATE: f64 = 0.07;

/// One acta image as it would land in the image folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedImage {
    /// `<sha256>.png`: the acta's `CODIGO_INTEGRIDAD` plus `.png`.
    pub file_name: String,
    /// The PNG file.
    pub bytes: Vec<u8>,
}

impl GeneratedImage {
    fn new(bytes: Vec<u8>) -> GeneratedImage {
        GeneratedImage {
            file_name: format!("{}.png", crate::contract::sha256_hex(&bytes)),
            bytes,
        }
    }

    /// The SHA-256 (lowercase hex) the file is named by: the acta's
    /// `CODIGO_INTEGRIDAD`.
    pub fn sha256(&self) -> &str {
        self.file_name
            .strip_suffix(".png")
            .unwrap_or(&self.file_name)
    }
}

/// Writes each image into `dir` (created if missing) as `dir/<file_name>`,
/// each through a temporary `.<file_name>.tmp` renamed into place, so that a
/// watcher never sees half an image. An existing file of the same name is
/// replaced (same name, same bytes). One file after another: threads
/// creating files in one folder only contend for its lock.
pub fn write_images(dir: &Path, images: &[GeneratedImage]) -> Result<(), GenError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| GenError::Io { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    images.iter().try_for_each(|image| {
        let name = &image.file_name;
        if name.is_empty()
            || name.starts_with('.')
            || name.contains(['/', '\\'])
            || !name.ends_with(".png")
        {
            return Err(GenError::Config(format!(
                "`{name}` is not an image file name (<sha256>.png)"
            )));
        }
        let tmp = dir.join(format!(".{name}.tmp"));
        let path = dir.join(name);
        std::fs::write(&tmp, &image.bytes).map_err(io(&tmp))?;
        std::fs::rename(&tmp, &path).map_err(io(&path))
    })
}

/// Replaces every `CODIGO_INTEGRIDAD` the night set (captured and fuera de
/// catálogo actas) by the SHA-256 of the acta's image.
pub(crate) fn stamp_codigos(
    elections: &[String],
    registered: &mut [Registered],
) -> Result<(), GenError> {
    elections
        .par_iter()
        .zip(registered.par_iter_mut())
        .try_for_each(|(election, r)| {
            r.actas.par_iter_mut().try_for_each(|acta| {
                if acta.codigo_integridad.is_some() {
                    let png = render(election, acta)?;
                    acta.codigo_integridad = Some(crate::contract::sha256_hex(&png));
                }
                Ok(())
            })
        })
}

/// Per election, per registered acta: whether its image arrives one corte
/// late. Drawn in registration order from a stream of its own, so the rest
/// of the night does not change.
pub(crate) fn late_images(seed: u64, registered: &[Registered]) -> Vec<Vec<bool>> {
    registered
        .iter()
        .enumerate()
        .map(|(e, r)| {
            let mut rng = model::stream(seed, 3_000 + e as u64);
            r.actas
                .iter()
                .map(|a| a.codigo_integridad.is_some() && rng.random_bool(LATE_IMAGE_RATE))
                .collect()
        })
        .collect()
}

/// The image of one acta of `election`.
pub(crate) fn image(election: &str, acta: &Acta) -> Result<GeneratedImage, GenError> {
    render(election, acta).map(GeneratedImage::new)
}

// Palette indices.
const PAPER: u8 = 0;
const INK: u8 = 1;
const FRAME: u8 = 2;
const VOTE: u8 = 3;
const COUNT: u8 = 4;
const ILEGIBLE: u8 = 5;
const SIN_DATO: u8 = 6;
const BASELINE: u8 = 7;

/// RGB per palette index.
const PALETTE: [[u8; 3]; 8] = [
    [0xF7, 0xF3, 0xE8], // paper
    [0x1A, 0x1A, 0x1A], // ink
    [0x9A, 0x9A, 0x9A], // frame
    [0x2F, 0x5D, 0x8A], // vote bar
    [0x55, 0x55, 0x55], // count bar
    [0xC0, 0x39, 0x2B], // ILEGIBLE
    [0xB0, 0xB0, 0xB0], // SIN DATO
    [0x70, 0x70, 0x70], // baseline
];

const MARGIN: usize = 6;
const BARCODE_TOP: usize = 4;
const BARCODE_BOTTOM: usize = 16;
const TEXT_TOP: usize = 20;
const TEXT_SCALE: usize = 2;
const CHART_TOP: usize = 36;
const BASE: usize = 86;
const FIGURES_TOP: usize = 90;
const LINE_HEIGHT: usize = 7;
const FIGURES_LINES: usize = 4;

/// The PNG of one acta: see the module documentation for the look.
pub(crate) fn render(election: &str, acta: &Acta) -> Result<Vec<u8>, GenError> {
    let mut c = Canvas::new(IMAGE_WIDTH as usize, IMAGE_HEIGHT as usize);
    frame(&mut c);
    barcode(
        &mut c,
        sha2_digest(format!(
            "{election}|{}|{}",
            acta.clave_casilla, acta.tipo_acta
        )),
    );
    let label = format!("{} {} {}", acta.clave_casilla, acta.tipo_acta, election);
    c.text(MARGIN, TEXT_TOP, &label, TEXT_SCALE, INK);
    bars(&mut c, acta);
    figures(&mut c, acta);
    c.encode()
}

fn frame(c: &mut Canvas) {
    let (w, h) = (c.width, c.height);
    c.fill(0, 0, w, 1, FRAME);
    c.fill(0, h - 1, w, h, FRAME);
    c.fill(0, 0, 1, h, FRAME);
    c.fill(w - 1, 0, w, h, FRAME);
}

/// One module per bit of the key's hash.
fn barcode(c: &mut Canvas, digest: [u8; 32]) {
    for x in MARGIN..c.width - MARGIN {
        let bit = x - MARGIN;
        if digest[(bit / 8) % digest.len()] >> (7 - bit % 8) & 1 == 1 {
            c.fill(x, BARCODE_TOP, x + 1, BARCODE_BOTTOM, INK);
        }
    }
}

/// TOTAL_VOTOS_ASENTADO, BOLETAS_SOBRANTES, PERSONAS_VOTARON,
/// REP_VOTARON, VOTOS_SACADOS.
fn counts(acta: &Acta) -> [Campo; 5] {
    [
        acta.total_asentado,
        acta.boletas_sobrantes,
        acta.personas_votaron,
        acta.rep_votaron,
        acta.votos_sacados,
    ]
}

/// The vote fields, a gap, the counts: one bar each, scaled to the
/// largest; ILEGIBLE hatched, SIN DATO an empty outline.
fn bars(c: &mut Canvas, acta: &Acta) {
    let w = c.width;
    let fields: Vec<(Campo, u8)> = acta
        .votos
        .iter()
        .map(|&v| (v, VOTE))
        .chain(std::iter::once((Campo::NoAplica, PAPER)))
        .chain(counts(acta).iter().map(|&v| (v, COUNT)))
        .collect();
    let top = fields
        .iter()
        .map(|(v, _)| v.value())
        .max()
        .unwrap_or(0)
        .max(1) as u64;
    let chart = BASE - CHART_TOP;
    let slot = ((w - 2 * MARGIN) / fields.len().max(1)).max(2);
    let bar = slot - 1;
    for (i, &(field, colour)) in fields.iter().enumerate() {
        let x = MARGIN + i * slot;
        if x + bar > w - MARGIN {
            break;
        }
        match field {
            Campo::Num(v) => {
                let v = v as u64;
                let height = (v * chart as u64).div_ceil(top) as usize;
                c.fill(x, BASE - height, x + bar, BASE, colour);
            }
            Campo::Ilegible => {
                for y in CHART_TOP..BASE {
                    for xx in x..x + bar {
                        if (xx + y) % 4 < 2 {
                            c.set(xx, y, ILEGIBLE);
                        }
                    }
                }
            }
            Campo::SinDato => {
                c.fill(x, CHART_TOP, x + bar, CHART_TOP + 1, SIN_DATO);
                c.fill(x, CHART_TOP, x + 1, BASE, SIN_DATO);
                c.fill(x + bar - 1, CHART_TOP, x + bar, BASE, SIN_DATO);
            }
            Campo::NoAplica => {}
        }
    }
    c.fill(MARGIN, BASE, w - MARGIN, BASE + 1, BASELINE);
}

/// The figures as written: votes, `/`, counts; `?` ILEGIBLE, `-` SIN DATO,
/// `.` off the ballot. Wrapped at spaces; what does not fit is dropped.
fn figures(c: &mut Canvas, acta: &Acta) {
    let word = |v: &Campo| match v {
        Campo::Num(n) => n.to_string(),
        Campo::Ilegible => "?".into(),
        Campo::SinDato => "-".into(),
        Campo::NoAplica => ".".into(),
    };
    let words: Vec<String> = acta
        .votos
        .iter()
        .map(word)
        .chain(std::iter::once("/".into()))
        .chain(counts(acta).iter().map(word))
        .collect();
    let per_line = (c.width - 2 * MARGIN) / 4;
    let mut lines: Vec<String> = vec![String::new()];
    for word in words {
        let line = lines
            .last_mut()
            .filter(|l| l.len() + 1 + word.len() <= per_line);
        match line {
            Some(line) if !line.is_empty() => {
                line.push(' ');
                line.push_str(&word);
            }
            Some(line) => line.push_str(&word),
            None => lines.push(word),
        }
    }
    for (i, line) in lines.iter().take(FIGURES_LINES).enumerate() {
        c.text(MARGIN, FIGURES_TOP + i * LINE_HEIGHT, line, 1, INK);
    }
}

fn sha2_digest(input: String) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(input.as_bytes()).into()
}

/// Palette-indexed pixels, one byte each until encoded.
struct Canvas {
    width: usize,
    height: usize,
    pixels: Vec<u8>,
}

impl Canvas {
    fn new(width: usize, height: usize) -> Canvas {
        Canvas {
            width,
            height,
            pixels: vec![PAPER; width * height],
        }
    }

    fn set(&mut self, x: usize, y: usize, colour: u8) {
        if x < self.width && y < self.height {
            self.pixels[y * self.width + x] = colour;
        }
    }

    /// Fills `[x0, x1) × [y0, y1)`, clipped to the canvas.
    fn fill(&mut self, x0: usize, y0: usize, x1: usize, y1: usize, colour: u8) {
        let (x1, y1) = (x1.min(self.width), y1.min(self.height));
        for y in y0..y1 {
            let row = y * self.width;
            if x0 < x1 {
                self.pixels[row + x0..row + x1].fill(colour);
            }
        }
    }

    /// Upper-case text in the 3×5 font, `scale` pixels per font pixel;
    /// characters past the right margin are dropped.
    fn text(&mut self, x: usize, y: usize, text: &str, scale: usize, colour: u8) {
        let advance = 4 * scale;
        for (i, ch) in text.chars().enumerate() {
            let left = x + i * advance;
            if left + 3 * scale > self.width - MARGIN {
                break;
            }
            for (row, bits) in glyph(ch).iter().enumerate() {
                for col in 0..3 {
                    if bits >> (2 - col) & 1 == 1 {
                        let (px, py) = (left + col * scale, y + row * scale);
                        self.fill(px, py, px + scale, py + scale, colour);
                    }
                }
            }
        }
    }

    /// The PNG: 4-bit palette, fixed compression, no ancillary chunks but
    /// the palette.
    fn encode(&self) -> Result<Vec<u8>, GenError> {
        let err = |e: png::EncodingError| GenError::Image(e.to_string());
        let row_bytes = self.width.div_ceil(2);
        let mut packed = Vec::with_capacity(row_bytes * self.height);
        for row in self.pixels.chunks_exact(self.width) {
            let pairs = row.chunks_exact(2);
            let odd = pairs.remainder().first().map(|&p| (p & 0x0F) << 4);
            packed.extend(pairs.map(|p| ((p[0] & 0x0F) << 4) | (p[1] & 0x0F)));
            packed.extend(odd);
        }
        let palette: Vec<u8> = PALETTE.iter().flatten().copied().collect();
        let mut out = Vec::with_capacity(4_096);
        let mut encoder = png::Encoder::new(&mut out, self.width as u32, self.height as u32);
        encoder.set_color(png::ColorType::Indexed);
        encoder.set_depth(png::BitDepth::Four);
        encoder.set_palette(palette);
        // fdeflate with the Up filter: about 40 µs and 2.5 KB an image, where
        // zlib level 6 took five times as long for 0.6 KB.
        encoder.set_deflate_compression(png::DeflateCompression::FdeflateUltraFast);
        encoder.set_filter(png::Filter::Up);
        let mut writer = encoder.write_header().map_err(err)?;
        writer.write_image_data(&packed).map_err(err)?;
        writer.finish().map_err(err)?;
        // A corte's images are held together: keep only their bytes.
        out.shrink_to_fit();
        Ok(out)
    }
}

/// Rows of a 3×5 glyph, three bits each (left bit first); unknown
/// characters are blank.
fn glyph(ch: char) -> [u8; 5] {
    match ch.to_ascii_uppercase() {
        '0' => [0b111, 0b101, 0b101, 0b101, 0b111],
        '1' => [0b010, 0b110, 0b010, 0b010, 0b111],
        '2' => [0b111, 0b001, 0b111, 0b100, 0b111],
        '3' => [0b111, 0b001, 0b111, 0b001, 0b111],
        '4' => [0b101, 0b101, 0b111, 0b001, 0b001],
        '5' => [0b111, 0b100, 0b111, 0b001, 0b111],
        '6' => [0b111, 0b100, 0b111, 0b101, 0b111],
        '7' => [0b111, 0b001, 0b001, 0b001, 0b001],
        '8' => [0b111, 0b101, 0b111, 0b101, 0b111],
        '9' => [0b111, 0b101, 0b111, 0b001, 0b111],
        'A' => [0b010, 0b101, 0b111, 0b101, 0b101],
        'B' => [0b110, 0b101, 0b110, 0b101, 0b110],
        'C' => [0b011, 0b100, 0b100, 0b100, 0b011],
        'D' => [0b110, 0b101, 0b101, 0b101, 0b110],
        'E' => [0b111, 0b100, 0b110, 0b100, 0b111],
        'F' => [0b111, 0b100, 0b110, 0b100, 0b100],
        'G' => [0b011, 0b100, 0b101, 0b101, 0b011],
        'H' => [0b101, 0b101, 0b111, 0b101, 0b101],
        'I' => [0b111, 0b010, 0b010, 0b010, 0b111],
        'J' => [0b001, 0b001, 0b001, 0b101, 0b010],
        'K' => [0b101, 0b101, 0b110, 0b101, 0b101],
        'L' => [0b100, 0b100, 0b100, 0b100, 0b111],
        'M' => [0b101, 0b111, 0b111, 0b101, 0b101],
        'N' => [0b110, 0b101, 0b101, 0b101, 0b101],
        'O' => [0b010, 0b101, 0b101, 0b101, 0b010],
        'P' => [0b110, 0b101, 0b110, 0b100, 0b100],
        'Q' => [0b010, 0b101, 0b101, 0b110, 0b011],
        'R' => [0b110, 0b101, 0b110, 0b101, 0b101],
        'S' => [0b011, 0b100, 0b010, 0b001, 0b110],
        'T' => [0b111, 0b010, 0b010, 0b010, 0b010],
        'U' => [0b101, 0b101, 0b101, 0b101, 0b111],
        'V' => [0b101, 0b101, 0b101, 0b101, 0b010],
        'W' => [0b101, 0b101, 0b111, 0b111, 0b101],
        'X' => [0b101, 0b101, 0b010, 0b101, 0b101],
        'Y' => [0b101, 0b101, 0b010, 0b010, 0b010],
        'Z' => [0b111, 0b001, 0b010, 0b100, 0b111],
        '-' => [0b000, 0b000, 0b111, 0b000, 0b000],
        '_' => [0b000, 0b000, 0b000, 0b000, 0b111],
        '?' => [0b111, 0b001, 0b010, 0b000, 0b010],
        '.' => [0b000, 0b000, 0b000, 0b000, 0b010],
        '/' => [0b001, 0b001, 0b010, 0b100, 0b100],
        _ => [0; 5],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::EstadoActa;

    fn acta(votos: Vec<Campo>) -> Acta {
        Acta {
            casilla: Some(0),
            total_asentado: Campo::Num(424),
            boletas_sobrantes: Campo::Num(272),
            personas_votaron: Campo::Num(420),
            rep_votaron: Campo::Num(2),
            votos_sacados: Campo::Num(433),
            codigo_integridad: Some("x".into()),
            ..Acta::new("090885C0100", "A02", EstadoActa::Capturada, votos)
        }
    }

    /// Decodes to palette indices, one per pixel.
    fn pixels(png: &[u8]) -> Vec<u8> {
        let decoder = png::Decoder::new(std::io::Cursor::new(png));
        let mut reader = decoder.read_info().expect("a PNG");
        let info = reader.info();
        assert_eq!((info.width, info.height), (IMAGE_WIDTH, IMAGE_HEIGHT));
        assert_eq!(info.color_type, png::ColorType::Indexed);
        let mut buf = vec![0; reader.output_buffer_size().expect("size")];
        reader.next_frame(&mut buf).expect("a frame");
        buf.iter().flat_map(|b| [b >> 4, b & 0x0F]).collect()
    }

    /// The chunk types of a PNG, in order.
    fn chunks(png: &[u8]) -> Vec<String> {
        let mut out = Vec::new();
        let mut at = 8;
        while at + 8 <= png.len() {
            let len = u32::from_be_bytes([png[at], png[at + 1], png[at + 2], png[at + 3]]);
            out.push(String::from_utf8_lossy(&png[at + 4..at + 8]).into_owned());
            at += 12 + len as usize;
        }
        out
    }

    #[test]
    fn only_the_header_palette_and_pixels_are_written() {
        let png = render("GUB", &acta(vec![Campo::Num(54)])).expect("renders");
        let mut kinds = chunks(&png);
        kinds.dedup();
        assert_eq!(kinds, ["IHDR", "PLTE", "IDAT", "IEND"]);
    }

    #[test]
    fn the_same_acta_gives_the_same_bytes_and_another_other_bytes() {
        let a = acta(vec![Campo::Num(54), Campo::Num(26), Campo::Num(214)]);
        let png = render("GUB", &a).expect("renders");
        assert_eq!(png, render("GUB", &a).expect("renders"));
        assert_ne!(png, render("ALC", &a).expect("renders"));
        let mut b = a.clone();
        b.votos[2] = Campo::Num(213);
        assert_ne!(png, render("GUB", &b).expect("renders"));
        let mut c = a.clone();
        c.clave_casilla = "090885C0200".into();
        assert_ne!(png, render("GUB", &c).expect("renders"));
        assert!(png.len() < 4_096, "{} bytes", png.len());
    }

    #[test]
    fn illegible_and_blank_fields_are_drawn_apart() {
        let legible = pixels(&render("GUB", &acta(vec![Campo::Num(54); 3])).expect("renders"));
        assert!(!legible.contains(&ILEGIBLE) && !legible.contains(&SIN_DATO));
        assert!(legible.contains(&VOTE) && legible.contains(&COUNT));
        let ilegible = pixels(
            &render(
                "GUB",
                &acta(vec![Campo::Num(54), Campo::Ilegible, Campo::Num(3)]),
            )
            .expect("renders"),
        );
        assert!(ilegible.contains(&ILEGIBLE) && !ilegible.contains(&SIN_DATO));
        let sin_dato = pixels(
            &render(
                "GUB",
                &acta(vec![Campo::Num(54), Campo::SinDato, Campo::Num(3)]),
            )
            .expect("renders"),
        );
        assert!(sin_dato.contains(&SIN_DATO) && !sin_dato.contains(&ILEGIBLE));
    }

    #[test]
    fn the_tallest_bar_fills_the_chart() {
        let png = render("GUB", &acta(vec![Campo::Num(433), Campo::Num(1)])).expect("renders");
        let px = pixels(&png);
        let at = |x: usize, y: usize| px[y * IMAGE_WIDTH as usize + x];
        // Fields: 2 votes, gap, 5 counts = 8 slots of 188 / 8 = 23 pixels.
        assert_eq!(at(MARGIN, CHART_TOP), VOTE);
        assert_eq!(at(MARGIN, CHART_TOP - 1), PAPER);
        // One vote of 433 is one pixel high.
        assert_eq!(at(MARGIN + 23, BASE - 1), VOTE);
        assert_eq!(at(MARGIN + 23, BASE - 2), PAPER);
    }

    #[test]
    fn write_images_renames_into_place() {
        let dir = tempfile::tempdir().expect("temp dir");
        let image = GeneratedImage::new(b"not really a png".to_vec());
        write_images(dir.path(), std::slice::from_ref(&image)).expect("writes");
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .expect("lists")
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .collect();
        assert_eq!(names, vec![image.file_name.clone()]);
        assert_eq!(image.sha256().len(), 64);
        let bad = GeneratedImage {
            file_name: "../x.png".into(),
            bytes: Vec::new(),
        };
        assert!(write_images(dir.path(), &[bad]).is_err());
    }
}
