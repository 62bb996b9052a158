//! `eval --by` / `--split` against the reference scripts (`split.py`, `score.py`), and the
//! learned second opinion: deterministic training, an explained model tag, a corrupt model
//! file refused with a clear error.

use crate::util::{python, score_py, shared, TestDir};
use redflag::tag::eval;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn ids(path: &Path) -> BTreeSet<String> {
    std::fs::read_to_string(path)
        .expect("split file")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("json");
            v["id"].as_str().expect("id").to_string()
        })
        .collect()
}

fn assert_same_figures(ours: &serde_json::Value, theirs: &serde_json::Value, what: &str) {
    for key in [
        "macro_f1",
        "micro_f1",
        "modality_acc",
        "negative_fp_rate",
        "passages",
    ] {
        let (a, b) = (ours[key].as_f64().unwrap(), theirs[key].as_f64().unwrap());
        assert!(
            (a - b).abs() < 1e-9,
            "{what} {key}: ours {a} vs score.py {b}"
        );
    }
    for l in eval::CORRUPTION.iter().chain(eval::CONTEXT.iter()) {
        for (k_ours, k_theirs) in [("tp", "tp"), ("fp", "fp"), ("fn_", "fn")] {
            assert_eq!(
                ours["labels"][*l][k_ours], theirs["labels"][*l][k_theirs],
                "{what} {l} {k_theirs}"
            );
        }
    }
}

#[test]
fn split_equals_split_py_for_every_key() {
    let Some(gold_path) = shared("gold/dev.jsonl") else {
        return;
    };
    let split_py = shared("gold/split.py").expect("split.py");
    let gold = eval::parse_gold(&std::fs::read_to_string(&gold_path).unwrap()).unwrap();
    let d = TestDir::new();
    for (by, key, share) in [
        ("site", eval::SplitBy::Site, "0.3"),
        ("site", eval::SplitBy::Site, "0.5"),
        ("source_kind", eval::SplitBy::SourceKind, "0.3"),
        ("lang", eval::SplitBy::Lang, "0.3"),
    ] {
        let out_dir = d.path().join(format!("{by}-{share}"));
        python(&[
            split_py.as_os_str(),
            gold_path.as_os_str(),
            out_dir.as_os_str(),
            "--by".as_ref(),
            by.as_ref(),
            "--check-share".as_ref(),
            share.as_ref(),
        ]);
        let theirs = ids(&out_dir.join("check.jsonl"));
        let share: f64 = share.parse().unwrap();
        let ours: BTreeSet<String> = gold
            .iter()
            .filter(|r| eval::is_check(r, key, share))
            .map(|r| r.id.clone())
            .collect();
        if by == "site" {
            assert!(!theirs.is_empty() && theirs.len() < gold.len(), "{by}");
        }
        assert_eq!(ours, theirs, "--split-by {by} --check-share {share}");
    }
}

#[test]
fn eval_split_and_by_agree_with_the_scripts() {
    let Some(gold_path) = shared("gold/dev.jsonl") else {
        return;
    };
    let split_py = shared("gold/split.py").expect("split.py");
    let d = TestDir::new();
    let parts = d.path().join("parts");
    python(&[
        split_py.as_os_str(),
        gold_path.as_os_str(),
        parts.as_os_str(),
    ]);
    // The held-out side, scored without writing it out, equals score.py on split.py's file.
    let pred = d.path().join("check-pred.jsonl");
    let run = d
        .run([
            "eval".as_ref(),
            gold_path.as_os_str(),
            "--split".as_ref(),
            "check".as_ref(),
            "--json".as_ref(),
            "--predictions".as_ref(),
            pred.as_os_str(),
        ])
        .expect_code(0);
    let ours: serde_json::Value = serde_json::from_str(&run.stdout()).expect("json");
    assert_eq!(ours["split"]["part"], "check");
    let theirs = score_py(&parts.join("check.jsonl"), &pred, d.path());
    assert_same_figures(&ours, &theirs, "--split check");
    let confusion: u64 = ours["modality_confusion"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|row| row.as_object().unwrap().values())
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert_eq!(confusion, ours["positives"].as_u64().unwrap());
    assert!(ours["found"].as_u64().unwrap() <= ours["positives"].as_u64().unwrap());

    // --by lang and --by source_kind: each group equals score.py on that group's lines.
    for field in ["lang", "source_kind"] {
        let pred = d.path().join(format!("pred-{field}.jsonl"));
        let run = d
            .run([
                "eval".as_ref(),
                gold_path.as_os_str(),
                "--by".as_ref(),
                field.as_ref(),
                "--json".as_ref(),
                "--predictions".as_ref(),
                pred.as_os_str(),
            ])
            .expect_code(0);
        let ours: serde_json::Value = serde_json::from_str(&run.stdout()).expect("json");
        assert_eq!(ours["by"]["field"], field);
        let mut lines: BTreeMap<String, String> = BTreeMap::new();
        for l in std::fs::read_to_string(&gold_path).unwrap().lines() {
            if l.trim().is_empty() {
                continue;
            }
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let k = v[field].as_str().unwrap_or("").to_string();
            let e = lines.entry(k).or_default();
            e.push_str(l);
            e.push('\n');
        }
        let groups = ours["by"]["groups"].as_object().unwrap();
        assert_eq!(groups.len(), lines.len(), "{field}");
        for (k, body) in &lines {
            let g = d.write(&format!("gold-{field}-{k}.jsonl"), body);
            let theirs = score_py(&g, &pred, d.path());
            assert_same_figures(&groups[k], &theirs, &format!("--by {field} = {k}"));
        }
        // The text report carries the table too.
        let text = d
            .run([
                "eval".as_ref(),
                gold_path.as_os_str(),
                "--by".as_ref(),
                field.as_ref(),
            ])
            .expect_code(0)
            .stdout();
        assert!(text.contains(&format!("by {field}")), "{text}");
        assert!(text.contains("modality (gold \\ predicted)"), "{text}");
    }
}

#[test]
fn training_is_deterministic() {
    let Some(gold_path) = shared("gold/dev.jsonl") else {
        return;
    };
    // A part of the gold set (a temporary file, outside the project) keeps the debug build
    // quick.
    let d = TestDir::new();
    let body: String = std::fs::read_to_string(&gold_path)
        .unwrap()
        .lines()
        .take(160)
        .map(|l| format!("{l}\n"))
        .collect();
    let gold = d.write("part.jsonl", body);
    let a = d.path().join("a.txt");
    let b = d.path().join("b.txt");
    for out in [&a, &b] {
        let run = d
            .run([
                "train".as_ref(),
                gold.as_os_str(),
                "--cv".as_ref(),
                "2".as_ref(),
                "--out".as_ref(),
                out.as_os_str(),
            ])
            .expect_code(0);
        assert!(
            run.stdout().contains("rules + model: macro-F1"),
            "{}",
            run.stdout()
        );
    }
    let (a, b) = (std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    assert!(a.starts_with(b"redflag-model 1\n"));
    assert!(a.len() > 1000);
    assert_eq!(a, b, "same input, same model bytes");
    // The written model loads and runs.
    let m = redflag::tag::learned::Model::parse(std::str::from_utf8(&a).unwrap()).unwrap();
    assert_eq!(m.categories.len(), 9);
}

/// A hand-written model: "squeezed" near an official is extortion.
const TOY_MODEL: &str = "redflag-model 1\n\
categories\textortion bribery\n\
threshold\t0.6\n\
gate\tofficial_role agency\n\
only_untagged\ttrue\n\
bias\t-2 -3\n\
f\tb:officer_squeezed\t1.5 0\n\
f\tw:squeezed\t2.5 0\n";

#[test]
fn a_model_tag_is_explained() {
    let d = TestDir::new();
    let model = d.write("toy.txt", TOY_MODEL);
    let text = "The police officer squeezed the families at the border post.";
    let run = d
        .run([
            "--model".as_ref(),
            model.as_os_str(),
            "explain".as_ref(),
            text.as_ref(),
        ])
        .expect_code(0);
    let out = run.stdout();
    assert!(out.contains("extortion: "), "{out}");
    assert!(
        out.contains("rule model:extortion:w:squeezed (weight 2.50) matched \"squeezed\""),
        "{out}"
    );
    assert!(out.contains("model:extortion:b:officer_squeezed"), "{out}");
    // Without the gate's evidence (no official), no tag.
    d.run([
        "--model".as_ref(),
        model.as_os_str(),
        "explain".as_ref(),
        "The crowd squeezed into the hall.".as_ref(),
    ])
    .expect_code(1);
    // By default, rules only: no model tag.
    let out = d.run(["explain", text]).stdout();
    assert!(!out.contains("model:"), "{out}");
}

#[test]
fn a_corrupt_model_file_is_refused_clearly() {
    let d = TestDir::new();
    let cases: [(&str, &[u8], &str); 4] = [
        (
            "zip.txt",
            b"PK\x03\x04\x00\x00garbage",
            "not a redflag model",
        ),
        ("empty.txt", b"", "not a redflag model"),
        (
            "cut.txt",
            b"redflag-model 1\ncategories\textortion\nthreshold\t0.5\n",
            "truncated",
        ),
        (
            "bad.txt",
            b"redflag-model 1\ncategories\textortion\nbias\t-1\nf\tw:x\tNaN\n",
            "line 4: not a number",
        ),
    ];
    for (name, body, msg) in cases {
        let p = d.write(name, body);
        let run = d.run([
            "--model".as_ref(),
            p.as_os_str(),
            "explain".as_ref(),
            "x".as_ref(),
        ]);
        assert_eq!(run.code(), 2, "{name}: {}", run.stderr());
        let err = run.stderr();
        assert!(err.contains(name) && err.contains(msg), "{name}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
    }
    let run = d.run(["--model", "/nonexistent/model.txt", "explain", "x"]);
    assert!(run.stderr().contains("no such file"), "{}", run.stderr());
}
