//! Spanish (es-MX) number formats: `1,234,567` and `35.1234 %`.

use crate::tally::Porcentaje;

/// The filters themes use: `miles` (1,234,567) and `pct` (35.1234 %, from a
/// `Porcentaje`'s four-decimal text).
pub fn register_filters(env: &mut minijinja::Environment<'static>) {
    env.add_filter("miles", |n: u64| miles(n));
    env.add_filter("pct", |p: String| format!("{p} %"));
}

/// Thousands separated by commas, as in Mexico: `1,234,567`.
pub fn miles(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `35.1234 %`.
pub fn pct(p: Porcentaje) -> String {
    format!("{} %", p.plain())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_in_mexico() {
        assert_eq!(miles(0), "0");
        assert_eq!(miles(999), "999");
        assert_eq!(miles(1000), "1,000");
        assert_eq!(miles(1234567), "1,234,567");
        assert_eq!(pct(Porcentaje::of(1, 3)), "33.3333 %");
    }
}
