//! The charts as the pages use them: inline SVG that parses, scales, says in
//! words what it shows, and comes out byte-identical for the same figures.

use corte::site::charts::{self, Bar, Chart, Series};
use corte::site::format::{miles, pct};
use corte::tally::Porcentaje;

const NASTY: &str = r#"<script>alert(1)</script> & "x""#;

fn bar(label: &str, value: u64, color: Option<&str>) -> Bar {
    Bar {
        label: label.to_string(),
        value,
        color: color.map(String::from),
    }
}

/// Ten options of a gubernatorial ballot, with colours as catalogs give them.
fn ballot() -> Vec<Bar> {
    vec![
        bar("PAN", 1_234_567, Some("#0049A1")),
        bar("PRI", 456_789, Some("#E3000F")),
        bar("PRD", 12_345, Some("#FFD700")),
        bar("PVEM", 98_765, Some("#50B748")),
        bar("PT", 76_543, Some("#D52B1E")),
        bar("MC", 234_567, Some("#FF8300")),
        bar("MORENA", 2_345_678, Some("#B5261E")),
        bar("Candidatura independiente", 3, None),
        bar("Candidaturas no registradas", 1_234, None),
        bar("Votos nulos", 45_678, None),
    ]
}

fn evolution_input(cortes: usize) -> (Vec<String>, Vec<Series>) {
    let labels = (0..cortes)
        .map(|i| format!("{:02}:{:02}", 20 + i / 4, i % 4 * 15))
        .collect();
    let series = ["MORENA", "PAN", "PRI", "MC"]
        .iter()
        .enumerate()
        .map(|(k, name)| Series {
            label: name.to_string(),
            color: None,
            points: (0..cortes as u64)
                .map(|i| Porcentaje(450_000 - k as u64 * 100_000 + i * 37))
                .collect(),
        })
        .collect();
    (labels, series)
}

fn every_chart() -> Vec<(&'static str, Chart)> {
    let (labels, series) = evolution_input(60);
    let zeros: Vec<Bar> = ballot()
        .into_iter()
        .map(|b| Bar { value: 0, ..b })
        .collect();
    vec![
        ("votes", charts::votes("Votos por candidatura", &ballot())),
        ("votes, all zero", charts::votes("Votos", &zeros)),
        ("votes, no bars", charts::votes("Votos", &[])),
        (
            "votes, total 0",
            charts::votes_with_total("Votos", &ballot(), 0),
        ),
        ("actas", charts::actas(1_500, 36, 2_136)),
        ("actas, none", charts::actas(0, 0, 0)),
        ("actas, too many", charts::actas(10, 5, 12)),
        ("participation", charts::participation(Porcentaje(612_345))),
        ("participation 0", charts::participation(Porcentaje(0))),
        (
            "participation > 100",
            charts::participation(Porcentaje(1_234_567)),
        ),
        ("evolution", charts::evolution("Votos", &labels, &series)),
        (
            "evolution, one corte",
            charts::evolution("Votos", &labels[..1], &series),
        ),
        (
            "evolution, no cortes",
            charts::evolution("Votos", &[], &series),
        ),
        (
            "evolution, no series",
            charts::evolution("Votos", &labels, &[]),
        ),
    ]
}

fn parse<'a>(name: &str, svg: &'a str) -> roxmltree::Document<'a> {
    roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("{name}: not XML: {e}\n{svg}"))
}

#[test]
fn every_chart_is_well_formed_scalable_labelled_svg() {
    for (name, chart) in every_chart() {
        let doc = parse(name, &chart.svg);
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "svg", "{name}");
        assert_eq!(root.attribute("role"), Some("img"), "{name}");
        assert_eq!(
            root.attribute("aria-label"),
            Some(chart.alt.as_str()),
            "{name}"
        );
        assert_eq!(
            root.attribute("width"),
            Some("100%"),
            "{name}: responsive width"
        );
        assert_eq!(root.attribute("height"), None, "{name}: no fixed height");
        let view_box: Vec<u32> = root
            .attribute("viewBox")
            .unwrap_or_else(|| panic!("{name}: no viewBox"))
            .split(' ')
            .map(|v| v.parse().unwrap())
            .collect();
        assert_eq!(view_box[..3], [0, 0, 360], "{name}: a phone-wide viewBox");
        let height = view_box[3] as i64;
        for rect in root.descendants().filter(|n| n.has_tag_name("rect")) {
            let n = |a: &str| rect.attribute(a).unwrap().parse::<i64>().unwrap();
            assert!(
                n("x") >= 0 && n("x") + n("width") <= 360,
                "{name}: {rect:?}"
            );
            assert!(
                n("y") >= 0 && n("y") + n("height") <= height,
                "{name}: {rect:?}"
            );
        }
        assert!(!chart.alt.is_empty(), "{name}");
    }
}

#[test]
fn the_same_figures_give_the_same_bytes() {
    let first = every_chart();
    let second = every_chart();
    assert_eq!(first, second);
}

#[test]
fn labels_are_escaped_and_kept_whole_in_the_text_alternative() {
    let bars = vec![bar(NASTY, 5, Some("#123456")), bar("B", 7, None)];
    let series = vec![Series {
        label: NASTY.into(),
        color: Some("#654321".into()),
        points: vec![Porcentaje(10_000), Porcentaje(20_000)],
    }];
    let labels = vec!["20:00".to_string(), NASTY.to_string()];
    let charts = [
        charts::votes(NASTY, &bars),
        charts::evolution(NASTY, &labels, &series),
    ];
    for chart in charts {
        assert!(!chart.svg.contains("<script"), "{}", chart.svg);
        assert!(
            chart
                .svg
                .contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;")
        );
        let doc = parse("escaped", &chart.svg);
        assert!(doc.descendants().all(|n| !n.has_tag_name("script")));
        let texts: Vec<&str> = doc.descendants().filter_map(|n| n.text()).collect();
        assert!(texts.contains(&NASTY), "{texts:?}");
        assert!(chart.alt.contains(NASTY));
        assert_eq!(
            doc.root_element().attribute("aria-label"),
            Some(chart.alt.as_str())
        );
    }
}

#[test]
fn control_characters_in_labels_do_not_break_the_xml() {
    let chart = charts::votes("Votos\u{0}\n", &[bar("A\u{1b}[31mB\tC\u{FFFF}", 1, None)]);
    parse("control characters", &chart.svg);
}

#[test]
fn the_votes_text_alternative_lists_every_figure() {
    let bars = ballot();
    let total: u64 = bars.iter().map(|b| b.value).sum();
    let chart = charts::votes("Votos por candidatura", &bars);
    assert!(
        chart
            .alt
            .starts_with("Votos por candidatura: PAN 1,234,567 votos (27.3972 %); ")
    );
    assert!(
        chart
            .alt
            .contains("; Candidatura independiente 3 votos (0.0000 %); ")
    );
    assert!(
        chart.alt.ends_with("Total: 4,506,169 votos."),
        "{}",
        chart.alt
    );
    for b in &bars {
        let figure = format!(
            "{} {} votos ({})",
            b.label,
            miles(b.value),
            pct(Porcentaje::of(b.value, total))
        );
        assert!(
            chart.alt.contains(&figure),
            "{figure} missing from {}",
            chart.alt
        );
        // The chart itself shows the same figures.
        let shown = format!(
            "{} ({})",
            miles(b.value),
            pct(Porcentaje::of(b.value, total))
        );
        assert!(chart.svg.contains(&format!(">{shown}<")), "{shown}");
    }
}

#[test]
fn percentages_can_be_taken_over_a_given_total() {
    let chart = charts::votes_with_total("Votos", &[bar("A", 1, None), bar("B", 1, None)], 3);
    assert!(
        chart
            .alt
            .contains("A 1 voto (33.3333 %); B 1 voto (33.3333 %). Total: 3 votos.")
    );
}

#[test]
fn no_votes_yet_is_all_zero_not_a_panic() {
    let zeros: Vec<Bar> = ballot()
        .into_iter()
        .map(|b| Bar { value: 0, ..b })
        .collect();
    let chart = charts::votes("Votos", &zeros);
    assert!(chart.alt.contains("PAN 0 votos (0.0000 %)"));
    assert!(chart.alt.ends_with("Total: 0 votos."));
    assert!(!chart.svg.contains("<rect"), "no bar for no votes");
    assert_eq!(charts::votes("Votos", &[]).alt, "Votos: sin votos.");
}

#[test]
fn the_actas_text_alternative_lists_every_figure() {
    let chart = charts::actas(1_500, 36, 2_136);
    assert_eq!(
        chart.alt,
        "Actas: 1,500 contabilizadas (70.2247 %), 36 capturadas no contabilizadas (1.6853 %), \
         600 pendientes (28.0898 %), de 2,136 esperadas."
    );
    for shown in [
        ">1,500 (70.2247 %)<",
        ">36 (1.6853 %)<",
        ">600 (28.0898 %)<",
        ">2,136<",
    ] {
        assert!(chart.svg.contains(shown), "{shown}");
    }
    let none = charts::actas(0, 0, 0);
    assert!(none.alt.contains("0 contabilizadas (0.0000 %)"));
}

#[test]
fn participation_reads_as_a_percentage() {
    let chart = charts::participation(Porcentaje(612_345));
    assert_eq!(chart.alt, "Participación ciudadana: 61.2345 %.");
    assert!(chart.svg.contains(">61.2345 %<"));
}

#[test]
fn the_evolution_text_alternative_lists_every_point() {
    let (labels, series) = evolution_input(6);
    let chart = charts::evolution("Porcentaje de votos", &labels, &series);
    assert!(
        chart
            .alt
            .starts_with("Porcentaje de votos, 6 cortes de 20:00 a 21:15. MORENA: 20:00 45.0000 %, 20:15 45.0037 %,"),
        "{}",
        chart.alt
    );
    for s in &series {
        for (label, p) in labels.iter().zip(&s.points) {
            assert!(chart.alt.contains(&format!("{label} {}", pct(*p))));
        }
        // The legend shows each line's latest value.
        let last = s.points.last().copied().unwrap_or_default();
        assert!(chart.svg.contains(&format!(">{}<", pct(last))));
    }
}

#[test]
fn evolution_tolerates_ragged_series() {
    let labels: Vec<String> = vec!["20:00".into(), "20:30".into(), "21:00".into()];
    let series = vec![
        Series {
            label: "corta".into(),
            color: Some("no es un color".into()),
            points: vec![Porcentaje(5)],
        },
        Series {
            label: "larga".into(),
            color: None,
            points: vec![Porcentaje(1_000_000); 7],
        },
    ];
    let chart = charts::evolution("Actas", &labels, &series);
    parse("ragged", &chart.svg);
    assert!(
        chart.svg.contains(">0.0005 %<"),
        "a short line's legend shows its last point"
    );
    assert!(
        chart
            .alt
            .contains("larga: 20:00 100.0000 %, 20:30 100.0000 %, 21:00 100.0000 %.")
    );
}

#[test]
fn charts_are_small() {
    let votes = charts::votes("Votos por candidatura", &ballot());
    assert!(votes.svg.len() < 6 * 1024, "{} bytes", votes.svg.len());
    let actas = charts::actas(1_500, 36, 2_136);
    assert!(actas.svg.len() < 2 * 1024, "{} bytes", actas.svg.len());
    let (labels, series) = evolution_input(60);
    let evolution = charts::evolution("Votos", &labels, &series);
    // Its text alternative alone lists 240 figures.
    assert!(
        evolution.svg.len() < 16 * 1024,
        "{} bytes",
        evolution.svg.len()
    );
}

#[test]
fn text_inherits_the_page_colour_and_light_bars_are_outlined() {
    let chart = charts::votes(
        "Votos",
        &[
            bar("PRD", 10, Some("#FFD700")),
            bar("PAN", 10, Some("#0049A1")),
        ],
    );
    let doc = parse("colours", &chart.svg);
    assert_eq!(doc.root_element().attribute("fill"), Some("currentColor"));
    assert!(
        doc.descendants()
            .filter(|n| n.has_tag_name("text"))
            .all(|t| t.attribute("fill").is_none())
    );
    let outlined: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("rect") && n.attribute("fill") == Some("none"))
        .collect();
    assert_eq!(outlined.len(), 1, "only the yellow bar needs an outline");
    assert_eq!(outlined[0].attribute("y"), Some("19"));
}

#[test]
fn long_labels_are_shortened_to_leave_the_figures_readable() {
    let long = "Coalición Sigamos Haciendo Historia en la Ciudad de México por el bien de todos";
    let chart = charts::votes("Votos", &[bar(long, 1_234_567, None)]);
    assert!(chart.svg.contains("…</text>"));
    assert!(
        chart.alt.contains(long),
        "the text alternative keeps it whole"
    );
}

#[test]
fn extreme_figures_do_not_panic() {
    let huge = vec![bar("A", u64::MAX, None), bar("B", u64::MAX, None)];
    let long_label = "x".repeat(100_000);
    for chart in [
        charts::votes("Votos", &huge),
        charts::votes_with_total("Votos", &huge, 1),
        charts::votes("Votos", &[bar(&long_label, 1, None)]),
        charts::actas(u64::MAX, u64::MAX, u64::MAX),
        charts::participation(Porcentaje(u64::MAX)),
        charts::evolution(
            "Votos",
            &["20:00".to_string(), long_label.clone()],
            &[Series {
                label: long_label.clone(),
                color: None,
                points: vec![Porcentaje(u64::MAX), Porcentaje(0)],
            }],
        ),
    ] {
        parse("extreme", &chart.svg);
    }
}
