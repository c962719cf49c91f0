//! One election's actas from a binary `COPY … TO STDOUT` into the snapshot
//! contract's CSV, formatted here rather than by the server.
//!
//! The server sends the view's columns as they are (texts, the `votos`
//! array whole, the times as ISO text); this module takes each `votos`
//! element to a column, writes the times as RFC 3339, sorts the rows and
//! writes CSV byte for byte as `COPY … (FORMAT csv, HEADER)` would have
//! written the old server-side query: every column compared as bytes ("C"
//! collation) in order, NULLs last; a NULL an empty field, an empty text
//! `""`, a field holding `,` `"` CR or LF quoted with `"` doubled.
//!
//! Why: formatting and sorting on the server (a subscript per option that
//! unpacks the array each time, `to_char` per time, a sort of text columns)
//! cost about three times the bare read, on the cores the client needs too.
//!
//! The same decoded rows can be validated as they are ([`Decoded::validate`]),
//! by the contract's own row checks, without parsing the CSV back: the
//! same errors (file, row, field, acta) as the CSV would give.
//!
//! What this is not: it checks only what the SQL used to check (a `votos`
//! of the wrong length is named here, as its query named it); the rules
//! are the contract's.

use super::DbError;
use crate::contract::acta::{self, Fields};
use crate::contract::{Acta, Catalog, CatalogIndex, ContractError};

/// The first bytes of every binary COPY stream.
const SIGNATURE: &[u8] = b"PGCOPY\n\xff\r\n\0";

/// Where each field of a row sits in the election's buffer (`start`, `len`);
/// `len == NULL` marks a NULL.
const NULL: u32 = u32::MAX;

/// What the rows' `votos` and times are, for messages and formatting.
pub(super) struct Shape<'a> {
    /// `schema.actas, corte N, election E`: the start of every message.
    pub at: String,
    /// The CSV's header, in order.
    pub header: Vec<&'a str>,
    /// How many options the election has: `votos` holds this many elements.
    pub options: usize,
    /// Columns (0-based, in the COPY's select list) that are times.
    pub times: Vec<usize>,
}

/// The election's rows, decoded: every output field's bytes in one buffer.
struct Rows {
    data: Vec<u8>,
    /// `width` (start, len) pairs per row.
    fields: Vec<(u32, u32)>,
    width: usize,
}

impl Rows {
    fn row(&self, i: usize) -> &[(u32, u32)] {
        &self.fields[i * self.width..(i + 1) * self.width]
    }

    fn field(&self, (start, len): (u32, u32)) -> Option<&[u8]> {
        (len != NULL).then(|| &self.data[start as usize..(start + len) as usize])
    }

    fn push(&mut self, value: Option<&[u8]>) -> Result<(), String> {
        match value {
            None => self.fields.push((0, NULL)),
            Some(v) => {
                let start = u32::try_from(self.data.len())
                    .map_err(|_| "the election's actas exceed 4 GB".to_string())?;
                let len = u32::try_from(v.len())
                    .ok()
                    .filter(|l| *l != NULL)
                    .ok_or_else(|| "a field exceeds 4 GB".to_string())?;
                self.data.extend_from_slice(v);
                self.fields.push((start, len));
            }
        }
        Ok(())
    }
}

/// A cursor over the COPY bytes; every read is bounds-checked.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self
            .at
            .checked_add(n)
            .filter(|e| *e <= self.bytes.len())
            .ok_or_else(|| format!("the binary COPY stream ends early (at byte {})", self.at))?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }

    fn i16(&mut self) -> Result<i16, String> {
        let b = self.take(2)?;
        Ok(i16::from_be_bytes([b[0], b[1]]))
    }

    fn i32(&mut self) -> Result<i32, String> {
        let b = self.take(4)?;
        Ok(i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A field: its length (-1 for NULL), then its bytes.
    fn field(&mut self) -> Result<Option<&'a [u8]>, String> {
        match self.i32()? {
            -1 => Ok(None),
            n if n >= 0 => self.take(n as usize).map(Some),
            n => Err(format!("a field of length {n} in the binary COPY stream")),
        }
    }
}

/// The `votos` array (binary `text[]`) as one value per option: element
/// `votos[i]` for `i` in `1..=options`, as the subscript would give it
/// (NULL where the array has no such element). An array of the wrong
/// length is refused with the acta named.
fn votos<'a>(
    bytes: &'a [u8],
    options: usize,
    out: &mut Vec<Option<&'a [u8]>>,
) -> Result<(), String> {
    let mut c = Cursor { bytes, at: 0 };
    let ndim = c.i32()?;
    let _has_null = c.i32()?;
    let _element_type = c.i32()?;
    let (len, lower) = match ndim {
        0 => (0usize, 1i64),
        1 => {
            let len = c.i32()?;
            let lower = c.i32()?;
            (
                usize::try_from(len).map_err(|_| format!("an array of length {len}"))?,
                i64::from(lower),
            )
        }
        n => {
            return Err(format!(
                "votos has {n} dimensions; it must be a one-dimensional array"
            ));
        }
    };
    if len != options {
        return Err(format!(
            "votos has {len} fields, but the election has {options} options"
        ));
    }
    let mut elements = Vec::with_capacity(len);
    for _ in 0..len {
        elements.push(c.field()?);
    }
    out.clear();
    for i in 1..=options as i64 {
        let element = usize::try_from(i - lower)
            .ok()
            .and_then(|k| elements.get(k).copied())
            .flatten();
        out.push(element);
    }
    Ok(())
}

/// A time as the server's ISO text (`DateStyle` ISO:
/// `2024-06-02 18:19:49.5-06`, `… +05:30`, `… -06:36:36`) in RFC 3339 as
/// `to_char(t, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM')` writes it: seconds
/// truncated, the offset in hours and minutes. `infinity` is NULL, as
/// `to_char` gives it. Anything else (a year BC) is kept as the server
/// wrote it, for the contract to refuse by name.
fn rfc3339(iso: &[u8], out: &mut Vec<u8>) -> bool {
    if iso == b"infinity" || iso == b"-infinity" {
        return false;
    }
    let converted = (|| {
        let space = iso.iter().position(|b| *b == b' ')?;
        let (date, rest) = (&iso[..space], &iso[space + 1..]);
        // HH:MM:SS, then a fraction, then the offset's sign.
        if rest.len() < 9 || rest[2] != b':' || rest[5] != b':' {
            return None;
        }
        let sign = rest[8..].iter().position(|b| *b == b'+' || *b == b'-')? + 8;
        let (time, offset) = (&rest[..8], &rest[sign + 1..]);
        let digits = |s: &[u8]| s.len() == 2 && s.iter().all(u8::is_ascii_digit);
        let mut parts = offset.split(|b| *b == b':');
        let hours = parts.next().filter(|h| digits(h))?;
        let minutes = match parts.next() {
            Some(m) if digits(m) => m,
            Some(_) => return None,
            None => b"00".as_slice(),
        };
        if parts.next().is_some_and(|s| !digits(s)) || parts.next().is_some() {
            return None;
        }
        let fraction = &rest[8..sign];
        if !(fraction.is_empty()
            || (fraction[0] == b'.' && fraction[1..].iter().all(u8::is_ascii_digit)))
        {
            return None;
        }
        let mut s = Vec::with_capacity(25);
        s.extend_from_slice(date);
        s.push(b'T');
        s.extend_from_slice(time);
        s.push(rest[sign]);
        s.extend_from_slice(hours);
        s.push(b':');
        s.extend_from_slice(minutes);
        Some(s)
    })();
    match converted {
        Some(s) => out.extend_from_slice(&s),
        None => out.extend_from_slice(iso),
    }
    true
}

/// Decodes a binary COPY of `[clave, tipo, estado, votos, tail…]` into
/// rows of output fields.
fn decode(bytes: &[u8], shape: &Shape) -> Result<Rows, String> {
    let mut c = Cursor { bytes, at: 0 };
    if c.take(SIGNATURE.len())? != SIGNATURE {
        return Err("not a binary COPY stream (no PGCOPY signature)".into());
    }
    let _flags = c.i32()?;
    let extension = c.i32()?;
    c.take(usize::try_from(extension).map_err(|_| "a negative header extension".to_string())?)?;
    let tail = shape.header.len() - 3 - shape.options;
    let width = shape.header.len();
    let mut rows = Rows {
        data: Vec::with_capacity(bytes.len()),
        fields: Vec::new(),
        width,
    };
    let mut values: Vec<Option<&[u8]>> = Vec::with_capacity(shape.options);
    let mut time = Vec::with_capacity(32);
    // The first acta (clave, tipo) with a bad `votos`, and why.
    type Bad<'b> = ((&'b [u8], &'b [u8]), String);
    let mut bad: Option<Bad> = None;
    loop {
        let n = c.i16()?;
        if n == -1 {
            break;
        }
        if n as usize != 4 + tail {
            return Err(format!("a row of {n} columns; {} were asked for", 4 + tail));
        }
        let head = [c.field()?, c.field()?, c.field()?];
        let array = c.field()?;
        for v in head {
            rows.push(v)?;
        }
        match array {
            None => {
                for _ in 0..shape.options {
                    rows.push(None)?;
                }
            }
            Some(a) => match votos(a, shape.options, &mut values) {
                Ok(()) => values.iter().try_for_each(|v| rows.push(*v))?,
                Err(m) => {
                    // The first such acta in key order, whatever order the
                    // server sent them in: the same message every read.
                    let key = (head[0].unwrap_or(b""), head[1].unwrap_or(b""));
                    if bad.as_ref().is_none_or(|(k, _)| key < *k) {
                        bad = Some((key, m));
                    }
                    for _ in 0..shape.options {
                        rows.push(None)?;
                    }
                }
            },
        }
        for column in 4..4 + tail {
            let v = c.field()?;
            match v {
                Some(t) if shape.times.contains(&column) => {
                    time.clear();
                    if rfc3339(t, &mut time) {
                        rows.push(Some(&time))?;
                    } else {
                        rows.push(None)?;
                    }
                }
                v => rows.push(v)?,
            }
        }
    }
    if let Some(((clave, tipo), m)) = bad {
        let text = |v: &[u8]| String::from_utf8_lossy(v).into_owned();
        return Err(format!("acta {} {}: {m}", text(clave), text(tipo)));
    }
    Ok(rows)
}

/// Every column in order as bytes, NULLs last (`ORDER BY 1, 2, … COLLATE "C"`).
fn compare(rows: &Rows, a: usize, b: usize) -> std::cmp::Ordering {
    for (x, y) in rows.row(a).iter().zip(rows.row(b)) {
        let o = match (rows.field(*x), rows.field(*y)) {
            (Some(x), Some(y)) => x.cmp(y),
            (None, None) => std::cmp::Ordering::Equal,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (Some(_), None) => std::cmp::Ordering::Less,
        };
        if o.is_ne() {
            return o;
        }
    }
    std::cmp::Ordering::Equal
}

/// Row `i`'s first column as a number that orders as [`compare`] does
/// wherever two rows' numbers differ: its first 15 bytes, zero-padded, big
/// endian (a shorter value is a prefix of any longer one it pads equal to,
/// so it sorts first either way); a NULL above every value. Equal numbers
/// say nothing: [`compare`] decides.
fn sort_prefix(rows: &Rows, i: usize) -> u128 {
    match rows.row(i).first().and_then(|f| rows.field(*f)) {
        None => u128::MAX,
        Some(v) => {
            let mut b = [0u8; 16];
            let k = v.len().min(15);
            b[..k].copy_from_slice(&v[..k]);
            u128::from_be_bytes(b)
        }
    }
}

/// A field as COPY's CSV writes it; returns how many line feeds it holds.
fn write_field(out: &mut Vec<u8>, value: Option<&[u8]>) -> u64 {
    let Some(v) = value else { return 0 };
    if !v.is_empty() && !v.iter().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
        out.extend_from_slice(v);
        return 0;
    }
    let mut feeds = 0;
    out.push(b'"');
    for &b in v {
        if b == b'"' {
            out.push(b'"');
        }
        feeds += u64::from(b == b'\n');
        out.push(b);
    }
    out.push(b'"');
    feeds
}

/// One row of [`Rows`], as the contract's row checks read it: a NULL is an
/// empty field, as in the CSV.
struct Row<'a> {
    rows: &'a Rows,
    i: usize,
}

impl Fields for Row<'_> {
    fn width(&self) -> usize {
        self.rows.width
    }

    fn field(&self, col: usize) -> Option<&[u8]> {
        self.rows
            .row(self.i)
            .get(col)
            .and_then(|f| self.rows.field(*f))
    }
}

/// One election's actas, decoded once: the contract's CSV, and the rows it
/// was written from, for validating without parsing the CSV back.
pub(super) struct Decoded {
    pub csv: Vec<u8>,
    header: Vec<String>,
    rows: Rows,
    /// The rows in the CSV's order, each with its line there (header = 1).
    order: Vec<(usize, u64)>,
}

impl Decoded {
    /// The rows through the contract's checks, as if `file` held the CSV.
    pub fn validate(
        &self,
        file: &str,
        catalog: &Catalog,
        index: &CatalogIndex,
        election: usize,
    ) -> Result<Vec<Acta>, ContractError> {
        let rows = self.order.iter().map(|&(i, line)| {
            let row = Row {
                rows: &self.rows,
                i,
            };
            (line, row)
        });
        acta::validate_rows(file, &self.header, rows, catalog, index, election)
    }
}

/// The election's binary COPY as the contract's CSV, sorted.
#[cfg(test)]
fn to_csv(bytes: &[u8], shape: &Shape) -> Result<Vec<u8>, DbError> {
    read(bytes, shape).map(|d| d.csv)
}

/// The election's binary COPY decoded, sorted and written as the
/// contract's CSV; the rows are kept beside it.
pub(super) fn read(bytes: &[u8], shape: &Shape) -> Result<Decoded, DbError> {
    let rows = decode(bytes, shape).map_err(|m| DbError::Data(format!("{}, {m}", shape.at)))?;
    let n = rows.fields.len() / rows.width.max(1);
    // Sorted by each row's first-column prefix kept beside its index, the
    // whole rows compared only on a tie: the comparisons stay in this
    // array instead of chasing every row's fields through the buffer.
    let mut order: Vec<(u128, usize)> = (0..n).map(|i| (sort_prefix(&rows, i), i)).collect();
    order.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| compare(&rows, a.1, b.1)));
    let mut out = Vec::with_capacity(rows.data.len() + n * (rows.width + 1) + 1024);
    // Line feeds written so far: a CSV reader counts a row's line by them,
    // those inside quoted fields included.
    let mut feeds = 0u64;
    for (i, name) in shape.header.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        feeds += write_field(&mut out, Some(name.as_bytes()));
    }
    out.push(b'\n');
    feeds += 1;
    let mut lines = Vec::with_capacity(n);
    for (_, i) in order {
        lines.push((i, feeds + 1));
        for (k, f) in rows.row(i).iter().enumerate() {
            if k > 0 {
                out.push(b',');
            }
            feeds += write_field(&mut out, rows.field(*f));
        }
        out.push(b'\n');
        feeds += 1;
    }
    Ok(Decoded {
        csv: out,
        header: shape.header.iter().map(|h| h.to_string()).collect(),
        rows,
        order: lines,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(out: &mut Vec<u8>, v: Option<&[u8]>) {
        match v {
            None => out.extend_from_slice(&(-1i32).to_be_bytes()),
            Some(v) => {
                out.extend_from_slice(&(v.len() as i32).to_be_bytes());
                out.extend_from_slice(v);
            }
        }
    }

    fn array(lower: i32, elements: &[Option<&str>]) -> Vec<u8> {
        let mut a = Vec::new();
        for n in [1, 0, 25, elements.len() as i32, lower] {
            a.extend_from_slice(&n.to_be_bytes());
        }
        for e in elements {
            field(&mut a, e.map(str::as_bytes));
        }
        a
    }

    fn stream(rows: &[Vec<Option<Vec<u8>>>]) -> Vec<u8> {
        let mut s = SIGNATURE.to_vec();
        s.extend_from_slice(&0i32.to_be_bytes());
        s.extend_from_slice(&0i32.to_be_bytes());
        for r in rows {
            s.extend_from_slice(&(r.len() as i16).to_be_bytes());
            for f in r {
                field(&mut s, f.as_deref());
            }
        }
        s.extend_from_slice(&(-1i16).to_be_bytes());
        s
    }

    fn shape() -> Shape<'static> {
        Shape {
            at: "corte.actas, corte 2, election GUB".into(),
            header: vec!["CLAVE", "TIPO", "ESTADO", "A", "B", "T", "F"],
            options: 2,
            times: vec![5],
        }
    }

    fn text(s: &str) -> Option<Vec<u8>> {
        Some(s.as_bytes().to_vec())
    }

    #[test]
    fn rows_are_sorted_quoted_and_timed_as_copy_csv_writes_them() {
        let rows = vec![
            vec![
                text("B1"),
                text("A02"),
                text("CAPTURADA"),
                Some(array(1, &[Some("7"), Some("SIN DATO")])),
                text("a,\"b\""),
                text("2024-06-02 18:19:49.567-06"),
            ],
            vec![
                text("A1"),
                text("A02"),
                text("SIN_ACTA"),
                None,
                text(""),
                None,
            ],
            vec![
                text("A1"),
                text("A01"),
                text("CAPTURADA"),
                Some(array(0, &[None, Some("3")])),
                None,
                text("1900-01-01 00:00:00+05:30"),
            ],
            vec![
                text("A1"),
                text("A01"),
                text("CAPTURADA"),
                Some(array(1, &[None, Some("3")])),
                None,
                text("infinity"),
            ],
        ];
        let csv = to_csv(&stream(&rows), &shape()).unwrap();
        assert_eq!(
            String::from_utf8(csv).unwrap(),
            "CLAVE,TIPO,ESTADO,A,B,T,F\n\
             A1,A01,CAPTURADA,3,,,1900-01-01T00:00:00+05:30\n\
             A1,A01,CAPTURADA,,3,,\n\
             A1,A02,SIN_ACTA,,,\"\",\n\
             B1,A02,CAPTURADA,7,SIN DATO,\"a,\"\"b\"\"\",2024-06-02T18:19:49-06:00\n"
        );
    }

    #[test]
    fn rows_sort_by_whole_keys_past_the_prefix_and_nulls_last() {
        let long = "0123456789ABCDE";
        let keys = [
            None,
            Some(format!("{long}Z")),
            Some("A".to_string()),
            Some(String::new()),
            Some(long.to_string()),
            Some(format!("{long}Y9")),
            Some("AB".to_string()),
        ];
        let rows: Vec<_> = keys
            .iter()
            .map(|k| {
                vec![
                    k.as_deref().map(|k| k.as_bytes().to_vec()),
                    text("A01"),
                    text("CAPTURADA"),
                    None,
                    None,
                    None,
                ]
            })
            .collect();
        let csv = String::from_utf8(to_csv(&stream(&rows), &shape()).unwrap()).unwrap();
        let firsts: Vec<&str> = csv
            .lines()
            .skip(1)
            .map(|l| l.split(',').next().unwrap_or(""))
            .collect();
        assert_eq!(
            firsts,
            [
                "\"\"",
                "0123456789ABCDE",
                "0123456789ABCDEY9",
                "0123456789ABCDEZ",
                "A",
                "AB",
                "",
            ]
        );
    }

    #[test]
    fn times_follow_to_char() {
        let conv = |s: &str| {
            let mut out = Vec::new();
            rfc3339(s.as_bytes(), &mut out).then(|| String::from_utf8(out).unwrap())
        };
        assert_eq!(
            conv("2024-06-02 18:19:49-06").as_deref(),
            Some("2024-06-02T18:19:49-06:00")
        );
        assert_eq!(
            conv("1900-01-01 00:00:00-06:36:36").as_deref(),
            Some("1900-01-01T00:00:00-06:36")
        );
        assert_eq!(
            conv("12345-01-01 00:00:00+00").as_deref(),
            Some("12345-01-01T00:00:00+00:00")
        );
        assert_eq!(conv("-infinity"), None);
        assert_eq!(
            conv("0044-03-15 00:00:00-06:36:36 BC").as_deref(),
            Some("0044-03-15 00:00:00-06:36:36 BC")
        );
    }

    #[test]
    fn each_row_is_named_by_the_line_a_csv_reader_finds_it_on() {
        let rows = vec![
            vec![
                text("B1"),
                text("A01"),
                text("x\ny\r\nz"),
                Some(array(1, &[Some("1"), Some("a\n\nb")])),
                text("\"\n"),
                None,
            ],
            vec![
                text("A1"),
                text("A01"),
                text("\n"),
                Some(array(1, &[None, Some("2")])),
                None,
                None,
            ],
            vec![text("C1"), text("A01"), None, None, text("t"), None],
        ];
        let decoded = read(&stream(&rows), &shape()).unwrap();
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(decoded.csv.as_slice());
        let found: Vec<(Vec<Vec<u8>>, u64)> = reader
            .byte_records()
            .skip(1)
            .map(|r| {
                let r = r.unwrap();
                let line = r.position().unwrap().line();
                (r.iter().map(<[u8]>::to_vec).collect(), line)
            })
            .collect();
        let ours: Vec<(Vec<Vec<u8>>, u64)> = decoded
            .order
            .iter()
            .map(|&(i, line)| {
                let row = Row {
                    rows: &decoded.rows,
                    i,
                };
                let fields = (0..row.width())
                    .map(|c| row.field(c).unwrap_or_default().to_vec())
                    .collect();
                (fields, line)
            })
            .collect();
        assert_eq!(ours, found);
        assert_eq!(ours.iter().map(|(_, l)| *l).collect::<Vec<_>>(), [2, 4, 10]);
    }

    #[test]
    fn a_votos_of_the_wrong_length_names_the_first_such_acta_in_key_order() {
        let rows = vec![
            vec![
                text("B1"),
                text("A01"),
                text("CAPTURADA"),
                Some(array(1, &[Some("1"), Some("2"), Some("3")])),
                None,
                None,
            ],
            vec![
                text("A1"),
                text("A01"),
                text("CAPTURADA"),
                Some(array(1, &[Some("1")])),
                None,
                None,
            ],
        ];
        let err = to_csv(&stream(&rows), &shape()).unwrap_err().to_string();
        assert_eq!(
            err,
            "corte.actas, corte 2, election GUB, acta A1 A01: votos has 1 fields, but the election has 2 options"
        );
        let cut = stream(&rows);
        let err = to_csv(&cut[..cut.len() - 5], &shape())
            .unwrap_err()
            .to_string();
        assert!(err.contains("ends early"), "{err}");
    }
}
