//! Everything a collection holds: office documents, e-mail, archives (recursively, within
//! limits) and scanned pages read by OCR. Every file is generated here (ZIP, DOCX, ODT, EML,
//! MBOX, PDF), except the scanned files of `../shared/corpus/dev`, read in place.
//!
//! The OCR tests need `tesseract` (and `pdftoppm` to render pages): `.ci/run` installs them.

use crate::util::{self, pdf_of, shared, zip_of, TestDir};
use std::io::Write;
use std::process::Command;

// ---------- generated files ----------

/// A one-page PDF with Helvetica text, one line per string.
fn pdf_text(lines: &[&str]) -> Vec<u8> {
    let mut content = String::from("BT /F1 12 Tf 16 TL 72 720 Td\n");
    for l in lines {
        let esc = l
            .replace('\\', "\\\\")
            .replace('(', "\\(")
            .replace(')', "\\)");
        content.push_str(&format!("({esc}) Tj T*\n"));
    }
    content.push_str("ET\n");
    pdf(&[
        "<< /Type /Catalog /Pages 2 0 R >>".into(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".into(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>".into(),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".into(),
        format!("<< /Length {} >>\nstream\n{content}endstream", content.len()),
    ])
}

/// A one-page letter-size PDF whose only content is a grey image.
fn pdf_image(width: usize, height: usize, gray: &[u8]) -> Vec<u8> {
    util::grey_image_pdf(width, height, gray, [612, 792])
}

fn pdf(objects: &[String]) -> Vec<u8> {
    let raw: Vec<Vec<u8>> = objects.iter().map(|o| o.as_bytes().to_vec()).collect();
    pdf_raw(&raw)
}

fn pdf_raw(objects: &[Vec<u8>]) -> Vec<u8> {
    pdf_of(objects, 1)
}

fn docx(paragraphs: &[&str]) -> Vec<u8> {
    let body: String = paragraphs
        .iter()
        .map(|p| format!("<w:p><w:r><w:t>{p}</w:t></w:r></w:p>"))
        .collect();
    let doc = format!(
        r#"<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>"#
    );
    zip_of(&[
        ("[Content_Types].xml", b"<Types/>"),
        ("word/document.xml", doc.as_bytes()),
    ])
}

fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for (i, c) in data.chunks(3).enumerate() {
        if i > 0 && i % 19 == 0 {
            out.push_str("\r\n");
        }
        let b = [c[0], *c.get(1).unwrap_or(&0), *c.get(2).unwrap_or(&0)];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for k in 0..4 {
            if k <= c.len() {
                out.push(T[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A message with a text body and one attachment.
fn eml(from: &str, subject: &str, body: &str, attachment: Option<(&str, &[u8])>) -> String {
    let mut m = format!(
        "From: {from}\r\nTo: desk@example.org\r\nSubject: {subject}\r\nDate: Tue, 5 Mar 2019 10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"BOUND\"\r\n\r\n--BOUND\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    );
    if let Some((name, data)) = attachment {
        m.push_str(&format!(
            "--BOUND\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"{name}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n",
            base64(data)
        ));
    }
    m.push_str("--BOUND--\r\n");
    m
}

fn exported(t: &TestDir) -> Vec<(String, String)> {
    t.run(["export"])
        .expect_code(0)
        .json_lines()
        .iter()
        .map(|j| {
            (
                j["path"].as_str().unwrap_or_default().to_owned(),
                j["text"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

// ---------- containers ----------

#[test]
fn derived_documents_are_indexed_cited_and_replaced_with_their_container() {
    let t = TestDir::new();
    let attachment = pdf_text(&["The inspector accepted a bribe of 5000 baht at the border."]);
    let mbox = format!(
        "From tips@example.org Tue Mar  5 10:00:00 2019\n{}\nFrom other@example.org Tue Mar  5 11:00:00 2019\n{}",
        eml(
            "Tip Line <tips@example.org>",
            "Border payments",
            "The guard asked every driver for tea money.",
            Some(("attachment.pdf", &attachment)),
        )
        .replace("\r\n", "\n"),
        eml("other@example.org", "Lunch", "See you at noon.", None).replace("\r\n", "\n"),
    );
    let memo = docx(&["The customs officer signed the false manifest."]);
    let leak = zip_of(&[
        ("mail/2019.mbox", mbox.as_bytes()),
        ("memo.docx", &memo),
        ("photo.jpg", b"\xFF\xD8\xFF\xE0 not really a photo"),
    ]);
    t.write("col/leak.zip", &leak);
    t.write(
        "col/single.eml",
        eml(
            "a@example.org",
            "Receipt",
            "Payment confirmed.",
            Some(("note.txt", b"Cash handed over at the checkpoint.")),
        ),
    );
    let r = t.run(["index", "col"]).expect_code(0);
    assert!(
        r.stderr().contains("documents found inside files"),
        "{}",
        r.stderr()
    );
    let docs = exported(&t);
    let find = |needle: &str| -> Vec<String> {
        docs.iter()
            .filter(|(_, text)| text.contains(needle))
            .map(|(p, _)| p.clone())
            .collect()
    };
    assert_eq!(
        find("accepted a bribe"),
        vec!["col/leak.zip!/mail/2019.mbox!/msg-1/attachment.pdf"],
        "{docs:?}"
    );
    assert_eq!(
        find("tea money"),
        vec!["col/leak.zip!/mail/2019.mbox!/msg-1"]
    );
    assert_eq!(find("noon"), vec!["col/leak.zip!/mail/2019.mbox!/msg-2"]);
    assert_eq!(find("false manifest"), vec!["col/leak.zip!/memo.docx"]);
    assert_eq!(find("Cash handed over"), vec!["col/single.eml!/note.txt"]);
    // the header block is searchable text of the message
    assert!(find("From: Tip Line").contains(&"col/leak.zip!/mail/2019.mbox!/msg-1".to_owned()));
    // the fake photo is skipped with its path
    assert!(
        r.stderr().contains("col/leak.zip!/photo.jpg"),
        "{}",
        r.stderr()
    );

    // search cites derived documents like any other
    let hits = t
        .run(["search", "bribe", "--json"])
        .expect_code(0)
        .json_lines();
    assert_eq!(
        hits[0]["path"],
        "col/leak.zip!/mail/2019.mbox!/msg-1/attachment.pdf"
    );

    // the archive changes: what it no longer holds leaves the index with it
    let leak2 = zip_of(&[("memo.docx", &memo)]);
    t.write("col/leak.zip", &leak2);
    t.run(["index", "col"]).expect_code(0);
    let docs = exported(&t);
    assert!(
        docs.iter().all(|(p, _)| !p.contains("2019.mbox")),
        "{docs:?}"
    );
    assert!(docs.iter().any(|(p, _)| p == "col/leak.zip!/memo.docx"));
    // unchanged on a third run: derived documents stay
    t.run(["index", "col"]).expect_code(0);
    assert!(exported(&t)
        .iter()
        .any(|(p, _)| p == "col/leak.zip!/memo.docx"));

    // the archive is deleted: so is everything found inside it
    std::fs::remove_file(t.path().join("col/leak.zip")).unwrap();
    t.run(["index", "col"]).expect_code(0);
    let docs = exported(&t);
    assert!(
        docs.iter().all(|(p, _)| !p.contains("leak.zip")),
        "{docs:?}"
    );
    assert!(docs.iter().any(|(p, _)| p == "col/single.eml!/note.txt"));
}

#[test]
fn zip_bombs_and_deep_nesting_end_in_clear_errors() {
    let t = TestDir::new();
    // 64 MiB of zeros deflate to ~64 KiB: a ratio over 1000:1
    let zeros = vec![0u8; 64 << 20];
    t.write("col/bomb.zip", zip_of(&[("zeros.txt", &zeros)]));
    drop(zeros);
    // a ZIP in a ZIP in a ZIP ... twelve deep
    let mut nested = zip_of(&[("deep.txt", b"the bottom of the well")]);
    for i in 0..12 {
        nested = zip_of(&[(&format!("level{i}.zip"), &nested)]);
    }
    t.write("col/nested.zip", &nested);
    t.write(
        "col/fine.zip",
        zip_of(&[("a.txt", b"An ordinary member about a bribe.")]),
    );
    let r = t.run(["index", "col"]);
    assert_eq!(r.code(), 2, "{}", r.stderr());
    let err = r.stderr();
    let line = |needle: &str| err.lines().find(|l| l.contains(needle)).unwrap_or_default();
    let bomb = line("col/bomb.zip");
    assert!(
        bomb.contains("zip bomb") && bomb.contains("zeros.txt"),
        "{err}"
    );
    let deep = line("col/nested.zip");
    assert!(deep.contains("nested deeper than 8"), "{err}");
    let docs = exported(&t);
    assert!(
        docs.iter().any(|(p, _)| p == "col/fine.zip!/a.txt"),
        "{docs:?}"
    );
    assert!(docs
        .iter()
        .all(|(p, _)| !p.contains("bomb") && !p.contains("nested")));
}

// ---------- OCR ----------

fn require(tool: &str) {
    util::require(tool, "apt-get install -y tesseract-ocr poppler-utils");
}

/// Renders a text PDF to a grey page image at 300 dpi with pdftoppm, and wraps the image
/// in a PDF of its own with no text layer: a clean scan of a known text.
fn clean_scan(lines: &[&str]) -> Vec<u8> {
    require("pdftoppm");
    let mut child = Command::new("pdftoppm")
        .args(["-r", "300", "-gray", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("pdftoppm");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&pdf_text(lines))
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let (w, h, samples) = util::pgm_samples(&out.stdout);
    pdf_image(w, h, samples)
}

fn levenshtein(a: &[char], b: &[char]) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

fn words(s: &str) -> Vec<char> {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .collect()
}

const KNOWN: [&str; 6] = [
    "On 12 March 2019 the district officer received an envelope",
    "with 5,000 dollars from the owner of the Golden Lotus bar.",
    "In exchange, the police raid planned for Friday was called off",
    "and the owner was told which trucks would be inspected.",
    "The prosecutor later dropped the case for lack of evidence,",
    "although two witnesses had described the payment in detail.",
];

#[test]
fn ocr_reads_a_clean_300_dpi_page_at_95_percent_and_caches_it() {
    require("tesseract");
    let t = TestDir::new();
    t.write("col/scan.pdf", clean_scan(&KNOWN));
    let r = t.run(["index", "col"]).expect_code(0);
    let err = r.stderr();
    assert!(err.contains("OCR: 1 pages read"), "{err}");
    let text: String = exported(&t)
        .iter()
        .map(|(_, text)| text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let truth = words(&KNOWN.join(" "));
    let got = words(&text);
    let accuracy = 1.0 - levenshtein(&truth, &got) as f64 / truth.len() as f64;
    eprintln!("OCR character accuracy {accuracy:.4}\n{text}");
    assert!(accuracy >= 0.95, "accuracy {accuracy:.4}: {text}");

    // the confidence is kept with the page (in the cache next to the index)
    let cache = t.path().join("index.ocr");
    let entries: Vec<_> = std::fs::read_dir(&cache).unwrap().collect();
    assert_eq!(entries.len(), 1);
    let cached: serde_json::Value =
        serde_json::from_slice(&std::fs::read(entries[0].as_ref().unwrap().path()).unwrap())
            .unwrap();
    let conf = cached["confidence"].as_f64().unwrap();
    assert!(conf > 80.0 && conf <= 100.0, "{cached}");

    // re-indexing from scratch never runs Tesseract again on the same image
    let r = t.run(["index", "col", "--rebuild"]).expect_code(0);
    assert!(
        r.stderr().contains("OCR: 0 pages read") && r.stderr().contains("1 from cache"),
        "{}",
        r.stderr()
    );
    assert!(exported(&t).iter().any(|(_, x)| x.contains("Golden Lotus")));
}

#[test]
fn pictures_of_pages_are_read_by_ocr() {
    require("tesseract");
    require("pdftoppm");
    let t = TestDir::new();
    let mut child = Command::new("pdftoppm")
        .args(["-r", "300", "-gray", "-png", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("pdftoppm");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&pdf_text(&KNOWN[..2]))
        .unwrap();
    let png = child.wait_with_output().unwrap().stdout;
    assert!(png.starts_with(b"\x89PNG"));
    // a scan mailed as an attachment, inside an archive
    t.write(
        "col/fax.zip",
        zip_of(&[("scan.png", &png), ("logo.gif", b"GIF89a tiny")]),
    );
    let r = t.run(["index", "col"]).expect_code(0);
    let docs = exported(&t);
    assert!(
        docs.iter()
            .any(|(p, x)| p == "col/fax.zip!/scan.png" && x.contains("district officer")),
        "{docs:?}\n{}",
        r.stderr()
    );
    assert!(
        r.stderr()
            .contains("logo.gif: warning: image not read: too small"),
        "{}",
        r.stderr()
    );
}

#[test]
fn without_tesseract_the_unread_pages_are_named_with_the_fix() {
    let t = TestDir::new();
    // a tiny image page: no text layer (the image content does not matter here)
    t.write("scan.pdf", pdf_image(8, 8, &[255u8; 64]));
    let out = Command::new(env!("CARGO_BIN_EXE_redflag"))
        .arg("--index")
        .arg(t.index())
        .args(["tag", "scan.pdf"])
        .current_dir(t.path())
        .env("PATH", "/nonexistent")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("1 of 1 pages have no text layer and were not read (pages 1)")
            && err.contains("apt-get install tesseract-ocr"),
        "{err}"
    );
    // --no-ocr says so too
    let r = t.run(["--no-ocr", "tag", "scan.pdf"]);
    assert!(
        r.stderr().contains("OCR is off (--no-ocr)"),
        "{}",
        r.stderr()
    );
    // a bad language code is a usage error
    let r = t.run(["--ocr-lang", "en g", "tag", "scan.pdf"]);
    assert_eq!(r.code(), 2, "{}", r.stderr());
}

#[test]
fn scanned_corpus_files_yield_text() {
    let Some(dev) = shared("corpus/dev") else {
        return;
    };
    require("tesseract");
    let t = TestDir::new();
    // a JPEG scan (image handed over as is) and a JBIG2 scan (page rendered by pdftoppm)
    for (file, expected) in [
        ("scanned-court-image-pdf-2.pdf", "Compensation"),
        ("scanned-xerox-jbig2.pdf", "Doesn"),
    ] {
        let r = t.run([std::ffi::OsStr::new("tag"), dev.join(file).as_os_str()]);
        let text: String = r
            .json_lines()
            .iter()
            .map(|j| j["text"].as_str().unwrap_or_default().to_owned())
            .collect::<Vec<_>>()
            .join(" ");
        assert!(text.contains(expected), "{file}: {text}\n{}", r.stderr());
    }
}
