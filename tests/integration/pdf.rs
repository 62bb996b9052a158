//! PDF extraction end to end: PDFs written here with lopdf's writer (fonts, columns,
//! furniture, rotation, hostile structures), and the shared benchmark and corpus files read
//! in place from `../shared`.

use crate::util::shared;
use lopdf::{dictionary, Document, Object, Stream};
use redflag::extract::{pdf, ExtractError, Limits};
use redflag::model::FurnitureKind;
use std::collections::HashMap;
use std::time::{Duration, Instant};
use unicode_normalization::UnicodeNormalization;

/// Builds a PDF with one page per content string, Helvetica (not embedded, no widths) as F1,
/// and optional extra resources and page attributes.
fn build(
    pages: &[Vec<u8>],
    rotate: &[i64],
    extra: impl Fn(&mut Document) -> lopdf::Dictionary,
) -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
        "Encoding" => "WinAnsiEncoding",
    });
    let mut xobjects = extra(&mut doc);
    let resources = doc.add_object(dictionary! {
        "Font" => dictionary! { "F1" => font },
        "XObject" => std::mem::take(&mut xobjects),
    });
    let mut kids = Vec::new();
    for (i, content) in pages.iter().enumerate() {
        let c = doc.add_object(Stream::new(dictionary! {}, content.clone()));
        let mut page = dictionary! {
            "Type" => "Page", "Parent" => pages_id, "Contents" => c,
            "Resources" => resources, "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
        };
        if let Some(r) = rotate.get(i) {
            page.set("Rotate", *r);
        }
        kids.push(Object::Reference(doc.add_object(page)));
    }
    let count = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let info = doc.add_object(dictionary! {
        "Title" => Object::String(b"\xFE\xFF\x00B\x00r\x00i\x00b\x00e\x00r\x00y\x00 \x20\x1C\x00X\x20\x1D".to_vec(), lopdf::StringFormat::Literal),
    });
    doc.trailer.set("Info", info);
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("write pdf");
    out
}

fn no_extra(_: &mut Document) -> lopdf::Dictionary {
    dictionary! {}
}

fn esc(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('(', "\\(")
        .replace(')', "\\)")
}

/// Content drawing `lines` (x, y, size, text) with Td moves.
fn lines(items: &[(f32, f32, f32, &str)]) -> Vec<u8> {
    let mut c = String::new();
    for (x, y, size, t) in items {
        c.push_str(&format!(
            "BT /F1 {size} Tf 1 0 0 1 {x} {y} Tm ({}) Tj ET\n",
            esc(t)
        ));
    }
    c.into_bytes()
}

fn words(s: &str) -> Vec<&str> {
    s.split_whitespace().collect()
}

#[test]
fn simple_page_text_boxes_and_title() {
    let content = lines(&[
        (72.0, 700.0, 12.0, "Payments to the minister were recorded"),
        (72.0, 686.0, 12.0, "in a second ledger kept offshore."),
        (72.0, 650.0, 12.0, "A new paragraph starts after a gap."),
    ]);
    let bytes = build(&[content], &[], no_extra);
    let e = pdf::extract(&bytes, &Limits::default()).expect("extract");
    assert_eq!(e.title.as_deref(), Some("Bribery \u{201C}X\u{201D}"));
    assert_eq!(e.pages.len(), 1);
    let p = &e.pages[0];
    assert_eq!(
        p.text,
        "Payments to the minister were recorded\nin a second ledger kept offshore.\n\nA new paragraph starts after a gap."
    );
    let non_ws = p.text.chars().filter(|c| !c.is_whitespace()).count();
    assert_eq!(p.chars.len(), non_ws);
    for cb in &p.chars {
        let s = &p.text[cb.start as usize..cb.end as usize];
        assert!(!s.trim().is_empty());
        assert!(
            cb.rect.x0 >= 70.0 && cb.rect.x1 <= 612.0 && cb.rect.y0 > 640.0 && cb.rect.y1 < 712.0,
            "{cb:?}"
        );
    }
    // Boxes advance along the line.
    assert!(p.chars[1].rect.x0 > p.chars[0].rect.x0);
    assert!(!p.needs_ocr && !p.suspect);
}

#[test]
fn words_from_positions_without_space_characters() {
    // Each word drawn separately, no space glyphs: spacing comes from the gaps.
    let c =
        b"BT /F1 10 Tf 1 0 0 1 72 700 Tm [(Kick)-300(back)] TJ 1 0 0 1 140 700 Tm (scheme) Tj ET"
            .to_vec();
    let e = pdf::extract(&build(&[c], &[], no_extra), &Limits::default()).expect("extract");
    assert_eq!(e.pages[0].text, "Kick back scheme");
}

#[test]
fn two_columns_read_column_by_column_with_furniture_removed() {
    let mut pages = Vec::new();
    for p in 1..=3usize {
        let mut items: Vec<(f32, f32, f32, String)> = vec![(
            72.0,
            750.0,
            9.0,
            format!("IN RE SHELL COMPANIES LITIGATION {p}"),
        )];
        for i in 0..20 {
            let y = 700.0 - 14.0 * i as f32;
            let (a, b) = (
                ["quick", "brown", "sly"][p - 1],
                ["lazy", "old", "tired"][p - 1],
            );
            items.push((72.0, y, 10.0, format!("left p{p} l{i} the {a} fox")));
            items.push((
                320.0,
                y,
                10.0,
                format!("right p{p} l{i} jumps over the {b} dog"),
            ));
        }
        items.push((300.0, 40.0, 10.0, format!("- {p} -")));
        let refs: Vec<(f32, f32, f32, &str)> = items
            .iter()
            .map(|(x, y, s, t)| (*x, *y, *s, t.as_str()))
            .collect();
        pages.push(lines(&refs));
    }
    let e = pdf::extract(&build(&pages, &[], no_extra), &Limits::default()).expect("extract");
    for (k, page) in e.pages.iter().enumerate() {
        let w = words(&page.text);
        let firsts: Vec<&str> = w
            .iter()
            .copied()
            .filter(|w| *w == "left" || *w == "right")
            .collect();
        assert_eq!(firsts.len(), 40);
        assert!(
            firsts[..20].iter().all(|w| *w == "left"),
            "page {}: {}",
            k + 1,
            page.text
        );
        assert!(!page.text.contains("SHELL"), "header leaked: {}", page.text);
        assert!(!page.text.contains(&format!("- {} -", k + 1)));
        let kinds: Vec<FurnitureKind> = page.furniture.iter().map(|f| f.kind).collect();
        assert!(kinds.contains(&FurnitureKind::Header), "{kinds:?}");
        assert!(kinds.contains(&FurnitureKind::PageNumber), "{kinds:?}");
    }
}

#[test]
fn pleading_line_numbers_are_furniture() {
    let mut items: Vec<(f32, f32, f32, String)> = Vec::new();
    for i in 1..=28 {
        let y = 720.0 - 24.0 * i as f32;
        items.push((40.0, y, 10.0, i.to_string()));
        if i % 2 == 0 {
            items.push((
                90.0,
                y,
                12.0,
                format!("The defendant paid the official on occasion {i}."),
            ));
        }
    }
    let refs: Vec<(f32, f32, f32, &str)> = items
        .iter()
        .map(|(x, y, s, t)| (*x, *y, *s, t.as_str()))
        .collect();
    let e =
        pdf::extract(&build(&[lines(&refs)], &[], no_extra), &Limits::default()).expect("extract");
    let p = &e.pages[0];
    let nums = p
        .furniture
        .iter()
        .filter(|f| f.kind == FurnitureKind::LineNumber)
        .count();
    assert_eq!(nums, 28, "{:?}", p.furniture);
    assert!(p.text.starts_with("The defendant paid"), "{}", p.text);
}

#[test]
fn rotated_page_reads_upright() {
    // /Rotate 90 with the text drawn rotated so that it displays upright.
    let c = b"BT /F1 12 Tf 0 1 -1 0 300 100 Tm (Rotated evidence line one) Tj 0 1 -1 0 314 100 Tm (and line two) Tj ET".to_vec();
    let e = pdf::extract(&build(&[c], &[90], no_extra), &Limits::default()).expect("extract");
    assert_eq!(e.pages[0].text, "Rotated evidence line one\nand line two");
}

#[test]
fn form_xobject_cycle_and_fan_out_end_quickly() {
    // Form A draws itself and B eight times; B draws A: a cycle and an exponential fan-out.
    let bytes = build(
        &[b"/A Do BT /F1 12 Tf 72 700 Td (after the forms) Tj ET".to_vec()],
        &[],
        |doc| {
            let a = doc.new_object_id();
            let b = doc.new_object_id();
            let res = dictionary! { "XObject" => dictionary! { "A" => a, "B" => b } };
            let mk = |content: &[u8]| {
                Stream::new(
                    dictionary! { "Type" => "XObject", "Subtype" => "Form", "BBox" => vec![0.into(), 0.into(), 10.into(), 10.into()], "Resources" => res.clone() },
                    content.to_vec(),
                )
            };
            doc.objects.insert(
                a,
                Object::Stream(mk(b"/A Do /B Do /B Do /B Do /B Do /B Do /B Do /B Do /B Do")),
            );
            doc.objects.insert(
                b,
                Object::Stream(mk(b"/A Do /A Do /A Do /A Do /A Do /A Do /A Do /A Do")),
            );
            dictionary! { "A" => a }
        },
    );
    let t = Instant::now();
    let limits = Limits {
        max_ops_per_page: 200_000,
        ..Limits::default()
    };
    let e = pdf::extract(&bytes, &limits).expect("extract");
    assert!(
        t.elapsed() < Duration::from_secs(5),
        "took {:?}",
        t.elapsed()
    );
    // The text after the forms is kept unless the operator limit stopped the page first;
    // either way the outcome is reported, never a hang.
    let text = &e.pages[0].text;
    assert!(
        text.contains("after the forms")
            || e.warnings
                .iter()
                .any(|w| w.contains("page 1") && w.contains("limit")),
        "{e:?}"
    );
}

#[test]
fn decompression_bomb_costs_the_cap_only() {
    use std::io::Write;
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let mut content = b"BT /F1 12 Tf 72 700 Td (kept text) Tj ET\n".to_vec();
    content.extend(std::iter::repeat_n(b' ', 200 << 20));
    z.write_all(&content).expect("deflate");
    let bomb = z.finish().expect("deflate");
    let mut doc_bytes = build(&[b"PLACEHOLDER".to_vec()], &[], no_extra);
    // Swap the page content for the bomb with a FlateDecode filter.
    let mut doc = Document::load_mem(&doc_bytes).expect("reload");
    let page = *doc.get_pages().get(&1).expect("page");
    let cid = doc.get_page_contents(page)[0];
    doc.objects.insert(
        cid,
        Object::Stream(Stream::new(dictionary! { "Filter" => "FlateDecode" }, bomb)),
    );
    doc_bytes.clear();
    doc.save_to(&mut doc_bytes).expect("save");
    let limits = Limits {
        max_stream_bytes: 1 << 20,
        ..Limits::default()
    };
    let t = Instant::now();
    let e = pdf::extract(&doc_bytes, &limits).expect("extract");
    assert!(
        t.elapsed() < Duration::from_secs(3),
        "took {:?}",
        t.elapsed()
    );
    assert_eq!(e.pages[0].text, "kept text");
    assert!(
        e.warnings
            .iter()
            .any(|w| w.starts_with("page 1:") && w.contains("1048576")),
        "{:?}",
        e.warnings
    );
}

#[test]
fn image_only_page_needs_ocr() {
    let bytes = build(&[b"q 612 0 0 792 0 0 cm /Im1 Do Q".to_vec()], &[], |doc| {
        let img = doc.add_object(Stream::new(
            dictionary! { "Type" => "XObject", "Subtype" => "Image", "Width" => 1, "Height" => 1, "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8 },
            vec![0],
        ));
        dictionary! { "Im1" => img }
    });
    let e = pdf::extract(&bytes, &Limits::default()).expect("extract");
    assert!(e.pages[0].needs_ocr);
    assert!(e.pages[0].text.is_empty());
}

#[test]
fn truncated_and_garbage_inputs_never_panic() {
    let bytes = build(
        &[lines(&[(72.0, 700.0, 12.0, "Some text for cutting")])],
        &[],
        no_extra,
    );
    for cut in (0..bytes.len()).step_by(7) {
        let _ = pdf::extract(&bytes[..cut], &Limits::default());
    }
    let mut flipped = bytes.clone();
    for i in (20..flipped.len()).step_by(13) {
        flipped[i] ^= 0x5A;
        let _ = pdf::extract(&flipped, &Limits::default());
    }
    assert!(matches!(
        pdf::extract(b"", &Limits::default()),
        Err(ExtractError::Invalid { .. })
    ));
}

// ------------------------------------------------------------------ shared sets, in place

fn word_counts(s: &str) -> HashMap<String, usize> {
    let mut m = HashMap::new();
    // Scripts written without spaces count one token per character.
    let nospace = |c: char| matches!(c as u32, 0x0E00..=0x0EFF | 0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF);
    let mut cur = String::new();
    let s: String = s.nfkc().collect();
    for c in s.chars().chain(std::iter::once(' ')) {
        if c.is_alphanumeric() && !nospace(c) {
            cur.push(c);
            continue;
        }
        if !cur.is_empty() {
            *m.entry(cur.to_lowercase()).or_insert(0) += 1;
            cur.clear();
        }
        if nospace(c) {
            *m.entry(c.to_string()).or_insert(0) += 1;
        }
    }
    m
}

fn word_f1(pred: &str, truth: &str) -> f64 {
    let (p, t) = (word_counts(pred), word_counts(truth));
    let common: usize = t
        .iter()
        .map(|(w, n)| (*n).min(*p.get(w).unwrap_or(&0)))
        .sum();
    let (np, nt): (usize, usize) = (p.values().sum(), t.values().sum());
    if common == 0 {
        return 0.0;
    }
    let (pr, rc) = (common as f64 / np as f64, common as f64 / nt as f64);
    2.0 * pr * rc / (pr + rc)
}

#[test]
fn extract_bench_dev_words_match_the_truth() {
    // a failure on CI, a skip (with a note) on a machine without ../shared
    let Some(dir) = shared("extract-bench/dev") else {
        return;
    };
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).expect("extract-bench/dev") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "pdf") {
            continue;
        }
        let name = path
            .file_stem()
            .expect("stem")
            .to_string_lossy()
            .to_string();
        if name.starts_with("scan_") {
            continue;
        }
        let truth = std::fs::read_to_string(dir.join(format!("{name}.truth.txt"))).expect("truth");
        // Accuracy, not speed, is tested here: an unoptimised build on a busy machine may
        // need more than the default time budget for the 304-page file.
        let limits = Limits {
            time_budget: Duration::from_secs(600),
            ..Limits::default()
        };
        let e = pdf::extract(&std::fs::read(&path).expect("pdf"), &limits).expect(&name);
        assert!(
            e.warnings.iter().all(|w| !w.contains("limit")),
            "{name}: {:?}",
            e.warnings
        );
        let text: String = e
            .pages
            .iter()
            .map(|p| p.text.replace("-\n", "").replace("\u{2010}\n", ""))
            .collect::<Vec<_>>()
            .join("\n");
        let f1 = word_f1(&text, &truth.replace("-\n", ""));
        assert!(f1 > 0.95, "{name}: word F1 {f1:.3}");
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} benchmark PDFs found");
}

#[test]
fn corpus_hard_files() {
    // a failure on CI, a skip (with a note) on a machine without ../shared
    let Some(dir) = shared("corpus/dev") else {
        return;
    };
    let read = |f: &str| std::fs::read(dir.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
    let limits = Limits::default();
    // Empty user password: RC4 and AES files open and give text.
    for f in [
        "encrypted-r2-empty-password.pdf",
        "encrypted-r4-aes-no-keylength.pdf",
        "encrypted-r5-empty-password.pdf",
        "encrypted-uscis-i9-es-aes128.pdf",
    ] {
        let e = pdf::extract(&read(f), &limits).unwrap_or_else(|e| panic!("{f}: {e}"));
        assert!(
            e.pages.iter().any(|p| !p.text.trim().is_empty()),
            "{f}: no text"
        );
    }
    // A real user password is needed: a clear error.
    assert!(matches!(
        pdf::extract(&read("encrypted-libreoffice-user-password.pdf"), &limits),
        Err(ExtractError::Encrypted)
    ));
    // The decompression bomb costs under a second.
    let t = Instant::now();
    let _ = pdf::extract(&read("malformed-decompression-bomb.pdf"), &limits);
    // Under a second in a release build (tests/bench/extract.sh measures it); an
    // unoptimised test build on a busy machine gets more room.
    assert!(
        t.elapsed() < Duration::from_secs(if cfg!(debug_assertions) { 5 } else { 1 }),
        "bomb took {:?}",
        t.elapsed()
    );
    // Damaged files: recovered where the structure allows, a one-line error otherwise.
    for f in [
        "malformed-broken-trailer.pdf",
        "malformed-no-xref-table.pdf",
        "malformed-xref-offset-wrong.pdf",
        "malformed-invalid-stream-length.pdf",
    ] {
        let e = pdf::extract(&read(f), &limits).unwrap_or_else(|e| panic!("{f}: {e}"));
        assert!(
            e.pages.iter().any(|p| !p.text.trim().is_empty()),
            "{f}: no text"
        );
    }
    for entry in std::fs::read_dir(&dir).expect("corpus/dev") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .to_string();
        if !name.starts_with("malformed-") && !name.starts_with("encrypted-") {
            continue;
        }
        let t = Instant::now();
        if let Err(e) = pdf::extract(&std::fs::read(&path).expect("read"), &limits) {
            assert!(!e.to_string().contains('\n'), "{name}: {e}");
        }
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "{name} took {:?}",
            t.elapsed()
        );
    }
}

/// With `REDFLAG_WRITE_FUZZ_SEEDS=1`, writes a generated PDF into `tests/fuzz/seeds/pdf/`
/// (the fuzz target's seeds, replayed by `fuzz_regressions`); otherwise does nothing.
fn seed(name: &str, bytes: &[u8]) {
    if std::env::var_os("REDFLAG_WRITE_FUZZ_SEEDS").is_some() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz/seeds/pdf");
        std::fs::create_dir_all(&dir).expect("seed dir");
        std::fs::write(dir.join(name), bytes).expect("write seed");
    }
}

// ------------------------------------------------------------ fonts without a Unicode map

/// The text every font fixture of `tests/data/pdf/make_fonts.py` spells with codes 1, 2, ...
/// in the order of its distinct characters.
const FONT_TEXT: &str = "Forced labour: 12 workers held at the farm";

fn font_fixture(name: &str) -> Vec<u8> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/pdf")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The codes that spell `FONT_TEXT` in the fixtures (first distinct character = code 1).
fn font_codes() -> Vec<u8> {
    let mut distinct: Vec<char> = Vec::new();
    FONT_TEXT
        .chars()
        .map(|c| {
            let i = distinct.iter().position(|d| *d == c).unwrap_or_else(|| {
                distinct.push(c);
                distinct.len() - 1
            });
            i as u8 + 1
        })
        .collect()
}

/// A one-page PDF whose /F1 is the font `make_font` adds, showing `content`.
fn one_page_with_font(content: &[u8], make_font: impl Fn(&mut Document) -> Object) -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font = make_font(&mut doc);
    let c = doc.add_object(Stream::new(dictionary! {}, content.to_vec()));
    let page = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id, "Contents" => c,
        "Resources" => dictionary! { "Font" => dictionary! { "F1" => font } },
        "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(
            dictionary! { "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1 },
        ),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("write pdf");
    out
}

/// A one-page PDF showing `FONT_TEXT` through a simple font (no `Encoding`, no
/// `ToUnicode`, flagged symbolic) whose program is `file` under `key` (`FontFile2`, or
/// `FontFile3` with `ff_subtype`).
fn font_pdf(subtype: &str, key: &str, ff_subtype: Option<&str>, file: &str) -> Vec<u8> {
    let program = font_fixture(file);
    let hex: String = font_codes().iter().map(|b| format!("{b:02X}")).collect();
    let content = format!("BT /F1 12 Tf 72 700 Td <{hex}> Tj ET").into_bytes();
    one_page_with_font(&content, |doc| {
        let mut sd = dictionary! { "Length1" => program.len() as i64 };
        if let Some(s) = ff_subtype {
            sd.set("Subtype", Object::Name(s.as_bytes().to_vec()));
        }
        let ff = doc.add_object(Stream::new(sd, program.clone()));
        let desc = doc.add_object(dictionary! {
            "Type" => "FontDescriptor", "FontName" => "ABCDEF+Test", "Flags" => 4,
            "FontBBox" => vec![0.into(), 0.into(), 1000.into(), 1000.into()],
            "ItalicAngle" => 0, "Ascent" => 900, "Descent" => -200, "CapHeight" => 700,
            "StemV" => 80, key => ff,
        });
        doc.add_object(dictionary! {
            "Type" => "Font", "Subtype" => Object::Name(subtype.as_bytes().to_vec()),
            "BaseFont" => "ABCDEF+Test", "FirstChar" => 1, "LastChar" => 40,
            "Widths" => vec![Object::Integer(600); 40], "FontDescriptor" => desc,
        })
        .into()
    })
}

#[test]
fn truetype_symbolic_cmap_and_post_names_give_text() {
    for file in ["symbolic-3-0.ttf", "mac-1-0.ttf"] {
        let bytes = font_pdf("TrueType", "FontFile2", None, file);
        seed(&format!("font-{file}.pdf"), &bytes);
        let e = pdf::extract(&bytes, &Limits::default()).expect("extract");
        assert_eq!(e.pages[0].text, FONT_TEXT, "{file}");
        assert!(!e.pages[0].needs_ocr, "{file}");
        assert!(
            !e.warnings.iter().any(|w| w.contains("no usable Unicode")),
            "{file}: {:?}",
            e.warnings
        );
        // Citable: the character boxes cover the text.
        assert_eq!(
            e.pages[0].chars.last().map(|c| c.end as usize),
            Some(FONT_TEXT.len())
        );
    }
}

#[test]
fn cff_custom_builtin_encoding_gives_text() {
    let bytes = font_pdf("Type1", "FontFile3", Some("Type1C"), "custom-enc.cff");
    seed("font-custom-enc-cff.pdf", &bytes);
    let e = pdf::extract(&bytes, &Limits::default()).expect("extract");
    assert_eq!(e.pages[0].text, FONT_TEXT);
    assert!(!e.pages[0].needs_ocr);
}

#[test]
fn font_program_text_is_searchable() {
    let t = crate::util::TestDir::new();
    t.write(
        "docs/symbolic.pdf",
        font_pdf("TrueType", "FontFile2", None, "symbolic-3-0.ttf"),
    );
    t.run(["index", "docs"]).expect_code(0);
    let r = t.run(["search", "--json", "labour workers"]).expect_code(0);
    let hits = r.json_lines();
    assert_eq!(hits.len(), 1, "{}", r.stdout());
    assert!(hits[0]["text"]
        .as_str()
        .unwrap()
        .contains("12 workers held"));
}

#[test]
fn japanese_cid_font_without_tounicode_reads_through_adobe_japan1() {
    let Some(dir) = shared("corpus/dev") else {
        return;
    };
    let bytes = std::fs::read(dir.join("nonlatin-ja-vertical-poem-cid.pdf")).expect("read");
    let e = pdf::extract(&bytes, &Limits::default()).expect("extract");
    let text: String = e.pages.iter().map(|p| p.text.as_str()).collect();
    assert!(text.contains("わたくしといふ現象は"), "{text}");
    assert!(text.contains("ひとつの青い照明です"), "{text}");
    assert!(!e.pages[0].needs_ocr);
    assert!(!e.warnings.iter().any(|w| w.contains("no usable Unicode")));
}

// ------------------------------------------------------------ time budgets

/// A page drawing form L0; each level draws the next one 8 times, 12 levels deep; the last
/// shows a line of text (8^11 lines if every form were run).
fn fan_out_bomb(pages: usize) -> Vec<u8> {
    let content = b"/L0 Do BT /F1 12 Tf 72 700 Td (after the forms) Tj ET".to_vec();
    build(&vec![content; pages], &[], |doc| {
        let ids: Vec<_> = (0..12).map(|_| doc.new_object_id()).collect();
        for (i, id) in ids.iter().enumerate() {
            let (content, res) = if i + 1 < ids.len() {
                (
                    "/N Do ".repeat(8).into_bytes(),
                    dictionary! { "XObject" => dictionary! { "N" => ids[i + 1] } },
                )
            } else {
                (
                    b"BT /F1 10 Tf 0 0 Td (repeated text in the deepest form) Tj ET".to_vec(),
                    dictionary! {},
                )
            };
            doc.objects.insert(
                *id,
                Object::Stream(Stream::new(
                    dictionary! { "Type" => "XObject", "Subtype" => "Form", "BBox" => vec![0.into(), 0.into(), 10.into(), 10.into()], "Resources" => res },
                    content,
                )),
            );
        }
        dictionary! { "L0" => ids[0] }
    })
}

#[test]
fn form_fan_out_is_cut_short_with_a_warning() {
    let bytes = fan_out_bomb(3);
    seed("fan-out-bomb.pdf", &bytes);
    let t = Instant::now();
    let e = pdf::extract(&bytes, &Limits::default()).expect("extract");
    let took = t.elapsed();
    // Well within the 10 s document budget (release builds take a fraction of a second).
    assert!(took < Duration::from_secs(10), "took {took:?}");
    assert!(
        e.warnings.iter().any(|w| w.contains("cut short")),
        "{:?}",
        e.warnings
    );
    let total: usize = e.pages.iter().map(|p| p.text.len()).sum();
    assert!(total < 200_000, "{total} bytes of repeated text");
}

#[test]
fn header_after_leading_junk_is_read() {
    let pdf = build(
        &[lines(&[(
            72.0,
            700.0,
            12.0,
            "Recruiter kept the passports",
        )])],
        &[],
        no_extra,
    );
    // Offsets relative to the header (a mail gateway's prefix) and, with the junk counted,
    // absolute (a generator that wrote a preamble first): both read.
    let mut junk = b"X-Scanned-By: gateway 3.1\r\nContent-Type: application/pdf\r\n\r\n".to_vec();
    junk.extend((0..700u32).map(|i| (i * 37 % 256) as u8));
    junk.extend_from_slice(b"\r\n");
    let mut prefixed = junk.clone();
    prefixed.extend_from_slice(&pdf);
    seed("header-after-junk.pdf", &prefixed);
    let e = pdf::extract(&prefixed, &Limits::default()).expect("junk before the header");
    assert_eq!(e.pages[0].text, "Recruiter kept the passports");
    // The command line sniffs it as a PDF too.
    let t = crate::util::TestDir::new();
    let f = t.write("prefixed.bin", &prefixed);
    let r = t
        .run([std::ffi::OsStr::new("extract"), f.as_os_str()])
        .expect_code(0);
    assert!(
        r.stdout().contains("Recruiter kept the passports"),
        "{}",
        r.stderr()
    );
    // Beyond the first 1,024 bytes the file is not taken for a PDF.
    let mut far = vec![b' '; 1100];
    far.extend_from_slice(&pdf);
    assert!(matches!(
        pdf::extract(&far, &Limits::default()),
        Err(ExtractError::Invalid { .. })
    ));
}

// ------------------------------------------------------------ form fields and annotations

/// A page with body text, a filled form (a named text field under a parent, a choice list,
/// a hidden field, a check box), a free-text note and a stamp whose text is only in its
/// appearance stream.
fn filled_form() -> Vec<u8> {
    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let page_id = doc.new_object_id();
    let font = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
        "Encoding" => "WinAnsiEncoding",
    });
    let r = |v: [i64; 4]| -> Object {
        v.iter()
            .map(|&x| Object::Integer(x))
            .collect::<Vec<_>>()
            .into()
    };
    let s = |t: &str| Object::string_literal(t);
    let parent = doc.add_object(dictionary! { "T" => s("employer"), "Kids" => vec![] });
    let name_w = doc.add_object(dictionary! {
        "Type" => "Annot", "Subtype" => "Widget", "FT" => "Tx", "T" => s("name"),
        "Parent" => parent, "V" => s("Golden Harvest Farms"), "Rect" => r([100, 600, 300, 620]),
        "P" => page_id,
    });
    let choice = doc.add_object(dictionary! {
        "Type" => "Annot", "Subtype" => "Widget", "FT" => "Ch", "T" => s("status"),
        "V" => s("passport withheld"), "Rect" => r([100, 570, 300, 590]),
    });
    let hidden = doc.add_object(dictionary! {
        "Type" => "Annot", "Subtype" => "Widget", "FT" => "Tx", "T" => s("secret"),
        "V" => s("hiddenvalue"), "F" => 2, "Rect" => r([100, 540, 300, 560]),
    });
    let check = doc.add_object(dictionary! {
        "Type" => "Annot", "Subtype" => "Widget", "FT" => "Btn", "T" => s("agree"),
        "V" => "Yes", "AS" => "Yes", "Rect" => r([100, 510, 110, 520]),
    });
    let note = doc.add_object(dictionary! {
        "Type" => "Annot", "Subtype" => "FreeText", "Contents" => s("Workers sleep in the barn"),
        "Rect" => r([350, 600, 550, 640]), "DA" => s("/Helv 10 Tf 0 g"),
    });
    let stamp_ap = doc.add_object(Stream::new(
        dictionary! { "Type" => "XObject", "Subtype" => "Form", "BBox" => r([0, 0, 200, 40]),
        "Resources" => dictionary! { "Font" => dictionary! { "F1" => font } } },
        b"BT /F1 14 Tf 10 15 Td (RECEIVED 03/14/2024) Tj ET".to_vec(),
    ));
    let stamp = doc.add_object(dictionary! {
        "Type" => "Annot", "Subtype" => "Stamp", "Rect" => r([350, 700, 550, 740]),
        "AP" => dictionary! { "N" => stamp_ap },
    });
    if let Ok(Object::Dictionary(d)) = doc.get_object_mut(parent) {
        d.set("Kids", vec![Object::Reference(name_w)]);
    }
    let content = doc.add_object(Stream::new(
        dictionary! {},
        b"BT /F1 12 Tf 72 740 Td (Application for seasonal work) Tj ET".to_vec(),
    ));
    doc.objects.insert(
        page_id,
        Object::Dictionary(dictionary! {
            "Type" => "Page", "Parent" => pages_id, "Contents" => content,
            "Resources" => dictionary! { "Font" => dictionary! { "F1" => font } },
            "MediaBox" => r([0, 0, 612, 792]),
            "Annots" => vec![name_w.into(), choice.into(), hidden.into(), check.into(), note.into(), stamp.into()],
        }),
    );
    doc.objects.insert(
        pages_id,
        Object::Dictionary(
            dictionary! { "Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1 },
        ),
    );
    let acro = doc.add_object(dictionary! {
        "Fields" => vec![parent.into(), choice.into(), hidden.into(), check.into()],
    });
    let catalog = doc
        .add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id, "AcroForm" => acro });
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("write pdf");
    out
}

#[test]
fn form_fields_and_annotations_are_read_marked_and_boxed() {
    use redflag::model::AnnotationKind;
    seed("filled-form-annotations.pdf", &filled_form());
    let e = pdf::extract(&filled_form(), &Limits::default()).expect("extract");
    let p = &e.pages[0];
    assert_eq!(
        p.text,
        "Application for seasonal work\n\nGolden Harvest Farms\n\npassport withheld\n\n\
         Workers sleep in the barn\n\nRECEIVED 03/14/2024"
    );
    assert!(!p.text.contains("hiddenvalue"));
    let marked: Vec<(AnnotationKind, &str, Option<&str>)> = p
        .annotations
        .iter()
        .map(|a| {
            (
                a.kind,
                &p.text[a.start as usize..a.end as usize],
                a.name.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        marked,
        vec![
            (
                AnnotationKind::FormField,
                "Golden Harvest Farms",
                Some("employer.name")
            ),
            (
                AnnotationKind::FormField,
                "passport withheld",
                Some("status")
            ),
            (AnnotationKind::FreeText, "Workers sleep in the barn", None),
            (AnnotationKind::Stamp, "RECEIVED 03/14/2024", None),
        ]
    );
    // Citable: the field's characters are boxed by the widget's rectangle.
    let start = p.text.find("Golden").unwrap() as u32;
    let b = p.chars.iter().find(|c| c.start == start).expect("box");
    assert_eq!(
        (b.rect.x0, b.rect.y0, b.rect.x1, b.rect.y1),
        (100.0, 600.0, 300.0, 620.0)
    );
}

#[test]
fn form_fields_are_searchable_and_in_json_output() {
    let t = crate::util::TestDir::new();
    let f = t.write("docs/application.pdf", filled_form());
    let r = t
        .run([
            std::ffi::OsStr::new("extract"),
            "--format".as_ref(),
            "json".as_ref(),
            f.as_os_str(),
        ])
        .expect_code(0);
    let v = &r.json_lines()[0];
    let kinds: Vec<&str> = v["pages"][0]["annotations"]
        .as_array()
        .expect("annotations")
        .iter()
        .map(|a| a["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["form_field", "form_field", "free_text", "stamp"]);
    t.run(["index", "docs"]).expect_code(0);
    let hits = t
        .run(["search", "--json", "passport withheld"])
        .expect_code(0)
        .json_lines();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0]["page"], 1, "{:?}", hits[0]);
}

// ------------------------------------------------------------ stamped scans

/// One page: an image scaled to `img` (x, y, w, h), then the given text lines.
fn page_with_image(img: (f32, f32, f32, f32), text: &[(f32, f32, f32, &str)]) -> Vec<u8> {
    let mut content = format!(
        "q {} 0 0 {} {} {} cm /Im Do Q\n",
        img.2, img.3, img.0, img.1
    )
    .into_bytes();
    content.extend(lines(text));
    build(&[content], &[], |doc| {
        let im = doc.add_object(Stream::new(
            dictionary! { "Type" => "XObject", "Subtype" => "Image", "Width" => 2, "Height" => 2,
            "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8 },
            vec![0, 255, 255, 0],
        ));
        dictionary! { "Im" => im }
    })
}

#[test]
fn stamped_scan_goes_to_ocr_keeping_the_stamp() {
    let stamp = "Appeal: 17-2218 Doc: 17 Filed: 10/31/2017 Pg: 1 of 1";
    let scan = page_with_image((0.0, 0.0, 612.0, 792.0), &[(72.0, 770.0, 9.0, stamp)]);
    seed("stamped-scan.pdf", &scan);
    let e = pdf::extract(&scan, &Limits::default()).expect("extract");
    assert!(
        e.pages[0].needs_ocr,
        "a page-size scan under one stamp line"
    );
    assert_eq!(e.pages[0].text, stamp);
    // A text page with a logo, and a scan under a full text layer (an OCRed PDF), are not.
    let body: Vec<(f32, f32, f32, &str)> = (0..40)
        .map(|i| {
            (
                72.0,
                720.0 - 15.0 * i as f32,
                11.0,
                "The recruiter kept the workers' passports in a locked drawer at the office.",
            )
        })
        .collect();
    let logo = page_with_image((72.0, 700.0, 80.0, 60.0), &body);
    assert!(
        !pdf::extract(&logo, &Limits::default())
            .expect("extract")
            .pages[0]
            .needs_ocr
    );
    let ocred = page_with_image((0.0, 0.0, 612.0, 792.0), &body);
    assert!(
        !pdf::extract(&ocred, &Limits::default())
            .expect("extract")
            .pages[0]
            .needs_ocr
    );
}

// ------------------------------------------------------------ encryption

/// `build`'s one-page document encrypted with AES-256 (revision 6) under an empty user
/// password; `identity` leaves strings and streams in clear (only embedded files would be
/// encrypted, as with an `EFF`-only handler).
fn aes256_empty_password(identity: bool) -> Vec<u8> {
    use lopdf::encryption::crypt_filters::{Aes256CryptFilter, CryptFilter};
    use std::sync::Arc;
    let plain = build(
        &[lines(&[(
            72.0,
            700.0,
            12.0,
            "Debt bondage at the brick kiln",
        )])],
        &[],
        no_extra,
    );
    let mut doc = Document::load_mem(&plain).expect("reload");
    let cf: Arc<dyn CryptFilter> = Arc::new(Aes256CryptFilter);
    let filter = if identity {
        b"Identity".to_vec()
    } else {
        b"StdCF".to_vec()
    };
    let state = lopdf::EncryptionState::try_from(lopdf::EncryptionVersion::V5 {
        encrypt_metadata: true,
        crypt_filters: std::collections::BTreeMap::from([(b"StdCF".to_vec(), cf)]),
        file_encryption_key: &[7u8; 32],
        stream_filter: filter.clone(),
        string_filter: filter,
        owner_password: "owner secret",
        user_password: "",
        permissions: lopdf::Permissions::all(),
    })
    .expect("state");
    doc.encrypt(&state).expect("encrypt");
    if identity {
        if let Ok(Object::Reference(id)) = doc.trailer.get(b"Encrypt").cloned() {
            if let Ok(Object::Dictionary(d)) = doc.get_object_mut(id) {
                d.set("EFF", "StdCF");
            }
        }
    }
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("write pdf");
    out
}

#[test]
fn aes256_r6_and_embedded_file_only_encryption_open_with_the_empty_password() {
    for identity in [false, true] {
        let bytes = aes256_empty_password(identity);
        seed(&format!("aes256-r6-identity-{identity}.pdf"), &bytes);
        assert!(
            memchr::memmem::find(&bytes, b"/R 6").is_some(),
            "revision 6"
        );
        let e = pdf::extract(&bytes, &Limits::default())
            .unwrap_or_else(|err| panic!("identity={identity}: {err}"));
        assert_eq!(
            e.pages[0].text, "Debt bondage at the brick kiln",
            "identity={identity}"
        );
    }
}
