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

/// Commit at least this often, so an interrupted run keeps its work (documents: see
/// `--commit-every`). Few, large commits keep the segment count low; tantivy's default log
/// merge policy merges segments in the background, and `finish` waits for the merges.
const COMMIT_EVERY: Duration = Duration::from_secs(30);

/// What happened to one file.
enum Outcome {
    Done(Box<Processed>, Duration),
    /// Same bytes as indexed (only the modification time changed).
    Touched(String),
    Failed(DocError),
    Unreadable(String),
    TooLarge(u64),
}

impl Outcome {
    /// Approximate heap bytes held: page texts and passage texts of the file and of the
    /// documents found inside it.
    fn weight(&self) -> usize {
        let Outcome::Done(p, _) = self else {
            return 0;
        };
        let text =
            |d: &crate::model::Document| d.pages.iter().map(|pg| pg.text.len()).sum::<usize>();
        let derived: usize = p
            .derived
            .iter()
            .filter_map(|d| d.outcome.as_ref().ok())
            .map(|dp| text(&dp.document))
            .sum();
        2 * (text(&p.document) + derived) + 4096
    }
}

/// Bytes of processed documents allowed between the workers and the writer.
const IN_FLIGHT_BYTES: usize = 256 << 20;

/// A byte budget for processed documents on their way to the writer: a worker waits before
/// handing over a document that would exceed it (unless nothing is in flight, so one huge
/// document still passes), the writer gives the bytes back when it is done with it.
struct InFlight {
    used: std::sync::Mutex<usize>,
    freed: std::sync::Condvar,
    limit: usize,
}

impl InFlight {
    fn new(limit: usize) -> InFlight {
        InFlight {
            used: std::sync::Mutex::new(0),
            freed: std::sync::Condvar::new(),
            limit,
        }
    }

    fn acquire(&self, bytes: usize) {
        let mut used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        while *used > 0 && *used + bytes > self.limit {
            used = self.freed.wait(used).unwrap_or_else(|e| e.into_inner());
        }
        *used += bytes;
    }

    fn release(&self, bytes: usize) {
        let mut used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        *used = used.saturating_sub(bytes);
        self.freed.notify_all();
    }
}

/// Gives a document's bytes back to the budget when the writer is done with it.
struct Held<'a>(&'a InFlight, usize);

impl Drop for Held<'_> {
    fn drop(&mut self) {
        self.0.release(self.1);
    }
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
    /// Documents found inside files (ZIP members, messages, attachments).
    derived: usize,
    skipped: BTreeMap<String, Vec<String>>,
    /// Time spent extracting, segmenting and tagging, summed over threads.
    process_time: Duration,
    /// Time spent handing documents to the index writer.
    write_time: Duration,
    /// Bytes of page text produced.
    text_bytes: usize,
    /// (elapsed, passages written) at every tenth of the files processed.
    deciles: Vec<(Duration, usize)>,
}

/// Removes what was indexed from inside a file (`KEY!/...`) before the file is indexed again
/// or removed.
fn remove_derived(
    writer: &mut crate::index::Writer,
    catalogue: &std::collections::HashMap<String, FileRecord>,
    key: &str,
) {
    let prefix = format!("{key}!/");
    for k in catalogue.keys().filter(|k| k.starts_with(&prefix)) {
        writer.remove(k);
    }
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
    let threads = a
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    // Before any thread exists: the threads started later (workers, tantivy's indexer and
    // merger) inherit the confinement.
    let confined = a.threads.and_then(confine_to_cpus);
    let pipeline = super::pipeline(g, limits)?;
    let store = IndexStore::open_or_create(&g.index)?;
    // Two indexing threads (64 MiB each) from two cores on: while one writes its segment out
    // the other keeps taking documents, so the workers do not stall (1.81x -> 1.84x from one
    // to two cores on 10,000 generated files); more would only add segments to merge.
    let writer_threads = threads.min(2);
    let mut writer = store.writer((64 << 20) * writer_threads, writer_threads)?;
    let catalogue = store.catalogue()?;

    let (mut files, walk_errors) = ingest::walk(&a.paths, Some(&g.index));
    // the OCR cache next to the index is never a document
    if let Ok(cache) = super::ocr_cache_dir(&g.index).canonicalize() {
        files.retain(|f| !Path::new(&f.key).starts_with(&cache));
    }
    let mut failures = walk_errors.len();
    for e in &walk_errors {
        warn(e);
    }
    let mut summary = Summary::default();

    // Files whose record matches size and mtime are unchanged: a stat, no read.
    // Files whose size is the same but mtime differs are hashed: same hash, no parse.
    let mut todo: Vec<(WalkEntry, Option<String>)> = Vec::new();
    for f in &files {
        match catalogue.get(&f.key) {
            Some(r) if r.size == f.size && r.mtime_ns == f.mtime_ns => summary.unchanged += 1,
            Some(r) if r.size == f.size => todo.push((f.clone(), Some(r.doc.clone()))),
            Some(_) => todo.push((f.clone(), Some(String::new()))),
            None => todo.push((f.clone(), None)),
        }
    }
    // The largest files first (4 per thread, plus one in a thousand), the rest in walk
    // order, handed out one at a time: a long document started last leaves the other cores
    // idle at the end of the run (a 429-page manual did, on the dev corpus). Only a few move,
    // so the rest keeps the folder order and the throughput per tenth stays comparable.
    let first = (4 * threads + todo.len() / 1000).min(todo.len());
    if first > 0 && first < todo.len() {
        todo.select_nth_unstable_by(first - 1, |a, b| {
            b.0.size.cmp(&a.0.size).then_with(|| a.0.key.cmp(&b.0.key))
        });
        let (big, rest) = todo.split_at_mut(first);
        big.sort_by(|a, b| b.0.size.cmp(&a.0.size).then_with(|| a.0.key.cmp(&b.0.key)));
        rest.sort_by(|a, b| a.0.key.cmp(&b.0.key));
    }
    let progress = Progress::new(todo.len() as u64, g.quiet);

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
        // a document inside a file (`leak.zip!/a.pdf`) lives as long as its file
        let file = key.split_once("!/").map_or(key.as_str(), |(f, _)| f);
        if below && !seen.contains(key.as_str()) && !seen.contains(file) {
            writer.remove(key);
            summary.removed += 1;
        }
    }

    let max_bytes = a.max_file_mib.saturating_mul(1 << 20);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Usage(format!("--threads {threads}: {e}")))?;
    // Deep enough that the workers go on while the writer waits for tantivy (a segment being
    // written, a commit); memory is bounded by the bytes in flight, not by this count.
    let (tx, rx) = sync_channel::<(WalkEntry, bool, Outcome)>(threads * 32);
    let in_flight = InFlight::new(IN_FLIGHT_BYTES);
    let in_flight = &in_flight;
    let progress_ref = &progress;
    let mut write_error: Option<Error> = None;
    let processing_started = Instant::now();
    std::thread::scope(|scope| {
        let pipeline = &pipeline;
        let todo = &todo;
        scope.spawn(move || {
            pool.install(|| {
                use rayon::prelude::*;
                todo.par_iter()
                    .with_max_len(1)
                    .for_each_with(tx, |tx, (entry, old_hash)| {
                        progress_ref.current(&entry.display());
                        let outcome = process(pipeline, entry, old_hash.as_deref(), max_bytes);
                        in_flight.acquire(outcome.weight());
                        // The receiver only goes away on a fatal write error.
                        let _ = tx.send((entry.clone(), old_hash.is_some(), outcome));
                    });
            });
        });
        let mut since_commit = 0usize;
        let mut done = 0usize;
        let mut last_commit = Instant::now();
        for (entry, changed, outcome) in rx {
            let _held = Held(in_flight, outcome.weight());
            if write_error.is_some() {
                continue; // drain, so the workers finish
            }
            let path = entry.display();
            done += 1;
            if todo.len() >= 10 && done.is_multiple_of(todo.len().div_ceil(10)) {
                summary
                    .deciles
                    .push((processing_started.elapsed(), summary.passages));
            }
            progress.file_done(
                match &outcome {
                    Outcome::Done(p, _) => p.document.pages.len() as u64,
                    _ => 0,
                },
                matches!(&outcome, Outcome::Failed(e) if !e.is_skip())
                    || matches!(&outcome, Outcome::Unreadable(_)),
            );
            match outcome {
                Outcome::Touched(doc) => {
                    if let Some(old) = catalogue.get(&entry.key) {
                        let record = FileRecord {
                            mtime_ns: entry.mtime_ns,
                            doc,
                            ..old.clone()
                        };
                        if let Err(e) = writer.update_record(&record) {
                            write_error = Some(e.into());
                            continue;
                        }
                    }
                    summary.unchanged += 1;
                    since_commit += 1;
                }
                Outcome::Done(p, spent) => {
                    summary.process_time += spent;
                    summary.text_bytes += p
                        .document
                        .pages
                        .iter()
                        .map(|pg| pg.text.len())
                        .sum::<usize>();
                    let write_started = Instant::now();
                    for w in &p.document.warnings {
                        progress.warn(format!("{path}: warning: {w}"));
                    }
                    let record = FileRecord {
                        key: entry.key.clone(),
                        path: path.clone(),
                        doc: p.document.hash.clone(),
                        size: entry.size,
                        mtime_ns: entry.mtime_ns,
                        pages: p.document.pages.len() as u64,
                        passages: p.passages.len() as u64,
                        title: String::new(),
                        format: String::new(),
                        kind: String::new(),
                    };
                    if changed {
                        remove_derived(&mut writer, &catalogue, &entry.key);
                    }
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
                    // documents inside the file: keyed by the file's key + `!/...`
                    for d in &p.derived {
                        let dpath = format!("{path}{}", d.suffix);
                        match &d.outcome {
                            Ok(dp) => {
                                for w in &dp.document.warnings {
                                    progress.warn(format!("{dpath}: warning: {w}"));
                                }
                                let record = FileRecord {
                                    key: format!("{}{}", entry.key, d.suffix),
                                    path: dpath,
                                    doc: dp.document.hash.clone(),
                                    size: d.size,
                                    mtime_ns: entry.mtime_ns,
                                    pages: dp.document.pages.len() as u64,
                                    passages: dp.passages.len() as u64,
                                    title: String::new(),
                                    format: String::new(),
                                    kind: String::new(),
                                };
                                if let Err(e) = writer.replace(
                                    &record,
                                    &dp.document,
                                    &dp.meta,
                                    &dp.passages,
                                    pipeline.tagger.version(),
                                ) {
                                    write_error = Some(e.into());
                                    break;
                                }
                                summary.derived += 1;
                                summary.pages += dp.document.pages.len();
                                summary.passages += dp.passages.len();
                                summary.tags += dp
                                    .passages
                                    .iter()
                                    .map(|tp| tp.tagging.tags.len())
                                    .sum::<usize>();
                            }
                            Err(e) if e.skip => {
                                summary
                                    .skipped
                                    .entry(e.message.trim_start_matches("skipped: ").to_owned())
                                    .or_default()
                                    .push(dpath);
                            }
                            Err(e) => {
                                progress.warn(format!("{dpath}: {}", e.message));
                                failures += 1;
                            }
                        }
                    }
                    if write_error.is_some() {
                        continue;
                    }
                    summary.write_time += write_started.elapsed();
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
                        remove_derived(&mut writer, &catalogue, &entry.key);
                    }
                    summary.skipped.entry(reason).or_default().push(path);
                }
                Outcome::Failed(e) => {
                    if changed {
                        writer.remove(&entry.key);
                        remove_derived(&mut writer, &catalogue, &entry.key);
                    }
                    progress.warn(format!("{path}: {e}"));
                    failures += 1;
                }
                Outcome::Unreadable(msg) => {
                    progress.warn(format!("{path}: {msg}"));
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
            if since_commit >= a.commit_every.max(1) || last_commit.elapsed() >= COMMIT_EVERY {
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
    progress.finish();
    let finishing = Instant::now();
    writer.finish()?;
    let finish_time = finishing.elapsed();
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
        if let Some(ocr) = &pipeline.ocr {
            use std::sync::atomic::Ordering::Relaxed;
            let s = &ocr.stats;
            let (read, cached, failed) = (
                s.pages.load(Relaxed),
                s.cached.load(Relaxed),
                s.failed.load(Relaxed),
            );
            if read + cached + failed > 0 {
                let secs = s.millis.load(Relaxed) as f64 / 1000.0;
                let conf =
                    s.confidence_centi.load(Relaxed) as f64 / 100.0 / (read + cached).max(1) as f64;
                eprintln!(
                    "redflag index: OCR: {read} pages read ({:.1}s per page), {cached} from cache, {failed} unread, mean confidence {conf:.0}",
                    secs / read.max(1) as f64
                );
            }
        }
        if summary.derived > 0 {
            eprintln!(
                "redflag index: {} documents found inside files (archive members, messages, attachments)",
                summary.derived
            );
        }
    }
    if a.timings {
        let wall = started.elapsed().as_secs_f64();
        let cpu = summary.process_time.as_secs_f64().max(1e-9);
        if let Some(cpus) = &confined {
            eprintln!("redflag index timings: confined to CPUs {cpus:?}");
        }
        eprintln!(
            "redflag index timings: start {:.2}s (codebook, index, walk), final commit and merges {:.2}s",
            (processing_started - started).as_secs_f64(),
            finish_time.as_secs_f64()
        );
        eprintln!(
            "redflag index timings: wall {wall:.2}s, {threads} threads; processing (extract+segment+tag) {:.2}s CPU = {:.0} pages/s per thread, {:.1} MB/s of text per thread; writer {:.2}s; end to end {:.0} pages/s, {:.0} passages/s",
            cpu,
            summary.pages as f64 / cpu,
            summary.text_bytes as f64 / 1e6 / cpu,
            summary.write_time.as_secs_f64(),
            summary.pages as f64 / wall.max(1e-9),
            summary.passages as f64 / wall.max(1e-9),
        );
        if summary.deciles.len() >= 10 {
            let rate = |i: usize| {
                let (t0, p0) = if i == 0 {
                    (Duration::ZERO, 0)
                } else {
                    summary.deciles[i - 1]
                };
                let (t1, p1) = summary.deciles[i];
                (p1 - p0) as f64 / (t1 - t0).as_secs_f64().max(1e-9)
            };
            let rates: Vec<String> = (0..10).map(|i| format!("{:.0}", rate(i))).collect();
            eprintln!(
                "redflag index timings: passages/s per tenth of the files: {}; last/first {:.2}",
                rates.join(" "),
                rate(9) / rate(0).max(1e-9)
            );
        }
        if let Ok(store) = IndexStore::open(&g.index) {
            if let Ok(n) = store.segment_count() {
                eprintln!("redflag index timings: {n} segments after merging");
            }
        }
    }
    Ok(if failures > 0 {
        ExitCode::Error
    } else {
        ExitCode::Success
    })
}

/// `--threads N` below the number of CPUs this process may use keeps the whole process on N
/// of them, so that N means cores used: otherwise the index writer's threads (tantivy's
/// indexer and merger, the thread feeding them) run beside the N extraction workers and a
/// "one thread" run takes 1.4 cores. Returns the CPUs kept, `None` when nothing changed.
#[cfg(target_os = "linux")]
fn confine_to_cpus(n: usize) -> Option<Vec<usize>> {
    use nix::sched::{sched_getaffinity, sched_setaffinity, CpuSet};
    use nix::unistd::Pid;
    let current = sched_getaffinity(Pid::from_raw(0)).ok()?;
    let allowed: Vec<usize> = (0..CpuSet::count())
        .filter(|&c| current.is_set(c).unwrap_or(false))
        .collect();
    let keep = allowed
        .get(..n.max(1))
        .filter(|k| k.len() < allowed.len())?;
    let mut set = CpuSet::new();
    for &c in keep {
        set.set(c).ok()?;
    }
    sched_setaffinity(Pid::from_raw(0), &set).ok()?;
    Some(keep.to_vec())
}

#[cfg(not(target_os = "linux"))]
fn confine_to_cpus(_: usize) -> Option<Vec<usize>> {
    None
}

fn process(
    pipeline: &Pipeline,
    entry: &WalkEntry,
    old_hash: Option<&str>,
    max_bytes: u64,
) -> Outcome {
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
    if let Some(old) = old_hash.filter(|h| !h.is_empty()) {
        let hash = ingest::hash(&bytes);
        if hash == old {
            return Outcome::Touched(hash);
        }
    }
    let started = Instant::now();
    match pipeline.process(&entry.display(), entry.ext().as_deref(), &bytes) {
        Ok(p) => Outcome::Done(Box::new(p), started.elapsed()),
        Err(e) => Outcome::Failed(e),
    }
}

fn display_dir(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// Progress on a terminal (stderr): files and pages done, pages per second, current file,
/// ETA, failures so far. Hidden when stderr is not a terminal or with `--quiet`.
struct Progress {
    bar: indicatif::ProgressBar,
    pages: std::sync::atomic::AtomicU64,
    failed: std::sync::atomic::AtomicU64,
    started: Instant,
}

impl Progress {
    fn new(files: u64, quiet: bool) -> Progress {
        use std::io::IsTerminal;
        let bar = if quiet || !std::io::stderr().is_terminal() {
            indicatif::ProgressBar::hidden()
        } else {
            let b = indicatif::ProgressBar::new(files);
            b.set_style(
                indicatif::ProgressStyle::with_template(
                    "{elapsed_precise} [{bar:30}] {pos}/{len} files, ETA {eta}  {msg}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            b.enable_steady_tick(Duration::from_millis(200));
            b
        };
        Progress {
            bar,
            pages: Default::default(),
            failed: Default::default(),
            started: Instant::now(),
        }
    }

    fn current(&self, path: &str) {
        if self.bar.is_hidden() {
            return;
        }
        let pages = self.pages.load(std::sync::atomic::Ordering::Relaxed);
        let rate = pages as f64 / self.started.elapsed().as_secs_f64().max(0.001);
        let failed = self.failed.load(std::sync::atomic::Ordering::Relaxed);
        let name: String = path
            .chars()
            .rev()
            .take(40)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        self.bar.set_message(format!(
            "{pages} pages ({rate:.0}/s), {failed} failed  {name}"
        ));
    }

    fn file_done(&self, pages: u64, failed: bool) {
        self.pages
            .fetch_add(pages, std::sync::atomic::Ordering::Relaxed);
        if failed {
            self.failed
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        self.bar.inc(1);
    }

    /// Prints a line without tearing the bar.
    fn warn(&self, msg: String) {
        self.bar.suspend(|| warn(msg));
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};

    #[test]
    fn in_flight_budget_blocks_until_bytes_come_back() {
        let budget = InFlight::new(100);
        budget.acquire(80);
        let passed = AtomicBool::new(false);
        std::thread::scope(|s| {
            s.spawn(|| {
                budget.acquire(50); // 80 + 50 > 100: waits for the release
                passed.store(true, Ordering::SeqCst);
            });
            std::thread::sleep(Duration::from_millis(100));
            assert!(!passed.load(Ordering::SeqCst));
            drop(Held(&budget, 80));
        });
        assert!(passed.load(Ordering::SeqCst));
        // a document larger than the whole budget passes when nothing else is in flight
        budget.release(50);
        budget.acquire(1000);
        assert_eq!(*budget.used.lock().unwrap(), 1000);
    }
}
