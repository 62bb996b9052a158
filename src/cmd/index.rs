//! `redflag index PATH...`: walk, compare with the catalogue, process new and changed files
//! on all cores, write them to the index through a bounded channel, remove deleted files,
//! commit at checkpoints.

use super::warn;
use crate::cli::{Global, IndexArgs};
use crate::error::Error;
use crate::exit_codes::ExitCode;
use crate::extract::Limits;
use crate::index::sync::{self, CommitPolicy, Runner, Status, Updater};
use crate::index::IndexStore;
use crate::ingest::{self, WalkEntry};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

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
    let writer = store.writer((64 << 20) * writer_threads, writer_threads)?;
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

    let roots: Vec<String> = a
        .paths
        .iter()
        .filter_map(|p| p.canonicalize().ok())
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let mut plan = sync::plan(&catalogue, &files, &roots);
    sync::schedule(&mut plan.todo, threads);
    summary.unchanged = plan.unchanged.len();
    summary.removed = plan.removed.len();
    let todo = plan.todo;
    let progress = Progress::new(todo.len() as u64, g.quiet);
    let mut sync = Updater::new(
        writer,
        catalogue,
        pipeline.tagger.version(),
        CommitPolicy {
            files: a.commit_every.max(1),
            ..CommitPolicy::default()
        },
    );
    // Files in the catalogue below the given roots that are gone from disk are removed.
    sync.remove(&plan.removed);

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Usage(format!("--threads {threads}: {e}")))?;
    let read = |entry: &WalkEntry| {
        std::fs::read(&entry.path).map_err(|e| match Error::io(&entry.path, &e) {
            Error::Io { message, .. } => message,
            other => other.to_string(),
        })
    };
    let on_start = |entry: &WalkEntry| progress.current(&entry.display());
    let runner = Runner {
        pipeline: &pipeline,
        pool: &pool,
        read: &read,
        on_start: &on_start,
        max_file_bytes: a.max_file_mib.saturating_mul(1 << 20),
        in_flight_bytes: sync::IN_FLIGHT_BYTES,
    };
    let processing_started = Instant::now();
    let mut done = 0usize;
    runner.run(&todo, &mut sync, |_, r| {
        done += 1;
        if todo.len() >= 10 && done.is_multiple_of(todo.len().div_ceil(10)) {
            summary
                .deciles
                .push((processing_started.elapsed(), summary.passages));
        }
        progress.file_done(r.file_pages as u64, r.status == Status::Failed);
        for w in &r.warnings {
            progress.warn(w.clone());
        }
        for f in &r.failures {
            progress.warn(f.clone());
        }
        failures += r.failures.len();
        for (reason, path) in &r.skipped {
            summary
                .skipped
                .entry(reason.clone())
                .or_default()
                .push(path.clone());
        }
        match r.status {
            Status::New => summary.new += 1,
            Status::Changed => summary.changed += 1,
            Status::Unchanged => summary.unchanged += 1,
            Status::Skipped | Status::Failed => {}
        }
        summary.derived += r.inside;
        summary.pages += r.pages;
        summary.passages += r.passages;
        summary.tags += r.tags;
        summary.process_time += r.process_time;
        summary.write_time += r.write_time;
        summary.text_bytes += r.text_bytes;
    })?;
    progress.finish();
    let finishing = Instant::now();
    sync.finish()?;
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
