//! `redflag-bench-tag`: tagging throughput of the compiled codebook on one thread.
//!
//! ```text
//! redflag-bench-tag TEXT_FILE [--min MB_PER_S] [--repeat N]
//! ```
//!
//! Splits the file into passages at blank lines, compiles every embedded dictionary once, then
//! times three passes over all passages on this thread: the automaton pass alone (the floor the
//! rules add to), tagging by the rules alone, and full tagging as the CLI does it (automaton,
//! rules, modality, entities, the built-in learned second opinion). Figures are MB per
//! CPU-second of this thread (Linux `schedstat`), so a busy machine does not distort a
//! per-core figure, with the wall-clock figure beside them. Exits with 1 when full tagging is
//! below `--min` (default 200 MB/s); `--repeat N` tags everything N times (for a profiler).
//! Run through `tests/bench/tag.sh`.

use redflag::codebook::{embedded, Codebook};
use redflag::tag::Tagger;
use std::process::ExitCode;
use std::time::Instant;

/// CPU time of this thread in seconds, `None` off Linux.
fn thread_cpu_secs() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns / 1e9)
}

/// Runs `f`; returns (wall seconds, CPU seconds of this thread, or wall when unknown).
fn timed(mut f: impl FnMut()) -> (f64, f64) {
    let cpu0 = thread_cpu_secs();
    let wall0 = Instant::now();
    f();
    let wall = wall0.elapsed().as_secs_f64();
    match (cpu0, thread_cpu_secs()) {
        (Some(a), Some(b)) => (wall, b - a),
        _ => (wall, wall),
    }
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut path = None;
    let mut min = 200.0f64;
    let mut repeat = 1usize;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--min" => match args.next().and_then(|v| v.parse().ok()) {
                Some(v) => min = v,
                None => {
                    eprintln!("redflag-bench-tag: --min needs a number");
                    return ExitCode::from(2);
                }
            },
            "--repeat" => match args.next().and_then(|v| v.parse().ok()) {
                Some(v) if v > 0 => repeat = v,
                _ => {
                    eprintln!("redflag-bench-tag: --repeat needs a positive number");
                    return ExitCode::from(2);
                }
            },
            _ if path.is_none() => path = Some(a),
            _ => {
                eprintln!("redflag-bench-tag: unexpected argument {a:?}");
                return ExitCode::from(2);
            }
        }
    }
    let Some(path) = path else {
        eprintln!("usage: redflag-bench-tag TEXT_FILE [--min MB_PER_S]");
        return ExitCode::from(2);
    };
    let text = match std::fs::read(&path) {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(e) => {
            eprintln!("redflag-bench-tag: {path}: {e}");
            return ExitCode::from(2);
        }
    };
    let passages: Vec<&str> = text
        .split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .collect();
    let mb = text.len() as f64 / 1e6;
    let mut tagger = None;
    let (build, _) = timed(|| {
        tagger = Some(Codebook::from_sources(&embedded()).and_then(|cb| Tagger::new(&cb)))
    });
    let mut tagger = match tagger {
        Some(Ok(t)) => t,
        Some(Err(e)) => {
            eprintln!("redflag-bench-tag: {e}");
            return ExitCode::from(2);
        }
        None => return ExitCode::from(2),
    };
    let (patterns, bytes) = tagger.automaton_size();
    println!(
        "compiled the codebook in {:.0} ms: {patterns} patterns, automaton {:.1} MB",
        build * 1e3,
        bytes as f64 / 1e6
    );
    // Warm the automaton's pages and the allocator.
    for p in passages.iter().take(2000) {
        std::hint::black_box(tagger.tag(p));
    }
    let mut hits = 0usize;
    let (wall, cpu) = timed(|| {
        for p in &passages {
            hits += tagger.count_term_hits(p);
        }
    });
    println!(
        "automaton pass alone: {:.0} MB/s per CPU-second ({:.0} MB/s wall), {hits} term hits",
        mb / cpu,
        mb / wall
    );
    let mb = mb * repeat as f64;
    let mut run = |tagger: &Tagger, what: &str| {
        let mut tags = 0usize;
        let (wall, cpu) = timed(|| {
            for _ in 0..repeat {
                for p in &passages {
                    tags += std::hint::black_box(tagger.tag(p)).tags.len();
                }
            }
        });
        println!(
            "{what}: {} passages, {mb:.0} MB: {:.0} MB/s per CPU-second on one thread ({:.0} MB/s wall), {tags} tags",
            passages.len(),
            mb / cpu,
            mb / wall
        );
        mb / cpu
    };
    run(&tagger, "tagging, rules only");
    // The shipped configuration: the rules and the built-in learned second opinion.
    match redflag::tag::learned::Model::embedded() {
        Ok(m) => tagger.set_model(Some(m)),
        Err(e) => {
            eprintln!("redflag-bench-tag: built-in model: {e}");
            return ExitCode::from(2);
        }
    }
    let mbps = run(&tagger, "tagging (rules + model)");
    if mbps < min {
        println!("below the target of {min:.0} MB/s");
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}
