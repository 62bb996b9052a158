//! The codebook commands: `dict test`, `dict check`, `eval` (agreeing with the shared
//! scorer), `explain` and the `--explain` flags.

use crate::util::{sample, shared, TestDir};
use std::ffi::OsStr;
use std::process::Command;

#[test]
fn dict_test_passes_on_the_built_in_codebook() {
    let t = TestDir::new();
    let r = t.run(["dict", "test"]).expect_code(0);
    assert!(r.stderr().contains(" 0 failures"), "{}", r.stderr());
    let r = t.run(["dict", "check"]).expect_code(0);
    assert!(r.stderr().contains(" 0 problems"), "{}", r.stderr());
}

#[test]
fn dict_check_names_file_and_line() {
    let t = TestDir::new();
    t.write(
        "dicts/bad.toml",
        "id = \"bad\"\nversion = \"1\"\ndescription = \"x\"\nbogus_key = 3\n",
    );
    let r = t
        .run(["--dictionaries", "dicts", "dict", "check"])
        .expect_code(2);
    let out = r.stdout();
    assert!(out.lines().any(|l| l.starts_with("bad.toml:")), "{out}");
    // Loading the same folder for tagging fails with the same kind of message.
    let r = t
        .run(["--dictionaries", "dicts", "explain", "a bribe"])
        .expect_code(2);
    assert!(r.stderr().contains("bad.toml:"), "{}", r.stderr());
}

#[test]
fn eval_agrees_with_the_shared_scorer() {
    let Some(gold) = shared("gold/dev.jsonl") else {
        return;
    };
    let t = TestDir::new();
    let preds = t.path().join("preds.jsonl");
    let r = t
        .run([
            OsStr::new("eval"),
            gold.as_os_str(),
            OsStr::new("--predictions"),
            preds.as_os_str(),
        ])
        .expect_code(0);
    let ours = r.stdout();
    let out = Command::new("python3")
        .arg(gold.parent().unwrap().join("score.py"))
        .arg(&gold)
        .arg(&preds)
        .output()
        .expect("python3");
    let theirs = String::from_utf8_lossy(&out.stdout).into_owned();
    let line = |s: &str, key: &str| {
        s.lines()
            .find(|l| l.contains(key))
            .map(str::trim)
            .map(str::to_owned)
    };
    for key in ["macro-F1", "modality accuracy", "false-positive rate"] {
        assert_eq!(
            line(&ours, key),
            line(&theirs, key),
            "{key}\nours:\n{ours}\nscore.py:\n{theirs}"
        );
    }
}

#[test]
fn explain_says_which_rules_and_words() {
    let t = TestDir::new();
    let r = t
        .run([
            "explain",
            "The border guard allegedly took a bribe of 300 dollars to let the van pass.",
        ])
        .expect_code(0);
    let out = r.stdout();
    assert!(out.contains("bribery: alleged"), "{out}");
    assert!(out.contains("rule bribery:"), "{out}");
    assert!(out.contains("\"bribe\""), "{out}");
    t.run(["explain", "The weather was fine."]).expect_code(1);
    // --explain on tag --jsonl and on search.
    let input = t.write(
        "p.jsonl",
        "{\"id\": 1, \"text\": \"The clerk sold forged passports to the broker.\"}\n",
    );
    let r = t
        .run([
            OsStr::new("tag"),
            OsStr::new("--explain"),
            OsStr::new("--jsonl"),
            input.as_os_str(),
        ])
        .expect_code(0);
    let line = &r.json_lines()[0];
    assert!(
        line["explanation"]
            .as_str()
            .unwrap()
            .contains("fraudulent_documents"),
        "{line}"
    );
    t.run([OsStr::new("index"), sample().as_os_str()])
        .expect_code(0);
    let r = t
        .run([
            "--color",
            "never",
            "search",
            "--explain",
            "--tag",
            "bribery",
            "--limit",
            "1",
        ])
        .expect_code(0);
    assert!(r.stdout().contains("rule bribery:"), "{}", r.stdout());
}
