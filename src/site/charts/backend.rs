//! A plotters drawing backend that writes compact SVG for inline use.
//!
//! Plotters' own `SVGBackend` writes every attribute of every element
//! (`opacity="1"`, `stroke="none"`, the font family and a fractional size on
//! each text, a line break after each tag) and formats each attribute into a
//! fresh string: about twice the bytes and most of the time of a chart. This
//! backend writes only what differs from SVG's defaults and from what the
//! chart's root element sets once (font family and size, `currentColor` for
//! text), straight into one string.
//!
//! Differences from `SVGBackend` that the charts rely on: a text's `y` is its
//! baseline (the vertical anchor is ignored); text drawn in [`INK`] inherits
//! the root's colour; opacity is written only when not 1.

use std::fmt::Write;

use plotters_backend::text_anchor::HPos;
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
    FontStyle,
};

/// Text in this colour is written without a fill: it takes `currentColor`.
pub const INK: (u8, u8, u8) = (1, 2, 3);

pub struct CompactSvg<'a> {
    out: &'a mut String,
    size: (u32, u32),
    /// The size set on the root element; texts of this size carry none.
    font_size: u32,
}

impl<'a> CompactSvg<'a> {
    /// Draws into `out`, which the caller opens with the root element and closes.
    pub fn new(out: &'a mut String, size: (u32, u32), font_size: u32) -> Self {
        CompactSvg {
            out,
            size,
            font_size,
        }
    }

    fn color(&mut self, attr: &str, c: BackendColor) {
        let (r, g, b) = c.rgb;
        let _ = write!(self.out, " {attr}=\"#{r:02X}{g:02X}{b:02X}\"");
        if c.alpha < 1.0 {
            let _ = write!(self.out, " {attr}-opacity=\"{:.2}\"", c.alpha);
        }
    }

    fn stroke(&mut self, c: BackendColor, width: u32) {
        self.color("stroke", c);
        if width != 1 {
            let _ = write!(self.out, " stroke-width=\"{width}\"");
        }
    }

    /// Closes a shape's element, filled with the style's color or only
    /// outlined with its stroke.
    fn fill_or_stroke<S: BackendStyle>(&mut self, s: &S, fill: bool) {
        if fill {
            self.color("fill", s.color());
        } else {
            self.out.push_str(" fill=\"none\"");
            self.stroke(s.color(), s.stroke_width());
        }
        self.out.push_str("/>");
    }

    fn points(&mut self, path: impl IntoIterator<Item = BackendCoord>) {
        self.out.push_str(" points=\"");
        for (i, (x, y)) in path.into_iter().enumerate() {
            let sep = if i == 0 { "" } else { " " };
            let _ = write!(self.out, "{sep}{x},{y}");
        }
        self.out.push('"');
    }
}

type Drawn = Result<(), DrawingErrorKind<std::fmt::Error>>;

impl DrawingBackend for CompactSvg<'_> {
    type ErrorType = std::fmt::Error;

    fn get_size(&self) -> (u32, u32) {
        self.size
    }

    fn ensure_prepared(&mut self) -> Drawn {
        Ok(())
    }

    fn present(&mut self) -> Drawn {
        Ok(())
    }

    fn draw_pixel(&mut self, (x, y): BackendCoord, color: BackendColor) -> Drawn {
        self.draw_rect((x, y), (x + 1, y + 1), &color, true)
    }

    fn draw_line<S: BackendStyle>(&mut self, from: BackendCoord, to: BackendCoord, s: &S) -> Drawn {
        if s.color().alpha == 0.0 {
            return Ok(());
        }
        let ((x1, y1), (x2, y2)) = (from, to);
        let _ = write!(
            self.out,
            "<line x1=\"{x1}\" y1=\"{y1}\" x2=\"{x2}\" y2=\"{y2}\""
        );
        self.stroke(s.color(), s.stroke_width());
        self.out.push_str("/>");
        Ok(())
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        (x0, y0): BackendCoord,
        (x1, y1): BackendCoord,
        s: &S,
        fill: bool,
    ) -> Drawn {
        if s.color().alpha == 0.0 {
            return Ok(());
        }
        let (w, h) = (x1 - x0, y1 - y0);
        let _ = write!(
            self.out,
            "<rect x=\"{x0}\" y=\"{y0}\" width=\"{w}\" height=\"{h}\""
        );
        self.fill_or_stroke(s, fill);
        Ok(())
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        s: &S,
    ) -> Drawn {
        if s.color().alpha == 0.0 {
            return Ok(());
        }
        self.out.push_str("<polyline fill=\"none\"");
        self.stroke(s.color(), s.stroke_width());
        self.points(path);
        self.out.push_str("/>");
        Ok(())
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        (x, y): BackendCoord,
        r: u32,
        s: &S,
        fill: bool,
    ) -> Drawn {
        if s.color().alpha == 0.0 {
            return Ok(());
        }
        let _ = write!(self.out, "<circle cx=\"{x}\" cy=\"{y}\" r=\"{r}\"");
        self.fill_or_stroke(s, fill);
        Ok(())
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        s: &S,
    ) -> Drawn {
        if s.color().alpha == 0.0 {
            return Ok(());
        }
        self.out.push_str("<polygon");
        self.color("fill", s.color());
        self.points(path);
        self.out.push_str("/>");
        Ok(())
    }

    fn draw_text<T: BackendTextStyle>(&mut self, text: &str, s: &T, (x, y): BackendCoord) -> Drawn {
        let color = s.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let _ = write!(self.out, "<text x=\"{x}\" y=\"{y}\"");
        match s.anchor().h_pos {
            HPos::Left => {}
            HPos::Center => self.out.push_str(" text-anchor=\"middle\""),
            HPos::Right => self.out.push_str(" text-anchor=\"end\""),
        }
        let size = s.size().round() as u32;
        if size != self.font_size {
            let _ = write!(self.out, " font-size=\"{size}\"");
        }
        match s.style() {
            FontStyle::Normal => {}
            FontStyle::Bold => self.out.push_str(" font-weight=\"bold\""),
            other => {
                let _ = write!(self.out, " font-style=\"{}\"", other.as_str());
            }
        }
        if color.rgb != INK || color.alpha < 1.0 {
            self.color("fill", color);
        }
        self.out.push('>');
        escape_into(self.out, text);
        self.out.push_str("</text>");
        Ok(())
    }

    fn estimate_text_size<T: BackendTextStyle>(
        &self,
        text: &str,
        s: &T,
    ) -> Result<(u32, u32), DrawingErrorKind<std::fmt::Error>> {
        let size = s.size().round() as u32;
        Ok((super::text_width(text, size), size))
    }
}

/// Escapes text or an attribute value for XML, and replaces what XML 1.0
/// cannot hold (control characters, U+FFFE, U+FFFF) so the document always
/// parses.
pub fn escape_into(out: &mut String, s: &str) {
    let mut plain = 0;
    for (i, c) in s.char_indices() {
        let replacement = match c {
            '<' => "&lt;",
            '>' => "&gt;",
            '&' => "&amp;",
            '"' => "&quot;",
            '\'' => "&apos;",
            c if c.is_control() => " ",
            '\u{FFFE}' | '\u{FFFF}' => "\u{FFFD}",
            _ => continue,
        };
        out.push_str(&s[plain..i]);
        out.push_str(replacement);
        plain = i + c.len_utf8();
    }
    out.push_str(&s[plain..]);
}

#[cfg(test)]
mod tests {
    use plotters::prelude::*;
    use plotters::style::text_anchor::{HPos, Pos, VPos};

    use super::{CompactSvg, INK};

    fn draw(f: impl FnOnce(&DrawingArea<CompactSvg, plotters::coord::Shift>)) -> String {
        let mut out = String::new();
        {
            let area = CompactSvg::new(&mut out, (100, 50), 14).into_drawing_area();
            f(&area);
        }
        out
    }

    #[test]
    fn shapes_carry_only_what_differs_from_the_defaults() {
        let svg = draw(|a| {
            a.draw(&Rectangle::new(
                [(1, 2), (11, 7)],
                RGBColor(0, 0x72, 0xB2).filled(),
            ))
            .unwrap();
            a.draw(&Rectangle::new([(1, 2), (11, 7)], BLACK.stroke_width(1)))
                .unwrap();
            a.draw(&PathElement::new(vec![(0, 0), (5, 5)], RED.stroke_width(2)))
                .unwrap();
            a.draw(&Circle::new((3, 4), 2, BLUE.mix(0.5).filled()))
                .unwrap();
        });
        assert_eq!(
            svg,
            "<rect x=\"1\" y=\"2\" width=\"10\" height=\"5\" fill=\"#0072B2\"/>\
             <rect x=\"1\" y=\"2\" width=\"10\" height=\"5\" fill=\"none\" stroke=\"#000000\"/>\
             <polyline fill=\"none\" stroke=\"#FF0000\" stroke-width=\"2\" points=\"0,0 5,5\"/>\
             <circle cx=\"3\" cy=\"4\" r=\"2\" fill=\"#0000FF\" fill-opacity=\"0.50\"/>"
        );
    }

    #[test]
    fn text_is_escaped_and_inherits_colour_and_default_size() {
        let style = |size: f64, h: HPos, c: &'static RGBColor| {
            TextStyle::from(FontDesc::new(
                FontFamily::SansSerif,
                size,
                FontStyle::Normal,
            ))
            .color(c)
            .pos(Pos::new(h, VPos::Bottom))
        };
        static INK_C: RGBColor = RGBColor(INK.0, INK.1, INK.2);
        static RED_C: RGBColor = RGBColor(255, 0, 0);
        let svg = draw(|a| {
            a.draw(&Text::new(
                "<b>&\"'\u{7}",
                (1, 2),
                style(14.0, HPos::Left, &INK_C),
            ))
            .unwrap();
            a.draw(&Text::new("x", (3, 4), style(12.0, HPos::Right, &RED_C)))
                .unwrap();
        });
        assert_eq!(
            svg,
            "<text x=\"1\" y=\"2\">&lt;b&gt;&amp;&quot;&apos; </text>\
             <text x=\"3\" y=\"4\" text-anchor=\"end\" font-size=\"12\" fill=\"#FF0000\">x</text>"
        );
    }
}
