//! `redflag-bench-search`: query latency on an existing index, warm, in one process.
//!
//! ```text
//! redflag-bench-search --index DIR [--rounds 5]
//! ```
//!
//! Runs three query families over and over against the index (as built from a
//! `redflag-gen` collection): two-term queries with a tag filter, phrase queries, and
//! single terms, each returning the top 20 hits with highlights, and prints p50 / p95 / max
//! per family. The first round warms the caches and is not counted.

use redflag::index::{Filters, IndexStore, SortOrder};
use std::time::Instant;

const TWO_TERM: &[&str] = &[
    "officer checkpoint",
    "inspector harbour",
    "guard crossing",
    "clerk registry",
    "official migrants",
    "sergeant truck",
    "prosecutor investigation",
    "governor contract",
    "judge evidence",
    "chief village",
];
const PHRASES: &[&str] = &[
    "\"immigration officer\"",
    "\"police raid\"",
    "\"forged passports\"",
    "\"blind eye\"",
    "\"recruitment agency\"",
    "\"shell companies\"",
    "\"border market\"",
    "\"dry season\"",
];
const SINGLE: &[&str] = &[
    "bribe",
    "passport",
    "smuggling",
    "detention",
    "kickbacks",
    "weather",
];

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() {
    let mut index = None;
    let mut rounds = 5usize;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--index" => index = args.next(),
            "--rounds" => rounds = args.next().and_then(|v| v.parse().ok()).unwrap_or(rounds),
            _ => {
                eprintln!("usage: redflag-bench-search --index DIR [--rounds N]");
                std::process::exit(2);
            }
        }
    }
    let Some(index) = index else {
        eprintln!("redflag-bench-search: --index DIR is required");
        std::process::exit(2);
    };
    let store = match IndexStore::open(std::path::Path::new(&index)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("redflag-bench-search: {e}");
            std::process::exit(2);
        }
    };
    let total = store
        .search("", &Filters::default(), SortOrder::Score, Some(1))
        .map(|r| r.total)
        .unwrap_or(0);
    println!("index {index}: {total} passages");
    let bribery = Filters {
        tags: vec!["bribery".into()],
        ..Filters::default()
    };
    let families: [(&str, &[&str], &Filters); 3] = [
        ("two terms + tag filter", TWO_TERM, &bribery),
        ("phrase", PHRASES, &Filters::default()),
        ("single term", SINGLE, &Filters::default()),
    ];
    for (name, queries, filters) in families {
        let mut times = Vec::new();
        let mut hits = 0usize;
        for round in 0..=rounds {
            for q in queries {
                let t = Instant::now();
                let r = store.search(q, filters, SortOrder::Score, Some(20));
                let ms = t.elapsed().as_secs_f64() * 1000.0;
                if round > 0 {
                    times.push(ms);
                    hits += r.map(|r| r.total).unwrap_or(0);
                }
            }
        }
        times.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
        println!(
            "{name:>24}: {} queries, p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms, {:.0} matches per query",
            times.len(),
            percentile(&times, 0.5),
            percentile(&times, 0.95),
            times.last().copied().unwrap_or(0.0),
            hits as f64 / times.len().max(1) as f64
        );
    }
}
