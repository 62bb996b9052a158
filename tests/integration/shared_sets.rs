//! The pipeline on the shared development sets: the real corpus (every file indexed or
//! reported with a reason) and the end-to-end set (gold passages typeset into PDFs).

use crate::util::{score_py, shared, TestDir};
use std::process::Command;

#[test]
fn real_corpus_every_file_indexed_or_reported() {
    let Some(corpus) = shared("corpus/dev") else {
        return;
    };
    let t = TestDir::new();
    // OCR of the scanned files is tested in `formats` on a few pages; here it would
    // only make the suite slow
    let r = t.run([
        std::ffi::OsStr::new("index"),
        std::ffi::OsStr::new("--no-ocr"),
        std::ffi::OsStr::new("--threads"),
        std::ffi::OsStr::new("2"),
        corpus.as_os_str(),
    ]);
    assert!(r.code() == 0 || r.code() == 2, "{}", r.stderr());
    let err = r.stderr();
    let summary = err
        .lines()
        .find(|l| l.starts_with("redflag index:"))
        .unwrap_or_else(|| panic!("no summary:\n{err}"));
    let files: Vec<String> = std::fs::read_dir(&corpus)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".pdf"))
        .collect();
    // Which files made it into the index?
    let exported = t.run(["export"]).expect_code(0).json_lines();
    let indexed: std::collections::HashSet<String> = exported
        .iter()
        .map(|j| {
            j["path"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
                .to_owned()
        })
        .collect();
    let mut unaccounted = Vec::new();
    for f in &files {
        let reported = err.lines().any(|l| l.contains(f.as_str()));
        if !indexed.contains(f) && !reported {
            unaccounted.push(f.clone());
        }
    }
    let count = |label: &str| -> usize {
        let re = regex::Regex::new(&format!(r"(\d+) {label}")).unwrap();
        re.captures(summary)
            .and_then(|c| c[1].parse().ok())
            .unwrap_or_else(|| panic!("no '{label}' in {summary}"))
    };
    let (new, skipped, failed) = (count("new"), count("skipped"), count("failed"));
    assert_eq!(new + skipped + failed, files.len(), "{summary}");
    // Files that are not in the export (failed, skipped, or without any text) are named on
    // stderr, each on its own line with a reason.
    assert!(
        unaccounted.is_empty(),
        "not indexed and not reported: {unaccounted:?}\n{err}"
    );
    // No panics reached the user.
    assert!(!err.contains("internal error"), "{err}");
    // The index opens and answers, and hits land on the right page: the page poppler
    // prints for that page number holds the hit's words.
    t.run(["search", "court", "--limit", "3"]).expect_code(0);
    let hits = t
        .run(["search", "bribery", "--json", "--all"])
        .expect_code(0)
        .json_lines();
    assert!(!hits.is_empty(), "no bribery passages in the corpus");
    let words = |s: &str| -> Vec<String> {
        s.split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.len() > 3)
            .map(str::to_lowercase)
            .collect()
    };
    let mut checked = 0;
    for h in hits.iter().filter(|h| h["format"] == "pdf").take(12) {
        let path = h["path"].as_str().unwrap();
        let page = h["page"].as_u64().unwrap().to_string();
        let Ok(out) = Command::new("pdftotext")
            .args(["-q", "-f", &page, "-l", &page, path, "-"])
            .output()
        else {
            assert!(
                std::env::var_os("CI").is_none(),
                "pdftotext is missing on CI"
            );
            return;
        };
        let page_words: std::collections::HashSet<String> =
            words(&String::from_utf8_lossy(&out.stdout))
                .into_iter()
                .collect();
        let passage_words = words(h["text"].as_str().unwrap());
        let found = passage_words
            .iter()
            .filter(|w| page_words.contains(*w))
            .count();
        assert!(
            found * 10 >= passage_words.len() * 8,
            "{path} page {page}: only {found} of {} passage words are on that page",
            passage_words.len()
        );
        checked += 1;
    }
    assert!(checked > 0);
}

#[test]
fn e2e_export_aligns_with_the_gold_passages() {
    let Some(e2e) = shared("e2e") else { return };
    let t = TestDir::new();
    // The PDFs hold the passages the manifest names (281 of the gold file's 700): align and
    // score against exactly those, and tag the same passages as clean text for comparison.
    let subset = t.path().join("gold-e2e.jsonl");
    let ids: std::collections::HashSet<String> =
        std::fs::read_to_string(e2e.join("manifest.jsonl"))
            .expect("manifest")
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).expect("manifest line");
                v["id"].as_str().expect("manifest id").to_string()
            })
            .collect();
    let gold: Vec<String> = std::fs::read_to_string(e2e.join("../gold/dev.jsonl"))
        .expect("gold")
        .lines()
        .filter(|l| {
            serde_json::from_str::<serde_json::Value>(l)
                .map(|v| v["id"].as_str().is_some_and(|id| ids.contains(id)))
                .unwrap_or(false)
        })
        .map(str::to_string)
        .collect();
    assert_eq!(gold.len(), ids.len(), "every manifest id is a gold passage");
    std::fs::write(&subset, gold.join("\n") + "\n").unwrap();

    t.run([std::ffi::OsStr::new("index"), e2e.as_os_str()])
        .expect_code(0);
    let export = t.path().join("export.jsonl");
    t.run([
        std::ffi::OsStr::new("export"),
        std::ffi::OsStr::new("--out"),
        export.as_os_str(),
    ])
    .expect_code(0);
    let preds = t.path().join("preds.jsonl");
    let out = Command::new("python3")
        .arg(e2e.join("align.py"))
        .arg(e2e.join("manifest.jsonl"))
        .arg(&subset)
        .arg(&export)
        .arg(&preds)
        .output()
        .expect("python3");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let found: f64 = stdout
        .split("export: ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("unexpected align.py output: {stdout}"));
    eprintln!("e2e: {stdout}");
    assert!(
        found >= E2E_MIN_FOUND,
        "gold text found {found} < {E2E_MIN_FOUND}: {stdout}"
    );

    // What the pipeline loses: the same passages scored through the PDFs and as clean text.
    let through_pdf = score_py(&subset, &preds, t.path());
    let clean_preds = t.path().join("clean.jsonl");
    t.run([
        std::ffi::OsStr::new("eval"),
        subset.as_os_str(),
        std::ffi::OsStr::new("--predictions"),
        clean_preds.as_os_str(),
    ])
    .expect_code(0);
    let clean = score_py(&subset, &clean_preds, t.path());
    let (pdf_f1, clean_f1) = (
        through_pdf["macro_f1"].as_f64().unwrap(),
        clean["macro_f1"].as_f64().unwrap(),
    );
    let (pdf_mod, clean_mod) = (
        through_pdf["modality_acc"].as_f64().unwrap(),
        clean["modality_acc"].as_f64().unwrap(),
    );
    eprintln!("e2e macro-F1 {pdf_f1:.3} (clean {clean_f1:.3}), modality {pdf_mod:.3} (clean {clean_mod:.3})");
    assert!(
        pdf_f1 >= clean_f1 - E2E_MAX_LOSS,
        "e2e macro-F1 {pdf_f1:.3} lost more than {E2E_MAX_LOSS} against clean {clean_f1:.3}"
    );
    assert!(
        pdf_mod >= clean_mod - E2E_MAX_MODALITY_LOSS,
        "e2e modality {pdf_mod:.3} lost more than {E2E_MAX_MODALITY_LOSS} against clean {clean_mod:.3}"
    );
}

/// Tolerated loss of macro-F1 between clean text and the same passages read from the PDFs.
const E2E_MAX_LOSS: f64 = 0.03;
/// Tolerated loss of modality accuracy (segmentation can join paragraphs a producer does not
/// separate by blank lines, which carries cues across them).
const E2E_MAX_MODALITY_LOSS: f64 = 0.08;

/// Share of the gold passages' word 3-grams that the export must contain.
const E2E_MIN_FOUND: f64 = 0.97;
