//! Every command end to end on the project's own sample collection and fixtures.

use crate::util::{sample, TestDir};

fn indexed_sample() -> TestDir {
    let t = TestDir::new();
    let r = t
        .run([std::ffi::OsStr::new("index"), sample().as_os_str()])
        .expect_code(0);
    assert!(
        r.stderr().contains("redflag index: 5 files (5 new"),
        "{}",
        r.stderr()
    );
    t
}

#[test]
fn index_then_search_lands_on_the_right_page() {
    let t = indexed_sample();
    let r = t.run(["search", "\"tea money\"", "--json"]).expect_code(0);
    let hits = r.json_lines();
    assert_eq!(hits.len(), 1, "{}", r.stdout());
    let h = &hits[0];
    assert!(h["path"]
        .as_str()
        .unwrap()
        .ends_with("labour-inspection-review.pdf"));
    // The generator puts paragraph 5 on the second page (checked with `extract`).
    assert_eq!(h["page"], 2);
    let text = h["text"].as_str().unwrap();
    assert!(text.contains("tea money"));
    assert_eq!(h["schema"], "redflag.passage");
    assert_eq!(h["format"], "pdf");
    assert_eq!(h["version"], 1);
    assert!(h["score"].as_f64().unwrap() > 0.0);
    assert!(h["tags"].is_array());
    // Highlights are byte ranges into the text and cover the query words.
    let words: Vec<&str> = h["highlights"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &text[s[0].as_u64().unwrap() as usize..s[1].as_u64().unwrap() as usize])
        .collect();
    assert_eq!(words, vec!["tea", "money"]);

    let r = t.run(["search", "telephoned", "--json"]).expect_code(0);
    assert_eq!(r.json_lines()[0]["page"], 1);
}

#[test]
fn stemming_finds_inflections_and_terms_combine_with_and() {
    let t = indexed_sample();
    // "bribe" finds "bribes" (court summary) by its stem.
    let r = t.run(["search", "bribe", "--json", "--all"]).expect_code(0);
    let paths: Vec<String> = r
        .json_lines()
        .iter()
        .map(|h| h["path"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        paths
            .iter()
            .any(|p| p.ends_with("court-summary-case-118.txt")),
        "{paths:?}"
    );
    // Several words must all match.
    let r = t
        .run(["search", "visa supervisors", "--json"])
        .expect_code(0);
    assert!(r.json_lines().iter().all(|h| {
        let s = h["text"].as_str().unwrap().to_lowercase();
        s.contains("visa") && s.contains("supervisors")
    }));
    // A script's content is not text: the HTML file's <script> mentions a bribe.
    let r = t.run(["search", "analytics", "--json"]).expect_code(1);
    assert!(r.json_lines().is_empty());
}

#[test]
fn plain_output_cites_path_page_and_marks_words() {
    let t = indexed_sample();
    let r = t
        .run(["--color", "never", "search", "motorcycle"])
        .expect_code(0);
    let out = r.stdout();
    assert!(out.contains("border-inquiry-2023.md:1 ¶"), "{out}");
    assert!(out.contains("[[motorcycle]]"), "{out}");
}

#[test]
fn nothing_found_and_bad_queries_have_their_exit_codes() {
    let t = indexed_sample();
    t.run(["search", "zeppelin"]).expect_code(1);
    let r = t.run(["search", "tags:bribery"]).expect_code(2);
    assert!(
        r.stderr().contains("unknown field `tags`"),
        "{}",
        r.stderr()
    );
    assert!(r.stderr().contains("did you mean `tag:`"), "{}", r.stderr());
    let r = t.run(["search", "\"border official"]).expect_code(2);
    assert!(
        r.stderr().contains("position 1: unclosed quote"),
        "{}",
        r.stderr()
    );
    let r = t
        .run(["search", "x", "--modality", "rumoured"])
        .expect_code(2);
    assert!(r.stderr().contains("unknown modality"), "{}", r.stderr());
}

#[test]
fn search_without_an_index_says_how_to_make_one() {
    let t = TestDir::new();
    let r = t.run(["search", "bribe"]).expect_code(2);
    assert!(r.stderr().contains("no index at"), "{}", r.stderr());
    assert!(r.stderr().contains("redflag index"), "{}", r.stderr());
}

#[test]
fn reindexing_skips_unchanged_updates_changed_removes_deleted() {
    let t = TestDir::new();
    t.write(
        "docs/a.txt",
        "The harbour master took a gift of cash from the broker.",
    );
    t.write("docs/b.txt", "Inspectors counted vessels in the harbour.");
    t.write("docs/c.md", "# Notes\n\nA short note about the harbour.");
    t.run(["index", "docs"]).expect_code(0);
    let r = t.run(["index", "docs"]).expect_code(0);
    assert!(
        r.stderr()
            .contains("(0 new, 0 changed, 3 unchanged, 0 removed"),
        "{}",
        r.stderr()
    );

    // Change one file (size changes), delete another.
    t.write(
        "docs/a.txt",
        "The harbour master returned the envelope to the broker.",
    );
    std::fs::remove_file(t.path().join("docs/b.txt")).unwrap();
    let r = t.run(["index", "docs"]).expect_code(0);
    assert!(
        r.stderr()
            .contains("(0 new, 1 changed, 1 unchanged, 1 removed"),
        "{}",
        r.stderr()
    );
    t.run(["search", "gift"]).expect_code(1);
    t.run(["search", "envelope"]).expect_code(0);
    t.run(["search", "inspectors"]).expect_code(1);
    // Every passage is there exactly once.
    let r = t.run(["export", "--format", "jsonl"]).expect_code(0);
    assert_eq!(r.json_lines().len(), 2);

    // Indexing another folder does not remove the first folder's files.
    t.write("other/d.txt", "Unrelated text about the harbour.");
    let r = t.run(["index", "other"]).expect_code(0);
    assert!(r.stderr().contains("0 removed"), "{}", r.stderr());
    let r = t.run(["export"]).expect_code(0);
    assert_eq!(r.json_lines().len(), 3);
}

#[test]
fn bad_files_are_reported_and_the_batch_goes_on() {
    let t = TestDir::new();
    t.write(
        "in/good.txt",
        "The customs officer accepted an envelope of cash.",
    );
    t.write(
        "in/truncated.pdf",
        b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R",
    );
    t.write("in/not-a-pdf.pdf", "just words, no header");
    t.write("in/archive.txt", b"PK\x03\x04\x14\x00\x00\x00binary");
    t.write("in/table.csv", "a,b\n1,2\n");
    let r = t.run(["index", "in"]).expect_code(2);
    let err = r.stderr();
    // The broken PDF is named, on one line, with a reason.
    let line = err
        .lines()
        .find(|l| l.contains("truncated.pdf"))
        .unwrap_or_else(|| panic!("no line for truncated.pdf:\n{err}"));
    assert!(line.starts_with("redflag: "), "{line}");
    assert!(err.contains("named .pdf but has no %PDF header"), "{err}");
    // ZIP archives are read (issue 10): a broken one is a failure, named with its reason
    let zip_line = err
        .lines()
        .find(|l| l.contains("archive.txt"))
        .unwrap_or_default();
    assert!(zip_line.contains("not a valid zip file"), "{err}");
    assert!(err.contains("unsupported extension .csv"), "{err}");
    assert!(err.contains("2 failed"), "{err}");
    // The good file is indexed anyway.
    t.run(["search", "envelope"]).expect_code(0);
}

#[test]
fn missing_paths_are_errors_but_others_are_indexed() {
    let t = TestDir::new();
    t.write("ok.txt", "Passports were forged by a clerk.");
    let r = t.run(["index", "ok.txt", "nowhere"]).expect_code(2);
    assert!(
        r.stderr().contains("nowhere: no such file or folder"),
        "{}",
        r.stderr()
    );
    t.run(["search", "passports"]).expect_code(0);
}

#[test]
fn export_csv_round_trips_and_matches_jsonl() {
    let t = indexed_sample();
    let out = t.path().join("x.csv");
    let r = t
        .run([
            std::ffi::OsStr::new("export"),
            std::ffi::OsStr::new("--format"),
            std::ffi::OsStr::new("csv"),
            std::ffi::OsStr::new("--bom"),
            std::ffi::OsStr::new("--out"),
            out.as_os_str(),
        ])
        .expect_code(0);
    assert!(r.stderr().contains("passages"), "{}", r.stderr());
    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.starts_with("\u{FEFF}".as_bytes()));
    let mut rdr = csv::Reader::from_reader(&bytes[3..]);
    let header: Vec<String> = rdr.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(
        header,
        [
            "citation",
            "path",
            "title",
            "page",
            "passage",
            "start",
            "end",
            "categories",
            "modalities",
            "rules",
            "matched",
            "text",
            "doc",
            "dictionary_version",
            "status",
            "reviewer",
            "note"
        ]
    );
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    let jsonl = t
        .run(["export", "--format", "jsonl"])
        .expect_code(0)
        .json_lines();
    assert_eq!(rows.len(), jsonl.len());
    assert!(rows.len() >= 8, "{}", rows.len());
    for (row, j) in rows.iter().zip(&jsonl) {
        assert_eq!(&row[11], j["text"].as_str().unwrap());
        assert_eq!(&row[3], j["page"].to_string());
        assert_eq!(
            row[0].to_owned(),
            format!("{}:{}", j["path"].as_str().unwrap(), j["page"])
        );
        assert!(row[14].is_empty() && row[15].is_empty() && row[16].is_empty());
    }
    // Document order: by path, then page, then passage.
    let keys: Vec<(String, u64, u64)> = jsonl
        .iter()
        .map(|j| {
            (
                j["path"].as_str().unwrap().to_owned(),
                j["page"].as_u64().unwrap(),
                j["passage"].as_u64().unwrap(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
}

#[test]
fn export_ranges_point_into_the_page_text() {
    let t = indexed_sample();
    let md = sample().join("border-inquiry-2023.md");
    let page = std::fs::read_to_string(&md).unwrap();
    let r = t.run(["export", "path:border"]).expect_code(0);
    let lines = r.json_lines();
    assert!(!lines.is_empty());
    for j in lines {
        let (s, e) = (
            j["range"][0].as_u64().unwrap() as usize,
            j["range"][1].as_u64().unwrap() as usize,
        );
        // Same bytes, except that line breaks inside a paragraph became spaces (paragraph
        // breaks stay newlines).
        let text = j["text"].as_str().unwrap();
        assert_eq!(page[s..e].len(), text.len());
        assert_eq!(page[s..e].replace('\n', " "), text.replace('\n', " "));
        for (i, c) in text.char_indices().filter(|&(_, c)| c == '\n') {
            assert_eq!(&page[s + i..s + i + 1], "\n", "{c:?} at {i}");
        }
    }
}

#[test]
fn tag_jsonl_keeps_order_and_extra_fields_and_reports_bad_lines() {
    let t = TestDir::new();
    let input = t.write(
        "in.jsonl",
        concat!(
            "{\"id\": \"a\", \"text\": \"The officer was paid to look away.\", \"src\": 7}\n",
            "not json\n",
            "\n",
            "{\"id\": 2, \"text\": \"Nothing to see here.\"}\n",
            "{\"id\": 3}\n",
        ),
    );
    let r = t
        .run([
            std::ffi::OsStr::new("tag"),
            std::ffi::OsStr::new("--jsonl"),
            input.as_os_str(),
        ])
        .expect_code(2);
    let out = r.json_lines();
    assert_eq!(out.len(), 2);
    assert_eq!(out[0]["id"], "a");
    assert_eq!(out[0]["src"], 7);
    assert!(out[0]["tags"].is_array());
    assert_eq!(out[1]["id"], 2);
    let err = r.stderr();
    assert!(err.contains("in.jsonl:2: not JSON"), "{err}");
    assert!(err.contains("in.jsonl:5: no \"text\" field"), "{err}");
}

#[test]
fn tag_files_prints_passages_with_citations() {
    let t = TestDir::new();
    let r = t
        .run([
            std::ffi::OsStr::new("tag"),
            sample().join("court-summary-case-118.txt").as_os_str(),
        ])
        .expect_code(0);
    let out = r.json_lines();
    assert!(out.len() >= 2);
    assert!(out
        .iter()
        .all(|p| p["page"] == 1 && p["path"].as_str().unwrap().ends_with(".txt")));
    assert!(out[0]["text"]
        .as_str()
        .unwrap()
        .starts_with("SUMMARY OF JUDGMENT"));
}

#[test]
fn extract_separates_pages_with_form_feeds() {
    let t = TestDir::new();
    let pdf = sample().join("labour-inspection-review.pdf");
    let r = t
        .run([std::ffi::OsStr::new("extract"), pdf.as_os_str()])
        .expect_code(0);
    let out = r.stdout();
    let pages: Vec<&str> = out.split('\x0c').filter(|p| !p.trim().is_empty()).collect();
    assert_eq!(pages.len(), 2);
    assert!(pages[0].contains("telephoned the owner"));
    assert!(pages[1].contains("tea money"));
    let r = t
        .run([
            std::ffi::OsStr::new("extract"),
            pdf.as_os_str(),
            std::ffi::OsStr::new("--format"),
            std::ffi::OsStr::new("json"),
        ])
        .expect_code(0);
    let v = &r.json_lines()[0];
    assert_eq!(v["pages"].as_array().unwrap().len(), 2);
    assert_eq!(v["pages"][1]["number"], 2);
    assert_eq!(v["title"], "Labour Inspection Review");
    let r = t.run(["extract", "missing.pdf"]).expect_code(2);
    assert!(
        r.stderr().contains("missing.pdf: no such file or folder"),
        "{}",
        r.stderr()
    );
}

#[test]
fn html_reader_keeps_visible_text_only() {
    let t = TestDir::new();
    let r = t
        .run([
            std::ffi::OsStr::new("extract"),
            sample().join("ministry-press-release.html").as_os_str(),
        ])
        .expect_code(0);
    let out = r.stdout();
    assert!(out.contains("categorically denies"));
    assert!(!out.contains("analytics"));
    assert!(!out.contains("font-family"));
}

#[test]
fn bad_dictionary_folder_is_a_clear_error() {
    let t = TestDir::new();
    t.write("a.txt", "text");
    let r = t
        .run(["--dictionaries", "nope", "index", "a.txt"])
        .expect_code(2);
    assert!(
        r.stderr().contains("nope: no such file or folder"),
        "{}",
        r.stderr()
    );
    std::fs::create_dir_all(t.path().join("empty")).unwrap();
    let r = t
        .run(["--dictionaries", "empty", "tag", "a.txt"])
        .expect_code(2);
    assert!(r.stderr().contains("no dictionary"), "{}", r.stderr());
}

#[test]
fn threads_confine_the_process_and_timings_report_the_phases() {
    let t = TestDir::new();
    let run = t
        .run([
            std::ffi::OsStr::new("index"),
            std::ffi::OsStr::new("--threads"),
            std::ffi::OsStr::new("1"),
            std::ffi::OsStr::new("--timings"),
            sample().as_os_str(),
        ])
        .expect_code(0);
    let err = run.stderr();
    assert!(err.contains("redflag index timings: wall"), "{err}");
    assert!(err.contains("final commit and merges"), "{err}");
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cfg!(target_os = "linux") && cpus > 1 {
        // One core of several: the whole process is kept on one CPU.
        assert!(err.contains("confined to CPUs ["), "{err}");
    } else {
        assert!(!err.contains("confined to CPUs"), "{err}");
    }
    // As many threads as cores: nothing to confine.
    let t2 = TestDir::new();
    let n = cpus.to_string();
    let err = t2
        .run([
            std::ffi::OsStr::new("index"),
            std::ffi::OsStr::new("--threads"),
            std::ffi::OsStr::new(&n),
            std::ffi::OsStr::new("--timings"),
            sample().as_os_str(),
        ])
        .expect_code(0)
        .stderr();
    assert!(!err.contains("confined to CPUs"), "{err}");
}
