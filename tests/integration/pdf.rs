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
