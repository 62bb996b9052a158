//! Precision in the wild (issue 14): the tags redflag puts on the real corpus in
//! `../shared/corpus/dev`, judged by hand in `tests/data/corpus-judged.toml`. Tags judged wrong
//! must stay absent, and the share of right tags among the judged ones the build still puts
//! must stay at or above the file's `min_right_share`. Only the judged files are tagged, with
//! `--no-ocr`, so the test stays fast. The corpus is read in place and must be present.

use crate::util::TestDir;
use serde::Deserialize;
use std::collections::BTreeSet;
use std::path::Path;

#[derive(Deserialize)]
struct Judged {
    min_right_share: f64,
    tag: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    file: String,
    page: u64,
    category: String,
    words: Vec<String>,
    verdict: String,
    why: String,
}

/// One tag the current build puts on a judged file.
struct Put {
    file: String,
    page: u64,
    category: String,
    rule: String,
    text: String,
}

impl Entry {
    fn matches(&self, t: &Put) -> bool {
        let text = t.text.to_lowercase();
        self.file == t.file
            && self.page == t.page
            && self.category == t.category
            && self.words.iter().all(|w| text.contains(&w.to_lowercase()))
    }
}

/// The default tagger (rules; the learned second opinion is opt-in): every tag judged wrong
/// stays absent, >= 0.80 right.
#[test]
fn corpus_tags_judged_wrong_stay_absent_and_most_are_right() {
    check_corpus(&[]);
}

fn check_corpus(extra: &[&str]) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let corpus = root.join("../shared/corpus/dev");
    assert!(
        corpus.is_dir(),
        "{} is missing: this test reads the shared corpus in place",
        corpus.display()
    );
    let judged: Judged = toml::from_str(
        &std::fs::read_to_string(root.join("tests/data/corpus-judged.toml")).unwrap(),
    )
    .unwrap_or_else(|e| panic!("tests/data/corpus-judged.toml: {e}"));
    for e in &judged.tag {
        assert!(
            e.verdict == "right" || e.verdict == "wrong",
            "{} p{}: verdict must be right or wrong",
            e.file,
            e.page
        );
        assert!(
            !e.words.is_empty() && !e.why.is_empty(),
            "{} p{}",
            e.file,
            e.page
        );
    }
    let files: BTreeSet<&str> = judged.tag.iter().map(|e| e.file.as_str()).collect();
    let t = TestDir::new();
    let mut args = vec!["tag".to_owned(), "--no-ocr".to_owned(), "-q".to_owned()];
    args.extend(extra.iter().map(|a| (*a).to_owned()));
    args.extend(files.iter().map(|f| corpus.join(f).display().to_string()));
    let r = t.run(&args);
    assert_eq!(r.code(), 0, "redflag tag: {}", r.stderr());
    let mut put = Vec::new();
    for p in r.json_lines() {
        let file = p["path"].as_str().unwrap().rsplit('/').next().unwrap();
        for tag in p["tags"].as_array().unwrap() {
            put.push(Put {
                file: file.to_owned(),
                page: p["page"].as_u64().unwrap(),
                category: tag["category"].as_str().unwrap().to_owned(),
                rule: tag["rule"].as_str().unwrap().to_owned(),
                text: p["text"].as_str().unwrap().to_owned(),
            });
        }
    }
    let mut back = Vec::new();
    let (mut right, mut judged_put) = (0usize, 0usize);
    for t in &put {
        let verdicts: Vec<&Entry> = judged.tag.iter().filter(|e| e.matches(t)).collect();
        if verdicts.is_empty() {
            eprintln!(
                "note: not judged yet: {} p{} {} ({}): judge it in tests/data/corpus-judged.toml",
                t.file, t.page, t.category, t.rule
            );
            continue;
        }
        judged_put += 1;
        if verdicts.iter().any(|e| e.verdict == "wrong") {
            let e = verdicts.iter().find(|e| e.verdict == "wrong").unwrap();
            back.push(format!(
                "{} p{} {} ({}): judged wrong: {}",
                t.file, t.page, t.category, t.rule, e.why
            ));
        } else {
            right += 1;
        }
    }
    assert!(
        back.is_empty(),
        "tags judged wrong are back:\n{}",
        back.join("\n")
    );
    assert!(
        judged_put > 0,
        "no judged tag is put any more: re-judge the corpus"
    );
    let share = right as f64 / judged_put as f64;
    assert!(
        share >= judged.min_right_share,
        "{right} of {judged_put} judged tags right ({share:.2}) < {}",
        judged.min_right_share
    );
}
