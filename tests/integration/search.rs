//! Search features on the project's fixtures: stemming vs exact phrases, fuzzy terms, tag
//! and modality filters, facet counts, the regex filter, context, paging, batch queries,
//! and highlight offsets.

use crate::util::{sample, TestDir};
use std::ffi::OsStr;

/// A paragraph long enough (over 200 bytes) to be its own passage.
fn para(s: &str) -> String {
    format!("{s} The rest of this paragraph is filler text about the weather, the tides and the schedule of the ferry, so that it stands alone as a passage of its own in the index, as real reports do.")
}

/// A small collection whose counts are known by construction: one passage per paragraph.
fn fixture() -> TestDir {
    let t = TestDir::new();
    t.write(
        "docs/a.txt",
        [
            para("The customs officer was paid a bribe to let the container pass."),
            para("The officers bribed the harbour master again in May."),
            para("Fog in the harbour was thick all week and the boats stayed in port."),
        ]
        .join("\n\n"),
    );
    t.write(
        "docs/b.txt",
        [
            para("A passport clerk sold forged passports to the smuggling network."),
            para("Nothing else of note happened at the registry that year."),
        ]
        .join("\n\n"),
    );
    t.write(
        "docs/c.md",
        para("# Minutes\n\nThe committee discussed the budget for 2021 and adjourned."),
    );
    t.run(["index", "docs"]).expect_code(0);
    t
}

fn texts(t: &TestDir, args: &[&str]) -> Vec<String> {
    let mut a = vec!["search", "--json", "--all"];
    a.extend_from_slice(args);
    t.run(&a)
        .json_lines()
        .iter()
        .map(|h| h["text"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn stems_widen_and_quotes_keep_phrases_exact() {
    let t = fixture();
    // The stem of "bribes" matches "bribe" and "bribed".
    assert_eq!(texts(&t, &["bribes"]).len(), 2);
    // Derivations the stemmer keeps apart are folded too: bribery → bribe.
    assert_eq!(texts(&t, &["bribery"]).len(), 2);
    // Quoted: only the exact word form.
    let exact = texts(&t, &["\"bribed the\""]);
    assert_eq!(exact.len(), 1);
    assert!(exact[0].contains("bribed the harbour"));
    assert!(texts(&t, &["\"bribes\""]).is_empty());
}

#[test]
fn fuzzy_terms_and_proximity() {
    let t = fixture();
    let hits = texts(&t, &["pasport~1"]);
    assert_eq!(hits.len(), 1);
    assert!(hits[0].contains("passport clerk"));
    // Within 3 words, in order or not.
    assert_eq!(texts(&t, &["\"officer bribe\"~3"]).len(), 1);
    assert!(texts(&t, &["\"officer container\"~1"]).is_empty());
}

#[test]
fn highlights_are_byte_ranges_of_the_query_words() {
    let t = fixture();
    let r = t.run(["search", "--json", "harbour master"]).expect_code(0);
    let h = &r.json_lines()[0];
    let text = h["text"].as_str().unwrap();
    let words: Vec<&str> = h["highlights"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &text[s[0].as_u64().unwrap() as usize..s[1].as_u64().unwrap() as usize])
        .collect();
    assert_eq!(words, vec!["harbour", "master"]);
}

#[test]
fn tag_and_modality_filters_and_facets_agree() {
    let t = TestDir::new();
    let r = t
        .run([OsStr::new("index"), sample().as_os_str()])
        .expect_code(0);
    assert!(r.stderr().contains("0 failed"));
    let all = t.run(["export"]).expect_code(0).json_lines();
    // Count, by hand, the passages carrying each tag and modality.
    let count = |pred: &dyn Fn(&serde_json::Value) -> bool| all.iter().filter(|p| pred(p)).count();
    let has_tag = |p: &serde_json::Value, c: &str| {
        p["tags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["category"] == c)
    };
    let bribery = count(&|p| has_tag(p, "bribery"));
    assert!(bribery >= 2, "the sample has at least two bribery passages");
    let r = t
        .run(["search", "--json", "--all", "--tag", "bribery"])
        .expect_code(0);
    assert_eq!(r.json_lines().len(), bribery);
    // --tag X --modality M keeps passages where X itself has modality M.
    let est = count(&|p| {
        p["tags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["category"] == "bribery" && t["modality"] == "established")
    });
    let r = t.run([
        "search",
        "--json",
        "--all",
        "--tag",
        "bribery",
        "--modality",
        "established",
    ]);
    assert_eq!(r.json_lines().len(), est);
    // Facets for the empty query count every tagged passage once per category.
    let r = t
        .run(["search", "--json", "--facets", "--limit", "1"])
        .expect_code(0);
    let lines = r.json_lines();
    let facets = &lines.last().unwrap()["facets"];
    let tag_facet: std::collections::HashMap<String, u64> = facets["tag"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b[0].as_str().unwrap().to_owned(), b[1].as_u64().unwrap()))
        .collect();
    assert_eq!(
        tag_facet.get("bribery").copied().unwrap_or(0) as usize,
        bribery
    );
    for (cat, n) in &tag_facet {
        assert_eq!(*n as usize, count(&|p| has_tag(p, cat)), "{cat}");
    }
    let docs: u64 = facets["document"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b[1].as_u64().unwrap())
        .sum();
    assert_eq!(docs as usize, all.len());
    // The query language knows the same fields.
    let r = t
        .run(["search", "--json", "--all", "tag:bribery"])
        .expect_code(0);
    assert_eq!(r.json_lines().len(), bribery);
}

#[test]
fn regex_filter_counts_only_what_matches() {
    let t = fixture();
    let r = t
        .run([
            "search", "--json", "--all", "harbour", "--regex", r"\bMay\b",
        ])
        .expect_code(0);
    let hits = r.json_lines();
    assert_eq!(hits.len(), 1);
    assert!(r.stderr().contains("1 of 1 matching"), "{}", r.stderr());
    let r = t
        .run(["search", "x", "--regex", "(unclosed"])
        .expect_code(2);
    assert!(r.stderr().contains("--regex"), "{}", r.stderr());
}

#[test]
fn context_shows_neighbouring_passages() {
    let t = TestDir::new();
    let para = |w: &str| format!("{w} ").repeat(60);
    t.write(
        "d/long.txt",
        format!(
            "{}\n\n{}\n\n{}\n\n{}",
            para("alpha"),
            para("bravo"),
            para("charlie"),
            para("delta")
        ),
    );
    t.run(["index", "d"]).expect_code(0);
    let r = t
        .run(["search", "--json", "charlie", "-C", "1"])
        .expect_code(0);
    let h = &r.json_lines()[0];
    assert_eq!(h["passage"], 3);
    let ctx: Vec<u64> = h["context"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["passage"].as_u64().unwrap())
        .collect();
    assert_eq!(ctx, vec![2, 4]);
    let r = t
        .run(["--color", "never", "search", "charlie", "-C", "1"])
        .expect_code(0);
    let out = r.stdout();
    let (b, c, d) = (
        out.find("bravo").unwrap(),
        out.find("charlie").unwrap(),
        out.find("delta").unwrap(),
    );
    assert!(b < c && c < d, "{out}");
}

#[test]
fn paging_and_document_order() {
    let t = fixture();
    let all = t
        .run(["search", "--json", "--all", "--sort", "document", "the"])
        .expect_code(0)
        .json_lines();
    assert!(all.len() >= 4);
    let page2 = t
        .run([
            "search", "--json", "--sort", "document", "--limit", "2", "--offset", "2", "the",
        ])
        .expect_code(0)
        .json_lines();
    assert_eq!(page2.len(), 2);
    assert_eq!(page2[0]["text"], all[2]["text"]);
    assert_eq!(page2[1]["text"], all[3]["text"]);
    // --limit never caps the total reported.
    let r = t.run(["search", "--limit", "1", "the"]).expect_code(0);
    assert!(
        r.stderr().contains(&format!("1 of {} matching", all.len())),
        "{}",
        r.stderr()
    );
}

#[test]
fn batch_queries_write_one_csv() {
    let t = fixture();
    let q = t.write("q.csv", "label,query\ncustoms,\"customs AND officer\"\nforgery,forged\nnone,zeppelin\nbad,\"tags:x\"\n");
    let r = t
        .run([OsStr::new("search"), OsStr::new("--queries"), q.as_os_str()])
        .expect_code(2);
    assert!(r.stderr().contains("q.csv:5: bad query"), "{}", r.stderr());
    assert!(
        r.stderr()
            .contains("4 queries (1 without hits, 1 bad), 2 hits"),
        "{}",
        r.stderr()
    );
    let mut rdr = csv::Reader::from_reader(r.0.stdout.as_slice());
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(&rows[0][0], "customs");
    assert!(rows[0][2].ends_with("a.txt:1"));
    assert_eq!(&rows[1][0], "forgery");
    assert!(rows[1][8].contains("[[forged]]"));
    // Plain list: each line is its own label.
    let q = t.write("q.txt", "forged\nfog\n");
    let r = t
        .run([OsStr::new("search"), OsStr::new("--queries"), q.as_os_str()])
        .expect_code(0);
    let mut rdr = csv::Reader::from_reader(r.0.stdout.as_slice());
    let labels: Vec<String> = rdr.records().map(|r| r.unwrap()[0].to_owned()).collect();
    assert_eq!(labels, vec!["forged", "fog"]);
}

#[test]
fn kind_lang_and_year_fields() {
    let t = fixture();
    assert_eq!(texts(&t, &["year:2021"]).len(), 1);
    assert!(texts(&t, &["lang:en"]).len() >= 4);
    // An unknown kind is an error naming the kinds, not a silent empty result.
    let r = t.run(["search", "kind:nonsense"]).expect_code(2);
    assert!(
        r.stderr().contains("unknown document kind"),
        "{}",
        r.stderr()
    );
}

#[test]
fn stats_tables_count_the_collection() {
    let t = TestDir::new();
    t.run([OsStr::new("index"), sample().as_os_str()])
        .expect_code(0);
    let r = t.run(["stats", "--json"]).expect_code(0);
    let s: serde_json::Value = serde_json::from_str(&r.stdout()).unwrap();
    assert_eq!(s["documents"], 5);
    let all = t.run(["export"]).expect_code(0).json_lines();
    assert_eq!(s["passages"].as_u64().unwrap() as usize, all.len());
    let tagged = all
        .iter()
        .filter(|p| !p["tags"].as_array().unwrap().is_empty())
        .count();
    assert_eq!(s["tagged_passages"].as_u64().unwrap() as usize, tagged);
    // The IT memo has no corruption indicators: no row in the matrix.
    assert!(s["matrix"]
        .as_object()
        .unwrap()
        .keys()
        .all(|k| !k.contains("it-maintenance")));
    let r = t.run(["stats"]).expect_code(0);
    assert!(r.stdout().contains("documents × categories"));
}

#[test]
fn email_headers_are_search_fields_and_travel_with_the_hit() {
    let t = TestDir::new();
    t.write(
        "mail/tip.eml",
        "From: Alice Broker <alice@example.org>\r\nTo: clerk@registry.example\r\nSubject: permits for the new workers\r\nDate: Tue, 3 Mar 2020 10:00:00 +0000\r\nMessage-ID: <1@example.org>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe usual envelope will be at the gate on Friday. Stamp the permits without the interviews.\r\n",
    );
    t.run(["index", "mail"]).expect_code(0);
    let hits = t
        .run(["search", "--json", "from:alice subject:permits"])
        .expect_code(0)
        .json_lines();
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(
        hits[0]["metadata"]["subject"],
        "permits for the new workers"
    );
    assert!(hits[0]["text"].as_str().unwrap().contains("envelope"));
    t.run(["search", "from:bob"]).expect_code(1);
}

#[test]
fn facets_list_the_top_documents_and_count_them_all() {
    // 104 documents with one matching passage, one with five: more documents than the
    // facet lists, and a count that a bucket per document would need to get right.
    let t = TestDir::new();
    for i in 0..104 {
        t.write(
            &format!("col/d{i:03}.txt"),
            para(&format!("Clerk {i} took a bribe at the registry.")),
        );
    }
    let five: Vec<String> = (0..5)
        .map(|i| {
            para(&format!(
                "Paragraph {i}: the inspector asked for a bribe again."
            ))
        })
        .collect();
    t.write("col/many.txt", five.join("\n\n"));
    t.run(["index", "col"]).expect_code(0);
    let r = t
        .run(["search", "--json", "--facets", "--limit", "1", "bribe"])
        .expect_code(0);
    let lines = r.json_lines();
    let last = lines.last().unwrap();
    assert_eq!(last["total"], 109);
    let facets = &last["facets"];
    assert_eq!(facets["documents"], 105, "every matching document counted");
    let docs = facets["document"].as_array().unwrap();
    assert_eq!(docs.len(), 100, "the top 100 listed");
    assert_eq!(docs[0][0], "col/many.txt");
    assert_eq!(docs[0][1], 5);
    assert!(docs[1..].iter().all(|d| d[1] == 1));
    let human = t
        .run(["search", "--facets", "--limit", "1", "bribe"])
        .expect_code(0);
    assert!(
        human
            .stdout()
            .contains("... 85 more documents (105 in all)"),
        "{}",
        human.stdout()
    );
    // Pages in document order, read through the fast-field window, join up to --all.
    let all = t
        .run(["search", "--json", "--all", "--sort", "document", "bribe"])
        .expect_code(0)
        .json_lines();
    assert_eq!(all.len(), 109);
    let mut paged = Vec::new();
    for offset in (0..109).step_by(10) {
        let off = offset.to_string();
        let page = t
            .run([
                "search", "--json", "--sort", "document", "--limit", "10", "--offset", &off,
                "bribe",
            ])
            .expect_code(0)
            .json_lines();
        paged.extend(page);
    }
    let key = |h: &serde_json::Value| {
        (
            h["path"].to_string(),
            h["page"].as_u64(),
            h["passage"].as_u64(),
        )
    };
    assert_eq!(
        paged.iter().map(key).collect::<Vec<_>>(),
        all.iter().map(key).collect::<Vec<_>>()
    );
}

#[test]
fn unknown_filter_values_are_errors_with_a_suggestion() {
    let t = fixture();
    for (args, says) in [
        (vec!["search", "tag:bribes"], "did you mean bribery?"),
        (
            vec!["search", "officer AND modality:convicted"],
            "established",
        ),
        (vec!["search", "kind:newspaper"], "press"),
        (
            vec!["search", "--tag", "bribes", "bribe"],
            "--tag: unknown category \"bribes\": did you mean bribery?",
        ),
        (
            vec!["search", "--modality", "convicted", "bribe"],
            "established",
        ),
        (
            vec!["export", "--tag", "bribes", "bribe"],
            "did you mean bribery?",
        ),
    ] {
        let r = t.run(&args).expect_code(2);
        assert!(r.stderr().contains(says), "{args:?}: {}", r.stderr());
    }
    // A category of the codebook that no passage carries yet is a valid, empty filter.
    for q in ["tag:impunity", "kind:press"] {
        let code = t.run(["search", q]).code();
        assert!(code == 0 || code == 1, "{q}: exit {code}");
    }
    t.run(["search", "--tag", "bribery", "bribe"])
        .expect_code(0);
    // Nothing found: which words matched nothing, and the OR form.
    let r = t.run(["search", "bribe zeppelin"]).expect_code(1);
    assert!(
        r.stderr().contains("no passage has \"zeppelin\""),
        "{}",
        r.stderr()
    );
    assert!(
        r.stderr()
            .contains("redflag search 'bribe OR zeppelin' (2 passages)"),
        "{}",
        r.stderr()
    );
}

#[test]
fn the_index_version_is_stable_until_a_commit() {
    let t = fixture();
    let store = redflag::index::IndexStore::open(&t.index()).unwrap();
    let before = store.generation().unwrap();
    assert_eq!(before, store.generation().unwrap(), "reloading is not a new version");
    assert_eq!(store.catalogue_shared().unwrap().len(), 3);
    t.write("docs/d.txt", para("A new report on a bribe at the port."));
    t.run(["index", "docs"]).expect_code(0);
    assert_ne!(before, store.generation().unwrap());
    assert_eq!(store.catalogue_shared().unwrap().len(), 4, "the cache follows the index");
}
