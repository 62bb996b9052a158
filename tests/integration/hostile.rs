//! A hostile set the tests write themselves: page-tree and outline cycles, deeply nested
//! arrays and dictionaries, enormous declared sizes and counts, an object-stream bomb, broken
//! fonts and CMaps, a stream bomb, truncated files and files that are not what their
//! extension says. Each must end, within the time limit, as text or a one-line error naming
//! the file, and the rest of the batch must go on.

use crate::util::{pdf_of, TestDir};
use std::ffi::OsStr;
use std::io::Write;
use std::time::{Duration, Instant};

fn pdf(objs: &[Vec<u8>], root: usize) -> Vec<u8> {
    pdf_of(objs, root)
}

fn s(x: &str) -> Vec<u8> {
    x.as_bytes().to_vec()
}

fn stream(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut o = format!("<< {dict} /Length {} >>\nstream\n", data.len()).into_bytes();
    o.extend_from_slice(data);
    o.extend_from_slice(b"\nendstream");
    o
}

fn deflate(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

const FONT: &str = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>";
const TEXT: &[u8] = b"BT /F1 12 Tf 72 700 Td (The customs officer took a bribe.) Tj ET";

/// A one-page document with a given catalogue extra, page extra and content.
fn page_doc(catalog_extra: &str, content: Vec<u8>, extra: Vec<Vec<u8>>) -> Vec<u8> {
    let mut objs = vec![
        s(&format!("<< /Type /Catalog /Pages 2 0 R {catalog_extra} >>")),
        s("<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
        s("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>"),
        content,
        s(FONT),
    ];
    objs.extend(extra);
    pdf(&objs, 1)
}

fn hostile_set() -> Vec<(&'static str, Vec<u8>)> {
    let mut set = Vec::new();
    // Page tree that contains itself.
    set.push((
        "page-tree-cycle.pdf",
        pdf(
            &[
                s("<< /Type /Catalog /Pages 2 0 R >>"),
                s("<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>"),
                s("<< /Type /Pages /Kids [2 0 R] /Parent 2 0 R /Count 1 >>"),
            ],
            1,
        ),
    ));
    // Outlines whose /Next points back at themselves.
    set.push((
        "outline-cycle.pdf",
        page_doc(
            "/Outlines 6 0 R",
            stream("", TEXT),
            vec![
                s("<< /Type /Outlines /First 7 0 R /Last 7 0 R >>"),
                s("<< /Title (loop) /Parent 6 0 R /Next 7 0 R /Prev 7 0 R /First 7 0 R >>"),
            ],
        ),
    ));
    // 200,000 nested arrays in the content stream, and deep dictionaries in an object.
    let mut deep = b"[".repeat(200_000);
    deep.extend_from_slice(&b"]".repeat(200_000));
    deep.extend_from_slice(b" pop ");
    deep.extend_from_slice(TEXT);
    set.push(("nested-arrays.pdf", page_doc("", stream("", &deep), vec![])));
    let mut dicts = "<< /A ".repeat(50_000);
    dicts.push('1');
    dicts.push_str(&" >>".repeat(50_000));
    set.push((
        "nested-dicts.pdf",
        page_doc(&format!("/Deep {dicts}"), stream("", TEXT), vec![]),
    ));
    // Enormous declared sizes and counts.
    set.push((
        "huge-counts.pdf",
        pdf(
            &[
                s("<< /Type /Catalog /Pages 2 0 R >>"),
                s("<< /Type /Pages /Kids [3 0 R] /Count 2147483647 >>"),
                s("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 1e30 1e30] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>"),
                {
                    let mut o = s("<< /Length 99999999999 >>\nstream\n");
                    o.extend_from_slice(TEXT);
                    o.extend_from_slice(b"\nendstream");
                    o
                },
                s("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /FirstChar 0 /LastChar 4294967295 /Widths [1 2 3] >>"),
            ],
            1,
        ),
    ));
    // An object stream that claims ten million objects and an offset far past its end.
    set.push((
        "objstm-bomb.pdf",
        page_doc(
            "",
            stream("", TEXT),
            vec![stream(
                "/Type /ObjStm /N 10000000 /First 999999999 /Filter /FlateDecode",
                &deflate(&b"1 0 ".repeat(2_000_000)),
            )],
        ),
    ));
    // Stream bomb: 2 GiB of zeros compressed to a few MB is too slow to build here, so 300 MB
    // of zeros (about 300 KB compressed) against a per-stream cap of 64 MiB.
    {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..300 {
            e.write_all(&zeros).unwrap();
        }
        let z = e.finish().unwrap();
        set.push((
            "stream-bomb.pdf",
            page_doc("", stream("/Filter /FlateDecode", &z), vec![]),
        ));
    }
    // Broken fonts and CMaps: a ToUnicode that is garbage, a Type0 font with a cyclic
    // descendant, widths that are not numbers.
    set.push((
        "broken-fonts.pdf",
        pdf(
            &[
                s("<< /Type /Catalog /Pages 2 0 R >>"),
                s("<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
                s("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R /F2 7 0 R >> >> /Contents 4 0 R >>"),
                stream("", b"BT /F1 12 Tf 72 700 Td (abc) Tj /F2 12 Tf <0001000200030004> Tj /F9 9 Tf (x) Tj ET"),
                s("<< /Type /Font /Subtype /TrueType /BaseFont /Broken /Widths (nope) /FirstChar -5 /ToUnicode 6 0 R >>"),
                stream("", b"begincmap 1 beginbfrange <00> <FFFFFFFF> [<0041> <0042>] endbfrange 2 beginbfchar <01> <D800> <zz> endbfchar"),
                s("<< /Type /Font /Subtype /Type0 /BaseFont /Loop /Encoding /Identity-H /DescendantFonts [7 0 R] >>"),
            ],
            1,
        ),
    ));
    // Truncated in the middle of a stream, and a file that only claims to be a PDF.
    let good = page_doc("", stream("", TEXT), vec![]);
    set.push(("truncated.pdf", good[..good.len() / 2].to_vec()));
    set.push((
        "not-really.pdf",
        b"<html><body>a web page saved as .pdf</body></html>".to_vec(),
    ));
    set.push(("zero-bytes.pdf", Vec::new()));
    set
}

#[test]
fn every_hostile_file_ends_quickly_with_text_or_a_named_error() {
    let t = TestDir::new();
    for (name, bytes) in hostile_set() {
        t.write(&format!("hostile/{name}"), bytes);
    }
    t.write(
        "hostile/good.txt",
        "The harbour master took an envelope of cash.",
    );
    let bin = env!("CARGO_BIN_EXE_redflag");
    // One by one, each under the default limits, timed.
    for (name, _) in hostile_set() {
        let started = Instant::now();
        let out = std::process::Command::new(bin)
            .args([
                OsStr::new("extract"),
                t.path().join("hostile").join(name).as_os_str(),
            ])
            .output()
            .expect("run");
        let took = started.elapsed();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(took < Duration::from_secs(10), "{name} took {took:?}");
        assert!(
            matches!(out.status.code(), Some(0) | Some(2)),
            "{name}: {:?}\n{err}",
            out.status
        );
        assert!(
            !err.contains("panicked") && !err.contains("internal error"),
            "{name}: {err}"
        );
        if out.status.code() == Some(2) {
            let line = err
                .lines()
                .find(|l| l.contains(name))
                .unwrap_or_else(|| panic!("{name}: error does not name the file: {err}"));
            assert!(line.starts_with("redflag: "), "{line}");
        }
    }
    // As a batch: everything is reported and the good file is indexed.
    let r = t.run(["index", "hostile", "--threads", "2"]);
    assert!(r.code() == 0 || r.code() == 2, "{}", r.stderr());
    assert!(!r.stderr().contains("internal error"), "{}", r.stderr());
    assert!(
        r.stderr().contains("redflag index: 12 files"),
        "{}",
        r.stderr()
    );
    t.run(["search", "envelope"]).expect_code(0);
    // The stream bomb hits the per-stream limit and says so.
    let out = std::process::Command::new(bin)
        .args([
            OsStr::new("extract"),
            t.path().join("hostile/stream-bomb.pdf").as_os_str(),
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("stream-bomb.pdf") && err.contains("67108864"),
        "{err}"
    );
}
