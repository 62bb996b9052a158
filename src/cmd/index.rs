//! `redflag index PATH...`: walk, compare with the catalogue, process new and changed files
//! on all cores, write them to the index through a bounded channel, remove deleted files,
//! commit at checkpoints.

use super::warn;
use crate::cli::{Global, IndexArgs};
use crate::error::Error;
use crate::exit_codes::ExitCode;
use crate::extract::Limits;
use crate::index::{FileRecord, IndexStore};
use crate::ingest::{self, WalkEntry};
use crate::pipeline::{DocError, Pipeline, Processed};
use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::mpsc::sync_channel;
use std::time::{Duration, Instant};

/// Commit at least this often (documents), so an interrupted run keeps its work.
const COMMIT_EVERY_DOCS: usize = 1000;
/// ... and at least this often (time).
const COMMIT_EVERY: Duration = Duration::from_secs(30);

/// What happened to one file.
enum Outcome {
    Done(Box<Processed>),
    Failed(DocError),
    Unreadable(String),
    TooLarge(u64),
}

#[derive(Default)]
struct Summary {
    new: usize,
    changed: usize,
    unchanged: usize,
    removed: usize,
    pages: usize,
    passages: usize,
    tags: usize,
    failed: usize,
    skipped: BTreeMap<String, Vec<String>>,
}

pub(super) fn run(g: &Global, a: &IndexArgs) -> Result<ExitCode, Error> {
    let started = Instant::now();
    if a.rebuild {
        IndexStore::remove(&g.index)?;
    }
    let limits = Limits {
        time_budget: Duration::from_secs(a.timeout.max(1)),
        ..Limits::default()
    };
    let pipeline = super::pipeline(g, limits)?;
    let store = IndexStore::open_or_create(&g.index)?;
    let threads = a
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let mut writer = store.writer(64 << 20, 1)?;
    let catalogue = store.catalogue()?;

    let (files, walk_errors) = ingest::walk(&a.paths, Some(&g.index));
    let mut failures = walk_errors.len();
    for e in &walk_errors {
        warn(e);
    }
    let mut summary = Summary::default();

    // Files whose record matches size and mtime are unchanged: a stat, no read.
    let mut todo: Vec<(WalkEntry, bool)> = Vec::new();
    for f in &files {
        match catalogue.get(&f.key) {
            Some(r) if r.size == f.size && r.mtime_ns == f.mtime_ns => summary.unchanged += 1,
            Some(_) => todo.push((f.clone(), true)),
            None => todo.push((f.clone(), false)),
        }
    }

    // Files in the catalogue below the given roots that are gone from disk are removed.
    let roots: Vec<String> = a
        .paths
        .iter()
        .filter_map(|p| p.canonicalize().ok())
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let seen: HashSet<&str> = files.iter().map(|f| f.key.as_str()).collect();
    for key in catalogue.keys() {
        let below = roots
            .iter()
            .any(|r| key == r || key.starts_with(&format!("{}/", r.trim_end_matches('/'))));
        if below && !seen.contains(key.as_str()) {
            writer.remove(key);
            summary.removed += 1;
        }
    }

    let max_bytes = a.max_file_mib.saturating_mul(1 << 20);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Usage(format!("--threads {threads}: {e}")))?;
    let (tx, rx) = sync_channel::<(WalkEntry, bool, Outcome)>(threads * 2);
    let mut write_error: Option<Error> = None;
    std::thread::scope(|scope| {
        let pipeline = &pipeline;
        let todo = &todo;
        scope.spawn(move || {
            pool.install(|| {
                use rayon::prelude::*;
                todo.par_iter().for_each_with(tx, |tx, (entry, changed)| {
                    let outcome = process(pipeline, entry, max_bytes);
                    // The receiver only goes away on a fatal write error.
                    let _ = tx.send((entry.clone(), *changed, outcome));
                });
            });
        });
        let mut since_commit = 0usize;
        let mut last_commit = Instant::now();
        for (entry, changed, outcome) in rx {
            if write_error.is_some() {
                continue; // drain, so the workers finish
            }
            let path = entry.display();
            match outcome {
                Outcome::Done(p) => {
                    for w in &p.document.warnings {
                        warn(format!("{path}: warning: {w}"));
                    }
                    let record = FileRecord {
                        key: entry.key.clone(),
                        path: path.clone(),
                        doc: p.document.hash.clone(),
                        size: entry.size,
                        mtime_ns: entry.mtime_ns,
                        pages: p.document.pages.len() as u64,
                        passages: p.passages.len() as u64,
                    };
                    if let Err(e) = writer.replace(
                        &record,
                        &p.document,
                        &p.meta,
                        &p.passages,
                        pipeline.tagger.version(),
                    ) {
                        write_error = Some(e.into());
                        continue;
                    }
                    summary.pages += p.document.pages.len();
                    summary.passages += p.passages.len();
                    summary.tags += p
                        .passages
                        .iter()
                        .map(|tp| tp.tagging.tags.len())
                        .sum::<usize>();
                    if changed {
                        summary.changed += 1;
                    } else {
                        summary.new += 1;
                    }
                    since_commit += 1;
                }
                Outcome::Failed(DocError::Unsupported(reason)) => {
                    if changed {
                        writer.remove(&entry.key);
                    }
                    summary.skipped.entry(reason).or_default().push(path);
                }
                Outcome::Failed(e) => {
                    if changed {
                        writer.remove(&entry.key);
                    }
                    warn(format!("{path}: {e}"));
                    failures += 1;
                }
                Outcome::Unreadable(msg) => {
                    warn(format!("{path}: {msg}"));
                    failures += 1;
                }
                Outcome::TooLarge(size) => {
                    summary
                        .skipped
                        .entry(format!(
                            "larger than --max-file-mib {} ({} MiB)",
                            a.max_file_mib,
                            size >> 20
                        ))
                        .or_default()
                        .push(path);
                }
            }
            if since_commit >= COMMIT_EVERY_DOCS || last_commit.elapsed() >= COMMIT_EVERY {
                if let Err(e) = writer.commit() {
                    write_error = Some(e.into());
                }
                since_commit = 0;
                last_commit = Instant::now();
            }
        }
    });
    if let Some(e) = write_error {
        return Err(e);
    }
    writer.finish()?;
    summary.failed = failures;

    if !g.quiet {
        for (reason, paths) in &summary.skipped {
            let examples: Vec<&str> = paths.iter().take(3).map(String::as_str).collect();
            let more = if paths.len() > 3 {
                format!(" and {} more", paths.len() - 3)
            } else {
                String::new()
            };
            eprintln!(
                "redflag: skipped {} file(s), {reason}: {}{more}",
                paths.len(),
                examples.join(", ")
            );
        }
        let skipped: usize = summary.skipped.values().map(Vec::len).sum();
        eprintln!(
            "redflag index: {} files ({} new, {} changed, {} unchanged, {} removed, {} skipped, {} failed), {} pages, {} passages, {} tags, in {:.1}s -> {}",
            files.len(),
            summary.new,
            summary.changed,
            summary.unchanged,
            summary.removed,
            skipped,
            summary.failed,
            summary.pages,
            summary.passages,
            summary.tags,
            started.elapsed().as_secs_f64(),
            display_dir(&g.index),
        );
    }
    Ok(if failures > 0 {
        ExitCode::Error
    } else {
        ExitCode::Success
    })
}

fn process(pipeline: &Pipeline, entry: &WalkEntry, max_bytes: u64) -> Outcome {
    if entry.size > max_bytes {
        return Outcome::TooLarge(entry.size);
    }
    let bytes = match std::fs::read(&entry.path) {
        Ok(b) => b,
        Err(e) => {
            return Outcome::Unreadable(match Error::io(&entry.path, &e) {
                Error::Io { message, .. } => message,
                other => other.to_string(),
            })
        }
    };
    match pipeline.process(&entry.display(), entry.ext().as_deref(), &bytes) {
        Ok(p) => Outcome::Done(Box::new(p)),
        Err(e) => Outcome::Failed(e),
    }
}

fn display_dir(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}
