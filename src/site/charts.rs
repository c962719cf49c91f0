//! Charts as inline SVG, drawn with plotters. Every chart comes with a text
//! alternative (`alt`, Spanish, es-MX numbers) listing every figure it shows;
//! the page also shows the same figures in a table.
//!
//! What the SVG promises the pages:
//! - it can be inserted unescaped: it is built from numbers, our own
//!   attribute values, and labels escaped by the backend that writes it;
//! - it scales: a `viewBox` 360 units wide (a phone's width, so 14-unit text
//!   reads at about 14 px there), `width="100%"` and no fixed pixel size; a
//!   theme caps it on wide screens with CSS (`max-width`, `max-height`);
//! - it is accessible: `role="img"` and an `aria-label` holding `alt`; text
//!   never sits on a bar (labels and figures go above it, in `currentColor`,
//!   so they follow the page's text colour and contrast); bars too light to
//!   tell from a white page (contrast under 3:1) get a darker outline;
//! - it is deterministic: integer layout, no maps, no random ids;
//! - it is small and quick: plotters draws through [`backend::CompactSvg`],
//!   which writes no default attributes, sets fonts once on the root and no
//!   line breaks. Plotters' own `SVGBackend` writes about twice the bytes;
//!   trimming its output afterwards took four times as long as writing
//!   compact SVG directly (`benches/charts.rs`).
//!
//! Text width is estimated (no fonts at render time): Helvetica/Arial
//! advance widths with a margin, so labels are shortened with "…" before they
//! could run into the figures.

mod backend;

use std::borrow::Cow;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use self::backend::{CompactSvg, escape_into};
use super::format::{miles, pct};
use crate::tally::Porcentaje;

/// An SVG chart and its text alternative.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chart {
    pub svg: String,
    pub alt: String,
}

/// One bar: a label, a value and an optional `#RRGGBB` colour.
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub value: u64,
    pub color: Option<String>,
}

/// One line of an evolution chart: a label, a colour and one value per corte.
#[derive(Debug, Clone)]
pub struct Series {
    pub label: String,
    pub color: Option<String>,
    pub points: Vec<Porcentaje>,
}

/// Width of every chart in SVG units: a phone's width.
pub const WIDTH: u32 = 360;
/// Default text size, set once on the root element.
const FONT: u32 = 14;
/// Axis labels of the evolution chart.
const SMALL: u32 = 12;
/// Left and right edge of the drawing.
const X0: i32 = 2;
const X1: i32 = WIDTH as i32 - 2;

/// Text colour: the backend leaves it out, so text takes `currentColor`.
const INK: RGBColor = RGBColor(backend::INK.0, backend::INK.1, backend::INK.2);
/// Bars whose catalog entry has no colour.
const NEUTRAL: RGBColor = RGBColor(0x76, 0x76, 0x76);
/// Empty part of a gauge or stacked bar, and its outline.
const TRACK: RGBColor = RGBColor(0xE0, 0xE0, 0xE0);
const OUTLINE: RGBColor = RGBColor(0x76, 0x76, 0x76);
const GRID: RGBColor = RGBColor(0xD0, 0xD0, 0xD0);
/// Actas counted, captured but not counted; participation (Okabe–Ito blue
/// and vermillion: told apart with any colour vision, ≥ 3:1 on white).
const CONTABILIZADAS: RGBColor = RGBColor(0x00, 0x72, 0xB2);
const NO_CONTABILIZADAS: RGBColor = RGBColor(0xD5, 0x5E, 0x00);
const PARTICIPACION: RGBColor = RGBColor(0x00, 0x72, 0xB2);
/// Lines without a colour of their own.
const PALETTE: [RGBColor; 6] = [
    RGBColor(0x00, 0x72, 0xB2),
    RGBColor(0xD5, 0x5E, 0x00),
    RGBColor(0x00, 0x9E, 0x73),
    RGBColor(0xCC, 0x79, 0xA7),
    RGBColor(0x56, 0xB4, 0xE9),
    RGBColor(0x76, 0x76, 0x76),
];

type Area<'a> = DrawingArea<CompactSvg<'a>, Shift>;
type Drawn = Result<(), DrawingAreaErrorKind<std::fmt::Error>>;

/// Votes per candidacy (or per party): horizontal bars in ballot order, each
/// with its votes and its share of the sum of the bars. Pass every option
/// that counts in the total (no registrados and nulos included), or use
/// [`votes_with_total`].
pub fn votes(title: &str, bars: &[Bar]) -> Chart {
    let total = bars.iter().fold(0u64, |t, b| t.saturating_add(b.value));
    votes_with_total(title, bars, total)
}

/// [`votes`] with the percentages taken over `total` (the total votes when the
/// bars leave some options out).
pub fn votes_with_total(title: &str, bars: &[Bar], total: u64) -> Chart {
    bars_chart(title, bars, total, votos, "Sin votos")
}

/// Counted actas per casilla type: the same horizontal bars as [`votes`],
/// each with its actas and its share of the sum of the bars.
pub fn actas_por_tipo(title: &str, bars: &[Bar]) -> Chart {
    let total = bars.iter().fold(0u64, |t, b| t.saturating_add(b.value));
    bars_chart(title, bars, total, actas_word, "Sin actas")
}

fn actas_word(n: u64) -> String {
    match n {
        1 => "1 acta".to_string(),
        n => format!("{} actas", miles(n)),
    }
}

/// Horizontal bars, each with its figure and its share of `total`; `noun`
/// names the figures in the text alternative (`12 votos`, `3 actas`).
fn bars_chart(
    title: &str,
    bars: &[Bar],
    total: u64,
    noun: fn(u64) -> String,
    empty: &str,
) -> Chart {
    const ROW: i32 = 36;
    let figures: Vec<String> = bars
        .iter()
        .map(|b| {
            format!(
                "{} ({})",
                miles(b.value),
                pct(Porcentaje::of(b.value, total))
            )
        })
        .collect();
    let alt = if bars.is_empty() {
        format!("{}: {}.", clean(title), empty.to_lowercase())
    } else {
        let items: Vec<String> = bars
            .iter()
            .map(|b| {
                let p = pct(Porcentaje::of(b.value, total));
                format!("{} {} ({p})", clean(&b.label), noun(b.value))
            })
            .collect();
        format!(
            "{}: {}. Total: {}.",
            clean(title),
            items.join("; "),
            noun(total)
        )
    };
    if bars.is_empty() {
        return render(alt, 22, |area| text(area, empty, X0, 15, HPos::Left, FONT));
    }
    let height = bars.len() as u32 * ROW as u32;
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0);
    render(alt, height, |area| {
        for (i, (bar, figure)) in bars.iter().zip(&figures).enumerate() {
            let top = i as i32 * ROW;
            let room = ((X1 - X0) as u32).saturating_sub(text_width(figure, FONT) + 10);
            text(area, figure, X1, top + 14, HPos::Right, FONT)?;
            text(area, &fit(&bar.label, room), X0, top + 14, HPos::Left, FONT)?;
            let color = bar
                .color
                .as_deref()
                .and_then(parse_color)
                .unwrap_or(NEUTRAL);
            let len = scaled(bar.value, max, (X1 - X0) as u32);
            block(area, X0, top + 19, len, 12, color)?;
        }
        Ok(())
    })
}

/// Actas counted, captured but not counted, and still pending, as one
/// stacked bar over the actas expected, with a legend.
pub fn actas(contabilizadas: u64, no_contabilizadas: u64, esperadas: u64) -> Chart {
    let capturadas = contabilizadas.saturating_add(no_contabilizadas);
    let pendientes = esperadas.saturating_sub(capturadas);
    // More captured than expected cannot happen by the rules; if it does,
    // the bar still shows every acta rather than overflowing.
    let whole = esperadas.max(capturadas);
    let parts = [
        ("Contabilizadas", contabilizadas, CONTABILIZADAS),
        (
            "Capturadas, no contabilizadas",
            no_contabilizadas,
            NO_CONTABILIZADAS,
        ),
        ("Pendientes", pendientes, TRACK),
    ];
    let share = |n: u64| pct(Porcentaje::of(n, esperadas));
    let alt = format!(
        "Actas: {} contabilizadas ({}), {} capturadas no contabilizadas ({}), {} pendientes ({}), de {} esperadas.",
        miles(contabilizadas),
        share(contabilizadas),
        miles(no_contabilizadas),
        share(no_contabilizadas),
        miles(pendientes),
        share(pendientes),
        miles(esperadas),
    );
    render(alt, 110, |area| {
        let span = (X1 - X0) as u32;
        let mut done = 0u64;
        let mut x = X0;
        for (_, n, color) in parts {
            done = done.saturating_add(n);
            // Cumulative ends: segments tile the bar with no gaps.
            let end = X0 + scaled(done, whole, span) as i32;
            block(area, x, 0, (end - x) as u32, 20, color)?;
            x = end;
        }
        outline(area, X0, 0, span, 20, OUTLINE)?;
        for (i, (label, n, color)) in parts.iter().enumerate() {
            let base = 42 + 20 * i as i32;
            block(area, X0, base - 11, 12, 12, *color)?;
            outline(area, X0, base - 11, 12, 12, OUTLINE)?;
            text(area, label, X0 + 18, base, HPos::Left, FONT)?;
            let figure = format!("{} ({})", miles(*n), share(*n));
            text(area, &figure, X1, base, HPos::Right, FONT)?;
        }
        text(area, "Esperadas", X0 + 18, 102, HPos::Left, FONT)?;
        text(area, &miles(esperadas), X1, 102, HPos::Right, FONT)
    })
}

/// Participation as a share of the lista nominal of counted actas: a gauge
/// from 0 to 100 %.
pub fn participation(p: Porcentaje) -> Chart {
    let figure = pct(p);
    let alt = format!("Participación ciudadana: {figure}.");
    render(alt, 34, |area| {
        let span = (X1 - X0) as u32;
        text(area, "Participación ciudadana", X0, 14, HPos::Left, FONT)?;
        text(area, &figure, X1, 14, HPos::Right, FONT)?;
        block(area, X0, 19, span, 12, TRACK)?;
        // Above 100 % (possible with representatives' votes) the gauge is full.
        let len = scaled(p.0.min(1_000_000), 1_000_000, span);
        block(area, X0, 19, len, 12, PARTICIPACION)?;
        outline(area, X0, 19, span, 12, OUTLINE)
    })
}

/// How a percentage evolved across cortes (`labels` are the corte times,
/// oldest first; each series has one point per label).
pub fn evolution(title: &str, labels: &[String], series: &[Series]) -> Chart {
    let n = labels.len();
    let alt = evolution_alt(title, labels, series);
    if n == 0 || series.is_empty() {
        return render(alt, 22, |area| {
            text(area, "Sin datos", X0, 15, HPos::Left, FONT)
        });
    }
    // Plot box, then x labels, then one legend row per series.
    let (left, right, top, bottom) = (44, X1 - 8, 8, 168);
    let height = bottom as u32 + 26 + 20 * series.len() as u32;
    let max = series
        .iter()
        .flat_map(|s| s.points.iter().take(n))
        .map(|p| p.0)
        .max()
        .unwrap_or(0);
    let (ymax, step) = y_scale(max);
    render(alt, height, |area| {
        let plot = area.margin(top, height as i32 - bottom, left, WIDTH as i32 - right);
        let xr = (n as i32 - 1).max(1);
        let mut chart = ChartBuilder::on(&plot).build_cartesian_2d(0..xr, 0..ymax)?;
        let mut y = 0;
        while y <= ymax {
            let (gx0, gy) = chart.backend_coord(&(0, y));
            let (gx1, _) = chart.backend_coord(&(xr, y));
            area.draw(&PathElement::new(vec![(gx0, gy), (gx1, gy)], GRID))?;
            let label = format!("{} %", y / 10_000);
            text(area, &label, gx0 - 4, gy + 4, HPos::Right, SMALL)?;
            y += step;
        }
        for (i, anchor) in x_ticks(labels, right - left) {
            let (x, _) = chart.backend_coord(&(i as i32, 0));
            text(area, &labels[i], x, bottom + 16, anchor, SMALL)?;
        }
        for (k, s) in series.iter().enumerate() {
            let color = line_color(s, k);
            let points: Vec<(i32, u64)> = s
                .points
                .iter()
                .take(n)
                .enumerate()
                .map(|(i, p)| (i as i32, p.0.min(ymax)))
                .collect();
            chart.draw_series(LineSeries::new(
                points.iter().copied(),
                color.stroke_width(2),
            ))?;
            if let Some(last) = points.last() {
                chart.draw_series(std::iter::once(Circle::new(*last, 3, color.filled())))?;
            }
            let base = bottom + 42 + 20 * k as i32;
            area.draw(&PathElement::new(
                vec![(X0, base - 5), (X0 + 14, base - 5)],
                color.stroke_width(3),
            ))?;
            let figure = s.points[..s.points.len().min(n)].last().map(|p| pct(*p));
            let figure = figure.unwrap_or_default();
            let room = ((X1 - X0 - 20) as u32).saturating_sub(text_width(&figure, FONT) + 10);
            text(area, &fit(&s.label, room), X0 + 20, base, HPos::Left, FONT)?;
            text(area, &figure, X1, base, HPos::Right, FONT)?;
        }
        Ok(())
    })
}

fn evolution_alt(title: &str, labels: &[String], series: &[Series]) -> String {
    if labels.is_empty() || series.is_empty() {
        return format!("{}: sin cortes.", clean(title));
    }
    let lines: Vec<String> = series
        .iter()
        .map(|s| {
            let points: Vec<String> = labels
                .iter()
                .zip(&s.points)
                .map(|(l, p)| format!("{} {}", clean(l), pct(*p)))
                .collect();
            format!("{}: {}", clean(&s.label), points.join(", "))
        })
        .collect();
    format!(
        "{}, {} cortes de {} a {}. {}.",
        clean(title),
        labels.len(),
        clean(&labels[0]),
        clean(&labels[labels.len() - 1]),
        lines.join("; ")
    )
}

/// The top of the y axis and the grid step (in ten-thousandths of a
/// percent): at most five steps of 1, 2, 5, 10, 20 or 25 points, up to 100 %.
fn y_scale(max: u64) -> (u64, u64) {
    const POINT: u64 = 10_000;
    let max = max.min(100 * POINT);
    for step in [1, 2, 5, 10, 20, 25] {
        let top = max.div_ceil(step * POINT).max(1) * step * POINT;
        if top <= 5 * step * POINT {
            return (top.min(100 * POINT), step * POINT);
        }
    }
    (100 * POINT, 25 * POINT)
}

/// Which corte labels fit under the x axis: always the first and the last,
/// and evenly spaced ones between when there is room.
fn x_ticks(labels: &[String], span: i32) -> Vec<(usize, HPos)> {
    let n = labels.len();
    if n == 1 {
        return vec![(0, HPos::Left)];
    }
    let widest = labels
        .iter()
        .map(|l| text_width(l, SMALL))
        .max()
        .unwrap_or(0) as i32;
    // Neighbours need a label and a half apart: the first and last labels
    // hang inwards from their point, the others are centred on it.
    let gap = widest * 3 / 2 + 12;
    let m = ((span / gap) as usize + 1).clamp(2, n);
    (0..m)
        .map(|k| {
            let i = k * (n - 1) / (m - 1);
            let anchor = match k {
                0 => HPos::Left,
                _ if k == m - 1 => HPos::Right,
                _ => HPos::Center,
            };
            (i, anchor)
        })
        .collect()
}

fn line_color(s: &Series, k: usize) -> RGBColor {
    s.color
        .as_deref()
        .and_then(parse_color)
        .unwrap_or(PALETTE[k % PALETTE.len()])
}

/// `1 voto`, `1,234 votos`.
fn votos(n: u64) -> String {
    match n {
        1 => "1 voto".to_string(),
        n => format!("{} votos", miles(n)),
    }
}

/// `value / whole` of `span` units, in integers; a nonzero value gets at
/// least one unit so it stays visible.
fn scaled(value: u64, whole: u64, span: u32) -> u32 {
    if whole == 0 || value == 0 {
        return 0;
    }
    let len = (value.min(whole) as u128 * span as u128 / whole as u128) as u32;
    len.max(1)
}

fn text(area: &Area, s: &str, x: i32, baseline: i32, h: HPos, size: u32) -> Drawn {
    let style = TextStyle::from(FontDesc::new(
        FontFamily::SansSerif,
        size as f64,
        FontStyle::Normal,
    ))
    .color(&INK)
    .pos(Pos::new(h, VPos::Bottom));
    area.draw(&Text::new(s, (x, baseline), style))
}

/// A filled bar; one too light to see on a white page gets a darker outline.
fn block(area: &Area, x: i32, y: i32, w: u32, h: u32, color: RGBColor) -> Drawn {
    if w == 0 {
        return Ok(());
    }
    let (x1, y1) = (x + w as i32, y + h as i32);
    area.draw(&Rectangle::new([(x, y), (x1, y1)], color.filled()))?;
    if contrast(color, WHITE) < 3.0 && color != TRACK {
        outline(area, x, y, w, h, darken(color))?;
    }
    Ok(())
}

fn outline(area: &Area, x: i32, y: i32, w: u32, h: u32, color: RGBColor) -> Drawn {
    let (x1, y1) = (x + w as i32, y + h as i32);
    area.draw(&Rectangle::new([(x, y), (x1, y1)], color.stroke_width(1)))
}

/// Draws a chart: our root element, then what plotters draws through the
/// compact backend. A drawing error (none is expected writing to a string)
/// leaves an empty chart that still carries its text alternative.
fn render(alt: String, height: u32, draw: impl FnOnce(&Area) -> Drawn) -> Chart {
    let mut svg = String::with_capacity(2048 + alt.len());
    svg.push_str(r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 "#);
    svg.push_str(&format!(
        r#"{WIDTH} {height}" width="100%" role="img" aria-label=""#
    ));
    escape_into(&mut svg, &alt);
    svg.push_str(&format!(
        r#"" font-family="sans-serif" font-size="{FONT}" fill="currentColor">"#
    ));
    let root = svg.len();
    let ok = {
        let area = CompactSvg::new(&mut svg, (WIDTH, height), FONT).into_drawing_area();
        draw(&area).and_then(|()| area.present()).is_ok()
    };
    if !ok {
        svg.truncate(root);
    }
    svg.push_str("</svg>");
    Chart { svg, alt }
}

/// A label fit for one line of text: control characters (which XML forbids
/// or would collapse) become spaces, non-characters U+FFFD.
fn clean(s: &str) -> Cow<'_, str> {
    let bad = |c: char| c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}';
    if !s.contains(bad) {
        return Cow::Borrowed(s);
    }
    let fix = |c: char| match c {
        c if c.is_control() => ' ',
        '\u{FFFE}' | '\u{FFFF}' => '\u{FFFD}',
        c => c,
    };
    Cow::Owned(s.chars().map(fix).collect())
}

/// `label`, shortened with "…" to fit `room` units at the default size.
fn fit(label: &str, room: u32) -> String {
    let label = clean(label);
    if text_width(&label, FONT) <= room {
        return label.into_owned();
    }
    let budget = room.saturating_sub(text_width("…", FONT));
    let mut em = 0;
    let mut end = 0;
    for (i, c) in label.char_indices() {
        em += advance(c) as u64;
        if width_of(em, FONT) > budget {
            break;
        }
        end = i + c.len_utf8();
    }
    format!("{}…", label[..end].trim_end())
}

/// Estimated width of `s` at `size`, in SVG units: Helvetica/Arial advance
/// widths (thousandths of an em) plus 5 % for other sans-serif faces.
pub fn text_width(s: &str, size: u32) -> u32 {
    width_of(s.chars().map(|c| advance(c) as u64).sum(), size)
}

fn width_of(em: u64, size: u32) -> u32 {
    let units = em.saturating_mul(size as u64) * 105 / 100_000 + 1;
    units.min(u32::MAX as u64) as u32
}

fn advance(c: char) -> u32 {
    match c {
        ' ' | '!' | ',' | '.' | '/' | ':' | ';' | 'I' | 'f' | 't' | '[' | ']' => 278,
        'i' | 'j' | 'l' | '\'' | '|' => 222,
        '(' | ')' | '-' | 'r' | '`' => 333,
        '0'..='9' | '$' | '#' | '?' | '_' => 556,
        '%' | 'm' | 'M' => 889,
        'W' => 944,
        'w' | 'C' | 'D' | 'H' | 'N' | 'R' | 'U' => 722,
        'G' | 'O' | 'Q' => 778,
        'F' | 'T' | 'Z' => 611,
        'J' | 'c' | 'k' | 's' | 'v' | 'x' | 'y' | 'z' => 500,
        'L' | 'a'..='z' => 556,
        'A'..='Z' => 667,
        '…' | '@' => 1015,
        c if c.is_lowercase() => 556,
        c if c.is_uppercase() => 722,
        _ => 1000,
    }
}

fn parse_color(hex: &str) -> Option<RGBColor> {
    let h = hex.strip_prefix('#')?;
    if h.len() != 6 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let byte = |i: usize| u8::from_str_radix(&h[i..i + 2], 16).ok();
    Some(RGBColor(byte(0)?, byte(2)?, byte(4)?))
}

/// WCAG relative luminance.
fn luminance(c: RGBColor) -> f64 {
    let channel = |v: u8| {
        let v = v as f64 / 255.0;
        if v <= 0.03928 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(c.0) + 0.7152 * channel(c.1) + 0.0722 * channel(c.2)
}

/// WCAG contrast ratio, 1 to 21.
fn contrast(a: RGBColor, b: RGBColor) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// The same hue, darkened until it stands out 3:1 on white.
fn darken(c: RGBColor) -> RGBColor {
    (0..10u16)
        .rev()
        .map(|k| {
            let f = |v: u8| (v as u16 * k / 10) as u8;
            RGBColor(f(c.0), f(c.1), f(c.2))
        })
        .find(|d| contrast(*d, WHITE) >= 3.0)
        .unwrap_or(BLACK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_y_axis_ends_on_a_round_step_above_the_highest_point() {
        assert_eq!(y_scale(0), (10_000, 10_000));
        assert_eq!(y_scale(35_000), (40_000, 10_000));
        assert_eq!(y_scale(451_234), (500_000, 100_000));
        assert_eq!(y_scale(950_000), (1_000_000, 200_000));
        assert_eq!(y_scale(1_000_000), (1_000_000, 200_000));
        assert_eq!(y_scale(1_500_000), (1_000_000, 200_000), "capped at 100 %");
        assert_eq!(y_scale(u64::MAX), (1_000_000, 200_000));
    }

    #[test]
    fn corte_labels_under_the_axis_keep_apart() {
        let labels: Vec<String> = (0..96).map(|i| format!("02/06 {:02}:00", i % 24)).collect();
        let ticks = x_ticks(&labels, 306);
        assert_eq!(ticks.first().map(|t| t.0), Some(0));
        assert_eq!(ticks.last().map(|t| t.0), Some(95));
        let w = text_width(&labels[0], SMALL) as usize;
        let spacing = 306 * (ticks[1].0 - ticks[0].0) / 95;
        assert!(spacing >= w * 3 / 2, "{spacing} < {w} * 1.5");
        assert_eq!(x_ticks(&labels[..1], 306).len(), 1);
        assert_eq!(x_ticks(&labels[..2], 306).len(), 2);
    }

    #[test]
    fn labels_that_do_not_fit_are_shortened() {
        assert_eq!(fit("MORENA", 200), "MORENA");
        let cut = fit("Candidatura Común Sigamos Haciendo Historia", 150);
        assert!(cut.ends_with('…') && text_width(&cut, FONT) <= 150, "{cut}");
        assert_eq!(fit("ABC", 0), "…");
    }

    #[test]
    fn colours_meet_wcag_contrast() {
        assert!((contrast(BLACK, WHITE) - 21.0).abs() < 1e-9);
        for c in [
            CONTABILIZADAS,
            NO_CONTABILIZADAS,
            PARTICIPACION,
            NEUTRAL,
            OUTLINE,
        ] {
            assert!(contrast(c, WHITE) >= 3.0, "{c:?}");
        }
        let yellow = RGBColor(0xFF, 0xD7, 0x00);
        assert!(contrast(yellow, WHITE) < 3.0);
        assert!(contrast(darken(yellow), WHITE) >= 3.0);
        assert_eq!(parse_color("#0049a1"), Some(RGBColor(0x00, 0x49, 0xA1)));
        assert_eq!(parse_color("0049A1"), None);
        assert_eq!(parse_color("#ZZ49A1"), None);
    }
}
