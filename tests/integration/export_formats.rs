//! Export formats end to end: each format is written by the binary, reopened and checked
//! (CSV parsed back, HTML parsed with scraper, Markdown read for citations and bold matches,
//! PDF copies re-read with lopdf and checked with qpdf and poppler), plus masking and the run
//! manifest.

use crate::util::{indexed_sample_with, TestDir};
use lopdf::{Dictionary, Object, Stream};
use scraper::{ElementRef, Html, Node, Selector};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

const HOSTILE: &str =
    "Officials at the crossing took a bribe <script>alert(1)</script> from the broker. \
See javascript:alert(2) and <a href=\"javascript:alert(3)\">this link</a> & \"quotes\", commas.";

/// A folder with the sample collection and a hostile text file, indexed.
fn indexed() -> TestDir {
    indexed_sample_with(&[("hostile.txt", HOSTILE)])
}

fn run_export(t: &TestDir, args: &[&str]) -> crate::util::Run {
    let mut a = vec!["export"];
    a.extend_from_slice(args);
    t.run(a)
}

fn jsonl(t: &TestDir, filter: &[&str]) -> Vec<serde_json::Value> {
    let mut a = vec!["--format", "jsonl"];
    a.extend_from_slice(filter);
    run_export(t, &a).expect_code(0).json_lines()
}

/// Byte positions covered by any tag span of a JSONL excerpt.
fn span_bytes(j: &serde_json::Value) -> BTreeSet<usize> {
    let mut out = BTreeSet::new();
    for tag in j["tags"].as_array().unwrap() {
        for s in tag["spans"].as_array().unwrap() {
            let (a, b) = (s[0].as_u64().unwrap(), s[1].as_u64().unwrap());
            out.extend(a as usize..b as usize);
        }
    }
    out
}

fn words(j: &serde_json::Value) -> Vec<String> {
    let text = j["text"].as_str().unwrap();
    let mut out = Vec::new();
    for tag in j["tags"].as_array().unwrap() {
        for s in tag["spans"].as_array().unwrap() {
            let (a, b) = (
                s[0].as_u64().unwrap() as usize,
                s[1].as_u64().unwrap() as usize,
            );
            out.push(text[a..b].to_owned());
        }
    }
    out
}

fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

#[test]
fn html_report_parses_escapes_and_highlights_every_match() {
    let t = indexed();
    let rows = jsonl(&t, &[]);
    let out = t.path().join("report.html");
    run_export(&t, &["--format", "html", "--out", out.to_str().unwrap()]).expect_code(0);
    let html = std::fs::read_to_string(&out).unwrap();
    let doc = Html::parse_document(&html);
    // Nothing executable, no external resource, no javascript: link.
    assert!(doc.select(&sel("script")).next().is_none());
    assert!(doc.select(&sel("[src]")).next().is_none());
    assert!(doc.select(&sel("[onerror], [onclick]")).next().is_none());
    for a in doc.select(&sel("a[href]")) {
        let href = a.value().attr("href").unwrap();
        assert!(
            href.starts_with('#') || href.starts_with("file:///"),
            "{href}"
        );
        assert!(!href.to_ascii_lowercase().contains("javascript"), "{href}");
    }
    // Every excerpt is there, in order, with its text verbatim and its matches highlighted.
    let articles: Vec<ElementRef> = doc.select(&sel("article.excerpt")).collect();
    assert_eq!(articles.len(), rows.len());
    let mut saw_hostile = false;
    let mut marks = 0;
    for (art, j) in articles.iter().zip(&rows) {
        let p = art.select(&sel("p.text")).next().unwrap();
        let mut text = String::new();
        let mut covered = BTreeSet::new();
        for child in p.children() {
            match child.value() {
                Node::Text(s) => text.push_str(s),
                Node::Element(e) if e.name() == "mark" => {
                    let s: String = ElementRef::wrap(child).unwrap().text().collect();
                    covered.extend(text.len()..text.len() + s.len());
                    text.push_str(&s);
                    marks += 1;
                }
                other => panic!("unexpected node in passage text: {other:?}"),
            }
        }
        assert_eq!(text, j["text"].as_str().unwrap());
        assert_eq!(covered, span_bytes(j), "{text}");
        saw_hostile |= text.contains("<script>alert(1)</script>");
        let cite: String = art.select(&sel("p.cite")).next().unwrap().text().collect();
        assert!(
            cite.ends_with(&format!(", p. {}, ¶{}", j["page"], j["passage"])),
            "{cite}"
        );
        let chips = art.select(&sel("ul.tags li")).count();
        assert_eq!(chips, j["tags"].as_array().unwrap().len());
        for (chip, tag) in art
            .select(&sel("ul.tags li"))
            .zip(j["tags"].as_array().unwrap())
        {
            let s: String = chip.text().collect();
            assert!(s.contains(tag["category"].as_str().unwrap()), "{s}");
            assert!(s.contains(tag["modality"].as_str().unwrap()), "{s}");
        }
    }
    assert!(saw_hostile, "the hostile passage is shown as text");
    assert!(marks > 0, "some passage of the sample is tagged");
    // Summary table: one row per document, one column per category in the legend.
    let docs: BTreeSet<&str> = rows.iter().map(|j| j["path"].as_str().unwrap()).collect();
    assert_eq!(
        doc.select(&sel("table.summary tbody tr")).count(),
        docs.len()
    );
    let legend = doc.select(&sel("ul.legend li")).count();
    assert_eq!(
        doc.select(&sel("table.summary thead th")).count(),
        legend + 2
    );
    // PDF pages link to the file at the page.
    assert!(doc.select(&sel("a[href]")).any(|a| a
        .value()
        .attr("href")
        .unwrap()
        .contains("labour-inspection-review.pdf#page=")));
}

#[test]
fn markdown_memo_has_citation_lines_and_bold_matches() {
    let t = indexed();
    let rows = jsonl(&t, &["--tagged"]);
    assert!(!rows.is_empty());
    let r = run_export(&t, &["--format", "md", "--tagged"]).expect_code(0);
    let md = r.stdout();
    let unescape = |s: &str| {
        let mut out = String::new();
        let mut esc = false;
        for c in s.chars() {
            if c == '\\' && !esc {
                esc = true;
                continue;
            }
            esc = false;
            out.push(c);
        }
        out
    };
    let cites: Vec<&str> = md.lines().filter(|l| l.starts_with("> — *")).collect();
    assert_eq!(cites.len(), rows.len(), "{md}");
    let bold: Vec<String> = md.split("**").skip(1).step_by(2).map(unescape).collect();
    for (c, j) in cites.iter().zip(&rows) {
        assert!(
            c.ends_with(&format!(", p. {}, ¶{}*", j["page"], j["passage"])),
            "{c}"
        );
        for w in words(j) {
            assert!(
                bold.iter().any(|b| b.contains(w.trim())),
                "{w:?} not in bold; bold pieces: {bold:?}"
            );
        }
        assert!(!md.contains("****"));
    }
    // The hostile text is escaped (it is tagged: "bribe").
    assert!(md.contains("\\<script\\>alert\\(1\\)\\</script\\>"), "{md}");
    assert!(!md.contains("<script>"));
    assert!(md.contains("### Page 2"));
}

#[test]
fn csv_parses_back_to_the_exported_passages() {
    let t = indexed();
    let rows = jsonl(&t, &[]);
    let r = run_export(&t, &["--format", "csv"]).expect_code(0);
    let out = r.stdout();
    let mut rdr = csv::Reader::from_reader(out.as_bytes());
    let recs: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(recs.len(), rows.len());
    for (rec, j) in recs.iter().zip(&rows) {
        let cats: Vec<&str> = j["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["category"].as_str().unwrap())
            .collect();
        let mods: Vec<String> = j["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                format!(
                    "{}={}",
                    t["category"].as_str().unwrap(),
                    t["modality"].as_str().unwrap()
                )
            })
            .collect();
        assert_eq!(
            &rec[0],
            format!("{}:{}", j["path"].as_str().unwrap(), j["page"])
        );
        assert_eq!(&rec[1], j["path"].as_str().unwrap());
        assert_eq!(&rec[2], j["title"].as_str().unwrap_or(""));
        assert_eq!(&rec[3], j["page"].to_string());
        assert_eq!(&rec[4], j["passage"].to_string());
        assert_eq!(&rec[5], j["range"][0].to_string());
        assert_eq!(&rec[6], j["range"][1].to_string());
        assert_eq!(&rec[7], cats.join("; "));
        assert_eq!(&rec[8], mods.join("; "));
        for w in words(j) {
            assert!(rec[10].contains(&w), "{w:?} in {:?}", &rec[10]);
        }
        assert_eq!(&rec[11], j["text"].as_str().unwrap());
        assert_eq!(&rec[12], j["doc"].as_str().unwrap());
        assert_eq!(&rec[13], j["dictionary_version"].as_str().unwrap());
        assert_eq!((&rec[14], &rec[15], &rec[16]), ("", "", ""));
    }
    assert!(recs.iter().any(|r| r[11] == *HOSTILE));
}

#[test]
fn masking_replaces_names_and_contacts_in_every_format() {
    let t = TestDir::new();
    t.write(
        "col/witness.txt",
        "Maria Santos told investigators that the customs clerk took a bribe to release the \
         container. Reach MARIA SANTOS at +63 917 555 0142 or maria.santos@example.org.",
    );
    t.write("names.txt", "# protected witnesses\nMaria Santos\n");
    t.run(["index", "col"]).expect_code(0);
    let mask = ["--mask", "names.txt", "--mask-contacts"];
    for fmt in ["jsonl", "csv", "md", "html"] {
        let out = format!("out.{fmt}");
        let mut a = vec!["--format", fmt, "--out", &out];
        a.extend_from_slice(&mask);
        run_export(&t, &a).expect_code(0);
        let s = std::fs::read_to_string(t.path().join(&out)).unwrap();
        for secret in ["Maria", "MARIA", "917", "0142", "example.org", "santos@"] {
            assert!(!s.contains(secret), "{fmt}: {secret} left in:\n{s}");
        }
        for ph in ["[name]", "[phone]", "[email]"] {
            let escaped = ph.replace('[', "\\[").replace(']', "\\]");
            assert!(
                s.contains(ph) || s.contains(&escaped),
                "{fmt}: no {ph}:\n{s}"
            );
        }
        let m = std::fs::read_to_string(t.path().join(format!("{out}.manifest.json"))).unwrap();
        let v: serde_json::Value = serde_json::from_str(&m).unwrap();
        assert_eq!(v["mask"]["names"], 1);
        assert_eq!(v["mask"]["contacts"], true);
        assert_eq!(v["mask"]["replacements"], 4);
        assert!(!m.contains("Maria"), "the manifest never holds the names");
    }
    // Spans still point at the right words of the masked text.
    let mut a = vec!["--format", "jsonl"];
    a.extend_from_slice(&mask);
    let rows = run_export(&t, &a).expect_code(0).json_lines();
    let j = &rows[0];
    assert!(j["text"]
        .as_str()
        .unwrap()
        .starts_with("[name] told investigators"));
    let w = words(j);
    assert!(w.iter().any(|w| w.contains("bribe")), "{w:?}");
    for e in j["entities"].as_array().unwrap() {
        let (a, b) = (
            e["span"][0].as_u64().unwrap() as usize,
            e["span"][1].as_u64().unwrap() as usize,
        );
        assert_eq!(
            &j["text"].as_str().unwrap()[a..b],
            e["text"].as_str().unwrap()
        );
    }
    // An empty mask file is a usage error.
    t.write("empty.txt", "# nothing\n\n");
    let r = run_export(&t, &["--mask", "empty.txt"]).expect_code(2);
    assert!(r.stderr().contains("no names"), "{}", r.stderr());
}

#[test]
fn manifest_records_the_run() {
    let t = indexed();
    let r = run_export(
        &t,
        &[
            "bribe", "--tag", "bribery", "--format", "csv", "--out", "x.csv",
        ],
    )
    .expect_code(0);
    assert!(r.stderr().contains("-> x.csv"), "{}", r.stderr());
    let m: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(t.path().join("x.csv.manifest.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(m["format"], "redflag.export-manifest");
    assert_eq!(m["version"], 1);
    assert_eq!(m["redflag_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(m["selection"]["query"], "bribe");
    assert_eq!(m["selection"]["tags"][0], "bribery");
    assert_eq!(m["output_format"], "csv");
    assert!(m["output"].as_str().unwrap().ends_with("/x.csv"));
    assert!(m["index"].as_str().unwrap().ends_with("/index"));
    let ts = m["created_utc"].as_str().unwrap();
    assert!(
        ts.len() == 20 && ts.ends_with('Z') && ts.as_bytes()[10] == b'T',
        "{ts}"
    );
    let rows = jsonl(&t, &["bribe", "--tag", "bribery"]);
    assert_eq!(m["excerpts"], rows.len());
    let docs: BTreeSet<&str> = rows.iter().map(|j| j["doc"].as_str().unwrap()).collect();
    assert_eq!(m["documents"], docs.len());
    let dv: BTreeSet<&str> = rows
        .iter()
        .map(|j| j["dictionary_version"].as_str().unwrap())
        .collect();
    let mv: BTreeSet<&str> = m["dictionary_versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(dv, mv);
    let bytes = std::fs::read(t.path().join("x.csv")).unwrap();
    assert_eq!(
        m["files"][0]["blake3"],
        blake3::hash(&bytes).to_hex().as_str()
    );
    // Stdout: no manifest unless asked for.
    let before = std::fs::read_dir(t.path()).unwrap().count();
    run_export(&t, &["--format", "md"]).expect_code(0);
    assert_eq!(std::fs::read_dir(t.path()).unwrap().count(), before);
    run_export(&t, &["--format", "md", "--manifest", "m.json"]).expect_code(0);
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(t.path().join("m.json")).unwrap()).unwrap();
    assert_eq!(m["output"], "-");
    assert_eq!(m["output_format"], "md");
    // Nothing found: exit code 1, and the manifest says 0.
    run_export(
        &t,
        &["zzzzunfindable", "--format", "html", "--out", "e.html"],
    )
    .expect_code(1);
    let m: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(t.path().join("e.html.manifest.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(m["excerpts"], 0);
}

#[test]
fn pdf_export_needs_a_folder() {
    let t = indexed();
    let r = run_export(&t, &["--format", "pdf"]).expect_code(2);
    assert!(r.stderr().contains("--out DIR"), "{}", r.stderr());
}

// ---------------------------------------------------------------------------------------
// PDF

/// Whether an external checker is installed (a failure on CI, a skip elsewhere).
fn tool(name: &str) -> bool {
    crate::util::tool(name, "apt-get install -y poppler-utils qpdf")
}

fn qpdf_check(p: &Path) {
    if tool("qpdf") {
        let o = Command::new("qpdf").arg("--check").arg(p).output().unwrap();
        assert!(
            o.status.success(),
            "qpdf --check {}:\n{}{}",
            p.display(),
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
    }
    if tool("pdfinfo") {
        let o = Command::new("pdfinfo").arg(p).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(
            o.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

/// A PDF with one page per entry, each line in Courier 10 pt (6 pt per character) at x = 72,
/// baselines from y = 700 down, 14 pt apart.
fn make_pdf(pages: &[&[&str]]) -> Vec<u8> {
    let mut doc = lopdf::Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let mut font = Dictionary::new();
    font.set("Type", Object::Name(b"Font".to_vec()));
    font.set("Subtype", Object::Name(b"Type1".to_vec()));
    font.set("BaseFont", Object::Name(b"Courier".to_vec()));
    font.set("Encoding", Object::Name(b"WinAnsiEncoding".to_vec()));
    let font_id = doc.add_object(font);
    let mut kids = Vec::new();
    for lines in pages {
        let mut content = String::from("BT /F1 10 Tf 14 TL 72 700 Td\n");
        for (i, l) in lines.iter().enumerate() {
            if i > 0 {
                content.push_str("T*\n");
            }
            let esc = l
                .replace('\\', "\\\\")
                .replace('(', "\\(")
                .replace(')', "\\)");
            content.push_str(&format!("({esc}) Tj\n"));
        }
        content.push_str("ET\n");
        let cid = doc.add_object(Stream::new(Dictionary::new(), content.into_bytes()));
        let mut fonts = Dictionary::new();
        fonts.set("F1", Object::Reference(font_id));
        let mut res = Dictionary::new();
        res.set("Font", Object::Dictionary(fonts));
        let mut page = Dictionary::new();
        page.set("Type", Object::Name(b"Page".to_vec()));
        page.set("Parent", Object::Reference(pages_id));
        page.set("Contents", Object::Reference(cid));
        page.set("Resources", Object::Dictionary(res));
        kids.push(Object::Reference(doc.add_object(page)));
    }
    let mut pd = Dictionary::new();
    pd.set("Type", Object::Name(b"Pages".to_vec()));
    pd.set("Count", Object::Integer(kids.len() as i64));
    pd.set("Kids", Object::Array(kids));
    pd.set(
        "MediaBox",
        Object::Array(vec![0.into(), 0.into(), 612.into(), 792.into()]),
    );
    doc.objects.insert(pages_id, Object::Dictionary(pd));
    let mut cat = Dictionary::new();
    cat.set("Type", Object::Name(b"Catalog".to_vec()));
    cat.set("Pages", Object::Reference(pages_id));
    let cat_id = doc.add_object(cat);
    doc.trailer.set("Root", Object::Reference(cat_id));
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

fn num(o: &Object) -> f32 {
    match o {
        Object::Real(r) => *r,
        Object::Integer(i) => *i as f32,
        _ => f32::NAN,
    }
}

fn nums(d: &Dictionary, key: &[u8]) -> Vec<f32> {
    d.get(key)
        .and_then(Object::as_array)
        .map(|a| a.iter().map(num).collect())
        .unwrap_or_default()
}

fn subtype(d: &Dictionary) -> &[u8] {
    d.get(b"Subtype").and_then(Object::as_name).unwrap_or(b"")
}

fn text_of(o: &Object) -> String {
    match o {
        Object::String(b, _) if b.starts_with(&[0xFE, 0xFF]) => {
            let u: Vec<u16> = b[2..]
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16_lossy(&u)
        }
        Object::String(b, _) => String::from_utf8_lossy(b).into_owned(),
        _ => String::new(),
    }
}

/// Every annotation of every page: (page number, dictionary).
fn annotations(bytes: &[u8]) -> Vec<(u32, Dictionary)> {
    let doc = lopdf::Document::load_mem(bytes).unwrap();
    let mut out = Vec::new();
    for (n, id) in doc.get_pages() {
        for a in doc.get_page_annotations(id).unwrap() {
            out.push((n, a.clone()));
        }
    }
    out
}

/// Renders page `n` at 72 dpi (1 px per point) and returns (width, height, RGB bytes).
fn render(pdf: &Path, n: u32) -> Option<(usize, usize, Vec<u8>)> {
    if !tool("pdftoppm") {
        return None;
    }
    let prefix = pdf.with_extension("render");
    let o = Command::new("pdftoppm")
        .args([
            "-r",
            "72",
            "-f",
            &n.to_string(),
            "-l",
            &n.to_string(),
            "-singlefile",
        ])
        .arg(pdf)
        .arg(&prefix)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let ppm = std::fs::read(format!("{}.ppm", prefix.display())).unwrap();
    // P6\n<w> <h>\n255\n<rgb>
    let mut fields = Vec::new();
    let mut at = 0;
    while fields.len() < 4 {
        while ppm[at].is_ascii_whitespace() {
            at += 1;
        }
        let start = at;
        while !ppm[at].is_ascii_whitespace() {
            at += 1;
        }
        fields.push(String::from_utf8_lossy(&ppm[start..at]).into_owned());
    }
    let (w, h): (usize, usize) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    Some((w, h, ppm[at + 1..].to_vec()))
}

#[test]
fn annotated_pdf_is_valid_and_renders_the_highlight_in_its_colour() {
    use redflag::export::pdf::{annotate, Mark};
    use redflag::model::Rect;
    let t = TestDir::new();
    let src = make_pdf(&[&["Cover."], &["The guard took a", "bribe at the gate."]]);
    // "bribe": characters 0-4 of line 2 of page 2: x 72..102, baseline 686.
    let m = Mark {
        page: 2,
        quads: vec![Rect {
            x0: 72.0,
            y0: 683.0,
            x1: 102.0,
            y1: 695.0,
        }],
        color: redflag::export::category_color("bribery"),
        category: "bribery".into(),
        note: "redflag: bribery (alleged)\nrule: bribery:test\nmatched: bribe ¶".into(),
    };
    let out = annotate(&src, &[m]).unwrap();
    assert!(out.bytes.starts_with(&src));
    let p = t.write("copy.pdf", &out.bytes);
    qpdf_check(&p);
    let a = annotations(&out.bytes);
    let hl: Vec<_> = a
        .iter()
        .filter(|(_, d)| subtype(d) == b"Highlight")
        .collect();
    assert_eq!(hl.len(), 1);
    assert_eq!(hl[0].0, 2);
    assert!(text_of(hl[0].1.get(b"Contents").unwrap()).ends_with("matched: bribe ¶"));
    if let Some((w, h, rgb)) = render(&p, 2) {
        assert_eq!((w, h), (612, 792));
        let px = |x: usize, y_pdf: usize| {
            let y = h - 1 - y_pdf;
            let i = (y * w + x) * 3;
            (rgb[i], rgb[i + 1], rgb[i + 2])
        };
        let (r, g, b) = redflag::export::category_color("bribery");
        // Sample the strip between the glyph tops and the quad's top: highlight colour there.
        let mut hits = 0;
        for x in 74..100 {
            let (pr, pg, pb) = px(x, 694);
            if pr.abs_diff(r) < 24 && pg.abs_diff(g) < 24 && pb.abs_diff(b) < 24 {
                hits += 1;
            }
        }
        assert!(hits > 20, "highlight colour found at {hits} of 26 pixels");
        // Outside the quad the page stays white.
        assert_eq!(px(200, 694), (255, 255, 255));
    }
}

/// The lines of the generated evidence PDF: every content word appears once.
const EVIDENCE: &[&str] = &[
    "Inspection report, northern district.",
    "",
    "The customs clerk took a bribe to",
    "release the container at the port.",
    "",
    "Weather on the day was mild and dry.",
];

fn index_evidence(t: &TestDir) -> PathBuf {
    let src = make_pdf(&[&["Annex cover page."], EVIDENCE]);
    let p = t.write("col/evidence.pdf", &src);
    t.run(["index", "col"]).expect_code(0);
    p
}

#[test]
fn pdf_copies_carry_one_annotation_per_tag_and_leave_the_source_untouched() {
    let t = TestDir::new();
    let p = index_evidence(&t);
    let before = std::fs::read(&p).unwrap();
    let rows = jsonl(&t, &["--tagged"]);
    assert!(!rows.is_empty(), "the built-in dictionaries tag the bribe");
    let want: usize = rows
        .iter()
        .map(|j| j["tags"].as_array().unwrap().len())
        .sum();
    let r = run_export(&t, &["--tagged", "--format", "pdf", "--out", "copies"]).expect_code(0);
    assert!(r.stderr().contains("1 annotated PDFs"), "{}", r.stderr());
    assert_eq!(
        std::fs::read(&p).unwrap(),
        before,
        "the original is never modified"
    );
    let copy = t.path().join("copies/evidence.pdf");
    let bytes = std::fs::read(&copy).unwrap();
    assert!(
        bytes.starts_with(&before),
        "the copy is an incremental update"
    );
    qpdf_check(&copy);
    let a = annotations(&bytes);
    let marks: Vec<_> = a
        .iter()
        .filter(|(_, d)| matches!(subtype(d), b"Highlight" | b"Text"))
        .collect();
    assert_eq!(marks.len(), want);
    for (n, d) in &marks {
        assert_eq!(*n, 2, "on the page of the passage");
        let note = text_of(d.get(b"Contents").unwrap());
        assert!(
            note.contains("rule: ") && note.contains("citation: "),
            "{note}"
        );
        let r = nums(d, b"Rect");
        assert!(
            r[0] >= 0.0 && r[2] <= 612.0 && r[1] >= 0.0 && r[3] <= 792.0,
            "{r:?}"
        );
        assert!(d.get(b"Popup").is_ok());
    }
    let m: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(t.path().join("copies/manifest.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(m["output_format"], "pdf");
    assert_eq!(m["files"][0]["source_blake3"], rows[0]["doc"]);
    assert_eq!(
        m["files"][0]["blake3"],
        blake3::hash(&bytes).to_hex().as_str()
    );
    // A copy never replaces its original: --out pointing at the source folder is refused.
    let r = run_export(&t, &["--tagged", "--format", "pdf", "--out", "col"]).expect_code(2);
    assert!(r.stderr().contains("holds the original"), "{}", r.stderr());
    assert_eq!(std::fs::read(&p).unwrap(), before);
    // A source changed since indexing gets no copy (positions would be wrong).
    std::fs::write(&p, make_pdf(&[&["changed"]])).unwrap();
    let r = run_export(&t, &["--tagged", "--format", "pdf", "--out", "copies2"]).expect_code(2);
    assert!(
        r.stderr().contains("changed since it was indexed"),
        "{}",
        r.stderr()
    );
}

/// Needs the character boxes of the layout-aware PDF extractor (branch `pdf`): the interim
/// extractor leaves `Page::chars` empty, so annotations fall back to notes without positions.
#[test]
fn pdf_highlights_lie_over_the_matched_words() {
    let t = TestDir::new();
    index_evidence(&t);
    let rows = jsonl(&t, &["--tagged"]);
    run_export(&t, &["--tagged", "--format", "pdf", "--out", "copies"]).expect_code(0);
    let copy = t.path().join("copies/evidence.pdf");
    let bytes = std::fs::read(&copy).unwrap();
    let hl: Vec<Dictionary> = annotations(&bytes)
        .into_iter()
        .filter(|(n, d)| *n == 2 && subtype(d) == b"Highlight")
        .map(|(_, d)| d)
        .collect();
    let tags: Vec<&serde_json::Value> = rows
        .iter()
        .flat_map(|j| j["tags"].as_array().unwrap())
        .collect();
    assert_eq!(
        hl.len(),
        tags.len(),
        "every tag is a highlight with positions"
    );
    // Where each word of the evidence page is: (word, x0, x1, baseline).
    let mut boxes = Vec::new();
    for (i, line) in EVIDENCE.iter().enumerate() {
        let base = 700.0 - 14.0 * i as f32;
        let mut col = 0;
        for w in line.split(' ') {
            // (word without punctuation, left edge, right edge without / with punctuation, baseline)
            let core = w.trim_end_matches(|c: char| !c.is_alphanumeric());
            boxes.push((
                core,
                72.0 + 6.0 * col as f32,
                72.0 + 6.0 * (col + core.len()) as f32,
                72.0 + 6.0 * (col + w.len()) as f32,
                base,
            ));
            col += w.len() + 1;
        }
    }
    for (d, tag) in hl.iter().zip(&tags) {
        let q = nums(d, b"QuadPoints");
        assert!(!q.is_empty() && q.len().is_multiple_of(8), "{q:?}");
        let rect = nums(d, b"Rect");
        let quads: Vec<(f32, f32, f32, f32)> = q
            .chunks(8)
            .map(|c| {
                (
                    c[0].min(c[4]),
                    c[5].min(c[7]),
                    c[2].max(c[6]),
                    c[1].max(c[3]),
                )
            })
            .collect();
        for &(x0, y0, x1, y1) in &quads {
            assert!(
                x0 >= rect[0] - 0.5
                    && x1 <= rect[2] + 0.5
                    && y0 >= rect[1] - 0.5
                    && y1 <= rect[3] + 0.5
            );
            // Each quad lies on one line of text, starting and ending at word edges.
            let line: Vec<_> = boxes.iter().filter(|b| y0 <= b.4 && b.4 <= y1).collect();
            assert!(!line.is_empty(), "quad {x0},{y0},{x1},{y1} is on no line");
            assert!(
                line.iter().any(|b| (b.1 - x0).abs() < 1.5),
                "quad starts mid-word: {x0}"
            );
            assert!(
                line.iter()
                    .any(|b| (b.2 - x1).abs() < 1.5 || (b.3 - x1).abs() < 1.5),
                "quad ends mid-word: {x1}"
            );
        }
        // Every matched word is covered by a quad.
        let text = rows
            .iter()
            .find(|j| j["tags"].as_array().unwrap().iter().any(|t| t == *tag))
            .unwrap()["text"]
            .as_str()
            .unwrap();
        for s in tag["spans"].as_array().unwrap() {
            let w = &text[s[0].as_u64().unwrap() as usize..s[1].as_u64().unwrap() as usize];
            for part in w.split(' ').filter(|p| p.len() >= 3) {
                let b = boxes
                    .iter()
                    .find(|b| b.0 == part)
                    .unwrap_or_else(|| panic!("{part}"));
                assert!(
                    quads.iter().any(|&(x0, y0, x1, y1)| x0 <= b.1 + 1.5
                        && b.2 - 1.5 <= x1
                        && y0 <= b.4
                        && b.4 <= y1),
                    "{part} at {b:?} not covered by {quads:?}"
                );
            }
        }
    }
}

/// Every PDF of the shared development corpus (damaged, encrypted, huge, odd page trees): an
/// annotated copy is made without a panic, or a clean error is returned; a copy of a file that
/// qpdf accepts is accepted too, still starts with the original bytes and carries the notes.
#[test]
fn annotating_every_shared_corpus_pdf_is_safe() {
    use redflag::export::pdf::{annotate, Mark};
    use redflag::model::Rect;
    let Some(dir) = crate::util::shared("corpus/dev") else {
        return;
    };
    let has_qpdf = tool("qpdf");
    let t = TestDir::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
        .collect();
    files.sort();
    let (mut copies, mut refused) = (0, 0);
    for p in &files {
        let src = std::fs::read(p).unwrap();
        let marks = [
            Mark {
                page: 1,
                quads: vec![Rect {
                    x0: 72.0,
                    y0: 700.0,
                    x1: 200.0,
                    y1: 712.0,
                }],
                color: (255, 214, 102),
                category: "bribery".into(),
                note: "redflag: bribery (alleged)\nrule: test ¶".into(),
            },
            Mark {
                page: 1,
                quads: vec![],
                color: (128, 222, 234),
                category: "trafficking".into(),
                note: "redflag: trafficking (asserted)".into(),
            },
        ];
        let out = match std::panic::catch_unwind(|| annotate(&src, &marks)) {
            Ok(Ok(out)) => out,
            Ok(Err(e)) => {
                eprintln!("{}: refused: {e}", p.display());
                refused += 1;
                continue;
            }
            Err(_) => panic!("{}: annotate panicked", p.display()),
        };
        copies += 1;
        let header = src.windows(5).position(|w| w == b"%PDF-").unwrap_or(0);
        assert!(out.bytes.starts_with(&src[header..]), "{}", p.display());
        assert_eq!((out.highlights, out.notes), (1, 1), "{}", p.display());
        let copy = t.write("copy.pdf", &out.bytes);
        let reread = lopdf::Document::load_mem(&out.bytes);
        if let Ok(doc) = &reread {
            let page = doc.get_pages()[&1];
            let n = doc
                .get_page_annotations(page)
                .map(|a| a.iter().filter(|d| subtype(d) == b"Highlight").count())
                .unwrap_or(0);
            assert!(n >= 1, "{}: highlight not found on re-reading", p.display());
        }
        if has_qpdf {
            let ok = |f: &Path| {
                Command::new("qpdf")
                    .arg("--check")
                    .arg(f)
                    .output()
                    .map(|o| o.status.code() == Some(0))
                    .unwrap_or(false)
            };
            if ok(p) {
                assert!(
                    ok(&copy),
                    "{}: qpdf accepts the original, not the copy",
                    p.display()
                );
            }
        }
    }
    eprintln!("{copies} copies, {refused} refused of {} PDFs", files.len());
    assert!(
        copies * 10 >= files.len() * 8,
        "{copies} of {} annotated",
        files.len()
    );
}

#[test]
fn pdf_copies_of_same_named_sources_do_not_overwrite_each_other() {
    let t = TestDir::new();
    t.write("col/a/evidence.pdf", make_pdf(&[EVIDENCE]));
    t.write(
        "col/b/evidence.pdf",
        make_pdf(&[&["The customs clerk took a bribe to release the truck."]]),
    );
    t.run(["index", "col"]).expect_code(0);
    let r = run_export(&t, &["--tagged", "--format", "pdf", "--out", "copies"]).expect_code(0);
    assert!(r.stderr().contains("2 annotated PDFs"), "{}", r.stderr());
    let mut names: Vec<String> = std::fs::read_dir(t.path().join("copies"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".pdf"))
        .collect();
    names.sort();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.contains(&"evidence.pdf".to_owned()), "{names:?}");
    let m: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(t.path().join("copies/manifest.json")).unwrap(),
    )
    .unwrap();
    let files = m["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    for f in files {
        let copy = std::fs::read(f["path"].as_str().unwrap()).unwrap();
        let src = std::fs::read(f["source"].as_str().unwrap()).unwrap();
        assert!(copy.starts_with(&src));
        assert_eq!(f["source_blake3"], blake3::hash(&src).to_hex().as_str());
    }
}
