//! Replays the fuzz seeds and every crash the fuzzers found (`tests/fuzz/regressions/`)
//! through the same library functions the fuzz targets call: each must end in a value or an
//! error, never a panic.

use redflag::model::DocKind;
use std::path::{Path, PathBuf};

fn inputs(target: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz");
    let mut out = Vec::new();
    // The sample collection seeds the document targets (the fuzz README copies it too).
    if matches!(target, "pdf" | "html_text" | "segment_tag") {
        let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sample/collection");
        if let Ok(rd) = std::fs::read_dir(sample) {
            out.extend(rd.filter_map(Result::ok).map(|e| e.path()));
        }
    }
    for dir in ["seeds", "regressions"] {
        if let Ok(rd) = std::fs::read_dir(root.join(dir).join(target)) {
            out.extend(rd.filter_map(Result::ok).map(|e| e.path()).filter(|p| {
                !p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
            }));
        }
    }
    out.sort();
    out
}

fn no_panic(target: &str, f: impl Fn(&[u8])) {
    let files = inputs(target);
    assert!(!files.is_empty(), "no seeds for {target}");
    for p in files {
        let bytes = std::fs::read(&p).unwrap();
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&bytes)));
        assert!(r.is_ok(), "{target}: panic on {}", p.display());
    }
}

#[test]
fn pdf_inputs() {
    let limits = redflag::extract::Limits {
        time_budget: std::time::Duration::from_secs(2),
        ..Default::default()
    };
    no_panic("pdf", |b| {
        let _ = redflag::extract::extract(b, DocKind::Pdf, &limits);
    });
}

#[test]
fn reader_inputs() {
    no_panic("html_text", |b| {
        let _ = redflag::ingest::sniff(b, Some("txt"));
        for kind in [DocKind::Html, DocKind::Markdown, DocKind::Text] {
            let _ = redflag::extract::extract(b, kind, &Default::default());
        }
    });
}

#[test]
fn dictionary_inputs() {
    no_panic("dictionary", |b| {
        if let Ok(text) = std::str::from_utf8(b) {
            let sources = vec![redflag::codebook::Source {
                name: "fuzz.toml".into(),
                text: text.into(),
            }];
            if let Ok(cb) = redflag::codebook::Codebook::from_sources(&sources) {
                let _ = redflag::tag::Tagger::new(&cb);
            }
        }
    });
}

#[test]
fn query_inputs() {
    no_panic("query", |b| {
        if let Ok(q) = std::str::from_utf8(b) {
            let _ = redflag::index::validate_query(q);
        }
    });
    // And the query errors the parser must explain rather than crash on.
    for q in [
        "\"",
        "(",
        ")",
        "AND",
        "a:",
        "page:[1 TO",
        "x~9",
        "-a",
        "tag:",
        "~",
        "\\",
        "*",
    ] {
        let _ = redflag::index::validate_query(q);
    }
}

#[test]
fn segment_and_tag_inputs() {
    let cb = redflag::codebook::Codebook::from_sources(&redflag::codebook::embedded()).unwrap();
    let tagger = redflag::tag::Tagger::new(&cb).unwrap();
    no_panic("segment_tag", |b| {
        let text = String::from_utf8_lossy(b);
        for p in redflag::segment::Segmenter::default().segment(1, &text) {
            for tag in tagger.tag(&p.text).tags {
                for s in tag.spans {
                    assert!(
                        s.end <= p.text.len()
                            && p.text.is_char_boundary(s.start)
                            && p.text.is_char_boundary(s.end)
                    );
                }
            }
        }
    });
}
